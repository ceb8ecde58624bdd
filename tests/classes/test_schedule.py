"""Building a class schedule: add, edit, move, copy a day, conflicts, publish, change notices."""

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from tests.factories import member
from tests.factories.classes import TeacherFactory, TopicFactory, TrainingClassFactory, open_session

from yiwang.activity.models import AuditRecord, Notification
from yiwang.classes import selectors, services
from yiwang.classes.enums import ClassStatus
from yiwang.classes.models import Session, TrainingClass
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db

DAY = date(2026, 12, 7)


@pytest.fixture
def draft(network, staff):
    return services.create_class(
        by=staff,
        school=network.city,
        name="2026年秋季学期中青班",
        kind="young",
        start_date=DAY,
        end_date=DAY + timedelta(days=20),
        trainee_count=45,
        term="2026年秋季学期",
    )


def add(staff, klass, **fields):
    values = dict(
        date=DAY,
        start_time=time(9),
        end_time=time(11, 30),
        title="习近平新时代中国特色社会主义思想概论",
        place="第一教室",
    )
    values.update(fields)
    return services.add_session(by=staff, training_class=klass, **values)


def test_create_class_is_a_draft_with_audit(draft, network):
    assert (draft.status, draft.owner_school, draft.scope) == (
        ClassStatus.DRAFT,
        network.city,
        SharingScope.SYSTEM,
    )
    assert AuditRecord.objects.get(action="class.created").object_id == str(draft.pk)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"name": " "}, "请填写班次名称。"),
        ({"kind": "party"}, "班次类型无效。"),
        ({"end_date": DAY - timedelta(days=1)}, "结业日期不能早于开班日期。"),
        ({"scope": "partners"}, "“协作”范围需至少选择一个联盟或对口支援关系。"),
    ],
)
def test_bad_class_input_refused(network, staff, fields, message):
    values = dict(name="测试班", kind="main", start_date=DAY, end_date=DAY + timedelta(days=5))
    values.update(fields)
    with pytest.raises(DomainError) as exc:
        services.create_class(by=staff, school=network.city, **values)
    assert exc.value.message == message
    assert TrainingClass.objects.count() == 0


def test_only_class_runners_create_classes(network):
    with pytest.raises(
        PermissionDeniedError, match="只有本校教务、培训部门或学校管理员可以管理班次和课程安排。"
    ):
        services.create_class(
            by=member(network.city, is_teacher=True),
            school=network.city,
            name="x",
            kind="main",
            start_date=DAY,
            end_date=DAY,
        )
    with pytest.raises(PermissionDeniedError):
        services.create_class(
            by=member(network.branch_a, is_training_staff=True),
            school=network.city,
            name="x",
            kind="main",
            start_date=DAY,
            end_date=DAY,
        )
    assert TrainingClass.objects.count() == 0


def test_session_ending_before_it_starts_refused(draft, staff):
    with pytest.raises(DomainError) as exc:
        add(staff, draft, start_time=time(11), end_time=time(9))
    assert (exc.value.message, exc.value.field) == ("结束时间必须晚于开始时间。", "end_time")
    assert Session.objects.count() == 0


def test_session_end_after_start_is_a_database_check(draft):
    from django.db import IntegrityError, transaction

    from yiwang.classes.services import local_datetime

    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(
            training_class=draft,
            date=DAY,
            start_time=time(11),
            end_time=time(9),
            title="x",
            starts_at=local_datetime(DAY, time(11)),
            ends_at=local_datetime(DAY, time(12)),
        )


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"date": DAY - timedelta(days=1)}, "上课日期须在班次起止日期之内（2026-12-07 至 2026-12-27）。"),
        ({"title": ""}, "请填写课程名称，或从讲题库选择讲题。"),
        ({"is_open": True, "visiting_seats": 0}, "开放旁听的课程请设置旁听席位数。"),
        (
            {"is_open": True, "visiting_seats": 5, "quota_per_school": 0},
            "每校名额须为正整数；不限名额请留空。",
        ),
        ({"form": "dance"}, "教学形式无效。"),
    ],
)
def test_bad_session_input_refused(draft, staff, fields, message):
    with pytest.raises(DomainError) as exc:
        add(staff, draft, **fields)
    assert exc.value.message == message
    assert Session.objects.count() == 0


