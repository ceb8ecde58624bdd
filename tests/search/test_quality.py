"""Issue 11: traditional characters, single characters, names, pinyin slips, synonyms, several
words, years, exclusions, field prefixes, typos, bad input, and visibility inside the candidates."""

import pytest
from tests.factories import member, platform_admin
from tests.factories.search import index, make_output, make_teacher, make_topic

from yiwang.accounts.enums import PlatformRoleKind
from yiwang.activity.models import AuditRecord
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.network.enums import SharingScope
from yiwang.search.models import SearchSynonym
from yiwang.search.segmentation import normalise
from yiwang.search.selectors import search_visible_to
from yiwang.search.services import add_synonym_group, remove_synonym_group

pytestmark = pytest.mark.django_db


def keys(results):
    return [(h.type, h.id) for h in results.hits]


def test_normalise_folds_traditional_width_and_case():
    assert normalise("鄉村振興 ＡＩ賦能 Ｇ5") == "乡村振兴 ai赋能 g5"
    assert normalise("a\x00b\x07c") == "a b c"


def test_traditional_query_finds_simplified_items_and_back(corpus, city_viewer, network):
    assert keys(search_visible_to(city_viewer, "營商環境")) == [("topic", corpus.p_digital.pk)]
    macau = make_topic(network.city, "澳門社區治理經驗", summary="介紹澳門社團參與社區治理。")
    index(macau)
    assert ("topic", macau.pk) in keys(search_visible_to(city_viewer, "澳门 社区治理"))
    assert ("topic", macau.pk) in keys(search_visible_to(city_viewer, "澳門"))


def test_a_single_character_finds_it_inside_words(corpus, city_viewer):
    found = set(keys(search_visible_to(city_viewer, "湾")))
    assert {("topic", corpus.p_gba.pk), ("output", corpus.o_gba.pk)} <= found


def test_a_single_character_beside_other_words_is_not_widened(corpus, city_viewer):
    # 星 beside 火 would match 薪火 and 星 anywhere if unigrams were used: nothing is found instead.
    assert search_visible_to(city_viewer, "火星 探测").total == 0


def test_full_names_compound_surnames_and_pinyin_slips(network, city_viewer):
    ouyang = make_teacher(network.city, "欧阳明辉", expertise="区域协调发展")
    oylan = make_teacher(network.far, "欧阳兰", expertise="廉政建设")
    other = make_teacher(network.city, "欧明", expertise="城市治理")
    zhang = make_teacher(network.city, "张卫国", expertise="乡村振兴")
    near = make_teacher(network.city, "张伟光", expertise="城市规划")
    index(ouyang, oylan, other, zhang, near)
    assert keys(search_visible_to(city_viewer, "欧阳明辉"))[0] == ("teacher", ouyang.pk)
    assert set(keys(search_visible_to(city_viewer, "欧阳"))) == {
        ("teacher", ouyang.pk),
        ("teacher", oylan.pk),
    }
    for query in ("zhang wei guo", "zhangweiguo", "zhangweigou", "zhangweiguoo"):
        assert keys(search_visible_to(city_viewer, query)) == [("teacher", zhang.pk)], query
    assert keys(search_visible_to(city_viewer, "ouyangminhui")) == [("teacher", ouyang.pk)]
    assert keys(search_visible_to(city_viewer, "zhangweiguang")) == [("teacher", near.pk)]


def test_synonyms_expand_both_ways_below_exact_matches(network, city_viewer):
    short = make_topic(network.city, "百千万工程的县域实践")
    full = make_topic(network.city, "百县千镇万村高质量发展工程解读")
    index(short, full)
    assert keys(search_visible_to(city_viewer, "百千万工程")) == [("topic", short.pk), ("topic", full.pk)]
    assert keys(search_visible_to(city_viewer, "百县千镇万村高质量发展工程")) == [
        ("topic", full.pk),
        ("topic", short.pk),
    ]


