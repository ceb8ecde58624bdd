"""The API contract (/api/v1/search, /api/v1/search/match) and the pages."""

import pytest
from tests.factories import member, platform_admin
from tests.factories.search import index, make_topic

from yiwang.accounts.enums import PlatformRoleKind
from yiwang.accounts.services import create_api_token
from yiwang.search.models import SearchTerm

pytestmark = pytest.mark.django_db


def test_api_search_contract(corpus, city_viewer, client):
    _, key = create_api_token(user=city_viewer, name="测试")
    response = client.get("/api/v1/search", {"q": "法治政府建设"}, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {
        "query",
        "words",
        "phrases",
        "mode",
        "notice",
        "total",
        "page",
        "pages",
        "capped",
        "results",
        "facets",
    }
    assert (body["query"], body["words"], body["mode"], body["page"], body["pages"]) == (
        "法治政府建设",
        ["法治政府建设"],  # one word of the synonym table (法治政府、法治政府建设、依法行政)
        "all",
        1,
        1,
    )
    first = body["results"][0]
    assert {k: first[k] for k in ("type", "type_label", "id", "title", "url", "school")} == {
        "type": "topic",
        "type_label": "讲题",
        "id": corpus.p_law.pk,
        "title": "法治政府建设的重点任务",
        "url": f"/topics/{corpus.p_law.pk}/",
        "school": "中共测试市委党校",
    }
    assert first["title_html"] == "<mark>法治政府建设</mark>的重点任务"
    assert [f["name"] for f in body["facets"]] == ["type", "school", "module", "category", "year"]
    assert "\\u" not in response.content.decode()


def test_api_filters(corpus, city_viewer, client_for):
    client = client_for(city_viewer)
    body = client.get("/api/v1/search", {"q": "治理", "type": "project"}).json()
    assert [(r["type"], r["id"], r["url"]) for r in body["results"]] == [
        ("project", corpus.r_grid.pk, f"/research/{corpus.r_grid.pk}/")
    ]
    output = client.get("/api/v1/search", {"q": "咨政报告", "type": "output"}).json()["results"][0]
    assert (output["id"], output["url"]) == (corpus.o_npf.pk, f"/research/outputs/{corpus.o_npf.pk}/")
    assert body["facets"][0]["options"] == [
        {"value": "project", "label": "科研课题", "count": 1, "selected": True}
    ]


@pytest.mark.parametrize(
    "params, status, message",
    [
        ({"q": ""}, 400, "请输入要搜索的词语。"),
        ({"q": "的"}, 400, "搜索内容只包含标点或“的、和、与”等常用虚词，请输入更具体的词语。"),
        ({"q": "乡" * 201}, 400, "搜索内容不能超过 200 个字符，请精简后再试。"),
        ({"q": "治理", "type": "x"}, 400, None),
        ({"q": "治理", "year": "abc"}, 422, "请求参数不正确，请检查后重试。"),
        ({"q": "治理", "page": 99}, 400, "页码应在 1 到 50 之间；请用更具体的词语缩小范围。"),
    ],
)
def test_api_bad_query_uses_the_shared_error_shape(corpus, city_viewer, client_for, params, status, message):
    response = client_for(city_viewer).get("/api/v1/search", params)
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) >= {"code", "message"}
    if message:
        assert error["message"] == message


def test_api_rejects_a_wrong_token(client):
    response = client.get("/api/v1/search", {"q": "治理"}, headers={"Authorization": "Bearer yw_wrong"})
    assert response.status_code == 401


def test_api_match_contract(corpus, city_viewer, client_for):
    response = client_for(city_viewer).post(
        "/api/v1/search/match",
        {"need": "为中青班讲授乡村振兴与基层治理专题"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["words"], body["audience"], body["form"]) == (["乡村振兴", "基层治理"], "young", "")
    top = body["teachers"][0]
    assert (top["id"], top["name"], top["matched"], top["fit"]) == (
        corpus.zhang.pk,
        "张宏伟",
        ["乡村振兴", "基层治理"],
        100.0,
    )
    assert {
        "type": "topic",
        "type_label": "讲题",
        "id": corpus.p_rural.pk,
        "title": "推进乡村振兴的广州实践",
        "url": f"/topics/{corpus.p_rural.pk}/",
        "matched": ["乡村振兴", "基层治理"],
        "related": [],
    } in top["evidence"]
    assert top["related"] == []


def test_api_match_refuses_an_empty_need(corpus, city_viewer, client_for):
    response = client_for(city_viewer).post(
        "/api/v1/search/match", {"need": "讲授一堂专题课"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert (
        response.json()["error"]["message"] == "请写明需求的主题，例如“为中青班讲授乡村振兴与基层治理专题”。"
    )


def test_search_page_shows_highlighted_results_and_facets(corpus, city_viewer, client_for):
    response = client_for(city_viewer).get("/search/", {"q": "乡村振兴"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "共 3 条结果" in html
    assert "推进<mark>乡村振兴</mark>的广州实践" in html
    assert 'id="facet-type"' in html and "讲题" in html


def test_search_page_shows_the_fallback_notice(corpus, city_viewer, client_for):
    html = client_for(city_viewer).get("/search/", {"q": "营商环境 火星探测"}).content.decode()
    assert "未找到同时包含全部词语的结果，以下为包含部分词语的结果。" in html


def test_search_page_bad_query_message(corpus, city_viewer, client_for):
    response = client_for(city_viewer).get("/search/", {"q": "  "})
    assert response.status_code == 400
    assert "请输入要搜索的词语。" in response.content.decode()


def test_search_page_query_count_does_not_grow_with_results(
    network, city_viewer, client_for, django_assert_max_num_queries
):
    client = client_for(city_viewer)
    index(*[make_topic(network.city, f"数据要素改革第{i}讲") for i in range(3)])
    client.get("/search/", {"q": "数据要素"})  # warm the dictionary
    with django_assert_max_num_queries(17) as few:
        client.get("/search/", {"q": "数据要素"})
    index(*[make_topic(network.city, f"数据要素市场第{i}讲") for i in range(27)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/search/", {"q": "数据要素"}).content.decode()
    assert "共 30 条结果" in html


def test_match_page(corpus, city_viewer, client_for):
    html = (
        client_for(city_viewer)
        .get("/search/match/", {"need": "为中青班讲授乡村振兴与基层治理专题"})
        .content.decode()
    )
    assert "张宏伟" in html and "匹配度 100.0" in html and "推进乡村振兴的广州实践" in html


def test_dictionary_page_for_system_admin_only(network, client_for):
    admin = platform_admin(PlatformRoleKind.SYSTEM)
    client = client_for(admin)
    response = client.post("/search/dictionary/", {"word": "花城夜话"})
    assert response.status_code == 302
    assert list(SearchTerm.objects.values_list("word", flat=True)) == ["花城夜话"]
    assert "花城夜话" in client.get("/search/dictionary/").content.decode()
    bad = client.post("/search/dictionary/", {"word": "红"})
    assert bad.status_code == 400 and "词语长度应为 2 到 30 个字符。" in bad.content.decode()
    school_admin = client_for(member(network.city, is_school_admin=True))
    denied = school_admin.post("/search/dictionary/", {"word": "湾区夜校"})
    assert denied.status_code == 403
    assert "只有平台系统管理员可以维护搜索词典。" in denied.content.decode()
    assert SearchTerm.objects.count() == 1
