"""Text out of an uploaded .docx, with the standard library only (a .docx is a zip of XML).

Only ``word/document.xml`` is read, its size is bounded before it is parsed (no zip bombs),
and the XML parser of the standard library refuses external entities. Paragraphs become lines.
"""

import zipfile
from xml.etree import ElementTree

from yiwang.core.errors import DomainError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_XML_BYTES = 20 * 1024 * 1024


def docx_text(upload) -> str:
    """The text of a .docx upload; DomainError for a damaged or oversized one."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_XML_BYTES:
                raise DomainError("Word 文件的正文过大，无法提取文字。", field="file")
            xml = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError):
        raise DomainError("无法读取该 Word 文件，请确认是未损坏的 .docx 文件。", field="file") from None
    finally:
        upload.seek(0)
    if b"<!DOCTYPE" in xml[:4096] or b"<!ENTITY" in xml:
        raise DomainError("无法读取该 Word 文件，请确认是未损坏的 .docx 文件。", field="file")
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        raise DomainError("无法读取该 Word 文件，请确认是未损坏的 .docx 文件。", field="file") from None
    lines = []
    for paragraph in root.iter(f"{W}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{W}tab":
                parts.append("\t")
            elif node.tag in (f"{W}br", f"{W}cr"):
                parts.append("\n")
        lines.append("".join(parts))
    return "\n".join(lines).strip()
