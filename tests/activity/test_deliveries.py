"""Part 12: notices leave the request — e-mail and school group robots (企业微信 / 钉钉) are
deliveries sent by the task worker, retried, and audited when they finally fail; tested
against a local HTTP receiver."""

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from tests.factories import UserFactory

from yiwang.activity.models import AuditRecord, Delivery, Notification, SchoolWebhook
from yiwang.activity.services import (
    DELIVERY_MAX_ATTEMPTS,
    add_school_webhook,
    deliver,
    notify,
)
from yiwang.activity.webhooks import dingtalk_signed_url
from yiwang.core.errors import DomainError

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


class Receiver:
    """A group-robot stand-in on 127.0.0.1: answers each POST with the next planned status."""

    def __init__(self, plan):
        self.plan = list(plan)
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                receiver.requests.append((self.path, json.loads(self.rfile.read(length))))
                status, answer = receiver.plan.pop(0) if receiver.plan else (200, {"errcode": 0})
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=abc"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(*plan):
        made.append(Receiver(plan))
        return made[-1]

    yield make
    for r in made:
        r.close()


def test_notice_email_is_left_to_the_worker_not_sent_in_the_request(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_TASKS
    user = UserFactory(email="li@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notify([user], title="报名已通过", body="请按时参加。", url="/classes/1/")
    assert Notification.objects.filter(recipient=user, title="报名已通过").count() == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, mail.outbox) == ("pending", 0, [])
    assert deliver(delivery.pk) == "sent"
    assert [(m.subject, m.to, m.body) for m in mail.outbox] == [
        ("报名已通过", ["li@example.com"], "请按时参加。\n\n/classes/1/")
    ]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert deliver(delivery.pk) == "done"  # a duplicate run sends nothing twice
    assert len(mail.outbox) == 1


def test_a_school_wecom_robot_receives_the_notice(network, receiver, django_capture_on_commit_callbacks):
    robot = receiver()
    add_school_webhook(school=network.city, kind="wecom", url=robot.url)
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            [UserFactory()],
            title="新的报名申请",
            body="王芳申请参加专题班。",
            url="/classes/",
            school=network.city,
        )
    assert robot.requests == [
        (
            "/cgi-bin/webhook/send?key=abc",
            {"msgtype": "text", "text": {"content": "【一网】新的报名申请\n王芳申请参加专题班。\n/classes/"}},
        )
    ]
    assert Delivery.objects.get(webhook__isnull=False).status == "sent"


def test_notices_of_another_school_do_not_reach_the_robot(
    network, receiver, django_capture_on_commit_callbacks
):
    robot = receiver()
    add_school_webhook(school=network.city, kind="wecom", url=robot.url)
    with django_capture_on_commit_callbacks(execute=True):
        notify([UserFactory()], title="别校通知", school=network.far)
        notify([UserFactory()], title="个人通知")
    assert robot.requests == []


def test_a_dingtalk_robot_gets_a_signed_request(network, receiver, django_capture_on_commit_callbacks):
    robot = receiver()
    secret = "SEC0123456789abcdef"
    add_school_webhook(school=network.city, kind="dingtalk", url=robot.url, secret=secret)
    with django_capture_on_commit_callbacks(execute=True):
        notify([], title="评课提醒", school=network.city)
    ((path, payload),) = robot.requests
    query = parse_qs(urlsplit(path).query)
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert (query["key"], sign) == (["abc"], expected)
    assert payload == {"msgtype": "text", "text": {"content": "【一网】评课提醒"}}


def test_dingtalk_signature_matches_the_documented_example():
    url = dingtalk_signed_url(
        "https://robot.example/send?access_token=t", "SECabc", timestamp_ms=1700000000000
    )
    digest = hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    sign = base64.b64encode(digest).decode().replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    assert url == f"https://robot.example/send?access_token=t&timestamp=1700000000000&sign={sign}"


def test_a_failing_robot_is_retried_until_it_takes_the_notice(
    network, receiver, django_capture_on_commit_callbacks
):
    robot = receiver((500, {}), (200, {"errcode": 45009, "errmsg": "busy"}), (200, {"errcode": 0}))
    add_school_webhook(school=network.city, kind="wecom", url=robot.url)
    with django_capture_on_commit_callbacks(execute=True):
        notify([], title="通知", school=network.city)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, len(robot.requests)) == ("sent", 3, 3)
    assert not AuditRecord.objects.filter(action="notification.delivery_failed").exists()


def test_a_robot_that_never_answers_is_given_up_and_audited(
    network, receiver, django_capture_on_commit_callbacks
):
    robot = receiver(*[(500, {})] * DELIVERY_MAX_ATTEMPTS)
    hook = add_school_webhook(school=network.city, kind="wecom", url=robot.url)
    with django_capture_on_commit_callbacks(execute=True):
        notify([], title="通知", school=network.city)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 5, "HTTP 500")
    record = AuditRecord.objects.get(action="notification.delivery_failed")
    assert (record.school, record.object_id, record.after) == (
        network.city,
        str(delivery.pk),
        {"channel": "wecom", "attempts": 5, "error": "HTTP 500"},
    )
    assert hook.pk == delivery.webhook_id


def test_robot_configuration_refusals_save_nothing(network):
    with pytest.raises(DomainError, match="Webhook 地址应为以 http:// 或 https:// 开头的完整网址"):
        add_school_webhook(school=network.city, kind="wecom", url="file:///etc/passwd")
    with pytest.raises(DomainError, match="只有钉钉机器人使用签名密钥"):
        add_school_webhook(school=network.city, kind="wecom", url="https://qyapi.example/send", secret="SEC1")
    with pytest.raises(DomainError, match="机器人类型只能是"):
        add_school_webhook(school=network.city, kind="slack", url="https://hooks.example/x")
    assert not SchoolWebhook.objects.exists()


def test_robot_configuration_is_audited_without_the_secret(network):
    add_school_webhook(
        school=network.city,
        kind="dingtalk",
        url="https://oapi.example/robot/send?access_token=T",
        secret="SECx",
    )
    record = AuditRecord.objects.get(action="school_webhook.added")
    assert record.after == {
        "kind": "dingtalk",
        "url": "https://oapi.example/robot/send",
        "signed": True,
        "via": "command_line",
    }
