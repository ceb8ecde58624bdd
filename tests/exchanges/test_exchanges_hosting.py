"""培训互接 / 班次互派: the host builds the class, the guest follows the plan, uploads the roster
(all rows or none), trainees check in by QR, both schools get the summary."""

import io
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from tests.factories import member
from tests.factories.classes import at

from yiwang.activity.models import Notification
from yiwang.classes import services as class_services
from yiwang.classes import tokens
from yiwang.classes.enums import ClassStatus
from yiwang.classes.models import Evaluation
from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.exchanges import selectors
from yiwang.exchanges.enums import RequestKind
from yiwang.exchanges.excel import hosting_summary_workbook, read_roster
from yiwang.exchanges.models import HostedTraining, Trainee, TraineeCheckIn
from yiwang.exchanges.services import accept_request
from yiwang.exchanges.services import hosting as hosting_services


class Upload(io.BytesIO):
    def __init__(self, data: bytes, name: str = "名册.xlsx"):
        super().__init__(data)
        self.name = name
        self.size = len(data)


def roster_file(rows, header=("姓名", "性别", "工作单位", "职务", "手机号")) -> Upload:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return Upload(out.getvalue())


@pytest.fixture
def hosting(net, far_hosting):
    """远方 (the guest) asks the city school (the host) to host a young-cadre class."""
    return far_hosting(in_days=10, planned_trainees=40, to_school=net.city)


def test_accepting_builds_a_draft_class_of_the_host(hosting, city_staff, far_staff):
    accept_request(by=city_staff, request=hosting.request)
    hosting.refresh_from_db()
    klass = hosting.training_class
    assert (klass.owner_school, klass.status, klass.scope) == (
        hosting.host_school,
        ClassStatus.DRAFT,
        "school",
    )
    assert (klass.name, klass.start_date, klass.trainee_count) == (
        "远方市青年干部培训班",
        hosting.start_date,
        40,
    )
    with pytest.raises(ConflictError) as exc:
        hosting_services.build_hosted_class(by=city_staff, hosting=hosting)
    assert exc.value.message == "承办班次已建立。"
    with pytest.raises(PermissionDeniedError):
        hosting_services.build_hosted_class(by=far_staff, hosting=hosting)


def test_research_staff_accept_and_a_runner_builds_later(net, hosting, city_staff):
    researcher = member(net.city, is_research_staff=True)
    accept_request(by=researcher, request=hosting.request)
    hosting.refresh_from_db()
    assert hosting.training_class is None
    hosting = hosting_services.build_hosted_class(by=city_staff, hosting=hosting)
    assert hosting.training_class.owner_school == net.city


def _built(hosting, city_staff):
    accept_request(by=city_staff, request=hosting.request)
    hosting.refresh_from_db()
    return hosting


def test_guest_follows_the_plan_of_a_class_not_shared_with_it(hosting, city_staff, far_staff, stranger_staff):
    hosting = _built(hosting, city_staff)
    day = hosting.start_date
    class_services.add_session(
        by=city_staff,
        training_class=hosting.training_class,
        date=day,
        start_time=time(9),
        end_time=time(11, 30),
        title="开班式暨专题讲座",
        place="主楼报告厅",
    )
    # the class is 本校 and a draft: the guest cannot read it in classes/, but follows it here
    from yiwang.classes.selectors import classes_visible_to

    assert hosting.training_class not in classes_visible_to(far_staff)
    guest_view = selectors.access_hosting(far_staff, hosting.pk)
    assert [s.title for s in selectors.hosted_plan(guest_view)] == ["开班式暨专题讲座"]
    with pytest.raises(NotFoundError):
        selectors.access_hosting(stranger_staff, hosting.pk)


