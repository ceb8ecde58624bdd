"""师资互派: conflicts across schools (shown before sending, refused at acceptance), the teacher's
confirmation, and the session an accepted dispatch puts into the requesting school's class."""

from datetime import time, timedelta

import pytest
from tests.factories.classes import SessionFactory, TeacherFactory, TrainingClassFactory, at

from yiwang.activity.models import AuditRecord
from yiwang.classes import selectors as class_selectors
from yiwang.classes.models import Session
from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.exchanges import selectors
from yiwang.exchanges.enums import RequestStatus
from yiwang.exchanges.models import Dispatch, Request
from yiwang.exchanges.services import dispatches
from yiwang.network.enums import SharingScope


def _ask(by, net, teacher, klass, day, start=9, end=12, **kw):
    training_class = kw.pop("training_class", klass)
    defaults = dict(
        by=by,
        from_school=training_class.owner_school,
        to_school=teacher.owner_school if teacher else net.city,
        teacher=teacher,
        topic_title="新时代党的建设总要求",
        starts_at=at(day, start),
        ends_at=at(day, end),
        training_class=training_class,
        place="甲区党校报告厅",
    )
    defaults.update(kw)
    return dispatches.open_dispatch(**defaults)


def test_accepted_dispatch_becomes_a_session_of_the_requesting_class(
    net, branch_staff, city_staff, city_teacher, branch_class, day
):
    dispatch = _ask(branch_staff, net, city_teacher, branch_class, day)
    assert dispatch.request.status == RequestStatus.SUBMITTED
    assert (dispatch.city, dispatch.province) == ("广州市", "广东省")
    dispatch = dispatches.accept_dispatch(by=city_staff, dispatch=dispatch, note="同意派出")
    assert dispatch.request.status == RequestStatus.ACCEPTED
    session = dispatch.session
    assert session.training_class == branch_class
    assert (session.teacher, session.title, session.date) == (city_teacher, "新时代党的建设总要求", day)
    assert (session.start_time, session.end_time, session.place) == (time(9), time(12), "甲区党校报告厅")
    # on the network calendar and on the teacher's schedule
    assert session in class_selectors.calendar_sessions(branch_staff, day, day)
    assert session in class_selectors.teacher_sessions(city_staff, city_teacher)
    audit = AuditRecord.objects.get(action="session.created", object_id=str(session.pk))
    assert audit.after["via"] == f"dispatch:{dispatch.pk}"
    assert audit.actor == city_staff


def test_a_session_anywhere_on_the_network_is_a_conflict(
    net, branch_staff, city_staff, city_teacher, branch_class, far_class, day
):
    SessionFactory(
        training_class=far_class,
        teacher=city_teacher,
        date=day,
        start_time=time(10),
        end_time=time(11, 30),
        starts_at=at(day, 10, 0),
        ends_at=at(day, 11, 30),
    )
    found = selectors.teacher_conflicts(
        city_teacher, at(day, 9), at(day, 12), city="广州市", province="广东省"
    )
    assert [c.kind for c in found] == ["session"]
    assert found[0].message == f"林志远在 {day:%Y-%m-%d} 10:00–11:30 已有授课安排"
    assert "远方" not in found[0].message  # the other school's class is not named
    dispatch = _ask(branch_staff, net, city_teacher, branch_class, day)  # shown, not refused, when sending
    with pytest.raises(ConflictError) as exc:
        dispatches.accept_dispatch(by=city_staff, dispatch=dispatch)
    assert exc.value.message == f"不能接受：林志远在 {day:%Y-%m-%d} 10:00–11:30 已有授课安排。"
    dispatch.refresh_from_db()
    assert dispatch.request.status == RequestStatus.SUBMITTED
    assert dispatch.session is None
    assert Session.objects.filter(training_class=branch_class).count() == 0


