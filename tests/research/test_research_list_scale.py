"""The project and output lists at scale (issue 12 part 4): each default order has a matching
index, so a page query walks the newest rows and stops after one page (no sort of every
visible row), and the API lists cost the same number of queries for 3 rows as for 30."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.factories import member
from tests.factories.courses import BankTeacherFactory
from tests.factories.research import OutputFactory, ProjectFactory, endorsement

from yiwang.accounts.services import create_api_token
from yiwang.research import selectors
from yiwang.research.models import ResearchOutput, ResearchProject

pytestmark = pytest.mark.django_db


def index_fields(model) -> list[list[str]]:
    return [list(index.fields) for index in model._meta.indexes]


def page_plan(qs) -> str:
    sql, params = qs[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def make(network, n: int) -> None:
    pi = BankTeacherFactory(owner_school=network.city)
    for k in range(n):
        project = ProjectFactory(
            owner_school=network.city if k % 2 else network.branch_a, principal_investigator=pi
        )
        output = OutputFactory(owner_school=project.owner_school, project=project)
        output.authors.set([pi])
        endorsement(output)


def test_default_orders_have_their_indexes(network):
    viewer = member(network.branch_a, is_research_staff=True)
    assert list(selectors.projects_visible_to(viewer).query.order_by) == ["-start_date", "-id"]
    assert list(selectors.outputs_visible_to(viewer).query.order_by) == ["-published_on", "-id"]
    assert ["-start_date", "-id"] in index_fields(ResearchProject)
    assert ["-published_on", "-id"] in index_fields(ResearchOutput)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan text")
@pytest.mark.parametrize(
    ("kind", "filters"),
    [("projects", {}), ("projects", {"status": "ongoing"}), ("outputs", {}), ("outputs", {"kind": "report"})],
)
def test_list_page_walks_the_index_without_sorting(network, kind, filters):
    make(network, 30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    viewer = member(network.branch_a, is_research_staff=True)
    if kind == "projects":
        qs = selectors.with_members(selectors.projects_visible_to(viewer, **filters), viewer)
    else:
        qs = selectors.with_authors(selectors.outputs_visible_to(viewer, **filters), viewer)
    plan = page_plan(qs)
    assert "TEMP B-TREE" not in plan
    if kind == "outputs":
        assert "output_recent_idx" in plan


def test_api_lists_query_count_same_for_3_and_30(network, django_assert_max_num_queries):
    viewer = member(network.branch_a, is_research_staff=True)
    _, key = create_api_token(user=viewer, name="t")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    make(network, 3)
    urls = ("/api/v1/research/projects?page_size=50", "/api/v1/research/outputs?page_size=50")
    counts = {}
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).json()["count"] == 3
        counts[url] = len(ctx.captured_queries)
    make(network, 27)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            answer = client.get(url).json()
        assert (answer["count"], answer["count_capped"], len(answer["items"])) == (30, False, 30)
