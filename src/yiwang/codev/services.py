"""Writes of 合备一门课. Each: permission → transition check → lock → save → audit (same
transaction) → the workspace feed → notify after commit.

The project's stage follows ``STEPS``; a review round is opened by submitting the latest
material versions, scored on ``reviews`` sheets (回避 and the ranges are checked there), and
closed with a decision; only a passed round publishes the course through the course bank's
own services, as release n of the course; other schools adopt a release as a linked copy.
"""

import re
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone

from yiwang.activity.services import notify, record_audit
from yiwang.classes.services.classes import add_session
from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.core.transitions import TransitionTable
from yiwang.core.validators import check_upload, clean_choice, clean_text
from yiwang.courses import services as course_services
from yiwang.courses.enums import CourseKind, CourseStatus, MaterialKind
from yiwang.courses.models import Course, TeachingModule
from yiwang.courses.rules import can_publish_course
from yiwang.courses.selectors import access_course
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope
from yiwang.network.models import Membership, School
from yiwang.reviews import services as review_services
from yiwang.reviews.enums import RubricPurpose, SheetStatus
from yiwang.reviews.models import ReviewSheet, Rubric
from yiwang.reviews.selectors import sheets_of, summarise
from yiwang.topics.enums import PublicationStatus as TopicStatus
from yiwang.topics.models import Topic
from yiwang.topics.selectors import access_topic

from . import rules, selectors
from .documents import docx_text
from .enums import PASSING, STAGE_ORDER, Decision, Role, RoundStatus, Stage, TaskStatus
from .models import (
    Adoption,
    Comment,
    Project,
    ProjectEvent,
    ProjectSchool,
    ProjectVisit,
    Release,
    ReviewRound,
    StagePlan,
    Task,
    TeamMember,
    TrialLecture,
)

STEPS = TransitionTable(
    Stage,
    {
        Stage.TOPIC: {Stage.WRITING: ("lead", "开始撰写")},
        Stage.WRITING: {Stage.TRIAL: ("lead", "进入试讲"), Stage.REVIEW: ("round", "送审")},
        Stage.TRIAL: {Stage.WRITING: ("lead", "退回撰写"), Stage.REVIEW: ("round", "送审")},
        Stage.REVIEW: {
            Stage.WRITING: ("round", "评审未通过，退回撰写"),
            Stage.PUBLISHED: ("publish", "发布"),
        },
    },
    noun="项目",
)
TASK_STEPS = TransitionTable(
    TaskStatus,
    {
        TaskStatus.TODO: {TaskStatus.DOING: ("worker", "开始"), TaskStatus.DONE: ("worker", "完成")},
        TaskStatus.DOING: {TaskStatus.DONE: ("worker", "完成"), TaskStatus.TODO: ("worker", "退回待办")},
        TaskStatus.DONE: {TaskStatus.DOING: ("worker", "重新打开")},
    },
    noun="任务",
)
MENTION = re.compile(r"@([\w\u3400-\u9fff·.-]{1,40})")


def _url(project: Project) -> str:
    return reverse("codev:project", args=[project.pk])


def _event(project: Project, by, text: str) -> None:
    ProjectEvent.objects.create(
        project=project, actor=by if getattr(by, "is_authenticated", False) else None, text=text[:300]
    )
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())


def _log(project: Project, by, action: str, text: str, *, before=None, after=None) -> None:
    """One change of the project: its audit record (against the lead school) and its feed line."""
    record_audit(actor=by, action=action, obj=project, school=project.lead_school, before=before, after=after)
    _event(project, by, text)


def _team_users(project: Project, *, exclude=None) -> list:
    users = [m.user for m in project.team.select_related("user")]
    return [u for u in users if exclude is None or u.pk != getattr(exclude, "pk", None)]


def _lock(project: Project) -> Project:
    return Project.objects.select_for_update().get(pk=project.pk)


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise PermissionDeniedError(message)


# -- projects ---------------------------------------------------------------------------------


def _check_schools(schools, lead: School) -> list[School]:
    ids = list(dict.fromkeys(getattr(s, "pk", s) for s in schools or []))
    found = {s.pk: s for s in School.objects.filter(pk__in=ids, is_active=True)}
    if len(found) != len(ids):
        raise DomainError("所选参与学校不存在或已停用。", field="schools")
    if lead.pk in found:
        raise DomainError("参与学校不必包括牵头学校本身。", field="schools")
    return [found[i] for i in ids]


def _check_plan(plan: dict | None) -> dict:
    plan = dict(plan or {})
    unknown = set(plan) - set(Stage.values)
    if unknown:
        raise DomainError("阶段计划中含有未知的阶段。", field="plan")
    last = None
    for stage in STAGE_ORDER:
        due = plan.get(stage)
        if due in ("", None):
            plan[stage] = None
            continue
        if not isinstance(due, date):
            raise DomainError(f"“{Stage(stage).label}”的计划日期无效。", field="plan")
        if last is not None and due < last:
            raise DomainError(f"“{Stage(stage).label}”的计划日期不能早于前一阶段。", field="plan")
        last = due
    return plan


