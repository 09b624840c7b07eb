"""The words platforms use for a meeting's status, and the decoration around names: one copy.

Every spider reads status and names through these functions, so a wording learned from one
platform's page (Inglewood's "(No Meeting)", Los Angeles' "Notice of Cancellation", Cincinnati's
"NOTICE OF CANCELLATION" in a location cell) is understood on all of them. The table tests in
``tests/test_vocab.py`` hold the real wordings; ``tests/fixtures/wordings/`` the wider table.

Sites write a meeting's status wherever there is room: in the title ("CANCELLED - Weed Board",
"Board Meeting - Canceled Due to No Quorum"), glued to the location ("…Chicago,
IllinoisCANCELLED"), in a comment column, as a badge. `marked` reads the status those words say
(`status_from_text`) and returns the text without them, so a location is a place and a title a
name. Notes that are no status ("Special Meeting", "AMENDED AGENDA", "DRAFT AGENDA", "REVISED")
leave the status as it is: an amended agenda is still a meeting that takes place. They are taken out of
locations and bodies; in titles "Special Meeting" is part of the name and stays.
`clean_location` also drops the labels and links templates put around a place.
`spiders.base.AgendaSpider.new_meeting` applies them to every meeting, so no spider can forget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.models import LinkKind, MeetingStatus
from spiders._parse import squash
from spiders._when import clock_spans

# Status words glued to the word before them: Legistar writes "…Chicago, IllinoisCANCELLED",
# other grids "Council ChambersPostponed". A space is put back before the status is read.
GLUED_RE = re.compile(
    r"(?<=[a-z0-9.,)])(?=(?:CANCEL(?:L?ED|LATION)|Cancel(?:l?ed|lation)|POSTPONED|Postponed|"
    r"RE-?SCHEDULED|Re-?scheduled|NOTICE OF CANCEL|Notice of Cancellation|NO MEETING|TENTATIVE|"
    r"Tentative|AMENDED|REVISED|SPECIAL (?:MEETING|SESSION)|Special (?:Meeting|Session))(?![a-z]))"
)
# Cancellation. No leading word boundary: a star or a glued word may stand before it
# ("***CANCELED***"). "Cancellation" covers "Notice of Cancellation", "Cancellation Notice" and
# "…City Council-Cancellation".
CANCELLED_RE = re.compile(
    r"cancel(?:l?ed|lation)\b"
    r"|\bno\s+meeting\b"  # "(No Meeting)", "NO MEETING THIS MONTH"
    r"|\bwill\s+not\s+(?:be\s+held|meet|take\s+place)\b"
    r"|\bnot\s+meeting\b",
    re.IGNORECASE,
)
# The meeting that takes place after a move names where it came from: "(RESCHEDULED FROM APRIL
# 13, 2017)", "Rescheduled Regular Meeting", "moved from May 3". Such text is removed before the
# words for a moved slot are looked for, so that meeting stays scheduled.
MOVED_HERE_RE = re.compile(
    r"\b(?:re-?scheduled|moved|postponed|changed)\s+from\b"
    r"|\bre-?scheduled\s+(?=(?:regular|special|joint|board|council|city|committee|commission|"
    r"work|study|budget|public|annual|closed|meeting|session|hearing)\b)",
    re.IGNORECASE,
)
# A slot that no longer holds its meeting: "RESCHEDULED", "Rescheduled to May 3", "POSTPONED",
# "Deferred" (NYC writes it in the time cell), "Meeting moved to June 2".
MOVED_AWAY_RE = re.compile(
    r"re-?scheduled|\bpostponed\b|\bdeferred\b|\bmoved\s+to\b|\bdelayed\s+(?:to|until)\b",
    re.IGNORECASE,
)
# "Tentative", but not Illinois' "tentative budget" / "tentative annual appropriation", a
# "tentative levy" or a "tentative plat", which are documents, not a meeting's status.
TENTATIVE_RE = re.compile(
    r"\btentative(?:ly)?\b(?!\s+(?:annual\s+)?(?:budget|appropriation|levy|tax\s+levy|plat|map)s?\b)",
    re.IGNORECASE,
)


def status_from_text(*texts: str | None) -> MeetingStatus:
    """The status that titles, notes, locations or document names say, else ``scheduled``.

    Cancelled wins over a move (a cancelled slot "rescheduled to May 5" is still not held), a
    move over tentative. "Rescheduled from …" describes the meeting that does take place.
    Words glued to the text before them ("IllinoisCANCELLED") count.
    """
    joined = GLUED_RE.sub(" ", " ".join(t for t in texts if t))
    if CANCELLED_RE.search(joined):
        return "cancelled"
    if MOVED_AWAY_RE.search(MOVED_HERE_RE.sub(" ", joined)):
        return "rescheduled"
    if TENTATIVE_RE.search(joined):
        return "tentative"
    return "scheduled"


# --- status words in other fields -----------------------------------------------------------

# What follows "rescheduled to", "canceled due to": up to a separator, a bracket or the end. A
# colon inside a clock time ("RESCHEDULED TO 7:00 p.m.", Central Valley SD) is no separator.
_TAIL = r"[^;|()\[\]]*?(?=\s*$|\s+[-–—/]+\s|\s*[()\[\];|*]|\s*(?<!\d):|:(?!\d))"
# "Meeting" that belongs to a status phrase ("Village Board - Meeting Cancelled"), not to a name
# before it ("Board Meeting CANCELLED" keeps "Board Meeting"): at the start or after a separator.
_LONE_MEETING = r"(?:(?<![\w,.)]\s)(?<![\w,.)])meeting\s+)"
# Status phrases with the words around them that belong to them.
STATUS_PHRASE_RE = re.compile(
    r"(?:\*+\s*)?"
    r"(?:\b(?:this\s+meeting\s+|" + _LONE_MEETING + r")?(?:has\s+been|is|was|will\s+be)\s+"
    r"(?=cancel|postpon|re-?sch))?"
    r"(?:"
    r"\b(?:notice\s+of\s+)?(?:" + _LONE_MEETING + r")?cancel(?:l?ed|lation)\b(?:\s+notice\b)?"
    r"(?:\s+of(?:\s+(?:a|an|the))?\b)?"  # "Cancellation Notice of a Regular Meeting"
    r"(?:\s*[-–—:]?\s*(?:due\s+to|because\s+of|for\s+lack\s+of|no\s+quorum)\b" + _TAIL + ")?"
    r"|\bno\s+meeting\b(?:\s+(?:this\s+month|scheduled|will\s+be\s+held)\b)?"
    r"|\b(?:this\s+)?(?:" + _LONE_MEETING + r")?will\s+not\s+(?:be\s+held|meet|take\s+place)\b"
    r"|\b(?:re-?scheduled|postponed|deferred)\s+(?:to|until|till|for|from)\b" + _TAIL + ""
    r"|\b(?:re-?scheduled|postponed|deferred)\b"
    r"|\b(?:amended|revised|updated|corrected|draft)\s+agenda\b|\bagenda\s+(?:amended|revised)\b"
    r"|[(\[]\s*(?:amended|revised|updated)\s*[)\]]"
    r")(?:\s*\*+)?",
    re.IGNORECASE,
)
# "AMENDED", "REVISED" as a badge: in capitals amid other text ("City Council AMENDED"), or at
# the end after a dash ("… - Revised").
BADGE_CAPS_RE = re.compile(r"\b(?:AMENDED|REVISED|UPDATED)\b")
TRAILING_BADGE_RE = re.compile(r"\s[-–—:]\s*(?:amended|revised|updated)\s*$", re.IGNORECASE)
# "Special Meeting" / "Special Session": a note about the meeting, no status.
SPECIAL_RE = re.compile(r"\bspecial\s+(?:meeting|session)\b", re.IGNORECASE)
# Separators left side by side, or at either end, when words between them are taken out.
SEPARATORS = r"\-–—|/:;,"
SEPARATOR_RUN_RE = re.compile(rf"(?:\s*[{SEPARATORS}]++\s*){{2,}}")  # "--" is one separator
EDGE_RE = re.compile(rf"^[\s{SEPARATORS}*]+|[\s{SEPARATORS}*]+$")
EMPTY_BRACKETS_RE = re.compile(r"[(\[]\s*[)\]]")

# --- location boilerplate ---------------------------------------------------------------------

# "Location:", "Meeting Location", "Meeting Place:", "Where:", "Address:" before the place.
LOCATION_LABEL_RE = re.compile(
    r"^(?:(?:meeting\s+)?location\b\s*[:\-–—]?|(?:meeting\s+)?(?:place|venue|address|where)\s*:)\s*",
    re.IGNORECASE,
)
# Map and directions links rendered as text.
MAP_LINK_RE = re.compile(
    r"[(\[]\s*(?:map|directions|view\s+map)\s*[)\]]"
    r"|\b(?:view|show|open|see)\s+(?:on\s+)?(?:a\s+)?(?:google\s+)?map\b"
    r"|\bclick\s+(?:here\s+)?for\s+(?:a\s+)?(?:map|directions)\b"
    r"|\bget\s+directions\b|\bmap\s+(?:it|this|link)\b|\bgoogle\s+maps?\b|\bdirections\s*$",
    re.IGNORECASE,
)
# How one attends, written before or after the place: "Virtual/In-person", "Hybrid Meeting".
ATTENDANCE_RE = re.compile(
    r"\b(?:virtual|online|remote)\s*(?:/|&|\+|\band\b|\bor\b)\s*in[-\s]?person\b"
    r"|\bin[-\s]?person\s*(?:/|&|\+|\band\b|\bor\b)\s*(?:virtual|online|remote)\b"
    r"|\bhybrid(?:\s+meeting)?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Marked:
    """A field's text without its status words; the status they say; a "special" note."""

    text: str
    status: MeetingStatus = "scheduled"
    special: bool = False


