import pytest
from tests.factories.search import index, make_teacher, make_topic

from yiwang.core.errors import DomainError
from yiwang.search.selectors import match_teachers
from yiwang.topics.enums import TeachingForm

pytestmark = pytest.mark.django_db


def test_need_ranks_teachers_by_fit_with_evidence(corpus, city_viewer):
    result = match_teachers(city_viewer, "为中青班讲授乡村振兴与基层治理专题")
    assert (result.words, result.audience) == (["乡村振兴", "基层治理"], "young")
    top = result.teachers[0]
    assert (top.name, top.fit, top.matched) == ("张宏伟", 100.0, ["乡村振兴", "基层治理"])
    assert [e.title for e in top.evidence if e.type == "topic"] == ["推进乡村振兴的广州实践"]
    others = {t.name for t in result.teachers[1:]}
    assert (
        "周雅琳" in others
    )  # 基层治理 only (topic for the 主体班 is filtered out by audience; her project fits)
    assert all(t.fit < top.fit for t in result.teachers[1:])


def test_form_filter_keeps_topics_of_that_form(corpus, city_viewer):
    result = match_teachers(city_viewer, "红色文化", form=TeachingForm.FIELD)
    assert [t.name for t in result.teachers] == ["李晓红"]
    assert [e.title for e in result.teachers[0].evidence] == ["红色文化资源的保护与利用", "李晓红"]


def test_school_filter(corpus, city_viewer, network):
    result = match_teachers(city_viewer, "基层治理", school=network.branch_b.pk)
    assert [t.name for t in result.teachers] == ["周雅琳"]


def test_rating_breaks_ties_and_is_reported(network, city_viewer):
    from yiwang.search.documents import rating_averages

    a = make_teacher(network.city, "甲老师", expertise="海洋强国")
    b = make_teacher(network.city, "乙老师", expertise="海洋强国")
    index(a, b)
    result = match_teachers(city_viewer, "海洋强国")
    assert [t.name for t in result.teachers] == sorted(
        [t.name for t in result.teachers], key=lambda n: n
    )  # equal fit, no rating: by name
    assert [t.rating for t in result.teachers] == [
        rating_averages([a.pk]).get(a.pk),
        rating_averages([b.pk]).get(b.pk),
    ]


@pytest.mark.parametrize(
    "need, message",
    [
        ("", "请输入要搜索的词语。"),
        ("讲授一堂专题课", "请写明需求的主题，例如“为中青班讲授乡村振兴与基层治理专题”。"),
        ("乡" * 201, "搜索内容不能超过 200 个字符，请精简后再试。"),
    ],
)
def test_bad_need_is_refused(corpus, city_viewer, need, message):
    with pytest.raises(DomainError) as exc:
        match_teachers(city_viewer, need)
    assert exc.value.message == message


def test_bad_filters_are_refused(corpus, city_viewer):
    with pytest.raises(DomainError) as exc:
        match_teachers(city_viewer, "乡村振兴", audience="nobody")
    assert exc.value.message == "适用对象参数不正确。"
    with pytest.raises(DomainError) as exc:
        match_teachers(city_viewer, "乡村振兴", form="dance")
    assert exc.value.message == "教学形式参数不正确。"


def test_topic_of_a_hidden_teacher_is_no_evidence_for_a_visible_one(network, city_viewer):
    visible = make_teacher(network.city, "甲老师")
    topic = make_topic(network.city, "海洋强国战略", teachers=[visible])
    index(visible, topic)
    result = match_teachers(city_viewer, "海洋强国")
    assert [(t.name, [e.title for e in t.evidence]) for t in result.teachers] == [
        ("甲老师", ["海洋强国战略"])
    ]
