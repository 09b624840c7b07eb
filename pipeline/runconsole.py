"""What `agenda-watch run` shows its operator: log lines, and the progress of a running crawl.

- `setup_run_logging`: log lines with Chicago times and zone (`pipeline.runlog.ZonedFormatter`)
  to the console (stderr) and to a size-rotated ``<data>/logs/scheduler.log``.
- On a terminal the console is a `LiveConsole`: below the log lines it keeps a block of live
  lines, one per running crawl (pages, meetings, items, elapsed), redrawn in place.
- `ProgressReporter`: a thread that feeds that block from a `CrawlProgress`, and logs a summary
  line every ``progress_every_s`` while a batch runs (on a terminal only to the log file, where
  the live lines do not go).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pipeline.ingest.progress import CrawlProgress, live_lines, summary_line
from pipeline.redact import setup_logging
from pipeline.runlog import LOG_FORMAT, ZonedFormatter, rotating_handler
from pipeline.settings import Settings

SCHEDULER_LOG = "scheduler.log"
LIVE_EVERY_S = 0.5  # how often the live lines are redrawn
CONSOLE_ATTR = "console"  # a record with console=False goes to the log file only

_CLEAR_BLOCK = "\x1b[{n}F\x1b[J"  # cursor up n lines to column 1, erase to the end of screen


class LiveConsole(logging.StreamHandler[TextIO]):
    """A terminal log handler that keeps a block of status lines below the log lines."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._status: list[str] = []
        self._drawn = 0  # status lines now on the screen

    def set_status(self, lines: list[str]) -> None:
        """Replace the status block (an empty list removes it)."""
        self.acquire()
        try:
            self._erase()
            self._status = [self._fit(line) for line in lines]
            self._draw()
        finally:
            self.release()

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record above the status block."""
        try:
            text = self.format(record)
            self._erase()
            self.stream.write(text + self.terminator)
            self._draw()
        except Exception:
            self.handleError(record)

    def _erase(self) -> None:
        if self._drawn:
            self.stream.write(_CLEAR_BLOCK.format(n=self._drawn))
            self._drawn = 0

    def _draw(self) -> None:
        for line in self._status:
            self.stream.write(line + "\n")
        self._drawn = len(self._status)
        self.flush()

    def _fit(self, line: str) -> str:
        """Cut to the terminal's width: a wrapped line would break the redraw."""
        try:
            width = os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            width = 0
        width = width or 100
        return line if len(line) < width else line[: width - 2] + "…"


def console_only_filter(record: logging.LogRecord) -> bool:
    """False for records marked for the log file only."""
    return bool(getattr(record, CONSOLE_ATTR, True))


@dataclass
class RunLogging:
    """The handlers `setup_run_logging` installed."""

    console: logging.Handler
    log_path: Path
    live: LiveConsole | None  # set when the console is a terminal


def setup_run_logging(settings: Settings, stream: TextIO | None = None) -> RunLogging:
    """Root logging for the scheduler: console (live on a terminal) and a rotating log file."""
    stream = stream or sys.stderr
    live = LiveConsole(stream) if stream.isatty() else None
    console: logging.Handler = live or logging.StreamHandler(stream)
    console.addFilter(console_only_filter)
    log_path = settings.data_dir / "logs" / SCHEDULER_LOG
    file = rotating_handler(log_path, settings.log_max_bytes, settings.log_backups)
    for handler in (console, file):
        handler.setFormatter(ZonedFormatter())
    # INFO at least; DEBUG when the CLI was asked for more (-v).
    level = min(logging.INFO, logging.getLogger().getEffectiveLevel())
    setup_logging(level, LOG_FORMAT, force=True, handlers=[console, file])
    # APScheduler logs every job it adds and every run of the 15-minute reminder job: noise.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return RunLogging(console, log_path, live)


class ProgressReporter:
    """A thread showing the running batch: live lines on a terminal, summaries in the log."""

    def __init__(self, progress: CrawlProgress, live: LiveConsole | None, every_s: float) -> None:
        self.progress = progress
        self.live = live
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="progress", daemon=True)
        self._logger = logging.getLogger("agenda_watch.progress")

    def start(self) -> ProgressReporter:
        """Start the thread; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """End the thread and remove the live lines."""
        self._stop.set()
        self._thread.join(5)
        if self.live is not None:
            self.live.set_status([])

    def _loop(self) -> None:
        next_summary: float | None = None
        tick = LIVE_EVERY_S if self.live is not None else min(1.0, self.every_s)
        while not self._stop.wait(tick):
            snap = self.progress.snapshot()
            now = time.monotonic()
            if snap is None:
                next_summary = None
                if self.live is not None:
                    self.live.set_status([])
                continue
            if self.live is not None:
                self.live.set_status(live_lines(snap, now))
            if next_summary is None:
                next_summary = now + self.every_s
            elif now >= next_summary:
                extra = {CONSOLE_ATTR: self.live is None}
                self._logger.info("%s", summary_line(snap, now), extra=extra)
                next_summary = now + self.every_s
