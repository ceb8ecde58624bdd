"""Course API: contract (shapes, status codes, error shape), scope leaks, writes through the services."""

import pytest
from django.test import Client
from tests.factories import member
from tests.factories.courses import BankTeacherFactory, CourseFactory

from yiwang.accounts.services import create_api_token
from yiwang.courses.enums import CourseStatus
from yiwang.courses.models import Course, CourseMaterial

pytestmark = pytest.mark.django_db

NOT_FOUND = {"error": {"code": "not_found", "message": "未找到该记录，或您无权查看。"}}


def api(user=None) -> Client:
    if user is None:
        return Client()
    _, key = create_api_token(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.mark.parametrize(
    "who", ["city teacher", "branch staff", "alliance school", "supported school", "stranger"]
)
def test_api_list_and_detail_respect_scope(leaky, viewers, who):
    user, sees_own, sees_partners = viewers[who]
    client = api(user)
    data = client.get("/api/v1/courses/").json()
    expected = sorted(
        [leaky.public.pk]
        + ([leaky.own.pk] if sees_own else [])
        + ([leaky.partners.pk] if sees_partners else [])
    )
    assert sorted(item["id"] for item in data["items"]) == expected
    assert data["count"] == len(expected)
    for course, sees in ((leaky.own, sees_own), (leaky.partners, sees_partners)):
        response = client.get(f"/api/v1/courses/{course.pk}")
        assert response.status_code == (200 if sees else 404)
        materials = client.get(f"/api/v1/courses/{course.pk}/materials")
        assert materials.status_code == (200 if sees else 404)
        if not sees:
            assert response.json() == NOT_FOUND
    modules = {m["name"]: m["course_count"] for m in client.get("/api/v1/courses/modules").json()}
    assert modules == {"英雄城市·薪火永续": int(sees_own) + int(sees_partners)}


def test_anonymous_sees_only_public_and_cannot_write(leaky, network):
    client = api()
    assert [c["title"] for c in client.get("/api/v1/courses/").json()["items"]] == [
        "公开课程：北京路文化核心区"
    ]
    assert client.get(f"/api/v1/courses/{leaky.own.pk}").status_code == 404
    assert client.get("/api/v1/courses/modules").status_code == 401
    response = client.post(
        "/api/v1/courses/", {"school": "city", "title": "x"}, content_type="application/json"
    )
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"


def test_course_detail_contract(leaky):
    data = api(leaky.city_staff).get(f"/api/v1/courses/{leaky.partners.pk}").json()
    material = leaky.materials[leaky.partners.pk]
    assert data == {
        "id": leaky.partners.pk,
        "title": "协作课程：黄埔军校旧址",
        "module_id": leaky.module.pk,
        "module_name": "英雄城市·薪火永续",
        "kind": "classroom",
        "kind_label": "课堂教学",
        "place_name": "",
        "place_address": "",
        "summary": "",
        "keywords": "",
        "owner_school_code": "city",
        "co_school_codes": [],
        "teachers": [{"id": leaky.teacher.pk, "name": "林秀文", "school_code": "city"}],
        "status": "published",
        "status_label": "发布",
        "scope": "partners",
        "scope_label": "协作",
        "created_at": data["created_at"],
        "updated_at": data["updated_at"],
        "shared_alliance_ids": [leaky.partners.shared_alliances.get().pk],
        "shared_partnership_ids": [],
        "materials": [
            {
                "id": material.pk,
                "kind": "lesson_plan",
                "kind_label": "教案",
                "title": "教案",
                "version": 1,
                "has_file": True,
                "file_name": "教案.pdf",
                "size_bytes": material.size_bytes,
                "link": "",
                "download_url": f"/courses/materials/{material.pk}/download/",
                "note": "",
                "uploaded_by": leaky.city_staff.full_name,
                "uploaded_at": data["materials"][0]["uploaded_at"],
            }
        ],
        "can_edit": True,
    }


def test_create_update_status_retire_through_api(network):
    staff = member(network.city, is_teaching_staff=True)
    teacher = BankTeacherFactory(owner_school=network.city)
    client = api(staff)
    response = client.post(
        "/api/v1/courses/",
        {
            "school": "city",
            "title": "永庆坊现场教学",
            "kind": "field",
            "place_name": "永庆坊",
            "teacher_ids": [teacher.pk],
            "co_school_codes": ["city-a"],
            "scope": "partners",
            "alliance_ids": [network.alliance.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["status"], created["co_school_codes"], created["shared_alliance_ids"]) == (
        "draft",
        ["city-a"],
        [network.alliance.pk],
    )
    pk = created["id"]
    response = client.patch(
        f"/api/v1/courses/{pk}",
        {"summary": "城市更新中的群众路线", "scope": "network"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert (response.json()["summary"], response.json()["scope"], response.json()["shared_alliance_ids"]) == (
        "城市更新中的群众路线",
        "network",
        [],
    )
    reviewer = api(member(network.city, is_teaching_staff=True))
    for to in ("review", "published", "featured"):
        assert (client if to == "review" else reviewer).post(
            f"/api/v1/courses/{pk}/status", {"status": to}, content_type="application/json"
        ).json()["status"] == to
    response = client.post(
        f"/api/v1/courses/{pk}/status", {"status": "draft"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "error": {"code": "conflict", "field": "status", "message": "课程当前为“精品课”，不能改为“草稿”。"}
    }
    assert client.post(f"/api/v1/courses/{pk}/retire").json()["status"] == "retired"
    assert Course.objects.get(pk=pk).status == CourseStatus.RETIRED


def test_api_bad_input_gets_chinese_message_and_changes_nothing(network, leaky):
    client = api(member(network.city, is_teaching_staff=True))
    cases = [
        ({"school": "nowhere", "title": "x"}, 400, "invalid", "未知的学校代码“nowhere”。"),
        ({"school": "city", "title": " "}, 400, "invalid", "请填写课程名称。"),
        (
            {"school": "city", "title": "x", "co_school_codes": ["zzz"]},
            400,
            "invalid",
            "未知的学校代码“zzz”。",
        ),
        (
            {"school": "stranger", "title": "x"},
            403,
            "forbidden",
            "只有中共无关市委党校的管理员、教务、培训或科研人员可以添加课程。",
        ),
        (
            {"school": "city", "title": "x", "kind": "lecture"},
            422,
            "validation_error",
            "请求参数不正确，请检查后重试。",
        ),
        (
            {"school": "city", "title": "x", "teacher_ids": [2**70]},
            422,
            "validation_error",
            "请求参数不正确，请检查后重试。",
        ),
    ]
    before = Course.objects.count()
    for payload, status, code, message in cases:
        response = client.post("/api/v1/courses/", payload, content_type="application/json")
        assert response.status_code == status, payload
        assert (response.json()["error"]["code"], response.json()["error"]["message"]) == (code, message)
    assert Course.objects.count() == before
    for query, message in (
        ("page=0", "页码应从 1 开始。"),
        (f"page={10**30}", "页码不能超过 1000000。"),
        ("page_size=101", "每页条数应在 1 到 100 之间。"),
    ):
        response = client.get(f"/api/v1/courses/?{query}")
        assert (response.status_code, response.json()["error"]["message"]) == (400, message)
    assert client.get(f"/api/v1/courses/{2**64}").status_code == 422
    assert client.get("/api/v1/courses/?q=%00%00").status_code == 200


def test_upload_material_via_api_adds_version(leaky):
    client = api(leaky.city_staff)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/api/v1/courses/{leaky.own.pk}/materials",
        {"kind": "lesson_plan", "title": "教案", "file": SimpleUploadedFile("教案2.pdf", b"%PDF-2")},
    )
    assert response.status_code == 201
    assert (response.json()["version"], response.json()["file_name"]) == (2, "教案2.pdf")
    response = client.post(
        f"/api/v1/courses/{leaky.own.pk}/materials",
        {"kind": "video", "title": "实录", "file": SimpleUploadedFile("a.mp4", b"\x00\x00")},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "视频只能以链接形式提供，请填写视频链接，不要上传视频文件。"
    assert CourseMaterial.objects.filter(course=leaky.own).count() == 2


def test_api_list_filters_and_query_count(network, django_assert_max_num_queries):
    staff = member(network.city, is_teaching_staff=True)
    teacher = BankTeacherFactory(owner_school=network.city)
    client = api(staff)
    for i in range(30):
        CourseFactory(
            owner_school=network.city if i % 2 else network.branch_a,
            title=f"课程{i:02d}",
            kind="field" if i % 3 == 0 else "classroom",
            teachers=[teacher],
            co_schools=[network.far],
        )
    data = client.get("/api/v1/courses/?school=city&kind=field&sort=title&page_size=5").json()
    assert data["count"] == 5
    assert [c["title"] for c in data["items"]] == ["课程03", "课程09", "课程15", "课程21", "课程27"]
    client.get("/api/v1/courses/?page_size=3")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/courses/?page_size=3")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get("/api/v1/courses/?page_size=30").json()["items"]) == 30


def test_api_list_pages_have_the_one_bank_page_shape(network):
    """Courses and research lists answer like faculty and topics: capped count, page, page size, pages."""
    for i in range(5):
        CourseFactory(owner_school=network.city, title=f"课程{i}", scope="network")
    client = api(member(network.city))
    data = client.get("/api/v1/courses/?page=2&page_size=2&sort=title").json()
    assert {k: v for k, v in data.items() if k != "items"} == {
        "count": 5,
        "count_capped": False,
        "page": 2,
        "page_size": 2,
        "num_pages": 3,
    }
    assert [c["title"] for c in data["items"]] == ["课程2", "课程3"]
    past = client.get("/api/v1/courses/?page=9&page_size=2").json()
    assert (past["count"], past["page"], past["items"]) == (5, 9, [])
    for path in (
        "/api/v1/research/projects",
        "/api/v1/research/outputs",
        "/api/v1/faculty/",
        "/api/v1/topics/",
    ):
        body = client.get(f"{path}?page_size=3").json()
        assert set(body) == {"count", "count_capped", "page", "page_size", "num_pages", "items"}, path
        assert (body["page"], body["page_size"]) == (1, 3), path
