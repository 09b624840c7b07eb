"""What was seen: meetings, their items and bills, outcomes and reminders.

A meeting's ledger update and the notices it causes are written in one transaction, after the
meeting's JSON document is safely on disk, so a crash loses nothing and a rerun over the same
pages queues nothing new. Meetings are matched by `Meeting.thread_key`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from pipeline.clock import utcnow
from pipeline.models import Meeting, Notice
from pipeline.store.changes import Seen, content_hash, diff, subject_states
from pipeline.store.ledger.outbox import Outbox
from pipeline.store.outcomes import decided_items, outcome_hash, outcome_notice

logger = logging.getLogger(__name__)


class Subjects(Outbox):
    """Meetings, items and bills as last seen, and the notices their changes queue."""

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
            notice = Notice.about(
                meeting, change.kind, "pending", change.items, channel, now, changes=change.lines
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
