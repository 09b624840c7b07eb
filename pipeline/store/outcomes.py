"""Which decided items of a meeting still need their outcome posted, and the notice that posts them.

Pure functions over a meeting and the item keys the ledger already posted an outcome for, so the
rule is tested alone; `pipeline.store.ledger.Ledger.record_outcomes` applies it in a transaction.
"""

from __future__ import annotations

from datetime import datetime

from pipeline.models import AgendaItem, Meeting, Notice
from pipeline.store.changes import content_hash


def decided_items(meeting: Meeting, posted: set[str]) -> list[AgendaItem]:
    """Relevant items with an outcome whose ledger key is not in `posted`, in agenda order.

    A cancelled meeting decides nothing, whatever stale flags its items carry.
    """
    if meeting.status == "cancelled":
        return []
    return [i for i in meeting.relevant_items() if i.outcome and meeting.item_key(i) not in posted]


def outcome_hash(item: AgendaItem) -> str:
    """A hash of the item's outcome as posted (result, words, tally, votes)."""
    return content_hash(item.outcome.model_dump(mode="json") if item.outcome else None)


def outcome_notice(
    meeting: Meeting, items: list[AgendaItem], channel: str | None, now: datetime
) -> Notice:
    """The ``outcome`` notice for `items`: a snapshot of the meeting with only those items.

    Its id is the thread plus the items' keys: the same outcomes are queued once.
    """
    keys = sorted(meeting.item_key(i) for i in items)
    notice_id = f"{meeting.thread_key}#outcome-{content_hash(keys)[:16]}"
    return Notice.about(meeting, "outcome", notice_id, items, channel, now)
