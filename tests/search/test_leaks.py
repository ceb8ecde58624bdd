"""Scope safety: an item the searcher may not see never appears and never counts —
in results, totals, facets, the API, the page or matching. Runs on SQLite and PostgreSQL."""

import pytest
from tests.factories import member
from tests.factories.search import index, make_output, make_teacher, make_topic

from yiwang.network.enums import SharingScope
from yiwang.search.selectors import match_teachers, search_visible_to

pytestmark = pytest.mark.django_db

SECRET = "机密协作讲题"


@pytest.fixture
def scoped(network):
    """One item of every restricted scope, all containing the word 海绵城市."""
    owner = make_teacher(network.city, "欧阳明", scope=SharingScope.SCHOOL, expertise="海绵城市")
    school_only = make_topic(network.city, "本校海绵城市讲题", teachers=[owner], scope=SharingScope.SCHOOL)
    system = make_topic(network.branch_a, "本系统海绵城市讲题", scope=SharingScope.SYSTEM)
    by_alliance = make_topic(
        network.city, "联盟海绵城市讲题", scope=SharingScope.PARTNERS, alliances=[network.alliance]
    )
    by_partner = make_output(network.city, "对口海绵城市成果", scope=SharingScope.PARTNERS, authors=[owner])
    by_partner.shared_partnerships.set([network.partnership])
    index(owner, school_only, system, by_alliance, by_partner)
    return {
        "owner": owner,
        "school": school_only,
        "system": system,
        "alliance": by_alliance,
        "partner": by_partner,
    }


def visible_titles(viewer, query="海绵城市", **filters):
    results = search_visible_to(viewer, query, **filters)
    counts = {f.name: sum(o.count for o in f.options) for f in results.facets}
    return {h.title for h in results.hits}, results.total, counts


def test_each_school_sees_exactly_what_the_rule_allows(network, scoped):
    expect = {
        network.city: {
            "欧阳明",
            "本校海绵城市讲题",
            "本系统海绵城市讲题",
            "联盟海绵城市讲题",
            "对口海绵城市成果",
        },
        network.branch_a: {"本系统海绵城市讲题", "联盟海绵城市讲题", "对口海绵城市成果"},
        network.branch_b: {"联盟海绵城市讲题", "对口海绵城市成果"},
        network.far: {"联盟海绵城市讲题"},
        network.partner: {"对口海绵城市成果"},
        network.stranger: set(),
    }
    for school, titles in expect.items():
        seen, total, counts = visible_titles(member(school))
        assert seen == titles, school.code
        assert total == len(titles), school.code
        assert counts["type"] == counts["school"] == len(titles), school.code


def test_anonymous_sees_nothing_restricted(scoped):
    seen, total, counts = visible_titles(None)
    assert (seen, total, counts["type"]) == (set(), 0, 0)


def test_facet_filter_on_a_hidden_school_counts_nothing(network, scoped):
    seen, total, counts = visible_titles(member(network.stranger), school=network.city.pk)
    assert (seen, total, counts) == (
        set(),
        0,
        {"type": 0, "school": 0, "module": 0, "category": 0, "year": 0},
    )


def test_fallback_to_any_word_still_hides(network, scoped):
    seen, total, _ = visible_titles(member(network.stranger), "海绵城市 火星探测")
    assert (seen, total) == (set(), 0)


def test_hidden_teacher_name_does_not_find_visible_items(network, scoped):
    """The 本校 teacher's name is not indexed on the items other schools see."""
    branch_viewer = member(network.branch_b)
    assert search_visible_to(branch_viewer, "欧阳明").total == 0
    assert search_visible_to(branch_viewer, "oym").total == 0
    hit = search_visible_to(branch_viewer, "对口海绵城市成果").hits[0]
    assert hit.names_html == ""


def test_api_and_page_hide_scoped_items(network, scoped, client_for):
    client = client_for(member(network.stranger))
    body = client.get("/api/v1/search", {"q": "海绵城市"}).json()
    assert (body["total"], body["results"]) == (0, [])
    assert all(o["count"] == 0 for f in body["facets"] for o in f["options"])
    page = client.get("/search/", {"q": "海绵城市"}).content.decode()
    assert "海绵城市讲题" not in page and "欧阳明" not in page and "共 0 条结果" in page


def test_matching_never_proposes_hidden_teachers_or_evidence(network, scoped):
    result = match_teachers(member(network.far), "讲授海绵城市专题")
    assert result.teachers == []
    own = match_teachers(member(network.city), "讲授海绵城市专题")
    assert [t.name for t in own.teachers] == ["欧阳明"]
