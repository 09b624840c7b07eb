"""Stopping `agenda-watch run`: once gracefully, twice at once, no child process left behind.

`Stopper` turns SIGINT/SIGTERM into two events the scheduler's main thread waits on: the first
signal sets ``requested`` (stop gracefully), a second one sets ``forced`` (stop now). The
handler only sets events; the main thread does the work (logging from a signal handler could
interrupt a log write in progress).

`close_interrupted` records the runs a stop-now cut off, in case the batch could not record them
itself in time; `kill_descendants` is the last resort that leaves no process of ours alive.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import NoReturn

from pipeline.ingest.batch import INTERRUPTED, STOP_GRACE_S
from pipeline.ingest.dispatch import CrawlDispatcher
from pipeline.ingest.progress import CrawlProgress, ProgressSnapshot
from pipeline.runconsole import ProgressReporter
from pipeline.settings import Settings
from pipeline.store.ledger import Ledger

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
FORCE_WAIT_S = 5.0  # a stop-now waits this long for the batch to record its interrupted crawls

logger = logging.getLogger("agenda_watch.scheduler")


class Stopper:
    """SIGINT/SIGTERM handler: the first asks for a graceful stop, the second for a stop now."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.forced = threading.Event()
        self.first_signal = 0
        self.second_signal = 0

    def install(self) -> None:
        """Handle SIGINT and SIGTERM from now on (main thread only)."""
        for sig in STOP_SIGNALS:
            signal.signal(sig, self.handle)

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """The signal handler."""
        if not self.requested.is_set():
            self.first_signal = signum
            self.requested.set()
        elif not self.forced.is_set():
            self.second_signal = signum
            self.forced.set()

    def exit_status(self) -> int:
        """0 after a graceful stop; 128 + the second signal after a stop now."""
        return 128 + self.second_signal if self.forced.is_set() else 0


def signal_name(signum: int) -> str:
    """The signal's name ("SIGINT", "SIGTERM")."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def close_interrupted(ledger_path: Path | str, snap: ProgressSnapshot | None) -> int:
    """Record as interrupted every run of `snap` still open in the ledger; how many were."""
    if snap is None or not snap.running:
        return 0
    closed = 0
    ledger = Ledger(ledger_path)
    try:
        for run in snap.running:
            row = ledger.run(run.run_id) if run.run_id else None
            if run.run_id and (row is None or row.get("finished_at") is None):
                ledger.finish_run(
                    run.run_id,
                    run.source,
                    errors=1,
                    finish_reason=INTERRUPTED,
                    message="interrupted: the crawl was stopped at once",
                )
                closed += 1
    finally:
        ledger.close()
    return closed


def _parents() -> dict[int, int]:
    """Process id → parent process id of every process (Linux ``/proc``; empty elsewhere)."""
    found: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        found[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (children, their children…)."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_descendants() -> int:
    """SIGKILL every process below this one; how many there were."""
    pids = descendants(os.getpid())
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return len(pids)


def announce_stop(stopper: Stopper, progress: CrawlProgress) -> None:
    """Log what a graceful stop will do."""
    snap = progress.snapshot()
    running = len(snap.running) if snap else 0
    what = (
        f"closing {running} running crawl(s) (at most {STOP_GRACE_S:.0f} s), "
        "then delivering queued notices"
        if snap
        else "no crawl is running"
    )
    logger.warning(
        "%s: stopping: no new crawls; %s. %s again to stop at once.",
        signal_name(stopper.first_signal),
        what,
        "Ctrl-C" if stopper.first_signal == signal.SIGINT else "Send SIGTERM",
    )


def stop_now(
    settings: Settings,
    stopper: Stopper,
    progress: CrawlProgress,
    kill: threading.Event,
    dispatcher: CrawlDispatcher,
    reporter: ProgressReporter,
) -> NoReturn:
    """Second signal: kill the crawls, record them as interrupted, leave no child, exit now."""
    snap = progress.snapshot()
    logger.warning(
        "%s again: stopping now: killing %d running crawl(s) and their processes",
        signal_name(stopper.second_signal),
        len(snap.running) if snap else 0,
    )
    kill.set()  # each batch slot SIGKILLs its worker's process group and records the runs
    deadline = time.monotonic() + FORCE_WAIT_S
    while dispatcher.alive() and progress.snapshot() is not None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    reporter.stop()  # its live lines would outlive the crawls they show
    killed = kill_descendants()
    closed = close_interrupted(settings.ledger, progress.snapshot())
    logger.warning(
        "stopped at once (exit %d): %d crawl(s) recorded as interrupted%s%s",
        stopper.exit_status(),
        len(snap.running) if snap else 0,
        f", {closed} by the scheduler itself" if closed else "",
        f"; {killed} leftover process(es) killed" if killed else "",
    )
    logging.shutdown()
    # os._exit: threads still posting to Slack or waiting on a site must not hold the exit; an
    # unfinished SQLite transaction rolls back, a half-posted notice is reconciled next time.
    os._exit(stopper.exit_status())
