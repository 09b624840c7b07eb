"""Diligent Community (BoardDocs' successor; the iCompass/CivicWeb meetings service).

Facts this relies on (docs/platforms.md §4.9): ``GET /Services/MeetingsService.svc/meetings?from=
YYYY-MM-DD&to=YYYY-MM-DD&loadall=false`` lists meetings; ``/meetings/{id}/meetingDocuments`` returns
the meeting's documents, the agenda as one HTML blob (``DocumentType`` 1, rendered from a .docx)
with attachments linked as ``/document/{id}/…``; each body has a numeric meeting type id. Real
answers (Dallas ISD on ``*.community.highbond.com``, Dallas County on CivicWeb) give ``Id``,
``Name`` ("Public Hearing Agenda and Notice  - May 28 2026"), ``MeetingDateTime`` ("2026-05-28
17:30", local), ``MeetingTime`` (empty when unknown: the datetime then says 00:00),
``MeetingLocation``, ``MeetingTypeId``/``MeetingTypeName`` and ``Published``; a cancellation is a
name prefix ("CANCELLED - ").
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

import scrapy
from pydantic import BaseModel
from scrapy.http import Response

from pipeline.models import Link, LinkKind, Meeting, RawDocument
from spiders._parse import html_page, squash, text
from spiders._rows import json_rows, read_rows
from spiders._vocab import clean_body, clean_name, marked, status_from_text
from spiders._when import before_time, parse_clock
from spiders.base import AgendaSpider, PlatformOptions, UnexpectedShape

# The date suffix of a meeting name: "Work Session - CIAC - Jan 22 2026" → "Work Session - CIAC".
NAME_DATE_RE = re.compile(r"\s*-\s*[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4}\s*$")
# The agenda's banner "This meeting has been cancelled" (not any item that mentions a cancellation).
AGENDA_CANCELLED_RE = re.compile(r"meeting has been cancel+ed", re.I)
# meetingDocuments DocumentType of the HTML agenda.
HTML_AGENDA = 1
# meetingDocuments DocumentType → (link title, kind): agenda, agenda packet, minutes, minutes packet.
DOCUMENT_TYPES: dict[int, tuple[str, LinkKind]] = {
    1: ("Agenda", "agenda"),
    4: ("Agenda Packet", "packet"),
    9: ("Minutes", "minutes"),
    10: ("Minutes Packet", "minutes"),
}
# Keys of a meeting record and of a document record.
MEETING_KEYS = ("MeetingDateTime", "MeetingDate", "MeetingTypeId")
DOCUMENT_KEYS = ("DocumentType", "Html")
MEETINGS_PATH = "/Services/MeetingsService.svc/meetings"


class DiligentOptions(PlatformOptions):
    """``type_ids``: only meetings of these meeting types (ids are per tenant); empty = all."""

    type_ids: list[int] = []


class DiligentSpider(AgendaSpider):
    """Meetings from a Diligent Community tenant; the agenda HTML goes to the pipeline."""

    platform = "diligent"
    Options = DiligentOptions
    saved_readers = {"meetings": "read_meetings", "meeting_documents": "read_documents"}

    @property
    def host_url(self) -> str:
        """``https://{slug}.community.diligentoneplatform.com`` unless ``base_url`` says."""
        return self.configured_base(f"https://{self.source.slug}.community.diligentoneplatform.com")

    def meetings_url(self, today: date) -> str:
        """The meetings list for the source's window."""
        first, last = self.window(today)
        query = {
            "from": f"{first:%Y-%m-%d}",
            "to": f"{last:%Y-%m-%d}",
            "loadall": "false",
        }
        return f"{self.host_url}{MEETINGS_PATH}?{urlencode(query)}"

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The meetings list for the window around today."""
        yield scrapy.Request(
            self.meetings_url(self.today()),
            callback=self.parse_meetings,
            headers={"Accept": "application/json"},
        )

    def parse_meetings(self, response: Response) -> Iterator[Any]:
        """Each wanted meeting; published ones get their agenda documents first."""
        for record, meeting in self._parse_list(response.url, response.body, filtered=True):
            if record.get("Published") and self.source.fetch_documents:
                yield self.meeting_request(
                    f"{self.host_url}{MEETINGS_PATH}/{meeting.platform_id}/meetingDocuments",
                    self.parse_documents,
                    meeting,
                    errback=self.documents_failed,
                    headers={"Accept": "application/json"},
                )
            else:
                yield meeting

    def parse_documents(self, response: Response, meeting: Meeting) -> Iterator[Meeting]:
        """Attach the HTML agenda (for the extract stage), its documents' and attachments' links."""
        documents = self._documents(response.body, response.url)
        self._add_documents(meeting, documents)
        for html in _agenda_html(documents):
            meeting.raw_documents.append(
                RawDocument(url=response.url, content_type="text/html", body=html.encode())
            )
        yield meeting

    def _add_documents(self, meeting: Meeting, documents: list[dict[str, Any]]) -> None:
        """Document links, attachment links and a cancellation banner onto `meeting`."""
        links = {str(link.url): link for link in meeting.links}
        for link in self._parse_document_links(documents) + [
            a for html in _agenda_html(documents) for a in self._parse_attachments(html)
        ]:
            links.setdefault(str(link.url), link)
        meeting.links = list(links.values())
        for html in _agenda_html(documents):
            if AGENDA_CANCELLED_RE.search(text(html_page(html))):
                meeting.status = "cancelled"

    def documents_failed(self, failure: Any) -> Iterator[Meeting]:
        """The documents call failed: keep the meeting without its agenda."""
        meeting: Meeting = failure.request.meta["meeting"]
        self.logger.warning("agenda documents for %s failed: %s", meeting.id, failure.value)
        yield meeting

    def read_meetings(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``…/meetings`` → meetings."""
        for _, meeting in self._parse_list(url, body):
            yield meeting

    def read_documents(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``…/meetings/{id}/meetingDocuments`` → the meeting its agenda describes, with links."""
        documents = self._documents(body, url)
        meeting = self._meeting_from_agenda(url, documents)
        self._add_documents(meeting, documents)
        yield meeting

    # --- responses ------------------------------------------------------------------------

    def _documents(self, body: bytes, url: str) -> list[dict[str, Any]]:
        """The documents of a meetingDocuments answer (bare or under ``Documents``)."""
        return json_rows(body, url, DOCUMENT_KEYS, "Diligent meetingDocuments")

    def _parse_list(
        self, url: str, body: bytes, filtered: bool = False
    ) -> Iterator[tuple[dict[str, Any], Meeting]]:
        records = json_rows(body, url, MEETING_KEYS, "Diligent meetings")
        wanted_types = set(self.options.type_ids)

        def read(record: dict[str, Any]) -> tuple[dict[str, Any], Meeting] | None:
            type_id = record.get("TypeId", record.get("MeetingTypeId"))
            meeting = self._parse_meeting(record)
            if filtered and wanted_types and type_id not in wanted_types:
                return None
            if filtered and not self.wants_body(meeting.body):
                return None
            return record, meeting

        yield from read_rows(self, records, read, "Diligent meetings", url)

    # --- fields ---------------------------------------------------------------------------

    def _parse_meeting(self, record: dict[str, Any]) -> Meeting:
        meeting_id = self.number(record.get("Id"), "Id")
        if meeting_id is None:
            raise UnexpectedShape(f"Diligent meeting without a usable Id: {sorted(record)[:8]}")
        platform_id = str(meeting_id)
        title = self._parse_title(record)
        start, time_known = self._parse_start(record)
        detail = f"{self.host_url}/Portal/MeetingInformation.aspx?Org=Cal&Id={platform_id}"
        return self.new_meeting(
            start,
            title,
            platform_id,
            body=clean_body(record.get("MeetingTypeName")) or clean_body(title) or "Meeting",
            time_known=time_known,
            location=squash(record.get("MeetingLocation")),
            status=status_from_text(str(record.get("Name") or "")),
            url=detail,
            links=[Link(title="Meeting", url=detail, kind="detail")],
        )

    def _parse_title(self, record: dict[str, Any]) -> str:
        """The meeting's name without its date suffix, else its type's name."""
        name = NAME_DATE_RE.sub("", marked(record.get("Name")).text)  # the date ends the name
        return clean_name(name) or clean_name(record.get("MeetingTypeName")) or "Meeting"

    def _parse_start(self, record: dict[str, Any]) -> tuple[datetime, bool]:
        """Local wall-clock ``MeetingDateTime``; an empty ``MeetingTime`` means the time is unknown."""
        stamp = squash(record.get("MeetingDateTime"))
        if stamp:
            found = self.stamp(stamp)  # local wall time
            at = found.start or time(0, 0)
            # Midnight is the service's "no time" (an empty MeetingTime, or none at all, as in
            # KCKPS's meetings imported from BoardDocs): only a MeetingTime can say midnight.
            unknown = not squash(record.get("MeetingTime"))
            if unknown and at == time(0, 0):
                return self.localize(found.day, None), False
            return self.localize(found.day, at), True
        day = str(record.get("MeetingDate") or "")
        if not day:
            raise UnexpectedShape(f"Diligent meeting {record.get('Id')} without a date")
        clock = parse_clock(str(record.get("MeetingTime") or ""))
        return self.localize(self.stamp(day).day, clock), clock is not None

    def _parse_document_links(self, documents: list[dict[str, Any]]) -> list[Link]:
        """The meeting's documents: agenda and minutes as printable pages, packets as files."""
        links = []
        for document in documents:
            kind = DOCUMENT_TYPES.get(
                self.number(document.get("DocumentType"), "DocumentType") or 0
            )
            if kind is None or document.get("Id") is None:
                continue
            url = f"{self.host_url}/document/{squash(document['Id'])}/?printPdf=true"
            link = self.link(kind[0], url, kind[1])
            links += [link] if link else []
        return links

    def _parse_attachments(self, html: str) -> list[Link]:
        """``/document/…`` links inside the agenda HTML."""
        links = [
            self.link(
                text(anchor) or "Attachment",
                anchor.attrib["href"],
                "attachment",
                self.host_url + "/",
            )
            for anchor in html_page(html).css("a[href*='/document/']")
        ]
        return [link for link in links if link is not None]

    def _meeting_from_agenda(self, url: str, documents: list[dict[str, Any]]) -> Meeting:
        """The meeting an agenda's heading describes.

        Dallas County: "Commissioners Court Meeting 9:00 AM - Tuesday, May 19, 2026", then the
        room and the address.
        """
        for html in _agenda_html(documents):
            nodes = html_page(html).xpath(
                "//text()[not(ancestor::style or ancestor::script or ancestor::title)]"
            )
            lines = [squash(t) for t in nodes.getall() if squash(t)]
            for index, line in enumerate(lines[:40]):
                found = self.when(line)
                if found is None:
                    continue
                # The title stands before the time on the dated line, or on the line above.
                title = clean_name(before_time(line))
                title = title or (clean_name(lines[index - 1]) if index else "")
                at = found.start
                place = ", ".join(lines[index + 1 : index + 3])
                mid = str(documents[0].get("MeetingId") or "agenda")
                return self.new_meeting(
                    self.localize(found.day, at),
                    title or "Meeting",
                    mid,
                    body=clean_body(title) or "Meeting",
                    time_known=at is not None,
                    location=place,
                    status=status_from_text(title),
                    url=url,
                )
        raise UnexpectedShape(f"no agenda with a dated heading in {url}")


def _agenda_html(documents: list[dict[str, Any]]) -> list[str]:
    """The HTML agenda blobs of a document list."""
    return [
        str(d["Html"]) for d in documents if d.get("DocumentType") == HTML_AGENDA and d.get("Html")
    ]
