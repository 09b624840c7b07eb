"""Scrapy settings for agenda-watch: conservative and polite by default.

Tunables come from the environment so the same code runs in tests, the demo and production.
"""

from __future__ import annotations

import os

BOT_NAME = "agenda-watch"
SPIDER_LOADER_CLASS = "spiders.loader.SourceSpiderLoader"
SPIDER_MODULES: list[str] = []
NEWSPIDER_MODULE = "spiders"

# Identify ourselves honestly; sites can reach us through the project page.
USER_AGENT = os.environ.get(
    "AGENDA_WATCH_USER_AGENT",
    "agenda-watch/0.1 (+https://github.com/agenda-watch/agenda-watch; civic agenda monitor)",
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = float(os.environ.get("AGENDA_WATCH_DOWNLOAD_DELAY", "1.0"))
DOWNLOAD_TIMEOUT = 60
# Agenda PDFs are rarely above a few MB; a packet can be big, a runaway response must not be.
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("AGENDA_WATCH_LOG_LEVEL", "INFO")
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

ITEM_PIPELINES = {
    "pipeline.ingest.stages.ValidateMeeting": 100,
    "pipeline.ingest.stages.ExtractText": 200,
    "pipeline.ingest.stages.ClassifyItems": 300,
    "pipeline.ingest.stages.StoreMeeting": 400,
}
EXTENSIONS = {
    "pipeline.ingest.stages.RunRecorder": 500,
    # Scrapy's LogCount hangs a counter per crawler on the root logger: with many sources in one
    # process each would count the others' errors. SourceLogCount charges each line to its source.
    "scrapy.extensions.logcount.LogCount": None,
    "pipeline.ingest.sourcelog.SourceLogCount": 0,
}
# Scrapy 2.19 starts an HTTP server per crawler that runs Python sent to it: not for a crawler
# of hostile pages, and one port per source when many share a process.
REMOTE_CONTROL_ENABLED = False
# One request at a time per host across every source and crawl process, DOWNLOAD_DELAY apart
# (Scrapy's own slots are per crawler). After the HTTP cache (900): cached answers never wait.
DOWNLOADER_MIDDLEWARES = {
    "pipeline.ingest.hostgate.HostGateMiddleware": 960,
}
AGENDA_WATCH_HOST_LOCK_DIR = os.path.join(
    os.path.abspath(os.environ.get("AGENDA_WATCH_DATA_DIR", "data")), "hostlocks"
)

# PDF extraction limits (per document).
AGENDA_WATCH_PDF_TIMEOUT = float(os.environ.get("AGENDA_WATCH_PDF_TIMEOUT", "30"))
AGENDA_WATCH_PDF_MAX_PAGES = 200

# Legistar Web API page size ($top); the API returns at most 1000 records per response.
AGENDA_WATCH_LEGISTAR_PAGE_SIZE = int(os.environ.get("AGENDA_WATCH_LEGISTAR_PAGE_SIZE", "1000"))

# HTTP cache used only for conditional requests: every page is asked for again, with
# If-None-Match / If-Modified-Since when the site gave an ETag or Last-Modified, so an unchanged
# agenda costs a 304 instead of a download; pages without validators are not stored at all
# (pipeline/ingest/cachepolicy.py says why RFC2616Policy's freshness rules are wrong for us).
# Not every platform sends these headers (CivicPlus does not, platforms.md §4.5).
HTTPCACHE_ENABLED = os.environ.get("AGENDA_WATCH_HTTP_CACHE", "1") == "1"
HTTPCACHE_POLICY = "pipeline.ingest.cachepolicy.RevalidatePolicy"
HTTPCACHE_STORAGE = "scrapy.extensions.httpcache.FilesystemCacheStorage"
HTTPCACHE_DIR = os.path.join(
    os.path.abspath(os.environ.get("AGENDA_WATCH_DATA_DIR", "data")), "httpcache"
)
HTTPCACHE_IGNORE_HTTP_CODES = [401, 403, 404, 429, 500, 502, 503, 504]
HTTPCACHE_GZIP = True
