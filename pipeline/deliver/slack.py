"""Render notices as Slack Block Kit messages, with every scraped string made inert.

Scraped text is hostile: ``&``, ``<`` and ``>`` are escaped (so ``<!channel>``, ``<@U123>`` and
``<http://x|y>`` arrive as plain text), literal ``@here``/``@channel``/``@everyone`` are broken
with a zero-width joiner, and links are built only from http(s) URLs we percent-encode ourselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pipeline.display import (
    day_label,
    item_reference,
    item_title,
    item_topics,
    item_url,
    meeting_url,
    status_label,
    topic_list,
    truncate,
    when,
)
from pipeline.models import AgendaItem, Bill, Classification, Meeting, Notice

METADATA_EVENT = "agenda_watch_notice"
MAX_SECTION = 2900  # Slack caps section text at 3000 characters
MAX_ITEMS = 20  # keeps a message well under Slack's 50-block limit
ZWJ = "\u2060"  # word joiner: invisible, stops "@channel" being read as a mention

# Literal broadcast words, in any case, e.g. "@channel" in a pasted agenda note.
BROADCAST_RE = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)
KIND_HEADINGS = {
    "new_matches": "New agenda matches",
    "items_added": "Update: new relevant items",
    "items_changed": "Update: relevant items changed",
    "items_removed": "Update: items removed from the agenda",
    "meeting_changed": "Update: meeting changed",
    "source_failing": "Source failing",
    "source_recovered": "Source recovered",
}


def escape(text: str) -> str:
    """Make scraped text inert in Slack mrkdwn and plain text (escape ``&`` first)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return BROADCAST_RE.sub(lambda m: f"@{ZWJ}{m.group(1)}", text)


# Characters that would end or split a ``<url|label>`` link, and their safe forms.
URL_ESCAPES = {"&": "&amp;", "<": "%3C", ">": "%3E", "|": "%7C", " ": "%20", "\n": "", "\r": ""}


def safe_url(url: str) -> str | None:
    """An http(s) URL fit for ``<url|label>``: ``&`` entity-escaped, ``< > |`` percent-encoded."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return "".join(URL_ESCAPES.get(ch, ch) for ch in url)


def link(url: str | None, label: str) -> str:
    """``<url|label>`` with an escaped label, or just the escaped label when the URL is unusable."""
    label = escape(label).replace("|", "¦")
    target = safe_url(url) if url else None
    return f"<{target}|{label}>" if target else label


# How evidence fields are named to a reader.
FIELD_LABELS = {"text": "notes"}


def matched_words(c: Classification, limit: int = 8) -> str:
    """The matched words in bold, noting those found outside the title (``*ICE* (in the notes)``)."""
    fields: dict[str, set[str]] = {}
    for e in c.evidence:
        fields.setdefault(e.text.strip(), set()).add(e.field)
    parts = []
    for word in sorted(fields, key=str.casefold)[:limit]:
        # "*" inside bold would end it early; the words are shown, not parsed.
        shown = escape(truncate(word, 60)).replace("*", "")
        where = fields[word] - {"", "title"}
        parts.append(
            f"*{shown}*"
            + (
                f" (in the {', '.join(sorted(where))})"
                if where and "title" not in fields[word]
                else ""
            )
        )
    return ", ".join(parts)


def _item_line(item: AgendaItem, meeting: Meeting) -> str:
    """The item's number once, its title linked to its own page, and what matched."""
    c = item.classification
    number = f"*{escape(item.number)}* " if item.number else ""
    title = link(item_url(item, meeting), truncate(item_title(item), 400))
    lines = [f"{number}{title}"]
    if reference := item_reference(item):
        lines[0] += f"  ({escape(reference)})"
    if c:
        lines.append(f"Matched {matched_words(c)} → {topic_list(c.topics)}")
    return truncate("\n".join(lines), MAX_SECTION)


def rule_ids(classifications: list[Classification | None]) -> list[str]:
    """The ids of the rules that fired, sorted, for the footer of those who ask "why?"."""
    return sorted({e.rule for c in classifications if c for e in c.evidence if e.weight > 0})


