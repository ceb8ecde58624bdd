"""师资互派: a school asks another school for a teacher; conflicts across schools are shown before
sending and refused at acceptance; an accepted dispatch becomes a session of the requesting
school's class (so it is on the teacher's schedule, the network calendar, iCal and gets 评课)."""

import hashlib

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from yiwang.activity.services import notify, record_audit
from yiwang.classes.services.exchange_sessions import add_exchange_session
from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.faculty.models import Teacher
from yiwang.faculty.selectors import access_teacher
from yiwang.topics.enums import TeachingForm

from .. import selectors
from ..enums import RequestKind, RequestStatus
from ..models import Dispatch, Request
from ..rules import answering_member_school_ids, can_answer, can_confirm_dispatch, can_send_for
from . import (
    KindHandler,
    _event,
    accept_request,
    open_request,
    register_kind,
    sending_staff,
    submit_request,
)


def _subject_key(teacher, need: str, starts_at) -> str:
    when = timezone.localtime(starts_at).strftime("%Y%m%d%H%M")
    if teacher is not None:
        return f"teacher:{teacher.pk}:{when}"
    return f"need:{hashlib.sha1(need.strip().encode()).hexdigest()[:16]}:{when}"


def _check_times(starts_at, ends_at, *, now=None) -> None:
    if not starts_at or not ends_at:
        raise DomainError("请填写授课的开始和结束时间。", field="starts_at")
    if ends_at <= starts_at:
        raise DomainError("结束时间须晚于开始时间。", field="ends_at")
    if timezone.localtime(starts_at).date() != timezone.localtime(ends_at).date():
        raise DomainError("一次派出授课须在同一天内；跨天的请按天分别发起。", field="ends_at")
    if starts_at <= (now or timezone.now()):
        raise DomainError("授课时间已过，请选择今后的时间。", field="starts_at")


def open_dispatch(
    *,
    by,
    from_school,
    to_school=None,
    topic_title: str,
    starts_at,
    ends_at,
    training_class,
    to_alliance=None,
    teacher: Teacher | None = None,
    need: str = "",
    topic=None,
    place: str = "",
    body: str = "",
    submit: bool = True,
) -> Dispatch:
    """Ask ``to_school`` for ``teacher`` (or for a teacher meeting ``need``) to teach in the
    requesting school's ``training_class``. Conflicts are not refused here (the page shows them
    before sending) — the receiving school cannot accept while one remains.

    Or ask a whole alliance of ``from_school`` (``to_alliance``) for a teacher meeting ``need``: every
    other member school sees it; the first to accept names its teacher and becomes ``to_school``."""
    if not can_send_for(by, from_school):
        raise PermissionDeniedError("只有本校管理员或教务、培训、科研部门人员可以代表学校发起请求。")
    topic_title = (topic_title or "").strip() or (topic.title if topic is not None else "")
    need = (need or "").strip()
    if not topic_title:
        raise DomainError("请填写讲授题目。", field="topic_title")
    if len(topic_title) > 200:
        raise DomainError("讲授题目不能超过 200 字。", field="topic_title")
    if len(need) > 300:
        raise DomainError("师资需求不能超过 300 字。", field="need")
    if to_alliance is not None:
        if to_school is not None:
            raise DomainError("请选择一所接收学校或一个联盟。", field="to_school")
        if teacher is not None:
            raise DomainError(
                "向联盟请求师资时请填写师资需求，由接受请求的成员学校指定教师。", field="teacher"
            )
    if teacher is not None:
        try:
            teacher = access_teacher(by, teacher.pk)
        except NotFoundError:
            raise NotFoundError("找不到该教师，或该教师未向本校共享，不能发起派出请求。") from None
        if to_school is None or teacher.owner_school_id != to_school.pk:
            raise DomainError("所选教师不属于接收学校。", field="teacher")
        if not teacher.is_active:
            raise DomainError("该教师已停用，不能派出。", field="teacher")
    elif not need:
        raise DomainError("请选择教师，或填写师资需求（由对方学校推荐教师）。", field="teacher")
    if to_school is None and to_alliance is None:
        raise DomainError("请选择接收学校。", field="to_school")
    _check_times(starts_at, ends_at)
    if training_class is None:
        raise DomainError("请选择本校的班次：派来的教师将在该班次授课。", field="training_class")
    if training_class.owner_school_id != from_school.pk:
        raise DomainError("只能为本校的班次请求师资。", field="training_class")
    day = timezone.localtime(starts_at).date()
    if not training_class.start_date <= day <= training_class.end_date:
        raise DomainError(
            f"授课日期须在班次起止日期之内（{training_class.start_date:%Y-%m-%d} 至 "
            f"{training_class.end_date:%Y-%m-%d}）。",
            field="starts_at",
        )
    who = teacher.name if teacher is not None else "推荐教师"
    with transaction.atomic():
        request = open_request(
            by=by,
            kind=RequestKind.DISPATCH,
            from_school=from_school,
            to_school=to_school,
            to_alliance=to_alliance,
            subject_key=_subject_key(teacher, need, starts_at),
            title=f"{who}：{topic_title}"[:200],
            body=body,
            starts_at=starts_at,
            ends_at=ends_at,
            submit=False,
        )
        dispatch = Dispatch.objects.create(
            request=request,
            from_school=from_school,
            to_school=to_school,
            to_alliance=to_alliance,
            teacher=teacher,
            need=need,
            topic=topic,
            topic_title=topic_title,
            starts_at=starts_at,
            ends_at=ends_at,
            place=(place or "").strip()[:120],
            city=from_school.city,
            province=from_school.province,
            training_class=training_class,
        )
        if submit:
            dispatch.request = submit_request(by=by, request=request)
    return dispatch


