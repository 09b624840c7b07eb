"""Witness slips: a relevant bill posted to a committee hearing, through the real engine and Slack.

The hearing notice in the bill's thread carries the hearing's time, room and the link to file a
witness slip for that bill; the organizers' deadlines list shows it; a reminder goes to the bill's
thread a set time before the hearing (default 24 h), once — run by a real APScheduler against the
fake Slack.

BUILT recordings (no real capture of a schedule page or of a hearing page with slip links exists;
see tests/fixtures/ilga/README.md): SB1881's bulk XML from test_ilga_crawl (real filing facts),
and a Senate hearing page in the markup of the House hearing fixture, dated ten days after the
day the test runs (so the hearing is always ahead), whose SB1881 row carries a "Create Witness
Slip" link in the my.ilga.gov/WitnessSlip/Create/… form public witness-slip tools use.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import scheduler
from pipeline.cli import main
from pipeline.models import Bill
from pipeline.settings import Settings
from pipeline.store.files import bill_path
from pipeline.store.ledger import Ledger
from tests.fakeslack import FakeSlackServer
from tests.helpers import crawl_recorded, run_job_once, use_fake_slack
from tests.test_ilga_crawl import AMENDED, SOURCE, deliver_now, free_port, step_files

CHICAGO = ZoneInfo("America/Chicago")
CHANNEL = "C0AGENDA01"
SLIP = (
    "https://my.ilga.gov/WitnessSlip/Create/157911?committeeHearingId=23001"
    "&LegislationId=157911&LegislationDocumentId=189002"
)
STAMP = "3/10/2025  5:20 PM  1800"


def hearing_start() -> datetime:
    """Ten days from today (Chicago), 9:00 AM: always ahead of the test."""
    day = datetime.now(CHICAGO).date() + timedelta(days=10)
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=CHICAGO)


def hearing_page(start: datetime) -> str:
    """A Senate hearing page (BUILT, see the module docstring) posting SB1881 and SB17."""
    date = f"{start.month}/{start.day}/{start.year} 9:00 AM"
    slip = SLIP.replace("&", "&amp;")
    return (
        "<html><body><div id='copyable-content'>"
        "<h2>Senate Executive Committee Hearing Details - 104th General Assembly</h2>"
        "<p>A Witness Slip can be created with or without having an ILGA account.</p>"
        "<div class='card'><h2>Hearing Details</h2><table>"
        f"<tr><td>Chairperson: Kimberly A. Lightford</td></tr><tr><td>Date: {date}</td></tr>"
        "<tr><td>Location: Room 212 Capitol Building Springfield, IL</td></tr></table></div>"
        "<div class='card'><h4>Bills Assigned To Hearing</h4><table><tr><th>Bill #</th><th>Motion</th>"
        "<th>Vote Motion</th><th>Vote Total</th><th>Vote Result</th><th></th></tr>"
        "<tr><td><a href='/Legislation/BillStatus?DocNum=1881&amp;GAID=18&amp;DocTypeID=SB'>SB1881</a>"
        f"</td><td></td><td></td><td></td><td></td><td><a href='{slip}'>Create Witness Slip</a></td></tr>"
        "<tr><td>SB0017</td><td></td><td></td><td></td><td></td><td></td></tr>"
        "</table></div></div></body></html>"
    )


def _reminders(settings: Settings) -> list[tuple[str, str]]:
    ledger = Ledger(settings.ledger_path)
    try:
        notices = ledger.pending(("queued", "inflight", "sent"))
    finally:
        ledger.close()
    return [(q.notice.thread_key, q.state) for q in notices if q.notice.kind == "reminder"]


def test_hearing_notice_has_the_slip_link_and_the_reminder_fires_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: FakeSlackServer
) -> None:
    use_fake_slack(monkeypatch, slack.url, CHANNEL)
    start = hearing_start()
    port = free_port()
    for hearing in (None, hearing_page(start)):
        routes, files = step_files(AMENDED, True, STAMP, hearing)
        crawl = crawl_recorded(tmp_path, monkeypatch, SOURCE, routes, files, port=port)
        assert crawl.result.errors == 0, crawl.result.message
        assert deliver_now() == 1

    opener, posted = slack.fake.messages
    assert posted["thread_ts"] == opener["ts"]
    body = json.dumps(posted["blocks"], ensure_ascii=False)
    when = f"{start:%a %b} {start.day}, {start.year} 9:00 AM {start.tzname()}"
    # The change line, and the hearing section with the link to file a slip for this bill.
    assert f"Hearing posted: Senate Executive Committee, {when}, Room 212 Capitol" in body
    assert (
        f"*Hearing*: Senate Executive Committee · *{when}* · Room 212 Capitol Building "
        f"Springfield, IL · <{SLIP.replace('&', '&amp;')}|File a witness slip for SB1881>"
    ) in body
    bill = Bill.model_validate_json(bill_path(tmp_path / "data", 104, "SB1881").read_bytes())
    [held] = bill.hearings
    assert str(held.witness_slip_url) == SLIP and held.start == start

    # The stored hearing: its relevant bill carries the link; SB17 (no link in its row) the page.
    [meeting] = crawl.meetings()
    sb, sb17 = meeting.items
    assert str(sb.witness_slip_url) == SLIP
    assert str(sb17.witness_slip_url).endswith("/Senate/hearings/details/3104/23001")

    # The organizers' deadlines list shows it, in local time.
    first = datetime.now(CHICAGO).date().isoformat()
    out = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path / "data"), "upcoming", "--deadlines", "--from", first],
        env={"AGENDA_WATCH_CONFIG_DIR": str(tmp_path / "config")},
    )
    assert out.exit_code == 0, out.output
    assert f"{when}  Witness slips: SB1881 SCHOOLS-TRUST ACT · State of Illinois" in out.output
    assert f"  {SLIP}" in out.output and "SB17" not in out.output
    rows = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path / "data"), "upcoming", "--deadlines", "--format", "json"]
        + ["--from", first],
        env={"AGENDA_WATCH_CONFIG_DIR": str(tmp_path / "config")},
    )
    [row] = json.loads(rows.output)["deadlines"]
    assert row["kind"] == "witness_slip" and row["at"] == start.isoformat()
    assert row["url"] == SLIP and row["body"] == "Senate Executive Committee"

    # The reminder job, on a real scheduler: nothing 30 h before, one post 23 h before, then none.
    settings = Settings()
    run_job_once(scheduler.add_reminder_job, settings, start - timedelta(hours=30))
    assert len(slack.fake.messages) == 2 and _reminders(settings) == []
    run_job_once(scheduler.add_reminder_job, settings, start - timedelta(hours=23))
    run_job_once(scheduler.add_reminder_job, settings, start - timedelta(hours=2))
    assert len(slack.fake.messages) == 3
    reminder = slack.fake.messages[2]
    assert reminder["thread_ts"] == opener["ts"] and reminder["channel"] == CHANNEL
    assert reminder["text"] == (
        f"Reminder: witness slips for SB1881 SCHOOLS-TRUST ACT — hearing {when}"
    )
    text = json.dumps(reminder["blocks"], ensure_ascii=False)
    assert f"<{SLIP.replace('&', '&amp;')}|File a witness slip>" in text
    assert "Senate Executive Committee · Room 212 Capitol Building Springfield, IL" in text
    assert _reminders(settings) == [("bill:104:SB1881", "sent")]
    # After the hearing started: nothing more.
    run_job_once(scheduler.add_reminder_job, settings, start + timedelta(minutes=5))
    assert len(slack.fake.messages) == 3


def test_the_lead_time_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENDA_WATCH_WITNESS_SLIP_REMINDER_HOURS", "48")
    assert Settings().witness_slip_reminder_hours == 48
    assert Settings.model_fields["witness_slip_reminder_hours"].default == 24
    monkeypatch.setenv("AGENDA_WATCH_WITNESS_SLIP_REMINDER_HOURS", "0")
    with pytest.raises(ValueError, match="AGENDA_WATCH_WITNESS_SLIP_REMINDER_HOURS"):
        Settings()
