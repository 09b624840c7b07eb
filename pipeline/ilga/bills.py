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

from datetime import datetime
from pathlib import Path

from pipeline.clock import utcnow
from pipeline.ilga.classify import search_text
from pipeline.ilga.notices import change_lines, final_action, hearing_changes, summary_lines
from pipeline.ilga.snapshot import BillState, merge_hearings
from pipeline.models import Bill, BillHearing, Notice, NoticeKind
from pipeline.store.changes import content_hash
from pipeline.store.files import bill_path, write_atomic, write_bill
from pipeline.store.ledger import Ledger


class BillLedger:
    """Bills in the shared SQLite ledger (``subjects`` + ``notices``) and JSON under data/bills."""

    def __init__(self, ledger: Ledger, data_dir: Path) -> None:
        self.ledger = ledger
        self.data_dir = data_dir

    def state(self, ga: int, label: str) -> BillState | None:
        """The stored snapshot of a bill, if it was ever seen."""
        snapshot = self.ledger.bill_snapshot(f"bill:{ga}:{label}")
        return BillState.load(snapshot) if snapshot is not None else None

    def stamps(self, source: str) -> dict[str, tuple[str | None, str]]:
        """Thread key → (listing stamp, last seen) for every bill of `source`."""
        return self.ledger.bill_stamps(source)

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
        with self.ledger.transaction():
            notified = self.ledger.has_notice(bill.thread_key, "bill_new")
            kind: NoticeKind | None = None
            changes: list[str] = []
            if tracked and not notified:
                kind, changes = "bill_new", summary_lines(bill, prior)
            elif tracked and prior is not None:
                changes = change_lines(bill, prior)
                if changes:  # a final action is the bill's outcome: "Final action" in its thread
                    kind = "outcome" if final_action(bill, prior) else "bill_update"
            self.ledger.save_bill(bill.thread_key, bill.source, state.dump(), tracked)
            if kind is None:
                return []
            return self._queue(kind, bill, changes, channel, now)

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
        with self.ledger.transaction():
            prior.hearings = merged
            self.ledger.save_bill(key, source, prior.dump(), prior.tracked, touch_last_seen=False)
            notified = self.ledger.has_notice(key, "bill_new")
            if not (changes and prior.tracked and notified and path.exists()):
                return []
            bill = Bill.model_validate_json(path.read_bytes())
            return self._queue("bill_update", bill, changes, channel, now)

    # --- internals -------------------------------------------------------------------------

    def _queue(
        self,
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
        return [notice] if self.ledger.queue_notice(notice) else []
