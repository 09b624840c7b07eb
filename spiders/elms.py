"""Chicago City Clerk eLMS spider: ``GET /meeting`` (filtered, paged JSON) → meetings.

Facts this relies on (docs/platforms.md §4.3, §3.2, §3.3):

- One tenant (the City of Chicago): API ``https://api.chicityclerkelms.chicago.gov`` (config
  ``api_url`` overrides it), portal ``https://chicityclerkelms.chicago.gov`` (config ``base_url``),
  meeting pages ``/Meeting/?meetingId={GUID}``. No slug is needed.
- ``/meeting`` takes ``filter`` (``date gt <ISO datetime with offset>``), ``sort`` and ``skip`` and
  answers ``{"meta": {skip, top, count, pages}, "data": [...]}``; pages hold 100 meetings.
- ``date`` is true UTC (``2023-10-12T15:00:00+00:00`` is 10:00 in Chicago).
- ``status`` is Scheduled / Recessed / Reconvened / Rescheduled / Cancelled, or null; with null the
  free-text ``comment`` may carry the cancellation ("CANCELLATION of Meeting").
- ``files[]`` holds PDFs by ``attachmentType`` (Agenda, Notice, Summary, Other, Report);
  ``agenda[]`` (matterTitle, recordNumber, matterId, actionText) is usually null in lists.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

import scrapy
from pydantic import BaseModel, Field
from scrapy.http import Response

from pipeline.models import AgendaItem, Link, LinkKind, Meeting, MeetingStatus, item_id
from spiders._parse import load_json, squash
from spiders._rows import read_items, read_rows
from spiders._vocab import clean_body, status_from_text
from spiders.base import AgendaSpider, PlatformOptions, SourceError, UnexpectedShape

API_URL = "https://api.chicityclerkelms.chicago.gov"
PORTAL_URL = "https://chicityclerkelms.chicago.gov"

# The status words eLMS uses ("" is null: the comment decides).
KNOWN_STATUSES = ("", "scheduled", "recessed", "reconvened", "rescheduled", "cancelled", "canceled")
# files[].attachmentType → link kind; other types (Notice, Summary, Report, Other) are "other".
FILE_KINDS: dict[str, LinkKind] = {"agenda": "agenda"}
# Meeting fields holding a media URL (often ""): (field, link title, link kind).
MEDIA_FIELDS: tuple[tuple[str, str, LinkKind], ...] = (
    ("videoLink", "Video", "video"),
    ("transcriptLink", "Transcript", "other"),
)


class ElmsOptions(PlatformOptions):
    """``max_pages``: stop paging after this many pages (a warning says so)."""

    max_pages: int = Field(default=30, ge=1, le=1000)


class ElmsSpider(AgendaSpider):
    """Meetings of the City of Chicago's City Council and committees from the eLMS API."""

    platform = "elms"
    Options = ElmsOptions
    locators = ()  # one tenant: the City of Chicago's own addresses
    saved_readers = {"meetings": "read_meetings"}

    # --- URLs -----------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        """The eLMS API root, unless the config's ``api_url`` overrides it."""
        return str(self.source.api_url or API_URL).rstrip("/")

    @property
    def portal_base(self) -> str:
        """The public portal root (meeting and matter pages for humans): ``base_url`` or the default."""
        return str(self.source.base_url or PORTAL_URL).rstrip("/")

    @classmethod
    def source_urls(cls) -> list[str]:
        """The configured URLs, or the single tenant's API host."""
        return super().source_urls() or [API_URL]

    def meetings_url(self, skip: int) -> str:
        """One page of ``/meeting`` in the configured window, oldest first."""
        first_day, last_day = self.window()
        first = datetime.combine(first_day, time(), self.tz)
        last = datetime.combine(last_day + timedelta(days=1), time(), self.tz)
        params = {
            "filter": f"date ge {first.isoformat()} and date lt {last.isoformat()}",
            "sort": "date asc",
            "skip": str(skip),
        }
        return f"{self.api_base}/meeting?{urlencode(params)}"

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The first page of meetings in the window."""
        yield self._page_request(skip=0, page=1)

    def _page_request(self, skip: int, page: int) -> scrapy.Request:
        return scrapy.Request(
            self.meetings_url(skip),
            callback=self.parse_meetings,
            cb_kwargs={"skip": skip, "page": page},
            headers={"Accept": "application/json"},
        )

    def parse_meetings(self, response: Response, skip: int, page: int) -> Iterator[Any]:
        """A page of meetings; then the next page while ``skip + top < count`` (up to the cap)."""
        records, meta = self._page(response)
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value("agenda_watch/events_listed", len(records))
        yield from read_rows(
            self, records, self._meeting_or_document, "eLMS meetings", response.url
        )
        top = self.number(meta.get("top"), "meta.top") or len(records)
        nxt = skip + top
        if not records or nxt >= (self.number(meta.get("count"), "meta.count") or 0):
            return
        if page >= self.options.max_pages:
            self.logger.warning(
                "stopped after %d pages of %s meetings; raise options.max_pages or narrow the window",
                page,
                meta.get("count"),
            )
            return
        yield self._page_request(skip=nxt, page=page + 1)

    def _meeting_or_document(self, record: dict[str, Any]) -> Any:
        """A wanted meeting, or the request for its agenda PDF (None for a filtered body)."""
        if not self.wants_body(self._parse_body(record)):
            self.logger.debug("skip %s: body not in filter", record.get("meetingId"))
            return None
        meeting = self._parse_meeting(record)
        if meeting.items:
            return meeting
        return self.meeting_or_document(meeting, _agenda_url(meeting))

    def read_meetings(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """A ``/meeting`` page, or one ``/meeting/{id}`` object → meetings."""
        payload = _json(body, url)
        records = [payload] if isinstance(payload, dict) and "meetingId" in payload else None
        if records is None:
            records, _meta = self._page_body(body, url)
        read = lambda r: self._parse_meeting(r) if self.wants_body(self._parse_body(r)) else None  # noqa: E731
        yield from read_rows(self, records, read, "eLMS meetings", url)

    # --- responses ------------------------------------------------------------------------

    def _page(self, response: Response) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        if response.status >= 400:
            raise SourceError(f"eLMS /meeting: HTTP {response.status} from {response.url}")
        return self._page_body(response.body, response.url)

    def _page_body(self, body: bytes, url: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """``data`` and ``meta`` of a ``/meeting`` page, or `UnexpectedShape`."""
        payload = _json(body, url)
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            raise UnexpectedShape(f"eLMS /meeting: expected {{meta, data: [...]}} at {url}")
        records = [r for r in payload["data"] if isinstance(r, dict)]
        meta = payload.get("meta") if isinstance(payload.get("meta"), dict) else {}
        return records, meta or {}

    # --- fields ---------------------------------------------------------------------------

    def _parse_meeting(self, record: dict[str, Any]) -> Meeting:
        if not squash(record.get("meetingId")) or not record.get("date"):
            raise UnexpectedShape(f"eLMS meeting without meetingId/date: {sorted(record)[:8]}")
        start = self._parse_start(record)
        body = self._parse_body(record)
        meeting = self.new_meeting(
            start,
            body,
            squash(record["meetingId"]),
            body=body,
            location=squash(record.get("location")),
            status=self._parse_status(record),
            url=self._parse_url(record),
            links=self._parse_links(record),
            # The free-text comment can say how the public may comment (the comment stage reads it).
            comment_texts=[str(record["comment"])] if record.get("comment") else [],
        )
        meeting.items = self._parse_items(meeting.id, record)
        return meeting

    def _parse_start(self, record: dict[str, Any]) -> datetime:
        """``date`` is UTC (an offset-less value is read as UTC too), shown in the source's zone."""
        found = self.stamp(record["date"])
        if found.offset is None:
            found = replace(found, offset=timedelta(0))
        return found.start_in(self.tz)

    def _parse_body(self, record: dict[str, Any]) -> str:
        """The body's name ("City Council", "Committee on Finance")."""
        return clean_body(record.get("body")) or "Meeting"

    def _parse_status(self, record: dict[str, Any]) -> MeetingStatus:
        """The platform's status word, else (null) what the comment says.

        Recessed and reconvened meetings do take place; a null status may come with
        "CANCELLATION of Meeting" in the comment.
        """
        status = str(record.get("status") or "").strip()
        if status.lower() not in KNOWN_STATUSES:
            self.logger.warning("unknown eLMS status %r; read as text", status)
        return status_from_text(status or str(record.get("comment") or ""))

    def _parse_url(self, record: dict[str, Any]) -> str:
        """The meeting's portal page."""
        query = urlencode({"meetingId": squash(record["meetingId"])})
        return f"{self.portal_base}/Meeting/?{query}"

    def _parse_links(self, record: dict[str, Any]) -> list[Link]:
        """Attached files in their ``sort`` order, the video, the transcript and the portal page."""
        links = [file_link for _sort, file_link in self._files(record)]
        for key, title, kind in MEDIA_FIELDS:
            media = self.link(title, record.get(key), kind)
            if media is not None:
                links.append(media)
        links.append(Link(title="Meeting details", url=self._parse_url(record), kind="detail"))
        return links

    def _files(self, record: dict[str, Any]) -> list[tuple[int, Link]]:
        """``files[]`` as (sort, link), in ``sort`` order; a bad path or sort costs only itself."""
        found = []
        files = record.get("files")
        for file in files if isinstance(files, list) else []:
            if not isinstance(file, dict):
                continue
            kind = FILE_KINDS.get(str(file.get("attachmentType") or "").lower(), "other")
            link = self.link(_file_title(file), file.get("path"), kind)
            if link is not None:
                found.append((self.number(file.get("sort"), "files[].sort") or 0, link))
        return sorted(found, key=lambda pair: pair[0])

    def _parse_items(self, mid: str, record: dict[str, Any]) -> list[AgendaItem]:
        """Items from ``agenda[]`` when the API fills it (null in list responses so far)."""
        rows = record.get("agenda")
        numbered = enumerate(rows if isinstance(rows, list) else [], start=1)
        read = lambda pair: self._parse_item(mid, *pair)  # noqa: E731
        items: dict[str, AgendaItem] = {}
        for item in read_items(self, numbered, read, "eLMS agenda[]", self.api_base):
            items.setdefault(item.id, item)  # a matter listed twice keeps its first row
        return list(items.values())

    def _parse_item(self, mid: str, sequence: int, row: Any) -> AgendaItem | None:
        title = squash(row.get("matterTitle")) if isinstance(row, dict) else ""
        if not title:
            raise UnexpectedShape(f"agenda row {sequence} without a matterTitle")
        matter = squash(row.get("recordNumber")) or None
        matter_id = squash(row.get("matterId")) or None
        return AgendaItem(
            id=item_id(mid, matter_id, matter, title),
            title=title,
            text=squash(row.get("actionText")),
            matter=matter,
            sequence=sequence,
            links=self._parse_item_links(matter_id),
        )

    def _parse_item_links(self, matter_id: str | None) -> list[Link]:
        """The matter's portal page, when the item names a matter."""
        if not matter_id:
            return []
        url = f"{self.portal_base}/Matter/?{urlencode({'matterId': matter_id})}"
        return [Link(title="Matter details", url=url, kind="detail")]


def _agenda_url(meeting: Meeting) -> str | None:
    """The agenda PDF to read: the Agenda file sorted last (a revised agenda follows the original)."""
    agendas = [str(link.url) for link in meeting.links if link.kind == "agenda"]
    return agendas[-1] if agendas else None


def _file_title(file: dict[str, Any]) -> str:
    """The link title: the attachment type, then the file name ("Agenda: Regular Agenda.pdf")."""
    kind = str(file.get("attachmentType") or "File")
    name = str(file.get("fileName") or "").strip()
    return f"{kind}: {name}" if name else kind


def _json(body: bytes, url: str) -> Any:
    try:
        return load_json(body)
    except ValueError as exc:
        raise UnexpectedShape(f"eLMS: not JSON at {url}: {exc}") from exc