def why_footer(source: str, classifications: list[Classification | None]) -> str:
    """``agenda-watch · source · rules: a, b (config/topics.yaml)``."""
    rules = rule_ids(classifications)
    why = f" · rules: {', '.join(rules)} (config/topics.yaml)" if rules else ""
    return f"agenda-watch · {source}{why}"


def _section(text: str) -> dict[str, Any]:
    """A mrkdwn section block, cut to Slack's limit."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION)}}


def _context(text: str) -> dict[str, Any]:
    """A plain-text context block (a footer line)."""
    return {"type": "context", "elements": [{"type": "plain_text", "text": text}]}


def _change_lines(changes: list[str], width: int) -> str:
    """The first 15 change lines as bullets, each cut to `width`."""
    return "\n".join(f"• {escape(truncate(c, width))}" for c in changes[:15])


@dataclass
class Message:
    """A rendered Slack message: fallback text, blocks and the metadata we find it by later."""

    text: str
    blocks: list[dict[str, Any]]
    metadata: dict[str, Any] = field(default_factory=dict)


def _metadata(notice: Notice) -> dict[str, Any]:
    return {
        "event_type": METADATA_EVENT,
        "event_payload": {"notice_id": notice.id, "thread_key": notice.thread_key},
    }


def render_alert(notice: Notice) -> Message:
    """An ops message: a source keeps failing or finding nothing, or it recovered."""
    alert = notice.alert
    assert alert is not None
    if notice.kind == "source_failing":
        text = (
            f"Source {alert.source} ({alert.name}) has failed or found no meetings in "
            f"{alert.failing_runs} crawls in a row. Last success: {alert.last_success or 'never'}."
        )
    else:
        text = f"Source {alert.source} ({alert.name}) is working again."
    lines = [f"*{escape(text)}*"]
    if alert.message and notice.kind == "source_failing":
        lines.append(f"Last error: {escape(truncate(alert.message, 500))}")
    lines.append("Check it with `agenda-watch sources` and the crawl log.")
    return Message(
        text=escape(text), blocks=[_section("\n".join(lines))], metadata=_metadata(notice)
    )


def _digest_section(meeting: Meeting) -> str:
    status = status_label(meeting.status)
    body = link(meeting_url(meeting), meeting.body or meeting.title)
    head = f"*{escape(when(meeting))}* · {body} · {escape(meeting.jurisdiction)}"
    if status:
        head += f" · *{status}*"
    lines = [head]
    for item in meeting.items[:8]:
        number = f"*{escape(item.number)}* " if item.number else ""
        topics = item_topics(item)
        lines.append(
            f"• {number}{link(item_url(item, meeting), truncate(item_title(item), 200))}"
            + (f" ({topics})" if topics else "")
        )
    if len(meeting.items) > 8:
        lines.append(f"• …and {len(meeting.items) - 8} more")
    return truncate("\n".join(lines), MAX_SECTION)


def render_digest(notice: Notice) -> Message:
    """The weekly digest: one section per coming meeting (soonest first) with its relevant items."""
    meetings = notice.digest
    first = notice.created_at.astimezone(ZoneInfo("America/Chicago"))
    n_items = sum(len(m.items) for m in meetings)
    heading = (
        f"Weekly digest: {len(meetings)} meeting(s) with {n_items} relevant item(s) "
        f"in the two weeks from {day_label(first)}"
    )
    blocks = [_section(f"*{escape(heading)}*")]
    blocks += [_section(_digest_section(meeting)) for meeting in meetings[:MAX_ITEMS]]
    more = f"…and {len(meetings) - MAX_ITEMS} more · " if len(meetings) > MAX_ITEMS else ""
    blocks.append(_context(f"{more}agenda-watch · full list: agenda-watch upcoming"))
    return Message(text=escape(heading), blocks=blocks, metadata=_metadata(notice))


BILL_HEADINGS = {"bill_new": "New bill", "bill_update": "Bill update"}
BILL_SNIPPET = 160  # characters of synopsis shown either side of the first matched words


def _bill_match(bill: Bill) -> str:
    """The synopsis (or short title) that matched most, quoted around its matched words."""
    c = bill.classification
    if c is None or not c.evidence:
        return ""
    weights: dict[str, float] = {}
    for e in c.evidence:
        weights[e.field] = weights.get(e.field, 0.0) + e.weight
    best = max(weights, key=lambda f: weights[f])
    texts = {"title": bill.title, **{s.title: s.text for s in bill.synopses}}
    text = texts.get(best, "")
    first = next(e for e in c.evidence if e.field == best)
    lo, hi = max(0, first.start - BILL_SNIPPET), min(len(text), first.end + BILL_SNIPPET)
    quote = ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")
    words = sorted({e.text.strip() for e in c.evidence}, key=str.casefold)
    matched = ", ".join(f"“{escape(truncate(w, 60))}”" for w in words[:8])
    topics = topic_list(c.topics)
    name = "Short title" if best == "title" else best
    return f"*{escape(name)}*: {escape(quote)}\nMatched {matched} → {topics}"


def render_bill(notice: Notice) -> Message:
    """A bill message: number, short title, sponsor, what changed, the synopsis that matched."""
    bill = notice.bill
    assert bill is not None
    heading = BILL_HEADINGS.get(notice.kind, "Bill update")
    sponsor = bill.chief_sponsor()
    who = f" · Sponsor: {escape(sponsor.name)} ({escape(sponsor.chamber)})" if sponsor else ""
    title = link(str(bill.url) if bill.url else None, f"{bill.label} {bill.title}".strip())
    summary = f"*{heading}* · Illinois General Assembly ({bill.ga}th)\n{title}{who}"
    if bill.public_act:
        summary += f" · Public Act {escape(bill.public_act)}"
    if bill.watch == "watch":
        summary += "\nPinned by the watchlist"
    blocks = [_section(summary)]
    if notice.changes:
        blocks.append(_section(_change_lines(notice.changes, 600)))
    if match := _bill_match(bill):
        blocks.append(_section(match))
    blocks.append(_context(why_footer(notice.source, [bill.classification])))
    first = f": {notice.changes[0]}" if notice.changes else ""
    text = f"{heading} {bill.label} {bill.title}{first}"
    return Message(text=escape(truncate(text, 400)), blocks=blocks, metadata=_metadata(notice))


def render(notice: Notice) -> Message:
    """The Block Kit message for a notice (first message of a thread, or a follow-up)."""
    if notice.bill is not None:
        return render_bill(notice)
    if notice.kind == "weekly_digest":
        return render_digest(notice)
    if notice.alert is not None:
        return render_alert(notice)
    meeting = notice.meeting
    assert meeting is not None
    status = status_label(meeting.status)
    heading = KIND_HEADINGS[notice.kind]
    where = escape(meeting.jurisdiction)
    body = link(meeting_url(meeting), meeting.body or meeting.title)
    summary = f"*{heading}* · {where}\n{body} · {escape(when(meeting))}"
    if status:
        summary += f" · *{status}*"
    if meeting.location:
        summary += f"\n{escape(truncate(meeting.location, 300))}"
    blocks = [_section(summary)]
    if notice.changes:
        blocks.append(_section(_change_lines(notice.changes, 300)))
    blocks += [_section(_item_line(item, meeting)) for item in meeting.items[:MAX_ITEMS]]
    if len(meeting.items) > MAX_ITEMS:
        blocks.append(_context(f"…and {len(meeting.items) - MAX_ITEMS} more"))
    shown = [item.classification for item in meeting.items[:MAX_ITEMS]]
    blocks.append(_context(why_footer(notice.source, shown)))
    n = len(meeting.items)
    text = f"{heading}: {meeting.body} {when(meeting)}" + (f" — {n} relevant item(s)" if n else "")
    return Message(text=escape(truncate(text, 400)), blocks=blocks, metadata=_metadata(notice))
