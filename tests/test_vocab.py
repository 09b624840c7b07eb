"""Status wordings and name decorations: one table, read by the shared code and by every spider.

The wordings are real: each row says where it was seen. The per-spider tests write them into a
real page of each platform (see ``tests/vocab_cases.py``) and parse it with the real spider, so a
spider that kept its own rule, or read a field past the shared cleaner, fails here.
"""

from __future__ import annotations

import pytest

from pipeline.models import Meeting, MeetingStatus
from spiders._vocab import clean_body, clean_name, marked, status_from_text
from tests.vocab_cases import CASES, SpiderCase, parse_page

# (wording, status, where it was seen)
STATUS_WORDINGS: tuple[tuple[str, MeetingStatus, str], ...] = (
    ("Committee on Human Relations CANCELLED", "cancelled", "Chicago Legistar location <em>"),
    ("Council Chambers -- City Hall -- Chicago, IllinoisCANCELLED", "cancelled", "Chicago, glued"),
    ("***CANCELED***", "cancelled", "Legistar comment"),
    ("CANCELED", "cancelled", "Oakland EventComment"),
    ("*Public Safety Committee - CANCELLED", "cancelled", "Oakland EventBodyName"),
    ("CANCELLED - Regular Board Meeting", "cancelled", "Dallas ISD Diligent name prefix"),
    ("Notice of Cancellation", "cancelled", "Los Angeles PrimeGov document"),
    ("HTML Notice of Cancellation", "cancelled", "Los Angeles PrimeGov document"),
    ("Cancellation Notice", "cancelled", "issue 12"),
    ("Regular Meeting of the City Council-Cancellation", "cancelled", "issue 12"),
    ("Council Chambers, Room 300 NOTICE OF CANCELLATION", "cancelled", "Cincinnati location"),
    ("03-17-26 City Council Agenda (No Meeting)", "cancelled", "Inglewood AgendaCenter"),
    ("01-27-26 CITY COUNCIL AGENDA MEETING (Canceled)", "cancelled", "Inglewood AgendaCenter"),
    (
        "Board Meeting @ 6:30 p.m. - Canceled Due to No Quorum",
        "cancelled",
        "Grand Rapids BoardDocs",
    ),
    ("CANCELLATION of Virtual Meeting", "cancelled", "Chicago eLMS comment"),
    ("Status:\tCancelled", "cancelled", "Santa Monica IQM2 tooltip"),
    ("The meeting will not be held", "cancelled", "notice wording"),
    ("01-14-26 CITY COUNCIL AGENDA SPECIAL MEETING (Rescheduled)", "rescheduled", "Inglewood"),
    ("RESCHEDULED to May 3", "rescheduled", "Legistar location"),
    ("Re-scheduled", "rescheduled", "Legistar location"),
    ("POSTPONED", "rescheduled", "CivicPlus title"),
    ("Deferred", "rescheduled", "NYC Legistar time cell"),
    ("Meeting moved to June 2", "rescheduled", "notice wording"),
    ("City Council (RESCHEDULED FROM APRIL 13, 2017)", "scheduled", "issue 12: the new meeting"),
    ("Rescheduled Regular Meeting", "scheduled", "the meeting that takes place"),
    ("Special Meeting - moved from May 3", "scheduled", "the meeting that takes place"),
    ("Tentative", "tentative", "Legistar status label"),
    ("TENTATIVE AGENDA", "tentative", "status label"),
    ("Recess Notice", "scheduled", "Los Angeles PrimeGov: the council recesses, it meets"),
    ("SPECIAL SESSION", "scheduled", "Cincinnati location"),
    ("*PLEASE NOTE CHANGE IN TIME", "scheduled", "Oakland EventComment"),
    ("Formal Cancellation of the August 11 Meeting", "cancelled", "text only: items never decide"),
    ("Regular Meeting", "scheduled", "plain"),
)

