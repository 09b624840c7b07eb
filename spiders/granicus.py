"""Granicus spider: ``ViewPublisher.php?view_id=N`` → meetings → ``AgendaViewer.php`` → items.

Facts this relies on (docs/platforms.md §4.4, §3.2–3.4):

- One ViewPublisher page holds the upcoming table and the whole archive; there is no paging.
- Templates differ by site. Table rows (``tr`` with a ``td[headers=Name]`` cell) cover Metra and
  Bozeman (``tr.listingRow``) and LAWA (``div.archive`` tables whose date cell starts with a hidden
  Unix-epoch sort key). RTA uses a div template (``div.row`` with ``span.committee``).
- An archive row's time is the video clip's start, not the meeting's, so a held meeting's start
  time is unknown until its agenda says it. Upcoming rows carry the scheduled time.
- Upcoming rows link ``AgendaViewer.php?…&event_id=``, held ones ``…&clip_id=``. Ids here are built
  from date + title so a meeting keeps its id when it moves from upcoming to archive.
- ``AgendaViewer.php`` answers 302 to an HTML agenda (outline numbers + titles), or a PDF on some
  sites; a PDF goes to the pipeline's document stage.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import scrapy
from parsel import Selector, SelectorList
from pydantic import BaseModel
from scrapy.http import Response
from scrapy.selector import SelectorList as ScrapySelectorList

from pipeline.models import (
    AgendaItem,
    Link,
    LinkKind,
    Meeting,
    MeetingStatus,
    item_id,
    meeting_id,
    slugify,
)
from spiders.base import CANCELLED_RE, AgendaSpider, PlatformOptions, SourceError

# "Feb 21, 2018", "Wednesday, August 12, 2026", "Mar  3, 2022" → month name, day, year.
DATE_RE = re.compile(r"\b([A-Z][a-z]{2,8})\.?\s+(\d{1,2}),\s*(\d{4})\b")
# "10:30 AM", "2:00 PM", "8:30 a.m." → hour, minute, meridiem.
CLOCK_RE = re.compile(r"\b(\d{1,2}):(\d{2})\s*([ap])\.?\s*m\b\.?", re.IGNORECASE)
# RTA titles embed the date ISO-style: "Board of Directors on 2018-06-21  - (…)".
ISO_DATE_RE = re.compile(r"\s+on\s+(\d{4})-(\d{2})-(\d{2})\b")
# An agenda outline number as printed: "A.", "G.1", "IV.", "a.", "12.", "3.b".
OUTLINE_RE = re.compile(r"^(?:[A-Z]{1,4}|[a-z]|\d{1,3})(?:\.[0-9a-z]{1,3})*\.?$")
# The player URL inside a video link's onclick="window.open('//host/MediaPlayer.php?…', …)".
PLAYER_RE = re.compile(r"((?:https?:)?//[^'\"]+/MediaPlayer\.php\?[^'\"]+)")
# Agenda text that opens the meeting; its clock time is the meeting's start (Bozeman item A.).
CALL_TO_ORDER_RE = re.compile(r"call\s+to\s+order", re.IGNORECASE)

MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


class GranicusOptions(PlatformOptions):
    """``view_id``: the ViewPublisher view to crawl (one site can have several)."""

    view_id: int


@dataclass
class ListingRow:
    """One meeting row of a ViewPublisher page, whatever the template."""

    title: str
    body: str
    day: date
    at: time | None
    held: bool
    links: list[Link] = field(default_factory=list)
    agenda_url: str | None = None
    platform_id: str | None = None


class GranicusSpider(AgendaSpider):
    """Meetings from one Granicus ViewPublisher view, with items from their HTML agendas."""

    name = "granicus"
    platform = "granicus"
    Options = GranicusOptions

    # --- URLs -----------------------------------------------------------------------------

    @property
    def site(self) -> str:
        """``https://{slug}.granicus.com`` unless ``base_url`` overrides it."""
        if self.source.base_url:
            return str(self.source.base_url).rstrip("/")
        return f"https://{self.source.slug}.granicus.com"

    @property
    def listing_url(self) -> str:
        """The view's ViewPublisher page."""
        return f"{self.site}/ViewPublisher.php?view_id={self.options.view_id}"

    def on_site(self, url: str) -> str:
        """`url`'s path and query on the configured host.

        Pages link the vendor host absolutely (``//bozeman.granicus.com/…``, sometimes plain
        http); requests go to the host the source is configured with.
        """
        parts = urlsplit(url)
        return f"{self.site}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The view's listing page."""
        yield scrapy.Request(self.listing_url, callback=self.parse_listing)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """Meetings in the window; each with an agenda link is fetched for its items."""
        first, last = self.window()
        for meeting, agenda_url in self._meetings(response.text, response.url):
            if not first <= meeting.start.date() <= last:
                continue
            if agenda_url and self.source.fetch_documents:
                yield scrapy.Request(
                    self.on_site(agenda_url),
                    callback=self.parse_agenda_viewer,
                    errback=self.agenda_document_failed,
                    cb_kwargs={"meeting": meeting},
                    meta={"meeting": meeting},
                    priority=-1,
                )
            else:
                yield meeting

    def parse_agenda_viewer(self, response: Response, meeting: Meeting) -> Iterator[Meeting]:
        """An HTML agenda gives items (and a held meeting's time); anything else is a document."""
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        if response.body[:5] == b"%PDF-" or "html" not in content_type:
            yield from self.parse_agenda_document(response, meeting)
            return
        page = Selector(text=response.text)
        items = self._parse_items(meeting.id, page)
        if not items:  # an agenda we cannot outline: let the document stage read its text
            yield from self.parse_agenda_document(response, meeting)
            return
        meeting.items = items
        if not meeting.time_known:
            at = self._parse_agenda_time(page, meeting.start.date())
            if at is not None:
                meeting.start = self.localize(meeting.start.date(), at)
                meeting.time_known = True
        yield meeting

    def parse_saved(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``ViewPublisher.php`` → meetings (whole page, no window); an agenda page → items."""
        text = body.decode("utf-8", "replace")
        if "viewpublisher" in urlsplit(url).path.lower():
            for meeting, _ in self._meetings(text, url):
                yield meeting
            return
        query = dict(parse_qsl(urlsplit(url).query))
        key = query.get("clip_id") or query.get("event_id") or slugify(url)[-20:]
        items = self._parse_items(f"{self.source.id}/saved/{key}", Selector(text=text))
        if not items:
            raise SourceError(f"no agenda items found in {url}: not a Granicus HTML agenda?")
        yield from items

    # --- listing --------------------------------------------------------------------------

    def _meetings(self, html: str, page_url: str) -> Iterator[tuple[Meeting, str | None]]:
        """Every wanted meeting on a listing page, with its AgendaViewer URL (if linked).

        The same meeting can sit in the upcoming table and the archive at once (right after
        it is held); the archive row wins. A second meeting of the same body and title on
        one day gets a ``_2`` suffix; an identical repeated row is dropped (RTA repeats rows).
        """
        rows = self._parse_rows(Selector(text=html), page_url)
        seen: set[tuple[date, str, bool, str | None]] = set()
        counts: dict[tuple[date, str, bool], int] = {}
        keyed: list[tuple[str, ListingRow]] = []
        for row in rows:
            slug = slugify(row.title)
            if (row.day, slug, row.held, row.platform_id) in seen:
                continue
            seen.add((row.day, slug, row.held, row.platform_id))
            n = counts[(row.day, slug, row.held)] = counts.get((row.day, slug, row.held), 0) + 1
            keyed.append((slug if n == 1 else f"{slug}_{n}", row))
        held = {(row.day, key) for key, row in keyed if row.held}
        for key, row in keyed:
            if not row.held and (row.day, key) in held:
                continue
            if not (self.wants_body(row.body) or self.wants_body(row.title)):
                continue
            yield self._parse_meeting(row, key, page_url), row.agenda_url

    def _parse_rows(self, page: Selector, page_url: str) -> list[ListingRow]:
        """Rows of whichever template the page uses; `NoRowsFound` when none matches."""
        table_rows = page.xpath("//tr[td[@headers='Name']]")
        if table_rows:
            return [r for r in (self._table_row(tr, page_url) for tr in table_rows) if r]
        div_rows = self.rows(
            ScrapySelectorList(d for d in page.css("div.row") if d.css("span.committee")),
            "Granicus listing rows (tr with td[headers=Name], or div.row with span.committee)",
        )
        return [r for r in (self._div_row(Selector(root=d.root), page_url) for d in div_rows) if r]

    def _table_row(self, tr: Selector, page_url: str) -> ListingRow | None:
        """A ``tr`` row (Metra, Bozeman, LAWA): Name, Date, then document cells."""
        title = _text(tr.xpath("./td[@headers='Name']"))
        # LAWA prefixes the date with a hidden epoch sort key; read only visible text.
        when = _text(
            tr.xpath("./td[starts-with(@headers,'Date')]"),
            ".//text()[not(ancestor::span[contains(@style,'display:none')])]",
        )
        day = _parse_day(when)
        if not title or day is None:
            self.logger.debug("skip row without name or date: %r %r", title, when)
            return None
        links = self._parse_links(tr, page_url)
        agenda = next((str(lk.url) for lk in links if "AgendaViewer" in str(lk.url)), None)
        held = bool(tr.xpath("./td[starts-with(@headers,'Duration')]")) or "clip_id=" in (
            agenda or ""
        )
        return ListingRow(
            title=title,
            body=self._parse_body(tr) or title,
            day=day,
            at=_parse_clock(when),
            held=held,
            links=links,
            agenda_url=agenda,
            platform_id=_viewer_id(agenda),
        )

    def _div_row(self, div: Selector, page_url: str) -> ListingRow | None:
        """A ``div.row`` (RTA): ``span.committee`` title, the date as the following text."""
        raw = _text(div.css("span.committee"))
        iso = ISO_DATE_RE.search(raw)
        day = (
            date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
            if iso
            else _parse_day(_text(div))
        )
        if not raw or day is None:
            return None
        title = " ".join(ISO_DATE_RE.sub("", raw).replace(" - (", " (").split())
        links = self._parse_links(div, page_url)
        agenda = next((str(lk.url) for lk in links if "AgendaViewer" in str(lk.url)), None)
        return ListingRow(
            title=title,
            # "Finance Committee 8:30 AM", "Board of Directors (following …)" → the body's name.
            body=CLOCK_RE.sub("", title.split("(")[0]).strip() or title,
            day=day,
            at=_parse_clock(raw),
            held="clip_id=" in (agenda or ""),
            links=links,
            agenda_url=agenda,
            platform_id=_viewer_id(agenda),
        )

    # --- fields ---------------------------------------------------------------------------

    def _parse_meeting(self, row: ListingRow, key: str, page_url: str) -> Meeting:
        # A held row's time is the video clip's start (§3.2): keep the date, not the time.
        at = None if row.held else row.at
        start = self.localize(row.day, at)
        return Meeting(
            id=meeting_id(self.source.id, start, key, row.title),
            source=self.source.id,
            jurisdiction=self.source.jurisdiction,
            body=row.body,
            title=row.title,
            start=start,
            timezone=self.source.timezone,
            time_known=at is not None,
            status=self._parse_status(row),
            url=row.agenda_url or page_url,
            links=row.links,
            platform_id=row.platform_id,
            scraped_at=self.now(),
        )

    def _parse_body(self, tr: Selector) -> str:
        """The archive panel's heading (Bozeman, Metra); upcoming rows have none."""
        panel = tr.xpath(
            "ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' CollapsiblePanel ')][1]"
            "//div[contains(@class, 'CollapsiblePanelTab')][1]"
        )
        return _text(panel)

    def _parse_status(self, row: ListingRow) -> MeetingStatus:
        """Cancelled only when the row's own title says so (agenda items never decide it)."""
        return "cancelled" if CANCELLED_RE.search(row.title) else "scheduled"

    def _parse_links(self, row: Selector, page_url: str) -> list[Link]:
        """Agenda, minutes, packet and video links of a row, as absolute URLs."""
        links: list[Link] = []
        for anchor in row.css("a"):
            href = anchor.attrib.get("href", "")
            player = PLAYER_RE.search(anchor.attrib.get("onclick", ""))
            if player:
                href = player.group(1)
            if not href or href.startswith(("javascript", "#", "mailto")):
                continue
            url = _absolute(href, page_url)
            label = (
                _text(anchor) or anchor.attrib.get("alt", "") or _text(anchor.css("img::attr(alt)"))
            )
            links.append(Link(title=label or "Document", url=url, kind=_link_kind(url, label)))
        unique = {str(link.url): link for link in links}
        return list(unique.values())

    def _parse_items(self, mid: str, page: Selector) -> list[AgendaItem]:
        """Outline items of an HTML agenda, in order: number as printed, title, attachments."""
        items: dict[str, AgendaItem] = {}
        for seq, (number, cell) in enumerate(_outline(page)):
            title = _first_line(cell)
            if not title:
                continue
            item = AgendaItem(
                id=item_id(mid, None, number, title),
                number=number,
                title=title,
                sequence=seq,
                links=self._parse_item_links(cell),
            )
            items.setdefault(item.id, item)
        return list(items.values())

    def _parse_item_links(self, cell: Selector) -> list[Link]:
        """Staff reports and other files linked from an item's title."""
        links = []
        for anchor in cell.css("a[href]"):
            href = anchor.attrib["href"]
            if not href.startswith(("http://", "https://", "//")):
                continue
            url = _absolute(href, "https://granicus.invalid/")
            kind: LinkKind = "video" if "MediaPlayer.php" in url else "attachment"
            links.append(Link(title=_text(anchor)[:200] or "Attachment", url=url, kind=kind))
        return links

    def _parse_agenda_time(self, page: Selector, day: date) -> time | None:
        """The start time an agenda prints: next to the meeting's date, else at Call to Order."""
        text = " ".join(" ".join(page.xpath("//body//text()").getall()).split())
        for match in DATE_RE.finditer(text):
            if _day_from(match) == day:
                clock = CLOCK_RE.match(text[match.end() :].lstrip(" ,-–at"))
                if clock:
                    return _clock(clock)
        for _, cell in _outline(page):
            title = _first_line(cell)
            if CALL_TO_ORDER_RE.search(title):
                return _parse_clock(title)
        return None


# --- helpers ----------------------------------------------------------------------------------


def _text(selected: Selector | SelectorList[Selector], query: str = ".//text()") -> str:
    """Whitespace-normalised text of a selection; nbsp counts as space."""
    return " ".join(" ".join(selected.xpath(query).getall()).replace("\xa0", " ").split())


def _first_line(cell: Selector) -> str:
    """An agenda cell's title: its text up to the first line break, pieces joined as rendered."""
    pieces: list[str] = []
    for node in cell.xpath(".//text()[not(ancestor::script or ancestor::style)] | .//br"):
        if not isinstance(node.root, str):  # a <br>
            if "".join(pieces).strip():
                break
            continue
        pieces.append(node.root)
    return " ".join("".join(pieces).replace("\xa0", " ").split())


def _outline(page: Selector) -> Iterator[tuple[str, Selector]]:
    """(number, title cell) pairs for both HTML agenda templates seen.

    Bozeman: ``h2``/``h3`` holding a number ``span`` then a title ``span``. Classic Granicus
    (LAWA): ``td.numberspace`` then the title ``td``.
    """
    for heading in page.xpath("//h2[span] | //h3[span] | //td[contains(@class,'numberspace')]"):
        if heading.root.tag == "td":
            number, cell = _text(heading), heading.xpath("following-sibling::td[1]")
        else:
            spans = heading.xpath("./span")
            number, cell = _text(spans[0]), spans[1:2]
        if cell and OUTLINE_RE.match(number):
            yield number, cell[0]


def _parse_day(text: str) -> date | None:
    match = DATE_RE.search(text)
    return _day_from(match) if match else None


def _day_from(match: re.Match[str]) -> date | None:
    month = MONTHS.get(match.group(1)[:3].lower())
    if month is None:
        return None
    try:
        return date(int(match.group(3)), month, int(match.group(2)))
    except ValueError:
        return None


def _parse_clock(text: str) -> time | None:
    match = CLOCK_RE.search(text)
    return _clock(match) if match else None


def _clock(match: re.Match[str]) -> time | None:
    hour, minute = int(match.group(1)), int(match.group(2))
    if not (1 <= hour <= 12 and minute < 60):
        return None
    return time(hour % 12 + (12 if match.group(3).lower() == "p" else 0), minute)


def _absolute(href: str, page_url: str) -> str:
    """Absolute URL; protocol-relative vendor links (``//host/…``) become https."""
    href = href.strip()
    return f"https:{href}" if href.startswith("//") else urljoin(page_url, href)


def _link_kind(url: str, label: str) -> LinkKind:
    lowered = f"{url} {label}".lower()
    if "agendaviewer" in lowered or "packet" in lowered:
        return "packet" if "packet" in label.lower() else "agenda"
    if "minutesviewer" in lowered or "minutes" in lowered or "transcript" in lowered:
        return "minutes"
    if any(k in lowered for k in ("mediaplayer", ".mp4", ".mp3", "asx.php", "video")):
        return "video"
    return "other"


def _viewer_id(agenda_url: str | None) -> str | None:
    """``clip_id=2784`` or ``event_id=1468`` from an AgendaViewer URL (the platform's id)."""
    if not agenda_url:
        return None
    query = dict(parse_qsl(urlsplit(agenda_url).query))
    for key in ("clip_id", "event_id"):
        if query.get(key):
            return f"{key}={query[key]}"
    return None
