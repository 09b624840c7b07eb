"""Parsers for ILGA web pages: Bill Status (and FTP per-bill HTML), hearings, bulk listings.

The markup changed eight times in two years, so sections are found by their heading TEXT ("Last
Action", "Synopsis As Introduced", "Actions", "Hearings"), whatever the tag. Shared helpers and
the bulk-XML parser live in `pipeline.ilga.bulk_xml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from urllib.parse import parse_qs, urljoin, urlsplit
from zoneinfo import ZoneInfo

from parsel import Selector

from pipeline.ilga.bulk_xml import (
    BULK_NAME_RE,
    CHICAGO,
    DATE_RE,
    GA_HEADING_RE,
    GAID_OFFSET,
    HEADINGS_XPATH,
    INTRODUCED,
    PUBLIC_ACT_LINK_RE,
    SECTION_HEADINGS,
    IlgaParseError,
    bill_identity,
    clean_text,
    make_action,
    parse_clock,
    parse_date,
    parse_hearing_line,
    public_act_of,
    split_label,
)
from pipeline.models import (
    Bill,
    BillAction,
    BillHearing,
    BillSponsor,
    BillSynopsis,
)

# --- Bill Status page / FTP per-bill HTML -------------------------------------------------------


def _headings(root: Selector) -> list[tuple[Selector, str]]:
    return [(h, clean_text(h.xpath("string(.)").get())) for h in root.xpath(HEADINGS_XPATH)]


def _section(root: Selector, name: str) -> Selector | None:
    """The first heading whose text is `name` (any tag, any case)."""
    wanted = name.lower()
    return next((h for h, text in _headings(root) if text.lower() == wanted), None)


def _bill_ids_from_url(url: str) -> tuple[int, str, int] | None:
    query = {k.lower(): v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    name = BULK_NAME_RE.search(urlsplit(url).path)
    if name:
        return int(name.group(1)), name.group(2).upper(), int(name.group(3))
    if {"gaid", "doctypeid", "docnum"} <= set(query):
        return int(query["gaid"]) + GAID_OFFSET, query["doctypeid"].upper(), int(query["docnum"])
    return None


def parse_status_page(body: bytes, url: str, source: str, tz: ZoneInfo = CHICAGO) -> Bill:
    """A Bill Status page (or the FTP per-bill HTML) → `Bill`; sections found by heading text."""
    page = Selector(text=body.decode("utf-8", errors="replace"))
    root = (page.css("#copyable-content") or [page])[0]
    ga_doc_num = _parse_page_identity(root) or _bill_ids_from_url(url)
    if ga_doc_num is None:
        raise IlgaParseError(f"no 'HB1062 - 104th General Assembly' heading and no ids in {url}")
    ga, doc_type, number = ga_doc_num
    actions = _parse_page_actions(root)
    title = _parse_page_title(root)
    if not title and not actions:
        raise IlgaParseError(f"{url}: no short title and no Actions table; the page changed shape")
    last_action = _parse_page_last_action(root) or (actions[-1] if actions else None)
    links = root.xpath(".//a/@href").getall()
    act_link = next((m.group(1) for h in links if (m := PUBLIC_ACT_LINK_RE.search(h))), None)
    return Bill(
        **bill_identity(source, ga, doc_type, number),
        title=title,
        sponsors=_parse_page_sponsors(root, url),
        statutes=[
            clean_text(a.xpath("string(.)").get())
            for a in root.xpath(".//a[contains(translate(@href, 'ILCS', 'ilcs'), 'ilcs/fulltext')]")
        ],
        synopses=_parse_page_synopses(root, url),
        actions=actions,
        last_action=last_action,
        public_act=act_link or public_act_of(actions),
        hearings=_parse_page_hearings(root, tz),
        url=url,
        data_url=url,
    )


def _parse_page_identity(root: Selector) -> tuple[int, str, int] | None:
    for _, text in _headings(root):
        if m := GA_HEADING_RE.search(text):
            return int(m.group(3)), m.group(1).upper(), int(m.group(2))
    text = clean_text((root.xpath("string(.)").get() or "")[:2000])
    m = GA_HEADING_RE.search(text)
    return (int(m.group(3)), m.group(1).upper(), int(m.group(2))) if m else None


def _parse_page_title(root: Selector) -> str:
    """The short title: the first heading that is neither the bill heading nor a known section."""
    for _, text in _headings(root):
        low = text.lower()
        if (
            text
            and low not in SECTION_HEADINGS
            and not GA_HEADING_RE.search(text)
            and "footer" not in low
        ):
            return text
    m = re.search(r"Short Description:\s*(.+)", root.xpath("string(.)").get() or "")
    return clean_text(m.group(1).splitlines()[0]) if m else ""


def _parse_page_last_action(root: Selector) -> BillAction | None:
    heading = _section(root, "Last Action")
    if heading is None:
        return None
    text = clean_text(heading.xpath("string(following::*[contains(@class,'list-group')][1])").get())
    m = re.match(r"(\d{1,2}/\d{1,2}/\d{4})\s*-\s*(House|Senate):?\s*(.*)$", text)
    return make_action(m.group(1), m.group(2), m.group(3)) if m else None


def _parse_page_sponsors(root: Selector, url: str) -> list[BillSponsor]:
    box = root.css("#sponsorDiv")
    if not box:
        return []
    sponsors: list[BillSponsor] = []
    chamber = ""
    for node in box[0].xpath(".//span | .//a"):
        text = clean_text(node.xpath("string(.)").get())
        tag = node.root.tag if hasattr(node.root, "tag") else ""
        if tag == "span" and text.lower().endswith("sponsors") and not node.xpath(".//a"):
            chamber = text.split()[0].title()
        elif tag == "a" and text:
            href = node.attrib.get("href", "")
            who = (
                "Senate"
                if "/senate/" in href.lower()
                else "House"
                if "/house/" in href.lower()
                else chamber
            )
            first = not any(s.chamber == who for s in sponsors)
            sponsors.append(
                BillSponsor(
                    name=text, chamber=who, chief=first, url=urljoin(url, href) if href else None
                )
            )
    return sponsors


def _parse_page_synopses(root: Selector, url: str) -> list[BillSynopsis]:
    """Synopsis As Introduced, then each amendment label (a link) followed by its list-group."""
    found: list[BillSynopsis] = []
    label: tuple[str, str | None] | None = None
    nodes = root.xpath(
        ".//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6 or self::a"
        " or (self::div and contains(concat(' ', @class, ' '), ' list-group '))]"
    )
    for node in nodes:
        tag = node.root.tag
        text = clean_text(node.xpath("string(.)").get())
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            label = (INTRODUCED, None) if text.lower() == INTRODUCED.lower() else None
        elif tag == "a" and label is not None and re.search(r"Amendment No\.\s*\d+", text, re.I):
            href = node.attrib.get("href")
            label = (text, urljoin(url, href) if href else None)
        elif tag == "div" and label is not None and text:
            found.append(BillSynopsis(title=label[0], text=text, url=label[1]))
    return found


def _parse_page_actions(root: Selector) -> list[BillAction]:
    heading = _section(root, "Actions")
    if heading is None:
        return []
    actions: list[BillAction] = []
    for row in heading.xpath("following::table[1]//tr[td]"):
        cells = [clean_text(c.xpath("string(.)").get()) for c in row.xpath("./td")]
        if len(cells) >= 3 and DATE_RE.search(cells[0]):
            actions.append(make_action(cells[0], cells[1], cells[2]))
    return actions


def _parse_page_hearings(root: Selector, tz: ZoneInfo) -> list[BillHearing]:
    heading = _section(root, "Hearings")
    if heading is None:
        return []
    block = heading.xpath("following-sibling::*[1]")
    lines = [clean_text(t) for t in block.xpath(".//text()").getall()] if block else []
    text = " ".join(line for line in lines if line)
    found = [h for part in re.split(r"(?<=, IL)\s+", text) if (h := parse_hearing_line(part, tz))]
    return found


# --- hearing detail pages -----------------------------------------------------------------------

# "House Education Policy Committee Hearing Details - 104th General Assembly".
HEARING_HEADING_RE = re.compile(r"^(?P<committee>.+?)\s+Hearing Details\b", re.I)
# /House/hearings/details/3056/22568 → chamber, committee id, hearing id.
HEARING_URL_RE = re.compile(r"/(House|Senate)/hearings/details/(\d+)/(\d+)", re.I)
# A schedule page that legitimately lists nothing.
NO_HEARINGS_RE = re.compile(r"No scheduled hearings", re.I)


@dataclass
class HearingBill:
    """A row of "Bills Assigned To Hearing": bill, amendment code (HFA2), motion, vote, result."""

    doc_type: str
    number: int
    amendment: str | None
    motion: str = ""
    vote: str = ""
    result: str = ""
    row: int = 0  # the row's place in the table (1, 2, …), so a row lost renumbers nothing
    witness_slip_url: str | None = None

    @property
    def label(self) -> str:
        """``HB1783``."""
        return f"{self.doc_type}{self.number}"


@dataclass
class HearingPage:
    """What a hearing detail page says."""

    committee: str
    chamber: str
    committee_id: str
    hearing_id: str
    start: datetime
    time_known: bool
    location: str
    details: dict[str, str] = field(default_factory=dict)
    bills: list[HearingBill] = field(default_factory=list)
    # Rows of the bills table without a bill label: lost, and said (the spider counts them).
    unreadable: list[str] = field(default_factory=list)


HEARING_LABELS = (
    "Chairperson",
    "Vice-Chairperson",
    "Republican Spokesperson",
    "Date",
    "Location",
    "Posting Date",
    "Subject Matter",
    "Clerk of the House",
    "Secretary of the Senate",
)


def _labelled(texts: list[str], label: str) -> str:
    """The value after "Label:" in the page's text nodes (same node, or the next one)."""
    prefix = f"{label.lower()}:"
    for i, text in enumerate(texts):
        if text.lower().startswith(prefix):
            value = text[len(prefix) :].strip()
            if value:
                return value
            nxt = texts[i + 1] if i + 1 < len(texts) else ""
            return "" if ":" in nxt else nxt
    return ""


