"""Demo data of 交流协作 (runs after classes' demo; idempotent — every request is found by its
kind, sending school and title first):

* 师资互派 within 片区协作第一片区: 河源 and 清远 get a 广州 teacher (accepted, sessions in their
  classes; 清远's teacher has confirmed), 梅州 asks for the same teacher at the same hour as 河源 —
  refused for the conflict — and 肇庆's need for a 乡村振兴 teacher waits in 广州's inbox;
* 培训互接: 波密 asks 广州 to host a 10-day young-cadre class — lectures, field teaching,
  research-style teaching, thematic research and off-site party-spirit education — with a roster
  of 30 trainees, check-ins and ratings for the days already taught; 疏附's request waits.

Dates are relative to the day the demo is loaded (a dispatch or a class must lie ahead when it
is requested), so the data always looks current.
"""

import contextlib
import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.classes import services as class_services
from yiwang.classes.enums import INDICATORS, ClassKind
from yiwang.classes.models import Evaluation, TrainingClass
from yiwang.core.errors import DomainError
from yiwang.faculty.models import Teacher
from yiwang.faculty.selectors import teachers_visible_to
from yiwang.network.models import School
from yiwang.topics.enums import TeachingForm

from . import selectors, services
from .enums import RequestKind
from .models import HostedTraining, Request, Trainee, TraineeCheckIn
from .services import dispatches, hosting

TZ = timezone.get_default_timezone()

HOSTED_TITLE = "波密县青年干部综合能力提升培训班"
# (day index, start, end, title, form, place)
HOSTED_PLAN = [
    (
        0,
        time(9),
        time(11, 30),
        "开班式暨习近平新时代中国特色社会主义思想专题讲座",
        TeachingForm.LECTURE,
        "主楼报告厅",
    ),
    (0, time(14, 30), time(17), "新时代青年干部的使命担当", TeachingForm.LECTURE, "主楼报告厅"),
    (1, time(9), time(11, 30), "粤港澳大湾区建设的广州实践", TeachingForm.LECTURE, "二号教室"),
    (1, time(14, 30), time(17, 30), "现场教学：广州起义烈士陵园", TeachingForm.FIELD, "广州起义烈士陵园"),
    (2, time(9), time(11, 30), "超大城市基层治理现代化", TeachingForm.LECTURE, "二号教室"),
    (2, time(14, 30), time(17), "研究式教学：乡村振兴中的产业选择", TeachingForm.SEMINAR, "研讨室一"),
    (
        3,
        time(9),
        time(17),
        "异地党性教育：农民运动讲习所旧址与红色家书诵读",
        TeachingForm.EXPERIENCE,
        "农民运动讲习所旧址",
    ),
    (4, time(9), time(11, 30), "专题调研：城中村改造与社区营造", TeachingForm.CASE, "海珠区南华西街"),
    (
        4,
        time(14, 30),
        time(17),
        "现场教学：琶洲数字经济试验区",
        TeachingForm.FIELD,
        "琶洲人工智能与数字经济试验区",
    ),
    (5, time(9), time(11, 30), "民族团结进步与边疆治理", TeachingForm.LECTURE, "二号教室"),
    (5, time(14, 30), time(17), "研究式教学：高原旅游与生态文明", TeachingForm.SEMINAR, "研讨室一"),
    (6, time(9), time(17), "现场教学：南沙自贸区规划展览馆", TeachingForm.FIELD, "南沙自贸区规划展览馆"),
    (7, time(9), time(11, 30), "领导干部的调查研究能力", TeachingForm.LECTURE, "二号教室"),
    (7, time(14, 30), time(17), "专题调研成果交流", TeachingForm.SEMINAR, "研讨室一"),
    (8, time(9), time(11, 30), "数字政府建设与营商环境优化", TeachingForm.LECTURE, "二号教室"),
    (9, time(9), time(11, 30), "结业式暨学习心得交流", TeachingForm.SEMINAR, "主楼报告厅"),
]
SURNAMES = "扎次旦格卓央白索达拉尼普边巴洛顿"
GIVEN = [
    "珍",
    "仁",
    "增",
    "桑",
    "措",
    "吉",
    "平",
    "罗布",
    "多吉",
    "曲珍",
    "央金",
    "次仁",
    "德吉",
    "顿珠",
    "拉姆",
]
UNITS = [
    "扎木镇人民政府",
    "倾多镇人民政府",
    "松宗镇人民政府",
    "县委组织部",
    "县发展和改革委员会",
    "县文化和旅游局",
]
POSITIONS = ["副镇长", "党委委员", "科员", "副主任科员", "副局长", "驻村工作队队员"]


def _user(username: str):
    return User.objects.filter(username=username).first()


def _exists(kind: str, school: School, title: str) -> bool:
    return Request.objects.filter(kind=kind, from_school=school, title=title).exists()


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=TZ)


def load(*, scale: int = 0, log) -> None:
    schools = {s.code: s for s in School.objects.filter(code__in=["gz", "hy", "mz", "zq", "qy", "bm", "sf"])}
    if len(schools) < 7:
        return
    gz_staff = _user("gz-staff")
    if gz_staff is None:
        return
    _load_dispatches(schools, gz_staff, log)
    _load_hosting(schools, gz_staff, log)


