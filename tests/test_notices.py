"""Change detection and Slack delivery: real crawls, real SQLite, real slack-sdk against a fake Slack."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from pipeline.deliver.outbox import deliver
from pipeline.ingest.crawl import crawl_one
from pipeline.replay import ReplayServer
from pipeline.settings import Settings
from pipeline.store.ledger import Ledger
from tests.conftest import make_settings
from tests.fakeslack import VALID_TOKEN, FakeSlackServer

CHANNEL = "C0AGENDA01"


def bot_settings(
    tmp_path: Path,
    replay: ReplayServer | None,
    slack: FakeSlackServer,
    monkeypatch: pytest.MonkeyPatch,
    token: str = VALID_TOKEN,
) -> Settings:
    """Bot-mode settings against the fake Slack; sources on `replay` (None: no crawls)."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", token)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.setenv("SLACK_CHANNEL", CHANNEL)
    return make_settings(
        tmp_path, replay.base_url if replay else "http://127.0.0.1:9/", monkeypatch
    )


def run_deliver(settings: Settings):  # type: ignore[no-untyped-def]
    ledger = Ledger(settings.ledger_path)
    try:
        return deliver(settings, ledger)
    finally:
        ledger.close()


def edit_items(recordings: Path, folder: str, event_id: int, change) -> None:  # type: ignore[no-untyped-def]
    path = recordings / folder / f"event_{event_id}_items.json"
    rows = json.loads(path.read_text())
    change(rows)
    path.write_text(json.dumps(rows))


