"""Municode Meetings (CivicPlus): a Drupal 7 list paged with ``?page=N``; agendas are PDFs.

Facts this relies on (docs/platforms.md §4.14): rows ``tr.odd``/``tr.even`` with
``td[data-th=Date] span.date-display-single[content]`` holding an ISO datetime,
``td[data-th=Meeting]`` the title, and ``td[data-th=Agenda|Packet|Minutes] a`` linking PDFs on
``mccmeetings.blob.core.usgovcloudapi.net``. The list has no agenda items, so each meeting's agenda
PDF is read by the pipeline. No real capture exists: the tests use a recording built from this.
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
from spiders._parse import html_page, text
from spiders._rows import read_rows
from spiders._vocab import clean_body, clean_name, status_from_text
from spiders.base import AgendaSpider, PlatformOptions, UnexpectedShape

# Document columns (their ``data-th``) → link kinds.
COLUMNS: dict[str, LinkKind] = {"Agenda": "agenda", "Packet": "packet", "Minutes": "minutes"}


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
        """Agenda, packet and minutes PDFs, plus the meeting title's own link if it has one."""
        links = [
            self.link(text(anchor) or column, anchor.attrib["href"], kind, page)
            for column, kind in COLUMNS.items()
            for anchor in row.css(f"td[data-th={column}] a[href]")
        ]
        detail = row.css("td[data-th=Meeting] a::attr(href)").get()
        links.append(self.link("Meeting", detail, "detail", page))
        return [link for link in links if link is not None]


def _first(links: list[Link], kind: str) -> str | None:
    return next((str(link.url) for link in links if link.kind == kind), None)


def _agenda_url(meeting: Meeting) -> str | None:
    return _first(meeting.links, "agenda")
