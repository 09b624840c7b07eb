"""The words of bill notices: the first message's summary and each follow-up's change lines."""

from __future__ import annotations

from pipeline.display import day_and_time, truncate
from pipeline.ilga.bulk_xml import CHICAGO
from pipeline.ilga.snapshot import BillState, action_key, synopsis_digest
from pipeline.models import Bill, BillHearing

# Action kinds worth a follow-up, and how the follow-up names them.
NOTIFY_KINDS = {
    "amendment_filed": "Amendment filed",
    "amendment_adopted": "Amendment adopted",
    "passed_committee": "Passed committee",
    "failed": "Failed",
    "passed_house": "Passed the House",
    "passed_senate": "Passed the Senate",
    "passed_both": "Passed both houses",
    "concurred": "Concurrence",
    "sent_to_governor": "Sent to the Governor",
    "signed": "Signed by the Governor",
    "vetoed": "Vetoed",
    "public_act": "Public Act",
    "died": "Died",
    "veto_overridden": "Veto overridden",
    "stalled": "Re-referred after missing a deadline",
}
# Kinds that end a bill's road (posted as the bill's outcome, heading "Final action").
FINAL_KINDS = frozenset({"public_act", "vetoed", "died", "failed", "veto_overridden"})
SYNOPSIS_IN_NOTICE = 400  # characters of an amendment's synopsis quoted in a change line


def hearing_when(hearing: BillHearing) -> str:
    """``Tue Mar 11, 2025 2:00 PM CDT`` in Illinois time (date only when no time was posted)."""
    # Stored snapshots keep only the UTC offset: the zone name comes back from Illinois time.
    return day_and_time(hearing.start.astimezone(CHICAGO), hearing.time_known)


def hearing_line(hearing: BillHearing, verb: str) -> str:
    """A change line: ``Hearing posted: <committee>, <when>, <room>; witness slips: <page>``."""
    line = f"Hearing {verb}: {hearing.committee}, {hearing_when(hearing)}"
    if hearing.location:
        line += f", {hearing.location}"
    if slip := hearing.slip_url():
        line += f"; witness slips: {slip}"
    return line


def hearing_changes(old: list[BillHearing], new: list[BillHearing]) -> list[str]:
    """Lines for hearings in `new` that are not in `old` (posted) or at another time (moved)."""
    before = {h.committee.casefold(): h for h in old}
    lines = []
    for hearing in new:
        prior = before.get(hearing.committee.casefold())
        if prior is None:
            lines.append(hearing_line(hearing, "posted"))
        elif prior.start != hearing.start:
            lines.append(hearing_line(hearing, "moved") + f" (was {hearing_when(prior)})")
    return lines


def summary_lines(bill: Bill, prior: BillState | None) -> list[str]:
    """What the first message says: filing, where it stands, posted hearings, why now."""
    lines = []
    filed = next((a for a in bill.actions if a.kind == "filed"), None)
    if filed:
        lines.append(f"Filed {filed.date:%m/%d/%Y} ({filed.chamber}): {filed.action}")
    if bill.last_action and bill.last_action != filed:
        a = bill.last_action
        lines.append(f"Last action {a.date:%m/%d/%Y} ({a.chamber}): {a.action}")
    if bill.public_act:
        lines.append(f"Public Act {bill.public_act}")
    if prior is not None and not prior.tracked:
        new = [s.title for s in bill.synopses if s.title not in prior.synopses]
        if new:
            lines.append(f"Now relevant after: {', '.join(new)}")
    lines += [hearing_line(h, "posted") for h in bill.hearings]
    return lines


def final_action(bill: Bill, prior: BillState) -> bool:
    """True when the bill has a new action that ends its road (enacted, vetoed, died, failed)."""
    seen = set(prior.actions)
    return any(a.kind in FINAL_KINDS and action_key(a) not in seen for a in bill.actions)


def change_lines(bill: Bill, prior: BillState) -> list[str]:
    """Follow-up lines: notable new actions, new or changed synopses, hearings."""
    seen = set(prior.actions)
    lines: list[str] = []
    quoted: set[str] = set()
    for action in bill.actions:
        if action_key(action) in seen or action.kind not in NOTIFY_KINDS:
            continue
        line = f"{NOTIFY_KINDS[action.kind]} {action.date:%m/%d/%Y} ({action.chamber}): {action.action}"
        if action.kind in ("amendment_filed", "amendment_adopted"):
            synopsis = next((s for s in bill.synopses if action.action.startswith(s.title)), None)
            if synopsis and synopsis.title not in quoted:
                quoted.add(synopsis.title)
                line += f" — synopsis: {truncate(synopsis.text, SYNOPSIS_IN_NOTICE)}"
        lines.append(line)
    for synopsis in bill.synopses:
        if synopsis.title in quoted:
            continue
        old = prior.synopses.get(synopsis.title)
        if old is None:
            lines.append(
                f"New synopsis, {synopsis.title}: {truncate(synopsis.text, SYNOPSIS_IN_NOTICE)}"
            )
        elif old != synopsis_digest(synopsis.text):
            lines.append(
                f"Synopsis changed, {synopsis.title}: {truncate(synopsis.text, SYNOPSIS_IN_NOTICE)}"
            )
    lines += hearing_changes(prior.hearings, bill.hearings)
    return lines
