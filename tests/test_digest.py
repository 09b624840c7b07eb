"""The weekly digest job, run by a real APScheduler instance against the local fake Slack.

The job (`scheduler.add_digest_job`) is added to a BackgroundScheduler with a date trigger that
fires at once; its clock is pinned so the stored meetings (tests/test_upcoming.py) fall in, or
out of, the next 14 days. Delivery uses a real bot-token client posting to tests/fakeslack.py.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

import scheduler
from pipeline.config import ConfigError
from pipeline.deliver.digest import week_key
from pipeline.settings import Settings
from pipeline.store.ledger import Ledger
from tests.fakeslack import VALID_TOKEN, FakeSlackServer
from tests.helpers import run_job_once
from tests.test_upcoming import write_stored_meetings

CHICAGO = ZoneInfo("America/Chicago")


def _settings(tmp_path: Path, slack: FakeSlackServer) -> Settings:
    return Settings(
        AGENDA_WATCH_DATA_DIR=tmp_path / "data",
        AGENDA_WATCH_CONFIG_DIR=tmp_path / "config",
        SLACK_BOT_TOKEN=VALID_TOKEN,
        SLACK_CHANNEL="C0AGENDA01",
        SLACK_API_URL=slack.url,
    )


def _run_job(settings: Settings, now: datetime) -> None:
    """Start a scheduler, let the digest job fire once with the clock at `now`, stop it."""
    run_job_once(scheduler.add_digest_job, settings, now)


def _digest_rows(settings: Settings) -> list[tuple[str, str]]:
    ledger = Ledger(settings.ledger_path)
    try:
        rows = ledger.conn.execute(
            "SELECT notice_key, state FROM notices WHERE kind = 'weekly_digest' ORDER BY id"
        ).fetchall()
    finally:
        ledger.close()
    return [(r["notice_key"], r["state"]) for r in rows]


def test_one_post_per_week_none_when_empty_none_on_rerun(tmp_path: Path) -> None:
    with FakeSlackServer() as slack:
        settings = _settings(tmp_path, slack)
        write_stored_meetings(settings.data_dir)

        # Monday 2026-10-26 08:00: six meetings in the next 14 days → one post.
        _run_job(settings, datetime(2026, 10, 26, 8, 0, tzinfo=CHICAGO))
        posts = slack.fake.posts()
        assert len(posts) == 1
        post = posts[0]
        assert post["channel"] == "C0AGENDA01" and post["thread_ts"] is None
        assert post["text"] == (
            "Weekly digest: 6 meeting(s) with 7 relevant item(s) in the two weeks from Mon Oct 26,"
            " 2026"
        )
        assert slack.fake.notice_ids() == ["digest:2026-W44"]
        sections = [b["text"]["text"] for b in post["blocks"] if b["type"] == "section"][1:]
        assert len(sections) == 6
        assert sections[0].startswith(
            "*Tue Oct 27, 2026 7:00 PM CDT* · <https://oak-park.legistar.com/MeetingDetail.aspx?"
            "LEGID=9001&amp;GID=557&amp;G=DEMO9001|Village Board> · Village of Oak Park, IL"
        )
        assert "• *3.* <https://oak-park.legistar.com/" in sections[0]
        assert "Ice Rental" not in sections[0]
        assert sections[1].startswith("*Thu Oct 29, 2026 10:00 AM CDT*")
        assert sections[1].split("\n")[0].endswith("· *CANCELLED*")
        assert sections[2].startswith("*Mon Nov 2, 2026 (time not posted)*")
        assert "*RESCHEDULED*" in sections[2]
        # Scraped text is inert: no raw "<img", no live @channel.
        assert "&lt;img src=x onerror=alert(1)&gt; @\u2060channel" in sections[2]
        assert "Committee on Health &amp; Human Relations" in sections[2]
        assert sections[3].startswith("*Tue Nov 3, 2026 7:00 PM CST*")
        assert "House Immigration &amp; Human Rights Committee" in sections[4]
        assert sections[5].startswith("*Thu Nov 5, 2026 11:00 AM CST*")

        # Rerun in the same ISO week (Wednesday): nothing new.
        _run_job(settings, datetime(2026, 10, 28, 9, 30, tzinfo=CHICAGO))
        assert len(slack.fake.posts()) == 1

        # An empty fortnight (March 2027): nothing queued, nothing posted.
        _run_job(settings, datetime(2027, 3, 1, 8, 0, tzinfo=CHICAGO))
        assert len(slack.fake.posts()) == 1
        assert _digest_rows(settings) == [("digest:2026-W44", "sent")]

        # The next week has matches again: its own single post.
        _run_job(settings, datetime(2026, 11, 2, 8, 0, tzinfo=CHICAGO))
        assert slack.fake.notice_ids() == ["digest:2026-W44", "digest:2026-W45"]
        assert slack.fake.posts()[1]["text"].startswith(
            "Weekly digest: 5 meeting(s) with 5 relevant"
        )


def test_week_key_uses_the_chicago_date() -> None:
    # Sunday 23:30 in Chicago is already Monday in UTC; the week is still Chicago's.
    assert week_key(datetime(2026, 11, 1, 23, 30, tzinfo=CHICAGO)) == "digest:2026-W44"
    assert week_key(datetime(2026, 11, 2, 0, 0, tzinfo=CHICAGO)) == "digest:2026-W45"
    assert week_key(datetime(2027, 1, 1, 8, 0, tzinfo=CHICAGO)) == "digest:2026-W53"


def test_default_and_configured_digest_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENDA_WATCH_DIGEST_CRON", raising=False)
    settings = Settings()
    sched = BlockingScheduler(timezone=CHICAGO)
    scheduler.add_digest_job(sched, settings)
    job = sched.get_job("digest:weekly")
    assert job.max_instances == 1 and job.coalesce is True
    trigger = job.trigger
    assert isinstance(trigger, CronTrigger) and str(trigger.timezone) == "America/Chicago"
    friday = datetime(2026, 11, 27, 12, 0, tzinfo=CHICAGO)
    assert trigger.get_next_fire_time(None, friday) == datetime(2026, 11, 30, 8, 0, tzinfo=CHICAGO)
    # Across the spring DST change the job still fires at 08:00 local (CDT, -05:00).
    nxt = trigger.get_next_fire_time(None, datetime(2027, 3, 13, 12, 0, tzinfo=CHICAGO))
    assert nxt is not None and nxt.isoformat() == "2027-03-15T08:00:00-05:00"

    monkeypatch.setenv("AGENDA_WATCH_DIGEST_CRON", "30 7 * * tue")
    assert scheduler.digest_trigger(Settings()).get_next_fire_time(None, friday) == datetime(
        2026, 12, 1, 7, 30, tzinfo=CHICAGO
    )
    monkeypatch.setenv("AGENDA_WATCH_DIGEST_CRON", "0 8 * * 1")
    with pytest.raises(ConfigError, match="AGENDA_WATCH_DIGEST_CRON: '0 8 \\* \\* 1': use weekday"):
        scheduler.digest_trigger(Settings())
    monkeypatch.setenv("AGENDA_WATCH_DIGEST_CRON", "every monday")
    with pytest.raises(ConfigError, match="invalid cron"):
        scheduler.digest_trigger(Settings())
