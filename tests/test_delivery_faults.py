"""Delivery against a Slack that refuses, fails, stalls and rate-limits: real slack-sdk, real
SQLite, the local fake Slack (tests/fakeslack.py). One bad notice costs that notice; a sick
Slack is not hammered; a lost answer never becomes a second post.

The queued notices here are built, not crawled (each names a meeting like the models' example),
except in the removed-items test, which crawls the demo recordings.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import main
from pipeline.clock import utcnow
from pipeline.deliver import outbox
from pipeline.deliver.outbox import DeliveryPolicy, DeliveryReport, deliver
from pipeline.ingest.crawl import crawl_one
from pipeline.models import Classification, Notice, NoticeKind, example_meeting
from pipeline.replay import ReplayServer
from pipeline.settings import Settings
from pipeline.store.ledger import Ledger
from pipeline.store.ledger import outbox as ledger_outbox  # the clock of leases and pauses
from tests.conftest import make_settings
from tests.fakeslack import VALID_TOKEN, FakeSlackServer
from tests.test_notices import bot_settings, edit_items

OPS = "C0OPS00001"
# Every test here runs twice: on the SQLite ledger and on a PostgreSQL one (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("ledger_backend")
RELEVANT = Classification(relevant=True, score=3.0, topics=["welcoming_ordinance"])


def slack_settings(
    tmp_path: Path,
    slack: FakeSlackServer,
    monkeypatch: pytest.MonkeyPatch,
    token: str = VALID_TOKEN,
) -> Settings:
    """Bot mode with an ops channel; no sources to crawl."""
    monkeypatch.setenv("SLACK_OPS_CHANNEL", OPS)
    return bot_settings(tmp_path, None, slack, monkeypatch, token)


def meeting_notice(
    n: int, title: str = "", kind: NoticeKind = "new_matches", thread: str = ""
) -> Notice:
    """A notice about meeting `n` with one relevant item (`title`)."""
    base = example_meeting()
    mid = f"oak_park/20261201/{n}"
    item = base.items[0].model_copy(
        update={
            "id": f"{mid}/1",
            "title": title or f"Welcoming Village Ordinance amendment {n}",
            "classification": RELEVANT,
        }
    )
    meeting = base.model_copy(update={"id": mid, "items": [item]})
    return Notice(
        id=f"{thread or mid}#{kind}-{n}",
        kind=kind,
        thread_key=thread or mid,
        source="oak_park",
        meeting=meeting,
        created_at=utcnow(),
    )


def queue(settings: Settings, *notices: Notice) -> list[int]:
    """Queue `notices`; their outbox row numbers."""
    ledger = Ledger(settings.ledger)
    try:
        for n in notices:
            assert ledger.queue_notice(n)
        return [r.row_id for r in ledger.pending()][-len(notices) :]
    finally:
        ledger.close()


def run(settings: Settings, policy: DeliveryPolicy | None = None) -> DeliveryReport:
    ledger = Ledger(settings.ledger)
    try:
        return deliver(settings, ledger, policy=policy)
    finally:
        ledger.close()


def counts(settings: Settings) -> dict[str, int]:
    ledger = Ledger(settings.ledger)
    try:
        return ledger.counts()
    finally:
        ledger.close()


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def posted_titles(slack: FakeSlackServer) -> list[str]:
    return [m["text"] for m in slack.fake.messages]


def test_a_poison_notice_first_costs_only_itself_and_is_alerted_once(
    tmp_path: Path, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = slack_settings(tmp_path, slack, monkeypatch)
    slack.fake.reject(lambda p: "Poison" in json.dumps(p.get("blocks")), "invalid_blocks")
    poison = meeting_notice(1, title="Poison welcoming ordinance")
    follow_up = meeting_notice(1, kind="items_added", thread=poison.thread_key)
    others = [meeting_notice(n) for n in range(2, 8)]
    [poison_row, *_] = queue(settings, poison, follow_up, *others)

    report = run(settings)
    assert (report.sent, report.dead, report.pending) == (8, 1, 0)  # 6 + follow-up + alert
    assert counts(settings) == {"sent": 8, "dead": 1}
    # Every other notice arrived, the poison's follow-up too (it opened the thread instead).
    ids = slack.fake.notice_ids()
    assert sorted(ids[:-1]) == sorted([follow_up.id] + [n.id for n in others])
    [alert] = [m for m in slack.fake.messages if m["channel"] == OPS]
    text = json.dumps(alert["blocks"])
    assert f"#{poison_row} new_matches from oak_park: Slack said invalid_blocks" in text
    assert "agenda-watch notices --retry ROW" in text

    listed = cli("notices", "--dead")
    assert listed.exit_code == 0
    assert "queued: 0, inflight: 0, sent: 8, dead: 1" in listed.stdout
    assert f"#{poison_row:<6} dead" in listed.stdout and "invalid_blocks" in listed.stdout

    assert run(settings).sent == 0  # nothing new, and no second alert
    assert len([m for m in slack.fake.messages if m["channel"] == OPS]) == 1

    # Fixed (Slack takes it now): retried from the list, it is delivered, and no alert follows.
    slack.fake.rejections.clear()
    retried = cli("notices", "--retry", str(poison_row))
    assert retried.exit_code == 0 and f"#{poison_row} queued again" in retried.stdout
    assert cli("notices", "--retry", str(poison_row)).exit_code == 1  # not dead any more
    assert run(settings).sent == 1
    assert slack.fake.notice_ids().count(poison.id) == 1
    assert counts(settings) == {"sent": 9}


# SQLite only: it writes an old payload into the file itself, as an older version left it.
@pytest.mark.parametrize("ledger_backend", ["sqlite"], indirect=True)
def test_notices_that_no_longer_decode_or_render_are_dead_and_the_rest_flow(
    tmp_path: Path, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = slack_settings(tmp_path, slack, monkeypatch)
    stored_9999 = meeting_notice(1)
    no_meeting = meeting_notice(2).model_copy(update={"meeting": None})  # cannot render
    rows = queue(settings, stored_9999, no_meeting, meeting_notice(3))
    # A payload stored before dates were checked: the Legistar placeholder 9999-12-31 11:30 PM.
    raw = sqlite3.connect(settings.ledger_path)
    [(text,)] = raw.execute("SELECT payload FROM notices WHERE id = ?", (rows[0],)).fetchall()
    payload = json.loads(text)
    payload["meeting"]["start"] = "9999-12-31T23:30:00-06:00"
    raw.execute("UPDATE notices SET payload = ? WHERE id = ?", (json.dumps(payload), rows[0]))
    raw.commit()
    raw.close()

    report = run(settings)
    assert (report.sent, report.dead) == (2, 2)  # the good notice and the alert
    listed = cli("notices", "--dead").stdout
    assert "payload no longer validates: meeting.start: date 9999-12-31T23:30:00-06:00" in listed
    assert "render error: AssertionError" in listed
    [alert] = [m for m in slack.fake.messages if m["channel"] == OPS]
    assert "2 notice(s) could not be delivered" in alert["text"]


@pytest.mark.engine  # waits out real Slack timeouts
def test_a_late_answer_is_one_post_however_often_delivery_reruns(
    tmp_path: Path, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack takes the post but answers after the client gave up (timeout), or never answers."""
    monkeypatch.setenv("SLACK_TIMEOUT", "1")
    settings = slack_settings(tmp_path, slack, monkeypatch)
    queue(settings, meeting_notice(1), meeting_notice(2), meeting_notice(3))
    slack.fake.answer_delay_s = 2.0  # stored at once, answered after the 1 s timeout

    first = run(settings)
    # Two unknown outcomes in a row: the run stops (the third notice waits); nothing re-queued.
    assert (first.sent, first.uncertain, first.failed) == (0, 2, 0)
    assert counts(settings) == {"inflight": 2, "queued": 1}
    slack.fake.answer_delay_s = 0.0
    for _ in range(3):  # reruns before the answers could have settled: no second post
        assert run(settings).reconciled == 0
    assert counts(settings) == {"inflight": 2, "sent": 1}
    later(monkeypatch, DeliveryPolicy().settle)  # the settle time has passed
    settled = run(settings)
    assert settled.reconciled == 2 and settled.sent == 0 and settled.pending == 0
    for _ in range(3):
        assert run(settings).sent == 0
    ids = slack.fake.notice_ids()
    assert len(ids) == 3 and len(set(ids)) == 3

    # The same when the connection closes with no answer at all.
    slack.fake.drop_answers = 1
    queue(settings, meeting_notice(4))
    lost = run(settings)
    assert lost.uncertain == 1 and counts(settings)["inflight"] == 1
    assert run(settings).reconciled == 0
    later(monkeypatch, 2 * DeliveryPolicy().settle)
    assert run(settings).reconciled == 1
    assert slack.fake.notice_ids().count(meeting_notice(4).id) == 1


