"""Issue 10 part 10: a signed-in person's home shows what waits for them, their next sessions
and a search box — only what they could open themselves."""

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.factories import member
from tests.factories.classes import TeacherFactory, open_session
from tests.factories.courses import CourseFactory
from tests.factories.research import OutputFactory, endorsement

from yiwang.classes import services as classes
from yiwang.courses.enums import CourseStatus
from yiwang.faculty.models import Teacher
from yiwang.portal import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def approver(network):
    """Training staff of branch A: approves its teachers' sign-ups."""
    return member(network.branch_a, is_training_staff=True)


def test_home_lists_sign_ups_waiting_for_approval_with_a_link(client_for, network, approver):
    session = open_session(network.city, requires_approval=True, title="乡村振兴专题")
    teacher = member(network.branch_a, is_teacher=True)
    teacher.full_name = "李老师"
    teacher.save(update_fields=["full_name"])
    classes.sign_up(by=teacher, session_id=session.pk)
    waiting = selectors.waiting_for(approver)
    assert [(w.label, w.count, w.url) for w in waiting] == [("旁听报名待审批", 1, "/classes/approvals/")]
    assert waiting[0].items == [("李老师（甲区）旁听《乡村振兴专题》", "/classes/approvals/")]
    body = client_for(approver).get("/").content.decode()
    assert '<a href="/classes/approvals/">旁听报名待审批</a> <span class="badge">1</span>' in body
    # the teacher sees her own request waiting, and her next session
    mine = selectors.waiting_for(teacher)
    assert [(w.label, w.count) for w in mine] == [("我的报名待确认", 1)]
    assert [(r["session"].pk, r["role"]) for r in selectors.next_sessions(teacher)] == [
        (session.pk, "旁听 · 待审批")
    ]


def test_course_reviews_wait_for_the_owner_staff_but_not_the_submitter(network):
    submitter = member(network.city, is_teaching_staff=True)
    reviewer = member(network.city, is_teaching_staff=True)
    course = CourseFactory(owner_school=network.city, status=CourseStatus.REVIEW, submitted_by=submitter)
    CourseFactory(owner_school=network.far, status=CourseStatus.REVIEW)  # another school's: not ours
    assert [(w.label, w.count, w.items) for w in selectors.waiting_for(reviewer)] == [
        ("课程待审核", 1, [(course.title, f"/courses/{course.pk}/")])
    ]
    assert selectors.waiting_for(submitter) == []
    assert selectors.waiting_for(member(network.city, is_teacher=True)) == []


def test_endorsements_wait_for_the_research_staff(network):
    staff = member(network.city, is_research_staff=True)
    output = OutputFactory(owner_school=network.city, title="关于基层治理的调研报告")
    endorsement(output, verified=False)
    endorsement(output, verified=True)
    assert [(w.label, w.count, w.items) for w in selectors.waiting_for(staff)] == [
        ("批示待核实", 1, [("《关于基层治理的调研报告》的批示", f"/research/outputs/{output.pk}/")])
    ]
    assert selectors.waiting_for(member(network.far, is_research_staff=True)) == []


def test_next_sessions_include_what_i_teach_soonest_first(network):
    user = member(network.city, is_teacher=True)
    teacher = TeacherFactory(owner_school=network.city, user=user)
    open_session(network.city, teacher=teacher, title="后一节")
    sooner = open_session(network.city, title="先一节", day=timezone.localdate() + timedelta(days=1))
    classes.sign_up(by=user, session_id=sooner.pk)
    cancelled = open_session(network.city, teacher=teacher, title="取消的一节", is_cancelled=True)
    assert Teacher.objects.filter(user=user).count() == 1
    rows = selectors.next_sessions(user)
    assert [(r["session"].title, r["role"]) for r in rows] == [
        ("先一节", "旁听 · 已确认"),
        ("后一节", "授课"),
    ]
    assert cancelled.pk not in [r["session"].pk for r in rows]


def test_home_page_has_a_search_box_and_says_when_nothing_waits(
    client_for, network, django_assert_max_num_queries
):
    client = client_for(member(network.city, is_teacher=True))
    with django_assert_max_num_queries(20):
        body = client.get("/").content.decode()
    assert (
        '<form method="get" action="/search/" class="filters home-search" role="search" id="home-search">'
        in body
    )
    assert '<input type="search" name="q" id="home-q"' in body
    assert "目前没有待您处理的事项。" in body
    assert "近期没有您报名或授课的课程。" in body


def test_home_page_queries_stay_flat_with_many_waiting(
    client_for, network, approver, django_assert_max_num_queries
):
    for n in range(8):
        session = open_session(network.city, requires_approval=True, title=f"专题{n}")
        classes.sign_up(by=member(network.branch_a, is_teacher=True), session_id=session.pk)
    client = client_for(approver)
    with django_assert_max_num_queries(20):
        body = client.get("/").content.decode()
    assert "查看全部 8 项" in body


def test_requests_from_other_schools_wait_for_the_receiving_staff_only(network):
    from yiwang.exchanges import services as exchanges

    sender = member(network.branch_a, is_training_staff=True)
    exchanges.open_request(
        by=sender,
        kind="general",
        from_school=network.branch_a,
        to_school=network.city,
        subject_key="home-test",
        title="联合调研安排",
    )
    receiving = {w.label: w for w in selectors.waiting_for(member(network.city, is_training_staff=True))}
    assert receiving["交流协作请求待处理"].count == 1
    assert (
        receiving["交流协作请求待处理"].items[0][0]
        == f"{network.branch_a.short_name}：其他协作事项《联合调研安排》"
    )
    for outsider in (
        sender,
        member(network.far, is_training_staff=True),
        member(network.city, is_teacher=True),
    ):
        assert "交流协作请求待处理" not in {w.label for w in selectors.waiting_for(outsider)}
