"""Source health: a source that goes to zero items raises exactly one alert and one recovery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.deliver.outbox import deliver
from pipeline.ingest.crawl import crawl_one
from pipeline.replay import ReplayServer
from pipeline.store.health import source_health
from pipeline.store.ledger import Ledger
from tests.fakeslack import FakeSlackServer
from tests.test_notices import bot_settings

OPS = "C0OPS00001"


def test_zero_items_alerts_once_and_recovers_once(
    tmp_path: Path, recordings_copy: Path, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_OPS_CHANNEL", OPS)
    events_file = recordings_copy / "oak_park" / "events.json"
    real_events = events_file.read_text()
    with ReplayServer(recordings_copy) as replay:
        settings = bot_settings(tmp_path, replay, slack, monkeypatch)
        assert crawl_one(settings, "demo_oak_park", 60).ok
        deliver(settings, Ledger(settings.ledger_path))
        baseline = len(slack.fake.messages)

        # The site "changes": the events list comes back empty, five runs in a row (alert_after 3).
        events_file.write_text("[]")
        for _ in range(5):
            result = crawl_one(settings, "demo_oak_park", 60)
            assert not result.ok and result.meetings == 0
            assert result.message.startswith("no meetings found: ")
        ledger = Ledger(settings.ledger_path)
        health = source_health(ledger, "demo_oak_park")
        assert health.consecutive_empty == 5 and health.alerting and health.last_success
        deliver(settings, ledger)
        alerts = [m for m in slack.fake.messages[baseline:] if m["channel"] == OPS]
        assert len(alerts) == 1
        assert "found no meetings in 3 crawls in a row" in alerts[0]["blocks"][0]["text"]["text"]

        # The site is back: one recovery, in the alert's thread; then quiet.
        events_file.write_text(real_events)
        assert crawl_one(settings, "demo_oak_park", 60).ok
        assert crawl_one(settings, "demo_oak_park", 60).ok
        deliver(settings, ledger)
        ops = [m for m in slack.fake.messages if m["channel"] == OPS]
        assert len(ops) == 2
        assert "is working again" in ops[1]["text"] and ops[1]["thread_ts"] == ops[0]["ts"]
        assert not source_health(ledger, "demo_oak_park").alerting
        ledger.close()


def test_failing_source_counts_failures(demo_env, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        crawl_one(demo_env, "demo_lake_county", 60)
    ledger = Ledger(demo_env.ledger_path)
    health = source_health(ledger, "demo_lake_county")
    assert health.consecutive_failures == 2 and health.last_success is None and not health.alerting
    assert health.last_message.startswith("ApiDisabled")
    crawl_one(demo_env, "demo_lake_county", 60)
    queued = [q.notice for q in ledger.pending()]
    assert [n.kind for n in queued] == ["source_failing"]
    assert queued[0].alert is not None and queued[0].alert.failing_runs == 3
    ledger.close()
    assert json.loads(queued[0].model_dump_json())["thread_key"] == "health:demo_lake_county"
