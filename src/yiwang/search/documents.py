"""What each bank item looks like in the index: which items are searchable, their
fields (title > keywords > names > body), facets and the teachers they involve.

Only items a bank shows as current are indexed: published topics, published or
featured courses, active teachers, approved/ongoing/concluded projects and active
outputs. A draft, retired or deleted item has no document.

The newer apps: published research calls and all field sites (both Shareable, visible
exactly as in their apps); published co-development projects whose course is published or
featured (they carry the course's sharing — before publication a project is seen only by its
team and schools, which no scope can express, so it is not indexed); and public alliance
news (scope 公开 — news for members only is not indexed).
"""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Model
from django.utils import timezone

from yiwang.alliances.models import NewsPost
from yiwang.alliances.selectors import news_search_text
from yiwang.calls.models import ResearchCall
from yiwang.codev.enums import Stage
from yiwang.codev.models import Project as CodevProject
from yiwang.courses.enums import CourseKind, CourseStatus
from yiwang.courses.models import Course, TeachingModule
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope
from yiwang.network.models import School
from yiwang.research.enums import ProjectStatus
from yiwang.research.models import ResearchOutput, ResearchProject
from yiwang.sites.models import FieldSite
from yiwang.sites.selectors import site_search_text
from yiwang.topics.enums import Audience, PublicationStatus
from yiwang.topics.models import Topic, TopicAudience

from .enums import DocumentType
from .models import SearchDocument
from .segmentation import Segmenter, name_tokens

NAME_SEPARATOR = "、"
BODY_LIMIT = 6000


@dataclass
class BuiltDocument:
    """An unsaved document, its sharing, its teachers and its segmented fields."""

    document: SearchDocument
    alliance_ids: list[int] = field(default_factory=list)
    partnership_ids: list[int] = field(default_factory=list)
    teacher_ids: list[int] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)  # title/keywords/names/body → tokens


@dataclass(frozen=True)
class Sharing:
    """An item's (or teacher's) sharing: scope, owner and the picked alliances/partnerships."""

    scope: str
    owner_school_id: int
    alliances: frozenset[int] = frozenset()
    partnerships: frozenset[int] = frozenset()


@dataclass(frozen=True)
class TeacherInfo:
    pk: int
    name: str
    is_active: bool
    sharing: Sharing


def teacher_shown_with(item: Sharing, teacher: TeacherInfo) -> bool:
    """May a teacher's name be shown (and searched) with an item? Only if everyone
    who sees the item also sees the teacher, so no name leaks through an item."""
    if not teacher.is_active:
        return False
    t = teacher.sharing
    if t.scope == SharingScope.PUBLIC:
        return True
    if t.scope == SharingScope.NETWORK:
        return item.scope != SharingScope.PUBLIC
    if item.scope in (SharingScope.NETWORK, SharingScope.PUBLIC) or t.owner_school_id != item.owner_school_id:
        return False
    if t.scope == SharingScope.PARTNERS:
        if item.scope != SharingScope.PARTNERS:
            return True
        return item.alliances <= t.alliances and item.partnerships <= t.partnerships
    if t.scope == SharingScope.SYSTEM:
        return item.scope in (SharingScope.SCHOOL, SharingScope.SYSTEM)
    return item.scope == SharingScope.SCHOOL