# ---- 师资互派 -----------------------------------------------------------------------------------


def _requester_class(school: School, by, today: date, log) -> TrainingClass:
    """A published class of the requesting school for the dispatched sessions to go into."""
    name = f"{school.short_name}市2026年冬季主体班"
    klass = TrainingClass.objects.filter(owner_school=school, name=name).first()
    if klass is not None:
        log.count(False)
        return klass
    klass = class_services.create_class(
        by=by,
        school=school,
        name=name,
        kind=ClassKind.MAIN,
        start_date=today,
        end_date=today + timedelta(days=40),
        trainee_count=45,
        scope="system",
    )
    class_services.add_session(
        by=by,
        training_class=klass,
        date=today + timedelta(days=1),
        start_time=time(9),
        end_time=time(11, 30),
        title="开班式暨党性教育专题报告",
        place="本校报告厅",
    )
    class_services.publish_class(by=by, training_class=klass)
    log.count(True)
    return klass


def _free_day(teacher, first: date, school: School) -> date:
    """The first weekday from ``first`` on which the teacher is free 09:00–11:30 (deterministic)."""
    day = first
    for _ in range(30):
        if day.weekday() < 5 and not selectors.teacher_conflicts(
            teacher,
            _local(day, time(9)),
            _local(day, time(11, 30)),
            city=school.city,
            province=school.province,
        ):
            return day
        day += timedelta(days=1)
    return day


def _load_dispatches(schools, gz_staff, log) -> None:
    gz = schools["gz"]
    requesters = {code: _user(f"{code}-admin") for code in ("hy", "mz", "zq", "qy")}
    if None in requesters.values():
        return
    today = timezone.localdate()
    candidates = [
        t
        for t in Teacher.objects.filter(owner_school=gz, is_active=True, is_invited=False).order_by(
            "name_pinyin", "id"
        )
        if all(teachers_visible_to(u, status="all").filter(pk=t.pk).exists() for u in requesters.values())
    ]
    if len(candidates) < 2:
        return
    star, second = candidates[0], candidates[1]
    hy, mz, zq, qy = (schools[c] for c in ("hy", "mz", "zq", "qy"))

    title_hy = f"{star.name}：粤港澳大湾区建设的广州实践"
    if not _exists(RequestKind.DISPATCH, hy, title_hy):
        with transaction.atomic():
            klass = _requester_class(hy, requesters["hy"], today, log)
            day = _free_day(star, today + timedelta(days=7), hy)
            d = dispatches.open_dispatch(
                by=requesters["hy"],
                from_school=hy,
                to_school=gz,
                teacher=star,
                topic_title="粤港澳大湾区建设的广州实践",
                starts_at=_local(day, time(9)),
                ends_at=_local(day, time(11, 30)),
                training_class=klass,
                place="河源市委党校报告厅",
                body="主体班专题课，学员约 45 人。",
            )
            dispatches.accept_dispatch(by=gz_staff, dispatch=d, note="同意派出，请做好接待。")
        log.count(True)
        # 梅州 asks for the same teacher at the same hour: refused at acceptance for the conflict.
        mz_klass = _requester_class(mz, requesters["mz"], today, log)
        refused = dispatches.open_dispatch(
            by=requesters["mz"],
            from_school=mz,
            to_school=gz,
            teacher=star,
            topic_title="大湾区建设与粤东西北协同发展",
            starts_at=_local(day, time(10)),
            ends_at=_local(day, time(12)),
            training_class=mz_klass,
            place="梅州市委党校一号教室",
        )
        try:
            dispatches.accept_dispatch(by=gz_staff, dispatch=refused)
        except DomainError as exc:
            services.decline_request(
                by=gz_staff,
                request=refused.request,
                note="因时间冲突无法派出：" + exc.message.removeprefix("不能接受："),
            )
        log.count(True)
    else:
        log.count(False)

    title_qy = f"{second.name}：领导干部的调查研究能力"
    if not _exists(RequestKind.DISPATCH, qy, title_qy):
        with transaction.atomic():
            klass = _requester_class(qy, requesters["qy"], today, log)
            day = _free_day(second, today + timedelta(days=9), qy)
            d = dispatches.open_dispatch(
                by=requesters["qy"],
                from_school=qy,
                to_school=gz,
                teacher=second,
                topic_title="领导干部的调查研究能力",
                starts_at=_local(day, time(9)),
                ends_at=_local(day, time(11, 30)),
                training_class=klass,
                place="清远市委党校报告厅",
            )
            d = dispatches.accept_dispatch(by=gz_staff, dispatch=d, note="同意")
            if second.user_id:
                dispatches.confirm_dispatch(by=second.user, dispatch=d)
        log.count(True)
    else:
        log.count(False)

    title_zq = "推荐教师：乡村振兴战略与县域经济发展"
    if not _exists(RequestKind.DISPATCH, zq, title_zq):
        klass = _requester_class(zq, requesters["zq"], today, log)
        day = today + timedelta(days=12)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        dispatches.open_dispatch(
            by=requesters["zq"],
            from_school=zq,
            to_school=gz,
            need="乡村振兴、县域经济方向，副教授以上",
            topic_title="乡村振兴战略与县域经济发展",
            starts_at=_local(day, time(14, 30)),
            ends_at=_local(day, time(17)),
            training_class=klass,
            place="肇庆市委党校报告厅",
        )
        log.count(True)
    else:
        log.count(False)


