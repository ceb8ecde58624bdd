"""Writes of alliance spaces and agreements. Each: permission → checks → lock → save → audit → notify."""

import os
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.activity.services import notify, record_audit
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.core.indexing import item_changed
from yiwang.core.validators import check_upload, clean_choice, clean_text
from yiwang.network.context import STAFF_FLAGS
from yiwang.network.models import Membership

from . import rules
from .enums import Mechanism, MeetingKind, ResolutionStatus, TargetMetric
from .models import (
    AgreedMechanism,
    Agreement,
    AgreementTarget,
    ChairTerm,
    Meeting,
    MemberContact,
    NewsImage,
    NewsPost,
    Resolution,
    Space,
)

IMAGE_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}
MAX_IMAGES = 9


def _staff_of(school_ids) -> list[User]:
    cond = Q()
    for flag in STAFF_FLAGS:
        cond |= Q(**{flag: True})
    members = Membership.objects.filter(school_id__in=list(school_ids), is_active=True).filter(cond)
    return list(User.objects.filter(pk__in=members.values("user_id"), is_active=True))


def _space_url(space: Space) -> str:
    return reverse("alliances:space", args=[space.pk])


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDeniedError(message)


def _member_school(space: Space, school, field: str = "school"):
    if school is None:
        raise DomainError("请选择学校。", field=field)
    if getattr(school, "pk", school) not in rules.member_school_ids(space):
        raise DomainError(f"{getattr(school, 'name', school)}不是“{space.name}”的成员学校。", field=field)
    return school


def ensure_space(*, alliance=None, partnership=None) -> Space:
    """The space of an alliance or a support partnership (created the first time it is opened)."""
    if (alliance is None) == (partnership is None):
        raise DomainError("请指定一个联盟或一个对口支援关系。")
    lookup = {"alliance": alliance} if alliance is not None else {"partnership": partnership}
    space, _ = Space.objects.get_or_create(**lookup)
    return space


def set_intro(*, by, space: Space, intro: str) -> Space:
    _require(rules.can_manage_space(by, space), "只有牵头学校、轮值学校（或支援方）的人员可以修改联盟简介。")
    intro = clean_text(intro, label="简介", field="intro", max_length=5000, multiline=True)
    with transaction.atomic():
        space = Space.objects.select_for_update().get(pk=space.pk)
        before = space.intro
        space.intro = intro
        space.save(update_fields=["intro", "updated_at"])
        record_audit(
            actor=by,
            action="space.intro_changed",
            obj=space,
            before={"intro": before},
            after={"intro": intro},
        )
    return space


def set_mechanisms(*, by, space: Space, mechanisms, agreed_on: date | None = None) -> list[AgreedMechanism]:
    """The mechanisms the members have agreed (in the given order); ``by=None`` is the demo."""
    if by is not None:
        _require(
            rules.can_manage_space(by, space), "只有牵头学校、轮值学校（或支援方）的人员可以设置协作机制。"
        )
    codes = list(dict.fromkeys(mechanisms or []))
    for code in codes:
        clean_choice(code, Mechanism, label="协作机制", field="mechanisms")
    with transaction.atomic():
        list(Space.objects.select_for_update().filter(pk=space.pk).values_list("pk"))
        existing = {m.mechanism: m for m in space.mechanisms.all()}
        space.mechanisms.exclude(mechanism__in=codes).delete()
        result = []
        for position, code in enumerate(codes):
            row = existing.get(code) or AgreedMechanism(space=space, mechanism=code, agreed_on=agreed_on)
            row.position = position
            row.save()
            result.append(row)
        record_audit(actor=by, action="space.mechanisms_set", obj=space, after={"mechanisms": codes})
    return result


