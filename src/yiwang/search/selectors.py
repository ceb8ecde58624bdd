"""Reads: the one search over everything a person may see, and matching teachers to a need.

Every query starts from ``visible_to(SearchDocument.objects, viewer)`` — the same rule
as the banks — and the backend compiles that condition into the full-text query, so
results, totals and facet counts never include an item the viewer may not see.
"""

import math
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from yiwang.core.errors import DomainError
from yiwang.courses.models import TeachingModule
from yiwang.faculty.models import Teacher
from yiwang.network.models import School
from yiwang.network.visibility import visible_to
from yiwang.topics.enums import Audience, TeachingForm

from .backends import backend, candidate_limit
from .documents import NAME_SEPARATOR, rating_averages
from .enums import FACETS, DocumentType, MatchMode
from .highlight import highlight, snippet
from .models import SearchDocument
from .query import (
    DID_YOU_MEAN,
    ParsedQuery,
    check_length,
    clean_text,
    filter_group,
    filter_words,
    parse_query,
)
from .segmentation import CJK_RUN, concept_groups, name_tokens, segmenter, traditional

PAGE_SIZE = 20
MAX_PAGE = 50
ANY_WORD_NOTICE = "未找到同时包含全部词语的结果，以下为包含部分词语的结果。"
CAPPED_NOTICE = "匹配的条目很多：每个词只取您可见的最新 {limit} 条参与排序和统计，总数为下限；加上更具体的词语可以缩小范围。"

DETAIL_URL_NAMES = {
    DocumentType.TEACHER: ("faculty:detail", "faculty:teacher_detail"),
    DocumentType.TOPIC: ("topics:detail", "topics:topic_detail"),
    DocumentType.COURSE: ("courses:detail", "courses:course_detail"),
    DocumentType.PROJECT: ("research:detail", "research:project_detail"),
    DocumentType.OUTPUT: ("research:output_detail",),
    DocumentType.CALL: ("calls:call_detail",),
    DocumentType.SITE: ("sites:detail",),
    DocumentType.CODEV: ("codev:project",),
    DocumentType.NEWS: ("alliances:news",),
}


def detail_url(doc_type: str, object_id: int) -> str:
    for name in DETAIL_URL_NAMES.get(doc_type, ()):
        try:
            return reverse(name, args=[object_id])
        except NoReverseMatch:
            continue
    return ""


# ---- search -----------------------------------------------------------------------------------


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Facet:
    name: str
    label: str
    options: list[FacetOption]


@dataclass
class SearchHit:
    type: str
    type_label: str
    id: int
    title: str
    title_html: str
    snippet_html: str
    names_html: str
    url: str
    school: str
    module: str
    category: str
    year: int | None
    rating: float | None
    score: float


@dataclass
class SearchResults:
    query: str
    words: list[str]
    phrases: list[str]
    mode: str
    notice: str
    total: int
    page: int
    pages: int
    capped: bool = False
    hits: list[SearchHit] = field(default_factory=list)
    facets: list[Facet] = field(default_factory=list)


