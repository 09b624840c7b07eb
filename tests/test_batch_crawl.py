"""Many sources, one crawl process: each source's errors, timeouts, health and run are its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.ingest.batch import BatchCrawl, BatchOptions, CrawlResult, child_env
from pipeline.models import Source
from pipeline.settings import Settings
from pipeline.store.files import JsonStore
from pipeline.store.health import source_health
from pipeline.store.ledger import Ledger
from spiders.settings import ITEM_PIPELINES
from tests.batchsupport import batch_settings, legistar_source, sites
from tests.conftest import ROOT

HOSTS = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]
# A setting replaces the project's dict as a whole: keep the real stages after the fault.
FAULTY = {"ITEM_PIPELINES": {**ITEM_PIPELINES, "tests.crawlfaults.FaultStage": 50}}


def _four_sources(bases: dict[str, str]) -> list[Source]:
    return [
        legistar_source("oak", bases["127.0.0.2"]),
        legistar_source("broken", bases["127.0.0.3"], slug="lakecounty"),
        legistar_source("cook", bases["127.0.0.4"], slug="cook-county"),
        legistar_source("oak_again", bases["127.0.0.5"]),
    ]


def _crawl(settings: Settings, sources: list[Source], **options: object) -> dict[str, CrawlResult]:
    opts = BatchOptions(**{"workers": 1, "concurrency": 4, "timeout_s": 60, **options})  # type: ignore[arg-type]
    return {r.source: r for r in BatchCrawl(settings, sources, opts).run()}


def test_a_broken_source_among_many_costs_only_itself(tmp_path: Path) -> None:
    settings = batch_settings(tmp_path)
    with sites(HOSTS, hold_s=0.1) as (bases, log):
        results = _crawl(settings, _four_sources(bases))
    # The four crawls overlapped in one process: the broken one's errors were logged while the
    # others were running.
    spans = log.sorted()
    broken = [s for s in spans if "lakecounty" in s.path]
    assert any(
        s.start < b.end and b.start < s.end for b in broken for s in spans if s.host != b.host
    )

    for good, counts in (("oak", (2, 10, 2)), ("cook", (2, 7, 3)), ("oak_again", (2, 10, 2))):
        result = results[good]
        assert result.ok and result.errors == 0, result.line()
        assert (result.meetings, result.items, result.matches) == counts
    bad = results["broken"]
    assert not bad.ok and bad.meetings == 0 and bad.errors >= 1
    assert bad.message.startswith(
        "ApiDisabled: Legistar Web API is disabled for client 'lakecounty'"
    )

    ledger = Ledger(settings.ledger_path)
    try:
        for source, result in results.items():
            row = ledger.run(result.run_id)
            assert row is not None and row["source"] == source and row["errors"] == result.errors
        assert source_health(ledger, "broken").consecutive_failures == 1
        for good in ("oak", "cook", "oak_again"):
            health = source_health(ledger, good)
            assert health.consecutive_failures == 0 and health.last_success is not None
    finally:
        ledger.close()
    # Each source's log holds its own lines only.
    logs = {s: (settings.data_dir / "logs" / f"{s}.log").read_text() for s in results}
    assert "ApiDisabled" in logs["broken"]
    assert not any("ApiDisabled" in logs[s] or "lakecounty" in logs[s] for s in ("oak", "cook"))
    assert "'agenda_watch/matches': 3" in logs["cook"]  # its own stats dump
    assert "'agenda_watch/matches': 2" in logs["oak"] and logs["oak"].count("Spider closed") == 1
    assert JsonStore(settings.data_dir).read("cook/20261210/9101").body


def test_a_source_that_blocks_the_process_is_blamed_alone(tmp_path: Path) -> None:
    settings = batch_settings(tmp_path)
    faults = {**FAULTY, "AGENDA_WATCH_TEST_FAULTS": {"oak_again": "block"}}
    with sites(HOSTS, hold_s=0.2) as (bases, _):
        results = _crawl(
            settings,
            _four_sources(bases),
            stall_s=4,
            hang_after_s=1.5,
            scrapy_settings=faults,
        )
    hung = results["oak_again"]
    assert hung.finish_reason == "timeout" and not hung.ok
    assert "unresponsive" in hung.message
    assert results["oak"].ok and results["cook"].ok
    assert (results["oak"].meetings, results["cook"].meetings) == (2, 2)
    assert results["broken"].message.startswith("ApiDisabled")


def test_a_source_that_crashes_the_process_is_found_and_blamed_alone(tmp_path: Path) -> None:
    settings = batch_settings(tmp_path)
    faults = {**FAULTY, "AGENDA_WATCH_TEST_FAULTS": {"cook": "crash"}}
    with sites(HOSTS) as (bases, _):
        results = _crawl(settings, _four_sources(bases), scrapy_settings=faults)
    crashed = results["cook"]
    assert crashed.finish_reason == "crashed" and not crashed.ok
    assert "signal SIGKILL" in crashed.message
    assert results["oak"].ok and results["oak_again"].ok
    assert (results["oak"].items, results["oak_again"].items) == (10, 10)
    assert results["broken"].message.startswith("ApiDisabled")


def test_a_source_past_its_timeout_is_abandoned_without_stopping_the_others(
    tmp_path: Path,
) -> None:
    settings = batch_settings(tmp_path)
    faults = {**FAULTY, "AGENDA_WATCH_TEST_FAULTS": {"oak": "stall"}}
    with sites(HOSTS) as (bases, _):
        results = _crawl(
            settings, _four_sources(bases), timeout_s=3, grace_s=2, scrapy_settings=faults
        )
    stuck = results["oak"]
    assert stuck.finish_reason == "timeout" and not stuck.ok
    assert stuck.message == "still running 5 s after its start"
    assert results["cook"].ok and results["oak_again"].ok


def test_sources_sharing_a_host_share_a_worker_and_take_turns(tmp_path: Path) -> None:
    settings = batch_settings(tmp_path)
    with sites(["127.0.0.2", "127.0.0.3"], hold_s=0.05) as (bases, log):
        sources = [
            legistar_source("a", bases["127.0.0.2"]),
            legistar_source("b", bases["127.0.0.2"], slug="cook-county"),
            legistar_source("c", bases["127.0.0.3"]),
        ]
        batch = BatchCrawl(settings, sources, BatchOptions(workers=2, timeout_s=60))
        assert sorted(sorted(s.id for s in b.sources) for b in batch.bins) == [["a", "b"], ["c"]]
        results = {r.source: r for r in batch.run()}
    assert all(r.ok for r in results.values())
    shared = [s for s in log.sorted() if s.host == "127.0.0.2"]
    assert all(nxt.start >= prev.end for prev, nxt in zip(shared, shared[1:], strict=False))


def test_a_source_whose_spider_cannot_be_built_fails_alone(tmp_path: Path) -> None:
    settings = batch_settings(tmp_path)
    with sites(HOSTS[:2]) as (bases, _):
        sources = [
            legistar_source("fine", bases["127.0.0.2"]),
            legistar_source("misconfigured", bases["127.0.0.3"], options={"mdoe": "web"}),
        ]
        results = _crawl(settings, sources)
    assert results["fine"].ok and results["fine"].items == 10
    bad = results["misconfigured"]
    assert bad.finish_reason == "crashed" and bad.errors == 1
    assert bad.message.startswith("ValidationError: 1 validation error for LegistarOptions")


@pytest.mark.engine  # `scrapy crawl` in a child process
def test_scrapy_crawl_still_runs_one_source_and_counts_its_errors(demo_env: Settings) -> None:
    env = {**child_env(demo_env), "AGENDA_WATCH_DOWNLOAD_DELAY": "0"}
    for source in ("demo_oak_park", "demo_lake_county"):
        done = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", source, "-s", "LOG_LEVEL=WARNING"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    ledger = Ledger(demo_env.ledger_path)
    try:
        good, bad = (
            source_health(ledger, "demo_oak_park"),
            source_health(ledger, "demo_lake_county"),
        )
    finally:
        ledger.close()
    assert good.last_success and good.last_meetings == 2 and good.last_items == 10
    assert bad.consecutive_failures == 1 and bad.last_message.startswith("ApiDisabled")
    assert JsonStore(demo_env.data_dir).read("demo_oak_park/20261208/9001").documents[0].pages == 2
