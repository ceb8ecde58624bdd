"""Writing requests between schools: one function per state change.

    草稿 ─submit→ 已提交 ─accept→ 已接受 ─complete→ 已完成
                     ├─decline→ 已拒绝
                     └─withdraw→ 已撤回   (草稿 and 已接受 cannot be withdrawn… see REQUEST_STEPS)

Each kind's own app registers a ``KindHandler`` (in its ``AppConfig.ready``) whose hooks run inside
the same locked transaction: ``on_submit`` checks before sending (e.g. a dispatch conflict),
``on_accept`` does the kind's work (create the session, approve the booking — and may refuse, which
rolls the acceptance back), ``on_close`` undoes holds when a request is declined or withdrawn.
"""

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.activity.services import notify, record_audit
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.core.transitions import TransitionTable
from yiwang.core.validators import check_upload
from yiwang.network.context import STAFF_FLAGS
from yiwang.network.models import AllianceMembership, Membership, School
from yiwang.network.rules import staff_school_ids

from ..enums import TAKEN_STATUSES, RequestKind, RequestStatus
from ..models import Request, RequestAttachment, RequestComment, RequestEvent
from ..rules import (
    answering_alliance_ids,
    answering_member_school_ids,
    can_act_as_sender,
    can_answer,
    can_send_for,
)

REQUEST_STEPS = TransitionTable(
    RequestStatus,
    {
        RequestStatus.DRAFT: {
            RequestStatus.SUBMITTED: ("sender", "提交"),
            RequestStatus.WITHDRAWN: ("sender", "撤回"),
        },
        RequestStatus.SUBMITTED: {
            RequestStatus.ACCEPTED: ("receiver", "接受"),
            RequestStatus.DECLINED: ("receiver", "拒绝"),
            RequestStatus.WITHDRAWN: ("sender", "撤回"),
        },
        RequestStatus.ACCEPTED: {RequestStatus.COMPLETED: ("either", "标记完成")},
    },
    noun="该请求",
)


@dataclass
class KindHandler:
    on_submit: Callable[[Request], None] | None = None
    on_accept: Callable[[Request, object], None] | None = None
    on_close: Callable[[Request, object], None] | None = None
    on_complete: Callable[[Request, object], None] | None = None
    url: Callable[[Request], str] | None = None


MAX_ATTACHMENTS = 10

_HANDLERS: dict[str, KindHandler] = {}


def register_kind(kind: str, handler: KindHandler) -> None:
    if kind not in RequestKind.values:
        raise ValueError(kind)
    _HANDLERS[kind] = handler


def handler_of(kind: str) -> KindHandler:
    return _HANDLERS.get(kind, KindHandler())


def request_url(request: Request) -> str:
    handler = handler_of(request.kind)
    if handler.url:
        return handler.url(request)
    return reverse("exchanges:request_detail", args=[request.pk])


def _name(user) -> str:
    return (getattr(user, "full_name", "") or getattr(user, "username", "")) if user else "系统"


def _event(request: Request, by, verb: str, note: str = "") -> None:
    RequestEvent.objects.create(
        request=request,
        actor=by if getattr(by, "pk", None) else None,
        actor_name=_name(by),
        verb=verb,
        status=request.status,
        note=note[:500],
    )


def receiving_staff(request: Request):
    """The people who answer a request (staff of the receiving school, or of the alliance's other members)."""
    if request.to_school_id:
        school_ids = [request.to_school_id]
    else:
        school_ids = list(
            AllianceMembership.objects.filter(alliance_id=request.to_alliance_id)
            .exclude(school_id=request.from_school_id)
            .values_list("school_id", flat=True)
        )
    members = Membership.objects.filter(school_id__in=school_ids, is_active=True)
    cond = Q()
    for flag in STAFF_FLAGS:
        cond |= Q(**{flag: True})
    return list(User.objects.filter(pk__in=members.filter(cond).values("user_id"), is_active=True).distinct())


def sending_staff(request: Request):
    members = Membership.objects.filter(school_id=request.from_school_id, is_active=True)
    cond = Q()
    for flag in STAFF_FLAGS:
        cond |= Q(**{flag: True})
    return list(User.objects.filter(pk__in=members.filter(cond).values("user_id"), is_active=True).distinct())


