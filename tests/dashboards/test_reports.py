"""The annual report: one job per request, generated in the background, PDF and xlsx in Chinese."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader
from tests.factories import member
from tests.factories.classes import confirmed, open_session
from tests.factories.research import OutputFactory, endorsement

from yiwang.classes.models import CheckIn
from yiwang.core.errors import DomainError, NotFoundError
from yiwang.dashboards import services
from yiwang.dashboards.enums import ReportStatus
from yiwang.dashboards.models import ReportJob
from yiwang.network.enums import SharingScope
from yiwang.research.enums import OutputKind

pytestmark = pytest.mark.django_db


def _activity(network, year_day):
    session = open_session(network.city, day=year_day, title="乡村振兴专题课")
    visitor = member(network.branch_a, is_teacher=True)
    CheckIn.objects.create(
        sign_up=confirmed(session, visitor, network.branch_a), checked_in_at=timezone.now(), hours=2
    )
    report = OutputFactory(
        owner_school=network.city,
        kind=OutputKind.ADVISORY,
        published_on=year_day,
        title="关于营商环境的咨政报告",
    )
    endorsement(report, verified=True, day=year_day)
    OutputFactory(
        owner_school=network.city,
        kind=OutputKind.ADVISORY,
        published_on=year_day,
        scope=SharingScope.SCHOOL,
        title="本校内部报告",
    )


def test_report_is_one_job_and_renders_pdf_and_xlsx(network, django_capture_on_commit_callbacks):
    day = timezone.localdate() - timedelta(days=1)
    _activity(network, day)
    staff = member(network.city, is_research_staff=True, is_teaching_staff=True)
    with django_capture_on_commit_callbacks(execute=False):
        job = services.request_report(by=staff, kind="school", ident="city", year=day.year)
        again = services.request_report(by=staff, kind="school", ident="city", year=day.year)
    assert again.pk == job.pk
    assert ReportJob.objects.count() == 1

    assert services.run_report(job.pk) == "done"
    job.refresh_from_db()
    assert job.status == ReportStatus.DONE and job.progress == 100

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(job.pdf.read())).pages)
    assert f"中共测试市委党校{day.year}年度合作交流报告" in text
    for heading in (
        "总体情况",
        "同听一堂课",
        "共研一个题",
        "共享一张网",
        "年度亮点",
        "开放课堂场次",
        "咨政报告获批率",
    ):
        assert heading in text, heading
    assert "乡村振兴专题课" in text
    assert "关于营商环境的咨政报告" in text
    assert "本校内部报告" in text  # the school's own research staff may see it

    book = load_workbook(io.BytesIO(job.xlsx.read()), read_only=True)
    assert "同听一堂课" in book.sheetnames and "亮点" in book.sheetnames
    rows = {r[0]: r for r in book["同听一堂课"].iter_rows(min_row=2, values_only=True)}
    assert rows["开放课堂场次"][2] == "1"
    assert rows["外校旁听人次"][2] == "1"


def test_report_shows_only_what_the_requester_may_see(network):
    day = timezone.localdate() - timedelta(days=1)
    _activity(network, day)
    admin = member(network.city, is_school_admin=True)
    # The city's admin asks for the alliance (city + far); a far-school staffer asks the same.
    far_staff = member(network.far, is_research_staff=True)
    mine = services.request_report(by=admin, kind="alliance", ident=str(network.alliance.pk), year=day.year)
    theirs = services.request_report(
        by=far_staff, kind="alliance", ident=str(network.alliance.pk), year=day.year
    )
    services.run_report(mine.pk)
    services.run_report(theirs.pk)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    mine_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(mine.pdf.read())).pages)
    their_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(theirs.pdf.read())).pages)
    assert "本校内部报告" in mine_text
    assert "本校内部报告" not in their_text


def test_report_refusals(network, client_for):
    staff = member(network.city, is_teaching_staff=True)
    with pytest.raises(DomainError, match="未来"):
        services.request_report(by=staff, kind="school", ident="city", year=timezone.localdate().year + 1)
    with pytest.raises(NotFoundError):
        services.request_report(by=staff, kind="school", ident="far", year=2025)
    job = services.request_report(by=staff, kind="school", ident="city", year=2025)
    other = client_for(member(network.city, is_teaching_staff=True))
    assert other.get(f"/dashboards/reports/{job.pk}/").status_code == 404  # someone else's report
    assert other.get(f"/dashboards/reports/{job.pk}/pdf/").status_code == 404


def test_report_pages(network, client_for):
    staff = member(network.city, is_teaching_staff=True)
    client = client_for(staff)
    page = client.get("/dashboards/reports/")
    assert page.status_code == 200 and "生成报告" in page.content.decode()
    response = client.post(
        "/dashboards/reports/", {"scope": "school:city", "year": timezone.localdate().year}
    )
    assert response.status_code == 302
    job = ReportJob.objects.get()
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert job.scope_label in detail.content.decode()
    bad = client.post("/dashboards/reports/", {"scope": "school:city", "year": timezone.localdate().year + 1})
    assert "不能生成未来年度的报告" in bad.content.decode()
