"""Writes on the research bank (科研信息库). Each: permission → checks → lock → save → audit → index.

Projects, outputs and endorsements are written by the lead/owner school's research
staff (``rules.can_edit_research``: school admin or 科研). ``by`` may also be the server's
command line (``banks.services.is_console``: ``yiwang import``, the demo loader), which may
write for any school; every other check still runs.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yiwang.activity.services import record_audit, snapshot
from yiwang.banks.batches import insert_checked
from yiwang.banks.services import (
    SchoolRights,
    check_batch_fields,
    insert_rows,
    is_console,
    numbered,
    update_each,
)
from yiwang.banks.writes import save_status, set_active, update_one
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.core.indexing import item_changed
from yiwang.core.transitions import TransitionTable
from yiwang.core.validators import check_upload, clean_amount, clean_choice, clean_text
from yiwang.faculty.models import Teacher
from yiwang.faculty.services import ActiveTeachers, check_teachers
from yiwang.network import rules
from yiwang.network.enums import SharingScope
from yiwang.network.services import apply_sharing, update_sharing, validate_sharing

from .enums import LeaderLevel, MemberRole, OutputKind, ProjectCategory, ProjectLevel, ProjectStatus
from .models import Endorsement, ResearchMember, ResearchOutput, ResearchProject
from .selectors import projects_visible_to

MAX_FUNDING = Decimal("99999999.99")
PROJECT_FIELDS = [
    "title",
    "level",
    "category",
    "principal_investigator",
    "summary",
    "keywords",
    "funding",
    "start_date",
    "end_date",
    "status",
    "scope",
    "owner_school",
]
PROJECT_CONTENT = {"title", "level", "category", "summary", "keywords", "funding", "start_date", "end_date"}
OUTPUT_FIELDS = [
    "kind",
    "title",
    "author_text",
    "abstract",
    "keywords",
    "published_on",
    "venue",
    "project",
    "scope",
    "owner_school",
    "is_active",
]
OUTPUT_CONTENT = {"kind", "title", "author_text", "abstract", "keywords", "published_on", "venue"}

# 申报 → 立项 → 在研 → 结项; 终止 from any open state. 结项 and 终止 are final. Every step is
# taken by the lead school's research staff ("research"); the label is the page's button.
_TERMINATE = {ProjectStatus.TERMINATED: ("research", "终止")}
PROJECT_STEPS = TransitionTable(
    ProjectStatus,
    {
        ProjectStatus.APPLYING: {ProjectStatus.APPROVED: ("research", "批准立项"), **_TERMINATE},
        ProjectStatus.APPROVED: {ProjectStatus.ONGOING: ("research", "开始研究"), **_TERMINATE},
        ProjectStatus.ONGOING: {ProjectStatus.CONCLUDED: ("research", "结项"), **_TERMINATE},
    },
    noun="课题",
)
EARLIEST = date(1949, 10, 1)


def _research_rights(by, what: str) -> SchoolRights:
    return SchoolRights(by, rules.can_edit_research, f"只有{{school}}的管理员或科研人员可以{what}。")


def _require_research_right(by, school, what: str) -> None:
    _research_rights(by, what).require(school)


def _check_date(value, *, label: str, field: str) -> date:
    if not isinstance(value, date):
        raise DomainError(f"请填写{label}。", field=field)
    if value < EARLIEST or value.year > 2100:
        raise DomainError(f"{label}应在 1949-10-01 到 2100-12-31 之间。", field=field)
    return value


# -- projects ---------------------------------------------------------------------------------


def _clean_project(data: dict) -> dict:
    data = dict(data)
    if "title" in data:
        data["title"] = clean_text(
            data["title"], label="课题名称", field="title", max_length=200, required=True
        )
    if "summary" in data:
        data["summary"] = clean_text(
            data["summary"], label="简介", field="summary", max_length=5000, multiline=True
        )
    if "keywords" in data:
        data["keywords"] = clean_text(data["keywords"], label="关键词", field="keywords", max_length=200)
    if "level" in data:
        data["level"] = clean_choice(data["level"], ProjectLevel, label="课题级别", field="level")
    if "category" in data:
        data["category"] = clean_choice(data["category"], ProjectCategory, label="课题类别", field="category")
    if "funding" in data:
        data["funding"] = clean_amount(
            data["funding"], label="经费（万元）", field="funding", max_value=MAX_FUNDING
        )
    for key, label in (("start_date", "开始日期"), ("end_date", "结束日期")):
        if key in data:
            data[key] = _check_date(data[key], label=label, field=key)
    return data


def _check_dates(start: date, end: date) -> None:
    if end < start:
        raise DomainError("结束日期不能早于开始日期。", field="end_date")


def _members(by, principal, members, active: ActiveTeachers | None = None) -> list[tuple[Teacher, str]]:
    """[(teacher, role)]: the principal investigator first; each teacher once. ``active``: the
    teachers a batch read once."""
    pairs = [(getattr(t, "pk", t), role) for t, role in (members or [])]
    for _, role in pairs:
        clean_choice(role, MemberRole, label="成员角色", field="members")
    ids = [getattr(principal, "pk", principal)] + [pk for pk, _ in pairs]
    if active is None:
        active = ActiveTeachers(by, ids)
    teachers = active.check(ids, label="课题成员", field="members")
    by_pk = {t.pk: t for t in teachers}
    result = {teachers[0].pk: (teachers[0], MemberRole.PRINCIPAL)}
    for pk, role in pairs:
        if pk not in result:
            result[pk] = (by_pk[pk], MemberRole.CORE if role == MemberRole.PRINCIPAL else role)
    return list(result.values())


def _save_members(project: ResearchProject, members: list[tuple[Teacher, str]]) -> None:
    project.memberships.all().delete()
    ResearchMember.objects.bulk_create(
        [ResearchMember(project=project, teacher=t, role=r) for t, r in members]
    )


def _project_state(project: ResearchProject) -> dict:
    return {
        **snapshot(project, PROJECT_FIELDS),
        "members": sorted([m.teacher_id, m.role] for m in project.memberships.all()),
    }


def create_project(
    *,
    by,
    school,
    title: str,
    level: str,
    category: str,
    principal_investigator,
    start_date,
    end_date,
    members=(),
    funding=0,
    summary: str = "",
    keywords: str = "",
    status: str = ProjectStatus.APPLYING,
    scope: str = SharingScope.SYSTEM,
    alliances=(),
    partnerships=(),
) -> ResearchProject:
    """A new project led by ``school``. ``members``: [(teacher or id, role)] of any school."""
    _require_research_right(by, school, "登记科研课题")
    data = _clean_project(
        {
            "title": title,
            "level": level,
            "category": category,
            "funding": funding,
            "start_date": start_date,
            "end_date": end_date,
            "summary": summary,
            "keywords": keywords,
        }
    )
    _check_dates(data["start_date"], data["end_date"])
    clean_choice(status, ProjectStatus, label="课题状态", field="status")
    if principal_investigator in (None, ""):
        raise DomainError("请选择课题负责人。", field="principal_investigator")
    member_rows = _members(by, principal_investigator, members)
    validate_sharing(owner_school=school, scope=scope, alliances=alliances, partnerships=partnerships)
    with transaction.atomic():
        project = ResearchProject.objects.create(
            owner_school=school, scope=scope, status=status, principal_investigator=member_rows[0][0], **data
        )
        _save_members(project, member_rows)
        apply_sharing(project, alliances=alliances, partnerships=partnerships)
        record_audit(
            actor=by,
            action="research_project.created",
            obj=project,
            school=school,
            after=_project_state(project),
        )
        item_changed(project)
    return project


def update_project(*, by, project: ResearchProject, **changes) -> ResearchProject:
    """Change a project's content (``PROJECT_CONTENT``, ``scope``), ``principal_investigator``,
    ``members``, ``alliances`` or ``partnerships`` (``_change_project``); the 状态 changes only
    through ``change_project_status``."""
    return update_one(
        by=by,
        action="research_project.updated",
        change=lambda: _change_project(by=by, project=project, allow_status=False, **changes),
        state=_project_state,
    )


def _change_project(
    *,
    by,
    project: ResearchProject,
    principal_investigator=None,
    members=None,
    alliances=None,
    partnerships=None,
    allow_status: bool = False,
    **changes,
):
    """Check and save one project's changes (inside the caller's transaction); (project, state
    before). ``allow_status``: an import row (``update_projects``) sets the 状态 as written."""
    unknown = set(changes) - PROJECT_CONTENT - {"scope"} - ({"status"} if allow_status else set())
    if unknown:
        raise DomainError("未知的字段：" + "、".join(sorted(unknown)))
    project = ResearchProject.objects.select_for_update().select_related("owner_school").get(pk=project.pk)
    _require_research_right(by, project.owner_school, "修改科研课题")
    data = _clean_project({k: v for k, v in changes.items() if k in PROJECT_CONTENT})
    if "status" in changes:
        data["status"] = clean_choice(changes["status"], ProjectStatus, label="课题状态", field="status")
    before = _project_state(project)
    _check_dates(data.get("start_date", project.start_date), data.get("end_date", project.end_date))
    if principal_investigator is not None or members is not None:
        if members is None:
            members = [
                (m.teacher_id, m.role) for m in project.memberships.all() if m.role != MemberRole.PRINCIPAL
            ]
        member_rows = _members(by, principal_investigator or project.principal_investigator_id, members)
        project.principal_investigator = member_rows[0][0]
        _save_members(project, member_rows)
    update_sharing(project, changes.get("scope"), alliances, partnerships)
    for key, value in data.items():
        setattr(project, key, value)
    project.save()
    return project, before


def change_project_status(*, by, project: ResearchProject, to: str) -> ResearchProject:
    """申报 → 立项 → 在研 → 结项, or 终止 from any open state."""
    clean_choice(to, ProjectStatus, label="课题状态", field="status")
    _require_research_right(by, project.owner_school, "变更课题状态")
    with transaction.atomic():
        project = ResearchProject.objects.select_for_update().get(pk=project.pk)
        PROJECT_STEPS.step(project.status, to)
        return save_status(by=by, item=project, to=to, action="research_project.status_changed")


def terminate_project(*, by, project: ResearchProject) -> ResearchProject:
    """“Retire” of a project is 终止 (kept and still visible, marked as terminated)."""
    return change_project_status(by=by, project=project, to=ProjectStatus.TERMINATED)


# -- projects in batches (Excel import): the same cleaning, rules and audit, in bulk ------------

PROJECT_BATCH_FIELDS = PROJECT_CONTENT | {
    "school",
    "status",
    "principal_investigator",
    "members",
    "scope",
    "alliances",
    "partnerships",
}


def _project_batch_row(rights: SchoolRights, active: ActiveTeachers, default_school, row: dict):
    """One new project checked like ``create_project``: (columns, members, sharing)."""
    school = row.get("school") or default_school
    rights.require(school)
    data = _clean_project(
        {
            "title": "",
            "level": "",
            "category": "",
            "funding": 0,
            "start_date": None,
            "end_date": None,
            "summary": "",
            "keywords": "",
            **{key: row[key] for key in PROJECT_CONTENT if key in row},
        }
    )
    _check_dates(data["start_date"], data["end_date"])
    status = clean_choice(
        row.get("status") or ProjectStatus.APPLYING, ProjectStatus, label="课题状态", field="status"
    )
    principal = row.get("principal_investigator")
    if principal in (None, ""):
        raise DomainError("请选择课题负责人。", field="principal_investigator")
    member_rows = _members(rights.by, principal, row.get("members") or (), active)
    scope = row.get("scope") or SharingScope.SYSTEM
    alliances, partnerships = list(row.get("alliances") or ()), list(row.get("partnerships") or ())
    validate_sharing(owner_school=school, scope=scope, alliances=alliances, partnerships=partnerships)
    data.update(
        owner_school_id=school.pk, status=status, scope=scope, principal_investigator_id=member_rows[0][0].pk
    )
    return data, [(t.pk, role) for t, role in member_rows], alliances, partnerships


def create_projects(*, by, rows, school=None, batch_size: int = 2000) -> list[int]:
    """Create many projects at once (Excel import); ``by`` a person or the server's command line.

    A row is a dict of ``PROJECT_CONTENT`` plus ``status``, ``principal_investigator`` and
    ``members`` ([(teacher or id, role)]), optional ``school`` (else ``school``), ``scope``,
    ``alliances``, ``partnerships``. Every row is checked like ``create_project`` before
    anything is written (a refusal names the row: “第 3 条：…”); then one transaction inserts
    the projects, members and sharing in batches, one ``research_project.created`` audit record
    per project, and one search-index batch after commit. Returns the new ids, in row order."""
    check_batch_fields(rows, PROJECT_BATCH_FIELDS)
    rights = _research_rights(by, "登记科研课题")
    active = ActiveTeachers(
        by,
        [row.get("principal_investigator") for row in rows]
        + [t for row in rows for t, _ in row.get("members") or ()],
    )
    checked = []
    for number, row in enumerate(rows, start=1):
        with numbered(number):
            checked.append(_project_batch_row(rights, active, school, row))
    return insert_checked(
        by=by,
        model=ResearchProject,
        checked=checked,
        action="research_project.created",
        fields=PROJECT_FIELDS,
        links=lambda pairs: insert_rows(
            ResearchMember,
            [{"project_id": pk, "teacher_id": t, "role": role} for pk, c in pairs for t, role in c[1]],
        ),
        extra=lambda c: {"members": sorted([t, r] for t, r in c[1])},
        batch_size=batch_size,
    )


def update_projects(*, by, changes) -> list[int]:
    """Update many projects from ``[(project, row)]`` (row as for ``create_projects``), each like
    ``update_project`` plus its 状态 (set by the school's research staff): one
    ``research_project.updated`` audit record each, one search-index batch."""
    return update_each(
        by=by,
        changes=changes,
        model=ResearchProject,
        action="research_project.updated",
        fields=PROJECT_BATCH_FIELDS,
        change=lambda project, row: _change_project(by=by, project=project, allow_status=True, **row),
        state=_project_state,
    )


# -- outputs ----------------------------------------------------------------------------------


def _clean_output(data: dict) -> dict:
    data = dict(data)
    if "title" in data:
        data["title"] = clean_text(
            data["title"], label="成果名称", field="title", max_length=200, required=True
        )
    for key, label, limit, multiline in (
        ("author_text", "其他作者", 200, False),
        ("abstract", "摘要", 5000, True),
        ("keywords", "关键词", 200, False),
        ("venue", "发表刊物/报送对象", 200, False),
    ):
        if key in data:
            data[key] = clean_text(data[key], label=label, field=key, max_length=limit, multiline=multiline)
    if "kind" in data:
        data["kind"] = clean_choice(data["kind"], OutputKind, label="成果类型", field="kind")
    if "published_on" in data:
        data["published_on"] = _check_date(data["published_on"], label="成果日期", field="published_on")
    return data


def _check_project(by, school, project, known: dict | None = None) -> ResearchProject | None:
    """An output's project must be one of the same school that the person can see.
    ``known``: {pk: project} of the projects a batch may name, read once."""
    if project in (None, ""):
        return None
    pk = getattr(project, "pk", project)
    if known is not None:
        found = known.get(pk)
        found = found if found is not None and found.owner_school_id == school.pk else None
    else:
        qs = ResearchProject.objects.all() if is_console(by) else projects_visible_to(by)
        found = qs.filter(pk=pk, owner_school_id=school.pk).first() if str(pk).isdigit() else None
    if found is None:
        raise DomainError("所属课题不存在，或不是本校牵头的课题。", field="project")
    return found


def _attach_file(output: ResearchOutput, file) -> None:
    check_upload(file, label="成果文件")
    output.file_name = file.name.rsplit("/", 1)[-1]
    output.file.save(output.file_name, file, save=False)


def _output_state(output: ResearchOutput) -> dict:
    return {
        **snapshot(output, OUTPUT_FIELDS),
        "authors": sorted(output.authors.values_list("pk", flat=True)),
        "file": output.file_name,
    }


def create_output(
    *,
    by,
    school,
    kind: str,
    title: str,
    published_on,
    authors=(),
    project=None,
    file=None,
    scope: str = SharingScope.SYSTEM,
    alliances=(),
    partnerships=(),
    **fields,
) -> ResearchOutput:
    unknown = set(fields) - OUTPUT_CONTENT
    if unknown:
        raise DomainError("未知的字段：" + "、".join(sorted(unknown)))
    _require_research_right(by, school, "登记科研成果")
    data = _clean_output({"kind": kind, "title": title, "published_on": published_on, **fields})
    authors = check_teachers(by, authors, label="作者", field="authors") if authors else []
    project = _check_project(by, school, project)
    if not authors and not data.get("author_text"):
        raise DomainError("请选择作者或填写其他作者。", field="authors")
    validate_sharing(owner_school=school, scope=scope, alliances=alliances, partnerships=partnerships)
    if file:
        check_upload(file, label="成果文件")
    with transaction.atomic():
        output = ResearchOutput(owner_school=school, scope=scope, project=project, **data)
        if file:
            _attach_file(output, file)
        output.save()
        output.authors.set(authors)
        apply_sharing(output, alliances=alliances, partnerships=partnerships)
        record_audit(
            actor=by, action="research_output.created", obj=output, school=school, after=_output_state(output)
        )
        item_changed(output)
    return output


def update_output(*, by, output: ResearchOutput, **changes) -> ResearchOutput:
    """Change an output's content (``OUTPUT_CONTENT``, ``scope``), ``authors``, ``project``,
    ``file``, ``alliances`` or ``partnerships`` (``_change_output``)."""
    if changes.get("file"):
        check_upload(changes["file"], label="成果文件")
    return update_one(
        by=by,
        action="research_output.updated",
        change=lambda: _change_output(by=by, output=output, **changes),
        state=_output_state,
    )


def _change_output(
    *,
    by,
    output: ResearchOutput,
    authors=None,
    project="unchanged",
    file=None,
    alliances=None,
    partnerships=None,
    **changes,
):
    """Check and save one output's changes (inside the caller's transaction); (output, state before)."""
    unknown = set(changes) - OUTPUT_CONTENT - {"scope"}
    if unknown:
        raise DomainError("未知的字段：" + "、".join(sorted(unknown)))
    output = ResearchOutput.objects.select_for_update().select_related("owner_school").get(pk=output.pk)
    _require_research_right(by, output.owner_school, "修改科研成果")
    data = _clean_output({k: v for k, v in changes.items() if k in OUTPUT_CONTENT})
    if authors is not None:
        authors = check_teachers(by, authors, label="作者", field="authors") if authors else []
    if project != "unchanged":
        data["project"] = _check_project(by, output.owner_school, project)
    before = _output_state(output)
    author_count = len(authors) if authors is not None else output.authors.count()
    if not author_count and not data.get("author_text", output.author_text):
        raise DomainError("请选择作者或填写其他作者。", field="authors")
    update_sharing(output, changes.get("scope"), alliances, partnerships)
    for key, value in data.items():
        setattr(output, key, value)
    if file:
        _attach_file(output, file)
    output.save()
    if authors is not None:
        output.authors.set(authors)
    return output, before


# -- outputs in batches (Excel import) ---------------------------------------------------------

OUTPUT_BATCH_FIELDS = OUTPUT_CONTENT | {"school", "authors", "project", "scope", "alliances", "partnerships"}


def _output_batch_row(rights: SchoolRights, active: ActiveTeachers, projects: dict, default_school, row):
    """One new output checked like ``create_output`` (no file): (columns, author ids, sharing)."""
    school = row.get("school") or default_school
    rights.require(school)
    data = _clean_output(
        {
            "kind": "",
            "title": "",
            "published_on": None,
            **{key: row[key] for key in OUTPUT_CONTENT if key in row},
        }
    )
    authors = active.check(row.get("authors") or (), label="作者", field="authors")
    project = _check_project(rights.by, school, row.get("project"), projects)
    if not authors and not data.get("author_text"):
        raise DomainError("请选择作者或填写其他作者。", field="authors")
    scope = row.get("scope") or SharingScope.SYSTEM
    alliances, partnerships = list(row.get("alliances") or ()), list(row.get("partnerships") or ())
    validate_sharing(owner_school=school, scope=scope, alliances=alliances, partnerships=partnerships)
    data.update(owner_school_id=school.pk, scope=scope, project_id=project.pk if project else None)
    return data, [t.pk for t in authors], alliances, partnerships


def create_outputs(*, by, rows, school=None, batch_size: int = 2000) -> list[int]:
    """Create many outputs at once (Excel import, no files); ``by`` a person or the server's
    command line. A row is a dict of ``OUTPUT_CONTENT`` plus ``authors`` (teachers or ids),
    ``project`` (one of the school's projects the writer may see, or None), optional
    ``school``, ``scope``, ``alliances``, ``partnerships``; checked like ``create_output``
    before anything is written; one ``research_output.created`` audit record per output, one
    search-index batch. Returns the new ids, in row order."""
    check_batch_fields(rows, OUTPUT_BATCH_FIELDS)
    rights = _research_rights(by, "登记科研成果")
    active = ActiveTeachers(by, [t for row in rows for t in row.get("authors") or ()])
    project_ids = {getattr(p, "pk", p) for row in rows if (p := row.get("project")) not in (None, "")}
    visible = ResearchProject.objects.all() if is_console(by) else projects_visible_to(by)
    projects = visible.in_bulk([pk for pk in project_ids if isinstance(pk, int)])
    checked = []
    for number, row in enumerate(rows, start=1):
        with numbered(number):
            checked.append(_output_batch_row(rights, active, projects, school, row))
    return insert_checked(
        by=by,
        model=ResearchOutput,
        checked=checked,
        action="research_output.created",
        fields=OUTPUT_FIELDS,
        links=lambda pairs: insert_rows(
            ResearchOutput.authors.through,
            [{"researchoutput_id": pk, "teacher_id": t} for pk, c in pairs for t in c[1]],
        ),
        extra=lambda c: {"authors": sorted(c[1]), "file": ""},
        batch_size=batch_size,
    )


def update_outputs(*, by, changes) -> list[int]:
    """Update many outputs from ``[(output, row)]`` (row as for ``create_outputs``), each like
    ``update_output``: one ``research_output.updated`` audit record each, one index batch."""
    return update_each(
        by=by,
        changes=changes,
        model=ResearchOutput,
        action="research_output.updated",
        fields=OUTPUT_BATCH_FIELDS,
        change=lambda output, row: _change_output(by=by, output=output, **row),
        state=_output_state,
    )


def set_output_active(*, by, output: ResearchOutput, active: bool) -> ResearchOutput:
    """停用 (hidden from lists and rankings, kept for the owner's research staff) or 恢复."""
    _require_research_right(by, output.owner_school, "停用或恢复科研成果")
    return set_active(by=by, item=output, active=active, noun="成果", action="research_output")


# -- endorsements (批示) ----------------------------------------------------------------------


def _clean_endorsement(output: ResearchOutput, leader_level, endorsed_on, summary) -> tuple:
    """A 批示's level, date (not in the future, not before the output) and summary, checked."""
    leader_level = clean_choice(leader_level, LeaderLevel, label="批示领导级别", field="leader_level")
    endorsed_on = _check_date(endorsed_on, label="批示日期", field="endorsed_on")
    if endorsed_on > timezone.localdate():
        raise DomainError("批示日期不能晚于今天。", field="endorsed_on")
    if endorsed_on < output.published_on:
        raise DomainError(
            f"批示日期不能早于成果日期（{output.published_on:%Y-%m-%d}）。", field="endorsed_on"
        )
    summary = clean_text(summary, label="批示内容摘要", field="summary", max_length=2000, multiline=True)
    return leader_level, endorsed_on, summary


def add_endorsement(
    *, by, output: ResearchOutput, leader_level: str, endorsed_on, summary: str = "", evidence=None
) -> Endorsement:
    """Record a 批示 (待核实 until the owner school's research staff verify it)."""
    _require_research_right(by, output.owner_school, "登记批示")
    return _record_endorsement(
        by=by,
        output=output,
        leader_level=leader_level,
        endorsed_on=endorsed_on,
        summary=summary,
        evidence=evidence,
    )


def _record_endorsement(
    *, by, output: ResearchOutput, leader_level, endorsed_on, summary, evidence, verifier_school=None
) -> Endorsement:
    """Check and save one 批示 (the caller checked who may record it), with its audit record."""
    leader_level, endorsed_on, summary = _clean_endorsement(output, leader_level, endorsed_on, summary)
    if evidence:
        check_upload(evidence, field="evidence", label="佐证材料")
    with transaction.atomic():
        endorsement = Endorsement(
            output=output,
            leader_level=leader_level,
            endorsed_on=endorsed_on,
            summary=summary,
            verifier_school=verifier_school,
            added_by=by if getattr(by, "is_authenticated", False) else None,
        )
        if evidence:
            endorsement.evidence_name = evidence.name.rsplit("/", 1)[-1]
            endorsement.evidence.save(endorsement.evidence_name, evidence, save=False)
        endorsement.save()
        after = {"output": output.pk, "leader_level": leader_level, "endorsed_on": endorsed_on}
        if verifier_school is not None:
            after["verifier_school"] = getattr(verifier_school, "pk", verifier_school)
        record_audit(
            actor=by, action="endorsement.added", obj=endorsement, school=output.owner_school, after=after
        )
        item_changed(output)
    return endorsement


def verify_endorsement(*, by, endorsement: Endorsement) -> Endorsement:
    """核实: records who verified and when; only then does the endorsement count."""
    output = endorsement.output
    # A 批示 of a research-call project is verified by the call's issuing office (核实单位).
    _require_research_right(by, endorsement.verifier_school or output.owner_school, "核实批示")
    with transaction.atomic():
        endorsement = Endorsement.objects.select_for_update().get(pk=endorsement.pk)
        if endorsement.verified_at is not None:
            raise ConflictError("该批示已核实。")
        if (
            by is not None
            and output.owner_school.separates_duties
            and endorsement.added_by_id is not None
            and endorsement.added_by_id == by.pk
        ):
            raise PermissionDeniedError("批示由您登记，须由本校其他科研人员核实（登记与审核分离）。")
        endorsement.verified_by = by if getattr(by, "is_authenticated", False) else None
        endorsement.verified_at = timezone.now()
        endorsement.save(update_fields=["verified_by", "verified_at", "updated_at"])
        record_audit(
            actor=by,
            action="endorsement.verified",
            obj=endorsement,
            school=output.owner_school,
            after={"verified_at": endorsement.verified_at},
        )
        item_changed(output)
    return endorsement


def remove_endorsement(*, by, endorsement: Endorsement) -> None:
    """Delete an unverified endorsement entered by mistake (verified ones stay on record)."""
    output = endorsement.output
    _require_research_right(by, output.owner_school, "删除批示")
    with transaction.atomic():
        endorsement = Endorsement.objects.select_for_update().get(pk=endorsement.pk)
        if endorsement.verified_at is not None:
            raise ConflictError("已核实的批示不能删除。")
        record_audit(
            actor=by,
            action="endorsement.removed",
            obj=endorsement,
            school=output.owner_school,
            before={
                "output": output.pk,
                "leader_level": endorsement.leader_level,
                "endorsed_on": endorsement.endorsed_on,
            },
        )
        endorsement.delete()
        item_changed(output)


def add_endorsement_for_office(
    *,
    by,
    output: ResearchOutput,
    verifier_school,
    leader_level: str,
    endorsed_on,
    evidence,
    summary: str = "",
) -> Endorsement:
    """A 批示 recorded by a research-call team (the caller checked who may record it), with its
    scanned evidence required, to be verified by ``verifier_school`` (the call's issuing office)."""
    if not evidence:
        raise DomainError("请上传批示佐证材料（扫描件或照片）。", field="evidence")
    return _record_endorsement(
        by=by,
        output=output,
        leader_level=leader_level,
        endorsed_on=endorsed_on,
        summary=summary,
        evidence=evidence,
        verifier_school=verifier_school,
    )
