"""What the two Legistar spiders share: the ``mode`` option, link ids and the web page grids.

The Web API spider (``legistar.py``) chooses the web-calendar variant (``legistar_web.py``) and
reads its pages through it; the variant imports only this module, so the two never import each
other.
"""

from __future__ import annotations

import re
from typing import Literal

import scrapy
from parsel import Selector
from scrapy.http import Response

from pipeline.models import AgendaItem, Link, LinkKind, item_id
from spiders._outcomes import make_outcome, passed_flag
from spiders._parse import decode, text
from spiders._rows import read_items
from spiders._vocab import clean_name
from spiders.base import AgendaSpider, PlatformOptions, UnexpectedShape

# Event/matter id in MeetingDetail, View.ashx and LegislationDetail links: "?ID=658900&GUID=…",
# and in the API's EventInSiteURL: "MeetingDetail.aspx?LEGID=2907&GID=557".
ID_RE = re.compile(r"[?&](?:ID|LEGID)=(\d+)", re.IGNORECASE)


class LegistarOptions(PlatformOptions):
    """``mode: web`` crawls the web calendar instead of the Web API (disabled for some clients)."""

    mode: Literal["api", "web"] = "api"


ITEMS_GRID = "table#ctl00_ContentPlaceHolder1_gridMain_ctl00"
DATA_ROWS = "./tbody/tr[contains(@class,'rgRow') or contains(@class,'rgAltRow')] | ./tr[contains(@class,'rgRow') or contains(@class,'rgAltRow')]"
# Item-grid columns whose link is kept: (header, link kind, link title).
ITEM_LINK_COLUMNS: tuple[tuple[str, LinkKind, str], ...] = (
    ("file #", "detail", "Legislation details"),
    ("video", "video", "Video"),
)


def detail_items(spider: AgendaSpider, response: Response, mid: str) -> list[AgendaItem] | None:
    """Items in the MeetingDetail grid; None when the page has no grid at all.

    A row that cannot be read costs that item; a bad link costs that link.
    """
    grid = response.css(ITEMS_GRID)
    if not grid:
        return None
    headers = grid_headers(grid[0])

    def read(numbered: tuple[int, Selector]) -> AgendaItem | None:
        sequence, row = numbered
        cells = row_cells(headers, row)
        title = text(cells.get("title")) or text(cells.get("name"))
        if not title and any(text(cell) for cell in cells.values()):
            raise UnexpectedShape("an item row without a Title or Name")
        if not title:
            return None  # a spacer row
        number = text(cells.get("agenda #")) or None
        file_cell = cells.get("file #")
        matter_href = file_cell.css("a::attr(href)").get() if file_cell is not None else None
        matter_id = ID_RE.search(matter_href or "")
        return AgendaItem(
            id=item_id(mid, matter_id.group(1) if matter_id else None, number, title),
            number=number,
            title=title,
            text=_item_text(cells, title),
            matter=text(file_cell) or None,
            sequence=sequence,
            links=_item_links(spider, response, cells),
            # Once minutes are in, the grid's Action and Result ("Pass"/"Fail") say the outcome.
            outcome=make_outcome(
                text(cells.get("action")),
                passed_flag(None, text(cells.get("result"))),
                "legistar_web",
            ),
        )

    rows = enumerate(grid[0].xpath(DATA_ROWS), start=1)
    items: dict[str, AgendaItem] = {}
    for item in read_items(spider, rows, read, "Legistar MeetingDetail items", response.url):
        items.setdefault(item.id, item)  # one matter listed twice keeps its first row
    return list(items.values())


def _item_text(cells: dict[str, Selector], title: str) -> str:
    """The matter's short name and type, where they add to the title."""
    parts = [text(cells.get("name")), text(cells.get("type"))]
    return "\n".join(p for p in parts if p and p not in title)


def _item_links(spider: AgendaSpider, response: Response, cells: dict[str, Selector]) -> list[Link]:
    """The matter's LegislationDetail page and the item's video, where linked."""
    links = []
    for header, kind, title in ITEM_LINK_COLUMNS:
        cell = cells.get(header)
        url = cell_url(spider, response, cell) if cell is not None else None
        if url:
            links.append(Link(title=title, url=url, kind=kind))
    return links


def saved_response(url: str, body: bytes) -> Response:
    """A saved page as a response (declared charset, else UTF-8, else Windows-1252)."""
    return scrapy.http.HtmlResponse(url=url, body=decode(body).encode("utf-8"), encoding="utf-8")


def grid_headers(grid: Selector) -> list[str]:
    """Lower-cased header texts of a RadGrid in column order ("" or "ics" for the iCal column)."""
    heads = grid.xpath("./thead/tr/th[contains(@class, 'rgHeader')]") or grid.css("th.rgHeader")
    return [
        text(th).lower() or clean_name(th.css("img::attr(alt), img::attr(title)").get("")).lower()
        for th in heads
    ]


def row_cells(headers: list[str], row: Selector) -> dict[str, Selector]:
    """A row's cells keyed by header text (by position where a row is short or long)."""
    keyed: dict[str, Selector] = {}
    for header, cell in zip(headers, row.xpath("./td"), strict=False):
        keyed.setdefault(header, cell)  # the first of two same-named columns wins
    return keyed


def cell_url(spider: AgendaSpider, response: Response, cell: Selector) -> str | None:
    """Where a cell's first link leads (its href, or the address in its onclick), else None.

    A bad address is dropped with a counted warning (`AgendaSpider.anchor_url`).
    """
    anchor = cell.css("a")
    return spider.anchor_url(anchor[0], response.url) if anchor else None


def page_state(response: Response) -> dict[str, str]:
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
