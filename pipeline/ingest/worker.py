"""A crawl worker: one process, one asyncio reactor, many sources (``python -m pipeline.ingest.worker``).

Starting Python and Scrapy costs about 1.5 CPU-s, the crawl of one source about 0.1 s; so a
worker crawls a whole bin of sources with Scrapy's multi-crawler API (`AsyncCrawlerProcess`), up
to ``concurrency`` at once and never two that share a host. Each source keeps what is its own:

- its own `Crawler` (stats, run id, ``CLOSESPIDER_TIMEOUT``), run record and log file
  (`pipeline.ingest.sourcelog` attributes log lines and error counts);
- a failure to start or a crash of its crawl is recorded against it alone;
- a crawl still running ``grace_s`` after its timeout is abandoned and recorded as timed out;
- a source whose code blocks the event loop is named in a ``hung`` event (a watchdog thread reads
  the main thread's stack), so the parent that kills the worker blames that source only.

The worker dies with its parent (``PR_SET_PDEATHSIG``); its PDF worker dies with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, cast

from scrapy import Spider
from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import Settings as ScrapySettings
from scrapy.utils.project import get_project_settings

from pipeline.ingest import shared
from pipeline.ingest.hostgate import LOCK_DIR_SETTING, process_gate
from pipeline.ingest.protocol import EventWriter, WorkerSpec
from pipeline.ingest.sourcelog import CURRENT_SOURCE, SOURCE_LOG_SETTING, router
from pipeline.ingest.stages import RUN_ID_SETTING
from pipeline.models import Source
from pipeline.redact import redact
from pipeline.settings import Paths
from pipeline.text.pdfworker import die_with_parent
from spiders.loader import spider_class_for

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class _Running:
    source: Source
    crawler: Crawler
    task: asyncio.Task[str | None]
    started: float
    reported: tuple[int, int, int] = (0, 0, 0)  # pages, meetings, items last sent


class WorkerRun:
    """Crawls the spec's sources in the running reactor; `main` completes when all are done."""

    def __init__(self, process: AsyncCrawlerProcess, spec: WorkerSpec, events: EventWriter):
        self.process = process
        self.spec = spec
        self.events = events
        self.stopping = False
        self.running: dict[str, _Running] = {}
        self.last_tick = time.monotonic()
        self.base_settings = process.settings
        self._loop_thread = threading.get_ident()

    # --- the loop ------------------------------------------------------------------------

    async def main(self) -> None:
        """Crawl every source (or until asked to stop), then report the end."""
        ticker = asyncio.create_task(self._heartbeat())
        threading.Thread(target=self._watchdog, name="hang-watchdog", daemon=True).start()
        try:
            await self._dispatch()
        finally:
            ticker.cancel()
            self.events.send("end", stray=dict(router().stray))
            shared.close_all()

    async def _dispatch(self) -> None:
        pending = list(self.spec.sources)
        while (pending and not self.stopping) or self.running:
            self._start_what_fits(pending)
            tasks = [r.task for r in self.running.values()]
            if tasks:
                await asyncio.wait(tasks, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
            for run in list(self.running.values()):
                if run.task.done():
                    self._finish(run, _outcome(run.task))
                elif time.monotonic() - run.started > self.spec.timeout_s + self.spec.grace_s:
                    self._abandon(run)

    def _start_what_fits(self, pending: list[Source]) -> None:
        busy = {h for sid in self.running for h in self._hosts(sid)}
        index = 0
        while index < len(pending) and len(self.running) < self.spec.concurrency:
            if self.stopping:
                return
            source = pending[index]
            hosts = self._hosts(source.id)
            if hosts & busy:
                index += 1
                continue
            pending.pop(index)
            busy |= hosts
            self._start(source)

    def _hosts(self, source_id: str) -> set[str]:
        return set(self.spec.hosts.get(source_id) or [f"source:{source_id}"])

    # --- one source ----------------------------------------------------------------------

    def _start(self, source: Source) -> None:
        settings = self.base_settings.copy()
        log_file = self.spec.log_dir / f"{source.id}.log"
        settings.setdict(
            {
                RUN_ID_SETTING: self.spec.run_ids[source.id],
                "CLOSESPIDER_TIMEOUT": self.spec.timeout_s,
                SOURCE_LOG_SETTING: str(log_file),
            },
            priority="cmdline",
        )
        try:
            crawler = Crawler(spider_class_for(source), settings)
        except Exception as exc:  # a spider that cannot even be built fails alone
            logger.error("%s: cannot build its crawler", source.id, exc_info=True)
            self.events.send("start", source=source.id)
            self._record_failure(source.id, "crashed", f"{type(exc).__name__}: {exc}")
            self.events.send("done", source=source.id)
            return
        router().register(source.id, crawler, log_file)
        task = asyncio.create_task(self._crawl(source.id, crawler))
        self.running[source.id] = _Running(source, crawler, task, time.monotonic())
        self.events.send("start", source=source.id)

    async def _crawl(self, source_id: str, crawler: Crawler) -> str | None:
        """Run one crawler; its own error text when it could not start or crashed, else None."""
        CURRENT_SOURCE.set(source_id)  # this task's context: tasks and callbacks inherit it
        try:
            await self.process.crawl(crawler)
        except Exception as exc:
            logger.error("%s: crawl failed", source_id, exc_info=True)
            return f"{type(exc).__name__}: {exc}"
        return None

    def _finish(self, run: _Running, error: str | None) -> None:
        del self.running[run.source.id]
        if error is not None:
            self._record_failure(run.source.id, "crashed", error)
        router().unregister(run.source.id)
        self._send_done(run)

    def _send_done(self, run: _Running) -> None:
        pages, meetings, items = _counts(run.crawler)
        self.events.send("done", source=run.source.id, pages=pages, meetings=meetings, items=items)

    def _abandon(self, run: _Running) -> None:
        """A crawl that ignored its timeout: drop it, free its hosts, record the timeout."""
        del self.running[run.source.id]
        run.task.cancel()
        process_gate(self._lock_dir()).release_owner(run.crawler)
        limit = self.spec.timeout_s + self.spec.grace_s
        self._record_failure(
            run.source.id, "timeout", f"still running {limit:.0f} s after its start"
        )
        router().unregister(run.source.id)
        self._send_done(run)

    def _record_failure(self, source_id: str, reason: str, message: str) -> None:
        """Finish the source's run record unless its crawl already did."""
        ledger = shared.ledger(Paths.from_scrapy(self.base_settings).ledger)
        run_id = self.spec.run_ids[source_id]
        row = ledger.run(run_id)
        if row is None or row.get("finished_at") is None:
            ledger.finish_run(
                run_id, source_id, errors=1, finish_reason=reason, message=redact(message)[:500]
            )

    def _lock_dir(self) -> Path | None:
        value = self.base_settings.get(LOCK_DIR_SETTING)
        return Path(value) if value else None

    # --- stopping, liveness --------------------------------------------------------------

    def request_stop(self) -> None:
        """Start no more sources; ask the running ones to stop (their runs say ``shutdown``)."""
        if self.stopping:
            return
        self.stopping = True
        logger.info("stop requested: closing %d running crawl(s)", len(self.running))
        for run in self.running.values():
            if run.crawler.crawling and run.crawler._engine is not None:
                asyncio.ensure_future(run.crawler.stop_async())

    async def _heartbeat(self) -> None:
        next_progress = time.monotonic() + self.spec.progress_s
        while True:
            self.last_tick = time.monotonic()
            self.events.send("tick")
            if self.last_tick >= next_progress:
                self._report_progress()
                next_progress = self.last_tick + self.spec.progress_s
            await asyncio.sleep(self.spec.heartbeat_s)

    def _report_progress(self) -> None:
        """One ``progress`` event per running source whose counts changed since the last one."""
        for source_id, run in self.running.items():
            counts = _counts(run.crawler)
            if counts != run.reported:
                run.reported = counts
                pages, meetings, items = counts
                self.events.send(
                    "progress", source=source_id, pages=pages, meetings=meetings, items=items
                )

    def _watchdog(self) -> None:
        """Thread: when the loop stops ticking, name the source whose code is running."""
        reported = 0.0
        while True:
            time.sleep(min(1.0, self.spec.hang_after_s / 4))
            blocked = time.monotonic() - self.last_tick
            if blocked < self.spec.hang_after_s:
                reported = 0.0
                continue
            if reported == self.last_tick:
                continue
            frame = sys._current_frames().get(self._loop_thread)
            culprit = self._culprit(frame)
            if culprit:
                self.events.send("hung", source=culprit, seconds=round(blocked, 1))
                reported = self.last_tick

    def _culprit(self, frame: FrameType | None) -> str | None:
        """The running source whose spider or pipeline object is on the stack, innermost first."""
        while frame is not None:
            name = _source_name(frame.f_locals.get("self"))
            if name in self.running:
                return name
            frame = frame.f_back
        return None


def _counts(crawler: Crawler) -> tuple[int, int, int]:
    """A crawl's pages fetched, meetings and items so far (zeros before it started)."""
    try:
        stats = crawler.stats.get_stats() if crawler.stats else {}
    except RuntimeError:  # Scrapy has no stats before the crawl starts
        return (0, 0, 0)
    return (
        int(stats.get("downloader/response_count", 0)),
        int(stats.get("agenda_watch/meetings", 0)),
        int(stats.get("agenda_watch/items", 0)),
    )


def _outcome(task: asyncio.Task[str | None]) -> str | None:
    """A finished crawl task's error text (None: the crawl ran to its end)."""
    if task.cancelled():
        return "crawl cancelled"
    exc = task.exception()
    if exc is not None:  # BaseException from deep inside (the task catches Exception)
        return f"{type(exc).__name__}: {exc}"
    return task.result()


def _source_name(obj: Any) -> str | None:
    if isinstance(obj, Spider):
        return obj.name
    spider = getattr(getattr(obj, "crawler", None), "spider", None)
    return spider.name if isinstance(spider, Spider) else None


def scrapy_settings(spec: WorkerSpec) -> ScrapySettings:
    """The project's settings (built from the environment the parent gave) plus the spec's."""
    settings = get_project_settings()
    settings.setdict(spec.settings, priority="cmdline")
    return settings


def run(spec: WorkerSpec) -> int:
    """Crawl the spec's sources in this process; returns the exit code."""
    events = EventWriter(spec.event_fd)
    process = AsyncCrawlerProcess(scrapy_settings(spec))
    work = WorkerRun(process, spec, events)
    loop = asyncio.get_event_loop()

    def stop(signum: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(work.request_stop)

    def finished(task: asyncio.Task[None]) -> None:
        from twisted.internet import reactor  # installed by AsyncCrawlerProcess by now

        with contextlib.suppress(RuntimeError):  # already stopping
            cast(Any, reactor).stop()

    main = loop.create_task(work.main())
    main.add_done_callback(finished)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    process.start(stop_after_crawl=False, install_signal_handlers=False)
    if not main.done() or main.cancelled() or main.exception() is not None:
        return 1
    return 0


def main() -> int:
    """Entry point: read the spec from stdin, crawl, exit."""
    spec = WorkerSpec.model_validate_json(sys.stdin.buffer.read())
    die_with_parent(spec.parent_pid)
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "spiders.settings")
    return run(spec)


if __name__ == "__main__":
    raise SystemExit(main())
