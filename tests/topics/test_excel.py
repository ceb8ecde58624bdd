"""Topic import/export: teacher references, duplicates, round trip into an empty school."""

import io

import openpyxl
import pytest
from tests.factories import member
from tests.factories.faculty import TeacherFactory
from tests.factories.topics import TopicFactory

from yiwang.courses.models import TeachingModule
from yiwang.faculty.excel import TeacherImporter
from yiwang.network.enums import SharingScope
from yiwang.topics.excel import TopicImporter
from yiwang.topics.models import Topic

pytestmark = pytest.mark.django_db

HEADERS = ["讲题", "授课教师", "学科类别", "教学形式", "适用对象", "课时", "教学模块", "共享范围"]


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_topic_problems_listed(network):
    staff = member(network.city, is_teaching_staff=True)
    TeacherFactory(owner_school=network.city, name="王芳")
    TeacherFactory(owner_school=network.city, name="李明")
    TeacherFactory(owner_school=network.city, name="李明")
    data = xlsx(
        [
            ["乡村振兴", "王芳", "经济发展", "专题讲授", "主体班", 3, "", ""],
            ["党史", "张三", "党史党建", "讲故事", "幼儿班", "三", "不存在的模块", ""],
            ["基层治理", "李明、王芳@nowhere", "社会治理", "案例教学", "", 200, "", ""],
            ["乡村振兴", "王芳", "经济发展", "专题讲授", "", "", "", ""],
        ]
    )
    report = TopicImporter(by=staff, school=network.city).run(data)
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (
            3,
            "教学形式",
            "不在可选范围内（可选：专题讲授、现场教学、案例教学、研讨式教学、情景模拟、访谈式教学、体验式教学）",
        ),
        (
            3,
            "适用对象",
            "“幼儿班”不在可选范围内（可选：主体班、中青班、专题研讨班、初任培训、师资培训、其他）",
        ),
        (3, "课时", "应为数字，例如 3 或 1.5"),
        (4, "授课教师", "测试市有 2 位名为“李明”的教师，请写作“李明#教师编号”"),
        (4, "授课教师", "“王芳@nowhere”中的学校代码“nowhere”不存在"),
        (4, "课时", "课时应大于 0 且不超过 100 小时"),
        (5, "", "与第 2 行重复"),
    ]
    assert Topic.objects.count() == 0


def test_same_title_same_teacher_is_a_likely_duplicate(network):
    staff = member(network.city, is_teaching_staff=True)
    teacher = TeacherFactory(owner_school=network.city, name="王芳")
    TopicFactory(owner_school=network.city, title="乡村振兴", teachers=[teacher], hours=2)
    data = xlsx([["乡村振兴", "王芳", "经济发展", "专题讲授", "", 4, "", ""]])
    assert TopicImporter(by=staff, school=network.city).run(data).state == "needs_decision"
    report = TopicImporter(by=staff, school=network.city, on_duplicate="update").run(data)
    assert (report.created, report.updated) == (0, 1)
    assert Topic.objects.get().hours == 4


def test_round_trip_teachers_then_topics_into_empty_school(client_for, network):
    source = member(network.city, is_teaching_staff=True)
    module = TeachingModule.objects.create(owner_school=network.city, name="千年商都·枢纽门户")
    wang = TeacherFactory(owner_school=network.city, name="王芳", scope=SharingScope.NETWORK)
    li = TeacherFactory(owner_school=network.city, name="李明", scope=SharingScope.NETWORK)
    guest = TeacherFactory(owner_school=network.far, name="赵强", scope=SharingScope.NETWORK)
    TopicFactory(
        owner_school=network.city,
        title="千年商都的国际商贸中心建设",
        teachers=[wang, guest],
        module=module,
        audiences="main,young",
        hours="1.5",
        keywords="商贸、枢纽",
        summary="简介",
        outline="一、\n二、",
        status="draft",
        scope=SharingScope.PUBLIC,
        form="field",
        category="economy",
    )
    TopicFactory(
        owner_school=network.city,
        title="基层治理",
        teachers=[li],
        audiences="",
        scope=SharingScope.SCHOOL,
        form="simulation",
        category="governance",
    )
    client = client_for(source)
    teachers_file = client.get("/faculty/export/?school=city").content
    topics_file = client.get("/topics/export/?status=all").content
    target = member(network.stranger, is_teaching_staff=True)
    assert TeacherImporter(by=target, school=network.stranger).run(teachers_file).created == 2
    report = TopicImporter(by=target, school=network.stranger).run(topics_file)
    assert (report.state, report.created) == ("imported", 2), [str(p) for p in report.problems]
    fields = [
        "title",
        "summary",
        "outline",
        "category",
        "form",
        "hours",
        "module",
        "keywords",
        "status",
        "scope",
    ]
    original = list(Topic.objects.filter(owner_school=network.city).order_by("title").values(*fields))
    copied = list(Topic.objects.filter(owner_school=network.stranger).order_by("title").values(*fields))
    assert copied == original

    def audiences(school):
        topics = (
            Topic.objects.filter(owner_school=school).prefetch_related("audience_links").order_by("title")
        )
        return [t.audience_codes for t in topics]

    assert audiences(network.stranger) == audiences(network.city) == [["main", "young"], []]

    def teacher_refs(school):
        return sorted(
            (t.title, sorted((x.name, x.owner_school.code == school.code) for x in t.teachers.all()))
            for t in Topic.objects.filter(owner_school=school)
        )

    assert teacher_refs(network.stranger) == teacher_refs(network.city)
    copied_topic = Topic.objects.get(owner_school=network.stranger, title="千年商都的国际商贸中心建设")
    assert guest in copied_topic.teachers.all()
