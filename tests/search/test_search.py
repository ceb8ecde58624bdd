"""Query behaviour: all words, fallback, phrases, bad queries, facets, highlighting, ranking."""

import pytest
from django.core.management import call_command
from tests.factories.search import index, make_teacher, make_topic

from yiwang.core.errors import DomainError
from yiwang.search.models import SearchDocument
from yiwang.search.selectors import ANY_WORD_NOTICE, search_visible_to

pytestmark = pytest.mark.django_db


def keys(results):
    return [(h.type, h.id) for h in results.hits]


def test_all_words_must_match(corpus, city_viewer):
    results = search_visible_to(city_viewer, "乡村振兴 基层治理")
    assert results.mode == "all"
    assert results.notice == ""
    assert set(keys(results)) == {("topic", corpus.p_rural.pk), ("teacher", corpus.zhang.pk)}
    assert results.total == 2


def test_no_item_with_all_words_falls_back_to_any_word_and_says_so(corpus, city_viewer):
    results = search_visible_to(city_viewer, "营商环境 火星探测")
    assert results.mode == "any"
    assert results.notice == ANY_WORD_NOTICE == "未找到同时包含全部词语的结果，以下为包含部分词语的结果。"
    assert keys(results) == [("topic", corpus.p_digital.pk)]


def test_nothing_at_all_gives_empty_results_without_notice(corpus, city_viewer):
    results = search_visible_to(city_viewer, "火星探测 量子力学")
    assert (results.total, results.hits, results.notice) == (0, [], "")


def test_quoted_phrase_matches_only_as_written(corpus, city_viewer):
    words = search_visible_to(city_viewer, "红色 资源")
    assert {("topic", corpus.p_red.pk)} <= set(keys(words))
    phrase = search_visible_to(city_viewer, '"红色文化资源"')
    assert keys(phrase) == [("topic", corpus.p_red.pk)]
    assert phrase.phrases == ["红色文化资源"]
    reversed_phrase = search_visible_to(city_viewer, '"资源红色"')
    assert reversed_phrase.mode == "any"  # no item has the phrase: fell back to any word


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "请输入要搜索的词语。"),
        ("   ", "请输入要搜索的词语。"),
        ("的 和 与", "搜索内容只包含标点或“的、和、与”等常用虚词，请输入更具体的词语。"),
        ("，。！？……", "搜索内容只包含标点或“的、和、与”等常用虚词，请输入更具体的词语。"),
        ("乡" * 201, "搜索内容不能超过 200 个字符，请精简后再试。"),
    ],
)
def test_bad_query_gets_a_chinese_message(corpus, city_viewer, query, message):
    with pytest.raises(DomainError) as exc:
        search_visible_to(city_viewer, query)
    assert (exc.value.message, exc.value.field) == (message, "q")


@pytest.mark.parametrize(
    "filters, message",
    [
        (
            {"type": "bogus"},
            "类型参数不正确，可选：teacher（教师）、topic（讲题）、course（课程）、project（科研课题）、output（科研成果）、call（课题申报）、site（现场教学基地）、codev（共建项目）、news（联盟动态）。",
        ),
        ({"year": "abc"}, "年份参数应为整数。"),
        ({"year": 3000}, "年份应在 1900 到 2100 之间。"),
        ({"page": 0}, "页码应在 1 到 50 之间；请用更具体的词语缩小范围。"),
    ],
)
def test_bad_filter_gets_a_chinese_message(corpus, city_viewer, filters, message):
    with pytest.raises(DomainError) as exc:
        search_visible_to(city_viewer, "治理", **filters)
    assert exc.value.message == message


def test_title_match_ranks_before_body_match(network, city_viewer):
    body = make_topic(network.city, "城市更新的实践", summary="其中谈到营商环境的改善。")
    title = make_topic(network.city, "营商环境的法治保障", summary="讲授法治化建设。")
    index(body, title)
    assert keys(search_visible_to(city_viewer, "营商环境")) == [("topic", title.pk), ("topic", body.pk)]


def test_equal_scores_are_ordered_by_recency(network, city_viewer):
    older = make_topic(network.city, "海洋强国建设", summary="海洋经济。")
    newer = make_topic(network.city, "海洋强国建设", summary="海洋经济。")
    index(older, newer)
    assert keys(search_visible_to(city_viewer, "海洋强国")) == [("topic", newer.pk), ("topic", older.pk)]


def test_facets_count_every_visible_match(corpus, city_viewer, network):
    # 治理 is in their text, or in their category (社会治理, indexed with the body).
    results = search_visible_to(city_viewer, "治理")
    facets = {f.name: {o.value: o.count for o in f.options} for f in results.facets}
    assert facets["type"] == {"topic": 4, "teacher": 2, "project": 1}
    assert results.total == 7
    assert facets["school"] == {str(network.city.pk): 4, str(network.branch_b.pk): 3}
    assert facets["year"] == {"2023": 1, str(corpus.p_gov.created_at.year): 4}
    assert set(keys(results)) == {
        ("topic", corpus.p_rural.pk),
        ("topic", corpus.p_gov.pk),
        ("topic", corpus.p_private.pk),
        ("topic", corpus.p_grid.pk),
        ("teacher", corpus.zhang.pk),
        ("teacher", corpus.zhou.pk),
        ("project", corpus.r_grid.pk),
    }


