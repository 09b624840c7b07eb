"""Stored meetings in formats other tools already read: City Scrapers meetings and OCD events.

``agenda-watch export --format city-scrapers|ocd`` writes one JSON object per line. The shapes
follow the published definitions (facts, restated here; tests validate against them):

**City Scrapers** (City-Bureau/city-scrapers-core: ``items.Meeting`` and its ``jsonschema``,
``constants.py``). ``start``/``end`` are naive local ISO times ("2026-12-08T19:00:00"), as their
validation pipeline writes them. ``status`` follows their documented rules (city-scrapers
``docs/06_event_schema.md``): *cancelled* when listed as cancelled or rescheduled, *passed* once it
has started, *confirmed* when an agenda is posted or it is at most 7 days away, else *tentative*.
``classification`` comes from the body's name; ``location`` is split into a place ``name`` and a
street ``address`` (both in `pipeline.views.civic`); ``source`` is the meeting's own page.
Without a posted end, ``end`` is the start plus `DEFAULT_DURATION` (their ``MeetingPipeline``
does the same) and ``time_notes`` says so; a date-only meeting has no ``end``. Two keys their
schema allows but does not define make a mixed export unambiguous: ``agency`` (the jurisdiction)
and ``timezone``.

**Open Civic Data events** (opencivicdata/pupa ``scrape/schemas/event.py``, python-opencivicdata
``Event``): ``start_date``/``end_date`` with their UTC offset, a bare date when no time was
posted, ``end_date`` blank unless the platform gave one; documents, media and links by link kind;
agenda items with their matter as a related ``bill``; the body as the host organization; our ids,
zone and topics in ``extras``. ``_id`` is ``ocd-event/<uuid5>`` of the meeting's platform
identity, so a moved meeting keeps its id.
"""

from __future__ import annotations

import json
import mimetypes
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import ValidationError

from pipeline.display import topic_label
from pipeline.models import AgendaItem, Meeting, slugify
from pipeline.store.ledger import IndexSelection
from pipeline.views.civic import (
    DEFAULT_DURATION,
    classify_body,
    export_status,
    local_time,
    platform_end,
    split_location,
)
from pipeline.views.upcoming import latest_versions

ExportFormat = Literal["city-scrapers", "ocd"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)


class ExportError(ValueError):
    """A meeting that cannot be written in the asked format (the message says why)."""


def source_url(meeting: Meeting) -> str:
    """The meeting's own page, else its first document; `ExportError` when it has neither."""
    if meeting.url:
        return str(meeting.url)
    for kind in ("detail", "agenda", "packet", "minutes"):
        for link in meeting.links:
            if link.kind == kind:
                return str(link.url)
    if meeting.links:
        return str(meeting.links[0].url)
    raise ExportError(f"{meeting.id}: no meeting page or document URL to cite as its source")


def _time_notes(meeting: Meeting) -> str:
    notes = []
    if not meeting.time_known:
        notes.append("The source gave the date only; no start time was posted.")
    elif platform_end(meeting) is None:
        notes.append("No end time was posted; the end is estimated as two hours after the start.")
    if meeting.status == "rescheduled":
        notes.append("The source lists this meeting as rescheduled; check it for the new date.")
    return " ".join(notes)


def _naivelocal_time(moment: datetime, meeting: Meeting) -> str:
    return local_time(moment, meeting).replace(tzinfo=None).isoformat(timespec="seconds")


def city_scrapers_meeting(meeting: Meeting, now: datetime) -> dict[str, Any]:
    """One meeting as a City Scrapers ``Meeting`` item (JSON-ready)."""
    start = local_time(meeting.start, meeting)
    key = (meeting.platform_id or "x").replace("/", "-")
    hhmm = f"{start:%H%M}" if meeting.time_known else "0000"
    name, address = split_location(meeting.location)
    source = source_url(meeting)
    out: dict[str, Any] = {
        "id": f"{meeting.source}/{start:%Y%m%d}{hhmm}/{key}/{slugify(meeting.title)}",
        "title": meeting.title,
        "description": "",
        "classification": classify_body(meeting.body, meeting.title),
        "status": export_status(meeting, now),
        "start": _naivelocal_time(meeting.start, meeting),
        "all_day": False,
        "time_notes": _time_notes(meeting),
        "location": {"name": name, "address": address},
        "links": [
            {"href": str(link.url), "title": link.title}
            for link in meeting.links
            if str(link.url) != source
        ],
        "source": source,
        "agency": meeting.jurisdiction,
        "timezone": meeting.timezone,
    }
    if meeting.time_known:
        end = platform_end(meeting) or meeting.start + DEFAULT_DURATION
        out["end"] = _naivelocal_time(end, meeting)
    return out


def _ocd_when(moment: datetime, meeting: Meeting) -> str:
    local = local_time(moment, meeting)
    return local.isoformat(timespec="seconds") if meeting.time_known else local.date().isoformat()


def _ocd_link(url: str) -> dict[str, str]:
    media_type = mimetypes.guess_type(urlsplit(url).path)[0] or ""
    return {"url": url, "media_type": media_type, "text": ""}


