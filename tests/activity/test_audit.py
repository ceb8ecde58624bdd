import io

import pytest
from django.db import DatabaseError, transaction
from openpyxl import load_workbook
from tests.factories import SchoolFactory, UserFactory, member, platform_admin

from yiwang.accounts.enums import PlatformRoleKind
from yiwang.activity.models import AuditRecord
from yiwang.activity.services import record_audit
from yiwang.network import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    sysadmin = platform_admin(PlatformRoleKind.SYSTEM)
    sysadmin.full_name = "周建国"
    sysadmin.save()
    services.create_school(
        by=sysadmin, code="a1", name="甲党校", short_name="甲", level="city", province="广东省"
    )
    services.create_school(
        by=sysadmin, code="b1", name="乙党校", short_name="乙", level="city", province="四川省"
    )
    return sysadmin


def test_write_and_audit_share_one_transaction():
    sysadmin = platform_admin(PlatformRoleKind.SYSTEM)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.create_school(
            by=sysadmin, code="gone", name="回滚党校", short_name="回滚", level="city", province="广东省"
        )
        raise RuntimeError("boom")
    assert not AuditRecord.objects.filter(action="school.created").exists()


def test_database_refuses_changing_an_audit_record():
    record = record_audit(actor=UserFactory(), action="test.action")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).update(action="tampered")
    record.refresh_from_db()
    assert record.action == "test.action"


def test_audit_log_only_for_audit_admin(records, client_for):
    assert client_for(records).get("/audit/").status_code == 403
    assert client_for(member(SchoolFactory(), is_school_admin=True)).get("/audit/").status_code == 403


def test_audit_admin_filters_by_school_and_person(records, client_for):
    client = client_for(platform_admin(PlatformRoleKind.AUDIT))
    school = AuditRecord.objects.get(action="school.created", object_repr="乙党校").school
    html = client.get("/audit/", {"school": school.pk}).content.decode()
    assert "共 1 条记录" in html
    assert "<td>乙党校</td>" in html and "<td>甲党校</td>" not in html
    html = client.get("/audit/", {"person": "周建国", "action": "school."}).content.decode()
    assert "共 2 条记录" in html
    html = client.get("/audit/", {"person": "无此人"}).content.decode()
    assert "共 0 条记录" in html and "没有符合条件的记录。" in html


def test_audit_export_is_xlsx_with_filtered_rows(records, client_for):
    client = client_for(platform_admin(PlatformRoleKind.AUDIT))
    response = client.get("/audit/export.xlsx", {"action": "school.created"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "操作人", "学校", "操作")
    assert sorted(r[6] for r in rows[1:]) == ["乙党校", "甲党校"]
    assert {r[1] for r in rows[1:]} == {"周建国"}


def test_no_edit_or_delete_routes_exist(records, client_for):
    client = client_for(platform_admin(PlatformRoleKind.AUDIT))
    record = AuditRecord.objects.first()
    for url in (f"/audit/{record.pk}/", f"/audit/{record.pk}/delete/", f"/audit/{record.pk}/edit/"):
        assert client.post(url).status_code == 404
    assert AuditRecord.objects.filter(pk=record.pk).exists()
