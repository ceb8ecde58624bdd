"""Writes on the course bank (课程库). Each: permission → checks → lock → save → audit → index → notify.

Who may do what:
* create — staff of the owner school (``rules.can_edit_bank_item``);
* edit, upload materials, submit for review (草稿→审核中) — staff of the owner school
  or of a co-building school (共建学校);
* publish, feature, send back, retire, restore — staff of the owner school only.
"""

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse

from yiwang.activity.services import notify, record_audit, snapshot
from yiwang.banks.batches import insert_checked
from yiwang.banks.services import (
    SchoolRights,
    check_batch_fields,
    insert_rows,
    is_console,
    numbered,
    update_each,
)
from yiwang.banks.writes import save_status, update_one
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.core.indexing import item_changed
from yiwang.core.transitions import TransitionTable
from yiwang.core.validators import check_upload, clean_choice, clean_link, clean_text
from yiwang.faculty.services import ActiveTeachers, check_teachers
from yiwang.network import rules
from yiwang.network.enums import SharingScope
from yiwang.network.models import Membership, School
from yiwang.network.services import apply_sharing, update_sharing, validate_sharing

from .enums import CourseKind, CourseStatus, MaterialKind
from .models import Course, CourseMaterial, TeachingModule
from .rules import can_edit_course, can_publish_course

COURSE_FIELDS = [
    "title",
    "module",
    "kind",
    "place_name",
    "place_address",
    "summary",
    "keywords",
    "status",
    "scope",
    "owner_school",
]
CONTENT_FIELDS = {"title", "module", "kind", "place_name", "place_address", "summary", "keywords"}

# Allowed status changes: from → {to: (who may — "editor": owner or co-building school's
# staff, "owner": the owner school's staff —, the page's button)}. 停用 is ``retire_course``.
COURSE_STEPS = TransitionTable(
    CourseStatus,
    {
        CourseStatus.DRAFT: {CourseStatus.REVIEW: ("editor", "提交审核")},
        CourseStatus.REVIEW: {
            CourseStatus.PUBLISHED: ("owner", "审核通过并发布"),
            CourseStatus.DRAFT: ("owner", "退回修改"),
        },
        CourseStatus.PUBLISHED: {
            CourseStatus.FEATURED: ("owner", "评为精品课"),
            CourseStatus.DRAFT: ("owner", "撤回为草稿"),
        },
        CourseStatus.FEATURED: {CourseStatus.PUBLISHED: ("owner", "取消精品课")},
        CourseStatus.RETIRED: {CourseStatus.DRAFT: ("owner", "恢复为草稿")},
    },
    noun="课程",
)


def _clean_course_fields(data: dict) -> dict:
    data = dict(data)
    text_limits = {
        "title": ("课程名称", 200, False),
        "place_name": ("现场教学点", 100, False),
        "place_address": ("地址", 200, False),
        "summary": ("课程简介", 5000, True),
        "keywords": ("关键词", 200, False),
    }
    for key, (label, limit, multiline) in text_limits.items():
        if key in data:
            data[key] = clean_text(
                data[key],
                label=label,
                field=key,
                max_length=limit,
                multiline=multiline,
                required=key == "title",
            )
    if "kind" in data:
        data["kind"] = clean_choice(data["kind"], CourseKind, label="课程类型", field="kind")
    return data


def _check_field_place(data: dict) -> None:
    if data.get("kind") == CourseKind.FIELD and not data.get("place_name"):
        raise DomainError("现场教学课程请填写现场教学点名称。", field="place_name")


def _check_module(module) -> TeachingModule | None:
    if module in (None, ""):
        return None
    if isinstance(module, TeachingModule):
        return module
    found = TeachingModule.objects.filter(pk=module).first() if str(module).isdigit() else None
    if found is None:
        raise DomainError("所选教学模块不存在。", field="module")
    return found