def tidy(value: str) -> str:
    """Text with the separators and brackets left empty by a removal folded away."""
    value = EMPTY_BRACKETS_RE.sub(" ", value)
    value = SEPARATOR_RUN_RE.sub(lambda m: _first_separator(m.group(0)), value)
    value = re.sub(r"\s+,", ",", squash(value))
    return EDGE_RE.sub("", value)


def _first_separator(run: str) -> str:
    first = run.split()[0] if run.split() else run
    return ", " if first.startswith(",") else f" {first} "


def marked(value: str | None, keep_special: bool = True) -> Marked:
    """`value` without the status words written into it, and the status they say.

    With `keep_special` False, "Special Meeting" is taken out too (a location's note).
    """
    raw = squash(value)
    if not raw:
        return Marked("")
    unglued = GLUED_RE.sub(" ", raw)
    status = status_from_text(unglued)
    special = bool(SPECIAL_RE.search(unglued))
    text = STATUS_PHRASE_RE.sub(" ", unglued)
    if not raw.isupper():  # in a name written all in capitals, "AMENDED" may be a word of it
        text = BADGE_CAPS_RE.sub(" ", text)
    text = TRAILING_BADGE_RE.sub(" ", text)
    if not keep_special:
        text = SPECIAL_RE.sub(" ", text)
    return Marked(tidy(text) if text != unglued else raw, status, special)


