"""往年立项课题 from Excel: a clean file creates calls, projects and granted applications through the
one write path; bad rows write nothing and every problem of every row is listed; only the issuing
school's research office may import; imported projects follow the applications' visibility."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.factories import member

from yiwang.activity.models import AuditRecord
from yiwang.calls import selectors
from yiwang.calls.excel import PastProjectImporter
from yiwang.calls.models import Application, BudgetLine, Milestone, ResearchCall, TeamMember
from yiwang.core import excel
from yiwang.research.models import ResearchMember, ResearchProject
from yiwang.research.selectors import projects_visible_to

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in PastProjectImporter.columns if not c.export_only]
CALL = "2024年度新型智库课题"


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADERS)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes):
    return SimpleUploadedFile("往年课题.xlsx", data, content_type=excel.XLSX_CONTENT_TYPE)


def row(
    title, principal, *, members="", home="", granted=5, status="结项", start="2024-03-01", end="2025-02-28"
):
    # 学校代码, 批次名称, 年度, 课题类型, 课题名称, 负责人, 课题组成员, 所在单位代码, 立项经费, 状态, 开始, 结束, 摘要
    return [
        "",
        CALL,
        2024,
        "新型智库课题",
        title,
        principal,
        members,
        home,
        granted,
        status,
        start,
        end,
        "摘要",
    ]


GOOD = [
    row("城中村改造中的群众工作研究", "李明远", members="王思齐（far）", home="city-a", granted=5),
    row("数字政府赋能基层减负研究", "赵乙区", granted="3.5", status="在研"),
]


def test_template_download_lists_every_import_column(client_for, people):
    response = client_for(people.office).get("/calls/import/template/")
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == HEADERS


def test_good_file_imports_calls_projects_and_applications(client_for, network, people):
    client = client_for(people.office)
    response = client.post("/calls/import/", {"school": network.city.pk, "file": upload(xlsx(GOOD))})
    assert response.status_code == 302
    status_page = client.get(response["Location"]).content.decode()
    assert "导入完成：新建 2 条，更新 0 条，跳过 0 条。" in status_page

    call = ResearchCall.objects.get(title=CALL)
    assert (call.owner_school, call.year, call.kind, call.scope) == (
        network.city,
        2024,
        "think_tank",
        "system",
    )
    assert (call.funding_pool, call.granted_total, call.per_project_cap) == (
        Decimal("8.50"),
        Decimal("8.50"),
        Decimal("5.00"),
    )
    assert call.published_at is not None and call.results_published_at is not None
    apps = {a.title: a for a in Application.objects.filter(call=call).select_related("project")}
    first, second = apps["城中村改造中的群众工作研究"], apps["数字政府赋能基层减负研究"]
    assert {a.call_school_id for a in apps.values()} == {network.city.pk}  # the issuing school, stored
    assert (first.status, first.granted_amount, first.home_school, first.applicant) == (
        "granted",
        Decimal("5.00"),
        network.branch_a,
        people.applicant,
    )
    assert (first.project.status, first.project.owner_school, first.project.funding) == (
        "concluded",
        network.branch_a,
        Decimal("5.00"),
    )
    assert (first.project.start_date, first.project.end_date) == (date(2024, 3, 1), date(2025, 2, 28))
    assert (second.project.status, second.home_school, second.granted_amount) == (
        "ongoing",
        network.branch_b,
        Decimal("3.50"),
    )
    assert sorted(TeamMember.objects.filter(application=first).values_list("teacher__name", "role")) == [
        ("李明远", "principal"),
        ("王思齐", "member"),
    ]
    assert sorted(
        ResearchMember.objects.filter(project=first.project).values_list("teacher__name", "role")
    ) == [
        ("李明远", "principal"),
        ("王思齐", "core"),
    ]
    assert list(BudgetLine.objects.filter(application=first).values_list("category", "amount")) == [
        ("other", Decimal("5.00"))
    ]
    assert dict(Milestone.objects.filter(application=first).values_list("kind", "status")) == {
        "proposal": "passed",
        "midterm": "passed",
        "final": "passed",
    }
    assert dict(Milestone.objects.filter(application=second).values_list("kind", "status")) == {
        "proposal": "passed",
        "midterm": "pending",
        "final": "pending",
    }
    audits = list(AuditRecord.objects.order_by("id").values_list("action", flat=True))
    assert audits.count("call_application.imported") == 2
    assert audits.count("research_project.created") == 2
    assert audits.count("research_call.imported") == 1
    assert audits[-1] == "call_project.imported"
    # The office's ranking and budget statement see the imported projects like granted ones.
    assert {row["application"].title for row in selectors.call_budget_statement(people.office, call)} == set(
        apps
    )


def test_second_file_cannot_grant_beyond_the_existing_calls_pool(network, people):
    first = PastProjectImporter(by=people.office, school=network.city).run(xlsx(GOOD[:1]))
    assert first.state == "imported"
    call = ResearchCall.objects.get(title=CALL)
    report = PastProjectImporter(by=people.office, school=network.city).run(xlsx(GOOD[1:]))
    # The pool of a call the first file created is exactly what that file granted: no room left.
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (2, "立项经费（万元）", "该批次剩余经费 0.00 万元，本文件累计立项 3.5 万元，超出经费总额")
    ]
    assert report.state == "invalid"
    assert Application.objects.count() == 1
    call.refresh_from_db()
    assert (call.funding_pool, call.granted_total) == (Decimal("5.00"), Decimal("5.00"))


def test_bad_rows_write_nothing_and_list_every_problem(network, people):
    bad = [
        row("城中村改造中的群众工作研究", "李明远", home="city-b", granted=-1),
        row("数字政府赋能基层减负研究", "赵乙区", status="申报"),
        row("无关学校课题", "钱无关", end="2023-01-01"),
        row("城中村改造中的群众工作研究", "李明远", members="查无此人"),
        ["", "", 1990, "", "", "", "", "", "", "", "", "", ""],
        row("历史街区保护研究", "李明远", granted="9.999"),
    ]
    report = PastProjectImporter(by=people.office, school=network.city).run(xlsx(bad))
    assert report.state == "invalid"
    required = "必填，不能为空"
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (2, "立项经费（万元）", "立项经费须大于 0 万元"),
        (2, "所在单位代码", "负责人李明远是甲区的教师，不是乙区的教师"),
        (3, "状态", "不在可选范围内（可选：在研、结项、终止）"),
        (4, "结束日期", "结束日期不能早于开始日期"),
        (4, "所在单位代码", "无关不在“2024年度新型智库课题”的申报范围内"),
        (5, "课题组成员", "找不到教师“查无此人”（须是在职且您可查看的教师）"),
        (6, "批次名称", required),
        (6, "课题名称", required),
        (6, "负责人", required),
        (6, "立项经费（万元）", required),
        (6, "状态", required),
        (6, "开始日期", required),
        (6, "结束日期", required),
        (7, "立项经费（万元）", "立项经费最多保留两位小数"),
    ]
    assert (ResearchCall.objects.filter(title=CALL).count(), Application.objects.count()) == (0, 0)
    assert ResearchProject.objects.count() == 0
    assert not AuditRecord.objects.filter(action__contains="import").exists()


def test_same_project_twice_in_a_file_or_again_later_is_refused(network, people):
    report = PastProjectImporter(by=people.office, school=network.city).run(xlsx([GOOD[0], GOOD[0]]))
    assert [(p.row, p.reason) for p in report.problems] == [(3, "与第 2 行重复")]
    assert PastProjectImporter(by=people.office, school=network.city).run(xlsx(GOOD[:1])).state == "imported"
    report = PastProjectImporter(by=people.office, school=network.city).run(xlsx(GOOD[:1]))
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (2, "课题名称", "测试市的“2024年度新型智库课题”已有同名课题，不重复导入")
    ]
    assert Application.objects.count() == 1


def test_only_the_issuing_research_office_may_import(client_for, network, people):
    # branch_a's research staff are not the issuing office of a city call.
    report = PastProjectImporter(by=people.home, school=network.branch_a).run(
        xlsx([["city", *row("城中村改造中的群众工作研究", "李明远")[1:]]])
    )
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (2, "学校代码", "只有中共测试市委党校的管理员或科研人员（发布单位）可以导入往年立项课题")
    ]
    teaching = member(network.city, is_teaching_staff=True)
    report = PastProjectImporter(by=teaching, school=network.city).run(xlsx(GOOD[:1]))
    assert [p.reason for p in report.problems] == [
        "只有中共测试市委党校的管理员或科研人员（发布单位）可以导入往年立项课题"
    ]
    response = client_for(people.applicant).post(
        "/calls/import/", {"school": network.city.pk, "file": upload(xlsx(GOOD))}
    )
    assert response.status_code == 400
    assert "请选择要导入到的学校" in response.content.decode()
    assert Application.objects.count() == 0 and ResearchCall.objects.filter(title=CALL).count() == 0


def test_imported_projects_follow_application_visibility(client_for, network, people):
    report = PastProjectImporter(by=people.office, school=network.city).run(xlsx(GOOD[:1]))
    assert report.state == "imported"
    app = Application.objects.get()
    for viewer in (people.office, people.home, people.applicant, people.partner_user):
        assert list(selectors.applications_visible_to(viewer).values_list("pk", flat=True)) == [app.pk]
        assert client_for(viewer).get(f"/calls/applications/{app.pk}/").status_code == 200
    for viewer in (people.other_user, people.stranger_user, people.stranger_staff, people.branch_b_staff):
        assert not selectors.applications_visible_to(viewer).exists()
        client = client_for(viewer)
        assert client.get(f"/calls/applications/{app.pk}/").status_code == 404
        assert client.get("/api/v1/calls/applications").json()["count"] == 0
        assert selectors.calls_counts(viewer)["granted"] == 0
    # The call is 本系统: the stranger's school does not see it; the project is in the research bank.
    stranger = client_for(people.stranger_user)
    assert CALL not in stranger.get("/calls/list/").content.decode()
    assert CALL in client_for(people.other_user).get("/calls/list/").content.decode()
    assert projects_visible_to(people.stranger_user).filter(pk=app.project_id).exists()
