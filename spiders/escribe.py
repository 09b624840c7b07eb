"""eScribe spider: ``GetCalendarMeetings`` (POSTed page method) → ``Meeting.aspx`` HTML agenda items.

Facts this relies on (docs/platforms.md §4.12, §3.2): the calendar is an ASP.NET page method
POSTed as JSON (``{"calendarStartDate", "calendarEndDate"}``, optional ``?MeetingViewId=``) that
answers ``{"d": [meetings]}``; ``StartDate`` is naive local ("2025/12/17 17:15:00");
``MeetingDocumentLink[].Url`` is relative to the site root; the HTML agenda
``Meeting.aspx?Id={guid}&Agenda=Agenda&lang=English`` renders each item server-side as a
``div.AgendaItem`` with ``.AgendaItemCounter``, ``.AgendaItemTitle``, ``.AgendaItemDescription``
and ``.AgendaItemAttachment`` links.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import scrapy
from pydantic import BaseModel
from scrapy.http import Response
from scrapy.selector import Selector

from pipeline.models import AgendaItem, Link, Meeting, MeetingStatus, item_id
from spiders._parse import absolute, squash
from spiders._rows import json_rows, numbered_items, read_rows
from spiders._vocab import clean_body, clean_name, link_kind, status_from_text
from spiders.base import AgendaSpider, PlatformOptions, SourceError, UnexpectedShape

# Line breaks in ``Description`` ("Room #103<br/>276 Fourth Avenue").
BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
# Any remaining tag in ``Description``.
TAG_RE = re.compile(r"<[^>]+>")
# An item's own ``div.AgendaItem`` has a numbered class too ("AgendaItem AgendaItem12").
ITEM_CLASS_RE = re.compile(r"\bAgendaItem\d+\b")

CALENDAR_PATH = "/MeetingsCalendarView.aspx/GetCalendarMeetings"


class EscribeOptions(PlatformOptions):
    """``meeting_view_id`` is the calendar view (``?MeetingViewId=``) some sites require."""

    meeting_view_id: int | None = None


class EscribeSpider(AgendaSpider):
    """Meetings, with items from their HTML agenda page, from an eScribe public site."""

    platform = "escribe"
    Options = EscribeOptions
    saved_readers = {"calendar": "read_calendar", "meeting_page": "read_meeting_page"}

    # --- URLs -----------------------------------------------------------------------------

    @property
    def site_base(self) -> str:
        """``https://pub-{client}.escribemeetings.com`` unless ``base_url`` overrides it."""
        return self.configured_base(f"https://pub-{self.source.slug}.escribemeetings.com")

    @property
    def site_root(self) -> str:
        """The base document URLs are relative to: the site root (not the page-method path)."""
        return f"{self.site_base}/"

    def calendar_request(self, first: date, last: date) -> scrapy.Request:
        """POST the calendar page method for meetings from `first` up to `last`."""
        view = self.options.meeting_view_id
        query = f"?{urlencode({'MeetingViewId': view})}" if view is not None else ""
        body = {
            "calendarStartDate": datetime.combine(first, datetime.min.time(), self.tz).isoformat(),
            "calendarEndDate": datetime.combine(last, datetime.min.time(), self.tz).isoformat(),
        }
        return scrapy.Request(
            f"{self.site_base}{CALENDAR_PATH}{query}",
            method="POST",
            body=json.dumps(body),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json, text/javascript, */*; q=0.01",
                "X-Requested-With": "XMLHttpRequest",
            },
            callback=self.parse_calendar,
        )

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The calendar for the window, one request per year at most (as other scrapers do)."""
        first, last_day = self.window()
        end = last_day + timedelta(days=1)
        while first < end:
            last = min(end, first + timedelta(days=366))
            yield self.calendar_request(first, last)
            first = last

    def parse_calendar(self, response: Response) -> Iterator[Any]:
        """Calendar meetings: each one's HTML agenda for items, else its agenda PDF."""
        rows = self._calendar_rows(response)
        self.crawler.stats.inc_value("agenda_watch/events_listed", len(rows))
        yield from read_rows(self, rows, self._agenda_request, "eScribe meetings", response.url)

    def _agenda_request(self, row: dict[str, Any]) -> Any:
        """A new wanted meeting with its HTML agenda requested, else its agenda PDF."""
        if not self._keep(row):
            return None
        meeting = self._parse_meeting(row)
        if not self.first_sighting(meeting.id):
            return None
        html = self._agenda_url(row, html=True)
        if html:
            return self.meeting_request(html, self.parse_agenda_page, meeting)
        return self.meeting_or_document(meeting, self._agenda_url(row, html=False))

    def parse_agenda_page(self, response: Response, meeting: Meeting) -> Iterator[Meeting]:
        """``Meeting.aspx``: its items, or the page itself for the document splitter."""
        items = self._parse_items(meeting.id, response.text, response.url)
        yield self.items_or_page(response, meeting, items, "div.AgendaItem")

    def read_calendar(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``GetCalendarMeetings`` → meetings (without items)."""
        rows = self._records(body, url)
        read = lambda r: self._parse_meeting(r) if self._keep(r) else None  # noqa: E731
        yield from read_rows(self, rows, read, "eScribe meetings", url)

    def read_meeting_page(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``Meeting.aspx`` → agenda items."""
        guid = (parse_qs(urlsplit(url).query).get("Id") or ["page"])[0]
        mid = f"{self.source.id}/saved/{guid}"
        yield from self._parse_items(mid, body.decode("utf-8", "replace"), url)

    # --- responses ------------------------------------------------------------------------

    def _calendar_rows(self, response: Response) -> list[dict[str, Any]]:
        """The ``d`` array (an empty array is a legitimate "no meetings in this range")."""
        if response.status >= 400:
            raise SourceError(
                f"calendar: HTTP {response.status} from {response.url}: {response.text[:200]}"
            )
        return self._records(response.body, response.url)

    def _records(self, body: bytes, url: str) -> list[dict[str, Any]]:
        """The meetings of a calendar answer, ``{"d": [...]}`` or bare.

        An HTML answer here is usually a bot challenge or the site's error page: UnexpectedShape.
        """
        return json_rows(body, url, ("StartDate", "MeetingName", "MeetingType"), "calendar")

    def _keep(self, row: dict[str, Any]) -> bool:
        """False (logged) for meeting types outside the source's body filter."""
        body = self._parse_body(row)
        if not self.wants_body(body):
            self.logger.debug("skip meeting %s: body %r not in filter", row.get("ID"), body)
            return False
        return True

    def _agenda_url(self, row: dict[str, Any], html: bool) -> str | None:
        """The agenda in HTML (or as a file): the agenda first, then the post-meeting agenda."""
        docs = [d for d in row.get("MeetingDocumentLink") or [] if isinstance(d, dict)]
        for wanted in ("agenda", "postagenda"):
            for doc in docs:
                is_html = str(doc.get("Format") or "").strip().upper() == "HTML"
                url = absolute(doc.get("Url"), self.site_root)  # a bad one is counted as a link
                if str(doc.get("Type") or "").lower() == wanted and is_html == html and url:
                    return url
        return None

    # --- fields ---------------------------------------------------------------------------

    def _parse_meeting(self, row: dict[str, Any]) -> Meeting:
        if not row.get("ID") or not row.get("StartDate"):
            raise UnexpectedShape(f"calendar meeting without ID/StartDate: {sorted(row)[:8]}")
        return self.new_meeting(
            self._parse_start(row),
            self._parse_title(row),
            str(row["ID"]),
            body=self._parse_body(row),
            location=self._parse_location(row),
            end=self._parse_end(row),
            status=self._parse_status(row),
            url=self._parse_url(row),
            links=self._parse_links(row),
        )

    def _parse_start(self, row: dict[str, Any]) -> datetime:
        """Local start from naive ``StartDate`` ("2025/12/17 17:15:00")."""
        return self.stamp(row["StartDate"]).start_in(self.tz)

    def _parse_end(self, row: dict[str, Any]) -> datetime | None:
        """Local end from naive ``EndDate`` (same form as ``StartDate``); None if absent or bad."""
        raw = str(row.get("EndDate") or "").strip()
        if not raw:
            return None
        try:
            return self.stamp(raw).start_in(self.tz)
        except ValueError:
            self.logger.warning("meeting %s: bad EndDate %r, no end kept", row.get("ID"), raw)
            return None

    def _parse_title(self, row: dict[str, Any]) -> str:
        """``MeetingName`` ("Board of Ethics Regular Meeting")."""
        return clean_name(row.get("MeetingName")) or self._parse_body(row)

    def _parse_body(self, row: dict[str, Any]) -> str:
        """``MeetingType``, the calendar's name for the body's meeting series."""
        return clean_body(row.get("MeetingType")) or clean_body(row.get("MeetingName")) or "Meeting"

    def _parse_location(self, row: dict[str, Any]) -> str:
        """``Location``, plus the address that ``Description`` adds after it."""
        place = squash(row.get("Location"))
        described = squash(TAG_RE.sub("", BR_RE.sub(", ", str(row.get("Description") or ""))))
        if described.startswith(place):
            return described.rstrip(", ") or place
        return place

    def _parse_status(self, row: dict[str, Any]) -> MeetingStatus:
        """Cancelled/rescheduled from the meeting name (§3.3)."""
        return status_from_text(str(row.get("MeetingName") or ""))

    def _parse_url(self, row: dict[str, Any]) -> str | None:
        """The HTML agenda page (it renders without JavaScript), else the calendar's ``Url``."""
        html = self._agenda_url(row, html=True)
        return html or absolute(row.get("Url"), self.site_root)  # a bad Url is counted as a link

    def _parse_links(self, row: dict[str, Any]) -> list[Link]:
        """Every ``MeetingDocumentLink`` (agendas, post-agendas, extra files) and the detail page."""
        docs = row.get("MeetingDocumentLink")
        found = [
            self.link(
                squash(doc.get("Title")) or "Document",
                doc.get("Url"),
                link_kind(str(doc.get("Type") or ""), "attachment"),
                self.site_root,
            )
            for doc in (docs if isinstance(docs, list) else [])
            if isinstance(doc, dict)
        ]
        found.append(self.link("Meeting details", row.get("Url"), "detail", self.site_root))
        links: dict[str, Link] = {}
        for link in found:
            if link is not None:
                links.setdefault(str(link.url), link)
        return list(links.values())

    def _parse_items(self, mid: str, html: str, url: str) -> list[AgendaItem]:
        """Items of a ``Meeting.aspx`` page in page order (empty if it has none)."""

        def read(node: Selector) -> AgendaItem | None:
            if not ITEM_CLASS_RE.search(node.attrib.get("class", "")):
                return None  # wrappers that share the AgendaItem class prefix
            title = squash(" ".join(node.css(".AgendaItemTitle ::text").getall()))
            if not title:
                self.logger.debug("skip AgendaItem without a title in %s", url)
                return None
            number = squash(" ".join(node.css(".AgendaItemCounter ::text").getall())) or None
            return AgendaItem(
                id=item_id(mid, None, number, title),
                number=number,
                title=title,
                text=self._parse_item_text(node),
                links=self._parse_item_links(node, url),
            )

        nodes = Selector(text=html).css("div.AgendaItem")
        return numbered_items(self, nodes, read, "eScribe AgendaItems", url)

    def _parse_item_text(self, node: Selector) -> str:
        """The item's description rows."""
        return squash(" ".join(node.css(".AgendaItemDescription ::text").getall()))

    def _parse_item_links(self, node: Selector, url: str) -> list[Link]:
        """The item's attachments."""
        links: dict[str, Link] = {}
        for anchor in node.css(".AgendaItemAttachment a[href]"):
            title = squash(" ".join(anchor.css("::text").getall())) or "Attachment"
            link = self.link(title, anchor.attrib["href"], "attachment", url)
            if link is not None:
                links.setdefault(str(link.url), link)
        return list(links.values())
