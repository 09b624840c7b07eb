"""Dates are checked at the model boundary, and no stored value can crash a view.

Issue 10 item 3: a Legistar event dated 9999-12-31 11:30 PM was stored, then every ``deliver``,
``upcoming`` and ``site`` died with OverflowError. Now the model refuses such a date by name, the
crawl drops that meeting with a counted warning, and whatever a file on disk holds (written by an
older version, or by hand) the views skip it instead of crashing.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pipeline.cli import main
from pipeline.deliver.slack import render
from pipeline.ingest.crawl import crawl_one
from pipeline.models import (
    IMPLAUSIBLE_DATE,
    BillHearing,
    Meeting,
    Notice,
    example_meeting,
    is_implausible_date,
    plausible_range,
)
from pipeline.replay import ReplayServer
from pipeline.store.files import JsonStore, meeting_path
from pipeline.views.calendar import EventVersions, calendar_bytes
from pipeline.views.export import city_scrapers_meeting, ocd_event
from pipeline.views.format import match_rows, upcoming_table
from pipeline.views.site import build_site, render_page
from pipeline.views.upcoming import UpcomingQuery, select_upcoming, upcoming_json
from tests.conftest import examples, make_settings

CHICAGO = ZoneInfo("America/Chicago")
PLACEHOLDER = datetime(9999, 12, 31, 23, 30, tzinfo=CHICAGO)


def test_the_model_refuses_implausible_dates_by_name() -> None:
    first, last = plausible_range(date(2026, 3, 2))
    assert (first, last) == (date(1990, 1, 1), date(2031, 3, 2))
    assert plausible_range(date(2028, 2, 29))[1] == date(2033, 2, 28)
    meeting = example_meeting()
    for bad in (PLACEHOLDER, datetime(1989, 12, 31, 23, 59, tzinfo=CHICAGO)):
        with pytest.raises(ValidationError) as caught:
            meeting.model_copy(update={"start": None}).model_validate(
                {**meeting.model_dump(), "start": bad}
            )
        assert is_implausible_date(caught.value)
        assert caught.value.errors()[0]["type"] == IMPLAUSIBLE_DATE
    with pytest.raises(ValidationError, match="outside the plausible range"):
        meeting.start = PLACEHOLDER  # assignment is validated too
    ok = Meeting.model_validate(
        {**meeting.model_dump(), "start": datetime(1990, 1, 1, tzinfo=CHICAGO)}
    )
    assert ok.start.year == 1990
    with pytest.raises(ValidationError, match="implausible_date"):
        BillHearing(committee="Executive", start=PLACEHOLDER)
    with pytest.raises(ValidationError, match="not an IANA time zone: 'Mars/Phobos'"):
        Meeting.model_validate({**meeting.model_dump(), "timezone": "Mars/Phobos"})


def test_a_placeholder_date_costs_that_meeting_as_a_counted_warning(
    tmp_path: Path, recordings_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events_file = recordings_copy / "cook_county" / "events.json"
    events = json.loads(events_file.read_text())
    assert len(events) == 2
    events[0].update(EventDate="9999-12-31T00:00:00", EventTime="11:30 PM")
    events_file.write_text(json.dumps(events))
    with ReplayServer(recordings_copy) as replay:
        settings = make_settings(tmp_path, replay.base_url, monkeypatch)
        result = crawl_one(settings, "demo_cook_county", 60)
    assert result.ok and result.errors == 0 and result.meetings == 1
    # The spider's row isolation catches it first: one row of the listing unreadable, named.
    assert result.message.startswith("ListingShortfall: 2 rows seen, 1 read (1 unreadable")
    assert "meeting date 9999-12-31 outside 1990–2031" in result.message
    [stored] = JsonStore(settings.data_dir).iter_meetings()
    assert stored.platform_id == str(events[1]["EventId"])


def raw_meeting(
    start: str, zone: str, time_known: bool, status: str, end: str | None = None
) -> dict[str, object]:
    data = json.loads(example_meeting().model_dump_json())
    data["items"][0]["classification"] = {"relevant": True, "score": 3, "topics": ["detention"]}
    fields = {"start": start, "timezone": zone, "time_known": time_known, "status": status}
    return {**data, **fields, "end": end}


ZONES = [UTC, CHICAGO, ZoneInfo("Pacific/Kiritimati"), timezone(timedelta(hours=-23, minutes=-59))]
starts = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from(ZONES),
    ),
    st.sampled_from([PLACEHOLDER, datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))]),
    st.datetimes(
        min_value=datetime(2020, 1, 1),
        max_value=datetime(2031, 1, 1),
        timezones=st.sampled_from(ZONES),
    ),
).map(datetime.isoformat)
stored_meetings = st.lists(
    st.builds(
        raw_meeting,
        start=st.one_of(starts, st.sampled_from(["", "not a date", "9999-99-99T00:00:00Z"])),
        zone=st.sampled_from(
            [
                "America/Chicago",
                "Pacific/Kiritimati",
                "Etc/GMT+12",
                "Mars/Phobos",
                "",
                "../../etc/passwd",
            ]
        ),
        time_known=st.booleans(),
        status=st.sampled_from(["scheduled", "cancelled", "exploded"]),
        end=st.one_of(st.none(), starts),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stored=stored_meetings)
def test_no_stored_value_crashes_a_view(tmp_path: Path, stored: list[dict[str, object]]) -> None:
    data = Path(tempfile.mkdtemp(dir=tmp_path))  # one data dir per example
    folder = data / "meetings" / "oak_park"
    folder.mkdir(parents=True)
    for n, raw in enumerate(stored):
        (folder / f"2025120{n}-x.json").write_text(json.dumps({**raw, "id": f"oak_park/x/{n}"}))
    store = JsonStore(data)
    meetings = list(store.iter_meetings())
    valid = []
    for raw in stored:
        try:
            valid.append(Meeting.model_validate(raw))
        except ValidationError:
            pass
    assert len(meetings) == len(valid) and len(store.unreadable) == len(stored) - len(valid)
    query = UpcomingQuery(first=date(1990, 1, 1), days=365 * 45)
    shown = select_upcoming(meetings, query)
    assert len(shown) == len([m for m in meetings if m.status != "exploded"])
    json.dumps(upcoming_json(shown, query))
    upcoming_table(shown, query.first, query.last)
    render_page(shown, query, feeds=[])
    calendar_bytes(shown, "t", EventVersions(None))
    match_rows(JsonStore(data).iter_meetings())
    build_site(shown, data / "site", query, EventVersions(None))
    for m in meetings:
        city_scrapers_meeting(m, datetime.now(UTC))
        ocd_event(m, datetime.now(UTC))
        render(
            Notice(
                id="n",
                kind="new_matches",
                thread_key=m.id,
                source="s",
                meeting=m,
                created_at=datetime.now(UTC),
            )
        )


def test_the_commands_skip_a_stored_placeholder_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path, "http://127.0.0.1:9/", monkeypatch)
    store = JsonStore(settings.data_dir)
    good = Meeting.model_validate(
        raw_meeting("2026-12-08T19:00:00-06:00", "America/Chicago", True, "scheduled")
    )
    store.write(good)
    path = meeting_path(settings.data_dir, good.id)
    bad = raw_meeting(PLACEHOLDER.isoformat(), "America/Chicago", True, "scheduled")
    path.with_name("99991231-1.json").write_text(json.dumps({**bad, "id": "oak_park/99991231/1"}))
    runner = CliRunner()
    for args in (
        ["upcoming", "--from", "2026-12-01", "--format", "json"],
        ["upcoming", "--from", "2026-12-01", "--format", "ics"],
        ["site", "--out", str(tmp_path / "site"), "--from", "2026-12-01"],
        ["matches"],
    ):
        out = runner.invoke(main, args)
        assert out.exit_code == 0, (args, out.output)
    listed = json.loads(
        runner.invoke(main, ["upcoming", "--from", "2026-12-01", "--format", "json"]).stdout
    )
    assert [m["id"] for m in listed["meetings"]] == [good.id]
    exported = runner.invoke(main, ["export", "--format", "ocd"])  # exit 1: it names the skip
    assert exported.exit_code == 1 and isinstance(exported.exception, SystemExit)
    assert "99991231-1.json: not a readable meeting" in exported.stderr
    assert len(exported.stdout.splitlines()) == 1
    doctor = runner.invoke(main, ["doctor"])
    assert "set aside meetings/oak_park/99991231-1.json" in doctor.stdout
    assert "start: date 9999-12-31T23:30:00-06:00 is outside the plausible range" in doctor.stdout
