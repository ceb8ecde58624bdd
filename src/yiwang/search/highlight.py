"""Snippets and titles with the matched words in <mark>, everything else HTML-escaped."""

import re
from html import escape

from django.utils.safestring import SafeString, mark_safe

SNIPPET_WIDTH = 90
LEAD = 24


def _pattern(terms) -> re.Pattern | None:
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)


def highlight(text: str, terms) -> SafeString:
    """``text`` escaped, with each occurrence of a term wrapped in <mark>."""
    pattern = _pattern(terms)
    text = text or ""
    if pattern is None:
        return mark_safe(escape(text))
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))


def snippet(text: str, terms, width: int = SNIPPET_WIDTH) -> SafeString:
    """About ``width`` characters of ``text`` around the first matched term, highlighted."""
    text = re.sub(r"\s+", " ", text or "").strip()
    pattern = _pattern(terms)
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - LEAD) if first else 0
    end = min(len(text), start + width)
    piece = text[start:end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(escape(prefix) + highlight(piece, terms) + escape(suffix))