# A line that names a place: a room, hall, chamber, center or a street address. Used to find the
# place in a free-text note when a platform's own location field is empty (Mecklenburg County's
# Legistar writes "REVISED AGENDA\r\nCharlotte-Mecklenburg Government Center - Room 267" there).
PLACE_LINE_RE = re.compile(
    r"\b(?:room|hall|chambers?|cent(?:er|re)|building|annex|auditorium|library|courthouse|"
    r"boardroom|suite|floor)\b|\b\d+\s+(?:[nsew]\.?\s+)?\w+(?:\s+\w+)*\s+"
    r"(?:st|street|ave|avenue|rd|road|blvd|boulevard|dr|drive|way|lane|ln|pkwy|parkway)\b",
    re.IGNORECASE,
)


def place_in_note(note: str | None) -> str:
    """The first line of a free-text `note` that names a place, without status words; or "".

    Lines are split on line breaks only; a line with a clock time or over 150 characters is a
    note about the meeting, not its place.
    """
    for line in re.split(r"[\r\n]+", note or ""):
        found = clean_location(line).text
        # A clock time makes it a schedule note ("Closed Session at 9:30 a.m."), not a place.
        if found and len(found) <= 150 and not clock_spans(squash(found)):
            if PLACE_LINE_RE.search(found):
                return found
    return ""


def clean_location(value: str | None) -> Marked:
    """A place without labels, map links, attendance words and status words; and its status.

    Room numbers, street addresses and ", IL 60601" stay; a place that is only "Virtual" stays.
    """
    found = marked(value, keep_special=False)
    text = MAP_LINK_RE.sub(" ", LOCATION_LABEL_RE.sub("", found.text))
    without_mode = ATTENDANCE_RE.sub(" ", text)
    text = without_mode if tidy(without_mode) else text
    if text == found.text:
        return found
    return Marked(tidy(LOCATION_LABEL_RE.sub("", tidy(text))), found.status, found.special)


