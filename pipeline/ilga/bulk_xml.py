"""Parsers for Illinois General Assembly bulk XML, shared helpers, and the action classifier.

Everything here is pure (bytes in, models out) so the spider, the ``parse`` command, the tests and
the benchmark share it. Facts relied on (``docs/ilga.md``):

- Bulk status XML ``/ftp/legislation/{GA}/BillStatus/XML/{GA}00{TYPE}{NNNN}.xml``: root ``<xml>``,
  ``<title>`` "… Bill Status for HR 17", ``<shortdesc>``, ``<sponsor>`` (``sponsorhead*`` +
  ``sponsors`` strings), ``<lastaction>``, ``<synopsis>`` (``synopsistitle``/``SynopsisText`` pairs,
  the first title empty = as introduced), ``<actions>`` (a flat ``statusdate, chamber, action``
  sequence), optional ``<committeehearing>``. The declared encoding varies (ISO-8859-1, UTF-8) and
  stray control characters occur, so bytes are decoded by the declaration and scrubbed first; a
  DOCTYPE is refused by the parser (defusedxml, on the decoded text), so no entity (external or
  internal) is ever expanded, whatever encoding hides the declaration.
- The Bill Status page (and the FTP per-bill HTML) changed markup eight times in two years, so
  sections are found by their heading TEXT ("Last Action", "Synopsis As Introduced", "Actions",
  "Hearings"), whatever the tag; the actions table has malformed ``</td></tr></td></tr>``.
- Hearing pages ``/{House|Senate}/hearings/details/{committeeId}/{hearingId}``: committee from the
  "… Hearing Details" heading, "Label: value" rows (Date ``3/19/2026 8:00 AM`` local), and the
  "Bills Assigned To Hearing" table whose first cell is "HB1783" or "HB2960 (HFA2)".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from pipeline.models import (
    Bill,
    BillAction,
    BillActionKind,
    BillHearing,
    BillSponsor,
    BillSynopsis,
)
from pipeline.text.safexml import XmlRefused, decode_xml, parse_strict

CHICAGO = ZoneInfo("America/Chicago")
INTRODUCED = "Synopsis As Introduced"
GAID_OFFSET = 86  # GA = GAID + 86 for the 95th GA onwards (ilga.md §3)

# --- action classifier --------------------------------------------------------------------------

# "Senate Committee Amendment No. 1 Filed with Secretary by …": amendment rows, checked first.
AMENDMENT_RE = re.compile(
    r"^(?:House|Senate)\s+(?:Floor\s+|Committee\s+)?Amendment\s+No\.\s*\d+\s+(?P<rest>.*)$", re.I
)
# What happened to the amendment, from the rest of the row.
AMENDMENT_KINDS: tuple[tuple[re.Pattern[str], BillActionKind], ...] = (
    (re.compile(r"^Filed\b", re.I), "amendment_filed"),
    (re.compile(r"^Adopted\b", re.I), "amendment_adopted"),
    (re.compile(r"^(?:House|Senate)\s+Concurs\b", re.I), "concurred"),
)
# Whole-row patterns in order; the first match wins. "Placed on Calendar Order of 3rd Reading"
# matches none of them (it is not a passage).
ACTION_KINDS: tuple[tuple[re.Pattern[str], BillActionKind], ...] = (
    (re.compile(r"^(?:Pre-?)?filed\s+with\s+(?:the\s+)?(?:Clerk|Secretary)\b", re.I), "filed"),
    (re.compile(r"^Public\s+Act\b", re.I), "public_act"),
    (re.compile(r"^Governor\s+Approved\b", re.I), "signed"),
    # The end of a vetoed or abandoned bill: "Total Veto Stands - No Positive Action Taken",
    # "Bill Dead - No Positive Action Taken" (checked before "Total Veto").
    (re.compile(r"^(?:Total\s+Veto\s+Stands|Bill\s+Dead)\b", re.I), "died"),
    (
        re.compile(r"\bOverride\s+(?:Total\s+|Item\s+|Reduction\s+)?Veto\b.*\bPassed\b", re.I),
        "veto_overridden",
    ),
    (
        re.compile(
            r"^(?:Governor\s+(?:Total\s+|Amendatory\s+|Item\s+|Reduction\s+)?Veto|Total\s+Veto|Vetoed)",
            re.I,
        ),
        "vetoed",
    ),
    (re.compile(r"^Sent\s+to\s+the\s+Governor\b", re.I), "sent_to_governor"),
    (re.compile(r"^Passed\s+Both\s+Houses\b", re.I), "passed_both"),
    (re.compile(r"^(?:House|Senate)\s+Concurs\b", re.I), "concurred"),
    (re.compile(r"^Third\s+Reading\b.*\b(?:Lost|Failed)\b", re.I), "failed"),
    # A committee vote that failed ("Motion Do Pass - Lost … 004-007-000"), a resolution lost.
    (re.compile(r"^(?:Motion\s+)?Do\s+Pass\b.*\bLost\b|^Resolution\s+Lost\b", re.I), "failed"),
    # Missed a committee or floor deadline: back to Rules (House) or Assignments (Senate).
    (re.compile(r"^Rule\s+[\d-]+\s*\(\w\)\s*/\s*Re-?referred\b", re.I), "stalled"),
    (re.compile(r"^Session\s+Sine\s+Die\b", re.I), "died"),
    (
        re.compile(r"^(?:Do\s+Pass|Recommends\s+Be\s+Adopted|Be\s+Adopted)\b", re.I),
        "passed_committee",
    ),
    (re.compile(r"^(?:Referred\s+to|Assigned\s+to|Re-?assigned\s+to)\b", re.I), "referred"),
)
# Floor passage: "Third Reading - Short Debate - Passed 113-000-000", "Resolution Adopted 112-002-001".
PASSED_RE = re.compile(r"^(?:Third\s+Reading\b.*\bPassed\b|Resolution\s+Adopted\b)", re.I)
# "Public Act . . . . . . . . . 104-0166" → the act number.
PUBLIC_ACT_RE = re.compile(r"Public\s+Act[\s.]*(\d{2,3}-\d{3,4})", re.I)
# A Public Act link on the status page: ../../legislation/PublicActs/View/104-0166
PUBLIC_ACT_LINK_RE = re.compile(r"PublicActs/View/(\d{2,3}-\d{3,4})", re.I)


def classify_action(text: str, chamber: str) -> BillActionKind:
    """The kind of an action row, from its text (and chamber, for floor passage)."""
    text = " ".join(text.split())
    amendment = AMENDMENT_RE.match(text)
    if amendment:
        rest = amendment.group("rest")
        return next((k for rx, k in AMENDMENT_KINDS if rx.search(rest)), "amendment_other")
    if PASSED_RE.match(text):
        return "passed_senate" if chamber.strip().lower() == "senate" else "passed_house"
    return next((k for rx, k in ACTION_KINDS if rx.search(text)), "other")


def public_act_of(actions: list[BillAction]) -> str | None:
    """The Public Act number from the history ("104-0166"), if enacted."""
    for action in reversed(actions):
        if action.kind == "public_act" and (m := PUBLIC_ACT_RE.search(action.action)):
            return m.group(1)
    return None


# --- shared helpers -----------------------------------------------------------------------------

# "8/15/2025", "1/09/2025".
DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
# "8:00 AM", "3:00PM" (the site is inconsistent about the space).
CLOCK_RE = re.compile(r"(\d{1,2}):(\d{2})\s*([AP])\.?\s*M\.?", re.I)
# Bulk file names: 10400HB0017.xml → GA 104, HB, 17.
BULK_NAME_RE = re.compile(r"(\d{2,3})00([A-Z]{2,5})(\d{4})\.(?:xml|html?)$", re.I)
# A bill label as printed: "HB1783", "HB 17", "SB0022", with an optional "(HFA2)" amendment.
LABEL_RE = re.compile(r"^\s*([A-Z]{2,5})\s*0*(\d{1,5})(?:\s*\(([A-Z]+\s*\d+)\))?", re.I)
# "HB1062 - 104th General Assembly (2025-2026)", "Bill Status of SB 22   99th General Assembly".
GA_HEADING_RE = re.compile(
    r"(?:Bill Status of\s+)?([A-Z]{2,5})\s*0*(\d{1,5})\s*-?\s*(\d{2,3})(?:st|nd|rd|th)\s+General Assembly",
    re.I,
)
# Titles of the sections we read, by text, lower case: never taken for the short title.
SECTION_HEADINGS = {
    "last action",
    "statutes amended in order of appearance",
    "synopsis as introduced",
    "actions",
    "hearings",
    "house sponsors",
    "senate sponsors",
    "sponsors",
}
# Any heading tag, for text-based section lookup.
HEADINGS_XPATH = ".//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]"


class IlgaParseError(ValueError):
    """A page or file did not have the shape the parser needs; the message says what is missing."""


def clean_text(text: str | None) -> str:
    """`text` on one line, runs of whitespace collapsed (None → "")."""
    return " ".join((text or "").split())


def parse_date(text: str) -> date:
    """``8/15/2025`` → date; `IlgaParseError` when there is none."""
    m = DATE_RE.search(text)
    if not m:
        raise IlgaParseError(f"no m/d/yyyy date in {text!r}")
    return date(int(m.group(3)), int(m.group(1)), int(m.group(2)))


def parse_clock(text: str) -> time | None:
    """``8:00 AM`` / ``3:00PM`` → time, or None."""
    m = CLOCK_RE.search(text)
    if not m:
        return None
    hour = int(m.group(1)) % 12 + (12 if m.group(3).upper() == "P" else 0)
    return time(hour, int(m.group(2)))


def bulk_name(ga: int, doc_type: str, number: int) -> str:
    """``10400HB0017``: the bulk files' stem for a bill."""
    return f"{ga:03d}00{doc_type.upper()}{number:04d}"


