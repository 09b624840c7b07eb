"""Slack messages for what follows a meeting or bill: public comment, hearings, outcomes, reminders."""

from __future__ import annotations

from datetime import datetime

from pipeline.deliver.blocks import (
    MAX_ITEMS,
    MAX_SECTION,
    Message,
    context,
    escape,
    link,
    metadata,
    section,
)
from pipeline.display import (
    channel_text,
    deadline_when,
    item_title,
    item_url,
    meeting_url,
    outcome_summary,
    truncate,
    vote_groups,
    when,
)
from pipeline.models import AgendaItem, Bill, CommentChannel, Meeting, Notice, Reminder
from pipeline.text.comments import upcoming_deadline

ILLINOIS_ZONE = "America/Chicago"  # General Assembly hearings are on Springfield's clock


def channel_links(channels: list[CommentChannel]) -> str:
    """The ways to comment: web forms and video rooms as links, the rest as escaped text."""
    parts = []
    for c in channels[:6]:
        if c.kind in ("web", "video") and c.value:
            label = "online form" if c.kind == "web" else "video"
            url = c.value if c.value.startswith("http") else f"https://{c.value}"
            parts.append(link(url, label))
        else:
            parts.append(escape(channel_text(c.kind, c.value)))
    return ", ".join(parts)


def comment_line(meeting: Meeting, now: datetime) -> str | None:
    """``*Public comment*: by <deadline> · e-mail … · 3 minutes`` (None when nothing is known)."""
    window = meeting.comment
    if window is None:
        return None
    parts = []
    deadline = upcoming_deadline(window, now)
    if deadline is not None:
        at = deadline_when(deadline.at, deadline.time_given, meeting.timezone)
        parts.append(f"by *{escape(at)}*")
    elif window.deadlines:
        parts.append("the deadline has passed")
    if window.channels:
        parts.append(channel_links(window.channels))
    if window.limit_text:
        parts.append(escape(truncate(window.limit_text, 80)))
    return f"*Public comment*: {' · '.join(parts)}" if parts else None


def hearing_lines(bill: Bill, now: datetime) -> str:
    """Hearings still ahead: committee, time, room, and the link to file a witness slip."""
    lines = []
    for h in sorted((h for h in bill.hearings if h.start >= now), key=lambda h: h.start):
        at = deadline_when(h.start, h.time_known, ILLINOIS_ZONE)
        line = f"*Hearing*: {escape(h.committee)} · *{escape(at)}*"
        if h.location:
            line += f" · {escape(truncate(h.location, 200))}"
        slip = h.slip_url()
        if slip:
            line += f" · {link(slip, f'File a witness slip for {bill.label}')}"
        lines.append(line)
    return "\n".join(lines[:5])


def _outcomesection(item: AgendaItem, meeting: Meeting) -> str:
    number = f"*{escape(item.number)}* " if item.number else ""
    lines = [f"{number}{link(item_url(item, meeting), truncate(item_title(item), 300))}"]
    if item.outcome is not None:
        lines.append(f"→ *{escape(truncate(outcome_summary(item.outcome), 600))}*")
        for label, names in vote_groups(item.outcome):
            lines.append(f"{label} ({len(names)}): {escape(truncate(', '.join(names), 900))}")
    return truncate("\n".join(lines), MAX_SECTION)


def render_outcome(notice: Notice) -> Message:
    """How the meeting's relevant items were decided, each with its roll call where published."""
    meeting = notice.meeting
    assert meeting is not None
    body = link(meeting_url(meeting), meeting.body or meeting.title)
    summary = f"*Outcome* · {escape(meeting.jurisdiction)}\n{body} · {escape(when(meeting))}"
    blocks = [section(summary)]
    blocks += [section(_outcomesection(item, meeting)) for item in meeting.items[:MAX_ITEMS]]
    if len(meeting.items) > MAX_ITEMS:
        blocks.append(context(f"…and {len(meeting.items) - MAX_ITEMS} more"))
    blocks.append(context(f"agenda-watch · {notice.source}"))
    first = meeting.items[0].outcome if meeting.items else None
    text = f"Outcome: {meeting.body} {when(meeting)}" + (
        f" — {outcome_summary(first)}" if first else ""
    )
    return Message(text=escape(truncate(text, 400)), blocks=blocks, metadata=metadata(notice))


def _reminder_heading(r: Reminder) -> str:
    at = deadline_when(r.due, r.time_known, r.timezone)
    if r.kind == "witness_slip":
        return f"Reminder: witness slips for {r.subject} — hearing {at}"
    return f"Reminder: public comment closes {at}"


def render_reminder(notice: Notice) -> Message:
    """A reminder in its thread: what is due, when (local), where to act."""
    r = notice.reminder
    assert r is not None
    heading = _reminder_heading(r)
    lines = [f"*{escape(heading)}*"]
    if r.kind == "witness_slip":
        where = " · ".join(escape(x) for x in (r.body, truncate(r.location, 200)) if x)
        lines.append(where)
        if r.url:
            lines.append(link(str(r.url), "File a witness slip"))
        lines.append(
            "The House takes slips until the hearing ends, the Senate until the end of its day."
        )
    else:
        lines.append(link(str(r.url) if r.url else None, f"{r.subject} · {r.body}"))
        if r.deadline_text:
            lines.append(f"“{escape(truncate(r.deadline_text, 300))}”")
        how = channel_links(r.channels)
        if how:
            lines.append(f"How: {how}")
        if r.limit_text:
            lines.append(f"Limit: {escape(truncate(r.limit_text, 100))}")
    blocks = [
        section("\n".join(x for x in lines if x)),
        context(f"agenda-watch · {notice.source}"),
    ]
    return Message(text=escape(truncate(heading, 400)), blocks=blocks, metadata=metadata(notice))
