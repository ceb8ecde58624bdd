"""The one request flow: states, who may do what, the pending-once constraint, comments,
attachments, the event history and the reminders."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from tests.factories import join, member

from yiwang.activity.models import AuditRecord, Notification
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.exchanges import selectors, services
from yiwang.exchanges.enums import RequestKind, RequestStatus
from yiwang.exchanges.models import Request, RequestAttachment, RequestEvent


def _open(by, net, **kw):
    defaults = dict(
        by=by,
        kind=RequestKind.GENERAL,
        from_school=net.branch_a,
        to_school=net.far,
        subject_key="visit:2026",
        title="申请来校交流考察",
    )
    defaults.update(kw)
    return services.open_request(**defaults)


def test_request_goes_submitted_accepted_completed_with_history(
    net, branch_staff, far_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        req = _open(branch_staff, net)
    assert req.status == RequestStatus.SUBMITTED
    assert req.submitted_at is not None
    assert (
        Notification.objects.filter(recipient=far_staff, title="收到协作请求：申请来校交流考察").count() == 1
    )

    with django_capture_on_commit_callbacks(execute=True):
        req = services.accept_request(by=far_staff, request=req, note="欢迎")
    assert (req.status, req.decided_by, req.decision_note) == (RequestStatus.ACCEPTED, far_staff, "欢迎")
    assert (
        Notification.objects.filter(recipient=branch_staff, title="协作请求已接受：申请来校交流考察").count()
        == 1
    )

    req = services.complete_request(by=branch_staff, request=req)
    assert req.status == RequestStatus.COMPLETED
    assert [(e.verb, e.status) for e in RequestEvent.objects.filter(request=req)] == [
        ("创建", "draft"),
        ("提交", "submitted"),
        ("接受", "accepted"),
        ("标记完成", "completed"),
    ]
    assert list(
        AuditRecord.objects.filter(object_type="exchanges.Request", object_id=str(req.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["request.created", "request.submitted", "request.accepted", "request.completed"]


def test_only_one_pending_request_of_a_kind_for_the_same_thing(net, branch_staff):
    _open(branch_staff, net)
    with pytest.raises(ConflictError) as exc:
        _open(branch_staff, net, title="再次申请")
    assert exc.value.message == "本校已有一条同类、同一事项的请求正在等待答复，请勿重复提交。"
    assert Request.objects.count() == 1
    # another kind, another thing, or after the first is answered: allowed
    _open(branch_staff, net, subject_key="visit:2027")
    _open(branch_staff, net, kind=RequestKind.ADOPTION)
    assert Request.objects.count() == 3


def test_pending_once_is_a_database_constraint(net, branch_staff):
    req = _open(branch_staff, net)
    with pytest.raises(IntegrityError), transaction.atomic():
        Request.objects.create(
            kind=req.kind,
            from_school=req.from_school,
            to_school=req.to_school,
            subject_key=req.subject_key,
            title="x",
            status=RequestStatus.SUBMITTED,
        )
    # drafts and answered requests do not count as pending
    Request.objects.create(
        kind=req.kind,
        from_school=req.from_school,
        to_school=req.to_school,
        subject_key=req.subject_key,
        title="草稿",
    )


def test_a_new_request_is_allowed_once_the_pending_one_is_withdrawn(net, branch_staff):
    first = _open(branch_staff, net)
    services.withdraw_request(by=branch_staff, request=first)
    second = _open(branch_staff, net)
    assert second.status == RequestStatus.SUBMITTED


def test_empty_subject_keys_never_collide(net, branch_staff):
    _open(branch_staff, net, subject_key="")
    _open(branch_staff, net, subject_key="")
    assert Request.objects.filter(status=RequestStatus.SUBMITTED).count() == 2


def test_answering_a_request_addressed_to_another_school_is_refused(
    net, branch_staff, stranger_staff, city_staff
):
    req = _open(branch_staff, net)
    for outsider in (stranger_staff, city_staff):
        with pytest.raises(PermissionDeniedError) as exc:
            services.accept_request(by=outsider, request=req)
        assert exc.value.message == "只有请求双方学校的人员可以操作该请求。"
    with pytest.raises(PermissionDeniedError) as exc:
        services.accept_request(by=branch_staff, request=req)
    assert exc.value.message == "该请求是发给其他学校的，只有接收学校的人员可以答复。"
    req.refresh_from_db()
    assert req.status == RequestStatus.SUBMITTED
    assert req.decided_at is None


def test_withdrawing_an_accepted_request_is_refused(net, branch_staff, far_staff):
    req = services.accept_request(by=far_staff, request=_open(branch_staff, net))
    with pytest.raises(ConflictError) as exc:
        services.withdraw_request(by=branch_staff, request=req)
    assert exc.value.message == "该请求当前为“已接受”，不能改为“已撤回”。"
    req.refresh_from_db()
    assert req.status == RequestStatus.ACCEPTED
    assert RequestEvent.objects.filter(request=req, verb="撤回").count() == 0


def test_the_receiver_cannot_withdraw_and_the_sender_cannot_decline(net, branch_staff, far_staff):
    req = _open(branch_staff, net)
    with pytest.raises(PermissionDeniedError) as exc:
        services.withdraw_request(by=far_staff, request=req)
    assert exc.value.message == "只有发起学校的人员可以撤回该请求。"
    with pytest.raises(DomainError) as exc:
        services.decline_request(by=far_staff, request=req, note=" ")
    assert exc.value.message == "请填写拒绝理由。"
    req.refresh_from_db()
    assert req.status == RequestStatus.SUBMITTED


def test_a_teacher_cannot_send_for_the_school(net):
    teacher = member(net.branch_a, is_teacher=True)
    with pytest.raises(PermissionDeniedError):
        _open(teacher, net)
    assert Request.objects.count() == 0


def test_bad_input_is_refused_in_chinese(net, branch_staff):
    with pytest.raises(DomainError) as exc:
        _open(branch_staff, net, to_school=net.branch_a)
    assert exc.value.message == "不能向本校发起请求。"
    with pytest.raises(DomainError) as exc:
        _open(branch_staff, net, title="  ")
    assert exc.value.message == "请填写事项。"
    now = timezone.now()
    with pytest.raises(DomainError) as exc:
        _open(branch_staff, net, starts_at=now, ends_at=now - timedelta(hours=1))
    assert exc.value.message == "结束时间须晚于开始时间。"
    with pytest.raises(PermissionDeniedError) as exc:
        _open(branch_staff, net, to_school=None, to_alliance=net.alliance)
    assert exc.value.message == "只有联盟成员学校可以向联盟发起请求。"
    assert Request.objects.count() == 0


def test_alliance_request_is_answered_by_another_member(net, city_staff, far_staff, stranger_staff):
    req = services.open_request(
        by=city_staff,
        kind=RequestKind.GENERAL,
        from_school=net.city,
        to_alliance=net.alliance,
        subject_key="meeting",
        title="提议召开联席会议",
    )
    assert list(selectors.inbox_of(far_staff)) == [req]
    assert list(selectors.inbox_of(city_staff)) == []
    assert list(selectors.requests_visible_to(stranger_staff)) == []
    assert services.receiving_staff(req) == [far_staff]
    services.accept_request(by=far_staff, request=req)
    comment = services.comment_on_request(by=far_staff, request=req, body="已安排会场")
    assert comment.school == net.far


def test_drafts_are_seen_by_the_sender_only(net, branch_staff, far_staff):
    req = _open(branch_staff, net, submit=False)
    assert req.status == RequestStatus.DRAFT
    assert list(selectors.outbox_of(branch_staff)) == [req]
    assert list(selectors.inbox_of(far_staff)) == []
    with pytest.raises(PermissionDeniedError):
        services.comment_on_request(by=far_staff, request=req, body="?")
    services.submit_request(by=branch_staff, request=req)
    assert list(selectors.inbox_of(far_staff, pending_only=True)) == [req]


def test_comments_only_by_the_two_schools(
    net, branch_staff, far_staff, stranger_staff, django_capture_on_commit_callbacks
):
    req = _open(branch_staff, net)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_on_request(by=far_staff, request=req, body="请补充人数")
    assert (
        Notification.objects.filter(recipient=branch_staff, title__startswith="协作请求有新留言").count() == 1
    )
    with pytest.raises(PermissionDeniedError) as exc:
        services.comment_on_request(by=stranger_staff, request=req, body="路过")
    assert exc.value.message == "只有请求双方学校的人员可以留言。"
    with pytest.raises(DomainError) as exc:
        services.comment_on_request(by=far_staff, request=req, body="   ")
    assert exc.value.message == "留言内容不能为空。"
    assert [c.body for c in selectors.request_thread(req)["comments"]] == ["请补充人数"]


def test_attachments_are_private_and_checked(
    net, branch_staff, far_staff, stranger_staff, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    req = _open(branch_staff, net)
    pdf = SimpleUploadedFile("邀请函.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    attachment = services.attach_file(by=branch_staff, request=req, upload=pdf)
    assert attachment.filename == "邀请函.pdf"
    assert attachment.file.name.startswith("exchanges/") and "邀请函" not in attachment.file.name
    fake = SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(DomainError) as exc:
        services.attach_file(by=far_staff, request=req, upload=fake)
    assert exc.value.message == "附件内容与扩展名“.pdf”不符，请确认文件未损坏且类型正确。"
    with pytest.raises(PermissionDeniedError):
        services.attach_file(by=stranger_staff, request=req, upload=pdf)
    assert RequestAttachment.objects.count() == 1
    with pytest.raises(PermissionDeniedError):
        services.remove_attachment(by=far_staff, attachment=attachment)
    services.remove_attachment(by=branch_staff, attachment=attachment)
    assert RequestAttachment.objects.count() == 0


def test_waiting_requests_are_reminded_once(net, branch_staff, far_staff, django_capture_on_commit_callbacks):
    old = _open(branch_staff, net)
    fresh = _open(branch_staff, net, subject_key="fresh")
    Request.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=4))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_waiting_requests(older_than_days=3) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_waiting_requests(older_than_days=3) == 0
    reminders = Notification.objects.filter(recipient=far_staff, title__startswith="催办")
    assert [n.title for n in reminders] == ["催办：协作请求待答复 申请来校交流考察"]
    assert "已等待 4 天" in reminders[0].body
    fresh.refresh_from_db()
    assert fresh.reminded_at is None
    assert selectors.waiting_days(Request.objects.get(pk=old.pk)) == 4


def test_reminder_command_runs(net, branch_staff):
    from io import StringIO

    from django.core.management import call_command

    old = _open(branch_staff, net)
    Request.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=10))
    out = StringIO()
    call_command("exchanges_remind", stdout=out)
    assert out.getvalue().strip() == "催办 1 条请求；承办班次变更通知 0 条。"


def test_request_counts_follow_visibility(net, branch_staff, far_staff, stranger_staff):
    _open(branch_staff, net)
    _open(branch_staff, net, kind=RequestKind.ADOPTION)
    assert selectors.requests_counts(branch_staff)["general"] == 1
    assert selectors.requests_counts(far_staff)["adoption"] == 1
    assert sum(selectors.requests_counts(stranger_staff).values()) == 0


def test_alliance_members_see_but_third_schools_do_not(net, city_staff, stranger_staff):
    join(net.alliance, net.stranger)
    req = services.open_request(
        by=city_staff,
        kind=RequestKind.GENERAL,
        from_school=net.city,
        to_alliance=net.alliance,
        subject_key="",
        title="联盟事项",
    )
    assert list(selectors.inbox_of(stranger_staff)) == [req]
