"""A page over the download size cap is an error of the run, said as such.

Scrapy stops a download that announces or reaches ``DOWNLOAD_MAXSIZE`` (a ``DownloadCancelledError``,
logged as an error), but a compressed answer that only grows past the cap while it is
decompressed (a decompression bomb, or a huge listing) is dropped with ``IgnoreRequest``, the
exception of a request dropped on purpose: the crawl would end "no meetings found" with no error.
`SizeCappedDecompression` is Scrapy's decompression middleware that logs that case as an error
and counts it (``agenda_watch/over_size_cap``, said in the run's message by
`pipeline.ingest.reasons`), unless the request has an errback that says it otherwise (an agenda
document: *not read*, "too large"); the page is dropped as before.
"""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from pipeline.ingest.reasons import OVER_CAP_STAT

logger = logging.getLogger(__name__)


class SizeCappedDecompression(HttpCompressionMiddleware):
    """Scrapy's `HttpCompressionMiddleware`, with a page over the cap counted as an error."""

    def process_response(  # type: ignore[override]  # Scrapy's spider argument is deprecated
        self, request: Request, response: Response
    ) -> Request | Response:
        """Decompress as Scrapy does; a body that outgrows ``DOWNLOAD_MAXSIZE`` is an error."""
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            if "MAXSIZE" not in str(exc):
                raise
            cap = request.meta.get("download_maxsize", self._max_size)
            # With an errback (an agenda document) the spider says it ("too large", not read);
            # without one, nothing else would: an error of the run, counted for its message.
            level = logging.WARNING if request.errback else logging.ERROR
            if level == logging.ERROR and self.stats is not None:
                self.stats.inc_value(OVER_CAP_STAT)
            logger.log(
                level,
                "%s: over the download size cap (%d bytes) once decompressed; not read",
                request.url,
                cap,
            )
            raise
