"""NovusAGENDA (Granicus): the Telerik RadGrid meeting list, or a county board API in front of it.

Facts this relies on (docs/platforms.md §4.13): the list grid's rows are ``tr.rgRow``/``tr.rgAltRow``
with cells date ("09/27/22" or "6/17/2025" — two- or four-digit year, no time), meeting type and
location, and an icon whose ``onclick`` opens ``MeetingView.aspx?MeetingID=…``; that page is
server-rendered HTML with the full item list, so it is the agenda document the pipeline reads.
The list shows its own default range (changed only by a postback), so the crawl window is applied
to its rows here. Hennepin County MN fronts NovusAGENDA with a JSON API (``{"dtMtg": [...], "dtItm": [...]}``)
whose ``MeetingDate`` is naive local time; ``options: {mode: board_api}`` reads it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any, Literal
from urllib.parse import urljoin

import scrapy
from parsel import Selector
from parsel import SelectorList as ParselSelectorList
from pydantic import BaseModel
from scrapy.http import Response
from scrapy.selector import SelectorList

from pipeline.ingest.detect import page_kind
from pipeline.models import AgendaItem, Link, Meeting, Source, item_id
from spiders._health import empty_listing
from spiders._parse import (
    html_page,
    load_json,
    query_value,
    script_url,
    squash,
    text,
)
from spiders._rows import numbered_items, read_rows
from spiders._vocab import clean_body, status_from_text
from spiders.base import AgendaSpider, PlatformOptions, SourceError, UnexpectedShape

# The MeetingView URL inside the HTML-agenda icon's onclick ("window.open('MeetingView.aspx?…'").
MEETING_VIEW_RE = re.compile(r"""['"](MeetingView\.aspx\?[^'"]+)['"]""", re.I)

# The meetings grid only: the page can also hold an items search grid (radGridItems)
# that is paged at 15 rows, so its items are never a meeting's full agenda.
GRID_TABLE = "table[id$='radGridMeetings_ctl00']"
# Data rows of that grid (not its header, pager or nested tables).
GRID_ROWS = "./tbody/tr[contains(@class, 'rgRow') or contains(@class, 'rgAltRow')]"
# Telerik's "No records to display." row: a legitimately empty list.
GRID_EMPTY = "./tbody/tr[contains(@class, 'rgNoRecords')]"


# Grid header labels of the three cells read, in the order read: date, meeting type, location.
COLUMN_LABELS = (
    ("meeting date", "date"),
    ("meeting type", "type", "meeting", "board"),
    ("meeting location", "location"),
)


def _column_order(grid: ParselSelectorList[Selector]) -> tuple[int, int, int]:
    """Where the date, meeting-type and location cells sit, by the grid's header labels.

    Dinuba's grid starts with the date; Bakersfield's starts with an unlabelled video-icon
    column. Without a header row (or a label it does not know) the first three cells are read.
    """
    labels = [squash(text(th)).lower() for th in grid.xpath("./thead/tr[1]/th")]
    found = [next((labels.index(w) for w in words if w in labels), -1) for words in COLUMN_LABELS]
    if -1 in found or len(set(found)) < 3:
        return (0, 1, 2)
    return (found[0], found[1], found[2])


class NovusOptions(PlatformOptions):
    """``mode: board_api`` reads a county JSON API (``api_url`` up to the date segments)."""

    mode: Literal["web", "board_api"] = "web"


class NovusAgendaSpider(AgendaSpider):
    """Meetings from a NovusAGENDA public list (agenda HTML read by the pipeline) or board API."""

    platform = "novusagenda"
    Options = NovusOptions

    @classmethod
    def config_problems(cls, source: Source) -> list[tuple[str, str]]:
        """The list page needs its site; ``mode: board_api`` needs the API's address."""
        problems = super().config_problems(source)
        if NovusOptions.model_validate(source.options).mode == "board_api" and not source.api_url:
            problems.append(("api_url", "novusagenda mode board_api needs api_url"))
        return problems

    saved_readers = {
        "meeting_list": "read_list",
        "board_api": "read_board_api",
        "meeting_view": "read_meeting_view",
    }

    # --- URLs -----------------------------------------------------------------------------

    @property
    def agendapublic_url(self) -> str:
        """``https://{slug}.novusagenda.com/agendapublic/`` (the folder of ``base_url``)."""
        if self.source.base_url:
            return urljoin(str(self.source.base_url), ".")
        return f"https://{self.source.slug}.novusagenda.com/agendapublic/"

    @property
    def list_url(self) -> str:
        """``base_url`` when it names a list page, else ``meetingsgeneral.aspx`` in the folder."""
        base = str(self.source.base_url or "")
        if ".aspx" in base.lower():
            return base
        return self.agendapublic_url + "meetingsgeneral.aspx"

    def meeting_view_url(self, meeting_id_: str) -> str:
        """The server-rendered HTML agenda of a meeting."""
        return (
            f"{self.agendapublic_url}MeetingView.aspx?MeetingID={meeting_id_}"
            "&MinutesMeetingID=-1&doctype=Agenda"
        )

    def board_api_url(self, today: date) -> str:
        """``{api_url}/{from}/{to}/none/true`` for the source's window."""
        if not self.source.api_url:
            raise SourceError(f"{self.source.id}: mode board_api needs api_url")
        first, last = self.window(today)
        return f"{str(self.source.api_url).rstrip('/')}/{first:%Y-%m-%d}/{last:%Y-%m-%d}/none/true"

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The list page (its default date range), or the board API for the window."""
        if self.options.mode == "board_api":
            url = self.board_api_url(self.today())
            yield scrapy.Request(url, callback=self.parse_board_api)
        else:
            yield scrapy.Request(self.list_url, callback=self.parse_list)

    def parse_list(self, response: Response) -> Iterator[Any]:
        """Each wanted meeting in the window, with its HTML agenda (MeetingView) fetched.

        The list shows its own default range (a postback changes it), so the crawl window is
        applied here.
        """
        for meeting in self._parse_grid(response.url, response.body, filtered=True):
            if not self.in_window(meeting.start):
                self.logger.debug("skip %s: outside the crawl window", meeting.id)
                continue
            yield self.meeting_or_document(meeting, _agenda_document(meeting))

    def parse_agenda_document(self, response: Response, meeting: Meeting) -> Iterator[Meeting]:
        """A MeetingView page gives the items (CoverSheet rows); the text goes on to the pipeline."""
        if page_kind(self.platform, response.url, response.body) == "meeting_view":
            meeting.items = self._parse_view_items(meeting.id, response.url, response.body)
        yield from super().parse_agenda_document(response, meeting)

    def read_meeting_view(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``MeetingView.aspx`` → its agenda items."""
        key = query_value(url, "MeetingID") or "agenda"
        yield from self._parse_view_items(f"{self.source.id}/saved/{key}", url, body)

    def _parse_view_items(self, mid: str, url: str, body: bytes) -> list[AgendaItem]:
        """Rows linking an item's ``CoverSheet.aspx``: number cell, title; the section above."""
        section = ""

        def read(row: Selector) -> AgendaItem | None:
            nonlocal section
            cover = row.css("a[href*='CoverSheet']")
            if not cover:
                cells = [text(td) for td in row.xpath("./td") if text(td)]
                section = cells[0] if len(cells) == 1 else section
                return None
            title = text(cover[0])
            number = next(
                (text(td) for td in row.xpath("./td") if text(td) and text(td) != title), None
            )
            href = cover[0].attrib.get("href")
            link = self.link("Cover sheet", href, "detail", url)
            return AgendaItem(
                id=item_id(mid, query_value(href or "", "ItemID"), number, title),
                number=number,
                title=title,
                text=section,
                links=[link] if link else [],
            )

        rows = html_page(body).xpath("//tr[td]")
        return numbered_items(self, rows, read, "NovusAGENDA MeetingView items", url)

    def parse_board_api(self, response: Response) -> Iterator[Any]:
        """Meetings with their items; an agenda PDF only for meetings without items."""
        for meeting in self._parse_board_api(response.url, response.body, filtered=True):
            if meeting.items:
                yield meeting
            else:
                yield self.meeting_or_document(meeting, _agenda_document(meeting))

    def read_list(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """A meeting list page → meetings."""
        yield from self._parse_grid(url, body)

    def read_board_api(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """A county board API answer → meetings with items."""
        yield from self._parse_board_api(url, body)

    # --- list grid ------------------------------------------------------------------------

    def _parse_grid(self, url: str, body: bytes, filtered: bool = False) -> Iterator[Meeting]:
        grid = html_page(body).css(GRID_TABLE)
        rows = grid.xpath(GRID_ROWS)
        if not rows and grid.xpath(GRID_EMPTY):
            empty_listing(self, "NovusAGENDA meeting grid (No records)", url)
            return
        rows = self.rows(SelectorList(rows), "NovusAGENDA radGridMeetings rows")
        order = _column_order(grid)

        def read(row: Selector) -> Meeting | None:
            tds = [text(td) for td in row.xpath("./td")]
            if len(tds) < 3 or max(order) >= len(tds):
                raise UnexpectedShape(f"NovusAGENDA row with {len(tds)} cells")
            cells = [tds[i] for i in order]
            if filtered and not self.wants_body(clean_body(cells[1])):
                return None
            return self._parse_row(row, cells, url)

        yield from read_rows(self, rows, read, "NovusAGENDA meeting rows", url)

    def _parse_row(self, row: Selector, cells: list[str], page: str) -> Meeting:
        links = self._parse_row_links(row, page)
        view = next((str(link.url) for link in links if link.kind == "detail"), "")
        when = self.when(cells[0])
        if when is None:
            raise UnexpectedShape(f"NovusAGENDA date not understood: {cells[0]!r}")
        return self.new_meeting(
            when.start_in(self.tz),
            cells[1],
            query_value(view, "MeetingID") if view else None,
            body=clean_body(cells[1]) or cells[1],
            time_known=when.time_known,  # the grid's date cell rarely carries a time
            location=cells[2],
            status=status_from_text(*cells[1:3]),
            url=view or None,
            links=links,
        )

    def _parse_row_links(self, row: Selector, page: str) -> list[Link]:
        """Agenda PDF, minutes PDF and the HTML agenda page (``MinutesMeetingID=-1`` form)."""
        links: list[Link | None] = []
        for href in row.css("a::attr(href)").getall():  # every address is checked, counted
            url = self.url(href, page)
            if url is None or "displayagendapdf" not in url.lower():
                continue
            if query_value(url, "MeetingID"):
                links.append(self.link("Agenda PDF", url, "agenda"))
            else:
                links.append(self.link("Minutes PDF", url, "minutes"))
        onclick = " ".join(row.css("a::attr(onclick)").getall())
        view = MEETING_VIEW_RE.search(onclick) and script_url(onclick, page)
        meeting = self.number(query_value(view, "MeetingID"), "MeetingID") if view else None
        if meeting is not None and view:
            # In the folder the page's own link points into (Bakersfield's list is
            # ``/AgendaPublic/?MeetingType=6``; a source's base_url may be the bare host).
            html_agenda = urljoin(view, self.meeting_view_url(str(meeting)).rsplit("/", 1)[1])
            links.append(self.link("Agenda (HTML)", html_agenda, "detail"))
        return [link for link in links if link is not None]

    # --- board API ------------------------------------------------------------------------

    def _parse_board_api(self, url: str, body: bytes, filtered: bool = False) -> Iterator[Meeting]:
        data = load_json(body)
        if not isinstance(data, dict) or not isinstance(data.get("dtMtg"), list):
            raise UnexpectedShape(f"board API: expected {{dtMtg, dtItm}} at {url}")
        items_by_meeting: dict[str, list[dict[str, Any]]] = {}
        item_rows = data.get("dtItm")
        for row in item_rows if isinstance(item_rows, list) else []:
            if isinstance(row, dict):
                items_by_meeting.setdefault(squash(row.get("MeetingID")), []).append(row)

        def read(record: dict[str, Any]) -> Meeting | None:
            if filtered and not self.wants_body(clean_body(record.get("MeetingType"))):
                return None
            rows = items_by_meeting.get(squash(record.get("MeetingID")), [])
            return self._parse_api_meeting(record, rows)

        yield from read_rows(self, data["dtMtg"], read, "NovusAGENDA board API meetings", url)

    def _parse_api_meeting(self, record: dict[str, Any], rows: list[dict[str, Any]]) -> Meeting:
        meeting_number = self.number(record.get("MeetingID"), "MeetingID")
        if meeting_number is None:
            raise UnexpectedShape(f"board API meeting without a usable MeetingID: {record!r:.120}")
        platform_id = str(meeting_number)
        title = squash(record.get("MeetingType")) or "Meeting"
        found = self.stamp(record["MeetingDate"])  # local wall time; an offset is ignored
        start = self.localize(found.day, found.start)
        links = []
        if record.get("AgendaPDFExists"):
            pdf = f"{self.agendapublic_url}DisplayAgendaPDF.ashx?MeetingID={platform_id}"
            links.append(Link(title="Agenda Document", url=pdf, kind="agenda"))
        meeting = self.new_meeting(
            start,
            title,
            platform_id,
            body=clean_body(title) or title,
            location=squash(record.get("Location")),
            status=status_from_text(title),
            url=self.meeting_view_url(platform_id),
            links=links,
        )
        meeting.items = self._parse_api_items(meeting.id, rows)
        return meeting

    def _parse_api_items(self, mid: str, rows: list[dict[str, Any]]) -> list[AgendaItem]:
        """Items in API order; the agenda category ("Consent", "Addendum") is their text."""

        def read(row: dict[str, Any]) -> AgendaItem | None:
            title = squash(row.get("Title"))
            if row.get("AgendaItemID") is None or not title:
                raise UnexpectedShape(f"board API item without AgendaItemID/Title: {row!r:.80}")
            return AgendaItem(
                id=item_id(mid, squash(row["AgendaItemID"]), None, title),
                title=title,
                text=squash(row.get("AgendaCategory")),
            )

        url = str(self.source.api_url or "")
        return numbered_items(self, rows, read, "NovusAGENDA board API items", url)


def _agenda_document(meeting: Meeting) -> str | None:
    """The HTML agenda page if listed, else the agenda PDF."""
    for kind in ("detail", "agenda"):
        url = next((str(link.url) for link in meeting.links if link.kind == kind), None)
        if url:
            return url
    return None
