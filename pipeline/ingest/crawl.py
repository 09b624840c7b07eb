"""Run crawls: many sources per worker process, a few worker processes, one line per source.

The entry points for the CLI, the scheduler and the tests. `crawl_many` runs one
`pipeline.ingest.batch.BatchCrawl`: at most ``crawl_parallel`` worker processes (never more than
the machine has cores), each crawling many sources in one Scrapy process, every source with its
own timeout, errors, health and run record. Sources come from ``sources.yaml``, parsed once per
crawl here (the workers get them from this process).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from pipeline.config import check_sources
from pipeline.ingest.batch import BatchCrawl, BatchOptions, CrawlResult, child_env
from pipeline.ingest.progress import CrawlProgress
from pipeline.models import Source
from pipeline.settings import Settings

__all__ = ["CrawlResult", "child_env", "crawl_many", "crawl_one", "workers_for"]


def workers_for(settings: Settings, sources: int) -> int:
    """Worker processes for a crawl: ``crawl_parallel``, at most one per core and per source."""
    return max(1, min(settings.crawl_parallel, os.cpu_count() or 1, sources))


def crawl_many(
    settings: Settings,
    source_ids: list[str],
    on_result: Callable[[CrawlResult], None] | None = None,
    *,
    sources: list[Source] | None = None,
    stop_event: threading.Event | None = None,
    kill_event: threading.Event | None = None,
    progress: CrawlProgress | None = None,
    timeout_s: float | None = None,
) -> list[CrawlResult]:
    """Crawl the sources with these ids; results in completion order (also to `on_result`).

    `sources` saves parsing ``sources.yaml`` again when the caller has it. An id that names no
    valid, enabled source raises `KeyError`. `stop_event` ends the crawl early (the scheduler
    stopping); sources not crawled then come back with ``finish_reason`` "not crawled".
    `kill_event` ends it now (running crawls come back "interrupted"); `progress` follows it.
    """
    if sources is None:
        sources, _ = check_sources(settings.sources_path)  # a broken entry costs only itself
    by_id = {s.id: s for s in sources if s.enabled}
    missing = [sid for sid in source_ids if sid not in by_id]
    if missing:
        raise KeyError(f"unknown or disabled source(s): {', '.join(missing)}")
    chosen = [by_id[sid] for sid in dict.fromkeys(source_ids)]
    options = BatchOptions(
        workers=workers_for(settings, len(chosen)),
        timeout_s=float(timeout_s or settings.crawl_timeout_s),
    )
    batch = BatchCrawl(
        settings, chosen, options, stop_event=stop_event, kill_event=kill_event, progress=progress
    )
    return batch.run(on_result)


def crawl_one(settings: Settings, source_id: str, timeout_s: float) -> CrawlResult:
    """Crawl one source (in a worker process of its own); a failing crawl is a result, not raised."""
    [result] = crawl_many(settings, [source_id], timeout_s=timeout_s)
    return result
