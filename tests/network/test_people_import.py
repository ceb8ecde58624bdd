"""Issue 10 part 2: importing people into a school from Excel — every problem of every row in
Chinese, nothing imported while any row is bad, then everyone at once, audited."""

import io

import openpyxl
import pytest
from tests.factories import UserFactory, member

from yiwang.accounts.models import User
from yiwang.activity.models import AuditRecord
from yiwang.network.excel import PeopleImporter
from yiwang.network.models import Membership

pytestmark = pytest.mark.django_db

HEADERS = ["用户名", "姓名", "初始密码", "电子邮箱", "手机", "学校管理员", "教务", "培训", "科研", "教师"]
GOOD_PASSWORD = "Lizhi#Panyu2026"


def sheet(rows) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADERS)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def admin(network):
    return member(network.branch_a, is_school_admin=True)


def test_every_problem_of_every_row_is_reported_and_nothing_imported(network, admin):
    existing = UserFactory(username="old-hand", full_name="老教员")
    already = member(network.branch_a, is_teacher=True)
    data = sheet(
        [
            ["new-one", "", "", "", "", "否", "否", "否", "否", "是"],  # two problems in one row
            ["new-two", "王新", "123", "", "", "否", "否", "否", "否", "也许"],  # weak password, bad flag
            [already.username, "", "", "", "", "否", "否", "否", "否", "是"],
            [existing.username, "", GOOD_PASSWORD, "", "", "否", "否", "否", "否", "是"],
            ["new-three", "李新", GOOD_PASSWORD, "", "", "否", "否", "否", "否", "是"],
            ["new-three", "李新", GOOD_PASSWORD, "", "", "否", "否", "否", "否", "是"],
        ]
    )
    report = PeopleImporter(by=admin, school=network.branch_a).run(data)
    assert report.state == "invalid"
    problems = [(p.row, p.column, p.value, p.reason) for p in report.problems]
    assert problems[:2] == [
        (2, "姓名", "", "新建账号须填写姓名"),
        (2, "初始密码", "", "新建账号须设置初始密码"),
    ]
    assert (3, "教师", "也许", "应填写“是”或“否”") in problems
    assert (4, "用户名", already.username, "已是甲区的成员") in problems
    assert (5, "初始密码", "******", "已有账号，请留空（密码由本人修改）") in problems
    assert (7, "", "new-three", "与第 6 行重复") in problems
    assert all(GOOD_PASSWORD not in str(p) for p in problems)
    assert not User.objects.filter(username__startswith="new-").exists()
    assert not Membership.objects.filter(school=network.branch_a, user=existing).exists()


def test_weak_password_reason_is_chinese(network, admin):
    report = PeopleImporter(by=admin, school=network.branch_a).run(
        sheet([["new-two", "王新", "123", "", "", "否", "否", "否", "否", "是"]])
    )
    [problem] = report.problems
    assert (problem.column, problem.value) == ("初始密码", "******")
    assert "密码" in problem.reason and not any("a" <= ch.lower() <= "z" for ch in problem.reason)


def test_clean_file_adds_everyone_with_their_flags_and_audits(network, admin):
    existing = UserFactory(username="old-hand", full_name="老教员")
    data = sheet(
        [
            [existing.username, "", "", "", "", "否", "否", "否", "是", "是"],
            [
                "new-three",
                "李新",
                GOOD_PASSWORD,
                "li@example.cn",
                "13800001111",
                "否",
                "是",
                "否",
                "否",
                "否",
            ],
        ]
    )
    report = PeopleImporter(by=admin, school=network.branch_a).run(data)
    assert (report.state, report.created) == ("imported", 2)
    rows = Membership.objects.filter(school=network.branch_a, user__username__in=["old-hand", "new-three"])
    assert sorted(
        rows.values_list("user__username", "is_research_staff", "is_teacher", "is_teaching_staff")
    ) == [
        ("new-three", False, False, True),
        ("old-hand", True, True, False),
    ]
    assert User.objects.get(username="new-three").check_password(GOOD_PASSWORD)
    assert AuditRecord.objects.filter(action="account.created", actor=admin).count() == 1


def test_import_page_lists_problems_and_is_for_people_managers_only(client_for, network, admin):
    client = client_for(admin)
    url = f"/network/schools/{network.branch_a.code}/people/import/"
    assert client.get(url).status_code == 200
    template = client.get(url + "template/")
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    upload = io.BytesIO(sheet([["new-one", "", "", "", "", "否", "否", "否", "否", "是"]]))
    upload.name = "人员.xlsx"
    body = client.post(url, {"file": upload}).content.decode()
    assert "未导入：共 1 行，发现 2 处问题" in body
    assert "<td>第 2 行</td><td>姓名</td><td>（空）</td><td>新建账号须填写姓名</td>" in body
    teacher = member(network.branch_a, is_teacher=True)
    assert client_for(teacher).get(url).status_code == 403