def add_chair_term(*, by, space: Space, school, starts_on: date, ends_on: date) -> ChairTerm:
    if by is not None:
        _require(rules.can_manage_space(by, space), "只有牵头学校、轮值学校（或支援方）的人员可以安排轮值。")
    _member_school(space, school)
    if starts_on is None or ends_on is None:
        raise DomainError("请填写轮值的开始和结束日期。", field="starts_on")
    if ends_on < starts_on:
        raise DomainError("轮值结束日期不能早于开始日期。", field="ends_on")
    with transaction.atomic():
        list(Space.objects.select_for_update().filter(pk=space.pk).values_list("pk"))
        clash = ChairTerm.objects.filter(space=space, starts_on__lte=ends_on, ends_on__gte=starts_on).first()
        if clash is not None:
            raise ConflictError(
                f"与已安排的轮值（{clash.school.short_name} {clash.starts_on}至{clash.ends_on}）重叠。",
                field="starts_on",
            )
        term = ChairTerm.objects.create(space=space, school=school, starts_on=starts_on, ends_on=ends_on)
        record_audit(
            actor=by,
            action="space.chair_added",
            obj=space,
            school=school,
            after={"start": starts_on, "end": ends_on},
        )
    return term


def set_contact(
    *, by, space: Space, school, name: str, position: str = "", phone: str = "", email: str = ""
) -> MemberContact:
    """A member school's contact person: set by that school's staff (or the space's managers)."""
    _member_school(space, school)
    if by is not None:
        mine = rules.staff_member_school_ids(by, space)
        _require(
            school.pk in mine or rules.can_manage_space(by, space), "只有该成员学校的人员可以设置本校联络人。"
        )
    name = clean_text(name, label="联络人", field="name", max_length=40, required=True)
    position = clean_text(position, label="职务", field="position", max_length=60)
    phone = clean_text(phone, label="电话", field="phone", max_length=30)
    email = clean_text(email, label="电子邮箱", field="email", max_length=254)
    if email and "@" not in email:
        raise DomainError("电子邮箱格式不正确。", field="email")
    with transaction.atomic():
        contact, _ = MemberContact.objects.select_for_update().update_or_create(
            space=space,
            school=school,
            defaults={"name": name, "position": position, "phone": phone, "email": email},
        )
        record_audit(actor=by, action="space.contact_set", obj=space, school=school, after={"name": name})
    return contact


def create_meeting(
    *,
    by,
    space: Space,
    title: str,
    held_on: date,
    host_school,
    kind: str = MeetingKind.JOINT,
    place: str = "",
    agenda: str = "",
    attendee_schools=(),
    attendees: str = "",
) -> Meeting:
    if by is not None:
        _require(rules.can_post_in(by, space), "只有成员学校的管理员、教务、培训或科研人员可以登记会议。")
    title = clean_text(title, label="会议名称", field="title", max_length=200, required=True)
    kind = clean_choice(kind, MeetingKind, label="会议类型", field="kind")
    if held_on is None:
        raise DomainError("请填写会议日期。", field="held_on")
    _member_school(space, host_school, "host_school")
    members = rules.member_school_ids(space)
    attendee_schools = list(dict.fromkeys(attendee_schools or []))
    outside = [s for s in attendee_schools if s.pk not in members]
    if outside:
        raise DomainError(f"{outside[0].name}不是成员学校。", field="attendee_schools")
    place = clean_text(place, label="地点", field="place", max_length=120)
    agenda = clean_text(agenda, label="议程", field="agenda", max_length=5000, multiline=True)
    attendees = clean_text(attendees, label="参会人员", field="attendees", max_length=3000, multiline=True)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            space=space,
            kind=kind,
            title=title,
            held_on=held_on,
            place=place,
            host_school=host_school,
            agenda=agenda,
            attendees=attendees,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        meeting.attendee_schools.set(attendee_schools)
        record_audit(
            actor=by,
            action="meeting.created",
            obj=meeting,
            school=host_school,
            after={"title": title, "held_on": held_on},
        )
        notify(
            [u for u in _staff_of(members) if u != by],
            title=f"{space.name}：{meeting.get_kind_display()}《{title}》",
            body=f"{held_on:%Y-%m-%d}，{host_school.short_name}承办。",
            url=reverse("alliances:meeting", args=[meeting.pk]),
        )
    return meeting


