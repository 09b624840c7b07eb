"""Diligent Community on a school board's real meetings answer (diligent/PROVENANCE.md).

Kansas City Kansas Public Schools: records without ``MeetingTime``: those at "… 00:00" (meetings
imported from BoardDocs) have no known time; types named after agendas ("Special Meeting Agenda")
stay whole as the body.
"""

from __future__ import annotations

from collections import Counter

from pipeline.models import Meeting
from tests.conftest import FIXTURES
from tests.vocab_cases import parse_as_cli

KCKPS = FIXTURES / "diligent" / "city-scrapers-kancit__kancit_kckpsboe.json"
SERVICE = "https://kckps.community.highbond.com/Services/MeetingsService.svc/meetings"


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
