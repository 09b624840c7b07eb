"""Politeness: robots.txt obeyed by default (an override needs a stated reason); we say who we
are; one request at a time per host across every source and crawl process, the delay apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import check_sources
from pipeline.demo import RECORDINGS
from pipeline.ingest.batch import BatchCrawl, BatchOptions
from pipeline.models import Source
from tests.batchsupport import Span, batch_settings, legistar_source, sites
from tests.helpers import crawl_recorded

ROUTES: list[dict[str, Any]] = [
    {"path": "/robots.txt", "file": "robots.txt", "content_type": "text/plain"},
    {
        "path": "/v1/oak-park/events",
        "query": {"$skip": "0"},
        "file": "events.json",
        "content_type": "application/json",
    },
    {
        "path": "/v1/oak-park/events/9002/eventitems",
        "file": "items.json",
        "content_type": "application/json",
    },
]


def _files() -> dict[str, Path | bytes | str]:
    events = json.loads((RECORDINGS / "oak_park" / "events.json").read_text())
    return {
        "robots.txt": "User-agent: *\nDisallow: /\n",
        "events.json": json.dumps(events[1:]),  # the Finance Committee meeting only
        "items.json": (RECORDINGS / "oak_park" / "event_9002_items.json").read_text(),
    }


def test_robots_txt_is_obeyed_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = {
        "id": "polite",
        "platform": "legistar",
        "slug": "oak-park",
        "api_url": "{{BASE}}/v1/oak-park",
    }
    run = crawl_recorded(tmp_path, monkeypatch, source, ROUTES, _files())
    assert run.requests == ["/robots.txt"]
    assert run.result.meetings == 0 and not run.result.ok
    # The run says why it found nothing: robots.txt, not an empty listing.
    assert run.result.message.startswith("blocked by robots.txt: 1 request forbidden")
    assert "no meetings found" not in run.result.message
    assert run.request_headers[0]["user-agent"].startswith("agenda-watch/")


def test_override_with_a_reason_crawls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = {
        "id": "override",
        "platform": "legistar",
        "slug": "oak-park",
        "api_url": "{{BASE}}/v1/oak-park",
        "robots_obey": False,
        "robots_reason": "The village clerk asked us to monitor; robots.txt blocks its own public agendas.",
    }
    run = crawl_recorded(tmp_path, monkeypatch, source, ROUTES, _files())
    assert "/robots.txt" not in run.requests
    assert run.result.meetings == 1 and run.result.items == 3


def test_override_without_a_reason_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - {id: x, name: X, jurisdiction: X, platform: legistar, slug: x, robots_obey: false}\n"
    )
    sources, problems = check_sources(path)
    assert not sources and [(p.line, p.field, p.message) for p in problems] == [
        (2, "robots_obey", "false needs robots_reason: why ignoring robots.txt is right")
    ]
    path.write_text(path.read_text().replace("false}", "false, robots_reason: because}"))
    _, problems = check_sources(path)
    assert [(p.field, p.message) for p in problems] == [
        ("robots_reason", "too short: say why ignoring robots.txt is right here")
    ]


DELAY = 0.25


def _five_on_one_host(bases: dict[str, str]) -> list[Source]:
    return [legistar_source(f"same_host_{n}", bases["127.0.0.2"]) for n in range(5)]


def _assert_polite(spans: list[Span], requests: int) -> None:
    """Never two requests at once, and at least DELAY between one's end and the next's start."""
    assert len(spans) == requests
    for prev, nxt in zip(spans, spans[1:], strict=False):
        assert nxt.start >= prev.end, f"overlap: {prev.path} and {nxt.path}"
        assert nxt.start - prev.end >= DELAY - 0.01, (prev.path, nxt.path, nxt.start - prev.end)


def test_five_sources_on_one_host_in_five_processes_take_turns(tmp_path: Path) -> None:
    """Five crawl processes at once (as if the planner did not know they share a host)."""
    settings = batch_settings(tmp_path)
    options = BatchOptions(
        workers=5, concurrency=5, timeout_s=60, scrapy_settings={"DOWNLOAD_DELAY": DELAY}
    )
    with sites(["127.0.0.2"], hold_s=0.05) as (bases, log):
        batch = BatchCrawl(settings, _five_on_one_host(bases), options, hosts=lambda s: [s.id])
        assert len(batch.bins) == 5
        results = batch.run()
    assert len(results) == 5 and all(r.ok and r.items == 10 for r in results)
    _assert_polite(log.sorted(), 5 * 4)  # robots.txt, events, two agendas per source


def test_five_sources_on_one_host_in_one_process_take_turns(tmp_path: Path) -> None:
    settings = batch_settings(tmp_path)
    options = BatchOptions(
        workers=2, concurrency=5, timeout_s=60, scrapy_settings={"DOWNLOAD_DELAY": DELAY}
    )
    with sites(["127.0.0.2"], hold_s=0.05) as (bases, log):
        batch = BatchCrawl(settings, _five_on_one_host(bases), options)
        assert len(batch.bins) == 1  # the planner put the host's sources together
        results = batch.run()
    assert len(results) == 5 and all(r.ok and r.items == 10 for r in results)
    _assert_polite(log.sorted(), 5 * 4)
