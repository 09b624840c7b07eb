"""How stored records read to people, whatever the medium (Slack, terminal, page, calendar).

One copy of each presentation rule: how text is shortened, the words for a meeting's status, the
local start time, which link stands for an agenda item, how topics are named.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pipeline.models import AgendaItem, Meeting, MeetingStatus

ELLIPSIS = "…"
# The status words shown beside a meeting; a scheduled (or passed) meeting shows none.
STATUS_LABELS: dict[MeetingStatus, str] = {
    "cancelled": "CANCELLED",
    "rescheduled": "RESCHEDULED",
    "tentative": "TENTATIVE",
}


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in "…" (no space before it) when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def status_label(status: MeetingStatus) -> str | None:
    """``CANCELLED``, ``RESCHEDULED`` or ``TENTATIVE``; None for a meeting going ahead."""
    return STATUS_LABELS.get(status)


def local_start(meeting: Meeting) -> datetime:
    """The meeting's start on the body's own wall clock (its ``timezone``)."""
    return meeting.start.astimezone(ZoneInfo(meeting.timezone))


def day_label(day: date) -> str:
    """``Tue Dec 2, 2025``."""
    return f"{day:%a %b} {day.day}, {day.year}"


def day_and_time(start: datetime, time_known: bool) -> str:
    """``Tue Dec 2, 2025 7:00 PM CST`` in `start`'s own zone; the day alone without a time."""
    if not time_known:
        return day_label(start)
    return f"{day_label(start)} {start.strftime('%I:%M %p').lstrip('0')} {start.tzname()}"


def when(meeting: Meeting) -> str:
    """``Tue Dec 2, 2025 7:00 PM CST`` on the body's clock (the day, "time not posted", without)."""
    text = day_and_time(local_start(meeting), meeting.time_known)
    return text if meeting.time_known else f"{text} (time not posted)"


def meeting_url(meeting: Meeting) -> str | None:
    """The meeting's page for humans, if the site has one."""
    return str(meeting.url) if meeting.url else None


def item_url(item: AgendaItem, meeting: Meeting) -> str | None:
    """Where a reader checks an item: its first attachment, else the meeting page."""
    if item.links:
        return str(item.links[0].url)
    return meeting_url(meeting)


def meeting_links(meeting: Meeting) -> list[dict[str, str]]:
    """The meeting page first, then its documents: ``[{"title", "url", "kind"}]``, no duplicates."""
    links: list[dict[str, str]] = []
    seen: set[str] = set()
    if meeting.url:
        links.append({"title": "Meeting page", "url": str(meeting.url), "kind": "detail"})
        seen.add(str(meeting.url))
    for ln in meeting.links:
        if str(ln.url) not in seen:
            seen.add(str(ln.url))
            links.append({"title": ln.title, "url": str(ln.url), "kind": ln.kind})
    return links


def topic_label(topic: str) -> str:
    """A topic id as words: ``enforcement_cooperation`` → ``enforcement cooperation``."""
    return topic.replace("_", " ")


def topic_list(topics: Iterable[str]) -> str:
    """Topics as words, comma-separated."""
    return ", ".join(topic_label(t) for t in topics)


def item_topics(item: AgendaItem) -> str:
    """The item's topics as words ("" when it was not classified)."""
    return topic_list(item.classification.topics) if item.classification else ""