def name_teacher(*, by, dispatch: Dispatch, teacher: Teacher) -> Dispatch:
    """The receiving school names the teacher for a need (before accepting)."""
    with transaction.atomic():
        dispatch = (
            Dispatch.objects.select_for_update(of=("self",)).select_related("request").get(pk=dispatch.pk)
        )
        request = dispatch.request
        if request.status != RequestStatus.SUBMITTED:
            raise ConflictError("该请求已答复，不能再更换教师。")
        if not can_answer(by, request):
            raise PermissionDeniedError("只有接收学校的人员可以指定派出教师。")
        teacher = access_teacher(by, teacher.pk)
        if request.to_school_id is not None:
            schools = {request.to_school_id}
        else:  # open to an alliance: a teacher of one of the user's member schools
            schools = set(answering_member_school_ids(by, request))
        if teacher.owner_school_id not in schools:
            raise DomainError("只能指定本校的教师。", field="teacher")
        before = dispatch.teacher_id
        dispatch.teacher = teacher
        dispatch.save(update_fields=["teacher"])
        _event(request, by, "指定教师", teacher.name)
        record_audit(
            actor=by,
            action="dispatch.teacher_named",
            obj=dispatch,
            school=teacher.owner_school,
            before={"teacher": before},
            after={"teacher": teacher.pk},
        )
    return dispatch


def accept_dispatch(*, by, dispatch: Dispatch, teacher: Teacher | None = None, note: str = "") -> Dispatch:
    """Accept (naming the teacher first when the request was a need); refused while a conflict remains."""
    with transaction.atomic():
        if teacher is not None:
            dispatch = name_teacher(by=by, dispatch=dispatch, teacher=teacher)
        # Open to an alliance: the member school whose teacher goes takes the request.
        teacher_school = Teacher.objects.filter(pk=dispatch.teacher_id).values_list(
            "owner_school_id", flat=True
        )
        accept_request(by=by, request=dispatch.request, note=note, as_school=teacher_school.first())
    dispatch.refresh_from_db()
    return dispatch


