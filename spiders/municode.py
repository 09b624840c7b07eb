"""Municode Meetings (CivicPlus): a Drupal 7 list paged with ``?page=N``; agendas are PDFs.

Facts this relies on (docs/platforms.md §4.14): rows ``tr.odd``/``tr.even`` with
``td[data-th=Date] span.date-display-single[content]`` holding an ISO datetime,
``td[data-th=Meeting]`` the title, and document cells whose ``data-th`` names the column as the
site words it ("Agenda"/"Agendas", "Packet"/"Agenda Packet(s)", "Minutes", "Video"/"Audio/Video",
"View" for the meeting's page). The same Drupal view runs on ``*.municodemeetings.com`` and on
city sites Municode builds (Lindsay, CA). The list has no agenda items, so each meeting's agenda
(or, without one, its packet) is read by the pipeline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import scrapy
from parsel import Selector
from pydantic import BaseModel, Field
from scrapy.http import Response

from pipeline.models import Link, LinkKind, Meeting
from spiders._health import empty_listing
from spiders._parse import html_page, squash, text
from spiders._rows import read_rows
from spiders._vocab import clean_body, clean_name, link_kind, status_from_text
from spiders.base import AgendaSpider, PlatformOptions, UnexpectedShape

# Cells that hold no documents: the date, and the title (whose own link, if any, is the detail).
DATE_COLUMN, TITLE_COLUMN = "Date", "Meeting"
# What the pipeline reads for a meeting, in order: the agenda, else the packet (Lindsay posts
# packets only for council meetings).
DOCUMENT_KINDS: tuple[LinkKind, ...] = ("agenda", "packet")


class MunicodeOptions(PlatformOptions):
    """``max_pages``: how many ``?page=N`` pages one crawl may read at most."""

    max_pages: int = Field(default=5, ge=1, le=100)


class MunicodeSpider(AgendaSpider):
    """Meetings from a Municode Meetings list; each agenda PDF goes to the pipeline."""

    platform = "municode"
    Options = MunicodeOptions
    saved_readers = {"meeting_list": "read_list"}

    @property
    def list_url(self) -> str:
        """``https://{slug}.municodemeetings.com/`` or a per-body listing in ``base_url``."""
        return str(self.source.base_url or f"https://{self.source.slug}.municodemeetings.com/")

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The first list page."""
        yield scrapy.Request(self.list_url, callback=self.parse_list, cb_kwargs={"page": 0})

    def parse_list(self, response: Response, page: int) -> Iterator[Any]:
        """Meetings in the window, then the next page while this one still reached the window."""
        first, last = self.window()
        reached_window = False
        for meeting in self._parse_rows(response.url, response.body):
            reached_window = reached_window or meeting.start.date() >= first
            if not first <= meeting.start.date() <= last:
                continue
            if not self.wants_body(meeting.body):
                self.logger.debug("skip %s: body %r not in filter", meeting.id, meeting.body)
                continue
            yield self.meeting_or_document(meeting, _agenda_url(meeting))
        next_url = self.url(response.css("li.pager-next a::attr(href)").get(), response.url)
        if next_url and reached_window and page + 1 < self.options.max_pages:
            yield scrapy.Request(
                next_url,
                callback=self.parse_list,
                cb_kwargs={"page": page + 1},
            )

    def read_list(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """A list page → its meetings (no window filter)."""
        yield from self._parse_rows(url, body)

    # --- rows -----------------------------------------------------------------------------

    def _parse_rows(self, url: str, body: bytes) -> Iterator[Meeting]:
        page = html_page(body)
        rows = page.css("tr.odd, tr.even") or page.xpath("//tr[td[@data-th='Date']]")
        if not rows and page.css(".view-empty"):
            empty_listing(self, "Municode list (.view-empty)", url)
            return
        rows = self.rows(rows, "Municode tr.odd/tr.even rows")
        yield from read_rows(self, rows, lambda r: self._parse_row(r, url), "Municode rows", url)

    def _parse_row(self, row: Selector, page: str) -> Meeting:
        title = clean_name(text(row.css("td[data-th=Meeting]"))) or "Meeting"
        links = self._parse_links(row, page)
        return self.new_meeting(
            self._parse_start(row),
            title,
            None,
            body=clean_body(title) or title,
            status=status_from_text(title),
            url=_first(links, "detail") or _first(links, "agenda"),
            links=links,
        )

    def _parse_start(self, row: Selector) -> datetime:
        """The ISO ``content`` attribute; an offset is honoured, a naive value is local."""
        content = row.css("td[data-th=Date] span.date-display-single::attr(content)").get()
        if not content:
            raise UnexpectedShape("Municode row without span.date-display-single[content]")
        return self.stamp(content).start_in(self.tz)

    def _parse_links(self, row: Selector, page: str) -> list[Link]:
        """Every document cell's links, of the kind its column header names, and the detail page.

        Sites word the headers differently ("Agendas", "Agenda Packets", "Audio/Video"); a column
        whose header names no kind takes the kind of the link's own text ("View Details" → the
        meeting's page). A cell may hold several links (an amended packet beside the first).
        """
        links: list[Link | None] = []
        for cell in row.css("td[data-th]"):
            column = squash(cell.attrib["data-th"])
            if column == DATE_COLUMN:
                continue
            for anchor in cell.css("a[href]"):
                label = text(anchor)
                kind = "detail" if column == TITLE_COLUMN else link_kind(column, link_kind(label))
                title = _link_title(anchor, label or column)
                links.append(self.link(title, anchor.attrib["href"], kind, page))
        return [link for link in links if link is not None]


def _link_title(anchor: Selector, title: str) -> str:
    """`title`, marked as the accessible HTML rendition when the link's icon says so."""
    icon = anchor.css("img::attr(class)").get() or ""
    return f"{title} (HTML)" if "html" in icon.lower().split() else title


def _first(links: list[Link], kind: str) -> str | None:
    return next((str(link.url) for link in links if link.kind == kind), None)


def _agenda_url(meeting: Meeting) -> str | None:
    """The document the pipeline reads: the first agenda, else the first packet."""
    return next((url for kind in DOCUMENT_KINDS if (url := _first(meeting.links, kind))), None)
