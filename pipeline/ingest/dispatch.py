"""Sources that fall due together are crawled together: one batch crawl, not one per source.

The scheduler's cron jobs only `submit` source ids. One dispatcher thread collects what comes
due within ``settle_s`` of the first submission and hands the whole set to ``run_batch`` (a
batch crawl and a delivery). While a batch runs, new submissions wait for the next one; a
source already waiting is not queued twice, so a source never overlaps itself and missed runs
collapse into one. `stop` lets the running batch end early (``run_batch`` gets the stop event).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

logger = logging.getLogger(__name__)

RunBatch = Callable[[list[str], threading.Event], None]


class CrawlDispatcher:
    """Batches due sources into crawls, one batch at a time, in a thread of its own."""

    def __init__(self, run_batch: RunBatch, settle_s: float = 5.0) -> None:
        self.run_batch = run_batch
        self.settle_s = settle_s
        self.batches = 0
        self._pending: dict[str, None] = {}  # insertion-ordered set
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="crawl-dispatcher", daemon=True)

    def start(self) -> CrawlDispatcher:
        """Start the dispatcher thread; returns self."""
        self._thread.start()
        return self

    def submit(self, source_ids: Iterable[str]) -> None:
        """These sources are due: crawl them in the next batch (once each)."""
        with self._cond:
            for source_id in source_ids:
                self._pending.setdefault(source_id, None)
            self._cond.notify()

    def pending(self) -> list[str]:
        """Sources waiting for the next batch."""
        with self._cond:
            return list(self._pending)

    def request_stop(self) -> None:
        """Start no new batch and ask the running one to stop; returns at once."""
        self._stop.set()
        with self._cond:
            self._cond.notify()

    def stop(self, timeout: float | None = None) -> None:
        """`request_stop`, then wait for the thread (the running batch's end)."""
        self.request_stop()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def alive(self) -> bool:
        """True while the dispatcher thread runs (a stopped one may still finish its batch)."""
        return self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                while not self._pending and not self._stop.is_set():
                    self._cond.wait()
            if self._stop.is_set():
                return
            self._stop.wait(self.settle_s)  # let sources due in the same minute join
            with self._cond:
                batch, self._pending = list(self._pending), {}
            if not batch or self._stop.is_set():
                continue
            started = time.monotonic()
            logger.info("batch of %d source(s) starts: %s", len(batch), _names(batch))
            try:
                self.run_batch(batch, self._stop)
            except Exception:  # one failed batch must not end scheduling
                logger.exception("crawl batch of %d source(s) failed", len(batch))
            self.batches += 1
            logger.info("batch of %d source(s) in %.0f s", len(batch), time.monotonic() - started)


def _names(ids: list[str], limit: int = 6) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")
