"""Diligent Community on two school boards' real meetings answers (diligent/PROVENANCE.md).

Kansas City Kansas Public Schools: records without ``MeetingTime``: those at "… 00:00" (meetings
imported from BoardDocs) have no known time; types named after agendas ("Special Meeting Agenda")
stay whole as the body. Tulsa Public Schools: a "(DRAFT AGENDA)" note after the name's date
leaves the title with the date; a name's own date may differ from the meeting's.
"""

from __future__ import annotations

from collections import Counter

from pipeline.models import Meeting
from tests.conftest import FIXTURES
from tests.vocab_cases import parse_as_cli

KCKPS = FIXTURES / "diligent" / "city-scrapers-kancit__kancit_kckpsboe.json"
SERVICE = "https://kckps.community.highbond.com/Services/MeetingsService.svc/meetings"
TULSA = FIXTURES / "diligent" / "city-scrapers-tulsa__tulok_boed.json"
TULSA_SERVICE = "https://tulsaschools.diligent.community/Services/MeetingsService.svc/meetings"


def _meetings() -> list[Meeting]:
    url = f"{SERVICE}?from=2014-07-01&to=2026-12-31&loadall=false"
    return parse_as_cli("diligent", url, KCKPS.read_bytes(), "America/Chicago")


def test_times_and_midnight_placeholders() -> None:
    meetings = _meetings()
    assert len(meetings) == 12
    by_id = {m.platform_id: m for m in meetings}
    assert by_id["574"].start.isoformat() == "2025-10-28T10:00:00-05:00"
    assert by_id["593"].start.isoformat() == "2026-02-06T13:00:00-06:00"
    # "2020-02-22 00:00" with no MeetingTime field: the date only.
    assert (by_id["277"].start.isoformat(), by_id["277"].time_known) == (
        "2020-02-22T00:00:00-06:00",
        False,
    )
    assert sorted(m.platform_id or "" for m in meetings if not m.time_known) == [
        "186",
        "188",
        "277",
        "538",
        "545",
    ]


def test_titles_bodies_and_places() -> None:
    by_id = {m.platform_id: m for m in _meetings()}
    # Double spaces and the date suffix leave the names.
    assert (by_id["586"].title, by_id["586"].body) == (
        "Facilities Committee Meeting",
        "Facilities Committee",
    )
    assert (by_id["574"].title, by_id["574"].body) == (
        "Academic Committee Meeting",
        "Academic Committee",
    )
    # A type named after an agenda is not cut down to "Agenda".
    assert {by_id["573"].body, by_id["593"].body} == {"Special Meeting Agenda"}
    assert by_id["593"].title == "Special (Budget) Meeting Agenda"
    assert by_id["522"].location == "Kansas City Kansas Public School"
    assert by_id["277"].location == ""
    assert Counter(m.status for m in by_id.values()) == {"scheduled": 12}
    assert str(by_id["574"].url) == (
        "https://kckps.community.highbond.com/Portal/MeetingInformation.aspx?Org=Cal&Id=574"
    )


def _tulsa() -> dict[str, Meeting]:
    url = f"{TULSA_SERVICE}?from=2024-12-01&to=9999-12-31"
    meetings = parse_as_cli("diligent", url, TULSA.read_bytes(), "America/Chicago")
    assert len(meetings) == 50
    return {m.platform_id or "": m for m in meetings}


def test_tulsa_draft_agendas_leave_the_title() -> None:
    by_id = _tulsa()
    # "Regular Meeting - Dec 14 2026 (DRAFT AGENDA)": the note and the date leave the name.
    assert Counter(m.title for m in by_id.values()) == {"Regular Meeting": 42, "Special Meeting": 8}
    assert (by_id["213"].start.isoformat(), by_id["213"].status) == (
        "2026-12-14T17:30:00-06:00",
        "scheduled",
    )
    assert by_id["193"].start.isoformat() == "2026-01-12T17:30:00-06:00"
    assert Counter(m.status for m in by_id.values()) == {"scheduled": 50}
    assert all(m.time_known for m in by_id.values())