def parse_hearing_page(body: bytes, url: str, tz: ZoneInfo = CHICAGO) -> HearingPage:
    """A hearing detail page → committee, start (local, zone-aware), location and bills posted."""
    page = Selector(text=body.decode("utf-8", errors="replace"))
    committee = next(
        (m.group("committee") for _, t in _headings(page) if (m := HEARING_HEADING_RE.match(t))),
        "",
    )
    if not committee:
        raise IlgaParseError(f"{url}: no '<committee> Hearing Details' heading")
    texts = [t for t in (clean_text(s) for s in page.xpath("//body//text()").getall()) if t]
    details = {label: v for label in HEARING_LABELS if (v := _labelled(texts, label))}
    if "Date" not in details:
        raise IlgaParseError(f"{url}: no 'Date:' in the Hearing Details block")
    clock = parse_clock(details["Date"])
    start = datetime.combine(parse_date(details["Date"]), clock or time(0, 0), tzinfo=tz)
    ids = HEARING_URL_RE.search(url)
    chamber = ids.group(1).title() if ids else committee.split()[0]
    bills, unreadable = _hearing_bills(page, url)
    return HearingPage(
        committee=committee,
        chamber=chamber,
        committee_id=ids.group(2) if ids else "",
        hearing_id=ids.group(3) if ids else "",
        start=start,
        time_known=clock is not None,
        location=details.get("Location", ""),
        details=details,
        bills=bills,
        unreadable=unreadable,
    )


