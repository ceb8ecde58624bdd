"""JSON API of 交流协作: requests (inbox, outbox, one request, answers, comments), dispatches
(with the conflict check) and hosted classes (with their live plan). Same services as the pages."""

from django.db.models import Count
from django.utils import timezone
from ninja import Query, Router, Status

from yiwang.accounts.api_auth import SignedIn
from yiwang.classes.models import TrainingClass
from yiwang.core.api_support import PageParams, page_of
from yiwang.core.errors import DomainError, NotFoundError
from yiwang.faculty.selectors import access_teacher
from yiwang.network.models import Alliance, School

from . import rules, selectors, services
from .enums import RequestKind, RequestStatus
from .schemas import (
    CommentIn,
    CommentOut,
    ConflictCheckIn,
    ConflictOut,
    DecisionIn,
    DispatchIn,
    DispatchOut,
    DispatchPage,
    HostingDetailOut,
    HostingIn,
    HostingOut,
    HostingPage,
    RequestDetailOut,
    RequestIn,
    RequestOut,
    RequestPage,
)
from .services import dispatches as dispatch_services
from .services import hosting as hosting_services

PREFIX = "exchanges"
router = Router(tags=["交流协作"], auth=SignedIn())


def _local(value):
    return timezone.localtime(value) if value else None


def _school(code: str, field: str) -> School:
    school = School.objects.filter(code=code, is_active=True).first()
    if school is None:
        raise DomainError("找不到该学校。", field=field)
    return school


def _receiver(payload) -> dict:
    """``to_school`` (a school code) or ``to_alliance`` (an alliance id) of a new request."""
    alliance = None
    if payload.to_alliance:
        alliance = Alliance.objects.filter(pk=payload.to_alliance).first()
        if alliance is None:
            raise DomainError("找不到该联盟。", field="to_alliance")
    school = _school(payload.to_school, "to_school") if payload.to_school else None
    return {"to_school": school, "to_alliance": alliance}


def request_out(r) -> dict:
    return {
        "id": r.pk,
        "kind": r.kind,
        "kind_label": r.get_kind_display(),
        "title": r.title,
        "body": r.body,
        "from_school": r.from_school.code,
        "to_school": r.to_school.code if r.to_school_id else None,
        "to_alliance": r.to_alliance.name if r.to_alliance_id else None,
        "status": r.status,
        "status_label": r.get_status_display(),
        "starts_at": _local(r.starts_at),
        "ends_at": _local(r.ends_at),
        "submitted_at": _local(r.submitted_at),
        "decided_at": _local(r.decided_at),
        "waiting_days": selectors.waiting_days(r),
    }


def _filtered(qs, kind: str, status: str):
    if kind:
        if kind not in RequestKind.values:
            raise DomainError("请求类型无效。", field="kind")
        qs = qs.filter(kind=kind)
    if status:
        if status not in RequestStatus.values:
            raise DomainError("状态无效。", field="status")
        qs = qs.filter(status=status)
    return qs


@router.get("/inbox", response=RequestPage, summary="收到的协作请求")
def inbox(request, paging: Query[PageParams], kind: str = "", status: str = ""):
    return page_of(_filtered(selectors.inbox_of(request.auth), kind, status), paging, request_out)


@router.get("/outbox", response=RequestPage, summary="发出的协作请求")
def outbox(request, paging: Query[PageParams], kind: str = "", status: str = ""):
    return page_of(_filtered(selectors.outbox_of(request.auth), kind, status), paging, request_out)


def request_detail_out(r, viewer) -> dict:
    # Another member of the alliance that a member school took the request from sees it closed only.
    thread = {"comments": [], "events": []} if rules.is_bystander(viewer, r) else selectors.request_thread(r)
    return {
        **request_out(r),
        "comments": [
            {
                "id": c.pk,
                "author": c.author.full_name or c.author.username,
                "school": c.school.code,
                "body": c.body,
                "created_at": _local(c.created_at),
            }
            for c in thread["comments"]
        ],
        "events": [
            {
                "actor": e.actor_name,
                "verb": e.verb,
                "status": e.status,
                "note": e.note,
                "created_at": _local(e.created_at),
            }
            for e in thread["events"]
        ],
    }


