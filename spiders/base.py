"""The base every platform spider shares: its source, time zone, ids and named errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import scrapy
from pydantic import BaseModel

if TYPE_CHECKING:
    from pipeline.models import Source


class SourceError(Exception):
    """A source could not be crawled; the message says what to do about it."""


class ApiDisabled(SourceError):
    """The platform's API is switched off for this client (a web fallback is needed)."""


class UnexpectedShape(SourceError):
    """A page or response no longer has the shape the spider was written for."""


class AgendaSpider(scrapy.Spider):
    """A spider bound to one configured `Source` (set by the spider loader)."""

    source: ClassVar[Source]

    @property
    def tz(self) -> ZoneInfo:
        """The source's wall-clock zone."""
        return ZoneInfo(self.source.timezone)

    def localize(self, day: date, at: time | None) -> datetime:
        """A zone-aware start from a local date and wall-clock time (midnight if unknown)."""
        return datetime.combine(day, at or time(0, 0), tzinfo=self.tz)

    def wants_body(self, body_name: str) -> bool:
        """True when the source has no body filter, or `body_name` is in it."""
        wanted = {b.casefold() for b in self.source.bodies}
        return not wanted or body_name.strip().casefold() in wanted

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
