"""Sign-up, waitlist, cancel with promotion, quota, approval and every refused input."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from tests.factories import member
from tests.factories.classes import TrainingClassFactory, at, open_session

from yiwang.activity.models import AuditRecord, Notification
from yiwang.classes import services
from yiwang.classes.enums import ClassStatus, SignUpStatus
from yiwang.classes.models import Session, SignUp
from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db


def state(session):
    """What a refused action must leave unchanged."""
    session.refresh_from_db()
    return session.seats_taken, list(
        SignUp.objects.filter(session=session).values_list("user_id", "status", "waitlist_position")
    )


def test_sign_up_confirms_while_seats_last_then_waitlists_in_order(network):
    session = open_session(network.city, seats=2)
    teachers = [member(network.branch_a, is_teacher=True) for _ in range(4)]
    results = [services.sign_up(by=t, session_id=session.pk) for t in teachers]
    assert [r.status for r in results] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [r.waitlist_position for r in results] == [None, None, 1, 2]
    assert [r.home_school for r in results] == [network.branch_a] * 4
    session.refresh_from_db()
    assert session.seats_taken == 2
    assert (
        services.sign_up_message(results[2])
        == "旁听席位已满，您已进入候补名单第 1 位；有人取消时将自动递补并通知您。"
    )
    assert AuditRecord.objects.filter(action="sign_up.created").count() == 4


def test_cancel_promotes_next_waitlisted_and_notifies_them(network, django_capture_on_commit_callbacks):
    session = open_session(network.city, seats=1)
    first, second, third = (
        member(
            network.branch_a,
            is_teacher=True,
        )
        for _ in range(3)
    )
    for person in (first, second, third):
        person.email = f"{person.username}@example.cn"
        person.save()
    a = services.sign_up(by=first, session_id=session.pk)
    services.sign_up(by=second, session_id=session.pk)
    services.sign_up(by=third, session_id=session.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_sign_up(by=first, sign_up_id=a.pk)
    statuses = dict(SignUp.objects.filter(session=session).values_list("user_id", "status"))
    assert statuses == {first.pk: "cancelled", second.pk: "confirmed", third.pk: "waitlisted"}
    assert SignUp.objects.get(user=third, session=session).waitlist_position == 2
    session.refresh_from_db()
    assert session.seats_taken == 1
    note = Notification.objects.get(recipient=second)
    assert note.title == f"候补递补成功：{session.title}"
    assert [m.to for m in mail.outbox] == [[second.email]]


def test_cancel_of_waitlisted_frees_no_seat(network):
    session = open_session(network.city, seats=1)
    a, b = member(network.branch_a, is_teacher=True), member(network.branch_a, is_teacher=True)
    services.sign_up(by=a, session_id=session.pk)
    waiting = services.sign_up(by=b, session_id=session.pk)
    services.cancel_sign_up(by=b, sign_up_id=waiting.pk)
    assert state(session) == (1, [(a.pk, "confirmed", None), (b.pk, "cancelled", None)])


def test_cancel_after_cutoff_refused_and_nothing_changes(network, visitor, settings):
    settings.CLASSES_CANCEL_CUTOFF_MINUTES = 120
    session = open_session(network.city)
    entry = services.sign_up(by=visitor, session_id=session.pk)
    before = state(session)
    with pytest.raises(DomainError) as exc:
        services.cancel_sign_up(
            by=visitor, sign_up_id=entry.pk, now=session.starts_at - timedelta(minutes=90)
        )
    cutoff = timezone.localtime(session.starts_at - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    assert exc.value.message == f"开课前 2 小时内不能取消报名（截止 {cutoff}），如有变化请联系主办学校。"
    assert state(session) == before


def test_cancel_someone_elses_sign_up_is_not_found(network, visitor):
    session = open_session(network.city)
    entry = services.sign_up(by=visitor, session_id=session.pk)
    with pytest.raises(NotFoundError):
        services.cancel_sign_up(by=member(network.branch_a, is_teacher=True), sign_up_id=entry.pk)
    assert SignUp.objects.get(pk=entry.pk).status == "confirmed"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"signup_closes_at": "past"}, "报名已于 {closes} 截止。"),
        ({"signup_opens_at": "future"}, "报名尚未开始，将于 {opens} 开放。"),
        ({"is_open": False}, "该课程不开放旁听。"),
        ({"is_cancelled": True}, "该课程已取消，不能报名。"),
    ],
)
def test_sign_up_refused_outside_window_or_when_not_open(network, visitor, change, message):
    session = open_session(network.city)
    now = timezone.now()
    closes, opens = now - timedelta(hours=1), now + timedelta(days=1)
    values = {"signup_closes_at": closes, "signup_opens_at": opens}
    Session.objects.filter(pk=session.pk).update(
        **{k: values.get(k, v) if v in ("past", "future") else v for k, v in change.items()}
    )
    with pytest.raises(DomainError) as exc:
        services.sign_up(by=visitor, session_id=session.pk)
    fmt = "%Y-%m-%d %H:%M"
    assert exc.value.message == message.format(
        closes=timezone.localtime(closes).strftime(fmt), opens=timezone.localtime(opens).strftime(fmt)
    )
    assert state(session) == (0, [])


def test_sign_up_after_start_refused(network, visitor):
    session = open_session(network.city)
    with pytest.raises(DomainError) as exc:
        services.sign_up(by=visitor, session_id=session.pk, now=session.starts_at + timedelta(minutes=1))
    assert exc.value.message == f"报名已于 {timezone.localtime(session.starts_at):%Y-%m-%d %H:%M} 截止。"
    assert state(session) == (0, [])


def test_sign_up_to_finished_class_refused(network, visitor):
    session = open_session(network.city)
    session.training_class.status = ClassStatus.FINISHED
    session.training_class.save()
    with pytest.raises(DomainError, match="该班次已结束，不能报名。"):
        services.sign_up(by=visitor, session_id=session.pk)


def test_draft_class_session_is_not_found_for_visitors(network, visitor):
    klass = TrainingClassFactory(owner_school=network.city, status=ClassStatus.DRAFT)
    session = open_session(network.city, training_class=klass)
    with pytest.raises(NotFoundError):
        services.sign_up(by=visitor, session_id=session.pk)
    assert state(session) == (0, [])


def test_second_sign_up_to_same_session_refused(network, visitor):
    session = open_session(network.city)
    services.sign_up(by=visitor, session_id=session.pk)
    before = state(session)
    with pytest.raises(ConflictError) as exc:
        services.sign_up(by=visitor, session_id=session.pk)
    assert exc.value.message == "您已报名这堂课（当前状态：已确认），无需重复报名。"
    assert state(session) == before


def test_overlapping_sign_up_refused(network, visitor):
    day = timezone.localdate() + timedelta(days=4)
    first = open_session(network.city, day=day, hours=(9, 11), title="上午课")
    second = open_session(network.city, day=day, hours=(10, 12))
    services.sign_up(by=visitor, session_id=first.pk)
    with pytest.raises(ConflictError) as exc:
        services.sign_up(by=visitor, session_id=second.pk)
    assert exc.value.message == (
        f"您已报名同一时间的课程《上午课》（{day:%Y-%m-%d} 09:00–11:00），不能同时报名时间重叠的课程。"
    )
    assert state(second) == (0, [])


def test_back_to_back_sessions_do_not_overlap(network, visitor):
    day = timezone.localdate() + timedelta(days=4)
    services.sign_up(by=visitor, session_id=open_session(network.city, day=day, hours=(9, 11)).pk)
    assert (
        services.sign_up(by=visitor, session_id=open_session(network.city, day=day, hours=(11, 12)).pk).status
        == "confirmed"
    )


def test_school_quota_limits_each_school(network):
    session = open_session(network.city, seats=10, quota_per_school=2)
    a = [member(network.branch_a, is_teacher=True) for _ in range(3)]
    services.sign_up(by=a[0], session_id=session.pk)
    services.sign_up(by=a[1], session_id=session.pk)
    before = state(session)
    with pytest.raises(DomainError) as exc:
        services.sign_up(by=a[2], session_id=session.pk)
    assert exc.value.message == "这堂课每校限 2 个名额，甲区的名额已满。"
    assert state(session) == before
    assert (
        services.sign_up(by=member(network.branch_b, is_teacher=True), session_id=session.pk).status
        == "confirmed"
    )


def test_person_without_school_cannot_sign_up(network):
    from tests.factories import UserFactory

    session = open_session(network.city, scope=SharingScope.NETWORK)
    with pytest.raises(PermissionDeniedError, match="您不属于任何党校，不能报名旁听。"):
        services.sign_up(by=UserFactory(), session_id=session.pk)


def test_approval_flow_takes_the_seat_only_when_home_school_approves(
    network, visitor, branch_staff, django_capture_on_commit_callbacks
):
    session = open_session(network.city, seats=1, requires_approval=True)
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.sign_up(by=visitor, session_id=session.pk)
    assert entry.status == SignUpStatus.PENDING
    assert state(session)[0] == 0
    assert Notification.objects.get(recipient=branch_staff).url == "/classes/approvals/"
    # Staff of another school may not decide.
    with pytest.raises(NotFoundError):
        services.approve_sign_up(by=member(network.city, is_training_staff=True), sign_up_id=entry.pk)
    with django_capture_on_commit_callbacks(execute=True):
        approved = services.approve_sign_up(by=branch_staff, sign_up_id=entry.pk)
    assert (approved.status, approved.decided_by) == ("confirmed", branch_staff)
    assert state(session)[0] == 1
    assert Notification.objects.get(recipient=visitor).title == f"旁听报名已获批准：{session.title}"
    with pytest.raises(ConflictError, match="不在待审批状态"):
        services.approve_sign_up(by=branch_staff, sign_up_id=entry.pk)


def test_approval_when_full_puts_on_waitlist_and_reject_frees_nothing(network, branch_staff):
    session = open_session(network.city, seats=1, requires_approval=True)
    a, b, c = (member(network.branch_a, is_teacher=True) for _ in range(3))
    ea, eb, ec = (services.sign_up(by=p, session_id=session.pk) for p in (a, b, c))
    services.approve_sign_up(by=branch_staff, sign_up_id=ea.pk)
    assert services.approve_sign_up(by=branch_staff, sign_up_id=eb.pk).status == "waitlisted"
    rejected = services.reject_sign_up(by=branch_staff, sign_up_id=ec.pk, reason="本周有教学任务")
    assert (rejected.status, rejected.note) == ("rejected", "本周有教学任务")
    assert state(session) == (
        1,
        [(a.pk, "confirmed", None), (b.pk, "waitlisted", 1), (c.pk, "rejected", None)],
    )


def test_a_rejected_person_may_sign_up_again(network, visitor, branch_staff):
    session = open_session(network.city, seats=1, requires_approval=True)
    entry = services.sign_up(by=visitor, session_id=session.pk)
    services.reject_sign_up(by=branch_staff, sign_up_id=entry.pk)
    assert services.sign_up(by=visitor, session_id=session.pk).status == "pending"


def test_one_active_sign_up_is_a_database_constraint(network, visitor):
    from django.db import IntegrityError, transaction

    session = open_session(network.city)
    services.sign_up(by=visitor, session_id=session.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        SignUp.objects.create(
            session=session,
            user=visitor,
            home_school=network.branch_a,
            status="waitlisted",
            waitlist_position=1,
        )


def test_seats_can_never_pass_the_count_in_the_database(network):
    from django.db import IntegrityError, transaction

    session = open_session(network.city, seats=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(seats_taken=2)


def test_more_seats_promote_the_waitlist(network, staff, django_capture_on_commit_callbacks):
    session = open_session(network.city, seats=1)
    a, b = member(network.branch_a, is_teacher=True), member(network.branch_a, is_teacher=True)
    services.sign_up(by=a, session_id=session.pk)
    services.sign_up(by=b, session_id=session.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_session(by=staff, session=session, visiting_seats=2)
    assert state(session) == (2, [(a.pk, "confirmed", None), (b.pk, "confirmed", None)])
    assert Notification.objects.filter(recipient=b, title__startswith="候补递补成功").count() == 1


def test_overlap_ignores_cancelled_sessions(network, visitor, staff):
    day = timezone.localdate() + timedelta(days=4)
    first = open_session(network.city, day=day, hours=(9, 11))
    services.sign_up(by=visitor, session_id=first.pk)
    services.cancel_session(by=staff, session=first)
    assert (
        services.sign_up(by=visitor, session_id=open_session(network.city, day=day, hours=(9, 11)).pk).status
        == "confirmed"
    )


def test_at_helper_is_shanghai_time():
    assert at(timezone.localdate(), 9).utcoffset() == timedelta(hours=8)
