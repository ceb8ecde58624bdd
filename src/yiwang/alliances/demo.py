"""Demo alliance spaces and agreements: the 川滇黔 alliance's space (the ten mechanisms, contacts,
rotating chairs, two joint meetings with minutes and resolutions — one overdue — and news), the
regional group's five mechanisms, a space per support partnership, and support agreements for the
five partners with this year's targets whose progress is counted from the demo records.
Idempotent: every row is found by its natural key first."""

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from yiwang.classes.demo import demo_now
from yiwang.core.demo_names import unique_names
from yiwang.network.models import Alliance, School, SupportPartnership

from . import services
from .enums import REGIONAL_FIVE, TEN_MECHANISMS, Mechanism, MeetingKind, ResolutionStatus, TargetMetric
from .models import (
    Agreement,
    AgreementTarget,
    ChairTerm,
    Meeting,
    MemberContact,
    NewsImage,
    NewsPost,
    Resolution,
)

ADJACENT = "川滇黔毗邻区县党校联盟"
REGIONAL = "片区协作第一片区"


@dataclass(frozen=True)
class Shift:
    """The demo's dates, written as they were on ``AUTHORED`` and moved by whole days to the day the
    demo first ran (``classes.demo.demo_now``), so the overdue resolution stays overdue, the coming
    ones stay coming and this year's agreements stay this year's; years in texts move with today."""

    today: date

    @property
    def delta(self) -> timedelta:
        return self.today - AUTHORED

    def day(self, y: int, m: int, d: int) -> date:
        return date(y, m, d) + self.delta

    def moment(self, y: int, m: int, d: int, hour: int, minute: int) -> datetime:
        return datetime.combine(self.day(y, m, d), time(hour, minute))

    def year(self, y: int) -> int:
        return y + (self.today.year - AUTHORED.year)

    def month_day(self, y: int, m: int, d: int) -> str:
        day = self.day(y, m, d)
        return f"{day.month} 月 {day.day} 日"


AUTHORED = date(2026, 12, 2)


def meetings(at: Shift) -> list[dict]:
    return [
        {
            "title": "川滇黔毗邻区县党校联盟第三次联席会议",
            "kind": MeetingKind.JOINT,
            "held_on": at.day(2026, 4, 18),
            "place": "毕节市七星关区委党校",
            "host": "bj-qixingguan",
            "agenda": f"一、通报联盟 {at.year(2025)} 年工作情况\n二、审议《联盟现场教学基地共享办法》\n三、商定 {at.year(2026)} 年班次互派和课题共研计划",
            "minutes": "会议由轮值学校七星关区委党校主持，八所成员学校参会。会议审议通过《联盟现场教学基地共享办法》，"
            f"商定由各校推荐现场教学基地纳入共享目录，联合开发“四渡赤水”主题现场教学精品课，{at.year(2026)} 年下半年互派教师授课。",
            "resolutions": [
                (
                    "建立联盟现场教学基地共享目录，每校推荐至少 2 个基地",
                    "lz-xuyong",
                    at.day(2026, 6, 30),
                    True,
                ),
                ("联合开发“四渡赤水”主题现场教学精品课", "lz-gulin", at.day(2026, 9, 30), False),
            ],
        },
        {
            "title": f"川滇黔毗邻区县党校联盟 {at.year(2026)} 年工作交流会",
            "kind": MeetingKind.WORKING,
            "held_on": at.day(2026, 10, 20),
            "place": "威信县委党校",
            "host": "weixin",
            "agenda": "一、交流基地共用和班次互派情况\n二、研究联盟宣传联动和品牌共塑\n三、商定下一次联席会议时间",
            "minutes": "会议交流了鸡鸣三省、绝壁天渠等基地的共用情况，商定编印联盟季度工作简报，"
            f"{at.year(2027)} 年春季各校互派中青班学员开展异地现场教学。",
            "resolutions": [
                ("编印联盟季度工作简报", "weixin", at.day(2026, 12, 31), False),
                (f"{at.year(2027)} 年春季互派中青班学员各 1 期", "lz", at.day(2027, 3, 31), False),
            ],
        },
    ]


