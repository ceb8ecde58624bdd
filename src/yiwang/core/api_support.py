"""Shared plumbing for the JSON API: UTF-8 renderer, one error shape, bounded input types,
one pagination for every list endpoint.

Authentication (personal tokens, the session) is ``accounts.api_auth``."""

import json
from typing import Annotated

from django.core.serializers.json import DjangoJSONEncoder
from ninja import Field, Schema
from ninja.renderers import BaseRenderer

from .errors import DomainError
from .pagination import COUNT_CAP, paginate_capped


class ChineseJSONRenderer(BaseRenderer):
    """JSON with Chinese as UTF-8 characters, not \\uXXXX escapes."""

    media_type = "application/json"
    charset = "utf-8"

    def render(self, request, data, *, response_status):
        return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)


def error_body(code: str, message: str, **extra) -> dict:
    body = {"error": {"code": code, "message": message}}
    body["error"].update({k: v for k, v in extra.items() if v is not None})
    return body


# Bounded input types: hostile numbers get a 422, never a database overflow (500).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
IdList = Annotated[list[Id], Field(max_length=200)]
Limit = Annotated[int, Field(ge=1, le=500)]
Offset = Annotated[int, Field(ge=0, le=1_000_000)]
Text = Annotated[str, Field(max_length=5000)]
Year = Annotated[int, Field(ge=2000, le=2100)]


MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50


class PageParams(Schema):
    """``?page=&page_size=`` of every list endpoint (out of range: a 400 with a Chinese message)."""

    page: int = Field(1, description="页码，从 1 开始")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, description=f"每页条数，默认 {DEFAULT_PAGE_SIZE}，最多 {MAX_PAGE_SIZE}"
    )


class PageOut(Schema):
    """The one list answer; a list endpoint's schema adds ``items: list[ItemOut]``."""

    count: int = Field(
        description="符合条件的条数；超过上限（10000，带关键词 q 时 1000）时为上限，且 count_capped 为 true"
    )
    count_capped: bool
    page: int
    page_size: int
    num_pages: int


def page_of(qs, paging: PageParams, out=None, cap: int = COUNT_CAP) -> dict:
    """One page of ``qs`` as ``{"count", "count_capped", "page", "page_size", "num_pages", "items"}``.

    Counts are exact up to ``cap`` (10 000; 1 000 for a text filter: ``core.pagination.count_cap``)
    (``core.pagination.paginate_capped``); a page past the last
    one is empty (not the last page again). ``out(item)`` turns each row into its answer;
    without it the rows stay objects for the response schema to read."""
    page, page_size = paging.page, paging.page_size
    if page < 1:
        raise DomainError("页码应从 1 开始。", field="page")
    if page > MAX_PAGE:
        raise DomainError(f"页码不能超过 {MAX_PAGE}。", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise DomainError(f"每页条数应在 1 到 {MAX_PAGE_SIZE} 之间。", field="page_size")
    result = paginate_capped(qs, page, page_size, cap=cap)
    items = result.items if result.number == page else []
    return {
        "count": result.count,
        "count_capped": result.count_capped,
        "page": page,
        "page_size": page_size,
        "num_pages": result.num_pages,
        "items": [out(item) for item in items] if out else items,
    }