# A witness-slip link in a bill's row ("Create Witness Slip": my.ilga.gov/WitnessSlip/Create/…),
# whatever its host or case; the hearing page itself is the fallback (its rows carry those links).
WITNESS_SLIP_HREF_RE = re.compile(r"witness[\s_-]*slip", re.I)


def _hearing_bills(page: Selector, url: str) -> tuple[list[HearingBill], list[str]]:
    """The bills table's rows (with their witness-slip links), and the rows without a bill label."""
    heading = page.xpath("//*[contains(normalize-space(text()), 'Bills Assigned To Hearing')][1]")
    bills: list[HearingBill] = []
    unreadable: list[str] = []
    for place, row in enumerate(heading.xpath("following::table[1]//tr[td]"), start=1):
        cells = [clean_text(c.xpath("string(.)").get()) for c in row.xpath("./td")]
        label = split_label(cells[0]) if cells else None
        if label is None:  # every data row of this table names a bill: this one is lost
            unreadable.append(f"row {place}: {' | '.join(cells)[:120]!r}")
            continue
        cells += [""] * 4
        slip = next(
            (
                urljoin(url, href)
                for a in row.xpath(".//a")
                if (href := a.attrib.get("href", "").strip())
                and (
                    WITNESS_SLIP_HREF_RE.search(href)
                    or WITNESS_SLIP_HREF_RE.search(a.xpath("string(.)").get() or "")
                )
                and urlsplit(urljoin(url, href)).scheme in ("http", "https")
            ),
            None,
        )
        bills.append(
            HearingBill(label[0], label[1], label[2], cells[1], cells[2], cells[3], place, slip)
        )
    return bills, unreadable


