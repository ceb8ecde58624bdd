import pytest
from tests.factories import member, platform_admin

from yiwang.accounts.enums import PlatformRoleKind
from yiwang.network.models import School

pytestmark = pytest.mark.django_db


def test_overview_lists_schools_alliances_and_partnerships(network, client_for):
    html = client_for(member(network.branch_a, is_teacher=True)).get("/network/").content.decode()
    assert "中共测试市委党校" in html
    assert "中共测试市甲区委党校" in html
    assert "测试片区" in html
    assert "测试市 → 受援" in html


def test_school_page_shows_people_only_to_members(network, client_for, client):
    teacher = member(network.city, is_teacher=True)
    teacher.full_name = "钱晓东"
    teacher.save()
    assert "钱晓东" in client_for(teacher).get("/network/schools/city/").content.decode()
    client.logout()
    outsider = member(network.stranger)
    html = client_for(outsider).get("/network/schools/city/").content.decode()
    assert "钱晓东" not in html
    assert ">甲区<" in html


def test_manage_page_forbidden_to_school_admin(network, client_for):
    response = client_for(member(network.city, is_school_admin=True)).get("/network/manage/")
    assert response.status_code == 403


def test_manage_page_creates_school_and_reports_duplicate(network, client_for):
    client = client_for(platform_admin(PlatformRoleKind.SYSTEM))
    data = {
        "form": "school",
        "school-code": "new-one",
        "school-name": "中共新建区委党校",
        "school-short_name": "新建",
        "school-level": "county",
        "school-province": "广东省",
        "school-parent": network.city.pk,
    }
    assert client.post("/network/manage/", data).status_code == 302
    assert School.objects.get(code="new-one").parent == network.city
    data["school-name"] = "另一个名字"
    response = client.post("/network/manage/", data)
    assert response.status_code == 200
    assert "学校代码“new-one”已被使用。" in response.content.decode()
    assert School.objects.filter(code="new-one").count() == 1


def test_parent_loop_from_page_shows_message(network, client_for):
    client = client_for(platform_admin(PlatformRoleKind.SYSTEM))
    response = client.post("/network/schools/city/parent/", {"parent": network.branch_a.pk}, follow=True)
    assert "会形成循环" in response.content.decode()
    network.city.refresh_from_db()
    assert network.city.parent is None
