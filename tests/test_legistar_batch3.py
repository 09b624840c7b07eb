"""Legistar's Web API on Mecklenburg County's real events answer (legistar/PROVENANCE.md).

``EventLocation`` is null; the room is the second line of ``EventComment``, after "REVISED
AGENDA" (a note, no status). Times are Eastern.
"""

from __future__ import annotations

from pipeline.models import Meeting
from tests.conftest import FIXTURES
from tests.vocab_cases import parse_as_cli

MECKLENBURG = FIXTURES / "legistar" / "city-scrapers-charnc__charnc_meck_boc_legistar.json"
EVENTS = "https://webapi.legistar.com/v1/mecklenburg/events"


def _meetings() -> dict[str, Meeting]:
    meetings = parse_as_cli("legistar", EVENTS, MECKLENBURG.read_bytes(), "America/New_York")
    assert len(meetings) == 2
    return {m.platform_id or "": m for m in meetings}


def test_mecklenburg_place_from_the_comment() -> None:
    by_id = _meetings()
    assert by_id["1802"].location == "Charlotte-Mecklenburg Government Center - Room 267"
    # A comment with no place line leaves the place empty, as the platform did.
    assert by_id["1895"].location == ""
    assert {m.status for m in by_id.values()} == {"scheduled"}


def test_mecklenburg_times_bodies_and_links() -> None:
    by_id = _meetings()
    assert (by_id["1802"].start.isoformat(), by_id["1802"].body) == (
        "2025-01-14T14:30:00-05:00",
        "Budget Public Policy",
    )
    assert (by_id["1895"].start.isoformat(), by_id["1895"].title) == (
        "2026-04-07T17:00:00-04:00",
        "Board of Commissioners",
    )
    links = {(link.kind, str(link.url)) for link in by_id["1895"].links}
    assert links == {
        (
            "agenda",
            "https://legistar1.granicus.com/Mecklenburg/meetings/2026/4/"
            "1895_A_Board_of_Commissioners_26-04-07_Meeting_Agenda.pdf",
        ),
        (
            "detail",
            "https://mecklenburg.legistar.com/MeetingDetail.aspx?LEGID=1895&GID=194"
            "&G=9CAF76CE-14E5-4AB9-8178-ECFA61E02FDA",
        ),
    }
