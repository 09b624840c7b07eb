"""The ledger's connection, layout and transactions: what every area of the ledger stands on.

`LedgerBase` opens the SQLite file under the data dir, or a PostgreSQL database
(``AGENDA_WATCH_LEDGER_URL``), creates the tables of ``ledger.sql`` or migrates an older file's
layout, and gives `LedgerBase.transaction`: every method that writes joins an open one, so several
can be made atomic together.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from pipeline.models import safe_message
from pipeline.store.ledger.connection import LedgerDamaged, SqliteConnection
from pipeline.store.ledger.postgres import PgConnection, is_ledger_url, pg_schema, shown_url


def stored_message(text: str | None) -> str | None:
    """An error or run message as the ledger keeps it (`safe_message`: no secret, no control)."""
    return None if text is None else safe_message(str(text))


# The layout's version, in SQLite's user_version; `LedgerBase._prepare` migrates older files.
# 0: before versions (bills kept their key in subjects.meeting_id); 1: subjects.bill_key;
# 2: claims (owner, lease) and dead letters on notices, delivery_pause, set_aside; meeting_index
#    and meeting_index_state (created empty; the first view or `reindex` fills them); reminders and
#    outcomes; runs.unread (meetings whose agenda could not be read).
LEDGER_VERSION = 2
# The tables, as SQL statements (created if missing on every open), comments dropped.
# Read as package data: inside a zipped egg (a Scrapyd deployment) it is not a file on disk.
_SQL = re.sub(
    r"--[^\n]*", "", resources.files(__package__).joinpath("ledger.sql").read_text("utf-8")
)
SCHEMA = [s.strip() for s in _SQL.split(";") if s.strip()]
# Layout 0 → 1: the old table is set aside, the new one created by SCHEMA, the rows copied with
# each bill's key moved to bill_key (SQLite cannot relax meeting_id's NOT NULL in place).
MIGRATE_BILL_KEY_BEFORE = (
    "ALTER TABLE subjects RENAME TO subjects_v0",
    "DROP INDEX IF EXISTS subjects_meeting",
)
MIGRATE_BILL_KEY_AFTER = (
    "INSERT INTO subjects (id, kind, source, meeting_id, bill_key, hash, relevant, snapshot,"
    " first_seen, last_seen) SELECT id, kind, source,"
    " CASE WHEN kind = 'bill' THEN NULL ELSE meeting_id END,"
    " CASE WHEN kind = 'bill' THEN meeting_id END,"
    " hash, relevant, snapshot, first_seen, last_seen FROM subjects_v0",
    "DROP TABLE subjects_v0",
)
# Layout 1 → 2: the notice columns added since, in ledger.sql's order.
NOTICE_COLUMNS_V2 = ("owner", "lease_until", "dead_at", "alerted_at")
# Files whose integrity this process has checked: the check runs once per process, not per open.
CHECKED_FILES: set[Path] = set()


# Columns added to existing tables since layout 1, in ledger.sql's order: (table, column, type).
ADDED_COLUMNS = (
    *(("notices", column, "TEXT") for column in NOTICE_COLUMNS_V2),
    ("runs", "unread", "INTEGER NOT NULL DEFAULT 0"),
)


class LedgerBase:
    """The connection, layout and transactions. One connection per process.

    `where` is the SQLite file (the default, under the data dir) or a ``postgresql://`` URL
    (``AGENDA_WATCH_LEDGER_URL``: one ledger shared by several machines).
    """

    def __init__(self, where: Path | str, check: bool = True) -> None:
        """Open (or create) the ledger; raises `LedgerDamaged` for a damaged file.

        `check` runs SQLite's quick integrity check, once per process and file.
        """
        self.conn: SqliteConnection | PgConnection
        if is_ledger_url(where):
            self.path: Path | None = None
            self.where = shown_url(str(where))  # for messages: no password
            self.conn = PgConnection(str(where))
            try:
                self._prepare()
            except BaseException:
                self.conn.close()
                raise
            return
        path = Path(where)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.where = str(path)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, factory=SqliteConnection)
        assert isinstance(conn, SqliteConnection)
        conn.ledger_path = path
        conn.row_factory = sqlite3.Row
        self.conn = conn
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA busy_timeout=30000")
            if check and path.resolve() not in CHECKED_FILES:
                problems = self.integrity_problems(quick=True)
                if problems:
                    raise LedgerDamaged(path, problems[0])
                CHECKED_FILES.add(path.resolve())
            self._prepare()
        except BaseException:
            self.conn.close()
            raise

    @property
    def shared(self) -> bool:
        """True for a PostgreSQL ledger (several machines may use it at once)."""
        return isinstance(self.conn, PgConnection)

    def integrity_problems(self, quick: bool = False) -> list[str]:
        """SQLite's integrity check (``quick_check`` skips index contents): [] when sound."""
        if isinstance(self.conn, PgConnection):  # the server checks its own pages
            return []
        pragma = "quick_check" if quick else "integrity_check"
        try:
            rows = [str(r[0]) for r in self.conn.execute(f"PRAGMA {pragma}(20)")]
        except LedgerDamaged as exc:  # too damaged for the check itself to finish
            return [str(exc.__cause__ or exc)]
        return [] if rows == ["ok"] else rows

    def _prepare(self) -> None:
        """Create the tables, or bring an older file's layout up to `LEDGER_VERSION`."""
        if self.conn.layout_version() == LEDGER_VERSION:
            return
        with self.transaction():  # crawls open the ledger at once: one of them migrates
            version = self.conn.layout_version()
            if version > LEDGER_VERSION:
                raise RuntimeError(
                    f"{self.where} has ledger layout {version}, newer than this code's "
                    f"{LEDGER_VERSION}: upgrade agenda-watch"
                )
            if isinstance(self.conn, PgConnection):  # PostgreSQL ledgers start at layout 2
                for statement in pg_schema(SCHEMA):
                    self.conn.execute(statement)
                self.conn.set_layout_version(LEDGER_VERSION)
                return
            columns = {r["name"] for r in self.conn.execute("PRAGMA table_info(subjects)")}
            migrate = bool(columns) and "bill_key" not in columns
            for statement in MIGRATE_BILL_KEY_BEFORE if migrate else ():
                self.conn.execute(statement)
            for statement in SCHEMA:
                self.conn.execute(statement)
            for statement in MIGRATE_BILL_KEY_AFTER if migrate else ():
                self.conn.execute(statement)
            for table, column, kind in ADDED_COLUMNS:
                have = {r["name"] for r in self.conn.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            self.conn.set_layout_version(LEDGER_VERSION)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error): writers never interleave.

        (On PostgreSQL: BEGIN and one advisory lock every writer takes, to the same effect.)

        Inside an open transaction this joins it: the outermost one commits or rolls back.
        """
        if self.conn.in_transaction:
            yield
            return
        self.conn.begin()
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