def open_request(
    *,
    by,
    kind: str,
    from_school,
    subject_key: str,
    title: str,
    to_school=None,
    to_alliance=None,
    body: str = "",
    starts_at=None,
    ends_at=None,
    submit: bool = True,
) -> Request:
    """Create a request (as a draft, or submitted at once). Call inside the kind app's transaction
    when the kind has its own row; ``on_submit`` runs when it is submitted."""
    if kind not in RequestKind.values:
        raise DomainError("请求类型无效。", field="kind")
    if not can_send_for(by, from_school):
        raise PermissionDeniedError("只有本校管理员或教务、培训、科研部门人员可以代表学校发起请求。")
    if (to_school is None) == (to_alliance is None):
        raise DomainError("请选择一所接收学校或一个联盟。", field="to_school")
    if to_school is not None and to_school.pk == from_school.pk:
        raise DomainError("不能向本校发起请求。", field="to_school")
    if (
        to_alliance is not None
        and not AllianceMembership.objects.filter(alliance=to_alliance, school=from_school).exists()
    ):
        raise PermissionDeniedError("只有联盟成员学校可以向联盟发起请求。")
    title = (title or "").strip()
    if not title:
        raise DomainError("请填写事项。", field="title")
    if len(title) > 200:
        raise DomainError("事项不能超过 200 字。", field="title")
    if len(body or "") > 5000:
        raise DomainError("具体需求不能超过 5000 字。", field="body")
    # A request about nothing in particular is its own subject (the pending-once rule then never bites).
    subject_key = (subject_key or "").strip() or f"request:{uuid.uuid4().hex}"
    if starts_at and ends_at and ends_at <= starts_at:
        raise DomainError("结束时间须晚于开始时间。", field="ends_at")
    try:
        with transaction.atomic():
            request = Request.objects.create(
                kind=kind,
                from_school=from_school,
                to_school=to_school,
                to_alliance=to_alliance,
                subject_key=subject_key[:120],
                title=title[:200],
                body=(body or "").strip()[:5000],
                starts_at=starts_at,
                ends_at=ends_at,
                created_by=by,
                status=RequestStatus.DRAFT,
            )
            _event(request, by, "创建")
            record_audit(
                actor=by,
                action="request.created",
                obj=request,
                school=from_school,
                after={"kind": kind, "title": request.title},
            )
            if submit:
                _submit(request, by)
    except IntegrityError:
        raise ConflictError("本校已有一条同类、同一事项的请求正在等待答复，请勿重复提交。") from None
    return request


def _submit(request: Request, by) -> None:
    handler = handler_of(request.kind)
    if handler.on_submit:
        handler.on_submit(request)
    with transaction.atomic():  # savepoint: the pending-once constraint fails here, not later
        request.status = RequestStatus.SUBMITTED
        request.submitted_at = timezone.now()
        request.save(update_fields=["status", "submitted_at", "updated_at"])
    _event(request, by, "提交")
    record_audit(actor=by, action="request.submitted", obj=request, school=request.from_school)
    recipients = receiving_staff(request)
    notify(
        recipients,
        title=f"收到协作请求：{request.title}",
        body=f"{request.from_school.name}发来{request.get_kind_display()}请求。",
        url=request_url(request),
    )


def submit_request(*, by, request: Request) -> Request:
    try:
        with transaction.atomic():
            request = (
                Request.objects.select_for_update(of=("self",))
                .select_related("from_school")
                .get(pk=request.pk)
            )
            if not can_act_as_sender(by, request):
                raise PermissionDeniedError("只有发起学校的人员可以提交该请求。")
            REQUEST_STEPS.step(request.status, RequestStatus.SUBMITTED)
            _submit(request, by)
    except IntegrityError:
        raise ConflictError("本校已有一条同类、同一事项的请求正在等待答复，请勿重复提交。") from None
    return request


def _taking_school(by, request: Request, as_school=None) -> School:
    """The member school on whose behalf ``by`` accepts a request open to an alliance: ``as_school``
    when given (e.g. the dispatched teacher's school), else the user's only answering member school
    (the first by code when the user is staff of several)."""
    candidates = School.objects.filter(pk__in=answering_member_school_ids(by, request)).order_by("code")
    if as_school is not None:
        candidates = candidates.filter(pk=getattr(as_school, "pk", as_school))
    school = candidates.first()
    if school is None:
        raise PermissionDeniedError("只有联盟其他成员学校的人员可以接受该请求。")
    return school


def _refuse_alliance_steps(request: Request, to: str) -> None:
    """What a request to an alliance refuses: a second acceptance (the first member school to
    accept takes it), and a decline by one member (the others may still take it)."""
    if request.to_alliance_id is None:
        return
    if to == RequestStatus.ACCEPTED and request.status in TAKEN_STATUSES:
        who = request.to_school.name if request.to_school_id else "其他成员学校"
        raise ConflictError(f"该请求已由{who}接受，无需再处理。", code="already_taken")
    if to == RequestStatus.DECLINED and request.is_open_to_alliance:
        raise ConflictError(
            "面向联盟的请求不由单个成员学校拒绝：本校不承接时无需操作，其他成员学校仍可接受，"
            "发起学校也可撤回。",
            code="alliance_decline",
        )