def create_project(
    *,
    by,
    school: School,
    title: str,
    module,
    schools=(),
    summary: str = "",
    course=None,
    kind: str = CourseKind.FIELD,
    place_name: str = "",
    plan: dict | None = None,
    lead_role: bool = True,
) -> Project:
    """A project of the lead ``school``: a new course (草稿) or a new edition of one of its courses."""
    if by is not None:
        _require(
            rules.can_start_project(by, school),
            f"只有{school.name}的管理员、教务、培训或科研人员可以发起共建项目。",
        )
    title = clean_text(title, label="项目名称", field="title", max_length=200, required=True)
    summary = clean_text(summary, label="项目简介", field="summary", max_length=3000, multiline=True)
    if not isinstance(module, TeachingModule):
        module = TeachingModule.objects.filter(pk=module).first() if str(module or "").isdigit() else None
    if module is None:
        raise DomainError("请选择教学模块。", field="module")
    partners = _check_schools(schools, school)
    plan = _check_plan(plan)
    with transaction.atomic():
        if course is None:
            course = course_services.create_course(
                by=None,
                school=school,
                title=title,
                kind=kind,
                module=module,
                place_name=place_name or ("待定" if kind == CourseKind.FIELD else ""),
                co_schools=partners,
                scope=SharingScope.NETWORK,
            )
        else:
            course = Course.objects.select_for_update().get(pk=getattr(course, "pk", course))
            if course.owner_school_id != school.pk:
                raise DomainError("只能为牵头学校自己的课程开展新一版共建。", field="course")
            course_services.update_course(
                by=None,
                course=course,
                co_schools=sorted({*course.co_schools.all(), *partners}, key=lambda s: s.pk),
            )
        try:
            with transaction.atomic():
                project = Project.objects.create(
                    title=title,
                    module=module,
                    course=course,
                    lead_school=school,
                    summary=summary,
                    created_by=by,
                )
        except IntegrityError:
            raise ConflictError("该课程已有一个未发布的共建项目。", field="course") from None
        project.schools.set(partners)
        ProjectSchool.objects.bulk_create(
            [ProjectSchool(project=project, school=s) for s in (school, *partners)]
        )
        StagePlan.objects.bulk_create(
            [StagePlan(project=project, stage=s, due_date=plan.get(s)) for s in STAGE_ORDER]
        )
        StagePlan.objects.filter(project=project, stage=Stage.TOPIC).update(reached_at=timezone.now())
        if lead_role and getattr(by, "is_authenticated", False):
            _add_member(project, by, Role.LEAD)
        record_audit(
            actor=by,
            action="codev.project_created",
            obj=project,
            school=school,
            after={"title": title, "course": course.pk, "schools": [s.pk for s in partners]},
        )
        _event(project, by, f"发起项目“{title}”")
    return project


def _member_school(user, project: Project) -> School | None:
    team = rules.team_school_ids(project)
    membership = (
        Membership.objects.filter(user=user, is_active=True, school_id__in=team)
        .select_related("school")
        .order_by("school__code")
        .first()
    )
    return membership.school if membership else None


def _add_member(project: Project, user, role: str) -> TeamMember:
    school = _member_school(user, project)
    if school is None:
        raise DomainError(
            f"{user.full_name or user.username}不属于牵头学校或参与学校，不能加入项目组。", field="user"
        )
    teacher = Teacher.objects.filter(user=user).order_by("pk").first()
    try:
        with transaction.atomic():
            return TeamMember.objects.create(
                project=project, user=user, school=school, role=role, teacher=teacher
            )
    except IntegrityError:
        raise ConflictError(f"{user.full_name or user.username}已在项目组中。", field="user") from None


def add_member(*, by, project: Project, user, role: str) -> TeamMember:
    _require(rules.can_lead(by, project), "只有项目负责人或牵头学校的人员可以调整项目组。")
    role = clean_choice(role, Role, label="角色", field="role")
    with transaction.atomic():
        project = _lock(project)
        member = _add_member(project, user, role)
        _log(
            project,
            by,
            "codev.member_added",
            f"{member.user.full_name}以“{member.get_role_display()}”加入项目组（{member.school.short_name}）",
            after={"user": user.pk, "role": role, "school": member.school_id},
        )
    notify([user], title=f"您已加入共建项目：{project.title}", url=_url(project), email=False)
    return member


def remove_member(*, by, member: TeamMember) -> None:
    project = member.project
    _require(rules.can_lead(by, project), "只有项目负责人或牵头学校的人员可以调整项目组。")
    with transaction.atomic():
        _lock(project)
        if member.tasks.exclude(status=TaskStatus.DONE).exists():
            raise ConflictError("该成员还有未完成的任务，请先把任务改派给其他成员。")
        if member.tasks.exists():
            raise ConflictError("该成员有任务记录，不能移出项目组。")
        _log(
            project,
            by,
            "codev.member_removed",
            f"{member.user.full_name}离开项目组",
            before={"user": member.user_id, "role": member.role},
        )
        member.delete()


def add_school(*, by, project: Project, school: School) -> Project:
    """A participating school more (any school the lead picks); it is also a co-builder of the course."""
    _require(rules.can_lead(by, project), "只有项目负责人或牵头学校的人员可以调整参与学校。")
    with transaction.atomic():
        project = _lock(project)
        if project.stage == Stage.PUBLISHED:
            raise ConflictError("项目已发布，不能再增加参与学校。")
        if school.pk in rules.team_school_ids(project):
            raise ConflictError(f"{school.name}已是项目的学校。", field="school")
        if not school.is_active:
            raise DomainError("该学校已停用。", field="school")
        project.schools.add(school)
        ProjectSchool.objects.create(project=project, school=school)
        project.course.co_schools.add(school)
        _log(
            project,
            by,
            "codev.school_added",
            f"{school.name}加入项目",
            after={"school": school.pk},
        )
    return project


