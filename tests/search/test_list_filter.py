"""A list's ``q`` filter through the search index (``banks.text_filter``, filled by the search)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.factories import member
from tests.factories.search import index, make_topic

from yiwang.banks import text_filter
from yiwang.faculty.models import Teacher
from yiwang.network.visibility import visible_to
from yiwang.search.enums import DocumentType
from yiwang.search.selectors import list_filter_ids, list_filter_is_frequent
from yiwang.topics.models import Topic

pytestmark = pytest.mark.django_db


def topics(q, viewer=None):
    ids = text_filter.matching(DocumentType.TOPIC, q)
    qs = Topic.objects.all() if viewer is None else visible_to(Topic.objects.all(), viewer)
    return set(qs.filter(pk__in=ids).values_list("pk", flat=True))


def test_the_search_registers_its_matcher_when_it_starts():
    assert text_filter._matcher is list_filter_ids


def test_without_a_matcher_the_caller_is_told_to_keep_its_own_filter():
    try:
        text_filter.register(None)
        assert text_filter.matching(DocumentType.TOPIC, "乡村振兴") is None
    finally:
        text_filter.register(list_filter_ids, list_filter_is_frequent)


def test_traditional_characters_find_the_simplified_item(corpus):
    assert topics("鄉村振興") == topics("乡村振兴") == {corpus.p_rural.pk}
    assert topics("營商環境") == {corpus.p_digital.pk}


def test_simplified_characters_find_an_item_written_in_traditional(corpus):
    written = make_topic(corpus.p_rural.owner_school, "數字鄉村建設的實踐", summary="以數據賦能鄉村治理。")
    index(written)
    assert topics("数字乡村") == {written.pk}
    assert topics("字乡") == {written.pk}  # no word, but its characters stand together
    assert topics("乡村") == {corpus.p_rural.pk, written.pk}


def test_a_word_inside_a_longer_word(corpus):
    assert topics("振兴") == {corpus.p_rural.pk}
    assert topics("村振") == {corpus.p_rural.pk}  # no word of its own
    # 治 and 理 both occur in 法治政府…梳理…, but not together: not a match; the item's category
    # (社会治理) is part of its entry, as in the one search
    assert topics("治理") == {corpus.p_rural.pk, corpus.p_gov.pk, corpus.p_grid.pk, corpus.p_private.pk}
    assert corpus.p_law.pk not in topics("治理")


def test_a_single_character(corpus):
    assert topics("红") == {corpus.p_red.pk, corpus.p_history.pk}
    # a stop word alone still filters: the items that contain it
    assert topics("就") == {corpus.p_eco.pk}


def test_every_word_is_required(corpus):
    assert topics("红色 故事") == {corpus.p_history.pk}
    assert topics("红色，故事！") == {corpus.p_history.pk}
    assert topics("红色 火星") == set()


def test_full_width_and_case_are_folded(corpus):
    written = make_topic(corpus.p_rural.owner_school, "AI赋能基层治理")
    index(written)
    assert topics("ＡＩ") == topics("ai") == {written.pk}


def test_only_punctuation_matches_nothing(corpus):
    ids = text_filter.matching(DocumentType.TOPIC, "，。！？……")
    assert list(ids) == []
    assert topics("  ") == topics("\x00") == set()


def test_only_items_of_the_asked_kind(corpus):
    teachers = text_filter.matching(DocumentType.TEACHER, "乡村振兴")
    assert set(Teacher.objects.filter(pk__in=teachers).values_list("pk", flat=True)) == {corpus.zhang.pk}
    assert set(Teacher.objects.filter(pk__in=text_filter.matching(DocumentType.TEACHER, "張宏偉"))) == {
        corpus.zhang
    }
    with pytest.raises(ValueError):
        text_filter.matching("nonsense", "乡村振兴")


def test_the_lists_visibility_still_applies(corpus, city_viewer, stranger_viewer):
    assert topics("意识形态 责任制", city_viewer) == {corpus.p_private.pk}
    assert topics("意识形态 责任制", stranger_viewer) == set()


def test_an_edit_is_found_at_once(corpus):
    corpus.p_gba.title = "粤港澳大湾区与南沙开发"
    corpus.p_gba.save()
    index(corpus.p_gba)
    assert topics("南沙") == {corpus.p_gba.pk}


def test_one_statement_with_the_list(corpus):
    with CaptureQueriesContext(connection) as queries:
        found = topics("乡村振兴 基层治理")
    assert found == {corpus.p_rural.pk}
    statements = [q["sql"] for q in queries.captured_queries if "search_searchdocument" in q["sql"]]
    assert len(statements) == 1, statements


# ---- a frequent word: the list walked in its order, each row looked up in the index --------------

LISTS = {
    "topics": ("yiwang.topics.selectors", "topics_visible_to"),
    "courses": ("yiwang.courses.selectors", "courses_visible_to"),
    "teachers": ("yiwang.faculty.selectors", "teachers_visible_to"),
    "projects": ("yiwang.research.selectors", "projects_visible_to"),
    "outputs": ("yiwang.research.selectors", "outputs_visible_to"),
}


def _rows(name, viewer, q, status):
    import importlib

    module, function = LISTS[name]
    selector = getattr(importlib.import_module(module), function)
    return list(selector(viewer, q=q, status=status).values_list("pk", flat=True))


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_walked_list_shows_exactly_the_rows_read_from_the_matches(corpus, network, settings, name):
    staff = member(network.city, is_teaching_staff=True, is_research_staff=True)
    viewers = [
        staff,
        member(network.branch_a, is_teacher=True),
        member(network.stranger),
        member(network.far),
    ]
    words = ["乡村振兴", "治理", "红色 文化", "现场教学", "研究", "新质生产力", "廉", "不存在的词语"]
    statuses = {"teachers": ["active", "all"], "outputs": ["", "all"]}.get(name, ["", "all"])
    expected = {}
    settings.LIST_FILTER_WALK_MIN, settings.LIST_FILTER_WALK_SHARE = 10**9, 1.0  # never walk
    for viewer in viewers:
        for q in words:
            for status in statuses:
                expected[(viewer.pk, q, status)] = _rows(name, viewer, q, status)
    settings.LIST_FILTER_WALK_MIN, settings.LIST_FILTER_WALK_SHARE = 0, 0.0  # always walk
    for key, rows in expected.items():
        viewer = next(v for v in viewers if v.pk == key[0])
        assert _rows(name, viewer, key[1], key[2]) == rows, key
    assert any(expected.values())  # the corpus has matches to compare


def test_a_word_is_frequent_only_above_its_share_of_the_kind(corpus, settings):
    if connection.vendor != "sqlite":
        assert list_filter_is_frequent(DocumentType.TOPIC, "乡村振兴") is False  # PostgreSQL plans itself
        return
    settings.LIST_FILTER_WALK_MIN, settings.LIST_FILTER_WALK_SHARE = 1, 0.0
    assert list_filter_is_frequent(DocumentType.TOPIC, "乡村振兴") is True
    assert list_filter_is_frequent(DocumentType.TOPIC, "不存在的词语") is False
    settings.LIST_FILTER_WALK_MIN = 10**6
    assert list_filter_is_frequent(DocumentType.TOPIC, "乡村振兴") is False
    assert list_filter_is_frequent(DocumentType.TOPIC, "。，") is False
