"""培训互接 / 班次互派: a guest school asks a host school to run a training class for its trainees.

The host builds the class in ``classes`` (created as a draft when the request is accepted by
someone who runs classes, or later with ``build_hosted_class``); the guest's staff follow the
plan on the hosting page and are told of changes once the class is published
(``notify_plan_changes``, run by ``yiwang exchanges_remind``); the guest uploads the roster
(``import_trainees``: all rows or none); trainees check in through the session's QR code
(``check_in_trainee``)."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from yiwang.activity.services import notify, record_audit
from yiwang.classes import tokens
from yiwang.classes.enums import ClassKind, ClassStatus
from yiwang.classes.models import Session
from yiwang.classes.services import create_class
from yiwang.classes.services.common import _setting
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError

from .. import selectors
from ..enums import RequestKind, RequestStatus
from ..models import HostedTraining, Request, Trainee, TraineeCheckIn
from ..rules import can_build_hosted_class, can_manage_roster, can_send_for
from . import KindHandler, _event, open_request, register_kind, sending_staff, submit_request

HOSTING_KINDS = (RequestKind.HOSTING, RequestKind.CLASS_EXCHANGE)
MAX_TRAINEES = 500


def open_hosting(
    *,
    by,
    from_school,
    to_school=None,
    title: str,
    start_date,
    end_date,
    planned_trainees: int = 0,
    class_kind: str = ClassKind.YOUNG,
    kind: str = RequestKind.HOSTING,
    body: str = "",
    submit: bool = True,
    to_alliance=None,
) -> HostedTraining:
    """The guest school (``from_school``) asks ``to_school`` to host a class for its trainees — or
    asks its alliance (``to_alliance``): every other member sees it, the first to accept hosts."""
    if kind not in HOSTING_KINDS:
        raise DomainError("请求类型无效。", field="kind")
    if not can_send_for(by, from_school):
        raise PermissionDeniedError("只有本校管理员或教务、培训、科研部门人员可以代表学校发起请求。")
    if (to_school is None) == (to_alliance is None):
        raise DomainError("请选择一所承办学校，或向本校所在的联盟发起。", field="to_school")
    if not start_date or not end_date:
        raise DomainError("请填写开班和结业日期。", field="start_date")
    if end_date < start_date:
        raise DomainError("结业日期不能早于开班日期。", field="end_date")
    if start_date < timezone.localdate():
        raise DomainError("开班日期已过，请选择今后的日期。", field="start_date")
    if class_kind not in ClassKind.values:
        raise DomainError("班次类型无效。", field="class_kind")
    if not 0 <= int(planned_trainees or 0) <= MAX_TRAINEES:
        raise DomainError(f"计划人数须在 0 到 {MAX_TRAINEES} 之间。", field="planned_trainees")
    with transaction.atomic():
        request = open_request(
            by=by,
            kind=kind,
            from_school=from_school,
            to_school=to_school,
            to_alliance=to_alliance,
            subject_key=f"hosting:{to_school.pk if to_school else f'alliance-{to_alliance.pk}'}:{start_date:%Y%m%d}",
            title=title,
            body=body,
            starts_at=timezone.make_aware(datetime.combine(start_date, datetime.min.time())),
            ends_at=timezone.make_aware(
                datetime.combine(end_date, datetime.max.time().replace(microsecond=0))
            ),
            submit=False,
        )
        hosting = HostedTraining.objects.create(
            request=request,
            host_school=to_school,
            guest_school=from_school,
            class_kind=class_kind,
            start_date=start_date,
            end_date=end_date,
            planned_trainees=int(planned_trainees or 0),
        )
        if submit:
            hosting.request = submit_request(by=by, request=request)
    return hosting


def _create_class(by, hosting: HostedTraining):
    return create_class(
        by=by,
        school=hosting.host_school,
        name=hosting.request.title,
        kind=hosting.class_kind,
        start_date=hosting.start_date,
        end_date=hosting.end_date,
        trainee_count=hosting.planned_trainees,
        scope="school",
    )


def build_hosted_class(*, by, hosting: HostedTraining) -> HostedTraining:
    """The host creates the class (a draft of the host school) for an accepted hosting request."""
    with transaction.atomic():
        hosting = (
            HostedTraining.objects.select_for_update(of=("self",))
            .select_related("request", "host_school")
            .get(pk=hosting.pk)
        )
        if not can_build_hosted_class(by, hosting):
            raise PermissionDeniedError("只有承办学校的教务、培训部门或学校管理员可以建立承办班次。")
        if hosting.request.status != RequestStatus.ACCEPTED:
            raise ConflictError("请求接受后才能建立承办班次。")
        if hosting.training_class_id is not None:
            raise ConflictError("承办班次已建立。")
        hosting.training_class = _create_class(by, hosting)
        hosting.save(update_fields=["training_class"])
        _event(hosting.request, by, "建立班次", hosting.training_class.name)
    return hosting


def _on_accept(request: Request, by) -> None:
    hosting = HostedTraining.objects.select_for_update().get(request=request)
    if hosting.host_school_id is None:  # taken by an alliance member (``request.to_school`` is set now)
        hosting.host_school = request.to_school
        hosting.save(update_fields=["host_school"])
    if hosting.training_class_id is None and can_build_hosted_class(by, hosting):
        hosting.request = request
        hosting.training_class = _create_class(by, hosting)
        hosting.save(update_fields=["training_class"])


def hosting_url(request: Request) -> str:
    hosting_id = HostedTraining.objects.filter(request=request).values_list("pk", flat=True).first()
    if hosting_id is None:
        return reverse("exchanges:request_detail", args=[request.pk])
    return reverse("exchanges:hosting_detail", args=[hosting_id])


for _kind in HOSTING_KINDS:
    register_kind(_kind, KindHandler(on_accept=_on_accept, url=hosting_url))


# ---- the plan, followed live by the guest school ---------------------------------------------------


def notify_plan_changes(*, now=None) -> int:
    """Tell the guest school's staff once when a hosted class is published, and again whenever its
    plan changed since the last notice. Returns the number of notices."""
    now = now or timezone.now()
    sent = 0
    hostings = HostedTraining.objects.filter(
        request__status=RequestStatus.ACCEPTED,
        training_class__status__in=[ClassStatus.PUBLISHED, ClassStatus.FINISHED],
    ).select_related("request__from_school", "training_class")
    for hosting in hostings:
        changed = selectors.plan_changed_at(hosting)
        first = hosting.plan_notified_at is None
        if not first and (changed is None or changed <= hosting.plan_notified_at):
            continue
        with transaction.atomic():
            locked = HostedTraining.objects.select_for_update().get(pk=hosting.pk)
            if locked.plan_notified_at != hosting.plan_notified_at:
                continue  # another run sent it
            locked.plan_notified_at = now
            locked.save(update_fields=["plan_notified_at"])
            what = "已发布" if first else "有调整"
            notify(
                sending_staff(hosting.request),
                title=f"承办班次{what}：{hosting.training_class.name}",
                body=f"{hosting.host_school.name if hosting.host_school_id else ''}承办的班次安排{what}，请查看最新课程表。",
                url=reverse("exchanges:hosting_detail", args=[hosting.pk]),
            )
            sent += 1
    return sent


# ---- the roster and check-in --------------------------------------------------------------------


def import_trainees(*, by, hosting: HostedTraining, rows: list[dict]) -> int:
    """Save the checked roster rows (``name``, ``gender``, ``unit``, ``position``, ``phone``) — all or
    none. Phones already on the roster are refused with the row numbers."""
    if not can_manage_roster(by, hosting):
        raise PermissionDeniedError("只有委托学校的人员可以上传学员名册。")
    if hosting.request.status not in (RequestStatus.SUBMITTED, RequestStatus.ACCEPTED):
        raise ConflictError("该请求已结束，不能再上传学员名册。")
    if not rows:
        raise DomainError("名册中没有学员。", field="file")
    with transaction.atomic():
        locked = HostedTraining.objects.select_for_update().get(pk=hosting.pk)
        existing = set(locked.trainees.values_list("phone", flat=True))
        clash = [str(r["row"]) for r in rows if r["phone"] in existing]
        if clash:
            raise DomainError(
                f"第 {'、'.join(clash[:10])} 行的手机号已在名册中，未导入任何学员。", field="file"
            )
        if len(existing) + len(rows) > MAX_TRAINEES:
            raise DomainError(f"每个班次最多 {MAX_TRAINEES} 名学员，未导入任何学员。", field="file")
        Trainee.objects.bulk_create(
            [
                Trainee(
                    hosting=locked,
                    name=r["name"],
                    gender=r.get("gender", ""),
                    unit=r.get("unit", ""),
                    position=r.get("position", ""),
                    phone=r["phone"],
                )
                for r in rows
            ]
        )
        _event(hosting.request, by, "上传学员名册", f"{len(rows)} 人")
        record_audit(
            actor=by,
            action="hosting.roster_imported",
            obj=locked,
            school=locked.guest_school,
            after={"trainees": len(rows)},
        )
    return len(rows)


def remove_trainee(*, by, trainee: Trainee) -> None:
    hosting = trainee.hosting
    if not can_manage_roster(by, hosting):
        raise PermissionDeniedError("只有委托学校的人员可以修改学员名册。")
    if trainee.check_ins.exists():
        raise ConflictError("该学员已有签到记录，不能删除。")
    with transaction.atomic():
        record_audit(
            actor=by,
            action="hosting.trainee_removed",
            obj=hosting,
            school=hosting.guest_school,
            before={"name": trainee.name},
        )
        trainee.delete()


def check_in_trainee(*, qr: str, phone: str, now=None) -> TraineeCheckIn:
    """A trainee checks in by the session's QR code (the same signed token as the classroom QR) and
    the phone number on the roster; no account is needed."""
    session_id = tokens.session_id_from_qr(qr)
    session = Session.objects.select_related("training_class").filter(pk=session_id).first()
    if session is None:
        raise DomainError(tokens.BAD_QR_MESSAGE, code="bad_qr")
    hosting = HostedTraining.objects.filter(training_class_id=session.training_class_id).first()
    if hosting is None:
        raise DomainError("该课程不属于承办班次，请使用课程页面的签到。", code="not_hosted")
    phone = "".join(ch for ch in (phone or "") if ch.isdigit())
    if not phone:
        raise DomainError("请填写名册中登记的手机号。", field="phone")
    trainee = Trainee.objects.filter(hosting=hosting, phone=phone).first()
    if trainee is None:
        raise DomainError("名册中没有这个手机号，请联系班主任核对。", field="phone")
    now = now or timezone.now()
    if session.is_cancelled:
        raise DomainError("该课程已取消，无需签到。", code="cancelled")
    early = timezone.timedelta(minutes=int(_setting("CLASSES_CHECKIN_EARLY_MINUTES", 60)))
    if now < session.starts_at - early:
        raise DomainError(
            f"签到尚未开始，开课前 {int(early.total_seconds() // 60)} 分钟开放签到。", code="too_early"
        )
    if now > session.ends_at:
        raise DomainError("课程已结束，签到已关闭。", code="too_late")
    try:
        with transaction.atomic():
            record = TraineeCheckIn.objects.create(
                trainee=trainee, session=session, checked_in_at=now, hours=session.credit_hours
            )
            record_audit(
                actor=None,
                action="hosting.trainee_checked_in",
                obj=hosting,
                school=hosting.host_school,
                after={"trainee": trainee.pk, "session": session.pk, "hours": session.credit_hours},
            )
    except IntegrityError:
        raise ConflictError(f"{trainee.name}已签到，无需重复签到。", code="already_checked_in") from None
    return record
