"""Public-comment deadlines, integrated: read during the crawl, shown in the notice and the views,
reminded once in the meeting's thread — on the body's clock across a DST change.

The paragraph is REAL Chicago City Council wording (tests/fixtures/comments/paragraphs.jsonl,
``chicago-committee-voicemail``): requests to comment are taken "until 9:00 AM the business day
before the scheduled meeting". The meeting is put on the Monday after the next spring-forward, so
the deadline (the Friday before, still Central Standard Time, UTC-6) and the meeting (Central
Daylight Time, UTC-5) sit on either side of the change: reading "9:00 AM" with the meeting's
fixed offset instead of America/Chicago would be an hour off.

BUILT recordings (dated from the day the test runs, so the meeting is always ahead): a one-event
Legistar ``/events`` answer, its ``/eventitems`` (one relevant item), and the agenda document, an
HTML page holding the real paragraph under a "PUBLIC COMMENT" heading.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import scheduler
from pipeline.cli import main
from pipeline.deliver.reminders import meeting_reminder
from pipeline.ingest.followups import read_comment_window
from pipeline.models import Classification, Document, example_meeting
from pipeline.settings import Settings
from tests.conftest import FIXTURES
from tests.fakeslack import FakeSlackServer
from tests.helpers import crawl_recorded, run_job_once, use_fake_slack
from tests.test_ilga_crawl import deliver_now

CHICAGO = ZoneInfo("America/Chicago")
CHANNEL = "C0AGENDA01"
JSON: dict[str, Any] = {"content_type": "application/json"}
PARAGRAPH = next(
    json.loads(line)["text"]
    for line in (FIXTURES / "comments" / "paragraphs.jsonl").read_text().splitlines()
    if '"chicago-committee-voicemail"' in line
)


def spring_forward_monday() -> date:
    """The Monday after the next second Sunday of March (when Chicago moves to CDT)."""
    today = datetime.now(CHICAGO).date()
    for year in (today.year, today.year + 1):
        march = date(year, 3, 1)
        second_sunday = march + timedelta(days=(6 - march.weekday()) % 7 + 7)
        if second_sunday + timedelta(days=1) > today + timedelta(days=3):
            return second_sunday + timedelta(days=1)
    raise AssertionError("unreachable")


def _files(day: date) -> tuple[list[dict[str, Any]], dict[str, Path | bytes | str]]:
    event = {
        "EventId": 9300,
        "EventBodyName": "Committee on Immigrant and Refugee Rights",
        "EventDate": f"{day.isoformat()}T00:00:00",
        "EventTime": "10:00 AM",
        "EventLocation": "Council Chambers, City Hall",
        "EventAgendaStatusName": "Final",
        "EventAgendaFile": "{{BASE}}/docs/agenda.html",
        "EventInSiteURL": "https://chicago.legistar.com/MeetingDetail.aspx?ID=9300",
        "EventComment": "To give written or live public comment, please see the agenda",
    }
    item = {
        "EventItemId": 93001,
        "EventItemAgendaSequence": 1,
        "EventItemAgendaNumber": "1",
        "EventItemTitle": "A resolution reaffirming the Welcoming City Ordinance",
        "EventItemMatterFile": "R2027-100",
    }
    agenda = (
        "<html><body><h1>Committee on Immigrant and Refugee Rights</h1>"
        "<h2>PUBLIC COMMENT</h2>"
        f"<p>{PARAGRAPH}</p>"
        "<h2>AGENDA</h2><p>1. A resolution reaffirming the Welcoming City Ordinance</p>"
        "</body></html>"
    )
    routes: list[dict[str, Any]] = [
        {"path": "/v1/chicago/events", "query": {"$skip": "0"}, "file": "events.json", **JSON},
        {"path": "/v1/chicago/events/9300/eventitems", "file": "items.json", **JSON},
        {"path": "/docs/agenda.html", "file": "agenda.html", "content_type": "text/html"},
    ]
    files: dict[str, Path | bytes | str] = {
        "events.json": json.dumps([event]),
        "items.json": json.dumps([item]),
        "agenda.html": agenda,
    }
    return routes, files


SOURCE = {
    "id": "chicago",
    "platform": "legistar",
    "slug": "chicago",
    "api_url": "{{BASE}}/v1/chicago",
    "jurisdiction": "City of Chicago, IL",
}


def test_agenda_comment_paragraph_gives_the_deadline_across_dst_and_one_reminder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: FakeSlackServer
) -> None:
    use_fake_slack(monkeypatch, slack.url, CHANNEL)
    day = spring_forward_monday()
    friday = day - timedelta(days=3)
    monkeypatch.setenv("AGENDA_WATCH_TODAY", (day - timedelta(days=7)).isoformat())
    routes, files = _files(day)
    crawl = crawl_recorded(tmp_path, monkeypatch, SOURCE, routes, files)
    assert crawl.result.errors == 0, crawl.result.message
    [meeting] = crawl.meetings()
    assert meeting.start.isoformat() == f"{day.isoformat()}T10:00:00-05:00"  # CDT
    window = meeting.comment
    assert window is not None
    deadline = datetime(friday.year, friday.month, friday.day, 9, 0, tzinfo=CHICAGO)
    assert window.deadline == deadline
    assert window.deadline.isoformat() == f"{friday.isoformat()}T09:00:00-06:00"  # still CST
    assert [(c.kind, c.value) for c in window.channels] == [("phone", "3127446800")]
    assert "until 9:00 AM the business day before" in window.deadline_text

    # The meeting's notice says by when and how.
    assert deliver_now() == 1
    [opener] = slack.fake.messages
    summary = opener["blocks"][0]["text"]["text"]
    stamp = f"{friday:%a %b} {friday.day}, {friday.year} 9:00 AM CST"
    assert f"*Public comment*: by *{stamp}* · phone (312) 744-6800" in summary

    # The deadlines list (JSON): the same instant, with the body's offset.
    out = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path / "data"), "upcoming", "--deadlines", "--format", "json"]
        + ["--from", (day - timedelta(days=7)).isoformat()],
        env={"AGENDA_WATCH_CONFIG_DIR": str(tmp_path / "config")},
    )
    assert out.exit_code == 0, out.output
    [row] = json.loads(out.output)["deadlines"]
    assert row["kind"] == "comment_deadline" and row["at"] == deadline.isoformat()
    assert row["local"] == stamp and row["how"] == ["phone (312) 744-6800"]
    assert row["what"] == "Committee on Immigrant and Refugee Rights"

    # One reminder, 24 h ahead by default, in the meeting's thread; a rerun of the job: nothing.
    settings = Settings()
    run_job_once(scheduler.add_reminder_job, settings, deadline - timedelta(hours=25))
    assert len(slack.fake.messages) == 1
    run_job_once(scheduler.add_reminder_job, settings, deadline - timedelta(hours=10))
    run_job_once(scheduler.add_reminder_job, settings, deadline - timedelta(hours=1))
    assert len(slack.fake.messages) == 2
    reminder = slack.fake.messages[1]
    assert reminder["thread_ts"] == opener["ts"]
    assert reminder["text"] == f"Reminder: public comment closes {stamp}"
    text = json.dumps(reminder["blocks"], ensure_ascii=False)
    assert "How: phone (312) 744-6800" in text
    assert "until 9:00 AM the business day before the scheduled meeting" in text


def test_a_meeting_without_relevant_items_gets_no_reminder(tmp_path: Path) -> None:
    """The window is read for every meeting, but only relevant ones are reminded (and shown)."""
    meeting = example_meeting()
    start = meeting.start.astimezone(CHICAGO)
    meeting.documents = [Document(url="https://example.org/a.html", text=PARAGRAPH)]
    window, problems = read_comment_window(meeting)
    assert problems == [] and window is not None
    # The example meets Tuesday Dec 2, 2025: the business day before is Monday Dec 1, 9:00 CST.
    assert window.deadline == datetime(2025, 12, 1, 9, 0, tzinfo=CHICAGO)
    assert start.isoformat() == "2025-12-02T19:00:00-06:00"
    meeting.comment = window
    lead, now = timedelta(hours=24), window.deadline - timedelta(hours=2)
    assert meeting_reminder(meeting, now, lead) is None  # its item was not found relevant
    meeting.items[0].classification = Classification(relevant=True)
    due = meeting_reminder(meeting, now, lead)
    assert due is not None and due.due == window.deadline and due.notice.kind == "reminder"
    assert meeting_reminder(meeting, window.deadline - timedelta(hours=30), lead) is None
    cancelled = meeting.model_copy(update={"status": "cancelled"})
    assert meeting_reminder(cancelled, now, lead) is None
