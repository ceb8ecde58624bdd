"""The list filters several banks share, applied the same way by each bank's visible selector.

A bank's ``<things>_visible_to(viewer, **filters)`` first applies its visibility and status
rules, then hands the filters every bank means the same by to :func:`common_filters`, and
keeps only its own (``kind``, ``category``…).
"""

from collections.abc import Callable

from django.db.models import Q, QuerySet

from yiwang.network.selectors import owner_school_filter


def common_filters(qs: QuerySet, *, school=None, module=None, year=None, teacher=None) -> QuerySet:
    """``school``: a School, its id or its code; ``module``: a teaching module or its id;
    ``year``: created in that year; ``teacher``: among the item's ``teachers``."""
    if school:
        qs = qs.filter(**owner_school_filter(school))
    if module:
        qs = qs.filter(module_id=getattr(module, "pk", module))
    if year:
        qs = qs.filter(created_at__year=int(year))
    if teacher:
        qs = qs.filter(teachers=getattr(teacher, "pk", teacher))
    return qs


def active_filter(qs: QuerySet, status: str, keepers: Callable) -> QuerySet:
    """停用 items (``is_active`` false) are shown only to the schools that keep them
    (``keepers()``: the ids of the viewer's schools whose staff may restore them, asked only
    when needed): ``status`` ``"retired"`` — only those; ``"all"`` — active ones and those;
    else the active ones."""
    if status == "retired":
        return qs.filter(is_active=False, owner_school_id__in=keepers())
    if status == "all":
        return qs.filter(Q(is_active=True) | Q(owner_school_id__in=keepers()))
    return qs.filter(is_active=True)
