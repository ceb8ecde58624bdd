"""JSON API of 共研一个题: calls, applications (only for those who may see them), reviews (reviewer
names only for the issuing office), milestones, spending, 批示, the ranking and the counts."""

from typing import Literal

from django.utils import timezone
from ninja import Query, Router, Schema

from yiwang.accounts.api_auth import SignedIn
from yiwang.core.api_support import Id, PageParams, Year, page_of
from yiwang.core.errors import NotFoundError
from yiwang.research.selectors import access_endorsement

from . import rules, selectors, services
from .enums import CallPhase
from .models import Expense, Milestone
from .schemas import (
    ApplicationDetailOut,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    CallOut,
    CallPage,
    CountsOut,
    EndorsementOut,
    ExpenseIn,
    ExpenseOut,
    MilestoneOut,
    RankingRowOut,
    ReviewSummaryOut,
    ScoresIn,
    SheetOut,
)

PREFIX = "calls"
router = Router(tags=["共研一个题"])


def local(value):
    return timezone.localtime(value) if value else None


def call_out(c, *, detail: bool = False) -> dict:
    phase = selectors.call_phase(c)
    return {
        "id": c.pk,
        "title": c.title,
        "kind": c.kind,
        "kind_label": c.kind_display,
        "year": c.year,
        "school_code": c.owner_school.code,
        "school_name": c.owner_school.name,
        "scope": c.scope,
        "funding_pool": c.funding_pool,
        "per_project_cap": c.per_project_cap,
        "opens_at": local(c.opens_at),
        "closes_at": local(c.closes_at),
        "phase": phase,
        "phase_label": CallPhase(phase).label,
        "required_attachments": c.required_attachments,
        "guide_topics": [{"id": t.pk, "title": t.title} for t in c.guide_topics.all()] if detail else [],
    }


def application_out(a) -> dict:
    return {
        "id": a.pk,
        "call_id": a.call_id,
        "title": a.title,
        "guide_topic": a.guide_topic.title if a.guide_topic_id else None,
        "home_school_code": a.home_school.code,
        "principal": a.principal.name,
        "status": a.status,
        "status_label": a.get_status_display(),
        "budget_total": a.budget_total,
        "granted_amount": a.granted_amount,
        "project_id": a.project_id,
        "submitted_at": local(a.submitted_at),
    }


def application_detail(a) -> dict:
    return {
        **application_out(a),
        "summary": a.summary,
        "rationale": a.rationale,
        "plan": a.plan,
        "expected_outputs": a.expected_outputs,
        "team": [
            {
                "teacher_id": m.teacher_id,
                "name": m.teacher.name,
                "school_code": m.teacher.owner_school.code,
                "role": m.role,
                "confirmed": m.confirmed_at is not None,
            }
            for m in a.team.all()
        ],
        "budget_lines": [
            {
                "id": ln.pk,
                "category": ln.category,
                "category_label": ln.get_category_display(),
                "description": ln.description,
                "amount": ln.amount,
                "spent": ln.spent,
            }
            for ln in a.budget_lines.all()
        ],
    }


class CallFilters(Schema):
    year: Year | None = None
    phase: Literal["", "draft", "upcoming", "open", "closed", "announced"] = ""
    q: str = ""


@router.get("/calls", response=CallPage, summary="申报批次（按申报范围可见）")
def list_calls(request, filters: Query[CallFilters], paging: Query[PageParams]):
    return page_of(selectors.calls_visible_to(request.auth, **filters.dict()), paging, call_out)


@router.get("/calls/{call_id}", response=CallOut, summary="申报批次详情与课题指南")
def get_call(request, call_id: Id):
    return call_out(selectors.access_call(request.auth, call_id), detail=True)


class ApplicationFilters(Schema):
    call: Id | None = None
    status: str = ""
    year: Year | None = None


@router.get(
    "/applications",
    response=ApplicationPage,
    auth=SignedIn(),
    summary="申报书（课题组、所在单位和发布单位可见）",
)
def list_applications(request, filters: Query[ApplicationFilters], paging: Query[PageParams]):
    qs = selectors.applications_visible_to(request.auth, **filters.dict(exclude_none=True))
    return page_of(qs, paging, application_out)


@router.get(
    "/applications/{application_id}", response=ApplicationDetailOut, auth=SignedIn(), summary="申报书详情"
)
def get_application(request, application_id: Id):
    return application_detail(selectors.access_application(request.auth, application_id))


@router.post(
    "/calls/{call_id}/applications",
    response={201: ApplicationDetailOut},
    auth=SignedIn(),
    summary="申报（保存草稿）",
)
def create_application(request, call_id: Id, payload: ApplicationIn):
    call = selectors.access_call(request.auth, call_id)
    data = payload.dict()
    data["budget_lines"] = [dict(line) for line in data["budget_lines"]]
    app = services.create_application(by=request.auth, call=call, **data)
    return 201, application_detail(selectors.access_application(request.auth, app.pk))


@router.post(
    "/applications/{application_id}/submit", response=ApplicationOut, auth=SignedIn(), summary="提交申报书"
)
def submit_application(request, application_id: Id):
    app = selectors.access_application(request.auth, application_id)
    services.submit_application(by=request.auth, application=app)
    return application_out(selectors.access_application(request.auth, application_id))


