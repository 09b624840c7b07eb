"""PrimeGov spider: ``ListUpcomingMeetings`` + ``ListArchivedMeetings?year=`` → compiled HTML agenda.

Facts this relies on (docs/platforms.md §4.10, §3.2): both lists are JSON arrays of meetings with
``dateTime`` as naive local ISO (older tenants give only ``date`` "Jul 25, 2022" and ``time``
"11:00 AM"); ``documentList[]`` entries with ``compileOutputType`` 3 are HTML, served at
``/Portal/Meeting?compiledMeetingDocumentFileId={id}``, the others compiled files at
``/Public/CompiledDocument?meetingTemplateId={templateId}&compileOutputType={n}``; in the HTML
agenda each ``div.agenda-item`` holds a table whose first row is the item number and second row
the item text, followed by an optional vote ``div`` and a ``div.item_contents`` of attachments.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, time
from typing import Any
from urllib.parse import urlsplit

import scrapy
from bs4 import BeautifulSoup, Tag
from pydantic import BaseModel
from scrapy.http import Response

from pipeline.models import AgendaItem, Link, Meeting, MeetingStatus, item_id
from spiders._parse import (
    squash,
)
from spiders._rows import json_rows, numbered_items, read_rows
from spiders._vocab import clean_body, clean_name, link_kind, status_from_text
from spiders._when import parse_clock
from spiders.base import AgendaSpider, PlatformOptions, SourceError, UnexpectedShape

# Keys a PrimeGov meeting record carries (lists, archives by committee, the portal search).
MEETING_KEYS = ("dateTime", "documentList", "meetingTypeId", "committeeId")
# ``compileOutputType`` of the HTML rendition.
HTML_OUTPUT = 3


class PrimeGovOptions(PlatformOptions):
    """``committee_ids`` keeps only meetings of these PrimeGov committees (empty: all)."""

    committee_ids: list[int] = []


class PrimeGovSpider(AgendaSpider):
    """Meetings, with items from their compiled HTML agenda, from a PrimeGov public portal."""

    platform = "primegov"
    Options = PrimeGovOptions
    saved_readers = {"meetings": "read_meetings", "html_agenda": "read_html_agenda"}

    # --- URLs -----------------------------------------------------------------------------

    @property
    def site_base(self) -> str:
        """``https://{client}.primegov.com`` unless ``base_url`` overrides it."""
        return self.configured_base(f"https://{self.source.slug}.primegov.com")

    def document_url(self, doc: dict[str, Any]) -> str:
        """The HTML portal page for an HTML rendition, else the compiled file."""
        if doc.get("compileOutputType") == HTML_OUTPUT:
            return f"{self.site_base}/Portal/Meeting?compiledMeetingDocumentFileId={doc['id']}"
        return (
            f"{self.site_base}/Public/CompiledDocument?meetingTemplateId={doc['templateId']}"
            f"&compileOutputType={doc.get('compileOutputType') or 1}"
        )

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The upcoming list, and the archive of every year the window reaches back into."""
        first, _ = self.window()
        api = f"{self.site_base}/api/v2/PublicPortal"
        yield scrapy.Request(f"{api}/ListUpcomingMeetings", callback=self.parse_meetings)
        for year in range(first.year, self.now().year + 1):
            yield scrapy.Request(
                f"{api}/ListArchivedMeetings?year={year}", callback=self.parse_meetings
            )

    def parse_meetings(self, response: Response) -> Iterator[Any]:
        """A meeting list: each new meeting in the window, with its HTML agenda requested."""
        rows = self._json_list(response)
        self.crawler.stats.inc_value("agenda_watch/events_listed", len(rows))
        for row, meeting in self._meetings(rows, response.url):
            if not self.in_window(meeting.start):
                self.logger.debug("skip meeting %s: outside the window", row.get("id"))
                continue
            if not self.first_sighting(meeting.id):
                continue
            yield self._agenda_or_document(row, meeting)

    def _meetings(
        self, rows: list[dict[str, Any]], url: str
    ) -> Iterator[tuple[dict[str, Any], Meeting]]:
        """(record, meeting) for each wanted record; a bad record costs only itself."""

        def read(row: dict[str, Any]) -> tuple[dict[str, Any], Meeting] | None:
            if not self._keep(row):
                return None
            row = {**row, "documentList": self._documents(row)}
            return row, self._parse_meeting(row)

        yield from read_rows(self, rows, read, "PrimeGov meetings", url)

    def parse_html_agenda(self, response: Response, meeting: Meeting) -> Iterator[Meeting]:
        """The compiled HTML agenda: its items, or the page itself for the document splitter."""
        items = self._parse_items(meeting.id, response.text, response.url)
        yield self.items_or_page(response, meeting, items, "div.agenda-item")

    def read_meetings(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """A meeting list (any endpoint) → meetings, without items."""
        for _row, meeting in self._meetings(self._records(body, url), url):
            yield meeting

    def read_html_agenda(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """A compiled HTML agenda (``/Portal/Meeting?…``) → agenda items."""
        key = urlsplit(url).query.rsplit("=", 1)[-1] or "agenda"
        mid = f"{self.source.id}/saved/{key}"
        yield from self._parse_items(mid, body.decode("utf-8", "replace"), url)

    # --- responses ------------------------------------------------------------------------

    def _json_list(self, response: Response) -> list[dict[str, Any]]:
        """The meetings of a list answer (an empty array is a legitimate "no meetings")."""
        if response.status >= 400:
            raise SourceError(f"HTTP {response.status} from {response.url}: {response.text[:200]}")
        return self._records(response.body, response.url)

    def _records(self, body: bytes, url: str) -> list[dict[str, Any]]:
        """The meeting records of a JSON answer, however it wraps them."""
        return json_rows(body, url, MEETING_KEYS, "PrimeGov meetings")

    def _documents(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        """``documentList`` entries whose ``id`` and ``templateId`` are numbers (others counted).

        Read once per record; the rest of the spider sees only these.
        """
        documents = []
        for doc in _documents(row):
            ids = [
                self.number(doc.get(key), f"documentList[].{key}") for key in ("id", "templateId")
            ]
            if None not in ids:
                documents.append({**doc, "id": ids[0], "templateId": ids[1]})
        return documents

    def _keep(self, row: dict[str, Any]) -> bool:
        """False (logged) for committees or bodies outside the source's filters."""
        committees = self.options.committee_ids
        if committees and row.get("committeeId") not in committees:
            self.logger.debug("skip meeting %s: committee not configured", row.get("id"))
            return False
        if not self.wants_body(self._parse_body(row)):
            self.logger.debug("skip meeting %s: body not in filter", row.get("id"))
            return False
        return True

    def _agenda_or_document(self, row: dict[str, Any], meeting: Meeting) -> Any:
        """Request the HTML agenda for items; without one, the agenda file (or the meeting)."""
        html = _agenda_doc(row, html=True)
        if html is not None:
            return self.meeting_request(self.document_url(html), self.parse_html_agenda, meeting)
        compiled = _agenda_doc(row, html=False)
        return self.meeting_or_document(meeting, self.document_url(compiled) if compiled else None)

    # --- fields ---------------------------------------------------------------------------

    def _parse_meeting(self, row: dict[str, Any]) -> Meeting:
        if "id" not in row:
            raise UnexpectedShape(f"meeting without id: {sorted(row)[:8]}")
        start, time_known = self._parse_start(row)
        title = self._parse_title(row)
        return self.new_meeting(
            start,
            title,
            str(row["id"]),
            body=self._parse_body(row),
            time_known=time_known,
            status=self._parse_status(row),
            url=self._parse_url(row),
            links=self._parse_links(row),
        )

    def _parse_start(self, row: dict[str, Any]) -> tuple[datetime, bool]:
        """Local start from naive ``dateTime``, else ``date`` ("Jul 25, 2022") + ``time``."""
        if row.get("dateTime"):
            found = self.stamp(row["dateTime"])  # local wall time: a trailing Z is not UTC
            return self.localize(found.day, found.start), True
        when = self.when(str(row.get("date") or ""))
        if when is None:
            raise UnexpectedShape(f"meeting {row.get('id')}: no usable date {row.get('date')!r}")
        at: time | None = parse_clock(str(row.get("time") or "")) or when.start
        return self.localize(when.day, at), at is not None

    def _parse_title(self, row: dict[str, Any]) -> str:
        """The meeting title, single-spaced (Clayton County's carry trailing spaces)."""
        return clean_name(row.get("title")) or "Meeting"

    def _parse_body(self, row: dict[str, Any]) -> str:
        """The title: PrimeGov lists give only a committee number, and titles name the body."""
        return clean_body(row.get("title")) or "Meeting"

    def _parse_status(self, row: dict[str, Any]) -> MeetingStatus:
        """From the title or a document's name: PrimeGov posts a "Notice of Cancellation" (§3.3)."""
        names = [str(d.get("templateName") or "") for d in _documents(row)]
        return status_from_text(str(row.get("title") or ""), *names)

    def _parse_url(self, row: dict[str, Any]) -> str:
        """The HTML agenda page if there is one, else the public portal."""
        html = _agenda_doc(row, html=True)
        return self.document_url(html) if html else f"{self.site_base}/public/portal"

    def _parse_links(self, row: dict[str, Any]) -> list[Link]:
        """Every compiled document (HTML and files) and the video."""
        links = [
            self.link(
                squash(d.get("templateName")) or "Document",
                self.document_url(d),
                link_kind(str(d.get("templateName") or "")),
            )
            for d in _documents(row)
        ]
        # Granicus video links are protocol-relative.
        links.append(self.link("Video", row.get("videoUrl"), "video", f"{self.site_base}/"))
        return [link for link in links if link is not None]

    def _parse_items(self, mid: str, html: str, url: str) -> list[AgendaItem]:
        """Items of a compiled HTML agenda, in page order (empty if it has no agenda-items)."""

        def read(div: Tag) -> AgendaItem | None:
            number, title = _item_heading(div)
            if not title:
                self.logger.debug("skip agenda-item without text in %s", url)
                return None
            return AgendaItem(
                id=item_id(mid, None, number, title),
                number=number,
                title=title,
                text=self._parse_item_text(div),
                links=self._parse_item_links(div, url),
            )

        divs = BeautifulSoup(html, "html.parser").select("div.agenda-item")
        return numbered_items(self, divs, read, "PrimeGov agenda-items", url)

    def _parse_item_text(self, div: Tag) -> str:
        """Text between the item and its attachments: the action and vote, on minutes."""
        return " ".join(_text(s) for s in _following(div) if "item_contents" not in _classes(s))

    def _parse_item_links(self, div: Tag, url: str) -> list[Link]:
        """Attachments in the item's ``div.item_contents`` (the named link of each holder)."""
        links: dict[str, Link] = {}
        for sibling in _following(div):
            for anchor in sibling.select("div.attachment-holder a[href]"):
                href, title = str(anchor["href"]), _text(anchor)
                if not title:
                    continue  # the holder's first link is an icon without text
                link = self.link(title, href, "attachment", url)
                if link is not None:
                    links.setdefault(str(link.url), link)
        return list(links.values())


