"""BoardDocs (Diligent): the ``XML-ActiveMeetings`` feed (with agenda items) or ``BD-GetMeetingsList``.

Facts this relies on (docs/platforms.md §4.8):

- The XML feed's ``<meeting>`` elements carry ``bodyname``, ``id``, ``<name>``,
  ``<start><date format="yyyy-mm-dd">``, ``<link>`` and ``<category>`` sections holding
  ``<agendaitems><item><name>``. Real feeds can be malformed (a feed with 15 stray ``</category>``
  tags): the markup is balanced before parsing and the meetings counted against the source text.
- The committee list (a POST with ``current_committee_id``) gives ``{unique, name, numberdate:
  YYYYMMDD}`` and ends with ``{}``; the ``BD-GETMeetingsListForSEO`` variant says ``{Unique, Name,
  Date}``. Neither gives a time field: a time appears, if at all, in the meeting name ("Board
  Meeting @ 6:30 p.m.") or the description ("… at 9:30 A.M.").
- A meeting's agenda (``BD-GetAgenda``, a POST with ``id``) is HTML: ``dt.category`` headings and
  ``li.item`` entries, each with ``span.order`` and a title, keyed by their ``unique`` attribute.
- Every address lives under the site's ``…/Board.nsf/`` (``/Public`` is its home page).
Both lists give every active meeting, so the spider keeps those in the source's window itself.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, time
from functools import cached_property
from typing import Any, Literal
from urllib.parse import urlsplit

import scrapy
from parsel import Selector
from pydantic import BaseModel, model_validator
from scrapy.http import Response

from pipeline.ingest.detect import page_kind
from pipeline.models import AgendaItem, Link, Meeting, item_id
from spiders._parse import (
    decode,
    html_page,
    query_value,
    squash,
    text,
    xml_page,
)
from spiders._rows import json_rows, numbered_items, read_rows, repaired
from spiders._vocab import clean_body, clean_name, status_from_text
from spiders._when import parse_clock
from spiders.base import AgendaSpider, PlatformOptions, UnexpectedShape

# The shared BoardDocs host of tenants configured by slug (``{state}/{site}``).
DEFAULT_SITE = "https://go.boarddocs.com"
# An item's printed number before its title: "A. Education Session-Divestment", "1.1 Minutes".
ITEM_NUMBER_RE = re.compile(r"^((?:\d{1,3}|[A-Z]|[ivxIVX]{1,5})(?:\.\d{1,3})*\.?)\s+(\S.*)$")
# Meetings in the feed's source text (to notice meetings the parser lost).
RAW_MEETING_RE = re.compile(r"<meeting\b", re.IGNORECASE)
# Where a site's pages live: ".../il/ctpf/Board.nsf/" (any case).
BOARD_NSF_RE = re.compile(r"^(.*?/board\.nsf)(?:/|$)", re.IGNORECASE)
# List record keys: the committee list, and its "ForSEO" variant.
LIST_KEYS = ("unique", "numberdate", "Unique")


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
    """Meetings, with their agenda items, from a BoardDocs site."""

    platform = "boarddocs"
    Options = BoardDocsOptions
    saved_readers = {
        "xml_feed": "read_feed",
        "meetings_list": "read_list",
        "agenda": "read_agenda",
        "meeting_fragment": "read_fragment",
    }

    # --- URLs -----------------------------------------------------------------------------

    @cached_property
    def board_url(self) -> str:
        """The site's ``…/Board.nsf/`` folder, from ``base_url`` (any page under it) or the slug."""
        base = str(self.source.base_url or DEFAULT_SITE).rstrip("/")
        found = BOARD_NSF_RE.match(base + "/")
        if found:
            return found.group(1) + "/"
        slug = f"/{self.source.slug.strip('/')}" if self.source.slug else ""
        return f"{base}{slug}/Board.nsf/"

    @classmethod
    def crawl_hosts(cls) -> set[str]:
        """The configured hosts, or the shared ``go.boarddocs.com`` when only a slug is set."""
        return super().crawl_hosts() or {urlsplit(DEFAULT_SITE).hostname or ""}

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The XML feed, or the committee's JSON list (a form POST, as the site's page does)."""
        if self.options.mode == "json":
            yield scrapy.FormRequest(
                f"{self.board_url}BD-GetMeetingsList?open",
                formdata={"current_committee_id": self.options.committee_id},
                headers={"Referer": f"{self.board_url}Public", "Accept": "application/json"},
                callback=self.parse_listing,
            )
        else:
            yield scrapy.Request(f"{self.board_url}XML-ActiveMeetings", callback=self.parse_listing)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """The feed or the list, whichever the answer is; meetings in the window, body filtered."""
        if page_kind(self.platform, response.url, response.body) == "xml_feed":
            for meeting in self._parse_feed(response.url, response.body):
                if self.wants_body(meeting.body) and self.in_window(meeting.start):
                    yield meeting
            return
        for meeting in self._parse_list(response.url, response.body):
            if self.in_window(meeting.start):
                yield self._agenda_request(meeting)

    def _agenda_request(self, meeting: Meeting) -> Any:
        """``BD-GetAgenda`` for the meeting's items; the printable agenda if that fails."""
        if not self.source.fetch_documents:
            return meeting
        formdata = {"id": str(meeting.platform_id)}
        if self.options.committee_id:
            formdata["current_committee_id"] = self.options.committee_id
        return scrapy.FormRequest(
            f"{self.board_url}BD-GetAgenda?open",
            formdata=formdata,
            callback=self.parse_agenda,
            errback=self.agenda_failed,
            cb_kwargs={"meeting": meeting},
            meta={"meeting": meeting},
            priority=-1,
        )

    def parse_agenda(self, response: Response, meeting: Meeting) -> Iterator[Any]:
        """The agenda's items; without any, the printable agenda goes to the pipeline."""
        meeting.items = self._parse_agenda_items(meeting.id, response.url, response.body)
        yield meeting if meeting.items else self.meeting_or_document(meeting, _agenda_url(meeting))

    def agenda_failed(self, failure: Any) -> Iterator[Any]:
        """``BD-GetAgenda`` failed: keep the meeting and read its printable agenda."""
        meeting: Meeting = failure.request.meta["meeting"]
        self.logger.warning("agenda of %s failed: %s", meeting.id, failure.value)
        yield self.meeting_or_document(meeting, _agenda_url(meeting))

    # --- `agenda-watch parse` ---------------------------------------------------------------

    def read_feed(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``XML-ActiveMeetings`` → meetings with items (no window)."""
        yield from self._parse_feed(url, body)

    def read_list(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``BD-GetMeetingsList`` (or its ForSEO variant) → meetings."""
        yield from self._parse_list(url, body)

    def read_agenda(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``BD-GetAgenda`` / ``PRINT-AgendaDetailed`` → agenda items."""
        key = query_value(url, "id") or "agenda"
        items = self._parse_agenda_items(f"{self.source.id}/saved/{key}", url, body)
        if not items:
            raise UnexpectedShape(f"no agenda items (dt.category / li.item) in {url}")
        yield from items

    def read_fragment(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """A ``BD-GetMeeting`` fragment → its meeting."""
        yield self._parse_detail_fragment(url, body)

    # --- XML feed -------------------------------------------------------------------------

    def _parse_feed(self, url: str, body: bytes) -> Iterator[Meeting]:
        feed, fixes = xml_page(body)
        repaired(self, "BoardDocs XML feed", url, fixes)
        nodes = feed.xpath("/meetings/meeting")
        seen = len(RAW_MEETING_RE.findall(decode(body)))
        if not nodes and not seen:
            self.logger.info("%s: the feed lists no active meetings", self.source.id)
            return
        yield from read_rows(
            self, nodes, self._parse_feed_meeting, "BoardDocs <meeting>s", url, seen
        )

    def _parse_feed_meeting(self, node: Selector) -> Meeting:
        platform_id = node.attrib.get("id") or None
        name = text(node.xpath("./name"))
        day = (
            node.xpath("./start/date[@format='yyyy-mm-dd']/text()").get()
            or node.xpath("./start/date/text()").get()
        )
        if not day:
            raise UnexpectedShape(f"BoardDocs meeting {platform_id} without a start date")
        at = self._parse_time(name, text(node.xpath("./description")))
        start = self.localize(self.stamp(day).day, at)
        link = self.link("Meeting", node.xpath("./link/text()").get(), "detail", self.board_url)
        meeting = self.new_meeting(
            start,
            clean_name(name) or "Meeting",
            platform_id,
            key=name,
            body=clean_body(node.attrib.get("bodyname")) or clean_body(name),
            time_known=at is not None,
            status=status_from_text(name),
            url=str(link.url) if link else None,
            links=[link] if link else [],
        )
        meeting.items = self._parse_feed_items(meeting.id, node)
        return meeting

    def _parse_feed_items(self, mid: str, node: Selector) -> list[AgendaItem]:
        """``<item>`` elements in order; their section (``<category><name>``) is the item text."""
        entries = [
            (text(category.xpath("./name")), element)
            for category in node.xpath(".//category")
            for element in category.xpath("./agendaitems/item")
        ]

        def read(entry: tuple[str, Selector]) -> AgendaItem | None:
            section, element = entry
            number, title = _split_number(text(element.xpath("./name")))
            link = element.xpath("./link/text()").get()
            return self._item(mid, element.attrib.get("id"), number, title, section, link)

        return numbered_items(self, entries, read, "BoardDocs <item>s", self.board_url)

    def _item(
        self,
        mid: str,
        unique: str | None,
        number: str | None,
        title: str,
        section: str,
        link: str | None,
    ) -> AgendaItem | None:
        if not title:
            self.logger.debug("skip item %s: no name", unique)
            return None
        detail = self.link(title, link, "detail", self.board_url)
        return AgendaItem(
            id=item_id(mid, unique, number, title),
            number=number,
            title=title,
            text=section,
            sequence=0,
            links=[detail] if detail else [],
        )

    # --- JSON lists -----------------------------------------------------------------------

    def _parse_list(self, url: str, body: bytes) -> Iterator[Meeting]:
        rows = json_rows(body, url, LIST_KEYS, "BoardDocs meetings list")
        yield from read_rows(self, rows, self._parse_list_meeting, "BoardDocs meetings list", url)

    def _parse_list_meeting(self, row: dict[str, Any]) -> Meeting | None:
        unique = str(row.get("unique") or row.get("Unique") or "")
        stamp = str(row.get("numberdate") or row.get("Date") or "")
        if not unique and not stamp:
            return None  # the list ends with an empty {}
        if not unique or not stamp:
            raise UnexpectedShape(f"list entry without unique/date: {unique!r} {stamp!r}")
        name = squash(row.get("name") or row.get("Name")) or "Meeting"
        meeting = self._committee_meeting(
            self.stamp(stamp).day, name, squash(row.get("Description")), unique
        )
        agenda = self.link(
            "Agenda", f"{self.board_url}PRINT-AgendaDetailed?open&id={unique}", "agenda"
        )
        meeting.links += [agenda] if agenda else []
        return meeting

    def _committee_meeting(
        self, day: date, name: str, description: str, unique: str | None
    ) -> Meeting:
        """A meeting of a committee's list or fragment: the time, if any, is in its words."""
        at = self._parse_time(name, description)
        goto = (
            self.url(f"{self.board_url}goto?open&id={unique}", field="meeting url")
            if unique
            else None
        )
        return self.new_meeting(
            self.localize(day, at),
            clean_name(name) or "Meeting",
            unique,
            key=name,
            # The list is one committee's: the configured body, else the meeting's name.
            body=self.source.name or clean_body(name),
            time_known=at is not None,
            status=status_from_text(name),
            url=goto,
            links=[Link(title="Meeting", url=goto, kind="detail")] if goto else [],
        )

    # --- agenda and meeting fragments -----------------------------------------------------

    def _parse_agenda_items(self, mid: str, url: str, body: bytes) -> list[AgendaItem]:
        """``dt.category`` sections and their ``li.item`` entries, in page order."""
        page = html_page(body)
        section = ""
        nodes = page.xpath(
            "//*[contains(concat(' ', normalize-space(@class), ' '), ' category ')]"
            " | //li[contains(concat(' ', normalize-space(@class), ' '), ' item ')]"
        )

        def read(node: Selector) -> AgendaItem | None:
            nonlocal section
            order = text(node.css(".order"))
            name = text(node.css(".title, .category-name")) or text(node).removeprefix(order)
            if node.root.tag != "li":
                section = squash(f"{order} {name}")
                return None
            number, title = (order or None, clean_name(name)) if order else _split_number(name)
            unique = node.attrib.get("unique") or node.attrib.get("id")
            link = f"goto?open&id={unique}" if unique else None
            return self._item(mid, unique, number, title, section, link)

        return numbered_items(self, nodes, read, "BoardDocs agenda items", url)

    def _parse_detail_fragment(self, url: str, body: bytes) -> Meeting:
        """One meeting from the ``div#wrap-meeting`` fragment (name, long date, description)."""
        page = html_page(body)
        name = text(page.css("#view-meeting .meeting-name"))
        when = self.when(text(page.css("#view-meeting .meeting-date")))
        day = when.day if when else None
        if not name or day is None:
            raise UnexpectedShape(f"BD-GetMeeting fragment without name/date at {url}")
        description = "\n".join(squash(t) for t in page.css(".meeting-description::text").getall())
        unique = page.css(".content-navigation button::attr(base)").get() or query_value(url, "id")
        return self._committee_meeting(day, name, description, unique)

    # --- fields ---------------------------------------------------------------------------

    def _parse_time(self, name: str, description: str) -> time | None:
        """The first clock time in the name, else in the description."""
        return parse_clock(name) or parse_clock(description)


def _split_number(name: str) -> tuple[str | None, str]:
    """("A.", "Education Session-Divestment") from "A. Education Session-Divestment"."""
    match = ITEM_NUMBER_RE.match(squash(name))
    return (match[1], match[2].strip()) if match else (None, squash(name))


def _agenda_url(meeting: Meeting) -> str | None:
    return next((str(link.url) for link in meeting.links if link.kind == "agenda"), None)
