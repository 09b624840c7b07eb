"""The views' index of stored meeting documents, kept in the ledger (``meeting_index``).

Every read view (``upcoming``, ``site``, ``matches``, ``export``, the weekly digest) used to
read and validate every stored document. The index holds, per document, what they select on —
source, thread key, start (UTC and local date), status, relevance, topics — with the file's
stat and hash, so a view reads and validates only the documents it shows, one at a time.

How the index stays true to the files:

- The store stage writes a document, then records its row in the same ledger transaction as the
  meeting's ledger update (`index_row` + `Ledger.index_put`); a retired document's row goes in
  that transaction too.
- Before a view reads, `MeetingIndex.refresh` looks at each folder (``meetings/<source>``):
  creating, renaming over or deleting a file in a folder moves the folder's change time, and
  every write of the store is such a rename (`pipeline.store.files.write_atomic`). A folder
  whose stamp (change time, modification time, inode) and row count are the ones recorded when
  its files were last compared with their rows is skipped without a look at its files; in any
  other folder every file's change time, size and inode is compared with its row (one ``stat``
  per file, no reads), and only what differs, is new or is gone is read again. So a document
  written, replaced, restored or deleted behind the pipeline's back is picked up by the next
  view, and a missing or older index (a data dir from before the index, a ledger restored from
  backup) fills itself. ``agenda-watch reindex`` rebuilds it from nothing.
- A folder changed within `SETTLED_NS` of the look is not recorded as compared: file systems
  keep time in ticks (1 ms to 2 s), and a file added later in the same tick would leave the
  folder's stamp as it was.
- The limit: a file rewritten *in place* (opened and overwritten, not replaced — ``cp`` over
  it, some editors) leaves its folder's stamp alone, so the next refresh does not look at it.
  Such edits are outside what the refresh promises; `agenda-watch reindex --changed` (every
  file's stat compared, only changed files read) or touching the folder (``touch
  meetings/<source>``) brings them in. What a view shows is still never stale:
- A document read for a view is checked once more against its row (the stat of the very file
  handle read); if it changed in between, the bytes read are judged afresh and the view never
  shows content the index did not select.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from stat import S_ISDIR
from zoneinfo import ZoneInfoNotFoundError

from pydantic import ValidationError

from pipeline.display import local_start
from pipeline.models import Meeting
from pipeline.store.files import meeting_path
from pipeline.store.ledger import IndexRow, IndexSelection, Ledger

logger = logging.getLogger(__name__)

# How rows are derived from documents; a ledger whose index was built by another version is
# rebuilt by the next refresh.
INDEX_VERSION = "1"
BATCH = 1000  # rows per transaction while (re)indexing


def utc_text(moment: datetime) -> str:
    """`moment` in UTC as fixed-width text (``2026-12-08T01:00:00.000000``): sorts as it compares."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _problem(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


Stamp = tuple[int, int, int]


def stamp(stat: os.stat_result) -> Stamp:
    """What tells that a file changed: (ctime_ns, size, inode).

    Any write or replacement moves the change time (which, unlike the mtime, cannot be set back),
    and an atomic replacement brings a new inode even within one tick of the clock.
    """
    return stat.st_ctime_ns, stat.st_size, stat.st_ino


def row_stamp(row: IndexRow) -> Stamp:
    """The stamp a row was written with."""
    return row.ctime_ns, row.size, row.inode


def meeting_row(rel: str, stat: os.stat_result, data: bytes) -> tuple[IndexRow, Meeting | None]:
    """The index row of the document `data` (read from `rel` with `stat`), and its meeting."""
    ctime_ns, size, inode = stamp(stat)
    digest = hashlib.sha256(data).hexdigest()
    try:
        meeting = Meeting.model_validate_json(data)
        local_date = local_start(meeting).date().isoformat()
    except (ValidationError, ZoneInfoNotFoundError, ValueError) as exc:
        return IndexRow(rel, ctime_ns, size, inode, digest, _problem(exc)), None
    relevant = meeting.relevant_items()
    topics = sorted({t for i in relevant if i.classification for t in i.classification.topics})
    row = IndexRow(
        path=rel,
        ctime_ns=ctime_ns,
        size=size,
        inode=inode,
        sha256=digest,
        id=meeting.id,
        source=meeting.source,
        thread_key=meeting.thread_key,
        platform_id=meeting.platform_id,
        scraped_at=utc_text(meeting.scraped_at) if meeting.scraped_at else None,
        start_utc=utc_text(meeting.start),
        local_date=local_date,
        status=meeting.status,
        relevant=int(bool(relevant)),
        topics=" ".join(topics),
        schema_version=meeting.schema_version,
    )
    return row, meeting


def read_file(path: Path) -> tuple[os.stat_result, bytes]:
    """A file's bytes and the stat of the same open file (so they always belong together)."""
    with path.open("rb") as fh:
        return os.fstat(fh.fileno()), fh.read()