# --- document labels --------------------------------------------------------------------------

# What a document link is, from the words platforms label it with, first match wins: "Minutes
# Packet" is minutes (IQM2, CivicClerk), "Agenda Packet(s)" a packet (Municode's column headers
# are plural on some sites), "Accessible Agenda" and
# eScribe's "PostAgenda" an agenda, "Recap/Minutes" and "Summary" minutes, "HTML Journal" minutes.
LINK_WORDS: tuple[tuple[LinkKind, re.Pattern[str]], ...] = (
    ("minutes", re.compile(r"minutes|\bjournal\b|\bsummary\b|\brecap\b", re.I)),
    ("packet", re.compile(r"\bpackets?\b", re.I)),
    ("agenda", re.compile(r"agenda", re.I)),
    ("video", re.compile(r"\b(?:videos?|audio|multimedia|mp[34])\b", re.I)),
    ("detail", re.compile(r"\bdetails?\b", re.I)),
)


def link_kind(label: str | None, default: LinkKind = "other") -> LinkKind:
    """The kind of a document link from its label or type ("Agenda Packet" → packet)."""
    return next((kind for kind, words in LINK_WORDS if words.search(label or "")), default)


# --- names ------------------------------------------------------------------------------------

# Glyphs pages put before or after a name: expand/collapse arrows and triangles, bullets, stars,
# daggers, dashes, plus/minus toggles and brackets around them.
DECORATION = "►▶▸▹▻▼▽▾▿◄◀◂◃◅▲△▴▵•·●○◦∙‣⁃■□▪▫◆◇❖★☆✓✔✱✲*†‡»«›‹→←↓↑⇒⇨➔➜➤⊕⊖⊞⊟+−–—-|:;,~_"
DECORATION_RE = re.compile(
    r"^(?:\s|[\[(](?:\+|-|−|x)[\])]|[" + re.escape(DECORATION) + r"])+"
    r"|(?:\s|[\[(](?:\+|-|−|x)[\])]|[" + re.escape(DECORATION) + r"])+$"
)
# Toggle words some templates render as text next to a heading.
TOGGLE_RE = re.compile(r"^(?:expand|collapse)(?:\s+all)?\b\s*|\s*\b(?:expand|collapse)$", re.I)
# Vendor and page words appended to names in page titles: " - Legistar", " | BoardDocs",
# " • CivicEngage", " - Granicus", "(iQM2)".
VENDOR_SUFFIX_RE = re.compile(
    r"\s*(?:[-–—|•:]\s*|\()\s*(?:legistar|boarddocs(?:\s+pl)?|civicengage(?:\s+\d+)?|civicplus|"
    r"granicus(?:\s+content)?|iqm2|novusagenda|primegov|civicclerk|escribe|municode(?:\s+meetings)?|"
    r"diligent(?:\s+community)?|agenda\s+center|meeting\s+portal)\s*\)?\s*$",
    re.IGNORECASE,
)
# A status written into a body name: "*Public Safety Committee - CANCELLED", "CANCELLED - Weed
# Board", "City Council (No Meeting)".
NAME_STATUS_RE = re.compile(
    r"\s*(?:[-–—:]\s*)?[\[(]?\s*\b(?:cancel(?:l?ed|lation)|no\s+meeting|re-?scheduled|postponed)"
    r"\b\s*[\])]?\s*(?:[-–—:]\s*)?",
    re.IGNORECASE,
)


# Cheap tests that a name may need `clean_name`'s regular expressions at all (most do not).
EDGE_CHARS = frozenset(DECORATION + "[(])")
NAME_HINTS = (
    "legistar", "boarddocs", "civic", "granicus", "iqm2", "novus", "primegov", "escribe",
    "municode", "diligent", "agenda center", "portal", "expand", "collapse",
)  # fmt: skip
STATUS_HINTS = (
    "cancel", "meeting", "schedul", "postpon", "amended", "revised", "session", "hearing", "workshop",
)  # fmt: skip


