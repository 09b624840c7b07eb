"""iCalendar feeds, read back with an independent parser (vobject), plus RFC 5545 line checks.

We generate with the ``icalendar`` library; ``vobject`` (a separate implementation, dev-only) parses
the output and turns our VTIMEZONE into its own tzinfo, so the local times and UTC offsets it
reports prove the zone data is right on both sides of the 2026-11-01 DST change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject

from pipeline.store.files import JsonStore
from pipeline.views.calendar import EventVersions, calendar_bytes, event_uid, write_feeds
from pipeline.views.upcoming import UpcomingQuery, select_upcoming
from tests.test_export import escribe_meeting
from tests.test_upcoming import (
    BAN_ICE,
    FIRST,
    OAK_PARK_URL,
    RES_25_196,
    TRUST_ACT,
    WELCOMING_AMERICA,
    write_stored_meetings,
)

NOW = datetime(2026, 10, 24, 13, 0, tzinfo=UTC)
CHICAGO = ZoneInfo("America/Chicago")


def _events(data: bytes) -> dict[str, Any]:
    cal = vobject.readOne(data.decode("utf-8"))
    return {ev.uid.value: ev for ev in cal.vevent_list}


def _upcoming(store: JsonStore) -> list[Any]:
    return select_upcoming(store.iter_meetings(), UpcomingQuery(first=FIRST))


def test_rfc5545_lines_and_independent_parse(tmp_path: Path) -> None:
    store = write_stored_meetings(tmp_path)
    data = calendar_bytes(_upcoming(store), "Upcoming votes", EventVersions(None), NOW)
    # RFC 5545 §3.1: CRLF line breaks, lines folded at 75 octets, continuation lines start
    # with one space.
    assert data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in ln and len(ln) <= 75 for ln in lines)
    assert b"BEGIN:VTIMEZONE\r\nTZID:America/Chicago\r\n" in data
    assert data.count(b"BEGIN:VEVENT") == 6

    cal = vobject.readOne(data.decode("utf-8"))
    assert cal.version.value == "2.0" and cal.prodid.value == "-//agenda-watch//Upcoming votes//EN"
    events = _events(data)
    assert sorted(events) == sorted(
        [
            "oak_park/9001@agenda-watch",
            "oak_park/9003@agenda-watch",
            "cook_county/9102@agenda-watch",
            "cook_county/9101@agenda-watch",
            "chicago/C-4411@agenda-watch",
            "il-general-assembly/H-3099-22901@agenda-watch",
        ]
    )

    before = events["oak_park/9001@agenda-watch"].dtstart.value
    after = events["oak_park/9003@agenda-watch"].dtstart.value
    # Same wall clock, 7:00 PM, on both sides of the DST change; offsets from our VTIMEZONE.
    assert (before.replace(tzinfo=None), before.utcoffset()) == (
        datetime(2026, 10, 27, 19, 0),
        timedelta(hours=-5),
    )
    assert (after.replace(tzinfo=None), after.utcoffset()) == (
        datetime(2026, 11, 3, 19, 0),
        timedelta(hours=-6),
    )
    assert before.astimezone(UTC) == datetime(2026, 10, 28, 0, 0, tzinfo=UTC)
    assert after.astimezone(UTC) == datetime(2026, 11, 4, 1, 0, tzinfo=UTC)

    board = events["oak_park/9001@agenda-watch"]
    assert board.summary.value == "Village Board · Village of Oak Park, IL"
    assert board.status.value == "CONFIRMED" and board.sequence.value == "0"
    assert board.url.value == OAK_PARK_URL
    assert board.location.value == "Village Hall, 123 Madison Street, Council Chambers"
    description = board.description.value
    assert f"• 3. {RES_25_196} [immigration enforcement]" in description
    assert f"• 5. {WELCOMING_AMERICA} [welcoming & sanctuary policy]" in description
    assert "Ice Rental" not in description
    assert board.categories.value == ["immigration enforcement", "welcoming & sanctuary policy"]
    assert board.dtstamp.value == NOW and board.last_modified.value == NOW

    cancelled = events["cook_county/9102@agenda-watch"]
    assert cancelled.status.value == "CANCELLED"
    assert cancelled.summary.value.startswith("CANCELLED: Committee on Human Relations")
    assert cancelled.dtstart.value.utcoffset() == timedelta(hours=-5)

    moved = events["cook_county/9101@agenda-watch"]
    assert moved.dtstart.value.replace(tzinfo=None) == datetime(2026, 11, 5, 11, 0)
    assert BAN_ICE in moved.description.value

    rescheduled = events["chicago/C-4411@agenda-watch"]
    assert rescheduled.status.value == "TENTATIVE"
    assert rescheduled.summary.value.startswith("RESCHEDULED: Committee on Health & Human")
    # No time posted: an all-day event on the local date.
    assert rescheduled.dtstart.value == date(2026, 11, 2)
    assert rescheduled.dtend.value == date(2026, 11, 3)

    hearing = events["il-general-assembly/H-3099-22901@agenda-watch"]
    assert hearing.dtstart.value.replace(tzinfo=None) == datetime(2026, 11, 4, 8, 0)
    assert TRUST_ACT in hearing.description.value
    assert hearing.url.value == "https://ilga.gov/House/hearings/details/3099/22901"


def test_feeds_per_source_and_updates_replace_events(tmp_path: Path) -> None:
    store = write_stored_meetings(tmp_path / "data")
    out = tmp_path / "site"
    versions = EventVersions.load(tmp_path / "data")
    feeds = write_feeds(_upcoming(store), out, versions, NOW)
    versions.save()
    assert [(f.path, f.events) for f in feeds] == [
        ("calendar/all.ics", 6),
        ("calendar/by-source/chicago.ics", 1),
        ("calendar/by-source/cook_county.ics", 2),
        ("calendar/by-source/il-general-assembly.ics", 1),
        ("calendar/by-source/oak_park.ics", 2),
    ]
    oak = _events((out / "calendar/by-source/oak_park.ics").read_bytes())
    assert sorted(oak) == ["oak_park/9001@agenda-watch", "oak_park/9003@agenda-watch"]
    first_bytes = (out / "calendar/all.ics").read_bytes()

    # Nothing changed: byte-identical feed, later.
    again = EventVersions.load(tmp_path / "data")
    write_feeds(_upcoming(store), out, again, NOW + timedelta(hours=8))
    again.save()
    assert (out / "calendar/all.ics").read_bytes() == first_bytes

    # The Oak Park board is cancelled: same UID, SEQUENCE 1, new LAST-MODIFIED, STATUS:CANCELLED.
    board = store.read("oak_park/20261027/9001")
    store.write(board.model_copy(update={"status": "cancelled"}))
    later = NOW + timedelta(days=1)
    third = EventVersions.load(tmp_path / "data")
    write_feeds(_upcoming(store), out, third, later)
    third.save()
    events = _events((out / "calendar/all.ics").read_bytes())
    changed = events[event_uid(board)]
    assert changed.status.value == "CANCELLED" and changed.sequence.value == "1"
    assert changed.last_modified.value == later and changed.dtstamp.value == later
    assert events["oak_park/9003@agenda-watch"].sequence.value == "0"
    assert events["oak_park/9003@agenda-watch"].last_modified.value == NOW

    # A source with nothing left loses its feed file instead of freezing stale events.
    only_oak = [m for m in _upcoming(store) if m.source == "oak_park"]
    write_feeds(only_oak, out, third, later)
    assert sorted(p.name for p in (out / "calendar/by-source").iterdir()) == ["oak_park.ics"]


def test_empty_feed_is_still_a_valid_calendar() -> None:
    data = calendar_bytes([], "Nothing", EventVersions(None), NOW)
    cal = vobject.readOne(data.decode("utf-8"))
    assert not hasattr(cal, "vevent") and cal.vtimezone.tzid.value == "America/Chicago"


@pytest.mark.engine  # crawls the eScribe capture through tests.test_export's helper
def test_end_from_the_platform_or_two_hours_across_dst(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DTEND where the platform posted an end, DURATION:PT2H where it did not, all-day if no time.

    The eScribe meeting is the real Chula Vista capture (17:15-18:15 PST). The Oak Park board
    meets at 7:00 PM on both sides of the 2026-11-01 DST change. The overnight session is that
    board meeting moved by hand (not from a page) to run from 10 PM CDT to 3 AM CST, across the
    change: its DTEND must carry the other offset.
    """
    escribe = escribe_meeting(tmp_path / "escribe", monkeypatch)
    store = write_stored_meetings(tmp_path / "data")
    before, after = store.read("oak_park/20261027/9001"), store.read("oak_park/20261103/9003")
    overnight = before.model_copy(
        update={
            "id": "oak_park/20261031/overnight",
            "platform_id": "overnight",
            "start": datetime(2026, 10, 31, 22, 0, tzinfo=CHICAGO),
            "end": datetime(2026, 11, 1, 3, 0, tzinfo=CHICAGO),
        }
    )
    date_only = store.read("chicago/20261102/C-4411")
    meetings = [escribe, before, overnight, date_only, after]
    data = calendar_bytes(meetings, "Upcoming votes", EventVersions(None), NOW)
    assert b"DTEND;TZID=America/Los_Angeles:20251217T181500\r\n" in data
    assert b"BEGIN:VTIMEZONE\r\nTZID:America/Los_Angeles\r\n" in data
    events = _events(data)

    posted = events[f"chula_vista/{escribe.platform_id}@agenda-watch"]
    assert posted.dtend.value.replace(tzinfo=None) == datetime(2025, 12, 17, 18, 15)
    assert posted.dtend.value.utcoffset() == timedelta(hours=-8)
    assert not hasattr(posted, "duration")
    assert "no end time" not in posted.description.value

    for uid, utc_start in (
        ("oak_park/9001@agenda-watch", datetime(2026, 10, 28, 0, 0, tzinfo=UTC)),
        ("oak_park/9003@agenda-watch", datetime(2026, 11, 4, 1, 0, tzinfo=UTC)),
    ):
        event = events[uid]
        assert event.duration.value == timedelta(hours=2) and not hasattr(event, "dtend")
        assert event.dtstart.value.astimezone(UTC) == utc_start
        end = event.dtstart.value + event.duration.value
        assert end.astimezone(UTC) == utc_start + timedelta(hours=2)
        assert "The source gave no end time; shown as 2 hours." in event.description.value

    session = events["oak_park/overnight@agenda-watch"]
    assert session.dtstart.value.utcoffset() == timedelta(hours=-5)
    assert session.dtend.value.replace(tzinfo=None) == datetime(2026, 11, 1, 3, 0)
    assert session.dtend.value.utcoffset() == timedelta(hours=-6)
    # Six hours elapse (same-zone subtraction would say five: compare in UTC).
    elapsed = session.dtend.value.astimezone(UTC) - session.dtstart.value.astimezone(UTC)
    assert elapsed == timedelta(hours=6)

    # No time posted: still an all-day event on the local date, with no made-up length.
    all_day = events["chicago/C-4411@agenda-watch"]
    assert (all_day.dtstart.value, all_day.dtend.value) == (date(2026, 11, 2), date(2026, 11, 3))
    assert not hasattr(all_day, "duration")


def test_an_end_at_or_before_the_start_is_not_used(tmp_path: Path) -> None:
    store = write_stored_meetings(tmp_path)
    board = store.read("oak_park/20261027/9001")
    for end in (board.start, board.start - timedelta(hours=1)):
        data = calendar_bytes(
            [board.model_copy(update={"end": end})], "x", EventVersions(None), NOW
        )
        event = _events(data)["oak_park/9001@agenda-watch"]
        assert event.duration.value == timedelta(hours=2) and not hasattr(event, "dtend")
