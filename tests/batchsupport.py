"""Helpers for crawls of many sources: timed replay servers on distinct loopback hosts."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.demo import RECORDINGS, replay_hosts
from pipeline.models import Source
from pipeline.replay import ReplayServer
from pipeline.settings import Settings
from tests.conftest import TOPICS


@dataclass
class Span:
    host: str
    path: str
    start: float
    end: float


@dataclass
class SpanLog:
    spans: list[Span] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sorted(self) -> list[Span]:
        with self.lock:
            return sorted(self.spans, key=lambda s: s.start)


class TimedReplay(ReplayServer):
    """A replay server that takes `hold_s` per answer and logs when each one began and ended."""

    def __init__(self, root: Path, log: SpanLog, host: str, hold_s: float) -> None:
        super().__init__(root, host=host)
        self.log = log
        self.host = host
        self.hold_s = hold_s

    def _respond(
        self, method: str, raw_path: str, body: bytes
    ) -> tuple[int, str, dict[str, str], bytes]:
        start = time.monotonic()
        time.sleep(self.hold_s)
        answer = super()._respond(method, raw_path, body)
        with self.log.lock:
            self.log.spans.append(Span(self.host, raw_path, start, time.monotonic()))
        return answer


@contextmanager
def sites(
    hosts: list[str], hold_s: float = 0.0, root: Path = RECORDINGS
) -> Iterator[tuple[dict[str, str], SpanLog]]:
    """Recordings (the demo's by default) served on each loopback host; host → base URL, log."""
    log = SpanLog()
    with ExitStack() as stack:
        bases = {
            host: stack.enter_context(TimedReplay(root, log, host, hold_s)).base_url
            for host in hosts
        }
        yield bases, log


def legistar_source(source_id: str, base: str, slug: str = "oak-park", **extra: Any) -> Source:
    """A Legistar API source on a replayed demo client (oak-park, cook-county, lakecounty)."""
    entry = {
        "id": source_id,
        "name": source_id,
        "jurisdiction": "Test jurisdiction, IL",
        "platform": "legistar",
        "slug": slug,
        "api_url": f"{base}/v1/{slug}",
        "fetch_documents": False,
        **extra,
    }
    return Source.model_validate(entry)


def batch_settings(tmp_path: Path, documents_from: str = "") -> Settings:
    """Settings with a fresh data dir and a config dir holding only topics.yaml.

    No sources.yaml on purpose: the worker gets its sources from the parent, parsed once.
    `documents_from`: the base URL of the replay that answers for the recordings' public sites
    (their agenda PDFs link the public document host).
    """
    config = tmp_path / "config"
    config.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(TOPICS, config / "topics.yaml")
    return Settings(
        AGENDA_WATCH_DATA_DIR=tmp_path / "data",
        AGENDA_WATCH_CONFIG_DIR=config,
        AGENDA_WATCH_REPLAY_HOSTS=replay_hosts(documents_from) if documents_from else "",
    )