def _check_co_schools(co_schools, owner: School, active_schools: dict | None = None) -> list[School]:
    """The co-building schools (objects or ids): active, not the owner. ``active_schools``:
    every active school by id, read once by a batch."""
    schools = list(dict.fromkeys(co_schools or []))
    ids = [getattr(s, "pk", s) for s in schools]
    if active_schools is None:
        active_schools = {s.pk: s for s in School.objects.filter(pk__in=ids, is_active=True)}
    found = {i: active_schools[i] for i in ids if i in active_schools}
    missing = [i for i in ids if i not in found]
    if missing:
        raise DomainError("所选共建学校不存在或已停用。", field="co_schools")
    if owner.pk in found:
        raise DomainError("共建学校不能包括课程的所属学校本身。", field="co_schools")
    return [found[i] for i in ids]


def _create_rights(by) -> SchoolRights:
    return SchoolRights(
        by, rules.can_edit_bank_item, "只有{school}的管理员、教务、培训或科研人员可以添加课程。"
    )


def _course_state(course: Course) -> dict:
    return {
        **snapshot(course, COURSE_FIELDS),
        "teachers": sorted(course.teachers.values_list("pk", flat=True)),
        "co_schools": sorted(course.co_schools.values_list("pk", flat=True)),
    }


def create_course(
    *,
    by,
    school: School,
    title: str,
    kind: str = CourseKind.CLASSROOM,
    module=None,
    teachers=(),
    co_schools=(),
    scope: str = SharingScope.SYSTEM,
    alliances=(),
    partnerships=(),
    **fields,
) -> Course:
    """A new course (草稿) of ``school``. ``by``: a person, or the server's command line
    (``banks.services.is_console``: any school)."""
    unknown = set(fields) - CONTENT_FIELDS
    if unknown:
        raise DomainError("未知的字段：" + "、".join(sorted(unknown)))
    _create_rights(by).require(school)
    data = _clean_course_fields({"title": title, "kind": kind, **fields})
    _check_field_place(data)
    data["module"] = _check_module(module)
    teachers = check_teachers(by, teachers)
    co_schools = _check_co_schools(co_schools, school)
    validate_sharing(owner_school=school, scope=scope, alliances=alliances, partnerships=partnerships)
    with transaction.atomic():
        course = Course.objects.create(owner_school=school, scope=scope, status=CourseStatus.DRAFT, **data)
        course.teachers.set(teachers)
        course.co_schools.set(co_schools)
        apply_sharing(course, alliances=alliances, partnerships=partnerships)
        record_audit(
            actor=by, action="course.created", obj=course, school=school, after=_course_state(course)
        )
        item_changed(course)
    return course


def update_course(*, by, course: Course, **changes) -> Course:
    """Change a course's content (``CONTENT_FIELDS``, ``scope``), ``teachers``, ``co_schools``,
    ``alliances`` or ``partnerships`` (``_change_course``). Co-building schools may not change
    sharing or co-builders; the status changes only through ``change_course_status``."""
    return update_one(
        by=by,
        action="course.updated",
        change=lambda: _change_course(by=by, course=course, allow_status=False, **changes),
        state=_course_state,
    )


def _change_course(
    *,
    by,
    course: Course,
    teachers=None,
    co_schools=None,
    alliances=None,
    partnerships=None,
    allow_status: bool = False,
    **changes,
):
    """Check and save one course's changes (inside the caller's transaction); (course, state before).

    ``allow_status``: an import row (``update_courses``) sets the ``status`` as written, by the
    owner school's staff — who may make every transition — audited before/after."""
    unknown = set(changes) - CONTENT_FIELDS - {"scope"} - ({"status"} if allow_status else set())
    if unknown:
        raise DomainError("未知的字段：" + "、".join(sorted(unknown)))
    course = Course.objects.select_for_update().select_related("owner_school").get(pk=course.pk)
    console = is_console(by)
    if not console and not can_edit_course(by, course):
        raise PermissionDeniedError("只有所属学校或共建学校的管理员、教务、培训、科研人员可以修改课程。")
    owner_only = (
        "scope" in changes
        or "status" in changes
        or co_schools is not None
        or alliances is not None
        or partnerships is not None
    )
    if not console and owner_only and not can_publish_course(by, course):
        raise PermissionDeniedError("只有所属学校的人员可以修改共享范围和共建学校。")
    data = _clean_course_fields({k: v for k, v in changes.items() if k in CONTENT_FIELDS - {"module"}})
    if "status" in changes:
        data["status"] = clean_choice(changes["status"], CourseStatus, label="课程状态", field="status")
    if teachers is not None:
        teachers = check_teachers(by, teachers)
    if co_schools is not None:
        co_schools = _check_co_schools(co_schools, course.owner_school)
    if "module" in changes:
        data["module"] = _check_module(changes["module"])
    before = _course_state(course)
    _check_field_place(
        {"kind": data.get("kind", course.kind), "place_name": data.get("place_name", course.place_name)}
    )
    update_sharing(course, changes.get("scope"), alliances, partnerships)
    for key, value in data.items():
        setattr(course, key, value)
    course.save()
    if teachers is not None:
        course.teachers.set(teachers)
    if co_schools is not None:
        course.co_schools.set(co_schools)
    return course, before