@router.get(
    "/applications/{application_id}/reviews",
    response=ReviewSummaryOut,
    auth=SignedIn(),
    summary="评审汇总（发布单位）",
)
def application_reviews(request, application_id: Id):
    app = selectors.access_application(request.auth, application_id)
    if not rules.is_issuing_office(request.auth, app.call):
        raise NotFoundError()
    sheets = selectors.sheets_by_application([app.pk]).get(app.pk, [])
    summary = selectors.summarise(sheets)
    return {
        "submitted": summary.submitted,
        "assigned": summary.assigned,
        "average": summary.average,
        "spread": summary.spread,
        "stdev": summary.stdev,
        "sheets": [
            {
                "id": s.pk,
                "application_id": app.pk,
                "reviewer": s.reviewer_name,
                "status": s.status,
                "total": s.total,
                "submitted_at": local(s.submitted_at),
            }
            for s in sheets
        ],
    }


@router.get("/reviews/mine", response=list[SheetOut], auth=SignedIn(), summary="我的评审任务")
def my_reviews(request):
    return [
        {
            "id": s.pk,
            "application_id": s.subject_id,
            "reviewer": None,
            "status": s.status,
            "total": s.total,
            "submitted_at": local(s.submitted_at),
        }
        for s in selectors.my_review_sheets(request.auth)[:500]
    ]


@router.post("/reviews/{sheet_id}", response=SheetOut, auth=SignedIn(), summary="提交评审表")
def submit_review(request, sheet_id: Id, payload: ScoresIn):
    sheet = selectors.access_sheet_of_reviewer(request.auth, sheet_id)
    sheet = services.submit_review(
        by=request.auth,
        sheet=sheet,
        scores=payload.scores,
        comments=payload.comments,
        comment=payload.comment,
    )
    return {
        "id": sheet.pk,
        "application_id": sheet.subject_id,
        "reviewer": None,
        "status": sheet.status,
        "total": sheet.total,
        "submitted_at": local(sheet.submitted_at),
    }


@router.get(
    "/applications/{application_id}/milestones",
    response=list[MilestoneOut],
    auth=SignedIn(),
    summary="课题节点",
)
def milestones(request, application_id: Id):
    app = selectors.access_application(request.auth, application_id)
    return [
        {
            "id": m.pk,
            "kind": m.kind,
            "kind_label": m.get_kind_display(),
            "due_on": m.due_on,
            "status": m.status,
            "status_label": m.get_status_display(),
            "submitted_at": local(m.submitted_at),
        }
        for m in Milestone.objects.filter(application=app).order_by("due_on", "id")
    ]


def expense_out(x) -> dict:
    return {"id": x.pk, "line_id": x.line_id, "spent_on": x.spent_on, "amount": x.amount, "note": x.note}


@router.get(
    "/applications/{application_id}/expenses", response=list[ExpenseOut], auth=SignedIn(), summary="经费支出"
)
def expenses(request, application_id: Id):
    app = selectors.access_application(request.auth, application_id)
    return [
        expense_out(x) for x in Expense.objects.filter(application=app).order_by("-spent_on", "-id")[:1000]
    ]


@router.post(
    "/applications/{application_id}/expenses",
    response={201: ExpenseOut},
    auth=SignedIn(),
    summary="登记经费支出",
)
def add_expense(request, application_id: Id, payload: ExpenseIn):
    app = selectors.access_application(request.auth, application_id)
    line = app.budget_lines.filter(pk=payload.line).first()
    if line is None:
        raise NotFoundError("预算科目不存在。")
    x = services.record_expense(
        by=request.auth,
        application=app,
        line=line,
        spent_on=payload.spent_on,
        amount=payload.amount,
        note=payload.note,
    )
    return 201, expense_out(x)


def endorsement_out(e) -> dict:
    return {
        "id": e.pk,
        "output_id": e.output_id,
        "output_title": e.output.title,
        "leader_level": e.leader_level,
        "leader_level_label": e.get_leader_level_display(),
        "endorsed_on": e.endorsed_on,
        "verified": e.verified_at is not None,
    }


@router.get(
    "/applications/{application_id}/endorsements",
    response=list[EndorsementOut],
    auth=SignedIn(),
    summary="课题成果的批示",
)
def endorsements(request, application_id: Id):
    app = selectors.access_application(request.auth, application_id)
    return [
        endorsement_out(e)
        for o in selectors.application_reports(request.auth, app)
        for e in o.endorsements.all()
    ]


@router.post(
    "/endorsements/{endorsement_id}/verify",
    response=EndorsementOut,
    auth=SignedIn(),
    summary="核实批示（发布单位）",
)
def verify(request, endorsement_id: Id):
    e = access_endorsement(request.auth, endorsement_id)
    services.verify_endorsement(by=request.auth, endorsement=e)
    return endorsement_out(access_endorsement(request.auth, endorsement_id))


class RankingFilters(Schema):
    by: Literal["school", "teacher", "call"] = "school"
    year: Year | None = None


@router.get("/ranking", response=list[RankingRowOut], summary="咨政报告批示排行（只统计可见的报告）")
def ranking(request, filters: Query[RankingFilters]):
    return selectors.report_ranking(request.auth, by=filters.by, year=filters.year)


@router.get("/counts", response=CountsOut, summary="统计数（驾驶舱用，按可见范围）")
def counts(request, year: Year | None = None):
    return selectors.calls_counts(request.auth, year=year)
