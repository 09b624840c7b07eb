"""The outbox's claim protocol on the real ledger, SQLite and PostgreSQL alike: exclusive claims,
owner-conditional steps, thread order, abandoned claims only, and a model-based (hypothesis) run
of all of it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pipeline.deliver.outbox import HOST, DeliveryPolicy, abandoned, new_owner, owner_gone
from pipeline.models import Notice, NoticeKind
from pipeline.store.ledger import Ledger, OutboxRow
from pipeline.store.ledger import outbox as ledger_outbox  # the clock of leases and pauses
from tests.conftest import LEDGER_BACKENDS, examples
from tests.pgserver import fresh_url

LEASE = timedelta(minutes=10)
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def notice(thread: str, n: int, kind: NoticeKind = "new_matches") -> Notice:
    return Notice(id=f"{thread}#{n}", kind=kind, thread_key=thread, source="s", created_at=START)


class Clock:
    """The ledger's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(ledger_outbox, "utcnow", clock)
    return clock


def claimed(where: Path | str) -> tuple[Ledger, OutboxRow]:
    """A ledger with one notice (``m1#1``), claimed by "A"."""
    ledger = Ledger(where)
    ledger.queue_notice(notice("m1", 1))
    claim = ledger.claim_next("A", LEASE)
    assert claim is not None
    return ledger, claim


def exited_owner() -> str:
    """A claim owner on this host whose process has exited (and was reaped)."""
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return f"{HOST}:{proc.stdout.strip()}:run"


def test_two_connections_never_claim_the_same_notice(
    ledger_where: Path | str, clock: Clock
) -> None:
    a, b = Ledger(ledger_where), Ledger(ledger_where)
    for n in range(6):
        a.queue_notice(notice(f"t{n}", n))
    claimed: list[OutboxRow] = []
    while True:
        got = [x for x in (a.claim_next("A", LEASE), b.claim_next("B", LEASE)) if x is not None]
        if not got:
            break
        claimed += got
    assert sorted(c.key for c in claimed) == [f"t{n}#{n}" for n in range(6)]
    assert {c.owner for c in claimed} == {"A", "B"} and all(c.attempts == 1 for c in claimed)
    assert a.counts() == {"inflight": 6}
    assert claimed[0].lease_until == START + LEASE


def test_a_follow_up_waits_for_its_thread_and_a_dead_first_notice_frees_it(
    ledger_where: Path | str, clock: Clock
) -> None:
    ledger = Ledger(ledger_where)
    ledger.queue_notice(notice("m1", 1))
    ledger.queue_notice(notice("m1", 2, "items_added"))
    ledger.queue_notice(notice("m2", 3))
    first = ledger.claim_next("A", LEASE)
    other = ledger.claim_next("B", LEASE)
    assert first is not None and other is not None
    assert (first.key, other.key) == ("m1#1", "m2#3")  # m1#2 waits behind m1#1 in flight
    assert ledger.claim_next("C", LEASE) is None
    assert ledger.release(first, "Slack said internal_error")
    # Queued again, the first notice still goes first.
    again = ledger.claim_next("C", LEASE)
    assert again is not None and again.key == "m1#1" and again.attempts == 2
    assert ledger.mark_dead(again, "Slack said invalid_blocks")
    follow_up = ledger.claim_next("C", LEASE)
    assert follow_up is not None and follow_up.key == "m1#2"


def test_every_step_needs_the_claim_and_a_take_over_ends_the_old_owners(
    ledger_where: Path | str, clock: Clock
) -> None:
    ledger, claim = claimed(ledger_where)
    stranger = claim.__class__(**{**claim.__dict__, "owner": "B"})
    assert not ledger.begin_post(stranger, "C1", LEASE)  # not B's
    assert ledger.begin_post(claim, "C1", LEASE)
    assert ledger.hold(claim, "no answer", timedelta(minutes=2))
    [row] = ledger.pending(("inflight",))
    assert row.posted_channel == "C1" and row.lease_until == START + timedelta(minutes=2)
    clock.now += timedelta(minutes=3)
    # Two reconcilers race for the abandoned row: one wins.
    taken = ledger.take_over(row, "R1", LEASE)
    assert taken is not None and taken.owner == "R1"
    assert ledger.take_over(row, "R2", LEASE) is None
    # The old owner wakes up: nothing it does lands any more.
    assert not ledger.mark_sent(claim, "1.0", None)
    assert not ledger.release(claim, "late")
    assert not ledger.mark_dead(claim, "late")
    assert ledger.mark_sent(taken, "1.0", ("m1", "C1"))
    assert ledger.counts() == {"sent": 1} and ledger.thread_ts("m1", "C1") == "1.0"


