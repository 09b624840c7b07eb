"""Read-only views over stored meetings: the matches list (table or JSON)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pipeline.store import JsonStore


def match_rows(store: JsonStore, since: date | None = None) -> list[dict[str, Any]]:
    """Every relevant agenda item, soonest meeting first, as plain JSON-ready dicts."""
    rows: list[dict[str, Any]] = []
    for meeting in store.iter_meetings():
        if since and meeting.start.date() < since:
            continue
        for item in meeting.relevant_items():
            c = item.classification
            assert c is not None
            url = (
                str(item.links[0].url)
                if item.links
                else (str(meeting.url) if meeting.url else None)
            )
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
                    "url": url,
                    "meeting_url": str(meeting.url) if meeting.url else None,
                    "topics": list(c.topics),
                    "score": c.score,
                    "evidence": [e.model_dump() for e in c.evidence],
                }
            )
    rows.sort(key=lambda r: (r["meeting_start"], r["source"], r["id"]))
    return rows


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def matches_table(rows: list[dict[str, Any]]) -> str:
    """A terminal table: when, body, number, title, matched words."""
    if not rows:
        return "No matches stored yet. Run `agenda-watch crawl` (or `agenda-watch demo`)."
    lines = [f"{'when':<17} {'source':<18} {'#':<8} {'title':<60} matched"]
    for r in rows:
        start = datetime.fromisoformat(r["meeting_start"])
        words = ", ".join(sorted({e["text"] for e in r["evidence"]}, key=str.casefold))
        status = " (CANCELLED)" if r["meeting_status"] == "cancelled" else ""
        lines.append(
            f"{start:%Y-%m-%d %H:%M}  {_short(r['source'], 18):<18} {_short(r['number'] or '', 8):<8} "
            f"{_short(r['title'], 60):<60} {_short(words, 50)}{status}"
        )
    return "\n".join(lines)
