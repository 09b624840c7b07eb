"""Kill delivery mid-post (a real SIGKILL) and show every notice still lands exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.deliver.outbox import DeliveryPolicy, deliver
from pipeline.ingest.crawl import crawl_one
from pipeline.replay import ReplayServer
from pipeline.store.ledger import Ledger
from tests.fakeslack import FakeSlackServer
from tests.test_claims import exited_owner
from tests.test_notices import bot_settings

# A killed owner's claims are reconciled at once (production waits a few seconds first).
NO_GRACE = DeliveryPolicy(owner_grace=timedelta())
# Every test here runs twice: on the SQLite ledger and on a PostgreSQL one (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("ledger_backend")


def test_kill_during_post_then_rerun_posts_each_notice_once(
    tmp_path: Path, replay: ReplayServer, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = bot_settings(tmp_path, replay, slack, monkeypatch)
    assert crawl_one(settings, "demo_oak_park", 60).notices == 1
    assert crawl_one(settings, "demo_cook_county", 60).notices == 1

    # Slack stores the first post but does not answer: the poster never learns the ts.
    slack.fake.hold_posts = threading.Event()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "deliver"],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert slack.fake.posts_received.acquire(timeout=60), "deliver never posted"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        slack.fake.hold_posts.set()
    assert proc.returncode == -signal.SIGKILL
    assert len(slack.fake.messages) == 1
    slack.fake.hold_posts = None

    ledger = Ledger(settings.ledger)
    try:
        assert ledger.counts() == {"inflight": 1, "queued": 1}
        # Its owner is gone, but the claim is young: a default run leaves it alone for now.
        assert deliver(settings, ledger).reconciled == 0
        assert ledger.counts() == {"inflight": 1, "sent": 1}
        report = deliver(settings, ledger, policy=NO_GRACE)
        assert report.reconciled == 1 and report.sent == 0 and report.pending == 0
        # A third run has nothing to do.
        assert deliver(settings, ledger).sent == 0
        assert ledger.counts() == {"sent": 2}
    finally:
        ledger.close()
    ids = slack.fake.notice_ids()
    assert len(ids) == 2 and len(set(ids)) == 2
    # The reconciliation found our message through its metadata.
    assert any(m == "conversations.history" for m, _ in slack.fake.calls)


def test_kill_before_slack_has_it_reposts(
    tmp_path: Path, replay: ReplayServer, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In flight, but Slack never got the message (the process died first): it is posted on rerun."""
    settings = bot_settings(tmp_path, replay, slack, monkeypatch)
    crawl_one(settings, "demo_oak_park", 60)
    ledger = Ledger(settings.ledger)
    try:
        owner = exited_owner()  # what a run killed just before its post leaves behind:
        claim = ledger.claim_next(owner, timedelta(minutes=10))
        assert claim is not None
        assert ledger.begin_post(claim, "C0AGENDA01", timedelta(minutes=10))
        assert deliver(settings, ledger).sent == 0  # too young to reconcile (grace)
        report = deliver(settings, ledger, policy=NO_GRACE)
        assert report.requeued == 1 and report.sent == 1
    finally:
        ledger.close()
    assert len(slack.fake.messages) == 1
