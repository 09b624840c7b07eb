"""What a crawl parent and its worker processes tell each other.

The parent writes one `WorkerSpec` (JSON) to the worker's stdin. The worker answers with
`Event` lines (JSON, one per line, each well under ``PIPE_BUF`` so writes never interleave) on
a pipe of its own (``event_fd``), never on stdout or stderr, which libraries may write to.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from pipeline.models import Source

EventKind = Literal["start", "progress", "done", "tick", "hung", "end"]


class WorkerSpec(BaseModel):
    """One worker's job: which sources, with which run ids and limits.

    - ``timeout_s``: each source's crawl timeout (Scrapy ``CLOSESPIDER_TIMEOUT``); a source
      still running ``grace_s`` later is abandoned by the worker and recorded as timed out.
    - ``concurrency``: sources crawled at once (never two that share a host).
    - ``hang_after_s``: the event loop blocked this long makes the worker name the source whose
      code holds it (a ``hung`` event), so the parent can blame it alone.
    - ``progress_s``: at most one ``progress`` event per running source this often, and only
      when its counts changed (the parent shows them live; the pipe stays quiet).
    - ``settings``: extra Scrapy settings for every crawler (tests, benchmarks).
    """

    sources: list[Source]
    run_ids: dict[str, str]
    hosts: dict[str, list[str]] = Field(default_factory=dict)
    timeout_s: float
    grace_s: float = 30.0
    concurrency: int = Field(default=16, ge=1)
    heartbeat_s: float = 1.0
    progress_s: float = 2.0
    hang_after_s: float = 60.0
    data_dir: Path
    config_dir: Path
    log_dir: Path
    event_fd: int
    parent_pid: int
    settings: dict[str, Any] = Field(default_factory=dict)


class Event(BaseModel):
    """One line from a worker. ``source`` for start/progress/done/hung; ``stray`` counts for end.

    A ``progress`` event gives the source's counts so far: ``pages`` fetched, meetings and
    agenda ``items`` parsed.
    """

    kind: EventKind
    source: str | None = None
    seconds: float | None = None
    pages: int | None = None
    meetings: int | None = None
    items: int | None = None
    stray: dict[str, int] = Field(default_factory=dict)


class EventWriter:
    """Writes events to the parent's pipe, from any thread; a closed pipe is ignored."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._lock = threading.Lock()

    def send(self, kind: EventKind, **fields: Any) -> None:
        """Write one event line."""
        line = Event(kind=kind, **fields).model_dump_json(exclude_defaults=True) + "\n"
        with self._lock:
            try:
                os.write(self.fd, line.encode())
            except OSError:  # the parent is gone; the parent-death signal ends us soon
                pass


def parse_events(buffer: bytes) -> tuple[list[Event], bytes]:
    """Complete event lines in `buffer`, and the unfinished rest; bad lines are skipped."""
    *lines, rest = buffer.split(b"\n")
    events = []
    for line in lines:
        try:
            events.append(Event.model_validate(json.loads(line)))
        except ValueError:
            continue
    return events, rest
