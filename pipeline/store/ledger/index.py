"""The meeting index: what the views query (rows derived from the meeting documents).

`pipeline.store.index` derives the rows and keeps them in step with the files; these methods only
store and query them. Times are fixed-width UTC text and dates ISO, so they compare as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass, fields
from typing import Any

from pipeline.store.ledger.base import LedgerBase


@dataclass(frozen=True)
class IndexRow:
    """One stored meeting document as the index knows it (see ``meeting_index`` in ledger.sql).

    A file that does not read as a meeting has a `problem` and no meeting fields.
    """

    path: str
    ctime_ns: int
    size: int
    inode: int
    sha256: str
    problem: str | None = None
    id: str | None = None
    source: str | None = None
    thread_key: str | None = None
    platform_id: str | None = None
    scraped_at: str | None = None
    start_utc: str | None = None
    local_date: str | None = None
    status: str | None = None
    relevant: int | None = None
    topics: str | None = None
    schema_version: int | None = None


INDEX_COLUMNS = tuple(f.name for f in fields(IndexRow))
# The rows of one folder: paths from "<folder>/" up to "<folder>0" ("0" is the code after "/").
_IN_FOLDER = " WHERE path >= ? AND path < ?"


def _folder_range(folder: str) -> tuple[str, str]:
    return f"{folder}/", f"{folder}0"


# A meeting row is superseded by a later-scraped copy with the same source and platform id (a
# moved meeting stored under its old date too); on equal scrape times the first path wins. The
# same rule as `pipeline.views.upcoming.latest_versions`.
_SUPERSEDED = (
    "m.platform_id IS NOT NULL AND m.scraped_at IS NOT NULL AND EXISTS (SELECT 1 FROM"
    " meeting_index o WHERE o.source = m.source AND o.platform_id = m.platform_id"
    " AND o.scraped_at IS NOT NULL AND o.problem IS NULL AND (o.scraped_at > m.scraped_at"
    " OR (o.scraped_at = m.scraped_at AND o.path < m.path)))"
)


@dataclass(frozen=True)
class IndexSelection:
    """Which indexed meetings a view reads (every condition given must hold).

    - ``first_local``/``last_local``: local date range (ISO dates, inclusive).
    - ``min_start_utc``: start at or after this fixed-width UTC time.
    - ``sources``: only these sources (empty: all); ``topics``: some relevant item has one.
    - ``relevant``: only meetings with a relevant item; ``latest``: drop superseded copies.
    """

    first_local: str | None = None
    last_local: str | None = None
    min_start_utc: str | None = None
    sources: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    relevant: bool = False
    latest: bool = False

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition over ``meeting_index m`` and its parameters."""
        terms, args = ["m.problem IS NULL"], []
        for sql, value in (
            ("m.local_date >= ?", self.first_local),
            ("m.local_date <= ?", self.last_local),
            ("m.start_utc >= ?", self.min_start_utc),
        ):
            if value is not None:
                terms.append(sql)
                args.append(value)
        if self.sources:
            terms.append(f"m.source IN ({','.join('?' * len(self.sources))})")
            args += sorted(self.sources)
        if self.topics:
            marks = " OR ".join("instr(' ' || m.topics || ' ', ?) > 0" for _ in self.topics)
            terms.append(f"({marks})")
            args += [f" {t} " for t in sorted(self.topics)]
        if self.relevant:
            terms.append("m.relevant = 1")
        if self.latest:
            terms.append(f"NOT ({_SUPERSEDED})")
        return " AND ".join(terms), args


