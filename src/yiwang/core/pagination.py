"""Page-number pagination for list pages that never runs an unbounded query."""

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
