"""Reading uploads: the size/type check and the first sheet's rows — all at once with
python-calamine (``read_sheet``, small files such as rosters) or streamed (``open_sheet``, imports)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from python_calamine import CalamineError, CalamineWorkbook

from yiwang.core.errors import DomainError

from .columns import cell_text
from .streaming import SheetError, StreamedSheet

XLSX_MAGIC = b"PK\x03\x04"
NOT_XLSX = "文件不是有效的 Excel（.xlsx）文件，请下载模板填写后另存为 .xlsx 再上传。"


def _read_bytes(upload) -> bytes:
    if isinstance(upload, (bytes, bytearray)):
        return bytes(upload)
    if isinstance(upload, (str, Path)):
        return Path(upload).read_bytes()
    if hasattr(upload, "seek"):
        upload.seek(0)
    return upload.read()


def check_upload(upload, filename: str = "") -> bytes:
    """The file's bytes if it is a plausible xlsx within the size limit; else DomainError."""
    size = getattr(upload, "size", None)
    limit = settings.IMPORT_MAX_BYTES
    if size is not None and size > limit:
        raise DomainError(_too_big(size, limit), code="file_too_large", field="file")
    if filename and not filename.lower().endswith(".xlsx"):
        raise DomainError(NOT_XLSX, code="not_xlsx", field="file")
    data = _read_bytes(upload)
    if len(data) > limit:
        raise DomainError(_too_big(len(data), limit), code="file_too_large", field="file")
    if not data.startswith(XLSX_MAGIC):
        raise DomainError(NOT_XLSX, code="not_xlsx", field="file")
    return data


def _too_big(size: int, limit: int) -> str:
    return f"文件过大（{size / 1048576:.1f} MB），上限为 {limit / 1048576:.0f} MB，请拆分后分批导入。"


def read_sheet(data: bytes) -> tuple[int, Iterator[list]]:
    """(row count, rows) of the first sheet; DomainError if it is not a readable xlsx."""

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        return sheet.height, iter(sheet.iter_rows())
    except (CalamineError, OSError, ValueError, IndexError) as exc:
        raise DomainError(NOT_XLSX, code="not_xlsx", field="file") from exc
    except Exception as exc:  # calamine raises its own error classes for broken zips/XML
        if type(exc).__module__.startswith("python_calamine"):
            raise DomainError(NOT_XLSX, code="not_xlsx", field="file") from exc
        raise


def clean_header(text: Any) -> str:
    return cell_text(text or "").replace("*", "").replace("＊", "").strip()


#: Sheets up to this much XML are read by calamine at once (it is 3× faster than streaming and
#: holds about as much memory as the XML: ≤ ~80 MB); larger ones are streamed.
READ_AT_ONCE_MAX_XML = 80 * 1024 * 1024


def open_sheet(data: bytes):
    """The first sheet of ``data`` for an import: iterate it (as often as needed) for its rows;
    ``height`` is its row count (0 when unknown) and ``count_rows()`` counts them. A sheet of
    up to ``READ_AT_ONCE_MAX_XML`` is read by calamine, a larger one streamed
    (``StreamedSheet``), so memory stays bounded whatever the file. DomainError if it is not
    a readable xlsx (iterating a streamed sheet raises the same when its XML is broken)."""
    try:
        sheet = _Guarded(data)
    except (SheetError, ValueError) as exc:
        raise DomainError(NOT_XLSX, code="not_xlsx", field="file") from exc
    if sheet.xml_size <= READ_AT_ONCE_MAX_XML:
        height, rows = read_sheet(data)
        return _AtOnce(height, rows)
    return sheet


class _AtOnce:
    """A sheet read by calamine: its rows once (an import reads them once)."""

    def __init__(self, height: int, rows):
        self.height, self._rows = height, rows

    def count_rows(self) -> int:
        return self.height

    def __iter__(self):
        return iter(self._rows)


class _Guarded(StreamedSheet):
    def __iter__(self):
        try:
            yield from super().__iter__()
        except SheetError as exc:
            raise DomainError(NOT_XLSX, code="not_xlsx", field="file") from exc
