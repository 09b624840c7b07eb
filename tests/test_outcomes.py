"""Outcomes and roll calls: a Legistar meeting's decided items, posted once in the meeting's thread.

Through the real Scrapy engine on the REAL Oakland Public Safety Committee EventItems (event 8172,
2019-04-23; PROVENANCE: items carry EventItemActionName "Approved", "Continued", "Approved the
Recommendation of Staff, and Forward", EventItemPassedFlagName "Pass", movers and seconders).

BUILT, because no capture exists: the one-record ``/events`` answer (as in test_legistar_batch2),
the title of item 191223 (made about ICE so that one decided item is relevant; its action, flag,
mover and seconder are the real ones), and the ``/eventitems/191223/votes`` answer, written in the
Legistar Web API's vote-record shape (VoteId, VotePersonId, VotePersonName, VoteValueId,
VoteValueName, VoteSort, VoteResult, VoteEventItemId; docs/platforms.md §4.2) with the
committee's real member names from the capture, plus one roster row with a null value (what the
API returns on items decided without a roll call).
"""

from __future__ import annotations

import json
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.deliver.slack import render
from pipeline.models import (
    OUTCOME_KINDS,
    VOTE_VALUES,
    AgendaItem,
    Classification,
    Notice,
    Outcome,
    Reminder,
    Vote,
    clean_text,
    example_meeting,
)
from pipeline.settings import Settings
from pipeline.store.ledger import Ledger
from pipeline.store.outcomes import decided_items
from spiders._legistar import detail_items, saved_response
from spiders._outcomes import make_vote, outcome_kind, passed_flag, vote_value
from tests.conftest import FIXTURES, examples
from tests.fakeslack import FakeSlackServer
from tests.helpers import crawl_recorded, use_fake_slack
from tests.test_fields import _spider
from tests.test_ilga_crawl import deliver_now
from tests.test_legistar_batch2 import _oakland

CHANNEL = "C0AGENDA01"
JSON: dict[str, Any] = {"content_type": "application/json"}
OAKLAND_ITEMS = FIXTURES / "legistar" / "legistar4OO__pubSafety_190423-eventItems.json"
EVENT = dict(
    EventId=8172, EventBodyName="*Public Safety Committee", EventDate="2019-04-23T00:00:00",
    EventTime="6:30 PM", EventLocation="Sgt. Mark Dunakin Room, 1st Floor",
    EventAgendaStatusName="FINAL",
    EventInSiteURL="https://oakland.legistar.com/MeetingDetail.aspx?LEGID=8172&GID=1",
)  # fmt: skip
ICE_TITLE = (
    "Subject:\tOPD-U.S. Immigration And Customs Enforcement (ICE) Agreement\t\r\nFrom:\t\tOakland "
    "Police Department\t\t\r\nRecommendation: Adopt A Resolution Prohibiting OPD From Sharing "
    "Information With ICE For Civil Immigration Enforcement"
)
MEMBERS = [  # the committee members the capture names as movers and seconders
    (1, "Rebecca Kaplan", "Aye"),
    (2, "Loren Taylor", "Aye"),
    (3, "Nikki Bas", "Nay"),
    (4, "Noel Gallo", "Excused"),
]


def _items() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(OAKLAND_ITEMS.read_text())
    for row in rows:
        if row["EventItemId"] == 191223:
            row["EventItemTitle"] = ICE_TITLE
    return rows


def _votes() -> list[dict[str, Any]]:
    rows = [
        {
            "VoteId": 40000 + pid,
            "VoteGuid": f"00000000-0000-0000-0000-00000000000{pid}",
            "VoteLastModifiedUtc": "2019-04-24T17:02:11.25",
            "VoteRowVersion": "AAAAAAB1w5s=",
            "VotePersonId": pid,
            "VotePersonName": name,
            "VoteValueId": {"Aye": 16, "Nay": 17, "Excused": 19}[value],
            "VoteValueName": value,
            "VoteSort": pid,
            "VoteResult": 1,
            "VoteEventItemId": 191223,
        }
        for pid, name, value in MEMBERS
    ]
    roster = dict(rows[0], VoteId=40009, VotePersonId=9, VotePersonName="Clerk Roster Row")
    rows.append(roster | {"VoteValueId": None, "VoteValueName": None})
    return rows


def _crawl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, votes: str = "", votes_status: int = 200
) -> Any:
    """Crawl event 8172 (minutes in: three days after) with the votes answer given."""
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2019-04-26")
    votes_route = {"path": "/v1/oakland/eventitems/191223/votes", "status": votes_status}
    routes: list[dict[str, Any]] = [
        {"path": "/v1/oakland/events", "query": {"$skip": "0"}, "file": "events.json", **JSON},
        {"path": "/v1/oakland/events/8172/eventitems", "file": "items.json", **JSON},
        {**votes_route, "file": "votes.json", **JSON},
    ]
    files: dict[str, Path | bytes | str] = {
        "events.json": json.dumps([EVENT]),
        "items.json": json.dumps(_items()),
        "votes.json": votes or json.dumps(_votes()),
    }
    source = _oakland(jurisdiction="City of Oakland, CA")
    return crawl_recorded(tmp_path, monkeypatch, source, routes, files)


