"""The one API object, mounting every app's router under /api/v1/."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from yiwang.accounts.api_auth import OptionalBearer
from yiwang.core.api_messages import validation_reason
from yiwang.core.api_support import ChineseJSONRenderer, error_body
from yiwang.core.errors import DomainError

api = NinjaAPI(
    title="一网 API",
    version="1",
    description=(
        "党校系统资源共享平台的 JSON 接口。认证：`Authorization: Bearer <个人令牌>`（在“个人设置 → API 令牌”中创建）。"
        "写请求（POST/PUT/PATCH/DELETE）可带 `Idempotency-Key: <UUID>`：同一调用者用同一个键重发同一请求时返回第一次的结果"
        "（响应头 `Idempotent-Replayed: true`），不会重复写入；同一个键配不同的请求内容会被拒绝（422）。"
        "文本中不得含 NUL 等控制字符（400，`control_characters`）。"
    ),
    renderer=ChineseJSONRenderer(),
    auth=OptionalBearer(),
    urls_namespace="api",
    # Served by ``openapi_document`` below (UTF-8 Chinese); the interactive docs
    # page would load Swagger UI from a CDN, which intranets don't have.
    openapi_url=None,
    docs_url=None,
)

API_ROOT = "/api/v1/"


def openapi_document(request):
    """The OpenAPI document, with Chinese as UTF-8 rather than \\u escapes."""
    import json

    from django.http import HttpResponse
    from ninja.responses import NinjaJSONEncoder

    schema = api.get_openapi_schema(path_prefix=API_ROOT)
    return HttpResponse(
        json.dumps(schema, cls=NinjaJSONEncoder, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return api.create_response(request, error_body(exc.code, exc.message, field=exc.field), status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    details = []
    for err in exc.errors:
        loc = ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload"))
        details.append({"field": loc, "reason": validation_reason(err)})
    return api.create_response(
        request, error_body("validation_error", "请求参数不正确，请检查后重试。", details=details), status=422
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return api.create_response(request, error_body("unauthorized", "未登录或令牌无效。"), status=401)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, error_body("not_found", "未找到该记录，或您无权查看。"), status=404)


@api.exception_handler(OverflowError)
def on_overflow(request, exc):
    return api.create_response(request, error_body("validation_error", "数值超出允许范围。"), status=422)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return api.create_response(request, error_body("http_error", str(exc.message)), status=exc.status_code)


def _mount() -> None:
    from importlib import import_module

    for app in (
        "network",
        "accounts",
        "faculty",
        "topics",
        "courses",
        "research",
        "classes",
        "reviews",
        "exchanges",
        "codev",
        "calls",
        "sites",
        "alliances",
        "search",
        "dashboards",
    ):
        try:
            module = import_module(f"yiwang.{app}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"yiwang.{app}.api":
                raise
            continue
        api.add_router(f"/{module.PREFIX}", module.router)


_mount()
