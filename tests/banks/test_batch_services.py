"""One write path for every bank: the topic, course and research imports write through the
banks' batch services (``create_topics`` / ``update_topics``, ``create_courses`` …) — each item
gets its own audit record (the same snapshot the single-item service writes) and reaches the
search index; a refused row refuses the whole batch and names the row; the server's command
line is an explicit writer, not a skipped check."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from tests.factories import MembershipFactory, member
from tests.factories.courses import BankTeacherFactory, CourseFactory
from tests.factories.research import ProjectFactory

from yiwang.accounts.services import ServerConsole
from yiwang.activity.models import AuditRecord
from yiwang.banks.services import is_console
from yiwang.core.errors import DomainError, PermissionDeniedError
from yiwang.courses import services as course_services
from yiwang.courses.excel import CourseImporter
from yiwang.courses.models import Course
from yiwang.network.enums import SharingScope
from yiwang.research import services as research_services
from yiwang.research.models import ResearchOutput, ResearchProject
from yiwang.search.models import SearchDocument
from yiwang.topics import services as topic_services
from yiwang.topics.excel import TopicImporter
from yiwang.topics.models import Topic

pytestmark = pytest.mark.django_db


def xlsx(headers, rows) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def indexed(doc_type: str) -> set[int]:
    return set(SearchDocument.objects.filter(doc_type=doc_type).values_list("object_id", flat=True))


def test_console_is_explicit():
    assert is_console(ServerConsole("ops")) is True
    assert is_console(None) is True  # the apps' demo loaders
    assert str(ServerConsole("ops")) == "服务器命令行（ops）"


def test_create_topics_audits_each_like_create_topic_and_indexes(network, django_capture_on_commit_callbacks):
    staff = member(network.city, is_teaching_staff=True)
    wang = BankTeacherFactory(owner_school=network.city, name="王芳")
    li = BankTeacherFactory(owner_school=network.city, name="李明")
    with django_capture_on_commit_callbacks(execute=True):
        pks = topic_services.create_topics(
            by=staff,
            school=network.city,
            rows=[
                {
                    "title": " 乡村振兴 ",
                    "teachers": [li.pk, wang],
                    "category": "economy",
                    "form": "lecture",
                    "audiences": ["young", "main"],
                    "hours": "1.5",
                    "scope": SharingScope.PARTNERS,
                    "alliances": [network.alliance],
                    "status": "published",
                },
                {
                    "title": "基层治理",
                    "teachers": [wang],
                    "category": "economy",
                    "form": "lecture",
                    "status": "published",
                },
            ],
        )
    first, second = Topic.objects.filter(pk__in=pks).order_by("pk")
    assert [first.pk, second.pk] == pks
    assert (first.title, first.hours, first.status, first.audience_codes) == (
        "乡村振兴",
        Decimal("1.5"),
        "published",
        ["main", "young"],
    )
    assert sorted(first.teachers.values_list("pk", flat=True)) == sorted([wang.pk, li.pk])
    assert list(first.shared_alliances.all()) == [network.alliance]
    records = AuditRecord.objects.filter(action="topic.created").order_by("pk")
    assert [(r.object_id, r.object_repr, r.school_id, r.actor_id) for r in records] == [
        (str(first.pk), "乡村振兴", network.city.pk, staff.pk),
        (str(second.pk), "基层治理", network.city.pk, staff.pk),
    ]
    assert [r.after for r in records] == [
        AuditRecord(after=topic_services.topic_state(first)).after,
        AuditRecord(after=topic_services.topic_state(second)).after,
    ]
    assert indexed("topic") >= {first.pk, second.pk}


def test_create_topics_refuses_the_whole_batch_naming_the_row(network):
    staff = member(network.city, is_teaching_staff=True)
    wang = BankTeacherFactory(owner_school=network.city, name="王芳")
    hidden = BankTeacherFactory(owner_school=network.far, name="赵强", scope=SharingScope.SCHOOL)
    good = {"title": "乡村振兴", "teachers": [wang], "category": "economy", "form": "lecture"}
    with pytest.raises(DomainError) as exc:
        topic_services.create_topics(by=staff, school=network.city, rows=[good, {**good, "hours": 0}])
    assert exc.value.message == "第 2 条：课时应大于 0 且不超过 100 小时。"
    with pytest.raises(DomainError) as exc:
        topic_services.create_topics(by=staff, school=network.city, rows=[{**good, "teachers": [hidden.pk]}])
    assert exc.value.message == f"第 1 条：找不到授课教师（编号 {hidden.pk}），或该教师已停用。"
    with pytest.raises(PermissionDeniedError) as exc:
        topic_services.create_topics(by=staff, school=network.far, rows=[good])
    assert (
        exc.value.message
        == "第 1 条：只有中共远方市委党校的管理员、教务、培训、科研人员或本校教师可以添加讲题。"
    )
    assert (Topic.objects.count(), AuditRecord.objects.count()) == (0, 0)


def test_topic_import_updates_through_update_topics_with_before_and_after(network):
    staff = member(network.city, is_teaching_staff=True)
    wang = BankTeacherFactory(owner_school=network.city, name="王芳")
    existing = topic_services.create_topic(
        by=staff, school=network.city, title="乡村振兴", teachers=[wang], category="economy", form="lecture"
    )
    headers = ["讲题", "授课教师", "学科类别", "教学形式", "课时", "共享范围"]
    data = xlsx(
        headers,
        [
            ["乡村振兴", "王芳", "经济发展", "专题讲授", 4, "全网"],
            ["新题", "王芳", "经济发展", "专题讲授", 2, ""],
        ],
    )
    report = TopicImporter(by=staff, school=network.city, on_duplicate="update").run(data)
    assert (report.state, report.created, report.updated) == ("imported", 1, 1)
    updated = AuditRecord.objects.get(action="topic.updated")
    assert (updated.object_id, updated.before["hours"], updated.after["hours"], updated.after["scope"]) == (
        str(existing.pk),
        "3.0",
        "4.0",
        "network",
    )
    created = Topic.objects.get(title="新题")
    assert list(
        AuditRecord.objects.filter(action="topic.created").order_by("pk").values_list("object_id", flat=True)
    ) == [str(existing.pk), str(created.pk)]
    assert AuditRecord.objects.get(action="topic.imported").after == {
        "created": 1,
        "updated": 1,
        "skipped": 0,
        "rows": 2,
    }


def test_create_courses_audits_each_like_create_course(network, django_capture_on_commit_callbacks):
    staff = member(network.city, is_teaching_staff=True)
    MembershipFactory(user=staff, school=network.branch_a, is_training_staff=True)
    teacher = BankTeacherFactory(owner_school=network.city, name="林秀文")
    with django_capture_on_commit_callbacks(execute=True):
        pks = course_services.create_courses(
            by=staff,
            school=network.city,
            rows=[
                {
                    "title": "广州起义纪念馆",
                    "kind": "field",
                    "place_name": "广州起义纪念馆",
                    "teachers": [teacher],
                    "co_schools": [network.branch_a],
                    "status": "published",
                },
                {"title": "红色基因", "school": network.branch_a, "status": "featured"},
            ],
        )
    first, second = Course.objects.filter(pk__in=pks).order_by("pk")
    assert (first.status, first.kind, second.owner_school, second.kind, second.status) == (
        "published",
        "field",
        network.branch_a,
        "classroom",
        "featured",
    )
    assert list(first.co_schools.all()) == [network.branch_a]
    records = AuditRecord.objects.filter(action="course.created").order_by("pk")
    assert [(r.object_id, r.school_id) for r in records] == [
        (str(first.pk), network.city.pk),
        (str(second.pk), network.branch_a.pk),
    ]
    assert records[0].after == AuditRecord(after=course_services._course_state(first)).after
    assert indexed("course") >= {first.pk, second.pk}
    with pytest.raises(DomainError) as exc:
        course_services.create_courses(
            by=staff, school=network.city, rows=[{"title": "现场课", "kind": "field"}]
        )
    assert exc.value.message == "第 1 条：现场教学课程请填写现场教学点名称。"
    with pytest.raises(DomainError) as exc:
        course_services.create_courses(
            by=staff, school=network.city, rows=[{"title": "课", "co_schools": [network.city]}]
        )
    assert exc.value.message == "第 1 条：共建学校不能包括课程的所属学校本身。"
    assert Course.objects.count() == 2


def test_course_import_update_sets_status_and_audits_before_after(network):
    staff = member(network.city, is_teaching_staff=True)
    course = CourseFactory(owner_school=network.city, title="红色基因", status="draft")
    data = xlsx(["课程名称", "类型", "状态"], [["红色基因", "课堂教学", "发布"]])
    report = CourseImporter(by=staff, school=network.city, on_duplicate="update").run(data)
    assert (report.created, report.updated) == (0, 1)
    record = AuditRecord.objects.get(action="course.updated")
    assert (record.object_id, record.before["status"], record.after["status"]) == (
        str(course.pk),
        "draft",
        "published",
    )
    # The single-item update still refuses a status (that goes through change_course_status).
    with pytest.raises(DomainError):
        course_services.update_course(by=staff, course=course, status="featured")


def test_create_projects_and_outputs_audit_each(network, django_capture_on_commit_callbacks):
    staff = member(network.city, is_research_staff=True)
    pi = BankTeacherFactory(owner_school=network.city, name="陈思远")
    member_teacher = BankTeacherFactory(owner_school=network.city, name="李明")
    project = ProjectFactory(owner_school=network.city, title="已有课题", principal_investigator=pi)
    with django_capture_on_commit_callbacks(execute=True):
        project_pks = research_services.create_projects(
            by=staff,
            school=network.city,
            rows=[
                {
                    "title": "城中村治理",
                    "level": "municipal",
                    "category": "consulting",
                    "principal_investigator": pi,
                    "members": [(member_teacher, "core"), (pi, "member")],
                    "funding": Decimal("8"),
                    "start_date": date(2025, 3, 1),
                    "end_date": date(2026, 2, 28),
                    "status": "ongoing",
                }
            ],
        )
        output_pks = research_services.create_outputs(
            by=staff,
            school=network.city,
            rows=[
                {
                    "kind": "report",
                    "title": "关于城中村改造的建议",
                    "published_on": date(2025, 6, 30),
                    "authors": [pi],
                    "project": project,
                }
            ],
        )
    new_project = ResearchProject.objects.get(pk=project_pks[0])
    assert (new_project.status, new_project.principal_investigator, new_project.funding) == (
        "ongoing",
        pi,
        Decimal("8.00"),
    )
    assert sorted(new_project.memberships.values_list("teacher__name", "role")) == [
        ("李明", "core"),
        ("陈思远", "principal"),
    ]
    record = AuditRecord.objects.get(action="research_project.created")
    assert record.after == AuditRecord(after=research_services._project_state(new_project)).after
    output = ResearchOutput.objects.get(pk=output_pks[0])
    assert (output.project, list(output.authors.all())) == (project, [pi])
    record = AuditRecord.objects.get(action="research_output.created")
    assert record.after == AuditRecord(after=research_services._output_state(output)).after
    assert indexed("project") >= {new_project.pk} and indexed("output") >= {output.pk}
    teaching = member(network.city, is_teaching_staff=True)
    with pytest.raises(PermissionDeniedError) as exc:
        research_services.create_outputs(
            by=teaching,
            school=network.city,
            rows=[{"kind": "report", "title": "t", "published_on": date(2025, 1, 1), "author_text": "组"}],
        )
    assert exc.value.message == "第 1 条：只有中共测试市委党校的管理员或科研人员可以登记科研成果。"
    assert ResearchOutput.objects.count() == 1


def test_command_line_import_is_the_console_and_says_so(network, tmp_path):
    BankTeacherFactory(owner_school=network.far, name="赵强", scope=SharingScope.SCHOOL)
    path = tmp_path / "topics.xlsx"
    path.write_bytes(
        xlsx(["讲题", "授课教师", "学科类别", "教学形式"], [["远方的课", "赵强", "经济发展", "专题讲授"]])
    )
    call_command("import", "topic", str(path), "--school", "far")
    topic = Topic.objects.get()
    created = AuditRecord.objects.get(action="topic.created")
    assert (created.object_id, created.actor_id, created.actor_name) == (str(topic.pk), None, "")
    summary = AuditRecord.objects.get(action="topic.imported").after
    assert (summary["created"], summary["via"]) == (1, "command_line")
    assert isinstance(summary["operator"], str)