def split_label(text: str) -> tuple[str, int, str | None] | None:
    """``"HB2960 (HFA2)"`` → ("HB", 2960, "HFA2"); None when the text is no bill label."""
    m = LABEL_RE.match(text)
    if not m:
        return None
    amendment = m.group(3).replace(" ", "").upper() if m.group(3) else None
    return m.group(1).upper(), int(m.group(2)), amendment


def bill_identity(source: str, ga: int, doc_type: str, number: int) -> dict[str, Any]:
    """A bill's identifying fields as `Bill` takes them; ``id`` is ``il-general-assembly/104/HB1062``."""
    return {
        "id": f"{source}/{ga}/{doc_type}{number}",
        "source": source,
        "ga": ga,
        "doc_type": doc_type,
        "number": number,
    }


def ftp_html_url(data_url: str, ga: int, doc_type: str, number: int) -> str:
    """The per-bill FTP status HTML next to a bulk XML URL (a page for humans that always exists)."""
    parts = urlsplit(data_url)
    root = data_url[: data_url.find("/legislation/")] if "/legislation/" in data_url else ""
    if not root:
        root = f"{parts.scheme}://{parts.netloc}/ftp"
    return f"{root}/legislation/{ga}/BillStatus/HTML/{bulk_name(ga, doc_type, number)}.html"


