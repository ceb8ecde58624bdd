"""``{% topic_panels topic as panels %}``: the registered panels of the topic page (``topics.panels``)."""

from django import template

from yiwang.topics import panels

register = template.Library()


@register.simple_tag(takes_context=True)
def topic_panels(context, topic):
    request = context.get("request")
    return panels.topic_panels(getattr(request, "user", None), topic)
