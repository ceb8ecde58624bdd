"""The project list's 负责人 and 成员 columns (issue 10 part 9): no stray "、" after the last
member, and a 负责人 whose teacher profile is not shared says so instead of staying blank."""

import re

import pytest
from tests.factories import member
from tests.factories.courses import BankTeacherFactory
from tests.factories.research import ProjectFactory

from yiwang.network.enums import SharingScope
from yiwang.research.models import ResearchMember

pytestmark = pytest.mark.django_db


def row_cells(html: str, title: str) -> list[str]:
    row = re.search(rf"<tr>\s*<td><a [^>]*>{title}</a></td>(.*?)</tr>", html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]


def test_members_column_has_no_trailing_separator_and_principal_is_named(client_for, network):
    pi = BankTeacherFactory(owner_school=network.city, name="张卫国", name_pinyin="zhangweiguo")
    project = ProjectFactory(owner_school=network.city, principal_investigator=pi, title="基层治理课题")
    for name, role in (("李明", "core"), ("王芳", "member")):
        teacher = BankTeacherFactory(owner_school=network.branch_a, name=name, name_pinyin=name)
        ResearchMember.objects.create(project=project, teacher=teacher, role=role)
    html = client_for(member(network.branch_a, is_research_staff=True)).get("/research/").content.decode()
    cells = row_cells(html, "基层治理课题")
    assert cells[2] == "张卫国"
    assert cells[3] == f"李明（{network.branch_a.short_name}）、王芳（{network.branch_a.short_name}）"


def test_a_principal_not_shared_with_the_viewer_is_marked_not_blank(client_for, network):
    pi = BankTeacherFactory(
        owner_school=network.city, name="赵秘", name_pinyin="zhaomi", scope=SharingScope.SCHOOL
    )
    ProjectFactory(
        owner_school=network.city, principal_investigator=pi, title="合作课题", scope=SharingScope.NETWORK
    )
    html = client_for(member(network.stranger, is_research_staff=True)).get("/research/").content.decode()
    cells = row_cells(html, "合作课题")
    assert cells[2] == "未共享" and cells[3] == "—"
    assert "赵秘" not in html
