"""API contract: /api/v1/classes/… — lists and details with visibility, sign-up, cancel, mine, check-in, 评课."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from tests.factories import member
from tests.factories.classes import confirmed, now_session, open_session

from yiwang.accounts.services import create_api_token
from yiwang.classes import tokens
from yiwang.classes.models import CheckIn, Evaluation, SignUp
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db

API = "/api/v1/classes"
SCORES = {"relevance": 18, "theory": 17, "information": 16, "delivery": 19, "manner": 20}


def bearer(user) -> dict:
    _, key = create_api_token(user=user, name="测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_sessions_list_shape(network, visitor, client):
    session = open_session(network.city, title="基层治理创新", place="越秀区现场教学点")
    day = session.date
    body = client.get(f"{API}/sessions?start={day}&end={day}", **bearer(visitor)).json()
    assert body == [
        {
            "id": session.pk,
            "class_id": session.training_class_id,
            "class_name": session.training_class.name,
            "school_code": "city",
            "date": day.isoformat(),
            "starts_at": timezone.localtime(session.starts_at).isoformat(),
            "ends_at": timezone.localtime(session.ends_at).isoformat(),
            "title": "基层治理创新",
            "topic_id": None,
            "teacher_id": None,
            "lecturer": "",
            "place": "越秀区现场教学点",
            "form": "lecture",
            "form_label": "专题讲授",
            "module_id": None,
            "credit_hours": 2.5,
            "is_open": True,
            "visiting_seats": 5,
            "seats_taken": 0,
            "seats_left": 5,
            "requires_approval": False,
            "quota_per_school": None,
            "signup_opens_at": None,
            "signup_closes_at": None,
            "is_cancelled": False,
            "sequence": 0,
        }
    ]


def test_window_too_long_refused_in_chinese(network, visitor, client):
    response = client.get(f"{API}/sessions?start=2026-01-01&end=2026-06-01", **bearer(visitor))
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "invalid", "message": "一次最多查询 62 天的课程。", "field": "end"}
    }


def test_class_detail_lists_sessions(network, visitor, client):
    session = open_session(network.city)
    body = client.get(f"{API}/classes/{session.training_class_id}", **bearer(visitor)).json()
    assert (body["school_code"], body["status"], body["status_label"], body["session_count"]) == (
        "city",
        "published",
        "发布",
        1,
    )
    assert [s["id"] for s in body["sessions"]] == [session.pk]


def test_sign_up_then_full_then_cancel_promotes(network, client):
    session = open_session(network.city, seats=1)
    first, second = member(network.branch_a, is_teacher=True), member(network.branch_b, is_teacher=True)
    r1 = client.post(f"{API}/sessions/{session.pk}/sign-ups", **bearer(first))
    assert r1.status_code == 201
    assert {
        k: r1.json()[k]
        for k in ("status", "status_label", "waitlist_position", "home_school_code", "message")
    } == {
        "status": "confirmed",
        "status_label": "已确认",
        "waitlist_position": None,
        "home_school_code": "city-a",
        "message": "报名成功，席位已确认。",
    }
    r2 = client.post(f"{API}/sessions/{session.pk}/sign-ups", **bearer(second))
    assert (r2.status_code, r2.json()["status"], r2.json()["waitlist_position"]) == (201, "waitlisted", 1)
    again = client.post(f"{API}/sessions/{session.pk}/sign-ups", **bearer(second))
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "already_signed_up",
        "message": "您已报名这堂课（当前状态：候补），无需重复报名。",
    }
    cancel = client.post(f"{API}/sign-ups/{r1.json()['id']}/cancel", **bearer(first))
    assert cancel.json()["status"] == "cancelled"
    mine = client.get(f"{API}/sign-ups/mine", **bearer(second)).json()
    assert [(m["session_id"], m["status"]) for m in mine] == [(session.pk, "confirmed")]


def test_sign_up_needs_auth_and_visibility(network, client):
    hidden = open_session(network.city, scope=SharingScope.SCHOOL)
    assert client.post(f"{API}/sessions/{hidden.pk}/sign-ups").status_code == 401
    response = client.post(
        f"{API}/sessions/{hidden.pk}/sign-ups", **bearer(member(network.branch_a, is_teacher=True))
    )
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "未找到该记录，或您无权查看。"
    assert SignUp.objects.count() == 0


def test_closed_window_via_api(network, visitor, client):
    session = open_session(network.city, signup_closes_at=timezone.now() - timedelta(minutes=5))
    response = client.post(f"{API}/sessions/{session.pk}/sign-ups", **bearer(visitor))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "window_closed"
    assert response.json()["error"]["message"].startswith("报名已于 ")


def test_check_in_via_api(network, visitor, client):
    session = now_session(network.city)
    entry = confirmed(session, visitor, network.branch_a)
    response = client.post(
        f"{API}/check-ins",
        {"token": tokens.qr_token(session)},
        content_type="application/json",
        **bearer(visitor),
    )
    assert response.status_code == 201
    assert (response.json()["sign_up_id"], response.json()["hours"]) == (entry.pk, 2.5)
    forged = client.post(
        f"{API}/check-ins", {"token": "1:x:y"}, content_type="application/json", **bearer(visitor)
    )
    assert forged.status_code == 400
    assert forged.json()["error"] == {
        "code": "bad_qr",
        "message": "二维码无效或已过期，请重新扫描教室里展示的二维码。",
    }
    assert CheckIn.objects.count() == 1


def test_anonymous_evaluation_via_api(network, client):
    cache.clear()
    session = now_session(network.city)
    issued = client.post(
        f"{API}/evaluations/tickets", {"token": tokens.qr_token(session)}, content_type="application/json"
    )
    assert issued.status_code == 201
    payload = {
        "token": tokens.qr_token(session),
        "device_id": "a" * 20,
        "ticket": issued.json()["ticket"],
        **SCORES,
        "comment": "好",
    }
    response = client.post(f"{API}/evaluations", payload, content_type="application/json")
    assert response.status_code == 201 and response.json()["total"] == 90
    second = client.post(f"{API}/evaluations", payload, content_type="application/json")
    assert second.status_code == 409 and second.json()["error"]["code"] == "already_rated"
    no_device = client.post(
        f"{API}/evaluations", {**payload, "device_id": ""}, content_type="application/json"
    )
    assert no_device.status_code == 400 and no_device.json()["error"]["field"] == "device_id"
    bad = client.post(
        f"{API}/evaluations",
        {**payload, "device_id": "b" * 20, "theory": 99},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == {
        "code": "invalid",
        "message": "“理论性”请打 0–20 分之间的整数。",
        "field": "theory",
    }
    assert Evaluation.objects.count() == 1


def test_openapi_lists_the_classes_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    wanted = {
        "/api/v1/classes/classes",
        "/api/v1/classes/sessions",
        "/api/v1/classes/sessions/{session_id}/sign-ups",
        "/api/v1/classes/sign-ups/{sign_up_id}/cancel",
        "/api/v1/classes/sign-ups/mine",
        "/api/v1/classes/check-ins",
        "/api/v1/classes/evaluations",
    }
    assert wanted <= set(paths)
    assert re.search("同听一堂课", str(paths["/api/v1/classes/sessions"]))