# (as the page gives it, clean_name, clean_body)
NAME_DECORATIONS: tuple[tuple[str, str, str], ...] = (
    ("► City Council", "City Council", "City Council"),
    ("▼ City Council", "City Council", "City Council"),
    ("City Council ▼", "City Council", "City Council"),
    ("▶ Planning Commission", "Planning Commission", "Planning Commission"),
    ("• Zoning Board of Appeals •", "Zoning Board of Appeals", "Zoning Board of Appeals"),
    ("[+] Board of Trustees", "Board of Trustees", "Board of Trustees"),
    ("(-) Board of Trustees", "Board of Trustees", "Board of Trustees"),
    ("Expand Village Board", "Village Board", "Village Board"),
    (
        "*Rules & Legislation Committee",
        "Rules & Legislation Committee",
        "Rules & Legislation Committee",
    ),
    ("\u00a0Board\u00a0of\u00a0Health\u200b ", "Board of Health", "Board of Health"),
    # A run-on "Regular Meeting" is the meeting's kind, as "Special Meeting" is (Lindsay, CA).
    ("City Council  Regular   Meeting", "City Council Regular Meeting", "City Council"),
    ("Office of the City Clerk - Legistar", "Office of the City Clerk", "Office of the City Clerk"),
    ("Agendas | BoardDocs", "Agendas", "Agendas"),
    ("Kingsburg, CA • CivicEngage", "Kingsburg, CA", "Kingsburg, CA"),
    (
        "*Public Safety Committee - CANCELLED",
        "Public Safety Committee - CANCELLED",
        "Public Safety Committee",
    ),
    ("CANCELLED - Weed Board", "CANCELLED - Weed Board", "Weed Board"),
    ("City Council (No Meeting)", "City Council (No Meeting)", "City Council"),
    ("Show Low City Council", "Show Low City Council", "Show Low City Council"),
    ("Pre-Budget Hearing", "Pre-Budget Hearing", "Pre-Budget Hearing"),
    # How a meeting is held is no body: a capitalised "ZOOM" is no initialism of one (Las
    # Cruces' "Work Session - CIAC" names the CIAC; tests/test_diligent_batch3.py).
    ("ZOOM Meeting", "ZOOM Meeting", "ZOOM Meeting"),
    (
        "Planning Commission - ZOOM Meeting",
        "Planning Commission - ZOOM Meeting",
        "Planning Commission",
    ),
    ("City Council Zoom Meeting", "City Council Zoom Meeting", "City Council"),
    ("Zoom Meeting of the Village Board", "Zoom Meeting of the Village Board", "Village Board"),
    # BUILT wordings of kinds seen on real pages: an initialism or the words before a qualified
    # kind name who meets; "BOE" is a body word like "Board".
    ("Work Session - CIAC", "Work Session - CIAC", "CIAC"),
    ("ASCMV Closed Meeting", "ASCMV Closed Meeting", "ASCMV"),
    ("Utilities - Regular Meeting", "Utilities - Regular Meeting", "Utilities"),
    ("BOE Work Session", "BOE Work Session", "BOE"),
    ("BOE Special Board Meeting", "BOE Special Board Meeting", "BOE"),
)

# A few wordings per status, run through every spider.
SPIDER_WORDINGS: tuple[tuple[str, MeetingStatus], ...] = (
    ("Notice of Cancellation", "cancelled"),
    ("(No Meeting)", "cancelled"),
    ("POSTPONED", "rescheduled"),
    ("(RESCHEDULED FROM APRIL 13, 2017)", "scheduled"),
)
SPIDER_DECORATIONS = ("► {}", "{} ▼", "\u00a0• {}\u200b", "[+] {}", "*{}")


@pytest.mark.parametrize(("wording", "status", "seen"), STATUS_WORDINGS)
def test_status_wordings(wording: str, status: MeetingStatus, seen: str) -> None:
    assert status_from_text(wording) == status, seen


@pytest.mark.parametrize(("raw", "name", "body"), NAME_DECORATIONS)
def test_name_decorations(raw: str, name: str, body: str) -> None:
    assert (clean_name(raw), clean_body(raw)) == (name, body)


def test_a_draft_agenda_note_is_no_status_and_leaves_the_title() -> None:
    found = marked("Regular Meeting - Dec 14 2026 (DRAFT AGENDA)")
    assert (found.text, found.status) == ("Regular Meeting - Dec 14 2026", "scheduled")


def test_status_from_several_fields() -> None:
    # A cancellation anywhere wins; a move beats tentative; nothing said is scheduled.
    assert status_from_text("Regular Meeting", None, "Notice of Cancellation") == "cancelled"
    assert status_from_text("Tentative", "POSTPONED") == "rescheduled"
    assert status_from_text("", None) == "scheduled"


def _parse(case: SpiderCase, page: bytes) -> list[Meeting]:
    return parse_page(case.platform, case.url, page, case.options)


def _rows_reached(case: SpiderCase) -> list[int]:
    """Rows a status wording reaches: those a cancellation notice turns cancelled."""
    before = _parse(case, case.page())
    after = _parse(case, case.with_status("Notice of Cancellation"))
    assert len(before) == len(after)
    rows = [
        n
        for n, (old, new) in enumerate(zip(before, after, strict=True))
        if old.status != "cancelled" and new.status == "cancelled"
    ]
    assert rows, f"{case.platform}: the status field was not reached"
    return rows


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture.split("/")[-1][:30])
@pytest.mark.parametrize(("wording", "status"), SPIDER_WORDINGS)
def test_every_spider_reads_status_through_the_shared_vocabulary(
    case: SpiderCase, wording: str, status: MeetingStatus
) -> None:
    meetings = _parse(case, case.with_status(wording))
    assert {meetings[n].status for n in _rows_reached(case)} == {status}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture.split("/")[-1][:30])
@pytest.mark.parametrize("decoration", SPIDER_DECORATIONS)
def test_every_spider_cleans_body_names(case: SpiderCase, decoration: str) -> None:
    page = case.with_body(decoration.format(case.body_name))
    assert page != case.page()
    before = [m.body for m in _parse(case, case.page())]
    # The page's name read as a body ("Board of Ethics Regular Meeting" → "Board of Ethics").
    assert clean_body(case.body_name) in before
    # Every row reads the same body as on the real page: the decoration is gone everywhere.
    assert [m.body for m in _parse(case, page)] == before
