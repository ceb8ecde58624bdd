"""Page-number pagination for list pages.

``paginate`` counts exactly (small lists: audit log, per-school lists). ``paginate_capped``
is for the large banks: an exact ``COUNT(*)`` over a million visible rows costs ~0.4 s on
SQLite whatever the indexes (every row's scope must be checked), while counting at most
``COUNT_CAP + 1`` rows costs ~10 ms; above the cap pages and the API say "10000+"
(``count_capped``).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Q

DEFAULT_PAGE_SIZE = 50


@dataclass
class PageResult:
    items: list
    number: int
    num_pages: int
    count: int
    has_previous: bool
    has_next: bool
    previous_page_number: int | None
    next_page_number: int | None


def paginate(queryset, page: str | int | None, per_page: int = DEFAULT_PAGE_SIZE) -> PageResult:
    paginator = Paginator(queryset, per_page)
    try:
        page_obj = paginator.page(page or 1)
    except PageNotAnInteger:
        page_obj = paginator.page(1)
    except EmptyPage:
        page_obj = paginator.page(paginator.num_pages)
    return PageResult(
        items=list(page_obj.object_list),
        number=page_obj.number,
        num_pages=paginator.num_pages,
        count=paginator.count,
        has_previous=page_obj.has_previous(),
        has_next=page_obj.has_next(),
        previous_page_number=page_obj.number - 1 if page_obj.has_previous() else None,
        next_page_number=page_obj.number + 1 if page_obj.has_next() else None,
    )


COUNT_CAP = 10_000
# A list narrowed by a text filter ``q`` counts up to 1 000 ("1000+", as a search engine does):
# a frequent word's list is walked in its own order (``banks.text_filter``), so its count costs
# the rows walked to find that many matches, not the bank's size.
TEXT_FILTER_COUNT_CAP = 1_000


def count_cap(filters) -> int:
    """The count cap of a list asked with ``filters`` (a dict): lower when it has a text filter."""
    return TEXT_FILTER_COUNT_CAP if filters.get("q") else COUNT_CAP


@dataclass
class CappedPage:
    items: list
    number: int
    per_page: int
    count: int
    count_capped: bool
    num_pages: int
    has_previous: bool
    has_next: bool
    previous_page_number: int | None
    next_page_number: int | None


def page_number(value) -> int:
    try:
        return max(1, int(value or 1))
    except (TypeError, ValueError):
        return 1


def paginate_capped(queryset, page, per_page: int = 50, cap: int = COUNT_CAP) -> CappedPage:
    """One page of ``queryset`` (ordered) and its count, exact up to ``cap``."""
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    capped = counted > cap
    count = min(counted, cap)
    return counted_page(
        lambda start, size: list(queryset[start : start + size]), page, count, capped, per_page=per_page
    )


def counted_page(read, page, count: int, capped: bool, *, per_page: int = 50) -> CappedPage:
    """A page when the count is already known (exact, or a cap when ``capped``): ``read(start,
    size)`` returns the rows from ``start``; one more than a page is read to know if one follows."""
    number = page_number(page)
    num_pages = max(1, -(-count // per_page))
    if not capped:
        number = min(number, num_pages)
    rows = read((number - 1) * per_page, per_page + 1)
    has_next = len(rows) > per_page
    return CappedPage(
        items=rows[:per_page],
        number=number,
        per_page=per_page,
        count=count,
        count_capped=capped,
        num_pages=max(num_pages, number + (1 if has_next else 0)) if capped else num_pages,
        has_previous=number > 1,
        has_next=has_next,
        previous_page_number=number - 1 if number > 1 else None,
        next_page_number=number + 1 if has_next else None,
    )


# ---- keyset pages (newest first), for logs that only grow ------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class KeysetPage:
    """One page of a newest-first list read by position, not by offset: the cost of a page does
    not grow with how far back it is. ``older`` / ``newer`` are the cursors of the next pages."""

    items: list
    count: int
    count_capped: bool
    older: str | None
    newer: str | None


def _cursor(when: datetime, pk: int) -> str:
    delta = when - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}.{pk}"


def _parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    """``<microseconds since 1970>.<id>``; anything else is no cursor (the first page)."""
    try:
        micros, pk = str(value or "").split(".")
        return _EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except (TypeError, ValueError, OverflowError):
        return None


def keyset_page(
    queryset,
    *,
    older: str | None = None,
    newer: str | None = None,
    per_page: int = DEFAULT_PAGE_SIZE,
    cap: int = COUNT_CAP,
    field: str = "created_at",
) -> KeysetPage:
    """A page of ``queryset`` ordered by ``-field, -id``: the first page, the page after the row
    ``older`` names, or the page before the row ``newer`` names. The count is exact up to ``cap``."""
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    after, before = _parse_cursor(older), _parse_cursor(newer)
    if before is not None and after is None:
        when, pk = before
        rows = list(
            queryset.filter(Q(**{f"{field}__gt": when}) | Q(**{field: when, "pk__gt": pk})).order_by(
                field, "pk"
            )[: per_page + 1]
        )
        more_newer = len(rows) > per_page
        items = list(reversed(rows[:per_page]))
        more_older = True
    else:
        qs = queryset.order_by(f"-{field}", "-pk")
        if after is not None:
            when, pk = after
            qs = qs.filter(Q(**{f"{field}__lt": when}) | Q(**{field: when, "pk__lt": pk}))
        rows = list(qs[: per_page + 1])
        more_older = len(rows) > per_page
        items = rows[:per_page]
        more_newer = after is not None
    return KeysetPage(
        items=items,
        count=min(counted, cap),
        count_capped=counted > cap,
        older=_cursor(getattr(items[-1], field), items[-1].pk) if items and more_older else None,
        newer=_cursor(getattr(items[0], field), items[0].pk) if items and more_newer else None,
    )
