"""What changed in a meeting since the ledger last saw it, and which notice that makes.

Pure functions over a meeting and the ledger's `Seen` rows of its thread, so each decision can be
tested alone: which relevant items are new, changed or gone (`added_items`, `changed_items`,
`removed_items`), how the meeting itself changed (`meeting_changes`), and the notice kind that
follows (`notice_kind`). `diff` puts them together for `Ledger.record_meeting`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pipeline.models import AgendaItem, Meeting, NoticeKind

# Meeting fields whose change is worth a follow-up, in the order the lines are written.
MEETING_FIELDS = ("status", "start", "location", "title")


def content_hash(data: Any) -> str:
    """SHA-256 of `data` as canonical JSON: equal content, equal hash."""
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class Seen:
    """A subject (meeting or item) as the ledger last saw it."""

    kind: str
    hash: str
    relevant: bool
    snapshot: dict[str, Any]


@dataclass(frozen=True)
class Change:
    """The notice a meeting calls for: its kind, the items it is about, its change lines."""

    kind: NoticeKind
    items: list[AgendaItem]
    lines: list[str]


def item_state(item: AgendaItem) -> dict[str, Any]:
    """What the ledger remembers of an item (its hash tells a changed item)."""
    c = item.classification
    return {
        "number": item.number,
        "title": item.title,
        "text": item.text,
        "matter": item.matter,
        "relevant": bool(c and c.relevant),
        "topics": list(c.topics) if c else [],
    }


def meeting_state(meeting: Meeting) -> dict[str, Any]:
    """What the ledger remembers of the meeting itself (the fields of `MEETING_FIELDS`)."""
    return {
        "title": meeting.title,
        "start": meeting.start.isoformat(),
        "status": meeting.status,
        "location": meeting.location,
    }


def subject_states(meeting: Meeting) -> list[tuple[str, str, dict[str, Any], bool]]:
    """(ledger key, kind, state, relevant) of the meeting and of each of its items."""
    rows = [
        (
            meeting.thread_key,
            "meeting",
            {**meeting_state(meeting), "id": meeting.id},
            bool(meeting.relevant_items()),
        )
    ]
    for item in meeting.items:
        state = item_state(item)
        rows.append((meeting.item_key(item), "item", state, bool(state["relevant"])))
    return rows


def added_items(meeting: Meeting, prior: dict[str, Seen]) -> list[AgendaItem]:
    """Relevant items never seen, or seen when they were not relevant."""
    return [
        i
        for i in meeting.relevant_items()
        if (seen := prior.get(meeting.item_key(i))) is None or not seen.relevant
    ]


def changed_items(meeting: Meeting, prior: dict[str, Seen]) -> list[AgendaItem]:
    """Items relevant before and now whose remembered state differs."""
    return [
        i
        for i in meeting.relevant_items()
        if (seen := prior.get(meeting.item_key(i))) is not None
        and seen.relevant
        and seen.hash != content_hash(item_state(i))
    ]


def removed_items(meeting: Meeting, prior: dict[str, Seen]) -> list[dict[str, Any]]:
    """Snapshots of relevant items that are no longer on the agenda."""
    current = {meeting.item_key(i) for i in meeting.items}
    return [
        seen.snapshot
        for key, seen in prior.items()
        if seen.kind == "item" and seen.relevant and key not in current
    ]


def meeting_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """``Status: scheduled → cancelled``-style lines for each field of `MEETING_FIELDS` that moved.

    A field missing from `before` counts as empty, so nothing → nothing is no change.
    """
    return [
        f"{field.capitalize()}: {before.get(field) or '—'} → {after[field] or '—'}"
        for field in MEETING_FIELDS
        if (before.get(field) or "") != (after[field] or "")
    ]


def notice_kind(
    meeting_changed: bool, added: bool, changed: bool, removed: bool
) -> NoticeKind | None:
    """The follow-up's kind: the meeting itself first, then added, changed, removed items."""
    if meeting_changed:
        return "meeting_changed"
    if added:
        return "items_added"
    if changed:
        return "items_changed"
    if removed:
        return "items_removed"
    return None


def _label(number: str | None, title: str) -> str:
    return f"{number} {title}" if number else title


def diff(meeting: Meeting, prior: dict[str, Seen], notified: bool) -> Change | None:
    """The notice `meeting` calls for, given what was seen of its thread; None when nothing.

    Before the thread's first notice, that is ``new_matches`` with every relevant item (nothing
    when there is none). After it, a follow-up about the added and changed items, with lines for
    the meeting's changes, the changed items and the items removed from the agenda.
    """
    if not notified:
        relevant = meeting.relevant_items()
        return Change("new_matches", relevant, []) if relevant else None
    old_meeting = prior.get(meeting.thread_key)
    moved = meeting_changes(old_meeting.snapshot, meeting_state(meeting)) if old_meeting else []
    added = added_items(meeting, prior)
    changed = changed_items(meeting, prior)
    removed = removed_items(meeting, prior)
    kind = notice_kind(bool(moved), bool(added), bool(changed), bool(removed))
    if kind is None:
        return None
    lines = list(moved)
    lines += [f"Changed: {_label(i.number, i.title)}" for i in changed]
    lines += [f"Removed from agenda: {_label(r['number'], r['title'])}" for r in removed]
    return Change(kind, added + changed, lines)
