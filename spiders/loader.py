"""Builds one Scrapy spider per configured source, so `scrapy list` shows the sources."""

from __future__ import annotations

import builtins
import logging
from typing import TYPE_CHECKING

from pipeline.config import check_sources
from pipeline.settings import Paths
from spiders.base import AgendaSpider
from spiders.registry import platform_spiders

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.settings import BaseSettings

    from pipeline.models import Source

logger = logging.getLogger(__name__)


def spider_class_for(source: Source) -> type[AgendaSpider]:
    """A spider class bound to `source`, named after the source id."""
    base = platform_spiders()[source.platform].variant_for(source)
    attrs: dict[str, object] = {"name": source.id, "source": source, "__module__": base.__module__}
    if not source.robots_obey:
        # Allowed only with a stated reason (check-config enforces it); logged at crawl start.
        attrs["custom_settings"] = {**(base.custom_settings or {}), "ROBOTSTXT_OBEY": False}
    return type(f"{base.__name__}_{source.id}", (base,), attrs)


class SourceSpiderLoader:
    """Scrapy spider loader reading ``sources.yaml`` from the ``AGENDA_WATCH_CONFIG_DIR`` setting.

    Broken entries are logged with their file, entry and field and left out; the rest still load,
    so one typo never stops every source.
    """

    def __init__(self, settings: BaseSettings) -> None:
        sources, problems = check_sources(Paths.from_scrapy(settings).sources_path)
        for problem in problems:
            logger.error("config: %s", problem)
        self._spiders = {
            s.id: spider_class_for(s)
            for s in sources
            if s.enabled and s.platform in platform_spiders()
        }

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        """Scrapy's factory."""
        return cls(settings)

    def load(self, spider_name: str) -> type[Spider]:
        """The spider for a source id; `KeyError` when unknown or disabled."""
        try:
            return self._spiders[spider_name]
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name}") from None

    def list(self) -> list[str]:
        """Ids of the enabled sources."""
        return sorted(self._spiders)

    def find_by_request(self, request: Request) -> builtins.list[str]:
        """Sources whose spider would handle this request."""
        return [name for name, cls in self._spiders.items() if cls.handles_request(request)]
