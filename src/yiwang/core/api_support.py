"""Shared plumbing for the JSON API: UTF-8 renderer, one error shape, bounded input types.

Authentication (personal tokens, the session) is ``accounts.api_auth``."""

import json
from typing import Annotated

from django.core.serializers.json import DjangoJSONEncoder
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from ninja.renderers import BaseRenderer


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


class BankPagination(PageNumberPagination):
    """Page-number pagination with bounded numbers (a huge page or page size is a 422, never a 500)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000, description="页码，从 1 开始")
        page_size: int | None = Field(None, ge=1, le=100, description="每页条数，默认 20，最多 100")