def news_posts(at: Shift) -> list[tuple]:
    return [
        (
            "鸡鸣三省红色教育基地接待七星关区委党校主体班",
            "bj-qixingguan",
            f"{at.month_day(2026, 9, 16)}，七星关区委党校主体班学员 45 人赴鸡鸣三省红色教育基地开展现场教学，重温红军长征在川滇黔边区的历史。",
            True,
            at.moment(2026, 9, 18, 10, 0),
        ),
        (
            "联盟第三次联席会议在七星关召开",
            "bj-qixingguan",
            f"{at.month_day(2026, 4, 18)}，川滇黔毗邻区县党校联盟第三次联席会议召开，审议通过基地共享办法。",
            True,
            at.moment(2026, 4, 19, 9, 0),
        ),
        (
            "联盟成员学校交流会内部通报",
            "weixin",
            "工作交流会商定的事项请各成员学校按期落实，季度简报请于每季度末报送威信县委党校。",
            False,
            at.moment(2026, 10, 21, 9, 0),
        ),
    ]


# partner code → this year's targets
TARGETS = {
    "bm": {
        TargetMetric.HOSTED_CLASSES: 2,
        TargetMetric.DISPATCHES: 6,
        TargetMetric.SITE_BOOKINGS: 3,
        TargetMetric.VISITING_SEATS: 20,
    },
    "sf": {TargetMetric.HOSTED_CLASSES: 2, TargetMetric.DISPATCHES: 4, TargetMetric.SITE_BOOKINGS: 2},
    "bj": {
        TargetMetric.HOSTED_CLASSES: 1,
        TargetMetric.DISPATCHES: 10,
        TargetMetric.SITE_BOOKINGS: 2,
        TargetMetric.CO_BUILT_COURSES: 1,
    },
    "mz": {
        TargetMetric.DISPATCHES: 10,
        TargetMetric.VISITING_SEATS: 50,
        TargetMetric.CO_BUILT_COURSES: 3,
        TargetMetric.SITE_BOOKINGS: 5,
    },
    "ly": {TargetMetric.HOSTED_CLASSES: 1, TargetMetric.DISPATCHES: 4, TargetMetric.SITE_BOOKINGS: 2},
}


def _png(color) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _adjacent_space(log, schools, at: Shift):
    alliance = Alliance.objects.filter(name=ADJACENT).first()
    if alliance is None:
        return
    space = services.ensure_space(alliance=alliance)
    if not space.mechanisms.exists():
        services.set_mechanisms(by=None, space=space, mechanisms=TEN_MECHANISMS, agreed_on=date(2023, 6, 1))
        log.count(True)
    names = iter(unique_names(20, seed=20261202))
    for membership in alliance.memberships.select_related("school").order_by("school__code"):
        name = next(names)
        if not MemberContact.objects.filter(space=space, school=membership.school).exists():
            services.set_contact(
                by=None,
                space=space,
                school=membership.school,
                name=name,
                position="培训处处长",
                phone="0830-0000000",
            )
            log.count(True)
    for code, start in (("lz-xuyong", 2024), ("bj-qixingguan", 2025), ("weixin", 2026)):
        school = schools.get(code)
        starts_on, ends_on = date(at.year(start), 7, 1), date(at.year(start) + 1, 6, 30)
        if school and not ChairTerm.objects.filter(space=space, starts_on=starts_on).exists():
            services.add_chair_term(by=None, space=space, school=school, starts_on=starts_on, ends_on=ends_on)
            log.count(True)
    members = [m.school for m in alliance.memberships.select_related("school")]
    for spec in meetings(at):
        meeting = Meeting.objects.filter(space=space, title=spec["title"]).first()
        if meeting is not None:
            log.count(False)
            continue
        host = schools[spec["host"]]
        meeting = services.create_meeting(
            by=None,
            space=space,
            title=spec["title"],
            kind=spec["kind"],
            held_on=spec["held_on"],
            place=spec["place"],
            host_school=host,
            agenda=spec["agenda"],
            attendee_schools=members,
            attendees="各成员学校分管副校长、培训处负责人",
        )
        services.record_minutes(by=None, meeting=meeting, minutes=spec["minutes"])
        for text, owner, due, done in spec["resolutions"]:
            resolution = services.add_resolution(
                by=None, meeting=meeting, text=text, owner_school=schools[owner], due_on=due
            )
            if done:
                Resolution.objects.filter(pk=resolution.pk).update(
                    status=ResolutionStatus.DONE,
                    done_at=datetime.combine(due, time(17, 0), tzinfo=timezone.get_current_timezone()),
                    done_note="共享目录已建立，收录基地 16 个。",
                )
        log.count(True)
    for index, (title, code, body, public, when) in enumerate(news_posts(at)):
        if NewsPost.objects.filter(space=space, title=title).exists():
            log.count(False)
            continue
        news = services.post_news(
            by=None,
            space=space,
            school=schools[code],
            title=title,
            body=body,
            is_public=public,
            published_at=when.replace(tzinfo=timezone.get_current_timezone()),
        )
        if index == 0:
            image = NewsImage(news=news, content_type="image/png", caption="现场教学")
            image.file.save("jiming.png", ContentFile(_png((178, 38, 30))), save=False)
            image.save()
        log.count(True)


