"""Status words and time ranges through every spider: real captures, one field's wording edited.

`tests/vocab_cases.py` names, for each spider, a real capture and a field the spider reads its
status from (a title, a location, a comment). Here a status wording is glued to that field or set
off from it, and the page parsed by the real spider: the meetings it reaches are cancelled, and no
title, location or body keeps the words. The pages are real; the edits are the test's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.vocab_cases import CASES, SpiderCase, parse_page

ROOT = Path(__file__).resolve().parent.parent
WORDINGS = ("CANCELLED", " - CANCELED - RESCHEDULED TO DEC. 9, 2025", " ***CANCELED***")
# Where a case's status anchor is not the end of its field, the end of that field instead (the
# wordings go at the end, as sites write them): BoardDocs names go on after the anchor's text.
FIELD_ENDS = {"boarddocs/chi_teacherpension.xml": "<name>Investment Committee Meeting</name>"}


def _glued(case: SpiderCase, wording: str) -> bytes:
    """The page with `wording` written right after the status field's text (no space added)."""
    if case.status_edit is not None:
        return case.status_edit(case.page(), wording.strip())
    if case.fixture in FIELD_ENDS:
        end = FIELD_ENDS[case.fixture]
        closing = end[end.rindex("<") :]
        edited = end.replace(closing, f"{wording}{closing}")
        return case.page().replace(end.encode(), edited.encode())
    quote = '"' if case.status_anchor.endswith('"') else ""
    edited = f"{case.status_anchor.removesuffix(quote)}{wording}{quote}"
    return case.page().replace(case.status_anchor.encode(), edited.encode())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture.split("/")[-1][:30])
@pytest.mark.parametrize("wording", WORDINGS)
def test_status_words_set_the_status_and_leave_the_field(case: SpiderCase, wording: str) -> None:
    before = parse_page(case.platform, case.url, case.page(), case.options)
    after = parse_page(case.platform, case.url, _glued(case, wording), case.options)
    assert len(before) == len(after)
    reached = [
        (old, new) for old, new in zip(before, after, strict=True) if old.status != new.status
    ]
    assert reached, f"{case.platform}: the wording reached no meeting"
    for old, new in reached:
        assert new.status == "cancelled"
        fields = (new.title, new.location, new.body)
        assert not any("CANCEL" in f.upper() for f in fields), fields
        # The field the words were glued to reads as it did before they were written there.
        assert (new.title, new.location, new.body) == (old.title, old.location, old.body)


def test_the_demo_cook_county_location_is_a_place() -> None:
    """The demo recording's cancelled committee has "…IllinoisCANCELLED" as its location."""
    recording = ROOT / "pipeline" / "demo_recordings" / "cook_county" / "events.json"
    meetings = parse_page(
        "legistar", "https://webapi.legistar.com/v1/cook-county/events", recording.read_bytes(), {}
    )
    human = next(m for m in meetings if m.body == "Committee on Human Relations")
    assert (human.status, human.location) == (
        "cancelled",
        "Cook County Building, Board Room, 118 North Clark Street, Chicago, Illinois",
    )
    assert human.start.isoformat() == "2026-12-01T10:00:00-06:00"


@pytest.mark.parametrize(
    ("event_time", "start", "end"),
    [
        ("6:00 PM - 8:00 PM", "T18:00:00", "T20:00:00"),
        ("6:00PM-8:00PM", "T18:00:00", "T20:00:00"),
        ("6-8 p.m.", "T18:00:00", "T20:00:00"),
        ("6:00\u00a0p.m.", "T18:00:00", None),
        ("NOON", "T12:00:00", None),
        ("TBD", "T00:00:00", None),
    ],
)
def test_legistar_event_time_wordings(event_time: str, start: str, end: str | None) -> None:
    """The real LA Metro capture (FIXTURES/legistar) with its first EventTime reworded."""
    data = json.loads((FIXTURES / "legistar" / "scrapers-lametro__event.json").read_bytes())
    data["EventTime"] = event_time
    meetings = parse_page(
        "legistar", "https://webapi.legistar.com/v1/metro/events", json.dumps(data).encode(), {}
    )
    first = meetings[0]
    day = str(data["EventDate"])[:10]
    assert first.start.isoformat().startswith(day + start)
    assert first.time_known is (event_time != "TBD")
    assert (first.end.isoformat()[10:19] if first.end else None) == end


@pytest.mark.parametrize(
    ("comment", "location"),
    [
        # BUILT: a note above the room, on its own line (as Legistar comments are written).
        ("REVISED AGENDA\r\nBoard Room, One Gateway Plaza", "Board Room, One Gateway Plaza"),
        ("Village Hall, Room 201\r\nAmended agenda posted", "Village Hall, Room 201"),
        # A line with a clock time is a note about the meeting, not its place.
        ("Meeting moved to 7:00 p.m. in the Council Chambers", ""),
        # The real comment of the capture: ways to watch and listen, no place.
        (None, ""),
    ],
)
def test_legistar_place_from_the_comment_when_the_location_is_empty(
    comment: str | None, location: str
) -> None:
    """The real LA Metro capture with its EventLocation null (some clients leave it empty)."""
    data = json.loads((FIXTURES / "legistar" / "scrapers-lametro__event.json").read_bytes())
    data["EventLocation"] = None
    if comment is not None:
        data["EventComment"] = comment
    meetings = parse_page(
        "legistar", "https://webapi.legistar.com/v1/metro/events", json.dumps(data).encode(), {}
    )
    assert meetings[0].location == location
