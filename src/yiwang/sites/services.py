"""Writes of field sites and bookings. Each: permission → checks → lock → save → audit → notify.

A booking is a request of kind 基地预约 in the one request flow (``exchanges.services``): booking
opens the request, the owner school answers it with ``accept_request`` / ``decline_request``, and
the hooks registered in ``apps.py`` keep the ``Booking`` row in step inside the same locked
transaction. ``guard_slot`` is the serialized check that two slot-holding bookings of one site never
overlap (the site row is locked; on PostgreSQL the exclusion constraint backs it, see models.py).
"""

import os
from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from yiwang.activity.services import notify, record_audit, snapshot
from yiwang.classes.models import Session
from yiwang.classes.services import add_session
from yiwang.classes.services.calendar_tokens import FEED_MISSING
from yiwang.classes.services.exchange_sessions import cancel_exchange_session
from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.core.indexing import item_changed
from yiwang.core.secret_keys import key_hash, live_token, new_key, revoke_own
from yiwang.core.validators import check_upload, clean_choice, clean_text
from yiwang.courses.selectors import courses_visible_to
from yiwang.exchanges import services as exchanges
from yiwang.exchanges.enums import RequestKind, RequestStatus
from yiwang.exchanges.rules import can_build_hosted_class
from yiwang.faculty.services import check_teachers
from yiwang.network.enums import SharingScope
from yiwang.network.services import apply_sharing, update_sharing, validate_sharing
from yiwang.topics.enums import TeachingForm

from . import rules, selectors
from .enums import HOLDING_STATUSES, BookingStatus, OperatorKind, SiteTheme
from .models import Booking, FieldSite, SiteBlackout, SiteFeedToken, SitePhoto, VisitEvaluation

SITE_FIELDS = [
    "name",
    "operator_kind",
    "operator_name",
    "address",
    "latitude",
    "longitude",
    "themes",
    "summary",
    "capacity",
    "opens_at",
    "closes_at",
    "open_weekdays",
    "contact",
    "is_active",
    "scope",
]
CONTENT_FIELDS = set(SITE_FIELDS) - {"scope"}
PHOTO_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}
MAX_CAPACITY = 5000