def change_course_status(*, by, course: Course, to: str) -> Course:
    """Move a course along 草稿 → 审核中 → 发布 → 精品课 (and back where allowed)."""
    if to not in CourseStatus.values:
        raise DomainError("目标状态无效。", field="status")
    if to == CourseStatus.RETIRED:
        return retire_course(by=by, course=course)
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        step = COURSE_STEPS.step(course.status, to)
        _require_transition_right(by, course, step.who)
        if course.status == CourseStatus.REVIEW and to in (CourseStatus.PUBLISHED, CourseStatus.FEATURED):
            _require_second_person(by, course)
        also = ()
        if to == CourseStatus.REVIEW:
            course.submitted_by = by if getattr(by, "is_authenticated", False) else None
            also = ("submitted_by",)
        save_status(by=by, item=course, to=to, action="course.status_changed", also=also)
        if to == CourseStatus.REVIEW:
            _notify_owner_staff(course, title=f"课程待审核：{course.title}")
    return course


def _require_transition_right(by, course: Course, who: str) -> None:
    if is_console(by):
        return
    if who == "editor" and not can_edit_course(by, course):
        raise PermissionDeniedError("只有所属学校或共建学校的人员可以提交审核。")
    if who == "owner" and not can_publish_course(by, course):
        raise PermissionDeniedError(
            f"只有{course.owner_school.name}的管理员、教务、培训或科研人员可以审核、发布课程。"
        )


def _require_second_person(by, course: Course) -> None:
    """登记与审核分离: whoever submitted the course for review does not approve it (per school, on by default)."""
    if is_console(by) or not course.owner_school.separates_duties:
        return
    if course.submitted_by_id is not None and course.submitted_by_id == by.pk:
        raise PermissionDeniedError(
            "课程由您提交审核，须由本校其他有审核权限的人员审核通过（登记与审核分离）。"
        )


def _notify_owner_staff(course: Course, *, title: str) -> None:
    reviewers = (
        Membership.objects.filter(school_id=course.owner_school_id, is_active=True)
        .filter(Q(is_school_admin=True) | Q(is_teaching_staff=True))
        .select_related("user")
    )
    notify(
        [m.user for m in reviewers],
        title=title,
        body=f"{course.owner_school.name} · {course.title}",
        url=reverse("courses:detail", args=[course.pk]),
        email=False,
    )


def retire_course(*, by, course: Course) -> Course:
    """停用: hidden from everyone but its editors; materials stay stored."""
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if not is_console(by) and not can_publish_course(by, course):
            raise PermissionDeniedError(
                f"只有{course.owner_school.name}的管理员、教务、培训或科研人员可以停用课程。"
            )
        if course.status == CourseStatus.RETIRED:
            raise ConflictError("该课程已停用。", field="status")
        return save_status(by=by, item=course, to=CourseStatus.RETIRED, action="course.retired")