def test_tulsa_times_places_and_types() -> None:
    by_id = _tulsa()
    assert by_id["143"].start.isoformat() == "2024-12-09T18:30:00-06:00"  # the last record
    assert by_id["189"].start.isoformat() == "2025-08-04T18:30:00-05:00"
    assert by_id["156"].start.isoformat() == "2025-02-27T17:15:00-06:00"
    # "Special Meeting - Jun 12, 2025" is held on the day its date fields say.
    assert (by_id["187"].title, by_id["187"].start.isoformat()) == (
        "Special Meeting",
        "2025-06-10T15:30:00-05:00",
    )
    assert by_id["187"].location == (
        "University of Tulsa, Allen Chapman Student Union Room, Alcove Room, 3135 E 5th ST. "
        "Tulsa, OK 74104"
    )
    assert by_id["192"].location.startswith("Room 200-C (second floor,) Charles C. Mason")
    # Named "Special Meeting" but typed "Regular Meeting": each field says what it was given.
    assert (by_id["182"].title, by_id["182"].body) == ("Special Meeting", "Regular Meeting")
    assert str(by_id["213"].url) == (
        "https://tulsaschools.diligent.community/Portal/MeetingInformation.aspx?Org=Cal&Id=213"
    )


LAS_CRUCES = FIXTURES / "diligent" / "city-scrapers-lascruc__lascruc_las_cruces_city.json"
CIVICWEB = "https://lascruces.civicweb.net/Services/MeetingsService.svc/meetings"


def _las_cruces() -> dict[str, Meeting]:
    url = f"{CIVICWEB}?from=2024-01-01&to=2027-12-31"
    meetings = parse_as_cli("diligent", url, LAS_CRUCES.read_bytes(), "America/Denver")
    assert len(meetings) == 10
    return {m.platform_id or "": m for m in meetings}


def test_las_cruces_mountain_times_on_a_civicweb_host() -> None:
    by_id = _las_cruces()
    assert by_id["11014"].start.isoformat() == "2026-10-26T17:00:00-06:00"
    assert by_id["11025"].start.isoformat() == "2026-01-22T14:00:00-07:00"
    assert by_id["10853"].start.isoformat() == "2025-01-13T09:00:00-07:00"
    assert by_id["10738"].start.isoformat() == "2024-06-27T09:00:00-06:00"
    assert all(m.time_known for m in by_id.values())
    assert Counter(m.status for m in by_id.values()) == {"scheduled": 10}
    assert str(by_id["10855"].url) == (
        "https://lascruces.civicweb.net/Portal/MeetingInformation.aspx?Org=Cal&Id=10855"
    )
    assert by_id["11025"].location == "Utilities"  # "Utilities " as served
    assert by_id["11052"].location == "680 N. Motel Blvd."


def test_las_cruces_bodies_without_a_body_word() -> None:
    by_id = _las_cruces()
    titles_bodies = {k: (m.title, m.body) for k, m in by_id.items()}
    # The kind leaves a body named by an initialism or before "- Regular Meeting".
    assert titles_bodies["11025"] == ("Work Session - CIAC", "CIAC")
    assert titles_bodies["10738"] == ("ASCMV Closed Meeting", "ASCMV")
    assert titles_bodies["11052"] == ("Utilities - Regular Meeting", "Utilities")
    assert titles_bodies["10853"] == ("Special City Council Meeting", "City Council")
    assert titles_bodies["11023"] == (
        "Tax Increment Development District Board Meeting",
        "Tax Increment Development District Board",
    )
    # Names that are a body's own, or only a kind, stay as written.
    assert titles_bodies["10784"] == ("Planning & Zoning", "Planning & Zoning")
    assert titles_bodies["10777"][1] == "Press Conferences & Forums"
    assert titles_bodies["11014"][1] == "Agenda Setting Meeting"
    assert titles_bodies["11053"][1] == "Closed Meeting"
    assert titles_bodies["10855"][1] == "Joint Work Session"
