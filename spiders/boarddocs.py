"""BoardDocs (Diligent): the ``XML-ActiveMeetings`` feed (with agenda items) or ``BD-GetMeetingsList``.

Facts this relies on (docs/platforms.md §4.8): the XML feed's ``<meeting>`` elements carry
``bodyname``, ``id``, ``<name>``, ``<start><date format="yyyy-mm-dd">``, ``<link>`` and
``<category>`` sections holding ``<agendaitems><item><name>``; the JSON list (a POST with
``current_committee_id``) gives ``{unique, name, numberdate: YYYYMMDD}`` and ends with ``{}``.
Neither gives a time field: a time appears, if at all, in the meeting name ("Board Meeting @ 6:30
p.m.") or the description ("… at 9:30 A.M."). Both list every active meeting, so the spider keeps
those in the source's window itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, time
from typing import Any, Literal
from urllib.parse import parse_qs, urlparse, urlsplit

import scrapy
from parsel import Selector
from pydantic import BaseModel, model_validator
from scrapy.http import Response, TextResponse
from scrapy.selector import SelectorList

from pipeline.models import AgendaItem, Link, Meeting, MeetingStatus, item_id, meeting_id
from spiders.base import (
    AgendaSpider,
    PlatformOptions,
    SourceError,
    UnexpectedShape,
    status_from_text,
)
from spiders.legistar import parse_clock

# An item's printed number before its title: "A. Education Session-Divestment", "1.1 Minutes".
# The shared BoardDocs host of tenants configured by slug (``{state}/{site}``).
DEFAULT_SITE = "https://go.boarddocs.com"
ITEM_NUMBER_RE = re.compile(r"^((?:\d{1,3}|[A-Z]|[ivxIVX]{1,5})(?:\.\d{1,3})*\.?)\s+(\S.*)$")
# A wall-clock time in free text: "6:30 p.m.", "9:30 A.M.", "7 pm".
CLOCK_RE = re.compile(r"\b\d{1,2}(?::\d{2})?\s*[ap]\.?\s*m\b\.?", re.I)
# The detail fragment's date line: "Wednesday, May 22, 2024".
LONG_DATE_RE = re.compile(r"([A-Z][a-z]+ \d{1,2}, \d{4})")


class BoardDocsOptions(PlatformOptions):
    """``mode: xml`` (default) reads ``XML-ActiveMeetings``; ``json`` needs ``committee_id``."""

    mode: Literal["xml", "json"] = "xml"
    committee_id: str | None = None

    @model_validator(mode="after")
    def _json_needs_committee(self) -> BoardDocsOptions:
        if self.mode == "json" and not self.committee_id:
            raise ValueError("mode json needs committee_id (see /Public, select[name=committeeid])")
        return self


class BoardDocsSpider(AgendaSpider):
    """Meetings (and, from the XML feed, agenda items) from a BoardDocs site."""

    name = "boarddocs"
    platform = "boarddocs"
    Options = BoardDocsOptions

    # --- URLs -----------------------------------------------------------------------------

    @property
    def board_url(self) -> str:
        """``https://go.boarddocs.com/{state}/{site}/Board.nsf/`` unless ``base_url`` says."""
        base = str(self.source.base_url or f"{DEFAULT_SITE}/{self.source.slug}/Board.nsf")
        return base.rstrip("/") + "/"

    @classmethod
    def crawl_hosts(cls) -> set[str]:
        """The configured hosts, or the shared ``go.boarddocs.com`` when only a slug is set."""
        return super().crawl_hosts() or {urlparse(DEFAULT_SITE).hostname or ""}

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The XML feed, or the committee's JSON list (a form POST, as the site's page does)."""
        if self.options.mode == "json":
            yield scrapy.FormRequest(
                f"{self.board_url}BD-GetMeetingsList?open",
                formdata={"current_committee_id": self.options.committee_id},
                headers={"Referer": f"{self.board_url}Public", "Accept": "application/json"},
                callback=self.parse_meetings_list,
            )
        else:
            yield scrapy.Request(f"{self.board_url}XML-ActiveMeetings", callback=self.parse_feed)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        """Meetings in the window, with their agenda items."""
        yield from self._parse_feed(response, filtered=True)

    def parse_meetings_list(self, response: Response) -> Iterator[Any]:
        """Meetings in the window; each one's printable agenda goes to the pipeline."""
        for meeting in self._parse_list(response, filtered=True):
            yield self.meeting_or_document(meeting, _agenda_url(meeting))

    def parse_saved(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``XML-ActiveMeetings``, ``BD-GetMeetingsList`` or a ``BD-GetMeeting`` fragment."""
        response = TextResponse(url=url, body=body, encoding="utf-8")
        page = urlsplit(url).path.rsplit("/", 1)[-1].lower()
        if page == "xml-activemeetings":
            yield from self._parse_feed(response)
        elif page == "bd-getmeetingslist":
            yield from self._parse_list(response)
        elif page == "bd-getmeeting":
            yield self._parse_detail_fragment(response)
        else:
            raise SourceError(f"no BoardDocs callback for {url}")

    # --- XML feed -------------------------------------------------------------------------

    def _parse_feed(self, response: Response, filtered: bool = False) -> Iterator[Meeting]:
        feed = Selector(text=response.text, type="xml")
        if feed.xpath("/meetings") and not feed.xpath("/meetings/*"):
            self.logger.info("%s: the feed lists no active meetings", self.source.id)
            return
        for node in self.rows(
            SelectorList(feed.xpath("/meetings/meeting")), "BoardDocs <meeting>s"
        ):
            body = node.attrib.get("bodyname", "").strip()
            if filtered and not self.wants_body(body):
                self.logger.debug("skip meeting %s: body %r", node.attrib.get("id"), body)
                continue
            meeting = self._parse_feed_meeting(node, body)
            if filtered and not self.in_window(meeting.start):
                continue
            yield meeting

    def _parse_feed_meeting(self, node: Selector, body: str) -> Meeting:
        platform_id = node.attrib.get("id") or None
        name = _text(node.xpath("./name"))
        day = node.xpath("./start/date[@format='yyyy-mm-dd']/text()").get()
        if not day:
            raise UnexpectedShape(f"BoardDocs meeting {platform_id} without a start date")
        at = self._parse_time(name, _text(node.xpath("./description")))
        start = self.localize(date.fromisoformat(day.strip()), at)
        mid = meeting_id(self.source.id, start, platform_id, name)
        link = node.xpath("./link/text()").get("").strip()
        return Meeting(
            id=mid,
            source=self.source.id,
            jurisdiction=self.source.jurisdiction,
            body=body or name,
            title=name,
            start=start,
            timezone=self.source.timezone,
            time_known=at is not None,
            status=self._parse_status(name),
            url=link or None,
            links=[Link(title="Meeting", url=link, kind="detail")] if link else [],
            items=self._parse_feed_items(mid, node),
            platform_id=platform_id,
            scraped_at=self.now(),
        )

    def _parse_feed_items(self, mid: str, node: Selector) -> list[AgendaItem]:
        """``<item>`` elements in order; their section (``<category><name>``) is the item text."""
        items: list[AgendaItem] = []
        for category in node.xpath("./category"):
            section = _text(category.xpath("./name"))
            for element in category.xpath("./agendaitems/item"):
                number, title = _split_number(_text(element.xpath("./name")))
                if not title:
                    self.logger.debug("skip item %s: no name", element.attrib.get("id"))
                    continue
                link = element.xpath("./link/text()").get("").strip()
                items.append(
                    AgendaItem(
                        id=item_id(mid, element.attrib.get("id"), number, title),
                        number=number,
                        title=title,
                        text=section,
                        sequence=len(items) + 1,
                        links=[Link(title=title, url=link, kind="detail")] if link else [],
                    )
                )
        return items

    # --- JSON list ------------------------------------------------------------------------

    def _parse_list(self, response: Response, filtered: bool = False) -> Iterator[Meeting]:
        try:
            rows = json.loads(response.body)
        except json.JSONDecodeError as exc:
            raise UnexpectedShape(f"BD-GetMeetingsList: not JSON at {response.url}") from exc
        if not isinstance(rows, list):
            raise UnexpectedShape(f"BD-GetMeetingsList: expected a JSON array at {response.url}")
        for row in rows:
            if not row.get("unique") or not row.get("numberdate"):
                self.logger.debug("skip list entry without unique/numberdate: %r", row)
                continue  # the list ends with an empty {}
            meeting = self._parse_list_meeting(row)
            if filtered and not self.in_window(meeting.start):
                continue
            yield meeting

    def _parse_list_meeting(self, row: dict[str, Any]) -> Meeting:
        unique = str(row["unique"])
        name = " ".join(str(row.get("name") or "Meeting").split())
        at = self._parse_time(name, "")
        start = self.localize(datetime.strptime(str(row["numberdate"]), "%Y%m%d").date(), at)
        goto = f"{self.board_url}goto?open&id={unique}"
        return Meeting(
            id=meeting_id(self.source.id, start, unique, name),
            source=self.source.id,
            jurisdiction=self.source.jurisdiction,
            body=self.source.name,  # the list is one committee: the source's body
            title=name,
            start=start,
            timezone=self.source.timezone,
            time_known=at is not None,
            status=self._parse_status(name),
            url=goto,
            links=[
                Link(title="Meeting", url=goto, kind="detail"),
                Link(
                    title="Agenda",
                    url=f"{self.board_url}PRINT-AgendaDetailed?open&id={unique}",
                    kind="agenda",
                ),
            ],
            platform_id=unique,
            scraped_at=self.now(),
        )

    # --- BD-GetMeeting fragment -----------------------------------------------------------

    def _parse_detail_fragment(self, response: Response) -> Meeting:
        """One meeting from the ``div#wrap-meeting`` fragment (name, long date, description)."""
        page = Selector(text=response.text)
        name = _text(page.css("#view-meeting .meeting-name"))
        when = LONG_DATE_RE.search(_text(page.css("#view-meeting .meeting-date")))
        if not name or not when:
            raise UnexpectedShape(f"BD-GetMeeting fragment without name/date at {response.url}")
        description = "\n".join(
            " ".join(t.split()) for t in page.css(".meeting-description::text").getall()
        )
        at = self._parse_time(name, description)
        start = self.localize(datetime.strptime(when[1], "%B %d, %Y").date(), at)
        unique = page.css(".content-navigation button::attr(base)").get() or _query_id(response.url)
        goto = f"{self.board_url}goto?open&id={unique}" if unique else None
        return Meeting(
            id=meeting_id(self.source.id, start, unique, name),
            source=self.source.id,
            jurisdiction=self.source.jurisdiction,
            body=self.source.name,  # the list is one committee: the source's body
            title=name,
            start=start,
            timezone=self.source.timezone,
            time_known=at is not None,
            status=self._parse_status(name),
            url=goto,
            links=[Link(title="Meeting", url=goto, kind="detail")] if goto else [],
            platform_id=unique,
            scraped_at=self.now(),
        )

    # --- fields ---------------------------------------------------------------------------

    def _parse_time(self, name: str, description: str) -> time | None:
        """The first clock time in the name, else in the description."""
        for text in (name, description):
            match = CLOCK_RE.search(text)
            if match:
                return parse_clock(match[0])
        return None

    def _parse_status(self, name: str) -> MeetingStatus:
        """Cancelled/rescheduled when the meeting name says so."""
        return status_from_text(name)


def _split_number(name: str) -> tuple[str | None, str]:
    """("A.", "Education Session-Divestment") from "A. Education Session-Divestment"."""
    match = ITEM_NUMBER_RE.match(name)
    return (match[1], match[2].strip()) if match else (None, name)


def _agenda_url(meeting: Meeting) -> str | None:
    return next((str(link.url) for link in meeting.links if link.kind == "agenda"), None)


def _query_id(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("id")
    return values[0] if values else None


def _text(selected: Any) -> str:
    """Single-spaced text of a selector (all descendants)."""
    return " ".join(" ".join(selected.xpath("string()").getall()).split())
