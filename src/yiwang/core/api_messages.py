"""Chinese reasons for the API's input-validation errors (``details[].reason``).

Pydantic reports each problem with a stable ``type`` and its limits in ``ctx``; the
English ``msg`` is never shown. A type not listed here gets a general reason, so no
English text reaches a caller."""

import re

_CJK = re.compile(r"[\u4e00-\u9fff]")

# type → reason; ``{name}`` is filled from the error's ``ctx``.
REASONS = {
    "missing": "必填项",
    "missing_argument": "必填项",
    "extra_forbidden": "不允许的字段",
    "none_required": "应为空",
    "is_instance_of": "类型不正确",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "set_type": "应为列表",
    "iterable_type": "应为列表",
    "string_type": "应为文本",
    "string_unicode": "应为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "too_short": "至少 {min_length} 项",
    "too_long": "不能超过 {max_length} 项",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_parsing_size": "数值超出允许范围",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_digits": "数字位数不能超过 {max_digits} 位",
    "decimal_max_places": "小数不能超过 {decimal_places} 位",
    "decimal_whole_digits": "整数部分位数过多",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "bool_type": "应为是或否（true / false）",
    "bool_parsing": "应为是或否（true / false）",
    "date_type": "应为日期，例如 2026-09-01",
    "date_parsing": "应为日期，例如 2026-09-01",
    "date_from_datetime_parsing": "应为日期，例如 2026-09-01",
    "date_from_datetime_inexact": "应为日期（不含时间）",
    "datetime_type": "应为日期时间，例如 2026-09-01T09:00:00+08:00",
    "datetime_parsing": "应为日期时间，例如 2026-09-01T09:00:00+08:00",
    "datetime_from_date_parsing": "应为日期时间，例如 2026-09-01T09:00:00+08:00",
    "time_type": "应为时间，例如 09:00",
    "time_parsing": "应为时间，例如 09:00",
    "timezone_aware": "应带时区，例如 +08:00",
    "enum": "应为以下之一：{expected}",
    "literal_error": "应为以下之一：{expected}",
    "uuid_type": "应为 UUID",
    "uuid_parsing": "应为 UUID",
    "url_type": "应为网址",
    "url_parsing": "网址格式不正确",
    "url_scheme": "网址协议不正确",
    "json_invalid": "不是有效的 JSON",
    "json_type": "不是有效的 JSON",
    "bytes_too_long": "内容过长",
    "value_error": "取值不正确",
    "assertion_error": "取值不正确",
}
GENERAL = "格式不正确"


def validation_reason(error: dict) -> str:
    """The Chinese reason for one pydantic error (``{"type", "msg", "ctx", …}``)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error":  # our own validators raise ValueError with a Chinese message
        message = str(ctx.get("error") or "")
        if _CJK.search(message):
            return message
    template = REASONS.get(kind, GENERAL)
    try:
        reason = template.format(**{k: _plain(v) for k, v in ctx.items()})
    except (KeyError, IndexError, ValueError):
        reason = template.split("{")[0].rstrip("：") or GENERAL
    return reason


def _plain(value) -> str:
    """``ctx`` values as a person reads them: ``'a' or 'b'`` → ``a、b``."""
    text = str(value)
    if " or " in text or "'" in text:
        text = "、".join(part.strip().strip("'\"") for part in re.split(r",| or ", text) if part.strip())
    return text