def _agenda_doc(row: dict[str, Any], html: bool) -> dict[str, Any] | None:
    """The meeting's agenda document in HTML (or not): an agenda first, then a packet."""
    docs = [d for d in _documents(row) if (d.get("compileOutputType") == HTML_OUTPUT) == html]
    for wanted in ("agenda", "packet"):
        for doc in docs:
            if link_kind(str(doc.get("templateName") or "")) == wanted:
                return doc
    return None


def _documents(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's ``documentList`` entries."""
    return [d for d in row.get("documentList") or [] if isinstance(d, dict)]


def _item_heading(div: Tag) -> tuple[str | None, str]:
    """(number, title): the first row's cell and the second row's ``div`` of the item table."""
    rows = div.select("table tr")
    first = _text(rows[0].find("td")) if rows else ""
    second = _text(rows[1].find("div")) if len(rows) > 1 else ""
    if not second:
        return None, first  # a heading-only row ("CALL TO ORDER") has no separate number
    return first or None, second


def _following(div: Tag) -> Iterator[Tag]:
    """Sibling elements after an agenda-item, up to the next one."""
    for sibling in div.find_next_siblings():
        if "agenda-item" in _classes(sibling):
            return
        yield sibling


def _classes(tag: Tag) -> list[str]:
    value: Any = tag.get("class") or []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _text(tag: Any) -> str:
    return " ".join(tag.get_text(" ").split()) if isinstance(tag, Tag) else ""
