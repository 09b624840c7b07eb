"""NovusAGENDA (Granicus): the Telerik RadGrid meeting list, or a county board API in front of it.

Facts this relies on (docs/platforms.md §4.13): the list grid's rows are ``tr.rgRow``/``tr.rgAltRow``
with cells date ("09/27/22" or "6/17/2025" — two- or four-digit year, no time), meeting type and
location, and an icon whose ``onclick`` opens ``MeetingView.aspx?MeetingID=…``; that page is
server-rendered HTML with the full item list, so it is the agenda document the pipeline reads.
Hennepin County MN fronts NovusAGENDA with a JSON API (``{"dtMtg": [...], "dtItm": [...]}``)
whose ``MeetingDate`` is naive local time; ``options: {mode: board_api}`` reads it.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import parse_qs, urljoin, urlsplit

import scrapy
from parsel import Selector
from pydantic import BaseModel
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.selector import SelectorList

from pipeline.models import AgendaItem, Link, Meeting, MeetingStatus, item_id, meeting_id
from spiders.base import CANCELLED_RE, AgendaSpider, PlatformOptions, SourceError, UnexpectedShape

# List dates: "09/27/22" or "6/17/2025".
DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
# The MeetingView URL inside the HTML-agenda icon's onclick ("window.open('MeetingView.aspx?…'").
MEETING_VIEW_RE = re.compile(r"""['"](MeetingView\.aspx\?[^'"]+)['"]""", re.I)

# The meetings grid only: the page can also hold an items search grid (radGridItems)
# that is paged at 15 rows, so its items are never a meeting's full agenda.
GRID_TABLE = "table[id$='radGridMeetings_ctl00']"
# Data rows of that grid (not its header, pager or nested tables).
GRID_ROWS = "./tbody/tr[contains(@class, 'rgRow') or contains(@class, 'rgAltRow')]"
# Telerik's "No records to display." row: a legitimately empty list.
GRID_EMPTY = "./tbody/tr[contains(@class, 'rgNoRecords')]"


class NovusOptions(PlatformOptions):
    """``mode: board_api`` reads a county JSON API (``api_url`` up to the date segments)."""

    mode: Literal["web", "board_api"] = "web"


class NovusAgendaSpider(AgendaSpider):
    """Meetings from a NovusAGENDA public list (agenda HTML read by the pipeline) or board API."""

    name = "novusagenda"
    platform = "novusagenda"
    Options = NovusOptions

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
        """Each wanted meeting, with its HTML agenda fetched for the pipeline."""
        for meeting in self._parse_grid(response, filtered=True):
            yield self.meeting_or_document(meeting, _agenda_document(meeting))

    def parse_board_api(self, response: Response) -> Iterator[Any]:
        """Meetings with their items; an agenda PDF only for meetings without items."""
        for meeting in self._parse_board_api(response, filtered=True):
            if meeting.items:
                yield meeting
            else:
                yield self.meeting_or_document(meeting, _agenda_document(meeting))

    def parse_saved(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """A list page (``*.aspx``) or a board API response (JSON) → meetings."""
        if body.lstrip()[:1] == b"{":
            yield from self._parse_board_api(TextResponse(url=url, body=body, encoding="utf-8"))
        elif urlsplit(url).path.lower().endswith(".aspx"):
            yield from self._parse_grid(HtmlResponse(url=url, body=body, encoding="utf-8"))
        else:
            raise SourceError(f"no NovusAGENDA callback for {url}: expected a list page or JSON")

    # --- list grid ------------------------------------------------------------------------

    def _parse_grid(self, response: Response, filtered: bool = False) -> Iterator[Meeting]:
        grid = response.css(GRID_TABLE)
        rows = grid.xpath(GRID_ROWS)
        if not rows and grid.xpath(GRID_EMPTY):
            self.logger.info("%s: the meeting grid says there are no records", self.source.id)
            return
        for row in self.rows(SelectorList(rows), "NovusAGENDA radGridMeetings rows"):
            cells = [_text(td) for td in row.xpath("./td")]
            if len(cells) < 3:
                raise UnexpectedShape(f"NovusAGENDA row with {len(cells)} cells on {response.url}")
            body = cells[1]
            if filtered and not self.wants_body(body):
                self.logger.debug("skip row: body %r not in filter", body)
                continue
            yield self._parse_row(row, cells, response.url)

    def _parse_row(self, row: Selector, cells: list[str], page: str) -> Meeting:
        links = self._parse_row_links(row, page)
        view = next((str(link.url) for link in links if link.kind == "detail"), "")
        platform_id = _query_value(view, "MeetingID") if view else None
        start = self.localize(self._parse_date(cells[0]), None)
        mid = meeting_id(self.source.id, start, platform_id, cells[1])
        return Meeting(
            id=mid,
            source=self.source.id,
            jurisdiction=self.source.jurisdiction,
            body=cells[1],
            title=cells[1],
            start=start,
            timezone=self.source.timezone,
            time_known=False,
            location=cells[2],
            status=self._parse_status(" ".join(cells[1:3])),
            url=view or None,
            links=links,
            platform_id=platform_id,
            scraped_at=self.now(),
        )

    def _parse_date(self, text: str) -> date:
        """A date with a two- or four-digit year."""
        match = DATE_RE.match(text.strip())
        if not match:
            raise UnexpectedShape(f"NovusAGENDA date not understood: {text!r}")
        month, day, year = (int(g) for g in match.groups())
        return date(year + 2000 if year < 100 else year, month, day)

    def _parse_status(self, text: str) -> MeetingStatus:
        """Cancelled when the type or location cell says so."""
        return "cancelled" if CANCELLED_RE.search(text) else "scheduled"

    def _parse_row_links(self, row: Selector, page: str) -> list[Link]:
        """Agenda PDF, minutes PDF and the HTML agenda page (``MinutesMeetingID=-1`` form)."""
        links: list[Link] = []
        for href in row.css("a[href*='DisplayAgendaPDF']::attr(href)").getall():
            url = urljoin(page, href)
            if _query_value(url, "MeetingID"):
                links.append(Link(title="Agenda PDF", url=url, kind="agenda"))
            else:
                links.append(Link(title="Minutes PDF", url=url, kind="minutes"))
        onclick = " ".join(row.css("a::attr(onclick)").getall())
        view = MEETING_VIEW_RE.search(onclick)
        if view:
            meeting = _query_value(urljoin(page, view[1]), "MeetingID") or ""
            links.append(
                Link(title="Agenda (HTML)", url=self.meeting_view_url(meeting), kind="detail")
            )
        return links

    # --- board API ------------------------------------------------------------------------

    def _parse_board_api(self, response: Response, filtered: bool = False) -> Iterator[Meeting]:
        data = json.loads(response.body)
        if not isinstance(data, dict) or not isinstance(data.get("dtMtg"), list):
            raise UnexpectedShape(f"board API: expected {{dtMtg, dtItm}} at {response.url}")
        items_by_meeting: dict[Any, list[dict[str, Any]]] = {}
        for row in data.get("dtItm") or []:
            items_by_meeting.setdefault(row.get("MeetingID"), []).append(row)
        for record in data["dtMtg"]:
            body = str(record.get("MeetingType") or "").strip()
            if filtered and not self.wants_body(body):
                self.logger.debug("skip meeting %s: body %r", record.get("MeetingID"), body)
                continue
            yield self._parse_api_meeting(record, items_by_meeting.get(record.get("MeetingID"), []))

    def _parse_api_meeting(self, record: dict[str, Any], rows: list[dict[str, Any]]) -> Meeting:
        platform_id = str(record["MeetingID"])
        body = str(record.get("MeetingType") or "Meeting").strip()
        start = datetime.fromisoformat(str(record["MeetingDate"])).replace(tzinfo=self.tz)
        mid = meeting_id(self.source.id, start, platform_id, body)
        links = []
        if record.get("AgendaPDFExists"):
            pdf = f"{self.agendapublic_url}DisplayAgendaPDF.ashx?MeetingID={platform_id}"
            links.append(Link(title="Agenda Document", url=pdf, kind="agenda"))
        return Meeting(
            id=mid,
            source=self.source.id,
            jurisdiction=self.source.jurisdiction,
            body=body,
            title=body,
            start=start,
            timezone=self.source.timezone,
            location=str(record.get("Location") or "").strip(),
            status=self._parse_status(body),
            url=self.meeting_view_url(platform_id),
            links=links,
            items=self._parse_api_items(mid, rows),
            platform_id=platform_id,
            scraped_at=self.now(),
        )

    def _parse_api_items(self, mid: str, rows: list[dict[str, Any]]) -> list[AgendaItem]:
        """Items in API order; the agenda category ("Consent", "Addendum") is their text."""
        return [
            AgendaItem(
                id=item_id(mid, str(row["AgendaItemID"]), None, str(row["Title"])),
                title=" ".join(str(row["Title"]).split()),
                text=str(row.get("AgendaCategory") or ""),
                sequence=n,
            )
            for n, row in enumerate(rows, start=1)
            if row.get("AgendaItemID") is not None and str(row.get("Title") or "").strip()
        ]


def _agenda_document(meeting: Meeting) -> str | None:
    """The HTML agenda page if listed, else the agenda PDF."""
    for kind in ("detail", "agenda"):
        url = next((str(link.url) for link in meeting.links if link.kind == kind), None)
        if url:
            return url
    return None


def _query_value(url: str, key: str) -> str | None:
    """One query parameter of `url`, matched case-insensitively."""
    for name, values in parse_qs(urlsplit(url).query).items():
        if name.lower() == key.lower() and values:
            return values[0]
    return None


def _text(selected: Any) -> str:
    """Single-spaced text of a selector (all descendants)."""
    return " ".join(" ".join(selected.xpath("string()").getall()).split())
