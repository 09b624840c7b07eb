"""Crawl many sources with a small pool of worker processes, each source still on its own.

`BatchCrawl` splits the sources into at most ``workers`` bins (`pipeline.ingest.plan`: sources of
one host share a bin), runs one `pipeline.ingest.worker` process per bin, and reads each
worker's events. Results come back per source, in completion order, from the ledger's run record;
each finished source gets its health check (alert/recovery) right away.

A worker that dies or stops responding costs only the source at fault:

- a source the worker names as hung, or one far past its timeout, is killed with the worker and
  recorded as timed out; the other sources it was crawling are crawled again in a new worker;
- when a worker dies without naming anyone (a native crash, the OOM killer), the sources it was
  crawling are *suspects*: each is crawled again on its own, so a second death names the culprit;
- sources the dead worker had not started yet simply go to the next worker.

Every worker runs in its own process group, dies with this process (``PR_SET_PDEATHSIG``) and is
killed as a group, PDF worker included, so nothing outlives the crawl.

Stopping: the stop event ends the batch cleanly (workers get SIGTERM and close their crawls,
whose runs say ``shutdown``); the kill event ends it now (worker groups get SIGKILL, and every
source that was crawling is recorded as ``interrupted``). Workers report progress (pages, items)
to an optional `CrawlProgress`.
"""

from __future__ import annotations

import logging
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.ingest.plan import Bin, plan_bins
from pipeline.ingest.progress import CrawlProgress
from pipeline.ingest.protocol import Event, WorkerSpec, parse_events
from pipeline.models import Source
from pipeline.redact import redact
from pipeline.runlog import RotatingSink
from pipeline.settings import Settings
from pipeline.store.health import check_health
from pipeline.store.ledger import Ledger
from spiders.loader import spider_class_for

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # worker processes a source may be in flight in when they die
STOP_GRACE_S = 30.0  # after SIGTERM, how long a worker may take to close its crawls
INTERRUPTED = "interrupted"  # finish reason of a crawl killed by a stop-now
STOPPED_REASONS = (INTERRUPTED, "shutdown")  # an operator's stop: not the site's health


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


@dataclass
class BatchOptions:
    """Limits of one batch crawl (see `WorkerSpec` for the per-worker ones)."""

    workers: int = 2
    concurrency: int = 16
    timeout_s: float = 900.0
    grace_s: float = 30.0
    stall_s: float = 120.0
    hang_after_s: float = 60.0
    heartbeat_s: float = 1.0
    progress_s: float = 2.0
    scrapy_settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Outcome:
    """What happened to the sources of one worker process."""

    done: set[str] = field(default_factory=set)
    started: dict[str, float] = field(default_factory=dict)  # source → monotonic start
    culprits: dict[str, tuple[str, str]] = field(default_factory=dict)  # source → (reason, msg)
    hung: str | None = None
    killed: str = ""  # why the parent killed the worker
    returncode: int | None = None


def known_hosts(source: Source) -> set[str]:
    """Hosts the source's spider says it requests (for grouping); none if it cannot tell.

    A source whose spider cannot be built fails in its worker, with the reason, not here.
    """
    try:
        return spider_class_for(source).crawl_hosts()
    except Exception:
        return set()