def test_legistar_votes_give_the_outcome_and_roll_call_in_the_thread_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: FakeSlackServer
) -> None:
    use_fake_slack(monkeypatch, slack.url, CHANNEL)
    crawl = _crawl(tmp_path, monkeypatch)
    assert crawl.result.errors == 0, crawl.result.message
    # Votes were asked for the one relevant decided item only (not for the 6 other decisions).
    assert [r for r in crawl.requests if "/votes" in r] == ["/v1/oakland/eventitems/191223/votes"]
    [meeting] = crawl.meetings()
    [item] = meeting.relevant_items()
    assert item.matter == "18-1628" and item.outcome is not None
    outcome = item.outcome
    assert (outcome.result, outcome.action, outcome.passed) == (
        "adopted",
        "Approved the Recommendation of Staff, and Forward",
        True,
    )
    assert (outcome.mover, outcome.seconder) == ("Loren Taylor", "Nikki Bas")
    # The roster row with a null value is not a vote.
    assert [(v.name, v.value, v.raw) for v in outcome.votes] == [
        ("Rebecca Kaplan", "yes", "Aye"),
        ("Loren Taylor", "yes", "Aye"),
        ("Nikki Bas", "no", "Nay"),
        ("Noel Gallo", "absent", "Excused"),
    ]

    assert deliver_now() == 2
    opener, result = slack.fake.messages
    assert opener["thread_ts"] is None and result["thread_ts"] == opener["ts"]
    assert [
        m["metadata"]["event_payload"]["notice_id"].split("#")[1][:8] for m in (opener, result)
    ][1] == "outcome-"
    body = json.dumps(result["blocks"], ensure_ascii=False)
    assert "*Outcome* · City of Oakland, CA" in body
    assert "Tue Apr 23, 2019 6:30 PM PDT" in body
    assert (
        "→ *Adopted (Approved the Recommendation of Staff, and Forward) · 2 yes, 1 no, 1 absent"
        " · moved by Loren Taylor, seconded by Nikki Bas*"
    ) in body
    assert "Yes (2): Rebecca Kaplan, Loren Taylor" in body
    assert "No (1): Nikki Bas" in body and "Absent (1): Noel Gallo" in body
    assert "Clerk Roster Row" not in body

    # A rerun over the same pages: the votes come from the stored meeting, nothing is re-posted.
    again = _crawl(tmp_path, monkeypatch)
    assert again.result.errors == 0 and again.result.notices == 0
    assert not [r for r in again.requests if "/votes" in r]
    assert again.meetings()[0].relevant_items()[0].outcome == outcome
    assert deliver_now() == 0
    assert len(slack.fake.messages) == 2
    ledger = Ledger(Settings().ledger_path)
    try:
        assert ledger.posted_outcomes("oakland/legistar:8172") == {
            "oakland/legistar:8172/191223": "adopted"
        }
    finally:
        ledger.close()


