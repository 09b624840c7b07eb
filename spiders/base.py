"""The base every platform spider shares: its source, time zone, ids, documents and named errors.

A platform spider subclasses `AgendaSpider`, sets ``platform`` (its name: the platforms are the
spiders there are, `spiders.registry`) and, if the platform needs settings beyond slug/base_url, an
``Options`` model validated against the source's ``options:`` mapping. The spider loader finds
every such class in ``spiders/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import scrapy
from parsel import SelectorList
from pydantic import BaseModel, ConfigDict
from scrapy.http import Response

from pipeline.models import Meeting, MeetingStatus, RawDocument

if TYPE_CHECKING:
    from pipeline.models import Source

MAX_DOCUMENT_BYTES = 25 * 1024 * 1024
# Cancellation written into titles or free text: "CANCELLED - Weed Board", "…IllinoisCANCELLED",
# "***CANCELED***" (no word boundary: Legistar glues it to the location).
CANCELLED_RE = re.compile(r"cancel+ed", re.IGNORECASE)
# A moved meeting: "RESCHEDULED to May 3", "Re-scheduled", "POSTPONED".
RESCHEDULED_RE = re.compile(r"re-?scheduled|postponed", re.IGNORECASE)


def status_from_text(text: str) -> MeetingStatus:
    """Cancelled or rescheduled when `text` (a title, location or note) says so, else scheduled."""
    if CANCELLED_RE.search(text):
        return "cancelled"
    if RESCHEDULED_RE.search(text):
        return "rescheduled"
    return "scheduled"


class SourceError(Exception):
    """A source could not be crawled; the message says what to do about it."""


class ApiDisabled(SourceError):
    """The platform's API is switched off for this client (a web fallback is needed)."""


class UnexpectedShape(SourceError):
    """A page or response no longer has the shape the spider was written for."""


class NoRowsFound(UnexpectedShape):
    """A listing selector matched nothing on a page that should list meetings."""


class PlatformOptions(BaseModel):
    """Platform-specific settings from a source's ``options:`` (none by default)."""

    model_config = ConfigDict(extra="forbid")


class AgendaSpider(scrapy.Spider):
    """A spider bound to one configured `Source` (set by the spider loader)."""

    source: ClassVar[Source]
    platform: ClassVar[str] = ""
    Options: ClassVar[type[PlatformOptions]] = PlatformOptions

    @classmethod
    def variant_for(cls, source: Source) -> type[AgendaSpider]:
        """The class that crawls `source`: this one, or a variant chosen by its options."""
        return cls

    @property
    def options(self) -> Any:
        """The source's ``options:`` validated by this platform's `Options` model."""
        return self.Options.model_validate(self.source.options)

    @property
    def tz(self) -> ZoneInfo:
        """The source's wall-clock zone."""
        return ZoneInfo(self.source.timezone)

    def localize(self, day: date, at: time | None) -> datetime:
        """A zone-aware start from a local date and wall-clock time (midnight if unknown)."""
        return datetime.combine(day, at or time(0, 0), tzinfo=self.tz)

    def now(self) -> datetime:
        """Now in the source's zone."""
        return datetime.now(self.tz)

    def today(self) -> date:
        """The source's local date; the crawl's ``AGENDA_WATCH_TODAY`` setting pins it.

        The pin replays a recorded site from another date with that date's window.
        """
        crawler = getattr(self, "crawler", None)
        pinned = crawler.settings.get("AGENDA_WATCH_TODAY") if crawler is not None else None
        return date.fromisoformat(pinned) if pinned else self.now().date()

    def window(self, today: date | None = None) -> tuple[date, date]:
        """First and last local dates of the crawl window (``days_back``/``days_ahead``)."""
        today = today or self.today()
        return (
            today - timedelta(days=self.source.days_back),
            today + timedelta(days=self.source.days_ahead),
        )

    def in_window(self, start: datetime) -> bool:
        """True when `start`'s local date falls in the crawl window."""
        first, last = self.window()
        return first <= start.astimezone(self.tz).date() <= last

    def wants_body(self, body_name: str) -> bool:
        """True when the source has no body filter, or `body_name` is in it."""
        wanted = {b.casefold() for b in self.source.bodies}
        return not wanted or body_name.strip().casefold() in wanted

    # --- selectors that fail loudly ---------------------------------------------------------

    def rows(self, selected: SelectorList[Any], what: str, min_items: int = 1) -> SelectorList[Any]:
        """`selected` if it has at least `min_items` matches, else `NoRowsFound` naming `what`."""
        if len(selected) < min_items:
            raise NoRowsFound(
                f"{self.source.id}: expected at least {min_items} {what}, found {len(selected)}; "
                "the page may have changed shape"
            )
        return selected

    # --- agenda documents -------------------------------------------------------------------

    def document_request(self, url: str, meeting: Meeting) -> scrapy.Request:
        """Fetch an agenda document for `meeting`; the meeting is yielded either way."""
        return scrapy.Request(
            url,
            callback=self.parse_agenda_document,
            errback=self.agenda_document_failed,
            cb_kwargs={"meeting": meeting},
            meta={"download_maxsize": MAX_DOCUMENT_BYTES, "meeting": meeting},
            priority=-1,
            dont_filter=True,
        )

    def meeting_or_document(self, meeting: Meeting, document_url: str | None) -> Any:
        """The meeting itself, or a request for its agenda document when one should be read."""
        if document_url and self.source.fetch_documents:
            return self.document_request(document_url, meeting)
        return meeting

    def parse_agenda_document(self, response: Response, meeting: Meeting) -> Iterator[Meeting]:
        """Attach the agenda document's bytes for the extract stage."""
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        meeting.raw_documents.append(
            RawDocument(url=response.url, content_type=content_type, body=response.body)
        )
        yield meeting

    def agenda_document_failed(self, failure: Any) -> Iterator[Meeting]:
        """The agenda could not be downloaded: keep the meeting, note the problem."""
        meeting: Meeting = failure.request.meta["meeting"]
        self.logger.warning("agenda document for %s failed: %s", meeting.id, failure.value)
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value("agenda_watch/document_errors")
        yield meeting

    # --- `agenda-watch parse` ---------------------------------------------------------------

    def parse_saved(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """Parse a saved copy of `url` the way the crawl would; yields records (for `parse`)."""
        raise NotImplementedError(f"{type(self).__name__} cannot parse saved pages yet")

    @classmethod
    def handles_request(cls, request: scrapy.Request) -> bool:
        """True when the request's host is one this source crawls."""
        host = urlparse(request.url).hostname or ""
        return any(host == (urlparse(str(u)).hostname or "") for u in cls.source_urls())

    @classmethod
    def source_urls(cls) -> list[str]:
        """Base URLs this source crawls (for `find_by_request`)."""
        return [str(u) for u in (cls.source.base_url, cls.source.api_url) if u]

    @classmethod
    def crawl_hosts(cls) -> set[str]:
        """Hosts this source is known to request before crawling (the crawl groups by them).

        Document hosts found while crawling are not known here; the host gate covers them.
        """
        return {host for url in cls.source_urls() if (host := urlparse(url).hostname)}
