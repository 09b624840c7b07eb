"""Read-only views over stored meetings: the matches list and upcoming meetings (table or JSON)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pipeline.clock import utcnow
from pipeline.display import (
    channel_text,
    deadline_when,
    item_title,
    item_topics,
    item_url,
    local_start,
    meeting_links,
    meeting_url,
    outcome_summary,
    status_label,
    truncate,
    when,
)
from pipeline.models import TOPICS, AgendaItem, CommentWindow, Meeting
from pipeline.store.files import iter_bills
from pipeline.store.index import utc_text
from pipeline.store.ledger import IndexSelection
from pipeline.text.comments import upcoming_deadline


def match_selection(since: date | None = None) -> IndexSelection:
    """The index rows `match_rows` may keep: relevant meetings starting near or after `since`.

    `match_rows` compares the start's date as stored (its own UTC offset, under a day from UTC),
    so every meeting it keeps starts after midnight UTC of the day before `since`.
    """
    if since is None:
        return IndexSelection(relevant=True)
    earliest = datetime.combine(since - timedelta(days=1), time(), UTC)
    return IndexSelection(min_start_utc=utc_text(earliest), relevant=True)


def match_rows(meetings: Iterable[Meeting], since: date | None = None) -> list[dict[str, Any]]:
    """Every relevant agenda item, soonest meeting first, as plain JSON-ready dicts."""
    rows: list[dict[str, Any]] = []
    for meeting in meetings:
        if since and meeting.start.date() < since:
            continue
        for item in meeting.relevant_items():
            c = item.classification
            assert c is not None
            rows.append(
                {
                    "id": item.id,
                    "source": meeting.source,
                    "jurisdiction": meeting.jurisdiction,
                    "body": meeting.body,
                    "meeting_id": meeting.id,
                    "meeting_start": meeting.start.isoformat(),
                    "meeting_status": meeting.status,
                    "number": item.number,
                    "title": item.title,
                    "url": item_url(item, meeting),
                    "meeting_url": meeting_url(meeting),
                    "topics": list(c.topics),
                    "score": c.score,
                    "evidence": [e.model_dump() for e in c.evidence],
                    "outcome": outcome_row(item),
                }
            )
    rows.sort(key=lambda r: (r["meeting_start"], r["source"], r["id"]))
    return rows


def bill_match_rows(data_dir: Path, since: date | None = None) -> list[dict[str, Any]]:
    """Tracked bills that are relevant or pinned by the watchlist, in the shape of `match_rows`.

    ``kind`` is ``bill``; ``meeting_start`` is the next posted hearing (ISO with offset), if any;
    ``since`` keeps bills with an action or a hearing on or after that date.
    """
    rows: list[dict[str, Any]] = []
    for bill in iter_bills(data_dir):
        c = bill.classification
        if bill.watch == "ignore" or not (bill.watch == "watch" or (c and c.relevant)):
            continue
        last = bill.last_action
        hearings = sorted(bill.hearings, key=lambda h: h.start)
        dates = [h.start.date() for h in hearings] + ([last.date] if last else [])
        if since and not any(d >= since for d in dates):
            continue
        rows.append(
            {
                "id": bill.id,
                "kind": "bill",
                "source": bill.id.split("/", 1)[0],
                "number": bill.label,
                "title": bill.title,
                "url": str(bill.url) if bill.url else None,
                "meeting_start": hearings[-1].start.isoformat() if hearings else None,
                "last_action": f"{last.date} {last.action}" if last else None,
                "public_act": bill.public_act,
                "watch": bill.watch,
                "topics": list(c.topics) if c else [],
                "score": c.score if c else 0.0,
                "evidence": [e.model_dump() for e in c.evidence] if c else [],
            }
        )
    return rows


def matches_table(rows: list[dict[str, Any]]) -> str:
    """A terminal table: when, body, number, title, matched words."""
    if not rows:
        return "No matches stored yet. Run `agenda-watch crawl` (or `agenda-watch demo`)."
    lines = [f"{'when':<17} {'source':<18} {'#':<8} {'title':<60} matched"]
    for r in rows:
        if r["meeting_start"]:
            start = datetime.fromisoformat(r["meeting_start"])
            when_text = f"{start:%Y-%m-%d %H:%M} "
        else:  # a bill with no hearing posted: its last action's date
            when_text = f"{(r.get('last_action') or '')[:10]:<16} "
        words = ", ".join(sorted({e["text"] for e in r["evidence"]}, key=str.casefold))
        status = " (CANCELLED)" if r.get("meeting_status") == "cancelled" else ""
        if r.get("watch") == "watch":
            status += " (watchlist)"
        lines.append(
            f"{when_text} {truncate(r['source'], 18):<18} {truncate(r['number'] or '', 8):<8} "
            f"{truncate(r['title'], 60):<60} {truncate(words, 50)}{status}"
        )
    return "\n".join(lines)


# --- upcoming meetings (`agenda-watch upcoming`, the site, the digest) ----------------------------


def upcoming_rows(meetings: list[Meeting]) -> list[dict[str, Any]]:
    """Meetings (with only their relevant items) as JSON-ready dicts, in the order given.

    ``start`` is ISO 8601 with the UTC offset of the body's zone; ``local_date``/``local_time``
    are the wall-clock date and ``HH:MM`` (``local_time`` is null when the site gave no time).
    """
    rows: list[dict[str, Any]] = []
    for m in meetings:
        start = local_start(m)
        rows.append(
            {
                "id": m.id,
                "source": m.source,
                "jurisdiction": m.jurisdiction,
                "body": m.body,
                "title": m.title,
                "start": start.isoformat(),
                "local_date": start.date().isoformat(),
                "local_time": f"{start:%H:%M}" if m.time_known else None,
                "timezone": m.timezone,
                "time_known": m.time_known,
                "status": m.status,
                "location": m.location,
                "url": meeting_url(m),
                "links": meeting_links(m),
                "topics": meeting_topics(m),
                "comment": comment_row(m.comment),
                "items": [
                    {
                        "id": i.id,
                        "number": i.number,
                        "title": i.title,
                        "matter": i.matter,
                        "url": item_url(i, m),
                        "topics": list(i.classification.topics) if i.classification else [],
                        "matched": sorted(
                            {e.text for e in i.classification.evidence} if i.classification else (),
                            key=str.casefold,
                        ),
                        "witness_slip_url": str(i.witness_slip_url) if i.witness_slip_url else None,
                        "outcome": outcome_row(i),
                    }
                    for i in m.items
                ],
            }
        )
    return rows


def comment_row(window: CommentWindow | None) -> dict[str, Any] | None:
    """How and by when to comment, JSON-ready: every deadline (ISO, body's offset), channels, limit."""
    if window is None:
        return None
    return {
        "deadlines": [
            {"at": d.at.isoformat(), "time_given": d.time_given, "text": d.text}
            for d in window.deadlines
        ],
        "channels": [{"kind": c.kind, "value": c.value} for c in window.channels],
        "limit": window.limit_text or None,
    }


def outcome_row(item: AgendaItem) -> dict[str, Any] | None:
    """The item's outcome and roll call, JSON-ready (None before the platform records one)."""
    o = item.outcome
    if o is None:
        return None
    return {
        "result": o.result,
        "action": o.action,
        "passed": o.passed,
        "tally": o.tally or None,
        "votes": [{"name": v.name, "vote": v.value, "as_recorded": v.raw} for v in o.votes],
    }


def comment_text(meeting: Meeting, now: datetime) -> str:
    """``Public comment: by Mon Mar 9, 2026 5:00 PM CDT · e-mail clerk@… · 3 minutes`` or ""."""
    window = meeting.comment
    if window is None:
        return ""
    parts = []
    deadline = upcoming_deadline(window, now)
    if deadline is not None:
        parts.append(f"by {deadline_when(deadline.at, deadline.time_given, meeting.timezone)}")
    parts += [channel_text(c.kind, c.value) for c in window.channels[:4]]
    if window.limit_text:
        parts.append(truncate(window.limit_text, 60))
    return f"Public comment: {' · '.join(parts)}" if parts else ""


def meeting_topics(meeting: Meeting) -> list[str]:
    """Topics of the meeting's items, in the order `TOPICS` lists them."""
    found = {t for i in meeting.items if i.classification for t in i.classification.topics}
    return [t for t in TOPICS if t in found]


def upcoming_table(
    meetings: list[Meeting], first: date, last: date, now: datetime | None = None
) -> str:
    """Terminal text: one block per meeting (local time, body, status), its items and links.

    Each meeting shows how and by when to comment (deadlines still ahead of `now`), each bill of a
    hearing its witness-slip link, each decided item its outcome.
    """
    now = now or utcnow()
    span = f"{first:%a %b} {first.day} – {last:%a %b} {last.day}, {last.year}"
    if not meetings:
        return (
            f"No upcoming meetings with relevant items, {span}.\n"
            "Try a wider window (--days 60) or another --from date; `agenda-watch matches` "
            "lists everything stored."
        )
    lines = [f"Upcoming meetings with relevant items, {span} (local times)", ""]
    for m in meetings:
        status = status_label(m.status)
        head = f"{when(m)}  {m.body} · {m.jurisdiction}"
        lines.append(f"{status}: {head}" if status else head)
        lines.append(f"  [{m.source}] {m.title}" + (f" · {m.location}" if m.location else ""))
        if comment := comment_text(m, now):
            lines.append(f"  {comment}")
        for i in m.items:
            number = f"{i.number} " if i.number else ""
            lines.append(f"  • {number}{truncate(item_title(i), 100)}  [{item_topics(i)}]")
            if i.witness_slip_url:
                lines.append(f"    File a witness slip: {i.witness_slip_url}")
            if i.outcome:
                lines.append(f"    Outcome: {outcome_summary(i.outcome)}")
        for ln in meeting_links(m)[:3]:
            lines.append(f"    {ln['title']}: {ln['url']}")
        lines.append("")
    lines.append(f"{len(meetings)} meeting(s), {sum(len(m.items) for m in meetings)} item(s).")
    return "\n".join(lines)
