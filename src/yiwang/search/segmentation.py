"""Chinese segmentation for the index and for queries.

rjieba in search mode for documents (a compound and its sub-words: 乡村振兴 →
乡村 / 振兴 / 乡村振兴), precise mode for queries (乡村振兴 stays one word, so it
matches the compound token). The dictionary is rjieba's own plus the shipped
domain dictionary (``dict/domain.txt``) plus the ``SearchTerm`` rows platform
admins add; each process reloads when the terms' version changes, so a new
word is effective without a restart (documents written before it get its
compound token on ``yiwang search rebuild``, or at once for the documents that
contain it, see ``services.add_search_term``).
"""

import functools
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import rjieba

DOMAIN_DICTIONARY = Path(__file__).resolve().parent / "dict" / "domain.txt"
TOKEN = re.compile(r"[^\W_]+")
CJK = re.compile(r"[\u3400-\u9fff]")

# Words that carry no meaning for search (query side only; documents keep them).
STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "在",
        "是",
        "为",
        "对",
        "等",
        "把",
        "被",
        "就",
        "也",
        "都",
        "而",
        "并",
        "向",
        "从",
        "之",
        "其",
        "以",
        "于",
        "上",
        "下",
        "中",
        "个",
        "这",
        "那",
        "有",
        "着",
        "将",
        "给",
        "让",
        "及其",
        "以及",
        "关于",
        "对于",
        "通过",
        "进行",
        "如何",
        "什么",
        "一个",
        "一些",
        "我们",
        "你们",
        "他们",
        "这个",
        "那个",
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "at",
        "is",
        "are",
    ]
)


def normalise(text: str) -> str:
    """Full-width to half-width, lower case (ＡＩ → ai)."""
    return unicodedata.normalize("NFKC", text or "").lower()


def domain_words() -> list[str]:
    words = []
    for line in DOMAIN_DICTIONARY.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(line.split()[0])
    return words


@dataclass
class Segmenter:
    """One loaded dictionary. ``parts`` keeps, for each added word, the sub-words the
    plain dictionary would have produced (咨政报告 → 咨政, 报告), so a document
    containing the compound is still found by those sub-words."""

    words: list[str]
    jieba: rjieba.Jieba = field(init=False)
    parts: dict[str, list[str]] = field(init=False, default_factory=dict)

    def __post_init__(self):
        plain = rjieba.Jieba()
        self.jieba = rjieba.Jieba()
        for word in self.words:
            word = normalise(word)
            self.parts[word] = [p for p in plain.cut_for_search(word) if p != word and TOKEN.fullmatch(p)]
            self.jieba.add_word(word, None, None)

    def index_tokens(self, text: str) -> list[str]:
        """Tokens of a document field, in order: every word and its sub-words."""
        tokens: list[str] = []
        for piece in self.jieba.cut_for_search(normalise(text)):
            extra = self.parts.get(piece)
            if extra:
                tokens.extend(extra)
            tokens.extend(TOKEN.findall(piece))
        return tokens

    def query_words(self, text: str) -> list[str]:
        """The meaningful words of a query, in order, without repeats or stop words."""
        words: list[str] = []
        for piece in self.jieba.cut(normalise(text)):
            for token in TOKEN.findall(piece):
                if token not in STOP_WORDS and token not in words:
                    words.append(token)
        return words


_lock = threading.Lock()
_loaded: tuple[tuple, Segmenter] | None = None


def dictionary_version() -> tuple:
    """Changes whenever a SearchTerm is added or removed: (count, highest id, latest time)."""
    from django.db.models import Count, Max

    from .models import SearchTerm

    row = SearchTerm.objects.aggregate(n=Count("id"), last=Max("id"), at=Max("created_at"))
    return row["n"], row["last"] or 0, row["at"]


def segmenter() -> Segmenter:
    """The segmenter of the current dictionary (reloaded in this process when it changed)."""
    global _loaded
    version = dictionary_version()
    loaded = _loaded
    if loaded is not None and loaded[0] == version:
        return loaded[1]
    with _lock:
        if _loaded is None or _loaded[0] != version:
            from .models import SearchTerm

            extra = list(SearchTerm.objects.order_by("id").values_list("word", flat=True))
            _loaded = (version, Segmenter(domain_words() + extra))
        return _loaded[1]


@functools.lru_cache(maxsize=200_000)
def name_tokens(name: str) -> tuple[str, ...]:
    """A person's name as searchable tokens: 张宏伟 → 张宏伟 张 宏伟 zhanghongwei zhw zhang hongwei."""
    from yiwang.faculty.services import name_pinyin

    name = re.sub(r"\s+", "", normalise(name))
    if not name:
        return ()
    tokens = [name]
    full, initials = name_pinyin(name)
    if CJK.match(name) and len(name) >= 2:
        surname, given = name[0], name[1:]
        tokens += [surname, given, full, initials, name_pinyin(surname)[0], name_pinyin(given)[0]]
    elif full and full != name:
        tokens.append(full)
    return tuple(t for t in dict.fromkeys(tokens) if t and TOKEN.fullmatch(t))
