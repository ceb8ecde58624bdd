"""Pages and API of 交流协作: inbox/outbox with ages and filters, buttons only for who may, the
request page, attachments, dispatch and hosting pages; leak tests; the inbox's query-count guard."""

import io
import json
from datetime import time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from tests.factories import member
from tests.factories.classes import at

from yiwang.classes import services as class_services
from yiwang.exchanges import services
from yiwang.exchanges.enums import RequestKind, RequestStatus
from yiwang.exchanges.models import Request, Trainee
from yiwang.exchanges.services import hosting as hosting_services


def _general(by, net, n=0, **kw):
    return services.open_request(
        by=by,
        kind=RequestKind.GENERAL,
        from_school=net.branch_a,
        to_school=net.far,
        subject_key=f"thing:{n}",
        title=kw.pop("title", f"交流事项{n}"),
        **kw,
    )


def _rows(response, table_id="requests"):
    html = response.content.decode()
    body = html.split(f'id="{table_id}"', 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr>") - 1  # minus the header row


def test_inbox_shows_pending_requests_with_their_age(net, branch_staff, far_staff, client_for):
    req = _general(branch_staff, net, title="申请来校考察")
    Request.objects.filter(pk=req.pk).update(submitted_at=timezone.now() - timedelta(days=6))
    response = client_for(far_staff).get(reverse("exchanges:inbox"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "申请来校考察" in html
    assert '<span class="age">6 天</span>' in html
    assert '<span class="badge" id="pending-count">1 条待答复</span>' in html
    filtered = client_for(far_staff).get(reverse("exchanges:inbox"), {"kind": "dispatch"})
    assert "申请来校考察" not in filtered.content.decode()
    by_state = client_for(far_staff).get(reverse("exchanges:inbox"), {"status": "submitted"})
    assert "申请来校考察" in by_state.content.decode()


def test_inbox_queries_do_not_grow_with_rows(
    net, branch_staff, far_staff, client_for, django_assert_max_num_queries
):
    client = client_for(far_staff)
    _general(branch_staff, net, 0)
    with django_assert_max_num_queries(13) as few:
        client.get(reverse("exchanges:inbox"))
    for n in range(1, 25):
        _general(branch_staff, net, n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("exchanges:inbox"))
    assert _rows(response) == 25


def test_inbox_by_kind_queries_do_not_grow_with_rows(
    net, branch_staff, far_staff, client_for, django_assert_max_num_queries
):
    """The kind filter reads ``request_inbox_kind_idx`` (its capped count from the index alone)."""
    client = client_for(far_staff)
    _general(branch_staff, net, 0)
    with django_assert_max_num_queries(13) as few:
        assert _rows(client.get(reverse("exchanges:inbox"), {"kind": RequestKind.GENERAL})) == 1
    for n in range(1, 25):
        _general(branch_staff, net, n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("exchanges:inbox"), {"kind": RequestKind.GENERAL})
    assert _rows(response) == 25
    assert "交流事项24" in response.content.decode()
    assert "交流事项24" not in client.get(reverse("exchanges:inbox"), {"kind": "dispatch"}).content.decode()


def test_buttons_only_for_who_may(net, branch_staff, far_staff, client_for):
    req = _general(branch_staff, net)
    url = reverse("exchanges:request_detail", args=[req.pk])
    receiver = client_for(far_staff).get(url).content.decode()
    assert 'id="action-accepted"' in receiver and 'id="action-declined"' in receiver
    assert 'id="action-withdrawn"' not in receiver
    sender = client_for(branch_staff).get(url).content.decode()
    assert 'id="action-withdrawn"' in sender
    assert 'id="action-accepted"' not in sender and 'id="action-declined"' not in sender


def test_request_page_answer_comment_and_refusals(net, branch_staff, far_staff, client_for):
    req = _general(branch_staff, net)
    client = client_for(far_staff)
    response = client.post(
        reverse("exchanges:request_action", args=[req.pk, "accepted"]), {"note": "同意"}, follow=True
    )
    assert "已接受。" in response.content.decode()
    client = client_for(branch_staff)
    response = client.post(reverse("exchanges:request_action", args=[req.pk, "withdrawn"]), follow=True)
    assert "该请求当前为“已接受”，不能改为“已撤回”。" in response.content.decode()
    client.post(reverse("exchanges:request_comment", args=[req.pk]), {"body": "<script>alert(1)</script>"})
    page = client.get(reverse("exchanges:request_detail", args=[req.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    req.refresh_from_db()
    assert req.status == RequestStatus.ACCEPTED


def test_attachment_download_is_checked(
    net, branch_staff, far_staff, stranger_staff, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    req = _general(branch_staff, net)
    client = client_for(branch_staff)
    client.post(
        reverse("exchanges:attachment_upload", args=[req.pk]),
        {"file": SimpleUploadedFile("日程.pdf", b"%PDF-1.4 agenda", content_type="application/pdf")},
    )
    attachment = req.attachments.get()
    url = reverse("exchanges:attachment_download", args=[req.pk, attachment.pk])
    response = client_for(far_staff).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 agenda"
    assert client_for(stranger_staff).get(url).status_code == 404


def test_requests_never_leak_to_a_third_school(net, branch_staff, stranger_staff, client_for, city_staff):
    req = _general(branch_staff, net, title="仅两校可见的事项")
    for outsider in (stranger_staff, city_staff):
        client = client_for(outsider)
        assert client.get(reverse("exchanges:request_detail", args=[req.pk])).status_code == 404
        assert "仅两校可见的事项" not in client.get(reverse("exchanges:inbox")).content.decode()
        assert "仅两校可见的事项" not in client.get(reverse("exchanges:outbox")).content.decode()
        sheet = load_workbook(io.BytesIO(client.get(reverse("exchanges:inbox_export")).content)).active
        assert sheet.max_row == 1
        assert client.get(f"/api/v1/exchanges/requests/{req.pk}").status_code == 404
        assert client.get("/api/v1/exchanges/inbox").json()["count"] == 0
        assert client.post(reverse("exchanges:request_action", args=[req.pk, "accepted"])).status_code == 404
    req.refresh_from_db()
    assert req.status == RequestStatus.SUBMITTED


def test_inbox_export_lists_what_the_page_lists(net, branch_staff, far_staff, client_for):
    _general(branch_staff, net, 1, title="第一件")
    _general(branch_staff, net, 2, title="第二件")
    response = client_for(far_staff).get(reverse("exchanges:inbox_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("类型", "事项", "发起学校", "接收方", "状态")
    assert sorted(r[1] for r in rows[1:]) == ["第一件", "第二件"]


def test_dispatch_form_shows_the_conflict_then_sends_another_date(
    net, branch_staff, city_staff, city_teacher, branch_class, far_class, day, client_for
):
    from tests.factories.classes import SessionFactory

    SessionFactory(
        training_class=far_class,
        teacher=city_teacher,
        date=day,
        start_time=time(9),
        end_time=time(11),
        starts_at=at(day, 9),
        ends_at=at(day, 11),
    )
    client = client_for(branch_staff)
    form = {
        "school": net.branch_a.pk,
        "to_school": net.city.pk,
        "teacher": city_teacher.pk,
        "topic_title": "基层治理现代化",
        "date": day.isoformat(),
        "start_time": "09:00",
        "end_time": "11:30",
        "training_class": branch_class.pk,
        "action": "check",
    }
    page = client.post(reverse("exchanges:dispatch_new"), form).content.decode()
    assert f"林志远在 {day:%Y-%m-%d} 09:00–11:00 已有授课安排" in page
    page = client.post(reverse("exchanges:dispatch_new"), {**form, "action": "send"}).content.decode()
    assert "该教师在此时段有冲突：请更换时间，或勾选“仍然发送”。" in page
    assert Request.objects.count() == 0
    other = (day + timedelta(days=1)).isoformat()
    page = client.post(reverse("exchanges:dispatch_new"), {**form, "date": other}).content.decode()
    assert 'id="no-conflict"' in page
    response = client.post(reverse("exchanges:dispatch_new"), {**form, "date": other, "action": "send"})
    assert response.status_code == 302
    dispatch = Request.objects.get().dispatch
    page = (
        client_for(city_staff).get(reverse("exchanges:dispatch_detail", args=[dispatch.pk])).content.decode()
    )
    assert 'id="action-accepted"' in page
    client_for(city_staff).post(reverse("exchanges:request_action", args=[dispatch.request_id, "accepted"]))
    dispatch.refresh_from_db()
    assert dispatch.session.date == day + timedelta(days=1)


def test_hosting_page_shows_the_plan_to_the_guest(
    net, far_staff, city_staff, stranger_staff, client_for, tmp_path
):
    start = timezone.localdate() + timedelta(days=10)
    hosting = hosting_services.open_hosting(
        by=far_staff,
        from_school=net.far,
        to_school=net.city,
        title="远方青年干部班",
        start_date=start,
        end_date=start + timedelta(days=9),
        planned_trainees=30,
    )
    services.accept_request(by=city_staff, request=hosting.request)
    hosting.refresh_from_db()
    class_services.add_session(
        by=city_staff,
        training_class=hosting.training_class,
        date=start,
        start_time=time(9),
        end_time=time(11),
        title="开班式",
    )
    guest = client_for(far_staff)
    page = guest.get(reverse("exchanges:hosting_detail", args=[hosting.pk])).content.decode()
    assert "开班式" in page and "编排中（草稿）" in page
    assert 'id="build-class"' not in page and 'id="upload-roster"' in page
    partial = guest.get(reverse("exchanges:hosting_plan", args=[hosting.pk])).content.decode()
    assert partial.startswith('<div id="plan"') and "开班式" in partial
    assert (
        client_for(stranger_staff).get(reverse("exchanges:hosting_plan", args=[hosting.pk])).status_code
        == 404
    )
    guest = client_for(far_staff)  # one test client: log the guest back in
    # a roster with a bad row: the row-level report, nothing imported
    from tests.exchanges.test_exchanges_hosting import roster_file

    upload = roster_file([("张三", "男", "", "", "13900001111"), ("李四", "", "", "", "bad")])
    response = guest.post(
        reverse("exchanges:roster_upload", args=[hosting.pk]),
        {"file": SimpleUploadedFile("名册.xlsx", upload.getvalue())},
        follow=True,
    )
    html = response.content.decode()
    assert "名册有 1 处问题，未导入任何学员。" in html
    assert "第 3 行“手机号”列（值：bad）：应为 11 位手机号" in html
    assert Trainee.objects.count() == 0
    summary = guest.get(reverse("exchanges:hosting_report", args=[hosting.pk]))
    assert summary.status_code == 200
    assert summary["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (
        client_for(city_staff).get(reverse("exchanges:hosting_report", args=[hosting.pk])).status_code == 200
    )


def test_trainee_check_in_page_needs_no_account(net, far_staff, city_staff, client):
    start = timezone.localdate()
    hosting = hosting_services.open_hosting(
        by=far_staff,
        from_school=net.far,
        to_school=net.city,
        title="今日班",
        start_date=start,
        end_date=start,
    )
    services.accept_request(by=city_staff, request=hosting.request)
    hosting.refresh_from_db()
    now = timezone.localtime()
    begin = (now - timedelta(minutes=5)).time().replace(second=0, microsecond=0)
    finish = (now + timedelta(minutes=60)).time().replace(second=0, microsecond=0)
    if finish <= begin:
        pytest.skip("too close to midnight")
    session = class_services.add_session(
        by=city_staff,
        training_class=hosting.training_class,
        date=start,
        start_time=begin,
        end_time=finish,
        title="专题课",
    )
    Trainee.objects.create(hosting=hosting, name="张三", phone="13900001111")
    from yiwang.classes import tokens

    url = reverse("exchanges:trainee_check_in", args=[tokens.qr_token(session)])
    assert client.get(url).status_code == 200
    response = client.post(url, {"phone": "13900001111"})
    assert "张三，签到成功" in response.content.decode()
    assert client.get(reverse("exchanges:trainee_check_in", args=["forged"])).status_code == 400


def test_api_lists_and_answers(net, branch_staff, far_staff, client_for):
    req = _general(branch_staff, net, title="接口事项")
    client = client_for(far_staff)
    body = client.get("/api/v1/exchanges/inbox").json()
    assert body["count"] == 1 and body["items"][0]["title"] == "接口事项"
    assert body["items"][0]["waiting_days"] == 0
    response = client.post(
        f"/api/v1/exchanges/requests/{req.pk}/answer/decline",
        data=json.dumps({"note": ""}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "请填写拒绝理由。"
    response = client.post(
        f"/api/v1/exchanges/requests/{req.pk}/answer/accept",
        data=json.dumps({"note": "好"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    response = client_for(branch_staff).post(
        f"/api/v1/exchanges/requests/{req.pk}/answer/withdraw", data="{}", content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "该请求当前为“已接受”，不能改为“已撤回”。"
    detail = client.get(f"/api/v1/exchanges/requests/{req.pk}").json()
    assert [e["verb"] for e in detail["events"]] == ["创建", "提交", "接受"]


def test_api_dispatch_conflict_check_and_create(
    net, branch_staff, city_teacher, branch_class, day, client_for
):
    client = client_for(branch_staff)
    payload = {
        "teacher_id": city_teacher.pk,
        "starts_at": at(day, 9).isoformat(),
        "ends_at": at(day, 11).isoformat(),
        "school": net.branch_a.code,
    }
    response = client.post(
        "/api/v1/exchanges/conflicts", data=json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 200 and response.json() == []
    create = {
        "from_school": net.branch_a.code,
        "to_school": net.city.code,
        "teacher_id": city_teacher.pk,
        "topic_title": "党史专题",
        "starts_at": payload["starts_at"],
        "ends_at": payload["ends_at"],
        "class_id": branch_class.pk,
    }
    response = client.post(
        "/api/v1/exchanges/dispatches", data=json.dumps(create), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "submitted"
    assert client.get("/api/v1/exchanges/dispatches").json()["count"] == 1
    stranger = client_for(member(net.stranger, is_school_admin=True))
    assert stranger.get("/api/v1/exchanges/dispatches").json()["count"] == 0
    assert stranger.get("/api/v1/exchanges/hosted").json()["count"] == 0
