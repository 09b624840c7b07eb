"""Legistar Web API spider: ``/events`` (OData window, paged) → ``/events/{id}/eventitems``.

Facts this relies on (docs/platforms.md §4.2): ``EventDate`` is a date at ``T00:00:00`` and
``EventTime`` a separate local wall-clock string ("10:00 AM"); at most 1000 records per page;
a disabled client answers HTTP 500 with a ``LegistarConnectionString`` message; items without
``EventItemAgendaSequence`` are minutes-only.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import scrapy
from bs4 import BeautifulSoup
from pydantic import BaseModel
from scrapy.http import Response

from pipeline.models import AgendaItem, Link, LinkKind, Meeting, MeetingStatus, item_id
from pipeline.redact import register_secret
from spiders._legistar import LegistarOptions
from spiders._outcomes import make_outcome, make_vote, passed_flag
from spiders._parse import is_http, squash
from spiders._rows import json_rows, read_items, read_rows
from spiders._vocab import clean_body, clean_name, place_in_note, status_from_text
from spiders._when import parse_clock
from spiders.base import AgendaSpider, ApiDisabled, SourceError, UnexpectedShape
from spiders.legistar_web import LegistarWebSpider

if TYPE_CHECKING:
    from pipeline.models import Source

# Real HTML markup in agenda notes (Legistar stores some notes as HTML); other "<…>" text, such as
# "<!channel>" pasted into a title, is kept as text and escaped when rendered.
HTML_TAG_RE = re.compile(
    r"</?(?:p|br|div|span|b|i|u|em|strong|font|a|ul|ol|li|table|tr|td)\b[^>]*>", re.I
)

API_STATUSES = (400, 401, 403, 404, 500, 502, 503)
# The Web API host every Legistar client shares (one politeness slot for all of them).
DEFAULT_API = "https://webapi.legistar.com/v1"
# The sequence of an item whose own is unreadable: after every item that has one.
UNKNOWN_SEQUENCE = 1_000_000
# Event fields holding a link: (field, link title, link kind).
EVENT_LINKS: tuple[tuple[str, str, LinkKind], ...] = (
    ("EventAgendaFile", "Agenda", "agenda"),
    ("EventMinutesFile", "Minutes", "minutes"),
    ("EventVideoPath", "Video", "video"),
    ("EventInSiteURL", "Meeting details", "detail"),
)


class LegistarApiSpider(AgendaSpider):
    """Meetings and their agenda items from a Legistar client's Web API."""

    platform = "legistar"
    Options = LegistarOptions
    # The Web API is webapi.legistar.com/v1/{slug}: base_url (the web site) does not locate it.
    locators = ("slug", "api_url")
    page_size = 1000
    saved_readers = {
        "api_events": "read_events",
        "api_event_items": "read_event_items",
        "web_calendar": "read_web_page",
        "web_meeting_detail": "read_web_page",
    }

    @classmethod
    def variant_for(cls, source: Source) -> type[AgendaSpider]:
        """The web-calendar spider when the source sets ``options: {mode: web}``."""
        if LegistarOptions.model_validate(source.options).mode == "web":
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
        shared = {urlsplit(DEFAULT_API).hostname or ""} if not cls.source.api_url else set()
        return super().crawl_hosts() | shared

    def api_url(self, path: str, params: dict[str, str] | None = None) -> str:
        """An API URL with the client's token (if configured) added to the query."""
        query = dict(params or {})
        if self.source.api_token_env:
            token = os.environ.get(self.source.api_token_env)
            if token:
                register_secret(token)  # from here on, never in a log, error or stored file
                query["token"] = token
        suffix = f"?{urlencode(query, safe='$')}" if query else ""
        return f"{self.api_base}{path}{suffix}"

    def events_url(self, skip: int, today: date) -> str:
        """One page of ``/events`` in the configured window (its last day too), oldest first."""
        first, last = self.window(today)
        after = last + timedelta(days=1)
        odata = (
            f"EventDate ge datetime'{first:%Y-%m-%d}T00:00:00' "
            f"and EventDate lt datetime'{after:%Y-%m-%d}T00:00:00'"
        )
        params = {
            "$filter": odata,
            "$orderby": "EventDate,EventId",
            "$top": str(self.page_size),
            "$skip": str(skip),
        }
        return self.api_url("/events", params)

    def _api_request(self, url: str, callback: Any, **cb_kwargs: Any) -> scrapy.Request:
        return self.api_request(url, callback, API_STATUSES, **cb_kwargs)

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
        yield from read_rows(self, events, self._items_request, "Legistar events", response.url)
        if len(events) >= self.page_size:
            nxt = skip + self.page_size
            yield self._api_request(
                self.events_url(nxt, today), self.parse_events, skip=nxt, today=today
            )

    def _items_request(self, event: dict[str, Any]) -> scrapy.Request | None:
        """The request for a wanted event's items (None for a body outside the filter).

        The meeting is built here, while the event is a listing row: a bad event costs that row
        (counted), and its items' answer only adds items.
        """
        body = clean_body(event.get("EventBodyName"))
        if not self.wants_body(body):
            self.logger.debug("skip event %s: body %r not in filter", event.get("EventId"), body)
            return None
        meeting = self._parse_meeting(event, [])
        url = self.api_url(
            f"/events/{meeting.platform_id}/eventitems",
            {"AgendaNote": "1", "MinutesNote": "1", "Attachments": "1"},
        )
        return self._api_request(url, self.parse_event_items, meeting=meeting)

    def parse_event_items(self, response: Response, meeting: Meeting) -> Iterator[Any]:
        """An event's items onto its meeting, then its agenda document if wanted."""
        rows = self._json_list(response, "event items")
        site = {"EventInSiteURL": str(meeting.url) if meeting.url else None}
        meeting.items = self._parse_items(meeting.id, rows, response.url, self._web_base(site))
        agenda = next((str(link.url) for link in meeting.links if link.kind == "agenda"), None)
        yield self.meeting_or_document(meeting, agenda)

    def read_events(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``/events`` (or one ``/events/{id}``) → meetings, without items."""
        events = self._records(body, url, "EventId", "events")
        yield from read_rows(
            self, events, lambda e: self._parse_meeting(e, []), "Legistar events", url
        )

    def read_event_items(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``/events/{id}/eventitems`` → agenda items in agenda order."""
        path = urlsplit(url).path.rstrip("/").lower()
        event_id = path.split("/")[-2] if path.endswith("/eventitems") else "event"
        rows = self._records(body, url, "EventItemId", "event items")
        mid = f"{self.source.id}/saved/{event_id}"
        yield from self._parse_items(mid, rows, url, self._web_base({}))

    def read_web_page(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """A web calendar, body or meeting page: read by the web-calendar variant."""
        yield from self.sibling(LegistarWebSpider).parse_saved(url, body)

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
        key = "EventId" if what == "events" else "EventItemId"
        return self._records(response.body, response.url, key, what)

    def _records(self, body: bytes, url: str, key: str, what: str) -> list[dict[str, Any]]:
        """The records of an API answer (an array; one object is a list of one)."""
        return json_rows(body, url, (key,), what)

    # --- fields ---------------------------------------------------------------------------

    def _parse_meeting(self, event: dict[str, Any], rows: list[dict[str, Any]]) -> Meeting:
        event_id = self._parse_event_id(event)
        start, time_known = self._parse_start(event)
        body = clean_body(event.get("EventBodyName")) or self.source.name or "Meeting"
        links = self._parse_links(event)
        meeting = self.new_meeting(
            start,
            self._parse_title(event),
            event_id,
            key=body,
            body=body,
            time_known=time_known,
            end=self.end_of(start, str(event.get("EventTime") or "")) if time_known else None,
            location=self._parse_location(event),
            status=self._parse_status(event),
            url=next((str(link.url) for link in links if link.kind == "detail"), None),
            links=links,
            # A rescheduled Legistar meeting keeps its EventId: the same meeting, a new date.
            identity=f"legistar:{event_id}",
            # EventComment often says how to comment (read by the comment stage, never stored).
            comment_texts=[str(event["EventComment"])] if event.get("EventComment") else [],
        )
        meeting.items = self._parse_items(meeting.id, rows, self.api_base, self._web_base(event))
        return meeting

    def _parse_event_id(self, event: dict[str, Any]) -> str:
        """``EventId``, a whole number (it goes into the items URL and the ledger's identity)."""
        if "EventId" not in event or "EventDate" not in event:
            raise UnexpectedShape(f"event without EventId/EventDate: {sorted(event)[:8]}")
        event_id = self.number(event["EventId"], "EventId")
        if event_id is None:
            raise UnexpectedShape(f"event with an unusable EventId {event['EventId']!r}")
        return str(event_id)

    def _parse_start(self, event: dict[str, Any]) -> tuple[datetime, bool]:
        """Local start from ``EventDate`` (date part) and ``EventTime`` (wall-clock text)."""
        day = self.stamp(str(event["EventDate"])[:10]).day
        at = parse_clock(str(event.get("EventTime") or ""))
        return self.localize(day, at), at is not None

    def _parse_title(self, event: dict[str, Any]) -> str:
        """The body name as listed; Legistar has no separate title (status words leave it later)."""
        return clean_name(event.get("EventBodyName")) or self.source.name or "Meeting"

    def _parse_location(self, event: dict[str, Any]) -> str:
        """Location text with CRLFs folded to one line.

        When it is empty, a place line of ``EventComment`` (Mecklenburg County writes the room
        there, after "REVISED AGENDA").
        """
        return squash(event.get("EventLocation")) or place_in_note(
            str(event.get("EventComment") or "")
        )

    def _parse_status(self, event: dict[str, Any]) -> MeetingStatus:
        """From the body name, location, comment or agenda status; a Draft agenda is tentative."""
        fields = ("EventBodyName", "EventLocation", "EventComment", "EventAgendaStatusName")
        status = status_from_text(*(str(event.get(k) or "") for k in fields))
        draft = str(event.get("EventAgendaStatusName") or "").lower().startswith("draft")
        return "tentative" if status == "scheduled" and draft else status

    def _parse_links(self, event: dict[str, Any]) -> list[Link]:
        """Agenda and minutes files, video and the meeting-detail page, where present."""
        links = [self.link(title, event.get(key), kind) for key, title, kind in EVENT_LINKS]
        return [link for link in links if link is not None]

    def _web_base(self, event: dict[str, Any]) -> str:
        """The client's web site: where the event's own page is, else the configured one."""
        for url in (event.get("EventInSiteURL"), self.source.base_url):
            if is_http(url):
                parts = urlsplit(str(url))
                return f"{parts.scheme}://{parts.netloc}"
        return f"https://{self.source.slug}.legistar.com"

    def _parse_items(
        self, mid: str, rows: list[dict[str, Any]], url: str, web_base: str
    ) -> list[AgendaItem]:
        """Agenda items in agenda order; minutes-only rows (no agenda sequence) are left out.

        A bad row costs that item; a bad sequence puts the item last, a bad attachment costs
        the attachment.
        """
        read = lambda row: self._parse_item(mid, row, web_base)  # noqa: E731
        items: dict[str, AgendaItem] = {}
        for item in read_items(self, rows, read, "Legistar event items", url):
            items.setdefault(item.id, item)  # the API can repeat rows; ids dedupe them
        return sorted(items.values(), key=lambda i: i.sequence)

    def _parse_item(self, mid: str, row: dict[str, Any], web_base: str) -> AgendaItem | None:
        if row.get("EventItemAgendaSequence") is None:
            return None
        title = _clean(row.get("EventItemTitle")) or _clean(row.get("EventItemMatterName"))
        if not title:  # an agenda row (it has a sequence) that names nothing: a bad row
            raise UnexpectedShape(f"item {row.get('EventItemId')} without a title")
        number = _clean(row.get("EventItemAgendaNumber")) or None
        platform_id = self.number(row.get("EventItemId"), "EventItemId")
        sequence = self.number(row["EventItemAgendaSequence"], "EventItemAgendaSequence")
        return AgendaItem(
            id=item_id(mid, str(platform_id) if platform_id is not None else None, number, title),
            number=number,
            title=title,
            text=self._parse_item_text(row, title),
            matter=_clean(row.get("EventItemMatterFile")) or None,
            sequence=sequence if sequence is not None else UNKNOWN_SEQUENCE,
            links=self._parse_item_links(row, web_base),
            outcome=self._parse_item_outcome(row),
        )

    def _parse_item_text(self, row: dict[str, Any], title: str) -> str:
        """Matter name and agenda note, where they add to the title.

        The action taken is the item's `Outcome`, not its text: an outcome arriving after the
        meeting is an ``outcome`` notice, not an "item changed" one.
        """
        parts = [_clean(row.get("EventItemMatterName")), _clean(row.get("EventItemAgendaNote"))]
        return "\n".join(p for p in parts if p and p not in title)

    def _parse_item_outcome(self, row: dict[str, Any]) -> Any:
        """The action taken and the pass flag (filled once minutes are entered), else None."""
        action = _clean(row.get("EventItemActionName")) or _clean(row.get("EventItemActionText"))
        passed = passed_flag(row.get("EventItemPassedFlag"), row.get("EventItemPassedFlagName"))
        return make_outcome(
            action,
            passed,
            "legistar_api",
            tally=_clean(row.get("EventItemTally")),
            mover=_clean(row.get("EventItemMover")),
            seconder=_clean(row.get("EventItemSeconder")),
        )

    # --- roll calls (asked for by the roll-call stage, for relevant decided items only) ----

    def roll_call_request(self, meeting: Meeting, item: AgendaItem) -> scrapy.Request | None:
        """``/eventitems/{EventItemId}/votes`` for an item of this meeting, None without an id."""
        key = item.id.removeprefix(meeting.id + "/")
        if not key.isdigit():
            return None
        return scrapy.Request(
            self.api_url(f"/eventitems/{key}/votes"),
            meta={"handle_httpstatus_list": list(API_STATUSES)},
            dont_filter=True,
        )

    def parse_roll_call(self, response: Response) -> list[Any]:
        """Votes from a ``/votes`` answer; an error answer (some clients 500 here) is no votes."""
        if response.status >= 400:
            # The path only: the query can carry the client's token.
            self.logger.info(
                "no votes at %s (HTTP %s)", urlsplit(response.url).path, response.status
            )
            return []
        rows = json_rows(response.body, response.url, ("VotePersonName",), "votes")
        votes = [make_vote(r.get("VotePersonName"), r.get("VoteValueName")) for r in rows]
        return [v for v in votes if v is not None]

    def _parse_item_links(self, row: dict[str, Any], web_base: str) -> list[Link]:
        """The matter's own page (its legislation details), then its attachments.

        The page is reached through the site's gateway by the API's matter id: the web pages'
        ``LegislationDetail.aspx?ID=&GUID=`` use their own ids, which the API does not give.
        """
        matter_id = self.number(row.get("EventItemMatterId"), "EventItemMatterId")
        page = self.link(
            "Legislation details",
            f"{web_base}/Gateway.aspx?M=L&ID={matter_id}" if matter_id is not None else None,
            "detail",
        )
        attachments = row.get("EventItemMatterAttachments")
        links = [page] + [
            self.link(
                _clean(att.get("MatterAttachmentName")) or "Attachment",
                att.get("MatterAttachmentHyperlink"),
                "attachment",
            )
            for att in (attachments if isinstance(attachments, list) else [])
            if isinstance(att, dict)
        ]
        return [link for link in links if link is not None]


def _clean(value: Any) -> str:
    """Plain single-spaced text; agenda notes sometimes carry HTML."""
    if value is None:
        return ""
    text = str(value)
    if HTML_TAG_RE.search(text):
        text = BeautifulSoup(text, "html.parser").get_text(" ")
    return squash(text)
