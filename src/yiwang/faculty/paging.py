"""Page-number pagination for the large banks, with a capped count.

An exact ``COUNT(*)`` over a million visible rows costs ~0.4 s on SQLite whatever the
indexes (every row's scope must be checked); counting at most ``COUNT_CAP + 1`` rows
costs ~10 ms. Above the cap the pages and the API say "10000+" (``count_capped``).
Used by the faculty and topic lists (pages and API); a candidate for core/pagination.py.
"""

from dataclasses import dataclass

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
    rows = list(queryset[start:start + per_page + 1])
    has_next = len(rows) > per_page
    return CappedPage(
        items=rows[:per_page], number=number, per_page=per_page, count=count, count_capped=capped,
        num_pages=max(num_pages, number + (1 if has_next else 0)) if capped else num_pages,
        has_previous=number > 1, has_next=has_next,
        previous_page_number=number - 1 if number > 1 else None, next_page_number=number + 1 if has_next else None,
    )
