"""What changed in a meeting (pipeline.store.changes), piece by piece, and through the ledger."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.models import (
    AgendaItem,
    Classification,
    Meeting,
    example_meeting,
    item_id,
    meeting_id,
)
from pipeline.store.changes import (
    Seen,
    added_items,
    changed_items,
    content_hash,
    diff,
    item_state,
    meeting_changes,
    meeting_state,
    notice_kind,
    removed_items,
)
from pipeline.store.ledger import Ledger

CHICAGO = ZoneInfo("America/Chicago")
START = datetime(2025, 12, 2, 19, 0, tzinfo=CHICAGO)
MID = meeting_id("oak_park", START, "1234", "Village Board")
RELEVANT = Classification(relevant=True, score=3.0, topics=["welcoming_ordinance"])
NOT_RELEVANT = Classification(relevant=False)


def item(pid: str, title: str, relevant: bool = True) -> AgendaItem:
    return AgendaItem(
        id=item_id(MID, pid, None, title),
        number=pid,
        title=title,
        classification=RELEVANT if relevant else NOT_RELEVANT,
    )


def meeting(*items: AgendaItem, **fields: object) -> Meeting:
    """The models' example meeting (Oak Park, Dec 2, 2025) with these items."""
    base = example_meeting()
    assert base.id == MID and base.start == START
    return base.model_copy(update={"items": list(items), **fields})


def seen_of(m: Meeting) -> dict[str, Seen]:
    """The ledger's rows after `m` was recorded (built here, as `Ledger._seen` reads them)."""
    rows = {m.thread_key: Seen("meeting", "", bool(m.relevant_items()), meeting_state(m))}
    for i in m.items:
        state = item_state(i)
        rows[m.item_key(i)] = Seen("item", content_hash(state), state["relevant"], state)
    return rows


WELCOMING = item("1", "Welcoming Village Ordinance")
SHELTER = item("2", "Shelter contract for new arrivals")
PARKING = item("3", "Parking on Oak Street", relevant=False)


def test_added_items_are_new_or_newly_relevant() -> None:
    before = meeting(WELCOMING, PARKING)
    parking_now_relevant = PARKING.model_copy(update={"classification": RELEVANT})
    after = meeting(WELCOMING, parking_now_relevant, SHELTER)
    assert [i.number for i in added_items(after, seen_of(before))] == ["3", "2"]
    assert added_items(before, seen_of(before)) == []


def test_changed_items_were_relevant_and_differ() -> None:
    before = meeting(WELCOMING, SHELTER)
    amended = WELCOMING.model_copy(update={"text": "As amended in committee"})
    assert [i.number for i in changed_items(meeting(amended, SHELTER), seen_of(before))] == ["1"]
    assert changed_items(before, seen_of(before)) == []


def test_removed_items_are_relevant_ones_gone_from_the_agenda() -> None:
    before = meeting(WELCOMING, SHELTER, PARKING)
    removed = removed_items(meeting(SHELTER), seen_of(before))
    assert [r["title"] for r in removed] == ["Welcoming Village Ordinance"]  # parking: not relevant


def test_meeting_changes_name_each_field() -> None:
    before = meeting_state(meeting())
    after = meeting_state(meeting(status="cancelled", start=START + timedelta(days=1)))
    assert meeting_changes(before, after) == [
        "Status: scheduled → cancelled",
        "Start: 2025-12-02T19:00:00-06:00 → 2025-12-03T19:00:00-06:00",
    ]
    assert meeting_changes({}, meeting_state(meeting(location=""))) == [
        "Status: — → scheduled",
        "Start: — → 2025-12-02T19:00:00-06:00",
        "Title: — → Village Board - Regular Meeting",
    ]


@pytest.mark.parametrize(
    ("flags", "kind"),
    [
        ((True, True, True, True), "meeting_changed"),
        ((False, True, True, True), "items_added"),
        ((False, False, True, True), "items_changed"),
        ((False, False, False, True), "items_removed"),
        ((False, False, False, False), None),
    ],
)
def test_notice_kind_order(flags: tuple[bool, bool, bool, bool], kind: str | None) -> None:
    assert notice_kind(*flags) == kind


def test_first_notice_lists_every_relevant_item_and_needs_one() -> None:
    first = diff(meeting(WELCOMING, PARKING, SHELTER), {}, notified=False)
    assert first is not None and first.kind == "new_matches" and first.lines == []
    assert [i.number for i in first.items] == ["1", "2"]
    assert diff(meeting(PARKING), {}, notified=False) is None


def test_follow_up_lines_in_order() -> None:
    before = meeting(WELCOMING, SHELTER)
    amended = SHELTER.model_copy(update={"title": "Shelter contract (amended)"})
    change = diff(meeting(amended, status="rescheduled"), seen_of(before), notified=True)
    assert change is not None and change.kind == "meeting_changed"
    assert change.lines == [
        "Status: scheduled → rescheduled",
        "Changed: 2 Shelter contract (amended)",
        "Removed from agenda: 1 Welcoming Village Ordinance",
    ]
    assert [i.number for i in change.items] == ["2"]
    assert diff(before, seen_of(before), notified=True) is None


def test_removed_relevant_items_make_one_follow_up_through_the_ledger(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    [first] = ledger.record_meeting(meeting(WELCOMING, SHELTER, PARKING), "C1")
    assert first.kind == "new_matches" and first.channel == "C1"
    assert ledger.record_meeting(meeting(WELCOMING, SHELTER, PARKING)) == []
    [removed] = ledger.record_meeting(meeting(PARKING))
    assert removed.kind == "items_removed" and removed.thread_key == MID
    assert removed.changes == [
        "Removed from agenda: 1 Welcoming Village Ordinance",
        "Removed from agenda: 2 Shelter contract for new arrivals",
    ]
    assert removed.meeting is not None and removed.meeting.items == []
    assert ledger.record_meeting(meeting(PARKING)) == []  # a removal is reported once
    assert [q.notice.kind for q in ledger.pending()] == ["new_matches", "items_removed"]