def test_topic_fills_title_module_and_times_in_shanghai(draft, staff, network):
    topic = TopicFactory(owner_school=network.city, title="粤港澳大湾区建设的实践与思考")
    session = add(staff, draft, topic=topic, title="")
    assert session.title == "粤港澳大湾区建设的实践与思考"
    assert timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-12-07 09:00"
    assert session.credit_hours == 2.5


def test_conflicts_same_teacher_or_room_shown_and_block_publishing(draft, staff, network):
    teacher = TeacherFactory(owner_school=network.city, name="周明")
    add(staff, draft, teacher=teacher, title="甲课", place="报告厅")
    add(staff, draft, start_time=time(10), end_time=time(12), teacher=teacher, title="乙课", place="第二教室")
    add(staff, draft, start_time=time(11), end_time=time(12), title="丙课", place="报告厅")
    conflicts = selectors.schedule_conflicts(staff, draft)
    assert sorted((c.kind, c.session.title, c.other.title) for c in conflicts) == [
        ("place", "甲课", "丙课"),
        ("teacher", "甲课", "乙课"),
    ]
    message = next(c.message for c in conflicts if c.kind == "teacher")
    assert (
        message == "12月07日 09:00–11:30《甲课》与《乙课》（2026年秋季学期中青班，10:00–12:00）教师“周明”冲突"
    )
    with pytest.raises(ConflictError) as exc:
        services.publish_class(by=staff, training_class=draft)
    assert exc.value.message.startswith("课程表存在 2 处时间冲突，请先处理后再发布：")
    draft.refresh_from_db()
    assert draft.status == ClassStatus.DRAFT


def test_teacher_conflict_across_classes_and_back_to_back_is_fine(draft, staff, network):
    teacher = TeacherFactory(owner_school=network.city)
    other = TrainingClassFactory(owner_school=network.city, start_date=DAY, end_date=DAY + timedelta(days=3))
    add(staff, other, teacher=teacher, place="")
    add(staff, draft, teacher=teacher, start_time=time(11, 30), end_time=time(12), place="")
    assert selectors.schedule_conflicts(staff, draft) == []
    add(staff, draft, teacher=teacher, start_time=time(8), end_time=time(9, 30), place="", title="早课")
    assert [
        (c.session.title, c.other.training_class_id) for c in selectors.schedule_conflicts(staff, draft)
    ] == [("早课", other.pk)]


def test_publish_makes_schedule_visible_at_once(draft, staff, visitor):
    add(staff, draft, is_open=True, visiting_seats=10)
    assert not selectors.classes_visible_to(visitor).filter(pk=draft.pk).exists()
    assert selectors.calendar_sessions(visitor, DAY, DAY).count() == 0
    services.publish_class(by=staff, training_class=draft)
    assert selectors.classes_visible_to(visitor).filter(pk=draft.pk).exists()
    assert selectors.calendar_sessions(visitor, DAY, DAY).count() == 1
    with pytest.raises(ConflictError, match="该班次已发布，无需重复发布。"):
        services.publish_class(by=staff, training_class=draft)


def test_empty_class_cannot_be_published(draft, staff):
    with pytest.raises(DomainError, match="班次还没有课程安排，不能发布。"):
        services.publish_class(by=staff, training_class=draft)


def test_copy_day_copies_sessions_without_sign_ups(draft, staff):
    add(staff, draft, title="上午")
    add(
        staff, draft, start_time=time(14, 30), end_time=time(17), title="下午", is_open=True, visiting_seats=4
    )
    copies = services.copy_day(by=staff, training_class=draft, from_date=DAY, to_date=DAY + timedelta(days=7))
    assert [(c.title, c.date, c.start_time, c.seats_taken, c.visiting_seats) for c in copies] == [
        ("上午", DAY + timedelta(days=7), time(9), 0, 0),
        ("下午", DAY + timedelta(days=7), time(14, 30), 0, 4),
    ]
    assert timezone.localtime(copies[1].starts_at).strftime("%m-%d %H:%M") == "12-14 14:30"