def test_only_abandoned_claims_are_reconciled(ledger_where: Path | str, clock: Clock) -> None:
    policy = DeliveryPolicy(owner_grace=timedelta(seconds=10))
    ledger = Ledger(ledger_where)
    for n in range(4):
        ledger.queue_notice(notice(f"t{n}", n))
    mine, gone, remote, legacy = new_owner(), exited_owner(), "elsewhere:1:run", None
    for owner in (mine, gone, remote, "x"):
        assert ledger.claim_next(owner, LEASE) is not None
    rows = {r.owner: r for r in ledger.pending(("inflight",))}
    now = START + timedelta(seconds=11)
    assert not owner_gone(mine) and owner_gone(gone) and not owner_gone(remote)
    assert not abandoned(rows[mine], now, policy)  # a live process: its lease says
    assert abandoned(rows[gone], now, policy)  # its process exited, the claim is 11 s old
    assert not abandoned(rows[gone], START + timedelta(seconds=5), policy)  # within the grace
    assert not abandoned(rows[remote], now, policy)  # another host: only its lease tells
    assert abandoned(rows[remote], START + LEASE, policy)
    old = rows["x"].__class__(**{**rows["x"].__dict__, "owner": legacy, "lease_until": None})
    assert abandoned(old, now, policy)  # an in-flight row from before claims had owners


def test_a_dead_notice_is_named_by_one_alert_and_an_alert_is_never_named(
    ledger_where: Path | str, clock: Clock
) -> None:
    ledger, claim = claimed(ledger_where)
    assert ledger.mark_dead(claim, "Slack said msg_too_long")
    named: list[list[str]] = []

    def alert(rows: list[OutboxRow]) -> Notice | None:
        named.append([r.key for r in rows])
        return notice("ops", len(named), "delivery_failed") if rows else None

    assert ledger.queue_dead_alert(alert) is not None
    assert ledger.queue_dead_alert(alert) is None  # named once
    alert_row = ledger.claim_next("A", LEASE)
    assert alert_row is not None and alert_row.kind == "delivery_failed"
    assert ledger.mark_dead(alert_row, "Slack said channel_not_found")
    assert ledger.queue_dead_alert(alert) is None  # the dead alert is not alerted about
    assert named == [["m1#1"], []]
    assert ledger.retry_dead(claim.row_id, "C9", reset_channel=True)
    assert not ledger.retry_dead(claim.row_id)  # queued now, not dead
    again = ledger.claim_next("A", LEASE)
    assert again is not None and again.row_id == claim.row_id and again.channel == "C9"


# --- the protocol as a state machine --------------------------------------------------------

OWNERS = ("A", "B", "C")


