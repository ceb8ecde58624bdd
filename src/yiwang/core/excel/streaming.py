"""A streaming reader of the first sheet of an xlsx: rows one at a time, in bounded memory.

python-calamine (``reading.read_sheet``) is fast but builds the whole sheet in memory before
the first row is read — hundreds of megabytes for a 200 000-row file. An import reads its file
twice (check every row, then write in batches), so it reads the sheet's XML straight from the
zip with expat instead: memory is the current chunk of XML, the current rows and the shared
strings table (the distinct texts of the file), whatever the number of rows.

The values are those calamine gives: text as ``str``, numbers as ``float``, booleans as ``bool``, dates as ``datetime.date`` / ``datetime``
(when the cell's number format is a date format), an empty cell as ``""``.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from xml.parsers import expat

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CHUNK = 1 << 20
#: Built-in number formats that show a date or time (ECMA-376 18.8.30).
DATE_FORMAT_IDS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57})
DATE_CODE = re.compile(r"[dmyhs]", re.IGNORECASE)
QUOTED_OR_ESCAPED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
EXCEL_EPOCH = datetime(1899, 12, 30)


class SheetError(ValueError):
    """The file is not an xlsx this reader understands."""


def _parse(source, start=None, end=None, text=None) -> None:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    if start:
        parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if text:
        parser.CharacterDataHandler = text
    try:
        if isinstance(source, bytes):
            parser.Parse(source, True)
        else:
            while chunk := source.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise SheetError(str(exc)) from exc


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """``{id: (type, absolute target)}`` of a part's relationships."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    found: dict[str, tuple[str, str]] = {}
    if rels_name not in archive.namelist():
        return found

    def start(tag, attrs):
        if tag == f"{PKG_REL} Relationship":
            target = attrs.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            found[attrs.get("Id", "")] = (attrs.get("Type", ""), posixpath.normpath(target))

    _parse(archive.read(rels_name), start)
    return found


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, str | None, str | None]:
    """(sheet part, shared strings part, styles part) of the workbook's first sheet."""
    sheet_ids: list[str] = []

    def start(tag, attrs):
        if tag == f"{MAIN} sheet":
            sheet_ids.append(attrs.get(f"{REL} id", ""))

    _parse(archive.read("xl/workbook.xml"), start)
    rels = _relationships(archive, "xl/workbook.xml")
    if not sheet_ids or sheet_ids[0] not in rels:
        raise SheetError("no sheet")
    by_type = {kind.rsplit("/", 1)[-1]: target for kind, target in rels.values()}
    return rels[sheet_ids[0]][1], by_type.get("sharedStrings"), by_type.get("styles")


def _shared_strings(archive: zipfile.ZipFile, part: str | None) -> list[str]:
    strings: list[str] = []
    if not part or part not in archive.namelist():
        return strings
    parts: list[str] = []
    state = {"t": False, "phonetic": 0}

    def start(tag, attrs):
        if tag == f"{MAIN} t":
            state["t"] = not state["phonetic"]
        elif tag == f"{MAIN} rPh":
            state["phonetic"] += 1

    def end(tag):
        if tag == f"{MAIN} t":
            state["t"] = False
        elif tag == f"{MAIN} rPh":
            state["phonetic"] -= 1
        elif tag == f"{MAIN} si":
            strings.append("".join(parts))
            parts.clear()

    def text(data):
        if state["t"]:
            parts.append(data)

    with archive.open(part) as handle:
        _parse(handle, start, end, text)
    return strings


def _is_date_code(code: str) -> bool:
    return bool(DATE_CODE.search(QUOTED_OR_ESCAPED.sub("", code)))


def _date_styles(archive: zipfile.ZipFile, part: str | None) -> frozenset[int]:
    """The indexes of the cell formats (``s`` of a cell) that show a date."""
    if not part or part not in archive.namelist():
        return frozenset()
    custom: dict[int, str] = {}
    formats: list[int] = []
    state = {"xfs": False}

    def start(tag, attrs):
        if tag == f"{MAIN} numFmt":
            custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif tag == f"{MAIN} cellXfs":
            state["xfs"] = True
        elif tag == f"{MAIN} xf" and state["xfs"]:
            formats.append(int(attrs.get("numFmtId", "0")))

    def end(tag):
        if tag == f"{MAIN} cellXfs":
            state["xfs"] = False

    _parse(archive.read(part), start, end)
    return frozenset(
        index
        for index, fmt in enumerate(formats)
        if fmt in DATE_FORMAT_IDS or (fmt in custom and _is_date_code(custom[fmt]))
    )


def _as_date(text: str) -> date | datetime:
    """An Excel serial date (days since 1899-12-30, 1900 date system) to the millisecond."""
    moment = EXCEL_EPOCH + timedelta(milliseconds=round(float(text) * 86_400_000))
    return moment.date() if moment.time() == datetime.min.time() else moment