def set_plan(*, by, project: Project, plan: dict, notes: dict | None = None) -> Project:
    """Edit the due dates (and notes) of the stage plan."""
    _require(rules.can_lead(by, project), "只有项目负责人或牵头学校的人员可以修改阶段计划。")
    plan = _check_plan(plan)
    notes = {k: clean_text(v, label="说明", field="plan", max_length=200) for k, v in (notes or {}).items()}
    with transaction.atomic():
        project = _lock(project)
        before = {p.stage: p.due_date for p in project.plan.all()}
        for item in project.plan.all():
            item.due_date = plan.get(item.stage)
            if item.stage in notes:
                item.note = notes[item.stage]
            item.save(update_fields=["due_date", "note"])
        _log(
            project,
            by,
            "codev.plan_changed",
            "修改了阶段计划",
            before=before,
            after=plan,
        )
    return project


def _enter_stage(project: Project, to: str) -> None:
    project.stage = to
    project.save(update_fields=["stage", "updated_at"])
    StagePlan.objects.filter(project=project, stage=to).update(reached_at=timezone.now())


def move_stage(*, by, project: Project, to: str) -> Project:
    """The lead moves the project between 选题论证, 资料撰写 and 试讲 (review and publication have their own steps)."""
    with transaction.atomic():
        project = _lock(project)
        step = STEPS.step(project.stage, to)
        if step.who != "lead":
            raise ConflictError(f"“{step.label}”须通过{'送审' if to == Stage.REVIEW else '评审流程'}完成。")
        _require(rules.can_lead(by, project), "只有项目负责人或牵头学校的人员可以推进项目阶段。")
        before = project.stage
        _enter_stage(project, to)
        _log(
            project,
            by,
            "codev.stage_changed",
            f"项目进入“{Stage(to).label}”阶段",
            before={"stage": before},
            after={"stage": to},
        )
    notify(
        _team_users(project, exclude=by),
        title=f"{project.title}：进入{Stage(to).label}",
        url=_url(project),
        email=False,
    )
    return project


def record_visit(*, viewer, project: Project) -> None:
    ProjectVisit.objects.update_or_create(project=project, user=viewer, defaults={"seen_at": timezone.now()})


# -- tasks ------------------------------------------------------------------------------------


def create_task(*, by, project: Project, title: str, assignee, due_date) -> Task:
    _require(rules.can_work_on(by, project), "只有项目组成员或参与学校的人员可以布置任务。")
    title = clean_text(title, label="任务", field="title", max_length=200, required=True)
    if not isinstance(due_date, date):
        raise DomainError("请填写截止日期。", field="due_date")
    member_id = getattr(assignee, "pk", assignee)
    member = TeamMember.objects.filter(project=project, pk=member_id).select_related("user").first()
    if member is None or (isinstance(assignee, TeamMember) and assignee.project_id != project.pk):
        raise DomainError("任务只能分配给项目组成员。", field="assignee")
    with transaction.atomic():
        project = _lock(project)
        task = Task.objects.create(
            project=project, title=title, assignee=member, due_date=due_date, created_by=by
        )
        _log(
            project,
            by,
            "codev.task_created",
            f"布置任务“{title}”给{member.user.full_name}，{due_date:%Y-%m-%d} 截止",
            after={"task": task.pk, "title": title, "assignee": member.user_id, "due": due_date},
        )
    notify(
        [member.user],
        title=f"新任务：{title}",
        body=f"{project.title} · {due_date:%Y-%m-%d} 截止",
        url=_url(project),
    )
    return task


def set_task_status(*, by, task: Task, to: str) -> Task:
    project = task.project
    _require(
        rules.can_lead(by, project) or task.assignee.user_id == getattr(by, "pk", None),
        "只有任务负责人或项目负责人可以改变任务状态。",
    )
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        TASK_STEPS.step(task.status, to)
        before = task.status
        task.status = to
        task.save(update_fields=["status", "updated_at"])
        _log(
            project,
            by,
            "codev.task_status",
            f"任务“{task.title}”：{TaskStatus(to).label}",
            before={"task": task.pk, "status": before},
            after={"task": task.pk, "status": to},
        )
    return task


def remind_overdue_tasks(*, today=None) -> int:
    """Notify each overdue task's owner once (in-app and e-mail); a task is never reminded twice.

    The claim is one conditional UPDATE per task, so two workers running at once send one reminder."""
    today = today or timezone.localdate()
    sent = 0
    overdue = (
        Task.objects.filter(due_date__lt=today, reminded_at__isnull=True)
        .exclude(status=TaskStatus.DONE)
        .select_related("assignee__user", "project")
        .order_by("id")
    )
    for task in overdue.iterator(chunk_size=500):
        with transaction.atomic():
            claimed = Task.objects.filter(pk=task.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            )
            if not claimed:
                continue
            record_audit(actor=None, action="codev.task_reminded", obj=task.project, after={"task": task.pk})
            notify(
                [task.assignee.user],
                title=f"任务已逾期：{task.title}",
                body=f"{task.project.title} · 截止日期 {task.due_date:%Y-%m-%d}",
                url=_url(task.project),
            )
            sent += 1
    return sent


