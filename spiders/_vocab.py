"""The words platforms use for a meeting's status, and the decoration around names: one copy.

Every spider reads status and names through these two functions, so a wording learned from one
platform's page (Inglewood's "(No Meeting)", Los Angeles' "Notice of Cancellation", Cincinnati's
"NOTICE OF CANCELLATION" in a location cell) is understood on all of them. The table tests in
``tests/test_vocab.py`` hold the real wordings.
"""

from __future__ import annotations

import re

from pipeline.models import LinkKind, MeetingStatus
from spiders._parse import squash

# Cancellation. No leading word boundary: Legistar glues it to the location ("IllinoisCANCELLED")
# and some sites star it ("***CANCELED***"). "Cancellation" covers "Notice of Cancellation",
# "Cancellation Notice" and "…City Council-Cancellation".
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
TENTATIVE_RE = re.compile(r"\btentative(?:ly)?\b", re.IGNORECASE)


def status_from_text(*texts: str | None) -> MeetingStatus:
    """The status that titles, notes, locations or document names say, else ``scheduled``.

    Cancelled wins over a move (a cancelled slot "rescheduled to May 5" is still not held), a
    move over tentative. "Rescheduled from …" describes the meeting that does take place.
    """
    joined = " ".join(t for t in texts if t)
    if CANCELLED_RE.search(joined):
        return "cancelled"
    if MOVED_AWAY_RE.search(MOVED_HERE_RE.sub(" ", joined)):
        return "rescheduled"
    if TENTATIVE_RE.search(joined):
        return "tentative"
    return "scheduled"


# --- document labels --------------------------------------------------------------------------

# What a document link is, from the words platforms label it with, first match wins: "Minutes
# Packet" is minutes (IQM2, CivicClerk), "Agenda Packet" a packet, "Accessible Agenda" and
# eScribe's "PostAgenda" an agenda, "Recap/Minutes" and "Summary" minutes, "HTML Journal" minutes.
LINK_WORDS: tuple[tuple[LinkKind, re.Pattern[str]], ...] = (
    ("minutes", re.compile(r"minutes|\bjournal\b|\bsummary\b|\brecap\b", re.I)),
    ("packet", re.compile(r"\bpacket\b", re.I)),
    ("agenda", re.compile(r"agenda", re.I)),
    ("video", re.compile(r"\b(?:video|audio|multimedia|mp[34])\b", re.I)),
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
STATUS_HINTS = ("cancel", "meeting", "schedul", "postpon")


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


def clean_body(name: str | None) -> str:
    """A body's name: `clean_name`, and no status words ("*Public Safety Committee - CANCELLED")."""
    cleaned = clean_name(name)
    if not any(hint in cleaned.lower() for hint in STATUS_HINTS):
        return cleaned
    return clean_name(NAME_STATUS_RE.sub(" ", cleaned)) or cleaned
