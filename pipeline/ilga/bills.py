"""The bill ledger: what changed in a bill since the last crawl, as notices threaded under it.

Each bill has one row in the ledger's ``subjects`` table (kind ``bill``, id = thread key
``bill:<GA>:<label>``) whose snapshot remembers the actions, synopses and hearings already seen,
plus the short title and synopses (so a hearing page, which names only bill numbers, can be shown
and classified with the bill's words). Tracked bills — relevant to the classifier or pinned by
``config/watchlist.yaml``, and not on its ignore list — are stored as JSON under
``<data_dir>/bills/<GA>/<label>.json`` with their whole history.

Notices: the first time a bill is tracked, one ``bill_new`` (it opens the thread); after that one
``bill_update`` per crawl that found news — an amendment filed or adopted (with its synopsis), a
hearing posted or moved, committee or floor passage, the governor, a Public Act number. Notices are
written with ``INSERT OR IGNORE`` on a key hashed from their content, in the same transaction as the
snapshot, after the JSON is on disk: a rerun over the same pages queues nothing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml

from pipeline.clock import utcnow
from pipeline.ilga.bulk_xml import CHICAGO, split_label
from pipeline.models import (
    Bill,
    BillAction,
    BillHearing,
    Classification,
    Evidence,
    Notice,
    NoticeKind,
)
from pipeline.store.files import write_atomic
from pipeline.store.ledger import Ledger, queue_notice

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
    "died": "Died at the end of the General Assembly",
}
MAX_SEARCH_TEXT = 6000  # characters of title + synopses kept for hearing items
SYNOPSIS_IN_NOTICE = 400  # characters of an amendment's synopsis quoted in a change line


def _hash(data: Any) -> str:
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


# --- watchlist ----------------------------------------------------------------------------------


@dataclass
class Watchlist:
    """Bills pinned (``watch``) or silenced (``ignore``): ``(ga or None, label) → note``."""

    watch: dict[tuple[int | None, str], str] = field(default_factory=dict)
    ignore: dict[tuple[int | None, str], str] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, path: Path) -> Watchlist:
        """Read ``watchlist.yaml`` (a missing file is an empty list; a bad entry is a ValueError).

        Entries are a label (``HB1312``) or a mapping ``{bill: HB1312, ga: 104, note: "…"}``; an
        entry without ``ga`` applies to every General Assembly.
        """
        if not path.exists():
            return cls()
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict) or set(data) - {"watch", "ignore"}:
            raise ValueError(f"{path}: expected 'watch:' and/or 'ignore:' lists")
        return cls(
            watch=_entries(path, data.get("watch") or []),
            ignore=_entries(path, data.get("ignore") or []),
        )

    def status(self, ga: int, label: str) -> Literal["", "watch", "ignore"]:
        """The bill's list: ignore wins over watch; empty when it is on neither."""
        for key in ((ga, label), (None, label)):
            if key in self.ignore:
                return "ignore"
        for key in ((ga, label), (None, label)):
            if key in self.watch:
                return "watch"
        return ""


def _entries(path: Path, raw: Any) -> dict[tuple[int | None, str], str]:
    if not isinstance(raw, list):
        raise ValueError(f"{path}: 'watch' and 'ignore' must be lists")
    found: dict[tuple[int | None, str], str] = {}
    for index, entry in enumerate(raw):
        item = {"bill": entry} if isinstance(entry, str) else entry
        if not isinstance(item, dict) or set(item) - {"bill", "ga", "note"}:
            raise ValueError(f"{path}: entry {index}: expected a label or {{bill, ga, note}}")
        label = split_label(str(item.get("bill", "")))
        if label is None:
            raise ValueError(f"{path}: entry {index}: {item.get('bill')!r} is not a bill label")
        ga = item.get("ga")
        found[(int(ga) if ga is not None else None, f"{label[0]}{label[1]}")] = str(
            item.get("note") or ""
        )
    return found


# --- classification over several fields -------------------------------------------------------


class TextClassifier(Protocol):
    """What bills need of `pipeline.classify.classifier.Classifier`."""

    def classify(self, text: str) -> Classification:
        """Classify one text."""


