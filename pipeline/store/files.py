"""Documents on disk, written atomically, under names that never lose or merge an id.

One JSON file per meeting under ``<data_dir>/meetings``, one per tracked bill under
``<data_dir>/bills``. A file name is the id itself when the id is short and made of safe
characters (``20261201-9102.json``); any other id keeps a readable prefix and gets a short hash of
the whole id (``20261201-7009.1~3f2a9c41d0be.json``), so distinct ids never share a file and no
name outgrows the file system. Files written under the old, lossy names are still found (the id
inside is checked) and move to the new name the next time their meeting is stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import stat
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from pipeline.models import Bill, Meeting

logger = logging.getLogger(__name__)

# A name kept as it is: lower-case letters, digits, "-" and "_", a letter or digit first (so no
# hidden files), and lower case only, so case-insensitive file systems cannot merge two ids.
PLAIN_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
# The hashed form's marker: never in a plain name, so the two forms cannot collide.
HASH_MARK = "~"
HASH_CHARS = 12  # hex digits of SHA-256: 48 bits, no accidental collision among a town's meetings
PREFIX_CHARS = 60
# A meeting id's part after the source: ``<YYYYMMDD>/<key>``.
DATED_KEY_RE = re.compile(r"^(\d{8})/(.+)$", re.DOTALL)


def safe_name(text: str) -> str:
    """A file name stem for `text`: `text` itself when plain, else a prefix and a hash of it.

    Injective: distinct texts never give the same stem. At most 73 characters.
    """
    if PLAIN_NAME_RE.match(text):
        return text
    prefix = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in text)
    prefix = prefix.lower().strip(".-")[:PREFIX_CHARS] or "id"
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]
    return f"{prefix}{HASH_MARK}{digest}"


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text.replace("/", "-"))


def meeting_path(data_dir: Path, meeting_id: str) -> Path:
    """Where a meeting's JSON lives: ``meetings/<source>/<date>-<key>.json`` (see `safe_name`)."""
    source, _, rest = meeting_id.partition("/")
    dated = DATED_KEY_RE.match(rest)
    if dated and PLAIN_NAME_RE.match(dated.group(2)) and len(dated.group(2)) <= 90:
        stem = f"{dated.group(1)}-{dated.group(2)}"  # the date's "/" is always at the same place
    else:
        stem = safe_name(rest)
    return data_dir / "meetings" / safe_name(source) / f"{stem}.json"


def legacy_meeting_path(data_dir: Path, meeting_id: str) -> Path:
    """The name earlier versions gave a meeting (lossy: ``7009.1`` and ``7009-1`` shared it)."""
    source, _, rest = meeting_id.partition("/")
    return data_dir / "meetings" / source / f"{_safe(rest)}.json"