def accepts(row: IndexRow, selection: IndexSelection) -> bool:
    """`selection`'s conditions on one row, in Python (all but ``latest``, a whole-set rule)."""
    if row.problem is not None:
        return False
    local, start = row.local_date or "", row.start_utc or ""
    topics = set((row.topics or "").split())
    return not (
        (selection.first_local is not None and local < selection.first_local)
        or (selection.last_local is not None and local > selection.last_local)
        or (selection.min_start_utc is not None and start < selection.min_start_utc)
        or (selection.sources and row.source not in selection.sources)
        or (selection.topics and not topics & selection.topics)
        or (selection.relevant and not row.relevant)
    )


@dataclass(frozen=True)
class Refreshed:
    """What a refresh did.

    Files read again, rows dropped, whether it rebuilt from nothing, and how many folders had
    their files compared with their rows.
    """

    read: int
    dropped: int
    rebuilt: bool
    looked: int = 0


# Facts kept per folder in ``meeting_index_state``: ``folder:<name>`` → `_seal`.
SEAL = "folder:"
# A folder changed less than this long before it was looked at is not sealed: file systems keep
# time in ticks (Linux: a few ms; FAT: 2 s), and a file added later within the same tick would
# leave the folder's stamp unchanged.
SETTLED_NS = 3_000_000_000


def _seal(stat: os.stat_result, rows: int) -> str:
    """A folder's stamp and its row count: while both hold, its rows match its files."""
    return f"{stat.st_ctime_ns} {stat.st_mtime_ns} {stat.st_ino} {rows}"


