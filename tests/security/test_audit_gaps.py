"""Part 10: exports, sign-ins, lockouts and role grants are audited; iCal keys stay out of logs."""

import logging

import pytest
from tests.factories import PASSWORD, UserFactory

from yiwang.activity.models import AuditRecord
from yiwang.activity.services import record_export
from yiwang.core.log_redaction import RedactSecretsFilter, redact

pytestmark = pytest.mark.django_db

KEY = "kJ3n9_qPzX0aB7"


def test_record_export_keeps_who_which_list_filters_and_row_count():
    user = UserFactory()
    record_export(actor=user, list_name="师资库", filters={"q": "党史", "school": "", "tags": []}, rows=42)
    record = AuditRecord.objects.get(action="data.exported")
    assert record.actor == user
    assert record.object_repr == "师资库"
    assert record.after == {"list": "师资库", "filters": {"q": "党史"}, "rows": 42}


def test_sign_in_and_lockout_are_audited(client):
    UserFactory(username="teacher1")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "teacher1", "password": "wrong"})
    client.post("/accounts/login/", {"username": "nobody1", "password": "wrong"})
    assert AuditRecord.objects.filter(action="account.locked", after__username="teacher1").count() == 1
    from django.test import Client

    Client(REMOTE_ADDR="198.51.100.3").post(
        "/accounts/login/", {"username": "teacher1", "password": PASSWORD}
    )
    signed_in = AuditRecord.objects.get(action="account.signed_in")
    assert signed_in.ip_address == "198.51.100.3"


def test_ical_key_is_cut_out_of_logged_paths():
    assert (
        redact(f'"GET /classes/ical/{KEY}.ics HTTP/1.1" 200')
        == '"GET /classes/ical/[已隐藏].ics HTTP/1.1" 200'
    )
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/classes/ical/{KEY}.ics",), None
    )
    assert RedactSecretsFilter().filter(record) is True
    assert KEY not in record.getMessage()


def test_django_request_warnings_pass_through_the_redacting_handler(client):
    handlers = logging.getLogger("django.request").handlers or logging.getLogger("django").handlers
    assert any(isinstance(f, RedactSecretsFilter) for h in handlers for f in h.filters)


def test_gunicorn_access_log_redacts_the_key():
    from types import SimpleNamespace

    from yiwang.core.gunicorn_logging import Logger

    logger = Logger.__new__(Logger)
    req = SimpleNamespace(
        method="GET",
        path=f"/classes/ical/{KEY}.ics",
        query="",
        uri=f"/classes/ical/{KEY}.ics",
        version=(1, 1),
        headers=[],
        peer_addr="127.0.0.1",
    )
    resp = SimpleNamespace(status="200 OK", response_length=10, sent=10, headers=[])
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "RAW_URI": req.uri,
        "PATH_INFO": req.path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    import datetime

    atoms = logger.atoms(resp, req, environ, datetime.timedelta(seconds=0.01))
    assert KEY not in atoms["r"] and KEY not in atoms["U"]


def test_ical_feed_creation_and_revocation_are_audited(network):
    from yiwang.classes import services as class_services

    user = UserFactory()
    token, key = class_services.create_calendar_token(by=user, kind="school", school=network.city)
    class_services.revoke_calendar_token(by=user, token_id=token.pk)
    actions = list(
        AuditRecord.objects.filter(object_id=str(token.pk)).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["calendar_token.created", "calendar_token.revoked"]
    assert not AuditRecord.objects.filter(object_repr__contains=key).exists()


def test_a_missing_ical_feed_key_is_not_logged(client, caplog):
    import logging as stdlib_logging

    response = client.get(f"/classes/ical/{KEY}.ics")
    assert response.status_code == 404
    handler_output = []

    class Capture(stdlib_logging.Handler):
        def emit(self, record):
            handler_output.append(self.format(record))

    capture = Capture()
    capture.addFilter(RedactSecretsFilter())
    for record in caplog.records:
        capture.handle(record)
    assert all(KEY not in line for line in handler_output)
