"""Demo field sites: 13 sites of Guangzhou and 川滇黔 schools (鸡鸣三省 and 绝壁天渠 among them,
the others invented beside real places), bookings in every state between schools, and visit
evaluations. Idempotent: sites are found by (school, name), bookings by their request's subject.

Bookings are written as rows (the request, its events and the booking, in the states the request
flow would leave them), so past visits can be shown; slot-holding bookings never overlap.
"""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from yiwang.courses.models import Course
from yiwang.exchanges.enums import RequestKind, RequestStatus
from yiwang.exchanges.models import Request, RequestEvent
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope
from yiwang.network.models import Alliance, Membership, School

from . import services
from .enums import BookingStatus, OperatorKind
from .models import Booking, FieldSite, SiteBlackout, VisitEvaluation

# school, name, address, lat, lng, themes, capacity, opens, closes, weekdays, operator (agency name or "")
SITES = [
    (
        "gz",
        "广州起义烈士陵园",
        "广州市越秀区中山二路92号",
        23.1271,
        113.2873,
        "red,spirit",
        120,
        "09:00",
        "17:00",
        "1234567",
        "",
    ),
    (
        "gz-yuexiu",
        "农民运动讲习所旧址",
        "广州市越秀区中山四路42号",
        23.1269,
        113.2781,
        "red,heritage",
        80,
        "09:00",
        "17:00",
        "234567",
        "",
    ),
    (
        "gz-huangpu",
        "黄埔军校旧址",
        "广州市黄埔区长洲岛",
        23.0919,
        113.4125,
        "red,spirit",
        150,
        "09:00",
        "17:00",
        "234567",
        "黄埔军校旧址纪念馆",
    ),
    (
        "gz-nansha",
        "南沙自贸区规划展览馆",
        "广州市南沙区港前大道",
        22.7960,
        113.5980,
        "economy",
        60,
        "09:00",
        "17:30",
        "12345",
        "南沙区规划和自然资源局",
    ),
    (
        "gz-haizhu",
        "琶洲人工智能与数字经济试验区",
        "广州市海珠区琶洲",
        23.1000,
        113.3690,
        "economy,governance",
        50,
        "09:30",
        "17:00",
        "12345",
        "",
    ),
    (
        "gz",
        "从化西和村乡村振兴示范点",
        "广州市从化区城郊街西和村",
        23.5800,
        113.5790,
        "rural,ecology",
        80,
        "08:30",
        "17:30",
        "1234567",
        "城郊街西和村村民委员会",
    ),
    (
        "lz-xuyong",
        "鸡鸣三省红色教育基地",
        "四川省泸州市叙永县水潦彝族乡",
        27.9680,
        105.4180,
        "red,spirit",
        100,
        "08:30",
        "17:30",
        "1234567",
        "叙永县水潦彝族乡人民政府",
    ),
    (
        "bj-qixingguan",
        "绝壁天渠",
        "贵州省遵义市播州区平正仡佬族乡团结村",
        27.3290,
        106.8270,
        "spirit,rural",
        60,
        "08:30",
        "17:00",
        "1234567",
        "播州区平正仡佬族乡团结村村民委员会",
    ),
    (
        "lz-gulin",
        "太平渡红军长征纪念馆",
        "四川省泸州市古蔺县太平镇",
        28.0040,
        105.8220,
        "red,heritage",
        90,
        "09:00",
        "17:00",
        "234567",
        "古蔺县太平镇人民政府",
    ),
    (
        "weixin",
        "扎西会议纪念馆",
        "云南省昭通市威信县扎西镇",
        27.8430,
        105.0480,
        "red,spirit",
        120,
        "08:30",
        "17:30",
        "1234567",
        "",
    ),
    (
        "xingwen",
        "僰王山生态文明教学点",
        "四川省宜宾市兴文县僰王山镇",
        28.2520,
        105.1590,
        "ecology",
        50,
        "09:00",
        "16:30",
        "1234567",
        "兴文县僰王山镇人民政府",
    ),
    (
        "zhenxiong",
        "镇雄县基层治理实训点",
        "云南省昭通市镇雄县乌峰街道",
        27.4410,
        104.8730,
        "governance,rural",
        40,
        "09:00",
        "17:00",
        "12345",
        "",
    ),
    (
        "lz-hejiang",
        "合江县荔枝产业乡村振兴示范园",
        "四川省泸州市合江县虎头镇",
        28.8120,
        105.8310,
        "rural,economy",
        70,
        "09:00",
        "17:00",
        "1234567",
        "合江县农业农村局",
    ),
]

