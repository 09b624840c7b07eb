"""Each source's log lines and error counts are its own, however many sources share a process.

Scrapy's ``LogCount`` extension hangs one counting handler per crawler on the root logger, so in
a process that crawls several sources every crawler counts every other crawler's errors (one
broken source was counted against three). `SourceLogCount` replaces it: one process-wide
`SourceLogRouter` on the root logger decides which source each record belongs to and counts it
(``log_count/<LEVEL>``) in that source's stats only, and copies it to that source's log file when
one is configured (``AGENDA_WATCH_SOURCE_LOG``). A source's log file keeps its crawls one after
another and rotates by size (``AGENDA_WATCH_LOG_MAX_BYTES``, ``AGENDA_WATCH_LOG_BACKUPS``), so
it neither grows forever nor loses the previous crawl the moment a new one starts.

A record belongs to a source when (in this order) it carries the spider (Scrapy's
``extra={"spider": …}``, and every ``spider.logger`` line), its logger is the spider's own
(``<source>`` or ``<source>.…``), or it was logged while code of that source's crawl ran (the
`CURRENT_SOURCE` context variable, which asyncio tasks and loop callbacks inherit). With a single
source registered, every record is that source's (the ``scrapy crawl <source>`` case). What still
has no owner is counted as *stray* (`SourceLogRouter.stray`) and reported by the crawl worker,
never silently charged to an innocent source.
"""

from __future__ import annotations

import logging
import logging.handlers
from collections import Counter
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals

from pipeline.runlog import ZonedFormatter

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

SOURCE_LOG_SETTING = "AGENDA_WATCH_SOURCE_LOG"
LOG_MAX_BYTES_SETTING = "AGENDA_WATCH_LOG_MAX_BYTES"
LOG_BACKUPS_SETTING = "AGENDA_WATCH_LOG_BACKUPS"
DEFAULT_LOG_MAX_BYTES = 10_000_000
DEFAULT_LOG_BACKUPS = 5
CURRENT_SOURCE: ContextVar[str | None] = ContextVar("agenda_watch_source", default=None)


class SourceLogRouter(logging.Handler):
    """Root-logger handler that counts and files each record under the source it belongs to."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self._crawlers: dict[str, Crawler] = {}
        self._levels: dict[str, int] = {}
        self._files: dict[str, logging.Handler] = {}
        self.stray: Counter[str] = Counter()

    def register(self, name: str, crawler: Crawler, log_file: Path | None = None) -> None:
        """Start routing records of source `name` to `crawler` (and `log_file`, if given)."""
        self.unregister(name)
        self._crawlers[name] = crawler
        self._levels[name] = logging.getLevelName(str(crawler.settings.get("LOG_LEVEL", "INFO")))
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            settings = crawler.settings
            handler = logging.handlers.RotatingFileHandler(
                log_file,
                maxBytes=settings.getint(LOG_MAX_BYTES_SETTING, DEFAULT_LOG_MAX_BYTES),
                backupCount=settings.getint(LOG_BACKUPS_SETTING, DEFAULT_LOG_BACKUPS),
                encoding="utf-8",
            )
            # Scrapy's line format, with the time in Chicago and its zone (not the host's zone).
            handler.setFormatter(ZonedFormatter(settings.get("LOG_FORMAT")))
            self._files[name] = handler
            # The file keeps earlier crawls: mark where this one starts.
            run_id = settings.get("AGENDA_WATCH_RUN_ID") or "?"
            start = f"----- crawl of {name} starts (run {run_id}) -----"
            handler.handle(
                logging.makeLogRecord(
                    {"name": name, "msg": start, "levelname": "INFO", "levelno": 20}
                )
            )

    def registered(self, name: str) -> bool:
        """True while records of source `name` are routed."""
        return name in self._crawlers

    def unregister(self, name: str) -> None:
        """Stop routing to source `name` and close its log file."""
        self._crawlers.pop(name, None)
        self._levels.pop(name, None)
        handler = self._files.pop(name, None)
        if handler is not None:
            handler.close()

    def owner(self, record: logging.LogRecord) -> str | None:
        """The registered source `record` belongs to, if any (see the module docstring)."""
        spider = getattr(record, "spider", None)
        name = getattr(spider, "name", None)
        if isinstance(name, str) and name in self._crawlers:
            return name
        logger_name = record.name
        if logger_name in self._crawlers:
            return logger_name
        head = logger_name.partition(".")[0]
        if head in self._crawlers:
            return head
        current = CURRENT_SOURCE.get()
        if current in self._crawlers:
            return current
        if len(self._crawlers) == 1:
            return next(iter(self._crawlers))
        return None

    def emit(self, record: logging.LogRecord) -> None:
        """Count the record in its source's stats and copy it to its log file."""
        name = self.owner(record)
        if name is None:
            if record.levelno >= logging.WARNING:
                self.stray[record.levelname] += 1
            return
        if record.levelno < self._levels.get(name, logging.INFO):
            return
        try:
            stats = self._crawlers[name].stats
        except RuntimeError:  # before the crawl starts Scrapy has no stats yet: file it only
            stats = None
        if stats is not None:
            stats.inc_value(f"log_count/{record.levelname}")
        handler = self._files.get(name)
        if handler is not None:
            handler.handle(record)


_ROUTER: SourceLogRouter | None = None


def router() -> SourceLogRouter:
    """The process's router, installed on the root logger on first use."""
    global _ROUTER
    if _ROUTER is None:
        _ROUTER = SourceLogRouter()
        logging.root.addHandler(_ROUTER)
    return _ROUTER


class SourceLogCount:
    """Extension replacing Scrapy's ``LogCount``: registers the crawler with the router.

    The crawl worker registers each source before its crawler starts (so set-up lines reach the
    source's log file) and unregisters it after the crawl (so do the lines Scrapy logs after
    ``spider_closed``); this extension registers what nobody did, as under ``scrapy crawl``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory."""
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        return ext

    def spider_opened(self) -> None:
        """Route this source's records from now on, unless the worker already does."""
        assert self.crawler.spider is not None
        name = self.crawler.spider.name
        if not router().registered(name):
            log_file = self.crawler.settings.get(SOURCE_LOG_SETTING)
            router().register(name, self.crawler, Path(log_file) if log_file else None)