class _Pending:
    """Row changes and folder seals, written together in transactions of about `BATCH` rows.

    A folder's seal is queued after its rows, so it is never committed without them.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.rows: list[IndexRow] = []
        self.gone: list[str] = []
        self.seals: dict[str, str | None] = {}
        self.read = self.dropped = 0

    def put(self, row: IndexRow) -> None:
        self.rows.append(row)
        self.read += 1
        if len(self.rows) >= BATCH:
            self.flush()

    def drop(self, paths: Iterable[str]) -> None:
        before = len(self.gone)
        self.gone.extend(paths)
        self.dropped += len(self.gone) - before

    def seal(self, key: str, value: str | None, sealed: dict[str, str]) -> None:
        """Record `value` for `key` (None: forget it), unless that is already so."""
        if sealed.get(key) != value:
            self.seals[key] = value

    def flush(self) -> None:
        if not (self.rows or self.gone or self.seals):
            return
        with self.ledger.transaction():
            self.ledger.index_put(self.rows)
            self.ledger.index_drop(self.gone)
            for key, value in self.seals.items():
                if value is not None:
                    self.ledger.set_index_state(key, value)
            self.ledger.forget_index_states(k for k, v in self.seals.items() if v is None)
        self.rows, self.gone, self.seals = [], [], {}


class MeetingIndex:
    """The index of the documents under ``<data_dir>/meetings``, in `ledger`."""

    def __init__(self, data_dir: Path, ledger: Ledger) -> None:
        self.data_dir = data_dir
        self.root = data_dir / "meetings"
        self.ledger = ledger

    def rel(self, path: Path) -> str:
        """A document's key in the index: ``<dir>/<file>.json``."""
        return f"{path.parent.name}/{path.name}"

    # --- writing -------------------------------------------------------------------------

    def row_of(self, meeting_id: str) -> IndexRow | None:
        """The row of the document just stored for `meeting_id` (None if it is not there)."""
        path = meeting_path(self.data_dir, meeting_id)
        try:
            stat, data = read_file(path)
        except OSError:
            return None
        return meeting_row(self.rel(path), stat, data)[0]

    def record(self, row: IndexRow | None, retired: str | None = None) -> None:
        """Put `row` and drop the row of the `retired` meeting id (joins an open transaction)."""
        with self.ledger.transaction():
            # Rows written by this code: a ledger that never had an index now has one (the
            # files not written here are not in it yet, so the next refresh reads them).
            self.ledger.set_index_state("version", INDEX_VERSION, replace=False)
            if row is not None:
                self.ledger.index_put([row])
            if retired is not None:
                self.ledger.index_drop([self.rel(meeting_path(self.data_dir, retired))])

    def on_disk(self, folder: str | None = None) -> dict[str, Stamp]:
        """``<dir>/<file>.json`` → `stamp` of every document file (stat only, nothing read).

        Only `folder`'s files when given.
        """
        names = [folder] if folder is not None else list(self.folders())
        found: dict[str, Stamp] = {}
        for name in names:
            try:
                entries = list(os.scandir(self.root / name))
            except (FileNotFoundError, NotADirectoryError):  # gone since listed
                continue
            for entry in entries:
                if not entry.name.endswith(".json"):
                    continue
                try:
                    st = entry.stat()
                except OSError:  # gone since listed
                    continue
                if not S_ISDIR(st.st_mode):
                    found[f"{name}/{entry.name}"] = stamp(st)
        return found

    def folders(self) -> dict[str, os.stat_result]:
        """Each folder under ``meetings/`` → its stat, taken before anything in it is listed."""
        found: dict[str, os.stat_result] = {}
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return found
        for entry in entries:
            try:
                st = entry.stat()
            except OSError:  # gone since listed
                continue
            if S_ISDIR(st.st_mode):
                found[entry.name] = st
        return found

    def refresh(self, rebuild: bool = False, every_file: bool = False) -> Refreshed:
        """Bring the rows in step with the files: read what is new or changed, drop what is gone.

        Only folders whose stamp moved since they were last compared are looked into (see the
        module's docstring); `every_file` looks into all of them (to pick up files rewritten in
        place). Rebuilds from nothing when asked, or when the rows were derived by another
        `INDEX_VERSION` (or never: a ledger from before the index).
        """
        rebuild = rebuild or self.ledger.index_state("version") != INDEX_VERSION
        if rebuild:
            self.ledger.index_clear()
        sealed = self.ledger.index_states(SEAL)
        folders = self.folders()  # stat'ed before listed: a change after the stat moves it
        settled_before = time.time_ns() - SETTLED_NS
        counts = self.ledger.index_folders()
        pending = _Pending(self.ledger)
        looked = 0
        names = set(folders) | set(counts) | {key.removeprefix(SEAL) for key in sealed}
        for name in sorted(names):
            st = folders.get(name)
            key = f"{SEAL}{name}"
            if st is None:  # the folder is gone: so are its files
                pending.drop(self.ledger.index_stamps(name))
                pending.seal(key, None, sealed)
                continue
            if not (rebuild or every_file) and sealed.get(key) == _seal(st, counts.get(name, 0)):
                continue
            present = self._compare(name, pending)
            looked += 1
            settled = st.st_ctime_ns < settled_before
            pending.seal(key, _seal(st, present) if settled else None, sealed)
        pending.flush()
        if rebuild:
            self.ledger.set_index_state("version", INDEX_VERSION)
        if pending.read or pending.dropped:
            logger.info("meeting index: %d file(s) read, %d dropped", pending.read, pending.dropped)
        return Refreshed(pending.read, pending.dropped, rebuild, looked)

    def _compare(self, folder: str, pending: _Pending) -> int:
        """Compare `folder`'s files with their rows, queueing what changed; files it now holds."""
        known = self.ledger.index_stamps(folder)
        files = self.on_disk(folder)
        pending.drop(rel for rel in known if rel not in files)
        present = len(files)
        for rel in sorted(rel for rel, found in files.items() if known.get(rel) != found):
            try:
                stat, data = read_file(self.root / rel)
            except OSError:
                pending.drop([rel])
                present -= 1
                continue
            pending.put(meeting_row(rel, stat, data)[0])
        return present

    # --- reading -------------------------------------------------------------------------

    def meetings(self, selection: IndexSelection) -> Iterator[Meeting]:
        """The selected meetings, soonest first (start, source, id), read one at a time.

        Only the selected documents are read and validated. A document that changed since its
        row was written is judged by what it holds now (and its row corrected afterwards); one
        that vanished or no longer reads is left out (and logged).
        """
        fixes: list[IndexRow] = []
        for row in self.ledger.index_select(selection):
            try:
                stat, data = read_file(self.root / row.path)
            except OSError as exc:
                logger.warning("meeting index: %s is gone (%s)", row.path, exc)
                continue
            if stamp(stat) == row_stamp(row):
                try:
                    yield Meeting.model_validate_json(data)
                    continue
                except ValidationError:
                    pass  # rewritten in place within one clock tick: judge it afresh
            fresh, meeting = meeting_row(row.path, stat, data)
            fixes.append(fresh)
            if meeting is None:
                logger.warning("meeting index: %s: %s", row.path, fresh.problem)
            elif accepts(fresh, selection):
                yield meeting
        if fixes:
            self.ledger.index_put(fixes)

    def sources(self) -> set[str]:
        """Sources with stored meetings."""
        return self.ledger.index_sources()

    def problems(self) -> list[tuple[Path, str]]:
        """(file, why) for each stored file that does not read as a meeting."""
        return [(self.root / rel, why) for rel, why in self.ledger.index_problems()]


def open_index(data_dir: Path, ledger: Ledger) -> MeetingIndex:
    """The index of `data_dir`'s documents in `ledger`, refreshed from the files."""
    index = MeetingIndex(data_dir, ledger)
    index.refresh()
    return index


@contextmanager
def stored_meetings(data_dir: Path, ledger_path: Path | str) -> Iterator[MeetingIndex]:
    """Open the ledger, refresh the index from the files, and close the ledger afterwards.

    The ledger's whole-file integrity check is skipped: it reads every page of the ledger (all
    meetings' item snapshots, every notice), which is what a view must not do. A damaged page a
    view does read still fails as `LedgerDamaged` (one line pointing at ``agenda-watch
    doctor``), and the crawl and delivery, which write everywhere, still check the whole file.
    """
    ledger = Ledger(ledger_path, check=False)
    try:
        yield open_index(data_dir, ledger)
    finally:
        ledger.close()
