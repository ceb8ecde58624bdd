"""The shared field template's one helper: a control that says it is required."""

from django import template

register = template.Library()


@register.filter
def control(field):
    """Render the field's widget, marking a required single control with aria-required.

    Django adds ``required`` only where the browser can check it (a select whose first
    option is not empty gets none), so assistive technology is told with aria-required.
    Groups of radios or checkboxes (``use_fieldset``) are marked on their fieldset instead.
    """
    attrs = {}
    if field.field.required and not field.use_fieldset and not field.is_hidden:
        attrs["aria-required"] = "true"
    return field.as_widget(attrs=attrs)