def confirm_dispatch(*, by, dispatch: Dispatch) -> Dispatch:
    """The teacher confirms an accepted dispatch (教师确认)."""
    with transaction.atomic():
        dispatch = (
            Dispatch.objects.select_for_update(of=("self",))
            .select_related("request__from_school", "teacher")
            .get(pk=dispatch.pk)
        )
        if not can_confirm_dispatch(by, dispatch):
            raise PermissionDeniedError("只有被派出的教师本人可以确认。")
        if dispatch.request.status != RequestStatus.ACCEPTED:
            raise ConflictError("只有已接受的派出请求需要教师确认。")
        if dispatch.teacher_confirmed_at is not None:
            raise ConflictError("您已确认过该派出安排。")
        dispatch.teacher_confirmed_at = timezone.now()
        dispatch.save(update_fields=["teacher_confirmed_at"])
        _event(dispatch.request, by, "教师确认")
        record_audit(
            actor=by,
            action="dispatch.confirmed",
            obj=dispatch,
            school=dispatch.teacher.owner_school,
            after={"confirmed_at": dispatch.teacher_confirmed_at},
        )
        notify(
            sending_staff(dispatch.request),
            title=f"派出教师已确认：{dispatch.request.title}",
            url=dispatch_url(dispatch.request),
        )
    return dispatch


# ---- the kind's hooks (run inside the request flow's locked transaction) -------------------------


def _on_accept(request: Request, by) -> None:
    dispatch = (
        Dispatch.objects.select_for_update(of=("self",)).select_related("training_class").get(request=request)
    )
    if dispatch.teacher_id is None:
        raise DomainError("请先指定派出的教师，再接受该请求。", field="teacher")
    if dispatch.to_school_id is None:  # taken by an alliance member (``request.to_school`` is set now)
        dispatch.to_school = request.to_school
        dispatch.save(update_fields=["to_school"])
    # One teacher's acceptances run one at a time, so two schools cannot both get the same hour.
    teacher = Teacher.objects.select_for_update().get(pk=dispatch.teacher_id)
    if teacher.owner_school_id != request.to_school_id:
        raise DomainError("派出教师须是接受请求的学校的教师。", field="teacher")
    dispatch.teacher = teacher
    conflicts = selectors.dispatch_conflicts(dispatch)
    if conflicts:
        raise ConflictError(
            "不能接受：" + "；".join(c.message for c in conflicts) + "。", code="dispatch_conflict"
        )
    if dispatch.training_class is None:
        raise DomainError("请求方班次已删除，无法安排课程。")
    start, end = timezone.localtime(dispatch.starts_at), timezone.localtime(dispatch.ends_at)
    session = add_exchange_session(
        by=by,
        training_class=dispatch.training_class,
        via=f"dispatch:{dispatch.pk}",
        date=start.date(),
        start_time=start.time().replace(second=0, microsecond=0),
        end_time=end.time().replace(second=0, microsecond=0),
        title=dispatch.topic_title,
        topic=dispatch.topic,
        teacher=teacher,
        place=dispatch.place,
        form=TeachingForm.LECTURE,
    )
    dispatch.session = session
    dispatch.save(update_fields=["session"])
    record_audit(
        actor=by,
        action="dispatch.accepted",
        obj=dispatch,
        school=request.to_school,
        after={"teacher": teacher.pk, "session": session.pk},
    )
    notify_teacher = [teacher.user] if teacher.user_id else []
    notify(
        notify_teacher,
        title=f"派出授课安排：{dispatch.topic_title}",
        body=f"{request.from_school.name} {start:%Y-%m-%d %H:%M}–{end:%H:%M}，请确认。",
        url=dispatch_url(request),
    )


def dispatch_url(request: Request) -> str:
    dispatch_id = Dispatch.objects.filter(request=request).values_list("pk", flat=True).first()
    if dispatch_id is None:
        return reverse("exchanges:request_detail", args=[request.pk])
    return reverse("exchanges:dispatch_detail", args=[dispatch_id])


def _on_submit(request: Request) -> None:
    Dispatch.objects.filter(request=request).update(is_sent=True)


register_kind(RequestKind.DISPATCH, KindHandler(on_submit=_on_submit, on_accept=_on_accept, url=dispatch_url))