def _int_filter(value, name: str, label: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(f"{label}参数应为整数。", code="invalid_filter", field=name) from None


def clean_filters(*, type: str = "", school=None, module=None, category: str = "", year=None) -> dict:
    """The filters as column conditions; a clear Chinese message for a bad value."""
    filters: dict = {}
    if type:
        if type not in DocumentType.values:
            raise DomainError(
                "类型参数不正确，可选："
                + "、".join(f"{v}（{label}）" for v, label in DocumentType.choices)
                + "。",
                code="invalid_filter",
                field="type",
            )
        filters["doc_type"] = type
    for name, column, label in (("school", "owner_school_id", "学校"), ("module", "module_id", "教学模块")):
        value = _int_filter(school if name == "school" else module, name, label)
        if value is not None:
            filters[column] = value
    category = clean_text(category or "")
    if category:
        filters["category"] = category[:40]
    year = _int_filter(year, "year", "年份")
    if year is not None:
        if not 1900 <= year <= 2100:
            raise DomainError("年份应在 1900 到 2100 之间。", code="invalid_filter", field="year")
        filters["year"] = year
    return filters


def clean_page(page) -> int:
    number = _int_filter(page, "page", "页码")
    number = 1 if number is None else number
    if number < 1 or number > MAX_PAGE:
        raise DomainError(
            f"页码应在 1 到 {MAX_PAGE} 之间；请用更具体的词语缩小范围。", code="invalid_filter", field="page"
        )
    return number


def _phrase_condition(phrase: str) -> Q:
    return (
        Q(title__icontains=phrase)
        | Q(keywords__icontains=phrase)
        | Q(names__icontains=phrase)
        | Q(body__icontains=phrase)
    )


def _facets(counts: dict[str, dict[str, int]], filters: dict) -> list[Facet]:
    school_names = dict(
        School.objects.filter(pk__in=[int(v) for v in counts["school"]]).values_list("pk", "name")
    )
    module_names = dict(
        TeachingModule.objects.filter(pk__in=[int(v) for v in counts["module"]]).values_list("pk", "name")
    )
    labels = {
        "type": lambda v: DocumentType(v).label if v in DocumentType.values else v,
        "school": lambda v: school_names.get(int(v), v),
        "module": lambda v: module_names.get(int(v), v),
        "category": lambda v: v,
        "year": lambda v: f"{v}年",
    }
    selected = {
        "type": filters.get("doc_type"),
        "school": filters.get("owner_school_id"),
        "module": filters.get("module_id"),
        "category": filters.get("category"),
        "year": filters.get("year"),
    }
    facets = []
    for name, label in FACETS:
        options = [
            FacetOption(value=v, label=str(labels[name](v)), count=n, selected=str(selected[name]) == v)
            for v, n in counts[name].items()
            if v != ""
        ]
        options.sort(key=lambda o: (-o.count, o.label))
        facets.append(Facet(name=name, label=label, options=options))
    return facets


def _highlight_terms(parsed: ParsedQuery) -> list[str]:
    return [*parsed.phrases, *parsed.words]


def _matched_names(names: list[str], words: list[str]) -> list[str]:
    wanted = set(words)
    return [n for n in names if wanted & set(name_tokens(n))]


def _hits(ranked: list[tuple[int, float]], parsed: ParsedQuery) -> list[SearchHit]:
    documents = SearchDocument.objects.select_related("owner_school").in_bulk([pk for pk, _ in ranked])
    terms = _highlight_terms(parsed)
    hits = []
    for pk, score in ranked:
        doc = documents[pk]
        names = [n for n in doc.names.split(NAME_SEPARATOR) if n]
        title_terms = terms + (
            _matched_names([doc.title], parsed.words) if doc.doc_type == DocumentType.TEACHER else []
        )
        name_terms = terms + _matched_names(names, parsed.words)
        is_teacher = doc.doc_type == DocumentType.TEACHER
        body = (
            "；".join(p for p in (doc.keywords, doc.body) if p) if is_teacher else (doc.body or doc.keywords)
        )
        hits.append(
            SearchHit(
                type=doc.doc_type,
                type_label=doc.get_doc_type_display(),
                id=doc.object_id,
                title=doc.title,
                title_html=highlight(doc.title, title_terms),
                snippet_html=snippet(body, terms),
                names_html=highlight(doc.names, name_terms),
                url=detail_url(doc.doc_type, doc.object_id),
                school=doc.owner_school.name,
                module=doc.module_name,
                category=doc.category,
                year=doc.year,
                rating=doc.rating,
                score=round(score, 6),
            )
        )
    return hits


def _literal(text: str) -> Q:
    """The text as written, in simplified or traditional characters, in any field."""
    condition = Q()
    for form in dict.fromkeys((text, traditional(text))):
        condition |= _phrase_condition(form)
    return condition


def _query_filters(parsed: ParsedQuery) -> tuple[Q, list[str]]:
    """Exclusions, years, authors and schools of a query as one condition; notices about them."""
    condition, notices = Q(), []
    for word in parsed.exclusions:
        condition &= ~_literal(word)
    for year in parsed.years:
        condition &= Q(year=year) | _literal(str(year))
    for author in parsed.authors:
        condition &= Q(names__contains=author) | Q(doc_type=DocumentType.TEACHER, title=author)
    for name in parsed.schools:
        schools = School.objects.filter(Q(name__contains=name) | Q(short_name__contains=name))
        if not schools.exists():
            notices.append(f"没有名称包含“{name}”的学校。")
        condition &= Q(owner_school_id__in=schools.values("pk"))
    return condition, notices


def search_visible_to(
    viewer,
    q: str,
    *,
    type: str = "",
    school=None,
    module=None,
    category: str = "",
    year=None,
    page=1,
    page_size: int = PAGE_SIZE,
) -> SearchResults:
    """Ranked results, total and facet counts over the documents ``viewer`` may see.

    A document must match enough of the words (``ParsedQuery.min_match``: all of one or two,
    all but one of three or four, half of a longer question); each word also matches through its
    alternatives (synonyms, unigrams, a corrected typo, a slipped pinyin) at a lower weight. If no
    document matches enough words, any word may (and ``notice`` says so). Quoted phrases must
    appear exactly as written; ``-词`` excludes, a year filters, ``作者:`` / ``学校:`` restrict.
    """
    parsed = parse_query(q, segmenter())
    filters = clean_filters(type=type, school=school, module=module, category=category, year=year)
    number = clean_page(page)
    index = backend()
    condition, notices = _query_filters(parsed)
    visible = visible_to(SearchDocument.objects.all(), viewer).filter(**filters).filter(condition)
    documents = visible
    for phrase in parsed.phrases:
        documents = documents.filter(_phrase_condition(phrase))
    mode = MatchMode.ALL
    offset = (number - 1) * page_size
    found = index.search(documents, parsed.groups, parsed.min_match, page_size, offset, filters)
    if found.total == 0 and (len(parsed.groups) > 1 or parsed.phrases):
        mode, documents = MatchMode.ANY, visible
        found = index.search(documents, parsed.groups, 1, page_size, offset, filters)
        if found.total:
            notices.append(ANY_WORD_NOTICE)
    if parsed.suggestion and found.total:
        notices.insert(0, DID_YOU_MEAN.format(suggestion=parsed.suggestion))
    if found.capped and found.total:
        notices.append(CAPPED_NOTICE.format(limit=candidate_limit()))
    notice = " ".join([*parsed.notices, *notices]) if found.total else " ".join(parsed.notices + notices[:0])
    return SearchResults(
        query=parsed.text,
        words=parsed.words,
        phrases=parsed.phrases,
        mode=mode,
        notice=notice,
        total=found.total,
        page=number,
        pages=max(1, min(MAX_PAGE, math.ceil(found.total / page_size))),
        capped=found.capped and bool(found.total),
        hits=_hits(found.ranked, parsed),
        facets=_facets(found.facets, filters),
    )


# ---- a list's text filter (banks.text_filter) ----------------------------------------------------


def list_filter_ids(doc_type: str, q: str):
    """Ids (``object_id``) of the items of ``doc_type`` whose index entry has every word of ``q``
    (``query.filter_words``), as a subquery for ``pk__in``. The index finds the candidates (no
    ranking, no cap: the cost follows the matches, not the size of the bank); a Chinese word that is
    not a word of the item must then stand in its text as written (its characters together, in
    simplified or traditional form). No word in ``q`` (only punctuation): no item."""
    if doc_type not in DocumentType.values:
        raise ValueError(f"unknown document type {doc_type!r}")
    documents = SearchDocument.objects.filter(doc_type=doc_type)
    words = filter_words(q, segmenter())
    if not words:
        return documents.none().values("object_id")
    index = backend()
    condition = Q(index.matches([[(a.tokens, a.weight) for a in filter_group(w)] for w in words]))
    for word in words:
        if len(word) > 1 and CJK_RUN.fullmatch(word):
            condition &= Q(index.matches([[((word,), 1.0)]])) | _literal(word)
    return documents.filter(condition).values("object_id")


_kind_sizes: dict[str, tuple[float, int]] = {}
KIND_SIZE_SECONDS = 300  # how long a kind's document count is reused (it changes slowly)


def _kind_size(doc_type: str) -> int:
    now = time.monotonic()
    cached = _kind_sizes.get(doc_type)
    if cached is None or now - cached[0] > KIND_SIZE_SECONDS:
        cached = (now, SearchDocument.objects.filter(doc_type=doc_type).count())
        _kind_sizes[doc_type] = cached
    return cached[1]


def list_filter_is_frequent(doc_type: str, q: str) -> bool:
    """Whether ``q``'s words are in at least ``LIST_FILTER_WALK_SHARE`` of the documents of
    ``doc_type`` (and at least ``LIST_FILTER_WALK_MIN`` of them): then a list is cheaper walked in
    its own order with each row looked up in the index (``banks.text_filter.apply``). SQLite only:
    its planner reads an ``IN (subquery)`` from the subquery whatever its size, while
    PostgreSQL's chooses between the two plans from its statistics. One statement that reads at
    most that many index entries."""
    if connection.vendor != "sqlite":
        return False
    words = filter_words(q, segmenter())
    if not words:
        return False
    index = backend()
    expression = index.expression([[(a.tokens, a.weight) for a in filter_group(w)] for w in words])
    cap = max(settings.LIST_FILTER_WALK_MIN, int(_kind_size(doc_type) * settings.LIST_FILTER_WALK_SHARE))
    with connection.cursor() as cursor:
        # ``+doc_type``: no index on the kind, so the count is driven from the index's matches
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM search_searchdocument d WHERE d.id IN "
            "(SELECT rowid FROM search_fts WHERE search_fts MATCH %s) AND +d.doc_type = %s LIMIT %s)",
            [expression, doc_type, cap],
        )
        return cursor.fetchone()[0] >= cap


