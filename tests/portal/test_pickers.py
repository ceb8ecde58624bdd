"""Search-as-you-type pickers (issue 12 part 7): the options are the first matches the viewer may
see, by name or pinyin; the form renders only the chosen item, never the whole set."""

import pytest
from tests.factories import member
from tests.factories.classes import TeacherFactory, TopicFactory

from yiwang.classes.forms import SessionForm
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db


def options(client, kind, **params) -> str:
    return client.get(f"/pick/{kind}/", params).content.decode()


def test_teacher_options_follow_visibility_and_match_name_or_pinyin(client_for, network):
    TeacherFactory(
        owner_school=network.city, name="张卫国", name_pinyin="zhangweiguo", scope=SharingScope.NETWORK
    )
    TeacherFactory(owner_school=network.city, name="张秘", name_pinyin="zhangmi", scope=SharingScope.SCHOOL)
    client = client_for(member(network.far, is_teacher=True))
    html = options(client, "teacher", teacher__q="张")
    assert "张卫国" in html and "张秘" not in html
    assert "张卫国" in options(client, "teacher", q="zhangw")
    assert "没有找到“李”" in options(client, "teacher", q="李")
    assert options(client, "teacher", q="").strip() == ""


def test_school_parameter_narrows_the_teachers(client_for, network):
    TeacherFactory(
        owner_school=network.city, name="甲老师", name_pinyin="jialaoshi", scope=SharingScope.NETWORK
    )
    TeacherFactory(
        owner_school=network.far, name="甲先生", name_pinyin="jiaxiansheng", scope=SharingScope.NETWORK
    )
    html = options(
        client_for(member(network.city, is_teacher=True)), "teacher", q="甲", school=network.city.pk
    )
    assert "甲老师" in html and "甲先生" not in html


def test_unknown_kind_is_404_and_anonymous_is_sent_to_sign_in(client, client_for, network):
    assert client.get("/pick/teacher/", {"q": "张"}).status_code == 302
    assert client_for(member(network.city)).get("/pick/secret/", {"q": "x"}).status_code == 404


def test_topic_options_only_published_and_visible(client_for, network):
    TopicFactory(owner_school=network.city, title="乡村振兴的广州实践", scope=SharingScope.NETWORK)
    TopicFactory(owner_school=network.city, title="乡村振兴内部讲稿", scope=SharingScope.SCHOOL)
    html = options(client_for(member(network.far, is_teacher=True)), "topic", q="乡村振兴")
    assert "乡村振兴的广州实践" in html and "内部讲稿" not in html


def test_the_form_renders_only_the_chosen_teacher(network):
    viewer = member(network.city, is_training_staff=True)
    chosen = TeacherFactory(owner_school=network.city, name="陈思源", scope=SharingScope.NETWORK)
    for n in range(30):
        TeacherFactory(owner_school=network.city, name=f"教师{n}", scope=SharingScope.NETWORK)
    html = str(SessionForm(viewer=viewer, initial={"teacher": chosen.pk})["teacher"])
    assert f'value="{chosen.pk}"' in html and 'value="陈思源"' in html
    assert "教师1" not in html and "<option" not in html
    form = SessionForm(
        {
            "date": "2026-12-10",
            "start_time": "09:00",
            "end_time": "11:00",
            "form": "lecture",
            "teacher": str(chosen.pk),
        },
        viewer=viewer,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["teacher"] == chosen
    hidden = TeacherFactory(owner_school=network.far, name="外校保密", scope=SharingScope.SCHOOL)
    refused = SessionForm(
        {
            "date": "2026-12-10",
            "start_time": "09:00",
            "end_time": "11:00",
            "form": "lecture",
            "teacher": str(hidden.pk),
        },
        viewer=viewer,
    )
    assert not refused.is_valid() and "teacher" in refused.errors