def write_atomic(path: Path, data: bytes | Iterable[bytes], *, keep_mode: bool = False) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never half of one.

    `data` may come in chunks (an iterable of bytes), so a large file need not be in memory.

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
            fh.writelines([data] if isinstance(data, bytes) else data)
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
    """Meeting documents under ``<data_dir>/meetings``.

    ``unreadable`` lists the files `iter_meetings` skipped (no longer valid JSON or no longer
    a valid `Meeting`, e.g. a placeholder date stored before dates were checked); `agenda-watch
    doctor` sets them aside.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.unreadable: list[tuple[Path, str]] = []

    def write(self, meeting: Meeting) -> bool:
        """Store the meeting (items and classifications included); False when it was unchanged.

        Unchanged means the stored document has the same content apart from ``scraped_at``;
        it is then left alone, so a rerun over an unchanged site writes (and fsyncs) nothing.
        A meeting with a copy under another date is always written (see `_other_copies`).
        """
        path = meeting_path(self.data_dir, meeting.id)
        data = meeting.model_dump_json(indent=2).encode()
        legacy = self._legacy(meeting.id)
        if legacy is not None and legacy != path:
            legacy.unlink(missing_ok=True)  # moved to its lossless name
        elif _same_content(path, data) and not self._other_copies(meeting, path):
            return False
        write_atomic(path, data)
        return True

    def _other_copies(self, meeting: Meeting, path: Path) -> bool:
        """True when another date's document may have this meeting's key (it moved, maybe back).

        Readers pick the newest ``scraped_at`` among such copies, so this one must be refreshed.
        A key that is not a plain name is stored under a hash of date and key, which no pattern
        finds: such a meeting is always treated as having copies (written every time).
        """
        _, _, rest = meeting.id.partition("/")
        _, _, key = rest.partition("/")
        if not key:
            return False
        if not PLAIN_NAME_RE.match(key):
            return True
        return any(other != path for other in path.parent.glob(f"*-{key}.json"))

    def remove(self, meeting_id: str) -> None:
        """Delete a meeting's document (a rescheduled meeting stored under its old date)."""
        meeting_path(self.data_dir, meeting_id).unlink(missing_ok=True)
        legacy = self._legacy(meeting_id)
        if legacy is not None:
            legacy.unlink(missing_ok=True)

    def read(self, meeting_id: str) -> Meeting:
        """Load one stored meeting (under its name, or the old name it was stored under)."""
        path = meeting_path(self.data_dir, meeting_id)
        if not path.exists():
            path = self._legacy(meeting_id) or path
        return Meeting.model_validate_json(path.read_bytes())

    def iter_meetings(self, since: date | None = None) -> Iterator[Meeting]:
        """Every stored meeting; a file that no longer reads is logged, noted and skipped.

        With `since`, only meetings whose id date (the file name's ``YYYYMMDD``) is on or after
        it: files of older meetings are not even read.
        """
        root = self.data_dir / "meetings"
        floor = f"{since:%Y%m%d}" if since else ""
        for path in sorted(root.glob("*/*.json")):
            stamp = path.name[:8]
            if floor and stamp.isdigit() and stamp < floor:
                continue
            try:
                yield Meeting.model_validate_json(path.read_bytes())
            except (ValidationError, OSError) as exc:
                problem = _first_problem(exc)
                logger.warning("skipped %s: %s (agenda-watch doctor sets it aside)", path, problem)
                self.unreadable.append((path, problem))

    def _legacy(self, meeting_id: str) -> Path | None:
        """The meeting's file under its old name, if one holds this very meeting."""
        path = legacy_meeting_path(self.data_dir, meeting_id)
        if path == meeting_path(self.data_dir, meeting_id):
            return None
        try:  # an old name too long for the file system was never stored: OSError too
            stored = Meeting.model_validate_json(path.read_bytes())
        except (ValidationError, OSError):
            return None
        return path if stored.id == meeting_id else None


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        return f"{where}: {err['msg']}" if where else str(err["msg"])
    return str(exc)


# A bill label as the General Assembly writes it (``HB1062``): kept as it is.
BILL_LABEL_RE = re.compile(r"^[A-Z]{1,8}[0-9]{1,6}$")


def bill_path(data_dir: Path, ga: int, label: str) -> Path:
    """Where a tracked bill's JSON lives: ``bills/<GA>/<label>.json`` (see `safe_name`)."""
    stem = label if BILL_LABEL_RE.match(label) else safe_name(label)
    return data_dir / "bills" / str(ga) / f"{stem}.json"


def write_bill(data_dir: Path, bill: Bill) -> Path:
    """Store a bill with its whole history; returns its path."""
    path = bill_path(data_dir, bill.ga, bill.label)
    write_atomic(path, bill.model_dump_json(indent=2).encode())
    return path


def iter_bills(data_dir: Path) -> Iterator[Bill]:
    """Every stored (tracked) bill; a file that no longer reads is logged and skipped."""
    for path in sorted((data_dir / "bills").glob("*/*.json")):
        try:
            yield Bill.model_validate_json(path.read_bytes())
        except (ValidationError, OSError) as exc:
            logger.warning("skipped %s: %s", path, _first_problem(exc))


def unreadable_files(data_dir: Path) -> list[tuple[Path, str]]:
    """Stored meeting and bill files that no longer read as their model, with the reason."""
    found = []
    for folder, model in (("meetings", Meeting), ("bills", Bill)):
        for path in sorted((data_dir / folder).glob("*/*.json")):
            try:
                model.model_validate_json(path.read_bytes())
            except (ValidationError, OSError) as exc:
                found.append((path, _first_problem(exc)))
    return found


def set_aside_file(data_dir: Path, path: Path) -> Path:
    """Move a stored file under ``<data_dir>/set_aside/`` (same relative path); returns where."""
    target = data_dir / "set_aside" / path.relative_to(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():  # set aside before: keep both
        target = target.with_name(f"{target.stem}.{os.getpid()}-{id(path):x}{target.suffix}")
    os.replace(path, target)
    return target
