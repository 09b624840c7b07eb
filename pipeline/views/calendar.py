"""iCalendar (RFC 5545) feeds of upcoming meetings, built with the ``icalendar`` library.

Calendar apps replace an event they already hold when a feed brings the same ``UID`` with a higher
``SEQUENCE``. So each event's UID comes from the meeting's identity (source + platform id, else the
meeting id), and `EventVersions` remembers a hash of each event's content: when a meeting is
cancelled, moved or its relevant items change, its SEQUENCE goes up and LAST-MODIFIED/DTSTAMP move
to that moment; an unchanged meeting produces byte-identical output run after run.

Times are written with ``TZID=<the body's zone>`` and a matching VTIMEZONE (generated from the
IANA database), so apps show 7:00 PM on both sides of a DST change. An event ends at the
platform's posted end (DTEND) when it gave one, else lasts `DEFAULT_DURATION` (DURATION:PT2H,
said in the description); a meeting posted without a time is an all-day event on its date.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from icalendar import Calendar, Event, Timezone, vUri

from pipeline.clock import utcnow
from pipeline.display import (
    item_topics,
    item_url,
    local_start,
    meeting_links,
    meeting_url,
    status_label,
    topic_label,
)
from pipeline.models import Meeting
from pipeline.store.files import write_atomic
from pipeline.views.civic import DEFAULT_DURATION, platform_end
from pipeline.views.format import comment_text

PRODID = "-//agenda-watch//Upcoming votes//EN"
UID_DOMAIN = "agenda-watch"
DEFAULT_ZONE = "America/Chicago"
REFRESH = timedelta(hours=6)  # crawls run three times a day; apps need not poll more often
VERSIONS_FILE = "calendar-versions.json"
ICS_STATUS = {"cancelled": "CANCELLED", "tentative": "TENTATIVE", "rescheduled": "TENTATIVE"}


def event_uid(meeting: Meeting) -> str:
    """A UID that survives a move: ``<source>/<platform id>`` when the platform has ids.

    Meeting ids contain the date, so a rescheduled Legistar event would otherwise become a new
    event beside a stale one instead of replacing it.
    """
    key = f"{meeting.source}/{meeting.platform_id}" if meeting.platform_id else meeting.id
    return f"{key}@{UID_DOMAIN}"


class EventVersions:
    """Per-UID content hash, SEQUENCE and modification time, kept in ``calendar-versions.json``.

    `stamp` is called with an event's content hash each time a feed is built; the sequence only
    goes up when the hash differs from the last one recorded. `save` writes the file atomically.
    """

    def __init__(self, path: Path | None, data: dict[str, dict[str, Any]] | None = None) -> None:
        self.path = path
        self.data: dict[str, dict[str, Any]] = data or {}
        self.dirty = False

    @classmethod
    def load(cls, data_dir: Path) -> EventVersions:
        """The versions kept under `data_dir` (empty when the file does not exist yet)."""
        path = data_dir / VERSIONS_FILE
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return cls(path, data)

    def stamp(self, uid: str, content_hash: str, now: datetime) -> tuple[int, datetime]:
        """The (SEQUENCE, last-modified) for this content of the event `uid`."""
        held = self.data.get(uid)
        if held is None:
            held = {"hash": content_hash, "sequence": 0, "modified": now.isoformat()}
        elif held["hash"] != content_hash:
            held = {
                "hash": content_hash,
                "sequence": int(held["sequence"]) + 1,
                "modified": now.isoformat(),
            }
        else:
            return int(held["sequence"]), datetime.fromisoformat(held["modified"])
        self.data[uid] = held
        self.dirty = True
        return int(held["sequence"]), now

    def save(self) -> None:
        """Write the file if anything changed (no-op for in-memory versions)."""
        if self.path is not None and self.dirty:
            text = json.dumps(self.data, indent=1, sort_keys=True)
            write_atomic(self.path, text.encode())
            self.dirty = False


def _summary(meeting: Meeting) -> str:
    status = status_label(meeting.status)
    text = f"{meeting.body} · {meeting.jurisdiction}"
    return f"{status}: {text}" if status else text


def _description(meeting: Meeting, now: datetime) -> str:
    lines = [f"{meeting.body} · {meeting.jurisdiction}"]
    if meeting.title.casefold() != meeting.body.casefold():
        lines.append(meeting.title)
    if meeting.status == "cancelled":
        lines.append("The source lists this meeting as CANCELLED.")
    elif meeting.status == "rescheduled":
        lines.append("The source lists this meeting as RESCHEDULED: check the new date there.")
    if not meeting.time_known:
        lines.append("The source gave no start time.")
    elif platform_end(meeting) is None:
        hours = DEFAULT_DURATION.total_seconds() / 3600
        lines.append(f"The source gave no end time; shown as {hours:g} hours.")
    if comment := comment_text(meeting, now):
        lines.append(comment)
    lines += ["", "Relevant items:"]
    for item in meeting.items:
        number = f"{item.number} " if item.number else ""
        topics = item_topics(item)
        lines.append(f"• {number}{item.title}" + (f" [{topics}]" if topics else ""))
        url = item_url(item, meeting)
        if url and url != meeting_url(meeting):
            lines.append(f"  {url}")
        if item.witness_slip_url:
            lines.append(f"  File a witness slip: {item.witness_slip_url}")
    lines.append("")
    lines += [f"{ln['title']}: {ln['url']}" for ln in meeting_links(meeting)]
    lines.append(f"(agenda-watch · source {meeting.source})")
    return "\n".join(lines)


def build_event(meeting: Meeting, versions: EventVersions, now: datetime) -> Event:
    """One VEVENT: local start with TZID, end or default length (all-day when no time was posted)."""
    event = Event()
    uid = event_uid(meeting)
    event.add("uid", uid)
    event.add("summary", _summary(meeting))
    start = local_start(meeting)
    if meeting.time_known:
        event.add("dtstart", start)
        end = platform_end(meeting)
        if end is not None:
            event.add("dtend", end.astimezone(start.tzinfo))
        else:
            event.add("duration", DEFAULT_DURATION)
    else:
        event.add("dtstart", start.date())
        event.add("dtend", start.date() + timedelta(days=1))
    event.add("status", ICS_STATUS.get(meeting.status, "CONFIRMED"))
    # Other bodies' meetings: shown, but never marking the subscriber busy.
    event.add("transp", "TRANSPARENT")
    if meeting.location:
        event.add("location", meeting.location)
    links = meeting_links(meeting)
    if links:
        event.add("url", vUri(links[0]["url"]))
    topics = sorted({t for i in meeting.items if i.classification for t in i.classification.topics})
    if topics:
        event.add("categories", [topic_label(t) for t in topics])
    event.add("description", _description(meeting, now))
    digest = hashlib.sha256(event.to_ical()).hexdigest()
    sequence, modified = versions.stamp(uid, digest, now)
    event.add("sequence", sequence)
    # Without METHOD, DTSTAMP is when the event was last revised (RFC 5545 §3.8.7.2).
    event.add("dtstamp", modified.astimezone(UTC))
    event.add("last-modified", modified.astimezone(UTC))
    return event


def _assemble(events: list[tuple[Meeting, Event]], name: str, now: datetime) -> Calendar:
    """A VCALENDAR holding `events` (already built) and a VTIMEZONE for every zone they use."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")  # Outlook's older spelling of REFRESH-INTERVAL
    years = [m.start.year for m, _ in events] or [now.year]
    first, last = date(min(years) - 1, 1, 1), date(max(years) + 2, 1, 1)
    if not events:
        # RFC 5545 wants at least one component; an empty feed still carries its zone.
        cal.add_component(Timezone.from_tzid(DEFAULT_ZONE, first_date=first, last_date=last))
    for _, event in events:
        cal.add_component(event)
    cal.add_missing_timezones(first_date=first, last_date=last)
    return cal