def test_a_dispatch_elsewhere_is_a_conflict(
    net, branch_staff, far_staff, city_staff, city_teacher, branch_class, far_class, day
):
    first = _ask(far_staff, net, city_teacher, far_class, day, start=14, end=17)
    dispatches.accept_dispatch(by=city_staff, dispatch=first)
    second = _ask(branch_staff, net, city_teacher, branch_class, day, start=15, end=16)
    found = selectors.dispatch_conflicts(second)
    # the accepted dispatch's session is reported once, as a session
    assert [c.kind for c in found] == ["session"]
    Session.objects.filter(pk=first.pk and Dispatch.objects.get(pk=first.pk).session_id).update(
        is_cancelled=True
    )
    found = selectors.dispatch_conflicts(second)
    assert [c.message for c in found] == [f"林志远在 {day:%Y-%m-%d} 14:00–17:00 已被派往梅州市授课"]
    with pytest.raises(ConflictError):
        dispatches.accept_dispatch(by=city_staff, dispatch=second)


def test_travelling_the_evening_before_is_a_conflict(
    net, branch_staff, far_staff, city_staff, city_teacher, branch_class, far_class, day
):
    evening = _ask(far_staff, net, city_teacher, far_class, day - timedelta(days=1), start=19, end=21)
    dispatches.accept_dispatch(by=city_staff, dispatch=evening)
    morning = _ask(branch_staff, net, city_teacher, branch_class, day, start=9, end=11)
    found = selectors.dispatch_conflicts(morning)
    assert [c.kind for c in found] == ["travel", "travel"]  # the far dispatch and its session in 梅州
    assert found[0].message.startswith("林志远前一晚在梅州市另有外派任务")
    assert found[0].message.endswith("次日难以赶到广州市")
    with pytest.raises(ConflictError) as exc:
        dispatches.accept_dispatch(by=city_staff, dispatch=morning)
    assert exc.value.code == "dispatch_conflict"


def test_an_evening_session_in_the_same_city_is_no_travel(
    net, branch_staff, city_staff, city_teacher, branch_class, day
):
    own = TrainingClassFactory(owner_school=net.city)
    prev = day - timedelta(days=1)
    SessionFactory(
        training_class=own,
        teacher=city_teacher,
        date=prev,
        start_time=time(19),
        end_time=time(21),
        starts_at=at(prev, 19),
        ends_at=at(prev, 21),
    )
    assert (
        selectors.teacher_conflicts(city_teacher, at(day, 9), at(day, 11), city="广州市", province="广东省")
        == []
    )
    assert selectors.is_far("广州市", "广东省", "梅州市", "广东省")
    assert selectors.is_far("", "广东省", "", "四川省")
    assert not selectors.is_far("广州市", "广东省", "", "广东省")


def test_a_need_is_answered_by_naming_a_teacher(
    net, branch_staff, city_staff, city_teacher, branch_class, day
):
    city_teacher.expertise = "乡村振兴、基层治理"
    city_teacher.save()
    TeacherFactory(owner_school=net.city, name="王海", expertise="经济学", scope=SharingScope.NETWORK)
    dispatch = _ask(branch_staff, net, None, branch_class, day, need="乡村振兴 方向")
    assert dispatch.teacher is None
    assert [t.name for t in selectors.suggest_teachers(city_staff, net.city, dispatch.need)] == ["林志远"]
    with pytest.raises(DomainError) as exc:
        dispatches.accept_dispatch(by=city_staff, dispatch=dispatch)
    assert exc.value.message == "请先指定派出的教师，再接受该请求。"
    dispatch = dispatches.accept_dispatch(by=city_staff, dispatch=dispatch, teacher=city_teacher)
    assert dispatch.teacher == city_teacher
    assert dispatch.session.teacher == city_teacher


def test_a_teacher_the_requester_may_not_see_is_refused(net, branch_staff, branch_class, day):
    hidden = TeacherFactory(owner_school=net.stranger, scope=SharingScope.SCHOOL)
    with pytest.raises(NotFoundError) as exc:
        _ask(branch_staff, net, hidden, branch_class, day, to_school=net.stranger)
    assert exc.value.message == "找不到该教师，或该教师未向本校共享，不能发起派出请求。"
    assert Request.objects.count() == 0


