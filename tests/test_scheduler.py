"""The scheduler: one cron job per source with the documented options; SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

import scheduler
from pipeline.settings import Settings
from tests.conftest import ROOT


def test_jobs_per_source_with_safe_options() -> None:
    settings = Settings(AGENDA_WATCH_CONFIG_DIR=ROOT / "config")
    sched = scheduler.build_scheduler(settings)
    jobs = {job.id: job for job in sched.get_jobs()}
    assert len(jobs) == 111 and "crawl:oak_park" in jobs
    job = jobs["crawl:oak_park"]
    assert job.max_instances == 1 and job.coalesce is True and job.misfire_grace_time == 600
    trigger = job.trigger
    assert isinstance(trigger, CronTrigger) and trigger.jitter == 300
    assert str(trigger.timezone) == "America/Chicago"
    # Default schedule: 06:23, 12:23, 18:23 Chicago time, Monday to Saturday.
    chicago = ZoneInfo("America/Chicago")
    nxt = trigger.get_next_fire_time(
        None, datetime(2026, 12, 5, 13, 0, tzinfo=chicago)
    )  # a Saturday
    base = datetime(2026, 12, 5, 18, 23, tzinfo=chicago)
    assert nxt is not None and 0 <= (nxt - base).total_seconds() <= 300  # plus up to 5 min jitter
    after = trigger.get_next_fire_time(None, datetime(2026, 12, 5, 19, 0, tzinfo=chicago))
    monday = datetime(2026, 12, 7, 6, 23, tzinfo=chicago)  # Sunday skipped
    assert after is not None and 0 <= (after - monday).total_seconds() <= 300


def test_sigterm_stops_the_scheduler() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run"],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    seen = ""
    try:
        while time.monotonic() < deadline and "Scheduler started" not in seen:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:  # read raw bytes: a buffered readline would hide lines from select()
                seen += os.read(proc.stdout.fileno(), 65536).decode()
    except BaseException:
        proc.kill()
        raise
    assert "scheduled crawl oak_park" in seen, seen
    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "scheduler stopped" in rest
