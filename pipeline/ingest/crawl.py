"""Run crawls: each source in its own OS process, with a timeout, a few at once.

A Twisted reactor cannot be restarted, so every crawl gets a fresh process; one line per source is
reported as it finishes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import check_sources
from pipeline.settings import Settings
from pipeline.store.health import check_health
from pipeline.store.ledger import Ledger


@dataclass
class CrawlResult:
    """One source's crawl, as recorded in the ledger."""

    source: str
    run_id: str
    returncode: int | None
    seconds: float
    meetings: int = 0
    items: int = 0
    matches: int = 0
    notices: int = 0
    errors: int = 0
    unread: int = 0  # meetings whose agenda could not be read (pipeline.ingest.unread)
    finish_reason: str = ""
    message: str = ""
    log_path: Path | None = None

    @property
    def ok(self) -> bool:
        """Finished normally, without errors, and found something."""
        return (
            self.returncode == 0
            and self.errors == 0
            and self.finish_reason == "finished"
            and self.meetings > 0
        )

    def line(self) -> str:
        """The progress line printed when the source finishes."""
        mark = "ok  " if self.ok else "FAIL"
        line = (
            f"{mark} {self.source:<24} {self.meetings:>4} meetings {self.items:>5} items "
            f"{self.matches:>3} matches {self.errors:>2} errors {self.unread:>2} not read "
            f"{self.seconds:6.1f}s"
        )
        if self.message:
            line += f"  {self.message[:160]}"
        return line


def child_env(settings: Settings) -> dict[str, str]:
    """The environment a crawl process gets, with `settings` passed explicitly.

    This process's environment with our own variables replaced by `settings` (so CLI flags reach
    the child, and secrets stay behind), plus the Scrapy settings module.
    """
    ours = Settings.aliases()
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env.update(settings.child_env())
    env["SCRAPY_SETTINGS_MODULE"] = "spiders.settings"
    return env


def crawl_one(settings: Settings, source_id: str, timeout_s: float) -> CrawlResult:
    """Crawl one source in a child process (``scrapy crawl``); never raises for a bad source."""
    run_id = uuid.uuid4().hex
    log_dir = settings.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{source_id}.log"
    started = time.monotonic()
    cmd = [sys.executable, "-m", "scrapy", "crawl", source_id, "--logfile", str(log_path)]
    cmd += ["-s", f"AGENDA_WATCH_RUN_ID={run_id}"]
    returncode: int | None
    try:
        proc = subprocess.run(
            cmd,
            env=child_env(settings),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout_s,
            check=False,
        )
        returncode = proc.returncode
        stderr = proc.stderr.decode("utf-8", "replace").strip()
    except subprocess.TimeoutExpired:
        returncode, stderr = None, f"timed out after {timeout_s:.0f}s"
    seconds = time.monotonic() - started
    ledger = Ledger(settings.ledger)
    try:
        row = ledger.run(run_id)
        if row is None or row.get("finished_at") is None:
            message = stderr.splitlines()[-1] if stderr else f"crawl process exited {returncode}"
            ledger.finish_run(
                run_id,
                source_id,
                errors=1,
                finish_reason="timeout" if returncode is None else "crashed",
                message=message[:500],
            )
            row = ledger.run(run_id)
    finally:
        ledger.close()
    assert row is not None
    _check_health(settings, source_id)
    return CrawlResult(
        source=source_id,
        run_id=run_id,
        returncode=returncode,
        seconds=seconds,
        meetings=row["meetings"],
        items=row["items"],
        matches=row["matches"],
        notices=row["notices"],
        errors=row["errors"],
        unread=row["unread"],
        finish_reason=row["finish_reason"] or "",
        message=row["message"] or "",
        log_path=log_path,
    )


def crawl_many(
    settings: Settings,
    source_ids: list[str],
    on_result: Callable[[CrawlResult], None] | None = None,
) -> list[CrawlResult]:
    """Crawl sources, ``settings.crawl_parallel`` at a time; results in completion order."""
    results: list[CrawlResult] = []
    with ThreadPoolExecutor(max_workers=settings.crawl_parallel) as pool:
        futures = [
            pool.submit(crawl_one, settings, sid, settings.crawl_timeout_s) for sid in source_ids
        ]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            if on_result:
                on_result(result)
    return results


def _check_health(settings: Settings, source_id: str) -> None:
    """After a crawl: alert the ops channel if the source keeps failing, or say it recovered."""
    sources, _ = check_sources(settings.sources_path)
    source = next((s for s in sources if s.id == source_id), None)
    if source is None:
        return
    ledger = Ledger(settings.ledger)
    try:
        check_health(
            ledger,
            source.id,
            source.name,
            source.alert_after,
            settings.slack_ops_channel or settings.slack_channel,
        )
    finally:
        ledger.close()
