"""Granicus spider: ``ViewPublisher.php?view_id=N`` → meetings → ``AgendaViewer.php`` → items.

Facts this relies on (docs/platforms.md §4.4, §3.2–3.4):

- One ViewPublisher page holds the upcoming table and the whole archive; there is no paging.
- Templates differ by site, so listing tables are read by what their headers say (a ``headers=``
  token or the column's ``th`` text: "Name"/"EventName", "Date"/"EventDate", "Duration"), never
  by one install's attribute values: Metra and Bozeman (``tr.listingRow``), LAWA and West
  Hollywood (``tr.odd``/``tr.even`` whose date cell starts with a hidden Unix-epoch sort key). RTA
  uses a div template (``div.row`` with ``span.committee``). Title and video links are often
  ``javascript:void(0)`` with the player's address in ``onclick``.
- An archive row's time is the video clip's start, not the meeting's, so a held meeting's start
  time is unknown until its agenda says it. Upcoming rows carry the scheduled time.
- Upcoming rows link ``AgendaViewer.php?…&event_id=``, held ones ``…&clip_id=``. Ids here are built
  from date + title so a meeting keeps its id when it moves from upcoming to archive.
- ``AgendaViewer.php`` answers 302 to an HTML agenda (outline numbers + titles), or a PDF on some
  sites; a PDF goes to the pipeline's document stage. HTML agendas and minutes come in several
  templates (Bozeman ``h2``/``h3`` spans, LAWA ``td.numberspace``, Walnut Creek's number cell
  then title cell), often without ``<html>``/``<head>`` or a charset; one minutes document can
  hold two meetings, each numbered from 1.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import scrapy
from parsel import Selector
from pydantic import BaseModel
from scrapy.http import Response
from scrapy.selector import SelectorList as ScrapySelectorList

from pipeline.models import AgendaItem, Link, LinkKind, Meeting, item_id, slugify
from spiders._granicus import (
    cell_roles,
    column_labels,
    first_line,
    outline,
    row_note,
    url_link_kind,
    view_body,
    viewer_id,
)
from spiders._parse import html_page, squash, text
from spiders._rows import read_rows
from spiders._vocab import clean_body, clean_name, status_from_text
from spiders._when import dates_in, parse_clock, without_times
from spiders.base import AgendaSpider, PlatformOptions, SourceError, UnexpectedShape

# RTA titles embed the date ISO-style: "Board of Directors on 2018-06-21  - (…)".
ISO_DATE_RE = re.compile(r"\s+on\s+(\d{4})-(\d{2})-(\d{2})\b")
# The item that closes a meeting; what is indented under it is not an item.
ADJOURN_RE = re.compile(r"^adjourn", re.IGNORECASE)
# Agenda text that opens the meeting; its clock time is the meeting's start (Bozeman item A.).
CALL_TO_ORDER_RE = re.compile(r"call\s+to\s+order", re.IGNORECASE)
# Visible text only: sort keys hide in ``display:none`` spans.
VISIBLE = ".//text()[not(ancestor::*[contains(translate(@style, ' ', ''), 'display:none')])]"
# A div row's text outside its title (where a status can stand).
NOT_COMMITTEE = ".//text()[not(ancestor::span[contains(@class, 'committee')])]"
# Listing rows in the page's source text (to notice rows the parser lost).
RAW_ROW_RE = re.compile(r"<td\b[^>]*headers=[\"'](?:Event)?Name\b", re.IGNORECASE)


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
    # The row's visible text (its date cell, a notes column): where a status can stand too.
    note: str = ""


class GranicusSpider(AgendaSpider):
    """Meetings from one Granicus ViewPublisher view, with items from their HTML agendas."""

    platform = "granicus"
    Options = GranicusOptions
    saved_readers = {"listing": "read_listing", "agenda": "read_agenda"}

    # --- URLs -----------------------------------------------------------------------------

    @property
    def site(self) -> str:
        """``https://{slug}.granicus.com`` unless ``base_url`` overrides it."""
        return self.configured_base(f"https://{self.source.slug}.granicus.com")

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
        for meeting, agenda_url in self._meetings(response.body, response.url):
            if not first <= meeting.start.date() <= last:
                continue
            if agenda_url and self.source.fetch_documents:
                yield self.meeting_request(
                    self.on_site(agenda_url), self.parse_agenda_viewer, meeting, priority=-1
                )
            else:
                yield meeting

    def parse_agenda_viewer(self, response: Response, meeting: Meeting) -> Iterator[Meeting]:
        """An HTML agenda gives items (and a held meeting's time); anything else is a document."""
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        if response.body[:5] == b"%PDF-" or "html" not in content_type:
            yield from self.parse_agenda_document(response, meeting)
            return
        page = html_page(response.body)
        items = self._parse_items(meeting.id, page, response.url)
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

    def read_listing(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``ViewPublisher.php`` → meetings (whole page, no window)."""
        for meeting, _ in self._meetings(body, url):
            yield meeting

    def read_agenda(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """An AgendaViewer or MinutesViewer page → its items."""
        query = dict(parse_qsl(urlsplit(url).query))
        key = query.get("clip_id") or query.get("event_id") or slugify(url)[-20:]
        items = self._parse_items(f"{self.source.id}/saved/{key}", html_page(body), url)
        if not items:
            raise SourceError(f"no agenda items found in {url}: not a Granicus HTML agenda?")
        yield from items

    # --- listing --------------------------------------------------------------------------

    def _meetings(self, html: bytes, page_url: str) -> Iterator[tuple[Meeting, str | None]]:
        """Every wanted meeting on a listing page, with its AgendaViewer URL (if linked).

        The same meeting can sit in the upcoming table and the archive at once (right after
        it is held); the archive row wins. A second meeting of the same body and title on
        one day gets a ``_2`` suffix; an identical repeated row is dropped (RTA repeats rows).
        """
        rows = self._parse_rows(html, page_url)
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

    def _parse_rows(self, html: bytes, page_url: str) -> list[ListingRow]:
        """Rows of whichever template the page uses; `NoRowsFound` when none matches."""
        page = html_page(html)
        table_rows = []
        for table in page.xpath("//table[.//td]"):
            labels = column_labels(table)
            for tr in table.xpath("./tr[td] | ./tbody/tr[td] | ./thead/tr[td]"):
                roles = cell_roles(tr, labels)
                if roles:
                    table_rows.append((tr, roles))
        # A row named by nothing but a notice ("Cancellation Notice") is the body's own.
        fallback = self.source.name or view_body(page)
        if table_rows:
            seen = len(RAW_ROW_RE.findall(html.decode("utf-8", "replace"))) or None
            read = lambda pair: self._table_row(pair[0], pair[1], page_url, fallback)  # noqa: E731
            return list(read_rows(self, table_rows, read, "Granicus listing rows", page_url, seen))
        div_rows = self.rows(
            ScrapySelectorList(d for d in page.css("div.row") if d.css("span.committee")),
            "Granicus listing rows (a table with Name and Date columns, or div.row with "
            "span.committee)",
        )
        read_div = lambda d: self._div_row(Selector(root=d.root), page_url)  # noqa: E731
        return list(read_rows(self, div_rows, read_div, "Granicus listing rows", page_url))

    def _table_row(
        self, tr: Selector, roles: dict[str, Selector], page_url: str, fallback: str = ""
    ) -> ListingRow | None:
        """A table row: its Name and Date cells, then document cells (any template).

        `fallback` is the body for a row whose name names none (the source's or view's name).
        """
        title = clean_name(text(roles["name"]))
        when = squash(" ".join(roles["date"].xpath(VISIBLE).getall()))
        found = self.when(when)
        day = found.day if found else None
        if not title and not when:
            return None  # a spacer row
        if not title or day is None:
            raise UnexpectedShape(f"Granicus row without a name or a date: {title!r} {when!r}")
        links = self._parse_links(tr, page_url, roles["name"])
        agenda = next((str(lk.url) for lk in links if "agendaviewer" in str(lk.url).lower()), None)
        held = "duration" in roles or "clip_id=" in (agenda or "")
        return ListingRow(
            title=title,
            body=self._parse_body(tr) or clean_body(title) or fallback or title,
            day=day,
            at=found.start if found else None,
            held=held,
            links=links,
            agenda_url=agenda,
            platform_id=viewer_id(agenda),
            note=row_note(when, roles),
        )

    def _div_row(self, div: Selector, page_url: str) -> ListingRow | None:
        """A ``div.row`` (RTA): ``span.committee`` title, the date as the following text."""
        raw = text(div.css("span.committee"))
        iso = ISO_DATE_RE.search(raw)
        day = (
            date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
            if iso
            else getattr(self.when(text(div)), "day", None)
        )
        if not raw or day is None:
            return None
        title = squash(ISO_DATE_RE.sub("", raw).replace(" - (", " ("))
        links = self._parse_links(div, page_url)
        agenda = next((str(lk.url) for lk in links if "agendaviewer" in str(lk.url).lower()), None)
        # "Finance Committee 8:30 AM", "Board of Directors (following …)" → the body's name.
        body = without_times(title.split("(")[0])
        return ListingRow(
            title=title,
            body=clean_body(body) or self.source.name or title,
            day=day,
            at=parse_clock(raw),
            held="clip_id=" in (agenda or ""),
            links=links,
            agenda_url=agenda,
            platform_id=viewer_id(agenda),
            note=squash(" ".join(div.xpath(NOT_COMMITTEE).getall())),
        )

    # --- fields ---------------------------------------------------------------------------

    def _parse_meeting(self, row: ListingRow, key: str, page_url: str) -> Meeting:
        # A held row's time is the video clip's start (§3.2): keep the date, not the time.
        at = None if row.held else row.at
        return self.new_meeting(
            self.localize(row.day, at),
            row.title,
            row.platform_id,
            id_key=key,
            body=row.body,
            time_known=at is not None,
            # Cancelled or moved when the row's own title or cells say so (the shared vocabulary:
            # "RESCHEDULED", "Postponed", "(No Meeting)"); agenda items never decide it.
            status=status_from_text(row.title, row.note),
            url=row.agenda_url or self.url(page_url, field="meeting url"),
            links=row.links,
        )

    def _parse_body(self, tr: Selector) -> str:
        """The archive panel's heading (Bozeman, Metra); upcoming rows have none."""
        panel = tr.xpath(
            "ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' CollapsiblePanel ')][1]"
            "//div[contains(@class, 'CollapsiblePanelTab')][1]"
        )
        return clean_body(text(panel))

    def _parse_links(
        self, row: Selector, page_url: str, name_cell: Selector | None = None
    ) -> list[Link]:
        """Agenda, minutes, packet and video links of a row (script links recovered), each once.

        The name cell's own link (often the player again) comes last, so a document column's
        label wins for a URL both give.
        """
        anchors = [
            a for a in row.css("a") if name_cell is None or a.root not in name_cell.root.iter()
        ]
        if name_cell is not None:
            anchors += name_cell.css("a")
        links: dict[str, Link] = {}
        for anchor in anchors:
            url = self.anchor_url(anchor, page_url)
            if not url or url.split("#")[0] == page_url.split("#")[0]:
                continue
            label = text(anchor) or squash(anchor.css("img::attr(alt)").get(""))
            links.setdefault(
                url, Link(title=label or "Document", url=url, kind=url_link_kind(url, label))
            )
        return list(links.values())

    def _parse_items(self, mid: str, page: Selector, url: str) -> list[AgendaItem]:
        """Outline items of an HTML agenda, in order: number as printed, title, attachments.

        Document links standing between two items (Walnut Creek's ``a.Document`` blocks) belong
        to the item above; entries indented under an adjournment are the agenda's notes on how
        to take part, not items.
        """
        items: dict[str, AgendaItem] = {}
        closed_at: int | None = None  # indent depth of an "Adjournment" item
        last: AgendaItem | None = None
        for entry in outline(page, with_documents=True):
            if isinstance(entry, Selector):
                link = self._item_link(entry, url)
                if last is not None and link is not None:
                    if all(str(existing.url) != str(link.url) for existing in last.links):
                        last.links.append(link)
                continue
            number, cell, depth = entry
            title = first_line(cell)
            if not title or (closed_at is not None and depth > closed_at):
                continue
            closed_at = depth if ADJOURN_RE.match(title) else None
            item = AgendaItem(
                id=item_id(mid, None, number, title),
                number=number,
                title=title,
                sequence=len(items),
                links=self._parse_item_links(cell, url),
            )
            last = items.setdefault(item.id, item)
        return list(items.values())

    def _parse_item_links(self, cell: Selector, url: str) -> list[Link]:
        """Staff reports, other files and the item's video position linked from its title."""
        links: dict[str, Link] = {}
        for anchor in cell.css("a"):
            link = self._item_link(anchor, url)
            if link is not None:
                links.setdefault(str(link.url), link)
        return list(links.values())

    def _item_link(self, anchor: Selector, url: str) -> Link | None:
        """One item link: a file, or the item's position in the video."""
        target = self.anchor_url(anchor, url)
        if not target or target.split("#")[0] == url.split("#")[0]:
            return None
        kind: LinkKind = "video" if "mediaplayer.php" in target.lower() else "attachment"
        return Link(title=text(anchor)[:200] or "Attachment", url=target, kind=kind)

    def _parse_agenda_time(self, page: Selector, day: date) -> time | None:
        """The start time an agenda prints: after the meeting's date, in its title, at Call to Order."""
        body = squash(
            " ".join(page.xpath("//text()[not(ancestor::style or ancestor::script)]").getall())
        )
        for found, _, end in dates_in(body, day):
            if found == day:
                at = parse_clock(body[end : end + 40])
                if at is not None:
                    return at
        # The document's title can carry it: "City Council Special Meeting, Closed Session -
        # 4:00 PM & City Council Regular Meeting - 6:00 PM" (the first is the start).
        titled = parse_clock(text(page.xpath("//title")))
        if titled is not None:
            return titled
        for entry in outline(page):
            if isinstance(entry, tuple) and CALL_TO_ORDER_RE.search(first_line(entry[1])):
                return parse_clock(first_line(entry[1]))
        return None
