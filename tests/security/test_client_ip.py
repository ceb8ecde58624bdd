"""Part 3: one client-IP function; X-Forwarded-For only from trusted proxies, parsed strictly."""

import pytest
from django.test import RequestFactory
from tests.factories import PASSWORD, UserFactory

from yiwang.activity.models import AuditRecord
from yiwang.core.request_context import client_ip

pytestmark = pytest.mark.django_db


def request_with(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_forwarded_for_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request_with("198.51.100.1", "203.0.113.9")) == "198.51.100.1"


def test_forwarded_for_believed_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request_with("10.1.2.3", "203.0.113.9")) == "203.0.113.9"
    # The client may prepend anything; the rightmost untrusted hop is the client.
    assert client_ip(request_with("10.1.2.3", "1.2.3.4, 203.0.113.9, 10.0.0.5")) == "203.0.113.9"


def test_forwarded_for_from_an_untrusted_peer_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_ip(request_with("198.51.100.1", "203.0.113.9")) == "198.51.100.1"


@pytest.mark.parametrize(
    "forwarded",
    [
        "not-an-ip",
        "203.0.113.9:443",
        "'; DROP TABLE x;--",
        "203.0.113.9, bogus",
        "",
        " , ",
        "999.1.1.1",
        "x" * 5000,
    ],
)
def test_malformed_forwarded_for_falls_back_to_the_peer(settings, forwarded):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_ip(request_with("10.0.0.1", forwarded)) == "10.0.0.1"


def test_invalid_peer_gives_none():
    assert client_ip(request_with("unix-socket")) is None


def test_ipv4_mapped_ipv6_is_unwrapped(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request_with("::ffff:198.51.100.1")) == "198.51.100.1"


@pytest.mark.parametrize("trusted", [[], ["127.0.0.1"]])
def test_audited_write_with_a_forged_header_succeeds(client, settings, trusted):
    """On PostgreSQL this used to answer 500: the header went into an inet column."""
    settings.TRUSTED_PROXIES = trusted
    UserFactory(username="teacher1")
    response = client.post(
        "/accounts/login/",
        {"username": "teacher1", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="not-an-ip, <script>",
    )
    assert response.status_code == 302
    assert AuditRecord.objects.get(action="account.signed_in").ip_address == "127.0.0.1"


def test_audit_records_the_forwarded_client_behind_a_trusted_proxy(client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    UserFactory(username="teacher1")
    client.post(
        "/accounts/login/", {"username": "teacher1", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert AuditRecord.objects.get(action="account.signed_in").ip_address == "203.0.113.9"


def test_sign_in_throttle_counts_the_forwarded_client(client, settings):
    from yiwang.accounts.models import SignInFailure

    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client.post("/accounts/login/", {"username": "x", "password": "y"}, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert list(SignInFailure.objects.values_list("ip_address", flat=True)) == ["203.0.113.9"]
