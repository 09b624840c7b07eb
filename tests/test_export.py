"""Exports as City Scrapers meetings and Open Civic Data events, checked against their schemas.

Meetings come from recorded pages through the real Scrapy engine:
- eScribe: the real Chula Vista capture (``StartDate`` "2025/12/17 17:15:00", ``EndDate``
  "2025/12/17 18:15:00", naive Pacific time; December, so PST -08:00). Its ``Meeting.aspx`` page
  is BUILT (tests/fixtures/escribe/BUILT_README.md).
- CivicPlus AgendaCenter: the real Gallatin County captures of 2026-08-04 (dates only, no times).
- Legistar: the demo recordings, BUILT in the documented ``/events`` shape
  (pipeline/demo_recordings/README.md).
Every line is parsed back with ``json`` and validated by ``jsonschema`` against the published
schemas (tests/interchange.py; their provenance in tests/fixtures/interchange/PROVENANCE.md).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.ingest.crawl import crawl_one
from pipeline.models import Meeting
from pipeline.settings import Settings
from pipeline.views.civic import Classification, classify_body, export_status, split_location
from pipeline.views.export import (
    city_scrapers_meeting,
    export_lines,
    load_meetings,
    ocd_event,
    select_meetings,
)
from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded
from tests.interchange import city_scrapers_errors, ocd_errors, read_lines
from tests.test_upcoming import HOSTILE, write_stored_meetings

CHICAGO = ZoneInfo("America/Chicago")
GUID = "3a6304b5-97b9-4bcc-aecd-72b8c188e73c"  # the Chula Vista meeting's id in the capture


def escribe_meeting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Meeting:
    """The one meeting of the real Chula Vista calendar capture, crawled and stored."""
    html = "text/html; charset=utf-8"
    calendar = "/MeetingsCalendarView.aspx/GetCalendarMeetings"
    routes: list[dict[str, Any]] = [
        {
            "path": calendar,
            "method": "POST",
            "file": "calendar.json",
            "content_type": "application/json",
        },
        {"path": "/Meeting.aspx", "query": {"Id": GUID}, "file": "page.html", "content_type": html},
    ]
    source = {"id": "chula_vista", "platform": "escribe", "slug": "chulavista"}
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        {**source, "base_url": "{{BASE}}", "timezone": "America/Los_Angeles"}
        | {"options": {"meeting_view_id": 15}, "fetch_documents": False},
        routes,
        {
            "calendar.json": FIXTURES / "escribe" / "sandie_citychula.json",
            "page.html": FIXTURES / "escribe" / "built_meeting_page.html",
        },
    )
    assert crawl.result.ok, crawl.result.message
    [meeting] = crawl.meetings()
    return meeting


def test_escribe_posted_end_in_both_formats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = escribe_meeting(tmp_path, monkeypatch)
    assert meeting.start.isoformat() == "2025-12-17T17:15:00-08:00"
    assert meeting.end is not None and meeting.end.isoformat() == "2025-12-17T18:15:00-08:00"
    now = datetime(2025, 12, 12, 20, 0, tzinfo=UTC)  # five days before

    cs = city_scrapers_meeting(meeting, now)
    assert city_scrapers_errors(cs) == []
    assert cs["id"] == f"chula_vista/202512171715/{GUID}/board_of_ethics_regular_meeting"
    assert (cs["start"], cs["end"], cs["time_notes"]) == (
        "2025-12-17T17:15:00",
        "2025-12-17T18:15:00",
        "",
    )
    assert (cs["title"], cs["classification"], cs["status"]) == (
        "Board of Ethics Regular Meeting",
        "Board",
        "confirmed",
    )
    assert cs["location"] == {
        "name": "City Hall, Bldg. A, Executive Conference Room #103",
        "address": "276 Fourth Avenue, Chula Vista, CA",
    }
    assert cs["source"] == str(meeting.url) and cs["source"].endswith(
        f"Id={GUID}&Agenda=Agenda&lang=English"
    )
    assert [link["title"] for link in cs["links"]][:2] == [
        "Agenda Cover Page (PDF)",
        "Agenda (PDF)",
    ]
    assert (cs["agency"], cs["timezone"]) == ("Test jurisdiction, IL", "America/Los_Angeles")

    event = ocd_event(meeting, now)
    assert ocd_errors(event) == []
    assert (event["start_date"], event["end_date"]) == (
        "2025-12-17T17:15:00-08:00",
        "2025-12-17T18:15:00-08:00",
    )
    assert [a["order"] for a in event["agenda"]] == ["1.", "2.", "2.1", "2.2", "3."]
    assert event["agenda"][2]["notes"] == ["Recommended action: approve the minutes."]
    assert [d["note"] for d in event["documents"]][:2] == [
        "Agenda Cover Page (PDF)",
        "Agenda (PDF)",
    ]
    assert event["links"][-1]["note"] == "Meeting details"
    assert event["participants"] == [
        {"name": "Board of Ethics", "entity_type": "organization", "note": "host"}
    ]
    # The JSON lines carry exactly these objects.
    problems: list[str] = []
    [line] = read_lines("\n".join(export_lines([meeting], "ocd", now, problems)))
    assert line == event and problems == []


def test_legistar_statuses_classifications_and_default_end(demo_env: Settings) -> None:
    for source in ("demo_oak_park", "demo_cook_county"):
        assert crawl_one(demo_env, source, 60).returncode == 0
    loaded = load_meetings(demo_env.data_dir)
    assert loaded.problems == []
    meetings = select_meetings(loaded.meetings)
    now = datetime(2026, 11, 28, 12, 0, tzinfo=CHICAGO)
    lines = read_lines("\n".join(export_lines(meetings, "city-scrapers", now, [])))
    assert [city_scrapers_errors(line) for line in lines] == [[]] * 4
    got = [(ln["start"], ln["title"], ln["classification"], ln["status"]) for ln in lines]
    assert got == [
        ("2026-12-01T10:00:00", "Committee on Human Relations", "Committee", "cancelled"),
        ("2026-12-03T18:00:00", "Finance Committee", "Committee", "confirmed"),
        ("2026-12-08T19:00:00", "Village Board", "City Council", "confirmed"),
        ("2026-12-10T11:00:00", "Board of Commissioners", "City Council", "confirmed"),
    ]
    board = lines[2]
    # No end on the page: two hours, said in time_notes.
    assert board["end"] == "2026-12-08T21:00:00"
    assert "No end time was posted" in board["time_notes"]
    assert board["location"] == {
        "name": "Village Hall, Council Chambers",
        "address": "123 Madison Street",
    }
    assert (
        board["source"]
        == "https://oak-park.legistar.com/MeetingDetail.aspx?LEGID=9001&GID=557&G=DEMO9001"
    )
    assert lines[3]["location"] == {
        "name": "Cook County Building, Board Room",
        "address": "118 North Clark Street, Chicago, Illinois",
    }

    # City Scrapers' status rules, on the same real records.
    by_title = {m.title: m for m in meetings}
    cook = by_title["Board of Commissioners"]
    unposted = cook.model_copy(update={"items": [], "links": [], "documents": []})
    assert export_status(unposted, now) == "tentative"  # 12 days away, no agenda
    assert export_status(unposted, datetime(2026, 12, 4, 11, 0, tzinfo=CHICAGO)) == "confirmed"
    assert export_status(cook, datetime(2026, 12, 10, 11, 0, tzinfo=CHICAGO)) == "passed"

    events = read_lines("\n".join(export_lines(meetings, "ocd", now, [])))
    assert [ocd_errors(e) for e in events] == [[]] * 4
    village = events[2]
    assert (village["start_date"], village["end_date"]) == ("2026-12-08T19:00:00-06:00", "")
    resolution = village["agenda"][2]
    assert resolution["related_entities"] == [
        {"entity_type": "bill", "name": "RES 26-196", "note": "consideration"}
    ]
    assert resolution["subjects"] == ["immigration enforcement"]
    assert [e["classification"] for e in events] == [
        "committee-meeting",
        "committee-meeting",
        "meeting",
        "meeting",
    ]


def test_date_only_meetings_from_civicplus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2026-08-04")  # capture date
    civicplus = FIXTURES / "civicplus"
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        {"id": "gallatin", "platform": "civicplus", "base_url": "{{BASE}}/AgendaCenter"}
        | {"timezone": "America/Denver", "days_back": 1000, "fetch_documents": False},
        [{"path": "/AgendaCenter", "file": "index.html", "content_type": "text/html"}],
        {"index.html": civicplus / "commissionwatch__gallatin_agendacenter-index.html"},
    )
    meetings = {m.id: m for m in select_meetings(crawl.meetings())}
    assert len(meetings) == 8  # the index rows (the Weed Board's other years are not served)
    now = datetime(2026, 8, 4, 12, 0, tzinfo=ZoneInfo("America/Denver"))
    bstrp = city_scrapers_meeting(meetings["gallatin/20250602/06022025-2"], now)
    assert city_scrapers_errors(bstrp) == []
    assert bstrp["id"] == "gallatin/202506020000/06022025-2/bstrp_regular_meeting_agenda"
    assert bstrp["start"] == "2025-06-02T00:00:00" and "end" not in bstrp
    assert bstrp["time_notes"] == "The source gave the date only; no start time was posted."
    assert (bstrp["status"], bstrp["classification"]) == ("passed", "Board")
    assert bstrp["source"].endswith("/AgendaCenter/ViewFile/Agenda/_06022025-2")
    weed = meetings["gallatin/20260806/08062026-108"]
    assert export_status(weed, now) == "confirmed"  # two days ahead, agenda posted
    assert export_status(weed, datetime(2026, 8, 6, 23, 0, tzinfo=ZoneInfo("America/Denver"))) == (
        "confirmed"  # a date-only meeting is not over until its day is
    )
    assert (
        export_status(weed, datetime(2026, 8, 7, 0, 5, tzinfo=ZoneInfo("America/Denver")))
        == "passed"
    )
    event = ocd_event(weed, now)
    assert ocd_errors(event) == []
    assert (event["start_date"], event["end_date"], event["all_day"]) == ("2026-08-06", "", False)
    assert {city_scrapers_meeting(m, now)["classification"] for m in meetings.values()} == {
        "Board",
        "Commission",
    }


def test_schemas_reject_what_the_formats_forbid(tmp_path: Path) -> None:
    """The checks bite: our own statuses, a missing zone or source fail validation."""
    store = write_stored_meetings(tmp_path)
    meeting = store.read("oak_park/20261027/9001")
    now = datetime(2026, 10, 24, 13, 0, tzinfo=UTC)
    cs = city_scrapers_meeting(meeting, now)
    assert city_scrapers_errors(cs) == []
    assert city_scrapers_errors({**cs, "status": "scheduled"})
    assert city_scrapers_errors({**cs, "classification": "Village Board"})
    assert city_scrapers_errors({**cs, "start": "2026-10-27T19:00:00-05:00"})
    assert city_scrapers_errors({k: v for k, v in cs.items() if k != "source"})
    event = ocd_event(meeting, now)
    assert ocd_errors(event) == []
    assert ocd_errors({**event, "start_date": "2026-10-27T19:00:00"})  # no UTC offset
    assert ocd_errors({**event, "sources": []})
    assert ocd_errors({**event, "status": "rescheduled"})


def test_one_bad_file_or_meeting_costs_one_line(tmp_path: Path) -> None:
    store = write_stored_meetings(tmp_path)
    (tmp_path / "meetings" / "oak_park" / "20261201-broken.json").write_text("{not json")
    hostile = store.read("chicago/20261102/C-4411")
    store.write(hostile.model_copy(update={"title": 'Line one\nline two\u2028"quoted" ' + HOSTILE}))
    loaded = load_meetings(tmp_path)
    [bad_file] = loaded.problems
    assert "20261201-broken.json" in bad_file
    meetings = select_meetings(loaded.meetings)
    assert len(meetings) == 9  # 10 stored; the moved meeting's stale copy is dropped
    # Three of them (outside the upcoming window) were stored with no page and no documents.
    no_url = [m.id for m in meetings if m.url is None and not m.links]
    assert len(no_url) == 3
    problems: list[str] = []
    now = datetime(2026, 10, 24, tzinfo=UTC)
    text = "\n".join(export_lines(meetings, "city-scrapers", now, problems))
    assert problems == [
        f"{mid}: no meeting page or document URL to cite as its source" for mid in no_url
    ]
    lines = read_lines(text)
    assert len(text.split("\n")) == len(lines) == 6
    assert [city_scrapers_errors(line) for line in lines] == [[]] * 6
    [chicago] = [ln for ln in lines if ln["agency"] == "City of Chicago, IL"]
    assert chicago["title"].startswith('Line one\nline two\u2028"quoted" <img')
    assert chicago["status"] == "cancelled"  # rescheduled: this date is off
    assert "rescheduled" in chicago["time_notes"]
    assert "\u2028" not in text  # escaped: readers that split on it still see one line


def test_select_since_and_sources(tmp_path: Path) -> None:
    store = write_stored_meetings(tmp_path)
    picked = select_meetings(store.iter_meetings(), date(2026, 11, 3), frozenset({"cook_county"}))
    assert [m.id for m in picked] == ["cook_county/20261105/9101"]  # the stale Oct 28 copy is gone
    oak = select_meetings(store.iter_meetings(), date(2026, 11, 3), frozenset({"oak_park"}))
    assert [m.start.astimezone(CHICAGO).date() for m in oak] == [
        date(2026, 11, 3),
        date(2026, 11, 5),
        date(2026, 11, 10),
    ]


# The first eight body names are as captured pages give them (eLMS Chicago, NovusAGENDA Hennepin,
# eScribe Chula Vista, CivicPlus Gallatin); the rest are typical Illinois body names, written
# here as examples (not from a page), including towns whose names hold an agency word.
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("City Council", "City Council"),
        ("Committee on Immigrant and Refugee Rights", "Committee"),
        ("Joint Committee: Public Safety; Police & Fire", "Committee"),
        ("Housing and Redevelopment Authority", "Board"),
        ("Board Meeting", "Board"),
        ("Board of Ethics Regular Meeting", "Board"),
        ("Big Sky Meadow Trails, Recreation & Parks Special District", "Board"),
        ("Study Commission", "Commission"),
        ("Village Board", "City Council"),
        ("Board of Commissioners", "City Council"),
        ("Board of Trustees", "City Council"),
        ("Park Ridge Board of Trustees", "City Council"),
        ("Library Board of Trustees", "Board"),
        ("Board of Fire and Police Commissioners", "Board"),
        ("Zoning Board of Appeals", "Board"),
        ("Forest Preserve District Board of Commissioners", "Board"),
        ("Plan Commission", "Commission"),
        ("Citizens Advisory Council", "Advisory Committee"),
        ("Youth Council", "Not classified"),
    ],
)
def test_classification_from_the_body_name(body: str, expected: Classification) -> None:
    assert classify_body(body) == expected


def test_committee_title_and_location_split() -> None:
    assert classify_body("Village Board", "Village Board Committee of the Whole") == "Committee"
    assert classify_body("Regular Meeting", "City Council Regular Meeting") == "City Council"
    # The demo's and the captures' location strings.
    assert split_location("Village Hall, Room 201") == ("Village Hall, Room 201", "")
    assert split_location("Village Hall, 2nd Floor, 100 N. Main St., Suite 4, Elgin, IL 60120") == (
        "Village Hall, 2nd Floor",
        "100 N. Main St., Suite 4, Elgin, IL 60120",
    )
    assert split_location("123 Main St") == ("", "123 Main St")


def test_export_command_filters_writes_a_file_and_names_what_it_skipped(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_stored_meetings(data)
    (data / "meetings" / "oak_park" / "20261201-broken.json").write_text("{not json")
    out = tmp_path / "exports" / "meetings.jsonl"
    args = ["--data-dir", str(data), "export", "--format", "city-scrapers", "--since", "2026-11-03"]
    result = CliRunner().invoke(
        main, [*args, "--source", "oak_park", "--source", "cook_county", "--out", str(out)]
    )
    # Written: the two meetings from Nov 3 on with a page; named on stderr: the unreadable file
    # and the two stored without any URL (Nov 5 and Nov 10); exit 1 because something was left out.
    assert result.exit_code == 1, result.output
    lines = read_lines(out.read_text(encoding="utf-8"))
    assert [(ln["start"], ln["agency"]) for ln in lines] == [
        ("2026-11-03T19:00:00", "Village of Oak Park, IL"),
        ("2026-11-05T11:00:00", "Cook County, IL"),
    ]
    assert [city_scrapers_errors(line) for line in lines] == [[], []]
    assert "20261201-broken.json" in result.stderr
    assert "oak_park/20261105/9005: no meeting page" in result.stderr
    assert "oak_park/20261110/9004: no meeting page" in result.stderr
    assert f"2 meetings written to {out}" in result.stderr

    ocd = CliRunner().invoke(
        main, ["--data-dir", str(data), "export", "--format", "ocd", "--source", "chicago"]
    )
    [event] = read_lines(ocd.stdout)
    assert ocd_errors(event) == [] and event["start_date"] == "2026-11-02"
    assert ocd.exit_code == 1  # the broken file is still reported

    unknown = CliRunner().invoke(
        main, ["--data-dir", str(data), "export", "--format", "ocd", "--source", "nowhere"]
    )
    assert unknown.stdout == "" and "no stored meetings from source 'nowhere'" in unknown.stderr
    bad = CliRunner().invoke(main, ["--data-dir", str(data), "export", "--format", "ical"])
    assert bad.exit_code == 2 and "city-scrapers" in bad.stderr
    # An unwritable target: one line saying so, no traceback, nothing half-written.
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    failed = CliRunner().invoke(main, [*args, "--out", str(blocked / "meetings.jsonl")])
    assert failed.exit_code == 1 and "cannot write" in failed.stderr
    assert isinstance(failed.exception, SystemExit)  # a clean exit, not an OSError