@router.get("/requests/{request_id}", response=RequestDetailOut, summary="一条协作请求（留言与办理记录）")
def get_request(request, request_id: int):
    return request_detail_out(selectors.access_request(request.auth, request_id), request.auth)


@router.post("/requests", response={201: RequestOut}, summary="发起其他协作请求")
def create_request(request, payload: RequestIn):
    created = services.open_request(
        by=request.auth,
        kind=RequestKind.GENERAL,
        from_school=_school(payload.from_school, "from_school"),
        **_receiver(payload),
        subject_key="",
        title=payload.title,
        body=payload.body,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
    )
    return Status(201, request_out(selectors.access_request(request.auth, created.pk)))


ANSWERS = {
    "accept": RequestStatus.ACCEPTED,
    "decline": RequestStatus.DECLINED,
    "withdraw": RequestStatus.WITHDRAWN,
    "complete": RequestStatus.COMPLETED,
    "submit": RequestStatus.SUBMITTED,
}


@router.post(
    "/requests/{request_id}/answer/{action}", response=RequestOut, summary="提交、接受、拒绝、撤回或标记完成"
)
def answer_request(request, request_id: int, action: str, payload: DecisionIn):
    req = selectors.access_request(request.auth, request_id)
    to = ANSWERS.get(action)
    if to is None:
        raise NotFoundError()
    by = request.auth
    if to == RequestStatus.ACCEPTED and req.kind == RequestKind.DISPATCH:
        teacher = access_teacher(by, payload.teacher_id) if payload.teacher_id else None
        dispatch_services.accept_dispatch(by=by, dispatch=req.dispatch, teacher=teacher, note=payload.note)
    elif to == RequestStatus.ACCEPTED:
        services.accept_request(by=by, request=req, note=payload.note)
    elif to == RequestStatus.DECLINED:
        services.decline_request(by=by, request=req, note=payload.note)
    elif to == RequestStatus.WITHDRAWN:
        services.withdraw_request(by=by, request=req, note=payload.note)
    elif to == RequestStatus.COMPLETED:
        services.complete_request(by=by, request=req, note=payload.note)
    else:
        services.submit_request(by=by, request=req)
    return request_out(selectors.access_request(by, request_id))


@router.post("/requests/{request_id}/comments", response={201: CommentOut}, summary="留言")
def comment(request, request_id: int, payload: CommentIn):
    req = selectors.access_request(request.auth, request_id)
    c = services.comment_on_request(by=request.auth, request=req, body=payload.body)
    return Status(
        201,
        {
            "id": c.pk,
            "author": c.author.full_name or c.author.username,
            "school": c.school.code,
            "body": c.body,
            "created_at": _local(c.created_at),
        },
    )


# ---- dispatches ------------------------------------------------------------------------------------


def dispatch_out(d) -> dict:
    return {
        "id": d.pk,
        "request_id": d.request_id,
        "status": d.request.status,
        "from_school": d.request.from_school.code,
        "to_school": d.request.to_school.code if d.request.to_school_id else None,
        "to_alliance": d.request.to_alliance.name if d.request.to_alliance_id else None,
        "teacher_id": d.teacher_id,
        "teacher_name": d.teacher.name if d.teacher_id else None,
        "need": d.need,
        "topic_title": d.topic_title,
        "starts_at": _local(d.starts_at),
        "ends_at": _local(d.ends_at),
        "place": d.place,
        "city": d.city,
        "session_id": d.session_id,
        "teacher_confirmed": d.teacher_confirmed_at is not None,
    }


@router.get("/dispatches", response=DispatchPage, summary="师资互派列表")
def list_dispatches(request, paging: Query[PageParams], status: str = ""):
    if status and status not in RequestStatus.values:
        raise DomainError("状态无效。", field="status")
    return page_of(selectors.dispatches_visible_to(request.auth, status=status), paging, dispatch_out)


@router.get("/dispatches/{dispatch_id}", response=DispatchOut, summary="一条师资互派")
def get_dispatch(request, dispatch_id: int):
    return dispatch_out(selectors.access_dispatch(request.auth, dispatch_id))


