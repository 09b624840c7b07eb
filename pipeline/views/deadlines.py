"""Deadlines to act on, soonest first: public-comment windows closing and witness-slip hearings.

``agenda-watch upcoming --deadlines`` lists them, the static page shows them first. They come
from the same stored meetings as every other view (`pipeline.views.upcoming.select_upcoming`):

- a meeting with relevant items whose comment window (`Meeting.comment`) has a deadline still
  ahead → "public comment closes", with how to comment;
- an ILGA committee hearing with relevant bills posted → one "witness slips" deadline per bill at
  the hearing's start (the House takes slips until the hearing ends, the Senate until the end of
  the day: the start is the time not to miss), with the link to file a slip for that bill.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.display import channel_text, deadline_when, meeting_url
from pipeline.models import CommentChannel, Meeting
from pipeline.text.comments import upcoming_deadline
from pipeline.views.upcoming import UpcomingQuery, select_upcoming

DEADLINE_LOOKAHEAD = timedelta(days=14)  # a meeting this far past the window may close in it


@dataclass(frozen=True)
class Deadline:
    """One thing to do before a moment.

    ``kind``: ``comment_deadline`` or ``witness_slip``; ``at``: the moment (aware);
    ``what``: the meeting's body or the bill ("HB1234 SHORT TITLE"); ``url``: where to act.
    """

    kind: str
    at: datetime
    time_known: bool
    timezone: str
    what: str
    body: str
    jurisdiction: str
    source: str
    meeting_id: str
    url: str | None
    text: str = ""
    channels: list[CommentChannel] = field(default_factory=list)
    limit_text: str = ""

    @property
    def when(self) -> str:
        """``Mon Mar 9, 2026 5:00 PM CDT`` on the body's clock."""
        return deadline_when(self.at, self.time_known, self.timezone)

    @property
    def label(self) -> str:
        """``Public comment closes`` or ``Witness slips``."""
        return "Witness slips" if self.kind == "witness_slip" else "Public comment closes"

    def how(self) -> list[str]:
        """The ways to comment, as words (``e-mail clerk@…``)."""
        return [channel_text(c.kind, c.value) for c in self.channels]


def meeting_deadlines(meeting: Meeting, now: datetime) -> list[Deadline]:
    """The deadlines a (relevant-items-only) meeting snapshot carries that are still ahead."""
    if meeting.status == "cancelled":
        return []
    found: list[Deadline] = []
    common: dict[str, Any] = {
        "timezone": meeting.timezone,
        "jurisdiction": meeting.jurisdiction,
        "source": meeting.source,
        "meeting_id": meeting.id,
    }
    window = meeting.comment
    if window is not None and (d := upcoming_deadline(window, now)) is not None:
        found.append(
            Deadline(
                kind="comment_deadline",
                at=d.at,
                time_known=d.time_given,
                what=meeting.body or meeting.title,
                body=meeting.title,
                url=meeting_url(meeting),
                text=d.text,
                channels=window.channels,
                limit_text=window.limit_text,
                **common,
            )
        )
    if meeting.start > now:
        for item in meeting.items:
            if item.witness_slip_url is None:
                continue
            found.append(
                Deadline(
                    kind="witness_slip",
                    at=meeting.start,
                    time_known=meeting.time_known,
                    what=item.title,
                    body=meeting.body,
                    url=str(item.witness_slip_url),
                    **common,
                )
            )
    return found


def deadline_window(query: UpcomingQuery) -> UpcomingQuery:
    """The meetings whose deadlines may fall in `query`'s window: it, widened by the lookahead."""
    return UpcomingQuery(
        first=query.first,
        days=query.days + DEADLINE_LOOKAHEAD.days,
        sources=query.sources,
        topics=query.topics,
    )


def select_deadlines(
    meetings: Iterable[Meeting], query: UpcomingQuery, now: datetime
) -> list[Deadline]:
    """Deadlines still ahead of `now` whose local day is in the query's window, soonest first."""
    found = [
        d
        for m in select_upcoming(meetings, deadline_window(query))
        for d in meeting_deadlines(m, now)
        if query.first <= d.at.astimezone(ZoneInfo(d.timezone)).date() <= query.last
    ]
    found.sort(key=lambda d: (d.at, d.source, d.what))
    return found


def deadline_rows(deadlines: list[Deadline]) -> list[dict[str, Any]]:
    """Deadlines as JSON-ready dicts (``at`` ISO 8601 with the body's UTC offset)."""
    return [
        {
            "kind": d.kind,
            "at": d.at.astimezone(ZoneInfo(d.timezone)).isoformat(),
            "local": d.when,
            "time_known": d.time_known,
            "timezone": d.timezone,
            "what": d.what,
            "body": d.body,
            "jurisdiction": d.jurisdiction,
            "source": d.source,
            "meeting_id": d.meeting_id,
            "url": d.url,
            "text": d.text,
            "how": d.how(),
            "limit": d.limit_text,
        }
        for d in deadlines
    ]


def deadlines_table(deadlines: list[Deadline], query: UpcomingQuery) -> str:
    """Terminal text: one block per deadline, soonest first, in each body's local time."""
    span = f"{query.first:%a %b} {query.first.day} – {query.last:%a %b} {query.last.day}"
    if not deadlines:
        return f"No comment deadlines or witness-slip hearings ahead, {span}."
    lines = [f"Deadlines, {span} (local times, soonest first)", ""]
    for d in deadlines:
        lines.append(f"{d.when}  {d.label}: {d.what} · {d.jurisdiction}")
        if d.kind == "witness_slip":
            lines.append(f"  {d.body}")
        if d.how():
            lines.append(f"  How: {', '.join(d.how())}")
        if d.limit_text:
            lines.append(f"  Limit: {d.limit_text}")
        if d.url:
            lines.append(f"  {d.url}")
        lines.append("")
    lines.append(f"{len(deadlines)} deadline(s).")
    return "\n".join(lines)
