"""Page-number pagination for list pages.

``paginate`` counts exactly (small lists: audit log, per-school lists). ``paginate_capped``
is for the large banks: an exact ``COUNT(*)`` over a million visible rows costs ~0.4 s on
SQLite whatever the indexes (every row's scope must be checked), while counting at most
``COUNT_CAP + 1`` rows costs ~10 ms; above the cap pages and the API say "10000+"
(``count_capped``).
"""

from dataclasses import dataclass

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator

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
    number = page_number(page)
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    capped = counted > cap
    count = min(counted, cap)
    num_pages = max(1, -(-count // per_page))
    if not capped:
        number = min(number, num_pages)
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
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
