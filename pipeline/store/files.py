"""Documents on disk, written atomically.

One JSON file per meeting under ``<data_dir>/meetings``, one per tracked bill under
``<data_dir>/bills``.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from pipeline.models import Bill, Meeting


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text.replace("/", "-"))


def meeting_path(data_dir: Path, meeting_id: str) -> Path:
    """Where a meeting's JSON lives: ``meetings/<source>/<date>-<key>.json``."""
    source, _, rest = meeting_id.partition("/")
    return data_dir / "meetings" / source / f"{_safe(rest)}.json"


def write_atomic(path: Path, data: bytes, *, keep_mode: bool = False) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never half of one.

    The new file's mode follows the umask, as any file a program creates (0644 under the usual
    022): published outputs (the site, calendar feeds, meeting JSON) must be readable by a web
    server. With `keep_mode` an existing file keeps its own mode instead (a hand-edited config).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = 0o666
    if keep_mode:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            pass
    fd, tmp = _create_temp(path, mode)
    try:
        if keep_mode:
            os.fchmod(fd, mode)  # exactly the old mode, whatever the umask says
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# Fields that change on every crawl without the meeting changing.
VOLATILE_FIELDS = ("scraped_at",)


def _same_content(path: Path, data: bytes) -> bool:
    """True when `path` holds a meeting document equal to `data` but for `VOLATILE_FIELDS`."""
    try:
        old = path.read_bytes()
    except OSError:
        return False
    if old == data:
        return True
    try:
        before, after = json.loads(old), json.loads(data)
    except ValueError:  # a damaged file is rewritten
        return False
    if not isinstance(before, dict) or not isinstance(after, dict):
        return False
    for key in VOLATILE_FIELDS:
        before.pop(key, None)
        after.pop(key, None)
    return bool(before == after)


def _create_temp(path: Path, mode: int) -> tuple[int, str]:
    """A new temporary file beside `path`, created with `mode` (the kernel applies the umask).

    Not `tempfile.mkstemp`: it always creates 0600, which made every published file unreadable.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, flags, mode), str(tmp)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


class JsonStore:
    """Meeting documents under ``<data_dir>/meetings``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def write(self, meeting: Meeting) -> bool:
        """Store the meeting (items and classifications included); False when it was unchanged.

        Unchanged means the stored document has the same content apart from ``scraped_at``;
        it is then left alone, so a rerun over an unchanged site writes (and fsyncs) nothing.
        A meeting with a copy under another date is always written (see `_other_copies`).
        """
        path = meeting_path(self.data_dir, meeting.id)
        data = meeting.model_dump_json(indent=2).encode()
        if _same_content(path, data) and not self._other_copies(meeting, path):
            return False
        write_atomic(path, data)
        return True

    def _other_copies(self, meeting: Meeting, path: Path) -> bool:
        """True when another date's document has this meeting's key (it moved, maybe back).

        Readers pick the newest ``scraped_at`` among such copies, so this one must be refreshed.
        """
        _, _, rest = meeting.id.partition("/")
        _, _, key = rest.partition("/")
        if not key:
            return False
        pattern = f"*-{_safe(key)}.json"
        return any(other != path for other in path.parent.glob(pattern))

    def remove(self, meeting_id: str) -> None:
        """Delete a meeting's document (a rescheduled meeting stored under its old date)."""
        meeting_path(self.data_dir, meeting_id).unlink(missing_ok=True)

    def read(self, meeting_id: str) -> Meeting:
        """Load one stored meeting."""
        return Meeting.model_validate_json(meeting_path(self.data_dir, meeting_id).read_bytes())

    def iter_meetings(self) -> Iterator[Meeting]:
        """Every stored meeting (unreadable files are skipped by the caller's choice: raised)."""
        root = self.data_dir / "meetings"
        for path in sorted(root.glob("*/*.json")):
            yield Meeting.model_validate_json(path.read_bytes())


def bill_path(data_dir: Path, ga: int, label: str) -> Path:
    """Where a tracked bill's JSON lives: ``bills/<GA>/<label>.json``."""
    return data_dir / "bills" / str(ga) / f"{label}.json"


def write_bill(data_dir: Path, bill: Bill) -> Path:
    """Store a bill with its whole history; returns its path."""
    path = bill_path(data_dir, bill.ga, bill.label)
    write_atomic(path, bill.model_dump_json(indent=2).encode())
    return path


def iter_bills(data_dir: Path) -> Iterator[Bill]:
    """Every stored (tracked) bill."""
    for path in sorted((data_dir / "bills").glob("*/*.json")):
        yield Bill.model_validate_json(path.read_bytes())
