"""Faults injected into one source of a crawl (tests only), through the Scrapy settings.

``AGENDA_WATCH_TEST_FAULTS`` maps a source id to what its first meeting does in the pipeline:

- ``block``: hold the event loop (a runaway parser would): ``time.sleep``;
- ``stall``: never finish, with the loop free (a lost callback would): ``asyncio.sleep``;
- ``crash``: kill the whole crawl process (a native crash would): ``SIGKILL`` to itself.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

FAULTS_SETTING = "AGENDA_WATCH_TEST_FAULTS"


class FaultStage:
    """Item pipeline stage that misbehaves for the sources named in the settings."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.faults: dict[str, str] = dict(crawler.settings.getdict(FAULTS_SETTING))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        spider = self.crawler.spider
        fault = self.faults.get(spider.name if spider else "")
        if fault == "block":
            time.sleep(120)
        elif fault == "stall":
            await asyncio.sleep(120)
        elif fault == "crash":
            os.kill(os.getpid(), signal.SIGKILL)
        return item
