"""Writes of 共研一个题. Each: permission → transition check (``core.transitions``) → lock →
save → audit (same transaction) → notify after commit.

Time is read once per action (``now`` may be passed, e.g. by tests with a frozen clock): a call
accepts applications while ``opens_at <= now < closes_at`` — not a second after the deadline.

The funding pool is enforced by a conditional UPDATE (``granted_total + x <= funding_pool``) and
a check constraint on the call row; spending on a line likewise (``spent + x <= amount``).
"""

import hashlib
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core import signing
from django.db import transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone

from yiwang.activity.services import notify, record_audit
from yiwang.banks.services import check_batch_fields, is_console, numbered
from yiwang.classes.services.classes import add_session
from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.core.indexing import item_changed
from yiwang.core.transitions import TransitionTable
from yiwang.core.validators import check_upload, clean_amount, clean_choice, clean_text
from yiwang.faculty.models import Teacher
from yiwang.faculty.services import check_teachers
from yiwang.network.enums import SharingScope
from yiwang.network.models import Membership, School
from yiwang.network.rules import research_staff_school_ids
from yiwang.network.services import apply_sharing, validate_sharing
from yiwang.research import services as research
from yiwang.research.enums import (
    MemberRole,
    OutputKind,
    ProjectCategory,
    ProjectLevel,
    ProjectStatus,
)
from yiwang.research.models import Endorsement, ResearchOutput, ResearchProject
from yiwang.reviews import services as reviews
from yiwang.reviews.models import ReviewSheet, Rubric
from yiwang.topics.enums import TeachingForm

from . import rules
from .enums import (
    LIVE_STATUSES,
    MILESTONE_ORDER,
    AdoptionStatus,
    ApplicationStatus,
    BudgetCategory,
    CallKind,
    EventKind,
    MilestoneKind,
    MilestoneStatus,
    RequestStatus,
    SubmittedLevel,
    TeamRole,
)
from .models import (
    AdvisoryReport,
    Application,
    ApplicationFile,
    BudgetAdjustment,
    BudgetLine,
    Comment,
    Expense,
    ExtensionRequest,
    GuideTopic,
    Milestone,
    MilestoneFile,
    ResearchCall,
    ResearchEvent,
    ReviewerLink,
    TeamMember,
)
from .selectors import call_phase

MAX_MONEY = Decimal("99999999.99")
MAX_LINES = 20
MAX_TEAM = 15
LINK_DAYS = 14
LINK_SALT = "yiwang.calls.reviewer-link"

S = ApplicationStatus
APPLICATION_STEPS = TransitionTable(
    ApplicationStatus,
    {
        S.DRAFT: {S.HOME_REVIEW: ("team", "提交"), S.WITHDRAWN: ("team", "撤回")},
        S.HOME_REVIEW: {
            S.OFFICE_CHECK: ("home", "所在单位审核通过"),
            S.DRAFT: ("home", "退回申报人"),
            S.WITHDRAWN: ("team", "撤回"),
        },
        S.OFFICE_CHECK: {
            S.IN_REVIEW: ("office", "形式审查通过"),
            S.RETURNED: ("office", "退回修改"),
            S.INELIGIBLE: ("office", "形式审查不通过"),
            S.WITHDRAWN: ("team", "撤回"),
        },
        S.RETURNED: {S.OFFICE_CHECK: ("team", "修改后重新提交"), S.WITHDRAWN: ("team", "撤回")},
        S.IN_REVIEW: {S.GRANTED: ("office", "立项"), S.NOT_GRANTED: ("office", "不立项")},
    },
    noun="申报书",
)
M = MilestoneStatus
MILESTONE_STEPS = TransitionTable(
    MilestoneStatus,
    {
        M.PENDING: {M.SUBMITTED: ("team", "提交")},
        M.REVISE: {M.SUBMITTED: ("team", "修改后提交")},
        M.SUBMITTED: {M.PASSED: ("office", "通过"), M.REVISE: ("office", "需修改")},
    },
    noun="节点材料",
)


def _now(now) -> datetime:
    return now or timezone.now()