# site name, requesting school, day offset from today (None: a fixed past date), start, end, size, state
BOOKINGS = [
    (
        "鸡鸣三省红色教育基地",
        "bj-qixingguan",
        None,
        "2026-09-16",
        "09:00",
        "12:00",
        45,
        BookingStatus.COMPLETED,
    ),
    ("鸡鸣三省红色教育基地", "weixin", None, "2026-10-22", "14:00", "17:00", 38, BookingStatus.COMPLETED),
    ("鸡鸣三省红色教育基地", "zhenxiong", 12, None, "09:00", "12:00", 40, BookingStatus.APPROVED),
    ("鸡鸣三省红色教育基地", "lz-gulin", 12, None, "10:00", "13:00", 30, BookingStatus.DECLINED),
    ("鸡鸣三省红色教育基地", "lz-gulin", 13, None, "09:00", "12:00", 30, BookingStatus.PENDING),
    ("绝壁天渠", "lz-xuyong", None, "2026-11-05", "09:00", "16:00", 50, BookingStatus.COMPLETED),
    ("绝壁天渠", "xingwen", 16, None, "09:00", "12:00", 35, BookingStatus.PENDING),
    ("扎西会议纪念馆", "lz-xuyong", 20, None, "14:00", "17:00", 60, BookingStatus.APPROVED),
    ("太平渡红军长征纪念馆", "weixin", 9, None, "09:00", "11:30", 40, BookingStatus.WITHDRAWN),
    ("广州起义烈士陵园", "bm", None, "2026-07-08", "09:00", "11:30", 42, BookingStatus.COMPLETED),
    ("从化西和村乡村振兴示范点", "bm", None, "2026-07-09", "09:00", "16:00", 42, BookingStatus.COMPLETED),
    ("广州起义烈士陵园", "sf", None, "2026-10-14", "09:00", "12:00", 55, BookingStatus.COMPLETED),
    ("黄埔军校旧址", "gz-panyu", None, "2026-10-15", "09:00", "12:00", 55, BookingStatus.COMPLETED),
    ("从化西和村乡村振兴示范点", "bj", None, "2026-08-20", "09:00", "16:00", 48, BookingStatus.COMPLETED),
    ("南沙自贸区规划展览馆", "mz", 10, None, "09:30", "11:30", 30, BookingStatus.APPROVED),
    ("广州起义烈士陵园", "mz", 11, None, "14:00", "16:30", 30, BookingStatus.APPROVED),
    ("广州起义烈士陵园", "ly", 15, None, "09:00", "11:00", 40, BookingStatus.PENDING),
    ("琶洲人工智能与数字经济试验区", "hy", 8, None, "14:00", "16:30", 60, BookingStatus.DECLINED),
]
EVALUATIONS = {
    0: (5, 5, 4, "讲解生动，现场感强。"),
    1: (5, 4, 5, ""),
    5: (5, 5, 5, "深受教育。"),
    9: (5, 4, 4, ""),
}
DECLINE_NOTES = {
    BookingStatus.DECLINED: "该时段已安排本校主体班现场教学，建议改期。",
}


def _tz():
    return timezone.get_current_timezone()


