"""The SQLite connection of the ledger: damage reported as one line, the shared interface.

A damaged file (SQLite's "malformed" or "not a database") surfaces from any statement or read as
`LedgerDamaged`, naming the file and `agenda-watch doctor`. `SqliteConnection` offers the small
interface beyond DB-API that `pipeline.store.ledger.postgres.PgConnection` offers too (`begin`,
the layout version, `skip_locked`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# SQLite's names for a damaged file (as opposed to a busy or locked one).
DAMAGE_ERRORS = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}


class LedgerDamaged(Exception):
    """The ledger file is damaged; the message is one line naming it and the way out."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"the ledger {path} is damaged ({detail.splitlines()[0][:200]}); run "
            "`agenda-watch doctor` to salvage what can be read (the damaged file is kept)"
        )
        self.path = path


def _is_damage(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "")
    return name in DAMAGE_ERRORS or type(exc) is sqlite3.DatabaseError


@contextmanager
def _reporting_damage(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if _is_damage(exc):
            raise LedgerDamaged(path, str(exc)) from exc
        raise


class _Cursor(sqlite3.Cursor):
    """A cursor whose reads report a damaged file as `LedgerDamaged` (pages are read lazily)."""

    ledger_path: Path

    def __next__(self) -> Any:
        with _reporting_damage(self.ledger_path):
            return super().__next__()

    def fetchone(self) -> Any:
        with _reporting_damage(self.ledger_path):
            return super().fetchone()

    def fetchall(self) -> list[Any]:
        with _reporting_damage(self.ledger_path):
            return super().fetchall()


class SqliteConnection(sqlite3.Connection):
    """A connection whose statements report a damaged file as `LedgerDamaged`.

    Its interface beyond DB-API (`begin`, the layout version, `skip_locked`) is the one
    `pipeline.store.ledger.postgres.PgConnection` offers too.
    """

    ledger_path: Path
    skip_locked = ""  # SQLite locks the whole file for a write: no row locks to skip

    def begin(self) -> None:
        """Start a writing transaction; it waits for any other writer's to end."""
        self.execute("BEGIN IMMEDIATE")

    def layout_version(self) -> int:
        """The ledger layout, kept in SQLite's user_version."""
        return int(self.execute("PRAGMA user_version").fetchone()[0])

    def set_layout_version(self, version: int) -> None:
        """Record the layout (inside the transaction that created or migrated it)."""
        self.execute(f"PRAGMA user_version = {int(version)}")

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        """Run one statement; its cursor's reads report damage too."""
        cursor = self.cursor(_Cursor)
        cursor.ledger_path = self.ledger_path
        with _reporting_damage(self.ledger_path):
            return cursor.execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        """Run one statement for each set of parameters."""
        with _reporting_damage(self.ledger_path):
            return super().executemany(sql, parameters)


def stamp(moment: datetime) -> str:
    """A UTC time as fixed-width text, so the ledger can compare times as strings."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
