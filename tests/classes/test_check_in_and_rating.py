"""QR check-in with hours, and 评课 without signing in: one per person, flood-protected, rolled up."""

import time as clock
from datetime import timedelta

import pytest
from django.core import signing
from django.core.cache import cache
from django.utils import timezone
from tests.factories import member
from tests.factories.classes import TeacherFactory, TopicFactory, confirmed, now_session, open_session

from yiwang.classes import selectors, services, tokens
from yiwang.classes.models import CheckIn, Evaluation
from yiwang.core.errors import ConflictError, DomainError

pytestmark = pytest.mark.django_db

GOOD = {"relevance": 18, "theory": 17, "information": 19, "delivery": 16, "manner": 20}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def expired_qr(session) -> str:
    class Yesterday(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(clock.time()) - 25 * 3600)

    return Yesterday(salt=tokens.QR_SALT).sign(str(session.pk))


def test_check_in_credits_the_session_hours(network, visitor):
    session = now_session(network.city)
    confirmed(session, visitor, network.branch_a)
    record = services.check_in(by=visitor, qr=tokens.qr_token(session))
    assert (record.sign_up.user, record.sign_up.home_school, record.hours) == (
        visitor,
        network.branch_a,
        session.credit_hours,
    )
    with pytest.raises(ConflictError) as exc:
        services.check_in(by=visitor, qr=tokens.qr_token(session))
    assert (
        exc.value.message
        == f"您已于 {timezone.localtime(record.checked_in_at):%Y-%m-%d %H:%M} 签到，无需重复签到。"
    )
    assert CheckIn.objects.count() == 1


@pytest.mark.parametrize(
    "make_token",
    [
        lambda s: tokens.qr_token(s) + "x",
        lambda s: "12:forged:signature",
        lambda s: "",
        expired_qr,
        lambda s: signing.TimestampSigner(salt="other").sign(str(s.pk)),
    ],
)
def test_forged_or_expired_qr_refused(network, visitor, make_token):
    session = now_session(network.city)
    confirmed(session, visitor, network.branch_a)
    with pytest.raises(DomainError) as exc:
        services.check_in(by=visitor, qr=make_token(session))
    assert exc.value.message == "二维码无效或已过期，请重新扫描教室里展示的二维码。"
    with pytest.raises(DomainError, match="二维码无效或已过期"):
        services.submit_evaluation(qr=make_token(session), scores=GOOD, device_id="device-1")
    assert CheckIn.objects.count() == 0 and Evaluation.objects.count() == 0


def test_check_in_needs_a_confirmed_sign_up(network, visitor):
    session = now_session(network.city)
    with pytest.raises(DomainError, match="您没有报名这堂课，不能签到。请先在课程表中报名。"):
        services.check_in(by=visitor, qr=tokens.qr_token(session))
    from yiwang.classes.models import SignUp

    SignUp.objects.create(
        session=session, user=visitor, home_school=network.branch_a, status="waitlisted", waitlist_position=3
    )
    with pytest.raises(DomainError, match="您仍在候补名单（第 3 位），不能签到。"):
        services.check_in(by=visitor, qr=tokens.qr_token(session))
    assert CheckIn.objects.count() == 0


def test_check_in_window(network, visitor, settings):
    settings.CLASSES_CHECKIN_EARLY_MINUTES = 60
    session = open_session(network.city)
    confirmed(session, visitor, network.branch_a)
    with pytest.raises(DomainError, match="签到尚未开始，开课前 60 分钟开放签到。"):
        services.check_in(
            by=visitor, qr=tokens.qr_token(session), now=session.starts_at - timedelta(minutes=61)
        )
    with pytest.raises(DomainError, match="课程已结束，签到已关闭。"):
        services.check_in(by=visitor, qr=tokens.qr_token(session), now=session.ends_at + timedelta(minutes=1))
    assert services.check_in(
        by=visitor, qr=tokens.qr_token(session), now=session.starts_at - timedelta(minutes=59)
    )


def test_anonymous_rating_once_per_device(network):
    session = now_session(network.city)
    qr = tokens.qr_token(session)
    evaluation = services.submit_evaluation(
        qr=qr,
        scores=GOOD,
        comment="案例鲜活",
        device_id="phone-a",
        ip="10.0.0.1",
        ticket=services.issue_rating_ticket(session),
    )
    evaluation.refresh_from_db()
    assert (evaluation.total, evaluation.comment, evaluation.rater_user) == (90, "案例鲜活", None)
    with pytest.raises(ConflictError) as exc:
        services.submit_evaluation(
            qr=qr,
            scores=GOOD,
            device_id="phone-a",
            ip="10.0.0.1",
            ticket=services.issue_rating_ticket(session),
        )
    assert exc.value.message == "您已评价过这堂课，每人每堂课只能评价一次。"
    services.submit_evaluation(
        qr=qr, scores=GOOD, device_id="phone-b", ip="10.0.0.1", ticket=services.issue_rating_ticket(session)
    )
    assert Evaluation.objects.count() == 2


