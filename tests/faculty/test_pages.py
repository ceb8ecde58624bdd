"""Faculty pages: list, detail, create, edit, retire, export; leaks, masking, query counts."""

import io

import pytest
from python_calamine import CalamineWorkbook
from tests.factories import member
from tests.factories.faculty import TeacherFactory
from tests.factories.topics import TopicFactory

from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db


def sheet_rows(response) -> list[list]:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return list(workbook.get_sheet_by_index(0).iter_rows())


@pytest.fixture
def secret_teachers(network):
    """A 本校 teacher and a 协作 teacher (shared with the alliance) of the city school."""
    own = TeacherFactory(owner_school=network.city, scope=SharingScope.SCHOOL, name="秘密甲")
    shared = TeacherFactory(owner_school=network.city, scope=SharingScope.PARTNERS, name="协作乙")
    shared.shared_alliances.set([network.alliance])
    return own, shared


def test_scoped_teachers_never_reach_wrong_school(client_for, network, secret_teachers):
    own, shared = secret_teachers
    client = client_for(member(network.stranger, is_school_admin=True))
    page = client.get("/faculty/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "秘密甲" not in body and "协作乙" not in body
    assert "共 0 位教师" in body
    for teacher in (own, shared):
        assert client.get(f"/faculty/{teacher.pk}/").status_code == 404
        assert client.get(f"/faculty/{teacher.pk}/edit/").status_code == 404
        assert client.get(f"/api/v1/faculty/{teacher.pk}").status_code == 404
    api = client.get("/api/v1/faculty/").json()
    assert (api["count"], api["items"]) == (0, [])
    assert sheet_rows(client.get("/faculty/export/"))[1:] == []


def test_partner_school_sees_shared_but_not_school_scoped(client_for, network, secret_teachers):
    own, shared = secret_teachers
    client = client_for(member(network.far, is_teacher=True))
    body = client.get("/faculty/").content.decode()
    assert "协作乙" in body and "秘密甲" not in body
    assert "共 1 位教师" in body
    assert client.get(f"/faculty/{own.pk}/").status_code == 404
    assert [r[0] for r in sheet_rows(client.get("/faculty/export/"))[1:]] == ["协作乙"]
    assert [t["name"] for t in client.get("/api/v1/faculty/").json()["items"]] == ["协作乙"]


def test_branch_sees_partners_scope_but_not_school_scope(client_for, network, secret_teachers):
    client = client_for(member(network.branch_a, is_teacher=True))
    body = client.get("/faculty/").content.decode()
    assert "协作乙" in body and "秘密甲" not in body


def test_contacts_masked_outside_owner_school(client_for, network):
    teacher = TeacherFactory(
        owner_school=network.city, scope=SharingScope.NETWORK, phone="13812345678", email="zhang@example.com"
    )
    outsider = client_for(member(network.far))
    body = outsider.get(f"/faculty/{teacher.pk}/").content.decode()
    assert "138****5678" in body and "z***@example.com" in body and "13812345678" not in body
    assert "13812345678" not in outsider.get("/faculty/").content.decode()
    data = outsider.get(f"/api/v1/faculty/{teacher.pk}").json()
    assert (data["phone"], data["email"]) == ("138****5678", "z***@example.com")
    row = sheet_rows(outsider.get("/faculty/export/"))[1]
    assert "138****5678" in row and "z***@example.com" in row and "13812345678" not in row
    insider = client_for(member(network.city))
    assert "13812345678" in insider.get(f"/faculty/{teacher.pk}/").content.decode()


def test_list_query_count_same_for_few_and_many(client_for, network, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(member(network.city, is_teaching_staff=True))
    TeacherFactory.create_batch(3, owner_school=network.city)
    client.get("/faculty/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/faculty/?sort=school").status_code == 200
    TeacherFactory.create_batch(27, owner_school=network.branch_a)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/faculty/?sort=school")
    assert "共 30 位教师" in response.content.decode()
    assert len(many) == len(few)
    with django_assert_max_num_queries(len(few)):
        client.get("/faculty/?sort=school")


def test_filters_and_pinyin_search(client_for, network):
    TeacherFactory(owner_school=network.city, name="张宏伟", title="professor")
    TeacherFactory(owner_school=network.branch_a, name="李娜", is_invited=True, employer="广州市农业农村局")
    client = client_for(member(network.city))
    assert "张宏伟" in client.get("/faculty/?q=zhw").content.decode()
    assert "李娜" not in client.get("/faculty/?q=zhw").content.decode()
    assert "共 1 位教师" in client.get("/faculty/?q=zhanghong").content.decode()
    assert "共 1 位教师" in client.get("/faculty/?invited=1").content.decode()
    assert "共 1 位教师" in client.get("/faculty/?school=city-a").content.decode()
    assert "共 1 位教师" in client.get("/faculty/?title=professor").content.decode()


def test_profile_gathers_visible_topics_only(client_for, network):
    teacher = TeacherFactory(owner_school=network.city, scope=SharingScope.NETWORK, name="张宏伟")
    TopicFactory(owner_school=network.city, scope=SharingScope.NETWORK, title="公开讲题", teachers=[teacher])
    TopicFactory(owner_school=network.city, scope=SharingScope.SCHOOL, title="本校讲题", teachers=[teacher])
    body = client_for(member(network.far)).get(f"/faculty/{teacher.pk}/").content.decode()
    assert "公开讲题" in body and "本校讲题" not in body


def test_staff_creates_teacher_through_page(client_for, network):
    staff = member(network.branch_a, is_teaching_staff=True)
    client = client_for(staff)
    assert client.get("/faculty/new/").status_code == 200
    response = client.post("/faculty/new/", {"name": "陈静", "title": "lecturer", "scope": "partners"})
    assert response.status_code == 400
    assert "“协作”范围需至少选择一个联盟或对口支援关系。" in response.content.decode()
    assert Teacher.objects.count() == 0
    response = client.post(
        "/faculty/new/", {"name": "陈静", "title": "lecturer", "scope": "system", "phone": "13900001111"}
    )
    teacher = Teacher.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/faculty/{teacher.pk}/"
    assert (teacher.owner_school, teacher.name_pinyin) == (network.branch_a, "chenjing")


def test_outsider_cannot_edit_through_page(client_for, network):
    teacher = TeacherFactory(owner_school=network.city, scope=SharingScope.NETWORK, bio="原简介")
    client = client_for(member(network.far, is_teaching_staff=True))
    response = client.post(f"/faculty/{teacher.pk}/edit/", {"name": "改名", "title": "other"}, follow=True)
    assert "只有本人或所属学校的管理员、教务、培训、科研人员可以修改教师信息。" in response.content.decode()
    teacher.refresh_from_db()
    assert (teacher.name, teacher.bio) != ("改名", "")
    assert client.post(f"/faculty/{teacher.pk}/retire/").status_code == 302
    teacher.refresh_from_db()
    assert teacher.is_active


def test_staff_retires_teacher_through_page(client_for, network):
    teacher = TeacherFactory(owner_school=network.city, scope=SharingScope.NETWORK)
    client = client_for(member(network.city, is_school_admin=True))
    assert client.post(f"/faculty/{teacher.pk}/retire/").status_code == 302
    teacher.refresh_from_db()
    assert not teacher.is_active
    assert "共 0 位教师" in client.get("/faculty/").content.decode()
    assert "共 1 位教师" in client.get("/faculty/?status=retired").content.decode()
    other = client_for(member(network.branch_a, is_school_admin=True))
    assert other.get(f"/faculty/{teacher.pk}/").status_code == 404


def test_domain_errors_a_page_lets_through_become_404_and_403(rf):
    """One middleware maps refusals for every page: NotFoundError → 404, PermissionDeniedError → 403."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from yiwang.core.errors import DomainError, NotFoundError, PermissionDeniedError
    from yiwang.core.middleware import DomainErrorPagesMiddleware

    middleware = DomainErrorPagesMiddleware(lambda request: None)
    request = rf.get("/faculty/1/")
    with pytest.raises(Http404, match="未找到该记录，或您无权查看。"):
        middleware.process_exception(request, NotFoundError())
    with pytest.raises(PermissionDenied, match="只有本校人员可以查看。"):
        middleware.process_exception(request, PermissionDeniedError("只有本校人员可以查看。"))
    assert middleware.process_exception(request, DomainError("别的拒绝")) is None
    assert middleware.process_exception(request, ValueError()) is None


def test_missing_teacher_pages_and_import_jobs_are_404(client_for, network):
    client = client_for(member(network.city, is_school_admin=True))
    for path in ("/faculty/999999/", "/faculty/999999/edit/", "/faculty/999999/retire/"):
        assert client.get(path).status_code == 404, path
    job = "00000000-0000-0000-0000-000000000000"
    for path in (f"/faculty/import/{job}/", f"/topics/import/{job}/", f"/courses/import/{job}/"):
        assert client.get(path).status_code == 404, path
