"""What a bank's API handlers share for one kind of item, declared once per kind.

The handlers stay in the bank's ``api.py`` (their names and summaries are the OpenAPI
document); their bodies read through an :class:`ItemApi`: the list is the visible selector
with its filters and prefetch, one page of ``core.api_support.page_of`` (capped count, one
shape for every list); a detail is the access selector (not found for missing and forbidden
alike) plus ``can_edit``; an action reads the item, runs the service and answers with the
detail read again.
"""

from collections.abc import Callable
from dataclasses import dataclass

from yiwang.core.api_support import page_of
from yiwang.core.errors import DomainError
from yiwang.core.pagination import count_cap


def _as_is(qs, viewer):
    return qs


@dataclass(frozen=True)
class ItemApi:
    """``access(viewer, pk)``: the item or ``NotFoundError``; ``can_edit(viewer, item)``: the
    bank's rule; ``selector(viewer, **filters)``: the visible list; ``prefetch(qs, viewer)``:
    what a list row shows."""

    access: Callable
    can_edit: Callable
    selector: Callable
    prefetch: Callable = _as_is

    def detail(self, viewer, pk):
        item = self.access(viewer, pk)
        item.can_edit = self.can_edit(viewer, item)
        return item

    def page(self, request, filters, paging) -> dict:
        """One page of the visible list with the request's filters (a ninja ``Schema``)."""
        viewer, asked = request.auth, filters.dict(exclude_none=True)
        return page_of(self.prefetch(self.selector(viewer, **asked), viewer), paging, cap=count_cap(asked))

    def act(self, request, pk, action: Callable):
        """Read the item for the viewer, run ``action(item)`` (a service call), answer its detail."""
        item = self.access(request.auth, pk)
        action(item)
        return self.detail(request.auth, item.pk)


def not_null(data: dict, keys) -> None:
    """A ``PATCH`` may leave a required field out, not set it to ``null``."""
    for key in keys:
        if key in data and data[key] is None:
            raise DomainError("该字段不能为空。", field=key)