# --- sponsors -----------------------------------------------------------------------------------

# Name separators in the bulk XML sponsor string: " - ", "-", ", ", " and ".
SPONSOR_SPLIT_RE = re.compile(r"\s+-\s+|,\s+|\s+and\s+")
# Suffixes that belong to the previous name ("Emil Jones, III", "Edgar Gonzalez, Jr.").
SUFFIX_RE = re.compile(r"^(?:Jr\.?|Sr\.?|I{2,3}|IV|V)$")
# "Rep. " / "Sen. " / "(Sen. " prefixes.
TITLE_PREFIX_RE = re.compile(r"^\(?\s*(?:Rep|Sen)\.\s*")


def split_sponsors(text: str, chamber: str) -> list[BillSponsor]:
    """Sponsors from a bulk sponsor string; the first is the chamber's chief sponsor.

    The separators are " - " in newer files and a bare "-" in older ones (SB22: "Cullerton-Antonio
    Muņoz"), so a bare hyphen splits only when no spaced one occurs.
    """
    body = TITLE_PREFIX_RE.sub("", clean_text(text)).strip("() ")
    if not body:
        return []
    pattern = SPONSOR_SPLIT_RE if " - " in body else re.compile(r"-|,\s+|\s+and\s+")
    names: list[str] = []
    for part in (p.strip() for p in pattern.split(body)):
        if not part:
            continue
        if names and SUFFIX_RE.match(part):
            names[-1] = f"{names[-1]}, {part}"
        else:
            names.append(part)
    return [BillSponsor(name=n, chamber=chamber, chief=i == 0) for i, n in enumerate(names)]


