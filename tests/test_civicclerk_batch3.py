"""CivicClerk ``/v1/Events`` of Clarkston, GA (real; civicclerk/PROVENANCE.md).

15 City Council events, oldest first, with an ``@odata.nextLink`` for the next page; the category
name has a trailing space ("City Council "); published agendas, packets and minutes on the first
nine, none on the last six; two "Special Called" hearings on one day (10:00 and 18:30).
"""

from __future__ import annotations

from collections import Counter

from pipeline.models import Meeting
from tests.conftest import FIXTURES
from tests.vocab_cases import parse_as_cli

CLARKSTON = FIXTURES / "civicclerk" / "city-scrapers-atl__atl_clarkston_city_council.json"
PORTAL = "https://clarkstonga.portal.civicclerk.com"


def _meetings() -> list[Meeting]:
    url = "https://clarkstonga.api.civicclerk.com/v1/Events"
    return parse_as_cli("civicclerk", url, CLARKSTON.read_bytes(), "America/New_York")


def test_fifteen_events_local_times() -> None:
    meetings = _meetings()
    # PROVENANCE: startDateTime "…Z" is the local wall-clock time (Eastern).
    assert len(meetings) == 15
    assert (meetings[0].start.isoformat(), meetings[-1].start.isoformat()) == (
        "2026-04-28T19:00:00-04:00",
        "2026-10-06T19:00:00-04:00",
    )
    hearings = [m.start.isoformat() for m in meetings if "Millage" in m.title]
    assert hearings == [
        "2026-06-16T10:00:00-04:00",
        "2026-06-16T18:30:00-04:00",
        "2026-06-23T18:00:00-04:00",
    ]
    assert {m.status for m in meetings} == {"scheduled"}


def test_body_place_and_titles() -> None:
    meetings = _meetings()
    assert {m.body for m in meetings} == {"City Council"}  # "City Council " trimmed
    assert {m.location for m in meetings} == {
        "736 Park North Blvd., Suite 120, Clarkston, GA 30021"
    }
    assert Counter(m.title for m in meetings) == {
        "City Council Work Session": 6,
        "City Council Meeting": 6,
        "City Council Special Called Meeting - Millage Rate Public Hearing": 3,
    }


def test_published_files_as_portal_links() -> None:
    meetings = _meetings()
    kinds = [[lk.kind for lk in m.links] for m in meetings]
    assert kinds[0] == ["agenda", "packet", "video", "detail"]
    assert kinds[3] == ["agenda", "packet", "minutes", "video", "detail"]
    # The last six have no published file and no media: their page only.
    assert kinds[9:] == [["detail"]] * 6
    first = meetings[0]
    assert [str(lk.url) for lk in first.links if lk.kind in ("agenda", "packet")] == [
        f"{PORTAL}/event/1089/files/agenda/3533",
        f"{PORTAL}/event/1089/files/agenda/3539",
    ]
    assert str(first.url) == f"{PORTAL}/event/1089"
