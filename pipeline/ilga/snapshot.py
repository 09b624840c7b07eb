"""What the ledger remembers of a bill between crawls, to tell what is new the next time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pipeline.models import Bill, BillAction, BillHearing
from pipeline.store.changes import content_hash


def action_key(action: BillAction) -> str:
    """An action history row as remembered: ``date|chamber|text``."""
    return f"{action.date.isoformat()}|{action.chamber}|{action.action}"


def synopsis_digest(text: str) -> str:
    """A short hash of a synopsis, to notice a changed one."""
    return content_hash(text)[:16]


def merge_hearings(old: list[BillHearing], new: list[BillHearing]) -> list[BillHearing]:
    """One hearing per committee: a newer posting (hearing page, or bulk file) replaces the older."""
    merged = {h.committee.casefold(): h for h in old}
    for hearing in new:
        prior = merged.get(hearing.committee.casefold())
        if prior is not None and prior.url and not hearing.url and prior.start == hearing.start:
            continue  # the bulk file's one-line hearing adds nothing to the hearing page's
        merged[hearing.committee.casefold()] = hearing
    return sorted(merged.values(), key=lambda h: h.start)


@dataclass
class BillState:
    """A bill's snapshot in the ledger.

    ``tracked``: relevant or pinned, and not ignored; ``title`` and ``search_text`` name and
    classify a hearing item about the bill; ``actions``/``synopses``/``hearings`` are what was
    already reported; ``stamp`` is the bulk listing's stamp of the file last fetched.
    """

    tracked: bool
    relevant: bool
    title: str
    search_text: str
    actions: list[str]
    synopses: dict[str, str]
    hearings: list[BillHearing]
    stamp: str | None

    @classmethod
    def of(cls, bill: Bill, tracked: bool, relevant: bool, search_text: str) -> BillState:
        """The snapshot of `bill` as recorded now."""
        return cls(
            tracked=tracked,
            relevant=relevant,
            title=bill.title,
            search_text=search_text,
            actions=[action_key(a) for a in bill.actions],
            synopses={s.title: synopsis_digest(s.text) for s in bill.synopses},
            hearings=bill.hearings,
            stamp=bill.source_stamp,
        )

    def dump(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "tracked": self.tracked,
            "relevant": self.relevant,
            "title": self.title,
            "search_text": self.search_text,
            "actions": self.actions,
            "synopses": self.synopses,
            "hearings": [h.model_dump(mode="json") for h in self.hearings],
            "stamp": self.stamp,
        }

    @classmethod
    def load(cls, raw: str | dict[str, Any]) -> BillState:
        """From the stored snapshot (JSON text or its parsed form)."""
        data = json.loads(raw) if isinstance(raw, str) else raw
        return cls(
            tracked=bool(data.get("tracked")),
            relevant=bool(data.get("relevant")),
            title=str(data.get("title") or ""),
            search_text=str(data.get("search_text") or ""),
            actions=list(data.get("actions") or []),
            synopses=dict(data.get("synopses") or {}),
            hearings=[BillHearing.model_validate(h) for h in data.get("hearings") or []],
            stamp=data.get("stamp"),
        )