def later(monkeypatch: pytest.MonkeyPatch, by: timedelta) -> None:
    """Move the outbox's and the ledger's clocks `by` (plus a second) past the real one."""

    def moved() -> datetime:
        return datetime.now(UTC) + by + timedelta(seconds=1)

    monkeypatch.setattr(outbox, "utcnow", moved)
    monkeypatch.setattr(ledger_outbox, "utcnow", moved)


@pytest.mark.engine  # waits out real Slack timeouts
def test_an_outage_stops_delivery_after_two_notices(
    tmp_path: Path, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = slack_settings(tmp_path, slack, monkeypatch)
    queue(settings, *[meeting_notice(n) for n in range(1, 11)])
    slack.fake.flaky("chat.postMessage", 1.0, 503, "service_unavailable")
    report = run(settings)
    # The first notice (with two retries), then one other to tell "this notice" from "Slack".
    assert slack.fake.post_calls() == 6
    assert (report.sent, report.failed, report.dead, report.pending) == (0, 2, 0, 10)
    assert counts(settings) == {"queued": 10}
    slack.fake.flakes.clear()
    assert run(settings).sent == 10


def test_a_rate_limit_pauses_every_deliverer_until_retry_after(
    tmp_path: Path, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = slack_settings(tmp_path, slack, monkeypatch)
    queue(settings, *[meeting_notice(n) for n in range(1, 6)])
    slack.fake.fail("chat.postMessage", 429, "ratelimited", {"Retry-After": "120"}, times=1)
    report = run(settings)
    assert slack.fake.post_calls() == 1 and report.failed == 1 and report.pending == 5
    # Another process (the CLI) honours the pause: no call at all.
    out = cli("deliver")
    assert out.exit_code == 1 and "paused until" in out.stdout and "ratelimited" in out.stdout
    assert slack.fake.post_calls() == 1
    # A person may insist; the notices then go, each once.
    assert run(settings, DeliveryPolicy(ignore_pause=True)).sent == 5
    assert len(set(slack.fake.notice_ids())) == 5


def test_an_auth_error_stops_at_the_first_call_and_kills_nothing(
    tmp_path: Path, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = slack_settings(tmp_path, slack, monkeypatch, token="xoxb-revoked-0000")
    queue(settings, *[meeting_notice(n) for n in range(1, 6)])
    report = run(settings)
    assert len(slack.fake.calls) == 1 and report.errors[0].endswith("Slack said invalid_auth")
    assert (report.dead, report.failed, report.pending) == (0, 1, 5)
    assert run(settings).dead == 0 and len(slack.fake.calls) == 2  # one call per run, no more


def test_a_notice_slack_keeps_failing_on_dies_while_the_others_flow(
    tmp_path: Path, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexplained error for one notice only: the next notice gets through, so it is that
    notice's failure; after `max_attempts` such failures it is dead."""
    settings = slack_settings(tmp_path, slack, monkeypatch)
    slack.fake.reject(lambda p: "Stubborn" in json.dumps(p.get("blocks")), "internal_error")
    [stubborn, *_] = queue(
        settings, meeting_notice(1, title="Stubborn ordinance"), meeting_notice(2)
    )
    policy = DeliveryPolicy(max_attempts=2)
    first = run(settings, policy)
    assert (first.sent, first.failed, first.dead) == (1, 1, 0)
    queue(settings, meeting_notice(3))
    second = run(settings, policy)
    assert (second.sent, second.dead) == (2, 1)  # notice 3, and the alert about the stubborn one
    listed = cli("notices", "--dead").stdout
    assert f"#{stubborn:<6} dead" in listed and "failed 2 times while others got through" in listed


def test_a_channel_slack_does_not_know_costs_that_notice(
    tmp_path: Path, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = slack_settings(tmp_path, slack, monkeypatch)
    typo = meeting_notice(1).model_copy(update={"channel": "#immigration-wach"})
    queue(settings, typo, meeting_notice(2))
    report = run(settings)
    assert (report.sent, report.dead) == (2, 1)
    assert "channel '#immigration-wach' not found" in cli("notices", "--dead").stdout


def test_webhook_refusal_is_dead_and_a_gone_webhook_stops(
    tmp_path: Path, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", slack.webhook_url)
    settings = make_settings(tmp_path, "http://127.0.0.1:9/", monkeypatch)
    queue(settings, *[meeting_notice(n) for n in range(1, 4)])
    slack.fake.fail("webhook", 400, times=1)
    report = run(settings)
    assert (report.sent, report.dead) == (3, 1)  # two notices and the alert
    queue(settings, *[meeting_notice(n) for n in range(4, 7)])
    slack.fake.fail("webhook", 404, times=1)
    report = run(settings)
    assert (report.sent, report.failed, report.pending) == (0, 1, 3)  # stopped at once
    assert "secretpath" not in report.summary()


def test_a_relevant_item_removed_from_the_agenda_is_reported_in_its_thread(
    tmp_path: Path, recordings_copy: Path, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ReplayServer(recordings_copy) as replay:
        settings = bot_settings(tmp_path, replay, slack, monkeypatch)
        assert crawl_one(settings, "demo_cook_county", 60).notices == 1
        run(settings)
        [parent] = slack.fake.messages
        # Item 25-4470 (a relevant one) is taken off the Board's agenda.
        edit_items(
            recordings_copy,
            "cook_county",
            9101,
            lambda rows: rows.remove(
                next(r for r in rows if r["EventItemMatterFile"] == "25-4470")
            ),
        )
        assert crawl_one(settings, "demo_cook_county", 60).notices == 1
        assert run(settings).sent == 1
    follow_up = slack.fake.messages[-1]
    assert follow_up["thread_ts"] == parent["ts"]
    body = json.dumps(follow_up["blocks"], ensure_ascii=False)
    assert "Update: items removed from the agenda" in body
    assert "Removed from agenda: 25-4470" in body