def test_synonym_groups_are_managed_by_system_admins(network, city_viewer, client_for):
    topic = make_topic(network.city, "湾区夜校的探索")
    index(topic)
    admin = platform_admin(PlatformRoleKind.SYSTEM)
    with pytest.raises(PermissionDeniedError) as denied:
        add_synonym_group(by=member(network.city, is_school_admin=True), words="夜校、湾区夜校")
    assert denied.value.message == "只有平台系统管理员可以维护搜索同义词。"
    with pytest.raises(DomainError) as single:
        add_synonym_group(by=admin, words="夜校")
    assert single.value.message == "同义词组至少要有两个词语，以顿号分隔，例如“两山、绿水青山就是金山银山”。"
    group = add_synonym_group(by=admin, words="夜学堂、湾区夜校")
    assert group.words == "夜学堂、湾区夜校"
    with pytest.raises(ConflictError):
        add_synonym_group(by=admin, words="夜学堂 湾区夜校")
    assert AuditRecord.objects.filter(action="search_synonym.added").count() == 1
    from yiwang.search.services import reindex_containing

    reindex_containing("湾区夜校")  # what the commit hook does
    assert keys(search_visible_to(city_viewer, "夜学堂")) == [("topic", topic.pk)]
    client = client_for(admin)
    page = client.get("/search/synonyms/").content.decode()
    assert "夜学堂、湾区夜校" in page and "百千万工程、百县千镇万村高质量发展工程" in page
    assert client.post("/search/synonyms/", {"words": "学堂"}).status_code == 400
    assert client.post(f"/search/synonyms/{group.pk}/remove/").status_code == 302
    assert SearchSynonym.objects.count() == 0
    assert client_for(member(network.city, is_school_admin=True)).get("/search/synonyms/").status_code == 403
    with pytest.raises(ConflictError):
        remove_synonym_group(by=admin, synonym=group)


def test_an_item_missing_one_of_three_words_still_ranks_and_best_first(network, city_viewer):
    all_three = make_topic(
        network.city, "乡村治理中的村民自治", summary="健全自治法治德治相结合的体系，推广村规民约。"
    )
    two = make_topic(network.city, "乡村治理与村民自治")
    one = make_topic(network.city, "村规民约汇编")
    index(all_three, two, one)
    results = search_visible_to(city_viewer, "乡村治理 村民自治 村规民约")
    assert keys(results)[:2] == [("topic", all_three.pk), ("topic", two.pk)]
    assert results.mode == "all" and results.notice == ""


def test_long_question_returns_its_best_match_first(corpus, city_viewer):
    results = search_visible_to(city_viewer, "如何在基层治理中运用网格化管理和接诉即办提升社区服务水平")
    assert keys(results)[0] in {("topic", corpus.p_gov.pk), ("topic", corpus.p_grid.pk)}


def test_year_exclusion_and_field_prefixes(corpus, city_viewer, network):
    assert keys(search_visible_to(city_viewer, "2023年 乡村振兴")) == [("output", corpus.o_rural.pk)]
    assert keys(search_visible_to(city_viewer, "2023 基层治理")) == [("project", corpus.r_grid.pk)]
    excluded = search_visible_to(city_viewer, "乡村振兴 -集体经济")
    assert ("output", corpus.o_rural.pk) not in keys(excluded) and excluded.total == 2
    by_author = search_visible_to(city_viewer, "作者:陈志强")
    assert set(keys(by_author)) >= {("output", corpus.o_npf.pk), ("teacher", corpus.chen.pk)}
    assert all(corpus.chen.name in h.names_html or h.title == corpus.chen.name for h in by_author.hits)
    by_school = search_visible_to(city_viewer, "学校：甲区 生产力")
    assert {h.school for h in by_school.hits} == {"中共测试市甲区委党校"}
    unknown = search_visible_to(city_viewer, "学校:火星 乡村振兴")
    assert (unknown.total, unknown.notice) == (0, "")


