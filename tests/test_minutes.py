"""Outcomes read from minutes documents, for platforms whose items carry none.

The parser is measured on the three REAL minutes PDFs in tests/fixtures/pdf (facts read from the
documents: East Palo Alto's block minutes "RESULT: / MOTION BY: / SECOND: / AYES: / ABSENT:",
Warrenville's narrative "MOTION: Trustee … moved … seconded. / Ayes – … / Motion carried", and
Chicago SSA #21's bullets, which it does not read). The crawl test is BUILT: a Legistar event
whose items have no action (clients that post minutes without entering actions), with an HTML
minutes page in Warrenville's narrative shape about an invented relevant item, to check the
wiring: fetched through the engine, read, stored, posted once in the meeting's thread.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.models import AgendaItem
from pipeline.text.minutes import minutes_outcomes
from pipeline.text.pdftext import extract_pdf_bytes
from tests.conftest import FIXTURES
from tests.fakeslack import FakeSlackServer
from tests.helpers import crawl_recorded, use_fake_slack
from tests.test_ilga_crawl import deliver_now

PDF = FIXTURES / "pdf"


def _text(name: str) -> str:
    return extract_pdf_bytes((PDF / name).read_bytes()).text


def test_block_minutes_results_movers_and_roll_calls() -> None:
    text = _text("ca_east_palo_alto_planning_commission_minutes_2020-01-27_civicplus.pdf")
    items = [
        AgendaItem(id="agenda", number="2.", title="APPROVAL OF THE AGENDA"),
        AgendaItem(id="calendar", number="2.", title="Planning Commission Meeting Calendar 2020"),
        AgendaItem(id="election", number="1.", title="Election of Chair and Vice Chair"),
        AgendaItem(id="stipends", number="1.", title="Planning Commission Stipends"),
    ]
    found = minutes_outcomes(text, items)
    assert sorted(found) == ["agenda", "calendar", "election"]  # stipends: a report, no vote
    agenda = found["agenda"]
    assert (agenda.result, agenda.action, agenda.tally) == ("adopted", "Approved", "UNANIMOUS")
    assert (agenda.mover, agenda.seconder, agenda.source) == ("Mashack", "Brown", "minutes")
    assert [v.name for v in agenda.votes if v.value == "yes"] == [
        "Mashack", "Brown", "Allen Fisk", "Bello", "Garcia", "Mendez", "Sherrard",
    ]  # fmt: skip
    assert [(v.name, v.raw) for v in agenda.votes if v.value == "absent"] == [
        ("Hernandez", "Absent")
    ]
    calendar = found["calendar"]
    assert (calendar.result, calendar.action) == ("amended", "Approved as amended")
    assert (calendar.mover, calendar.seconder) == ("Garcia", "Allen Fisk")
    # The motion to postpone FAILED 4-2-1-1; then a motion to continue was approved: deferred.
    election = found["election"]
    assert (election.result, election.mover, election.seconder) == (
        "deferred",
        "Allen Fisk",
        "Bello",
    )
    assert election.vote_counts() == {"yes": 7, "absent": 1}


def test_narrative_minutes_and_what_is_not_read() -> None:
    text = _text("il_warrenville_library_board_minutes_2020-04-15.pdf")
    items = [
        AgendaItem(
            id="pay",
            number="a.",
            title="Consideration of Director’s recommendation to continue paying full compensation",
        ),
        AgendaItem(id="r217", number="b.", title="Adopt Resolution R-217 Resolution Delegating"),
        AgendaItem(id="next", number="c.", title="Consideration of agenda items for April 29"),
    ]
    found = minutes_outcomes(text, items)
    assert sorted(found) == ["pay", "r217"]  # item c. was discussed, not voted
    r217 = found["r217"]
    assert (r217.result, r217.action, r217.mover, r217.seconder) == (
        "adopted",
        "Motion carried",
        "DuRocher",
        "Lezon",
    )
    assert [v.name for v in r217.votes] == [
        "DuRocher", "Lezon", "Picha", "Richardson", "Ruzicka", "Stull", "Warren",
    ]  # fmt: skip
    assert {v.value for v in r217.votes} == {"yes"}  # "Nays – none", "Absent – none": nobody
    # The amended motion on pay: "Trustees DuRocher, …, Stull and Warren" — seven names.
    assert (found["pay"].mover, found["pay"].seconder, len(found["pay"].votes)) == (
        "DuRocher",
        "Stull",
        7,
    )
    bullets = _text("il_chicago_ssa21_lincoln_square_minutes_2018-01-29.pdf")
    assert minutes_outcomes(bullets, [AgendaItem(id="b", title="Revised 2018 budget")]) == {}


MINUTES = """<html><body><h1>Village of Testville - Minutes of the Board of Trustees</h1>
<pre>
7. New Business
a. An Ordinance Amending the Welcoming Village Ordinance (Title 13, Chapter 2)
MOTION: Trustee Reyes moved to adopt the ordinance. Trustee Walker seconded.
Roll call vote:
Ayes – Trustees Reyes, Walker, Buchanan and Moore
Nays – Trustee Stone
Absent – none
Motion carried
b. A Resolution Approving a Snow Removal Contract
MOTION: Trustee Moore moved to approve. Trustee Reyes seconded.
Voice vote: Ayes – all
Motion carried
8. Adjournment
</pre></body></html>"""


def test_minutes_outcome_through_the_engine_posted_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: FakeSlackServer
) -> None:
    use_fake_slack(monkeypatch, slack.url)
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2024-05-20")
    event = {
        "EventId": 5100,
        "EventBodyName": "Village Board",
        "EventDate": "2024-05-14T00:00:00",
        "EventTime": "7:00 PM",
        "EventMinutesFile": "{{BASE}}/docs/minutes.html",
    }
    items = [
        {
            "EventItemId": 51001,
            "EventItemAgendaSequence": 1,
            "EventItemAgendaNumber": "a.",
            "EventItemTitle": "An Ordinance Amending the Welcoming Village Ordinance (Title 13, Chapter 2)",
        },
        {
            "EventItemId": 51002,
            "EventItemAgendaSequence": 2,
            "EventItemAgendaNumber": "b.",
            "EventItemTitle": "A Resolution Approving a Snow Removal Contract",
        },
    ]
    json_type: dict[str, Any] = {"content_type": "application/json"}
    routes: list[dict[str, Any]] = [
        {"path": "/v1/testville/events", "query": {"$skip": "0"}, "file": "e.json", **json_type},
        {"path": "/v1/testville/events/5100/eventitems", "file": "i.json", **json_type},
        {"path": "/docs/minutes.html", "file": "minutes.html", "content_type": "text/html"},
    ]
    files: dict[str, Path | bytes | str] = {
        "e.json": json.dumps([event]),
        "i.json": json.dumps(items),
        "minutes.html": MINUTES,
    }
    source = {
        "id": "testville",
        "platform": "legistar",
        "slug": "testville",
        "api_url": "{{BASE}}/v1/testville",
        "jurisdiction": "Village of Testville, IL",
    }
    for run in range(2):
        crawl = crawl_recorded(tmp_path, monkeypatch, source, routes, files)
        assert crawl.result.errors == 0, crawl.result.message
        [meeting] = crawl.meetings()
        [item] = meeting.relevant_items()
        assert item.outcome is not None
        assert (item.outcome.result, item.outcome.source) == ("adopted", "minutes")
        assert item.outcome.vote_counts() == {"yes": 4, "no": 1}
        assert deliver_now() == (2 if run == 0 else 0)
        # The second crawl carries the stored outcome forward: the minutes are not read again.
        assert sum("/docs/minutes.html" in r for r in crawl.requests) == (1 if run == 0 else 0)
    opener, outcome = slack.fake.messages
    assert outcome["thread_ts"] == opener["ts"]
    body = json.dumps(outcome["blocks"], ensure_ascii=False)
    assert "Adopted (Motion carried) · 4 yes, 1 no · moved by Reyes, seconded by Walker" in body
    assert "No (1): Stone" in body


@given(st.text(max_size=300))
def test_any_text_gives_valid_outcomes_or_none(noise: str) -> None:
    """Hostile text around a real-shaped decision: never an exception, never an empty name."""
    text = (
        f"1. Welcoming Ordinance Amendment\n{noise}\nAyes – {noise[:20]}, Reyes\nMotion carried\n"
    )
    found = minutes_outcomes(
        text, [AgendaItem(id="x", number="1.", title="Welcoming Ordinance Amendment")]
    )
    for outcome in found.values():
        assert all(v.name for v in outcome.votes)