def test_signed_in_rating_is_once_per_account_whatever_the_device(network, visitor):
    session = now_session(network.city)
    services.submit_evaluation(qr=tokens.qr_token(session), scores=GOOD, user=visitor, device_id="a")
    with pytest.raises(ConflictError):
        services.submit_evaluation(qr=tokens.qr_token(session), scores=GOOD, user=visitor, device_id="b")
    assert Evaluation.objects.get().rater_user == visitor


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("relevance", 21, "“现实针对性”请打 0–20 分之间的整数。"),
        ("theory", -1, "“理论性”请打 0–20 分之间的整数。"),
        ("information", "abc", "“信息量”请打 0–20 分之间的整数。"),
        ("delivery", None, "“语言表达”请打 0–20 分之间的整数。"),
        ("manner", "12.5", "“教风教态”请打 0–20 分之间的整数。"),
    ],
)
def test_bad_scores_refused(network, field, value, message):
    session = now_session(network.city)
    with pytest.raises(DomainError) as exc:
        services.submit_evaluation(
            qr=tokens.qr_token(session),
            scores={**GOOD, field: value},
            device_id="d",
            ticket=services.issue_rating_ticket(session),
        )
    assert (exc.value.message, exc.value.field) == (message, field)
    assert Evaluation.objects.count() == 0


def test_scores_out_of_range_are_a_database_check(network):
    from django.db import IntegrityError, transaction

    session = now_session(network.city)
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.create(session=session, rater_fingerprint="x", **{**GOOD, "theory": 25})


def test_rating_before_the_session_starts_refused(network):
    session = open_session(network.city)
    with pytest.raises(DomainError, match="课程开始后才能评课。"):
        services.submit_evaluation(
            qr=tokens.qr_token(session),
            scores=GOOD,
            device_id="d",
            ticket=services.issue_rating_ticket(session),
        )


def test_rating_without_device_or_account_refused(network):
    session = now_session(network.city)
    with pytest.raises(DomainError, match="无法识别评价设备"):
        services.submit_evaluation(
            qr=tokens.qr_token(session), scores=GOOD, ticket=services.issue_rating_ticket(session)
        )
    assert Evaluation.objects.count() == 0


def test_ratings_capped_per_session(network, settings):
    settings.CLASSES_RATING_MARGIN = 1
    session = now_session(network.city)
    session.training_class.trainee_count = 2
    session.training_class.save()
    confirmed(session, member(network.branch_a, is_teacher=True), network.branch_a)
    for n in range(4):  # 2 trainees + 1 visitor + margin 1
        services.submit_evaluation(
            qr=tokens.qr_token(session),
            scores=GOOD,
            device_id=f"d{n}",
            ip=f"10.0.0.{n}",
            ticket=services.issue_rating_ticket(session),
        )
    with pytest.raises(DomainError, match="这堂课的评价数量已达上限，如有疑问请联系主办学校。"):
        services.submit_evaluation(
            qr=tokens.qr_token(session),
            scores=GOOD,
            device_id="d9",
            ip="10.0.0.9",
            ticket=services.issue_rating_ticket(session),
        )
    assert Evaluation.objects.count() == 4


def test_ratings_rate_limited_per_ip(network, settings):
    settings.CLASSES_RATING_IP_LIMIT = 3
    session = now_session(network.city)
    for n in range(3):
        services.submit_evaluation(
            qr=tokens.qr_token(session),
            scores=GOOD,
            device_id=f"d{n}",
            ip="10.9.9.9",
            ticket=services.issue_rating_ticket(session),
        )
    with pytest.raises(services.RateLimitedError) as exc:
        services.submit_evaluation(
            qr=tokens.qr_token(session),
            scores=GOOD,
            device_id="d3",
            ip="10.9.9.9",
            ticket=services.issue_rating_ticket(session),
        )
    assert (exc.value.message, exc.value.status) == ("评课提交过于频繁，请稍后再试。", 429)
    services.submit_evaluation(
        qr=tokens.qr_token(session),
        scores=GOOD,
        device_id="d4",
        ip="10.9.9.10",
        ticket=services.issue_rating_ticket(session),
    )
    assert Evaluation.objects.count() == 4


def test_results_roll_up_to_topic_and_teacher(network):
    teacher, other = TeacherFactory(owner_school=network.city), TeacherFactory(owner_school=network.city)
    topic = TopicFactory(owner_school=network.city)
    first = now_session(network.city, teacher=teacher, topic=topic)
    second = now_session(network.city, teacher=teacher, topic=topic, training_class=first.training_class)
    services.submit_evaluation(
        qr=tokens.qr_token(first), scores=GOOD, device_id="a", ticket=services.issue_rating_ticket(first)
    )  # 90
    services.submit_evaluation(
        qr=tokens.qr_token(second),
        scores={k: 15 for k in GOOD},
        device_id="a",
        ticket=services.issue_rating_ticket(second),
    )  # 75
    services.submit_evaluation(
        qr=tokens.qr_token(second),
        scores={k: 16 for k in GOOD},
        device_id="b",
        ticket=services.issue_rating_ticket(second),
    )  # 80
    assert selectors.teacher_rating_averages([teacher.pk, other.pk]) == {teacher.pk: 81.7}
    summary = selectors.topic_rating_summary(topic)
    assert (summary["count"], summary["total"]) == (3, 81.7)
    assert [(i["label"], i["average"]) for i in summary["indicators"]] == [
        ("现实针对性", 16.3),
        ("理论性", 16.0),
        ("信息量", 16.7),
        ("语言表达", 15.7),
        ("教风教态", 17.0),
    ]
    assert selectors.topic_rating_summary(TopicFactory()) is None
    assert selectors.session_rating_summary(first)["total"] == 90.0