def record_minutes(*, by, meeting: Meeting, minutes: str, attendees: str | None = None) -> Meeting:
    if by is not None:
        _require(rules.can_edit_meeting(by, meeting), "只有承办学校或牵头、轮值学校的人员可以填写会议纪要。")
    minutes = clean_text(
        minutes, label="会议纪要", field="minutes", max_length=20000, multiline=True, required=True
    )
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        before = meeting.minutes
        meeting.minutes = minutes
        meeting.minutes_recorded_at = timezone.now()
        fields = ["minutes", "minutes_recorded_at", "updated_at"]
        if attendees is not None:
            meeting.attendees = clean_text(
                attendees, label="参会人员", field="attendees", max_length=3000, multiline=True
            )
            fields.append("attendees")
        meeting.save(update_fields=fields)
        record_audit(
            actor=by,
            action="meeting.minutes_recorded",
            obj=meeting,
            before={"minutes": before[:200]},
            after={"minutes": minutes[:200]},
        )
    return meeting


def add_resolution(*, by, meeting: Meeting, text: str, owner_school, due_on: date) -> Resolution:
    """A resolution recorded in a meeting's minutes: its owner school and due date are required."""
    space = meeting.space
    if by is not None:
        _require(rules.can_edit_meeting(by, meeting), "只有承办学校或牵头、轮值学校的人员可以登记决议。")
    text = clean_text(text, label="决议事项", field="text", max_length=500, required=True)
    if owner_school is None:
        raise DomainError("请为决议指定责任学校。", field="owner_school")
    _member_school(space, owner_school, "owner_school")
    if due_on is None:
        raise DomainError("请为决议填写完成期限。", field="due_on")
    if due_on < meeting.held_on:
        raise DomainError("完成期限不能早于会议日期。", field="due_on")
    with transaction.atomic():
        resolution = Resolution.objects.create(
            meeting=meeting, space=space, text=text, owner_school=owner_school, due_on=due_on
        )
        record_audit(
            actor=by,
            action="resolution.added",
            obj=resolution,
            school=owner_school,
            after={"text": text, "due_on": due_on},
        )
        notify(
            _staff_of([owner_school.pk]),
            title=f"{space.name}决议待落实：{text[:30]}",
            body=f"责任学校：{owner_school.short_name}；完成期限 {due_on:%Y-%m-%d}。",
            url=reverse("alliances:meeting", args=[meeting.pk]),
        )
    return resolution


def complete_resolution(*, by, resolution: Resolution, note: str = "") -> Resolution:
    if by is not None:
        _require(
            rules.can_close_resolution(by, resolution), "只有责任学校或牵头、轮值学校的人员可以标记决议完成。"
        )
    note = clean_text(note, label="完成情况", field="note", max_length=500)
    with transaction.atomic():
        resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
        if resolution.status == ResolutionStatus.DONE:
            raise ConflictError("该决议已标记完成。")
        resolution.status = ResolutionStatus.DONE
        resolution.done_at = timezone.now()
        resolution.done_by = by if getattr(by, "is_authenticated", False) else None
        resolution.done_note = note
        resolution.save(update_fields=["status", "done_at", "done_by", "done_note", "updated_at"])
        record_audit(
            actor=by,
            action="resolution.done",
            obj=resolution,
            school=resolution.owner_school,
            before={"status": ResolutionStatus.OPEN},
            after={"status": ResolutionStatus.DONE, "note": note},
        )
    return resolution