def bill_fields(bill: Bill) -> dict[str, str]:
    """The texts a bill is classified on: short title, then every synopsis by its title."""
    fields = {"title": bill.title}
    for synopsis in bill.synopses:
        name = synopsis.title
        while name in fields:  # two synopses with one title stay apart
            name += " (again)"
        fields[name] = synopsis.text
    return fields


def classify_bill(classifier: TextClassifier, bill: Bill) -> Classification:
    """Classify title + all synopses as one text; each evidence names its ``field``.

    Uses the classifier's ``classify_fields`` when it has one; otherwise the fields are joined with
    blank lines and every evidence span is mapped back to its field (offsets into that field).
    """
    fields = bill_fields(bill)
    by_fields = getattr(classifier, "classify_fields", None)
    if callable(by_fields):
        result = by_fields(fields)
        if isinstance(result, Classification):
            return result
    starts: list[tuple[int, str]] = []
    parts: list[str] = []
    offset = 0
    for name, text in fields.items():
        starts.append((offset, name))
        parts.append(text)
        offset += len(text) + 2
    joined = "\n\n".join(parts)
    result = classifier.classify(joined)
    evidence: list[Evidence] = []
    for e in result.evidence:
        base, name = max((s for s in starts if s[0] <= e.start), key=lambda s: s[0])
        evidence.append(
            e.model_copy(update={"field": name, "start": e.start - base, "end": e.end - base})
        )
    return result.model_copy(update={"evidence": evidence})


# --- bill JSON store ----------------------------------------------------------------------------


def bill_path(data_dir: Path, ga: int, label: str) -> Path:
    """``<data_dir>/bills/<GA>/<label>.json``."""
    return data_dir / "bills" / str(ga) / f"{label}.json"


def iter_bills(data_dir: Path) -> Iterator[Bill]:
    """Every stored (tracked) bill."""
    for path in sorted((data_dir / "bills").glob("*/*.json")):
        yield Bill.model_validate_json(path.read_bytes())


def bill_rows(data_dir: Path) -> list[dict[str, Any]]:
    """Tracked bills as plain rows (for ``matches``-style views): newest last action first."""
    rows: list[dict[str, Any]] = []
    for bill in iter_bills(data_dir):
        if bill.watch == "ignore":
            continue
        c = bill.classification
        rows.append(
            {
                "id": bill.id,
                "label": bill.label,
                "ga": bill.ga,
                "title": bill.title,
                "url": str(bill.url) if bill.url else None,
                "last_action": bill.last_action.model_dump(mode="json")
                if bill.last_action
                else None,
                "public_act": bill.public_act,
                "watch": bill.watch,
                "topics": list(c.topics) if c else [],
                "score": c.score if c else 0.0,
                "evidence": [e.model_dump() for e in c.evidence] if c else [],
                "hearings": [h.model_dump(mode="json") for h in bill.hearings],
            }
        )
    rows.sort(key=lambda r: str((r["last_action"] or {}).get("date") or ""), reverse=True)
    return rows


# --- ledger -------------------------------------------------------------------------------------


def _action_key(action: BillAction) -> str:
    return f"{action.date.isoformat()}|{action.chamber}|{action.action}"


def _when(hearing: BillHearing) -> str:
    start = hearing.start.astimezone(CHICAGO)  # stored snapshots keep only the UTC offset
    day = f"{start:%a %b} {start.day}, {start.year}"
    if not hearing.time_known:
        return day
    return f"{day} {start.strftime('%I:%M %p').lstrip('0')} {start.tzname()}"


def hearing_line(hearing: BillHearing, verb: str) -> str:
    """A change line: ``Hearing posted: <committee>, <when>, <room>; witness slips: <page>``."""
    line = f"Hearing {verb}: {hearing.committee}, {_when(hearing)}"
    if hearing.location:
        line += f", {hearing.location}"
    if hearing.url:
        line += f"; witness slips: {hearing.url}"
    return line


def _merge_hearings(old: list[BillHearing], new: list[BillHearing]) -> list[BillHearing]:
    """One hearing per committee: a newer posting (hearing page, or bulk file) replaces the older."""
    merged = {h.committee.casefold(): h for h in old}
    for hearing in new:
        prior = merged.get(hearing.committee.casefold())
        if prior is not None and prior.url and not hearing.url and prior.start == hearing.start:
            continue  # the bulk file's one-line hearing adds nothing to the hearing page's
        merged[hearing.committee.casefold()] = hearing
    return sorted(merged.values(), key=lambda h: h.start)


