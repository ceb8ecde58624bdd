"""Issue 10 part 3: error pages and API errors in Chinese, the empty choice of forms in Chinese."""

import json

import pytest
from django import forms
from django.test import Client
from tests.factories import member

from yiwang.core.api_messages import validation_reason
from yiwang.network.models import School

pytestmark = pytest.mark.django_db


def test_unknown_page_is_the_chinese_404_in_the_site_layout(client, network):
    client.force_login(member(network.city))
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "<title>页面不存在 · 一网 党校资源共享平台</title>" in body
    assert 'class="site-header"' in body
    assert '<a class="btn" href="/">返回首页</a>' in body
    assert "Not Found" not in body


def test_a_refused_record_is_the_same_chinese_404(client, network):
    client.force_login(member(network.far))
    response = client.get("/classes/sessions/999999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_server_error_is_the_chinese_500_in_the_site_layout():
    from django.test import RequestFactory

    from yiwang.portal.views import server_error

    response = server_error(RequestFactory().get("/classes/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "<title>服务器出错 · 一网 党校资源共享平台</title>" in body
    assert 'class="site-header"' in body and '<a class="btn" href="/">返回首页</a>' in body


def test_api_server_error_uses_the_json_error_shape():
    from django.test import RequestFactory

    from yiwang.portal.views import server_error

    response = server_error(RequestFactory().get("/api/v1/classes/sessions"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "error": {"code": "server_error", "message": "服务器处理请求时出错，错误已记录，请稍后重试。"}
    }


@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_api_path_answers_in_the_json_error_shape(method):
    response = getattr(Client(), method)("/api/v1/nothing")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": f"接口不存在：{method.upper()} /api/v1/nothing。接口列表见 /api/v1/openapi.json。",
        }
    }


def test_api_validation_errors_have_chinese_reasons(network):
    client = Client()
    client.force_login(member(network.city, is_teaching_staff=True))
    response = client.post(
        "/api/v1/courses/", {"school": "city", "kind": "lecture"}, content_type="application/json"
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("validation_error", "请求参数不正确，请检查后重试。")
    reasons = {d["field"]: d["reason"] for d in error["details"]}
    assert reasons["title"] == "必填项"
    assert reasons["kind"].startswith("应为以下之一：")
    assert all(not any("a" <= ch.lower() <= "z" for ch in r.split("：")[0]) for r in reasons.values())


def test_api_bad_page_number_type_is_chinese(network):
    client = Client()
    client.force_login(member(network.city))
    response = client.get("/api/v1/network/schools?page=abc")
    if response.status_code == 200:  # the schools list takes no paging: use a paged one
        response = client.get("/api/v1/courses/?page=abc")
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [{"field": "page", "reason": "应为整数"}]


@pytest.mark.parametrize(
    "error, reason",
    [
        ({"type": "missing"}, "必填项"),
        ({"type": "string_too_long", "ctx": {"max_length": 200}}, "不能超过 200 个字符"),
        ({"type": "greater_than_equal", "ctx": {"ge": 1}}, "不能小于 1"),
        ({"type": "less_than_equal", "ctx": {"le": 500}}, "不能大于 500"),
        (
            {"type": "enum", "ctx": {"expected": "'main', 'young' or 'seminar'"}},
            "应为以下之一：main、young、seminar",
        ),
        ({"type": "value_error", "ctx": {"error": ValueError("学校代码无效")}}, "学校代码无效"),
        ({"type": "value_error", "ctx": {"error": ValueError("bad")}}, "取值不正确"),
        ({"type": "something_new", "msg": "Something new"}, "格式不正确"),
    ],
)
def test_validation_reason_is_chinese(error, reason):
    assert validation_reason(error) == reason


def test_empty_choice_of_a_select_is_chinese():
    class PickSchool(forms.Form):
        school = forms.ModelChoiceField(label="学校", queryset=School.objects.none(), required=False)

    assert '<option value="" selected>- 请选择 -</option>' in str(PickSchool()["school"])


def test_latin_text_gate_flags_interface_words_not_codes_or_allowed_names():
    from tests.browser.latin_text import latin_words

    texts = [
        "- Select an option -",
        "导出 Excel",
        "用户名 gz-panyu-t1，邮箱 wang@example.cn，文件 课程表.xlsx",
        "iCal 订阅 · QR 二维码 · 3 km",
        "Submit",
    ]
    assert latin_words(texts) == ["Select", "an", "option", "Submit"]