def _other_spaces(log, schools):
    regional = Alliance.objects.filter(name=REGIONAL).first()
    if regional is not None:
        space = services.ensure_space(alliance=regional)
        if not space.mechanisms.exists():
            services.set_mechanisms(
                by=None, space=space, mechanisms=REGIONAL_FIVE, agreed_on=date(2022, 4, 1)
            )
            log.count(True)
    for partnership in SupportPartnership.objects.select_related("supporter", "supported"):
        space = services.ensure_space(partnership=partnership)
        if not space.mechanisms.exists():
            services.set_mechanisms(
                by=None,
                space=space,
                mechanisms=[
                    Mechanism.HOSTING,
                    Mechanism.DISPATCH,
                    Mechanism.CLASS_EXCHANGE,
                    Mechanism.TALENT,
                ],
                agreed_on=partnership.since,
            )
            log.count(True)


def _agreements(log, at: Shift):
    for partnership in SupportPartnership.objects.select_related("supporter", "supported").filter(
        supporter__code="gz"
    ):
        targets = TARGETS.get(partnership.supported.code)
        if targets is None:
            continue
        first, last = at.year(2026), at.year(2028)
        title = f"{partnership.supporter.name}—{partnership.supported.name}对口支援协议（{first}—{last}年）"
        agreement = Agreement.objects.filter(partnership=partnership, title=title).first()
        if agreement is None:
            agreement = services.create_agreement(
                by=None,
                title=title,
                partnership=partnership,
                starts_on=date(first, 1, 1),
                ends_on=date(last, 12, 31),
                signed_on=date(first - 1, 12, 20),
                note="双方围绕承办培训班、互派教师、开放课堂、共建课程和基地接待开展对口支援。",
            )
            log.count(True)
        for metric, target in targets.items():
            if not AgreementTarget.objects.filter(agreement=agreement, year=first, metric=metric).exists():
                services.set_target(by=None, agreement=agreement, year=first, metric=metric, target=target)
                log.count(True)
    adjacent = Alliance.objects.filter(name=ADJACENT).first()
    if adjacent is not None:
        year = at.year(2026)
        title = f"川滇黔毗邻区县党校联盟协作协议（{year}年度）"
        agreement = Agreement.objects.filter(alliance=adjacent, title=title).first()
        if agreement is None:
            agreement = services.create_agreement(
                by=None,
                title=title,
                alliance=adjacent,
                starts_on=date(year, 1, 1),
                ends_on=date(year, 12, 31),
                signed_on=at.day(2026, 4, 18),
            )
            log.count(True)
        for metric, target in ((TargetMetric.SITE_BOOKINGS, 6), (TargetMetric.DISPATCHES, 8)):
            if not AgreementTarget.objects.filter(agreement=agreement, year=year, metric=metric).exists():
                services.set_target(by=None, agreement=agreement, year=year, metric=metric, target=target)
                log.count(True)


@transaction.atomic
def load(*, scale: int = 0, log) -> None:
    schools = {s.code: s for s in School.objects.all()}
    at = Shift(demo_now(schools["gz"]).date()) if "gz" in schools else Shift(timezone.localdate())
    _adjacent_space(log, schools, at)
    _other_spaces(log, schools)
    _agreements(log, at)
