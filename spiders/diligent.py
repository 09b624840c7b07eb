"""Diligent Community (BoardDocs' successor; the iCompass/CivicWeb meetings service).

Facts this relies on (docs/platforms.md §4.9): ``GET /Services/MeetingsService.svc/meetings?from=
YYYY-MM-DD&to=YYYY-MM-DD&loadall=false`` lists meetings; ``/meetings/{id}/meetingDocuments`` returns
the agenda as one HTML blob (``DocumentType`` 1, rendered from a .docx) with attachments linked as
``/document/{guid}``; each body has a numeric meeting type id. No real capture of a Diligent tenant
exists: the field names used here (``Id``, ``Name``, ``MeetingDateTime`` "2026-10-26 17:00" local,
``MeetingLocation``, ``TypeId``, ``Published``) are those of the same service on CivicWeb hosts.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import scrapy
from parsel import Selector
from pydantic import BaseModel
from scrapy.http import Response, TextResponse

from pipeline.models import Link, Meeting, MeetingStatus, RawDocument, meeting_id
from spiders.base import CANCELLED_RE, AgendaSpider, PlatformOptions, SourceError, UnexpectedShape

# The date suffix of a meeting name: "Work Session - CIAC - Jan 22 2026" → "Work Session - CIAC".
NAME_DATE_RE = re.compile(r"\s*-\s*[A-Z][a-z]{2} \d{1,2} \d{4}\s*$")
# The agenda's banner "This meeting has been cancelled" (not any item that mentions a cancellation).
AGENDA_CANCELLED_RE = re.compile(r"meeting has been cancel+ed", re.I)
# The list's local start: "2026-10-26 17:00".
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
# meetingDocuments DocumentType of the HTML agenda.
HTML_AGENDA = 1
MEETINGS_PATH = "/Services/MeetingsService.svc/meetings"


class DiligentOptions(PlatformOptions):
    """``type_ids``: only meetings of these meeting types (ids are per tenant); empty = all."""

    type_ids: list[int] = []


class DiligentSpider(AgendaSpider):
    """Meetings from a Diligent Community tenant; the agenda HTML goes to the pipeline."""

    name = "diligent"
    platform = "diligent"
    Options = DiligentOptions

    @property
    def host_url(self) -> str:
        """``https://{slug}.community.diligentoneplatform.com`` unless ``base_url`` says."""
        base = (
            self.source.base_url or f"https://{self.source.slug}.community.diligentoneplatform.com"
        )
        return str(base).rstrip("/")

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
        for record, meeting in self._parse_list(response, filtered=True):
            if record.get("Published") and self.source.fetch_documents:
                yield scrapy.Request(
                    f"{self.host_url}{MEETINGS_PATH}/{record['Id']}/meetingDocuments",
                    callback=self.parse_documents,
                    errback=self.documents_failed,
                    cb_kwargs={"meeting": meeting},
                    meta={"meeting": meeting},
                    headers={"Accept": "application/json"},
                )
            else:
                yield meeting

    def parse_documents(self, response: Response, meeting: Meeting) -> Iterator[Meeting]:
        """Attach the HTML agenda (for the extract stage) and its attachment links."""
        for html in self._parse_agenda_html(response):
            meeting.raw_documents.append(
                RawDocument(url=response.url, content_type="text/html", body=html.encode())
            )
            meeting.links = meeting.links + self._parse_attachments(html)
            if AGENDA_CANCELLED_RE.search(Selector(text=html).xpath("string()").get("")):
                meeting.status = "cancelled"
        yield meeting

    def documents_failed(self, failure: Any) -> Iterator[Meeting]:
        """The documents call failed: keep the meeting without its agenda."""
        meeting: Meeting = failure.request.meta["meeting"]
        self.logger.warning("agenda documents for %s failed: %s", meeting.id, failure.value)
        yield meeting

    def parse_saved(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``…/meetings`` → meetings (``/meetingDocuments`` has no meeting fields to parse)."""
        response = TextResponse(url=url, body=body, encoding="utf-8")
        if urlsplit(url).path.rstrip("/").lower().endswith("/meetings"):
            for _, meeting in self._parse_list(response):
                yield meeting
        else:
            raise SourceError(f"no Diligent callback for {url}: expected …/meetings")

    # --- responses ------------------------------------------------------------------------

    def _json(self, response: Response, what: str) -> Any:
        try:
            return json.loads(response.body)
        except json.JSONDecodeError as exc:
            raise UnexpectedShape(f"{what}: not JSON at {response.url}") from exc

    def _parse_list(
        self, response: Response, filtered: bool = False
    ) -> Iterator[tuple[dict[str, Any], Meeting]]:
        records = self._json(response, "Diligent meetings")
        if not isinstance(records, list):
            raise UnexpectedShape(f"Diligent meetings: expected a JSON array at {response.url}")
        wanted_types = set(self.options.type_ids)
        for record in records:
            type_id = record.get("TypeId", record.get("MeetingTypeId"))
            meeting = self._parse_meeting(record)
            if filtered and wanted_types and type_id not in wanted_types:
                self.logger.debug("skip meeting %s: type %s not wanted", record.get("Id"), type_id)
                continue
            if filtered and not self.wants_body(meeting.body):
                self.logger.debug("skip meeting %s: body %r", record.get("Id"), meeting.body)
                continue
            yield record, meeting

    def _parse_agenda_html(self, response: Response) -> Iterator[str]:
        """HTML agenda blobs; the list is bare on some hosts and under ``Documents`` on others."""
        data = self._json(response, "Diligent meetingDocuments")
        documents = data.get("Documents", []) if isinstance(data, dict) else data
        if not isinstance(documents, list):
            raise UnexpectedShape(f"meetingDocuments: no document list at {response.url}")
        for document in documents:
            if document.get("DocumentType") == HTML_AGENDA and document.get("Html"):
                yield str(document["Html"])

    # --- fields ---------------------------------------------------------------------------

    def _parse_meeting(self, record: dict[str, Any]) -> Meeting:
        if "Id" not in record:
            raise UnexpectedShape(f"Diligent meeting without Id: {sorted(record)[:8]}")
        platform_id = str(record["Id"])
        title = self._parse_title(record)
        start, time_known = self._parse_start(record)
        detail = f"{self.host_url}/Portal/MeetingInformation.aspx?Org=Cal&Id={platform_id}"
        return Meeting(
            id=meeting_id(self.source.id, start, platform_id, title),
            source=self.source.id,
            jurisdiction=self.source.jurisdiction,
            body=title,
            title=title,
            start=start,
            timezone=self.source.timezone,
            time_known=time_known,
            location=" ".join(str(record.get("MeetingLocation") or "").split()),
            status=self._parse_status(str(record.get("Name") or "")),
            url=detail,
            links=[Link(title="Meeting", url=detail, kind="detail")],
            platform_id=platform_id,
            scraped_at=self.now(),
        )

    def _parse_title(self, record: dict[str, Any]) -> str:
        """The meeting type name, else the name without its date suffix."""
        name = str(record.get("MeetingTypeName") or record.get("Name") or "Meeting")
        return NAME_DATE_RE.sub("", " ".join(name.split())) or "Meeting"

    def _parse_start(self, record: dict[str, Any]) -> tuple[datetime, bool]:
        """Local wall-clock ``MeetingDateTime``, else the date alone."""
        text = str(record.get("MeetingDateTime") or "").strip()
        if text:
            return datetime.strptime(text, DATETIME_FORMAT).replace(tzinfo=self.tz), True
        day = str(record.get("MeetingDate") or "")[:10]
        if not day:
            raise UnexpectedShape(f"Diligent meeting {record.get('Id')} without a date")
        return self.localize(date.fromisoformat(day), None), False

    def _parse_status(self, text: str) -> MeetingStatus:
        """Cancelled when the name or agenda says so."""
        return "cancelled" if CANCELLED_RE.search(text) else "scheduled"

    def _parse_attachments(self, html: str) -> list[Link]:
        """``/document/{guid}`` links inside the agenda HTML."""
        links = []
        for anchor in Selector(text=html).css("a[href*='/document/']"):
            label = " ".join(anchor.xpath("string()").get("").split()) or "Attachment"
            url = urljoin(self.host_url + "/", anchor.attrib["href"])
            links.append(Link(title=label, url=url, kind="attachment"))
        return links