# ---- matching teachers to a need --------------------------------------------------------------

# Words of a request that say nothing about its subject.
GENERIC_NEED_WORDS = frozenset(
    [
        "讲授",
        "讲课",
        "授课",
        "讲座",
        "讲",
        "专题",
        "课程",
        "课",
        "培训",
        "教学",
        "需要",
        "希望",
        "邀请",
        "请",
        "老师",
        "教师",
        "专家",
        "开展",
        "举办",
        "一次",
        "一堂",
        "一场",
        "一讲",
        "围绕",
        "结合",
        "主题",
        "内容",
        "相关",
        "方面",
        "学员",
        "班",
        "班次",
        "能够",
        "可以",
    ]
)
EVIDENCE_WEIGHTS = {
    DocumentType.TOPIC: 1.0,
    DocumentType.COURSE: 0.8,
    DocumentType.PROJECT: 0.6,
    DocumentType.OUTPUT: 0.5,
    DocumentType.TEACHER: 0.7,
}
DECAY = (1.0, 0.6, 0.4, 0.3, 0.2)
CANDIDATE_DOCUMENTS = 300
AUDIENCE_BY_LABEL = {label: value for value, label in Audience.choices if value != Audience.OTHER}
FORM_BY_LABEL = {label: value for value, label in TeachingForm.choices}