@router.post("/conflicts", response=list[ConflictOut], summary="发送前检查教师冲突")
def check_conflicts(request, payload: ConflictCheckIn):
    teacher = access_teacher(request.auth, payload.teacher_id)
    school = _school(payload.school, "school")
    found = selectors.teacher_conflicts(
        teacher, payload.starts_at, payload.ends_at, city=school.city, province=school.province
    )
    return [{"kind": c.kind, "message": c.message} for c in found]


@router.post("/dispatches", response={201: DispatchOut}, summary="请求师资（师资互派）")
def create_dispatch(request, payload: DispatchIn):
    from_school = _school(payload.from_school, "from_school")
    training_class = TrainingClass.objects.filter(pk=payload.class_id, owner_school=from_school).first()
    if training_class is None:
        raise DomainError("找不到本校的该班次。", field="class_id")
    teacher = access_teacher(request.auth, payload.teacher_id) if payload.teacher_id else None
    dispatch = dispatch_services.open_dispatch(
        by=request.auth,
        from_school=from_school,
        **_receiver(payload),
        teacher=teacher,
        need=payload.need,
        topic_title=payload.topic_title,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        place=payload.place,
        training_class=training_class,
        body=payload.body,
    )
    return Status(201, dispatch_out(selectors.access_dispatch(request.auth, dispatch.pk)))


@router.post("/dispatches/{dispatch_id}/confirm", response=DispatchOut, summary="教师确认派出安排")
def confirm_dispatch(request, dispatch_id: int):
    dispatch = selectors.access_dispatch(request.auth, dispatch_id)
    dispatch_services.confirm_dispatch(by=request.auth, dispatch=dispatch)
    return dispatch_out(selectors.access_dispatch(request.auth, dispatch_id))


# ---- hosted classes --------------------------------------------------------------------------------


def hosting_out(h, trainees: int | None = None) -> dict:
    return {
        "id": h.pk,
        "request_id": h.request_id,
        "kind": h.request.kind,
        "status": h.request.status,
        "title": h.request.title,
        "guest_school": h.guest_school.code,
        "host_school": h.host_school.code if h.host_school_id else None,
        "to_alliance": h.request.to_alliance.name if h.request.to_alliance_id else None,
        "start_date": h.start_date,
        "end_date": h.end_date,
        "planned_trainees": h.planned_trainees,
        "class_id": h.training_class_id,
        "class_status": h.training_class.status if h.training_class_id else None,
        "trainees": trainees if trainees is not None else getattr(h, "trainee_count", 0),
    }


@router.get("/hosted", response=HostingPage, summary="培训互接 / 班次互派列表")
def list_hostings(request, paging: Query[PageParams], role: str = ""):
    qs = selectors.hostings_visible_to(request.auth, role=role).annotate(trainee_count=Count("trainees"))
    return page_of(qs, paging, hosting_out)


@router.get("/hosted/{hosting_id}", response=HostingDetailOut, summary="承办班次与实时课程表")
def get_hosting(request, hosting_id: int):
    h = selectors.access_hosting(request.auth, hosting_id)
    plan = [
        {
            "id": s.pk,
            "date": s.date,
            "starts_at": _local(s.starts_at),
            "ends_at": _local(s.ends_at),
            "title": s.title,
            "form": s.form,
            "form_label": s.get_form_display(),
            "lecturer": s.lecturer,
            "place": s.place,
            "credit_hours": float(s.credit_hours),
            "is_cancelled": s.is_cancelled,
        }
        for s in selectors.hosted_plan(h)
    ]
    return {**hosting_out(h, h.trainees.count()), "plan": plan}


@router.post("/hosted", response={201: HostingOut}, summary="委托承办培训")
def create_hosting(request, payload: HostingIn):
    h = hosting_services.open_hosting(
        by=request.auth,
        from_school=_school(payload.from_school, "from_school"),
        **_receiver(payload),
        kind=payload.kind,
        title=payload.title,
        class_kind=payload.class_kind,
        start_date=payload.start_date,
        end_date=payload.end_date,
        planned_trainees=payload.planned_trainees,
        body=payload.body,
    )
    return Status(201, hosting_out(selectors.access_hosting(request.auth, h.pk), 0))
