"""CivicPlus AgendaCenter spider: ``/AgendaCenter`` → ``UpdateCategoryList`` per year → agendas.

Facts this relies on (docs/platforms.md §4.5, §3.2–3.3):

- Each category (a body) is a ``div#cat{N}`` with an ``h2`` heading; its rows are
  ``tr.catAgendaRow`` inside ``span#section{N}``. The index shows **one year per category**
  (``ul.years li.current``); other years come from ``POST /AgendaCenter/UpdateCategoryList`` with
  form ``year=…&catID=…``, answered with a ``span#section{N}`` fragment — or, for an empty
  category, with a whole page, which must not be read as that year's rows.
- A row's anchor name ``_MMDDYYYY-seq`` is the only date: no time, no location. An "Amended …"
  note in the heading does not change it.
- Documents are ``/AgendaCenter/ViewFile/Agenda/_…`` (``?html=true`` an HTML rendition,
  ``?packet=true`` the packet) and ``/AgendaCenter/ViewFile/Minutes/_…``; "Previous Versions"
  links are revision pages and are skipped.
- There is no item list: items come from the agenda document (HTML rendition preferred).
- Cancellations are written into titles ("CANCELLED - Weed Board").
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import scrapy
from parsel import Selector, SelectorList
from pydantic import BaseModel
from scrapy.http import Response
from scrapy.selector import SelectorList as ScrapySelectorList

from pipeline.models import Link, LinkKind, Meeting
from spiders._parse import html_page, squash, text
from spiders._rows import read_rows
from spiders._vocab import clean_body, clean_name, status_from_text
from spiders.base import AgendaSpider, PlatformOptions

# The meeting id in a row's anchor or ViewFile link: "_11192020-808" → month, day, year, seq.
AGENDA_ID_RE = re.compile(r"_(\d{2})(\d{2})(\d{4})-(\d+)")
# A category block's id: "cat9" → 9 (the search box's "categoryList" div is not one).
CATEGORY_ID_RE = re.compile(r"^cat(\d+)$")
# A four-digit year in the category's year tabs ("2025"); "View More" is not one.
YEAR_RE = re.compile(r"^\d{4}$")
# The year at the end of a year tab's label: "Weed Board 2026" → "Weed Board".
YEAR_SUFFIX_RE = re.compile(r"\s+\d{4}$")


class CivicPlusOptions(PlatformOptions):
    """``category_ids``: only these AgendaCenter categories (``catID``s); all when unset."""

    category_ids: list[int] | None = None


@dataclass
class Category:
    """One AgendaCenter category block: its id, body name, shown year and offered years."""

    cat_id: int
    name: str
    rows: Selector | SelectorList[Selector]
    current_year: int | None
    years: list[int]


class CivicPlusSpider(AgendaSpider):
    """Meetings (date only) from a CivicPlus AgendaCenter, with their agenda documents."""

    platform = "civicplus"
    Options = CivicPlusOptions
    saved_readers = {"agendacenter": "read_agendacenter"}

    # --- URLs -----------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """The site origin: ``base_url`` without ``/AgendaCenter…``, else from the slug."""
        if self.source.base_url:
            base = str(self.source.base_url)
            cut = base.lower().find("/agendacenter")
            return (base[:cut] if cut >= 0 else base).rstrip("/")
        return f"https://{self.source.slug}.civicplus.com"

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The AgendaCenter index."""
        yield scrapy.Request(f"{self.origin}/AgendaCenter", callback=self.parse_index)

    def parse_index(self, response: Response) -> Iterator[Any]:
        """Rows of each wanted category in the window, then its other years in the window."""
        first, last = self.window()
        for category in self._page_categories(html_page(response.body), response.url):
            yield from self._meetings_or_documents(category, response.url)
            for year in category.years:
                if year != category.current_year and first.year <= year <= last.year:
                    yield scrapy.FormRequest(
                        f"{self.origin}/AgendaCenter/UpdateCategoryList",
                        formdata={"year": str(year), "catID": str(category.cat_id)},
                        callback=self.parse_category_year,
                        cb_kwargs={"cat_id": category.cat_id, "name": category.name, "year": year},
                    )

    def parse_category_year(
        self, response: Response, cat_id: int, name: str, year: int
    ) -> Iterator[Any]:
        """One category's year from the ``UpdateCategoryList`` fragment."""
        section = self._year_section(response.text, cat_id)
        if section is None:
            self.logger.debug("category %s has no agendas in %s", cat_id, year)
            return
        category = Category(cat_id, name, section, year, [])
        yield from self._meetings_or_documents(category, response.url, year)

    def read_agendacenter(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """An index or Search page, or an ``UpdateCategoryList`` fragment → meetings (no window)."""
        for category in self._page_categories(html_page(body), url):
            yield from self._rows(category, url)

    def _page_categories(self, page: Selector, url: str) -> list[Category]:
        """The categories of an index or Search page, or the one an answer fragment holds."""
        if any(CATEGORY_ID_RE.match(i) for i in page.xpath("//div/@id").getall()):
            return list(self._categories(page))
        span = page.xpath("//span[starts-with(@id,'section')]")
        if not span:
            self.rows(span, "AgendaCenter categories (div#cat{N}) or a span#section{N} fragment")
        cat_id = int(re.sub(r"\D", "", span[0].attrib["id"]) or 0)
        name = self._parse_body(span[0]) or self.source.name or f"Category {cat_id}"
        self.logger.info("%s is one category's fragment, not the AgendaCenter index", url)
        return [Category(cat_id, name, span[0], None, [])]

    # --- listing --------------------------------------------------------------------------

    def _categories(self, page: Selector) -> Iterator[Category]:
        """Wanted categories on an index or Search page; `NoRowsFound` when there are none."""
        blocks = ScrapySelectorList(
            div
            for div in page.xpath("//div[starts-with(@id,'cat')]")
            if CATEGORY_ID_RE.match(div.attrib.get("id", ""))
        )
        wanted = self.options.category_ids
        for block in self.rows(blocks, "AgendaCenter categories (div#cat{N})"):
            cat_id = int(block.attrib["id"][3:])
            name = self._parse_body(block)
            if (wanted and cat_id not in wanted) or not self.wants_body(name):
                continue
            years = [int(t) for t in block.css("ul.years li a::text").getall() if YEAR_RE.match(t)]
            current = block.css("ul.years li.current a::text").get("")
            yield Category(
                cat_id, name, block, int(current) if YEAR_RE.match(current) else None, years
            )

    def _year_section(self, html: str, cat_id: int) -> Selector | None:
        """The ``span#section{N}`` of an UpdateCategoryList answer, or None when it is empty.

        An empty category is answered with the whole AgendaCenter page, whose own
        ``span#section{N}`` (if any) holds the *current* year's rows, not the requested ones.
        """
        page = Selector(text=html)
        if page.xpath("//title | //form"):
            return None
        span = page.css(f"span#section{cat_id}")
        return span[0] if span else None

    def _rows(self, category: Category, page_url: str) -> Iterator[Meeting]:
        """The category's rows as meetings; a bad row costs only itself."""
        rows = category.rows.css("tr.catAgendaRow")
        what = f"AgendaCenter rows of {category.name!r}"
        yield from read_rows(
            self, rows, lambda r: self._parse_meeting(r, category.name, page_url), what, page_url
        )

    def _meetings_or_documents(
        self, category: Category, page_url: str, year: int | None = None
    ) -> Iterator[Any]:
        """Each new row of `category` in the window, as a meeting or its agenda's request."""
        first, last = self.window()
        for meeting in self._rows(category, page_url):
            day = meeting.start.date()
            if not first <= day <= last or (year is not None and day.year != year):
                continue
            if not self.first_sighting(meeting.id):
                continue
            yield self.meeting_or_document(meeting, self._agenda_document(meeting))

    # --- fields ---------------------------------------------------------------------------

    def _parse_meeting(self, row: Selector, body: str, page_url: str) -> Meeting | None:
        agenda_id = self._parse_agenda_id(row)
        if agenda_id is None:
            self.logger.debug("skip row without an _MMDDYYYY-seq id")
            return None
        month, day, year, _seq = (int(g) for g in agenda_id.groups())
        start = self.localize(date(year, month, day), None)  # an impossible date fails the row
        title = self._parse_title(row)
        links = self._parse_links(row, page_url)
        return self.new_meeting(
            start,
            title,
            agenda_id.group(0).lstrip("_"),
            body=body,
            time_known=False,  # AgendaCenter publishes dates only
            status=status_from_text(title),
            url=next((str(lk.url) for lk in links if lk.kind == "agenda"), None),
            links=links,
        )

    def _parse_agenda_id(self, row: Selector) -> re.Match[str] | None:
        """``_MMDDYYYY-seq`` from the row's anchor name, else from its first ViewFile link."""
        for candidate in row.css("a::attr(name)").getall() + row.css("a::attr(href)").getall():
            match = AGENDA_ID_RE.search(candidate)
            if match:
                return match
        return None

    def _parse_body(self, block: Selector) -> str:
        """The category heading (``h2``, or ``h3`` in the newer layout), without its arrow.

        A bare UpdateCategoryList fragment has no heading; its year tab label ("Weed Board
        2026") names the body instead.
        """
        heading = text(block.xpath("./h2 | ./h3"))
        if not heading:
            label = block.css("ul.years li a::attr(aria-label)").get("")
            heading = YEAR_SUFFIX_RE.sub("", squash(label))
        return clean_body(heading)

    def _parse_title(self, row: Selector) -> str:
        """The row's ``p`` text (trailing spaces dropped), else the link title, else "Agenda"."""
        title = text(row.css("td p")) or squash(row.css("a[title]::attr(title)").get(""))
        return clean_name(title) or "Agenda"

    def _parse_links(self, row: Selector, page_url: str) -> list[Link]:
        """Agenda (PDF/HTML), packet, minutes and media links, each URL once."""
        links: dict[str, Link] = {}
        for anchor in row.css("a[href]"):
            url = self.url(anchor.attrib["href"], page_url)
            if not url or "previousversions" in url.lower():
                continue
            kind, title = _classify(url, anchor)
            if url not in links:
                links[url] = Link(title=title, url=url, kind=kind)
        return list(links.values())

    def _agenda_document(self, meeting: Meeting) -> str | None:
        """The HTML rendition when linked (text without PDF parsing), else the agenda file."""
        agendas = [str(lk.url) for lk in meeting.links if lk.kind == "agenda"]
        return next((u for u in agendas if "html=true" in u.lower()), None) or next(
            iter(agendas), None
        )


def _classify(url: str, anchor: Selector) -> tuple[LinkKind, str]:
    """A ViewFile link's kind and a label for it; other links are media or other pages."""
    lowered = url.lower()
    if "/viewfile/minutes/" in lowered:
        return "minutes", "Minutes"
    if "/viewfile/agenda/" in lowered:
        if "packet=true" in lowered:
            return "packet", "Agenda packet"
        if "html=true" in lowered:
            return "agenda", "Agenda (HTML)"
        return "agenda", "Agenda"
    parent = anchor.xpath("ancestor::td[1]/@class").get("")
    label = text(anchor)
    if "videos" in parent:
        return "video", label or "Media"
    return "other", label or "Link"