# ---- 培训互接 ------------------------------------------------------------------------------------


def _load_hosting(schools, gz_staff, log) -> None:
    gz, bm, sf = schools["gz"], schools["bm"], schools["sf"]
    bm_admin, sf_admin = _user("bm-admin"), _user("sf-admin")
    if bm_admin is None or sf_admin is None:
        return
    today = timezone.localdate()
    if _exists(RequestKind.HOSTING, bm, HOSTED_TITLE):
        log.count(False)
    else:
        with transaction.atomic():
            _hosted_class(gz, bm, gz_staff, bm_admin, today, log)
    sf_title = "疏附县乡村振兴专题培训班"
    if _exists(RequestKind.HOSTING, sf, sf_title):
        log.count(False)
    else:
        start = today + timedelta(days=30)
        hosting.open_hosting(
            by=sf_admin,
            from_school=sf,
            to_school=gz,
            title=sf_title,
            start_date=start,
            end_date=start + timedelta(days=6),
            planned_trainees=35,
            body="希望安排乡村振兴现场教学和产业发展专题。",
        )
        log.count(True)


def _hosted_class(gz, bm, gz_staff, bm_admin, today: date, log) -> None:
    """The 10-day class: started six days ago (the request was sent and accepted before)."""
    start = today - timedelta(days=6)
    end = start + timedelta(days=9)
    request = services.open_request(
        by=bm_admin,
        kind=RequestKind.HOSTING,
        from_school=bm,
        to_school=gz,
        subject_key=f"hosting:{gz.pk}:{start:%Y%m%d}",
        title=HOSTED_TITLE,
        body="对口支援：请广州市委党校承办我县青年干部 10 天培训，含专题讲座、现场教学、研究式教学和异地党性教育。",
        starts_at=_local(start, time(0)),
        ends_at=_local(end, time(23, 59)),
        submit=False,
    )
    record = HostedTraining.objects.create(
        request=request,
        host_school=gz,
        guest_school=bm,
        class_kind=ClassKind.YOUNG,
        start_date=start,
        end_date=end,
        planned_trainees=30,
    )
    request = services.submit_request(by=bm_admin, request=request)
    services.comment_on_request(by=gz_staff, request=request, body="已收到，课程表编排后将同步给贵校。")
    services.accept_request(by=gz_staff, request=request, note="同意承办。")
    record.refresh_from_db()
    klass = record.training_class
    teachers = list(Teacher.objects.filter(owner_school=gz, is_active=True).order_by("name_pinyin", "id")[:8])
    sessions = []
    for index, (offset, begin, finish, title, form, place) in enumerate(HOSTED_PLAN):
        teacher = teachers[index % len(teachers)] if teachers and form != TeachingForm.EXPERIENCE else None
        fields = dict(
            date=start + timedelta(days=offset),
            start_time=begin,
            end_time=finish,
            title=title,
            form=form,
            place=place,
        )
        try:
            sessions.append(
                class_services.add_session(by=gz_staff, training_class=klass, teacher=teacher, **fields)
            )
        except DomainError:
            sessions.append(
                class_services.add_session(
                    by=gz_staff, training_class=klass, lecturer_name="外请专家", **fields
                )
            )
    # A teacher conflict with another demo class keeps the plan a draft (still followed by 波密).
    with contextlib.suppress(DomainError):
        class_services.publish_class(by=gz_staff, training_class=klass)
    rng = random.Random(20261202)
    trainees = Trainee.objects.bulk_create(
        [
            Trainee(
                hosting=record,
                name=SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)],
                gender="女" if i % 3 == 0 else "男",
                unit=UNITS[i % len(UNITS)],
                position=POSITIONS[(i * 5) % len(POSITIONS)],
                phone=f"1390894{i:04d}",
            )
            for i in range(30)
        ]
    )
    now = timezone.now()
    check_ins, ratings = [], []
    for session in sessions:
        if session.ends_at >= now:
            continue
        for n, trainee in enumerate(trainees):
            if rng.random() < 0.93:
                check_ins.append(
                    TraineeCheckIn(
                        trainee=trainee,
                        session=session,
                        checked_in_at=session.starts_at - timedelta(minutes=rng.randint(2, 20)),
                        hours=session.credit_hours,
                    )
                )
            if rng.random() < 0.6:
                scores = {name: rng.randint(16, 20) for name, _ in INDICATORS}
                ratings.append(
                    Evaluation(session=session, rater_fingerprint=f"demo-bm-{session.pk}-{n}", **scores)
                )
    TraineeCheckIn.objects.bulk_create(check_ins)
    Evaluation.objects.bulk_create(ratings)
    log.count(True)