def _hm(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def _staff(school: School):
    membership = (
        Membership.objects.filter(school=school, is_active=True, is_school_admin=True)
        .select_related("user")
        .first()
        or Membership.objects.filter(school=school, is_active=True, is_training_staff=True)
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


def _sites(log) -> dict[str, FieldSite]:
    schools = {s.code: s for s in School.objects.filter(code__in={row[0] for row in SITES})}
    adjacent = Alliance.objects.filter(name="川滇黔毗邻区县党校联盟").first()
    found: dict[str, FieldSite] = {}
    for code, name, address, lat, lng, themes, capacity, opens, closes, days, agency in SITES:
        school = schools.get(code)
        if school is None:
            continue
        site = FieldSite.objects.filter(owner_school=school, name=name).first()
        if site is None:
            guides = list(Teacher.objects.filter(owner_school=school, is_active=True).order_by("id")[:2])
            courses = list(Course.objects.filter(place_name=name).order_by("id")[:3])
            if code.startswith("gz"):
                scope, alliances = SharingScope.NETWORK, []
            elif adjacent is not None:
                scope, alliances = SharingScope.PARTNERS, [adjacent]
            else:
                scope, alliances = SharingScope.NETWORK, []
            site = services.create_site(
                by=None,
                school=school,
                name=name,
                address=address,
                latitude=lat,
                longitude=lng,
                themes=themes,
                capacity=capacity,
                opens_at=_hm(opens),
                closes_at=_hm(closes),
                open_weekdays=days,
                operator_kind=OperatorKind.AGENCY if agency else OperatorKind.SCHOOL,
                operator_name=agency,
                summary=f"{name}现场教学点，可开展{'、'.join(FieldSite(themes=themes).theme_labels)}主题现场教学。",
                contact=f"{school.short_name}党校培训处",
                guides=guides,
                courses=courses,
                scope=scope,
                alliances=alliances,
            )
            log.count(True)
        else:
            log.count(False)
        found[name] = site
    return found


def _blackouts(sites: dict[str, FieldSite], log) -> None:
    today = timezone.localdate()
    for name, offset, days, reason in (
        ("鸡鸣三省红色教育基地", 30, 3, "景区设施检修"),
        ("广州起义烈士陵园", 25, 1, "重大纪念活动"),
    ):
        site = sites.get(name)
        if site is None or site.blackouts.exists():
            log.count(False)
            continue
        start = today + timedelta(days=offset)
        SiteBlackout.objects.create(
            site=site, start_date=start, end_date=start + timedelta(days=days - 1), reason=reason
        )
        log.count(True)


def _weekday_on_or_after(day, site: FieldSite):
    while str(day.isoweekday()) not in site.open_weekdays:
        day += timedelta(days=1)
    return day


def _bookings(sites: dict[str, FieldSite], log) -> None:
    schools = {s.code: s for s in School.objects.filter(code__in={row[1] for row in BOOKINGS})}
    today = timezone.localdate()
    for index, (name, code, offset, fixed, start, end, size, state) in enumerate(BOOKINGS):
        site, school = sites.get(name), schools.get(code)
        if site is None or school is None:
            continue
        key = f"demo-site:{site.pk}:{index}"
        if Request.objects.filter(
            kind=RequestKind.SITE_BOOKING, from_school=school, subject_key=key
        ).exists():
            log.count(False)
            continue
        day = (
            datetime.fromisoformat(fixed).date()
            if fixed
            else _weekday_on_or_after(today + timedelta(days=offset), site)
        )
        starts_at = datetime.combine(day, _hm(start), tzinfo=_tz())
        ends_at = datetime.combine(day, _hm(end), tzinfo=_tz())
        sender, owner = _staff(school), _staff(site.owner_school)
        request_status = {
            BookingStatus.PENDING: RequestStatus.SUBMITTED,
            BookingStatus.APPROVED: RequestStatus.ACCEPTED,
            BookingStatus.DECLINED: RequestStatus.DECLINED,
            BookingStatus.WITHDRAWN: RequestStatus.WITHDRAWN,
            BookingStatus.COMPLETED: RequestStatus.COMPLETED,
        }[state]
        submitted = min(timezone.now(), starts_at) - timedelta(days=14)
        decided = (
            submitted + timedelta(days=2)
            if state in (BookingStatus.APPROVED, BookingStatus.DECLINED, BookingStatus.COMPLETED)
            else None
        )
        purpose = f"{school.short_name}党校{'中青班' if index % 2 else '主体班'}现场教学"
        request = Request.objects.create(
            kind=RequestKind.SITE_BOOKING,
            from_school=school,
            to_school=site.owner_school,
            subject_key=key,
            title=f"预约{site.name}：{starts_at:%Y-%m-%d %H:%M}，{size} 人",
            body=f"班次或用途：{purpose}",
            starts_at=starts_at,
            ends_at=ends_at,
            status=request_status,
            created_by=sender,
            submitted_at=submitted,
            decided_at=decided,
            decided_by=owner if decided else None,
            decision_note=DECLINE_NOTES.get(state, "欢迎前来，届时安排讲解员。" if decided else ""),
            completed_at=ends_at + timedelta(hours=2) if state == BookingStatus.COMPLETED else None,
        )
        events = [("创建", RequestStatus.DRAFT, sender), ("提交", RequestStatus.SUBMITTED, sender)]
        if state in (BookingStatus.APPROVED, BookingStatus.COMPLETED):
            events.append(("接受", RequestStatus.ACCEPTED, owner))
        if state == BookingStatus.COMPLETED:
            events.append(("标记完成", RequestStatus.COMPLETED, owner))
        if state == BookingStatus.DECLINED:
            events.append(("拒绝", RequestStatus.DECLINED, owner))
        if state == BookingStatus.WITHDRAWN:
            events.append(("撤回", RequestStatus.WITHDRAWN, sender))
        RequestEvent.objects.bulk_create(
            [
                RequestEvent(
                    request=request,
                    actor=who,
                    actor_name=(who.full_name if who else "系统"),
                    verb=verb,
                    status=status,
                )
                for verb, status, who in events
            ]
        )
        booking = Booking.objects.create(
            site=site,
            request=request,
            requesting_school=school,
            owner_school=site.owner_school,
            starts_at=starts_at,
            ends_at=ends_at,
            group_size=min(size, site.capacity),
            purpose=purpose,
            status=state,
        )
        if index in EVALUATIONS:
            content, guiding, arrangements, comment = EVALUATIONS[index]
            VisitEvaluation.objects.create(
                booking=booking,
                content=content,
                guiding=guiding,
                arrangements=arrangements,
                comment=comment,
                by=sender,
            )
        log.count(True)


@transaction.atomic
def load(*, scale: int = 0, log) -> None:
    sites = _sites(log)
    _blackouts(sites, log)
    _bookings(sites, log)