@pytest.mark.parametrize(
    "from_offset, to_offset, message",
    [
        (1, 3, "2026-12-08 没有可复制的课程。"),
        (0, 0, "目标日期不能与原日期相同。"),
        (0, 30, "目标日期须在班次起止日期之内（2026-12-07 至 2026-12-27）。"),
    ],
)
def test_copy_day_bad_input(draft, staff, from_offset, to_offset, message):
    add(staff, draft)
    with pytest.raises(DomainError) as exc:
        services.copy_day(
            by=staff,
            training_class=draft,
            from_date=DAY + timedelta(days=from_offset),
            to_date=DAY + timedelta(days=to_offset),
        )
    assert exc.value.message == message
    assert Session.objects.count() == 1


def test_moving_a_published_session_notifies_sign_ups_and_bumps_sequence(
    network, staff, visitor, django_capture_on_commit_callbacks
):
    session = open_session(network.city)
    visitor.email = "visitor@example.cn"
    visitor.save()
    services.sign_up(by=visitor, session_id=session.pk)
    new_day = session.date + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.update_session(
            by=staff, session=session, date=new_day, start_time=time(14), end_time=time(16)
        )
    assert moved.sequence == 1
    assert timezone.localtime(moved.starts_at).strftime("%H:%M") == "14:00"
    note = Notification.objects.get(recipient=visitor)
    assert note.title == f"课程调整：{session.title}"
    assert note.body == (
        f"{session.training_class.name}《{session.title}》的日期、开始时间、结束时间已调整，现为 "
        f"{new_day:%Y-%m-%d} 14:00–16:00，讲师 待定，地点 第一教室。"
    )
    assert mail.outbox[0].subject == f"课程调整：{session.title}"
    assert mail.outbox[0].to == ["visitor@example.cn"]


def test_title_change_bumps_sequence_without_notice(
    network, staff, visitor, django_capture_on_commit_callbacks
):
    session = open_session(network.city)
    services.sign_up(by=visitor, session_id=session.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_session(by=staff, session=session, title="新题目")
    session.refresh_from_db()
    assert (session.title, session.sequence) == ("新题目", 1)
    assert Notification.objects.count() == 0


def test_cancelling_a_session_notifies_everyone_signed_up(network, staff, django_capture_on_commit_callbacks):
    session = open_session(network.city, seats=1)
    a, b = member(network.branch_a, is_teacher=True), member(network.branch_b, is_teacher=True)
    services.sign_up(by=a, session_id=session.pk)
    services.sign_up(by=b, session_id=session.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_session(by=staff, session=session, reason="授课教师出差")
    session.refresh_from_db()
    assert (session.is_cancelled, session.sequence) == (True, 1)
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted([a.pk, b.pk])
    assert Notification.objects.first().body.endswith("已取消。原因：授课教师出差。")
    with pytest.raises(ConflictError, match="该课程已取消。"):
        services.cancel_session(by=staff, session=session)
    with pytest.raises(ConflictError, match="该课程已取消，不能再修改。"):
        services.update_session(by=staff, session=session, title="x")


def test_seats_cannot_drop_below_confirmed(network, staff):
    session = open_session(network.city, seats=2)
    services.sign_up(by=member(network.branch_a, is_teacher=True), session_id=session.pk)
    services.sign_up(by=member(network.branch_a, is_teacher=True), session_id=session.pk)
    with pytest.raises(DomainError, match="旁听席位不能少于已确认的 2 人。"):
        services.update_session(by=staff, session=session, visiting_seats=1)
    session.refresh_from_db()
    assert session.visiting_seats == 2


def test_published_sessions_cannot_be_deleted_but_drafts_can(draft, staff, network):
    session = add(staff, draft)
    services.delete_session(by=staff, session=session)
    assert Session.objects.count() == 0
    published = open_session(network.city)
    with pytest.raises(ConflictError, match="已发布班次的课程不能删除，请改为取消。"):
        services.delete_session(by=staff, session=published)


def test_class_dates_cannot_shrink_past_sessions(draft, staff):
    add(staff, draft, date=DAY + timedelta(days=10))
    with pytest.raises(DomainError, match="已有课程安排在新的起止日期之外"):
        services.update_class(by=staff, training_class=draft, end_date=DAY + timedelta(days=5))
    draft.refresh_from_db()
    assert draft.end_date == DAY + timedelta(days=20)