class OutboxMachine(RuleBasedStateMachine):
    """Owners claim and post; leases run out; reconcilers settle abandoned claims by looking in
    "Slack" (a list). Whatever the interleaving, no notice is ever posted twice, and a final
    drain leaves every notice sent (posted exactly once) or dead."""

    pg_base = ""  # the PostgreSQL server's URL (each example gets a schema); "": SQLite

    def __init__(self) -> None:
        super().__init__()
        # In memory-backed /dev/shm where there is one: the examples fsync a lot.
        shm = Path("/dev/shm")
        self.dir = Path(tempfile.mkdtemp(dir=shm if shm.is_dir() else None))
        self.clock = Clock()
        self.patch = pytest.MonkeyPatch()
        self.patch.setattr(ledger_outbox, "utcnow", self.clock)
        where = fresh_url(self.pg_base) if self.pg_base else self.dir / "l.sqlite3"
        self.ledgers = [Ledger(where), Ledger(where)]
        self.slack: list[str] = []
        self.held: dict[str, list[OutboxRow]] = {o: [] for o in OWNERS}
        self.queued = 0

    def teardown(self) -> None:
        for ledger in self.ledgers:
            ledger.close()
        self.patch.undo()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _ledger(self, owner: str) -> Ledger:
        return self.ledgers[OWNERS.index(owner) % 2]

    @rule(thread=st.integers(0, 3))
    def queue(self, thread: int) -> None:
        self.queued += 1
        kind: NoticeKind = "new_matches" if self.queued % 3 else "items_added"
        self.ledgers[0].queue_notice(notice(f"t{thread}", self.queued, kind))

    @rule(owner=st.sampled_from(OWNERS))
    def claim(self, owner: str) -> None:
        row = self._ledger(owner).claim_next(owner, LEASE)
        if row is not None:
            self.held[owner].append(row)

    @precondition(lambda self: any(self.held.values()))
    @rule(owner=st.sampled_from(OWNERS), outcome=st.sampled_from(["ok", "lost", "no", "dead"]))
    def finish(self, owner: str, outcome: str) -> None:
        if not self.held[owner]:
            return
        row = self.held[owner].pop(0)
        ledger = self._ledger(owner)
        if outcome == "dead":
            ledger.mark_dead(row, "refused")
            return
        if not ledger.begin_post(row, "C1", LEASE):
            return  # no longer this claim: an owner that lost its claim never posts
        if outcome == "no":
            assert ledger.release(row, "Slack said internal_error")
            return
        self.slack.append(row.key)
        if outcome == "ok":
            assert ledger.mark_sent(row, f"{len(self.slack)}.0", None)
        else:
            assert ledger.hold(row, "no answer", timedelta(minutes=2))

    @rule(minutes=st.sampled_from([1, 3, 11]))
    def tick(self, minutes: int) -> None:
        self.clock.now += timedelta(minutes=minutes)

    @rule()
    def reconcile(self) -> None:
        ledger = self.ledgers[1]
        for row in ledger.pending(("inflight",)):
            if row.lease_until is not None and row.lease_until <= self.clock.now:
                taken = ledger.take_over(row, "R", LEASE)
                if taken is None:
                    continue
                if taken.key in self.slack:
                    assert ledger.mark_sent(taken, "r", None)
                else:
                    assert ledger.release(taken, "not in Slack")

    @invariant()
    def never_posted_twice(self) -> None:
        assert not [k for k, n in Counter(self.slack).items() if n > 1]

    @invariant()
    def in_flight_means_owned(self) -> None:
        for row in self.ledgers[0].pending(("inflight",)):
            assert row.owner is not None and row.lease_until is not None

    def drain(self) -> None:
        self.clock.now += timedelta(hours=1)
        for o in OWNERS:
            self.held[o].clear()
        self.reconcile()
        while (row := self.ledgers[0].claim_next("D", LEASE)) is not None:
            assert self.ledgers[0].begin_post(row, "C1", LEASE)
            self.slack.append(row.key)
            assert self.ledgers[0].mark_sent(row, "d", None)
        counts = self.ledgers[0].counts()
        assert set(counts) <= {"sent", "dead"}
        sent = {r.key for r in self.ledgers[0].pending(("sent",))}
        assert Counter(self.slack) == Counter(sent)


@pytest.mark.parametrize("backend", LEDGER_BACKENDS)
def test_the_claim_protocol_never_posts_twice(backend: str, request: pytest.FixtureRequest) -> None:
    base = request.getfixturevalue("pg_server") if backend == "postgresql" else ""

    class Drained(OutboxMachine):
        pg_base = base

        def teardown(self) -> None:
            self.drain()
            super().teardown()

    Drained.TestCase.settings = settings(
        # A schema per example on PostgreSQL: half as many there.
        max_examples=examples(50 if backend == "sqlite" else 25),
        stateful_step_count=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    Drained.TestCase().runTest()
