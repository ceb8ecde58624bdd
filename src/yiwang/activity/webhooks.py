"""Posting a notice to a group robot: WeCom (企业微信) and DingTalk (钉钉) webhooks.

Both take ``{"msgtype": "text", "text": {"content": …}}`` and answer ``{"errcode": 0}`` on
success. DingTalk robots with 加签 need ``timestamp`` and ``sign`` query parameters:
``sign = base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))``, timestamp in milliseconds.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT_SECONDS = 5


class DeliveryFailed(Exception):
    """The receiver could not be reached or refused the message (the reason, for the log)."""


def dingtalk_signed_url(url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def message_text(title: str, body: str = "", url: str = "") -> str:
    return "\n".join(part for part in (f"【一网】{title}", body, url) if part)


def post_text(*, kind: str, url: str, secret: str, text: str) -> None:
    """Send ``text`` to one robot; DeliveryFailed if it did not take it."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryFailed("地址须以 http:// 或 https:// 开头")
    if kind == "dingtalk" and secret:
        url = dingtalk_signed_url(url, secret)
    payload = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=payload, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http/https only)
            answer = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryFailed(f"无法连接：{getattr(exc, 'reason', exc)}") from None
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode not in (0, None):
        raise DeliveryFailed(f"errcode {errcode}")