# -- comments ---------------------------------------------------------------------------------


def _mentioned(project: Project, body: str) -> list:
    names = set(MENTION.findall(body))
    if not names:
        return []
    return [
        m.user
        for m in project.team.select_related("user")
        if m.user.full_name in names or m.user.username in names
    ]


def add_comment(*, by, project: Project, body: str, material=None) -> Comment:
    """A plain-text comment (never rendered as HTML); @姓名 of a team member notifies them."""
    _require(rules.can_work_on(by, project), "只有项目组成员或参与学校的人员可以参与讨论。")
    body = clean_text(body, label="讨论内容", field="body", max_length=3000, required=True, multiline=True)
    if material is not None and material.course_id != project.course_id:
        raise NotFoundError("未找到该资料版本。")
    mentioned = [u for u in _mentioned(project, body) if u.pk != by.pk]
    with transaction.atomic():
        comment = Comment.objects.create(project=project, material=material, author=by, body=body)
        comment.mentions.set(mentioned)
        where = f"在“{material.title}”第 {material.version} 版上" if material else ""
        _log(
            project,
            by,
            "codev.commented",
            f"{by.full_name}{where}发表了讨论",
            after={"comment": comment.pk, "material": getattr(material, "pk", None)},
        )
    if mentioned:
        notify(
            mentioned,
            title=f"{by.full_name}在“{project.title}”中提到了您",
            body=body[:200],
            url=_url(project) + "#discussion",
        )
    return comment


# -- materials --------------------------------------------------------------------------------


def add_version(
    *, by, project: Project, kind: str, title: str, note: str, text: str = "", file=None, link: str = ""
):
    """A new version of a material of the project's course (a note on why is required).

    For 教案 and 解说词 the text is kept for comparison: typed or pasted, or taken from a .docx."""
    _require(rules.can_work_on(by, project), "只有项目组成员或参与学校的人员可以上传资料。")
    if project.stage == Stage.PUBLISHED:
        raise ConflictError("项目已发布；新版本请在课程的版本更新中提交。")
    kind = clean_choice(kind, MaterialKind, label="资料类型", field="kind")
    if not (note or "").strip():
        raise DomainError("请填写修改说明（为什么有这一版）。", field="note")
    if file is not None:
        ext = check_upload(file, label="资料文件")
        if kind in course_services.TEXT_KINDS and ext == "docx" and not (text or "").strip():
            text = docx_text(file)
            if not text:
                raise DomainError("该 Word 文件中没有文字。", field="file")
        elif kind in course_services.TEXT_KINDS and ext == "txt" and not (text or "").strip():
            raw = file.read()
            file.seek(0)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("gb18030", errors="replace")
    with transaction.atomic():
        project = _lock(project)
        material = course_services.add_material_version(
            by=by,
            course=project.course,
            kind=kind,
            title=title,
            note=note,
            text=text,
            file=file,
            link=link,
            team_checked=True,
        )
        _log(
            project,
            by,
            "codev.version_added",
            f"上传“{material.title}”第 {material.version} 版：{material.note}",
            after={
                "material": material.pk,
                "title": material.title,
                "version": material.version,
                "note": material.note,
            },
        )
    return material


# -- trial lectures ----------------------------------------------------------------------------


def schedule_trial(
    *,
    by,
    project: Project,
    training_class,
    day,
    start_time,
    end_time,
    place: str = "",
    visiting_seats: int = 30,
) -> TrialLecture:
    """试讲 as an open session of one of the team schools' classes: other schools' teachers sign
    up to watch it and rate it with the existing 评课 (the class's own rules apply)."""
    _require(rules.can_lead(by, project), "只有项目负责人或牵头学校的人员可以安排试讲。")
    with transaction.atomic():
        project = _lock(project)
        if project.stage != Stage.TRIAL:
            raise ConflictError("只有处于“试讲”阶段的项目可以安排试讲。")
        if training_class is None or training_class.owner_school_id not in rules.team_school_ids(project):
            raise DomainError("试讲须安排在牵头学校或参与学校的班次中。", field="training_class")
        session = add_session(
            by=by,
            training_class=training_class,
            date=day,
            start_time=start_time,
            end_time=end_time,
            title=f"试讲：{project.course.title}",
            place=(place or project.course.place_name or "")[:120],
            form="field" if project.course.kind == CourseKind.FIELD else "lecture",
            module=project.module,
            is_open=True,
            visiting_seats=visiting_seats,
        )
        trial = TrialLecture.objects.create(project=project, session=session, created_by=by)
        _log(
            project,
            by,
            "codev.trial_scheduled",
            f"安排试讲：{day:%Y-%m-%d} {training_class.name}",
            after={"session": session.pk, "date": day},
        )
    notify(
        _team_users(project, exclude=by), title=f"{project.title}：已安排试讲", url=_url(project), email=False
    )
    return trial


# -- review rounds ----------------------------------------------------------------------------


