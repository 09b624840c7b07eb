"""IQM2 (Accela Legislative Management, now Granicus): ``Calendar.aspx`` list → ``Detail_Meeting.aspx``.

Facts this relies on (docs/platforms.md §4.11): the list view has one ``div.MeetingRow`` per
meeting whose link text is a local wall-clock time ("Jan 5, 2026 1:00 PM" — a 12-hour clock,
so ``%I`` not ``%H``); the link's tooltip spells out Board, Type, Status and location; the
meeting page carries the agenda outline in ``table#MeetingDetail`` when the clerk built one
(it is empty on many tenants, then the agenda exists only as ``FileOpen.aspx?Type=14`` PDF).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import scrapy
from parsel import Selector
from pydantic import BaseModel
from scrapy.http import HtmlResponse, Response, TextResponse

from pipeline.models import AgendaItem, Link, LinkKind, Meeting, MeetingStatus, item_id, meeting_id
from spiders.base import AgendaSpider, SourceError, UnexpectedShape, status_from_text

# List-row link text: "Jan 5, 2026 1:00 PM" (time may be missing on some tenants).
WHEN_RE = re.compile(
    r"(?P<day>[A-Z][a-z]{2} \d{1,2}, \d{4})(?:\s+(?P<clock>\d{1,2}:\d{2}\s*[AP]M))?", re.I
)
# Tooltip lines "Board:\tAtlanta City Council" (the page encodes the tab and CR as &#09; &#13;).
TOOLTIP_FIELD_RE = re.compile(r"^(Board|Type|Status):\s*(.*)$")
# The URL inside a video link's onclick: OpenWindow("/Citizens/SplitView.aspx?Mode=Video&...").
ONCLICK_URL_RE = re.compile(r"""OpenWindow\(["']([^"']+)["']""")
# An outline number as printed: "5.", "A.", "1.a", "IV.".
NUMBER_RE = re.compile(r"^(?:\d{1,3}|[A-Z]|[IVXLC]{1,6})(?:\.[0-9A-Za-z]{1,3})*\.?$")

# Download-link labels → link kinds (labels differ by tenant: "Summary" is Creve Coeur's minutes).
LABEL_KINDS: dict[str, LinkKind] = {
    "agenda": "agenda",
    "agenda packet": "packet",
    "minutes": "minutes",
    "minutes packet": "minutes",
    "summary": "minutes",
}


class Iqm2Spider(AgendaSpider):
    """Meetings from an IQM2 tenant's list calendar, with outline items when the page has them."""

    name = "iqm2"
    platform = "iqm2"

    # --- URLs -----------------------------------------------------------------------------

    @property
    def citizens_url(self) -> str:
        """``https://{slug}.iqm2.com/Citizens/`` unless ``base_url`` overrides it."""
        base = str(self.source.base_url or f"https://{self.source.slug}.iqm2.com/").rstrip("/")
        if not base.lower().endswith("/citizens"):
            base += "/Citizens"
        return base + "/"

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
        """Each wanted row → its meeting page (for outline items)."""
        for meeting in self._parse_rows(response, filtered=True):
            yield scrapy.Request(
                str(meeting.url),
                callback=self.parse_detail,
                errback=self.detail_failed,
                cb_kwargs={"meeting": meeting},
                meta={"meeting": meeting},
            )

    def parse_detail(self, response: Response, meeting: Meeting) -> Iterator[Any]:
        """Attach the outline's items; without any, fetch the agenda document instead."""
        meeting.items = self._parse_items(meeting.id, Selector(text=response.text), response.url)
        if meeting.items:
            yield meeting
        else:
            yield self.meeting_or_document(meeting, _agenda_url(meeting))

    def detail_failed(self, failure: Any) -> Iterator[Any]:
        """The meeting page failed: keep the list's meeting and read its agenda document."""
        meeting: Meeting = failure.request.meta["meeting"]
        self.logger.warning("meeting page for %s failed: %s", meeting.id, failure.value)
        yield self.meeting_or_document(meeting, _agenda_url(meeting))

    def parse_saved(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``Calendar.aspx`` → meetings; ``Detail_Meeting.aspx`` → one meeting with its items."""
        response = HtmlResponse(url=url, body=body, encoding="utf-8")
        path = urlsplit(url).path.lower()
        if path.endswith("/calendar.aspx"):
            yield from self._parse_rows(response, filtered=False)
        elif path.endswith("/detail_meeting.aspx"):
            yield self._parse_detail_page(response)
        else:
            raise SourceError(f"no IQM2 callback for {url}: expected Calendar or Detail_Meeting")

    # --- list rows ------------------------------------------------------------------------

    def _parse_rows(self, response: Response, filtered: bool) -> Iterator[Meeting]:
        rows = self.rows(response.css("div.MeetingRow"), "IQM2 div.MeetingRow rows")
        for row in rows:
            tooltip = _tooltip(row.css("div.RowLink a::attr(title)").get(""))
            body = self._parse_body(row, tooltip)
            if filtered and not self.wants_body(body):
                self.logger.debug("skip row: body %r not in filter", body)
                continue
            yield self._parse_row(row, tooltip, body, response.url)

    def _parse_row(self, row: Selector, tooltip: dict[str, Any], body: str, page: str) -> Meeting:
        href = row.css("div.RowLink a::attr(href)").get()
        if not href:
            raise UnexpectedShape(f"IQM2 row without a meeting link on {page}")
        url = urljoin(page, href)
        platform_id = _query_value(url, "ID")
        start, time_known = self._parse_start(row.css("div.RowLink a::text").get(""))
        title = self._parse_title(row, body)
        mid = meeting_id(self.source.id, start, platform_id, title)
        return Meeting(
            id=mid,
            source=self.source.id,
            jurisdiction=self.source.jurisdiction,
            body=body,
            title=title,
            start=start,
            timezone=self.source.timezone,
            time_known=time_known,
            location=", ".join(tooltip["location"]),
            status=self._parse_status(f"{title} {tooltip.get('Status', '')}"),
            url=url,
            links=self._parse_row_links(row, page)
            + [Link(title="Meeting", url=url, kind="detail")],
            platform_id=platform_id,
            scraped_at=self.now(),
        )

    def _parse_start(self, text: str) -> tuple[datetime, bool]:
        """Local start from "Jan 5, 2026 1:00 PM" (12-hour clock)."""
        match = WHEN_RE.search(text)
        if not match:
            raise UnexpectedShape(f"IQM2 meeting date not understood: {text!r}")
        day = datetime.strptime(match["day"], "%b %d, %Y").date()
        if not match["clock"]:
            return self.localize(day, None), False
        clock = datetime.strptime(match["clock"].replace(" ", "").upper(), "%I:%M%p").time()
        return self.localize(day, clock), True

    def _parse_body(self, row: Selector, tooltip: dict[str, Any]) -> str:
        """The tooltip's Board, else the row text before " - "."""
        board = tooltip.get("Board")
        if board:
            return str(board)
        return _text(row.css("div.RowDetails")).split(" - ")[0]

    def _parse_title(self, row: Selector, body: str) -> str:
        """The row text, "Board - Meeting type"."""
        return _text(row.css("div.RowDetails")) or body

    def _parse_status(self, text: str) -> MeetingStatus:
        """Cancelled/rescheduled when the title or the tooltip's Status says so."""
        return status_from_text(text)

    def _parse_row_links(self, row: Selector, page: str) -> list[Link]:
        """Agenda, packet, minutes and video links (empty anchors are placeholders)."""
        links: list[Link] = []
        for anchor in row.css("div.MeetingLinks a"):
            label = _text(anchor)
            href = anchor.attrib.get("href", "")
            onclick = ONCLICK_URL_RE.search(anchor.attrib.get("onclick", ""))
            if onclick:
                links.append(Link(title=label, url=urljoin(page, onclick[1]), kind="video"))
            elif href and not href.startswith(("javascript", "#")):
                kind = LABEL_KINDS.get(label.lower(), "other")
                links.append(Link(title=label, url=urljoin(page, href), kind=kind))
        return links

    # --- meeting page ---------------------------------------------------------------------

    def _parse_detail_page(self, response: TextResponse) -> Meeting:
        """A whole meeting from ``Detail_Meeting.aspx`` (used by `parse_saved`)."""
        group = _text(response.css("#ContentPlaceholder1_lblMeetingGroup"))
        kind = _text(response.css("#ContentPlaceholder1_lblMeetingType"))
        when = _text(response.css("#ContentPlaceholder1_lblMeetingDate"))
        start, time_known = self._parse_detail_start(when)
        platform_id = _query_value(response.url, "ID")
        title = f"{group} - {kind}" if kind else group
        mid = meeting_id(self.source.id, start, platform_id, title)
        return Meeting(
            id=mid,
            source=self.source.id,
            jurisdiction=self.source.jurisdiction,
            body=group,
            title=title,
            start=start,
            timezone=self.source.timezone,
            time_known=time_known,
            location=self._parse_detail_location(response),
            status=self._parse_status(_text(response.css("#ContentPlaceholder1_lblMeetingStatus"))),
            url=response.url,
            links=self._parse_detail_links(response),
            items=self._parse_items(mid, response.selector, response.url),
            platform_id=platform_id,
            scraped_at=self.now(),
        )

    def _parse_detail_start(self, text: str) -> tuple[datetime, bool]:
        """Local start from "3/19/2020 5:30 PM" (12-hour clock; the peer's ``%H`` read 05:30)."""
        try:
            parsed = datetime.strptime(" ".join(text.split()), "%m/%d/%Y %I:%M %p")
        except ValueError:
            try:
                return self.localize(
                    datetime.strptime(text.strip(), "%m/%d/%Y").date(), None
                ), False
            except ValueError as exc:
                raise UnexpectedShape(f"IQM2 meeting date not understood: {text!r}") from exc
        return self.localize(parsed.date(), parsed.time()), True

    def _parse_detail_location(self, response: Response) -> str:
        """The text after the date label plus the ``MeetingAddress`` block."""
        after = response.xpath(
            "//span[@id='ContentPlaceholder1_lblMeetingDate']/following-sibling::text()"
        ).getall()
        first_line = next((" ".join(t.split()) for t in after if t.strip()), "")
        parts = [first_line, _text(response.css("div.MeetingAddress"))]
        return ", ".join(p for p in parts if p)

    def _parse_detail_links(self, response: Response) -> list[Link]:
        """The download panel's documents, typed by their ``data-type``."""
        kinds: dict[str, LinkKind] = {"agenda": "agenda", "agenda_packet": "packet"}
        links = []
        for anchor in response.css("#ContentPlaceholder1_pnlDownloads a[href*='FileOpen']"):
            data_type = anchor.attrib.get("data-type", "")
            kind = kinds.get(data_type, "minutes" if data_type.startswith("minutes") else "other")
            url = urljoin(response.url, anchor.attrib["href"])
            links.append(Link(title=_text(anchor), url=url, kind=kind))
        return links

    def _parse_items(self, mid: str, page: Selector, url: str) -> list[AgendaItem]:
        """Outline rows: a number cell then a title cell; "document" rows attach to the item above.

        Shape (no real populated capture; see tests/test_iqm2.py): ``tr`` rows whose cells are
        ``["", "5.", "Title"]`` with the title linked to ``Detail_LegiFile.aspx?ID=``, followed by
        ``["", "", "document", "Exhibit A"]`` rows linking ``FileOpen.aspx``.
        """
        items: list[AgendaItem] = []
        for row in page.css("table#MeetingDetail tr"):
            cells = [c for c in (_text(td) for td in row.xpath("./td")) if c]
            if not cells:
                continue
            file_href = row.css("a[href*='FileOpen']::attr(href)").get()
            if cells[0].lower() == "document" or (file_href and not NUMBER_RE.match(cells[0])):
                if items and file_href:
                    items[-1].links.append(
                        Link(title=cells[-1], url=urljoin(url, file_href), kind="attachment")
                    )
                continue
            number = cells[0] if NUMBER_RE.match(cells[0]) and len(cells) > 1 else None
            title = " ".join(cells[1:]) if number else " ".join(cells)
            legifile = row.css("a[href*='Detail_LegiFile']::attr(href)").get()
            platform_id = _query_value(urljoin(url, legifile), "ID") if legifile else None
            links = (
                [Link(title=title, url=urljoin(url, legifile), kind="detail")] if legifile else []
            )
            items.append(
                AgendaItem(
                    id=item_id(mid, platform_id, number, title),
                    number=number,
                    title=title,
                    sequence=len(items) + 1,
                    links=links,
                )
            )
        return items


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
            fields["location"].append(" ".join(line.split()))
    return fields


def _agenda_url(meeting: Meeting) -> str | None:
    """The meeting's agenda document (``FileOpen.aspx?Type=14``), if linked."""
    return next((str(link.url) for link in meeting.links if link.kind == "agenda"), None)


def _query_value(url: str, key: str) -> str | None:
    """One query parameter of `url`, matched case-insensitively."""
    for name, values in parse_qs(urlsplit(url).query).items():
        if name.lower() == key.lower() and values:
            return values[0]
    return None


def _text(selected: Any) -> str:
    """Single-spaced text of a selector (all descendants)."""
    return " ".join(" ".join(selected.xpath("string()").getall()).split())
