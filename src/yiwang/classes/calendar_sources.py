"""Other apps' entries on the network calendar and in the personal iCal feed.

``classes`` sits below the apps that book sites and dispatch teachers (``sites``, ``exchanges``),
so it cannot read them. Instead they register a *source* here from their ``AppConfig.ready``: a
function ``source(viewer, start, end) -> list[CalendarEntry]`` that returns, for the days
``start``–``end``, the entries the viewer may see — with the same visibility as the app's own
lists, and in a constant number of queries (one, usually), whatever the number of rows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone


@dataclass(frozen=True)
class CalendarEntry:
    """One entry on the calendar that is not a session of a class."""

    uid: str  # unique over the network, e.g. "booking-12" (the iCal UID's local part)
    kind: str  # a short Chinese label: "基地预约", "师资互派"
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str = ""
    description: str = ""
    url: str = ""  # a path on this site
    updated_at: datetime | None = None
    # The class session the entry became (an accepted dispatch): where the viewer sees that session
    # itself, the entry is not shown a second time.
    session_id: int | None = None

    @property
    def date(self) -> date:
        return timezone.localtime(self.starts_at).date()


CalendarSource = Callable[[object, date, date], list[CalendarEntry]]

_sources: list[CalendarSource] = []

ENTRY_LIMIT = 500  # per source and window: a calendar page, not an export


def register_calendar_source(source: CalendarSource) -> CalendarSource:
    """Add ``source`` to the calendar (idempotent, so a reloaded AppConfig does not add it twice)."""
    if source not in _sources:
        _sources.append(source)
    return source


def calendar_entries(viewer, start: date, end: date, *, shown_session_ids=()) -> list[CalendarEntry]:
    """Every registered source's entries for the viewer in ``start``–``end``, earliest first,
    without those whose session is already shown (``shown_session_ids``)."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    shown = set(shown_session_ids)
    entries = [
        entry
        for source in _sources
        for entry in source(viewer, start, end)[:ENTRY_LIMIT]
        if entry.session_id is None or entry.session_id not in shown
    ]
    return sorted(entries, key=lambda e: (e.starts_at, e.uid))
