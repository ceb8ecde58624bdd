"""iCalendar (RFC 5545) feed of a site's calendar: its slot-holding bookings (details only for
the schools involved) and its blackout days."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

SHANGHAI = ZoneInfo("Asia/Shanghai")
PRODID = "-//Yiwang//现场教学基地//ZH"


def feed_window():
    today = timezone.localdate()
    return today - timedelta(days=90), today + timedelta(days=366)


def build_feed(site, slots, blackouts) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{site.name}预约日历")
    cal.add("x-wr-timezone", "Asia/Shanghai")
    domain = getattr(settings, "CLASSES_ICAL_UID_DOMAIN", "yiwang.local")
    now = timezone.now().astimezone(ZoneInfo("UTC"))
    for index, slot in enumerate(slots):
        event = Event()
        key = (
            f"booking-{slot.booking.pk}"
            if slot.booking
            else f"site-{site.pk}-slot-{slot.starts_at:%Y%m%d%H%M}-{index}"
        )
        event.add("uid", f"{key}@{domain}")
        event.add("dtstamp", now)
        event.add("dtstart", slot.starts_at.astimezone(SHANGHAI))
        event.add("dtend", slot.ends_at.astimezone(SHANGHAI))
        event.add("summary", f"{site.name}：{slot.label}")
        event.add("location", site.address)
        if slot.booking:
            event.add("description", f"班次或用途：{slot.booking.purpose}")
        event.add("status", "CONFIRMED")
        cal.add_component(event)
    for blackout in blackouts:
        event = Event()
        event.add("uid", f"site-blackout-{blackout.pk}@{domain}")
        event.add("dtstamp", now)
        event.add("dtstart", blackout.start_date)
        event.add("dtend", blackout.end_date + timedelta(days=1))
        event.add("summary", f"{site.name}不开放：{blackout.reason}")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
