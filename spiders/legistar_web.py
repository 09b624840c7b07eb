"""Legistar web-calendar spider: ``Calendar.aspx`` (RadGrid) → ``MeetingDetail.aspx`` item grid.

Used for Legistar clients whose Web API is disabled (source ``options: {mode: web}``; chosen by
`LegistarApiSpider.variant_for`). Facts this relies on (docs/platforms.md §4.1):

- A meeting grid is a Telerik ``table.rgMasterTable`` with rows ``tr.rgRow``/``tr.rgAltRow`` and a
  "Meeting Date" column: the calendar's (in ``div#…MultiPageCalendar``) and a body's own
  ``DepartmentDetail.aspx`` grid, which has no "Name" column — that page names its body only in
  the page title ("City of Richmond - Planning Commission"). Columns differ per client (NYC adds
  "Meeting Topic"), so cells are read by header text, never by position alone.
- "Meeting Date" (``1/23/2019``) and "Meeting Time" (``10:00 AM``) are local wall-clock text; a
  status can stand where the time should be (NYC: "Deferred") or in the location cell
  (``…Chicago, Illinois<em>CANCELLED</em>``, Cincinnati: "… NOTICE OF CANCELLATION").
- Documents not yet posted read "Not available" and have no ``href``; Video and Audio links are
  ``href="#"`` with the real ``Video.aspx?…`` address in ``onclick``.
- The year filter and the pager are ASP.NET postbacks that need the page's ``__VIEWSTATE``.
- ``MeetingDetail.aspx`` lists agenda items in ``table#ctl00_ContentPlaceHolder1_gridMain_ctl00``;
  posting ``menuMain`` with argument ``3:1`` shows all items, not only legislation.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import scrapy
from parsel import Selector
from pydantic import BaseModel
from scrapy.http import Response

from pipeline.models import AgendaItem, Link, Meeting
from spiders._health import empty_listing
from spiders._legistar import (
    DATA_ROWS,
    ID_RE,
    ITEMS_GRID,
    LegistarOptions,
    cell_url,
    detail_items,
    grid_headers,
    page_state,
    row_cells,
    saved_response,
)
from spiders._parse import squash, text
from spiders._rows import read_rows
from spiders._vocab import clean_body, clean_name, link_kind, status_from_text
from spiders._when import parse_clock
from spiders.base import AgendaSpider, NoRowsFound, UnexpectedShape
from spiders.registry import platform_spiders

# A meeting grid: any RadGrid master table (the calendar's, a DepartmentDetail page's).
GRIDS = "table.rgMasterTable"
CALENDAR_GRID = "div[id$='MultiPageCalendar'] table.rgMasterTable"
ITEMS_MENU = "#ctl00_ContentPlaceHolder1_menuMain"
# Grid rows in the page's source text (to notice rows the parser lost).
RAW_ROW_RE = re.compile(r"<tr\b[^>]*class=[\"'][^\"']*\brg(?:Alt)?Row\b", re.IGNORECASE)
YEAR_TARGET = "ctl00$ContentPlaceHolder1$lstYears"
YEAR_STATE = "ctl00_ContentPlaceHolder1_lstYears_ClientState"
MENU_TARGET = "ctl00$ContentPlaceHolder1$menuMain"
ALL_ITEMS_ARGUMENT = "3:1"  # menuMain entry "all agenda items" (not only legislation)
MAX_PAGES_PER_VIEW = 20  # the pager shows 25 rows a page; a year of a big city fits in 20
MAX_YEARS = 3  # year views posted back at most (the window's latest years)

# The control a pager link posts back: "javascript:__doPostBack('ctl00$…$ctl01','')".
POSTBACK_RE = re.compile(r"__doPostBack\('([^']+)'")
# A page title's client prefix: "City of Richmond - Planning Commission" → "Planning Commission".
TITLE_PREFIX_RE = re.compile(r"^.*?\s[-–—]\s+")
# Page-title words that name the page, not a body.
GENERIC_PAGE_RE = re.compile(r"^(?:calendar|meetings?(?: calendar)?|legislation|home)$", re.I)
# "Meeting of Committee on Finance on 1/23/2019 at 10:00 AM" (a MeetingDetail page's title).
MEETING_OF_RE = re.compile(r"^meeting of\s+|\s+on\s+\d{1,2}/\d{1,2}/\d{4}.*$", re.IGNORECASE)

# Columns whose links are not meeting documents: the body's page, the iCal export, the row data.
NON_DOCUMENT_COLUMNS = {"", "ics", "icalendar", "name", "meeting date", "meeting time"}
NON_DOCUMENT_COLUMNS |= {"meeting location", "meeting topic"}
# The agenda document to fetch, best first: the accessible (HTML) agenda reads better than the PDF.
AGENDA_COLUMNS = ("accessible agenda", "agenda")


class LegistarWebSpider(AgendaSpider):
    """Meetings from a Legistar client's web calendar, with items from each MeetingDetail page.

    No ``platform`` of its own: it is the ``mode: web`` variant of the ``legistar`` platform.
    """

    family = "legistar"
    Options = LegistarOptions
    saved_readers = {
        "web_calendar": "read_calendar",
        "web_meeting_detail": "read_meeting_detail",
        "api_events": "read_api_page",
        "api_event_items": "read_api_page",
    }

    # --- URLs -----------------------------------------------------------------------------

    @property
    def web_base(self) -> str:
        """``https://{slug}.legistar.com`` unless the config sets ``base_url`` (its folder)."""
        if self.source.base_url:
            url = str(self.source.base_url).split("?")[0]
            return url.rsplit("/", 1)[0] if url.lower().endswith(".aspx") else url.rstrip("/")
        return f"https://{self.source.slug}.legistar.com"

    @property
    def start_url(self) -> str:
        """The page ``base_url`` names (a body's DepartmentDetail page), else ``Calendar.aspx``."""
        base = str(self.source.base_url or "")
        return base if ".aspx" in base.lower() else f"{self.web_base}/Calendar.aspx"

    @classmethod
    def source_urls(cls) -> list[str]:
        """The configured URLs plus the web host derived from the slug."""
        derived = [f"https://{cls.source.slug}.legistar.com"] if cls.source.slug else []
        return super().source_urls() + derived

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The default calendar view ("This Month" on the captured sites), or the body's page."""
        yield scrapy.Request(
            self.start_url,
            callback=self.parse_calendar,
            cb_kwargs={"year": None, "page": 1},
            dont_filter=True,  # .NET page state expires: never reuse a cached copy
        )

    def parse_calendar(self, response: Response, year: int | None, page: int) -> Iterator[Any]:
        """Meetings in the window; then the year views (from the default view) and the next page."""
        first, last = self.window()
        for meeting, detail_url, agenda_url in self._calendar_rows(response, filtered=True):
            if not first <= meeting.start.date() <= last:
                self.logger.debug("skip %s: outside the crawl window", meeting.id)
                continue
            if not self.first_sighting(meeting.id):
                continue
            yield self._detail_or_document(meeting, detail_url, agenda_url)
        if year is None and response.css(f"[name='{YEAR_TARGET}'], #{YEAR_STATE}"):
            for y in list(range(first.year, last.year + 1))[-MAX_YEARS:]:
                request = self.year_request(response, y)
                if request is not None:
                    yield request
        nxt = self.next_page_request(response, year, page + 1)
        if nxt is not None and page >= MAX_PAGES_PER_VIEW:
            self.logger.warning("calendar %s: stopped at %d pages", year, MAX_PAGES_PER_VIEW)
        elif nxt is not None:
            yield nxt

    def year_request(self, response: Response, year: int) -> scrapy.FormRequest | None:
        """Post the calendar back with the year filter set to `year` (None without page state)."""
        state = {YEAR_STATE: json.dumps({"value": str(year)}, separators=(",", ":"))}
        kwargs = {"year": year, "page": 1}
        request = self._postback(response, YEAR_TARGET, state, self.parse_calendar, kwargs)
        if request is None:
            self.logger.warning("calendar page has no __VIEWSTATE; year %d not requested", year)
        return request

    def next_page_request(
        self, response: Response, year: int | None, page: int
    ) -> scrapy.FormRequest | None:
        """Post back the pager link after the current page's, if there is one."""
        href = response.css("a.rgCurrentPage").xpath("following-sibling::a[1]/@href").get()
        match = POSTBACK_RE.search(href or "")
        if not match:
            return None
        kwargs = {"year": year, "page": page}
        return self._postback(response, match[1], {}, self.parse_calendar, kwargs)

    def _postback(
        self,
        response: Response,
        target: str,
        extra: dict[str, str],
        callback: Any,
        cb_kwargs: dict[str, Any],
        meta: dict[str, Any] | None = None,
    ) -> scrapy.FormRequest | None:
        """The page posted back to `target` with its hidden state (None without ``__VIEWSTATE``)."""
        state = page_state(response)
        if not state:
            return None
        state.update({"__EVENTTARGET": target, "__EVENTARGUMENT": "", **extra})
        return scrapy.FormRequest(
            response.url,
            formdata=state,
            callback=callback,
            errback=self.detail_failed if meta else None,
            cb_kwargs=cb_kwargs,
            meta=meta or {},
            dont_filter=True,
        )

    def _detail_or_document(
        self, meeting: Meeting, detail_url: str | None, agenda: str | None
    ) -> Any:
        """Fetch the MeetingDetail page when the public may view it, else the agenda document."""
        if not detail_url:
            return self.meeting_or_document(meeting, agenda)
        return scrapy.Request(
            detail_url,
            callback=self.parse_detail,
            errback=self.detail_failed,
            cb_kwargs={"meeting": meeting, "agenda_url": agenda},
            meta={"meeting": meeting, "agenda_url": agenda},
        )

    def parse_detail(
        self, response: Response, meeting: Meeting, agenda_url: str | None
    ) -> Iterator[Any]:
        """A MeetingDetail page: post back for all agenda items when it has the menu, else finish."""
        items = self._detail_items(response, meeting.id)
        if response.css(ITEMS_MENU):
            kwargs = {"meeting": meeting, "agenda_url": agenda_url}
            extra = {"__EVENTARGUMENT": ALL_ITEMS_ARGUMENT}
            meta = {**kwargs, "items": items}
            request = self._postback(
                response, MENU_TARGET, extra, self.parse_all_items, kwargs, meta
            )
            if request is not None:
                yield request
                return
        yield self._finish(meeting, items, agenda_url)

    def parse_all_items(
        self, response: Response, meeting: Meeting, agenda_url: str | None
    ) -> Iterator[Any]:
        """The "all agenda items" view of a MeetingDetail page."""
        items = self._detail_items(response, meeting.id)
        yield self._finish(meeting, items or response.meta.get("items"), agenda_url)

    def detail_failed(self, failure: Any) -> Iterator[Any]:
        """MeetingDetail could not be read: keep the meeting, use any items or the agenda document."""
        meta = failure.request.meta
        meeting: Meeting = meta["meeting"]
        self.logger.warning("meeting detail for %s failed: %s", meeting.id, failure.value)
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value("agenda_watch/detail_errors")
        yield self._finish(meeting, meta.get("items"), meta.get("agenda_url"))

    def _finish(self, meeting: Meeting, items: list[AgendaItem] | None, agenda: str | None) -> Any:
        """The meeting with its grid items, or (no items) a request for its agenda document."""
        if items:
            meeting.items = items
            return meeting
        return self.meeting_or_document(meeting, agenda)

    # --- `agenda-watch parse` ---------------------------------------------------------------

    def read_calendar(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """A calendar or DepartmentDetail grid → its meetings (bodies filtered, no window)."""
        response = saved_response(url, body)
        for meeting, _detail, _agenda in self._calendar_rows(response, filtered=True):
            yield meeting

    def read_api_page(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """A Web API answer, read by the platform's API spider.

        The registry finds it (it imports spider modules when asked), so the two modules never
        import each other.
        """
        yield from self.sibling(platform_spiders()["legistar"]).parse_saved(url, body)

    def read_meeting_detail(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """A MeetingDetail page → its agenda items."""
        event = ID_RE.search(url)
        mid = f"{self.source.id}/saved/{event.group(1) if event else 'meeting'}"
        items = self._detail_items(saved_response(url, body), mid)
        if items is None:
            raise UnexpectedShape(f"no agenda-item grid ({ITEMS_GRID}) in {url}")
        yield from items

    # --- calendar rows ----------------------------------------------------------------------

    def _calendar_rows(
        self, response: Response, filtered: bool
    ) -> Iterator[tuple[Meeting, str | None, str | None]]:
        """(meeting, MeetingDetail URL, agenda URL) for each grid row (of a wanted body)."""
        grid = self._meeting_grid(response)
        if grid is None:
            return
        headers = grid_headers(grid)
        page_body = self._page_body(response)

        def read(row: Selector) -> tuple[Meeting, str | None, str | None] | None:
            cells = row_cells(headers, row)
            body = clean_body(text(cells.get("name"))) or page_body
            if filtered and not self.wants_body(body):
                return None
            links = self._parse_links(response, cells)
            meeting = self._parse_meeting(response, cells, body, links)
            detail = next((str(lk.url) for lk in links if lk.kind == "detail"), None)
            return meeting, detail, self._parse_agenda_url(links)

        rows = grid.xpath(DATA_ROWS)
        seen = len(RAW_ROW_RE.findall(response.text)) if len(response.css(GRIDS)) == 1 else None
        yield from read_rows(self, rows, read, "Legistar meeting grid rows", response.url, seen)

    def _meeting_grid(self, response: Response) -> Selector | None:
        """The page's meeting grid (None for a grid that says it has no records)."""
        grids = response.css(CALENDAR_GRID) or [
            g for g in response.css(GRIDS) if "meeting date" in grid_headers(g)
        ]
        if not grids:
            raise NoRowsFound(
                f"{self.source.id}: no Legistar meeting grid (rgMasterTable with a Meeting Date "
                f"column) on {response.url}; the page may have changed shape"
            )
        grid = grids[0]
        if not grid.xpath(DATA_ROWS) and grid.css("tr.rgNoRecords"):
            empty_listing(self, "Legistar meeting grid (No records)", response.url)
            return None
        return grid

    def _page_body(self, response: Response) -> str:
        """The body a page is about, from its title ("City of Richmond - Planning Commission")."""
        title = clean_name(text(response.xpath("//title")))
        named = MEETING_OF_RE.sub("", TITLE_PREFIX_RE.sub("", title, count=1))
        if named and named != title and not GENERIC_PAGE_RE.match(named):
            return clean_body(named)
        return self.source.name or "Meeting"

    def _parse_meeting(
        self, response: Response, cells: dict[str, Selector], body: str, links: list[Link]
    ) -> Meeting:
        start, time_known = self._parse_start(cells)
        platform_id = self._parse_platform_id(cells)
        detail = next((str(lk.url) for lk in links if lk.kind == "detail"), None)
        return self.new_meeting(
            start,
            self._parse_title(cells, body),
            platform_id,
            key=body,
            body=body,
            time_known=time_known,
            end=self.end_of(start, text(cells.get("meeting time"))) if time_known else None,
            location=self._parse_location(cells),
            status=self._parse_status(cells),
            url=detail or self.url(response.url, field="meeting url"),
            links=links,
            # The ID= of MeetingDetail is the API's EventId, which survives a reschedule.
            identity=f"legistar:{platform_id}" if platform_id else None,
        )

    def _parse_start(self, cells: dict[str, Selector]) -> tuple[datetime, bool]:
        """Local start from "Meeting Date" (m/d/Y) and "Meeting Time" (midnight if blank)."""
        when = self.when(text(cells.get("meeting date")))
        if when is None:
            raise UnexpectedShape(f"no readable Meeting Date: {text(cells.get('meeting date'))!r}")
        at = parse_clock(text(cells.get("meeting time"))) or when.start
        return self.localize(when.day, at), at is not None

    def _parse_title(self, cells: dict[str, Selector], body: str) -> str:
        """The body name, plus the "Meeting Topic" some clients (NYC) add."""
        topic = text(cells.get("meeting topic"))
        name = clean_name(text(cells.get("name"))) or body
        return f"{name} - {topic}" if topic else name

    def _parse_location(self, cells: dict[str, Selector]) -> str:
        """The location cell without its ``<em>`` note (where "CANCELLED" is written)."""
        cell = cells.get("meeting location")
        return (
            squash(" ".join(cell.xpath(".//text()[not(ancestor::em)]").getall()))
            if cell is not None
            else ""
        )

    def _parse_status(self, cells: dict[str, Selector]) -> Any:
        """Cancelled, moved or tentative when the name, time, location or topic cell says so."""
        return status_from_text(
            *(
                text(cells.get(k))
                for k in ("name", "meeting time", "meeting location", "meeting topic")
            )
        )

    def _parse_platform_id(self, cells: dict[str, Selector]) -> str | None:
        """The event id from the MeetingDetail or iCal link (the Web API's ``EventId``)."""
        for cell in cells.values():
            for href in cell.css("a::attr(href)").getall():
                if "meetingdetail.aspx" in href.lower() or "m=ic" in href.lower():
                    match = ID_RE.search(href)
                    if match:
                        return match.group(1)
        return None

    def _parse_links(self, response: Response, cells: dict[str, Selector]) -> list[Link]:
        """Posted documents and the detail page; "Not available" cells have no link."""
        links: dict[str, Link] = {}
        for header, cell in cells.items():
            if header in NON_DOCUMENT_COLUMNS:
                continue
            url = cell_url(self, response, cell)
            if url:
                title = (
                    "Meeting details" if header == "meeting details" else clean_name(header).title()
                )
                links.setdefault(url, Link(title=title, url=url, kind=link_kind(header)))
        return list(links.values())

    def _parse_agenda_url(self, links: list[Link]) -> str | None:
        """The agenda document to read when no item grid is available (by its column's name)."""
        titled = {link.title.lower(): str(link.url) for link in reversed(links)}
        return next((titled[h] for h in AGENDA_COLUMNS if h in titled), None)

    def _detail_items(self, response: Response, mid: str) -> list[AgendaItem] | None:
        """Items in the MeetingDetail grid; None (logged) when the page has no grid at all."""
        items = detail_items(self, response, mid)
        if items is None:
            self.logger.warning("no agenda-item grid on %s", response.url)
        return items
