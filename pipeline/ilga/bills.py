"""The bill ledger: what changed in a bill since the last crawl, as notices threaded under it.

Each bill has one row in the ledger's ``subjects`` table (kind ``bill``, id = thread key
``bill:<GA>:<label>``) whose snapshot (`pipeline.ilga.snapshot.BillState`) remembers the actions,
synopses and hearings already seen, plus the short title and synopses (so a hearing page, which
names only bill numbers, can be shown and classified with the bill's words). Tracked bills —
relevant to the classifier or pinned by ``config/watchlist.yaml``, and not on its ignore list —
are stored as JSON under ``<data_dir>/bills/<GA>/<label>.json`` with their whole history.

Notices: the first time a bill is tracked, one ``bill_new`` (it opens the thread); after that one
``bill_update`` per crawl that found news (`pipeline.ilga.notices` words them). Notices are
written with ``INSERT OR IGNORE`` on a key hashed from their content, in the same transaction as the
snapshot, after the JSON is on disk: a rerun over the same pages queues nothing.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

from pipeline.clock import utcnow
from pipeline.ilga.classify import search_text
from pipeline.ilga.notices import change_lines, hearing_changes, summary_lines
from pipeline.ilga.snapshot import BillState, merge_hearings
from pipeline.models import Bill, BillHearing, Notice, NoticeKind
from pipeline.store.files import bill_path, write_atomic, write_bill
from pipeline.store.ledger import Ledger, content_hash, queue_notice


class BillLedger:
    """Bills in the shared SQLite ledger (``subjects`` + ``notices``) and JSON under data/bills."""

    def __init__(self, ledger: Ledger, data_dir: Path) -> None:
        self.ledger = ledger
        self.data_dir = data_dir

    def state(self, ga: int, label: str) -> BillState | None:
        """The stored snapshot of a bill, if it was ever seen."""
        row = self.ledger.conn.execute(
            "SELECT snapshot FROM subjects WHERE id = ?", (f"bill:{ga}:{label}",)
        ).fetchone()
        return BillState.load(row["snapshot"]) if row else None

    def stamps(self, source: str) -> dict[str, tuple[str | None, str]]:
        """Thread key → (listing stamp, last seen) for every bill of `source`."""
        rows = self.ledger.conn.execute(
            "SELECT id, last_seen, json_extract(snapshot, '$.stamp') AS stamp FROM subjects"
            " WHERE source = ? AND kind = 'bill'",
            (source,),
        )
        return {r["id"]: (r["stamp"], r["last_seen"]) for r in rows}

    def record_bill(self, bill: Bill, channel: str | None = None) -> list[Notice]:
        """Store the bill (JSON if tracked), update its snapshot and queue what is new, atomically.

        `bill` must carry its ``classification`` and ``watch``. Returns the notices queued.
        """
        prior = self.state(bill.ga, bill.label)
        if prior is not None:
            bill = bill.model_copy(
                update={"hearings": merge_hearings(prior.hearings, bill.hearings)}
            )
        relevant = bool(bill.classification and bill.classification.relevant)
        tracked = (relevant or bill.watch == "watch") and bill.watch != "ignore"
        if tracked or bill_path(self.data_dir, bill.ga, bill.label).exists():
            write_bill(self.data_dir, bill)
        state = BillState.of(bill, tracked, relevant, search_text(bill))
        now = utcnow()
        with self.ledger.transaction() as db:
            notified = self._notified(db, bill.thread_key)
            kind: NoticeKind | None = None
            changes: list[str] = []
            if tracked and not notified:
                kind, changes = "bill_new", summary_lines(bill, prior)
            elif tracked and prior is not None:
                changes = change_lines(bill, prior)
                kind = "bill_update" if changes else None
            self._upsert(db, bill.thread_key, bill.source, state, now)
            if kind is None:
                return []
            return self._queue(db, kind, bill, changes, channel, now)

    def record_hearing(
        self, source: str, ga: int, label: str, hearing: BillHearing, channel: str | None = None
    ) -> list[Notice]:
        """A hearing page posts `label`: remember it on the bill, and tell its thread if new or moved.

        Bills never seen (not in the bulk listing yet) are skipped: the bill's own record will
        carry the hearing from its bulk file or the next crawl's hearing pages.
        """
        prior = self.state(ga, label)
        if prior is None:
            return []
        path = bill_path(self.data_dir, ga, label)
        merged = merge_hearings(prior.hearings, [hearing])
        changes = hearing_changes(prior.hearings, [hearing])
        if path.exists():
            stored = Bill.model_validate_json(path.read_bytes())
            write_atomic(
                path,
                stored.model_copy(update={"hearings": merged}).model_dump_json(indent=2).encode(),
            )
        now = utcnow()
        key = f"bill:{ga}:{label}"
        with self.ledger.transaction() as db:
            prior.hearings = merged
            self._upsert(db, key, source, prior, now, touch_stamp=False)
            if not (changes and prior.tracked and self._notified(db, key) and path.exists()):
                return []
            bill = Bill.model_validate_json(path.read_bytes())
            return self._queue(db, "bill_update", bill, changes, channel, now)

    # --- internals -------------------------------------------------------------------------

    @staticmethod
    def _notified(db: sqlite3.Connection, thread_key: str) -> bool:
        return (
            db.execute(
                "SELECT 1 FROM notices WHERE thread_key = ? AND kind = 'bill_new' LIMIT 1",
                (thread_key,),
            ).fetchone()
            is not None
        )

    def _upsert(
        self,
        db: sqlite3.Connection,
        key: str,
        source: str,
        state: BillState,
        now: datetime,
        touch_stamp: bool = True,
    ) -> None:
        snapshot = state.dump()
        db.execute(
            "INSERT INTO subjects (id, kind, source, meeting_id, hash, relevant, snapshot,"
            " first_seen, last_seen) VALUES (?, 'bill', ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, relevant = excluded.relevant,"
            " snapshot = excluded.snapshot"
            + (", last_seen = excluded.last_seen" if touch_stamp else ""),
            (
                key,
                source,
                key,
                content_hash(snapshot),
                int(state.tracked),
                json.dumps(snapshot, ensure_ascii=False),
                now.isoformat(),
                now.isoformat(),
            ),
        )

    def _queue(
        self,
        db: sqlite3.Connection,
        kind: NoticeKind,
        bill: Bill,
        changes: list[str],
        channel: str | None,
        now: datetime,
    ) -> list[Notice]:
        key = f"{bill.thread_key}#{content_hash({'kind': kind, 'changes': changes})[:16]}"
        notice = Notice(
            id=key,
            kind=kind,
            thread_key=bill.thread_key,
            source=bill.source,
            channel=channel,
            bill=bill,
            changes=changes,
            created_at=now,
        )
        return [notice] if queue_notice(db, notice) else []
