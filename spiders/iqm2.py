"""IQM2 (Accela Legislative Management, now Granicus): meeting lists → ``Detail_Meeting.aspx``.

Facts this relies on (docs/platforms.md §4.11): list views (``Calendar.aspx``, the ``Default.aspx``
home page, board pages) have one ``div.MeetingRow`` per meeting whose link text is a local
wall-clock time ("Jan 5, 2026 1:00 PM" — a 12-hour clock, so ``%I`` not ``%H``); the link's tooltip
spells out Board, Type, Status and location; documents not posted are ``a.HiddenDocumentLink``
with an empty href; a cancelled row also carries ``span.MeetingCancelled``. The meeting page
carries the agenda outline in ``table#MeetingDetail`` when the clerk built one (it is empty on
many tenants, then the agenda exists only as the ``FileOpen.aspx?Type=14`` PDF): one row per
entry, indented by empty leading cells, with ``td.Num`` (numbering restarts at each level, and
can be empty) and ``td.Title``; a row linking ``FileOpen.aspx`` is an attachment of the entry
above. Pages often declare no charset yet carry UTF-8. A list view of a window without meetings
keeps its (empty) meetings panel ``#ContentPlaceholder1_pnlMeetings``: an empty listing, not a
page that changed shape.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import scrapy
from parsel import Selector
from pydantic import BaseModel
from scrapy.http import Response

from pipeline.models import AgendaItem, Link, LinkKind, Meeting, item_id
from spiders._health import empty_listing
from spiders._parse import (
    decode,
    html_page,
    query_value,
    squash,
    text,
)
from spiders._rows import read_items, read_rows
from spiders._vocab import clean_body, clean_name, link_kind, status_from_text
from spiders.base import AgendaSpider, UnexpectedShape

# List-row link text: "Jan 5, 2026 1:00 PM" (time may be missing on some tenants).
WHEN_RE = re.compile(
    r"(?P<day>[A-Z][a-z]{2} \d{1,2}, \d{4})(?:\s+(?P<clock>\d{1,2}:\d{2}\s*[AP]M))?", re.I
)
# Tooltip lines "Board:\tAtlanta City Council" (the page encodes the tab and CR as &#09; &#13;).
TOOLTIP_FIELD_RE = re.compile(r"^(Board|Type|Status):\s*(.*)$")
# Meeting rows in the page's source text (to notice rows the parser lost).
RAW_ROW_RE = re.compile(r"class=[\"'][^\"']*\bMeetingRow\b", re.IGNORECASE)
# An address that is a placeholder: "N/A   N/A, NA  N/A".
PLACEHOLDER_RE = re.compile(r"^(?:\W|n/?a\b)*$", re.IGNORECASE)
# The list view's meetings panel: there even when the window holds no meeting.
MEETINGS_PANEL = "#ContentPlaceholder1_pnlMeetings, [id$='_pnlMeetings']"
# An outline number as printed: "5.", "A.", "1.a", "IV.".
NUMBER_RE = re.compile(r"^(?:\d{1,3}|[A-Z]|[IVXLC]{1,6})(?:\.[0-9A-Za-z]{1,3})*\.?$")


@dataclass
class _Entry:
    """An outline entry while the outline is read: its indent and composed number."""

    depth: int
    number: str | None


class Iqm2Spider(AgendaSpider):
    """Meetings from an IQM2 tenant's list calendar, with outline items when the page has them."""

    platform = "iqm2"
    saved_readers = {"meeting_list": "read_list", "detail_meeting": "read_detail"}

    # --- URLs -----------------------------------------------------------------------------

    @property
    def citizens_url(self) -> str:
        """The tenant's ``…/Citizens/`` folder, from ``base_url`` (any page under it) or the slug."""
        base = str(self.source.base_url or f"https://{self.source.slug}.iqm2.com/")
        cut = base.lower().find("/citizens")
        base = base[:cut] if cut >= 0 else base.split("?")[0].rstrip("/")
        return base + "/Citizens/"

    def calendar_url(self, today: date) -> str:
        """The list view for the source's window (IQM2 takes M/D/YYYY bounds)."""
        first, last = self.window(today)
        return (
            f"{self.citizens_url}Calendar.aspx?From={first.month}/{first.day}/{first.year}"
            f"&To={last.month}/{last.day}/{last.year}&View=List"
        )

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The list calendar for the window around today."""
        yield scrapy.Request(self.calendar_url(self.today()), callback=self.parse_calendar)

    def parse_calendar(self, response: Response) -> Iterator[Any]:
        """Each wanted row in the window → its meeting page (for outline items)."""
        for meeting in self._parse_rows(response.url, response.body, filtered=True):
            if not self.in_window(meeting.start):
                continue
            if meeting.url is None:  # its link was unusable (counted): the list's facts only
                yield self.meeting_or_document(meeting, _agenda_url(meeting))
                continue
            yield self.meeting_request(
                str(meeting.url), self.parse_detail, meeting, errback=self.detail_failed
            )

    def parse_detail(self, response: Response, meeting: Meeting) -> Iterator[Any]:
        """Attach the outline's items; without any, fetch the agenda document instead."""
        page = html_page(response.body)
        meeting.items = self._parse_items(meeting.id, page, response.url)
        if meeting.items:
            yield meeting
        else:
            yield self.meeting_or_document(meeting, _agenda_url(meeting))

    def detail_failed(self, failure: Any) -> Iterator[Any]:
        """The meeting page failed: keep the list's meeting and read its agenda document."""
        meeting: Meeting = failure.request.meta["meeting"]
        self.logger.warning("meeting page for %s failed: %s", meeting.id, failure.value)
        yield self.meeting_or_document(meeting, _agenda_url(meeting))

    # --- `agenda-watch parse` ---------------------------------------------------------------

    def read_list(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """A list view, home page or board page → its meetings (no window)."""
        yield from self._parse_rows(url, body, filtered=False)

    def read_detail(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``Detail_Meeting.aspx`` → one meeting with its items."""
        yield self._parse_detail_page(url, html_page(body))

    # --- list rows ------------------------------------------------------------------------

    def _parse_rows(self, url: str, body: bytes, filtered: bool) -> Iterator[Meeting]:
        source = decode(body)
        page = html_page(source)
        rows = page.css("div.MeetingRow")
        if not rows:
            # A page listing meetings without the row control (a home or board page): each
            # meeting link whose text or tooltip holds a date is a row.
            rows = page.xpath("//a[contains(@href, 'Detail_Meeting.aspx')]/..")
        if not rows and page.css(MEETINGS_PANEL):
            # The list view is there, with nothing in it: a quiet window, not a changed page.
            empty_listing(self, "IQM2 meetings panel", url)
            return
        if not rows:
            self.rows(rows, "IQM2 meeting rows (div.MeetingRow or Detail_Meeting links)")

        def read(row: Selector) -> Meeting | None:
            anchor = _meeting_anchor(row)
            tooltip = _tooltip(anchor.attrib.get("title", "") if anchor is not None else "")
            body_name = self._parse_body(row, tooltip)
            if filtered and not self.wants_body(body_name):
                return None
            return self._parse_row(row, tooltip, body_name, url)

        seen = len(RAW_ROW_RE.findall(source)) or None
        yield from read_rows(self, rows, read, "IQM2 meeting rows", url, seen)

    def _parse_row(self, row: Selector, tooltip: dict[str, Any], body: str, page: str) -> Meeting:
        anchor = _meeting_anchor(row)
        if anchor is None:
            raise UnexpectedShape(f"IQM2 row without a meeting link on {page}")
        url = self.url(anchor.attrib.get("href"), page, "meeting url")
        platform_id = query_value(url, "ID") if url else None
        start, time_known = self._parse_start(text(anchor), str(anchor.attrib.get("title", "")))
        title = self._parse_title(row, body)
        cancelled = text(row.css(".MeetingCancelled"))
        return self.new_meeting(
            start,
            title,
            platform_id,
            body=body,
            time_known=time_known,
            location=", ".join(tooltip["location"]),
            status=status_from_text(title, tooltip.get("Status", ""), cancelled),
            url=url,
            links=[
                *self._parse_row_links(row, page),
                *([Link(title="Meeting", url=url, kind="detail")] if url else []),
            ],
        )

    def _parse_start(self, label: str, tooltip: str) -> tuple[datetime, bool]:
        """Local start from the link text "Jan 5, 2026 1:00 PM" (12-hour), else its tooltip."""
        for value in (label, tooltip):
            when = self.when(value)
            if when is not None and self.believable(when.day):  # a placeholder: try the tooltip
                return when.start_in(self.tz), when.time_known
        raise UnexpectedShape(f"IQM2 meeting date not understood: {label!r}")

    def _parse_body(self, row: Selector, tooltip: dict[str, Any]) -> str:
        """The tooltip's Board, else the row text before " - "."""
        board = tooltip.get("Board")
        if board:
            return clean_body(board)
        return clean_body(self._row_text(row).split(" - ")[0]) or self.source.name or "Meeting"

    def _parse_title(self, row: Selector, body: str) -> str:
        """The row text, "Board - Meeting type"."""
        return clean_name(self._row_text(row)) or body

    def _row_text(self, row: Selector) -> str:
        details = row.css(".RowDetails")
        if details:
            return text(details)
        anchor = _meeting_anchor(row)
        return squash(WHEN_RE.sub("", text(row).replace(text(anchor), "", 1)))

    def _parse_row_links(self, row: Selector, page: str) -> list[Link]:
        """Agenda, packet, minutes and video links (empty placeholders are skipped)."""
        links: list[Link] = []
        for anchor in row.css(".MeetingLinks a, a[href*='FileOpen'], a[onclick*='SplitView']"):
            label = text(anchor) or anchor.css("img::attr(alt)").get("")
            url = self.anchor_url(anchor, page)
            if not url or url.split("#")[0] == page.split("#")[0]:
                continue
            if any(str(link.url) == url for link in links):
                continue
            kind = "video" if "mode=video" in url.lower() else link_kind(label)
            links.append(Link(title=label or "Document", url=url, kind=kind))
        return links

    # --- meeting page ---------------------------------------------------------------------

    def _parse_detail_page(self, url: str, page: Selector) -> Meeting:
        """A whole meeting from ``Detail_Meeting.aspx``."""
        group = clean_body(text(page.css("#ContentPlaceholder1_lblMeetingGroup")))
        kind = text(page.css("#ContentPlaceholder1_lblMeetingType"))
        when = text(page.css("#ContentPlaceholder1_lblMeetingDate"))
        found = self.when(when)
        if not group or found is None:
            raise UnexpectedShape(f"IQM2 meeting page without group/date at {url}: {when!r}")
        day, at = found.day, found.start
        title = f"{group} - {kind}" if kind else group
        platform_id = (
            query_value(url, "ID")
            or page.css("#ContentPlaceholder1_txtMeetingID::attr(value)").get()
        )
        meeting = self.new_meeting(
            self.localize(day, at),
            title,
            platform_id,
            body=group,
            time_known=at is not None,
            location=self._parse_detail_location(page),
            status=status_from_text(text(page.css("#ContentPlaceholder1_lblMeetingStatus"))),
            url=url,
            links=self._parse_detail_links(page, url),
        )
        meeting.items = self._parse_items(meeting.id, page, url)
        return meeting

    def _parse_detail_location(self, page: Selector) -> str:
        """The text after the date label plus the ``MeetingAddress`` block (placeholders dropped)."""
        after = page.xpath(
            "//span[@id='ContentPlaceholder1_lblMeetingDate']/following-sibling::text()"
        ).getall()
        first_line = next((squash(t) for t in after if t.strip()), "")
        parts = [first_line, text(page.css("div.MeetingAddress"))]
        return ", ".join(p for p in parts if p and not PLACEHOLDER_RE.match(p))

    def _parse_detail_links(self, page: Selector, url: str) -> list[Link]:
        """The download panel's documents, typed by their ``data-type``, and its video."""
        kinds: dict[str, LinkKind] = {"agenda": "agenda", "agenda_packet": "packet"}
        links: dict[str, Link] = {}
        for anchor in page.css("#ContentPlaceholder1_pnlDownloads a"):
            target = self.anchor_url(anchor, url)
            if not target or target.split("#")[0] == url.split("#")[0]:
                continue
            data_type = anchor.attrib.get("data-type", "")
            kind = kinds.get(data_type, "minutes" if data_type.startswith("minutes") else "other")
            if "mode=video" in target.lower():
                kind = "video"
            label = text(anchor) or anchor.css("img::attr(alt)").get("") or "Document"
            links.setdefault(target, Link(title=label, url=target, kind=kind))
        return list(links.values())

    def _parse_items(self, mid: str, page: Selector, url: str) -> list[AgendaItem]:
        """Outline entries in order, numbered by level ("7.1"); file rows attach to the entry above.

        Real outlines (Creve Coeur) indent with empty leading cells and restart numbering at each
        level; a built recording of the documented shape marks files with a "document" cell.
        """
        items: list[AgendaItem] = []
        stack: list[_Entry] = []

        def read(row: Selector) -> AgendaItem | None:
            cells = row.xpath("./td")
            title_cell = (
                row.xpath("./td[contains(@class,'Title')]") or [c for c in cells if text(c)][-1:]
            )
            if not title_cell:
                return None
            depth = len(row.xpath("./td[contains(@class,'Title')]/preceding-sibling::td")) or (
                len(cells) - 1
            )
            label = text(cells[depth - 1]) if depth >= 1 else ""
            title = text(title_cell[0])
            file_href = title_cell[0].css("a[href*='FileOpen'], a[href*='FileView']")
            if label.lower() == "document" or (file_href and stack and depth > stack[-1].depth):
                self._attach(items, title_cell[0], title, url)
                return None
            while stack and stack[-1].depth >= depth:
                stack.pop()
            number = self._compose_number(stack, label)
            stack.append(_Entry(depth, number))
            item = self._outline_item(mid, title_cell[0], number, title, len(items) + 1, url)
            items.append(item)
            return item

        rows = page.xpath("//table[@id='MeetingDetail']//tr")
        read_items(self, rows, read, "IQM2 MeetingDetail outline", url)
        return items

    def _compose_number(self, stack: list[_Entry], label: str) -> str | None:
        """The entry's number: as printed at the top level, under its parent's below ("7.1")."""
        own = label.strip() if NUMBER_RE.match(label.strip()) else ""
        if not own:
            return None
        parent = next((e.number for e in reversed(stack) if e.number), None)
        return f"{parent.rstrip('.')}.{own.rstrip('.')}" if parent and stack else own

    def _attach(self, items: list[AgendaItem], cell: Selector, title: str, url: str) -> None:
        href = cell.css("a::attr(href)").get()
        link = self.link(title, href, "attachment", url) if items and href else None
        if link is not None:
            items[-1].links.append(link)

    def _outline_item(
        self, mid: str, cell: Selector, number: str | None, title: str, sequence: int, url: str
    ) -> AgendaItem:
        legifile = cell.css("a[href*='Detail_LegiFile']::attr(href)").get()
        platform_id = query_value(legifile, "ID") if legifile else None
        # The entry's own page: its legislative file, else the motion record.
        page = legifile or cell.css("a[href*='Detail_']::attr(href)").get()
        link = self.link(title, page, "detail", url) if page else None
        links = [link] if link is not None else []
        return AgendaItem(
            id=item_id(mid, platform_id, number, title),
            number=number,
            title=title,
            sequence=sequence,
            links=links,
        )


def _tooltip(title: str) -> dict[str, Any]:
    """Board/Type/Status fields and location lines from a row link's tooltip."""
    fields: dict[str, Any] = {"location": []}
    lines = [line.strip() for line in re.split(r"[\r\n]+", title)]
    after_status = False
    for line in lines[1:]:  # the first line repeats the date
        match = TOOLTIP_FIELD_RE.match(line)
        if match:
            fields[match[1]] = match[2].strip()
            after_status = match[1] == "Status"
        elif line and after_status:
            fields["location"].append(squash(line))
    return fields


def _meeting_anchor(row: Selector) -> Selector | None:
    """The row's meeting link: its ``div.RowLink`` anchor whatever the href, else a Detail link.

    (A row without the row control has only its ``Detail_Meeting`` link.)
    """
    found = row.css("div.RowLink a") or row.css("a[href*='Detail_Meeting']")
    return found[0] if found else None


def _agenda_url(meeting: Meeting) -> str | None:
    """The meeting's agenda document (``FileOpen.aspx?Type=14``), if linked."""
    return next((str(link.url) for link in meeting.links if link.kind == "agenda"), None)