def _hearing_changes(old: list[BillHearing], new: list[BillHearing]) -> list[str]:
    before = {h.committee.casefold(): h for h in old}
    lines = []
    for hearing in new:
        prior = before.get(hearing.committee.casefold())
        if prior is None:
            lines.append(hearing_line(hearing, "posted"))
        elif prior.start != hearing.start:
            lines.append(hearing_line(hearing, "moved") + f" (was {_when(prior)})")
    return lines


@dataclass
class BillState:
    """A bill's snapshot in the ledger."""

    tracked: bool
    relevant: bool
    title: str
    search_text: str
    actions: list[str]
    synopses: dict[str, str]
    hearings: list[BillHearing]
    stamp: str | None

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
    def load(cls, raw: str) -> BillState:
        """From the stored snapshot."""
        data = json.loads(raw)
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


def search_text(bill: Bill) -> str:
    """The synopses a hearing item about the bill is classified on (title is the item title)."""
    return "\n\n".join(f"{s.title}: {s.text}" for s in bill.synopses)[:MAX_SEARCH_TEXT]


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
                update={"hearings": _merge_hearings(prior.hearings, bill.hearings)}
            )
        relevant = bool(bill.classification and bill.classification.relevant)
        tracked = (relevant or bill.watch == "watch") and bill.watch != "ignore"
        if tracked or bill_path(self.data_dir, bill.ga, bill.label).exists():
            write_atomic(
                bill_path(self.data_dir, bill.ga, bill.label),
                bill.model_dump_json(indent=2).encode(),
            )
        state = BillState(
            tracked=tracked,
            relevant=relevant,
            title=bill.title,
            search_text=search_text(bill),
            actions=[_action_key(a) for a in bill.actions],
            synopses={s.title: _hash(s.text)[:16] for s in bill.synopses},
            hearings=bill.hearings,
            stamp=bill.source_stamp,
        )
        now = utcnow()
        with self.ledger.transaction() as db:
            notified = self._notified(db, bill.thread_key)
            kind: NoticeKind | None = None
            changes: list[str] = []
            if tracked and not notified:
                kind, changes = "bill_new", self._summary(bill, prior)
            elif tracked and prior is not None:
                changes = self._changes(bill, prior)
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
        merged = _merge_hearings(prior.hearings, [hearing])
        changes = _hearing_changes(prior.hearings, [hearing])
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

    def _summary(self, bill: Bill, prior: BillState | None) -> list[str]:
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

    def _changes(self, bill: Bill, prior: BillState) -> list[str]:
        """Follow-up lines: notable new actions, new or changed synopses, hearings."""
        seen = set(prior.actions)
        lines: list[str] = []
        quoted: set[str] = set()
        for action in bill.actions:
            if _action_key(action) in seen or action.kind not in NOTIFY_KINDS:
                continue
            line = f"{NOTIFY_KINDS[action.kind]} {action.date:%m/%d/%Y} ({action.chamber}): {action.action}"
            if action.kind in ("amendment_filed", "amendment_adopted"):
                synopsis = next(
                    (s for s in bill.synopses if action.action.startswith(s.title)), None
                )
                if synopsis and synopsis.title not in quoted:
                    quoted.add(synopsis.title)
                    line += f" — synopsis: {_cut(synopsis.text)}"
            lines.append(line)
        for synopsis in bill.synopses:
            if synopsis.title in quoted:
                continue
            old = prior.synopses.get(synopsis.title)
            if old is None:
                lines.append(f"New synopsis, {synopsis.title}: {_cut(synopsis.text)}")
            elif old != _hash(synopsis.text)[:16]:
                lines.append(f"Synopsis changed, {synopsis.title}: {_cut(synopsis.text)}")
        lines += _hearing_changes(prior.hearings, bill.hearings)
        return lines

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
                _hash(snapshot),
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
        key = f"{bill.thread_key}#{_hash({'kind': kind, 'changes': changes})[:16]}"
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


def _cut(text: str, limit: int = SYNOPSIS_IN_NOTICE) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
