"""Render notices as Slack Block Kit messages, with every scraped string made inert.

The building blocks (escaping, links, sections) are `pipeline.deliver.blocks`; follow-ups about
public comment, hearings, outcomes and reminders are `pipeline.deliver.slack_followups`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pipeline.deliver.blocks import (
    MAX_ITEMS,
    MAX_SECTION,
    METADATA_EVENT,
    Message,
    context,
    escape,
    link,
    metadata,
    safe_url,
    section,
)
from pipeline.deliver.slack_followups import (
    comment_line,
    hearing_lines,
    render_outcome,
    render_reminder,
)
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
from pipeline.models import (
    AgendaItem,
    Bill,
    Classification,
    Meeting,
    Notice,
)

__all__ = ["METADATA_EVENT", "Message", "escape", "link", "render", "safe_url"]

KIND_HEADINGS = {
    "new_matches": "New agenda matches",
    "items_added": "Update: new relevant items",
    "items_changed": "Update: relevant items changed",
    "items_removed": "Update: items removed from the agenda",
    "meeting_changed": "Update: meeting changed",
    "source_failing": "Source failing",
    "source_recovered": "Source recovered",
    "outcome": "Outcome",
    "agenda_unread": "Agenda not read",
}


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


def _change_lines(changes: list[str], width: int) -> str:
    """The first 15 change lines as bullets, each cut to `width`."""
    return "\n".join(f"• {escape(truncate(c, width))}" for c in changes[:15])


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
    return Message(text=escape(text), blocks=[section("\n".join(lines))], metadata=metadata(notice))


def render_dead(notice: Notice) -> Message:
    """An ops message: notices Slack refused for good (or that would not render).

    It says how to list them and how to retry one once the cause is fixed.
    """
    n = len(notice.dead)
    text = f"{n} notice(s) could not be delivered and were set aside."
    lines = [f"*{escape(text)}*"]
    for dead in notice.dead[:MAX_ITEMS]:
        lines.append(
            f"• #{dead.row} {escape(dead.kind)} from {escape(dead.source)}: "
            f"{escape(truncate(dead.reason, 200))}"
        )
    if n > MAX_ITEMS:
        lines.append(f"• …and {n - MAX_ITEMS} more")
    lines.append(
        "List them with `agenda-watch notices --dead`; after fixing the cause, "
        "`agenda-watch notices --retry ROW` queues one again."
    )
    return Message(text=escape(text), blocks=[section("\n".join(lines))], metadata=metadata(notice))


def render_unread(notice: Notice) -> Message:
    """A short note: this meeting's agenda could not be read; its link, so a person can look."""
    meeting = notice.meeting
    assert meeting is not None and meeting.unread is not None
    unread = meeting.unread
    heading = KIND_HEADINGS["agenda_unread"]
    body = link(meeting_url(meeting), meeting.body or meeting.title)
    document = link(str(unread.url) if unread.url else None, "The agenda")
    lines = [
        f"*{heading}* · {escape(meeting.jurisdiction)}\n{body} · {escape(when(meeting))}",
        f"{document} could not be read ({unread.reason}): please look at it by hand.",
    ]
    if unread.detail:
        lines.append(f"Detail: {escape(truncate(unread.detail, 300))}")
    blocks = [section("\n".join(lines)), context(f"agenda-watch · {notice.source}")]
    text = f"{heading} ({unread.reason}): {meeting.body} {when(meeting)}"
    return Message(text=escape(truncate(text, 400)), blocks=blocks, metadata=metadata(notice))


def _digestsection(meeting: Meeting) -> str:
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
    blocks = [section(f"*{escape(heading)}*")]
    blocks += [section(_digestsection(meeting)) for meeting in meetings[:MAX_ITEMS]]
    more = f"…and {len(meetings) - MAX_ITEMS} more · " if len(meetings) > MAX_ITEMS else ""
    blocks.append(context(f"{more}agenda-watch · full list: agenda-watch upcoming"))
    return Message(text=escape(heading), blocks=blocks, metadata=metadata(notice))


BILL_HEADINGS = {"bill_new": "New bill", "bill_update": "Bill update", "outcome": "Final action"}
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
    blocks = [section(summary)]
    if notice.changes:
        blocks.append(section(_change_lines(notice.changes, 600)))
    if hearings := hearing_lines(bill, notice.created_at):
        blocks.append(section(hearings))
    if match := _bill_match(bill):
        blocks.append(section(match))
    blocks.append(context(why_footer(notice.source, [bill.classification])))
    first = f": {notice.changes[0]}" if notice.changes else ""
    text = f"{heading} {bill.label} {bill.title}{first}"
    return Message(text=escape(truncate(text, 400)), blocks=blocks, metadata=metadata(notice))


def render(notice: Notice) -> Message:
    """The Block Kit message for a notice (first message of a thread, or a follow-up)."""
    if notice.reminder is not None:
        return render_reminder(notice)
    if notice.bill is not None:
        return render_bill(notice)
    if notice.kind == "weekly_digest":
        return render_digest(notice)
    if notice.alert is not None:
        return render_alert(notice)
    if notice.kind == "delivery_failed":
        return render_dead(notice)
    if notice.kind == "agenda_unread":
        return render_unread(notice)
    meeting = notice.meeting
    assert meeting is not None
    if notice.kind == "outcome":
        return render_outcome(notice)
    status = status_label(meeting.status)
    heading = KIND_HEADINGS[notice.kind]
    where = escape(meeting.jurisdiction)
    body = link(meeting_url(meeting), meeting.body or meeting.title)
    summary = f"*{heading}* · {where}\n{body} · {escape(when(meeting))}"
    if status:
        summary += f" · *{status}*"
    if meeting.location:
        summary += f"\n{escape(truncate(meeting.location, 300))}"
    if comment := comment_line(meeting, notice.created_at):
        summary += f"\n{comment}"
    blocks = [section(summary)]
    if notice.changes:
        blocks.append(section(_change_lines(notice.changes, 300)))
    blocks += [section(_item_line(item, meeting)) for item in meeting.items[:MAX_ITEMS]]
    if len(meeting.items) > MAX_ITEMS:
        blocks.append(context(f"…and {len(meeting.items) - MAX_ITEMS} more"))
    shown = [item.classification for item in meeting.items[:MAX_ITEMS]]
    blocks.append(context(why_footer(notice.source, shown)))
    n = len(meeting.items)
    text = f"{heading}: {meeting.body} {when(meeting)}" + (f" — {n} relevant item(s)" if n else "")
    return Message(text=escape(truncate(text, 400)), blocks=blocks, metadata=metadata(notice))
