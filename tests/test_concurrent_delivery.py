"""Acceptance (issue 10): three ``agenda-watch deliver`` processes and a ``crawl`` at once, against
a fake Slack that answers late, fails at random and loses answers, while some of the deliverers
are killed (SIGKILL) mid-post. Every notice is posted exactly once, none is lost, and no
follow-up overtakes the first message of its thread.

60 of the notices are built (30 meetings, each a first notice and a follow-up); the crawl adds
the demo recordings' own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.clock import utcnow
from pipeline.deliver import outbox
from pipeline.deliver.outbox import DeliveryPolicy, deliver
from pipeline.replay import ReplayServer
from pipeline.store.ledger import Ledger
from pipeline.store.ledger import outbox as ledger_outbox  # the clock of leases and pauses
from tests.fakeslack import FakeSlackServer
from tests.test_delivery_faults import OPS, meeting_notice, queue
from tests.test_notices import bot_settings

MEETINGS = 30
# Every test here runs twice: on the SQLite ledger and on a PostgreSQL one (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("ledger_backend")


def start(*args: str, client: str = "") -> subprocess.Popen[bytes]:
    """``agenda-watch ARGS`` in a process; `client` gives it its own Slack base URL."""
    env = dict(os.environ)
    if client:
        env["SLACK_API_URL"] = f"{env['SLACK_API_URL']}{client}/"
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_posts(slack: FakeSlackServer, n: int, timeout: float = 90) -> None:
    for _ in range(n):
        assert slack.fake.posts_received.acquire(timeout=timeout), "deliverers stopped posting"


@pytest.mark.engine  # the `crawl` process runs the Scrapy engine
def test_three_deliverers_and_a_crawl_post_each_notice_exactly_once(
    tmp_path: Path, replay: ReplayServer, slack: FakeSlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_OPS_CHANNEL", OPS)
    settings = bot_settings(tmp_path, replay, slack, monkeypatch)
    firsts = [meeting_notice(n) for n in range(MEETINGS)]
    follow_ups = [
        meeting_notice(n, kind="items_added", thread=f.thread_key) for n, f in enumerate(firsts)
    ]
    queue(settings, *[n for pair in zip(firsts, follow_ups, strict=True) for n in pair])
    slack.fake.answer_delay_s = 0.2  # every answer late

    # Slack keeps the first deliverer's first post but holds its answer.
    slack.fake.hold_posts, slack.fake.hold_only = threading.Event(), "/d1/"
    d1, d2, d3 = (start("deliver", client=c) for c in ("d1", "d2", "d3"))
    crawl = start("crawl")
    try:
        assert slack.fake.posts_held.acquire(timeout=90), "the first deliverer never posted"
        d1.send_signal(signal.SIGKILL)  # killed after Slack took its post, before the answer
        d1.wait(timeout=30)
        slack.fake.hold_only = "/d2/"  # the next post of the second deliverer, the same way
        slack.fake.hold_posts.set()
        slack.fake.hold_posts = threading.Event()
        wait_for_posts(slack, 10)
        assert slack.fake.posts_held.acquire(timeout=90), "the second deliverer never posted"
        d2.send_signal(signal.SIGKILL)
        d2.wait(timeout=30)
        slack.fake.hold_posts.set()
        slack.fake.hold_posts = None
        # From now on (failures before the kills could end a deliverer's run before its kill):
        slack.fake.flaky("chat.postMessage", 0.05, 500, "internal_error", seed=10)
        slack.fake.drop_answers = 2  # two posts land, but their answers are lost
        replacements = [start("deliver"), start("deliver")]
        for proc in (d3, crawl, *replacements):
            proc.wait(timeout=240)
    finally:
        for proc in (d1, d2, d3, crawl):
            if proc.poll() is None:
                proc.kill()
    assert d1.returncode == d2.returncode == -signal.SIGKILL
    assert slack.fake.drop_answers == 0  # both answers were lost
    assert crawl.returncode == 0

    # Later (an hour on): whatever is still in flight counts as abandoned and is reconciled.
    later = utcnow() + timedelta(hours=1)
    monkeypatch.setattr(outbox, "utcnow", lambda: later)
    monkeypatch.setattr(ledger_outbox, "utcnow", lambda: later)
    slack.fake.flakes.clear()
    ledger = Ledger(settings.ledger)
    try:
        for _ in range(5):
            report = deliver(settings, ledger, policy=DeliveryPolicy(owner_grace=timedelta()))
            if report.pending == 0:
                break
        assert ledger.counts() == {"sent": ledger.counts()["sent"]}, ledger.counts()
        sent = {r.key: r for r in ledger.pending(("sent",))}
    finally:
        ledger.close()

    posted = Counter(slack.fake.notice_ids())
    assert {k: n for k, n in posted.items() if n > 1} == {}  # never twice
    assert set(posted) == set(sent)  # never lost
    assert {n.id for n in firsts + follow_ups} <= set(sent)
    assert len(sent) >= 2 * MEETINGS + 2  # and the crawl's notices (one per demo source)
    # Every follow-up replied in its meeting's thread, under the first message.
    by_id = {m["metadata"]["event_payload"]["notice_id"]: m for m in slack.fake.messages}
    for first, follow_up in zip(firsts, follow_ups, strict=True):
        parent = by_id[first.id]
        assert parent["thread_ts"] is None
        assert by_id[follow_up.id]["thread_ts"] == parent["ts"]
    # The lost answers and the killed posts were found by reconciliation, not posted again.
    assert any(m == "conversations.history" for m, _ in slack.fake.calls)