def test_facet_filter_narrows_results_and_counts(corpus, city_viewer, network):
    all_results = search_visible_to(city_viewer, "治理")
    topics = search_visible_to(city_viewer, "治理", type="topic")
    type_counts = {o.value: o.count for o in all_results.facets[0].options}
    assert topics.total == type_counts["topic"]
    assert {h.type for h in topics.hits} == {"topic"}
    assert [(o.value, o.selected) for o in topics.facets[0].options] == [("topic", True)]
    city = search_visible_to(city_viewer, "治理", school=network.city.pk)
    assert {h.school for h in city.hits} == {network.city.name}
    year = search_visible_to(city_viewer, "基层治理", type="project", year=2023)
    assert keys(year) == [("project", corpus.r_grid.pk)]
    module = search_visible_to(city_viewer, "红色", module=corpus.module.pk)
    assert keys(module) == [("topic", corpus.p_red.pk)]
    category = search_visible_to(city_viewer, "高质量发展", category="经济发展")
    assert set(keys(category)) == {("topic", corpus.p_npf.pk), ("topic", corpus.p_county.pk)}


def test_snippet_highlights_matches_and_escapes_everything_else(network, city_viewer):
    topic = make_topic(
        network.city, "<script>乡村振兴</script>", summary='<img src=x onerror="alert(1)">乡村振兴 & 治理'
    )
    index(topic)
    hit = search_visible_to(city_viewer, "乡村振兴").hits[0]
    assert hit.title_html == "&lt;script&gt;<mark>乡村振兴</mark>&lt;/script&gt;"
    assert hit.snippet_html == "…rc=x onerror=&quot;alert(1)&quot;&gt;<mark>乡村振兴</mark> &amp; 治理"


def test_pinyin_query_highlights_the_name(corpus, city_viewer):
    hits = search_visible_to(city_viewer, "zhw").hits
    teacher = next(h for h in hits if h.type == "teacher")
    assert teacher.title_html == "<mark>张宏伟</mark>"
    topic = next(h for h in hits if h.type == "topic" and h.id == corpus.p_gov.pk)
    assert topic.names_html == "<mark>张宏伟</mark>、周雅琳"


def test_hit_has_type_id_title_url_school(corpus, city_viewer):
    hit = search_visible_to(city_viewer, "法治政府建设").hits[0]
    assert (hit.type, hit.type_label, hit.id, hit.title) == (
        "topic",
        "讲题",
        corpus.p_law.pk,
        "法治政府建设的重点任务",
    )
    assert hit.url == f"/topics/{corpus.p_law.pk}/"
    assert hit.school == "中共测试市委党校"
    assert hit.category == "政治与法治"


def test_rebuild_command_recreates_the_index(corpus, city_viewer):
    SearchDocument.objects.all().delete()
    assert search_visible_to(city_viewer, "乡村振兴").total == 0
    call_command("search", "rebuild", "--quiet")
    assert search_visible_to(city_viewer, "乡村振兴").total == 3
    # derived data only: a second rebuild gives the same documents
    before = sorted(SearchDocument.objects.values_list("doc_type", "object_id"))
    call_command("search", "rebuild", "--quiet")
    assert sorted(SearchDocument.objects.values_list("doc_type", "object_id")) == before


def test_many_results_are_paged(network, city_viewer):
    teacher = make_teacher(network.city, "钱多多")
    topics = [
        make_topic(network.city, f"数据要素市场化配置改革第{i}讲", teachers=[teacher]) for i in range(25)
    ]
    index(*topics)
    first = search_visible_to(city_viewer, "数据要素")
    second = search_visible_to(city_viewer, "数据要素", page=2)
    assert (first.total, first.pages, len(first.hits), len(second.hits)) == (25, 2, 20, 5)
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}


def test_very_common_word_ranks_and_counts_only_the_newest_candidates(network, city_viewer, settings):
    settings.SEARCH_CANDIDATE_LIMIT = 3
    topics = [make_topic(network.city, f"数据要素改革第{i}讲") for i in range(5)]
    index(*topics)
    results = search_visible_to(city_viewer, "数据要素")
    assert (results.total, results.capped) == (3, True)
    assert {h.id for h in results.hits} == {t.pk for t in topics[2:]}
    assert results.notice == (
        "匹配的条目很多：每个词只取您可见的最新 3 条参与排序和统计，总数为下限；加上更具体的词语可以缩小范围。"
    )
    settings.SEARCH_CANDIDATE_LIMIT = 6
    assert (
        search_visible_to(city_viewer, "数据要素").capped,
        search_visible_to(city_viewer, "数据要素").notice,
    ) == (False, "")


def test_demo_rebuilds_the_index_and_is_idempotent(corpus, city_viewer):
    from yiwang.network.demo import DemoLog
    from yiwang.search import demo

    log = DemoLog()
    demo.load(scale=0, log=log)
    first = sorted(SearchDocument.objects.values_list("doc_type", "object_id"))
    demo.load(scale=0, log=log)
    assert sorted(SearchDocument.objects.values_list("doc_type", "object_id")) == first
    assert log.created == 0
    assert search_visible_to(city_viewer, "乡村振兴").total == 3
