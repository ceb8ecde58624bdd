"""Issue 10 part 4: a 公开 item's detail page opens without signing in — only 公开 ones,
and without contact details; any other item sends the visitor to the sign-in page,
the same answer as for an item that does not exist."""

import pytest
from django.test import Client
from tests.factories.search import make_course, make_output, make_project, make_teacher, make_topic

from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db

PUBLIC, NETWORK = SharingScope.PUBLIC, SharingScope.NETWORK


def _items(network, scope):
    teacher = make_teacher(network.city, "王公开", scope=scope, phone="13800001234", email="wang@example.cn")
    return {
        "teacher": (f"/faculty/{teacher.pk}/", "王公开"),
        "topic": (f"/topics/{make_topic(network.city, '公开讲题', scope=scope).pk}/", "公开讲题"),
        "course": (f"/courses/{make_course(network.city, '公开课程', scope=scope).pk}/", "公开课程"),
        "project": (
            f"/research/{make_project(network.city, '公开课题', teacher, scope=scope).pk}/",
            "公开课题",
        ),
        "output": (f"/research/outputs/{make_output(network.city, '公开成果', scope=scope).pk}/", "公开成果"),
    }


@pytest.mark.parametrize("kind", ["teacher", "topic", "course", "project", "output"])
def test_public_item_opens_without_signing_in(network, kind):
    url, title = _items(network, PUBLIC)[kind]
    response = Client().get(url)
    assert response.status_code == 200, url
    body = response.content.decode()
    assert title in body
    assert '<a href="/accounts/login/">登录</a>' in body


def test_public_teacher_shows_no_contact_details_to_visitors(network):
    url, _ = _items(network, PUBLIC)["teacher"]
    body = Client().get(url).content.decode()
    assert "teacher-phone" not in body and "teacher-email" not in body
    assert "1234" not in body and "example.cn" not in body


@pytest.mark.parametrize("kind", ["teacher", "topic", "course", "project", "output"])
def test_item_not_public_sends_the_visitor_to_sign_in(network, kind):
    url, title = _items(network, NETWORK)[kind]
    response = Client().get(url)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    missing = url.rstrip("/").rsplit("/", 1)[0] + "/999999/"
    gone = Client().get(missing)
    assert (gone.status_code, gone["Location"]) == (302, f"/accounts/login/?next={missing}")
