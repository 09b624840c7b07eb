"""Crawl a recorded site through the real Scrapy engine, in one call, for platform tests."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger

from pipeline.ingest.crawl import CrawlResult, crawl_one
from pipeline.models import Meeting
from pipeline.replay import ReplayServer
from pipeline.settings import Settings
from pipeline.store.files import JsonStore
from tests.conftest import TOPICS
from tests.fakeslack import VALID_TOKEN


@dataclass
class RecordedCrawl:
    result: CrawlResult
    store: JsonStore
    requests: list[str]
    base_url: str
    request_headers: list[dict[str, str]]

    def meetings(self) -> list[Meeting]:
        """Stored meetings, sorted by start then id."""
        return sorted(self.store.iter_meetings(), key=lambda m: (m.start, m.id))


def crawl_recorded(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: dict[str, Any],
    routes: list[dict[str, Any]],
    files: dict[str, Path | bytes | str],
    timeout: float = 120,
    port: int = 0,
) -> RecordedCrawl:
    """Serve `files` under `routes` (see pipeline/replay.py), crawl `source`, return what was stored.

    In `source`, the string ``{{BASE}}`` is replaced by the replay server's URL (for base_url or
    api_url). `files` maps a path inside the recordings folder to a fixture file or raw content.
    """
    rec = tmp_path / "recordings"
    rec.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        dest = rec / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, dest)
        elif isinstance(content, bytes):
            dest.write_bytes(content)
        else:
            dest.write_text(content, encoding="utf-8")
    (rec / "routes.json").write_text(json.dumps({"routes": routes}))
    with ReplayServer(rec, port) as server:
        config = tmp_path / "config"
        config.mkdir(exist_ok=True)
        shutil.copyfile(TOPICS, config / "topics.yaml")
        entry = json.loads(json.dumps(source).replace("{{BASE}}", server.base_url))
        entry.setdefault("name", entry["id"])
        entry.setdefault("jurisdiction", "Test jurisdiction, IL")
        (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [entry]}))
        data = tmp_path / "data"
        monkeypatch.setenv("AGENDA_WATCH_DATA_DIR", str(data))
        monkeypatch.setenv("AGENDA_WATCH_CONFIG_DIR", str(config))
        monkeypatch.setenv("AGENDA_WATCH_DOWNLOAD_DELAY", "0")
        result = crawl_one(Settings(), entry["id"], timeout)
        return RecordedCrawl(
            result, JsonStore(data), list(server.requests), server.base_url, server.request_headers
        )


def use_fake_slack(monkeypatch: pytest.MonkeyPatch, url: str, channel: str = "C0AGENDA01") -> None:
    """Point delivery at the fake Slack (tests/fakeslack.py) with a bot token and a channel."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", VALID_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", url)
    monkeypatch.setenv("SLACK_CHANNEL", channel)


def run_job_once(add_job: Callable[..., None], settings: Settings, now: datetime) -> None:
    """Start a real APScheduler, let the job `add_job` adds fire once (clock pinned at `now`), stop.

    `add_job(scheduler, settings, trigger=…, clock=…)` is one of scheduler.py's ``add_*_job``; the
    job runs in the scheduler's own thread at once (a date trigger), as it would on its schedule.
    """
    sched = BackgroundScheduler(timezone=ZoneInfo("America/Chicago"))
    done = threading.Event()
    errors: list[BaseException] = []

    def listener(event: JobExecutionEvent) -> None:
        if event.exception is not None:
            errors.append(event.exception)
        done.set()

    sched.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    add_job(sched, settings, trigger=DateTrigger(run_date=datetime.now(UTC)), clock=lambda: now)
    sched.start()
    try:
        assert done.wait(60), "the job did not run"
    finally:
        sched.shutdown(wait=True)
    assert not errors, errors
