"""师资互派 and 承办培训 addressed to a whole alliance: every other member school sees it, the first to
accept takes it (then it is an ordinary request between two schools and the others see it closed);
a school outside the alliance never sees it. ``net.alliance`` is city + far (+ branch A here)."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from tests.factories import join, member
from tests.factories.classes import TeacherFactory, TrainingClassFactory

from yiwang.activity.models import Notification
from yiwang.classes.models import Session, TrainingClass
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.exchanges import rules, selectors, services
from yiwang.exchanges.enums import RequestStatus
from yiwang.exchanges.models import Dispatch, HostedTraining
from yiwang.exchanges.services import dispatches as dispatch_services
from yiwang.exchanges.services import hosting as hosting_services
from yiwang.network.context import forget_viewer
from yiwang.network.enums import SharingScope


@pytest.fixture
def trio(net):
    """The alliance with a third member (branch A); the stranger stays outside."""
    join(net.alliance, net.branch_a)
    return net


@pytest.fixture
def branch_staff(trio):
    return member(trio.branch_a, is_training_staff=True)


@pytest.fixture
def city_class(trio):
    return TrainingClassFactory(owner_school=trio.city, name="测试市中青班")


@pytest.fixture
def far_teacher(trio):
    return TeacherFactory(owner_school=trio.far, name="远方教授", scope=SharingScope.NETWORK)


@pytest.fixture
def branch_teacher(trio):
    return TeacherFactory(owner_school=trio.branch_a, name="甲区讲师", scope=SharingScope.NETWORK)


def _slot(day, start=9, end=11):
    tz = timezone.get_current_timezone()
    return datetime.combine(day, time(start), tzinfo=tz), datetime.combine(day, time(end), tzinfo=tz)


@pytest.fixture
def alliance_dispatch(trio, city_staff, city_class, day):
    starts_at, ends_at = _slot(day)
    return dispatch_services.open_dispatch(
        by=city_staff,
        from_school=trio.city,
        to_alliance=trio.alliance,
        need="乡村振兴方向，副教授以上",
        topic_title="乡村振兴的实践与思考",
        starts_at=starts_at,
        ends_at=ends_at,
        training_class=city_class,
    )


def _fresh(*users):
    for user in users:
        forget_viewer(user)


def test_every_member_sees_an_alliance_dispatch_and_a_stranger_never(
    trio, alliance_dispatch, city_staff, far_staff, branch_staff, stranger_staff, client_for
):
    req = alliance_dispatch.request
    assert (req.to_school, req.to_alliance, alliance_dispatch.to_school) == (None, trio.alliance, None)
    for staff in (far_staff, branch_staff):
        assert list(selectors.inbox_of(staff, pending_only=True)) == [req]
        assert list(selectors.dispatches_visible_to(staff)) == [alliance_dispatch]
        assert selectors.dispatch_counts(staff)["pending"] == 1
        page = client_for(staff).get(f"/exchanges/dispatches/{alliance_dispatch.pk}/").content.decode()
        assert "待测试片区成员学校接受并指定教师" in page and 'id="action-accepted"' in page
    assert list(selectors.outbox_of(city_staff)) == [req]
    # the stranger: no inbox, list, page, API, count
    assert list(selectors.requests_visible_to(stranger_staff)) == []
    assert list(selectors.dispatches_visible_to(stranger_staff)) == []
    assert selectors.dispatch_counts(stranger_staff)["total"] == 0
    assert sum(selectors.requests_counts(stranger_staff).values()) == 0
    client = client_for(stranger_staff)
    assert client.get(f"/exchanges/dispatches/{alliance_dispatch.pk}/").status_code == 404
    assert client.get(f"/exchanges/requests/{req.pk}/").status_code == 404
    assert client.get(f"/api/v1/exchanges/requests/{req.pk}").status_code == 404
    assert client.get("/api/v1/exchanges/dispatches").json()["count"] == 0
    assert "乡村振兴的实践与思考" not in client.get("/exchanges/").content.decode()


def test_the_first_member_to_accept_takes_the_dispatch_and_the_others_see_it_closed(
    trio,
    alliance_dispatch,
    city_staff,
    far_staff,
    branch_staff,
    far_teacher,
    city_class,
    client_for,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        dispatch = dispatch_services.accept_dispatch(
            by=far_staff, dispatch=alliance_dispatch, teacher=far_teacher, note="派远方教授"
        )
    req = dispatch.request
    req.refresh_from_db()
    assert (req.status, req.to_school, req.to_alliance) == (RequestStatus.ACCEPTED, trio.far, trio.alliance)
    assert (dispatch.to_school, dispatch.teacher) == (trio.far, far_teacher)
    session = Session.objects.get(pk=dispatch.session_id)
    assert (session.training_class, session.teacher) == (city_class, far_teacher)
    # the sender is told it was accepted; the other member that it was taken
    assert Notification.objects.filter(recipient=city_staff, title__startswith="协作请求已接受").count() == 1
    assert (
        Notification.objects.filter(
            recipient=branch_staff, title="联盟协作请求已由远方承接：推荐教师：乡村振兴的实践与思考"
        ).count()
        == 1
    )
    _fresh(branch_staff, far_staff)
    # branch A: closed in its inbox, no longer pending, the dispatch itself is the two schools' now
    assert [(r.pk, r.status) for r in selectors.inbox_of(branch_staff)] == [(req.pk, "accepted")]
    assert list(selectors.inbox_of(branch_staff, pending_only=True)) == []
    assert list(selectors.dispatches_visible_to(branch_staff)) == []
    assert rules.is_bystander(branch_staff, req) and not rules.is_bystander(far_staff, req)
    client = client_for(branch_staff)
    assert client.get(f"/exchanges/dispatches/{dispatch.pk}/").status_code == 404
    page = client.get(f"/exchanges/requests/{req.pk}/").content.decode()
    assert "该请求已由中共远方市委党校接受，本校无需处理。" in page
    assert "派远方教授" not in page and 'id="comments"' not in page and "action-accepted" not in page
    assert client.get(f"/api/v1/exchanges/requests/{req.pk}").json()["comments"] == []
    # a second acceptance is refused, with who took it
    with pytest.raises(ConflictError) as exc:
        services.accept_request(by=branch_staff, request=req)
    assert exc.value.message == "该请求已由中共远方市委党校接受，无需再处理。"
    # an ordinary dispatch between two schools from now on: on far's list and calendar, counted
    assert list(selectors.dispatches_visible_to(far_staff)) == [dispatch]
    assert selectors.dispatch_counts(far_staff)["accepted"] == 1
    entries = selectors.calendar_dispatches(far_staff, session.date, session.date)
    assert [e.title for e in entries] == ["远方教授：乡村振兴的实践与思考（远方 → 测试市）"]
    comment = services.comment_on_request(by=far_staff, request=req, body="已安排行程")
    assert comment.school == trio.far
    with pytest.raises(PermissionDeniedError):
        services.comment_on_request(by=branch_staff, request=req, body="?")


def test_refusals_of_alliance_dispatches_have_chinese_messages(
    trio, alliance_dispatch, city_staff, far_staff, branch_staff, stranger_staff, branch_teacher, far_teacher
):
    req = alliance_dispatch.request
    with pytest.raises(PermissionDeniedError) as exc:
        services.accept_request(by=city_staff, request=req)
    assert exc.value.message == "这是本校向联盟发起的请求，由其他成员学校接受；本校可以撤回。"
    with pytest.raises(ConflictError) as exc:
        services.decline_request(by=branch_staff, request=req, note="本校无合适人选")
    assert exc.value.message.startswith("面向联盟的请求不由单个成员学校拒绝")
    with pytest.raises(PermissionDeniedError) as exc:
        services.accept_request(by=stranger_staff, request=req)
    assert exc.value.message == "只有请求双方学校的人员可以操作该请求。"
    with pytest.raises(DomainError) as exc:
        dispatch_services.accept_dispatch(by=far_staff, dispatch=alliance_dispatch)
    assert exc.value.message == "请先指定派出的教师，再接受该请求。"
    with pytest.raises(DomainError) as exc:  # far names branch A's teacher
        dispatch_services.accept_dispatch(by=far_staff, dispatch=alliance_dispatch, teacher=branch_teacher)
    assert exc.value.message == "只能指定本校的教师。"
    req.refresh_from_db()
    alliance_dispatch.refresh_from_db()
    assert (req.status, req.to_school, alliance_dispatch.teacher) == ("submitted", None, None)
    # a named teacher cannot be asked of a whole alliance
    starts_at, ends_at = _slot(timezone.localdate() + timedelta(days=6))
    with pytest.raises(DomainError) as exc:
        dispatch_services.open_dispatch(
            by=city_staff,
            from_school=trio.city,
            to_alliance=trio.alliance,
            teacher=far_teacher,
            topic_title="x",
            starts_at=starts_at,
            ends_at=ends_at,
            training_class=alliance_dispatch.training_class,
        )
    assert exc.value.message == "向联盟请求师资时请填写师资需求，由接受请求的成员学校指定教师。"
    # the sender may withdraw it while open; then nobody can take it
    services.withdraw_request(by=city_staff, request=req, note="已另行安排")
    with pytest.raises(DomainError):
        dispatch_services.accept_dispatch(by=far_staff, dispatch=alliance_dispatch, teacher=far_teacher)
    assert Dispatch.objects.get(pk=alliance_dispatch.pk).to_school is None


def test_a_school_outside_the_alliance_cannot_address_it(trio, stranger_staff):
    start = timezone.localdate() + timedelta(days=20)
    with pytest.raises(PermissionDeniedError) as exc:
        hosting_services.open_hosting(
            by=stranger_staff,
            from_school=trio.stranger,
            to_alliance=trio.alliance,
            title="无关市委托培训",
            start_date=start,
            end_date=start + timedelta(days=3),
        )
    assert exc.value.message == "只有联盟成员学校可以向联盟发起请求。"
    assert HostedTraining.objects.count() == 0


@pytest.fixture
def alliance_hosting(trio, far_hosting):
    return far_hosting(in_days=20, planned_trainees=30, to_alliance=trio.alliance)


ROSTER = [
    {
        "row": 2,
        "name": "张三",
        "gender": "男",
        "unit": "远方市某局",
        "position": "科长",
        "phone": "13800000001",
    }
]


def test_an_alliance_hosting_before_a_host_is_known_keeps_every_page_working(
    trio, alliance_hosting, far_staff, city_staff, branch_staff, stranger_staff, client_for
):
    assert (alliance_hosting.host_school, alliance_hosting.training_class) == (None, None)
    hosting_services.import_trainees(by=far_staff, hosting=alliance_hosting, rows=ROSTER)
    guest = client_for(far_staff)
    page = guest.get(f"/exchanges/hosted/{alliance_hosting.pk}/").content.decode()
    assert "待测试片区成员学校接受（首先接受的学校承办）" in page and "张三" in page
    assert "测试片区（待成员学校接受）" in guest.get("/exchanges/hosted/").content.decode()
    assert guest.get("/exchanges/hosted.xlsx").status_code == 200
    assert guest.get(f"/exchanges/hosted/{alliance_hosting.pk}/summary.xlsx").status_code == 200
    api = guest.get(f"/api/v1/exchanges/hosted/{alliance_hosting.pk}").json()
    assert (api["host_school"], api["to_alliance"], api["trainees"]) == (None, "测试片区", 1)
    assert selectors.hosting_counts(far_staff) == {"total": 1, "accepted": 0, "trainees": 1}
    # a member that may take it sees the request, not the guest's roster or summaries
    member_page = client_for(branch_staff).get(f"/exchanges/hosted/{alliance_hosting.pk}/").content.decode()
    assert "远方市青年干部培训班" in member_page and 'id="action-accepted"' in member_page
    assert "张三" not in member_page and "summary-export" not in member_page
    assert (
        client_for(branch_staff).get(f"/exchanges/hosted/{alliance_hosting.pk}/summary.xlsx").status_code
        == 403
    )
    # the stranger: nothing
    assert list(selectors.hostings_visible_to(stranger_staff)) == []
    assert selectors.hosting_counts(stranger_staff) == {"total": 0, "accepted": 0, "trainees": 0}
    assert client_for(stranger_staff).get(f"/exchanges/hosted/{alliance_hosting.pk}/").status_code == 404


def test_the_member_that_accepts_an_alliance_hosting_hosts_it(
    trio, alliance_hosting, far_staff, city_staff, branch_staff, client_for
):
    services.accept_request(by=city_staff, request=alliance_hosting.request, note="我校承办")
    hosting = HostedTraining.objects.get(pk=alliance_hosting.pk)
    assert hosting.host_school == trio.city
    klass = TrainingClass.objects.get(pk=hosting.training_class_id)
    assert (klass.owner_school, klass.name) == (trio.city, "远方市青年干部培训班")
    _fresh(branch_staff, city_staff)
    assert list(selectors.hostings_visible_to(branch_staff)) == []
    assert selectors.hosting_counts(branch_staff)["total"] == 0
    assert client_for(branch_staff).get(f"/exchanges/hosted/{hosting.pk}/").status_code == 404
    assert list(selectors.hostings_visible_to(city_staff, role="host")) == [hosting]
    assert selectors.hosting_counts(city_staff) == {"total": 1, "accepted": 1, "trainees": 0}
    with pytest.raises(ConflictError) as exc:
        services.accept_request(by=branch_staff, request=hosting.request)
    assert exc.value.message == "该请求已由中共测试市委党校接受，无需再处理。"


def test_alliance_requests_from_the_pages(trio, city_staff, city_class, far_staff, day, client_for):
    client = client_for(city_staff)
    response = client.post(
        "/exchanges/dispatches/new/",
        {
            "school": trio.city.pk,
            "to_alliance": trio.alliance.pk,
            "need": "党史方向",
            "topic_title": "党史学习教育专题",
            "date": day.isoformat(),
            "start_time": "14:00",
            "end_time": "16:00",
            "training_class": city_class.pk,
            "action": "send",
        },
    )
    dispatch = Dispatch.objects.get(topic_title="党史学习教育专题")
    assert response.status_code == 302 and response.url == f"/exchanges/dispatches/{dispatch.pk}/"
    assert (dispatch.to_alliance, dispatch.to_school, dispatch.is_sent) == (trio.alliance, None, True)
    start = timezone.localdate() + timedelta(days=30)
    response = client_for(far_staff).post(
        "/exchanges/hosted/new/",
        {
            "school": trio.far.pk,
            "to_alliance": trio.alliance.pk,
            "kind": "hosting",
            "title": "远方市乡村振兴专题班",
            "class_kind": "young",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=4)).isoformat(),
            "planned_trainees": 20,
        },
    )
    hosting = HostedTraining.objects.get(request__title="远方市乡村振兴专题班")
    assert response.status_code == 302 and hosting.host_school is None
    assert hosting.request.to_alliance == trio.alliance


def test_alliance_requests_in_the_api(trio, city_staff, city_class, far_staff, day, client_for):
    starts_at, ends_at = _slot(day, 14, 16)
    response = client_for(city_staff).post(
        "/api/v1/exchanges/dispatches",
        {
            "from_school": "city",
            "to_alliance": trio.alliance.pk,
            "need": "党史方向",
            "topic_title": "党史专题",
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "class_id": city_class.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["to_school"], response.json()["to_alliance"]) == (None, "测试片区")
    listed = client_for(far_staff).get("/api/v1/exchanges/dispatches").json()
    assert [d["topic_title"] for d in listed["items"]] == ["党史专题"]


def test_the_dispatch_list_query_count_does_not_grow_with_alliance_dispatches(
    trio, alliance_dispatch, city_staff, city_class, far_staff, day, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(far_staff)
    client.get("/exchanges/dispatches/")
    with CaptureQueriesContext(connection) as few:
        client.get("/exchanges/dispatches/")
    for hour in (12, 14, 16):
        starts_at, ends_at = _slot(day, hour, hour + 1)
        dispatch_services.open_dispatch(
            by=city_staff,
            from_school=trio.city,
            to_alliance=trio.alliance,
            need=f"需求{hour}",
            topic_title=f"专题{hour}",
            starts_at=starts_at,
            ends_at=ends_at,
            training_class=city_class,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/exchanges/dispatches/").content.decode()
    assert html.count("（待成员学校接受）") == 4
