"""Log files that say their time zone and do not grow forever.

- `ZonedFormatter`: log times in America/Chicago (the zone of every schedule), with the zone's
  abbreviation ("2026-12-08 19:00:03 CST"), never naive UTC beside Chicago schedule times.
- `rotating_handler`: a size-rotated log file (``x.log``, ``x.log.1``… up to ``backups``).
- `rotate_if_large`: the same rotation for a file written as bytes, done before it grows past
  its size; `RotatingSink` writes a crawl worker's output (read from a pipe) that way.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import select
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("America/Chicago")
LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"
LOG_TIME_FORMAT = "%Y-%m-%d %H:%M:%S %Z"


class ZonedFormatter(logging.Formatter):
    """A formatter whose ``%(asctime)s`` is local (America/Chicago) time with its zone."""

    def __init__(
        self, fmt: str | None = LOG_FORMAT, datefmt: str | None = None, zone: ZoneInfo = LOCAL_ZONE
    ) -> None:
        super().__init__(fmt, datefmt)
        self.zone = zone

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """The record's time in the zone, as `datefmt` or "YYYY-MM-DD HH:MM:SS ZZZ"."""
        moment = datetime.fromtimestamp(record.created, self.zone)
        return moment.strftime(datefmt or LOG_TIME_FORMAT)


def rotating_handler(path: Path, max_bytes: int, backups: int) -> logging.Handler:
    """A log file at `path` rotated at `max_bytes`, keeping `backups` older files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return logging.handlers.RotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )


def rotate_if_large(path: Path, max_bytes: int, backups: int) -> None:
    """Shift ``path`` to ``path.1`` (``.1`` to ``.2``…, the oldest dropped) once it reaches `max_bytes`.

    For files written as bytes rather than log records (`RotatingSink`); call it before opening
    the file for the next write.
    """
    try:
        if path.stat().st_size < max_bytes:
            return
    except FileNotFoundError:
        return
    if backups <= 0:
        path.unlink(missing_ok=True)
        return
    for n in range(backups - 1, 0, -1):
        older = path.with_name(f"{path.name}.{n}")
        if older.exists():
            os.replace(older, path.with_name(f"{path.name}.{n + 1}"))
    os.replace(path, path.with_name(f"{path.name}.1"))


class RotatingSink:
    """Bytes appended to a log file that rotates by size.

    For a child process's stdout and stderr read from a pipe by the parent, so that output
    rotates like any log, in the middle of a long run too.
    """

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        path.parent.mkdir(parents=True, exist_ok=True)
        rotate_if_large(path, max_bytes, backups)
        self._file = open(path, "ab")  # closed by `close`

    def write(self, data: bytes) -> None:
        """Append `data`, rotating where the file would pass its size (at a line end if any)."""
        while data:
            size = self._file.tell()
            room = self.max_bytes - size
            if len(data) <= room:
                self._file.write(data)
                break
            cut = data.rfind(b"\n", 0, room) + 1 if room > 0 else 0
            if not cut and not size:
                cut = room  # one line longer than a whole file: split it
            self._file.write(data[:cut])
            data = data[cut:]
            self._rotate()
        self._file.flush()

    def _rotate(self) -> None:
        self._file.close()
        rotate_if_large(self.path, 0, self.backups)
        self._file = open(self.path, "ab")

    def drain(self, fd: int, within_s: float = 2.0) -> None:
        """Copy what is left in a pipe whose writer exited, up to its end.

        At most `within_s` seconds: a stray process may still hold the pipe open.
        """
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            if not select.select([fd], [], [], 0.1)[0]:
                continue
            output = os.read(fd, 65536)
            if not output:
                return
            self.write(output)

    def close(self) -> None:
        """Close the file."""
        self._file.close()
