"""Research API contract: writes through the services, shared error shape, 404 for invisible items."""

import pytest
from django.test import Client
from tests.factories import member
from tests.factories.courses import BankTeacherFactory

from yiwang.accounts.services import create_api_token
from yiwang.research.models import Endorsement, ResearchOutput, ResearchProject

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    _, key = create_api_token(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {key}"})


def post(client, url, payload):
    return client.post(url, payload, content_type="application/json")


def test_project_output_endorsement_flow(network, research_staff):
    pi = BankTeacherFactory(owner_school=network.city, name="陈思远")
    far = BankTeacherFactory(owner_school=network.far, name="黄立新")
    client = api(research_staff)
    response = post(
        client,
        "/api/v1/research/projects",
        {
            "school": "city",
            "title": "数字政府建设研究",
            "level": "municipal",
            "category": "think_tank",
            "principal_investigator_id": pi.pk,
            "members": [{"teacher_id": far.pk, "role": "core"}],
            "funding": "8.5",
            "start_date": "2025-01-01",
            "end_date": "2025-12-31",
        },
    )
    assert response.status_code == 201, response.content
    project = response.json()
    assert {
        k: project[k]
        for k in (
            "title",
            "level_label",
            "category_label",
            "owner_school_code",
            "funding",
            "status",
            "status_label",
            "scope",
        )
    } == {
        "title": "数字政府建设研究",
        "level_label": "市厅级",
        "category_label": "新型智库",
        "owner_school_code": "city",
        "funding": "8.50",
        "status": "applying",
        "status_label": "申报",
        "scope": "system",
    }
    assert project["principal_investigator"] == {"id": pi.pk, "name": "陈思远", "school_code": "city"}
    assert sorted((m["teacher"]["name"], m["role_label"]) for m in project["members"]) == [
        ("陈思远", "负责人"),
        ("黄立新", "核心成员"),
    ]
    pk = project["id"]
    assert (
        post(client, f"/api/v1/research/projects/{pk}/status", {"status": "approved"}).json()["status"]
        == "approved"
    )
    patched = client.patch(
        f"/api/v1/research/projects/{pk}", {"funding": "10"}, content_type="application/json"
    )
    assert patched.json()["funding"] == "10.00"
    response = post(
        client,
        "/api/v1/research/outputs",
        {
            "school": "city",
            "kind": "advisory",
            "title": "关于数字政府的建议",
            "author_ids": [pi.pk],
            "published_on": "2025-05-01",
            "venue": "市委政策研究室",
            "project_id": pk,
        },
    )
    assert response.status_code == 201, response.content
    output = response.json()
    assert (output["project_title"], output["verified_endorsements"], output["endorsements"]) == (
        "数字政府建设研究",
        0,
        [],
    )
    response = post(
        client,
        f"/api/v1/research/outputs/{output['id']}/endorsements",
        {"leader_level": "provincial", "endorsed_on": "2025-06-01", "summary": "请研究吸收。"},
    )
    assert response.status_code == 201
    endorsement = response.json()
    assert (endorsement["verified"], endorsement["status_label"], endorsement["verified_by"]) == (
        False,
        "待核实",
        None,
    )
    refused = post(client, f"/api/v1/research/endorsements/{endorsement['id']}/verify", {})
    assert refused.status_code == 403  # 登记与审核分离: the one who registered it does not verify it
    verifier = member(network.city, is_research_staff=True)
    verified = post(api(verifier), f"/api/v1/research/endorsements/{endorsement['id']}/verify", {}).json()
    assert (verified["verified"], verified["status_label"], verified["verified_by"]) == (
        True,
        "已核实",
        verifier.full_name,
    )
    assert client.get(f"/api/v1/research/outputs/{output['id']}").json()["verified_endorsements"] == 1
    assert post(client, f"/api/v1/research/projects/{pk}/retire", {}).json()["status"] == "terminated"
    assert post(client, f"/api/v1/research/outputs/{output['id']}/retire", {}).json()["is_active"] is False


def test_bad_research_input_gets_error_shape_and_writes_nothing(network, research_staff):
    pi = BankTeacherFactory(owner_school=network.city)
    client = api(research_staff)
    base = {
        "school": "city",
        "title": "课题",
        "level": "municipal",
        "category": "other",
        "principal_investigator_id": pi.pk,
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
    }
    cases = [
        (
            {**base, "end_date": "2024-01-01"},
            400,
            {"code": "invalid", "field": "end_date", "message": "结束日期不能早于开始日期。"},
        ),
        (
            {**base, "school": "far"},
            403,
            {"code": "forbidden", "message": "只有中共远方市委党校的管理员或科研人员可以登记科研课题。"},
        ),
        (
            {**base, "principal_investigator_id": 987654},
            400,
            {
                "code": "invalid",
                "field": "members",
                "message": "找不到编号为 987654 的课题成员，或该教师已停用。",
            },
        ),
        ({**base, "funding": "-3"}, 422, None),
        ({**base, "start_date": "1800-01-01"}, 422, None),
        ({**base, "level": "宇宙级"}, 422, None),
    ]
    for payload, status, error in cases:
        response = post(client, "/api/v1/research/projects", payload)
        assert response.status_code == status, payload
        if error:
            assert response.json() == {"error": error}
        else:
            assert response.json()["error"]["message"] == "请求参数不正确，请检查后重试。"
    assert ResearchProject.objects.count() == 0
    response = post(
        client,
        "/api/v1/research/outputs",
        {"school": "city", "kind": "paper", "title": "论文", "published_on": "2025-01-01"},
    )
    assert response.json() == {
        "error": {"code": "invalid", "field": "authors", "message": "请选择作者或填写其他作者。"}
    }
    assert ResearchOutput.objects.count() == 0 and Endorsement.objects.count() == 0


def test_teacher_cannot_write_and_invisible_is_404(network, leaky):
    teacher = member(network.city, is_teacher=True)
    client = api(teacher)
    response = post(
        client,
        f"/api/v1/research/outputs/{leaky.own_output.pk}/endorsements",
        {"leader_level": "county", "endorsed_on": "2024-08-01"},
    )
    assert response.status_code == 403
    stranger = api(member(network.stranger, is_school_admin=True))
    for url in (
        f"/api/v1/research/outputs/{leaky.own_output.pk}",
        f"/api/v1/research/projects/{leaky.own.pk}",
        f"/api/v1/research/outputs/{leaky.own_output.pk}/endorsements",
    ):
        assert stranger.get(url).json() == {
            "error": {"code": "not_found", "message": "未找到该记录，或您无权查看。"}
        }
    response = stranger.delete(f"/api/v1/research/endorsements/{leaky.evidence.pk}")
    assert response.status_code == 404
    assert Endorsement.objects.count() == 7