@dataclass
class Evidence:
    type: str
    type_label: str
    id: int
    title: str
    url: str
    matched: list[str]
    related: list[str] = field(default_factory=list)  # concepts found for need words not found as such
    covered_related: list[str] = field(default_factory=list)  # the need words those concepts stand for


@dataclass
class TeacherMatch:
    id: int
    name: str
    school: str
    title: str
    url: str
    fit: float
    rating: float | None
    matched: list[str]
    evidence: list[Evidence]
    related: list[str] = field(default_factory=list)  # need words covered only through a related concept


@dataclass
class MatchResults:
    need: str
    words: list[str]
    audience: str
    form: str
    teachers: list[TeacherMatch]


def _need_words(need: str, audience: str, form: str) -> tuple[list[str], str, str]:
    """Subject words of a need; audience/form words (中青班, 现场教学) become filters if none was given."""
    words = []
    for word in segmenter().query_words(need):
        if word in AUDIENCE_BY_LABEL:
            audience = audience or AUDIENCE_BY_LABEL[word]
        elif word in FORM_BY_LABEL:
            form = form or FORM_BY_LABEL[word]
        elif word not in GENERIC_NEED_WORDS:
            words.append(word)
    return words, audience, form


# A need word found only through a related concept (concepts.txt) counts this much of a word found as such.
CONCEPT_WEIGHT = 0.5


_concepts_read: tuple | None = None  # (segmenter, its concept groups as (term, tokens))


def _concept_terms(seg) -> list[list[tuple[str, tuple[str, ...]]]]:
    """The concept groups with each term's words, segmented once per loaded dictionary."""
    global _concepts_read
    if _concepts_read is None or _concepts_read[0] is not seg:
        groups = [[(term, tuple(seg.query_words(term))) for term in group] for group in concept_groups()]
        _concepts_read = (seg, groups)
    return _concepts_read[1]


def related_concepts(words: list[str]) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """For each need word, the related concepts to look for: (concept, its tokens). A concept group
    applies when one of its terms is in the need (all of the term's words are need words)."""
    present = set(words)
    related: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for terms in _concept_terms(segmenter()):
        for term, tokens in terms:
            if not tokens or not set(tokens) <= present:
                continue
            for word in tokens:
                known = related.setdefault(word, [])
                known += [
                    (other, other_tokens)
                    for other, other_tokens in terms
                    if other_tokens
                    and other != term
                    and not set(other_tokens) <= present
                    and (other, other_tokens) not in known
                ]
    return related


def _candidates(viewer, words, audience: str, form: str) -> list[SearchDocument]:
    # Only the banks' items are evidence of what a teacher teaches.
    documents = visible_to(SearchDocument.objects.filter(doc_type__in=list(EVIDENCE_WEIGHTS)), viewer)
    if audience:
        has_audience = (
            Q(audiences=audience)
            | Q(audiences__startswith=f"{audience},")
            | Q(audiences__endswith=f",{audience}")
            | Q(audiences__contains=f",{audience},")
        )
        documents = documents.filter(~Q(doc_type=DocumentType.TOPIC) | has_audience)
    if form:
        documents = documents.filter(
            ~Q(doc_type__in=[DocumentType.TOPIC, DocumentType.COURSE]) | Q(form=form)
        )
    ranked = backend().search(documents, words, 1, CANDIDATE_DOCUMENTS).ranked
    by_id = SearchDocument.objects.prefetch_related("teachers").in_bulk([pk for pk, _ in ranked])
    return [by_id[pk] for pk, _ in ranked]