def test_a_near_miss_typo_is_corrected_and_said(corpus, city_viewer):
    results = search_visible_to(city_viewer, "乡村振新")
    assert keys(results)[0] in {("topic", corpus.p_rural.pk), ("output", corpus.o_rural.pk)}
    assert results.notice.startswith("您是不是要找“乡村振兴”？")


@pytest.mark.parametrize(
    "query, message",
    [
        ("-", "“-”用于排除词语，请在它后面紧接要排除的词，例如“乡村振兴 -集体经济”。"),
        ("  －  ", "“-”用于排除词语，请在它后面紧接要排除的词，例如“乡村振兴 -集体经济”。"),
        ("-党史", "请至少输入一个要查找的词语；“-词”只用于从结果中排除。"),
        ("！@#￥%……&*（）", "搜索内容只包含标点或“的、和、与”等常用虚词，请输入更具体的词语。"),
        ("\x00\x01", "请输入要搜索的词语。"),
        ("治" * 201, "搜索内容不能超过 200 个字符，请精简后再试。"),
        ("学校:远方", "请在“作者:”“学校:”或年份之外再写一个要查找的词语。"),
    ],
)
def test_bad_input_gets_a_chinese_message(corpus, city_viewer, query, message):
    with pytest.raises(DomainError) as exc:
        search_visible_to(city_viewer, query)
    assert exc.value.message == message


def test_unbalanced_quotes_and_a_lone_dash_are_searched_with_a_notice(corpus, city_viewer):
    quoted = search_visible_to(city_viewer, '"乡村振兴')
    assert quoted.total == 3 and quoted.notice == "引号不成对，已按普通词语搜索。"
    dash = search_visible_to(city_viewer, "乡村振兴 -")
    assert dash.total == 3 and dash.notice == "单独的“-”已忽略；排除词语请写成“-词”。"
    assert search_visible_to(city_viewer, "乡村\x00振兴\x1f").total == 3


def test_nul_and_bad_input_over_the_api_is_a_400_with_a_message(corpus, client_for, city_viewer):
    client = client_for(city_viewer)
    for q in ("%00", "\x00", "-", "“", "。。。"):
        response = client.get("/api/v1/search", {"q": q})
        assert response.status_code in (200, 400), q
        if response.status_code == 400:
            assert response.json()["error"]["message"]
    response = client.get("/api/v1/search?q=%00")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "请输入要搜索的词语。"
    assert client.get("/api/v1/search", {"q": "乡村\x00振兴"}).json()["total"] == 3
    assert client.get("/api/v1/search", {"q": "乡村振兴", "category": "a\x00b"}).status_code == 200


def test_visible_results_are_not_lost_to_a_cap_over_the_network(network, settings):
    """The newest matches belong to a school the viewer cannot see: the visible older one is found."""
    settings.SEARCH_CANDIDATE_LIMIT = 3
    visible = make_topic(network.city, "数据要素市场化配置")
    hidden = [make_topic(network.stranger, f"数据要素第{i}讲", scope=SharingScope.SCHOOL) for i in range(5)]
    index(visible, *hidden)
    viewer = member(network.city, is_teacher=True)
    results = search_visible_to(viewer, "数据要素")
    assert (keys(results), results.total, results.capped) == ([("topic", visible.pk)], 1, False)
    facets = {f.name: {o.value: o.count for o in f.options} for f in results.facets}
    assert facets["school"] == {str(network.city.pk): 1}


def test_category_of_an_output_is_searchable(network, city_viewer):
    teacher = make_teacher(network.city, "钱学文")
    report = make_output(network.city, "关于推进城乡融合的对策建议", authors=[teacher])
    index(teacher, report)
    assert ("output", report.pk) in keys(search_visible_to(city_viewer, report.get_kind_display()))