def build_calendar(
    meetings: list[Meeting], name: str, versions: EventVersions, now: datetime | None = None
) -> Calendar:
    """A VCALENDAR with one VEVENT per meeting and a VTIMEZONE for every zone used."""
    now = now or utcnow()
    return _assemble([(m, build_event(m, versions, now)) for m in meetings], name, now)


def calendar_bytes(
    meetings: list[Meeting], name: str, versions: EventVersions, now: datetime | None = None
) -> bytes:
    """`build_calendar` serialised: CRLF lines folded at 75 octets, UTF-8."""
    return bytes(build_calendar(meetings, name, versions, now).to_ical())


@dataclass(frozen=True)
class Feed:
    """A written feed: its path relative to the output dir, title and event count."""

    path: str
    title: str
    source: str | None
    events: int


def write_feeds(
    meetings: list[Meeting], out_dir: Path, versions: EventVersions, now: datetime | None = None
) -> list[Feed]:
    """Write ``calendar/all.ics`` and ``calendar/by-source/<source>.ics`` under `out_dir`.

    Feeds of sources with no meetings any more are removed, so a subscriber's calendar empties
    instead of freezing on stale events. Returns the combined feed first, then one per source.
    """
    now = now or utcnow()
    base = out_dir / "calendar"
    by_source_dir = base / "by-source"
    by_source_dir.mkdir(parents=True, exist_ok=True)
    # Each event is built once and shared by the combined feed and its source's feed.
    events = [(m, build_event(m, versions, now)) for m in meetings]
    by_source: dict[str, list[tuple[Meeting, Event]]] = {}
    for pair in events:
        by_source.setdefault(pair[0].source, []).append(pair)
    feeds = [Feed("calendar/all.ics", "All sources", None, len(meetings))]
    everything = _assemble(events, "Upcoming votes (agenda-watch)", now)
    write_atomic(base / "all.ics", bytes(everything.to_ical()))
    sources = sorted(by_source)
    for source in sources:
        mine = by_source[source]
        title = mine[0][0].jurisdiction
        cal = _assemble(mine, f"Upcoming votes: {title} (agenda-watch)", now)
        write_atomic(by_source_dir / f"{source}.ics", bytes(cal.to_ical()))
        feeds.append(
            Feed(f"calendar/by-source/{source}.ics", f"{title} ({source})", source, len(mine))
        )
    for stale in by_source_dir.glob("*.ics"):
        if stale.stem not in sources:
            stale.unlink()
    return feeds