def hearing_links(body: bytes, url: str) -> list[str]:
    """Hearing detail URLs on a schedule page (links or old ``location.href`` buttons), unique."""
    page = Selector(text=body.decode("utf-8", errors="replace"))
    found: list[str] = []
    for target in page.xpath("//a/@href | //*/@onclick").getall():
        m = HEARING_URL_RE.search(target)
        if m:
            absolute = urljoin(url, m.group(0))
            if absolute not in found:
                found.append(absolute)
    return found


def says_no_hearings(body: bytes) -> bool:
    """True when a schedule page says the chamber has no hearings scheduled."""
    return bool(NO_HEARINGS_RE.search(body.decode("utf-8", errors="replace")))


# --- bulk directory listing ---------------------------------------------------------------------

# An IIS-style listing row: "1/28/2025  3:12 PM   1509 <A HREF="/ftp/…/10400HR0017.xml">"; the
# date/size part is optional (other listing styles give the link only).
LISTING_RE = re.compile(
    r"(?:(?P<date>\d{1,2}/\d{1,2}/\d{4})\s+(?P<clock>\d{1,2}:\d{2}\s*[AP]M)\s+(?P<size>\d+)\s*)?"
    r"<a\s[^>]*?href\s*=\s*[\"'](?P<href>[^\"']*?\d{2,3}00[A-Z]{2,5}\d{4}\.xml)[\"']",
    re.I,  # IIS writes <A HREF=…>, other servers <a href=…>
)


@dataclass(frozen=True)
class ListingEntry:
    """One bulk file: absolute URL, bill identity, and the listing's date+size stamp (if shown)."""

    url: str
    ga: int
    doc_type: str
    number: int
    stamp: str | None


def parse_listing(body: bytes, url: str) -> list[ListingEntry]:
    """The bulk XML files named on a directory listing page, in page order."""
    text = body.decode("utf-8", errors="replace")
    entries: dict[str, ListingEntry] = {}
    for m in LISTING_RE.finditer(text):
        absolute = urljoin(url, m.group("href"))
        name = BULK_NAME_RE.search(absolute)
        if not name:
            continue
        stamp = (
            f"{m.group('date')} {m.group('clock')} {m.group('size')}" if m.group("date") else None
        )
        entries[absolute] = ListingEntry(
            absolute, int(name.group(1)), name.group(2).upper(), int(name.group(3)), stamp
        )
    return list(entries.values())