def test_rerun_queues_nothing_and_a_changed_item_follows_up_in_the_thread(
    tmp_path: Path, recordings_copy: Path, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ReplayServer(recordings_copy) as replay:
        settings = bot_settings(tmp_path, replay, slack, monkeypatch)
        first = crawl_one(settings, "demo_cook_county", 60)
        assert first.notices == 1
        report = run_deliver(settings)
        assert (report.sent, report.failed, report.pending) == (1, 0, 0)
        [parent] = slack.fake.messages
        assert parent["channel"] == CHANNEL and parent["thread_ts"] is None
        # Three relevant items of the Board meeting, each with number, title and matched words.
        text = json.dumps(parent["blocks"])
        for number in ("25-4456", "25-4470", "25-4511"):
            assert f"*{number}*" in text
        assert "Ice Miller" not in text and "Migratory" not in text
        assert "Matched *ICE*" in text or ", *ICE*" in text  # matched words in bold
        assert parent["params"]["unfurl_links"] is False
        assert "link_names" not in parent["params"] and "parse" not in parent["params"]

        # Unchanged pages: nothing new.
        again = crawl_one(settings, "demo_cook_county", 60)
        assert again.notices == 0
        assert run_deliver(settings).sent == 0

        # The ICE-funding item is amended: one follow-up, in the meeting's thread.
        edit_items(
            recordings_copy,
            "cook_county",
            9101,
            lambda rows: rows[1].update(EventItemTitle=rows[1]["EventItemTitle"] + " (AS AMENDED)"),
        )
        changed = crawl_one(settings, "demo_cook_county", 60)
        assert changed.notices == 1
        assert run_deliver(settings).sent == 1
        follow_up = slack.fake.messages[-1]
        assert follow_up["thread_ts"] == parent["ts"]
        assert "Update: relevant items changed" in follow_up["blocks"][0]["text"]["text"]
        assert "(AS AMENDED)" in json.dumps(follow_up["blocks"])

        # The meeting is cancelled: another follow-up in the same thread.
        events = json.loads((recordings_copy / "cook_county" / "events.json").read_text())
        events[0]["EventAgendaStatusName"] = "Canceled"
        (recordings_copy / "cook_county" / "events.json").write_text(json.dumps(events))
        crawl_one(settings, "demo_cook_county", 60)
        run_deliver(settings)
        cancelled = slack.fake.messages[-1]
        assert cancelled["thread_ts"] == parent["ts"]
        body = json.dumps(cancelled["blocks"])
        assert "Status: scheduled \\u2192 cancelled" in body and "CANCELLED" in body
    assert len(slack.fake.messages) == 3


def test_hostile_text_arrives_inert(
    tmp_path: Path,
    recordings_copy: Path,
    slack: FakeSlackServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hostile = "<!channel> asylum seekers shelter <@U123> & <http://evil.example|click> @here"
    edit_items(
        recordings_copy, "oak_park", 9001, lambda rows: rows[2].update(EventItemTitle=hostile)
    )
    caplog.set_level(logging.DEBUG)
    with ReplayServer(recordings_copy) as replay:
        settings = bot_settings(tmp_path, replay, slack, monkeypatch)
        crawl_one(settings, "demo_oak_park", 60)
        run_deliver(settings)
    [msg] = slack.fake.messages
    payload = json.dumps({"text": msg["text"], "blocks": msg["blocks"]}, ensure_ascii=False)
    assert "&lt;!channel&gt;" in payload and "&lt;@U123&gt;" in payload
    assert (
        "&lt;http://evil.example¦click&gt;" in payload
    )  # "|" cannot split our link and " &amp; " in payload
    assert (
        "<!channel>" not in payload and "<@U123>" not in payload and "<http://evil" not in payload
    )
    assert "@here" not in payload  # broken with a word joiner
    assert VALID_TOKEN not in caplog.text
    ledger_bytes = Path(settings.ledger_path).read_bytes()
    assert VALID_TOKEN.encode() not in ledger_bytes


def test_rate_limit_honours_retry_after_and_5xx_is_retried(
    tmp_path: Path, replay: ReplayServer, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = bot_settings(tmp_path, replay, slack, monkeypatch)
    crawl_one(settings, "demo_oak_park", 60)
    slack.fake.fail("chat.postMessage", 429, "ratelimited", {"Retry-After": "1"}, times=1)
    slack.fake.fail("chat.postMessage", 500, "internal_error", times=1)
    started = time.monotonic()
    report = run_deliver(settings)
    assert report.sent == 1 and report.pending == 0
    posts = [t for m, t in slack.fake.calls if m == "chat.postMessage"]
    assert len(posts) == 3  # 429, then 500, then success
    assert posts[1] - posts[0] >= 1.0  # waited for Retry-After
    assert time.monotonic() - started >= 1.0
    assert len(slack.fake.messages) == 1


def test_outage_keeps_notices_queued_for_the_next_run(
    tmp_path: Path, replay: ReplayServer, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = bot_settings(tmp_path, replay, slack, monkeypatch)
    crawl_one(settings, "demo_oak_park", 60)
    crawl_one(settings, "demo_cook_county", 60)
    slack.fake.fail("chat.postMessage", 500, "internal_error", times=10)
    report = run_deliver(settings)
    assert report.sent == 0 and report.pending == 2 and report.errors
    assert slack.fake.messages == []
    slack.fake.failures.clear()
    report = run_deliver(settings)
    assert report.sent == 2 and report.pending == 0
    assert sorted(m["metadata"]["event_payload"]["thread_key"] for m in slack.fake.messages) == [
        "demo_cook_county/legistar:9101",  # Legistar's EventId keys the thread (survives moves)
        "demo_oak_park/legistar:9001",
    ]


def test_invalid_auth_is_reported_without_the_token(
    tmp_path: Path,
    replay: ReplayServer,
    slack: FakeSlackServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bad = "xoxb-wrong-token-value-42"
    settings = bot_settings(tmp_path, replay, slack, monkeypatch, token=bad)
    crawl_one(settings, "demo_oak_park", 60)
    caplog.set_level(logging.DEBUG)
    report = run_deliver(settings)
    assert report.sent == 0 and report.pending == 1
    assert report.errors and "invalid_auth" in report.errors[0]
    assert bad not in caplog.text and bad not in report.summary()
    assert bad.encode() not in Path(settings.ledger_path).read_bytes()


def test_webhook_mode_posts_once_and_reports_http_errors(
    tmp_path: Path, replay: ReplayServer, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", slack.webhook_url)
    settings = make_settings(tmp_path, replay.base_url, monkeypatch)
    crawl_one(settings, "demo_oak_park", 60)
    slack.fake.fail("webhook", 404, times=1)
    report = run_deliver(settings)
    assert report.sent == 0 and report.pending == 1 and "HTTP 404" in report.errors[0]
    assert "secretpath" not in report.summary()
    report = run_deliver(settings)
    assert report.sent == 1 and len(slack.fake.webhook_posts) == 1
    assert run_deliver(settings).sent == 0


def test_file_sink_writes_each_message_once(demo_env: Settings) -> None:
    crawl_one(demo_env, "demo_oak_park", 60)
    report = run_deliver(demo_env)
    assert report.mode == "file" and report.sent == 1
    [path] = list((demo_env.data_dir / "outbox").glob("*.json"))
    payload = json.loads(path.read_text())
    assert payload["metadata"]["event_payload"]["thread_key"] == "demo_oak_park/legistar:9001"
    assert "Tue Dec 8, 2026 7:00 PM CST" in payload["blocks"][0]["text"]["text"]
    assert run_deliver(demo_env).sent == 0


def test_rescheduled_meeting_is_a_follow_up_in_its_thread(
    tmp_path: Path, recordings_copy: Path, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Legistar keeps the EventId when a meeting moves: same thread, one follow-up, one document."""
    events_file = recordings_copy / "cook_county" / "events.json"
    with ReplayServer(recordings_copy) as replay:
        settings = bot_settings(tmp_path, replay, slack, monkeypatch)
        crawl_one(settings, "demo_cook_county", 60)
        run_deliver(settings)
        [parent] = slack.fake.messages
        events = json.loads(events_file.read_text())
        events[0]["EventDate"] = "2026-12-17T00:00:00"  # EventId 9101 moves a week later
        events_file.write_text(json.dumps(events))
        moved = crawl_one(settings, "demo_cook_county", 60)
        assert moved.notices == 1
        run_deliver(settings)
    follow_up = slack.fake.messages[-1]
    assert len(slack.fake.messages) == 2 and follow_up["thread_ts"] == parent["ts"]
    body = json.dumps(follow_up["blocks"], ensure_ascii=False)
    assert "Start: 2026-12-10T11:00:00-06:00 → 2026-12-17T11:00:00-06:00" in body
    assert "Thu Dec 17, 2026 11:00 AM CST" in body
    stored = sorted(
        p.name for p in (settings.data_dir / "meetings" / "demo_cook_county").glob("*.json")
    )
    assert stored == ["20261201-9102.json", "20261217-9101.json"]  # the old date's file is gone