def _as_datetime(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def _join(*parts: str) -> str:
    return "\n".join(p.strip() for p in parts if p and p.strip())[:BODY_LIMIT]


def _document(item, doc_type: str, **values) -> SearchDocument:
    return SearchDocument(
        doc_type=doc_type, object_id=item.pk, owner_school_id=item.owner_school_id, scope=item.scope, **values
    )


def _build(
    seg: Segmenter,
    ctx: "BatchContext",
    item,
    document: SearchDocument,
    extra_names: Iterable[str] = (),
    title_tokens: list[str] | None = None,
) -> BuiltDocument:
    sharing = ctx.sharing(item)
    teachers = ctx.teachers_of(item)
    shown = [t.name for t in teachers if teacher_shown_with(sharing, t)]
    names = list(dict.fromkeys([*shown, *(n for n in extra_names if n)]))
    document.names = NAME_SEPARATOR.join(names)[:400]
    partners = sharing.scope == SharingScope.PARTNERS
    return BuiltDocument(
        document=document,
        alliance_ids=sorted(sharing.alliances) if partners else [],
        partnership_ids=sorted(sharing.partnerships) if partners else [],
        teacher_ids=sorted({t.pk for t in teachers}),
        fields={
            "title": title_tokens if title_tokens is not None else seg.index_tokens(document.title),
            "keywords": seg.index_tokens(document.keywords),
            "names": [token for name in names for token in name_tokens(name)],
            "body": seg.index_tokens(
                "\n".join(
                    p
                    for p in (document.body, document.category, ctx.school_name(sharing.owner_school_id))
                    if p
                )
            ),
        },
    )


# ---- one builder per bank ---------------------------------------------------------------------


def build_topic(seg: Segmenter, ctx: "BatchContext", topic: Topic) -> BuiltDocument:
    doc = _document(
        topic,
        DocumentType.TOPIC,
        title=topic.title,
        keywords=topic.keywords,
        body=_join(topic.summary, topic.outline),
        module_id=topic.module_id,
        module_name=ctx.module_name(topic.module_id),
        category=topic.get_category_display(),
        year=topic.created_at.year,
        status=topic.get_status_display(),
        form=topic.form,
        audiences=ctx.audiences.get(topic.pk, ""),
        sort_date=topic.updated_at,
    )
    return _build(seg, ctx, topic, doc)


def build_teacher(seg: Segmenter, ctx: "BatchContext", teacher: Teacher) -> BuiltDocument:
    about = [
        teacher.get_title_display(),
        teacher.position,
        teacher.department,
        teacher.employer,
        teacher.post,
    ]
    doc = _document(
        teacher,
        DocumentType.TEACHER,
        title=teacher.name,
        keywords=teacher.expertise[:400],
        body=_join(" ".join(p for p in about if p), "外请师资" if teacher.is_invited else "", teacher.bio),
        category="外请师资" if teacher.is_invited else teacher.get_title_display(),
        status="在职" if teacher.is_active else "",
        rating=ctx.ratings.get(teacher.pk),
        sort_date=teacher.updated_at,
    )
    built = _build(seg, ctx, teacher, doc, title_tokens=list(name_tokens(teacher.name)))
    built.fields["names"] = []  # the name already is the title
    built.document.names = ""
    return built


def build_course(seg: Segmenter, ctx: "BatchContext", course: Course) -> BuiltDocument:
    doc = _document(
        course,
        DocumentType.COURSE,
        title=course.title,
        keywords=course.keywords,
        body=_join(course.summary, course.place_name, course.place_address),
        module_id=course.module_id,
        module_name=ctx.module_name(course.module_id),
        category=course.get_kind_display(),
        year=course.created_at.year,
        status=course.get_status_display(),
        form="field" if course.kind == CourseKind.FIELD else "",
        sort_date=course.updated_at,
    )
    return _build(seg, ctx, course, doc)


def build_project(seg: Segmenter, ctx: "BatchContext", project: ResearchProject) -> BuiltDocument:
    doc = _document(
        project,
        DocumentType.PROJECT,
        title=project.title,
        keywords=project.keywords,
        body=_join(project.summary),
        category=project.get_category_display(),
        year=project.start_date.year,
        status=project.get_status_display(),
        sort_date=_as_datetime(project.start_date),
    )
    return _build(seg, ctx, project, doc)


def build_output(seg: Segmenter, ctx: "BatchContext", output: ResearchOutput) -> BuiltDocument:
    doc = _document(
        output,
        DocumentType.OUTPUT,
        title=output.title,
        keywords=output.keywords,
        body=_join(output.abstract, output.venue),
        category=output.get_kind_display(),
        year=output.published_on.year,
        sort_date=_as_datetime(output.published_on),
    )
    others = [n.strip() for n in re.split(r"[、，,；;\s]+", output.author_text or "") if n.strip()]
    return _build(seg, ctx, output, doc, extra_names=others)


def _shared_document(ctx: "BatchContext", item, doc_type: str, **values) -> SearchDocument:
    """A document of an item whose sharing comes from ``Source.sharing`` (not its own columns)."""
    sharing = ctx.sharing(item)
    return SearchDocument(
        doc_type=doc_type,
        object_id=item.pk,
        owner_school_id=sharing.owner_school_id,
        scope=sharing.scope,
        **values,
    )


def build_call(seg: Segmenter, ctx: "BatchContext", call: ResearchCall) -> BuiltDocument:
    doc = _document(
        call,
        DocumentType.CALL,
        title=call.title,
        body=_join(call.description),
        category=call.kind_label or call.get_kind_display(),
        year=call.year,
        status="已公布结果" if call.results_published_at else "已发布",
        sort_date=call.published_at or call.updated_at,
    )
    return _build(seg, ctx, call, doc)


def build_site(seg: Segmenter, ctx: "BatchContext", site: FieldSite) -> BuiltDocument:
    text = site_search_text(site)
    doc = _document(
        site,
        DocumentType.SITE,
        title=text["title"],
        keywords=text["keywords"][:400],
        body=_join(text["body"]),
        category=site.get_operator_kind_display(),
        status="接受预约" if site.is_active else "暂停预约",
        form="field",
        sort_date=site.updated_at,
    )
    return _build(seg, ctx, site, doc)


def build_codev(seg: Segmenter, ctx: "BatchContext", project: CodevProject) -> BuiltDocument:
    doc = _shared_document(
        ctx,
        project,
        DocumentType.CODEV,
        title=project.title,
        body=_join(project.summary),
        module_id=project.module_id,
        module_name=ctx.module_name(project.module_id),
        category="共建课程",
        year=project.created_at.year,
        status=project.get_stage_display(),
        sort_date=project.published_at or project.updated_at,
    )
    return _build(seg, ctx, project, doc)


def build_news(seg: Segmenter, ctx: "BatchContext", news: NewsPost) -> BuiltDocument:
    text = news_search_text(news)
    doc = _shared_document(
        ctx,
        news,
        DocumentType.NEWS,
        title=text["title"],
        keywords=text["keywords"][:400],
        body=_join(text["body"]),
        category="联盟动态",
        year=timezone.localtime(news.published_at).year,
        sort_date=news.published_at,
    )
    return _build(seg, ctx, news, doc)


def codev_sharing(projects) -> dict[int, Sharing]:
    """A published project is seen by whoever sees its course: it carries the course's sharing."""
    courses = list(
        Course.objects.filter(pk__in={p.course_id for p in projects}).only("pk", "scope", "owner_school_id")
    )
    by_course = sharing_of(Course, courses)
    return {p.pk: by_course[p.course_id] for p in projects if p.course_id in by_course}


def news_sharing(posts) -> dict[int, Sharing]:
    """Only public news is indexed: anyone may read it."""
    return {n.pk: Sharing(SharingScope.PUBLIC, n.school_id) for n in posts}


# ---- the registry: model → its searchable rows, its teachers, its builder -------------------------


@dataclass(frozen=True)
class Source:
    model: type[Model]
    doc_type: str
    build: Callable
    searchable: dict
    teacher_links: tuple[str, ...] = ()  # m2m fields (or reverse through names) to faculty.Teacher
    lead_field: str = ""  # a FK to the first teacher (the principal investigator)
    sharing: Callable | None = None  # items → {pk: Sharing} for a model that is not Shareable
    related: tuple[str, ...] = ()  # select_related for the builder

    def queryset(self):
        rows = self.model.objects.filter(**self.searchable)
        return rows.select_related(*self.related) if self.related else rows


def _output_searchable() -> dict:
    return {"is_active": True} if any(f.name == "is_active" for f in ResearchOutput._meta.fields) else {}


SOURCES = [
    Source(Teacher, DocumentType.TEACHER, build_teacher, {"is_active": True}),
    Source(
        Topic,
        DocumentType.TOPIC,
        build_topic,
        {"status": PublicationStatus.PUBLISHED},
        ("teachers",),
    ),
    Source(
        Course,
        DocumentType.COURSE,
        build_course,
        {"status__in": [CourseStatus.PUBLISHED, CourseStatus.FEATURED]},
        ("teachers",),
    ),
    Source(
        ResearchProject,
        DocumentType.PROJECT,
        build_project,
        {"status__in": [ProjectStatus.APPROVED, ProjectStatus.ONGOING, ProjectStatus.CONCLUDED]},
        ("members",),
        lead_field="principal_investigator_id",
    ),
    Source(ResearchOutput, DocumentType.OUTPUT, build_output, _output_searchable(), ("authors",)),
    Source(ResearchCall, DocumentType.CALL, build_call, {"published_at__isnull": False}),
    Source(FieldSite, DocumentType.SITE, build_site, {}, ("guides",)),
    Source(
        CodevProject,
        DocumentType.CODEV,
        build_codev,
        {"stage": Stage.PUBLISHED, "course__status__in": [CourseStatus.PUBLISHED, CourseStatus.FEATURED]},
        sharing=codev_sharing,
    ),
    Source(
        NewsPost,
        DocumentType.NEWS,
        build_news,
        {"is_public": True},
        sharing=news_sharing,
        related=("space__alliance", "space__partnership__supporter", "space__partnership__supported"),
    ),
]
SOURCE_BY_MODEL = {source.model: source for source in SOURCES}
SOURCE_BY_TYPE = {source.doc_type: source for source in SOURCES}
# model → (source whose documents carry that model's sharing, the FK from the source's model to it)
DEPENDENTS: dict[type[Model], list[tuple[Source, str]]] = {
    Course: [(SOURCE_BY_TYPE[DocumentType.CODEV], "course")]
}


def rating_averages(teacher_ids) -> dict[int, float]:
    """Evaluation averages (out of 100) from the classes app; none if it offers none."""
    try:
        from yiwang.classes.selectors import teacher_rating_averages
    except ImportError:
        return {}
    return teacher_rating_averages(list(teacher_ids))


def sharing_of(model: type[Model], items) -> dict[int, Sharing]:
    """Sharing of a batch of Shareable rows in two queries."""
    ids = [i.pk for i in items]
    picked: dict[str, dict[int, set[int]]] = {}
    for field_name, target in (
        ("shared_alliances", "alliance_id"),
        ("shared_partnerships", "supportpartnership_id"),
    ):
        m2m = model._meta.get_field(field_name)
        column = f"{m2m.m2m_field_name()}_id"
        rows = m2m.remote_field.through.objects.filter(**{f"{column}__in": ids}).values_list(column, target)
        found = picked.setdefault(field_name, {})
        for item_id, other in rows:
            found.setdefault(item_id, set()).add(other)
    return {
        i.pk: Sharing(
            i.scope,
            i.owner_school_id,
            frozenset(picked["shared_alliances"].get(i.pk, ())),
            frozenset(picked["shared_partnerships"].get(i.pk, ())),
        )
        for i in items
    }


class BatchContext:
    """What a batch of items needs beyond its own rows (sharing, teachers, module names, ratings),
    loaded in a handful of queries; teachers are cached across batches of one rebuild."""

    def __init__(self, source: Source, items: list, teacher_cache: dict[int, TeacherInfo] | None = None):
        self.source = source
        self._sharing = source.sharing(items) if source.sharing else sharing_of(source.model, items)
        self._links: dict[int, list[int]] = {}
        if source.model is Teacher:
            self._links = {i.pk: [i.pk] for i in items}
        for i in items if source.lead_field else ():
            self._links.setdefault(i.pk, []).append(getattr(i, source.lead_field))
        for field_name in source.teacher_links:
            m2m = source.model._meta.get_field(field_name)
            through = m2m.remote_field.through
            column = f"{m2m.m2m_field_name()}_id"
            rows = through.objects.filter(**{f"{column}__in": [i.pk for i in items]}).values_list(
                column, "teacher_id"
            )
            for item_id, teacher_id in rows.order_by("pk"):
                if teacher_id not in self._links.setdefault(item_id, []):
                    self._links[item_id].append(teacher_id)
        self.teachers = teacher_cache if teacher_cache is not None else {}
        if source.model is Teacher:
            self.teachers.update(
                {t.pk: TeacherInfo(t.pk, t.name, t.is_active, self._sharing[t.pk]) for t in items}
            )
        self._load_teachers({t for ids in self._links.values() for t in ids} - set(self.teachers))
        self._schools = dict(
            School.objects.filter(pk__in={s.owner_school_id for s in self._sharing.values()}).values_list(
                "pk", "name"
            )
        )
        module_ids = {getattr(i, "module_id", None) for i in items} - {None}
        self._modules = dict(TeachingModule.objects.filter(pk__in=module_ids).values_list("pk", "name"))
        self.audiences: dict[int, str] = {}
        if source.model is Topic:
            codes: dict[int, set[str]] = {}
            for topic_id, code in TopicAudience.objects.filter(
                topic_id__in=[i.pk for i in items]
            ).values_list("topic_id", "audience"):
                codes.setdefault(topic_id, set()).add(code)
            self.audiences = {
                pk: ",".join(c for c in Audience.values if c in held) for pk, held in codes.items()
            }
        is_teacher = source.model is Teacher
        self.ratings = rating_averages([i.pk for i in items]) if is_teacher else {}

    def _load_teachers(self, ids: set[int]) -> None:
        if not ids:
            return
        rows = list(
            Teacher.objects.filter(pk__in=ids).only("pk", "name", "is_active", "scope", "owner_school_id")
        )
        sharing = sharing_of(Teacher, rows)
        for t in rows:
            self.teachers[t.pk] = TeacherInfo(t.pk, t.name, t.is_active, sharing[t.pk])

    def sharing(self, item) -> Sharing:
        return self._sharing[item.pk]

    def teachers_of(self, item) -> list[TeacherInfo]:
        # Sorted by teacher id so a document reads the same on every database.
        return [self.teachers[t] for t in sorted(self._links.get(item.pk, [])) if t in self.teachers]

    def school_name(self, school_id) -> str:
        """The owner school's name, searchable in the body (测试市委党校 乡村振兴)."""
        return self._schools.get(school_id, "")

    def module_name(self, module_id) -> str:
        return self._modules.get(module_id, "") if module_id else ""


def build_documents(
    seg: Segmenter, source: Source, items: list, teacher_cache: dict[int, TeacherInfo] | None = None
) -> Iterator[BuiltDocument]:
    ctx = BatchContext(source, items, teacher_cache)
    for item in items:
        yield source.build(seg, ctx, item)
