"""The ``q`` filter of the four bank lists goes through the search index (issue 12, part 2).

What the index holds (published topics and courses, active teachers and outputs, running
projects) matches by its words — traditional = simplified, any field of the item's entry — and
what it does not hold (drafts, items under review, retired items an editor lists) still matches
by the list's own substring condition. Visibility is the list's: the index adds nobody's item.
"""

import pytest
from tests.factories import member
from tests.factories.search import index, make_course, make_output, make_project, make_teacher, make_topic

from yiwang.courses.enums import CourseStatus
from yiwang.courses.selectors import courses_visible_to
from yiwang.faculty.selectors import teachers_visible_to
from yiwang.network.enums import SharingScope
from yiwang.research.enums import ProjectStatus
from yiwang.research.selectors import outputs_visible_to, projects_visible_to
from yiwang.topics.enums import PublicationStatus
from yiwang.topics.selectors import topics_visible_to

pytestmark = pytest.mark.django_db


def titles(qs):
    return sorted(getattr(item, "name", None) or item.title for item in qs)


def test_topic_list_filter_matches_index_words_and_keeps_visibility(network):
    viewer = member(network.branch_a)
    rural = make_topic(network.city, "推进共同富裕的基层实践", summary="以乡村振兴战略为抓手。")
    own_only = make_topic(network.branch_b, "乡村振兴的乙区样本", scope=SharingScope.SCHOOL)
    make_topic(network.city, "党的建设新的伟大工程")
    index(rural, own_only)
    # a word of the summary (the old title substring could not find it), in traditional characters too
    assert titles(topics_visible_to(viewer, q="乡村振兴")) == ["推进共同富裕的基层实践"]
    assert titles(topics_visible_to(viewer, q="鄉村振興")) == ["推进共同富裕的基层实践"]
    # the 本校 topic of 乙区 is in the index but not in 甲区's list
    assert titles(topics_visible_to(member(network.branch_b), q="乡村振兴")) == [
        "乡村振兴的乙区样本",
        "推进共同富裕的基层实践",
    ]
    assert list(topics_visible_to(viewer, q="，。！")) == []


def test_a_topic_draft_is_found_by_its_editor_through_the_title(network):
    editor = member(network.city, is_teaching_staff=True)
    make_topic(network.city, "数字政府建设专题（草稿）", status=PublicationStatus.DRAFT)
    assert titles(topics_visible_to(editor, q="数字政府")) == ["数字政府建设专题（草稿）"]
    assert titles(topics_visible_to(editor, q="数字政府", status=PublicationStatus.DRAFT)) == [
        "数字政府建设专题（草稿）"
    ]
    assert list(topics_visible_to(member(network.city), q="数字政府")) == []
    # a published one only matches once the index holds it
    published = make_topic(network.city, "数字政府的法治保障")
    assert titles(topics_visible_to(editor, q="数字政府", status=PublicationStatus.PUBLISHED)) == []
    index(published)
    assert titles(topics_visible_to(editor, q="数字政府")) == [
        "数字政府建设专题（草稿）",
        "数字政府的法治保障",
    ]


def test_teacher_list_filter_keeps_pinyin_and_finds_expertise_words(network):
    viewer = member(network.branch_a)
    zhang = make_teacher(network.city, "张红梅", expertise="基层治理、乡村振兴")
    li = make_teacher(network.city, "李建国", expertise="党史党建")
    hidden = make_teacher(network.stranger, "张立新", expertise="乡村振兴", scope=SharingScope.SCHOOL)
    index(zhang, li, hidden)
    assert titles(teachers_visible_to(viewer, q="乡村振兴")) == ["张红梅"]
    assert titles(teachers_visible_to(viewer, q="zhang")) == ["张红梅"]
    assert titles(teachers_visible_to(viewer, q="ljg")) == ["李建国"]
    assert titles(teachers_visible_to(viewer, q="张红梅")) == ["张红梅"]


def test_a_retired_teacher_is_found_by_the_owner_staff_listing_all(network):
    staff = member(network.city, is_school_admin=True)
    retired = make_teacher(network.city, "王退休", expertise="生态文明", is_active=False)
    index(retired)  # the index does not hold retired teachers
    assert titles(teachers_visible_to(staff, q="生态文明", status="all")) == ["王退休"]
    assert titles(teachers_visible_to(staff, q="生态文明", status="retired")) == ["王退休"]
    assert list(teachers_visible_to(staff, q="生态文明")) == []


def test_course_list_filter_through_the_index_and_for_courses_under_review(network):
    editor = member(network.city, is_teaching_staff=True)
    public = make_course(network.city, "红色文化现场教学", summary="走进革命旧址。")
    review = make_course(network.city, "革命旧址里的党课", status=CourseStatus.REVIEW)
    index(public, review)
    assert titles(courses_visible_to(editor, q="革命旧址")) == ["红色文化现场教学", "革命旧址里的党课"]
    assert titles(courses_visible_to(member(network.far), q="革命旧址")) == ["红色文化现场教学"]
    assert titles(courses_visible_to(editor, q="革命旧址", status=CourseStatus.PUBLISHED)) == [
        "红色文化现场教学"
    ]


def test_project_and_output_list_filters(network):
    staff = member(network.city, is_research_staff=True)
    principal = make_teacher(network.city, "赵研究")
    ongoing = make_project(network.city, "城市基层治理现代化研究", principal, keywords="网格化")
    applying = make_project(network.city, "网格化服务管理调查", principal, status=ProjectStatus.APPLYING)
    report = make_output(network.city, "关于网格员队伍建设的咨政报告", abstract="网格化管理的经验。")
    own_only = make_output(network.city, "网格化的内部测算", scope=SharingScope.SCHOOL)
    retired = make_output(network.city, "网格化试点总结（停用）")
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    index(principal, ongoing, applying, report, own_only, retired)
    assert titles(projects_visible_to(staff, q="网格化")) == ["城市基层治理现代化研究", "网格化服务管理调查"]
    assert titles(projects_visible_to(staff, q="网格化", status=ProjectStatus.ONGOING)) == [
        "城市基层治理现代化研究"
    ]
    assert titles(outputs_visible_to(staff, q="网格化")) == [
        "关于网格员队伍建设的咨政报告",
        "网格化的内部测算",
    ]
    assert titles(outputs_visible_to(staff, q="网格化", status="all")) == [
        "关于网格员队伍建设的咨政报告",
        "网格化的内部测算",
        "网格化试点总结（停用）",
    ]
    assert titles(outputs_visible_to(member(network.branch_a), q="网格化")) == [
        "关于网格员队伍建设的咨政报告"
    ]
