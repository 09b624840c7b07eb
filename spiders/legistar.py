"""Legistar Web API spider: ``/events`` (OData window, paged) → ``/events/{id}/eventitems``.

Facts this relies on (docs/platforms.md §4.2): ``EventDate`` is a date at ``T00:00:00`` and
``EventTime`` a separate local wall-clock string ("10:00 AM"); at most 1000 records per page;
a disabled client answers HTTP 500 with a ``LegistarConnectionString`` message; items without
``EventItemAgendaSequence`` are minutes-only.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode, urlparse, urlsplit

import scrapy
from bs4 import BeautifulSoup
from pydantic import BaseModel
from scrapy.http import Response, TextResponse

from pipeline.models import (
    AgendaItem,
    Link,
    Meeting,
    MeetingStatus,
    item_id,
    meeting_id,
)

if TYPE_CHECKING:
    from pipeline.models import Source

from spiders.base import (
    CANCELLED_RE,
    RESCHEDULED_RE,
    AgendaSpider,
    ApiDisabled,
    PlatformOptions,
    SourceError,
    UnexpectedShape,
)

# "10:00 AM", "6:30PM", "7 p.m." → hour, minute, meridiem.
TIME_RE = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\.?", re.IGNORECASE)

# Real HTML markup in agenda notes (Legistar stores some notes as HTML); other "<…>" text, such as
# "<!channel>" pasted into a title, is kept as text and escaped when rendered.
HTML_TAG_RE = re.compile(
    r"</?(?:p|br|div|span|b|i|u|em|strong|font|a|ul|ol|li|table|tr|td)\b[^>]*>", re.I
)

# The Web API host every Legistar client shares (one politeness slot for all of them).
DEFAULT_API = "https://webapi.legistar.com/v1"
API_STATUSES = (400, 401, 403, 404, 500, 502, 503)


class LegistarOptions(PlatformOptions):
    """``mode: web`` crawls the web calendar instead of the Web API (disabled for some clients)."""

    mode: Literal["api", "web"] = "api"


class LegistarApiSpider(AgendaSpider):
    """Meetings and their agenda items from a Legistar client's Web API."""

    name = "legistar"
    platform = "legistar"
    Options = LegistarOptions
    page_size = 1000

    @classmethod
    def variant_for(cls, source: Source) -> type[AgendaSpider]:
        """The web-calendar spider when the source sets ``options: {mode: web}``."""
        if LegistarOptions.model_validate(source.options).mode == "web":
            from spiders.legistar_web import LegistarWebSpider

            return LegistarWebSpider
        return cls

    # --- URLs -----------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        """``https://webapi.legistar.com/v1/{slug}`` unless the config overrides it."""
        if self.source.api_url:
            return str(self.source.api_url).rstrip("/")
        return f"{DEFAULT_API}/{self.source.slug}"

    @classmethod
    def crawl_hosts(cls) -> set[str]:
        """The configured hosts, plus the shared Web API host when no ``api_url`` overrides it."""
        shared = {urlparse(DEFAULT_API).hostname or ""} if not cls.source.api_url else set()
        return super().crawl_hosts() | shared

    def api_url(self, path: str, params: dict[str, str] | None = None) -> str:
        """An API URL with the client's token (if configured) added to the query."""
        query = dict(params or {})
        if self.source.api_token_env:
            import os

            token = os.environ.get(self.source.api_token_env)
            if token:
                query["token"] = token
        suffix = f"?{urlencode(query, safe='$')}" if query else ""
        return f"{self.api_base}{path}{suffix}"

    def events_url(self, skip: int, today: date) -> str:
        """One page of ``/events`` in the configured window, oldest first."""
        first, last = self.window(today)
        odata = (
            f"EventDate ge datetime'{first:%Y-%m-%d}T00:00:00' "
            f"and EventDate lt datetime'{last:%Y-%m-%d}T00:00:00'"
        )
        params = {
            "$filter": odata,
            "$orderby": "EventDate,EventId",
            "$top": str(self.page_size),
            "$skip": str(skip),
        }
        return self.api_url("/events", params)

    def _api_request(self, url: str, callback: Any, **cb_kwargs: Any) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=callback,
            cb_kwargs=cb_kwargs,
            headers={"Accept": "application/json"},
            meta={"handle_httpstatus_list": list(API_STATUSES)},
        )

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """First page of events in the window around today (the source's local date)."""
        self.page_size = self.settings.getint("AGENDA_WATCH_LEGISTAR_PAGE_SIZE", self.page_size)
        today = self.today()
        yield self._api_request(self.events_url(0, today), self.parse_events, skip=0, today=today)

    def parse_events(self, response: Response, skip: int, today: date) -> Iterator[Any]:
        """A page of events: request each event's items, and the next page if this one is full."""
        events = self._json_list(response, "events")
        self.crawler.stats.inc_value("agenda_watch/events_listed", len(events))
        for event in events:
            body = str(event.get("EventBodyName") or "")
            if not self.wants_body(body):
                self.logger.debug(
                    "skip event %s: body %r not in filter", event.get("EventId"), body
                )
                continue
            url = self.api_url(
                f"/events/{event['EventId']}/eventitems",
                {"AgendaNote": "1", "MinutesNote": "1", "Attachments": "1"},
            )
            yield self._api_request(url, self.parse_event_items, event=event)
        if len(events) >= self.page_size:
            nxt = skip + self.page_size
            yield self._api_request(
                self.events_url(nxt, today), self.parse_events, skip=nxt, today=today
            )

    def parse_event_items(self, response: Response, event: dict[str, Any]) -> Iterator[Any]:
        """An event's items: build the meeting, then fetch its agenda document if wanted."""
        rows = self._json_list(response, "event items")
        meeting = self._parse_meeting(event, rows)
        agenda = event.get("EventAgendaFile")
        yield self.meeting_or_document(meeting, str(agenda) if agenda else None)

    def parse_saved(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``/events`` → meetings (without items); ``/events/{id}/eventitems`` → agenda items."""
        response = TextResponse(url=url, body=body, encoding="utf-8")
        path = urlsplit(url).path.rstrip("/").lower()
        if path.endswith("/eventitems"):
            event_id = path.split("/")[-2]
            mid = f"{self.source.id}/saved/{event_id}"
            yield from self._parse_items(mid, self._json_list(response, "event items"))
        elif path.endswith("/events"):
            for event in self._json_list(response, "events"):
                yield self._parse_meeting(event, [])
        else:
            raise SourceError(
                f"no Legistar API callback for {url}: expected /events or /eventitems"
            )

    # --- responses ------------------------------------------------------------------------

    def _json_list(self, response: Response, what: str) -> list[dict[str, Any]]:
        """The JSON array in an API response, or a named error saying what went wrong."""
        text = response.body.decode(getattr(response, "encoding", None) or "utf-8", "replace")
        if response.status >= 400:
            if "LegistarConnectionString" in text or "connection string" in text.lower():
                raise ApiDisabled(
                    f"Legistar Web API is disabled for client {self.source.slug!r} "
                    f"(HTTP {response.status} at {response.url}); this source needs the web "
                    "calendar fallback"
                )
            raise SourceError(f"{what}: HTTP {response.status} from {response.url}: {text[:200]}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UnexpectedShape(f"{what}: not JSON at {response.url}: {exc}") from exc
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise UnexpectedShape(f"{what}: expected a JSON array of objects at {response.url}")
        return data

    # --- fields ---------------------------------------------------------------------------

    def _parse_meeting(self, event: dict[str, Any], rows: list[dict[str, Any]]) -> Meeting:
        if "EventId" not in event or "EventDate" not in event:
            raise UnexpectedShape(f"event without EventId/EventDate: {sorted(event)[:8]}")
        start, time_known = self._parse_start(event)
        body = str(event.get("EventBodyName") or "").strip()
        mid = meeting_id(self.source.id, start, str(event["EventId"]), body)
        return Meeting(
            id=mid,
            source=self.source.id,
            jurisdiction=self.source.jurisdiction,
            body=body,
            title=self._parse_title(event),
            start=start,
            timezone=self.source.timezone,
            time_known=time_known,
            location=self._parse_location(event),
            status=self._parse_status(event),
            url=event.get("EventInSiteURL") or None,
            links=self._parse_links(event),
            items=self._parse_items(mid, rows),
            platform_id=str(event["EventId"]),
            # A rescheduled Legistar meeting keeps its EventId: the same meeting, a new date.
            identity=f"legistar:{event['EventId']}",
            scraped_at=datetime.now(self.tz),
        )

    def _parse_start(self, event: dict[str, Any]) -> tuple[datetime, bool]:
        """Local start from ``EventDate`` (date part) and ``EventTime`` (wall-clock text)."""
        day = datetime.fromisoformat(str(event["EventDate"])[:10]).date()
        at = parse_clock(str(event.get("EventTime") or ""))
        return self.localize(day, at), at is not None

    def _parse_title(self, event: dict[str, Any]) -> str:
        """The body name; Legistar has no separate meeting title."""
        return str(event.get("EventBodyName") or "Meeting").strip()

    def _parse_location(self, event: dict[str, Any]) -> str:
        """Location text with CRLFs folded to one line."""
        return " ".join(str(event.get("EventLocation") or "").split())

    def _parse_status(self, event: dict[str, Any]) -> MeetingStatus:
        """Cancelled from the agenda status or the location/comment text; Draft is tentative."""
        agenda_status = str(event.get("EventAgendaStatusName") or "")
        free_text = f"{event.get('EventLocation') or ''} {event.get('EventComment') or ''}"
        if CANCELLED_RE.search(agenda_status) or CANCELLED_RE.search(free_text):
            return "cancelled"
        if RESCHEDULED_RE.search(free_text):
            return "rescheduled"
        if agenda_status.lower().startswith("draft"):
            return "tentative"
        return "scheduled"

    def _parse_links(self, event: dict[str, Any]) -> list[Link]:
        """Agenda and minutes files, video and the meeting-detail page, where present."""
        fields = (
            ("EventAgendaFile", "Agenda", "agenda"),
            ("EventMinutesFile", "Minutes", "minutes"),
            ("EventVideoPath", "Video", "video"),
            ("EventInSiteURL", "Meeting details", "detail"),
        )
        return [
            Link(title=title, url=str(event[key]), kind=kind)
            for key, title, kind in fields
            if _is_http(event.get(key))
        ]

    def _parse_items(self, mid: str, rows: list[dict[str, Any]]) -> list[AgendaItem]:
        """Agenda items in agenda order; minutes-only rows (no agenda sequence) are left out."""
        items: dict[str, AgendaItem] = {}
        for row in rows:
            if row.get("EventItemAgendaSequence") is None:
                continue
            title = _clean(row.get("EventItemTitle")) or _clean(row.get("EventItemMatterName"))
            if not title:
                self.logger.debug("skip item %s: no title", row.get("EventItemId"))
                continue
            number = _clean(row.get("EventItemAgendaNumber")) or None
            platform_id = str(row["EventItemId"]) if row.get("EventItemId") is not None else None
            item = AgendaItem(
                id=item_id(mid, platform_id, number, title),
                number=number,
                title=title,
                text=self._parse_item_text(row, title),
                matter=_clean(row.get("EventItemMatterFile")) or None,
                sequence=int(row["EventItemAgendaSequence"]),
                links=self._parse_item_links(row),
            )
            items.setdefault(item.id, item)  # the API can repeat rows; ids dedupe them
        return sorted(items.values(), key=lambda i: i.sequence)

    def _parse_item_text(self, row: dict[str, Any], title: str) -> str:
        """Matter name and agenda note, where they add to the title."""
        parts = [_clean(row.get("EventItemMatterName")), _clean(row.get("EventItemAgendaNote"))]
        return "\n".join(p for p in parts if p and p not in title)

    def _parse_item_links(self, row: dict[str, Any]) -> list[Link]:
        """The matter's attachments."""
        return [
            Link(
                title=_clean(att.get("MatterAttachmentName")) or "Attachment",
                url=str(att["MatterAttachmentHyperlink"]),
                kind="attachment",
            )
            for att in row.get("EventItemMatterAttachments") or []
            if isinstance(att, dict) and _is_http(att.get("MatterAttachmentHyperlink"))
        ]


def parse_clock(text: str) -> time | None:
    """Wall-clock time from Legistar's ``EventTime`` ("10:00 AM", "6:30PM", "Noon"), else None."""
    text = text.strip()
    if text.lower() == "noon":
        return time(12, 0)
    match = TIME_RE.search(text)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if not (1 <= hour <= 12 and 0 <= minute < 60):
        return None
    pm = match.group(3).lower() == "p"
    return time(hour % 12 + (12 if pm else 0), minute)


def _clean(value: Any) -> str:
    """Plain single-spaced text; agenda notes sometimes carry HTML."""
    if value is None:
        return ""
    text = str(value)
    if HTML_TAG_RE.search(text):
        text = BeautifulSoup(text, "html.parser").get_text(" ")
    return " ".join(text.split())


def _is_http(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))
