"""整期报名 (issue 10 part 11): one registration for all of a programme's sessions, its seats, the
roster with attendance across sessions, and completion (结业) — and every refused input."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.factories import member
from tests.factories.classes import SessionFactory, TrainingClassFactory, open_session

from yiwang.activity.models import AuditRecord, Notification
from yiwang.classes import selectors, services
from yiwang.classes.enums import ClassKind, EnrolmentMode
from yiwang.classes.models import CheckIn, Enrolment, SignUp, TrainingClass
from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db


def programme(school, *, seats=3, days=(3, 4, 5), percent=80, **fields):
    """A published workshop of ``school`` joined as a whole, with a session on each of ``days`` (from today)."""
    klass = TrainingClassFactory(
        owner_school=school,
        kind=ClassKind.WORKSHOP,
        name="落实基本培训，提升教学水平专题工作坊",
        enrolment=EnrolmentMode.PROGRAMME,
        programme_seats=seats,
        completion_percent=percent,
        start_date=timezone.localdate() - timedelta(days=30),
        end_date=timezone.localdate() + timedelta(days=30),
        **fields,
    )
    today = timezone.localdate()
    for offset in days:
        SessionFactory(
            training_class=klass,
            date=today + timedelta(days=offset),
            start_time=time(9),
            end_time=time(11),
            is_open=False,
            visiting_seats=0,
            credit_hours=Decimal("2.0"),
        )
    return klass


def snapshot(klass):
    klass.refresh_from_db()
    return (
        klass.programme_taken,
        list(Enrolment.objects.filter(training_class=klass).values_list("user_id", "status")),
        list(
            SignUp.objects.filter(session__training_class=klass).values_list(
                "user_id", "session_id", "status"
            )
        ),
    )


def test_enrolling_confirms_every_session_of_the_programme_and_takes_one_seat(network):
    klass = programme(network.city)
    teacher = member(network.branch_a, is_teacher=True)
    enrolment = services.enrol(by=teacher, class_id=klass.pk)
    klass.refresh_from_db()
    assert klass.programme_taken == 1
    assert enrolment.home_school == network.branch_a
    assert sorted(enrolment.sign_ups.values_list("session_id", "status")) == sorted(
        (pk, "confirmed") for pk in klass.sessions.values_list("pk", flat=True)
    )
    # programme sign-ups do not use the sessions' visiting seats
    assert list(klass.sessions.values_list("seats_taken", flat=True)) == [0, 0, 0]
    assert AuditRecord.objects.filter(action="enrolment.created", object_id=str(enrolment.pk)).count() == 1


def test_a_full_programme_refuses_and_changes_nothing(network):
    klass = programme(network.city, seats=1)
    services.enrol(by=member(network.branch_a, is_teacher=True), class_id=klass.pk)
    before = snapshot(klass)
    with pytest.raises(DomainError, match=r"^该班次整期名额（1 人）已满。$"):
        services.enrol(by=member(network.branch_b, is_teacher=True), class_id=klass.pk)
    assert snapshot(klass) == before


def test_enrolling_twice_is_refused(network):
    klass = programme(network.city)
    teacher = member(network.branch_a, is_teacher=True)
    services.enrol(by=teacher, class_id=klass.pk)
    before = snapshot(klass)
    with pytest.raises(ConflictError, match="您已报名该班次，无需重复报名。"):
        services.enrol(by=teacher, class_id=klass.pk)
    assert snapshot(klass) == before


def test_a_clash_with_another_sign_up_is_refused_with_its_title(network):
    klass = programme(network.city, days=(3,))
    teacher = member(network.branch_a, is_teacher=True)
    other = open_session(
        network.city, title="另一堂课", day=timezone.localdate() + timedelta(days=3), hours=(10, 12)
    )
    services.sign_up(by=teacher, session_id=other.pk)
    before = snapshot(klass)
    with pytest.raises(ConflictError, match=r"您已报名同一时间的课程《另一堂课》"):
        services.enrol(by=teacher, class_id=klass.pk)
    assert snapshot(klass) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "draft"}, "班次尚未发布，不能报名。"),
        ({"status": "finished"}, "该班次已结束，不能报名。"),
        ({"enrolment": "session"}, "该班次按场次报名旁听，请在课程表中选择场次报名。"),
    ],
)
def test_enrolment_refused_when_the_class_is_not_open_for_it(network, change, message):
    klass = programme(network.city)
    TrainingClass.objects.filter(pk=klass.pk).update(**change)
    staff = member(network.city, is_training_staff=True)  # sees drafts of its own school
    before = snapshot(klass)
    with pytest.raises(DomainError, match=f"^{message}$"):
        services.enrol(by=staff, class_id=klass.pk)
    assert snapshot(klass) == before


def test_enrolment_closes_at_the_first_session_or_the_set_deadline(network):
    klass = programme(network.city, days=(3,))
    first = klass.sessions.get().starts_at
    teacher = member(network.branch_a, is_teacher=True)
    with pytest.raises(DomainError, match="整期报名已于 .* 截止。"):
        services.enrol(by=teacher, class_id=klass.pk, now=first)
    services.enrol(by=teacher, class_id=klass.pk, now=first - timedelta(seconds=1))
    TrainingClass.objects.filter(pk=klass.pk).update(enrolment_closes_at=first - timedelta(days=2))
    with pytest.raises(DomainError, match="整期报名已于 .* 截止。"):
        services.enrol(
            by=member(network.branch_b, is_teacher=True), class_id=klass.pk, now=first - timedelta(days=1)
        )


def test_an_outsider_cannot_enrol_in_a_programme_it_may_not_see(network, outsider):
    klass = programme(network.city)  # scope: the city's system
    with pytest.raises(NotFoundError):
        services.enrol(by=outsider, class_id=klass.pk)
    assert snapshot(klass)[0] == 0


def test_anonymous_enrolment_is_refused(network):
    from django.contrib.auth.models import AnonymousUser

    klass = programme(network.city)
    with pytest.raises(PermissionDeniedError):
        services.enrol(by=AnonymousUser(), class_id=klass.pk)


def test_per_session_sign_up_and_cancel_are_refused_for_programme_sessions(network):
    klass = programme(network.city)
    session = klass.sessions.first()
    teacher = member(network.branch_a, is_teacher=True)
    with pytest.raises(DomainError, match="^该班次为整期报名，请在班次页面报名整期课程。$"):
        services.sign_up(by=teacher, session_id=session.pk)
    enrolment = services.enrol(by=teacher, class_id=klass.pk)
    entry = enrolment.sign_ups.get(session=session)
    with pytest.raises(ConflictError, match="^这节课随整期报名确认，请在班次页面取消整期报名。$"):
        services.cancel_sign_up(by=teacher, sign_up_id=entry.pk)
    entry.refresh_from_db()
    assert entry.status == "confirmed"


def test_a_session_added_later_reaches_everyone_enrolled(network):
    klass = programme(network.city)
    people = [member(network.branch_a, is_teacher=True) for _ in range(2)]
    for person in people:
        services.enrol(by=person, class_id=klass.pk)
    staff = member(network.city, is_training_staff=True)
    added = services.add_session(
        by=staff,
        training_class=klass,
        date=timezone.localdate() + timedelta(days=6),
        start_time=time(14),
        end_time=time(16),
        title="教学观摩与点评",
    )
    assert sorted(SignUp.objects.filter(session=added).values_list("user_id", "status")) == sorted(
        (p.pk, "confirmed") for p in people
    )


def test_cancelling_frees_the_seat_and_the_session_sign_ups(network):
    klass = programme(network.city, seats=1)
    teacher = member(network.branch_a, is_teacher=True)
    enrolment = services.enrol(by=teacher, class_id=klass.pk)
    services.cancel_enrolment(by=teacher, enrolment_id=enrolment.pk)
    klass.refresh_from_db()
    assert klass.programme_taken == 0
    assert set(enrolment.sign_ups.values_list("status", flat=True)) == {"cancelled"}
    # the seat can be taken again, by the same person too
    again = services.enrol(by=teacher, class_id=klass.pk)
    assert again.pk != enrolment.pk
    with pytest.raises(ConflictError, match="整期报名当前为“已取消”，不能改为“已取消”。"):
        services.cancel_enrolment(by=teacher, enrolment_id=enrolment.pk)


def test_cancelling_after_the_programme_started_is_refused(network):
    klass = programme(network.city, days=(3, 4))
    teacher = member(network.branch_a, is_teacher=True)
    enrolment = services.enrol(by=teacher, class_id=klass.pk)
    first = klass.sessions.order_by("starts_at").first().starts_at
    before = snapshot(klass)
    with pytest.raises(ConflictError, match="班次已开课，不能再取消整期报名"):
        services.cancel_enrolment(by=teacher, enrolment_id=enrolment.pk, now=first)
    assert snapshot(klass) == before
    with pytest.raises(NotFoundError):
        services.cancel_enrolment(by=member(network.branch_a, is_teacher=True), enrolment_id=enrolment.pk)


def _check_in(entry):
    return CheckIn.objects.create(
        sign_up=entry, checked_in_at=entry.session.starts_at, hours=entry.session.credit_hours
    )


def test_completion_counts_attendance_across_sessions_and_notifies_each_person_once(
    network, django_capture_on_commit_callbacks
):
    klass = programme(network.city, days=(3, 4, 5, 6, 7), percent=80)
    sessions = list(klass.sessions.order_by("starts_at"))
    good, short = member(network.branch_a, is_teacher=True), member(network.branch_b, is_teacher=True)
    e_good = services.enrol(by=good, class_id=klass.pk)
    e_short = services.enrol(by=short, class_id=klass.pk)
    staff = member(network.city, is_training_staff=True)
    # one session is cancelled: it is not counted (4 sessions count)
    services.cancel_session(by=staff, session=sessions[4])
    for session in sessions[:3]:
        _check_in(e_good.sign_ups.get(session=session))  # 3 of 4 = 75 %
    _check_in(e_good.sign_ups.get(session=sessions[4]))  # a check-in of the cancelled session does not count
    _check_in(e_short.sign_ups.get(session=sessions[0]))  # 1 of 4
    after_last = sessions[4].ends_at + timedelta(minutes=1)
    with pytest.raises(DomainError, match="^还有课程尚未结束，全部课程结束后才能确认结业。$"):
        services.complete_programme(by=staff, class_id=klass.pk, now=sessions[2].ends_at)
    TrainingClass.objects.filter(pk=klass.pk).update(completion_percent=75)
    klass.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        decided = services.complete_programme(by=staff, class_id=klass.pk, now=after_last)
    result = {e.user_id: (e.completion, e.attended_sessions, e.total_sessions, e.hours) for e in decided}
    assert result == {
        good.pk: ("completed", 3, 4, Decimal("6.0")),
        short.pk: ("not_completed", 1, 4, Decimal("2.0")),
    }
    assert Notification.objects.filter(recipient=good, title__startswith="结业：").count() == 1
    assert Notification.objects.filter(recipient=short, title__startswith="未结业：").count() == 1
    assert AuditRecord.objects.filter(action="enrolment.completion_decided").count() == 2
    with pytest.raises(ConflictError, match="该班次已于 .* 确认结业。"):
        services.complete_programme(by=staff, class_id=klass.pk, now=after_last)


def test_only_the_organiser_confirms_completion(network):
    klass = programme(network.city, days=(3,))
    teacher = member(network.branch_a, is_teacher=True)
    services.enrol(by=teacher, class_id=klass.pk)
    with pytest.raises(PermissionDeniedError):
        services.complete_programme(by=teacher, class_id=klass.pk, now=timezone.now() + timedelta(days=10))
    assert Enrolment.objects.get().completion == ""


def test_programme_settings_are_checked_on_the_class_form_path(network):
    staff = member(network.city, is_training_staff=True)
    today = timezone.localdate()
    with pytest.raises(DomainError, match="^整期报名的班次请设置整期名额。$"):
        services.create_class(
            by=staff,
            school=network.city,
            name="工作坊",
            kind=ClassKind.WORKSHOP,
            start_date=today,
            end_date=today + timedelta(days=3),
            enrolment="programme",
            programme_seats=0,
        )
    assert not TrainingClass.objects.filter(name="工作坊").exists()
    klass = programme(network.city, seats=3)
    for _ in range(2):
        services.enrol(by=member(network.branch_a, is_teacher=True), class_id=klass.pk)
    with pytest.raises(DomainError, match="^已有人整期报名，不能再修改报名方式。$"):
        services.update_class(by=staff, training_class=klass, enrolment="session")
    with pytest.raises(DomainError, match="^整期名额不能少于已报名的 2 人。$"):
        services.update_class(by=staff, training_class=klass, programme_seats=1)
    klass.refresh_from_db()
    assert (klass.enrolment, klass.programme_seats) == ("programme", 3)


def test_roster_page_shows_attendance_and_is_only_for_the_organiser(client, network):
    klass = programme(network.city, days=(3, 4))
    sessions = list(klass.sessions.order_by("starts_at"))
    teacher = member(network.branch_a, is_teacher=True)
    teacher.full_name = "王晓梅"
    teacher.save(update_fields=["full_name"])
    enrolment = services.enrol(by=teacher, class_id=klass.pk)
    _check_in(enrolment.sign_ups.get(session=sessions[0]))
    data = selectors.programme_roster(klass)
    assert [(r.enrolment.user_id, r.attended, r.attended_count, r.hours) for r in data.rows] == [
        (teacher.pk, [True, False], 1, Decimal("2.0"))
    ]
    url = reverse("classes:roster", args=[klass.pk])
    client.force_login(teacher)
    assert client.get(url).status_code == 403
    client.force_login(member(network.city, is_training_staff=True))
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "王晓梅" in html and "1/2" in html
    export = client.get(url + "?format=xlsx")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_class_page_offers_enrolment_and_shows_my_enrolment(client, network):
    klass = programme(network.city, seats=2)
    teacher = member(network.branch_a, is_teacher=True)
    client.force_login(teacher)
    page = client.get(reverse("classes:class_detail", args=[klass.pk])).content.decode()
    assert 'id="enrol"' in page and "剩余 2 人" in page
    response = client.post(reverse("classes:enrol", args=[klass.pk]), follow=True)
    assert "整期报名成功：已为您确认本班次 3 节课程的席位" in response.content.decode()
    page = client.get(reverse("classes:class_detail", args=[klass.pk])).content.decode()
    assert 'id="my-enrolment"' in page and 'id="enrol"' not in page
    mine = client.get(reverse("classes:mine")).content.decode()
    assert 'id="my-enrolments"' in mine and klass.name in mine
    enrolment = Enrolment.objects.get(user=teacher)
    confirm = client.get(reverse("classes:enrolment_cancel", args=[enrolment.pk]))
    assert "取消随整期报名确认的 3 节课程席位" in confirm.content.decode()
    client.post(reverse("classes:enrolment_cancel", args=[enrolment.pk]))
    enrolment.refresh_from_db()
    assert enrolment.status == "cancelled"


def test_roster_query_count_is_constant(network, django_assert_max_num_queries):
    klass = programme(network.city, seats=30, days=(3, 4, 5, 6))
    for _ in range(12):
        services.enrol(by=member(network.branch_a, is_teacher=True), class_id=klass.pk)
    with django_assert_max_num_queries(3):
        data = selectors.programme_roster(klass)
        assert len(data.rows) == 12 and all(len(r.attended) == 4 for r in data.rows)


def test_scope_of_the_programme_follows_the_class(network):
    klass = programme(network.city, scope=SharingScope.SCHOOL)
    with pytest.raises(NotFoundError):
        services.enrol(by=member(network.branch_a, is_teacher=True), class_id=klass.pk)


def test_enrolment_api_enrol_cancel_mine_and_roster(client, network):
    from yiwang.accounts.services import create_api_token

    klass = programme(network.city, seats=2)
    teacher = member(network.branch_a, is_teacher=True)
    staff = member(network.city, is_training_staff=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=teacher, name='测试')[1]}"}
    staff_auth = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=staff, name='测试')[1]}"}
    created = client.post(f"/api/v1/classes/classes/{klass.pk}/enrolment", **auth)
    assert created.status_code == 201
    body = created.json()
    assert (body["class_id"], body["status"], body["sessions"], body["home_school_code"]) == (
        klass.pk,
        "enrolled",
        3,
        network.branch_a.code,
    )
    again = client.post(f"/api/v1/classes/classes/{klass.pk}/enrolment", **auth)
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "您已报名该班次，无需重复报名。"
    assert [e["id"] for e in client.get("/api/v1/classes/enrolments/mine", **auth).json()] == [body["id"]]
    assert client.get(f"/api/v1/classes/classes/{klass.pk}/roster", **auth).status_code == 403
    roster = client.get(f"/api/v1/classes/classes/{klass.pk}/roster", **staff_auth).json()
    assert [(r["username"], r["attended"]) for r in roster["rows"]] == [(teacher.username, [False] * 3)]
    cancelled = client.post(f"/api/v1/classes/enrolments/{body['id']}/cancel", **auth)
    assert cancelled.json()["status"] == "cancelled"
    listed = client.get(f"/api/v1/classes/classes/{klass.pk}", **auth).json()
    assert (listed["enrolment"], listed["programme_seats_left"]) == ("programme", 2)
