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

import opencc
import rjieba
from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

DOMAIN_DICTIONARY = Path(__file__).resolve().parent / "dict" / "domain.txt"
SYNONYM_TABLE = Path(__file__).resolve().parent / "dict" / "synonyms.txt"
CONCEPT_TABLE = Path(__file__).resolve().parent / "dict" / "concepts.txt"
TOKEN = re.compile(r"[^\W_]+")
CJK = re.compile(r"[\u3400-\u9fff]")
CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
LATIN = re.compile(r"[a-z]+")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A single character is also indexed as "u" + character, so 廉 finds 清廉 and 廉洁.
UNIGRAM_PREFIX = "u"
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
        "呼延",
        "赫连",
        "澹台",
        "太史",
        "申屠",
        "闻人",
        "万俟",
        "钟离",
        "宗政",
        "濮阳",
        "淳于",
        "单于",
        "公羊",
        "仲孙",
        "亓官",
        "司空",
        "司寇",
        "左丘",
        "东郭",
        "拓跋",
    ]
)
_t2s = opencc.OpenCC("t2s")
_s2t = opencc.OpenCC("s2t")

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
        # the framing of a question (请推荐…的老师, 有没有讲…的课, 想了解…方面的)
        "想",
        "想要",
        "了解",
        "请问",
        "推荐",
        "有没有",
        "有无",
        "哪些",
        "哪位",
        "哪个",
        "怎样",
        "怎么",
        "怎么样",
        "应该",
        "应当",
        "可以",
        "能",
        "能够",
        "方面",
        "一下",
        "吗",
        "呢",
        "吧",
        "啊",
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
    """Control characters dropped, full-width to half-width, lower case (ＡＩ → ai), traditional
    to simplified (鄉村振興 → 乡村振兴, OpenCC): documents and queries alike, on both databases."""
    text = CONTROL.sub(" ", unicodedata.normalize("NFKC", text or "")).lower()
    return _t2s.convert(text) if CJK.search(text) else text


def traditional(text: str) -> str:
    """The traditional form of a simplified text (for literal conditions such as exclusions)."""
    return _s2t.convert(text)


def surname_of(name: str) -> str:
    return name[:2] if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else name[:1]


def unigrams(tokens: list[str]) -> list[str]:
    """The distinct Chinese characters of some tokens, as unigram tokens."""
    chars = dict.fromkeys(c for t in tokens for c in t if CJK.match(c))
    return [UNIGRAM_PREFIX + c for c in chars]


def synonym_groups_shipped() -> list[list[str]]:
    groups = []
    for line in SYNONYM_TABLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            groups.append(split_group(line))
    return groups


def concept_groups() -> list[list[str]]:
    """The shipped groups of related concepts, used only by teacher matching (a need phrased with
    基层治理 also looks for 社会治理现代化). Looser than synonyms, so never used by the search."""
    groups = []
    for line in CONCEPT_TABLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            groups.append(split_group(line))
    return groups


def split_group(text: str) -> list[str]:
    """``两山、绿水青山就是金山银山`` → the normalised words of one synonym group."""
    words = [normalise(w).strip() for w in re.split(r"[、，,；;|/\s]+", text or "")]
    return list(dict.fromkeys(w for w in words if w))


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
    names: list[str] = field(default_factory=list)  # every person name in the banks
    synonym_groups: list[list[str]] = field(default_factory=list)
    jieba: rjieba.Jieba = field(init=False)
    parts: dict[str, list[str]] = field(init=False, default_factory=dict)
    synonyms: dict[str, list[str]] = field(init=False, default_factory=dict)  # word → its other words
    vocabulary: frozenset[str] = field(init=False, default=frozenset())  # for "您是不是要找"
    # full pinyin / initials → itself: built on the first Latin query (most processes never see
    # one, and converting every name of the banks to pinyin was 80 % of loading the dictionary)
    _pinyin: dict[str, str] | None = field(init=False, default=None, repr=False)
    _clean_names: list[str] = field(init=False, default_factory=list, repr=False)

    def __post_init__(self):
        plain = rjieba.Jieba()
        self.jieba = rjieba.Jieba()
        group_words = [w for group in self.synonym_groups for w in group]
        vocabulary = set()
        for word in [*self.words, *group_words]:
            word = normalise(word)
            if not TOKEN.fullmatch(word) or word in self.parts:
                continue
            self.parts[word] = [p for p in plain.cut_for_search(word) if p != word and TOKEN.fullmatch(p)]
            self.jieba.add_word(word, None, None)
            vocabulary.add(word)
        for group in self.synonym_groups:
            for word in group:
                self.synonyms.setdefault(word, [])
                self.synonyms[word] += [w for w in group if w != word and w not in self.synonyms[word]]
        for name in dict.fromkeys(self.names):
            name = clean_name(name)
            self._clean_names.append(name)
            if CJK.match(name) and 2 <= len(name) <= 6:
                self.jieba.add_word(name, None, None)
                surname = surname_of(name)
                if len(surname) == 2:
                    self.jieba.add_word(surname, None, None)
        self.vocabulary = frozenset(vocabulary)

    @property
    def pinyin(self) -> dict[str, str]:
        if self._pinyin is None:
            self._pinyin = {key: key for name in self._clean_names for key in pinyin_keys(name)}
        return self._pinyin

    def index_tokens(self, text: str, with_unigrams: bool = True) -> list[str]:
        """Tokens of a document field, in order: every word and its sub-words, then the distinct
        characters as unigram tokens."""
        tokens: list[str] = []
        for piece in self.jieba.cut_for_search(normalise(text)):
            extra = self.parts.get(piece)
            if extra:
                tokens.extend(extra)
            tokens.extend(TOKEN.findall(piece))
        return tokens + unigrams(tokens) if with_unigrams else tokens

    def pinyin_name(self, text: str) -> tuple[str, bool] | None:
        """A Latin-only query read as a person's pinyin: (key, exact). Spaces between syllables are
        ignored (``zhang wei guo``); one slipped, missing, extra or swapped letter is tolerated for
        keys of six letters or more (``zhangweigou`` → ``zhangweiguo``)."""
        joined = re.sub(r"[\s'’·.-]+", "", normalise(text))
        if not LATIN.fullmatch(joined or "-") or not self.pinyin:
            return None
        if joined in self.pinyin:
            return joined, True
        if len(joined) < 6:
            return None
        found = extractOne(joined, self.pinyin.keys(), scorer=OSA.distance, score_cutoff=1)
        return (found[0], False) if found else None

    def correction(self, run: str) -> str:
        """A dictionary word one character away from a Chinese run of three or more (乡村振新 → 乡村振兴)."""
        if len(run) < 3 or run in self.vocabulary:
            return ""
        for word in sorted(self.vocabulary):
            if len(word) == len(run) and sum(a != b for a, b in zip(word, run, strict=True)) == 1:
                return word
        return ""

    def query_words(self, text: str, stop_words: bool = True) -> list[str]:
        """The meaningful words of a query, in order, without repeats or (``stop_words``) stop words."""
        words: list[str] = []
        for piece in self.jieba.cut(normalise(text)):
            for token in TOKEN.findall(piece):
                if not (stop_words and token in STOP_WORDS) and token not in words:
                    words.append(token)
        return words


