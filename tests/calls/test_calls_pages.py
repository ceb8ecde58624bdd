"""Pages, API and exports: drafts and submitted applications reach only their team, their home
school's research staff and the issuing office; blind review hides names; query-count guards."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from tests.calls.conftest import draft, in_review, submitted

from yiwang.calls import selectors, services
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db


def _xlsx_rows(response):
    import io

    wb = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    return [[c for c in row] for row in wb.active.iter_rows(values_only=True)]


def test_draft_is_private_to_the_team(call, people, client_for):
    app = draft(call, people, title="保密草稿题目")
    url = f"/calls/applications/{app.pk}/"
    for user in (people.applicant, people.partner_user):
        assert client_for(user).get(url).status_code == 200
    for user in (people.home, people.office, people.other_user, people.stranger_staff, people.branch_b_staff):
        client = client_for(user)
        assert client.get(url).status_code == 404
        assert client.get(f"/api/v1/calls/applications/{app.pk}").status_code == 404
        assert "保密草稿题目" not in client.get("/api/v1/calls/applications").content.decode()
        assert selectors.calls_counts(user)["applications"] == 0


def test_submitted_application_reaches_home_and_office_only(call, people, client_for):
    app = submitted(call, people, title="已提交题目")
    url = f"/calls/applications/{app.pk}/"
    for user in (people.applicant, people.partner_user, people.home, people.office):
        assert client_for(user).get(url).status_code == 200, user
    for user in (people.other_user, people.branch_b_staff, people.stranger_staff, people.reviewer_user):
        client = client_for(user)
        assert client.get(url).status_code == 404
        api = client.get("/api/v1/calls/applications").json()
        assert api["count"] == 0
        export = client.get(f"/calls/{call.pk}/export/")
        if user is people.stranger_staff:
            assert export.status_code == 404  # the call itself is outside the stranger's scope
        else:
            assert export.status_code == 200 and "已提交题目" not in str(_xlsx_rows(export))
        assert selectors.calls_counts(user)["applications"] == 0
    office_rows = _xlsx_rows(client_for(people.office).get(f"/calls/{call.pk}/export/"))
    assert office_rows[1][2] == "已提交题目" and office_rows[1][8] == "待所在单位审核"
    assert selectors.calls_counts(people.office)["applications"] == 1


def test_call_outside_scope_is_not_found(call, people, client_for):
    client = client_for(people.stranger_user)
    assert client.get(f"/calls/{call.pk}/").status_code == 404
    assert client.get(f"/api/v1/calls/calls/{call.pk}").status_code == 404
    assert client_for(people.other_user).get(f"/calls/{call.pk}/").status_code == 200


def test_unpublished_call_only_for_the_office(network, people, client_for, rubric):
    from django.utils import timezone

    c = services.create_call(
        by=people.office,
        school=network.city,
        title="未发布批次",
        kind="annual_key",
        year=2026,
        funding_pool=5,
        per_project_cap=1,
        opens_at=timezone.now(),
        closes_at=timezone.now() + timedelta(days=1),
        scope=SharingScope.NETWORK,
    )
    assert client_for(people.applicant).get(f"/calls/{c.pk}/").status_code == 404
    assert client_for(people.office).get(f"/calls/{c.pk}/").status_code == 200


def test_blind_review_hides_the_team_from_reviewers_and_reviewers_from_the_team(call, people, client_for):
    app = in_review(call, people, title="匿名评审题目")
    sheet = services.assign_reviewer(by=people.office, application=app, teacher=people.reviewer_teacher)
    page = client_for(people.reviewer_user).get(f"/calls/reviews/{sheet.pk}/").content.decode()
    assert "匿名评审题目" in page and "李明远" not in page and "王思齐" not in page and "甲区" not in page
    assert client_for(people.reviewer_user).get(f"/calls/applications/{app.pk}/").status_code == 404
    team_page = client_for(people.applicant).get(f"/calls/applications/{app.pk}/").content.decode()
    assert "孙评审" not in team_page
    assert client_for(people.applicant).get(f"/api/v1/calls/applications/{app.pk}/reviews").status_code == 404
    office = client_for(people.office).get(f"/api/v1/calls/applications/{app.pk}/reviews").json()
    assert [s["reviewer"] for s in office["sheets"]] == ["孙评审"]


def test_expert_link_page_submits_once(call, people, client):
    app = in_review(call, people)
    _, signed = services.invite_expert(by=people.office, application=app, name="吴外请")
    ids = [i.pk for i in call.rubric.indicators.all()]
    url = f"/calls/expert/{signed}/"
    page = client.get(url)
    assert page.status_code == 200 and "李明远" not in page.content.decode()
    done = client.post(url, {f"score_{ids[0]}": "8", f"score_{ids[1]}": "9", "comment": "好"})
    assert "评审表已提交，加权得分 86.00" in done.content.decode()
    again = client.get(url)
    assert again.status_code == 410 and "该评审链接已使用过" in again.content.decode()
    assert client.get("/calls/expert/forged:token:x/").status_code == 404


def test_ranking_counts_only_what_the_viewer_may_see(call, people, client_for, network):
    from django.core.files.uploadedfile import SimpleUploadedFile

    app = in_review(call, people)
    app = services.grant_application(by=people.office, application=app, amount="3")
    services.start_project(by=people.applicant, application=app)
    output = services.record_report(
        by=people.applicant,
        application=app,
        kind="advisory",
        title="内部咨政报告",
        published_on=date.today(),
        submitted_level="municipal",
        submitted_to="市委办公厅",
        scope=SharingScope.SCHOOL,
    )
    e = services.record_endorsement(
        by=people.applicant,
        output=output,
        leader_level="provincial",
        endorsed_on=date.today(),
        evidence=SimpleUploadedFile("批示.pdf", b"%PDF-1.4"),
    )
    services.verify_endorsement(by=people.office, endorsement=e)
    home_rows = client_for(people.home).get("/api/v1/calls/ranking?by=call").json()
    assert home_rows == [
        {
            "name": "2026年度新型智库课题",
            "reports": 1,
            "endorsed": 1,
            "total": 1,
            "rate": "100.0",
            "n_national": 0,
            "n_provincial": 1,
            "n_municipal": 0,
            "n_county": 0,
        }
    ]
    assert client_for(people.other_user).get("/api/v1/calls/ranking").json() == []
    export = _xlsx_rows(client_for(people.other_user).get("/calls/ranking/export/"))
    assert len(export) == 1
    page = client_for(people.home).get("/calls/ranking/?by=teacher").content.decode()
    assert "李明远（甲区）" in page and "王思齐（远方）" in page and "100.0%" in page


def test_call_and_ranking_pages_query_count_constant(call, people, client_for, django_assert_max_num_queries):
    from yiwang.calls.models import ResearchCall

    ResearchCall.objects.filter(pk=call.pk).update(max_applications_per_member=20)
    client = client_for(people.office)
    urls = (
        f"/calls/{call.pk}/",
        "/calls/ranking/",
        "/calls/list/",
        "/calls/",
        f"/calls/{call.pk}/review-ranking/",
        "/calls/overdue/",
        "/api/v1/calls/applications",
        f"/api/v1/calls/applications?call={call.pk}",
    )
    in_review(call, people, title="第一份")
    counts = {}
    for url in urls:
        client.get(url)
        with django_assert_max_num_queries(40) as few:
            assert client.get(url).status_code == 200
        counts[url] = len(few.captured_queries)
    for i in range(4):
        in_review(call, people, title=f"批量{i}")
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_index_shows_the_four_lists(call, people, client_for):
    app = draft(call, people)
    page = client_for(people.partner_user).get("/calls/").content.decode()
    assert call.title in page and app.title in page and "待我确认的课题组" in page


def test_page_refusal_shows_message_and_changes_nothing(call, people, client_for):
    app = draft(call, people, total="3")
    client = client_for(people.applicant)
    response = client.post(f"/calls/applications/{app.pk}/do/submit/", follow=True)
    assert "以下成员尚未确认参加：王思齐。" in response.content.decode()
    app.refresh_from_db()
    assert app.status == "draft"
    response = client.post(
        f"/calls/{call.pk}/apply/",
        {"title": "超上限", "budget_total": "9", "line_1_category": "travel", "line_1_amount": "9"},
    )
    assert response.status_code == 400 and "超过本批次单项资助上限" in response.content.decode()
    assert Decimal(app.budget_total) == Decimal("3.00")


def test_review_ranking_orders_by_average_in_the_database_and_pages(call, people, rubric, client_for):
    from yiwang.calls.models import ResearchCall

    ResearchCall.objects.filter(pk=call.pk).update(max_applications_per_member=20)
    call.refresh_from_db()
    ids = [i.pk for i in rubric.indicators.order_by("position", "id")]
    apps = {}
    for title, scores in (("中等", (7, 8)), ("未评", None), ("最好", (9, 9))):
        app = in_review(call, people, title=title)
        if scores:
            sheet = services.assign_reviewer(
                by=people.office, application=app, teacher=people.reviewer_teacher
            )
            services.submit_review(
                by=people.reviewer_user, sheet=sheet, scores=dict(zip(ids, scores, strict=True))
            )
        apps[title] = app
    first = selectors.call_ranking(people.office, call, per_page=2)
    assert [(a.title, s.average) for a, s, _ in first.items] == [
        ("最好", Decimal("90.00")),
        ("中等", Decimal("76.00")),
    ]
    assert (first.count, first.num_pages) == (3, 2)
    second = selectors.call_ranking(people.office, call, page=2, per_page=2)
    assert [(a.title, s.average, s.assigned) for a, s, _ in second.items] == [("未评", None, 0)]
    page = client_for(people.office).get(f"/calls/{call.pk}/review-ranking/").content.decode()
    assert page.index("最好") < page.index("中等") < page.index("未评")