def match_teachers(
    viewer,
    need: str,
    *,
    audience: str = "",
    form: str = "",
    school=None,
    limit: int = 20,
    concepts: bool = True,
) -> MatchResults:
    """Visible teachers ranked by how well their visible topics, courses and research fit ``need``;
    with ``concepts``, a need word also finds its related concepts (concepts.txt) at a lower weight."""
    need = check_length(need, "need")
    if audience and audience not in Audience.values:
        raise DomainError("适用对象参数不正确。", code="invalid_filter", field="audience")
    if form and form not in TeachingForm.values:
        raise DomainError("教学形式参数不正确。", code="invalid_filter", field="form")
    school_id = _int_filter(school, "school", "学校")
    words, audience, form = _need_words(need, audience, form)
    if not words:
        raise DomainError(
            "请写明需求的主题，例如“为中青班讲授乡村振兴与基层治理专题”。", code="invalid_query", field="need"
        )
    seg = segmenter()
    related = related_concepts(words) if concepts else {}
    groups = [
        [((word,), 1.0)] + [(tokens, CONCEPT_WEIGHT) for _, tokens in related.get(word, [])] for word in words
    ]
    per_teacher: dict[int, list[tuple[float, Evidence]]] = {}
    for doc in _candidates(viewer, groups, audience, form):
        tokens = set(seg.index_tokens(" ".join((doc.title, doc.keywords, doc.body))))
        tokens.update(t for name in doc.names.split(NAME_SEPARATOR) for t in name_tokens(name))
        matched = [w for w in words if w in tokens]
        found_related = {
            w: next((c for c, c_tokens in related.get(w, []) if set(c_tokens) <= tokens), None)
            for w in words
            if w not in tokens
        }
        found_related = {w: c for w, c in found_related.items() if c}
        if not matched and not found_related:
            continue
        relevance = (
            EVIDENCE_WEIGHTS[doc.doc_type] * (len(matched) + CONCEPT_WEIGHT * len(found_related)) / len(words)
        )
        evidence = Evidence(
            type=doc.doc_type,
            type_label=doc.get_doc_type_display(),
            id=doc.object_id,
            title=doc.title,
            url=detail_url(doc.doc_type, doc.object_id),
            matched=matched,
            related=list(dict.fromkeys(found_related.values())),
            covered_related=list(found_related),
        )
        teacher_ids = (
            [doc.object_id] if doc.doc_type == DocumentType.TEACHER else [t.pk for t in doc.teachers.all()]
        )
        for teacher_id in teacher_ids:
            per_teacher.setdefault(teacher_id, []).append((relevance, evidence))
    teachers = visible_to(Teacher.objects.filter(pk__in=list(per_teacher), is_active=True), viewer)
    if school_id is not None:
        teachers = teachers.filter(owner_school_id=school_id)
    teachers = list(teachers.select_related("owner_school"))
    ratings = rating_averages([t.pk for t in teachers])
    matches = [_teacher_match(t, per_teacher[t.pk], words, ratings.get(t.pk)) for t in teachers]
    matches.sort(key=lambda m: (-m.fit, -(m.rating or 0), m.name))
    return MatchResults(need=need, words=words, audience=audience, form=form, teachers=matches[:limit])


def _teacher_match(
    teacher: Teacher, found: list[tuple[float, Evidence]], words: list[str], rating: float | None
) -> TeacherMatch:
    found.sort(key=lambda pair: -pair[0])
    covered = {w for _, e in found for w in e.matched}
    covered_related = {w for _, e in found for w in e.covered_related} - covered
    depth = min(1.0, sum(weight * r for weight, (r, _) in zip(DECAY, found, strict=False)))
    coverage = (len(covered) + CONCEPT_WEIGHT * len(covered_related)) / len(words)
    fit = round(100 * (0.6 * coverage + 0.4 * depth), 1)
    return TeacherMatch(
        id=teacher.pk,
        name=teacher.name,
        school=teacher.owner_school.name,
        title=teacher.get_title_display(),
        url=detail_url(DocumentType.TEACHER, teacher.pk),
        fit=fit,
        rating=rating,
        matched=[w for w in words if w in covered],
        evidence=[e for _, e in found[:5]],
        related=[w for w in words if w in covered_related],
    )