def ocd_event(meeting: Meeting, now: datetime) -> dict[str, Any]:
    """One meeting as an Open Civic Data event (the shape pupa writes and validates)."""
    identity = f"{meeting.source}/{meeting.platform_id}" if meeting.platform_id else meeting.id
    documents, media, links = [], [], []
    for link in meeting.links:
        url = str(link.url)
        if link.kind in ("agenda", "minutes", "packet", "attachment"):
            documents.append({"note": link.title, "date": "", "links": [_ocd_link(url)]})
        elif link.kind == "video":
            media.append(
                {"note": link.title, "date": "", "offset": None, "links": [_ocd_link(url)]}
            )
        else:
            links.append({"note": link.title, "url": url})
    end = platform_end(meeting)
    committee = classify_body(meeting.body, meeting.title) in ("Committee", "Advisory Committee")
    event: dict[str, Any] = {
        "_type": "event",
        "_id": f"ocd-event/{uuid.uuid5(uuid.NAMESPACE_URL, f'agenda-watch:{identity}')}",
        "name": meeting.title,
        "description": "",
        "classification": "committee-meeting" if committee else "meeting",
        "start_date": _ocd_when(meeting.start, meeting),
        "end_date": _ocd_when(end, meeting) if end else "",
        "all_day": False,
        "status": export_status(meeting, now),
        "participants": [{"name": meeting.body, "entity_type": "organization", "note": "host"}],
        "documents": documents,
        "media": media,
        "links": links,
        "agenda": [_ocd_agenda_item(item) for item in meeting.items],
        "sources": [{"url": source_url(meeting), "note": f"agenda-watch source {meeting.source}"}],
        "extras": {
            "agenda-watch/id": meeting.id,
            "agenda-watch/source": meeting.source,
            "agenda-watch/status": meeting.status,
            "jurisdiction": meeting.jurisdiction,
            "timezone": meeting.timezone,
            "time_known": meeting.time_known,
        },
    }
    if meeting.location:
        # pupa's own shape; a location is left out rather than given an empty name.
        event["location"] = {"name": meeting.location, "note": "", "coordinates": None}
    return event


def _ocd_agenda_item(item: AgendaItem) -> dict[str, Any]:
    """An agenda item: its matter as the bill under consideration, topics only if relevant."""
    c = item.classification
    relevant = bool(c and c.relevant)
    return {
        "description": item.title,
        "order": item.number or str(item.sequence),
        "classification": [],
        "subjects": [topic_label(t) for t in c.topics] if c and relevant else [],
        "notes": [item.text] if item.text else [],
        "media": [],
        "related_entities": (
            [{"entity_type": "bill", "name": item.matter, "note": "consideration"}]
            if item.matter
            else []
        ),
        "extras": {
            "agenda-watch/id": item.id,
            "agenda-watch/relevant": relevant,
            "agenda-watch/links": [{"note": ln.title, "url": str(ln.url)} for ln in item.links],
        },
    }


# --- selecting and writing -------------------------------------------------------------------


@dataclass
class Loaded:
    """Meetings read from the store, and one message per file that could not be read."""

    meetings: list[Meeting] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def load_meetings(data_dir: Path) -> Loaded:
    """Every stored meeting; an unreadable file costs that meeting only (and is reported)."""
    loaded = Loaded()
    # The JsonStore layout (meetings/<source>/<file>.json), read file by file so one bad file
    # does not end the export.
    for path in sorted((data_dir / "meetings").glob("*/*.json")):
        try:
            loaded.meetings.append(Meeting.model_validate_json(path.read_bytes()))
        except (OSError, ValidationError) as exc:
            first = str(exc).splitlines()[0]
            loaded.problems.append(f"{path}: not a readable meeting ({first})")
    return loaded


def select_meetings(
    meetings: Iterable[Meeting], since: date | None = None, sources: frozenset[str] = frozenset()
) -> list[Meeting]:
    """The latest copy of each meeting, of `sources` (all when empty), on or after local `since`."""
    picked = [
        m
        for m in latest_versions(m for m in meetings if not sources or m.source in sources)
        if since is None or local_time(m.start, m).date() >= since
    ]
    picked.sort(key=lambda m: (m.start, m.source, m.id))
    return picked


def export_selection(
    since: date | None = None, sources: frozenset[str] = frozenset()
) -> IndexSelection:
    """What `select_meetings` keeps, as an index selection (read in the same order)."""
    return IndexSelection(
        first_local=since.isoformat() if since else None, sources=sources, latest=True
    )


def json_line(obj: dict[str, Any]) -> str:
    """One JSON object on one line (U+2028/U+2029 escaped: some readers split lines on them)."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def export_lines(
    meetings: Iterable[Meeting], fmt: ExportFormat, now: datetime, problems: list[str]
) -> Iterator[str]:
    """JSON lines of `meetings` in `fmt`; a meeting that cannot be written adds to `problems`."""
    convert = city_scrapers_meeting if fmt == "city-scrapers" else ocd_event
    for meeting in meetings:
        try:
            yield json_line(convert(meeting, now))
        except ExportError as exc:
            problems.append(str(exc))
