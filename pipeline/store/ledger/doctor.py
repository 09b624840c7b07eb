"""What `agenda-watch doctor` does to a ledger: set aside what no longer decodes, salvage a file.

`Doctor.set_aside_undecodable` works on a sound ledger (SQLite or PostgreSQL); `salvage` rebuilds
a damaged SQLite file from what can still be read, keeping the damaged one beside it.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.clock import utcnow
from pipeline.models import Meeting, Notice
from pipeline.store.ledger.base import CHECKED_FILES, LedgerBase
from pipeline.store.ledger.subjects import Subjects


class Doctor(Subjects):
    """Repairs on an open ledger."""

    def set_aside_undecodable(self) -> list[str]:
        """Set aside what no longer decodes; one line per row handled.

        Unsent notices whose payload no longer validates become dead (listed, retryable);
        subject rows whose snapshot is not JSON move to ``set_aside``.
        """
        done = []
        with self.transaction():
            for row in self.pending(("queued", "inflight")):
                try:
                    row.notice  # noqa: B018 - decoding is the check
                except ValidationError as exc:
                    reason = f"payload no longer validates: {_first_error(exc)}"
                    self.conn.execute(
                        "UPDATE notices SET state = 'dead', dead_at = ?, last_error = ?,"
                        " owner = NULL, lease_until = NULL WHERE id = ?",
                        (utcnow().isoformat(), reason, row.row_id),
                    )
                    done.append(f"notice {row.row_id} ({row.key}) set dead: {reason}")
            bad = self.conn.execute(
                "SELECT id, snapshot FROM subjects WHERE NOT json_valid(snapshot)"
            ).fetchall()
            for r in bad:
                self._set_aside("subjects", r["id"], r["snapshot"], "snapshot is not JSON")
                self.conn.execute("DELETE FROM subjects WHERE id = ?", (r["id"],))
                done.append(f"ledger row {r['id']} set aside: its snapshot is not JSON")
        return done

    def _set_aside(self, table: str, key: str, data: str, reason: str) -> None:
        self.conn.execute(
            "INSERT INTO set_aside (from_table, row_key, data, reason, set_aside_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (table, key, data, reason, utcnow().isoformat()),
        )

    def restore_notified(self, meeting: Meeting) -> bool:
        """Re-seed a thread a salvage lost, from its stored meeting; False if still known.

        The meeting is remembered as seen and, when it has relevant items, as announced (a
        sent marker), so the next crawl follows up instead of announcing it again.
        """
        thread = meeting.thread_key
        with self.transaction():
            if self._seen(thread) or self.has_notice(thread):
                return False
            self._remember(meeting, utcnow())
            if meeting.relevant_items():
                marker = Notice(
                    id=f"{thread}#restored",
                    kind="new_matches",
                    thread_key=thread,
                    source=meeting.source,
                    meeting=meeting.model_copy(update={"documents": []}),
                    created_at=utcnow(),
                )
                self.queue_notice(marker)
                self.conn.execute(
                    "UPDATE notices SET state = 'sent', sent_at = ?, last_error = ?"
                    " WHERE notice_key = ?",
                    (utcnow().isoformat(), "restored by agenda-watch doctor", marker.id),
                )
        return True


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"[:300]


# The tables a salvage copies, in an order that keeps their references whole.
SALVAGE_TABLES = ("subjects", "notices", "threads", "runs", "source_health", "set_aside")
SALVAGE_CHUNK = 64  # rows per read when a table can only be read around its damaged pages


def salvage(path: Path) -> list[str]:
    """Rebuild a damaged ledger from what can still be read; one line per step.

    The damaged file (with its WAL) is moved aside, never deleted; every readable row is
    copied into a fresh ledger at `path`.
    """
    kept = path.with_name(f"{path.name}.damaged-{utcnow():%Y%m%dT%H%M%S}")
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{path}{suffix}").exists():
            shutil.move(f"{path}{suffix}", f"{kept}{suffix}")
    lines = [f"moved the damaged ledger to {kept}"]
    CHECKED_FILES.discard(path.resolve())
    fresh = LedgerBase(path, check=False)
    try:
        with closing(sqlite3.connect(kept, isolation_level=None)) as old:
            for table in SALVAGE_TABLES:
                lines.append(f"{table}: {_copy_rows(old, fresh, table)}")
    finally:
        fresh.close()
    return lines


def _copy_rows(old: sqlite3.Connection, fresh: LedgerBase, table: str) -> str:
    """Copy `table`'s readable rows from `old` into `fresh`; says how many, and what was lost."""
    try:
        columns = [r[1] for r in old.execute(f"PRAGMA table_info({table})")]
    except sqlite3.DatabaseError as exc:
        return f"nothing could be read ({exc})"
    wanted = [r["name"] for r in fresh.conn.execute(f"PRAGMA table_info({table})")]
    names = [c for c in columns if c in wanted]
    if not names:
        return "not in the damaged file"
    select = f"SELECT {', '.join(names)} FROM {table}"
    insert = (
        f"INSERT OR IGNORE INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    )
    try:
        rows = old.execute(select).fetchall()
        lost = 0
    except sqlite3.DatabaseError:  # read around the damaged pages, a few rows at a time
        rows, lost = [], 0
        try:
            last = int(old.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0)
        except sqlite3.DatabaseError:
            last = 0
        for low in range(0, last + 1, SALVAGE_CHUNK):
            try:
                rows += _rows(old, select, low, low + SALVAGE_CHUNK - 1)
            except sqlite3.DatabaseError:  # then row by row: only the damaged ones are lost
                for rowid in range(low, low + SALVAGE_CHUNK):
                    try:
                        rows += _rows(old, select, rowid, rowid)
                    except sqlite3.DatabaseError:
                        lost += 1
    with fresh.transaction():
        fresh.conn.executemany(insert, rows)
    gone = f", {lost} unreadable row number(s) skipped" if lost else ""
    return f"{len(rows)} row(s) recovered{gone}"


def _rows(old: sqlite3.Connection, select: str, low: int, high: int) -> list[Any]:
    return old.execute(f"{select} WHERE rowid BETWEEN ? AND ?", (low, high)).fetchall()
