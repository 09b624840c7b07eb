"""The outbox: notices queued, claimed, posted, held, released or set dead.

The outbox is shared by any number of processes (`deliver`, `crawl`, `run`). A notice moves from
queued to in flight only by `Outbox.claim_next`, one conditional UPDATE that names its owner and
a lease; every later step of a claim (`begin_post`, `mark_sent`, `release`, `hold`, `mark_dead`)
is conditional on the same owner, so a claim taken over by a reconciler can no longer be changed
by its old owner. Each method is a single statement; on PostgreSQL `claim_next`'s candidate is
locked ``FOR UPDATE SKIP LOCKED``, so concurrent claimers pass over each other's rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from pipeline.clock import utcnow
from pipeline.models import SIDE_NOTE_KINDS, Notice, NoticeKind
from pipeline.store.ledger.base import LedgerBase, stored_message
from pipeline.store.ledger.connection import stamp
from pipeline.store.ledger.postgres import PgRow

NOTICE_STATES = ("queued", "inflight", "sent", "dead")


# A claim's later steps apply only while the row is still that very claim: same owner, and the
# same attempt (a notice released and claimed again by the same owner is a new claim).
_MINE = " WHERE id = ? AND state = 'inflight' AND owner = ? AND attempts = ?"


def _mine(claim: OutboxRow) -> tuple[int, str | None, int]:
    return claim.row_id, claim.owner, claim.attempts


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


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


class Outbox(LedgerBase):
    """The outbox of Slack notices, and the threads and delivery pause that go with it."""

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