# --- hearings as one line of text ---------------------------------------------------------------

# "Agriculture & Conservation Committee Hearing Feb 17 2026 3:00PM Capitol Building 118 …".
HEARING_LINE_RE = re.compile(
    r"^(?P<committee>.+?)\s+Hearing\s+(?P<mon>[A-Z][a-z]{2})[a-z]*\.?\s+(?P<day>\d{1,2}),?\s+"
    r"(?P<year>\d{4})\s*(?P<clock>\d{1,2}:\d{2}\s*[AP]\.?M\.?)?\s*(?P<location>.*)$"
)
MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def parse_hearing_line(text: str, tz: ZoneInfo = CHICAGO) -> BillHearing | None:
    """One "… Committee Hearing Feb 17 2026 3:00PM Room …" line → a hearing (None if not one)."""
    m = HEARING_LINE_RE.match(clean_text(text))
    if not m or m.group("mon").lower() not in MONTHS:
        return None
    day = date(int(m.group("year")), MONTHS[m.group("mon").lower()], int(m.group("day")))
    clock = parse_clock(m.group("clock") or "")
    committee = m.group("committee")
    chamber = "Senate" if committee.lower().startswith("senate") else ""
    try:
        return BillHearing(
            committee=committee,
            chamber=chamber,
            start=datetime.combine(day, clock or time(0, 0), tzinfo=tz),
            time_known=clock is not None,
            location=m.group("location").strip(),
        )
    except ValidationError:  # a placeholder or typo year: not a hearing to show
        return None


# --- bulk XML -----------------------------------------------------------------------------------

# Characters XML 1.0 forbids, which the bulk files sometimes contain.
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# "Illinois General Assembly - Bill Status for HR 17".
XML_TITLE_RE = re.compile(r"Bill Status for\s+([A-Z]{2,5})\s*0*(\d{1,5})", re.I)
# GA from a bulk path: /legislation/104/BillStatus/…
PATH_GA_RE = re.compile(r"/legislation/(\d{2,3})/", re.I)


def read_xml(body: bytes) -> ET.Element:
    """Parse bulk XML safely: declared encoding (cp1252 if it lies), controls scrubbed, no DTD.

    Decoded first, then parsed by defusedxml (`pipeline.text.safexml`): a DOCTYPE or entity is
    refused however the file is encoded.
    """
    text = CONTROL_RE.sub(" ", decode_xml(body))
    try:
        return parse_strict(text)
    except XmlRefused as exc:
        raise IlgaParseError(str(exc)) from None


