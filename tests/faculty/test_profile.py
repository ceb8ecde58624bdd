"""A teacher's profile lists items of every bank through that bank's own visibility selector:
another school's drafts and retired items never show to outsiders (issue #10 part 6)."""

import pytest
from tests.factories import member
from tests.factories.courses import BankTeacherFactory, CourseFactory
from tests.factories.research import OutputFactory
from tests.factories.topics import TopicFactory

from yiwang.courses.enums import CourseStatus
from yiwang.faculty.profile import teacher_profile
from yiwang.network.enums import SharingScope
from yiwang.topics.enums import PublicationStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher_with_items(network):
    teacher = BankTeacherFactory(owner_school=network.city, name="郑明远", scope=SharingScope.NETWORK)
    CourseFactory(
        owner_school=network.city, title="已发布课程", scope=SharingScope.NETWORK, teachers=[teacher]
    )
    CourseFactory(
        owner_school=network.city,
        title="草稿课程",
        scope=SharingScope.NETWORK,
        status=CourseStatus.DRAFT,
        teachers=[teacher],
    )
    TopicFactory(
        owner_school=network.city, title="已发布讲题", scope=SharingScope.NETWORK, teachers=[teacher]
    )
    TopicFactory(
        owner_school=network.city,
        title="草稿讲题",
        scope=SharingScope.NETWORK,
        status=PublicationStatus.DRAFT,
        teachers=[teacher],
    )
    live = OutputFactory(owner_school=network.city, title="在用成果", scope=SharingScope.NETWORK)
    retired = OutputFactory(
        owner_school=network.city, title="停用成果", scope=SharingScope.NETWORK, is_active=False
    )
    live.authors.set([teacher])
    retired.authors.set([teacher])
    return teacher


def _titles(profile) -> dict:
    return {name: sorted(item.title for item in items) for name, items in profile.items()}


def test_profile_hides_other_schools_drafts_and_retired_items(network, teacher_with_items):
    outsider = member(network.far, is_teaching_staff=True)
    assert _titles(teacher_profile(outsider, teacher_with_items)) == {
        "topics": ["已发布讲题"],
        "courses": ["已发布课程"],
        "projects": [],
        "outputs": ["在用成果"],
    }


def test_profile_page_for_an_outsider(network, teacher_with_items, client_for):
    outsider = member(network.far, is_teaching_staff=True)
    html = client_for(outsider).get(f"/faculty/{teacher_with_items.pk}/").content.decode()
    assert "已发布课程" in html and "在用成果" in html
    assert "草稿课程" not in html and "停用成果" not in html and "草稿讲题" not in html


def test_profile_shows_drafts_to_the_owner_schools_editors(network, teacher_with_items):
    editor = member(network.city, is_teaching_staff=True)
    titles = _titles(teacher_profile(editor, teacher_with_items))
    assert titles["courses"] == ["已发布课程", "草稿课程"]
    assert titles["topics"] == ["已发布讲题", "草稿讲题"]
