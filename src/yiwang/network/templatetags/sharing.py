"""``{% sharing item %}``: an item's 共享范围 as every page shows it — for 协作 (partners) also the
alliances and support partnerships it is shared with, so a reader knows who else sees it."""

from django import template

from ..enums import SharingScope

register = template.Library()


@register.inclusion_tag("network/includes/sharing.html")
def sharing(item):
    alliances = partnerships = ()
    if getattr(item, "scope", None) == SharingScope.PARTNERS:
        alliances = [a.name for a in item.shared_alliances.order_by("name")]
        partnerships = [
            f"{p.supporter.short_name}→{p.supported.short_name}（对口支援）"
            for p in item.shared_partnerships.select_related("supporter", "supported").order_by("id")
        ]
    return {
        "label": item.get_scope_display(),
        "with": [*alliances, *partnerships],
        "partners": bool(alliances or partnerships),
    }
