"""CivicClerk spider: OData ``/v1/Events`` (windowed, paged) → ``/v1/Meetings/{agendaId}`` items.

Facts this relies on (docs/platforms.md §4.7, §3.2): ``startDateTime`` carries a ``Z`` but is the
body's local wall-clock time, and ``1900-01-01T00:00:00Z`` means "empty"; the agenda is keyed by
``agendaId`` (0 or null when there is none), not by the event id; ``/v1/Meetings/{agendaId}``
returns ``items[]`` with nested ``childItems[]``; published files open in the portal at
``/event/{id}/files/agenda/{fileId}`` and download from ``GetMeetingFileStream(fileId=…)``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import scrapy
from bs4 import BeautifulSoup
from pydantic import BaseModel
from scrapy.http import Response

from pipeline.models import AgendaItem, Link, Meeting, MeetingStatus, Source, item_id
from spiders._parse import json_records, load_json, squash
from spiders._rows import numbered_items, read_rows
from spiders._vocab import clean_body, clean_name, link_kind, status_from_text
from spiders.base import AgendaSpider, PlatformOptions, SourceError, UnexpectedShape

# ``/v1/Meetings/{agendaId}`` → the agenda id (for `parse_saved`).
MEETING_PATH_RE = re.compile(r"/meetings/(\d+)$", re.IGNORECASE)
# Any HTML tag: agenda item names "may contain HTML" (platforms.md §4.7).
HTML_TAG_RE = re.compile(r"<[a-zA-Z/][^>]*>")

# CivicClerk's placeholders for "no date": 1900-01-01 (platforms.md §3.2) and .NET's 0001-01-01.
EMPTY_DATES = ("1900-01-01", "0001-01-01")

# Where a node without a readable ``sortOrder`` goes: after its siblings.
_LAST = 1 << 62

API_HOST_SUFFIX = ".api.civicclerk.com"
PORTAL_HOST_SUFFIX = ".portal.civicclerk.com"


class CivicClerkOptions(PlatformOptions):
    """``category_ids`` limits ``/v1/Events`` to these event categories (boards), server-side."""

    category_ids: list[int] = []


class CivicClerkSpider(AgendaSpider):
    """Meetings, and their agenda items where published, from a CivicClerk tenant's API."""

    platform = "civicclerk"
    Options = CivicClerkOptions
    page_size = 100
    saved_readers = {"events": "read_events", "meeting_items": "read_items"}

    @classmethod
    def config_problems(cls, source: Source) -> list[tuple[str, str]]:
        """The API and the portal both need the tenant: a slug, or both hosts spelled out."""
        if source.slug or _is_api_host(source.base_url):
            return []
        if source.api_url and source.base_url:
            return []
        return [("slug", "civicclerk needs slug (the tenant), or api_url and base_url")]

    # --- URLs -----------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        """``https://{tenant}.api.civicclerk.com/v1`` unless ``api_url`` overrides it."""
        if self.source.api_url:
            return str(self.source.api_url).rstrip("/")
        if _is_api_host(self.source.base_url):
            return f"{str(self.source.base_url).rstrip('/')}/v1"
        return f"https://{self.source.slug}.api.civicclerk.com/v1"

    @property
    def portal_base(self) -> str:
        """``https://{tenant}.portal.civicclerk.com`` unless ``base_url`` overrides it."""
        base = str(self.source.base_url or "").rstrip("/")
        if _is_api_host(base):
            # `agenda-watch parse --platform` takes base_url from the saved page, the API host.
            return base.replace(API_HOST_SUFFIX, PORTAL_HOST_SUFFIX)
        return base or f"https://{self.source.slug}.portal.civicclerk.com"

    def events_url(self, today: date, skip: int = 0) -> str:
        """One page of ``/Events`` in the configured window (its last day too), oldest first."""
        first, last = self.window(today)
        after = last + timedelta(days=1)
        # Local dates are right here: the API compares against local wall time labelled Z.
        odata = f"startDateTime ge {first:%Y-%m-%d} and startDateTime lt {after:%Y-%m-%d}"
        categories = self.options.category_ids
        if categories:
            odata += f" and categoryId in ({','.join(str(c) for c in categories)})"
        params = {
            "$filter": odata,
            "$orderby": "startDateTime asc, id asc",
            "$top": str(self.page_size),
            "$count": "true",
        }
        if skip:
            params["$skip"] = str(skip)
        return f"{self.api_base}/Events?{urlencode(params, safe='$')}"

    def file_url(self, file_id: int) -> str:
        """The API download of a published file (the portal's links need JavaScript)."""
        return f"{self.api_base}/Meetings/GetMeetingFileStream(fileId={file_id},plainText=false)"

    def _api_request(self, url: str, callback: Any, **cb_kwargs: Any) -> scrapy.Request:
        return self.api_request(url, callback, (404,), **cb_kwargs)

    # --- crawl ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """First page of events in the window around today (the source's local date)."""
        today = self.today()
        yield self._api_request(self.events_url(today), self.parse_events, today=today, skip=0)

    def parse_events(self, response: Response, today: date, skip: int) -> Iterator[Any]:
        """A page of events: each event's agenda items (or document), then the next page."""
        data = self._json(response, "events")
        events = self._events(data, response.url)
        self.crawler.stats.inc_value("agenda_watch/events_listed", len(events))
        yield from read_rows(self, events, self._event_request, "CivicClerk events", response.url)
        yield from self._next_page(data, len(events), today, skip)

    def _event_request(self, event: dict[str, Any]) -> Any:
        """A wanted event's agenda request, or its meeting with the agenda document."""
        if not self._keep(event):
            return None
        meeting = self._parse_meeting(event, [])
        agenda_id = self.number(event.get("agendaId"), "agendaId")
        if agenda_id:
            url = f"{self.api_base}/Meetings/{agenda_id}"
            return self._api_request(url, self.parse_agenda, meeting=meeting, event=event)
        return self.meeting_or_document(meeting, self._agenda_file_url(event))

    def parse_agenda(
        self, response: Response, meeting: Meeting, event: dict[str, Any]
    ) -> Iterator[Any]:
        """``/Meetings/{agendaId}``: the meeting with its items, else its agenda document."""
        if response.status == 404:
            # An agenda that is not published yet answers 404; the event itself is still news.
            self.logger.info("agenda %s of %s not published", event.get("agendaId"), meeting.id)
            yield self.meeting_or_document(meeting, self._agenda_file_url(event))
            return
        nodes = self._agenda_items(self._json(response, "agenda"))
        items = self._parse_items(meeting.id, nodes, response.url)
        if not items:
            yield self.meeting_or_document(meeting, self._agenda_file_url(event))
            return
        meeting.items = items
        yield meeting

    def read_events(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``/v1/Events`` → meetings (without items)."""
        events = self._events(self._load(body, url, "events"), url)
        read = lambda e: self._parse_meeting(e, []) if self._keep(e) else None  # noqa: E731
        yield from read_rows(self, events, read, "CivicClerk events", url)

    def read_items(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """``/v1/Meetings/{agendaId}`` → agenda items."""
        agenda = MEETING_PATH_RE.search(urlsplit(url).path.rstrip("/"))
        mid = f"{self.source.id}/saved/{agenda.group(1) if agenda else 'agenda'}"
        yield from self._parse_items(mid, self._agenda_items(self._load(body, url, "agenda")), url)

    # --- responses ------------------------------------------------------------------------

    def _json(self, response: Response, what: str) -> Any:
        """The decoded JSON body, or a named error saying what went wrong."""
        if response.status >= 400:
            raise SourceError(
                f"{what}: HTTP {response.status} from {response.url}: {response.text[:200]}"
            )
        return self._load(response.body, response.url, what)

    def _load(self, body: bytes, url: str, what: str) -> Any:
        try:
            return load_json(body)
        except ValueError as exc:
            raise UnexpectedShape(f"{what}: not JSON at {url}: {exc}") from exc

    def _events(self, data: Any, url: str) -> list[dict[str, Any]]:
        """The OData ``value`` array (or a bare array); an empty one is a legitimate "none"."""
        if isinstance(data, dict) and data.get("value") == []:
            return []
        events = json_records(data, ("startDateTime", "eventName", "eventDate"))
        if events is None:
            raise UnexpectedShape(f"events: expected an OData object with 'value' at {url}")
        return events

    def _agenda_items(self, data: Any) -> list[dict[str, Any]]:
        """The ``items`` array of a ``/Meetings/{agendaId}`` answer."""
        if not isinstance(data, dict) or not isinstance(data.get("items", []), list):
            raise UnexpectedShape("agenda: expected an object with an 'items' array")
        return [i for i in data.get("items") or [] if isinstance(i, dict)]

    def _next_page(self, data: dict[str, Any], count: int, today: date, skip: int) -> Iterator[Any]:
        """Follow ``@odata.nextLink``; a full page without one is paged by ``$skip``."""
        next_link = data.get("@odata.nextLink")
        if next_link:
            yield self._api_request(
                str(next_link), self.parse_events, today=today, skip=skip + count
            )
        elif count >= self.page_size:
            nxt = skip + count
            yield self._api_request(
                self.events_url(today, nxt), self.parse_events, today=today, skip=nxt
            )

    def _keep(self, event: dict[str, Any]) -> bool:
        """False (logged) for deleted events and bodies outside the source's filter."""
        if event.get("isDeleted"):
            self.logger.debug("skip event %s: deleted", event.get("id"))
            return False
        body = self._parse_body(event)
        if not self.wants_body(body):
            self.logger.debug("skip event %s: body %r not in filter", event.get("id"), body)
            return False
        return True

    def _agenda_file_url(self, event: dict[str, Any]) -> str | None:
        """Download URL of the event's published agenda file, if any."""
        for file in self._files(event):
            if squash(file.get("type")).lower() == "agenda":
                return self.file_url(int(file["fileId"]))
        return None

    def _files(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """``publishedFiles`` entries with a whole-number ``fileId`` (a bad one costs its file)."""
        files = event.get("publishedFiles")
        return [
            {**f, "fileId": file_id}
            for f in (files if isinstance(files, list) else [])
            if isinstance(f, dict)
            and (file_id := self.number(f.get("fileId"), "publishedFiles[].fileId"))
        ]

    # --- fields ---------------------------------------------------------------------------

    def _parse_meeting(self, event: dict[str, Any], items: list[AgendaItem]) -> Meeting:
        event_id = self.number(event.get("id"), "id")
        if event_id is None:
            raise UnexpectedShape(f"event without a usable id: {sorted(event)[:8]}")
        start, time_known = self._parse_start(event)
        return self.new_meeting(
            start,
            self._parse_title(event),
            str(event_id),
            body=self._parse_body(event),
            time_known=time_known,
            location=self._parse_location(event),
            status=self._parse_status(event),
            url=self._parse_url(event),
            links=self._parse_links(event),
            items=items,
        )

    def _parse_start(self, event: dict[str, Any]) -> tuple[datetime, bool]:
        """Local start: the ``Z`` on ``startDateTime`` is dropped, it is local wall time (§3.2)."""
        for key in ("startDateTime", "eventDate"):
            raw = str(event.get(key) or "").rstrip("Z")
            if raw and not raw.startswith(EMPTY_DATES):
                found = self.stamp(raw)  # its offset, if any, is ignored: local wall time
                at = found.start or time(0, 0)
                known = key == "startDateTime" or at != time(0, 0)
                return self.localize(found.day, at), known
        raise UnexpectedShape(f"event {event.get('id')} has no start date")

    def _parse_title(self, event: dict[str, Any]) -> str:
        """The event's name ("City Council Regular Meeting")."""
        return clean_name(_clean(event.get("eventName"))) or self._parse_body(event)

    def _parse_body(self, event: dict[str, Any]) -> str:
        """The event category, which is the board ("City Council")."""
        for key in ("categoryName", "eventCategoryName", "eventName"):
            if clean_body(_clean(event.get(key))):
                return clean_body(_clean(event.get(key)))
        return self.source.name or "Meeting"

    def _parse_location(self, event: dict[str, Any]) -> str:
        """Street, city, state and ZIP from ``eventLocation`` (whose fields can all be null)."""
        loc = event.get("eventLocation")
        loc = loc if isinstance(loc, dict) else {}
        region = " ".join(_clean(loc.get(k)) for k in ("state", "zipCode") if loc.get(k))
        parts = [_clean(loc.get(k)) for k in ("address1", "address2", "city")] + [region]
        # Some tenants repeat address1 in address2; keep each part once.
        return ", ".join(dict.fromkeys(p for p in parts if p))

    def _parse_status(self, event: dict[str, Any]) -> MeetingStatus:
        """Cancelled/rescheduled from the name, description or notice text (§3.3)."""
        text = " ".join(
            str(event.get(k) or "") for k in ("eventName", "eventDescription", "eventNotice")
        )
        return status_from_text(text)

    def _parse_url(self, event: dict[str, Any]) -> str:
        """The event's page on the public portal."""
        return f"{self.portal_base}/event/{self.number(event['id'], 'id')}"

    def _parse_links(self, event: dict[str, Any]) -> list[Link]:
        """Published files (as portal pages), the media page (Cablecast's), and the event page."""
        base = self._parse_url(event)
        links = [
            Link(
                title=_clean(f.get("type")) or _clean(f.get("name")) or "File",
                url=f"{base}/files/agenda/{f['fileId']}",
                kind=link_kind(_clean(f.get("type")), "attachment"),
            )
            for f in self._files(event)
        ]
        media = self.link("Video", event.get("externalMediaUrl"), "video", base)
        if media is not None:
            links.append(media)
        elif event.get("hasMedia"):
            links.append(Link(title="Video", url=f"{base}/media", kind="video"))
        links.append(Link(title="Meeting details", url=base, kind="detail"))
        return links

    def _parse_items(self, mid: str, nodes: list[dict[str, Any]], url: str) -> list[AgendaItem]:
        """Agenda items in outline order, children after their parent; sections included.

        A bad node costs that item (its children stay); a bad ``sortOrder`` sorts it last.
        """
        read = lambda node: self._parse_item(mid, node)  # noqa: E731
        return numbered_items(self, self._walk(nodes), read, "CivicClerk agenda items", url)

    def _parse_item(self, mid: str, node: dict[str, Any]) -> AgendaItem | None:
        title = _clean(node.get("agendaObjectItemName"))
        if not title:  # a node that names nothing: a bad row (its children are still read)
            raise UnexpectedShape(f"agenda node {node.get('id')} without a name")
        number = _clean(node.get("agendaObjectItemOutlineNumber")) or None
        platform_id = self.number(node.get("id"), "agenda item id")
        return AgendaItem(
            id=item_id(mid, str(platform_id) if platform_id is not None else None, number, title),
            number=number,
            title=title,
            text=self._parse_item_text(node, title),
            matter=self._parse_item_matter(node),
        )

    def _sort_order(self, node: dict[str, Any]) -> int:
        """``sortOrder``; none sorts first (as the portal shows it), a bad one last (counted)."""
        raw = node.get("sortOrder")
        order = self.number(raw, "sortOrder")
        if order is None:
            return 0 if raw is None or not str(raw).strip() else _LAST
        return order

    def _walk(self, nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Depth-first over agenda nodes and their ``childItems``, in ``sortOrder``."""
        order = {id(n): self._sort_order(n) for n in nodes}
        for node in sorted(nodes, key=lambda n: order[id(n)]):
            yield node
            children = node.get("childItems")
            if isinstance(children, list):
                yield from self._walk([c for c in children if isinstance(c, dict)])

    def _parse_item_text(self, node: dict[str, Any], title: str) -> str:
        """The item's description, where it adds to the title."""
        text = _clean(node.get("agendaObjectItemDescription"))
        return "" if text in title else text

    def _parse_item_matter(self, node: dict[str, Any]) -> str | None:
        """Resolution/ordinance number, else the item number ("2026-2402"), if any."""
        for key in (
            "resolutionFormattedNumber",
            "ordinanceFormattedNumber",
            "agendaObjectItemNumber",
        ):
            value = _clean(node.get(key))
            if value and value != "0":
                return value
        return None


def _is_api_host(url: Any) -> bool:
    """True for ``https://{tenant}.api.civicclerk.com`` URLs."""
    return bool(url) and (urlsplit(str(url)).hostname or "").endswith(API_HOST_SUFFIX)


def _clean(value: Any) -> str:
    """Plain single-spaced text; item names and descriptions may carry HTML."""
    if value is None:
        return ""
    text = str(value)
    if HTML_TAG_RE.search(text) or "&" in text:
        text = BeautifulSoup(text, "html.parser").get_text(" ")
    return squash(text)