def upload_material(
    *, by, course: Course, kind: str, title: str, file=None, link: str = "", note: str = ""
) -> CourseMaterial:
    """Add a material; the same (kind, title) again adds version n+1 and keeps every earlier version."""
    if not is_console(by) and not can_edit_course(by, course):
        raise PermissionDeniedError("只有所属学校或共建学校的管理员、教务、培训、科研人员可以上传课程资料。")
    kind = clean_choice(kind, MaterialKind, label="资料类型", field="kind")
    title = clean_text(title, label="资料名称", field="title", max_length=200, required=True)
    note = clean_text(note, label="说明", field="note", max_length=200)
    link = clean_link(link)
    if kind == MaterialKind.VIDEO:
        if file:
            raise DomainError("视频只能以链接形式提供，请填写视频链接，不要上传视频文件。", field="file")
        if not link:
            raise DomainError("请填写视频链接（以 http:// 或 https:// 开头）。", field="link")
    elif file and link:
        raise DomainError("请上传文件或填写链接，二者选其一。", field="link")
    elif not file and not link:
        raise DomainError("请选择要上传的文件，或填写资料链接。", field="file")
    original_name = ""
    if file:
        check_upload(file, label="资料文件")
        original_name = file.name.rsplit("/", 1)[-1]
    try:
        with transaction.atomic():
            Course.objects.select_for_update().filter(pk=course.pk).first()
            latest = (
                CourseMaterial.objects.filter(course=course, kind=kind, title=title).aggregate(
                    v=Max("version")
                )["v"]
                or 0
            )
            material = CourseMaterial(
                course=course,
                kind=kind,
                title=title,
                version=latest + 1,
                link=link,
                note=note,
                uploaded_by=by if getattr(by, "is_authenticated", False) else None,
                size_bytes=getattr(file, "size", 0) or 0,
                original_name=original_name,
            )
            if file:
                material.file.save(original_name, file, save=False)
            material.save()
            Course.objects.filter(pk=course.pk).update(updated_at=material.created_at)
            record_audit(
                actor=by,
                action="course.material_uploaded",
                obj=course,
                school=course.owner_school,
                after={
                    "material": material.pk,
                    "kind": kind,
                    "title": title,
                    "version": material.version,
                    "size": material.size_bytes,
                },
            )
            item_changed(course)
    except IntegrityError:
        raise ConflictError("同时有人上传了同名资料，请刷新后重试。") from None
    return material


TEXT_KINDS = (MaterialKind.LESSON_PLAN, MaterialKind.COMMENTARY)
TEXT_MAX_CHARS = 200_000


def add_material_version(
    *,
    by,
    course: Course,
    kind: str,
    title: str,
    note: str,
    text: str = "",
    file=None,
    link: str = "",
    team_checked: bool = False,
) -> CourseMaterial:
    """A new version of a material with a required note (why this version); nothing is overwritten.

    For text materials (教案 / 解说词) ``text`` is kept for comparing versions: pasted text is
    also stored as the version's .txt file, an uploaded .docx keeps its file and the text the
    caller extracted from it. ``team_checked``: the calling app (合备一门课) has already checked
    that ``by`` is on the course's team, so plain teachers of the team may add versions too.
    """
    if by is not None and not team_checked and not can_edit_course(by, course):
        raise PermissionDeniedError("只有所属学校或共建学校的管理员、教务、培训、科研人员可以上传课程资料。")
    kind = clean_choice(kind, MaterialKind, label="资料类型", field="kind")
    note = clean_text(note, label="修改说明", field="note", max_length=200, required=True)
    text = clean_text(text, label="正文", field="text", multiline=True)
    if text and kind not in TEXT_KINDS:
        raise DomainError("只有教案和解说词可以以文字形式提交。", field="text")
    if len(text) > TEXT_MAX_CHARS:
        raise DomainError(f"正文最多 {TEXT_MAX_CHARS} 个字，现有 {len(text)} 个字。", field="text")
    if text and file is None and not link:
        safe_title = clean_text(title, label="资料名称", field="title", max_length=200, required=True)
        file = ContentFile(text.encode("utf-8"), name=f"{safe_title[:60]}.txt")
    with transaction.atomic():
        material = upload_material(
            by=None if team_checked else by,
            course=course,
            kind=kind,
            title=title,
            file=file,
            link=link,
            note=note,
        )
        if by is not None and team_checked:
            material.uploaded_by = by
        material.text = text
        CourseMaterial.objects.filter(pk=material.pk).update(text=text, uploaded_by=material.uploaded_by)
    return material


