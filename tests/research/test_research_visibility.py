"""Research leak tests: projects, outputs, files, endorsements, counts and rankings on pages, API and exports."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook
from tests.factories import member
from tests.factories.courses import BankTeacherFactory
from tests.factories.research import OutputFactory, ProjectFactory, endorsement

from yiwang.accounts.services import create_api_token
from yiwang.network.enums import SharingScope
from yiwang.research import selectors

pytestmark = pytest.mark.django_db
WHO = ["city teacher", "branch staff", "alliance school", "supported school", "stranger"]


def text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8")


def sheet_column(response, header: str) -> list:
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    col = rows[0].index(header)
    return sorted(r[col] for r in rows[1:])


def api(user) -> Client:
    _, key = create_api_token(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.mark.parametrize("who", WHO)
def test_projects_respect_scope_on_pages_api_and_export(client_for, leaky, viewers, who):
    user, sees_own, sees_partners = viewers[who]
    client = client_for(user)
    expected = sorted(
        ([leaky.own.title] if sees_own else []) + ([leaky.partners.title] if sees_partners else [])
    )
    html = text(client.get("/research/"))
    assert f"共 {len(expected)} 项课题" in html
    assert (leaky.own.title in html, leaky.partners.title in html) == (sees_own, sees_partners)
    assert sheet_column(client.get("/research/export/"), "课题名称") == expected
    for project, sees in ((leaky.own, sees_own), (leaky.partners, sees_partners)):
        assert client.get(f"/research/{project.pk}/").status_code == (200 if sees else 404)
    data = api(user).get("/api/v1/research/projects").json()
    assert (sorted(p["title"] for p in data["items"]), data["count"]) == (expected, len(expected))
    assert api(user).get(f"/api/v1/research/projects/{leaky.own.pk}").status_code == (
        200 if sees_own else 404
    )


@pytest.mark.parametrize("who", WHO)
def test_outputs_files_endorsements_respect_scope(client_for, leaky, viewers, who):
    user, sees_own, sees_partners = viewers[who]
    client = client_for(user)
    expected = sorted(
        ["公开论文"] + (["本校咨政报告"] if sees_own else []) + (["协作咨政报告"] if sees_partners else [])
    )
    html = text(client.get("/research/outputs/"))
    assert f"共 {len(expected)} 项成果" in html
    for title in ("本校咨政报告", "协作咨政报告", "公开论文"):
        assert (title in html) == (title in expected)
    assert sheet_column(client.get("/research/outputs/export/"), "成果名称") == expected
    own_file = client.get(f"/research/outputs/{leaky.own_output.pk}/file/")
    assert own_file.status_code == (200 if sees_own else 404)
    if sees_own:
        assert text(own_file) == "%PDF secret"
    evidence = client.get(f"/research/endorsements/{leaky.evidence.pk}/evidence/")
    assert evidence.status_code == (200 if sees_partners else 404)
    partners_detail = client.get(f"/research/outputs/{leaky.partners_output.pk}/")
    assert partners_detail.status_code == (200 if sees_partners else 404)
    if sees_partners:
        page = text(partners_detail)
        assert "待核实" in page and '<dd id="verified-count">2</dd>' in page
        # the output's project is 本校: its title shows only to the city's own people
        assert ("本校课题：城中村治理" in page) == sees_own
    response = api(user).get(f"/api/v1/research/outputs/{leaky.partners_output.pk}/endorsements")
    assert response.status_code == (200 if sees_partners else 404)
    if sees_partners:
        assert sorted(e["status_label"] for e in response.json()) == ["已核实", "已核实", "待核实"]
        detail = api(user).get(f"/api/v1/research/outputs/{leaky.partners_output.pk}").json()
        assert (detail["verified_endorsements"], detail["project_title"]) == (
            2,
            "本校课题：城中村治理" if sees_own else None,
        )
    verify = client.post(f"/research/endorsements/{leaky.evidence.pk}/")
    assert verify.status_code == (302 if sees_partners else 404)


@pytest.mark.parametrize("who", WHO)
def test_rankings_count_only_visible_verified_endorsements(client_for, leaky, viewers, who, network):
    user, sees_own, sees_partners = viewers[who]
    city_total = 3 * sees_own + 2 * sees_partners
    expected_schools = ([("city", city_total)] if city_total else []) + [("stranger", 1)]
    expected_schools.sort(key=lambda r: -r[1])
    ranking = api(user).get("/api/v1/research/ranking").json()
    assert [(r["school_code"], r["total"]) for r in ranking["schools"]] == expected_schools
    expected_outputs = (
        {"公开论文": 1}
        | ({"本校咨政报告": 3} if sees_own else {})
        | ({"协作咨政报告": 2} if sees_partners else {})
    )
    assert {o["title"]: o["verified_endorsements"] for o in ranking["outputs"]} == expected_outputs
    html = text(client_for(user).get("/research/ranking/"))
    assert ("本校咨政报告" in html, "协作咨政报告" in html) == (sees_own, sees_partners)
    listed = api(user).get("/api/v1/research/outputs?endorsed=true&sort=-endorsements").json()
    assert [o["title"] for o in listed["items"]] == sorted(
        expected_outputs, key=lambda t: -expected_outputs[t]
    )


def test_project_members_of_hidden_teachers_not_shown(client_for, network):
    hidden = BankTeacherFactory(owner_school=network.stranger, name="隐藏教师", scope=SharingScope.SCHOOL)
    project = ProjectFactory(
        owner_school=network.stranger,
        title="公开课题",
        scope=SharingScope.PUBLIC,
        principal_investigator=hidden,
    )
    viewer = member(network.city, is_teacher=True)
    page = text(client_for(viewer).get(f"/research/{project.pk}/"))
    assert "公开课题" in page and "隐藏教师" not in page
    data = api(viewer).get(f"/api/v1/research/projects/{project.pk}").json()
    assert (data["principal_investigator"], data["members"]) == (None, [])


def test_retired_output_hidden_and_not_ranked(client_for, leaky, network, research_staff):
    from yiwang.research import services

    services.set_output_active(by=research_staff, output=leaky.partners_output, active=False)
    branch = member(network.branch_a, is_research_staff=True)
    assert client_for(branch).get(f"/research/outputs/{leaky.partners_output.pk}/").status_code == 404
    assert [r["total"] for r in selectors.school_ranking(branch)] == [1]
    assert "协作咨政报告" in text(client_for(research_staff).get("/research/outputs/?status=retired"))


def test_project_and_output_lists_query_count(client_for, network, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    viewer = member(network.branch_a, is_research_staff=True)
    pi = BankTeacherFactory(owner_school=network.city)
    client = client_for(viewer)

    def make(n):
        for _ in range(n):
            project = ProjectFactory(owner_school=network.city, principal_investigator=pi)
            output = OutputFactory(owner_school=network.city, project=project)
            output.authors.set([pi])
            endorsement(output)

    make(3)
    counts = {}
    for url in ("/research/", "/research/outputs/", "/research/ranking/"):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        counts[url] = len(ctx.captured_queries)
    make(27)
    for url, n in counts.items():
        with django_assert_max_num_queries(n):
            response = client.get(url)
        assert response.status_code == 200
    assert "共 30 项课题" in text(client.get("/research/"))