def _xml_triples(parent: ET.Element | None) -> list[tuple[str, str, str]]:
    """The flat ``statusdate, chamber, action`` sequence of ``<actions>`` as triples."""
    rows: list[tuple[str, str, str]] = []
    current: dict[str, str] = {}
    for child in list(parent) if parent is not None else []:
        tag = child.tag.lower()
        if tag == "statusdate" and current:
            rows.append(
                (
                    current.get("statusdate", ""),
                    current.get("chamber", ""),
                    current.get("action", ""),
                )
            )
            current = {}
        current[tag] = clean_text("".join(child.itertext()))
    if current:
        rows.append(
            (current.get("statusdate", ""), current.get("chamber", ""), current.get("action", ""))
        )
    return rows


def make_action(day: str, chamber: str, text: str) -> BillAction:
    """A `BillAction` from its date text, chamber and action text, its kind classified."""
    return BillAction(
        date=parse_date(day), chamber=chamber, action=text, kind=classify_action(text, chamber)
    )


def parse_bill_xml(body: bytes, url: str, source: str, tz: ZoneInfo = CHICAGO) -> Bill:
    """A bulk status XML file → `Bill` (GA from the file name, or the ``/legislation/{GA}/`` path)."""
    root = read_xml(body)
    name = BULK_NAME_RE.search(urlsplit(url).path)
    title_m = XML_TITLE_RE.search(root.findtext("title") or "")
    if name:
        ga, doc_type, number = int(name.group(1)), name.group(2).upper(), int(name.group(3))
    elif title_m and (path_ga := PATH_GA_RE.search(url)):
        ga, doc_type, number = (
            int(path_ga.group(1)),
            title_m.group(1).upper(),
            int(title_m.group(2)),
        )
    else:
        raise IlgaParseError(f"cannot tell the GA and bill number of {url}")
    actions = [make_action(*row) for row in _xml_triples(root.find("actions")) if row[0]]
    last = root.find("lastaction")
    last_action = None
    if last is not None and last.findtext("statusdate"):
        last_action = make_action(
            clean_text(last.findtext("statusdate")),
            clean_text(last.findtext("chamber")),
            clean_text(last.findtext("action")),
        )
        # The XML "sometimes lags" (ilga.md §10): keep a last action newer than the history.
        if not actions or last_action.date > actions[-1].date:
            actions.append(last_action)
    hearing_text = clean_text(root.findtext("committeehearing"))
    hearing = parse_hearing_line(hearing_text, tz) if hearing_text else None
    return Bill(
        **bill_identity(source, ga, doc_type, number),
        title=clean_text(root.findtext("shortdesc")),
        sponsors=_xml_sponsors(root),
        synopses=_xml_synopses(root),
        actions=actions,
        last_action=last_action or (actions[-1] if actions else None),
        public_act=public_act_of(actions),
        hearings=[hearing] if hearing else [],
        url=ftp_html_url(url, ga, doc_type, number),
        data_url=url,
    )


def _xml_sponsors(root: ET.Element) -> list[BillSponsor]:
    sponsors: list[BillSponsor] = []
    for block in root.findall("sponsor"):
        chamber = ""
        for child in block:
            if child.tag.lower().startswith("sponsorhead"):
                chamber = "Senate" if "senate" in (child.text or "").lower() else "House"
            elif child.tag.lower() == "sponsors":
                sponsors += split_sponsors(child.text or "", chamber)
    return sponsors


def _xml_synopses(root: ET.Element) -> list[BillSynopsis]:
    found: list[BillSynopsis] = []
    title = ""
    block = root.find("synopsis")
    for child in list(block) if block is not None else []:
        if child.tag.lower() == "synopsistitle":
            title = clean_text(child.text)
        elif child.tag.lower() == "synopsistext":
            text = clean_text("".join(child.itertext()))
            if text:
                found.append(BillSynopsis(title=title or INTRODUCED, text=text))
            title = ""
    return found
