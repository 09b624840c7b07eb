"""Upcoming meetings and hearings with relevant items: the query behind every organizer view.

``agenda-watch upcoming`` prints them (table, JSON, iCalendar or one HTML page); the static site
(`pipeline.views.site`), the calendar feeds (`pipeline.views.calendar`) and the weekly digest
(`pipeline.deliver.digest`) all select meetings through `load_upcoming`, so they always agree.
It reads only the documents the meeting index (`pipeline.store.index`) selects; `select_upcoming`
is the same rule over meetings already in hand (a full scan gives the same answer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.display import local_start
from pipeline.models import Meeting
from pipeline.store.index import MeetingIndex
from pipeline.store.ledger import IndexSelection
from pipeline.views.format import upcoming_rows

DISPLAY_ZONE = ZoneInfo("America/Chicago")  # "today" for organizers is an Illinois day
DEFAULT_DAYS = 14


def today(now: datetime | None = None) -> date:
    """Today's date in America/Chicago (the window starts on an Illinois day, not a UTC one)."""
    return (now or datetime.now(UTC)).astimezone(DISPLAY_ZONE).date()


@dataclass(frozen=True)
class UpcomingQuery:
    """Which meetings to show.

    - ``first``: first local day; the window is ``days`` days long (``first`` … ``last``).
    - ``sources``: only these source ids (empty: all); ``topics``: only items with one of these
      topics, and only meetings that keep at least one such item (empty: every relevant item).
    """

    first: date
    days: int = DEFAULT_DAYS
    sources: frozenset[str] = field(default_factory=frozenset)
    topics: frozenset[str] = field(default_factory=frozenset)

    @property
    def last(self) -> date:
        """The window's last day (inclusive)."""
        return self.first + timedelta(days=self.days - 1)


def latest_versions(meetings: Iterable[Meeting]) -> list[Meeting]:
    """Drop stale copies of moved meetings.

    A meeting's id holds its date, so when a platform moves a meeting (same platform id, new
    date) the store keeps the old document too. Of the copies sharing source and platform id, the
    most recently scraped one is the truth; copies without ``scraped_at`` are all kept.
    """
    chosen: dict[tuple[str, str], Meeting] = {}
    out: list[Meeting] = []
    for m in meetings:
        if not m.platform_id or m.scraped_at is None:
            out.append(m)
            continue
        key = (m.source, m.platform_id)
        held = chosen.get(key)
        if held is None or held.scraped_at is None or m.scraped_at > held.scraped_at:
            chosen[key] = m
    return out + list(chosen.values())


def relevant_snapshot(meeting: Meeting, topics: frozenset[str] = frozenset()) -> Meeting | None:
    """The meeting with only its relevant items (of `topics`, if given); None when none remain."""
    items = [
        i
        for i in meeting.relevant_items()
        if not topics or (i.classification and topics.intersection(i.classification.topics))
    ]
    if not items:
        return None
    return meeting.snapshot(items)


def select_upcoming(meetings: Iterable[Meeting], query: UpcomingQuery) -> list[Meeting]:
    """Meetings in the window with relevant items, soonest first (cancelled ones included).

    A meeting is in the window when its local date (in its own zone) is between ``first`` and
    ``last``. Each returned meeting carries only the items that matched.
    """
    picked: list[Meeting] = []
    for m in latest_versions(meetings):
        if query.sources and m.source not in query.sources:
            continue
        if not query.first <= local_start(m).date() <= query.last:
            continue
        snap = relevant_snapshot(m, query.topics)
        if snap is not None:
            picked.append(snap)
    picked.sort(key=lambda m: (m.start, m.source, m.id))
    return picked


def upcoming_selection(query: UpcomingQuery) -> IndexSelection:
    """What `select_upcoming` keeps, as an index selection (the latest copies, relevant, …)."""
    return IndexSelection(
        first_local=query.first.isoformat(),
        last_local=query.last.isoformat(),
        sources=query.sources,
        topics=query.topics,
        relevant=True,
        latest=True,
    )


def load_upcoming(index: MeetingIndex, query: UpcomingQuery) -> list[Meeting]:
    """`select_upcoming` over the stored meetings, reading only those the index selects."""
    picked = [
        snap
        for m in index.meetings(upcoming_selection(query))
        if (snap := relevant_snapshot(m, query.topics)) is not None
    ]
    picked.sort(key=lambda m: (m.start, m.source, m.id))
    return picked


def upcoming_json(meetings: list[Meeting], query: UpcomingQuery) -> dict[str, Any]:
    """The JSON feed: the window, the filters and the meetings (see `upcoming_rows`)."""
    return {
        "from": query.first.isoformat(),
        "to": query.last.isoformat(),
        "sources": sorted(query.sources),
        "topics": sorted(query.topics),
        "meetings": upcoming_rows(meetings),
    }