# -- batch writes (Excel import): the same cleaning, rules and audit, in bulk ------------------

BATCH_FIELDS = CONTENT_FIELDS | {
    "school",
    "teachers",
    "co_schools",
    "status",
    "scope",
    "alliances",
    "partnerships",
}


def _batch_row(rights: SchoolRights, active: ActiveTeachers, schools: dict, default_school, row: dict):
    """One new course checked like ``create_course``: (columns, teachers, co-schools, sharing).
    Its ``status`` is taken as written (the writer is the owner school's staff)."""
    school = row.get("school") or default_school
    rights.require(school)
    data = _clean_course_fields(
        {
            "title": "",
            **{key: row[key] for key in CONTENT_FIELDS - {"module"} if key in row},
            "kind": row.get("kind") or CourseKind.CLASSROOM,
        }
    )
    _check_field_place(data)
    module = _check_module(row.get("module"))
    teachers = active.check(row.get("teachers") or ())
    co_schools = _check_co_schools(row.get("co_schools"), school, schools)
    status = clean_choice(
        row.get("status") or CourseStatus.DRAFT, CourseStatus, label="课程状态", field="status"
    )
    scope = row.get("scope") or SharingScope.SYSTEM
    alliances, partnerships = list(row.get("alliances") or ()), list(row.get("partnerships") or ())
    validate_sharing(owner_school=school, scope=scope, alliances=alliances, partnerships=partnerships)
    data.update(
        owner_school_id=school.pk, module_id=module.pk if module else None, status=status, scope=scope
    )
    return data, [t.pk for t in teachers], [s.pk for s in co_schools], alliances, partnerships


def create_courses(*, by, rows, school=None, batch_size: int = 2000) -> list[int]:
    """Create many courses at once (Excel import); ``by`` a person or the server's command line.

    A row is a dict of ``CONTENT_FIELDS`` plus ``teachers`` / ``co_schools`` (objects or ids),
    ``status``, optional ``school`` (else ``school``), ``scope``, ``alliances``,
    ``partnerships``. Every row is checked like ``create_course`` before anything is written
    (a refusal names the row: “第 3 条：…”); then one transaction inserts the courses, their
    teachers, co-building schools and sharing in batches, one ``course.created`` audit record
    per course, and one search-index batch after commit. Returns the new ids, in row order."""
    check_batch_fields(rows, BATCH_FIELDS)
    rights = _create_rights(by)
    active = ActiveTeachers(by, [t for row in rows for t in row.get("teachers") or ()])
    schools = {s.pk: s for s in School.objects.filter(is_active=True)}
    checked = []
    for number, row in enumerate(rows, start=1):
        with numbered(number):
            checked.append(_batch_row(rights, active, schools, school, row))

    def links(pairs):
        insert_rows(
            Course.teachers.through, [{"course_id": pk, "teacher_id": t} for pk, c in pairs for t in c[1]]
        )
        insert_rows(
            Course.co_schools.through, [{"course_id": pk, "school_id": s} for pk, c in pairs for s in c[2]]
        )

    return insert_checked(
        by=by,
        model=Course,
        checked=checked,
        action="course.created",
        fields=COURSE_FIELDS,
        links=links,
        extra=lambda c: {"teachers": sorted(c[1]), "co_schools": sorted(c[2])},
        batch_size=batch_size,
    )


def update_courses(*, by, changes) -> list[int]:
    """Update many courses from ``[(course, row)]`` (row as for ``create_courses``), each like
    ``update_course`` plus its ``status`` (set by the owner school's staff): one
    ``course.updated`` audit record each, one search-index batch."""
    return update_each(
        by=by,
        changes=changes,
        model=Course,
        action="course.updated",
        fields=BATCH_FIELDS,
        change=lambda course, row: _change_course(by=by, course=course, allow_status=True, **row),
        state=_course_state,
    )