def post_news(
    *, by, space: Space, school, title: str, body: str, is_public: bool = False, images=(), published_at=None
) -> NewsPost:
    """News by a member school. Text is stored as typed and always shown escaped (as text)."""
    _member_school(space, school)
    if by is not None:
        _require(
            school.pk in rules.staff_member_school_ids(by, space),
            "只有成员学校的管理员、教务、培训或科研人员可以代表本校发布动态。",
        )
    title = clean_text(title, label="标题", field="title", max_length=200, required=True)
    body = clean_text(body, label="正文", field="body", max_length=20000, multiline=True, required=True)
    images = [i for i in images or [] if i]
    if len(images) > MAX_IMAGES:
        raise DomainError(f"一条动态最多 {MAX_IMAGES} 张图片。", field="images")
    checked = []
    for image in images:
        ext = check_upload(image, field="images", label="图片")
        if ext not in IMAGE_TYPES:
            raise DomainError("图片只能是 JPG 或 PNG 格式。", field="images", code="file_type")
        checked.append((image, IMAGE_TYPES[ext]))
    with transaction.atomic():
        news = NewsPost.objects.create(
            space=space,
            school=school,
            title=title,
            body=body,
            is_public=bool(is_public),
            published_at=published_at or timezone.now(),
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        for image, content_type in checked:
            row = NewsImage(news=news, content_type=content_type)
            row.file.save(os.path.basename(image.name), image, save=False)
            row.save()
        record_audit(
            actor=by,
            action="news.posted",
            obj=news,
            school=school,
            after={"title": title, "public": news.is_public},
        )
        item_changed(news)
    return news


def create_agreement(
    *,
    by,
    title: str,
    starts_on: date,
    ends_on: date,
    alliance=None,
    partnership=None,
    signed_on=None,
    note: str = "",
) -> Agreement:
    if (alliance is None) == (partnership is None):
        raise DomainError("请选择协议所属的联盟或对口支援关系。", field="partnership")
    probe = Agreement(alliance=alliance, partnership=partnership)
    if by is not None:
        _require(rules.can_manage_agreement(by, probe), "只有支援方（或联盟牵头学校）的人员可以登记协议。")
    title = clean_text(title, label="协议名称", field="title", max_length=200, required=True)
    if starts_on is None or ends_on is None:
        raise DomainError("请填写协议期限。", field="starts_on")
    if ends_on < starts_on:
        raise DomainError("协议结束日期不能早于开始日期。", field="ends_on")
    note = clean_text(note, label="说明", field="note", max_length=3000, multiline=True)
    with transaction.atomic():
        agreement = Agreement.objects.create(
            title=title,
            alliance=alliance,
            partnership=partnership,
            starts_on=starts_on,
            ends_on=ends_on,
            signed_on=signed_on,
            note=note,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        record_audit(actor=by, action="agreement.created", obj=agreement, after={"title": title})
    return agreement


def set_target(*, by, agreement: Agreement, year: int, metric: str, target: int) -> AgreementTarget:
    """A countable commitment of one year (its progress is counted, never typed)."""
    if by is not None:
        _require(
            rules.can_manage_agreement(by, agreement), "只有支援方（或联盟牵头学校）的人员可以设置协议指标。"
        )
    metric = clean_choice(metric, TargetMetric, label="指标", field="metric")
    if not isinstance(year, int) or not agreement.starts_on.year <= year <= agreement.ends_on.year:
        raise DomainError(
            f"年度应在协议期限内（{agreement.starts_on.year}–{agreement.ends_on.year}）。", field="year"
        )
    if not isinstance(target, int) or not 1 <= target <= 100000:
        raise DomainError("目标数应为 1 到 100000 之间的整数。", field="target")
    try:
        with transaction.atomic():
            row, created = AgreementTarget.objects.update_or_create(
                agreement=agreement, year=year, metric=metric, defaults={"target": target}
            )
            record_audit(
                actor=by,
                action="agreement.target_set",
                obj=agreement,
                after={"year": year, "metric": metric, "target": target},
            )
    except IntegrityError:
        raise ConflictError("该年度该指标已设置。") from None
    return row
