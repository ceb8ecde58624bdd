"""Reading what a person typed: words (each with its alternatives: synonyms, unigrams, a corrected
typo, a person's pinyin), quoted phrases, exclusions (``-词``), years, field prefixes (``作者:``,
``学校:``), and the refusals with a Chinese message. ``docs/search.md`` describes each kind."""

import math
import re
from dataclasses import dataclass, field

from yiwang.core.errors import DomainError

from .segmentation import CJK, CJK_RUN, CONTROL, LATIN, UNIGRAM_PREFIX, Segmenter, normalise, unigrams

MAX_QUERY_LENGTH = 200
PHRASE = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」|\'([^\']+)\'')
QUOTES = re.compile(r"[\"“”「」']")
FIELD = re.compile(r"(作者|教师|主讲|学校|单位|年份)\s*[:：]\s*([^\s:：]*)")
EXCLUDE = re.compile(r"(?:^|(?<=\s))[-－—]+([^\s\-－—]+)")
LONE_DASH = re.compile(r"(?:^|(?<=\s))[-－—]+(?=\s|$)")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年?(?!\d)")

EMPTY_QUERY = "请输入要搜索的词语。"
TOO_LONG = f"搜索内容不能超过 {MAX_QUERY_LENGTH} 个字符，请精简后再试。"
NO_WORDS = "搜索内容只包含标点或“的、和、与”等常用虚词，请输入更具体的词语。"
ONLY_DASH = "“-”用于排除词语，请在它后面紧接要排除的词，例如“乡村振兴 -集体经济”。"
ONLY_EXCLUSIONS = "请至少输入一个要查找的词语；“-词”只用于从结果中排除。"
UNBALANCED = "引号不成对，已按普通词语搜索。"
DASH_IGNORED = "单独的“-”已忽略；排除词语请写成“-词”。"
EMPTY_FIELD = "“{name}:”后面缺少内容，已忽略。"
DID_YOU_MEAN = "您是不是要找“{suggestion}”？已一并列出相关结果。"

# Weights of the alternatives of one word: an exact match ranks above an expansion.
EXACT, PINYIN_SLIP, UNIGRAM, CORRECTED, SYNONYM = 1.0, 0.8, 0.7, 0.6, 0.6


@dataclass
class Alternative:
    tokens: tuple[str, ...]  # all must match
    weight: float


@dataclass
class ParsedQuery:
    text: str
    words: list[str] = field(default_factory=list)  # every word that is searched (phrase words included)
    phrases: list[str] = field(default_factory=list)  # literal strings that must appear as written
    groups: list[list[Alternative]] = field(default_factory=list)  # one per word: its alternatives
    exclusions: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    schools: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    suggestion: str = ""

    @property
    def min_match(self) -> int:
        """How many words a document must match: all of one or two, all but one of three or four,
        two in five (at least three) of a longer question."""
        n = len(self.groups)
        return n if n <= 2 else n - 1 if n <= 4 else max(3, math.ceil(0.4 * n))


def clean_text(text: str) -> str:
    return CONTROL.sub("", text or "").strip()


def check_length(text: str, field_name: str = "q") -> str:
    text = clean_text(text)
    if not text:
        raise DomainError(EMPTY_QUERY, code="invalid_query", field=field_name)
    if len(text) > MAX_QUERY_LENGTH:
        raise DomainError(TOO_LONG, code="invalid_query", field=field_name)
    return text


def _balanced(text: str) -> bool:
    return (
        text.count('"') % 2 == 0
        and text.count("'") % 2 == 0
        and text.count("“") == text.count("”")
        and text.count("「") == text.count("」")
    )


def _group(word: str, seg: Segmenter, alone: bool) -> list[Alternative]:
    alternatives = [Alternative((word,), EXACT)]
    if alone and len(word) == 1 and CJK.match(word):  # 廉 alone also finds 清廉, 廉洁
        alternatives.append(Alternative((UNIGRAM_PREFIX + word,), UNIGRAM))
    for other in seg.synonyms.get(word, []):
        alternatives.append(Alternative((other,), SYNONYM))
    return alternatives


def filter_words(text: str, seg: Segmenter) -> list[str]:
    """The words of a list's text filter, every one required: normalised (traditional = simplified,
    full-width = half-width, case folded) and segmented like a query; stop words count when nothing
    else is left (a list filtered by 中 shows the items containing it). Only punctuation or spaces:
    no word."""
    text = clean_text(text)[:MAX_QUERY_LENGTH]
    return seg.query_words(text) or seg.query_words(text, stop_words=False)