def test_guest_is_told_once_of_publication_and_again_of_changes(
    hosting, city_staff, far_staff, django_capture_on_commit_callbacks
):
    hosting = _built(hosting, city_staff)
    session = class_services.add_session(
        by=city_staff,
        training_class=hosting.training_class,
        date=hosting.start_date,
        start_time=time(9),
        end_time=time(11),
        title="专题讲座",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert hosting_services.notify_plan_changes() == 0  # not published yet
    class_services.publish_class(by=city_staff, training_class=hosting.training_class)
    with django_capture_on_commit_callbacks(execute=True):
        assert hosting_services.notify_plan_changes() == 1
        assert hosting_services.notify_plan_changes() == 0
    later = timezone.now() + timedelta(minutes=1)
    class_services.update_session(by=city_staff, session=session, place="现场教学点")
    with django_capture_on_commit_callbacks(execute=True):
        assert hosting_services.notify_plan_changes(now=later) == 1
    assert list(
        Notification.objects.filter(recipient=far_staff, title__startswith="承办班次")
        .values_list("title", flat=True)
        .order_by("id")
    ) == [
        "承办班次已发布：远方市青年干部培训班",
        "承办班次有调整：远方市青年干部培训班",
    ]


def test_a_roster_with_bad_rows_imports_nothing(hosting, far_staff):
    upload = roster_file(
        [
            ("张晓明", "男", "扎木镇", "副镇长", "13900001234"),
            ("", "女", "", "", "13900001235"),
            ("李华", "女", "", "", "12345"),
            ("王强", "男", "", "", "13900001234"),
        ]
    )
    rows, problems = read_roster(upload)
    assert [str(p) for p in problems] == [
        "第 3 行“姓名”列：必填，不能为空",
        "第 4 行“手机号”列（值：12345）：应为 11 位手机号",
        "第 5 行“手机号”列（值：13900001234）：与第 2 行重复",
    ]
    assert Trainee.objects.count() == 0


def test_a_roster_without_required_columns_is_reported(hosting):
    rows, problems = read_roster(roster_file([("张三",)], header=("姓名",)))
    assert [str(p) for p in problems] == ["表头“手机号”列：缺少必填列，请使用模板"]


def test_a_good_roster_is_imported_by_the_guest_only(hosting, far_staff, city_staff):
    rows, problems = read_roster(
        roster_file(
            [
                ("张晓明", "男", "扎木镇", "副镇长", "139 0000 1234"),
                ("次仁卓玛", "女", "县委组织部", "科员", 13900001235),
            ]
        )
    )
    assert problems == []
    with pytest.raises(PermissionDeniedError):
        hosting_services.import_trainees(by=city_staff, hosting=hosting, rows=rows)
    assert hosting_services.import_trainees(by=far_staff, hosting=hosting, rows=rows) == 2
    assert list(Trainee.objects.values_list("name", "phone")) == [
        ("张晓明", "13900001234"),
        ("次仁卓玛", "13900001235"),
    ]
    with pytest.raises(DomainError) as exc:
        hosting_services.import_trainees(by=far_staff, hosting=hosting, rows=rows[:1])
    assert exc.value.message == "第 2 行的手机号已在名册中，未导入任何学员。"
    assert Trainee.objects.count() == 2


def test_trainees_check_in_by_qr_and_both_schools_get_the_summary(hosting, city_staff, far_staff):
    hosting = _built(hosting, city_staff)
    day = hosting.start_date
    session = class_services.add_session(
        by=city_staff,
        training_class=hosting.training_class,
        date=day,
        start_time=time(9),
        end_time=time(12),
        title="现场教学：红色文化",
        form="field",
    )
    Trainee.objects.create(hosting=hosting, name="张晓明", phone="13900001234")
    qr = tokens.qr_token(session)
    with pytest.raises(DomainError) as exc:
        hosting_services.check_in_trainee(qr=qr, phone="13900009999", now=at(day, 9))
    assert exc.value.message == "名册中没有这个手机号，请联系班主任核对。"
    with pytest.raises(DomainError) as exc:
        hosting_services.check_in_trainee(qr=qr, phone="13900001234", now=at(day, 6))
    assert exc.value.message == "签到尚未开始，开课前 60 分钟开放签到。"
    record = hosting_services.check_in_trainee(qr=qr, phone="139-0000-1234", now=at(day, 8, 30))
    assert (record.trainee.name, record.hours) == ("张晓明", Decimal("3.0"))
    with pytest.raises(ConflictError) as exc:
        hosting_services.check_in_trainee(qr=qr, phone="13900001234", now=at(day, 9))
    assert exc.value.message == "张晓明已签到，无需重复签到。"
    with pytest.raises(DomainError) as exc:
        hosting_services.check_in_trainee(qr="forged", phone="13900001234")
    assert exc.value.code == "bad_qr"
    assert TraineeCheckIn.objects.count() == 1

    Evaluation.objects.create(
        session=session,
        relevance=18,
        theory=18,
        information=18,
        delivery=18,
        manner=18,
        rater_fingerprint="a",
    )
    Evaluation.objects.create(
        session=session,
        relevance=20,
        theory=20,
        information=20,
        delivery=20,
        manner=20,
        rater_fingerprint="b",
    )
    attendance = selectors.trainee_attendance(hosting)
    assert [(a["trainee"].name, a["sessions"], a["hours"]) for a in attendance] == [
        ("张晓明", 1, Decimal("3.0"))
    ]
    ratings = selectors.session_ratings(hosting)
    assert [(r["attended"], r["ratings"], r["average"]) for r in ratings] == [(1, 2, 95.0)]
    data = hosting_summary_workbook(hosting, attendance, ratings)
    sheet = load_workbook(io.BytesIO(data)).active
    values = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][:5] == ("学员", "工作单位", "职务", "签到节数", "学时")
    assert values[1][0] == "张晓明" and values[1][4] == 3
    assert values[4][:6] == ("现场教学：红色文化", f"{day:%Y-%m-%d} 09:00", None, 1, 2, 95)


def test_hosting_input_is_checked(net, far_staff):
    start = timezone.localdate() + timedelta(days=3)
    with pytest.raises(DomainError) as exc:
        hosting_services.open_hosting(
            by=far_staff,
            from_school=net.far,
            to_school=net.city,
            title="班",
            start_date=start,
            end_date=start - timedelta(days=1),
        )
    assert exc.value.message == "结业日期不能早于开班日期。"
    with pytest.raises(DomainError) as exc:
        hosting_services.open_hosting(
            by=far_staff,
            from_school=net.far,
            to_school=net.city,
            title="班",
            start_date=start,
            end_date=start,
            kind=RequestKind.DISPATCH,
        )
    assert exc.value.message == "请求类型无效。"
    assert HostedTraining.objects.count() == 0


def test_class_exchange_uses_the_same_flow_and_counts(net, far_staff, city_staff, stranger_staff):
    start = timezone.localdate() + timedelta(days=20)
    h = hosting_services.open_hosting(
        by=far_staff,
        from_school=net.far,
        to_school=net.city,
        title="班次互派：基层治理专题班",
        start_date=start,
        end_date=start + timedelta(days=4),
        kind=RequestKind.CLASS_EXCHANGE,
    )
    assert h.request.kind == RequestKind.CLASS_EXCHANGE
    Trainee.objects.create(hosting=h, name="甲", phone="13900000001")
    accept_request(by=city_staff, request=h.request)
    assert selectors.hosting_counts(far_staff) == {"total": 1, "accepted": 1, "trainees": 1}
    assert selectors.hosting_counts(stranger_staff) == {"total": 0, "accepted": 0, "trainees": 0}
