"""Course pages: lists, detail, downloads and exports respect the sharing scope; query-count guard."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from tests.factories import member
from tests.factories.courses import BankTeacherFactory, CourseFactory

from yiwang.courses.enums import CourseStatus
from yiwang.courses.models import Course, CourseMaterial
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db

WHO = ["city teacher", "branch staff", "alliance school", "supported school", "stranger"]


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8")


def export_titles(response) -> list[str]:
    sheet = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    title_col = rows[0].index("课程名称")
    return sorted(r[title_col] for r in rows[1:])


@pytest.mark.parametrize("who", WHO)
def test_course_list_detail_export_and_counts_respect_scope(client_for, leaky, viewers, who):
    user, sees_own, sees_partners = viewers[who]
    client = client_for(user)
    expected = sorted(
        [leaky.public.title]
        + ([leaky.own.title] if sees_own else [])
        + ([leaky.partners.title] if sees_partners else [])
    )
    page = client.get("/courses/")
    assert page.status_code == 200
    html = body(page)
    for course in (leaky.own, leaky.partners, leaky.public):
        assert (course.title in html) == (course.title in expected)
    assert f"共 {len(expected)} 门课程" in html
    assert export_titles(client.get("/courses/export/")) == expected
    for course, sees in ((leaky.own, sees_own), (leaky.partners, sees_partners)):
        assert client.get(f"/courses/{course.pk}/").status_code == (200 if sees else 404)
        material = leaky.materials[course.pk]
        download = client.get(f"/courses/materials/{material.pk}/download/")
        assert download.status_code == (200 if sees else 404)
        if sees:
            assert body(download) == "%PDF-1.4 secret " + course.title
    module_page = body(client.get(f"/courses/modules/{leaky.module.pk}/"))
    visible_in_module = int(sees_own) + int(sees_partners)
    assert f"本模块共 {visible_in_module} 门您可查看的已发布课程" in module_page
    assert f"{visible_in_module} 门课程" in body(client.get("/courses/modules/"))


def test_anonymous_is_sent_to_sign_in(client, leaky):
    for url in (
        "/courses/",
        f"/courses/{leaky.own.pk}/",
        "/courses/export/",
        f"/courses/materials/{leaky.materials[leaky.own.pk].pk}/download/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # A 公开 course's page opens without signing in (issue 10 part 4).
    assert client.get(f"/courses/{leaky.public.pk}/").status_code == 200


def test_drafts_and_retired_only_for_editors(client_for, network):
    co = CourseFactory(
        owner_school=network.city,
        title="共建草稿",
        status=CourseStatus.DRAFT,
        scope=SharingScope.NETWORK,
        co_schools=[network.far],
    )
    retired = CourseFactory(
        owner_school=network.city, title="已停用课程", status=CourseStatus.RETIRED, scope=SharingScope.NETWORK
    )
    far_staff, far_teacher = member(network.far, is_research_staff=True), member(network.far, is_teacher=True)
    assert "共建草稿" in body(client_for(far_staff).get("/courses/"))
    assert client_for(far_staff).get(f"/courses/{co.pk}/").status_code == 200
    assert client_for(far_staff).get(f"/courses/{retired.pk}/").status_code == 404
    client = client_for(far_teacher)
    assert "共建草稿" not in body(client.get("/courses/?status=all"))
    assert client.get(f"/courses/{co.pk}/").status_code == 404
    city_staff = member(network.city, is_school_admin=True)
    assert "已停用课程" in body(client_for(city_staff).get("/courses/?status=retired"))


def test_course_list_query_count_same_for_3_and_30_rows(client_for, network, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    viewer = member(network.branch_a, is_teaching_staff=True)
    teacher = BankTeacherFactory(owner_school=network.city)
    client = client_for(viewer)

    def make(n):
        for _ in range(n):
            CourseFactory(
                owner_school=network.city,
                scope=SharingScope.SYSTEM,
                teachers=[teacher],
                co_schools=[network.branch_b],
            )

    make(3)
    client.get("/courses/")
    with CaptureQueriesContext(connection) as three:
        assert client.get("/courses/").status_code == 200
    make(27)
    with django_assert_max_num_queries(len(three.captured_queries)):
        response = client.get("/courses/")
    assert "共 30 门课程" in body(response)


def test_create_edit_and_upload_through_pages(client_for, network):
    staff = member(network.city, is_teaching_staff=True)
    client = client_for(staff)
    response = client.post(
        "/courses/new/",
        {
            "school": network.city.pk,
            "title": "南沙自贸区展厅现场教学",
            "kind": "field",
            "place_name": "南沙自贸区展厅",
            "scope": "network",
        },
    )
    course = Course.objects.get(title="南沙自贸区展厅现场教学")
    assert response.status_code == 302 and response["Location"] == f"/courses/{course.pk}/"
    assert (course.owner_school, course.status, course.scope) == (network.city, CourseStatus.DRAFT, "network")
    response = client.post(
        f"/courses/{course.pk}/edit/",
        {"title": "南沙自贸区展厅现场教学", "kind": "field", "place_name": "", "scope": "network"},
    )
    assert response.status_code == 400
    assert "现场教学课程请填写现场教学点名称。" in body(response)
    upload = SimpleUploadedFile("课件.pptx", b"PK\x03\x04slides")
    response = client.post(
        f"/courses/{course.pk}/materials/", {"kind": "slides", "title": "课件", "file": upload}
    )
    assert response.status_code == 302
    bad = SimpleUploadedFile("视频.mp4", b"\x00\x00\x00\x18ftypmp42")
    response = client.post(
        f"/courses/{course.pk}/materials/", {"kind": "slides", "title": "课件", "file": bad}
    )
    assert response.status_code == 400 and "不支持的资料文件类型“mp4”" in body(response)
    assert list(CourseMaterial.objects.values_list("title", "version")) == [("课件", 1)]
    client.post(f"/courses/{course.pk}/status/", {"to": "review"})
    client.post(f"/courses/{course.pk}/status/", {"to": "featured"})
    course.refresh_from_db()
    assert course.status == CourseStatus.REVIEW
    detail = body(client.get(f"/courses/{course.pk}/"))
    assert "课程当前为“审核中”，不能改为“精品课”。" in detail


def test_other_school_staff_cannot_edit_through_pages(client_for, leaky, network):
    client = client_for(member(network.branch_a, is_school_admin=True))
    response = client.post(
        f"/courses/{leaky.partners.pk}/edit/", {"title": "改名", "kind": "classroom", "scope": "public"}
    )
    assert response.status_code == 302
    leaky.partners.refresh_from_db()
    assert (leaky.partners.title, leaky.partners.scope) == ("协作课程：黄埔军校旧址", SharingScope.PARTNERS)
    response = client.post(
        f"/courses/{leaky.partners.pk}/materials/",
        {"kind": "other", "title": "x", "link": "https://example.cn/x"},
    )
    assert response.status_code == 400
    assert "只有所属学校或共建学校的管理员、教务、培训、科研人员可以上传课程资料。" in body(response)
    assert CourseMaterial.objects.filter(course=leaky.partners).count() == 1