class StreamedSheet:
    """The first sheet of ``data``; iterate it for its rows (lists of values), as often as needed.

    ``height`` is the sheet's row count as its ``<dimension>`` says (0 when it says nothing)."""

    def __init__(self, data: bytes):
        self.data = data
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                self.sheet_part, strings_part, styles_part = _first_sheet(archive)
                if self.sheet_part not in archive.namelist():
                    raise SheetError("sheet part missing")
                self.strings = _shared_strings(archive, strings_part)
                self.date_styles = _date_styles(archive, styles_part)
                self.height = self._dimension_height(archive)
                self.xml_size = archive.getinfo(self.sheet_part).file_size
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
            raise SheetError(str(exc)) from exc

    def _dimension_height(self, archive: zipfile.ZipFile) -> int:
        """The row count from the sheet's ``<dimension ref="A1:K1001">`` (read from its first KB)."""
        with archive.open(self.sheet_part) as handle:
            head = handle.read(4096).decode("utf-8", "replace")
        match = re.search(r'<(?:\w+:)?dimension\s+ref="[A-Z]*(\d*)(?::[A-Z]*(\d+))?"', head)
        if not match or not match.group(1):
            return 0
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        return max(last - first + 1, 0)

    def count_rows(self) -> int:
        """The sheet's ``<row>`` elements, counted in its XML (for progress, when ``height`` is 0)."""
        count, tail = 0, b""
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive, archive.open(self.sheet_part) as handle:
            while chunk := handle.read(CHUNK):
                text = tail + chunk
                count += text.count(b"<row ") + text.count(b"<row>") + text.count(b":row ")
                tail = text[-5:]
                count -= tail.count(b"<row ") + tail.count(b"<row>") + tail.count(b":row ")
        return count + tail.count(b"<row ") + tail.count(b"<row>") + tail.count(b":row ")

    def __iter__(self) -> Iterator[list]:
        """The rows from the first one with a value on (like calamine's range), gaps as ``[]``.

        Written for speed (it runs for every cell of a 200 000-row file, twice): closures over
        local state, no namespace processing (a ``x:`` prefix on the tags is recognised)."""
        strings, date_styles = self.strings, self.date_styles
        ready: list[list] = []
        row: list = []
        text: list[str] = []
        columns: dict[str, int] = {}
        collect = in_inline = False
        ref, kind, style, row_number, last_row = "", "n", -1, 0, 0
        c_tag, v_tag, t_tag, is_tag, row_tag = "c", "v", "t", "is", "row"

        def start(tag, attrs):
            nonlocal collect, in_inline, ref, kind, style, row_number
            nonlocal c_tag, v_tag, t_tag, is_tag, row_tag
            if tag == c_tag:
                ref = attrs.get("r", "")
                kind = attrs.get("t", "n")
                number = attrs.get("s")
                style = int(number) if number else -1
                text.clear()
            elif tag == v_tag or (in_inline and tag == t_tag):
                collect = True
            elif tag == is_tag:
                in_inline = True
            elif tag == row_tag:
                number = attrs.get("r")
                row_number = int(number) if number else row_number + 1
                row.clear()
            elif tag.endswith(":worksheet"):  # prefixed tags (some generators write x:c, x:row …)
                prefix = tag[: -len("worksheet")]
                c_tag, v_tag, t_tag, is_tag, row_tag = (prefix + n for n in ("c", "v", "t", "is", "row"))

        def end(tag):
            nonlocal collect, in_inline, last_row
            if tag == c_tag:
                value = _cell_value("".join(text) if text else "", kind, style, strings, date_styles)
                index = _column(ref, columns) if ref else len(row)
                size = len(row)
                if index == size:
                    row.append(value)
                elif index < size:
                    row[index] = value
                else:
                    row.extend([""] * (index - size))
                    row.append(value)
            elif tag in (v_tag, t_tag):
                collect = False
            elif tag == is_tag:
                in_inline = False
            elif tag == row_tag:
                while row and row[-1] == "":
                    row.pop()
                if row:
                    if last_row:
                        ready.extend([] for _ in range(row_number - last_row - 1))
                    last_row = row_number
                    ready.append(row[:])

        def chars(data):
            if collect:
                text.append(data)

        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler, parser.EndElementHandler = start, end
        parser.CharacterDataHandler = chars
        try:
            with zipfile.ZipFile(io.BytesIO(self.data)) as archive, archive.open(self.sheet_part) as handle:
                while chunk := handle.read(CHUNK):
                    parser.Parse(chunk, False)
                    yield from ready
                    ready.clear()
                parser.Parse(b"", True)
        except (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise SheetError(str(exc)) from exc
        yield from ready


def _column(ref: str, known: dict[str, int]) -> int:
    """The 0-based column of a cell reference (``C12`` → 2), memoised per letters."""
    letters = ref.rstrip("0123456789")
    index = known.get(letters)
    if index is None:
        index = 0
        for char in letters:
            index = index * 26 + ord(char) - 64
        index -= 1
        known[letters] = index
    return index


def _cell_value(text: str, kind: str, style: int, strings: list[str], date_styles) -> object:
    if kind == "s":
        try:
            return strings[int(text)]
        except (ValueError, IndexError):
            return ""
    if kind in ("inlineStr", "str"):
        return text
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "e":
        return text
    if kind == "d":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        return moment.date() if moment.time() == datetime.min.time() else moment
    if not text:
        return ""
    try:
        if style in date_styles:
            return _as_date(text)
        return float(text)
    except (ValueError, OverflowError):
        return text
