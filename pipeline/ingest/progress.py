"""What a running batch crawl has done so far, for people watching it.

`BatchCrawl` feeds a `CrawlProgress` from its workers' events (a source started, its counts so
far, its end); the scheduler's console reads `snapshot` from another thread, to draw a live line
per running source on a terminal (`live_lines`) or to log a summary now and then (`summary_line`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace


@dataclass
class SourceProgress:
    """One source's crawl so far (``started`` is a monotonic time)."""

    source: str
    started: float
    run_id: str = ""
    pages: int = 0
    meetings: int = 0
    items: int = 0


@dataclass
class ProgressSnapshot:
    """A batch at one moment: what runs, what is done, totals over both."""

    total: int
    started: float
    running: list[SourceProgress] = field(default_factory=list)
    done: int = 0
    failed: int = 0
    pages: int = 0
    meetings: int = 0
    items: int = 0


class CrawlProgress:
    """Thread-safe progress of the running batch crawl (one at a time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._batch: ProgressSnapshot | None = None
        self._running: dict[str, SourceProgress] = {}
        self._finished = ProgressSnapshot(0, 0.0)  # counts of finished sources only

    def begin(self, total: int) -> None:
        """A batch of `total` sources starts."""
        with self._lock:
            self._batch = ProgressSnapshot(total, time.monotonic())
            self._running = {}
            self._finished = ProgressSnapshot(total, time.monotonic())

    def end(self) -> None:
        """The batch is over."""
        with self._lock:
            self._batch = None
            self._running = {}

    def started(self, source: str, run_id: str = "") -> None:
        """`source` started crawling."""
        with self._lock:
            self._running[source] = SourceProgress(source, time.monotonic(), run_id)

    def update(self, source: str, pages: int, meetings: int, items: int) -> None:
        """`source`'s counts so far (ignored for a source not running)."""
        with self._lock:
            run = self._running.get(source)
            if run is not None:
                run.pages, run.meetings, run.items = pages, meetings, items

    def finished(self, source: str, ok: bool, meetings: int, items: int) -> None:
        """`source` is done (`ok` or not), with its recorded counts."""
        with self._lock:
            run = self._running.pop(source, None)
            done = self._finished
            done.done += 1
            done.failed += 0 if ok else 1
            done.pages += run.pages if run else 0
            done.meetings += meetings
            done.items += items

    def snapshot(self) -> ProgressSnapshot | None:
        """The running batch now (None between batches)."""
        with self._lock:
            if self._batch is None:
                return None
            running = [replace(r) for r in self._running.values()]
            done = self._finished
            return ProgressSnapshot(
                total=self._batch.total,
                started=self._batch.started,
                running=sorted(running, key=lambda r: r.started),
                done=done.done,
                failed=done.failed,
                pages=done.pages + sum(r.pages for r in running),
                meetings=done.meetings + sum(r.meetings for r in running),
                items=done.items + sum(r.items for r in running),
            )


def elapsed(seconds: float) -> str:
    """Seconds as "7s", "1m07s", "2h03m"."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def header_line(snap: ProgressSnapshot, now: float) -> str:
    """The batch in one line: running, done of total, totals, time since it began."""
    failed = f" ({snap.failed} with problems)" if snap.failed else ""
    return (
        f"crawling: {len(snap.running)} running, {snap.done}/{snap.total} done{failed}, "
        f"{snap.pages} pages, {snap.meetings} meetings, {snap.items} items, "
        f"{elapsed(now - snap.started)}"
    )


def live_lines(snap: ProgressSnapshot, now: float, limit: int = 8) -> list[str]:
    """The header, then one line per running source (longest-running first, at most `limit`)."""
    lines = [header_line(snap, now)]
    for run in snap.running[:limit]:
        lines.append(
            f"  {run.source:<28} {run.pages:>5} pages {run.meetings:>4} meetings "
            f"{run.items:>5} items  {elapsed(now - run.started):>6}"
        )
    if len(snap.running) > limit:
        lines.append(f"  … and {len(snap.running) - limit} more running")
    return lines


def summary_line(snap: ProgressSnapshot, now: float, limit: int = 5) -> str:
    """The batch in one log line, naming the longest-running sources with their pages."""
    line = "progress: " + header_line(snap, now).removeprefix("crawling: ")
    if snap.running:
        names = ", ".join(
            f"{r.source} {r.pages}p {elapsed(now - r.started)}" for r in snap.running[:limit]
        )
        more = f", +{len(snap.running) - limit}" if len(snap.running) > limit else ""
        line += f"; running: {names}{more}"
    return line
