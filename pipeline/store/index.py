"""The views' index of stored meeting documents, kept in the ledger (``meeting_index``).

Every read view (``upcoming``, ``site``, ``matches``, ``export``, the weekly digest) used to
read and validate every stored document. The index holds, per document, what they select on —
source, thread key, start (UTC and local date), status, relevance, topics — with the file's
stat and hash, so a view reads and validates only the documents it shows, one at a time.

How the index stays true to the files:

- The store stage writes a document, then records its row in the same ledger transaction as the
  meeting's ledger update (`index_row` + `Ledger.index_put`); a retired document's row goes in
  that transaction too.
- Before a view reads, `MeetingIndex.refresh` compares every file's change time, size and
  inode with its row (one ``stat`` per file, no reads) and reads again only what differs, is new or is gone — so a
  document written, edited, restored or deleted behind the pipeline's back is picked up, and a
  missing or older index (a data dir from before the index, a ledger restored from backup)
  fills itself. ``agenda-watch reindex`` rebuilds it from nothing.
- A document read for a view is checked once more against its row (the stat of the very file
  handle read); if it changed in between, the bytes read are judged afresh and the view never
  shows content the index did not select.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
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
    """What a refresh did: files read again, rows dropped, whether it rebuilt from nothing."""

    read: int
    dropped: int
    rebuilt: bool


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

    def on_disk(self) -> dict[str, Stamp]:
        """``<dir>/<file>.json`` → `stamp` of every document file (stat only, nothing read)."""
        found: dict[str, Stamp] = {}
        try:
            folders = [e for e in os.scandir(self.root) if e.is_dir()]
        except FileNotFoundError:
            return found
        for folder in folders:
            with os.scandir(folder.path) as entries:
                for entry in entries:
                    if not entry.name.endswith(".json"):
                        continue
                    try:
                        st = entry.stat()
                    except OSError:  # gone since listed
                        continue
                    if not entry.is_dir():
                        found[f"{folder.name}/{entry.name}"] = stamp(st)
        return found

    def refresh(self, rebuild: bool = False) -> Refreshed:
        """Bring the rows in step with the files: read what is new or changed, drop what is gone.

        Rebuilds from nothing when asked, or when the rows were derived by another
        `INDEX_VERSION` (or never: a ledger from before the index).
        """
        rebuild = rebuild or self.ledger.index_state("version") != INDEX_VERSION
        if rebuild:
            self.ledger.index_clear()
        known = self.ledger.index_stamps()
        files = self.on_disk()
        changed = sorted(rel for rel, stamp in files.items() if known.get(rel) != stamp)
        gone = [rel for rel in known if rel not in files]
        batch: list[IndexRow] = []
        for rel in changed:
            try:
                stat, data = read_file(self.root / rel)
            except OSError:
                gone.append(rel)
                continue
            batch.append(meeting_row(rel, stat, data)[0])
            if len(batch) >= BATCH:
                self.ledger.index_put(batch)
                batch = []
        self.ledger.index_put(batch)
        self.ledger.index_drop(gone)
        if rebuild:
            self.ledger.set_index_state("version", INDEX_VERSION)
        if changed or gone:
            logger.info("meeting index: %d file(s) read, %d dropped", len(changed), len(gone))
        return Refreshed(read=len(changed), dropped=len(gone), rebuilt=rebuild)

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
    """Open the ledger, refresh the index from the files, and close the ledger afterwards."""
    ledger = Ledger(ledger_path)
    try:
        yield open_index(data_dir, ledger)
    finally:
        ledger.close()
