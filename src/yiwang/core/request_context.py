"""Per-request facts (client IP) that services read without taking a request.

``client_ip(request)`` is the one place that decides who the client is: the
audit log and every rate limit use it. ``X-Forwarded-For`` is believed only
when the direct peer is one of ``settings.TRUSTED_PROXIES`` (empty by default),
and only if every entry of the header is a valid address; otherwise the peer
address stands. The answer is always a valid IP address or None, so a forged
header can never break an audited write.
"""

import ipaddress
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue  # a typo in the setting trusts nothing rather than everything
    return tuple(networks)


def parse_ip(value) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """A valid IPv4/IPv6 address (IPv4-mapped IPv6 unwrapped), else None. No ports, no names."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > 45:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return None
    return address


def _trusted(address, networks) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request) -> str | None:
    peer = parse_ip(request.META.get("REMOTE_ADDR"))
    if peer is None:
        return None
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(peer, networks):
        return str(peer)
    header = request.META.get("HTTP_X_FORWARDED_FOR")
    if not header:
        return str(peer)
    hops = []
    for part in header.split(","):
        address = parse_ip(part)
        if address is None:
            return str(peer)  # malformed: believe nothing in it
        hops.append(address)
    # Walk from the nearest hop outwards, skipping our own proxies: the first
    # address that is not a trusted proxy is the client.
    for address in reversed(hops):
        if not _trusted(address, networks):
            return str(address)
    return str(hops[0])
