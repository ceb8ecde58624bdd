"""Reading what a person typed: words, quoted phrases, and the refusals with a Chinese message."""

import re
from dataclasses import dataclass, field

from yiwang.core.errors import DomainError

from .segmentation import Segmenter, normalise

MAX_QUERY_LENGTH = 200
PHRASE = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」|\'([^\']+)\'')

EMPTY_QUERY = "请输入要搜索的词语。"
TOO_LONG = f"搜索内容不能超过 {MAX_QUERY_LENGTH} 个字符，请精简后再试。"
NO_WORDS = "搜索内容只包含标点或“的、和、与”等常用虚词，请输入更具体的词语。"


@dataclass
class ParsedQuery:
    text: str
    words: list[str] = field(default_factory=list)  # every word that must match (phrase words included)
    phrases: list[str] = field(default_factory=list)  # literal strings that must appear as written


def check_length(text: str, field_name: str = "q") -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(EMPTY_QUERY, code="invalid_query", field=field_name)
    if len(text) > MAX_QUERY_LENGTH:
        raise DomainError(TOO_LONG, code="invalid_query", field=field_name)
    return text


def parse_query(text: str, seg: Segmenter) -> ParsedQuery:
    """Words of the query (precise segmentation, stop words dropped) and its quoted phrases."""
    text = check_length(text)
    phrases = []
    for match in PHRASE.finditer(text):
        phrase = re.sub(r"\s+", " ", normalise(next(g for g in match.groups() if g))).strip()
        if seg.query_words(phrase) and phrase not in phrases:
            phrases.append(phrase)
    words = seg.query_words(PHRASE.sub(" ", text))
    for phrase in phrases:
        words += [w for w in seg.query_words(phrase) if w not in words]
    if not words:
        raise DomainError(NO_WORDS, code="invalid_query", field="q")
    return ParsedQuery(text=text, words=words, phrases=phrases)
