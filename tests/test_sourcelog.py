"""Log lines and error counts go to the source they belong to, never to its neighbours."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from pipeline.ingest.sourcelog import CURRENT_SOURCE, SourceLogRouter


class FakeCrawler:
    """What the router uses of a Scrapy crawler: stats and settings."""

    def __init__(self) -> None:
        self.settings = Settings(
            {"LOG_LEVEL": "INFO", "LOG_FORMAT": "%(name)s %(levelname)s %(message)s"}
        )
        self.stats = MemoryStatsCollector(self)  # type: ignore[arg-type]


def _router(*names: str, log_dir: Path | None = None) -> tuple[SourceLogRouter, dict[str, Any]]:
    router = SourceLogRouter()
    crawlers = {n: FakeCrawler() for n in names}
    for name, crawler in crawlers.items():
        router.register(name, crawler, log_dir / f"{name}.log" if log_dir else None)  # type: ignore[arg-type]
    return router, crawlers


def _record(name: str, level: int, msg: str, **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord(name, level, __file__, 1, msg, None, None)
    record.__dict__.update(extra)
    return record


def _errors(crawler: Any) -> int:
    return int(crawler.stats.get_value("log_count/ERROR", 0))


def test_each_record_counts_for_its_own_source_only(tmp_path: Path) -> None:
    router, crawlers = _router("oak", "cook", "lake", log_dir=tmp_path)
    lake_spider = Spider(name="lake")
    # Scrapy's core errors carry the spider; spider.logger lines are named after it.
    router.handle(_record("scrapy.core.scraper", logging.ERROR, "boom", spider=lake_spider))
    router.handle(_record("lake", logging.ERROR, "from lake's own logger"))
    router.handle(_record("cook.sub", logging.WARNING, "cook's child logger"))
    assert [_errors(crawlers[n]) for n in ("oak", "cook", "lake")] == [0, 0, 2]
    assert crawlers["cook"].stats.get_value("log_count/WARNING") == 1
    router.unregister("lake")
    router.unregister("cook")
    assert "boom" in (tmp_path / "lake.log").read_text()
    assert "boom" not in (tmp_path / "cook.log").read_text()


def test_context_names_the_source_of_lines_without_a_spider() -> None:
    router, crawlers = _router("oak", "cook")

    async def crawl(name: str) -> None:
        CURRENT_SOURCE.set(name)  # as the worker does for each source's task
        await asyncio.sleep(0)
        loop = asyncio.get_running_loop()
        done = loop.create_future()

        def callback() -> None:
            router.handle(_record("pipeline.stages", logging.ERROR, f"{name} failed"))
            done.set_result(None)

        # A loop callback scheduled from the source's task inherits its context.
        loop.call_soon(callback)
        await done

    async def main() -> None:
        await asyncio.gather(crawl("cook"), crawl("cook"), crawl("oak"))

    asyncio.run(main())
    assert (_errors(crawlers["oak"]), _errors(crawlers["cook"])) == (1, 2)


def test_lines_nobody_owns_are_stray_not_charged_to_anyone() -> None:
    router, crawlers = _router("oak", "cook")
    router.handle(_record("twisted", logging.ERROR, "unhandled error in a Deferred"))
    router.handle(_record("twisted", logging.INFO, "just chatter"))
    assert router.stray == {"ERROR": 1}
    assert _errors(crawlers["oak"]) == _errors(crawlers["cook"]) == 0


def test_with_one_source_everything_is_its_own() -> None:
    router, crawlers = _router("only")  # `scrapy crawl <source>`
    router.handle(_record("twisted", logging.ERROR, "unhandled error in a Deferred"))
    assert _errors(crawlers["only"]) == 1 and not router.stray


def test_lines_below_the_source_level_are_not_counted() -> None:
    router, crawlers = _router("oak")
    router.handle(_record("oak", logging.DEBUG, "Crawled (200)"))
    assert crawlers["oak"].stats.get_value("log_count/DEBUG") is None
