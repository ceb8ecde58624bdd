"""A list's ``q`` over the items the search index does not hold (drafts, in review, retired).

They are matched by substring, but only among the rows the viewer may see — read by owner school
(or the viewer's teacher links, or co-building schools), never by scanning every draft of the
network. Who finds what must be exactly who may see it."""

import pytest
from tests.factories import member
from tests.factories.search import index, make_course, make_output, make_teacher, make_topic

from yiwang.courses.enums import CourseStatus
from yiwang.courses.selectors import courses_visible_to
from yiwang.faculty.selectors import teachers_visible_to
from yiwang.research.selectors import outputs_visible_to
from yiwang.topics.enums import PublicationStatus
from yiwang.topics.selectors import topics_visible_to

pytestmark = pytest.mark.django_db


def titles(qs) -> set[str]:
    return set(qs.values_list("title", flat=True))


@pytest.fixture
def people(network):
    staff_city = member(network.city, is_teaching_staff=True, is_research_staff=True)
    staff_far = member(network.far, is_teaching_staff=True, is_research_staff=True)
    teacher_user = member(network.branch_a)
    plain_city = member(network.city)
    own = make_teacher(network.branch_a, "王晓明", user=teacher_user)
    return staff_city, staff_far, teacher_user, plain_city, own


def test_draft_topics_are_found_by_their_editors_only(network, people):
    staff_city, staff_far, teacher_user, plain_city, own = people
    make_topic(network.city, "乡村振兴的草稿讲题", status=PublicationStatus.DRAFT)
    make_topic(network.far, "乡村振兴远方草稿", status=PublicationStatus.DRAFT)
    make_topic(network.city, "乡村振兴我主讲的草稿", status=PublicationStatus.DRAFT, teachers=[own])
    retired = make_topic(network.city, "乡村振兴停用讲题", status=PublicationStatus.RETIRED)
    published = make_topic(network.city, "乡村振兴的公开讲题")
    index(retired, published)
    assert titles(topics_visible_to(staff_city, q="乡村振兴", status="all")) == {
        "乡村振兴的草稿讲题",
        "乡村振兴我主讲的草稿",
        "乡村振兴停用讲题",
        "乡村振兴的公开讲题",
    }
    assert titles(topics_visible_to(staff_city, q="乡村振兴", status=PublicationStatus.DRAFT)) == {
        "乡村振兴的草稿讲题",
        "乡村振兴我主讲的草稿",
    }
    assert titles(topics_visible_to(staff_far, q="乡村振兴", status="all")) == {
        "乡村振兴远方草稿",
        "乡村振兴的公开讲题",
    }
    # a teacher finds the draft they teach (not their school's other drafts, nor retired ones)
    assert titles(topics_visible_to(teacher_user, q="乡村振兴", status="all")) == {
        "乡村振兴我主讲的草稿",
        "乡村振兴的公开讲题",
    }
    assert titles(topics_visible_to(plain_city, q="乡村振兴", status="all")) == {"乡村振兴的公开讲题"}
    # the default list (published and the viewer's drafts) keeps the same rule
    assert titles(topics_visible_to(teacher_user, q="乡村振兴")) == {
        "乡村振兴我主讲的草稿",
        "乡村振兴的公开讲题",
    }


def test_unpublished_courses_are_found_by_owner_and_co_building_staff(network, people):
    staff_city, staff_far, teacher_user, plain_city, _ = people
    make_course(network.city, "数字政府草稿课", status=CourseStatus.DRAFT)
    co_built = make_course(network.far, "数字政府共建审核课", status=CourseStatus.REVIEW)
    co_built.co_schools.add(network.city)
    make_course(network.far, "数字政府远方草稿课", status=CourseStatus.DRAFT)
    assert titles(courses_visible_to(staff_city, q="数字政府", status="all")) == {
        "数字政府草稿课",
        "数字政府共建审核课",
    }
    assert titles(courses_visible_to(staff_far, q="数字政府", status="all")) == {
        "数字政府共建审核课",
        "数字政府远方草稿课",
    }
    assert titles(courses_visible_to(plain_city, q="数字政府", status="all")) == set()
    assert titles(courses_visible_to(teacher_user, q="数字政府", status="all")) == set()


def test_retired_teachers_and_outputs_are_found_by_their_schools_staff_only(network, people):
    staff_city, staff_far, _, plain_city, _ = people
    make_teacher(network.city, "欧阳停用", expertise="基层治理", is_active=False)
    output = make_output(network.city, "基层治理停用报告")
    output.is_active = False
    output.save(update_fields=["is_active"])
    assert set(
        teachers_visible_to(staff_city, q="基层治理", status="retired").values_list("name", flat=True)
    ) == {"欧阳停用"}
    assert not teachers_visible_to(staff_far, q="基层治理", status="retired").exists()
    assert not teachers_visible_to(plain_city, q="基层治理", status="all").exists()
    assert titles(outputs_visible_to(staff_city, q="基层治理", status="retired")) == {"基层治理停用报告"}
    assert titles(outputs_visible_to(staff_far, q="基层治理", status="all")) == set()
