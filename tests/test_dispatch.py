"""The crawl dispatcher: sources due together make one batch; a busy crawl makes the next wait."""

from __future__ import annotations

import threading
import time

from pipeline.ingest.dispatch import CrawlDispatcher


class Recorder:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = threading.Event()
        self.started = threading.Event()
        self.saw_stop = threading.Event()

    def __call__(self, batch: list[str], stop: threading.Event) -> None:
        self.batches.append(batch)
        self.started.set()
        while not self.release.is_set():
            if stop.is_set():
                self.saw_stop.set()
                return
            time.sleep(0.01)


def _wait(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_sources_due_together_are_one_batch_and_later_ones_wait_their_turn() -> None:
    run = Recorder()
    dispatcher = CrawlDispatcher(run, settle_s=0.2).start()
    try:
        dispatcher.submit(["a", "b"])
        dispatcher.submit(["c", "a"])  # same minute: joins the batch, a only once
        _wait(run.started.is_set)
        assert run.batches == [["a", "b", "c"]]
        dispatcher.submit(["a", "d"])  # due again while the batch runs
        dispatcher.submit(["d"])
        time.sleep(0.4)
        assert len(run.batches) == 1 and dispatcher.pending() == ["a", "d"]
        run.release.set()
        _wait(lambda: len(run.batches) == 2)
        assert run.batches[1] == ["a", "d"]
        _wait(lambda: dispatcher.batches == 2)
    finally:
        run.release.set()
        dispatcher.stop(5)


def test_stop_reaches_the_running_batch() -> None:
    run = Recorder()
    dispatcher = CrawlDispatcher(run, settle_s=0).start()
    dispatcher.submit(["a"])
    _wait(run.started.is_set)
    dispatcher.stop(5)
    assert run.saw_stop.is_set() and not run.release.is_set()


def test_a_failing_batch_does_not_end_scheduling() -> None:
    seen: list[list[str]] = []

    def flaky(batch: list[str], stop: threading.Event) -> None:
        seen.append(batch)
        if len(seen) == 1:
            raise RuntimeError("boom")

    dispatcher = CrawlDispatcher(flaky, settle_s=0).start()
    try:
        dispatcher.submit(["a"])
        _wait(lambda: dispatcher.batches == 1)
        dispatcher.submit(["b"])
        _wait(lambda: dispatcher.batches == 2)
        assert seen == [["a"], ["b"]]
    finally:
        dispatcher.stop(5)
