"""eScribe on a second tenant's real calendar answer (National City, CA; escribe/PROVENANCE.md).

Seven meetings of one body written four ways ("Regular City Council Meeting", "Special City
Council Meeting - Closed Session", "City Council Workshop", "Cancellation Notice of a Regular City
Council Meeting"), one without documents or ``Url``, and a November meeting after the DST change.
"""

from __future__ import annotations

from pipeline.models import Meeting
from tests.conftest import FIXTURES
from tests.vocab_cases import parse_as_cli

NATIONAL_CITY = FIXTURES / "escribe" / "city-scrapers-san-diego__sandie_nationalcity_escribe.json"
SITE = "https://pub-nationalcity.escribemeetings.com"


def _meetings() -> list[Meeting]:
    url = f"{SITE}/MeetingsCalendarView.aspx/GetCalendarMeetings"
    return parse_as_cli("escribe", url, NATIONAL_CITY.read_bytes(), "America/Los_Angeles")


def test_starts_ends_and_zone() -> None:
    meetings = _meetings()
    # PROVENANCE: StartDate/EndDate naive local; the 2026-11-03 meeting falls after the DST end.
    assert [(m.start.isoformat(), m.end.isoformat() if m.end else None) for m in meetings] == [
        ("2024-09-17T18:00:00-07:00", "2024-09-17T23:00:00-07:00"),
        ("2026-07-21T15:00:00-07:00", "2026-07-21T18:00:00-07:00"),
        ("2026-09-09T13:30:00-07:00", "2026-09-09T14:30:00-07:00"),
        ("2026-09-15T18:00:00-07:00", "2026-09-15T22:00:00-07:00"),
        ("2026-09-22T17:00:00-07:00", "2026-09-22T19:00:00-07:00"),
        ("2026-10-06T18:00:00-07:00", "2026-10-06T22:00:00-07:00"),
        ("2026-11-03T18:00:00-08:00", "2026-11-03T19:00:00-08:00"),
    ]


def test_one_body_however_the_meeting_is_named() -> None:
    meetings = _meetings()
    assert [m.title for m in meetings] == [
        "Regular City Council Meeting",
        "City Council Workshop",
        "Special City Council Meeting - Closed Session",
        "Regular City Council Meeting",
        "Special City Council Meeting",
        "Regular City Council Meeting",
        "Regular City Council Meeting",  # "Cancellation Notice of a …": the notice words leave
    ]
    assert {m.body for m in meetings} == {"City Council"}
    assert [m.status for m in meetings] == ["scheduled"] * 6 + ["cancelled"]


def test_locations_documents_and_links() -> None:
    meetings = _meetings()
    first, workshop, no_agenda = meetings[0], meetings[1], meetings[5]
    # Description adds the address after Location, parted by <br/>.
    assert (
        first.location == "City Council Chamber - 1243 National City Boulevard, National City, CA"
    )
    assert workshop.location == (
        "Martin Luther King Jr. Community Center, 140 E. 12th Street, National City, CA 91950"
    )
    guid = "71d5bcbd-91e6-474f-a5f5-446f7beff3d2"
    # Relative document URLs resolve on the saved page's own site.
    assert [(lk.kind, lk.title, str(lk.url)) for lk in first.links] == [
        ("agenda", "Agenda Cover Page (PDF)", f"{SITE}/FileStream.ashx?DocumentId=6802"),
        ("agenda", "Agenda (PDF)", f"{SITE}/FileStream.ashx?DocumentId=6801"),
        ("agenda", "Agenda (HTML)", f"{SITE}/Meeting.aspx?Id={guid}&Agenda=Agenda&lang=English"),
        ("detail", "Meeting details", f"{SITE}/MeetingsCalendarView.aspx/Meeting?Id={guid}"),
    ]
    assert str(first.url) == f"{SITE}/Meeting.aspx?Id={guid}&Agenda=Agenda&lang=English"
    # HasAgenda false, MeetingDocumentLink [] and Url "": a meeting with no link at all.
    assert (no_agenda.url, no_agenda.links) == (None, [])
