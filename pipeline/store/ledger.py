"""The ledger: what was seen, crawl runs, and the outbox of notices.

It is the SQLite file under the data dir, or a PostgreSQL database shared by several machines
(``AGENDA_WATCH_LEDGER_URL``): the same statements serve both, written here once in the portable
subset of SQLite's SQL; `pipeline.store.ledger_pg` is the PostgreSQL connection and dialect.

The ledger remembers what was seen (content hashes per meeting, item and bill), the crawl runs and
each source's alert state, and holds the outbox of Slack notices. A meeting's ledger update and the
notices it causes are written in one transaction, after the meeting's JSON document is safely on
disk — so a crash loses nothing and a rerun over the same pages queues nothing new.

Every SQL statement against the ledger is in this module, behind a named method; other modules
never touch `Ledger.conn`. Methods that write join the caller's `Ledger.transaction` when one is
open, so several of them can be made atomic together.

The outbox is shared by any number of processes (`deliver`, `crawl`, `run`). A notice moves from
queued to in flight only by `Ledger.claim_next`, one conditional UPDATE that names its owner and
a lease; every later step of a claim (`begin_post`, `mark_sent`, `release`, `hold`, `mark_dead`)
is conditional on the same owner, so a claim taken over by a reconciler can no longer be changed
by its old owner. Each method is a single statement; on PostgreSQL `claim_next`'s candidate is
locked ``FOR UPDATE SKIP LOCKED``, so concurrent claimers pass over each other's rows.

A damaged file is reported as `LedgerDamaged`, one line naming the file and `agenda-watch doctor`
(`salvage` and `Ledger.set_aside_undecodable` are what the doctor does).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import astuple, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.clock import utcnow
from pipeline.models import SIDE_NOTE_KINDS, Meeting, Notice, NoticeKind, safe_message
from pipeline.store.changes import Seen, content_hash, diff, subject_states
from pipeline.store.ledger_pg import PgConnection, PgRow, is_ledger_url, pg_schema, shown_url
from pipeline.store.outcomes import decided_items, outcome_hash, outcome_notice

logger = logging.getLogger(__name__)


def stored_message(text: str | None) -> str | None:
    """An error or run message as the ledger keeps it (`safe_message`: no secret, no control)."""
    return None if text is None else safe_message(str(text))


# The layout's version, in SQLite's user_version; `Ledger._prepare` migrates older files.
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
NOTICE_STATES = ("queued", "inflight", "sent", "dead")
# SQLite's names for a damaged file (as opposed to a busy or locked one).
DAMAGE_ERRORS = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
# Files whose integrity this process has checked: the check runs once per process, not per open.
_CHECKED: set[Path] = set()


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


class _Connection(sqlite3.Connection):
    """A connection whose statements report a damaged file as `LedgerDamaged`.

    Its interface beyond DB-API (`begin`, the layout version, `skip_locked`) is the one
    `pipeline.store.ledger_pg.PgConnection` offers too.
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
        cursor = self.cursor(_Cursor)
        cursor.ledger_path = self.ledger_path
        with _reporting_damage(self.ledger_path):
            return cursor.execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        with _reporting_damage(self.ledger_path):
            return super().executemany(sql, parameters)


