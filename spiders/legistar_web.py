"""Legistar web-calendar spider: ``Calendar.aspx`` (RadGrid) → ``MeetingDetail.aspx`` item grid.

Used for Legistar clients whose Web API is disabled (source ``options: {mode: web}``; chosen by
`LegistarApiSpider.variant_for`). Facts this relies on (docs/platforms.md §4.1):

- The calendar grid is ``div#ctl00_ContentPlaceHolder1_MultiPageCalendar table.rgMasterTable`` with
  rows ``tr.rgRow``/``tr.rgAltRow``; its columns differ per client, so cells are mapped by header
  text ("Name", "Meeting Date", "Meeting Time", "Meeting Location", "Agenda", …).
- "Meeting Date" (``1/23/2019``) and "Meeting Time" (``10:00 AM``) are local wall-clock text.
- Cancellations are written into the location cell (``…Chicago, Illinois<em>CANCELLED</em>``).
- Documents not yet posted show "Not available" and have no ``href``.
- The year filter and the pager are ASP.NET postbacks that need the page's ``__VIEWSTATE``.
- ``MeetingDetail.aspx`` lists agenda items in ``table#ctl00_ContentPlaceHolder1_gridMain_ctl00``;
  posting ``menuMain`` with argument ``3:1`` shows all items, not only legislation.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlsplit

import scrapy
from parsel import Selector
from pydantic import BaseModel
from scrapy.http import HtmlResponse, Response
from scrapy.selector import SelectorList

from pipeline.models import AgendaItem, Link, LinkKind, Meeting, MeetingStatus, item_id, meeting_id
from spiders.base import AgendaSpider, SourceError, UnexpectedShape, status_from_text
from spiders.legistar import LegistarOptions, parse_clock

CALENDAR_GRID = "div#ctl00_ContentPlaceHolder1_MultiPageCalendar table.rgMasterTable"
ITEMS_GRID = "table#ctl00_ContentPlaceHolder1_gridMain_ctl00"
ITEMS_MENU = "#ctl00_ContentPlaceHolder1_menuMain"
DATA_ROWS = "tr.rgRow, tr.rgAltRow"
YEAR_TARGET = "ctl00$ContentPlaceHolder1$lstYears"
YEAR_STATE = "ctl00_ContentPlaceHolder1_lstYears_ClientState"
MENU_TARGET = "ctl00$ContentPlaceHolder1$menuMain"
ALL_ITEMS_ARGUMENT = "3:1"  # menuMain entry "all agenda items" (not only legislation)
MAX_PAGES_PER_VIEW = 20  # the pager shows 25 rows a page; a year of a big city fits in 20
MAX_YEARS = 3  # year views posted back at most (the window's latest years)

# Event/matter id in MeetingDetail, View.ashx and LegislationDetail links: "?ID=658900&GUID=…".
ID_RE = re.compile(r"[?&](?:ID|LEGID)=(\d+)", re.IGNORECASE)
# The control a pager link posts back: "javascript:__doPostBack('ctl00$…$ctl01','')".
POSTBACK_RE = re.compile(r"__doPostBack\('([^']+)'")

# Calendar column header (lower case) → link kind; columns not listed give kind "other".
LINK_KINDS: dict[str, LinkKind] = {
    "agenda": "agenda",
    "accessible agenda": "agenda",
    "agenda packet": "packet",
    "minutes": "minutes",
    "accessible minutes": "minutes",
    "video": "video",
    "meeting details": "detail",
}
# Columns whose links are not meeting documents: the body's page and the (unlabelled) iCal export.
NON_DOCUMENT_COLUMNS = {"", "name", "meeting date", "meeting time", "meeting location"}
# Item-grid columns whose link is kept: (header, link kind, link title).
ITEM_LINK_COLUMNS: tuple[tuple[str, LinkKind, str], ...] = (
    ("file #", "detail", "Legislation details"),
    ("video", "video", "Video"),
)
# The agenda document to fetch, best first: the accessible (HTML) agenda reads better than the PDF.
AGENDA_COLUMNS = ("accessible agenda", "agenda")


class LegistarWebSpider(AgendaSpider):
    """Meetings from a Legistar client's web calendar, with items from each MeetingDetail page.

    No ``platform`` of its own: it is the ``mode: web`` variant of the ``legistar`` platform.
    """

    name = "legistar_web"
    Options = LegistarOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seen: set[str] = set()  # meeting ids already yielded (year views repeat rows)

    # --- URLs -----------------------------------------------------------------------------

    @property
    def web_base(self) -> str:
        """``https://{slug}.legistar.com`` unless the config sets ``base_url``."""
        if self.source.base_url:
            return str(self.source.base_url).rstrip("/")
        return f"https://{self.source.slug}.legistar.com"

    @classmethod
    def source_urls(cls) -> list[str]:
        """The configured URLs plus the web host derived from the slug."""
        derived = [f"https://{cls.source.slug}.legistar.com"] if cls.source.slug else []
        return super().source_urls() + derived

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The default calendar view ("This Month" on the captured sites)."""
        yield scrapy.Request(
            f"{self.web_base}/Calendar.aspx",
            callback=self.parse_calendar,
            cb_kwargs={"year": None, "page": 1},
            dont_filter=True,  # .NET page state expires: never reuse a cached copy
        )

    def parse_calendar(self, response: Response, year: int | None, page: int) -> Iterator[Any]:
        """Meetings in the window; then the year views (from the default view) and the next page."""
        first, last = self.window()
        for meeting, detail_url, agenda_url in self._calendar_rows(response):
            if not first <= meeting.start.date() <= last:
                self.logger.debug("skip %s: outside the crawl window", meeting.id)
                continue
            if meeting.id in self._seen:
                continue
            self._seen.add(meeting.id)
            yield self._detail_or_document(meeting, detail_url, agenda_url)
        if year is None:
            years = range(first.year, last.year + 1)
            for y in list(years)[-MAX_YEARS:]:
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
        state = _page_state(response)
        if not state:
            self.logger.warning("calendar page has no __VIEWSTATE; year %d not requested", year)
            return None
        state.update(
            {
                "__EVENTTARGET": YEAR_TARGET,
                "__EVENTARGUMENT": "",
                YEAR_STATE: json.dumps({"value": str(year)}, separators=(",", ":")),
            }
        )
        return scrapy.FormRequest(
            response.url,
            formdata=state,
            callback=self.parse_calendar,
            cb_kwargs={"year": year, "page": 1},
            dont_filter=True,
        )

    def next_page_request(
        self, response: Response, year: int | None, page: int
    ) -> scrapy.FormRequest | None:
        """Post back the pager link after the current page's, if there is one."""
        href = response.css("a.rgCurrentPage").xpath("following-sibling::a[1]/@href").get()
        match = POSTBACK_RE.search(href or "")
        state = _page_state(response)
        if not match or not state:
            return None
        state.update({"__EVENTTARGET": match.group(1), "__EVENTARGUMENT": ""})
        return scrapy.FormRequest(
            response.url,
            formdata=state,
            callback=self.parse_calendar,
            cb_kwargs={"year": year, "page": page},
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
        state = _page_state(response)
        if response.css(ITEMS_MENU) and state:
            state.update({"__EVENTTARGET": MENU_TARGET, "__EVENTARGUMENT": ALL_ITEMS_ARGUMENT})
            yield scrapy.FormRequest(
                response.url,
                formdata=state,
                callback=self.parse_all_items,
                errback=self.detail_failed,
                cb_kwargs={"meeting": meeting, "agenda_url": agenda_url},
                meta={"meeting": meeting, "agenda_url": agenda_url, "items": items},
                dont_filter=True,
            )
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

    def parse_saved(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``Calendar.aspx`` → meetings (all rows, no items); ``MeetingDetail.aspx`` → items."""
        response = HtmlResponse(url=url, body=body, encoding="utf-8")
        page = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1].lower()
        if page == "calendar.aspx":
            for meeting, _detail, _agenda in self._calendar_rows(response):
                yield meeting
        elif page == "meetingdetail.aspx":
            event = ID_RE.search(url)
            mid = f"{self.source.id}/saved/{event.group(1) if event else 'meeting'}"
            items = self._detail_items(response, mid)
            if items is None:
                raise UnexpectedShape(f"no agenda-item grid ({ITEMS_GRID}) in {url}")
            yield from items
        else:
            raise SourceError(
                f"no Legistar web callback for {url}: expected Calendar.aspx or MeetingDetail.aspx"
            )

    # --- calendar rows ----------------------------------------------------------------------

    def _calendar_rows(
        self, response: Response
    ) -> Iterator[tuple[Meeting, str | None, str | None]]:
        """(meeting, MeetingDetail URL, agenda document URL) for each grid row of a wanted body."""
        grid = self.rows(response.css(CALENDAR_GRID), "Legistar calendar grid (rgMasterTable)")[0]
        rows = grid.css(DATA_ROWS)
        if not rows and grid.css("tr.rgNoRecords"):
            self.logger.info("calendar %s says it has no meetings", response.url)
            return
        headers = _headers(grid)
        for row in self.rows(
            cast(SelectorList, rows), "Legistar calendar rows (tr.rgRow/tr.rgAltRow)"
        ):
            cells = _cells(headers, row)
            body = _text(cells.get("name"))
            if not self.wants_body(body):
                self.logger.debug("skip row: body %r not in filter", body)
                continue
            start = self._parse_start(cells)
            if start is None:
                self.logger.warning("skip row %r: no readable Meeting Date", body)
                continue
            links = self._parse_links(response, cells)
            yield (
                self._parse_meeting(response, cells, start, links),
                _link_url(links, "detail"),
                self._parse_agenda_url(response, cells),
            )

    def _parse_meeting(
        self, response: Response, cells: dict[str, Selector], start: datetime, links: list[Link]
    ) -> Meeting:
        body = _text(cells.get("name"))
        platform_id = self._parse_platform_id(cells)
        return Meeting(
            id=meeting_id(self.source.id, start, platform_id, body),
            source=self.source.id,
            jurisdiction=self.source.jurisdiction,
            body=body,
            title=self._parse_title(cells),
            start=start,
            timezone=self.source.timezone,
            time_known=parse_clock(_text(cells.get("meeting time"))) is not None,
            location=self._parse_location(cells),
            status=self._parse_status(cells),
            url=_link_url(links, "detail") or response.url,
            links=links,
            platform_id=platform_id,
            # The ID= of MeetingDetail is the API's EventId, which survives a reschedule.
            identity=f"legistar:{platform_id}" if platform_id else None,
            scraped_at=self.now(),
        )

    def _parse_start(self, cells: dict[str, Selector]) -> datetime | None:
        """Local start from "Meeting Date" (m/d/Y) and "Meeting Time" (midnight if blank)."""
        try:
            day = datetime.strptime(_text(cells.get("meeting date")), "%m/%d/%Y").date()
        except ValueError:
            return None
        return self.localize(day, parse_clock(_text(cells.get("meeting time"))))

    def _parse_title(self, cells: dict[str, Selector]) -> str:
        """The body name, plus the "Meeting Topic" some clients (NYC) add."""
        topic = _text(cells.get("meeting topic"))
        body = _text(cells.get("name")) or "Meeting"
        return f"{body} - {topic}" if topic else body

    def _parse_location(self, cells: dict[str, Selector]) -> str:
        """The location cell without its ``<em>`` note (where "CANCELLED" is written)."""
        cell = cells.get("meeting location")
        if cell is None:
            return ""
        return " ".join(" ".join(cell.xpath(".//text()[not(ancestor::em)]").getall()).split())

    def _parse_status(self, cells: dict[str, Selector]) -> MeetingStatus:
        """Cancelled or rescheduled when the name, time or location cell says so."""
        text = " ".join(_text(cells.get(k)) for k in ("name", "meeting time", "meeting location"))
        return status_from_text(text)

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
        """Posted documents and the detail page; "Not available" cells have no href."""
        links = []
        for header, cell in cells.items():
            if header in NON_DOCUMENT_COLUMNS:
                continue
            url = _cell_url(response, cell)
            if url:
                title = header.title() if header != "meeting details" else "Meeting details"
                links.append(Link(title=title, url=url, kind=LINK_KINDS.get(header, "other")))
        return links

    def _parse_agenda_url(self, response: Response, cells: dict[str, Selector]) -> str | None:
        """The agenda document to read when no item grid is available."""
        for header in AGENDA_COLUMNS:
            cell = cells.get(header)
            url = _cell_url(response, cell) if cell is not None else None
            if url:
                return url
        return None

    # --- MeetingDetail item grid --------------------------------------------------------------

    def _detail_items(self, response: Response, mid: str) -> list[AgendaItem] | None:
        """Items in the MeetingDetail grid; None when the page has no grid at all."""
        grid = response.css(ITEMS_GRID)
        if not grid:
            self.logger.warning("no agenda-item grid on %s", response.url)
            return None
        headers = _headers(grid[0])
        items: dict[str, AgendaItem] = {}
        for sequence, row in enumerate(grid[0].css(DATA_ROWS), start=1):
            cells = _cells(headers, row)
            title = _text(cells.get("title")) or _text(cells.get("name"))
            if not title:
                self.logger.debug("skip item row %d on %s: no title", sequence, response.url)
                continue
            number = _text(cells.get("agenda #")) or None
            file_cell = cells.get("file #")
            matter_href = file_cell.css("a::attr(href)").get() if file_cell is not None else None
            matter_id = ID_RE.search(matter_href or "")
            item = AgendaItem(
                id=item_id(mid, matter_id.group(1) if matter_id else None, number, title),
                number=number,
                title=title,
                text=self._parse_item_text(cells, title),
                matter=_text(file_cell) or None,
                sequence=sequence,
                links=self._parse_item_links(response, cells),
            )
            items.setdefault(item.id, item)  # one matter listed twice keeps its first row
        return list(items.values())

    def _parse_item_text(self, cells: dict[str, Selector], title: str) -> str:
        """The matter's short name and type, where they add to the title."""
        parts = [_text(cells.get("name")), _text(cells.get("type"))]
        return "\n".join(p for p in parts if p and p not in title)

    def _parse_item_links(self, response: Response, cells: dict[str, Selector]) -> list[Link]:
        """The matter's LegislationDetail page and the item's video, where linked."""
        links = []
        for header, kind, title in ITEM_LINK_COLUMNS:
            cell = cells.get(header)
            url = _cell_url(response, cell) if cell is not None else None
            if url:
                links.append(Link(title=title, url=url, kind=kind))
        return links


# --- helpers ---------------------------------------------------------------------------------


def _headers(grid: Selector) -> list[str]:
    """Lower-cased header texts of a RadGrid, in column order ("" for the iCal column)."""
    return [
        " ".join(" ".join(th.xpath(".//text()").getall()).split()).lower()
        for th in grid.css("th.rgHeader")
    ]


def _cells(headers: list[str], row: Selector) -> dict[str, Selector]:
    """A row's cells keyed by header text; a row that does not fit the header is a shape change."""
    cells = row.xpath("./td")
    if len(cells) != len(headers):
        raise UnexpectedShape(
            f"Legistar grid row has {len(cells)} cells but {len(headers)} headers {headers}"
        )
    keyed: dict[str, Selector] = {}
    for header, cell in zip(headers, cells, strict=True):
        keyed.setdefault(header, cell)  # the first of two same-named columns wins
    return keyed


def _text(cell: Selector | None) -> str:
    """A cell's text on one line, non-breaking spaces folded ("Not available")."""
    if cell is None:
        return ""
    return " ".join(" ".join(cell.xpath(".//text()").getall()).split())


def _cell_url(response: Response, cell: Selector) -> str | None:
    """The absolute http(s) URL of a cell's first link, else None (e.g. "Not available")."""
    href = (cell.css("a::attr(href)").get() or "").strip()
    if not href or href.lower().startswith("javascript:"):
        return None
    url = response.urljoin(href)
    return url if url.startswith(("http://", "https://")) else None


def _link_url(links: list[Link], kind: LinkKind) -> str | None:
    """The URL of the first link of `kind`."""
    return next((str(link.url) for link in links if link.kind == kind), None)


def _page_state(response: Response) -> dict[str, str]:
    """The ASP.NET hidden fields a postback must send back (empty without ``__VIEWSTATE``)."""
    state = {
        name: value
        for name, value in (
            (i.attrib.get("name", ""), i.attrib.get("value", ""))
            for i in response.css("input[type=hidden]")
        )
        if name.startswith("__")
    }
    return state if "__VIEWSTATE" in state else {}