def _local(dt: datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M:%S")


def _audit(by, application: Application, action: str, after=None, *, school=None) -> None:
    """The audit record of a change to ``application``, filed under ``school`` (default: its home
    school, 所在单位; the issuing office passes the call's school)."""
    record_audit(
        actor=by, action=action, obj=application, school=school or application.home_school, after=after
    )


def _require_office(by, call: ResearchCall, what: str) -> None:
    if by is not None and not rules.is_issuing_office(by, call):
        raise PermissionDeniedError(f"只有{call.owner_school.name}科研部门（发布单位）可以{what}。")


def _call_url(call) -> str:
    return reverse("calls:call_detail", args=[call.pk])


def _app_url(application) -> str:
    return reverse("calls:application_detail", args=[application.pk])


def _office_users(school_id) -> list:
    return [
        m.user
        for m in Membership.objects.filter(school_id=school_id, is_active=True)
        .filter(is_research_staff=True)
        .select_related("user")
    ]


def _team_users(application) -> list:
    users = {application.applicant}
    users.update(
        m.teacher.user for m in application.team.select_related("teacher__user") if m.teacher.user_id
    )
    return list(users)


# -- calls ------------------------------------------------------------------------------------


def _clean_money(value, label, field):
    return clean_amount(value, label=label, field=field, max_value=MAX_MONEY)


def _clean_window(opens_at, closes_at) -> None:
    if not isinstance(opens_at, datetime) or not isinstance(closes_at, datetime):
        raise DomainError("请填写申报开始和截止时间。", field="closes_at")
    if timezone.is_naive(opens_at) or timezone.is_naive(closes_at):
        raise DomainError("申报时间须带时区（按北京时间填写）。", field="closes_at")
    if closes_at <= opens_at:
        raise DomainError("申报截止时间须晚于开始时间。", field="closes_at")


def create_call(
    *,
    by,
    school: School,
    title: str,
    kind: str,
    year: int,
    funding_pool,
    per_project_cap,
    opens_at: datetime,
    closes_at: datetime,
    kind_label: str = "",
    description: str = "",
    required_attachments=(),
    guide_topics=(),
    max_applications_per_member: int = 2,
    rubric: Rubric | None = None,
    blind_review: bool = True,
    scope: str = SharingScope.SYSTEM,
    alliances=(),
    partnerships=(),
) -> ResearchCall:
    """A new (unpublished) call of ``school``. ``scope`` says which schools may apply."""
    if by is not None and not rules.can_publish_calls(by, school):
        raise PermissionDeniedError(f"只有{school.name}的管理员或科研人员可以发布课题申报。")
    title = clean_text(title, label="批次名称", field="title", max_length=200, required=True)
    kind = clean_choice(kind, CallKind, label="课题类型", field="kind")
    kind_label = clean_text(kind_label, label="自定义类型名称", field="kind_label", max_length=40)
    if kind == CallKind.CUSTOM and not kind_label:
        raise DomainError("自定义类型请填写类型名称。", field="kind_label")
    description = clean_text(
        description, label="申报说明", field="description", max_length=10000, multiline=True
    )
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise DomainError("年度应在 2000 到 2100 之间。", field="year")
    pool = _clean_money(funding_pool, "经费总额（万元）", "funding_pool")
    cap = _clean_money(per_project_cap, "单项资助上限（万元）", "per_project_cap")
    if cap <= 0:
        raise DomainError("单项资助上限须大于 0。", field="per_project_cap")
    if cap > pool:
        raise DomainError("单项资助上限不能超过经费总额。", field="per_project_cap")
    _clean_window(opens_at, closes_at)
    if not isinstance(max_applications_per_member, int) or not 1 <= max_applications_per_member <= 20:
        raise DomainError("每人每批次最多参与申报数应在 1 到 20 之间。", field="max_applications_per_member")
    attachments = []
    for name in required_attachments or ():
        name = clean_text(name, label="必交附件", field="required_attachments", max_length=100)
        if name and name not in attachments:
            attachments.append(name)
    topics = []
    for text in guide_topics or ():
        text = clean_text(text, label="指南题目", field="guide_topics", max_length=200)
        if text and text not in topics:
            topics.append(text)
    validate_sharing(owner_school=school, scope=scope, alliances=alliances, partnerships=partnerships)
    with transaction.atomic():
        call = ResearchCall.objects.create(
            owner_school=school,
            scope=scope,
            title=title,
            kind=kind,
            kind_label=kind_label,
            year=year,
            description=description,
            funding_pool=pool,
            per_project_cap=cap,
            opens_at=opens_at,
            closes_at=closes_at,
            required_attachments=attachments,
            max_applications_per_member=max_applications_per_member,
            rubric=rubric,
            blind_review=blind_review,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        GuideTopic.objects.bulk_create(
            [GuideTopic(call=call, title=t, position=i) for i, t in enumerate(topics, start=1)]
        )
        apply_sharing(call, alliances=alliances, partnerships=partnerships)
        record_audit(
            actor=by,
            action="research_call.created",
            obj=call,
            school=school,
            after={"title": title, "pool": pool, "cap": cap, "closes_at": closes_at, "scope": scope},
        )
    return call


def set_call_rubric(*, by, call: ResearchCall, rubric: Rubric) -> ResearchCall:
    _require_office(by, call, "设置评审量表")
    with transaction.atomic():
        call = ResearchCall.objects.select_for_update().get(pk=call.pk)
        if ReviewSheet.objects.filter(
            subject_type__model="application", subject_id__in=call.applications.values("pk")
        ).exists():
            raise ConflictError("已分配评审专家，不能更换评审量表。", field="rubric")
        call.rubric = rubric
        call.save(update_fields=["rubric", "updated_at"])
        record_audit(
            actor=by,
            action="research_call.rubric_set",
            obj=call,
            school=call.owner_school,
            after={"rubric": rubric.pk},
        )
    return call


def _stamp_call(*, by, call: ResearchCall, field: str, now, already: str, check, action: str, after=None):
    """Set the call's ``field`` (published_at / results_published_at) to ``now`` once: lock, refuse
    with ``already`` if set, ``check(call)``, save, audit, re-index."""
    with transaction.atomic():
        call = ResearchCall.objects.select_for_update().select_related("owner_school").get(pk=call.pk)
        if getattr(call, field) is not None:
            raise ConflictError(already)
        check(call)
        setattr(call, field, now)
        call.save(update_fields=[field, "updated_at"])
        record_audit(actor=by, action=action, obj=call, school=call.owner_school, after=after)
        item_changed(call)
    return call


def publish_call(*, by, call: ResearchCall, now=None) -> ResearchCall:
    _require_office(by, call, "发布申报批次")
    now = _now(now)

    def check(call):
        if call.closes_at <= now:
            raise DomainError("申报截止时间已过，不能发布；请先修改申报时间。", field="closes_at")

    return _stamp_call(
        by=by,
        call=call,
        field="published_at",
        now=now,
        already="该批次已发布。",
        check=check,
        action="research_call.published",
        after={"published_at": now},
    )


def publish_results(*, by, call: ResearchCall, now=None) -> ResearchCall:
    """公布结果: every application still in review must be decided; every applicant is told."""
    _require_office(by, call, "公布评审结果")
    now = _now(now)

    def check(call):
        if now < call.closes_at:
            raise ConflictError("申报尚未截止，不能公布结果。")
        undecided = call.applications.filter(
            status__in=[S.HOME_REVIEW, S.OFFICE_CHECK, S.RETURNED, S.IN_REVIEW]
        ).count()
        if undecided:
            raise ConflictError(f"还有 {undecided} 份申报书未作出决定，不能公布结果。")

    call = _stamp_call(
        by=by,
        call=call,
        field="results_published_at",
        now=now,
        already="结果已公布。",
        check=check,
        action="research_call.results_published",
    )
    apps = list(call.applications.exclude(status__in=[S.DRAFT, S.WITHDRAWN]).select_related("applicant"))
    for app in apps:
        if app.status == S.GRANTED:
            body = f"“{app.title}”获准立项，资助经费 {app.granted_amount} 万元。"
        else:
            body = f"“{app.title}”结果：{app.get_status_display()}。{app.decision_note}"
        notify([app.applicant], title=f"{call.title}评审结果", body=body, url=_app_url(app))
    return call


# -- applications -----------------------------------------------------------------------------


def _teacher_of(by) -> Teacher:
    teacher = (
        Teacher.objects.filter(user_id=getattr(by, "pk", None), is_active=True)
        .select_related("owner_school")
        .first()
    )
    if teacher is None:
        raise PermissionDeniedError("您的账号未关联师资库中的教师信息，不能申报课题；请联系本校科研部门。")
    return teacher


def _require_open(call: ResearchCall, now: datetime, what: str = "申报") -> None:
    phase = call_phase(call, now)
    if phase == "draft":
        raise ConflictError("该批次尚未发布。")
    if now < call.opens_at:
        raise ConflictError(f"申报尚未开始（{_local(call.opens_at)} 开始）。")
    if now >= call.closes_at or call.results_published_at is not None:
        raise ConflictError(f"申报已于 {_local(call.closes_at)} 截止，不能再{what}。", code="call_closed")


def _clean_lines(call: ResearchCall, budget_total, lines) -> tuple[Decimal, list[dict]]:
    total = _clean_money(budget_total, "申请经费（万元）", "budget_total")
    clean = []
    for i, line in enumerate(lines or [], start=1):
        amount = line.get("amount")
        category = line.get("category")
        if (amount in (None, "") or Decimal(str(amount or 0)) == 0) and not category:
            continue
        clean.append(
            {
                "category": clean_choice(
                    category, BudgetCategory, label=f"第 {i} 行预算科目", field="budget_lines"
                ),
                "description": clean_text(
                    line.get("description", ""), label="用途说明", field="budget_lines", max_length=200
                ),
                "amount": _clean_money(amount, f"第 {i} 行预算金额", "budget_lines"),
                "position": i,
            }
        )
    if len(clean) > MAX_LINES:
        raise DomainError(f"预算科目最多 {MAX_LINES} 行。", field="budget_lines")
    if total > call.per_project_cap:
        raise DomainError(
            f"申请经费 {total} 万元超过本批次单项资助上限 {call.per_project_cap} 万元。", field="budget_total"
        )
    lines_sum = sum((line["amount"] for line in clean), Decimal("0.00"))
    if clean and lines_sum != total:
        raise DomainError(
            f"预算明细合计 {lines_sum} 万元，与申请经费 {total} 万元不一致。", field="budget_lines"
        )
    return total, clean


def _check_member_limit(call: ResearchCall, teachers: list[Teacher], exclude_application=None) -> None:
    limit = call.max_applications_per_member
    counts = (
        TeamMember.objects.filter(call=call, teacher__in=teachers, application__status__in=LIVE_STATUSES)
        .exclude(application_id=getattr(exclude_application, "pk", None))
        .values("teacher_id")
        .annotate(n=Sum(1))
    )
    for row in counts:
        if row["n"] >= limit:
            name = next(t.name for t in teachers if t.pk == row["teacher_id"])
            raise DomainError(
                f"{name}已参与本批次 {row['n']} 项申报，每人最多 {limit} 项。",
                field="members",
                code="member_limit",
            )


def _clean_content(data: dict) -> dict:
    out = {}
    if "title" in data:
        out["title"] = clean_text(
            data["title"], label="课题名称", field="title", max_length=200, required=True
        )
    for key, label in (
        ("summary", "内容摘要"),
        ("rationale", "选题依据"),
        ("plan", "研究计划"),
        ("expected_outputs", "预期成果"),
    ):
        if key in data:
            out[key] = clean_text(data[key], label=label, field=key, max_length=10000, multiline=True)
    return out


def _guide_topic(call, guide_topic):
    if guide_topic in (None, ""):
        return None
    pk = getattr(guide_topic, "pk", guide_topic)
    found = GuideTopic.objects.filter(call=call, pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise DomainError("所选指南题目不属于本批次。", field="guide_topic")
    return found


def _save_team(application, principal: Teacher, members: list[Teacher], by) -> None:
    existing = {m.teacher_id: m for m in application.team.all()}
    keep = {principal.pk} | {t.pk for t in members}
    application.team.exclude(teacher_id__in=keep).delete()
    now = timezone.now()
    for teacher in [principal, *members]:
        role = TeamRole.PRINCIPAL if teacher.pk == principal.pk else TeamRole.MEMBER
        if teacher.pk in existing:
            continue
        TeamMember.objects.create(
            application=application,
            call_id=application.call_id,
            teacher=teacher,
            role=role,
            # The principal confirms by applying; a member confirms themselves.
            confirmed_at=now
            if teacher.pk == principal.pk or teacher.user_id == getattr(by, "pk", None)
            else None,
        )


def _members(by, principal: Teacher, members) -> list[Teacher]:
    ids = [getattr(t, "pk", t) for t in members or []]
    ids = [i for i in dict.fromkeys(ids) if i != principal.pk]
    if len(ids) + 1 > MAX_TEAM:
        raise DomainError(f"课题组最多 {MAX_TEAM} 人。", field="members")
    return check_teachers(by, ids, label="课题组成员", field="members") if ids else []


def create_application(
    *,
    by,
    call: ResearchCall,
    title: str,
    budget_total,
    budget_lines=(),
    members=(),
    guide_topic=None,
    summary: str = "",
    rationale: str = "",
    plan: str = "",
    expected_outputs: str = "",
    now=None,
) -> Application:
    """A draft application by ``by`` (a teacher of an eligible school) and their team."""
    now = _now(now)
    principal = _teacher_of(by)
    call = ResearchCall.objects.select_related("owner_school").get(pk=call.pk)
    _require_open(call, now)
    if not rules.school_eligible(call, principal.owner_school):
        raise PermissionDeniedError(f"{principal.owner_school.name}不在本批次的申报范围内。")
    content = _clean_content(
        {
            "title": title,
            "summary": summary,
            "rationale": rationale,
            "plan": plan,
            "expected_outputs": expected_outputs,
        }
    )
    topic = _guide_topic(call, guide_topic)
    total, lines = _clean_lines(call, budget_total, budget_lines)
    team = _members(by, principal, members)
    with transaction.atomic():
        call = ResearchCall.objects.select_for_update().get(pk=call.pk)  # serialises the member limit
        _check_member_limit(call, [principal, *team])
        application = Application.objects.create(
            call=call,
            call_school_id=call.owner_school_id,
            applicant=by,
            principal=principal,
            home_school=principal.owner_school,
            guide_topic=topic,
            budget_total=total,
            **content,
        )
        BudgetLine.objects.bulk_create([BudgetLine(application=application, **line) for line in lines])
        _save_team(application, principal, team, by)
        _audit(
            by,
            application,
            "call_application.created",
            {"call": call.pk, "title": content["title"], "budget": total, "team": [t.pk for t in team]},
        )
        new_members = [t.user for t in team if t.user_id]
    notify(
        new_members,
        title="课题组成员确认",
        body=f"{by.full_name}邀请您加入课题“{application.title}”，请确认。",
        url=_app_url(application),
    )
    return application


EDITABLE = (S.DRAFT, S.RETURNED)


def update_application(
    *,
    by,
    application: Application,
    budget_total=None,
    budget_lines=None,
    members=None,
    guide_topic="unchanged",
    now=None,
    **changes,
) -> Application:
    now = _now(now)
    unknown = set(changes) - {"title", "summary", "rationale", "plan", "expected_outputs"}
    if unknown:
        raise DomainError("未知的字段：" + "、".join(sorted(unknown)))
    if not rules.can_lead(by, application):
        raise PermissionDeniedError("只有申报人可以修改申报书。")
    content = _clean_content(changes)
    with transaction.atomic():
        call = ResearchCall.objects.select_for_update().get(pk=application.call_id)
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status not in EDITABLE:
            raise ConflictError(f"申报书当前为“{application.get_status_display()}”，不能修改。")
        _require_open(call, now, "修改")
        for key, value in content.items():
            setattr(application, key, value)
        if guide_topic != "unchanged":
            application.guide_topic = _guide_topic(call, guide_topic)
        if budget_total is not None or budget_lines is not None:
            if budget_lines is None:
                budget_lines = list(application.budget_lines.values("category", "description", "amount"))
            total, lines = _clean_lines(
                call, application.budget_total if budget_total is None else budget_total, budget_lines
            )
            application.budget_total = total
            application.budget_lines.all().delete()
            BudgetLine.objects.bulk_create([BudgetLine(application=application, **line) for line in lines])
        if members is not None:
            principal = application.principal
            team = _members(by, principal, members)
            _check_member_limit(call, [principal, *team], exclude_application=application)
            _save_team(application, principal, team, by)
        application.save()
        _audit(by, application, "call_application.updated", {**content, "budget": application.budget_total})
    return application


def confirm_membership(*, by, application: Application) -> TeamMember:
    """成员确认: the member confirms with their own account (or, for a teacher without one, their
    school's research staff confirm on their behalf)."""
    with transaction.atomic():
        rows = list(
            TeamMember.objects.select_for_update()
            .filter(application=application, confirmed_at__isnull=True)
            .select_related("teacher")
        )
        staff = set(research_staff_school_ids(by))
        mine = [m for m in rows if m.teacher.user_id == by.pk] or [
            m for m in rows if m.teacher.user_id is None and m.teacher.owner_school_id in staff
        ]
        if not mine:
            raise NotFoundError("没有需要您确认的课题组成员身份。")
        member = mine[0]
        member.confirmed_at = timezone.now()
        member.save(update_fields=["confirmed_at"])
        _audit(by, application, "call_application.member_confirmed", {"teacher": member.teacher_id})
    return member


def attach_file(*, by, application: Application, label: str, file, now=None) -> ApplicationFile:
    now = _now(now)
    if not rules.can_lead(by, application):
        raise PermissionDeniedError("只有申报人可以上传申报附件。")
    label = clean_text(label, label="附件名称", field="label", max_length=100, required=True)
    if not file:
        raise DomainError("请选择文件。", field="file")
    check_upload(file, label="申报附件")
    with transaction.atomic():
        application = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
        if application.status not in EDITABLE:
            raise ConflictError(f"申报书当前为“{application.get_status_display()}”，不能上传附件。")
        _require_open(application.call, now, "上传附件")
        application.files.filter(label=label).delete()
        item = ApplicationFile(
            application=application, label=label, uploaded_by=by, file_name=file.name.rsplit("/", 1)[-1]
        )
        item.file.save(item.file_name, file, save=False)
        item.save()
        _audit(by, application, "call_application.file_attached", {"label": label})
    return item


def submit_application(*, by, application: Application, now=None) -> Application:
    """提交 (to the home school) — or, after a return for fixes, straight back to the formal check."""
    now = _now(now)
    if not rules.can_lead(by, application):
        raise PermissionDeniedError("只有申报人可以提交申报书。")
    with transaction.atomic():
        call = ResearchCall.objects.select_related("owner_school").get(pk=application.call_id)
        application = Application.objects.select_for_update().get(pk=application.pk)
        to = S.OFFICE_CHECK if application.status == S.RETURNED else S.HOME_REVIEW
        APPLICATION_STEPS.step(application.status, to)
        _require_open(call, now, "提交")
        if not rules.school_eligible(call, application.home_school):
            raise PermissionDeniedError(f"{application.home_school.name}不在本批次的申报范围内。")
        unconfirmed = [
            m.teacher.name for m in application.team.select_related("teacher") if m.confirmed_at is None
        ]
        if unconfirmed:
            raise ConflictError("以下成员尚未确认参加：" + "、".join(unconfirmed) + "。", field="members")
        have = set(application.files.values_list("label", flat=True))
        missing = [name for name in call.required_attachments if name not in have]
        if missing:
            raise DomainError("缺少必交附件：" + "、".join(missing) + "。", field="files")
        lines = list(application.budget_lines.all())
        if not lines:
            raise DomainError("请填写预算明细。", field="budget_lines")
        _clean_lines(
            call, application.budget_total, [{"category": ln.category, "amount": ln.amount} for ln in lines]
        )
        application.status = to
        application.submitted_at = now
        application.save(update_fields=["status", "submitted_at", "updated_at"])
        _audit(by, application, "call_application.submitted", {"status": to})
    recipients = _office_users(application.home_school_id if to == S.HOME_REVIEW else call.owner_school_id)
    notify(
        recipients,
        title="课题申报待审核",
        body=f"“{application.title}”已提交，等待{'所在单位审核' if to == S.HOME_REVIEW else '形式审查'}。",
        url=_app_url(application),
    )
    return application


def home_review(*, by, application: Application, approve: bool, note: str = "") -> Application:
    """所在单位审核: the applicant's school approves (→ 形式审查) or sends it back to the applicant."""
    if not rules.is_home_office(by, application):
        raise PermissionDeniedError(f"只有{application.home_school.name}的科研部门可以审核本单位的申报。")
    note = clean_text(note, label="审核意见", field="note", max_length=500)
    if not approve and not note:
        raise DomainError("退回时请填写审核意见。", field="note")
    to = S.OFFICE_CHECK if approve else S.DRAFT
    with transaction.atomic():
        application = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
        APPLICATION_STEPS.step(application.status, to)
        application.status = to
        application.note = note
        if approve:
            application.home_approved_at = timezone.now()
        application.save(update_fields=["status", "note", "home_approved_at", "updated_at"])
        _audit(by, application, "call_application.home_reviewed", {"status": to, "note": note})
    if approve:
        notify(
            _office_users(application.call.owner_school_id),
            title="课题申报待形式审查",
            body=f"“{application.title}”已通过所在单位审核。",
            url=_app_url(application),
        )
    notify(
        [application.applicant],
        title="所在单位审核结果",
        body=f"“{application.title}”：{'审核通过' if approve else '退回修改：' + note}",
        url=_app_url(application),
    )
    return application


def formal_check(*, by, application: Application, outcome: str, note: str = "", now=None) -> Application:
    """形式审查 by the issuing office: ``pass`` → 专家评审; ``return`` (once, before the deadline) →
    退回修改; ``fail`` → 形式审查未通过."""
    now = _now(now)
    call = application.call
    _require_office(by, call, "进行形式审查")
    targets = {"pass": S.IN_REVIEW, "return": S.RETURNED, "fail": S.INELIGIBLE}
    if outcome not in targets:
        raise DomainError("审查结论无效。", field="outcome")
    note = clean_text(note, label="审查意见", field="note", max_length=500)
    if outcome != "pass" and not note:
        raise DomainError("退回或不通过时请填写审查意见。", field="note")
    to = targets[outcome]
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        APPLICATION_STEPS.step(application.status, to)
        if to == S.RETURNED:
            if application.returns_used >= 1:
                raise ConflictError("每份申报书只能退回修改一次。", field="outcome")
            if now >= call.closes_at:
                raise ConflictError(
                    f"申报已于 {_local(call.closes_at)} 截止，不能再退回修改。", field="outcome"
                )
            application.returns_used += 1
        application.status = to
        application.note = note
        application.checked_at = now
        application.save(update_fields=["status", "note", "checked_at", "returns_used", "updated_at"])
        _audit(
            by,
            application,
            "call_application.checked",
            {"status": to, "note": note},
            school=call.owner_school,
        )
    notify(
        [application.applicant],
        title="形式审查结果",
        body=f"“{application.title}”：{application.get_status_display()}。{note}",
        url=_app_url(application),
    )
    return application


def withdraw_application(*, by, application: Application) -> Application:
    if not rules.can_lead(by, application):
        raise PermissionDeniedError("只有申报人可以撤回申报书。")
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        APPLICATION_STEPS.step(application.status, S.WITHDRAWN)
        application.status = S.WITHDRAWN
        application.save(update_fields=["status", "updated_at"])
        _audit(by, application, "call_application.withdrawn")
    return application


# -- review -----------------------------------------------------------------------------------


def team_school_ids(application: Application) -> set[int]:
    ids = {application.home_school_id}
    ids.update(application.team.values_list("teacher__owner_school_id", flat=True))
    return ids


def _lock_in_review(application: Application, call: ResearchCall) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != S.IN_REVIEW:
        raise ConflictError(f"申报书当前为“{application.get_status_display()}”，不在专家评审阶段。")
    if call.rubric_id is None:
        raise ConflictError("本批次尚未设置评审量表。", field="rubric")
    return application


def assign_reviewer(*, by, application: Application, teacher: Teacher) -> ReviewSheet:
    """An account reviewer: a teacher with a linked account. 回避 over every school of that account."""
    call = application.call
    _require_office(by, call, "分配评审专家")
    if teacher is None or teacher.user_id is None:
        raise DomainError(
            "所选教师没有关联账号；没有账号的专家请用“邀请外请专家”发送评审链接。", field="reviewer"
        )
    with transaction.atomic():
        application = _lock_in_review(application, call)
        team = team_school_ids(application)
        schools = {teacher.owner_school_id} | set(
            Membership.objects.filter(user_id=teacher.user_id, is_active=True).values_list(
                "school_id", flat=True
            )
        )
        for school in School.objects.filter(pk__in=schools):
            reviews.require_no_conflict(
                reviewer_school=school, team_school_ids=team, reviewer_name=teacher.name
            )
        sheet = reviews.add_sheet(
            subject=application,
            rubric=call.rubric,
            team_school_ids=team,
            reviewer=teacher.user,
            reviewer_name=teacher.name,
            reviewer_school=teacher.owner_school,
        )
        _audit(
            by,
            application,
            "call_review.assigned",
            {"sheet": sheet.pk, "reviewer": teacher.user_id},
            school=call.owner_school,
        )
    notify(
        [teacher.user],
        title="课题评审任务",
        body=f"请评审“{call.title}”中的一份申报书。",
        url=reverse("calls:review_sheet", args=[sheet.pk]),
    )
    return sheet


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_expert(
    *,
    by,
    application: Application,
    name: str,
    affiliation: str = "",
    school=None,
    email: str = "",
    days: int = LINK_DAYS,
    now=None,
) -> tuple[ReviewerLink, str]:
    """An invited expert without an account: a signed link (``TimestampSigner``) valid ``days`` days,
    usable once. Returns the link row and the signed value to put in ``calls:expert_review``."""
    now = _now(now)
    call = application.call
    _require_office(by, call, "邀请评审专家")
    name = clean_text(name, label="专家姓名", field="name", max_length=64, required=True)
    affiliation = clean_text(affiliation, label="专家单位", field="affiliation", max_length=100)
    email = clean_text(email, label="邮箱", field="email", max_length=254)
    if not isinstance(days, int) or not 1 <= days <= 60:
        raise DomainError("链接有效期应在 1 到 60 天之间。", field="days")
    with transaction.atomic():
        application = _lock_in_review(application, call)
        sheet = reviews.add_sheet(
            subject=application,
            rubric=call.rubric,
            team_school_ids=team_school_ids(application),
            reviewer_name=name,
            reviewer_school=school,
            reviewer_affiliation=affiliation or getattr(school, "name", ""),
        )
        token = secrets.token_urlsafe(24)
        link = ReviewerLink.objects.create(
            sheet=sheet,
            application=application,
            token_hash=_token_hash(token),
            email=email,
            expires_at=now + timedelta(days=days),
        )
        _audit(
            by,
            application,
            "call_review.expert_invited",
            {"sheet": sheet.pk, "expert": name, "expires_at": link.expires_at},
            school=call.owner_school,
        )
    return link, signing.TimestampSigner(salt=LINK_SALT).sign(token)


def link_for_token(signed: str, *, now=None, max_days: int = 60) -> ReviewerLink:
    """The link a signed value names — refused when forged, expired or already used."""
    now = _now(now)
    try:
        token = signing.TimestampSigner(salt=LINK_SALT).unsign(
            str(signed or ""), max_age=timedelta(days=max_days)
        )
    except signing.SignatureExpired:
        raise DomainError("评审链接已过期，请联系发布单位重新发送。", code="link_expired") from None
    except signing.BadSignature:
        raise NotFoundError("评审链接无效。") from None
    link = (
        ReviewerLink.objects.select_related("sheet__rubric", "application__call")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if link is None:
        raise NotFoundError("评审链接无效。")
    if link.used_at is not None:
        raise ConflictError("该评审链接已使用过，不能再次提交。", code="link_used")
    if now >= link.expires_at:
        raise DomainError("评审链接已过期，请联系发布单位重新发送。", code="link_expired")
    return link


def submit_review(*, by, sheet: ReviewSheet, scores: dict, comments=None, comment: str = "") -> ReviewSheet:
    """An account reviewer submits their sheet (scores checked by ``reviews``)."""
    if sheet.reviewer_id != getattr(by, "pk", None):
        raise NotFoundError()
    application = Application.objects.select_related("call__owner_school").get(pk=sheet.subject_id)
    with transaction.atomic():
        if application.status != S.IN_REVIEW:
            raise ConflictError("评审已结束，不能再提交评审表。")
        sheet = reviews.submit_sheet(sheet=sheet, scores=scores, comments=comments, comment=comment)
        _audit(
            by,
            application,
            "call_review.submitted",
            {"sheet": sheet.pk, "total": sheet.total},
            school=application.call.owner_school,
        )
    return sheet


def submit_expert_review(
    *, signed: str, scores: dict, comments=None, comment: str = "", now=None
) -> ReviewSheet:
    """An invited expert submits through the link; the link is spent in the same transaction."""
    now = _now(now)
    link = link_for_token(signed, now=now)
    with transaction.atomic():
        locked = ReviewerLink.objects.select_for_update().get(pk=link.pk)
        if locked.used_at is not None:
            raise ConflictError("该评审链接已使用过，不能再次提交。", code="link_used")
        application = Application.objects.select_related("call__owner_school").get(pk=link.application_id)
        if application.status != S.IN_REVIEW:
            raise ConflictError("评审已结束，不能再提交评审表。")
        sheet = reviews.submit_sheet(sheet=link.sheet, scores=scores, comments=comments, comment=comment)
        locked.used_at = now
        locked.save(update_fields=["used_at"])
        _audit(
            None,
            application,
            "call_review.expert_submitted",
            {"sheet": sheet.pk, "expert": sheet.reviewer_name, "total": sheet.total},
            school=application.call.owner_school,
        )
    return sheet


def remove_reviewer(*, by, sheet: ReviewSheet) -> None:
    application = Application.objects.select_related("call__owner_school").get(pk=sheet.subject_id)
    _require_office(by, application.call, "撤销评审专家")
    with transaction.atomic():
        reviews.remove_sheet(sheet=sheet)
        _audit(
            by, application, "call_review.removed", {"sheet": sheet.pk}, school=application.call.owner_school
        )


# -- decisions --------------------------------------------------------------------------------


MILESTONE_OFFSETS = {MilestoneKind.PROPOSAL: 60, MilestoneKind.MIDTERM: 180}


def grant_application(
    *, by, application: Application, amount, note: str = "", today: date | None = None
) -> Application:
    """立项 with ``amount`` (万元) from the call's pool. The pool is taken by a conditional UPDATE, so two
    offices granting its last part at once never overspend. The project enters the research bank."""
    call = application.call
    _require_office(by, call, "作出立项决定")
    amount = _clean_money(amount, "立项经费（万元）", "amount")
    if amount <= 0:
        raise DomainError("立项经费须大于 0。", field="amount")
    if amount > call.per_project_cap:
        raise DomainError(f"立项经费不能超过单项资助上限 {call.per_project_cap} 万元。", field="amount")
    note = clean_text(note, label="决定说明", field="note", max_length=500)
    today = today or timezone.localdate()
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        APPLICATION_STEPS.step(application.status, S.GRANTED)
        if amount > application.budget_total:
            raise DomainError(f"立项经费不能超过申请经费 {application.budget_total} 万元。", field="amount")
        taken = ResearchCall.objects.filter(pk=call.pk, granted_total__lte=F("funding_pool") - amount).update(
            granted_total=F("granted_total") + amount
        )
        if not taken:
            left = ResearchCall.objects.values_list("funding_pool", "granted_total").get(pk=call.pk)
            raise ConflictError(
                f"经费总额不足：剩余 {left[0] - left[1]} 万元，不能立项 {amount} 万元。",
                field="amount",
                code="pool_exceeded",
            )
        team = list(application.team.select_related("teacher"))
        project = research.create_project(
            by=None,
            school=application.home_school,
            title=application.title,
            level=_project_level(call),
            category=_project_category(call),
            principal_investigator=application.principal,
            members=[(m.teacher, MemberRole.CORE) for m in team if m.role != TeamRole.PRINCIPAL],
            funding=amount,
            summary=application.summary[:5000],
            start_date=today,
            end_date=today + timedelta(days=365),
            status=ProjectStatus.APPROVED,
            scope=SharingScope.NETWORK,
        )
        Milestone.objects.bulk_create(
            [
                Milestone(
                    application=application,
                    kind=kind,
                    due_on=today + timedelta(days=MILESTONE_OFFSETS.get(kind, 365)),
                )
                for kind in MILESTONE_ORDER
            ]
        )
        application.status = S.GRANTED
        application.granted_amount = amount
        application.decision_note = note
        application.decided_at = timezone.now()
        application.project = project
        application.save(
            update_fields=["status", "granted_amount", "decision_note", "decided_at", "project", "updated_at"]
        )
        _audit(
            by,
            application,
            "call_application.granted",
            {"amount": amount, "project": project.pk},
            school=call.owner_school,
        )
    return application


def reject_application(*, by, application: Application, note: str = "") -> Application:
    call = application.call
    _require_office(by, call, "作出立项决定")
    note = clean_text(note, label="决定说明", field="note", max_length=500)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        APPLICATION_STEPS.step(application.status, S.NOT_GRANTED)
        application.status = S.NOT_GRANTED
        application.decision_note = note
        application.decided_at = timezone.now()
        application.save(update_fields=["status", "decision_note", "decided_at", "updated_at"])
        _audit(by, application, "call_application.not_granted", {"note": note}, school=call.owner_school)
    return application


# -- execution --------------------------------------------------------------------------------


def _granted(application: Application) -> Application:
    if application.status != S.GRANTED or application.project_id is None:
        raise ConflictError("该申报书未立项。")
    return application


def _require_team_lead_or_office(by, application: Application, what: str) -> None:
    if not (rules.can_lead(by, application) or rules.is_issuing_office(by, application.call)):
        raise PermissionDeniedError(f"只有课题负责人或发布单位可以{what}。")


def start_project(*, by, application: Application) -> Application:
    """立项 → 在研."""
    _granted(application)
    _require_team_lead_or_office(by, application, "启动课题研究")
    with transaction.atomic():
        research.change_project_status(by=None, project=application.project, to=ProjectStatus.ONGOING)
        _audit(by, application, "call_project.started")
    return application


def terminate_project(*, by, application: Application, reason: str) -> Application:
    _granted(application)
    _require_office(by, application.call, "终止课题")
    reason = clean_text(reason, label="终止理由", field="reason", max_length=500, required=True)
    with transaction.atomic():
        research.change_project_status(by=None, project=application.project, to=ProjectStatus.TERMINATED)
        _audit(
            by,
            application,
            "call_project.terminated",
            {"reason": reason},
            school=application.call.owner_school,
        )
    notify(
        [application.applicant],
        title="课题已终止",
        body=f"“{application.title}”已被终止：{reason}",
        url=_app_url(application),
    )
    return application


def submit_milestone(*, by, milestone: Milestone, report: str, files=()) -> Milestone:
    application = milestone.application
    _granted(application)
    if not rules.can_lead(by, application):
        raise PermissionDeniedError("只有课题负责人可以提交节点材料。")
    report = clean_text(report, label="报告内容", field="report", max_length=10000, multiline=True)
    files = [f for f in files or () if f]
    for f in files:
        check_upload(f, label="节点材料")
    with transaction.atomic():
        milestone = (
            Milestone.objects.select_for_update(of=("self",))
            .select_related("application__project")
            .get(pk=milestone.pk)
        )
        project = milestone.application.project
        if project.status != ProjectStatus.ONGOING:
            raise ConflictError(f"课题当前为“{project.get_status_display()}”，只有在研课题可以提交节点材料。")
        MILESTONE_STEPS.step(milestone.status, M.SUBMITTED)
        index = MILESTONE_ORDER.index(MilestoneKind(milestone.kind))
        if index:
            earlier = Milestone.objects.filter(
                application=milestone.application, kind=MILESTONE_ORDER[index - 1]
            ).first()
            if earlier is not None and earlier.status != M.PASSED:
                raise ConflictError(f"请先通过“{earlier.get_kind_display()}”。")
        if not report and not files and not milestone.files.exists():
            raise DomainError("请填写报告内容或上传材料。", field="report")
        for f in files:
            item = MilestoneFile(milestone=milestone, file_name=f.name.rsplit("/", 1)[-1])
            item.file.save(item.file_name, f, save=False)
            item.save()
        milestone.report = report
        milestone.status = M.SUBMITTED
        milestone.submitted_at = timezone.now()
        milestone.save(update_fields=["report", "status", "submitted_at", "updated_at"])
        record_audit(
            actor=by, action="call_milestone.submitted", obj=milestone, school=application.home_school
        )
    notify(
        _office_users(application.call.owner_school_id),
        title="课题节点材料待审核",
        body=f"“{application.title}”提交了{milestone.get_kind_display()}。",
        url=_app_url(application),
    )
    return milestone


def review_milestone(*, by, milestone: Milestone, passed: bool, note: str = "") -> Milestone:
    """通过 / 需修改 by the issuing office; 结项 通过 concludes the project."""
    application = milestone.application
    _require_office(by, application.call, "审核节点材料")
    note = clean_text(note, label="审核意见", field="note", max_length=500)
    if not passed and not note:
        raise DomainError("需修改时请填写审核意见。", field="note")
    to = M.PASSED if passed else M.REVISE
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
        MILESTONE_STEPS.step(milestone.status, to)
        milestone.status = to
        milestone.review_note = note
        milestone.reviewed_by = by
        milestone.reviewed_at = timezone.now()
        milestone.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at", "updated_at"])
        if passed and milestone.kind == MilestoneKind.FINAL:
            research.change_project_status(by=None, project=application.project, to=ProjectStatus.CONCLUDED)
        record_audit(
            actor=by,
            action="call_milestone.reviewed",
            obj=milestone,
            school=application.call.owner_school,
            after={"status": to, "note": note},
        )
    notify(
        [application.applicant],
        title=f"{milestone.get_kind_display()}审核结果",
        body=f"“{application.title}”：{milestone.get_status_display()}。{note}",
        url=_app_url(application),
    )
    return milestone


def _open_request(model, *, by, of: dict, conflict: str, fields: dict, audit: dict):
    """A new pending 延期申请 / 预算调整 for the thing in ``of`` (one pending at a time), audited
    (``after`` defaults to the request's fields)."""
    with transaction.atomic():
        if model.objects.filter(status=RequestStatus.PENDING, **of).exists():
            raise ConflictError(conflict)
        item = model.objects.create(requested_by=by, **of, **fields)
        record_audit(actor=by, **{"after": fields, **audit})
    return item


def _lock_pending(model, item, done: str):
    """The request row, locked; refused with ``done`` once decided (inside a transaction)."""
    item = model.objects.select_for_update().get(pk=item.pk)
    if item.status != RequestStatus.PENDING:
        raise ConflictError(done)
    return item


def _decide(item, *, by, approve: bool) -> None:
    item.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    item.decided_by = by
    item.decided_at = timezone.now()
    item.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])


def request_extension(*, by, milestone: Milestone, new_due_on, reason: str) -> ExtensionRequest:
    application = milestone.application
    _granted(application)
    if not rules.can_lead(by, application):
        raise PermissionDeniedError("只有课题负责人可以申请延期。")
    reason = clean_text(reason, label="延期理由", field="reason", max_length=500, required=True)
    if not isinstance(new_due_on, date):
        raise DomainError("请填写申请延至的日期。", field="new_due_on")
    if new_due_on <= milestone.due_on:
        raise DomainError(f"申请延至的日期须晚于原截止日期 {milestone.due_on:%Y-%m-%d}。", field="new_due_on")
    if milestone.status == M.PASSED:
        raise ConflictError("该节点已通过，无需延期。")
    item = _open_request(
        ExtensionRequest,
        by=by,
        of={"milestone": milestone},
        conflict="该节点已有待审批的延期申请。",
        fields={"new_due_on": new_due_on, "reason": reason},
        audit={"action": "call_extension.requested", "obj": milestone, "school": application.home_school},
    )
    notify(
        _office_users(application.call.owner_school_id),
        title="课题延期申请",
        body=f"“{application.title}”申请{milestone.get_kind_display()}延期至 {new_due_on:%Y-%m-%d}。",
        url=_app_url(application),
    )
    return item


def decide_extension(*, by, extension: ExtensionRequest, approve: bool) -> ExtensionRequest:
    milestone = extension.milestone
    application = milestone.application
    _require_office(by, application.call, "审批延期申请")
    with transaction.atomic():
        extension = _lock_pending(ExtensionRequest, extension, "该延期申请已处理。")
        _decide(extension, by=by, approve=approve)
        if approve:
            Milestone.objects.filter(pk=milestone.pk).update(due_on=extension.new_due_on, reminded_at=None)
        record_audit(
            actor=by,
            action="call_extension.decided",
            obj=milestone,
            school=application.call.owner_school,
            after={"status": extension.status},
        )
    notify(
        [application.applicant],
        title="延期申请结果",
        body=f"“{application.title}”{milestone.get_kind_display()}延期：{extension.get_status_display()}。",
        url=_app_url(application),
    )
    return extension


def remind_due_milestones(*, today: date | None = None, within_days: int = 7) -> int:
    """Notify teams of open milestones due within ``within_days`` or overdue (once every three days)."""
    today = today or timezone.localdate()
    now = timezone.now()
    due = list(
        Milestone.objects.filter(
            status__in=[M.PENDING, M.REVISE],
            due_on__lte=today + timedelta(days=within_days),
            application__project__status__in=[ProjectStatus.APPROVED, ProjectStatus.ONGOING],
        )
        .exclude(reminded_at__gt=now - timedelta(days=3))
        .select_related("application__applicant")
    )
    with transaction.atomic():
        for m in due:
            late = m.due_on < today
            notify(
                [m.application.applicant],
                title=f"课题{m.get_kind_display()}{'已逾期' if late else '即将到期'}",
                body=f"“{m.application.title}”的{m.get_kind_display()}截止日期为 {m.due_on:%Y-%m-%d}。",
                url=_app_url(m.application),
            )
        Milestone.objects.filter(pk__in=[m.pk for m in due]).update(reminded_at=now)
    return len(due)


# -- budget -----------------------------------------------------------------------------------


def record_expense(
    *, by, application: Application, line: BudgetLine, spent_on, amount, note: str = ""
) -> Expense:
    """A spending entry on a budget line — never above the line's (approved) budget."""
    _granted(application)
    if not (rules.can_lead(by, application) or rules.is_home_office(by, application)):
        raise PermissionDeniedError("只有课题负责人或所在单位科研部门可以登记经费支出。")
    if line.application_id != application.pk:
        raise DomainError("预算科目不属于该课题。", field="line")
    amount = _clean_money(amount, "支出金额（万元）", "amount")
    if amount <= 0:
        raise DomainError("支出金额须大于 0。", field="amount")
    if not isinstance(spent_on, date):
        raise DomainError("请填写支出日期。", field="spent_on")
    if spent_on > timezone.localdate():
        raise DomainError("支出日期不能晚于今天。", field="spent_on")
    note = clean_text(note, label="摘要", field="note", max_length=200)
    with transaction.atomic():
        project = ResearchProject.objects.get(pk=application.project_id)
        if project.status not in (ProjectStatus.APPROVED, ProjectStatus.ONGOING):
            raise ConflictError(f"课题当前为“{project.get_status_display()}”，不能登记支出。")
        taken = BudgetLine.objects.filter(pk=line.pk, spent__lte=F("amount") - amount).update(
            spent=F("spent") + amount
        )
        if not taken:
            line.refresh_from_db()
            raise ConflictError(
                f"“{line.get_category_display()}”预算 {line.amount} 万元，已支出 {line.spent} 万元，"
                f"本次 {amount} 万元将超出预算；请先申请预算调整。",
                field="amount",
                code="line_exceeded",
            )
        spent = BudgetLine.objects.filter(application=application).aggregate(s=Sum("spent"))["s"] or 0
        if spent > application.granted_amount:
            raise ConflictError(f"支出合计将超过立项经费 {application.granted_amount} 万元。", field="amount")
        expense = Expense.objects.create(
            application=application, line=line, spent_on=spent_on, amount=amount, note=note, recorded_by=by
        )
        _audit(
            by,
            application,
            "call_expense.recorded",
            {"line": line.pk, "amount": amount, "spent_on": spent_on},
        )
    return expense


def request_adjustment(*, by, line: BudgetLine, new_amount, reason: str) -> BudgetAdjustment:
    application = line.application
    _granted(application)
    if not rules.can_lead(by, application):
        raise PermissionDeniedError("只有课题负责人可以申请预算调整。")
    new_amount = _clean_money(new_amount, "调整后预算（万元）", "new_amount")
    reason = clean_text(reason, label="调整理由", field="reason", max_length=500, required=True)
    if new_amount < line.spent:
        raise DomainError(f"调整后预算不能低于已支出的 {line.spent} 万元。", field="new_amount")
    return _open_request(
        BudgetAdjustment,
        by=by,
        of={"line": line},
        conflict="该科目已有待审批的预算调整。",
        fields={"new_amount": new_amount, "reason": reason},
        audit={
            "action": "call_budget.adjustment_requested",
            "obj": application,
            "school": application.home_school,
            "after": {"line": line.pk, "new_amount": new_amount},
        },
    )


def decide_adjustment(*, by, adjustment: BudgetAdjustment, approve: bool) -> BudgetAdjustment:
    line = adjustment.line
    application = line.application
    _require_office(by, application.call, "审批预算调整")
    with transaction.atomic():
        adjustment = _lock_pending(BudgetAdjustment, adjustment, "该预算调整已处理。")
        if approve:
            lines = {
                ln.pk: ln for ln in BudgetLine.objects.select_for_update().filter(application=application)
            }
            line = lines[line.pk]
            others = sum((ln.amount for pk, ln in lines.items() if pk != line.pk), Decimal("0"))
            if others + adjustment.new_amount > application.granted_amount:
                raise ConflictError(
                    f"调整后预算合计 {others + adjustment.new_amount} 万元将超过立项经费 {application.granted_amount} 万元。"
                )
            if adjustment.new_amount < line.spent:
                raise ConflictError(f"调整后预算不能低于已支出的 {line.spent} 万元。")
            line.amount = adjustment.new_amount
            line.save(update_fields=["amount"])
        _decide(adjustment, by=by, approve=approve)
        _audit(
            by,
            application,
            "call_budget.adjustment_decided",
            {"status": adjustment.status},
            school=application.call.owner_school,
        )
    return adjustment


# -- outputs and 批示 --------------------------------------------------------------------------


def record_report(
    *,
    by,
    application: Application,
    kind: str,
    title: str,
    published_on,
    submitted_level: str = "",
    submitted_to: str = "",
    abstract: str = "",
    file=None,
    scope: str = SharingScope.NETWORK,
) -> ResearchOutput:
    """An output of a call project (论文/咨政报告/著作/研究报告) in the research bank; a 咨政报告
    also records where it was submitted (报送层级/单位)."""
    _granted(application)
    if not (rules.can_lead(by, application) or rules.is_home_office(by, application)):
        raise PermissionDeniedError("只有课题负责人或所在单位科研部门可以登记课题成果。")
    kind = clean_choice(kind, OutputKind, label="成果类型", field="kind")
    if kind == OutputKind.ADVISORY:
        submitted_level = clean_choice(
            submitted_level, SubmittedLevel, label="报送层级", field="submitted_level"
        )
        submitted_to = clean_text(
            submitted_to, label="报送单位", field="submitted_to", max_length=200, required=True
        )
    project = ResearchProject.objects.get(pk=application.project_id)
    if project.status not in (ProjectStatus.ONGOING, ProjectStatus.CONCLUDED):
        raise ConflictError(f"课题当前为“{project.get_status_display()}”，只有在研或已结项课题可以登记成果。")
    authors = [m.teacher_id for m in application.team.all()]
    with transaction.atomic():
        output = research.create_output(
            by=None,
            school=application.home_school,
            kind=kind,
            title=title,
            published_on=published_on,
            authors=authors,
            project=project,
            file=file,
            abstract=abstract,
            venue=submitted_to,
            scope=scope,
        )
        if kind == OutputKind.ADVISORY:
            AdvisoryReport.objects.create(
                output=output,
                application=application,
                submitted_level=submitted_level,
                submitted_to=submitted_to,
            )
        _audit(by, application, "call_output.recorded", {"output": output.pk, "kind": kind})
    return output


def _application_of_output(output: ResearchOutput) -> Application:
    application = (
        Application.objects.select_related("call__owner_school", "principal")
        .filter(project_id=output.project_id)
        .first()
        if output.project_id
        else None
    )
    if application is None:
        raise DomainError("该成果不属于课题申报批次的立项课题。")
    return application


def record_endorsement(
    *, by, output: ResearchOutput, leader_level: str, endorsed_on, evidence, summary: str = ""
) -> Endorsement:
    """A 批示 of a call project's report, with scanned evidence (required); the issuing office verifies it."""
    application = _application_of_output(output)
    if not (rules.can_lead(by, application) or rules.is_home_office(by, application)):
        raise PermissionDeniedError("只有课题负责人或所在单位科研部门可以登记批示。")
    with transaction.atomic():
        endorsement = research.add_endorsement_for_office(
            by=by,
            output=output,
            verifier_school=application.call.owner_school,
            leader_level=leader_level,
            endorsed_on=endorsed_on,
            evidence=evidence,
            summary=summary,
        )
    notify(
        _office_users(application.call.owner_school_id),
        title="批示待核实",
        body=f"“{output.title}”登记了一条{endorsement.get_leader_level_display()}批示。",
        url=_app_url(application),
    )
    return endorsement


def verify_endorsement(*, by, endorsement: Endorsement) -> Endorsement:
    """核实 — only by the call's issuing office (research checks the same through ``verifier_school``)."""
    application = _application_of_output(endorsement.output)
    if not rules.is_issuing_office(by, application.call):
        raise PermissionDeniedError(f"批示只能由发布单位{application.call.owner_school.name}科研部门核实。")
    return research.verify_endorsement(by=by, endorsement=endorsement)


def set_adoption(*, by, report: AdvisoryReport, adoption: str, note: str = "") -> AdvisoryReport:
    application = report.application
    if not (
        rules.can_lead(by, application)
        or rules.is_home_office(by, application)
        or rules.is_issuing_office(by, application.call)
    ):
        raise PermissionDeniedError("只有课题负责人或科研部门可以登记采纳转化情况。")
    adoption = clean_choice(adoption, AdoptionStatus, label="采纳转化", field="adoption")
    note = clean_text(note, label="采纳转化说明", field="adoption_note", max_length=500)
    with transaction.atomic():
        report = AdvisoryReport.objects.select_for_update().get(pk=report.pk)
        report.adoption, report.adoption_note = adoption, note
        report.save(update_fields=["adoption", "adoption_note", "updated_at"])
        _audit(by, application, "call_output.adoption_set", {"adoption": adoption})
    return report


# -- discussion and events --------------------------------------------------------------------


def post_comment(*, by, call: ResearchCall, body: str, application: Application | None = None) -> Comment:
    """A discussion post; the caller fetched ``call`` / ``application`` through the viewer's selectors."""
    body = clean_text(body, label="内容", field="body", max_length=2000, required=True, multiline=True)
    if application is not None and application.call_id != call.pk:
        raise DomainError("课题不属于该批次。")
    with transaction.atomic():
        comment = Comment.objects.create(call=call, application=application, author=by, body=body)
        record_audit(
            actor=by,
            action="call_comment.posted",
            obj=call,
            school=call.owner_school,
            after={"application": getattr(application, "pk", None)},
        )
    return comment


def add_event(
    *,
    by,
    call: ResearchCall,
    kind: str,
    title: str,
    held_on,
    place: str = "",
    note: str = "",
    application: Application | None = None,
) -> ResearchEvent:
    if application is not None:
        _require_team_lead_or_office(by, application, "安排研究活动")
    else:
        _require_office(by, call, "安排研究活动")
    kind = clean_choice(kind, EventKind, label="活动类型", field="kind")
    title = clean_text(title, label="活动名称", field="title", max_length=200, required=True)
    place = clean_text(place, label="地点", field="place", max_length=120)
    note = clean_text(note, label="说明", field="note", max_length=500)
    if not isinstance(held_on, date):
        raise DomainError("请填写活动日期。", field="held_on")
    with transaction.atomic():
        event = ResearchEvent.objects.create(
            call=call,
            application=application,
            kind=kind,
            title=title,
            held_on=held_on,
            place=place,
            note=note,
            created_by=by,
        )
        record_audit(actor=by, action="call_event.added", obj=event, school=call.owner_school)
    return event


def schedule_event_session(
    *, by, event: ResearchEvent, training_class, start_time, end_time, visiting_seats: int = 20
):
    """Put the event on a class's timetable as an open session (other schools' teachers sign up
    through the open-seat flow of ``classes``). ``classes`` checks that ``by`` runs that class."""
    if event.session_id is not None:
        raise ConflictError("该活动已排入课表。")
    forms = {EventKind.SURVEY: TeachingForm.FIELD, EventKind.SEMINAR: TeachingForm.SEMINAR}
    with transaction.atomic():
        session = add_session(
            by=by,
            training_class=training_class,
            date=event.held_on,
            start_time=start_time,
            end_time=end_time,
            title=f"{event.get_kind_display()}：{event.title}",
            place=event.place,
            form=forms.get(event.kind, TeachingForm.LECTURE),
            is_open=True,
            visiting_seats=visiting_seats,
            lecturer_name="课题组",
        )
        ResearchEvent.objects.filter(pk=event.pk).update(session=session)
        record_audit(
            actor=by,
            action="call_event.scheduled",
            obj=event,
            school=event.call.owner_school,
            after={"session": session.pk},
        )
    event.session = session
    return session


# -- past years' projects (Excel import) ------------------------------------------------------


#: The states a past project may be imported in (在研 / 结项 / 终止).
PAST_STATUSES = (ProjectStatus.ONGOING, ProjectStatus.CONCLUDED, ProjectStatus.TERMINATED)
#: A past call the import creates is open to the issuing school's system, like a new call.
PAST_CALL_SCOPE = SharingScope.SYSTEM
PAST_FIELDS = {
    "school",
    "call_title",
    "year",
    "kind",
    "title",
    "principal",
    "members",
    "granted",
    "status",
    "start_date",
    "end_date",
    "summary",
}


def _past_call(by, school: School, title: str, year: int, kind: str, rows: list[dict], now) -> ResearchCall:
    """The issuing school's call of that title and year, its pool taken by ``rows`` (a conditional
    UPDATE); or a new past call (results published) whose pool is exactly what the rows grant."""
    amounts = [r["granted"] for r in rows]
    total = sum(amounts, Decimal("0"))
    call = ResearchCall.objects.filter(owner_school=school, title=title, year=year).first()
    if call is not None:
        if max(amounts) > call.per_project_cap:
            raise DomainError(
                f"立项经费超过“{title}”的单项资助上限 {call.per_project_cap} 万元。", field="granted"
            )
        taken = ResearchCall.objects.filter(pk=call.pk, granted_total__lte=F("funding_pool") - total).update(
            granted_total=F("granted_total") + total
        )
        if not taken:
            raise ConflictError(f"“{title}”剩余经费不足，不能再立项 {total} 万元。", field="granted")
        return call
    if not 2000 <= year <= 2100:
        raise DomainError("年度应在 2000 到 2100 之间。", field="year")
    kind = clean_choice(kind or CallKind.ANNUAL_KEY, CallKind, label="课题类型", field="kind")
    if kind == CallKind.CUSTOM:
        raise DomainError("往年批次的课题类型不能是“自定义”。", field="kind")
    opens = timezone.make_aware(datetime(year, 1, 1))
    closes = timezone.make_aware(datetime(year, 3, 31, 23, 59, 59))
    call = ResearchCall.objects.create(
        owner_school=school,
        scope=PAST_CALL_SCOPE,
        title=clean_text(title, label="批次名称", field="call_title", max_length=200, required=True),
        kind=kind,
        year=year,
        description="往年批次（由 Excel 导入的立项课题）。",
        funding_pool=total,
        per_project_cap=max(amounts),
        granted_total=total,
        opens_at=opens,
        closes_at=closes,
        published_at=opens,
        results_published_at=min(closes, now),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    record_audit(
        actor=by,
        action="research_call.imported",
        obj=call,
        school=school,
        after={"title": call.title, "year": year, "pool": total, "projects": len(rows)},
    )
    item_changed(call)
    return call


def _past_milestones(application: Application, status: str, start: date, end: date) -> list[Milestone]:
    passed = {
        ProjectStatus.CONCLUDED: set(MILESTONE_ORDER),
        ProjectStatus.ONGOING: {MilestoneKind.PROPOSAL},
        ProjectStatus.TERMINATED: {MilestoneKind.PROPOSAL},
    }[status]
    due = {
        MilestoneKind.PROPOSAL: start + timedelta(days=60),
        MilestoneKind.MIDTERM: start + timedelta(days=180),
    }
    return [
        Milestone(
            application=application,
            kind=kind,
            due_on=min(due.get(kind, end), end),
            status=M.PASSED if kind in passed else M.PENDING,
        )
        for kind in MILESTONE_ORDER
    ]


def import_past_projects(*, by, school: School, rows: list[dict], now=None) -> list[int]:
    """Record past years' granted projects (Excel import), all or nothing.

    A row: ``school`` (the issuing school; else ``school``), ``call_title``, ``year``, ``kind``,
    ``title``, ``principal`` (a Teacher), ``members`` (Teachers, any school), ``granted`` (万元),
    ``status`` (在研 / 结项 / 终止), ``start_date``, ``end_date``, ``summary``. Only the issuing
    school's admin or 科研 staff (or the server's command line) may import. Each row becomes a
    research-bank project (``research.create_projects``: one audit record each, search index) and
    a granted application of its call with its team, one budget line (the grant) and the
    milestones its state implies, audited as ``call_application.imported``; a call not yet there
    is created as a past call with published results. Returns the applications' ids."""
    check_batch_fields(rows, PAST_FIELDS)
    now = _now(now)
    checked = []
    for number, row in enumerate(rows, start=1):
        with numbered(number):
            issuer = row.get("school") or school
            if not is_console(by) and not rules.can_publish_calls(by, issuer):
                raise PermissionDeniedError(f"只有{issuer.name}的管理员或科研人员可以导入往年立项课题。")
            status = clean_choice(row["status"], ProjectStatus, label="状态", field="status")
            if status not in PAST_STATUSES:
                raise DomainError("往年课题的状态只能是在研、结项或终止。", field="status")
            granted = _clean_money(row["granted"], "立项经费（万元）", "granted")
            if granted <= 0:
                raise DomainError("立项经费须大于 0。", field="granted")
            principal = row["principal"]
            if principal is None:
                raise DomainError("请填写课题负责人。", field="principal")
            if not principal.user_id and not getattr(by, "is_authenticated", False):
                raise DomainError(f"负责人{principal.name}没有平台账号，请在网页上导入。", field="principal")
            members = [t for t in dict.fromkeys(row.get("members") or ()) if t.pk != principal.pk]
            if len(members) + 1 > MAX_TEAM:
                raise DomainError(f"课题组最多 {MAX_TEAM} 人。", field="members")
            checked.append(
                {**row, "school": issuer, "status": status, "granted": granted, "members": members}
            )
    groups: dict[tuple, list[dict]] = {}
    for row in checked:
        groups.setdefault((row["school"].pk, row["call_title"], row["year"]), []).append(row)
    ids: list[int] = []
    with transaction.atomic():
        calls = {}
        for key, group in groups.items():
            first = group[0]
            calls[key] = _past_call(
                by, first["school"], first["call_title"], first["year"], first.get("kind", ""), group, now
            )
        project_ids = research.create_projects(
            by=None,  # the issuing office's right was checked above; projects belong to the home schools
            rows=[
                {
                    "school": row["principal"].owner_school,
                    "title": row["title"],
                    "level": _project_level(calls[_key(row)]),
                    "category": _project_category(calls[_key(row)]),
                    "principal_investigator": row["principal"],
                    "members": [(t, MemberRole.CORE) for t in row["members"]],
                    "funding": row["granted"],
                    "summary": (row.get("summary") or "")[:5000],
                    "start_date": row["start_date"],
                    "end_date": row["end_date"],
                    "status": row["status"],
                    "scope": SharingScope.NETWORK,
                }
                for row in checked
            ],
        )
        for row, project_id in zip(checked, project_ids, strict=True):
            call, principal = calls[_key(row)], row["principal"]
            application = Application.objects.create(
                call=call,
                call_school_id=call.owner_school_id,
                applicant_id=principal.user_id or by.pk,
                principal=principal,
                home_school_id=principal.owner_school_id,
                title=row["title"],
                summary=(row.get("summary") or "")[:5000],
                budget_total=row["granted"],
                status=S.GRANTED,
                granted_amount=row["granted"],
                decided_at=now,
                decision_note="往年立项（Excel 导入）",
                project_id=project_id,
            )
            TeamMember.objects.bulk_create(
                [
                    TeamMember(
                        application=application,
                        call=call,
                        teacher=t,
                        role=TeamRole.PRINCIPAL if t.pk == principal.pk else TeamRole.MEMBER,
                        confirmed_at=now,
                    )
                    for t in [principal, *row["members"]]
                ]
            )
            BudgetLine.objects.create(
                application=application,
                category=BudgetCategory.OTHER,
                description="往年立项经费",
                amount=row["granted"],
                position=1,
            )
            Milestone.objects.bulk_create(
                _past_milestones(application, row["status"], row["start_date"], row["end_date"])
            )
            record_audit(
                actor=by,
                action="call_application.imported",
                obj=application,
                school=call.owner_school,
                after={
                    "call": call.pk,
                    "project": project_id,
                    "granted": row["granted"],
                    "status": row["status"],
                    "team": [t.pk for t in row["members"]],
                },
            )
            ids.append(application.pk)
    return ids


def _key(row: dict) -> tuple:
    return (row["school"].pk, row["call_title"], row["year"])


def _project_level(call: ResearchCall) -> str:
    return ProjectLevel.MUNICIPAL if call.owner_school.level == "city" else ProjectLevel.SCHOOL


def _project_category(call: ResearchCall) -> str:
    return {
        CallKind.THINK_TANK: ProjectCategory.THINK_TANK,
        CallKind.PARTY_BASE: ProjectCategory.PARTY_BASE,
    }.get(call.kind, ProjectCategory.OTHER)