class BatchCrawl:
    """One crawl of many sources; `run` blocks until all are done, `stop` ends it early."""

    def __init__(
        self,
        settings: Settings,
        sources: list[Source],
        options: BatchOptions,
        hosts: Callable[[Source], Iterable[str]] = known_hosts,
        stop_event: threading.Event | None = None,
        kill_event: threading.Event | None = None,
        progress: CrawlProgress | None = None,
    ) -> None:
        self.settings = settings
        self.sources = {s.id: s for s in sources}
        self.options = options
        self.bins = plan_bins(sources, options.workers, hosts)
        self.run_ids = {s.id: uuid.uuid4().hex for s in sources}
        self.log_dir = settings.data_dir.resolve() / "logs"
        self._messages: queue.Queue[tuple[str, str, str, str]] = queue.Queue()
        self._stop = threading.Event()
        self._outer_stop = stop_event  # e.g. the scheduler shutting down
        self._kill = kill_event or threading.Event()  # stop now: kill the workers
        self.progress = progress or CrawlProgress()
        self._began: dict[str, float] = {}  # source → when its crawl started (slot threads)

    def stop(self) -> None:
        """Start no more sources; ask the workers to close their running crawls."""
        self._stop.set()

    def kill(self) -> None:
        """Stop now: kill the workers; what they were crawling is recorded as interrupted."""
        self._kill.set()

    def stopping(self) -> bool:
        """True once `stop` or `kill` was called or the outer stop event is set."""
        return (
            self._stop.is_set()
            or self._kill.is_set()
            or bool(self._outer_stop and self._outer_stop.is_set())
        )

    def run(self, on_result: Callable[[CrawlResult], None] | None = None) -> list[CrawlResult]:
        """Crawl every source; results in completion order (also passed to `on_result`)."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        threads = [
            threading.Thread(target=self._run_bin, args=(b, n), name=f"crawl-slot-{n}")
            for n, b in enumerate(self.bins)
        ]
        for thread in threads:
            thread.start()
        results: list[CrawlResult] = []
        ledger = Ledger(self.settings.ledger)
        previous = self._stop_on_sigterm()
        self.progress.begin(len(self.sources))
        try:
            while len(results) < len(self.sources):
                kind, source_id, reason, message = self._messages.get()
                result = self._result(ledger, kind, source_id, reason, message)
                results.append(result)
                self.progress.finished(source_id, result.ok, result.meetings, result.items)
                if on_result:
                    on_result(result)
        finally:
            if len(results) < len(self.sources):  # interrupted (e.g. KeyboardInterrupt)
                self._stop.set()
            for thread in threads:
                thread.join()
            ledger.close()
            self.progress.end()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        return results

    def _stop_on_sigterm(self) -> Any:
        """In the main thread (``agenda-watch crawl``), SIGTERM ends the crawl cleanly, as stop().

        Returns the handler to restore (None when not in the main thread: the scheduler stops a
        batch through its stop event instead).
        """
        if threading.current_thread() is not threading.main_thread():
            return None
        return signal.signal(signal.SIGTERM, lambda signum, frame: self.stop())

    # --- results (main thread) -----------------------------------------------------------

    def _result(
        self, ledger: Ledger, kind: str, source_id: str, reason: str, message: str
    ) -> CrawlResult:
        run_id = self.run_ids[source_id]
        row = ledger.run(run_id)
        if kind == "done" and (row is None or row.get("finished_at") is None):
            kind, reason, message = "failed", "crashed", "the crawl ended without a run record"
        if kind == "failed" and (row is None or row.get("finished_at") is None):
            ledger.finish_run(
                run_id, source_id, errors=1, finish_reason=reason, message=redact(message)[:500]
            )
            row = ledger.run(run_id)
        now = time.monotonic()
        seconds = now - self._began.get(source_id, now)
        log_path = self.log_dir / f"{source_id}.log"
        if kind == "skipped" or row is None:
            return CrawlResult(
                source_id, run_id, None, seconds, finish_reason=reason, message=message
            )
        finished = row["finish_reason"] or ""
        if finished not in STOPPED_REASONS:
            self._check_health(ledger, self.sources[source_id])
        return CrawlResult(
            source=source_id,
            run_id=run_id,
            returncode=0 if kind == "done" and finished != "timeout" else None,
            seconds=seconds,
            meetings=row["meetings"],
            items=row["items"],
            matches=row["matches"],
            notices=row["notices"],
            errors=row["errors"],
            unread=row["unread"],
            finish_reason=finished,
            message=row["message"] or "",
            log_path=log_path,
        )

    def _check_health(self, ledger: Ledger, source: Source) -> None:
        channel = self.settings.slack_ops_channel or self.settings.slack_channel
        check_health(ledger, source.id, source.name, source.alert_after, channel)

    # --- one bin (slot thread) -----------------------------------------------------------

    def _run_bin(self, bin_: Bin, slot: int) -> None:
        normal = list(bin_.sources)
        suspects: list[Source] = []
        attempts: dict[str, int] = {}
        try:
            while (normal or suspects) and not self.stopping():
                solo = not normal
                batch = suspects if solo else normal
                outcome = self._run_worker(bin_, batch, slot, 1 if solo else None)
                for sid in outcome.started:
                    attempts[sid] = attempts.get(sid, 0) + 1
                settled, moved = self._settle(outcome, batch, solo, attempts)
                normal = [s for s in normal if s.id not in settled and s.id not in moved]
                suspects = [s for s in suspects if s.id not in settled]
                suspects += [s for s in batch if s.id in moved]
        finally:
            for source in normal + suspects:
                self._post(
                    "skipped", source.id, "not crawled", "not crawled: the crawl was stopped"
                )

    def _settle(
        self, outcome: _Outcome, batch: list[Source], solo: bool, attempts: dict[str, int]
    ) -> tuple[set[str], set[str]]:
        """After a worker exits: blame what it left unfinished; return (settled, new suspects).

        Settled sources are done or recorded as failed. A named culprit fails alone and the
        others it was crawling go again; with nobody named they become suspects, crawled one
        at a time, where a death names its source.
        """
        settled = set(outcome.done)
        moved: set[str] = set()
        crashed = outcome.killed or f"crawl process died ({_exit_text(outcome.returncode)})"
        if not outcome.started and not self.stopping():  # it could not start one source
            for source in batch:
                self._post("failed", source.id, "crashed", crashed)
            return settled | {s.id for s in batch}, moved
        unfinished = [s.id for s in batch if s.id in outcome.started and s.id not in settled]
        if self._kill.is_set():  # stopped now: what was crawling is interrupted, not retried
            for sid in unfinished:
                self._post("failed", sid, INTERRUPTED, "interrupted: the crawl was stopped at once")
            return settled | set(unfinished), moved
        if outcome.hung in unfinished:
            blocked = outcome.killed or "blocked its crawl process"
            outcome.culprits.setdefault(outcome.hung, ("timeout", blocked))
        for sid in unfinished:
            if sid in outcome.culprits:
                reason, message = outcome.culprits[sid]
                self._post("failed", sid, reason, message)
            elif (solo and not outcome.culprits) or attempts.get(sid, 0) >= MAX_ATTEMPTS:
                self._post("failed", sid, "crashed", crashed)
            elif not outcome.culprits:
                moved.add(sid)
                continue
            else:
                continue  # an innocent bystander of a named culprit: crawled again
            settled.add(sid)
        return settled, moved

    def _post(self, kind: str, source_id: str, reason: str = "", message: str = "") -> None:
        self._messages.put((kind, source_id, reason, message))

    def _run_worker(
        self, bin_: Bin, batch: list[Source], slot: int, concurrency: int | None
    ) -> _Outcome:
        """Run one worker process over `batch`; report each finished source as it finishes."""
        read_fd, write_fd = os.pipe()
        spec = WorkerSpec(
            sources=batch,
            run_ids={s.id: self.run_ids[s.id] for s in batch},
            hosts={s.id: sorted(bin_.hosts.get(s.id, ())) for s in batch},
            timeout_s=self.options.timeout_s,
            grace_s=self.options.grace_s,
            concurrency=concurrency or self.options.concurrency,
            heartbeat_s=self.options.heartbeat_s,
            progress_s=self.options.progress_s,
            hang_after_s=self.options.hang_after_s,
            data_dir=self.settings.data_dir.resolve(),
            config_dir=self.settings.config_dir.resolve(),
            log_dir=self.log_dir,
            event_fd=write_fd,
            parent_pid=os.getpid(),
            settings=self.options.scrapy_settings,
        )
        # Its stdout and stderr come through a pipe into a log that rotates by size.
        log = RotatingSink(
            self.log_dir / f"worker-{slot}.log",
            self.settings.log_max_bytes,
            self.settings.log_backups,
        )
        log_read, log_write = os.pipe()
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.ingest.worker"],
            stdin=subprocess.PIPE,
            stdout=log_write,
            stderr=log_write,
            pass_fds=(write_fd,),
            env=child_env(self.settings),
            start_new_session=True,  # its own process group: killed as one, PDF worker too
        )
        os.close(write_fd)
        os.close(log_write)
        try:
            assert proc.stdin is not None
            try:
                proc.stdin.write(spec.model_dump_json().encode())
                proc.stdin.close()
            except OSError:  # it died before reading: its exit code tells the rest
                pass
            outcome = self._watch(proc, read_fd, log_read, log)
            log.drain(log_read)  # what the dead worker wrote last
            return outcome
        finally:
            os.close(read_fd)
            os.close(log_read)
            log.close()

    def _watch(
        self, proc: subprocess.Popen[bytes], read_fd: int, log_fd: int, log: RotatingSink
    ) -> _Outcome:
        """Follow a worker's events until it exits; kill it when it hangs or overruns.

        Its output is copied to `log` meanwhile.
        """
        outcome = _Outcome()
        buffer = b""
        last_event = time.monotonic()
        term_sent: float | None = None
        limit = self.options.timeout_s + 2 * self.options.grace_s
        watched = [read_fd, log_fd]
        while True:
            ready, _, _ = select.select(watched, [], [], 0.5)
            if log_fd in ready:
                output = os.read(log_fd, 65536)
                if output:
                    log.write(output)
                else:
                    watched.remove(log_fd)
            if read_fd in ready:
                chunk = os.read(read_fd, 65536)
                if not chunk:
                    break  # the worker closed its end: it is exiting
                events, buffer = parse_events(buffer + chunk)
                last_event = time.monotonic()
                for event in events:
                    self._on_event(event, outcome)
            now = time.monotonic()
            if self.stopping() and term_sent is None:
                _signal(proc, signal.SIGTERM, group=False)
                term_sent = now
            reason = ""
            if now - last_event > self.options.stall_s:
                reason = f"crawl process unresponsive for {now - last_event:.0f} s"
            overdue = [
                sid
                for sid, start in outcome.started.items()
                if sid not in outcome.done and now - start > limit
            ]
            if overdue and not reason:
                reason = f"still running {limit:.0f} s after its start"
                for sid in overdue:
                    outcome.culprits[sid] = ("timeout", reason)
            if term_sent is not None and now - term_sent > STOP_GRACE_S:
                reason = reason or "did not stop in time"
            if self._kill.is_set():
                reason = "stopped at once"
            if reason:
                outcome.killed = f"{reason}; killed"
                _signal(proc, signal.SIGKILL, group=True)
                break
        outcome.returncode = proc.wait()
        _signal(proc, signal.SIGKILL, group=True)  # whatever of its group is left
        return outcome

    def _on_event(self, event: Event, outcome: _Outcome) -> None:
        if event.kind == "start" and event.source:
            outcome.started[event.source] = self._began[event.source] = time.monotonic()
            self.progress.started(event.source, self.run_ids[event.source])
        elif event.kind in ("progress", "done") and event.source and event.pages is not None:
            self.progress.update(event.source, event.pages, event.meetings or 0, event.items or 0)
        if event.kind == "done" and event.source:
            outcome.done.add(event.source)
            self._post("done", event.source)
        elif event.kind == "hung" and event.source:
            outcome.hung = event.source
            logger.warning("%s blocks its crawl process (%.0f s)", event.source, event.seconds)
        elif event.kind == "end" and event.stray:
            logger.warning("log lines no source could be charged with: %s", event.stray)


def _signal(proc: subprocess.Popen[bytes], sig: int, group: bool) -> None:
    try:
        if group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
    except (ProcessLookupError, PermissionError):
        pass


def _exit_text(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"exit code {code}"


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