def stamp(moment: datetime) -> str:
    """A UTC time as fixed-width text, so the ledger can compare times as strings."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# A claim's later steps apply only while the row is still that very claim: same owner, and the
# same attempt (a notice released and claimed again by the same owner is a new claim).
_MINE = " WHERE id = ? AND state = 'inflight' AND owner = ? AND attempts = ?"


def _mine(claim: OutboxRow) -> tuple[int, str | None, int]:
    return claim.row_id, claim.owner, claim.attempts


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# Columns added to existing tables since layout 1, in ledger.sql's order: (table, column, type).
ADDED_COLUMNS = (
    *(("notices", column, "TEXT") for column in NOTICE_COLUMNS_V2),
    ("runs", "unread", "INTEGER NOT NULL DEFAULT 0"),
)


@dataclass(frozen=True)
class OutboxRow:
    """A row of the outbox.

    The payload is decoded on first use of `notice`, so listing and claiming never fail on a
    payload that no longer validates (`notice` raises; delivery then sets the row dead).
    """

    row_id: int
    key: str
    thread_key: str
    kind: str
    source: str
    channel: str | None  # the channel configured when queued (or when retried)
    posted_channel: str | None  # the channel a post was started in (set just before posting)
    payload: str = field(repr=False)
    state: str
    attempts: int
    owner: str | None
    lease_until: datetime | None
    inflight_at: datetime | None
    last_error: str | None
    created_at: str

    @cached_property
    def notice(self) -> Notice:
        """The queued `Notice` (pydantic's ``ValidationError`` when the payload no longer fits)."""
        return Notice.model_validate_json(self.payload)

    @classmethod
    def of(cls, r: sqlite3.Row | PgRow) -> OutboxRow:
        """The dataclass for one ``notices`` row."""
        return cls(
            row_id=r["id"],
            key=r["notice_key"],
            thread_key=r["thread_key"],
            kind=r["kind"],
            source=r["source"],
            channel=r["channel"],
            posted_channel=r["posted_channel"],
            payload=r["payload"],
            state=r["state"],
            attempts=r["attempts"],
            owner=r["owner"],
            lease_until=_when(r["lease_until"]),
            inflight_at=_when(r["inflight_at"]),
            last_error=r["last_error"],
            created_at=r["created_at"],
        )


class Ledger:
    """The ledger. One connection per process; every write is one short transaction.

    `where` is the SQLite file (the default, under the data dir) or a ``postgresql://`` URL
    (``AGENDA_WATCH_LEDGER_URL``: one ledger shared by several machines).
    """

    def __init__(self, where: Path | str, check: bool = True) -> None:
        """Open (or create) the ledger; raises `LedgerDamaged` for a damaged file.

        `check` runs SQLite's quick integrity check, once per process and file.
        """
        self.conn: _Connection | PgConnection
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
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, factory=_Connection)
        assert isinstance(conn, _Connection)
        conn.ledger_path = path
        conn.row_factory = sqlite3.Row
        self.conn = conn
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA busy_timeout=30000")
            if check and path.resolve() not in _CHECKED:
                problems = self.integrity_problems(quick=True)
                if problems:
                    raise LedgerDamaged(path, problems[0])
                _CHECKED.add(path.resolve())
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
            change = diff(meeting, self._seen(thread), self.notified(thread))
            self._remember(meeting, now)
            if change is None:
                return []
            snapshot = meeting.snapshot(change.items)
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
        """The meeting's and its items' rows, by ledger key (an unreadable row counts as unseen)."""
        seen = {}
        for r in self.conn.execute("SELECT * FROM subjects WHERE meeting_id = ?", (thread,)):
            try:
                snapshot = json.loads(r["snapshot"])
            except ValueError:
                logger.warning(
                    "%s: unreadable ledger row %s (agenda-watch doctor)", thread, r["id"]
                )
                continue
            seen[r["id"]] = Seen(r["kind"], r["hash"], bool(r["relevant"]), snapshot)
        return seen

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

    # --- outcomes and reminders ----------------------------------------------------------

    def record_outcomes(self, meeting: Meeting, channel: str | None = None) -> list[Notice]:
        """Queue one ``outcome`` notice for relevant items decided since the last crawl, atomically.

        Each item's outcome is posted once: its ledger key goes into ``outcomes`` in the same
        transaction as the notice. Returns the notice queued (none when nothing new was decided).
        """
        now = utcnow()
        with self.transaction():
            rows = self.conn.execute(
                "SELECT item_key FROM outcomes WHERE thread_key = ?", (meeting.thread_key,)
            )
            items = decided_items(meeting, {r["item_key"] for r in rows})
            if not items:
                return []
            self.conn.executemany(
                "INSERT INTO outcomes (item_key, thread_key, result, hash, posted_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [
                    (
                        meeting.item_key(i),
                        meeting.thread_key,
                        i.outcome.result if i.outcome else "other",
                        outcome_hash(i),
                        now.isoformat(),
                    )
                    for i in items
                ],
            )
            notice = outcome_notice(meeting, items, channel, now)
            return [notice] if self.queue_notice(notice) else []

    def posted_outcomes(self, thread_key: str) -> dict[str, str]:
        """Item ledger key → outcome result, for the items of a thread whose outcome was posted."""
        rows = self.conn.execute(
            "SELECT item_key, result FROM outcomes WHERE thread_key = ?", (thread_key,)
        )
        return {r["item_key"]: r["result"] for r in rows}

    def queue_reminder(self, notice: Notice, kind: str, due: datetime) -> bool:
        """Queue a ``reminder`` notice once per (thread, kind, due instant); False if done before.

        The claim in ``reminders`` and the notice are written in one transaction, so a crash
        between them cannot lose the reminder or send it twice.
        """
        key = f"{notice.thread_key}|{kind}|{due.astimezone(UTC).isoformat()}"
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO reminders (reminder_key, thread_key, kind, due_at,"
                " queued_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (key, notice.thread_key, kind, due.isoformat(), utcnow().isoformat()),
            )
            if not cur.rowcount:
                return False
            self.queue_notice(notice)
        return True

    def thread_channel(self, thread_key: str) -> str | None:
        """The channel the thread's first notice was queued for (None: the default channel)."""
        row = self.conn.execute(
            "SELECT channel FROM notices WHERE thread_key = ? ORDER BY id LIMIT 1", (thread_key,)
        ).fetchone()
        return str(row["channel"]) if row and row["channel"] else None

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
                "INSERT INTO notices (notice_key, thread_key, kind, source, channel,"
                " payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
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

    def notified(self, thread_key: str) -> bool:
        """True when a meeting notice was queued in this thread.

        Side notes (`SIDE_NOTE_KINDS`, an unread agenda's) do not count: the first notice with
        matches after one is still ``new_matches``.
        """
        marks = ",".join("?" * len(SIDE_NOTE_KINDS))
        row = self.conn.execute(
            f"SELECT 1 FROM notices WHERE thread_key = ? AND kind NOT IN ({marks}) LIMIT 1",
            (thread_key, *SIDE_NOTE_KINDS),
        ).fetchone()
        return row is not None

    def pending(self, states: tuple[str, ...] = ("queued",), limit: int = -1) -> list[OutboxRow]:
        """Outbox rows in the given states, oldest first (read only: claim with `claim_next`)."""
        marks = ",".join("?" * len(states))
        bound = " LIMIT ?" if limit >= 0 else ""
        rows = self.conn.execute(
            f"SELECT * FROM notices WHERE state IN ({marks}) ORDER BY id{bound}",
            (*states, *([limit] if limit >= 0 else [])),
        )
        return [OutboxRow.of(r) for r in rows]

    def notice_row(self, row_id: int) -> OutboxRow | None:
        """One outbox row by its number."""
        row = self.conn.execute("SELECT * FROM notices WHERE id = ?", (row_id,)).fetchone()
        return OutboxRow.of(row) if row else None

    def counts(self) -> dict[str, int]:
        """Outbox rows per state."""
        rows = self.conn.execute("SELECT state, COUNT(*) AS n FROM notices GROUP BY state")
        return {r["state"]: r["n"] for r in rows}

    # --- claims: queued → inflight → sent, queued again, or dead ------------------------------

    def claim_next(
        self, owner: str, lease: timedelta, skip: Collection[int] = ()
    ) -> OutboxRow | None:
        """Claim the oldest free queued notice for `owner`; None when none is free.

        Free: not in `skip`, and nothing older in its thread is queued or in flight (a follow-up
        never overtakes its thread's first message). One conditional UPDATE, so two processes
        never claim the same row; the claim lasts `lease` unless its owner renews it.
        """
        now = utcnow()
        not_in = f" AND n.id NOT IN ({','.join('?' * len(skip))})" if skip else ""
        row = self.conn.execute(
            "UPDATE notices SET state = 'inflight', owner = ?, lease_until = ?, inflight_at = ?,"
            " attempts = attempts + 1 WHERE state = 'queued' AND id = ("
            " SELECT n.id FROM notices n WHERE n.state = 'queued'" + not_in + " AND NOT EXISTS ("
            "  SELECT 1 FROM notices p WHERE p.thread_key = n.thread_key AND p.id < n.id"
            "  AND p.state IN ('queued', 'inflight'))"
            " ORDER BY n.id LIMIT 1" + self.conn.skip_locked + ") RETURNING *",
            (owner, stamp(now + lease), stamp(now), *skip),
        ).fetchone()
        return OutboxRow.of(row) if row else None

    def begin_post(self, claim: OutboxRow, channel: str, lease: timedelta) -> bool:
        """Note the channel and restart the lease just before posting; False if no longer ours.

        Every later step of a claim is conditional the same way: on the row's owner and attempt.
        """
        now = utcnow()
        cur = self.conn.execute(
            "UPDATE notices SET posted_channel = ?, inflight_at = ?, lease_until = ?" + _MINE,
            (channel, stamp(now), stamp(now + lease), *_mine(claim)),
        )
        return bool(cur.rowcount)

    def take_over(self, row: OutboxRow, owner: str, lease: timedelta) -> OutboxRow | None:
        """Claim an abandoned in-flight row for reconciliation; None if it changed meanwhile.

        It changed when its owner renewed or finished it, or another reconciler took it first.
        """
        lease_until = stamp(row.lease_until) if row.lease_until else None
        taken = self.conn.execute(
            "UPDATE notices SET owner = ?, lease_until = ? WHERE id = ? AND state = 'inflight'"
            " AND owner IS ? AND attempts = ? AND lease_until IS ? RETURNING *",
            (owner, stamp(utcnow() + lease), row.row_id, row.owner, row.attempts, lease_until),
        ).fetchone()
        return OutboxRow.of(taken) if taken else None

    def mark_sent(self, claim: OutboxRow, ts: str | None, thread: tuple[str, str] | None) -> bool:
        """Record a successful post; `thread` = (thread_key, channel) when it started a thread.

        False when the row is no longer this claim (it is left as its new owner has it).
        """
        with self.transaction():
            cur = self.conn.execute(
                "UPDATE notices SET state = 'sent', sent_at = ?, ts = ?, last_error = NULL,"
                " owner = NULL, lease_until = NULL" + _MINE,
                (utcnow().isoformat(), ts, *_mine(claim)),
            )
            if cur.rowcount and thread and ts:
                self.conn.execute(
                    "INSERT INTO threads (thread_key, channel, ts) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (thread[0], thread[1], ts),
                )
        return bool(cur.rowcount)

    def release(self, claim: OutboxRow, error: str) -> bool:
        """Queue a claimed notice again: it is known not to be in Slack.

        Slack refused the post before it landed, or reconciliation looked and found nothing.
        """
        cur = self.conn.execute(
            "UPDATE notices SET state = 'queued', owner = NULL, lease_until = NULL,"
            " last_error = ?" + _MINE,
            (stored_message(error), *_mine(claim)),
        )
        return bool(cur.rowcount)

    def hold(self, claim: OutboxRow, error: str, settle: timedelta) -> bool:
        """Leave a notice in flight after a post whose outcome is unknown.

        After a timeout or a lost answer the message may be in Slack: after `settle` the claim
        counts as abandoned, and reconciliation looks for the message.
        """
        cur = self.conn.execute(
            "UPDATE notices SET lease_until = ?, last_error = ?" + _MINE,
            (stamp(utcnow() + settle), stored_message(error), *_mine(claim)),
        )
        return bool(cur.rowcount)

    def mark_dead(self, claim: OutboxRow, reason: str) -> bool:
        """Set a notice aside for good (Slack refused it, it would not render or decode).

        It stays listed (`dead_notices`) until `retry_dead`; `queue_dead_alert` names it once.
        """
        cur = self.conn.execute(
            "UPDATE notices SET state = 'dead', dead_at = ?, last_error = ?, owner = NULL,"
            " lease_until = NULL" + _MINE,
            (utcnow().isoformat(), stored_message(reason), *_mine(claim)),
        )
        return bool(cur.rowcount)

    def retry_dead(
        self, row_id: int, channel: str | None = None, reset_channel: bool = False
    ) -> bool:
        """Queue a dead notice again (after a fix); False if it is not dead.

        With `reset_channel` it goes to `channel` (None: the default channel) from now on.
        """
        cur = self.conn.execute(
            "UPDATE notices SET state = 'queued', dead_at = NULL, alerted_at = NULL,"
            " posted_channel = NULL, channel = CASE WHEN ? THEN ? ELSE channel END"
            " WHERE id = ? AND state = 'dead'",
            (reset_channel, channel, row_id),
        )
        return bool(cur.rowcount)

    def queue_dead_alert(self, alert: Callable[[list[OutboxRow]], Notice | None]) -> Notice | None:
        """Queue one ops alert naming every dead notice not named before, atomically.

        `alert` builds it from the rows (None for none); dead alerts themselves are never named,
        so a broken ops channel cannot start a chain of alerts.
        """
        with self.transaction():
            rows = [
                OutboxRow.of(r)
                for r in self.conn.execute(
                    "SELECT * FROM notices WHERE state = 'dead' AND alerted_at IS NULL ORDER BY id"
                )
            ]
            if not rows:
                return None
            notice = alert([r for r in rows if r.kind != "delivery_failed"])
            if notice is not None:
                self.queue_notice(notice)
            self.conn.executemany(
                "UPDATE notices SET alerted_at = ? WHERE id = ?",
                [(utcnow().isoformat(), r.row_id) for r in rows],
            )
        return notice

    def pause_delivery(self, until: datetime, reason: str) -> None:
        """Slack asked every process to wait until `until` (kept if a later pause is set)."""
        self.conn.execute(
            "INSERT INTO delivery_pause (id, until, reason) VALUES (1, ?, ?) ON CONFLICT(id)"
            " DO UPDATE SET until = excluded.until, reason = excluded.reason"
            " WHERE excluded.until > delivery_pause.until",
            (stamp(until), reason),
        )

    def delivery_paused(self) -> tuple[datetime, str] | None:
        """(until, reason) while a pause is in force."""
        row = self.conn.execute(
            "SELECT until, reason FROM delivery_pause WHERE until > ?", (stamp(utcnow()),)
        ).fetchone()
        return (datetime.fromisoformat(row["until"]), row["reason"]) if row else None

    def thread_ts(self, thread_key: str, channel: str) -> str | None:
        """The ts of the message that started this meeting's thread in `channel`, if any."""
        row = self.conn.execute(
            "SELECT ts FROM threads WHERE thread_key = ? AND channel = ?", (thread_key, channel)
        ).fetchone()
        return str(row["ts"]) if row else None

    # --- runs ------------------------------------------------------------------------------

    def start_run(self, run_id: str, source: str) -> None:
        """Note that a crawl of `source` started."""
        with self.transaction():  # a run id started again starts afresh
            self.conn.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))
            self.conn.execute(
                "INSERT INTO runs (run_id, source, started_at) VALUES (?, ?, ?)",
                (run_id, source, utcnow().isoformat()),
            )

    def finish_run(self, run_id: str, source: str, **fields: Any) -> None:
        """Record a crawl's outcome (counts, errors, finish reason)."""
        counts = {"meetings", "items", "matches", "notices", "errors", "unread"}
        bad = set(fields) - counts - {"finish_reason", "message"}
        if bad:
            raise ValueError(f"unknown run fields {sorted(bad)}")
        if "message" in fields:
            fields["message"] = stored_message(fields["message"])
        with self.transaction():
            self.conn.execute(
                "INSERT INTO runs (run_id, source, started_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
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

    # --- meeting index (rows: `IndexRow`; kept in step with the files by pipeline.store.index) --

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

    # --- doctor ----------------------------------------------------------------------------

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
    _CHECKED.discard(path.resolve())
    fresh = Ledger(path, check=False)
    try:
        with closing(sqlite3.connect(kept, isolation_level=None)) as old:
            for table in SALVAGE_TABLES:
                lines.append(f"{table}: {_copy_rows(old, fresh, table)}")
    finally:
        fresh.close()
    return lines


def _copy_rows(old: sqlite3.Connection, fresh: Ledger, table: str) -> str:
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


# --- meeting index: what the views query (rows derived from the meeting documents) -----------
# `pipeline.store.index` derives the rows and keeps them in step with the files; these methods
# only store and query them. Times are fixed-width UTC text and dates ISO, so they compare as text.


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