def lock_request(pk: int) -> Request:
    """The request row, locked until the transaction ends: decisions on one request run one at a
    time, so of several member schools accepting a request open to an alliance at once the first
    takes it and the others read it taken (tests/exchanges/test_exchanges_concurrency.py).
    ``to_school`` is not joined: a waiter is handed the taker's new row, but PostgreSQL keeps the
    outer-joined school it read before the wait (none), so a joined ``to_school`` would be stale."""
    return (
        Request.objects.select_for_update(of=("self",))
        .select_related("from_school", "to_alliance")
        .get(pk=pk)
    )


def _decide(*, by, request: Request, to: str, note: str, hook: str, action: str, as_school=None) -> Request:
    with transaction.atomic():
        request = lock_request(request.pk)
        is_sender, is_receiver = can_act_as_sender(by, request), can_answer(by, request)
        answering = to in (RequestStatus.ACCEPTED, RequestStatus.DECLINED)
        if answering and is_sender and not is_receiver:
            if request.to_alliance_id is not None:
                raise PermissionDeniedError("这是本校向联盟发起的请求，由其他成员学校接受；本校可以撤回。")
            raise PermissionDeniedError("该请求是发给其他学校的，只有接收学校的人员可以答复。")
        if request.to_alliance_id in answering_alliance_ids(by):
            _refuse_alliance_steps(request, to)
        if not (is_sender or is_receiver):
            raise PermissionDeniedError("只有请求双方学校的人员可以操作该请求。")
        step = REQUEST_STEPS.step(request.status, to)
        if step.who == "receiver" and not can_answer(by, request):
            raise PermissionDeniedError("只有接收学校的人员可以答复该请求。")
        if step.who == "sender" and not can_act_as_sender(by, request):
            raise PermissionDeniedError("只有发起学校的人员可以撤回该请求。")
        if step.who == "either" and not (can_answer(by, request) or can_act_as_sender(by, request)):
            raise PermissionDeniedError("只有请求双方学校的人员可以操作该请求。")
        before = request.status
        request.status = to
        fields = ["status", "updated_at"]
        passed_over = []  # the other member schools' staff of a request an alliance member takes
        if to == RequestStatus.ACCEPTED and request.is_open_to_alliance:
            everyone = receiving_staff(request)
            request.to_school = _taking_school(by, request, as_school)
            fields.append("to_school")
            takers = {u.pk for u in receiving_staff(request)}
            passed_over = [u for u in everyone if u.pk not in takers and u.pk != getattr(by, "pk", None)]
        if to in (RequestStatus.ACCEPTED, RequestStatus.DECLINED):
            request.decided_at = timezone.now()
            request.decided_by = by
            request.decision_note = (note or "").strip()[:500]
            fields += ["decided_at", "decided_by", "decision_note"]
        if to == RequestStatus.COMPLETED:
            request.completed_at = timezone.now()
            fields.append("completed_at")
        callback = getattr(handler_of(request.kind), hook)
        if callback:
            callback(request, by)
        request.save(update_fields=fields)
        _event(request, by, step.label, note)
        record_audit(
            actor=by,
            action=action,
            obj=request,
            school=request.from_school,
            before={"status": before},
            after={"status": to, "note": note},
        )
        acted_as_receiver = step.who == "receiver" or (step.who == "either" and not is_sender)
        others = sending_staff(request) if acted_as_receiver else receiving_staff(request)
        others = [u for u in others if u.pk != getattr(by, "pk", None)]
        notify(
            others,
            title=f"协作请求{RequestStatus(to).label}：{request.title}",
            body=note,
            url=request_url(request),
        )
        notify(
            passed_over,
            title=f"联盟协作请求已由{request.to_school.short_name if request.to_school_id else ''}承接：{request.title}",
            body="该请求已有成员学校接受，本校无需处理。",
            url=reverse("exchanges:request_detail", args=[request.pk]),
        )
    return request


def accept_request(*, by, request: Request, note: str = "", as_school=None) -> Request:
    """Accept a request. A request open to an alliance is taken by the first member school to
    accept it (``as_school``, or the accepting user's member school): it becomes a request between
    two schools; a later acceptance by another member is refused (the request row is locked)."""
    return _decide(
        by=by,
        request=request,
        to=RequestStatus.ACCEPTED,
        note=note,
        hook="on_accept",
        action="request.accepted",
        as_school=as_school,
    )


