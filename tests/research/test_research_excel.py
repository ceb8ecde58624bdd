"""Research Excel: project and output round trips, bad rows, research-only rights."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook
from tests.factories import member
from tests.factories.courses import BankTeacherFactory
from tests.factories.research import OutputFactory, ProjectFactory

from yiwang.core import excel
from yiwang.network.enums import SharingScope
from yiwang.research.models import ResearchMember, ResearchOutput, ResearchProject

pytestmark = pytest.mark.django_db


def sheet(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def project_record(p) -> tuple:
    members = sorted((m.teacher_id, m.role) for m in ResearchMember.objects.filter(project=p))
    return (
        p.title,
        p.level,
        p.category,
        p.principal_investigator_id,
        members,
        p.funding,
        p.start_date,
        p.end_date,
        p.status,
        p.summary,
        p.keywords,
        p.scope,
        sorted(a.name for a in p.shared_alliances.all()),
    )


def test_project_round_trip_into_empty_school(client_for, network, research_staff):
    pi = BankTeacherFactory(owner_school=network.city, name="陈思远")
    far = BankTeacherFactory(owner_school=network.far, name="黄立新")
    project = ProjectFactory(
        owner_school=network.city,
        title="百千万工程研究",
        principal_investigator=pi,
        funding=Decimal("12.50"),
        summary="简介",
        keywords="百千万工程",
        scope=SharingScope.PARTNERS,
        alliances=[network.alliance],
        status="approved",
    )
    ResearchMember.objects.create(project=project, teacher=far, role="core")
    ProjectFactory(
        owner_school=network.city, title="数字经济研究", principal_investigator=pi, scope=SharingScope.NETWORK
    )
    exported = client_for(research_staff).get("/research/export/").content
    report = excel.get_importer("project")(by=None, school=network.far).run(exported)
    assert (report.state, report.created, report.problems) == ("imported", 2, [])
    originals = {
        p.title: project_record(p) for p in ResearchProject.objects.filter(owner_school=network.city)
    }
    copies = {p.title: project_record(p) for p in ResearchProject.objects.filter(owner_school=network.far)}
    assert copies == originals


def test_output_round_trip_into_empty_school(client_for, network, research_staff):
    author = BankTeacherFactory(owner_school=network.city, name="陈思远")
    output = OutputFactory(
        owner_school=network.city,
        kind="paper",
        title="超大城市治理论文",
        venue="《岭南学刊》",
        author_text="课题组",
        abstract="摘要",
        keywords="治理",
        scope=SharingScope.NETWORK,
        published_on=date(2025, 4, 1),
    )
    output.authors.set([author])
    exported = client_for(research_staff).get("/research/outputs/export/").content
    report = excel.get_importer("output")(by=None, school=network.far).run(exported)
    assert (report.state, report.created) == ("imported", 1)
    copy = ResearchOutput.objects.get(owner_school=network.far)
    fields = ("kind", "title", "venue", "author_text", "abstract", "keywords", "scope", "published_on")
    assert [getattr(copy, f) for f in fields] == [getattr(output, f) for f in fields]
    assert list(copy.authors.all()) == [author]


def test_bad_project_rows_reported_and_nothing_written(network):
    BankTeacherFactory(owner_school=network.city, name="陈思远")
    header = ["课题名称", "级别", "类别", "负责人", "经费（万元）", "开始日期", "结束日期", "状态"]
    data = sheet(
        [
            header,
            ["好课题", "市厅级", "决策咨询", "陈思远", 5, "2025-01-01", "2025-12-31", "在研"],
            ["日期反了", "市厅级", "决策咨询", "陈思远", 5, "2025-06-01", "2025-01-01", ""],
            ["坏日期", "市厅级", "决策咨询", "陈思远", 5, "2025-13-45", "2025-12-31", ""],
            ["负经费", "市厅级", "决策咨询", "陈思远", -1, "2025-01-01", "2025-12-31", ""],
            ["坏级别", "宇宙级", "决策咨询", "无名氏", "很多", "2025-01-01", "2025-12-31", "完成"],
        ]
    )
    report = excel.get_importer("project")(by=None, school=network.city).run(data)
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (3, "结束日期", "结束日期不能早于开始日期"),
        (4, "开始日期", "日期格式不正确，应为 2024-03-01 这样的日期"),
        (5, "经费（万元）", "经费应在 0 到 99999999.99 万元之间"),
        (6, "级别", "不在可选范围内（可选：国家级、省部级、市厅级、校级）"),
        (6, "经费（万元）", "应为数字，例如 3 或 1.5"),
        (6, "状态", "不在可选范围内（可选：申报、立项、在研、结项、终止）"),
    ]
    assert ResearchProject.objects.count() == 0


def test_missing_required_column_and_teaching_staff_refused(network):
    data = sheet([["课题名称", "级别"], ["课题", "市厅级"]])
    report = excel.get_importer("project")(by=None, school=network.city).run(data)
    assert [p.reason for p in report.problems][:2] == [
        "缺少必填列“类别”，请使用最新模板",
        "缺少必填列“负责人”，请使用最新模板",
    ]
    BankTeacherFactory(owner_school=network.city, name="陈思远")
    teaching = member(network.city, is_teaching_staff=True)
    data = sheet(
        [
            ["课题名称", "级别", "类别", "负责人", "开始日期", "结束日期"],
            ["课题", "市厅级", "其他", "陈思远", "2025-01-01", "2025-02-01"],
        ]
    )
    report = excel.get_importer("project")(by=teaching, school=network.city).run(data)
    assert [p.reason for p in report.problems] == ["只有中共测试市委党校的管理员或科研人员可以导入科研数据"]
    assert ResearchProject.objects.count() == 0
