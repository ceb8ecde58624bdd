"""Bank items for search tests, created straight in the tables (the search app owns no bank)."""

from datetime import date

from yiwang.core.indexing import item_changed
from yiwang.courses.enums import CourseKind, CourseStatus
from yiwang.courses.models import Course, TeachingModule
from yiwang.faculty.enums import AcademicTitle
from yiwang.faculty.models import Teacher
from yiwang.faculty.services import name_pinyin
from yiwang.network.enums import SharingScope
from yiwang.research.enums import OutputKind, ProjectCategory, ProjectLevel, ProjectStatus
from yiwang.research.models import ResearchMember, ResearchOutput, ResearchProject
from yiwang.topics.enums import DisciplineCategory, PublicationStatus, TeachingForm
from yiwang.topics.models import Topic
from yiwang.topics.services import set_audiences


def _share(item, alliances=(), partnerships=()):
    if alliances:
        item.shared_alliances.set(alliances)
    if partnerships:
        item.shared_partnerships.set(partnerships)
    return item


def make_teacher(
    school,
    name,
    *,
    scope=SharingScope.NETWORK,
    expertise="",
    bio="",
    title=AcademicTitle.PROFESSOR,
    department="",
    alliances=(),
    partnerships=(),
    **fields,
) -> Teacher:
    full, initials = name_pinyin(name)
    teacher = Teacher.objects.create(
        owner_school=school,
        name=name,
        name_pinyin=full,
        name_initials=initials,
        scope=scope,
        expertise=expertise,
        bio=bio,
        title=title,
        department=department,
        **fields,
    )
    return _share(teacher, alliances, partnerships)


def make_topic(
    school,
    title,
    *,
    teachers=(),
    summary="",
    outline="",
    keywords="",
    scope=SharingScope.NETWORK,
    status=PublicationStatus.PUBLISHED,
    category=DisciplineCategory.GOVERNANCE,
    form=TeachingForm.LECTURE,
    audiences="main",
    module=None,
    alliances=(),
    partnerships=(),
) -> Topic:
    topic = Topic.objects.create(
        owner_school=school,
        title=title,
        summary=summary,
        outline=outline,
        keywords=keywords,
        scope=scope,
        status=status,
        category=category,
        form=form,
        module=module,
    )
    topic.teachers.set(teachers)
    set_audiences(topic, [c for c in audiences.split(",") if c])
    return _share(topic, alliances, partnerships)


def make_module(school, name) -> TeachingModule:
    return TeachingModule.objects.get_or_create(owner_school=school, name=name)[0]


def make_course(
    school,
    title,
    *,
    teachers=(),
    summary="",
    keywords="",
    kind=CourseKind.CLASSROOM,
    status=CourseStatus.PUBLISHED,
    scope=SharingScope.NETWORK,
    module=None,
    place_name="",
) -> Course:
    course = Course.objects.create(
        owner_school=school,
        title=title,
        summary=summary,
        keywords=keywords,
        kind=kind,
        status=status,
        scope=scope,
        module=module,
        place_name=place_name,
    )
    course.teachers.set(teachers)
    return course


def make_project(
    school,
    title,
    principal,
    *,
    members=(),
    summary="",
    keywords="",
    scope=SharingScope.NETWORK,
    status=ProjectStatus.ONGOING,
    category=ProjectCategory.THINK_TANK,
    start=date(2024, 3, 1),
):
    project = ResearchProject.objects.create(
        owner_school=school,
        title=title,
        level=ProjectLevel.MUNICIPAL,
        category=category,
        principal_investigator=principal,
        summary=summary,
        keywords=keywords,
        start_date=start,
        end_date=date(start.year + 2, start.month, 1),
        status=status,
        scope=scope,
    )
    ResearchMember.objects.create(project=project, teacher=principal, role="principal")
    for member in members:
        ResearchMember.objects.create(project=project, teacher=member)
    return project


def make_output(
    school,
    title,
    *,
    authors=(),
    abstract="",
    keywords="",
    kind=OutputKind.ADVISORY,
    scope=SharingScope.NETWORK,
    published=date(2024, 6, 1),
    author_text="",
) -> ResearchOutput:
    output = ResearchOutput.objects.create(
        owner_school=school,
        title=title,
        abstract=abstract,
        keywords=keywords,
        kind=kind,
        scope=scope,
        published_on=published,
        author_text=author_text,
    )
    output.authors.set(authors)
    return output


def index(*items) -> None:
    """Tell the index about items created straight in the tables (as the banks' services do)."""
    from yiwang.search.services import on_item_changed

    for item in items:
        on_item_changed(type(item), item.pk)


__all__ = [
    "item_changed",
    "make_teacher",
    "make_topic",
    "make_course",
    "make_project",
    "make_output",
    "index",
    "make_module",
]