_lock = threading.Lock()
_loaded: tuple[tuple, Segmenter] | None = None
# The teachers' names read so far in this process and the highest id among them: when only new
# teachers were added, a reload reads just their names (one indexed range query), not all of them.
# ``_names_anchor`` is (id, created_at) of that last row: if it no longer matches (rows deleted and
# ids reused, e.g. a rolled-back test on SQLite), every name is read again.
_names: list[str] = []
_names_max_id: int = 0
_names_anchor: tuple | None = None


@functools.lru_cache(maxsize=400_000)
def clean_name(name: str) -> str:
    """A person's name as the dictionary holds it (normalised, no spaces); cached per process so a
    reload after a new teacher costs only the new names."""
    return re.sub(r"\s+", "", normalise(name))


def dictionary_version() -> tuple:
    """Changes whenever a SearchTerm or a synonym group is added or removed, or a teacher is
    added (their names join the dictionary; the highest teacher id only, read from the primary
    key index): one statement of counts, highest ids and times. A renamed teacher's new name
    joins the dictionary at the next change or restart; ``yiwang search rebuild`` reloads it."""
    from django.db import connection

    from yiwang.faculty.models import Teacher

    from .models import SearchSynonym, SearchTerm

    parts = []
    for model, columns in ((SearchTerm, "created_at"), (SearchSynonym, "created_at"), (Teacher, "")):
        table = model._meta.db_table
        if columns:
            parts.append(f'(SELECT COUNT(*) FROM "{table}")')
            parts.append(f'(SELECT CAST(MAX({columns}) AS TEXT) FROM "{table}")')
        parts.append(f'(SELECT MAX(id) FROM "{table}")')
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


def reload_segmenter() -> None:
    """Forget the loaded dictionary in this process (a rebuild reads names and terms afresh)."""
    global _loaded, _names, _names_max_id, _names_anchor
    with _lock:
        _loaded, _names, _names_max_id, _names_anchor = None, [], 0, None


def segmenter() -> Segmenter:
    """The segmenter of the current dictionary (reloaded in this process when it changed)."""
    global _loaded, _names, _names_max_id, _names_anchor
    version = dictionary_version()
    loaded = _loaded
    if loaded is not None and loaded[0] == version:
        return loaded[1]
    with _lock:
        if _loaded is None or _loaded[0] != version:
            from yiwang.faculty.models import Teacher

            from .models import SearchSynonym, SearchTerm

            extra = list(SearchTerm.objects.order_by("id").values_list("word", flat=True))
            groups = synonym_groups_shipped() + [
                split_group(g) for g in SearchSynonym.objects.order_by("id").values_list("words", flat=True)
            ]
            teacher_max_id = version[-1] or 0
            still_there = _names_anchor is not None and (
                Teacher.objects.filter(pk=_names_anchor[0], created_at=_names_anchor[1]).exists()
            )
            if teacher_max_id < _names_max_id or not still_there:  # deleted or reused: read all again
                _names, _names_max_id, _names_anchor = [], 0, None
            if teacher_max_id > _names_max_id:
                rows = list(
                    Teacher.objects.filter(pk__gt=_names_max_id, pk__lte=teacher_max_id)
                    .order_by("id")
                    .values_list("pk", "created_at", "name")
                )
                _names = _names + [name for _, _, name in rows]
                _names_max_id = teacher_max_id
                _names_anchor = rows[-1][:2] if rows else _names_anchor
            _loaded = (version, Segmenter(domain_words() + extra, names=_names, synonym_groups=groups))
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
        surname = surname_of(name)
        given = name[len(surname) :]
        tokens += [surname, given, full, initials, name_pinyin(surname)[0], name_pinyin(given)[0]]
    elif full and full != name:
        tokens.append(full)
    return tuple(t for t in dict.fromkeys(tokens) if t and TOKEN.fullmatch(t))


@functools.lru_cache(maxsize=200_000)
def pinyin_keys(name: str) -> tuple[str, ...]:
    """The full pinyin and the initials of a Chinese name (the keys a Latin query is read against)."""
    from yiwang.faculty.services import name_pinyin

    if not CJK.match(name):
        return ()
    full, initials = name_pinyin(name)
    return tuple(k for k in (full, initials) if k and LATIN.fullmatch(k))