def filter_group(word: str) -> list[Alternative]:
    """How one word of a list filter matches: as a word of the item, or a Chinese word through its
    characters (廉 finds 清廉; 村振 is no word but is found in 乡村振兴, the caller then checks the
    characters stand together). Nothing else is expanded (no synonyms, no corrections: a list shows
    what was typed)."""
    alternatives = [Alternative((word,), EXACT)] if len(word) > 1 or not CJK.match(word) else []
    if CJK_RUN.fullmatch(word):
        alternatives.append(Alternative(tuple(unigrams([word])), UNIGRAM))
    return alternatives


def parse_query(text: str, seg: Segmenter) -> ParsedQuery:
    """Words of the query (precise segmentation, stop words dropped) and everything around them."""
    text = check_length(text)
    parsed = ParsedQuery(text=text)
    rest = text
    if not _balanced(rest):
        parsed.notices.append(UNBALANCED)
        rest = QUOTES.sub(" ", rest)
    for match in FIELD.finditer(rest):
        name, value = match.group(1), normalise(match.group(2)).strip()
        if not value:
            parsed.notices.append(EMPTY_FIELD.format(name=name))
        elif name in ("作者", "教师", "主讲"):
            parsed.authors.append(value)
        elif name in ("学校", "单位"):
            parsed.schools.append(value)
        elif YEAR.fullmatch(value):
            parsed.years.append(int(YEAR.fullmatch(value).group(1)))
    rest = FIELD.sub(
        lambda m: " " + (m.group(2) if m.group(1) in ("作者", "教师", "主讲") else "") + " ", rest
    )
    parsed.exclusions = [e for e in dict.fromkeys(normalise(m.group(1)) for m in EXCLUDE.finditer(rest)) if e]
    rest = EXCLUDE.sub(" ", rest)
    if LONE_DASH.search(rest):
        if not LONE_DASH.sub("", rest).strip() and not parsed.exclusions:
            raise DomainError(ONLY_DASH, code="invalid_query", field="q")
        parsed.notices.append(DASH_IGNORED)
        rest = LONE_DASH.sub(" ", rest)
    years = [int(m.group(1)) for m in YEAR.finditer(rest)]
    for match in PHRASE.finditer(rest):
        phrase = re.sub(r"\s+", " ", normalise(next(g for g in match.groups() if g))).strip()
        if seg.query_words(phrase) and phrase not in parsed.phrases:
            parsed.phrases.append(phrase)
    plain = PHRASE.sub(" ", rest)
    words = seg.query_words(plain)
    for phrase in parsed.phrases:
        words += [w for w in seg.query_words(phrase) if w not in words]
    if years and [w for w in words if not YEAR.fullmatch(w) and w != "年"]:
        # A year beside other words filters on the item's year (or a mention of it).
        parsed.years += years
        words = [w for w in words if w not in {str(y) for y in years} and w != "年"]
    parsed.years = list(dict.fromkeys(parsed.years))
    name = seg.pinyin_name(plain) if not parsed.phrases and LATIN.search(normalise(plain)) else None
    if name is not None:
        key, exact = name
        joined = re.sub(r"[\s'’·.-]+", "", normalise(plain))
        words = [key] if exact else [joined, key]
        parsed.groups = [
            [Alternative((key,), EXACT)]
            if exact
            else [Alternative((joined,), EXACT), Alternative((key,), PINYIN_SLIP)]
        ]
    else:
        parsed.groups = [_group(w, seg, len(words) == 1) for w in words]
        suggestion = plain
        for run in CJK_RUN.findall(normalise(plain)):
            corrected = seg.correction(run)
            if not corrected:
                continue
            suggestion = normalise(suggestion).replace(run, corrected)
            run_words = set(seg.query_words(run))
            for word, group in zip(words, parsed.groups, strict=True):
                if word in run_words:
                    group.append(Alternative((corrected,), CORRECTED))
            words.append(corrected)
            parsed.suggestion = re.sub(r"\s+", " ", suggestion).strip()
    parsed.words = list(dict.fromkeys(words))
    if not parsed.groups:
        if parsed.exclusions:
            raise DomainError(ONLY_EXCLUSIONS, code="invalid_query", field="q")
        if parsed.authors or parsed.years or parsed.schools:
            raise DomainError(
                "请在“作者:”“学校:”或年份之外再写一个要查找的词语。", code="invalid_query", field="q"
            )
        raise DomainError(NO_WORDS, code="invalid_query", field="q")
    return parsed
