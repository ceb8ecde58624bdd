"""Input checks shared by every app: text, links, uploaded files, and the control-character rule.

``has_control_characters`` / ``strip_control_characters`` are the one definition of text no
field may hold (NUL and the other C0 control characters except tab, line feed and carriage
return, plus DEL, and lone surrogates that no database can store). The input boundary
(``core.middleware.ControlCharacterMiddleware`` for every form and API body, ``core.excel``
for imported cells) refuses them; search and filter strings have them stripped.

Every refusal is a ``DomainError`` with a Chinese message naming the field, so a
page shows it beside the field and the API returns it in the shared error shape.
"""

import os
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from yiwang.core.errors import DomainError

# Allowed upload types: extension → the file's first bytes ("" = plain text, checked apart).
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (.doc/.ppt/.xls)
ZIP = b"PK\x03\x04"  # Office Open XML (.docx/.pptx/.xlsx)
FILE_SIGNATURES = {
    "pdf": (b"%PDF",),
    "doc": (OLE,),
    "ppt": (OLE,),
    "xls": (OLE,),
    "docx": (ZIP,),
    "pptx": (ZIP,),
    "xlsx": (ZIP,),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "txt": (),
}
ALLOWED_TYPES_TEXT = "PDF、Word（doc/docx）、PowerPoint（ppt/pptx）、Excel（xls/xlsx）、TXT、JPG、PNG"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_URL = URLValidator(schemes=["http", "https"])
CONTROL_CHARACTERS_REFUSED = "含有无法识别的控制字符（如 NUL、响铃符），请删除后重试"


def has_control_characters(text: str) -> bool:
    """True if ``text`` holds a character no stored text may hold (tab and newlines are fine)."""
    return bool(_CONTROL.search(text)) or not _encodable(text)


def strip_control_characters(text: str) -> str:
    """``text`` without those characters (for search queries and filters)."""
    text = _CONTROL.sub("", text)
    return text if _encodable(text) else text.encode("utf-8", "ignore").decode("utf-8")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_text(
    value,
    *,
    label: str,
    field: str,
    max_length: int | None = None,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """Trimmed text, or DomainError for missing/too long/unprintable input."""
    text = unicodedata.normalize("NFC", str(value or "")).strip()
    if not multiline:
        text = text.replace("\r", " ").replace("\n", " ")
    if has_control_characters(text):
        raise DomainError(f"{label}含有无法识别的字符，请删除后重试。", field=field)
    if required and not text:
        raise DomainError(f"请填写{label}。", field=field)
    if max_length and len(text) > max_length:
        raise DomainError(f"{label}最多 {max_length} 个字，现有 {len(text)} 个字。", field=field)
    return text


def clean_query(value) -> str:
    """A search/filter string safe for any database (control characters and lone surrogates dropped)."""
    return strip_control_characters(str(value or "")).strip()[:100]


def clean_choice(value, choices, *, label: str, field: str) -> str:
    if value not in choices.values:
        raise DomainError(f"{label}只能是{'、'.join(str(x) for x in choices.labels)}之一。", field=field)
    return value


def clean_link(value, *, label: str = "链接", field: str = "link") -> str:
    link = clean_text(value, label=label, field=field, max_length=200)
    if not link:
        return ""
    try:
        _URL(link)
    except ValidationError:
        raise DomainError(f"{label}不是有效的网址，应以 http:// 或 https:// 开头。", field=field) from None
    return link


def clean_amount(value, *, label: str, field: str, max_value: Decimal) -> Decimal:
    """A non-negative amount with at most two decimals (e.g. 经费 in 万元)."""
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        raise DomainError(f"{label}应为数字，例如 5 或 12.5。", field=field) from None
    if not amount.is_finite() or amount < 0 or amount > max_value:
        raise DomainError(f"{label}应在 0 到 {max_value} 之间。", field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(f"{label}最多保留两位小数。", field=field)
    return amount.quantize(Decimal("0.01"))


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    # A multi-byte character cut at the end of the sample is fine.
    try:
        head[:-3].decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def check_upload(upload, *, field: str = "file", label: str = "文件") -> str:
    """Refuse oversized files and types outside the list; return the lower-case extension."""
    name = os.path.basename(getattr(upload, "name", "") or "")
    size = getattr(upload, "size", None) or 0
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise DomainError(
            f"{label}过大（{size / 1048576:.1f} MB），上限为 {limit / 1048576:.0f} MB。",
            code="file_too_large",
            field=field,
        )
    if size == 0:
        raise DomainError(f"{label}是空的，请重新选择。", field=field)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in FILE_SIGNATURES:
        raise DomainError(
            f"不支持的{label}类型“{ext or '无扩展名'}”。可上传：{ALLOWED_TYPES_TEXT}；视频请以链接形式提供。",
            code="file_type",
            field=field,
        )
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    signatures = FILE_SIGNATURES[ext]
    ok = _looks_like_text(head) if not signatures else any(head.startswith(sig) for sig in signatures)
    if not ok:
        raise DomainError(
            f"{label}内容与扩展名“.{ext}”不符，请确认文件未损坏且类型正确。", code="file_type", field=field
        )
    if len(name) > 150:
        raise DomainError(f"{label}名过长，请改短后再上传（最多 150 个字）。", field=field)
    return ext