def open_review(*, by, project: Project, rubric: Rubric, blind: bool = False) -> ReviewRound:
    """送审: the latest version of every material goes to a new round (one open round at a time)."""
    _require(rules.can_lead(by, project), "只有项目负责人或牵头学校的人员可以送审。")
    if rubric is None or not rubric.is_active:
        raise DomainError("请选择启用中的评审量表。", field="rubric")
    if rubric.purpose not in (RubricPurpose.COURSE, RubricPurpose.GENERAL):
        raise DomainError("请选择课程评审用的量表。", field="rubric")
    with transaction.atomic():
        project = _lock(project)
        if project.rounds.filter(status=RoundStatus.OPEN).exists():
            raise ConflictError("该项目已有一轮评审正在进行，请等本轮结束后再送审。")
        materials = selectors.latest_materials(project.course_id)
        if not materials:
            raise DomainError("还没有任何课程资料，不能送审。请先上传教案、解说词等资料。")
        STEPS.step(project.stage, Stage.REVIEW)
        number = (project.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                review_round = ReviewRound.objects.create(
                    project=project, number=number, rubric=rubric, blind=bool(blind), submitted_by=by
                )
        except IntegrityError:
            raise ConflictError("该项目已有一轮评审正在进行，请等本轮结束后再送审。") from None
        review_round.materials.set(materials)
        _enter_stage(project, Stage.REVIEW)
        _log(
            project,
            by,
            "codev.round_opened",
            f"送审第 {number} 轮（{len(materials)} 份资料{'，匿名评审' if blind else ''}）",
            after={
                "round": number,
                "rubric": rubric.pk,
                "blind": bool(blind),
                "materials": [m.pk for m in materials],
            },
        )
    return review_round


def _reviewer_schools(user) -> list[School]:
    return [
        m.school
        for m in Membership.objects.filter(user=user, is_active=True)
        .select_related("school")
        .order_by("school__code")
    ]


def assign_reviewer(*, by, review_round: ReviewRound, reviewer) -> ReviewSheet:
    """The lead school's teaching office assigns a reviewer; nobody from a team school (回避)."""
    project = review_round.project
    _require(
        rules.can_run_review(by, project),
        f"只有{project.lead_school.name}的教务人员或学校管理员可以指定评审人。",
    )
    if reviewer is None:
        raise DomainError("请选择评审人。", field="reviewer")
    if review_round.status != RoundStatus.OPEN:
        raise ConflictError("本轮评审已结束，不能再指定评审人。")
    if TeamMember.objects.filter(project=project, user=reviewer).exists():
        raise DomainError(
            f"回避：{reviewer.full_name}是项目组成员，不能担任评审。",
            code="conflict_of_interest",
            field="reviewer",
        )
    schools = _reviewer_schools(reviewer)
    team = rules.team_school_ids(project)
    for school in schools:
        review_services.require_no_conflict(
            reviewer_school=school,
            team_school_ids=team,
            reviewer_name=reviewer.full_name or reviewer.username,
        )
    with transaction.atomic():
        ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        sheet = review_services.add_sheet(
            subject=review_round,
            rubric=review_round.rubric,
            team_school_ids=team,
            reviewer=reviewer,
            reviewer_school=schools[0] if schools else None,
        )
        _log(
            project,
            by,
            "codev.reviewer_assigned",
            f"第 {review_round.number} 轮评审增加一位评审人",
            after={"round": review_round.number, "reviewer": reviewer.pk, "sheet": sheet.pk},
        )
    notify(
        [reviewer],
        title=f"请评审：{project.title}" if not review_round.blind else "请评审一门共建课程",
        url=reverse("codev:sheet", args=[sheet.pk]),
    )
    return sheet


def submit_review(
    *, by, sheet: ReviewSheet, scores: dict, comments: dict | None = None, comment: str = ""
) -> ReviewSheet:
    """The reviewer scores every indicator (ranges checked by ``reviews``); a submitted sheet is final."""
    if sheet.reviewer_id != getattr(by, "pk", None):
        raise NotFoundError()
    review_round = ReviewRound.objects.select_related("project").get(pk=sheet.subject_id)
    if sheet.status == SheetStatus.SUBMITTED:
        raise ConflictError("评审表已提交，不能修改。")
    if review_round.status != RoundStatus.OPEN:
        raise ConflictError("本轮评审已结束，不能再提交评审表。")
    with transaction.atomic():
        sheet = review_services.submit_sheet(sheet=sheet, scores=scores, comments=comments, comment=comment)
        record_audit(
            actor=by,
            action="codev.sheet_submitted",
            obj=review_round.project,
            school=review_round.project.lead_school,
            after={"round": review_round.number, "sheet": sheet.pk, "total": sheet.total},
        )
        _event(review_round.project, None, f"第 {review_round.number} 轮评审收到一份评审表")
    return sheet


def close_review(*, by, review_round: ReviewRound, decision: str, reasons: str) -> ReviewRound:
    """Close with the weighted average, spread and a decision with reasons, sent to the team.
    不通过 sends the project back to 资料撰写; a new round then reviews the new version."""
    project = review_round.project
    _require(
        rules.can_run_review(by, project),
        f"只有{project.lead_school.name}的教务人员或学校管理员可以结束评审。",
    )
    decision = clean_choice(decision, Decision, label="评审结论", field="decision")
    reasons = clean_text(
        reasons, label="理由", field="reasons", max_length=3000, required=True, multiline=True
    )
    with transaction.atomic():
        project = _lock(project)
        review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        if review_round.status != RoundStatus.OPEN:
            raise ConflictError("本轮评审已结束。")
        sheets = list(sheets_of(review_round))
        summary = summarise(sheets)
        if not sheets:
            raise DomainError("还没有指定评审人，不能结束评审。")
        waiting = summary.assigned - summary.submitted
        if waiting:
            raise DomainError(f"还有 {waiting} 位评审人未提交评审表，不能结束评审。")
        review_round.status = RoundStatus.CLOSED
        review_round.decision = decision
        review_round.reasons = reasons
        review_round.average = summary.average
        review_round.spread = summary.spread
        review_round.closed_by = by
        review_round.closed_at = timezone.now()
        review_round.save()
        if decision == Decision.FAIL:
            STEPS.step(project.stage, Stage.WRITING)
            _enter_stage(project, Stage.WRITING)
        label = Decision(decision).label
        _log(
            project,
            by,
            "codev.round_closed",
            f"第 {review_round.number} 轮评审结束：{label}，加权平均 {summary.average} 分",
            after={
                "round": review_round.number,
                "decision": decision,
                "average": summary.average,
                "spread": summary.spread,
            },
        )
    notify(
        _team_users(project),
        title=f"评审结果：{project.title} — {label}",
        body=f"加权平均 {summary.average} 分，极差 {summary.spread} 分。理由：{reasons}",
        url=reverse("codev:round", args=[review_round.pk]),
    )
    return review_round


# -- publication and releases -------------------------------------------------------------------


def _school_office(school_ids) -> list:
    """The school admins and 教务 of the given schools (who hear about adoptions)."""
    staff = (
        Membership.objects.filter(school_id__in=school_ids, is_active=True)
        .filter(Q(is_school_admin=True) | Q(is_teaching_staff=True))
        .select_related("user")
    )
    return [m.user for m in staff]


def _notify_adopters(adoptions, *, title: str, body: str = "") -> None:
    """Tell each adopting school's office (and whoever adopted) that the original changed."""
    users = {u.pk: u for u in _school_office([a.adopter_school_id for a in adoptions])}
    users.update({a.created_by.pk: a.created_by for a in adoptions if a.created_by})
    if users:
        notify(list(users.values()), title=title, body=body, url=reverse("codev:adoptions_mine"))


def _notify_course_adopters(course: Course, release: Release) -> None:
    _notify_adopters(
        list(Adoption.objects.filter(course=course).select_related("created_by")),
        title=f"引用的课程有新版本：{course.title}（第 {release.number} 版）",
        body=release.note,
    )


def _new_release(*, by, course: Course, note: str, materials, project=None, review_round=None) -> Release:
    number = (Release.objects.filter(course=course).aggregate(n=Max("number"))["n"] or 0) + 1
    release = Release.objects.create(
        course=course,
        number=number,
        project=project,
        review_round=review_round,
        note=note[:200],
        published_by=by,
    )
    release.materials.set(materials)
    return release


def publish_project(*, by, project: Project, featured: bool = False) -> Release:
    """Only a passed round publishes: the course becomes 发布 (or 精品课), every team school a
    co-builder and every team teacher linked; the release carries the reviewed versions."""
    _require(
        rules.can_run_review(by, project),
        f"只有{project.lead_school.name}的教务人员或学校管理员可以发布课程。",
    )
    with transaction.atomic():
        project = _lock(project)
        last = project.rounds.order_by("-number").first()
        if last is None or last.status != RoundStatus.CLOSED or last.decision not in PASSING:
            raise ConflictError(
                "只有评审通过的项目才能发布：请先完成一轮评审并取得“通过”或“修改后通过”的结论。"
            )
        STEPS.step(project.stage, Stage.PUBLISHED)
        course = Course.objects.select_for_update().get(pk=project.course_id)
        team = list(project.team.all())
        co_schools = {*course.co_schools.all(), *project.schools.all()}
        teachers = {*course.teachers.all(), *(m.teacher for m in team if m.teacher_id)}
        course_services.update_course(
            by=None,
            course=course,
            co_schools=sorted(co_schools, key=lambda s: s.pk),
            teachers=sorted(teachers, key=lambda t: t.pk),
        )
        if course.status == CourseStatus.RETIRED:
            course = course_services.change_course_status(by=None, course=course, to=CourseStatus.DRAFT)
        if course.status == CourseStatus.DRAFT:
            course = course_services.change_course_status(by=None, course=course, to=CourseStatus.REVIEW)
        if course.status == CourseStatus.REVIEW:
            course = course_services.change_course_status(by=None, course=course, to=CourseStatus.PUBLISHED)
        if featured and course.status == CourseStatus.PUBLISHED:
            course = course_services.change_course_status(by=None, course=course, to=CourseStatus.FEATURED)
        release = _new_release(
            by=by,
            course=course,
            note=f"第 {last.number} 轮评审{last.get_decision_display()}后发布",
            materials=list(last.materials.all()),
            project=project,
            review_round=last,
        )
        project.published_at = timezone.now()
        project.save(update_fields=["published_at", "updated_at"])
        _enter_stage(project, Stage.PUBLISHED)
        _log(
            project,
            by,
            "codev.published",
            f"课程发布为“{course.get_status_display()}”（第 {release.number} 版）",
            after={
                "course": course.pk,
                "status": course.status,
                "release": release.number,
                "round": last.number,
            },
        )
    notify(
        _team_users(project),
        title=f"课程已发布：{course.title}",
        url=reverse("courses:detail", args=[course.pk]),
        email=False,
    )
    if release.number > 1:
        _notify_course_adopters(course, release)
    return release


def publish_update(*, by, course: Course, note: str) -> Release:
    """The owner publishes a new version of a published course: the newest version of each
    material. Adopters are notified and see what changed."""
    if not can_publish_course(by, course):
        raise PermissionDeniedError(f"只有{course.owner_school.name}的人员可以发布课程的新版本。")
    note = clean_text(note, label="更新说明", field="note", max_length=200, required=True)
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.status not in (CourseStatus.PUBLISHED, CourseStatus.FEATURED):
            raise ConflictError("只有已发布的课程才能发布新版本。")
        last = selectors.latest_release(course.pk)
        if last is None:
            raise ConflictError("该课程还没有经评审发布的版本。")
        materials = selectors.latest_materials(course.pk)
        if {m.pk for m in materials} == set(last.materials.values_list("pk", flat=True)):
            raise ConflictError("自上一版以来资料没有变化，请先上传新版本的资料。")
        release = _new_release(by=by, course=course, note=note, materials=materials, project=last.project)
        record_audit(
            actor=by,
            action="codev.release_published",
            obj=course,
            school=course.owner_school,
            after={"release": release.number, "materials": [m.pk for m in materials], "note": note},
        )
        if last.project_id:
            _event(last.project, by, f"发布课程第 {release.number} 版：{note}")
    _notify_course_adopters(course, release)
    return release


def add_course_version(
    *, by, course: Course, kind: str, title: str, note: str, text: str = "", file=None
) -> object:
    """A new material version of a published course by its owner (to go into the next release)."""
    if not can_publish_course(by, course):
        raise PermissionDeniedError(f"只有{course.owner_school.name}的人员可以更新课程资料。")
    if file is not None:
        ext = check_upload(file, label="资料文件")
        if kind in course_services.TEXT_KINDS and ext == "docx" and not (text or "").strip():
            text = docx_text(file)
    return course_services.add_material_version(
        by=by, course=course, kind=kind, title=title, note=note, text=text, file=file
    )


# -- adoption ---------------------------------------------------------------------------------
#
# A course is adopted at one of its releases; a lecture topic at its state of ``updated_at``.
# Both go through ``_adopt`` / ``_take`` and the same Adoption rows (one per school and original).


def _require_adopting_school(by, school: School, noun: str) -> None:
    if not rules.can_adopt_for(by, school):
        raise PermissionDeniedError(f"只有{school.name}的管理员、教务、培训或科研人员可以为本校引用{noun}。")


def _adopt(
    *, by, school: School, original, noun: str, fields: dict, audit: dict, local_notes, local_place, owner_url
):
    """The shared half of adopting: own-school check, local fields, one row per school (the
    unique constraint answers a second adoption), the audit record, the owner office told."""
    if original.owner_school_id == school.pk:
        raise DomainError(f"这是本校自己的{noun}，不需要引用。", field="school")
    local_notes = clean_text(
        local_notes, label="本校安排说明", field="local_notes", max_length=3000, multiline=True
    )
    local_place = clean_text(local_place, label="本校现场教学点", field="local_place", max_length=100)
    with transaction.atomic():
        try:
            with transaction.atomic():
                adoption = Adoption.objects.create(
                    adopter_school=school,
                    local_notes=local_notes,
                    local_place=local_place,
                    created_by=by,
                    **fields,
                )
        except IntegrityError:
            raise ConflictError(f"{school.name}已引用过该{noun}。", field="school") from None
        record_audit(actor=by, action="codev.adopted", obj=adoption, school=school, after=audit)
    notify(
        _school_office([original.owner_school_id]),
        title=f"{school.name}引用了{noun}：{original.title}",
        url=owner_url,
        email=False,
    )
    return adoption


def adopt_course(*, by, school: School, course_id, local_notes: str = "", local_place: str = "") -> Adoption:
    """引用: ``school`` gets its own linked copy of a published course it may see."""
    try:
        course = access_course(by, course_id)
    except NotFoundError:
        raise NotFoundError("未找到该课程，或贵校无权查看，不能引用。") from None
    _require_adopting_school(by, school, "课程")
    if course.status not in (CourseStatus.PUBLISHED, CourseStatus.FEATURED):
        raise ConflictError("只能引用已发布的课程。")
    release = selectors.latest_release(course.pk)
    if release is None:
        raise ConflictError("该课程还没有经评审发布的版本，暂不能引用。")
    adoption = _adopt(
        by=by,
        school=school,
        original=course,
        noun="课程",
        fields={"course": course, "based_on": release, "title": course.title, "summary": course.summary},
        audit={"course": course.pk, "release": release.number},
        local_notes=local_notes,
        local_place=local_place,
        owner_url=reverse("codev:course_adoptions", args=[course.pk]),
    )
    return adoption


def _topic_snapshot(topic: Topic) -> dict:
    return {
        "title": topic.title,
        "summary": topic.summary,
        "outline": topic.outline,
        "based_on_at": topic.updated_at,
    }


def adopt_topic(*, by, school: School, topic_id, local_notes: str = "", local_place: str = "") -> Adoption:
    """引用讲题: ``school`` gets its own linked copy of a published lecture topic it may see."""
    try:
        topic = access_topic(by, topic_id)
    except NotFoundError:
        raise NotFoundError("未找到该讲题，或贵校无权查看，不能引用。") from None
    _require_adopting_school(by, school, "讲题")
    if topic.status != TopicStatus.PUBLISHED:
        raise ConflictError("只能引用已发布的讲题。")
    adoption = _adopt(
        by=by,
        school=school,
        original=topic,
        noun="讲题",
        fields={"topic": topic, "notified_at": topic.updated_at, **_topic_snapshot(topic)},
        audit={"topic": topic.pk, "based_on_at": topic.updated_at.isoformat()},
        local_notes=local_notes,
        local_place=local_place,
        owner_url=reverse("codev:topic_adoptions", args=[topic.pk]),
    )
    return adoption


def notify_topic_adopters(topic_ids=None) -> int:
    """Tell the adopters of each lecture topic changed since they last heard (once per change).
    Runs right after ``topics.services.update_topic`` commits, for that topic (the
    ``topics.hooks`` callback registered in ``codev.apps.Config.ready``), and for every topic with the
    reminders (``yiwang codev_remind``, the ``notify_topic_changes`` task) — which catches the
    changes no hook reported (batch imports) and sends nothing the hook already sent. Returns
    the adoptions notified."""
    changed = Adoption.objects.filter(topic__isnull=False, topic__updated_at__gt=F("notified_at"))
    if topic_ids is not None:
        changed = changed.filter(topic_id__in=list(topic_ids))
    changed = list(changed.select_related("topic", "created_by").order_by("topic_id", "id"))
    by_topic: dict[int, list] = {}
    for adoption in changed:
        by_topic.setdefault(adoption.topic_id, []).append(adoption)
    sent = 0
    for adoptions in by_topic.values():
        topic = adoptions[0].topic
        # A conditional UPDATE claims the change, so two runs never notify it twice.
        claimed = Adoption.objects.filter(
            pk__in=[a.pk for a in adoptions], notified_at__lt=topic.updated_at
        ).update(notified_at=topic.updated_at)
        if claimed:
            _notify_adopters(
                adoptions, title=f"引用的讲题有更新：{topic.title}", body="可在本校的引用中查看改了什么。"
            )
            sent += claimed
    return sent


def _require_adopter(by, adoption: Adoption) -> None:
    _require(
        rules.can_adopt_for(by, adoption.adopter_school),
        f"只有{adoption.adopter_school.name}的管理员、教务、培训或科研人员可以修改本校的引用。",
    )


def update_adoption(
    *, by, adoption: Adoption, local_notes: str, local_place: str, local_teachers=None
) -> Adoption:
    """The adopting school's own edits (they survive taking updates)."""
    _require_adopter(by, adoption)
    local_notes = clean_text(
        local_notes, label="本校安排说明", field="local_notes", max_length=3000, multiline=True
    )
    local_place = clean_text(local_place, label="本校现场教学点", field="local_place", max_length=100)
    teachers = None
    if local_teachers is not None:
        ids = [getattr(t, "pk", t) for t in local_teachers]
        teachers = list(
            Teacher.objects.filter(pk__in=ids, owner_school=adoption.adopter_school, is_active=True)
        )
        if len(teachers) != len(set(ids)):
            raise DomainError("本校授课教师只能从本校师资中选择。", field="local_teachers")
    with transaction.atomic():
        adoption = Adoption.objects.select_for_update().get(pk=adoption.pk)
        before = {"local_notes": adoption.local_notes, "local_place": adoption.local_place}
        adoption.local_notes, adoption.local_place = local_notes, local_place
        adoption.save(update_fields=["local_notes", "local_place", "updated_at"])
        if teachers is not None:
            adoption.local_teachers.set(teachers)
        record_audit(
            actor=by,
            action="codev.adoption_updated",
            obj=adoption,
            school=adoption.adopter_school,
            before=before,
            after={"local_notes": local_notes, "local_place": local_place},
        )
    return adoption


def _newer_state(adoption: Adoption) -> tuple[dict, dict, dict] | None:
    """What taking the update writes (fields, audit before, audit after), or None when current."""
    if adoption.is_topic:
        topic = adoption.topic
        if topic.updated_at <= adoption.based_on_at:
            return None
        fields = {**_topic_snapshot(topic), "notified_at": topic.updated_at}
        return (
            fields,
            {"based_on_at": adoption.based_on_at.isoformat()},
            {"based_on_at": topic.updated_at.isoformat()},
        )
    latest = selectors.latest_release(adoption.course_id)
    if latest is None or latest.number <= adoption.based_on.number:
        return None
    fields = {"based_on": latest, "title": adoption.course.title, "summary": adoption.course.summary}
    return fields, {"release": adoption.based_on.number}, {"release": latest.number}


def take_update(*, by, adoption: Adoption) -> Adoption:
    """Move the copy to the original's newest state; the local notes, place and teachers stay."""
    _require_adopter(by, adoption)
    with transaction.atomic():
        adoption = (
            Adoption.objects.select_for_update(of=("self",))
            .select_related("based_on", "course", "topic")
            .get(pk=adoption.pk)
        )
        if not selectors.original_is_visible(by, adoption):
            raise ConflictError(
                f"原{adoption.kind_label}已不再向贵校共享，不能再接收更新；本校的副本仍然保留。"
            )
        newer = _newer_state(adoption)
        if newer is None:
            raise ConflictError("已是最新版本，无需更新。")
        fields, before, after = newer
        for name, value in fields.items():
            setattr(adoption, name, value)
        adoption.save(update_fields=[*fields, "updated_at"])
        record_audit(
            actor=by,
            action="codev.adoption_updated_to_latest",
            obj=adoption,
            school=adoption.adopter_school,
            before=before,
            after=after,
        )
    return adoption
