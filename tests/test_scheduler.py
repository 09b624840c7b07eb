"""The scheduler: one cron job per schedule; sources due together crawl as one batch; SIGTERM\nstops it cleanly."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from datetime import datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

import scheduler
from pipeline.config import DEFAULT_SCHEDULE, load_sources
from pipeline.ingest.dispatch import CrawlDispatcher
from pipeline.settings import Settings
from pipeline.store.health import source_health
from pipeline.store.ledger import Ledger
from tests.conftest import ROOT


def test_one_job_per_schedule_feeds_the_dispatcher_with_safe_options() -> None:
    settings = Settings()  # the tests' config: 9 enabled sources
    sources = load_sources(settings.sources_path)
    dispatcher = CrawlDispatcher(lambda ids, stop: None)
    sched = scheduler.build_scheduler(settings, dispatcher)
    jobs = {job.id: job for job in sched.get_jobs()}
    schedules = {(s.schedule or DEFAULT_SCHEDULE, s.timezone) for s in sources}
    assert len(jobs) == len(schedules)
    scheduled = [sid for job in jobs.values() for sid in job.args[0]]
    assert sorted(scheduled) == sorted(s.id for s in sources) and len(scheduled) == 9
    assert "urbana" not in scheduled  # disabled
    job = jobs["crawl:23 6,12,18 * * mon-sat@America/Chicago"]
    assert "oak_park" in job.args[0]
    assert job.max_instances == 1 and job.coalesce is True and job.misfire_grace_time == 600
    trigger = job.trigger
    assert isinstance(trigger, CronTrigger) and not trigger.jitter
    assert str(trigger.timezone) == "America/Chicago"
    # Default schedule: 06:23, 12:23, 18:23 Chicago time, Monday to Saturday.
    chicago = ZoneInfo("America/Chicago")
    nxt = trigger.get_next_fire_time(
        None, datetime(2026, 12, 5, 13, 0, tzinfo=chicago)
    )  # a Saturday
    assert nxt == datetime(2026, 12, 5, 18, 23, tzinfo=chicago)
    after = trigger.get_next_fire_time(None, datetime(2026, 12, 5, 19, 0, tzinfo=chicago))
    assert after == datetime(2026, 12, 7, 6, 23, tzinfo=chicago)  # Sunday skipped
    # Firing only hands the sources to the dispatcher, which crawls them as one batch.
    job.func(*job.args)
    assert dispatcher.pending() == job.args[0]


def test_sources_due_together_are_crawled_as_one_batch_then_delivered(
    demo_env: Settings,
) -> None:
    ids = ["demo_oak_park", "demo_cook_county", "demo_lake_county"]
    dispatcher = CrawlDispatcher(partial(scheduler.crawl_batch, demo_env), settle_s=0.1)
    dispatcher.submit(ids[:2])
    dispatcher.submit(ids[2:] + ["removed_since"])  # a source taken out of the config meanwhile
    dispatcher.start()
    try:
        deadline = time.monotonic() + 120
        while dispatcher.batches < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        dispatcher.stop()
    assert dispatcher.batches == 1
    ledger = Ledger(demo_env.ledger_path)
    try:
        health = {sid: source_health(ledger, sid) for sid in ids}
        counts = ledger.counts()
    finally:
        ledger.close()
    assert all(h.runs == 1 for h in health.values())
    assert health["demo_oak_park"].last_success and health["demo_cook_county"].last_success
    assert health["demo_lake_county"].consecutive_failures == 1
    # Delivered after the batch: the file sink (no Slack configured) wrote the notices.
    assert counts.get("sent") == 2 and not counts.get("queued")
    assert len(list((demo_env.data_dir / "outbox").glob("*.json"))) == 2


def test_sigterm_stops_the_scheduler(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run"],
        cwd=ROOT,
        env={**os.environ, "AGENDA_WATCH_DATA_DIR": str(tmp_path / "data")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    seen = ""
    try:
        while time.monotonic() < deadline and "stop: Ctrl-C or SIGTERM" not in seen:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:  # read raw bytes: a buffered readline would hide lines from select()
                seen += os.read(proc.stdout.fileno(), 65536).decode()
    except BaseException:
        proc.kill()
        raise
    assert "7 source(s) on '23 6,12,18 * * mon-sat': " in seen, seen
    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "SIGTERM: stopping: no new crawls; no crawl is running." in rest
    assert "scheduler stopped" in rest
    assert "scheduler stopped" in (tmp_path / "data" / "logs" / "scheduler.log").read_text()