def test_bad_dispatch_input_is_refused(net, branch_staff, city_teacher, branch_class, far_class, day):
    cases = [
        (dict(starts_at=at(day, 12), ends_at=at(day, 9)), "结束时间须晚于开始时间。"),
        (dict(ends_at=at(day + timedelta(days=1), 9)), "一次派出授课须在同一天内；跨天的请按天分别发起。"),
        (dict(training_class=far_class, from_school=net.branch_a), "只能为本校的班次请求师资。"),
        (dict(to_school=net.far), "所选教师不属于接收学校。"),
        (dict(topic_title=" "), "请填写讲授题目。"),
        (
            dict(starts_at=at(day - timedelta(days=30), 9), ends_at=at(day - timedelta(days=30), 11)),
            "授课时间已过，请选择今后的时间。",
        ),
    ]
    for overrides, message in cases:
        with pytest.raises(DomainError) as exc:
            _ask(branch_staff, net, city_teacher, branch_class, day, **overrides)
        assert exc.value.message == message
    with pytest.raises(DomainError) as exc:
        _ask(branch_staff, net, None, branch_class, day)
    assert exc.value.message == "请选择教师，或填写师资需求（由对方学校推荐教师）。"
    assert Request.objects.count() == 0


def test_the_same_teacher_and_time_cannot_be_asked_twice_while_pending(
    net, branch_staff, city_teacher, branch_class, day
):
    _ask(branch_staff, net, city_teacher, branch_class, day)
    with pytest.raises(ConflictError):
        _ask(branch_staff, net, city_teacher, branch_class, day)
    assert Dispatch.objects.count() == 1


def test_the_teacher_confirms(net, branch_staff, city_staff, city_teacher, branch_class, day):
    dispatch = _ask(branch_staff, net, city_teacher, branch_class, day)
    with pytest.raises(ConflictError) as exc:
        dispatches.confirm_dispatch(by=city_teacher.user, dispatch=dispatch)
    assert exc.value.message == "只有已接受的派出请求需要教师确认。"
    dispatches.accept_dispatch(by=city_staff, dispatch=dispatch)
    with pytest.raises(PermissionDeniedError):
        dispatches.confirm_dispatch(by=city_staff, dispatch=dispatch)
    dispatch = dispatches.confirm_dispatch(by=city_teacher.user, dispatch=dispatch)
    assert dispatch.teacher_confirmed_at is not None
    assert list(selectors.dispatches_visible_to(city_teacher.user)) == [dispatch]
    with pytest.raises(ConflictError):
        dispatches.confirm_dispatch(by=city_teacher.user, dispatch=dispatch)


def test_dispatch_visibility_and_counts(
    net, branch_staff, city_staff, far_staff, stranger_staff, city_teacher, branch_class, day
):
    dispatch = _ask(branch_staff, net, city_teacher, branch_class, day)
    assert list(selectors.dispatches_visible_to(branch_staff)) == [dispatch]
    assert list(selectors.dispatches_visible_to(city_staff)) == [dispatch]
    assert list(selectors.dispatches_visible_to(far_staff)) == []
    assert list(selectors.dispatches_visible_to(stranger_staff)) == []
    with pytest.raises(NotFoundError):
        selectors.access_dispatch(far_staff, dispatch.pk)
    assert selectors.dispatch_counts(branch_staff) == {"total": 1, "accepted": 0, "pending": 1}
    assert selectors.dispatch_counts(far_staff) == {"total": 0, "accepted": 0, "pending": 0}
    dispatches.accept_dispatch(by=city_staff, dispatch=dispatch)
    assert selectors.dispatch_counts(city_staff) == {"total": 1, "accepted": 1, "pending": 0}
