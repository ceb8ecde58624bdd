"""Issue 10 part 5: cancelling a session credits no 学时, keeps its ratings out of the roll-ups,
needs a reason once people checked in, asks first, and tells the people signed up once."""

import pytest
from django.core.cache import cache
from tests.factories import member
from tests.factories.classes import TeacherFactory, TopicFactory, confirmed, now_session

from yiwang.activity.models import AuditRecord, Notification
from yiwang.classes import selectors, services, tokens
from yiwang.classes.models import CheckIn, Evaluation, Session
from yiwang.core.errors import ConflictError, DomainError

pytestmark = pytest.mark.django_db

GOOD = {"relevance": 18, "theory": 18, "information": 18, "delivery": 18, "manner": 18}  # 90


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def held(network, staff, visitor):
    """A session running now: the visitor checked in, two ratings given; a second, kept session."""
    teacher, topic = TeacherFactory(owner_school=network.city), TopicFactory(owner_school=network.city)
    session = now_session(network.city, teacher=teacher, topic=topic, credit_hours=3)
    kept = now_session(
        network.city, teacher=teacher, topic=topic, credit_hours=2, training_class=session.training_class
    )
    for s in (session, kept):
        confirmed(s, visitor, network.branch_a)
        services.check_in(by=visitor, qr=tokens.qr_token(s))
    services.submit_evaluation(
        qr=tokens.qr_token(session), scores=GOOD, device_id="a", ticket=services.issue_rating_ticket(session)
    )  # 90
    services.submit_evaluation(
        qr=tokens.qr_token(kept),
        scores={k: 14 for k in GOOD},
        device_id="a",
        ticket=services.issue_rating_ticket(kept),
    )  # 70
    return session, kept, teacher, topic


def test_cancelling_after_check_ins_needs_a_reason_and_changes_nothing_without(held, staff):
    session, *_ = held
    with pytest.raises(DomainError) as exc:
        services.cancel_session(by=staff, session=session, reason="  ")
    assert (exc.value.message, exc.value.field) == (
        "已有 1 人签到，取消后这些学时不再计入，请填写取消原因。",
        "reason",
    )
    session.refresh_from_db()
    assert (session.is_cancelled, session.sequence) == (False, 0)
    assert not AuditRecord.objects.filter(action="session.cancelled").exists()


def test_cancelled_session_credits_no_hours_and_its_ratings_leave_the_roll_ups(held, staff, branch_staff):
    session, kept, teacher, topic = held
    assert selectors.teacher_rating_averages([teacher.pk]) == {teacher.pk: 80.0}
    services.cancel_session(by=staff, session=session, reason="讲师临时出差")
    people = selectors.hours_by_person(selectors.attendance_for(branch_staff))
    assert [(p["sessions"], p["hours"]) for p in people] == [(1, kept.credit_hours)]
    assert selectors.teacher_rating_averages([teacher.pk]) == {teacher.pk: 70.0}
    assert (
        selectors.topic_rating_summary(topic)["count"],
        selectors.topic_rating_summary(topic)["total"],
    ) == (
        1,
        70.0,
    )
    assert selectors.teacher_rating_summary(teacher)["count"] == 1
    # kept, and marked: the records stay, the session says it was cancelled
    assert CheckIn.objects.filter(sign_up__session=session).count() == 1
    assert Evaluation.objects.filter(session=session).count() == 1
    assert selectors.session_rating_summary(session)["total"] == 90.0
    audit = AuditRecord.objects.get(action="session.cancelled")
    assert (audit.after["reason"], audit.after["check_ins"]) == ("讲师临时出差", 1)


def test_people_signed_up_are_told_once(network, staff, visitor, django_capture_on_commit_callbacks):
    session = now_session(network.city)
    confirmed(session, visitor, network.branch_a)
    other = member(network.branch_b, is_teacher=True)
    confirmed(session, other, network.branch_b)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_session(by=staff, session=session, reason="场地检修")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ConflictError, match="该课程已取消。"),
    ):
        services.cancel_session(by=staff, session=session, reason="再次")
    notes = Notification.objects.order_by("recipient_id")
    assert [(n.recipient_id, n.title) for n in notes] == [
        (visitor.pk, f"课程取消：{session.title}"),
        (other.pk, f"课程取消：{session.title}"),
    ]
    assert notes[0].body.endswith("已取消。原因：场地检修。")


def test_cancel_page_asks_first_and_says_what_will_happen(client_for, held, staff):
    session, *_ = held
    client = client_for(staff)
    page = client.get(f"/classes/sessions/{session.pk}/cancel/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "通知已报名的 1 人（每人一次）" in body
    assert "已签到的 1 人不再计入这节课的 3.0 学时" in body
    assert "已收到的 1 份评课保留备查，但不再计入讲题和教师的评分统计" in body
    refused = client.post(f"/classes/sessions/{session.pk}/cancel/", {"reason": ""})
    assert refused.status_code == 200
    assert "已有人签到，请填写取消原因。" in refused.content.decode()
    assert Session.objects.get(pk=session.pk).is_cancelled is False
    done = client.post(f"/classes/sessions/{session.pk}/cancel/", {"reason": "讲师临时出差"})
    assert done.status_code == 302
    assert Session.objects.get(pk=session.pk).is_cancelled is True
    detail = client.get(f"/classes/sessions/{session.pk}/").content.decode()
    assert "这节课已取消：签到不计学时，评课保留备查、不计入评分统计。" in detail


def test_cancel_page_is_for_the_class_runners_only(client_for, held, visitor):
    session, *_ = held
    assert client_for(visitor).get(f"/classes/sessions/{session.pk}/cancel/").status_code == 403
    assert (
        client_for(visitor).post(f"/classes/sessions/{session.pk}/cancel/", {"reason": "x"}).status_code
        == 403
    )
    assert Session.objects.get(pk=session.pk).is_cancelled is False
