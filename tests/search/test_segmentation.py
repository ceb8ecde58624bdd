import pytest
from tests.factories import member, platform_admin
from tests.factories.search import index, make_topic

from yiwang.accounts.enums import PlatformRoleKind
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.search.models import SearchTerm
from yiwang.search.segmentation import Segmenter, domain_words, name_tokens, segmenter
from yiwang.search.selectors import search_visible_to
from yiwang.search.services import add_search_term, remove_search_term


def test_search_mode_indexes_compound_and_its_sub_words():
    seg = Segmenter(domain_words())
    tokens = seg.index_tokens("推进乡村振兴和百千万工程")
    assert {"乡村振兴", "乡村", "振兴", "百千万工程", "百千万", "工程", "推进"} <= set(tokens)


def test_domain_words_keep_the_sub_words_the_plain_dictionary_gives():
    seg = Segmenter(domain_words())
    assert {"咨政报告", "咨政", "报告"} <= set(seg.index_tokens("一份咨政报告"))
    assert {"新质生产力", "新质", "生产力"} <= set(seg.index_tokens("发展新质生产力"))


def test_query_words_use_precise_mode_and_drop_stop_words():
    seg = Segmenter(domain_words())
    assert seg.query_words("为中青班讲授乡村振兴与基层治理专题") == [
        "中青班",
        "讲授",
        "乡村振兴",
        "基层治理",
        "专题",
    ]
    assert seg.query_words("的 和 与，。！") == []
    assert seg.query_words("ＡＩ 人工智能") == ["ai", "人工智能"]


def test_shipped_domain_dictionary_holds_the_issue_words():
    words = set(domain_words())
    assert {
        "百千万工程",
        "新质生产力",
        "两个确立",
        "两个维护",
        "粤港澳大湾区",
        "现场教学",
        "咨政报告",
        "乡村振兴",
        "基层治理",
        "高质量发展",
        "红棉讲坛",
    } <= words


def test_name_tokens_hold_full_pinyin_initials_and_parts():
    assert name_tokens("张宏伟") == ("张宏伟", "张", "宏伟", "zhanghongwei", "zhw", "zhang", "hongwei")


def test_name_tokens_use_the_surname_reading():
    assert "zengfanhua" in name_tokens("曾凡华")
    assert "shanlei" in name_tokens("单磊")


@pytest.mark.django_db
def test_added_word_is_effective_at_once_and_reindexes_items_containing_it(
    network, django_capture_on_commit_callbacks
):
    viewer = member(network.city)
    topic = make_topic(network.city, "推进红棉讲坛品牌建设", summary="红棉讲坛是一个讲座品牌。")
    index(topic)
    assert "红棉讲坛" in segmenter().query_words("红棉讲坛")  # shipped word
    topic2 = make_topic(network.city, "深化花城夜话活动", summary="花城夜话邀请专家对话。")
    index(topic2)
    assert segmenter().query_words("花城夜话") != ["花城夜话"]
    admin = platform_admin(PlatformRoleKind.SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        add_search_term(by=admin, word="花城夜话")
    assert segmenter().query_words("花城夜话") == ["花城夜话"]
    results = search_visible_to(viewer, "花城夜话")
    assert [(h.type, h.id) for h in results.hits] == [("topic", topic2.pk)]
    assert results.mode == "all"


@pytest.mark.django_db
def test_removed_word_stops_being_one_word(network, django_capture_on_commit_callbacks):
    admin = platform_admin(PlatformRoleKind.SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        term = add_search_term(by=admin, word="湾区夜校")
    assert segmenter().query_words("湾区夜校") == ["湾区夜校"]
    with django_capture_on_commit_callbacks(execute=True):
        remove_search_term(by=admin, term=term)
    assert SearchTerm.objects.count() == 0
    assert segmenter().query_words("湾区夜校") != ["湾区夜校"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "word, message",
    [
        ("", "请输入要添加的词语。"),
        ("红", "词语长度应为 2 到 30 个字符。"),
        ("红棉 讲坛", "词语只能包含汉字、字母或数字，不能包含空格或标点。"),
        ("红棉·讲坛", "词语只能包含汉字、字母或数字，不能包含空格或标点。"),
    ],
)
def test_bad_dictionary_word_is_refused_and_changes_nothing(word, message):
    admin = platform_admin(PlatformRoleKind.SYSTEM)
    with pytest.raises(DomainError) as exc:
        add_search_term(by=admin, word=word)
    assert exc.value.message == message
    assert SearchTerm.objects.count() == 0


@pytest.mark.django_db
def test_duplicate_word_is_refused(django_capture_on_commit_callbacks):
    admin = platform_admin(PlatformRoleKind.SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        add_search_term(by=admin, word="花城夜话")
    with pytest.raises(ConflictError) as exc:
        add_search_term(by=admin, word="花城夜话")
    assert exc.value.message == "“花城夜话”已在搜索词典中。"
    assert SearchTerm.objects.count() == 1


@pytest.mark.django_db
def test_only_system_admin_edits_dictionary(network):
    for user in (member(network.city, is_school_admin=True), platform_admin(PlatformRoleKind.SECURITY)):
        with pytest.raises(PermissionDeniedError) as exc:
            add_search_term(by=user, word="花城夜话")
        assert exc.value.message == "只有平台系统管理员可以维护搜索词典。"
    assert SearchTerm.objects.count() == 0
