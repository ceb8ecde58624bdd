"""iCalendar (RFC 5545) feeds of sessions, with Asia/Shanghai times and a VTIMEZONE."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from .enums import SignUpStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
PRODID = "-//Yiwang//同听一堂课//ZH"


def build_feed(
    name: str, sessions, *, statuses: dict[int, str] | None = None, base_url: str = "", entries=()
) -> bytes:
    """One VEVENT per session. ``statuses`` (session id → sign-up status) marks waitlisted ones TENTATIVE.
    ``entries`` are other apps' calendar entries (``calendar_sources.CalendarEntry``), one VEVENT each."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for session in sessions:
        cal.add_component(_event(session, (statuses or {}).get(session.pk), base_url))
    for entry in entries:
        cal.add_component(_entry_event(entry, base_url))
    cal.add_missing_timezones()
    return cal.to_ical()


def _event(session, sign_up_status: str | None, base_url: str) -> Event:
    event = Event()
    domain = getattr(settings, "CLASSES_ICAL_UID_DOMAIN", "yiwang.local")
    event.add("uid", f"session-{session.pk}@{domain}")
    event.add("dtstamp", session.updated_at.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", session.starts_at.astimezone(SHANGHAI))
    event.add("dtend", session.ends_at.astimezone(SHANGHAI))
    event.add("summary", session.title)
    event.add("sequence", session.sequence)
    if session.place:
        event.add("location", session.place)
    klass = session.training_class
    lines = [f"班次：{klass.name}（{klass.owner_school.short_name}）"]
    if session.lecturer:
        lines.append(f"讲师：{session.lecturer}")
    lines.append(f"教学形式：{session.get_form_display()}")
    if sign_up_status:
        lines.append(f"我的报名：{SignUpStatus(sign_up_status).label}")
    event.add("description", "\n".join(lines))
    if session.is_cancelled:
        event.add("status", "CANCELLED")
    elif sign_up_status in (SignUpStatus.WAITLISTED, SignUpStatus.PENDING):
        event.add("status", "TENTATIVE")
    else:
        event.add("status", "CONFIRMED")
    if base_url:
        from django.urls import reverse

        event.add("url", base_url + reverse("classes:session_detail", args=[session.pk]))
    event.add("last-modified", session.updated_at.astimezone(ZoneInfo("UTC")))
    return event


def _entry_event(entry, base_url: str) -> Event:
    event = Event()
    domain = getattr(settings, "CLASSES_ICAL_UID_DOMAIN", "yiwang.local")
    stamp = (entry.updated_at or entry.starts_at).astimezone(ZoneInfo("UTC"))
    event.add("uid", f"{entry.uid}@{domain}")
    event.add("dtstamp", stamp)
    event.add("dtstart", entry.starts_at.astimezone(SHANGHAI))
    event.add("dtend", entry.ends_at.astimezone(SHANGHAI))
    event.add("summary", f"{entry.kind}：{entry.title}")
    if entry.place:
        event.add("location", entry.place)
    if entry.description:
        event.add("description", entry.description)
    event.add("status", "CONFIRMED")
    if base_url and entry.url:
        event.add("url", base_url + entry.url)
    event.add("last-modified", stamp)
    return event


def feed_window():
    """Feeds carry sessions from 90 days back to one year ahead."""
    from datetime import timedelta

    today = timezone.localdate()
    return today - timedelta(days=90), today + timedelta(days=366)