class MeetingIndex(LedgerBase):
    """The ``meeting_index`` rows (`IndexRow`) and facts about the index."""

    def index_put(self, rows: Iterable[IndexRow]) -> None:
        """Insert or replace index rows (by path)."""
        marks = ",".join("?" * len(INDEX_COLUMNS))
        sets = ", ".join(f"{c} = excluded.{c}" for c in INDEX_COLUMNS if c != "path")
        with self.transaction():
            self.conn.executemany(
                f"INSERT INTO meeting_index ({','.join(INDEX_COLUMNS)}) VALUES ({marks})"
                f" ON CONFLICT (path) DO UPDATE SET {sets}",
                [astuple(r) for r in rows],
            )

    def index_drop(self, paths: Iterable[str]) -> None:
        """Forget these files (deleted, or retired by a reschedule)."""
        with self.transaction():
            self.conn.executemany("DELETE FROM meeting_index WHERE path = ?", [(p,) for p in paths])

    def index_clear(self) -> None:
        """Forget every file (before a full rebuild)."""
        with self.transaction():
            self.conn.execute("DELETE FROM meeting_index")

    def index_stamps(self, folder: str | None = None) -> dict[str, tuple[int, int, int]]:
        """Path → (ctime_ns, size, inode) of the indexed files (only `folder`'s, when given)."""
        where, args = ("", ()) if folder is None else (_IN_FOLDER, _folder_range(folder))
        rows = self.conn.execute(
            f"SELECT path, ctime_ns, size, inode FROM meeting_index{where}", args
        ).fetchall()
        return {path: (ctime, size, inode) for path, ctime, size, inode in rows}

    def index_folders(self) -> dict[str, int]:
        """Folder (the ``<dir>`` of ``<dir>/<file>.json``) → how many rows it has.

        Walks the primary key from one folder to the next (two indexed look-ups per folder),
        so the cost grows with the number of folders, not of rows.
        """
        found: dict[str, int] = {}
        after = ""
        while row := self.conn.execute(
            "SELECT path FROM meeting_index WHERE path >= ? ORDER BY path LIMIT 1", (after,)
        ).fetchone():
            folder = str(row[0]).partition("/")[0]
            found[folder] = self._count(
                f"SELECT COUNT(*) FROM meeting_index{_IN_FOLDER}", _folder_range(folder)
            )
            after = f"{folder}0"  # "0" follows "/": past every "<folder>/…" path
        return found

    def index_count(self) -> int:
        """How many files the index has rows for."""
        return self._count("SELECT COUNT(*) FROM meeting_index", ())

    def _count(self, sql: str, args: tuple[Any, ...]) -> int:
        row = self.conn.execute(sql, args).fetchone()
        return int(row[0]) if row is not None else 0

    def index_select(self, selection: IndexSelection) -> Iterator[IndexRow]:
        """The selected meeting rows, soonest first (start, source, id), streamed from SQLite."""
        where, args = selection.where()
        cursor = self.conn.execute(
            f"SELECT * FROM meeting_index m WHERE {where}"
            " ORDER BY m.start_utc, m.source, m.id, m.path",
            args,
        )
        while batch := cursor.fetchmany(500):
            yield from (IndexRow(**dict(r)) for r in batch)

    def index_sources(self) -> set[str]:
        """Sources with at least one readable stored meeting."""
        rows = self.conn.execute("SELECT DISTINCT source FROM meeting_index WHERE problem IS NULL")
        return {r["source"] for r in rows}

    def index_problems(self) -> list[tuple[str, str]]:
        """(path, problem) of the stored files that do not read as meetings, by path."""
        rows = self.conn.execute(
            "SELECT path, problem FROM meeting_index WHERE problem IS NOT NULL ORDER BY path"
        )
        return [(r["path"], r["problem"]) for r in rows]

    def index_state(self, key: str) -> str | None:
        """A fact about the index (e.g. the version of the code that built it)."""
        row = self.conn.execute(
            "SELECT value FROM meeting_index_state WHERE key = ?", (key,)
        ).fetchone()
        return str(row["value"]) if row else None

    def set_index_state(self, key: str, value: str, replace: bool = True) -> None:
        """Record a fact about the index (only if none is recorded yet, unless `replace`)."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO meeting_index_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO "
                + ("UPDATE SET value = excluded.value" if replace else "NOTHING"),
                (key, value),
            )

    def index_states(self, prefix: str) -> dict[str, str]:
        """Every recorded fact whose key starts with `prefix` (key → value)."""
        rows = self.conn.execute(
            "SELECT key, value FROM meeting_index_state WHERE substr(key, 1, ?) = ?",
            (len(prefix), prefix),
        ).fetchall()
        return {str(r["key"]): str(r["value"]) for r in rows}

    def forget_index_states(self, keys: Iterable[str]) -> None:
        """Forget these facts about the index."""
        with self.transaction():
            self.conn.executemany(
                "DELETE FROM meeting_index_state WHERE key = ?", [(k,) for k in keys]
            )