def clean_name(name: str | None) -> str:
    """A name without decoration: arrows, bullets, toggles, vendor suffixes, odd spaces.

    "► City Council" and "City Council ▼" are "City Council"; "Calendar - Legistar" is
    "Calendar"; non-breaking and zero-width spaces fold to one space.
    """
    cleaned = squash(name)
    lowered = cleaned.lower()
    plain = cleaned[:1] not in EDGE_CHARS and cleaned[-1:] not in EDGE_CHARS
    if plain and not any(hint in lowered for hint in NAME_HINTS):
        return cleaned
    previous = None
    while cleaned != previous:
        previous = cleaned
        cleaned = DECORATION_RE.sub("", cleaned)
        cleaned = TOGGLE_RE.sub("", cleaned)
        cleaned = VENDOR_SUFFIX_RE.sub("", cleaned).strip()
    return cleaned


# The kind of meeting written with a body's name: "Regular Meeting", "Special Board Meeting",
# "Work Session", "Public Hearing", "Budget Workshop".
MEETING_KIND = (
    r"(?:(?:regular|special|adjourned|emergency|joint|annual|organizational|reconvened|continued|"
    r"rescheduled|budget|closed|executive|public|virtual|remote|zoom|webex|online|hybrid|"
    r"monthly|quarterly)\s+)*"
    r"(?:(?:board|council|committee|commission)\s+)?"
    r"(?:meeting|session|hearing|workshop|work\s+session|study\s+session)s?"
)
# Words that make a text a body's name ("Study Session - Budget" names no body).
BODY_WORD_RE = re.compile(
    r"\b(?:council|board|commission|committee|trustees|authority|district|court|assembly|"
    r"senate|house|caucus|panel|task\s+force|village|city|county|township|"
    r"boe|bos|bot|boc|bocc|zba|bza)\b",  # Board of Education, … of Supervisors, Zoning Appeals
    re.IGNORECASE,
)
# An initialism in a name not written all in capitals names a body too: Las Cruces' "Work
# Session - CIAC", "ASCMV Closed Meeting" (three to six capitals; "PM" and "TV" are no body).
INITIALISM_RE = re.compile(r"\b[A-Z]{3,6}\b")
# Capitalised words that are no body: how or when a meeting is held, notes, document words
# ("ZOOM Meeting", "VIRTUAL Special Meeting", "REVISED Agenda").
NOT_BODY_CAPS = frozenset(
    {
        "ZOOM", "WEBEX", "TEAMS", "LIVE", "ONLINE", "VIRTUAL", "REMOTE", "HYBRID", "PHONE",
        "COVID", "ADA", "TBD", "TBA", "NEW", "ONLY", "NOTE", "PLEASE", "TIME", "DATE", "ROOM",
        "AND", "THE", "FOR", "VIA", "WITH", "JOINT", "PUBLIC", "SPECIAL", "REGULAR", "CLOSED",
        "DRAFT", "FINAL", "AMENDED", "REVISED", "UPDATED", "CHANGE", "CHANGED", "MOVED",
        "CANCELED", "CANCELLED", "AGENDA", "MINUTES", "NOTICE", "PACKET", "VIDEO", "AUDIO",
    }
)  # fmt: skip
# A kind that says which meeting of a body it is ("Regular Meeting", "Special Session"): after a
# separator, what comes before it names who meets ("Utilities - Regular Meeting", Las Cruces).
QUALIFIED_KIND_RE = re.compile(
    r"(?:regular|special|adjourned|emergency|annual|organizational|reconvened|continued|closed|"
    r"executive)\s+(?:meeting|session)s?",
    re.IGNORECASE,
)


def _names_body(text: str, whole: str, kind: str = "") -> bool:
    """Whether `text`, part of the name `whole`, names a body.

    It does with a body word, an initialism (when `whole` is not all capitals), or a qualified
    `kind` written after it.
    """
    return bool(
        BODY_WORD_RE.search(text)
        or (not whole.isupper() and _has_initialism(text))
        or QUALIFIED_KIND_RE.fullmatch(squash(kind))
    )


def _has_initialism(text: str) -> bool:
    return any(word not in NOT_BODY_CAPS for word in INITIALISM_RE.findall(text))