def test_a_votes_error_costs_the_roll_call_not_the_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some clients answer /votes with HTTP 500 (platforms.md §4.2): no votes, outcome kept."""
    error = '{"Message":"The cast to value type \'System.Int32\' failed"}'
    crawl = _crawl(tmp_path, monkeypatch, votes=error, votes_status=500)
    [item] = crawl.meetings()[0].relevant_items()
    assert item.outcome is not None and item.outcome.result == "adopted"
    assert item.outcome.votes == []


@pytest.mark.parametrize(
    ("action", "flag", "expected"),
    [
        ("Approved", None, "adopted"),
        ("Approved as Amended", True, "amended"),
        ("Adopted as amended", None, "amended"),
        ("Continued", True, "deferred"),
        ("Held in Committee", None, "deferred"),
        ("Laid on the Table", None, "tabled"),
        ("Failed", None, "failed"),
        ("Motion to approve failed", None, "failed"),
        ("Not Adopted", None, "failed"),
        ("Referred to the Committee on Finance", None, "referred"),
        ("Withdrawn by sponsor", None, "withdrawn"),
        ("Received and Filed", None, "received"),
        ("Public Hearing Held", None, "other"),
        ("", True, "adopted"),
        ("", False, "failed"),
        ("Vote taken", None, "other"),
    ],
)
def test_outcome_words(action: str, flag: bool | None, expected: str) -> None:
    assert outcome_kind(action, flag) == expected


def test_pass_flags_and_vote_words() -> None:
    assert passed_flag(1, "Pass") is True and passed_flag(0, "Fail") is False
    assert passed_flag(None, None) is None and passed_flag(1, None) is True
    words = {"Aye": "yes", "Yea": "yes", "Affirmative": "yes", "Nay": "no", "No": "no"}
    words |= {"Abstain": "abstain", "Absent": "absent", "Excused": "absent", "NV": "absent"}
    words |= {"Recused": "recused", "Conflict of Interest": "recused", "Present": "present"}
    words |= {"Aye - Consent": "yes", "Maybe": "other"}
    assert {w: vote_value(w) for w in words} == words
    assert make_vote("  Ann  Lee ", None) is None and make_vote("", "Aye") is None


@given(st.text(max_size=80), st.one_of(st.none(), st.booleans()))
def test_any_action_text_gives_a_known_outcome(action: str, flag: bool | None) -> None:
    assert outcome_kind(action, flag) in OUTCOME_KINDS


@given(st.text(max_size=40), st.text(max_size=40))
def test_any_vote_row_gives_a_valid_vote_or_none(name: str, word: str) -> None:
    vote = make_vote(name, word)
    cleaned = " ".join(clean_text(name).split())
    assert vote is None or (vote.value in VOTE_VALUES and vote.name == cleaned and cleaned)
    assert vote is not None or not cleaned or not " ".join(clean_text(word).split())


def _decided(title: str, relevant: bool, outcome: Outcome | None) -> AgendaItem:
    meeting = example_meeting()
    return AgendaItem(
        id=f"{meeting.id}/{abs(hash(title))}",
        title=title,
        classification=Classification(relevant=relevant),
        outcome=outcome,
    )


def test_only_relevant_decided_items_not_yet_posted_and_never_when_cancelled() -> None:
    adopted = Outcome(result="adopted", action="Approved")
    items = [
        _decided("Welcoming ordinance", True, adopted),
        _decided("Sidewalk repair", False, adopted),
        _decided("Detention contract", True, None),
        _decided("TRUST resolution", True, Outcome(result="deferred", action="Continued")),
    ]
    meeting = example_meeting().model_copy(update={"items": items})
    assert [i.title for i in decided_items(meeting, set())] == [
        "Welcoming ordinance",
        "TRUST resolution",
    ]
    posted = {meeting.item_key(items[0])}
    assert [i.title for i in decided_items(meeting, posted)] == ["TRUST resolution"]
    cancelled = meeting.model_copy(update={"status": "cancelled"})
    assert decided_items(cancelled, set()) == []


def test_hostile_names_in_a_roll_call_stay_inert() -> None:
    votes = [Vote(name="<!channel> @here Ann", value="yes", raw="Aye")]
    outcome = Outcome(result="failed", action="<http://evil.example|Denied>", votes=votes)
    item = _decided("An item", True, outcome)
    meeting = example_meeting().model_copy(update={"items": [item]})
    notice = Notice(
        id="x#outcome-1",
        kind="outcome",
        thread_key=meeting.thread_key,
        source=meeting.source,
        meeting=meeting,
        created_at=meeting.start,
    )
    body = json.dumps(render(notice).blocks, ensure_ascii=False)
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
    assert "@\u2060here" in body and "<http://evil.example" not in body


def test_legistar_web_grid_action_and_result_give_the_outcome() -> None:
    """The MeetingDetail grid's Action and Result columns (BUILT page, platforms.md §4.1 columns,
    with the minutes' words filled in for one row; no real capture with actions exists)."""
    page = (FIXTURES / "legistar_web" / "meeting_detail_all_items.html").read_text()
    row = "immigrant residents at City service counters.</td><td>&nbsp;</td><td>&nbsp;</td>"
    assert row in page
    decided = page.replace(
        row, "immigrant residents at City service counters.</td><td>Adopted</td><td>Pass</td>"
    )
    url = "https://chicago.legistar.com/MeetingDetail.aspx?ID=8100"
    spider = _spider(slug="chicago", options={"mode": "web"})
    items = detail_items(spider, saved_response(url, decided.encode()), "chicago/20190110/8100")
    assert items is not None
    outcomes = {i.matter: i.outcome for i in items if i.outcome}
    assert list(outcomes) == ["250305"]
    outcome = outcomes["250305"]
    assert outcome is not None
    assert (outcome.result, outcome.action, outcome.passed, outcome.source) == (
        "adopted",
        "Adopted",
        True,
        "legistar_web",
    )


@settings(
    deadline=None, max_examples=examples(40)
)  # each example writes a real SQLite file (fsync)
@given(
    st.lists(
        st.tuples(st.sampled_from(["t1", "t2"]), st.integers(min_value=0, max_value=3)),
        max_size=12,
    )
)
def test_a_reminder_is_queued_once_per_thread_and_due_instant(
    claims: list[tuple[str, int]],
) -> None:
    """Whatever order and repetition the job runs in, each (thread, instant) is queued once."""
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger(Path(tmp) / "ledger.sqlite3")
        try:
            base = example_meeting().start
            queued = []
            for thread, hours in claims:
                due = base + timedelta(hours=hours)
                notice = Notice(
                    id=f"reminder:{thread}|{due.isoformat()}",
                    kind="reminder",
                    thread_key=thread,
                    source="oak_park",
                    reminder=Reminder(kind="comment_deadline", due=due, subject="Board"),
                    created_at=base,
                )
                if ledger.queue_reminder(notice, "comment_deadline", due):
                    queued.append((thread, hours))
            assert sorted(queued) == sorted(set(claims))
            assert ledger.counts().get("queued", 0) == len(set(claims))
        finally:
            ledger.close()
