"""The audit log at scale (issue 12 part 7): pages read by position (keyset) with a capped count,
and a large export written in the background with its progress, downloadable by its requester only."""

import io

import pytest
from openpyxl import load_workbook
from tests.factories import UserFactory, platform_admin

from yiwang.accounts.enums import PlatformRoleKind
from yiwang.activity import exports
from yiwang.activity.models import AuditExportJob, AuditRecord
from yiwang.activity.services import record_audit
from yiwang.core.pagination import keyset_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    actor = UserFactory()
    return [record_audit(actor=actor, action=f"test.step{n:03d}") for n in range(120)]


def names(page) -> list[str]:
    return [r.action for r in page.items]


def test_keyset_pages_walk_back_and_forth_without_offsets(log):
    qs = AuditRecord.objects.order_by("-created_at", "-id")
    newest = [r.action for r in sorted(log, key=lambda r: (r.created_at, r.pk), reverse=True)]
    first = keyset_page(qs)
    assert (names(first), first.count, first.count_capped, first.newer) == (newest[:50], 120, False, None)
    second = keyset_page(qs, older=first.older)
    assert names(second) == newest[50:100] and second.newer is not None
    third = keyset_page(qs, older=second.older)
    assert names(third) == newest[100:] and third.older is None
    back = keyset_page(qs, newer=second.newer)
    assert names(back) == newest[:50] and back.newer is None


def test_the_count_is_capped_and_a_bad_cursor_is_the_first_page(log):
    qs = AuditRecord.objects.all()
    page = keyset_page(qs, cap=100)
    assert (page.count, page.count_capped) == (100, True)
    assert names(keyset_page(qs, older="nonsense")) == names(keyset_page(qs))
    assert names(keyset_page(qs, older="1.x.2")) == names(keyset_page(qs))


def test_audit_page_shows_keyset_links_and_capped_count(log, client_for):
    client = client_for(platform_admin(PlatformRoleKind.AUDIT))
    html = client.get("/audit/", {"action": "test."}).content.decode()
    assert "共 120 条记录" in html and "较早的记录 ›" in html and "较新的记录" not in html
    older = html.split("older=")[1].split('"')[0]
    page_two = client.get("/audit/", {"action": "test.", "older": older}).content.decode()
    assert "‹ 较新的记录" in page_two


def test_a_large_export_runs_in_the_background_for_its_requester_only(
    log, client_for, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_INLINE_EXPORT_ROWS = 100
    auditor = platform_admin(PlatformRoleKind.AUDIT)
    client = client_for(auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/audit/export.xlsx", {"action": "test."})
    job = AuditExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/audit/exports/{job.pk}/"
    job.refresh_from_db()
    assert (job.status, job.total, job.written, job.progress) == ("done", 120, 120, 100)
    assert "下载 Excel" in client.get(f"/audit/exports/{job.pk}/").content.decode()
    download = client.get(f"/audit/exports/{job.pk}/download/")
    rows = list(
        load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.iter_rows(values_only=True)
    )
    assert len(rows) == 121 and rows[0][3] == "操作"
    exported = AuditRecord.objects.get(action="data.exported")
    assert exported.after == {"list": "审计日志", "filters": {"action": "test."}, "rows": 120}
    other = client_for(platform_admin(PlatformRoleKind.AUDIT))
    assert other.get(f"/audit/exports/{job.pk}/").status_code == 404
    assert other.get(f"/audit/exports/{job.pk}/download/").status_code == 404


def test_asking_twice_while_it_runs_is_one_job(log):
    auditor = platform_admin(PlatformRoleKind.AUDIT)
    first = exports.request_audit_export(by=auditor, filters={"action": "test."})
    again = exports.request_audit_export(by=auditor, filters={"action": "test."})
    assert first.pk == again.pk and AuditExportJob.objects.count() == 1


def test_only_the_audit_admin_may_export(log):
    from yiwang.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        exports.request_audit_export(by=platform_admin(PlatformRoleKind.SYSTEM), filters={})
    assert not AuditExportJob.objects.exists()