def decline_request(*, by, request: Request, note: str = "") -> Request:
    if not (note or "").strip():
        raise DomainError("请填写拒绝理由。", field="note")
    return _decide(
        by=by,
        request=request,
        to=RequestStatus.DECLINED,
        note=note,
        hook="on_close",
        action="request.declined",
    )


def withdraw_request(*, by, request: Request, note: str = "") -> Request:
    return _decide(by=by, request=request, to=RequestStatus.WITHDRAWN, note=note, **_WITHDRAW)


def complete_request(*, by, request: Request, note: str = "") -> Request:
    return _decide(by=by, request=request, to=RequestStatus.COMPLETED, note=note, **_COMPLETE)


_WITHDRAW = {"hook": "on_close", "action": "request.withdrawn"}
_COMPLETE = {"hook": "on_complete", "action": "request.completed"}


def comment_on_request(*, by, request: Request, body: str) -> RequestComment:
    body = (body or "").strip()
    if not body:
        raise DomainError("留言内容不能为空。", field="body")
    if len(body) > 3000:
        raise DomainError("留言不能超过 3000 字。", field="body")
    school = _acting_school(by, request)
    if school is None:
        raise PermissionDeniedError("只有请求双方学校的人员可以留言。")
    with transaction.atomic():
        comment = RequestComment.objects.create(request=request, author=by, school=school, body=body)
        record_audit(actor=by, action="request.commented", obj=request, school=school)
        others = [u for u in (sending_staff(request) + receiving_staff(request)) if u.pk != by.pk]
        notify(others, title=f"协作请求有新留言：{request.title}", body=body[:200], url=request_url(request))
    return comment


def _acting_school(by, request: Request):
    """The school on whose behalf ``by`` acts on this request (sender first), or None."""
    if can_act_as_sender(by, request):
        return request.from_school
    if can_answer(by, request) and request.status != RequestStatus.DRAFT:
        if request.to_school_id:
            return request.to_school
        return School.objects.filter(pk__in=answering_member_school_ids(by, request)).order_by("code").first()
    return None


def attach_file(*, by, request: Request, upload) -> RequestAttachment:
    """Attach a file (invitation letter, programme, roster…) to a request; either school may."""
    school = _acting_school(by, request)
    if school is None:
        raise PermissionDeniedError("只有请求双方学校的人员可以上传附件。")
    check_upload(upload, field="file", label="附件")
    if request.attachments.count() >= MAX_ATTACHMENTS:
        raise DomainError(f"每条请求最多 {MAX_ATTACHMENTS} 个附件。", field="file")
    filename = os.path.basename(upload.name)[:150]
    with transaction.atomic():
        attachment = RequestAttachment(
            request=request, filename=filename, size=upload.size or 0, uploaded_by=by, school=school
        )
        attachment.file.save(filename, upload, save=False)
        attachment.save()
        _event(request, by, "上传附件", filename)
        record_audit(
            actor=by, action="request.file_attached", obj=request, school=school, after={"file": filename}
        )
    return attachment


def remove_attachment(*, by, attachment: RequestAttachment) -> None:
    request = attachment.request
    if _acting_school(by, request) is None or attachment.school_id not in set(staff_school_ids(by)):
        raise PermissionDeniedError("只有上传附件的学校可以删除该附件。")
    with transaction.atomic():
        _event(request, by, "删除附件", attachment.filename)
        record_audit(
            actor=by,
            action="request.file_removed",
            obj=request,
            school=attachment.school,
            before={"file": attachment.filename},
        )
        attachment.file.delete(save=False)
        attachment.delete()


def remind_waiting_requests(*, older_than_days: int = 3, now=None) -> int:
    """Remind the receiving staff once about each request waiting longer than the limit."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=older_than_days)
    sent = 0
    with transaction.atomic():
        waiting = list(
            Request.objects.select_for_update(skip_locked=True)
            .filter(status=RequestStatus.SUBMITTED, submitted_at__lt=cutoff, reminded_at__isnull=True)
            .select_related("from_school")
        )
        for request in waiting:
            request.reminded_at = now
            request.save(update_fields=["reminded_at"])
            notify(
                receiving_staff(request),
                title=f"催办：协作请求待答复 {request.title}",
                body=f"{request.from_school.name}的请求已等待 {(now - request.submitted_at).days} 天。",
                url=request_url(request),
            )
            sent += 1
    return sent