KIND_AFTER_RE = re.compile(
    rf"^(?P<body>.+?)\s*(?:[-–—:|]\s*|[(\[]\s*)(?P<kind>{MEETING_KIND})\s*[)\]]?$", re.I
)
KIND_BEFORE_RE = re.compile(
    rf"^(?P<kind>{MEETING_KIND})(?:\s+of(?:\s+the)?\s+|\s*[-–—:|]\s*)(?P<body>.+)$", re.I
)
# Words that say which meeting of a body it is, written around the body's name with no separator.
_QUALIFIER = (
    r"(?:regular|special|adjourned|emergency|annual|organizational|reconvened|continued|"
    r"rescheduled|closed|executive|virtual|remote|zoom|webex|online|hybrid|monthly|quarterly)"
)
# A kind run on after the body's name ("City Council Meeting", "City Council Regular Meeting",
# "Board of Ethics Special Meeting", "City Council Workshop"): sites that write one also write the
# others (West Hollywood, Lindsay), so all name the City Council. What is left must still name a
# body ("Successor Agency Meeting" stays: "Successor Agency" has no body word).
KIND_RUN_ON_RE = re.compile(
    rf"^(?P<body>.+?)\s+(?P<kind>(?:{_QUALIFIER}\s+)+(?:(?:board|council|committee)\s+)?meetings?|"
    rf"meetings?|(?:{_QUALIFIER}\s+)+sessions?|"
    rf"(?:{_QUALIFIER}\s+)*(?:workshop|work\s+session|study\s+session|public\s+hearing)s?)$",
    re.I,
)
# The same words around the name: "Regular City Council Meeting", "Special Board Meeting".
KIND_AROUND_RE = re.compile(
    rf"^(?P<kind>(?:{_QUALIFIER}\s+)+)(?P<body>.+?)\s+(?:meeting|session)s?$", re.I
)


def split_body(name: str | None) -> tuple[str, str]:
    """A body's name and the kind of meeting written with it, where a separator parts them.

    "Village Board of Trustees - Regular Meeting" → ("Village Board of Trustees", "Regular
    Meeting"); "Special Meeting of the City Council" → ("City Council", "Special Meeting"). A
    name that runs them together ("Board of Ethics Regular Meeting") is one body's name as
    written: sites that do so use it as the body's name everywhere. No split → (name, "").
    """
    cleaned = squash(name)
    for regex, after in ((KIND_AFTER_RE, True), (KIND_BEFORE_RE, False)):
        match = regex.match(cleaned)
        if match and _names_body(match["body"], cleaned, match["kind"] if after else ""):
            body = clean_name(match["body"])
            if body and not re.fullmatch(MEETING_KIND, body, re.I):
                return body, squash(match["kind"])
    return cleaned, ""


def clean_body(name: str | None) -> str:
    """A body's name: `clean_name`, without status words or a meeting kind after a separator.

    "*Public Safety Committee - CANCELLED", "City Council - Regular Meeting" and "City Council
    Regular Meeting" name the Public Safety Committee and the City Council.
    """
    cleaned = clean_name(name)
    if not any(hint in cleaned.lower() for hint in STATUS_HINTS):
        return _without_run_on_kind(cleaned)
    body = split_body(cleaned)[0] or cleaned  # first: "Special Meeting of the …" is a kind
    unmarked = clean_name(marked(body, keep_special=False).text) or body
    unmarked = clean_name(NAME_STATUS_RE.sub(" ", unmarked)) or unmarked
    found = _without_run_on_kind(split_body(unmarked)[0] or unmarked)
    if status_from_text(cleaned) != "scheduled" and (
        NOTICE_ONLY_RE.fullmatch(found) or not marked(cleaned).text
    ):
        # "Cancellation Notice", "Notice of Cancellation", "Meeting Cancelled": a notice that
        # names no body (Gardena's Granicus view lists them as rows of their own).
        return ""
    # "Special Meeting Agenda" (a meeting type at KCKPS) is not the body "Agenda".
    return cleaned if DOCUMENT_WORD_RE.fullmatch(found) else found


# What is left of a name that named a document, not a body.
DOCUMENT_WORD_RE = re.compile(r"(?:agenda|minutes|notice|packet)s?", re.I)
# What is left of a status notice once its status words are out: nothing, a document word, a
# meeting kind, "Notice of (Meeting)".
NOTICE_ONLY_RE = re.compile(
    rf"(?:(?:notice|agenda)s?(?:\s+of)?\s*)?(?:{MEETING_KIND})?(?:\s*(?:notice|agenda)s?)?",
    re.IGNORECASE,
)


def _without_run_on_kind(name: str) -> str:
    """`name` without a meeting kind run on around a body's name (KIND_RUN_ON_RE, KIND_AROUND_RE)."""
    for regex in (KIND_AROUND_RE, KIND_RUN_ON_RE):
        match = regex.match(name)
        if match and _names_body(match["body"], name):
            return clean_name(match["body"])
    return name
