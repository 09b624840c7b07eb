"""The SQLite ledger under the data dir: what was seen, crawl runs, and the outbox of notices.

The ledger remembers what was seen (content hashes per meeting, item and bill), the crawl runs and
each source's alert state, and holds the outbox of Slack notices. A meeting's ledger update and the
notices it causes are written in one transaction, after the meeting's JSON document is safely on
disk — so a crash loses nothing and a rerun over the same pages queues nothing new.

Every SQL statement against the ledger is in this module, behind a named method; other modules
never touch `Ledger.conn`. Methods that write join the caller's `Ledger.transaction` when one is
open, so several of them can be made atomic together.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.clock import utcnow
from pipeline.models import Meeting, Notice, NoticeKind, safe_message
from pipeline.store.changes import Seen, content_hash, diff, subject_states


def stored_message(text: str | None) -> str | None:
    """An error or run message as the ledger keeps it (`safe_message`: no secret, no control)."""
    return None if text is None else safe_message(str(text))


# The layout's version, in SQLite's user_version; `Ledger._prepare` migrates older files.
# 0: before versions (bills kept their key in subjects.meeting_id); 1: subjects.bill_key.
LEDGER_VERSION = 1
# The tables, as SQL statements (created if missing on every open), comments dropped.
_SQL = re.sub(r"--[^\n]*", "", Path(__file__).with_name("ledger.sql").read_text(encoding="utf-8"))
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


@dataclass(frozen=True)
class QueuedNotice:
    """A row of the outbox."""

    row_id: int
    notice: Notice
    state: str
    attempts: int
    channel: str | None
    inflight_at: str | None


class Ledger:
    """The SQLite ledger. One connection per process; every write is one short transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA busy_timeout=30000")
        self._prepare()

    def _prepare(self) -> None:
        """Create the tables, or bring an older file's layout up to `LEDGER_VERSION`."""
        if self._version() == LEDGER_VERSION:
            return
        with self.transaction():  # crawls open the ledger at once: one of them migrates
            version = self._version()
            if version > LEDGER_VERSION:
                raise RuntimeError(
                    f"{self.path} has ledger layout {version}, newer than this code's "
                    f"{LEDGER_VERSION}: upgrade agenda-watch"
                )
            columns = {r["name"] for r in self.conn.execute("PRAGMA table_info(subjects)")}
            migrate = bool(columns) and "bill_key" not in columns
            for statement in MIGRATE_BILL_KEY_BEFORE if migrate else ():
                self.conn.execute(statement)
            for statement in SCHEMA:
                self.conn.execute(statement)
            for statement in MIGRATE_BILL_KEY_AFTER if migrate else ():
                self.conn.execute(statement)
            self.conn.execute(f"PRAGMA user_version = {LEDGER_VERSION}")

    def _version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error): writers never interleave.

        Inside an open transaction this joins it: the outermost one commits or rolls back.
        """
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # --- meetings and their items --------------------------------------------------------

    def record_meeting(self, meeting: Meeting, channel: str | None = None) -> list[Notice]:
        """Compare `meeting` with what was seen; update the ledger and queue notices, atomically.

        Meetings are matched by `Meeting.thread_key`, so a rescheduled meeting whose platform id
        survives is a follow-up in its thread. Returns the notices queued (none when nothing
        relevant is new or changed).
        """
        now = utcnow()
        thread = meeting.thread_key
        with self.transaction():
            change = diff(meeting, self._seen(thread), self.has_notice(thread))
            self._remember(meeting, now)
            if change is None:
                return []
            snapshot = meeting.model_copy(
                update={"items": change.items, "documents": [], "raw_documents": []}
            )
            notice = Notice(
                id="pending",
                kind=change.kind,
                thread_key=thread,
                source=meeting.source,
                channel=channel,
                meeting=snapshot,
                changes=change.lines,
                created_at=now,
            )
            digest = content_hash(notice.model_dump(mode="json", exclude={"id", "created_at"}))
            notice = notice.model_copy(update={"id": f"{thread}#{digest[:16]}"})
            return [notice] if self.queue_notice(notice) else []

    def record_seen(self, meeting: Meeting) -> None:
        """Remember the meeting and its items as seen, queueing nothing (ILGA hearings)."""
        with self.transaction():
            self._remember(meeting, utcnow())

    def stored_meeting_id(self, meeting: Meeting) -> str | None:
        """The id under which this meeting (by thread key) was last stored, if any."""
        row = self.conn.execute(
            "SELECT snapshot FROM subjects WHERE id = ? AND kind = 'meeting'", (meeting.thread_key,)
        ).fetchone()
        return json.loads(row["snapshot"]).get("id") if row else None

    def _seen(self, thread: str) -> dict[str, Seen]:
        """The meeting's and its items' rows, by ledger key."""
        rows = self.conn.execute("SELECT * FROM subjects WHERE meeting_id = ?", (thread,))
        return {
            r["id"]: Seen(r["kind"], r["hash"], bool(r["relevant"]), json.loads(r["snapshot"]))
            for r in rows
        }

    def _remember(self, meeting: Meeting, now: datetime) -> None:
        thread = meeting.thread_key
        rows = subject_states(meeting)
        self._upsert_subjects(
            [(sid, kind, meeting.source, thread, None, s, rel) for sid, kind, s, rel in rows], now
        )
        # Items that left the agenda stop being "seen", so a removal is reported once.
        current = [r[0] for r in rows]
        self.conn.execute(
            f"DELETE FROM subjects WHERE meeting_id = ? AND kind = 'item'"
            f" AND id NOT IN ({','.join('?' * len(current))})",
            (thread, *current),
        )

    def _upsert_subjects(
        self,
        rows: list[tuple[str, str, str, str | None, str | None, dict[str, Any], bool]],
        now: datetime,
        touch_last_seen: bool = True,
    ) -> None:
        """Insert or update subjects: (id, kind, source, meeting_id, bill_key, snapshot, relevant)."""
        self.conn.executemany(
            "INSERT INTO subjects (id, kind, source, meeting_id, bill_key, hash, relevant, snapshot,"
            " first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, relevant = excluded.relevant,"
            " snapshot = excluded.snapshot"
            + (", last_seen = excluded.last_seen" if touch_last_seen else ""),
            [
                (
                    sid,
                    kind,
                    source,
                    meeting_id,
                    bill_key,
                    content_hash(snapshot),
                    int(relevant),
                    json.dumps(snapshot, ensure_ascii=False),
                    now.isoformat(),
                    now.isoformat(),
                )
                for sid, kind, source, meeting_id, bill_key, snapshot, relevant in rows
            ],
        )

    # --- bills ---------------------------------------------------------------------------

    def bill_snapshot(self, bill_key: str) -> dict[str, Any] | None:
        """The snapshot last saved for a bill (by its thread key), if it was ever seen."""
        row = self.conn.execute(
            "SELECT snapshot FROM subjects WHERE bill_key = ?", (bill_key,)
        ).fetchone()
        return dict(json.loads(row["snapshot"])) if row else None

    def bill_stamps(self, source: str) -> dict[str, tuple[str | None, str]]:
        """Bill key → (listing stamp of the file last fetched, last seen) for `source`'s bills."""
        rows = self.conn.execute(
            "SELECT bill_key, last_seen, json_extract(snapshot, '$.stamp') AS stamp"
            " FROM subjects WHERE source = ? AND kind = 'bill'",
            (source,),
        )
        return {r["bill_key"]: (r["stamp"], r["last_seen"]) for r in rows}

    def save_bill(
        self,
        bill_key: str,
        source: str,
        snapshot: dict[str, Any],
        tracked: bool,
        touch_last_seen: bool = True,
    ) -> None:
        """Save a bill's snapshot; `touch_last_seen` False when only a hearing page named it."""
        with self.transaction():
            self._upsert_subjects(
                [(bill_key, "bill", source, None, bill_key, snapshot, tracked)],
                utcnow(),
                touch_last_seen,
            )

    # --- outbox ----------------------------------------------------------------------------

    def queue_notice(self, notice: Notice) -> bool:
        """Add `notice` to the outbox; False if its id was queued before.

        The notice id is the outbox key: derive it from the thread and the content, so the same
        change (or the same week's digest) is queued once however often it is seen.
        """
        with self.transaction():
            cur = self.conn.execute(
                "INSERT OR IGNORE INTO notices (notice_key, thread_key, kind, source, channel,"
                " payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    notice.id,
                    notice.thread_key,
                    notice.kind,
                    notice.source,
                    notice.channel,
                    notice.model_dump_json(),
                    notice.created_at.isoformat(),
                ),
            )
        return bool(cur.rowcount)

    def has_notice(self, thread_key: str, kind: NoticeKind | None = None) -> bool:
        """True when a notice (of `kind`, if given) was ever queued in this thread."""
        sql = "SELECT 1 FROM notices WHERE thread_key = ?" + (" AND kind = ?" if kind else "")
        args = (thread_key, kind) if kind else (thread_key,)
        return self.conn.execute(sql + " LIMIT 1", args).fetchone() is not None

    def pending(self, states: tuple[str, ...] = ("queued",)) -> list[QueuedNotice]:
        """Outbox rows in the given states, oldest first."""
        marks = ",".join("?" * len(states))
        rows = self.conn.execute(
            f"SELECT * FROM notices WHERE state IN ({marks}) ORDER BY id", states
        ).fetchall()
        return [
            QueuedNotice(
                row_id=r["id"],
                notice=Notice.model_validate_json(r["payload"]),
                state=r["state"],
                attempts=r["attempts"],
                channel=r["posted_channel"] or r["channel"],
                inflight_at=r["inflight_at"],
            )
            for r in rows
        ]

    def mark_inflight(self, row_id: int, channel: str | None) -> None:
        """Record that a post is about to be attempted (committed before the post)."""
        with self.transaction():
            self.conn.execute(
                "UPDATE notices SET state = 'inflight', inflight_at = ?, attempts = attempts + 1,"
                " posted_channel = ? WHERE id = ?",
                (utcnow().isoformat(), channel, row_id),
            )

    def mark_sent(self, row_id: int, ts: str | None, thread: tuple[str, str] | None) -> None:
        """Record a successful post; `thread` = (thread_key, channel) when it started a thread."""
        with self.transaction():
            self.conn.execute(
                "UPDATE notices SET state = 'sent', sent_at = ?, ts = ?, last_error = NULL"
                " WHERE id = ?",
                (utcnow().isoformat(), ts, row_id),
            )
            if thread and ts:
                self.conn.execute(
                    "INSERT OR IGNORE INTO threads (thread_key, channel, ts) VALUES (?, ?, ?)",
                    (thread[0], thread[1], ts),
                )

    def mark_queued(self, row_id: int, error: str | None) -> None:
        """Put a notice back in the queue (post failed, or reconciliation found no message)."""
        with self.transaction():
            self.conn.execute(
                "UPDATE notices SET state = 'queued', last_error = ? WHERE id = ?",
                (stored_message(error), row_id),
            )

    def thread_ts(self, thread_key: str, channel: str) -> str | None:
        """The ts of the message that started this meeting's thread in `channel`, if any."""
        row = self.conn.execute(
            "SELECT ts FROM threads WHERE thread_key = ? AND channel = ?", (thread_key, channel)
        ).fetchone()
        return str(row["ts"]) if row else None

    def counts(self) -> dict[str, int]:
        """Outbox rows per state."""
        rows = self.conn.execute("SELECT state, COUNT(*) AS n FROM notices GROUP BY state")
        return {r["state"]: r["n"] for r in rows}

    # --- runs ------------------------------------------------------------------------------

    def start_run(self, run_id: str, source: str) -> None:
        """Note that a crawl of `source` started."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO runs (run_id, source, started_at) VALUES (?, ?, ?)",
                (run_id, source, utcnow().isoformat()),
            )

    def finish_run(self, run_id: str, source: str, **fields: Any) -> None:
        """Record a crawl's outcome (counts, errors, finish reason)."""
        allowed = {"meetings", "items", "matches", "notices", "errors", "finish_reason", "message"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"unknown run fields {sorted(bad)}")
        if "message" in fields:
            fields["message"] = stored_message(fields["message"])
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO runs (run_id, source, started_at) VALUES (?, ?, ?)",
                (run_id, source, utcnow().isoformat()),
            )
            sets = ", ".join(f"{k} = ?" for k in fields)
            self.conn.execute(
                f"UPDATE runs SET finished_at = ?{', ' if sets else ''}{sets} WHERE run_id = ?",
                (utcnow().isoformat(), *fields.values(), run_id),
            )

    def run(self, run_id: str) -> dict[str, Any] | None:
        """One run's row."""
        row = self.conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return dict(row) if row else None

    def finished_runs(self, source: str, limit: int = 200) -> list[dict[str, Any]]:
        """The source's finished runs, newest first."""
        rows = self.conn.execute(
            "SELECT * FROM runs WHERE source = ? AND finished_at IS NOT NULL"
            " ORDER BY started_at DESC LIMIT ?",
            (source, limit),
        )
        return [dict(r) for r in rows]

    # --- source health -------------------------------------------------------------------

    def source_alerting(self, source: str) -> bool:
        """True while an ops alert about `source` is out and no recovery was posted."""
        row = self.conn.execute(
            "SELECT alerting FROM source_health WHERE source = ?", (source,)
        ).fetchone()
        return bool(row and row["alerting"])

    def set_source_alerting(self, source: str, alerting: bool) -> None:
        """Record that an alert (True) or a recovery (False) about `source` was queued."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO source_health (source, alerting, changed_at) VALUES (?, ?, ?)"
                " ON CONFLICT(source) DO UPDATE SET alerting = excluded.alerting,"
                " changed_at = excluded.changed_at",
                (source, int(alerting), utcnow().isoformat()),
            )
