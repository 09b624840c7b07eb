"""HTTP cache policy: revalidate every time, store only what can be revalidated.

Scrapy's ``RFC2616Policy`` is a browser's cache; for a watch service three of its rules are wrong:

- *Heuristic freshness.* A response with ``Last-Modified`` but no ``max-age`` counts as fresh for
  a tenth of its age: an agenda PDF last changed 30 days ago would be served from the cache for 3
  days without asking, and a revised agenda under the same URL missed for as long. Likewise a
  listing with ``Cache-Control: max-age=86400`` would hide a new meeting for a day.
- *``no-cache`` drops the validators.* ``Cache-Control: no-cache`` (ASP.NET sites, e.g. Legistar,
  send it) means "revalidate before use", but RFC2616Policy then refetches in full even when the
  response had an ``ETag``.
- *Stale on error.* On a 5xx answer it returns the cached copy, so a broken site looks healthy and
  the source's health alarm never fires.

`RevalidatePolicy` asks the site every time (conditionally when it can), treats only a 304 as
"unchanged", and stores a response only when it carries a validator: one without ``ETag`` or
``Last-Modified`` could never be used, so storing it is wasted disk and CPU.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Response

VALIDATORS = (b"ETag", b"Last-Modified")
STORED_STATUSES = (200, 203)


class RevalidatePolicy(RFC2616Policy):
    """Conditional requests for everything the site gave a validator; nothing served unasked."""

    def should_cache_response(self, response: Response, request: Request) -> bool:
        """Store 200/203 answers that carry an ETag or Last-Modified (and allow storing)."""
        if b"no-store" in self._parse_cachecontrol(response):
            return False
        return response.status in STORED_STATUSES and any(v in response.headers for v in VALIDATORS)

    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        """Never fresh: add If-None-Match / If-Modified-Since so the site can answer 304."""
        self._set_conditional_validators(request, cachedresponse)
        return False

    def is_cached_response_valid(
        self, cachedresponse: Response, response: Response, request: Request
    ) -> bool:
        """The cached copy stands in only for a 304; an error stays an error."""
        return response.status == 304