def _fmt(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


# -- sites ------------------------------------------------------------------------------------


def _coordinate(value, *, label: str, field: str, limit: int):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(f"{label}应为数字，例如 28.123456。", field=field) from None
    if not number.is_finite() or not -limit <= number <= limit:
        raise DomainError(f"{label}应在 -{limit} 到 {limit} 之间。", field=field)
    return number.quantize(Decimal("0.000001"))


def _clean_site(data: dict) -> dict:
    data = dict(data)
    for key, label, limit, required, multiline in (
        ("name", "基地名称", 100, True, False),
        ("operator_name", "合作单位", 100, False, False),
        ("address", "地址", 200, True, False),
        ("summary", "简介", 5000, False, True),
        ("contact", "联系人及电话", 100, False, False),
    ):
        if key in data:
            data[key] = clean_text(
                data[key], label=label, field=key, max_length=limit, required=required, multiline=multiline
            )
    if "operator_kind" in data:
        data["operator_kind"] = clean_choice(
            data["operator_kind"], OperatorKind, label="管理方式", field="operator_kind"
        )
    if data.get("operator_kind") == OperatorKind.AGENCY and not data.get("operator_name"):
        raise DomainError("由合作单位管理的基地请填写合作单位名称。", field="operator_name")
    if "latitude" in data:
        data["latitude"] = _coordinate(data["latitude"], label="纬度", field="latitude", limit=90)
    if "longitude" in data:
        data["longitude"] = _coordinate(data["longitude"], label="经度", field="longitude", limit=180)
    if "themes" in data:
        themes = data["themes"]
        codes = [t for t in (themes.split(",") if isinstance(themes, str) else list(themes or [])) if t]
        unknown = [t for t in codes if t not in SiteTheme.values]
        if unknown:
            raise DomainError(
                f"未知的教学主题“{unknown[0]}”，可选：{'、'.join(SiteTheme.labels)}。", field="themes"
            )
        data["themes"] = ",".join(dict.fromkeys(codes))
    if "capacity" in data:
        try:
            capacity = int(data["capacity"])
        except (TypeError, ValueError):
            raise DomainError("接待人数应为整数。", field="capacity") from None
        if not 1 <= capacity <= MAX_CAPACITY:
            raise DomainError(f"接待人数应在 1 到 {MAX_CAPACITY} 之间。", field="capacity")
        data["capacity"] = capacity
    if "open_weekdays" in data:
        days = "".join(sorted(set(str(data["open_weekdays"] or ""))))
        if not days or any(d not in "1234567" for d in days):
            raise DomainError("开放日只能由 1–7 组成（1=周一 … 7=周日），且至少一天。", field="open_weekdays")
        data["open_weekdays"] = days
    for key, label in (("opens_at", "开放时间"), ("closes_at", "闭馆时间")):
        if key in data and not isinstance(data[key], time):
            raise DomainError(f"请填写{label}，例如 09:00。", field=key)
    return data


def _check_hours(opens_at: time, closes_at: time) -> None:
    if closes_at <= opens_at:
        raise DomainError("闭馆时间须晚于开放时间。", field="closes_at")


def _check_courses(by, courses) -> list:
    ids = list(dict.fromkeys(getattr(c, "pk", c) for c in courses or []))
    if not ids:
        return []
    found = {c.pk: c for c in courses_visible_to(by).filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise DomainError(f"找不到编号为 {missing[0]} 的课程，或您无权查看。", field="courses")
    return [found[i] for i in ids]


def _site_state(site: FieldSite) -> dict:
    return {
        **snapshot(site, SITE_FIELDS),
        "guides": sorted(site.guides.values_list("pk", flat=True)),
        "courses": sorted(site.courses.values_list("pk", flat=True)),
    }


def create_site(
    *,
    by,
    school,
    name: str,
    address: str,
    capacity,
    opens_at: time,
    closes_at: time,
    guides=(),
    courses=(),
    scope: str = SharingScope.SYSTEM,
    alliances=(),
    partnerships=(),
    **fields,
) -> FieldSite:
    """A new field site of ``school``. ``by=None`` is the demo / command line (no permission check)."""
    unknown = set(fields) - CONTENT_FIELDS
    if unknown:
        raise DomainError("未知的字段：" + "、".join(sorted(unknown)))
    if by is not None and not rules.can_book_for(by, school):
        raise PermissionDeniedError(f"只有{school.name}的管理员、教务、培训或科研人员可以登记基地。")
    data = _clean_site(
        {
            "name": name,
            "address": address,
            "capacity": capacity,
            "opens_at": opens_at,
            "closes_at": closes_at,
            **fields,
        }
    )
    _check_hours(data["opens_at"], data["closes_at"])
    guides = check_teachers(by, guides, label="讲解及授课教师", field="guides") if by else list(guides)
    courses = _check_courses(by, courses) if by else list(courses)
    validate_sharing(owner_school=school, scope=scope, alliances=alliances, partnerships=partnerships)
    if FieldSite.objects.filter(owner_school=school, name=data["name"]).exists():
        raise ConflictError(f"{school.short_name}已登记名为“{data['name']}”的基地。", field="name")
    try:
        with transaction.atomic():
            site = FieldSite.objects.create(owner_school=school, scope=scope, **data)
            site.guides.set(guides)
            site.courses.set(courses)
            apply_sharing(site, alliances=alliances, partnerships=partnerships)
            record_audit(actor=by, action="site.created", obj=site, school=school, after=_site_state(site))
            item_changed(site)
    except IntegrityError:
        raise ConflictError(f"{school.short_name}已登记名为“{data['name']}”的基地。", field="name") from None
    return site


def update_site(
    *, by, site: FieldSite, guides=None, courses=None, alliances=None, partnerships=None, **changes
):
    unknown = set(changes) - CONTENT_FIELDS - {"scope"}
    if unknown:
        raise DomainError("未知的字段：" + "、".join(sorted(unknown)))
    if not rules.can_manage_site(by, site):
        raise PermissionDeniedError("只有基地所属学校的人员可以修改基地信息。")
    data = _clean_site({k: v for k, v in changes.items() if k in CONTENT_FIELDS})
    if guides is not None:
        guides = check_teachers(by, guides, label="讲解及授课教师", field="guides")
    if courses is not None:
        courses = _check_courses(by, courses)
    with transaction.atomic():
        site = FieldSite.objects.select_for_update().select_related("owner_school").get(pk=site.pk)
        before = _site_state(site)
        if data.get("operator_kind", site.operator_kind) == OperatorKind.AGENCY and not data.get(
            "operator_name", site.operator_name
        ):
            raise DomainError("由合作单位管理的基地请填写合作单位名称。", field="operator_name")
        _check_hours(data.get("opens_at", site.opens_at), data.get("closes_at", site.closes_at))
        name = data.get("name", site.name)
        if FieldSite.objects.filter(owner_school=site.owner_school, name=name).exclude(pk=site.pk).exists():
            raise ConflictError(f"{site.owner_school.short_name}已登记名为“{name}”的基地。", field="name")
        update_sharing(site, changes.get("scope"), alliances, partnerships)
        for key, value in data.items():
            setattr(site, key, value)
        site.save()
        if guides is not None:
            site.guides.set(guides)
        if courses is not None:
            site.courses.set(courses)
        record_audit(
            actor=by,
            action="site.updated",
            obj=site,
            school=site.owner_school,
            before=before,
            after=_site_state(site),
        )
        item_changed(site)
    return site


def add_blackout(*, by, site: FieldSite, start_date, end_date, reason: str) -> SiteBlackout:
    if not rules.can_manage_site(by, site):
        raise PermissionDeniedError("只有基地所属学校的人员可以设置不开放日。")
    reason = clean_text(reason, label="原因", field="reason", max_length=100, required=True)
    if start_date is None or end_date is None:
        raise DomainError("请填写开始和结束日期。", field="start_date")
    if end_date < start_date:
        raise DomainError("结束日期不能早于开始日期。", field="end_date")
    with transaction.atomic():
        list(FieldSite.objects.select_for_update().filter(pk=site.pk).values_list("pk"))
        clash = selectors.holding_overlaps(
            site.pk,
            datetime.combine(start_date, time.min, tzinfo=timezone.get_current_timezone()),
            datetime.combine(end_date, time.max, tzinfo=timezone.get_current_timezone()),
        ).first()
        if clash is not None:
            raise ConflictError(
                f"该期间已有已批准的预约（{_fmt(clash.starts_at)}），请先与预约学校协商。", field="start_date"
            )
        blackout = SiteBlackout.objects.create(
            site=site, start_date=start_date, end_date=end_date, reason=reason
        )
        record_audit(
            actor=by,
            action="site.blackout_added",
            obj=site,
            school=site.owner_school,
            after={"start": start_date, "end": end_date, "reason": reason},
        )
    return blackout


def remove_blackout(*, by, blackout: SiteBlackout) -> None:
    site = blackout.site
    if not rules.can_manage_site(by, site):
        raise PermissionDeniedError("只有基地所属学校的人员可以设置不开放日。")
    with transaction.atomic():
        record_audit(
            actor=by,
            action="site.blackout_removed",
            obj=site,
            school=site.owner_school,
            before={"start": blackout.start_date, "end": blackout.end_date, "reason": blackout.reason},
        )
        blackout.delete()


def upload_photo(*, by, site: FieldSite, file, caption: str = "") -> SitePhoto:
    if not rules.can_manage_site(by, site):
        raise PermissionDeniedError("只有基地所属学校的人员可以上传照片。")
    if file is None:
        raise DomainError("请选择照片文件。", field="file")
    ext = check_upload(file, label="照片")
    if ext not in PHOTO_TYPES:
        raise DomainError("照片只能是 JPG 或 PNG 格式。", field="file", code="file_type")
    caption = clean_text(caption, label="说明", field="caption", max_length=100)

    name = os.path.basename(file.name)
    with transaction.atomic():
        photo = SitePhoto(
            site=site,
            original_name=name,
            content_type=PHOTO_TYPES[ext],
            caption=caption,
            size_bytes=file.size,
            uploaded_by=by if getattr(by, "is_authenticated", False) else None,
        )
        photo.file.save(name, file, save=False)
        photo.save()
        record_audit(
            actor=by,
            action="site.photo_uploaded",
            obj=site,
            school=site.owner_school,
            after={"photo": photo.pk},
        )
    return photo


# -- bookings ---------------------------------------------------------------------------------


def check_slot(site: FieldSite, starts_at: datetime, ends_at: datetime, group_size: int) -> None:
    """Refuse a time range or group the site cannot take: capacity, opening days and hours,
    blackout days. (Overlaps with other bookings: ``guard_slot``.)"""
    if starts_at is None or ends_at is None:
        raise DomainError("请填写参访的开始和结束时间。", field="starts_at")
    if ends_at <= starts_at:
        raise DomainError("结束时间须晚于开始时间。", field="ends_at")
    if group_size is None or group_size < 1:
        raise DomainError("参访人数应至少 1 人。", field="group_size")
    if group_size > site.capacity:
        raise DomainError(
            f"参访人数 {group_size} 人超过该基地一次最多接待 {site.capacity} 人，请分批预约。",
            field="group_size",
        )
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() != end.date():
        raise DomainError("一次预约须在同一天内，跨天参访请分日预约。", field="ends_at")
    day = start.date()
    if str(day.isoweekday()) not in site.open_weekdays:
        open_days = "、".join(
            ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][int(d) - 1] for d in site.open_weekdays
        )
        raise DomainError(f"{day:%Y-%m-%d}基地不开放（开放日：{open_days}）。", field="starts_at")
    if start.time() < site.opens_at or end.time() > site.closes_at:
        raise DomainError(
            f"预约时间须在开放时间 {site.opens_at:%H:%M}–{site.closes_at:%H:%M} 之内。", field="starts_at"
        )
    blackout = site.blackouts.filter(start_date__lte=day, end_date__gte=day).first()
    if blackout is not None:
        raise DomainError(
            f"{day:%Y-%m-%d}在不开放期间（{blackout.start_date:%m-%d}至{blackout.end_date:%m-%d}：{blackout.reason}）。",
            field="starts_at",
        )


def guard_slot(booking: Booking) -> FieldSite:
    """Lock the site row and refuse if another slot-holding booking overlaps this one.

    Called inside the approving transaction. On PostgreSQL the row lock serializes approvals of
    one site; on SQLite every write transaction is ``BEGIN IMMEDIATE`` and so already serialized."""
    site = FieldSite.objects.select_for_update().get(pk=booking.site_id)
    clash = (
        selectors.holding_overlaps(site.pk, booking.starts_at, booking.ends_at, exclude_pk=booking.pk)
        .select_related("requesting_school")
        .first()
    )
    if clash is not None:
        raise ConflictError(
            f"该时段与已批准的预约（{_fmt(clash.starts_at)}–{timezone.localtime(clash.ends_at):%H:%M}）重叠，不能批准。",
            code="overlap",
        )
    return site


def book_site(
    *,
    by,
    site: FieldSite,
    school,
    starts_at: datetime,
    ends_at: datetime,
    group_size: int,
    purpose: str,
    note: str = "",
) -> Booking:
    """A school asks the owner school for a time at its site: a submitted 基地预约 request."""
    if not rules.can_book_for(by, school):
        raise PermissionDeniedError(f"只有{school.name}的管理员、教务、培训或科研人员可以代表学校预约基地。")
    site = selectors.access_site(by, site.pk)
    if site.owner_school_id == school.pk:
        raise DomainError("这是本校的基地，无需跨校预约。", field="school")
    if not site.is_active:
        raise DomainError("该基地暂停接受预约。")
    purpose = clean_text(purpose, label="班次或用途", field="purpose", max_length=200, required=True)
    note = clean_text(note, label="说明", field="note", max_length=2000, multiline=True)
    check_slot(site, starts_at, ends_at, group_size)
    if starts_at <= timezone.now():
        raise DomainError("不能预约已经过去的时间。", field="starts_at")
    clash = selectors.holding_overlaps(site.pk, starts_at, ends_at).first()
    if clash is not None:
        raise ConflictError(
            f"该时段已被预约（{_fmt(clash.starts_at)}–{timezone.localtime(clash.ends_at):%H:%M}），请另选时间。",
            field="starts_at",
            code="overlap",
        )
    with transaction.atomic():
        request = exchanges.open_request(
            by=by,
            kind=RequestKind.SITE_BOOKING,
            from_school=school,
            to_school=site.owner_school,
            subject_key=f"site:{site.pk}:{starts_at.isoformat()}",
            title=f"预约{site.name}：{_fmt(starts_at)}，{group_size} 人",
            body=f"班次或用途：{purpose}\n{note}".strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            submit=False,
        )
        booking = Booking.objects.create(
            site=site,
            request=request,
            requesting_school=school,
            owner_school=site.owner_school,
            starts_at=starts_at,
            ends_at=ends_at,
            group_size=group_size,
            purpose=purpose,
        )
        record_audit(
            actor=by,
            action="booking.created",
            obj=booking,
            school=school,
            after={"site": site.pk, "starts_at": starts_at, "ends_at": ends_at, "group_size": group_size},
        )
        exchanges.submit_request(by=by, request=request)
    return Booking.objects.select_related(*selectors.BOOKING_RELATED).get(pk=booking.pk)


def approve_booking(*, by, booking: Booking, note: str = "") -> Booking:
    exchanges.accept_request(by=by, request=booking.request, note=note)
    return Booking.objects.select_related(*selectors.BOOKING_RELATED).get(pk=booking.pk)


def decline_booking(*, by, booking: Booking, note: str) -> Booking:
    exchanges.decline_request(by=by, request=booking.request, note=note)
    return Booking.objects.select_related(*selectors.BOOKING_RELATED).get(pk=booking.pk)


def withdraw_booking(*, by, booking: Booking, note: str = "") -> Booking:
    exchanges.withdraw_request(by=by, request=booking.request, note=note)
    return Booking.objects.select_related(*selectors.BOOKING_RELATED).get(pk=booking.pk)


def complete_booking(*, by, booking: Booking, note: str = "") -> Booking:
    exchanges.complete_request(by=by, request=booking.request, note=note)
    return Booking.objects.select_related(*selectors.BOOKING_RELATED).get(pk=booking.pk)


def _locked_booking(request) -> Booking:
    booking = Booking.objects.select_for_update().filter(request_id=request.pk).first()
    if booking is None:
        raise NotFoundError("该请求没有对应的基地预约。")
    return booking


def _set_status(booking: Booking, to: str, by, action: str) -> None:
    before = booking.status
    booking.status = to
    booking.save(update_fields=["status", "updated_at"])
    record_audit(
        actor=by,
        action=action,
        obj=booking,
        school=booking.requesting_school,
        before={"status": before},
        after={"status": to},
    )


def on_booking_accepted(request, by) -> None:
    """Hook of ``accept_request``: re-check the slot against the site now and hold it."""
    booking = _locked_booking(request)
    if booking.status != BookingStatus.PENDING:
        raise ConflictError(f"该预约当前为“{booking.get_status_display()}”，不能批准。")
    site = guard_slot(booking)
    check_slot(site, booking.starts_at, booking.ends_at, booking.group_size)
    try:
        with transaction.atomic():
            _set_status(booking, BookingStatus.APPROVED, by, "booking.approved")
    except IntegrityError:  # PostgreSQL's exclusion constraint: the last word on overlaps
        raise ConflictError("该时段与已批准的预约重叠，不能批准。", code="overlap") from None


def on_booking_closed(request, by) -> None:
    """Hook of ``decline_request`` / ``withdraw_request``. A booking made for a hosted class's
    现场教学 (``book_field_session``) takes its session with it: the session is cancelled (kept in the
    plan as 已取消, with its history) and the host's class runners are told."""
    booking = _locked_booking(request)
    to = BookingStatus.DECLINED if request.status == RequestStatus.DECLINED else BookingStatus.WITHDRAWN
    _set_status(booking, to, by, f"booking.{to}")
    if booking.session_id is not None:
        _cancel_field_session(booking, by, declined=to == BookingStatus.DECLINED)


def _cancel_field_session(booking: Booking, by, *, declined: bool) -> None:
    session = Session.objects.select_related("training_class").get(pk=booking.session_id)
    if session.is_cancelled:
        return
    why = "基地预约未获批准" if declined else "基地预约已撤回"
    cancel_exchange_session(by=by, session=session, reason=f"{why}（{booking.site.name}）")
    hosting = getattr(session.training_class, "hosting", None)
    notify(
        [u for u in exchanges.sending_staff(booking.request) if u.pk != getattr(by, "pk", None)],
        title=f"现场教学已取消：{session.title}",
        body=f"{booking.site.name} {_fmt(booking.starts_at)} 的{why}，承办班次中的这次现场教学已取消，"
        "请另行安排。",
        url=reverse("exchanges:hosting_detail", args=[hosting.pk])
        if hosting is not None
        else reverse("sites:booking_detail", args=[booking.pk]),
    )


def on_booking_completed(request, by) -> None:
    booking = _locked_booking(request)
    if booking.status != BookingStatus.APPROVED:
        raise ConflictError("只有已批准的预约可以标记完成。")
    if booking.ends_at > timezone.now():
        raise DomainError("参访结束后才能标记完成。")
    _set_status(booking, BookingStatus.COMPLETED, by, "booking.completed")


def booking_url(request) -> str:
    return reverse("sites:booking_for_request", args=[request.pk])


def evaluate_visit(
    *, by, booking: Booking, content: int, guiding: int, arrangements: int, comment: str = ""
) -> VisitEvaluation:
    """The visiting school's evaluation, once, after the visit took place."""
    if not rules.can_evaluate_visit(by, booking):
        raise PermissionDeniedError("只有预约学校的人员可以评价本次参访。")
    if booking.status not in HOLDING_STATUSES or booking.ends_at > timezone.now():
        raise DomainError("参访结束后才能评价。")
    for value, label, field in (
        (content, "教学内容", "content"),
        (guiding, "讲解授课", "guiding"),
        (arrangements, "接待组织", "arrangements"),
    ):
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise DomainError(f"{label}评分应为 1 到 5 分。", field=field)
    comment = clean_text(comment, label="意见建议", field="comment", max_length=1000, multiline=True)
    try:
        with transaction.atomic():
            evaluation = VisitEvaluation.objects.create(
                booking=booking,
                content=content,
                guiding=guiding,
                arrangements=arrangements,
                comment=comment,
                by=by,
            )
            record_audit(
                actor=by,
                action="booking.evaluated",
                obj=booking,
                school=booking.requesting_school,
                after={"content": content, "guiding": guiding, "arrangements": arrangements},
            )
    except IntegrityError:
        raise ConflictError("本次参访已评价过。") from None
    notify(
        exchanges.receiving_staff(booking.request),
        title=f"参访评价：{booking.site.name}",
        body=f"{booking.requesting_school.short_name}评价了{_fmt(booking.starts_at)}的参访。",
        url=reverse("sites:booking_detail", args=[booking.pk]),
    )
    return evaluation


# -- iCal feed keys ---------------------------------------------------------------------------


def create_feed_token(*, by, site: FieldSite) -> tuple[SiteFeedToken, str]:
    """A private iCal URL of the site's calendar (the key is shown once)."""
    if not getattr(by, "is_authenticated", False):
        raise PermissionDeniedError("请先登录。")
    selectors.access_site(by, site.pk)
    key = new_key("site_")
    with transaction.atomic():
        token = SiteFeedToken.objects.create(site=site, user=by, key_hash=key_hash(key), prefix=key[:12])
        record_audit(actor=by, action="site.feed_created", obj=site, school=site.owner_school)
    return token, key


def revoke_feed_token(*, by, token_id) -> SiteFeedToken:
    with transaction.atomic():
        token = revoke_own(
            SiteFeedToken.objects.all(), user_id=by.pk, token_id=token_id, missing=NotFoundError(FEED_MISSING)
        )
        record_audit(actor=by, action="site.feed_revoked", obj=token.site)
    return token


def feed_token_for_key(key: str) -> SiteFeedToken | None:
    return live_token(SiteFeedToken.objects.select_related("user", "site__owner_school"), key)


# -- hosted training: field teaching at a booked site (培训互接 + 基地共用) ----------------------------


def book_field_session(
    *, by, hosting, site: FieldSite, starts_at: datetime, ends_at: datetime, title: str, group_size=None
) -> tuple[Booking, object]:
    """The host of a hosted training adds a field-teaching session (现场教学) to the hosted class and
    books ``site`` for it through the booking flow (capacity, opening hours, blackout days and the
    no-overlap check apply; the owner school approves it as any booking). Both or neither."""
    if not can_build_hosted_class(by, hosting):
        raise PermissionDeniedError("只有承办学校的教务、培训部门或学校管理员可以安排承办班次的现场教学。")
    klass = hosting.training_class
    if klass is None:
        raise ConflictError("请先建立承办班次，再安排现场教学。")
    title = clean_text(title, label="现场教学内容", field="title", max_length=200, required=True)
    if starts_at is None or ends_at is None:
        raise DomainError("请填写现场教学的开始和结束时间。", field="starts_at")
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if not klass.start_date <= start.date() <= klass.end_date:
        raise DomainError(
            f"现场教学日期须在班次起止日期之内（{klass.start_date:%Y-%m-%d} 至 {klass.end_date:%Y-%m-%d}）。",
            field="starts_at",
        )
    size = group_size or max(hosting.planned_trainees, 1)
    with transaction.atomic():  # both or neither; the booking keeps its session (see on_booking_closed)
        booking = book_site(
            by=by,
            site=site,
            school=hosting.host_school,
            starts_at=starts_at,
            ends_at=ends_at,
            group_size=size,
            purpose=f"{klass.name}：{title}"[:200],
        )
        session = add_session(
            by=by,
            training_class=klass,
            title=title,
            date=start.date(),
            start_time=start.time().replace(second=0, microsecond=0),
            end_time=end.time().replace(second=0, microsecond=0),
            place=site.name,
            form=TeachingForm.FIELD,
        )
        booking.session = session
        booking.save(update_fields=["session"])
    return booking, session
