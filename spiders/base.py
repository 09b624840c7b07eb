"""The base every platform spider shares: its source, time zone, ids, documents and named errors.

A platform spider subclasses `AgendaSpider`, sets ``platform`` (its name: the platforms are the
spiders there are, `spiders.registry`) and, if the platform needs settings beyond slug/base_url, an
``Options`` model validated against the source's ``options:`` mapping. The spider loader finds
every such class in ``spiders/``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import scrapy
from parsel import Selector, SelectorList
from pydantic import BaseModel, ConfigDict
from scrapy.http import Response

from pipeline.ingest.detect import page_kind, page_kinds
from pipeline.models import Document, Link, LinkKind, Meeting, RawDocument, meeting_id
from pipeline.redact import carries_secret, describe
from spiders._health import field_dropped
from spiders._parse import BadValue, link_url, squash, web_url
from spiders._vocab import clean_location, marked
from spiders._when import When, local_datetime, read_clock, read_stamp, read_when

if TYPE_CHECKING:
    from pipeline.models import Source

MAX_DOCUMENT_BYTES = 25 * 1024 * 1024
# Meeting dates a spider believes: from this year to a few years past today. Anything else
# (0001-01-01 placeholders, 9999-12-31) is a bad value that would overflow downstream.
EARLIEST_YEAR = 1990
YEARS_AHEAD = 5

T = TypeVar("T")


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
    # The platform whose pages this class reads (a variant without ``platform`` names it).
    family: ClassVar[str] = ""
    Options: ClassVar[type[PlatformOptions]] = PlatformOptions
    # Source fields that locate the platform's tenant: a source must set at least one of them
    # (empty for a platform with one tenant, whose addresses are fixed).
    locators: ClassVar[tuple[str, ...]] = ("slug", "base_url")
    # Page kind (`pipeline.ingest.detect.page_kind`) → the method reading a saved copy of it,
    # called with (url, body); `parse_saved` routes by what the page holds, not by its address.
    saved_readers: ClassVar[dict[str, str]] = {}
    # The row being read (set by `spiders._rows.read_rows`), named by field warnings.
    field_context: str = ""

    @classmethod
    def variant_for(cls, source: Source) -> type[AgendaSpider]:
        """The class that crawls `source`: this one, or a variant chosen by its options."""
        return cls

    @classmethod
    def config_problems(cls, source: Source) -> list[tuple[str, str]]:
        """``(field, message)`` for what this spider needs from `source` and does not get.

        Checked by ``agenda-watch check-config`` (after the ``Options`` model), so a source that
        would crawl ``…/v1/None/events`` is refused before it runs.
        """
        if cls.locators and not any(getattr(source, f) for f in cls.locators):
            need = " or ".join(cls.locators)
            return [(cls.locators[0], f"{cls.platform or cls.family} needs {need}")]
        return []

    @property
    def options(self) -> Any:
        """The source's ``options:`` validated by this platform's `Options` model."""
        return self.Options.model_validate(self.source.options)

    @property
    def tz(self) -> ZoneInfo:
        """The source's wall-clock zone."""
        return ZoneInfo(self.source.timezone)

    def localize(self, day: date, at: time | None) -> datetime:
        """A zone-aware start from a local date and wall-clock time (midnight if unknown).

        DST edges follow `spiders._when.local_datetime`: an ambiguous time is its first
        occurrence, a time in the spring-forward gap moves forward by the gap.
        """
        return local_datetime(day, at, self.tz)

    def when(self, value: str | None) -> When | None:
        """The date and times written in `value` (`spiders._when.read_when`).

        The crawl date places a date written without a year.
        """
        return read_when(value, self.today())

    def end_of(self, start: datetime, value: str | None) -> datetime | None:
        """The end a time field gives as a range ("6:00 PM - 8:00 PM"), on `start`'s day; else None.

        An end that reads before the start is on the next day (`When.end_in`).
        """
        clock = read_clock(value)
        if clock.start is None or clock.end is None:
            return None
        return When(start.astimezone(self.tz).date(), clock.start, clock.end).end_in(self.tz)

    def stamp(self, value: Any) -> When:
        """An API's date-time stamp (`spiders._when.read_stamp`); ValueError when it has none."""
        return read_stamp(value, self.today())

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
        """True when `start`'s local date falls in the crawl window (False past datetime's range)."""
        first, last = self.window()
        try:
            return first <= start.astimezone(self.tz).date() <= last
        except OverflowError:
            return False

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

    # --- fields: one bad value costs that value (issue 10) -----------------------------------

    def url(self, value: Any, base: str = "", field: str = "link") -> str | None:
        """`web_url` of `value` on page `base`; a bad address is dropped with a counted warning."""
        try:
            return web_url(value, base)
        except BadValue as exc:
            field_dropped(self, field, value, str(exc))
            return None

    def anchor_url(self, anchor: Selector, base: str, field: str = "link") -> str | None:
        """Where an ``<a>`` leads (`link_url`); a bad href no script makes good is dropped, counted."""
        try:
            return link_url(anchor, base)
        except BadValue as exc:
            field_dropped(self, field, anchor.attrib.get("href"), str(exc))
            return None

    def link(self, title: Any, value: Any, kind: LinkKind, base: str = "") -> Link | None:
        """A `Link` to `value` (made absolute on `base`), or None — counted — when it is no address."""
        url = self.url(value, base, f"{kind} link")
        if url is None:
            return None
        return Link(title=squash(title)[:300] or kind.title(), url=url, kind=kind)

    def number(self, value: Any, field: str) -> int | None:
        """A whole number ("12", 12, "12.0"); None when empty; a bad one dropped with a warning."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return self.value(field, value, _whole_number)

    def value(self, field: str, raw: Any, parse: Callable[[Any], T]) -> T | None:
        """`parse(raw)`; None, with a counted warning, when `raw` is no value of that field."""
        try:
            return parse(raw)
        except (ValueError, TypeError, ArithmeticError) as exc:
            field_dropped(self, field, raw, str(exc).splitlines()[0][:160] if str(exc) else "")
            return None

    def believable(self, day: date) -> bool:
        """True when `day` is within the years `plausible` accepts (to pick among candidates)."""
        return EARLIEST_YEAR <= day.year <= self.today().year + YEARS_AHEAD

    def plausible(self, start: datetime) -> datetime:
        """`start`, or `BadValue` when its year is before 1990 or more than 5 years ahead."""
        latest = self.today().year + YEARS_AHEAD
        if not EARLIEST_YEAR <= start.year <= latest:
            raise BadValue(
                f"meeting date {start.date().isoformat()} outside {EARLIEST_YEAR}–{latest}"
            )
        return start

    # --- shared crawl helpers ---------------------------------------------------------------

    def configured_base(self, default: str) -> str:
        """``base_url`` without a trailing slash, else `default` (the platform's host)."""
        return str(self.source.base_url or default).rstrip("/")

    def first_sighting(self, meeting_id: str) -> bool:
        """True the first time `meeting_id` comes up in this crawl (lists and year views overlap)."""
        seen: set[str] = self.__dict__.setdefault("_sightings", set())
        if meeting_id in seen:
            return False
        seen.add(meeting_id)
        return True

    def api_request(
        self, url: str, callback: Any, statuses: tuple[int, ...] = (), **cb_kwargs: Any
    ) -> scrapy.Request:
        """A JSON API request; answers with `statuses` reach `callback` (to name the error).

        A URL carrying a token is never cached: the HTTP cache stores each request's URL on disk.
        """
        return scrapy.Request(
            url,
            callback=callback,
            cb_kwargs=cb_kwargs,
            headers={"Accept": "application/json"},
            meta={"handle_httpstatus_list": list(statuses), "dont_cache": carries_secret(url)},
        )

    def meeting_request(
        self, url: str, callback: Any, meeting: Meeting, errback: Any = None, **kwargs: Any
    ) -> scrapy.Request:
        """A request for a page of `meeting` (its agenda, its detail page), the meeting with it.

        Without an `errback`, a failed page keeps the meeting (`agenda_document_failed`).
        """
        meta = {"meeting": meeting, **kwargs.pop("meta", {})}
        return scrapy.Request(
            url,
            callback=callback,
            errback=errback or self.agenda_document_failed,
            cb_kwargs={"meeting": meeting},
            meta=meta,
            **kwargs,
        )

    # --- agenda documents -------------------------------------------------------------------

    def document_request(self, url: str, meeting: Meeting) -> scrapy.Request:
        """Fetch an agenda document for `meeting`; the meeting is yielded either way."""
        return self.meeting_request(
            url,
            self.parse_agenda_document,
            meeting,
            meta={"download_maxsize": MAX_DOCUMENT_BYTES},
            priority=-1,
            dont_filter=True,
        )

    def meeting_or_document(self, meeting: Meeting, document_url: str | None) -> Any:
        """The meeting itself, or a request for its agenda document when one should be read."""
        url = (
            self.url(document_url, field="agenda document") if self.source.fetch_documents else None
        )
        return self.document_request(url, meeting) if url else meeting

    def parse_agenda_document(self, response: Response, meeting: Meeting) -> Iterator[Meeting]:
        """Attach the agenda document's bytes for the extract stage."""
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        meeting.raw_documents.append(
            RawDocument(url=response.url, content_type=content_type, body=response.body)
        )
        yield meeting

    def items_or_page(
        self, response: Response, meeting: Meeting, items: list[Any], template: str
    ) -> Meeting:
        """The meeting with its agenda page's `items`; without any, the page goes on as a document.

        A page in another template than `template` (the markup the spider reads) is still text
        the extract stage can split into items.
        """
        if items:
            meeting.items = items
        elif self.source.fetch_documents:
            self.logger.warning("no %s in %s; passing it on as a document", template, response.url)
            meeting.raw_documents.append(
                RawDocument(url=response.url, content_type="text/html", body=response.body)
            )
        return meeting

    def agenda_document_failed(self, failure: Any) -> Iterator[Meeting]:
        """The agenda could not be downloaded: keep the meeting, note the problem.

        The failed document stays on the meeting as a `Document` with its error, so a meeting
        left without items says its agenda was not read (`pipeline.ingest.unread`).
        """
        meeting: Meeting = failure.request.meta["meeting"]
        self.logger.warning("agenda document for %s failed: %s", meeting.id, failure.value)
        response = getattr(failure.value, "response", None)
        why = f"HTTP {response.status}" if response is not None else describe(failure.value)
        meeting.documents.append(
            Document(url=failure.request.url, error=f"download failed: {why[:200]}")
        )
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value("agenda_watch/document_errors")
        yield meeting

    def new_meeting(
        self,
        start: datetime,
        title: str,
        platform_id: str | None,
        key: str | None = None,
        id_key: str | None = None,
        **fields: Any,
    ) -> Meeting:
        """A meeting of this source with its id, zone and scrape time filled in.

        The id is `meeting_id` of `id_key` (default: the platform id), else of `key` (default:
        the title), so a spider keeps the ids it has always given. A start outside the plausible
        years is `BadValue` (the row is dropped, counted).
        """
        self.plausible(start)
        title, fields = self.unmarked(title, fields)
        return Meeting(
            id=meeting_id(self.source.id, start, id_key or platform_id, key or title),
            source=self.source.id,
            jurisdiction=self.source.jurisdiction,
            title=fields.pop("title", title),
            start=start,
            timezone=self.source.timezone,
            platform_id=platform_id,
            scraped_at=self.now(),
            **fields,
        )

    @staticmethod
    def unmarked(title: str, fields: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The title and fields with status words taken out of the text they were written into.

        What the words say sets the status where the spider read none ("…IllinoisCANCELLED");
        a location's "SPECIAL MEETING" note moves to the title (under ``fields["title"]``; the
        returned title, which keys the id, is without it). A title that was nothing but status
        words becomes the body's name.
        """
        named = marked(title)
        place = clean_location(fields.get("location"))
        cleaned = named.text or squash(fields.get("body")) or squash(title)
        status = fields.get("status") or "scheduled"
        if status == "scheduled":
            status = next((s for s in (named.status, place.status) if s != "scheduled"), status)
        shown = cleaned
        if place.special and not named.special:
            shown = f"{cleaned} - Special Meeting"
        return cleaned, {**fields, "location": place.text, "status": status, "title": shown}

    # --- `agenda-watch parse` ---------------------------------------------------------------

    @property
    def page_family(self) -> str:
        """The platform whose page kinds this spider reads."""
        return self.family or self.platform

    def parse_saved(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """Parse a saved copy of `url` the way the crawl would; yields records (for `parse`).

        The page's content decides which reader runs (`saved_readers`); the URL breaks ties.
        """
        kind = page_kind(self.page_family, url, body)
        reader = self.saved_readers.get(kind or "")
        if reader is None:
            readable = ", ".join(k for k in page_kinds(self.page_family) if k in self.saved_readers)
            raise SourceError(
                f"{url}: not a {self.page_family} page this spider reads "
                f"(recognised as {kind or 'nothing known'}; it reads: {readable})"
            )
        yield from getattr(self, reader)(url, body)

    def sibling(self, cls: type[AgendaSpider]) -> AgendaSpider:
        """An instance of `cls` bound to this source (to read a page another variant reads)."""
        attrs = {"name": self.source.id, "source": self.source}
        return type(f"{cls.__name__}_{self.source.id}", (cls,), attrs)()

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


def _whole_number(value: Any) -> int:
    """``12``, ``"12"``, ``"12.0"`` → 12; anything else raises ValueError."""
    if isinstance(value, bool):
        raise ValueError("a truth value, not a number")
    if isinstance(value, int):
        return value
    number = float(str(value).strip())
    if not number.is_integer():
        raise ValueError(f"not a whole number: {value!r}")
    return int(number)
