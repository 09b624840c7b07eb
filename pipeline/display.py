"""How stored records read to people, whatever the medium (Slack, terminal, page, calendar).

One copy of each presentation rule: how text is shortened, the words for a meeting's status, the
local start time, which link stands for an agenda item, how topics are named.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pipeline.models import AgendaItem, LinkKind, Meeting, MeetingStatus, Outcome

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


# Which of an item's links a reader should open first: its own page (a Legistar matter, an eLMS
# record), then its documents, then anything else it has.
ITEM_LINK_ORDER: tuple[LinkKind, ...] = ("detail", "attachment", "packet", "agenda", "minutes")


def item_url(item: AgendaItem, meeting: Meeting) -> str | None:
    """Where a reader checks an item: its own page, else its document, else the meeting page."""
    for kind in ITEM_LINK_ORDER:
        for link in item.links:
            if link.kind == kind:
                return str(link.url)
    if item.links:
        return str(item.links[0].url)
    return meeting_url(meeting)


# What may follow a reference that starts a title ("25-4456 …", "3. …", "RES 26-196: …").
REF_ENDS = (" ", ".", ":", "-", "–", "—", ")", "\t")


def _same_ref(a: str, b: str) -> bool:
    """``25-4456`` and ``25-4456.`` (or any case) are one reference."""
    return a.strip().rstrip(".").casefold() == b.strip().rstrip(".").casefold()


def item_title(item: AgendaItem) -> str:
    """The title without a leading repeat of the item's number or file number.

    Legistar titles often start with the file number the item also has as its number
    (``25-4456 PROPOSED RESOLUTION …``); shown beside the number, it would read twice.
    """
    title = item.title.strip()
    for ref in (item.number, item.matter):
        key = (ref or "").strip().rstrip(".")
        if not key or not title.casefold().startswith(key.casefold()):
            continue
        after = title[len(key) :]
        if after[:1] in REF_ENDS:  # the whole reference, not the start of a longer word
            rest = after.lstrip("".join(REF_ENDS))
            if rest:
                return rest
    return title


def item_reference(item: AgendaItem) -> str | None:
    """The item's file number when it adds to its number and title (None when it repeats them)."""
    matter = (item.matter or "").strip()
    if not matter or (item.number and _same_ref(item.number, matter)):
        return None
    if matter.casefold() in item_title(item).casefold():
        return None
    return matter


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


# What each topic is about, in words that name the subject and take no side: a resolution
# opposing ICE and a 287(g) agreement are both "immigration enforcement".
TOPIC_LABELS: dict[str, str] = {
    "welcoming_ordinance": "welcoming & sanctuary policy",
    "enforcement_cooperation": "immigration enforcement",
    "shelter_new_arrivals": "shelter & new arrivals",
    "benefits_access": "benefits, IDs & services",
    "legal_services": "immigration legal services",
    "detention": "immigration detention",
    "other_immigration": "other immigration matters",
}


def topic_label(topic: str) -> str:
    """A topic as words naming its subject (``enforcement_cooperation`` → immigration enforcement)."""
    return TOPIC_LABELS.get(topic, topic.replace("_", " "))


def topic_list(topics: Iterable[str]) -> str:
    """Topics as words, comma-separated."""
    return ", ".join(topic_label(t) for t in topics)


def item_topics(item: AgendaItem) -> str:
    """The item's topics as words ("" when it was not classified)."""
    return topic_list(item.classification.topics) if item.classification else ""


# --- deadlines, comment channels, outcomes and roll calls --------------------------------------

# How each way to comment is named to a reader.
CHANNEL_LABELS = {
    "email": "e-mail",
    "web": "online",
    "phone": "phone",
    "video": "video",
    "in_person": "in person",
    "mail": "mail",
}
# How each outcome is named to a reader.
OUTCOME_LABELS = {
    "adopted": "Adopted",
    "failed": "Failed",
    "amended": "Amended",
    "tabled": "Tabled",
    "deferred": "Deferred",
    "referred": "Referred",
    "withdrawn": "Withdrawn",
    "received": "Received",
    "other": "Action taken",
}
# Roll-call groups, in the order they are listed.
VOTE_LABELS = {
    "yes": "Yes",
    "no": "No",
    "abstain": "Abstained",
    "present": "Present",
    "recused": "Recused",
    "absent": "Absent",
    "other": "Other",
}


def deadline_when(at: datetime, time_known: bool, zone: str) -> str:
    """``Mon Mar 9, 2026 5:00 PM CDT``: a deadline on the body's clock (the day, without a time)."""
    return day_and_time(at.astimezone(ZoneInfo(zone)), time_known)


def channel_text(kind: str, value: str) -> str:
    """``e-mail clerk@village.il.us``, ``phone (708) 555-0100``, ``in person``."""
    label = CHANNEL_LABELS.get(kind, kind)
    if kind == "phone" and len(value) == 10:
        value = f"({value[:3]}) {value[3:6]}-{value[6:]}"
    return f"{label} {value}".strip()


def outcome_label(result: str) -> str:
    """``Adopted``, ``Deferred``…; ``Action taken`` for a result we do not classify."""
    return OUTCOME_LABELS.get(result, OUTCOME_LABELS["other"])


def vote_groups(outcome: Outcome) -> list[tuple[str, list[str]]]:
    """The roll call by value: ``[("Yes", ["Ann Lee", …]), ("No", […])]``, names in given order."""
    groups: list[tuple[str, list[str]]] = []
    for value, label in VOTE_LABELS.items():
        names = [v.name for v in outcome.votes if v.value == value]
        if names:
            groups.append((label, names))
    return groups


def outcome_summary(outcome: Outcome) -> str:
    """``Adopted (Approved as amended) · 5-2 · moved by A, seconded by B`` in plain words."""
    text = outcome_label(outcome.result)
    if outcome.action and outcome.action.casefold() != text.casefold():
        text += f" ({outcome.action})"
    counts = outcome.vote_counts()
    if outcome.tally:
        text += f" · {outcome.tally}"
    elif counts:
        text += " · " + ", ".join(f"{n} {VOTE_LABELS[v].lower()}" for v, n in counts.items())
    movers = [f"moved by {outcome.mover}"] if outcome.mover else []
    movers += [f"seconded by {outcome.seconder}"] if outcome.seconder else []
    if movers:
        text += " · " + ", ".join(movers)
    return text
