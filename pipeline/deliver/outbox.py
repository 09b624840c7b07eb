"""Deliver the outbox: any number of processes at once, exactly once per notice in bot mode.

A run claims one queued notice at a time (`Ledger.claim_next`: an atomic update naming this run
as owner, with a lease), renders it, notes the channel, posts it and records the ts, every step
conditional on still owning the claim. What a failure means (`DeliveryError`):

- Slack refused the message for good (``invalid_blocks``, ``msg_too_long``,
  ``channel_not_found``…), or it would not decode or render: the notice is *dead*, listed by
  ``agenda-watch notices --dead`` and named once in an ops alert; the run goes on.
- Not posted (Slack answered with an error): queued again.
- Outcome unknown (a timeout, a lost answer): left in flight; after `DeliveryPolicy.settle` the
  claim counts as abandoned and reconciliation looks for our message in Slack by its metadata.
- Auth errors and rate limits end the run at once (a rate limit pauses every process until its
  Retry-After). An outage or an unexplained error ends it after one other notice also fails, so
  one notice Slack keeps failing on cannot hold the others up; after `max_attempts` such isolated
  failures it is dead too.

Reconciliation touches only abandoned claims: lease expired, or owner process gone (same host).
Webhooks cannot be searched, so an abandoned webhook notice is sent again (at least once).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import ValidationError

from pipeline.clock import utcnow
from pipeline.deliver.delivery import FileSink, Redactor, Sink, make_sink
from pipeline.deliver.failures import DeliveryError
from pipeline.deliver.slack import render
from pipeline.models import SIDE_NOTE_KINDS, DeadNotice, Notice
from pipeline.settings import Settings
from pipeline.store.ledger import Ledger, OutboxRow

logger = logging.getLogger(__name__)

# Notice kinds that open a thread; every other kind replies in its thread when one exists.
THREAD_STARTERS = ("new_matches", "source_failing", "bill_new", "delivery_failed")
HOST = socket.gethostname()


@dataclass(frozen=True)
class DeliveryPolicy:
    """How long claims last. The defaults suit production; tests shorten them."""

    # A claim's life while its owner posts: longer than one post with its retries can take.
    claim_lease: timedelta = timedelta(minutes=10)
    # After an unknown outcome: how long Slack gets to show the message before we look for it.
    settle: timedelta = timedelta(minutes=2)
    # A claim whose owner process is gone is reconciled once it is this old.
    owner_grace: timedelta = timedelta(seconds=10)
    # Failures of one notice, while others get through, after which it is dead.
    max_attempts: int = 5
    # Post even while Slack's Retry-After pause is in force (a person asked for it).
    ignore_pause: bool = False


@dataclass
class DeliveryReport:
    """What a delivery run did."""

    mode: str  # bot, webhook or file
    sent: int = 0  # posted in this run
    reconciled: int = 0  # left in flight by an earlier run, and found already in Slack
    requeued: int = 0  # left in flight, not in Slack: queued again
    failed: int = 0  # not posted this run (queued again)
    uncertain: int = 0  # outcome unknown: left in flight for reconciliation
    dead: int = 0  # refused for good this run (agenda-watch notices --dead)
    pending: int = 0  # queued or in flight after the run
    paused_until: datetime | None = None  # Slack asked us to wait
    errors: list[str] = field(default_factory=list)  # what went wrong, secrets redacted
    files: list[Path] = field(default_factory=list)  # file mode: the messages written

    def summary(self) -> str:
        """One line for humans (and the first errors)."""
        line = (
            f"deliver ({self.mode}): {self.sent} sent, {self.reconciled} found already posted, "
            f"{self.failed} failed, {self.pending} still queued"
        )
        if self.uncertain:
            line += f", {self.uncertain} awaiting reconciliation"
        if self.dead:
            line += f", {self.dead} dead (agenda-watch notices --dead)"
        return line + "".join(f"\n  error: {e}" for e in self.errors[:5])


class _Stop(Exception):
    """Ends the run politely: the rest waits for the next one."""


def new_owner() -> str:
    """A claim owner: ``<host>:<pid>:<run>``, unique per delivery run."""
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def owner_gone(owner: str | None) -> bool:
    """True when `owner` is a process of this host that no longer runs (or no owner at all).

    Another host's process cannot be seen from here: only its lease says it is gone.
    """
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != HOST or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed process its parent has not reaped yet is a zombie: gone too
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def abandoned(row: OutboxRow, now: datetime, policy: DeliveryPolicy) -> bool:
    """An in-flight claim nobody will finish: its lease ran out, or its owner is gone."""
    if row.lease_until is not None and row.lease_until <= now:
        return True
    started = row.inflight_at or now - policy.owner_grace
    return owner_gone(row.owner) and started + policy.owner_grace <= now


def deliver(
    settings: Settings,
    ledger: Ledger,
    sink: Sink | None = None,
    policy: DeliveryPolicy | None = None,
) -> DeliveryReport:
    """Reconcile abandoned claims, then post every queued notice, oldest first."""
    redact = Redactor([])
    if sink is None:
        sink, redact = make_sink(settings)
    run = DeliveryRun(settings, ledger, sink, redact, policy or DeliveryPolicy())
    run.run()
    return run.report


class DeliveryRun:
    """One pass over the outbox by one owner."""

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        sink: Sink,
        redact: Redactor,
        policy: DeliveryPolicy,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.sink = sink
        self.redact = redact
        self.policy = policy
        self.owner = new_owner()
        self.report = DeliveryReport(mode=sink.mode)
        self.skip: set[int] = set()  # released in this run: not claimed again by it
        # After an outage-like failure, one other notice is tried: if Slack takes that one, the
        # failure was the first notice's own (held here, in flight, unless its outcome is unknown).
        self.suspect: tuple[OutboxRow | None, DeliveryError] | None = None

    def run(self) -> None:
        """Reconcile, post, alert about new dead letters (and post that alert too)."""
        paused = self.ledger.delivery_paused()
        if paused and not self.policy.ignore_pause:
            self.report.paused_until = paused[0]
            self.report.errors.append(f"paused until {paused[0]:%H:%M:%S} UTC: {paused[1]}")
        else:
            try:
                self.reconcile()
                self.post_queued()
                if self.ledger.queue_dead_alert(self._alert):
                    self.post_queued()
            except _Stop:
                pass
            except DeliveryError as exc:  # a lookup (reconciliation, channel) could not be made
                self.report.errors.append(self.redact(str(exc)))
                logger.error("delivery stopped: %s", self.redact(str(exc)))
            finally:
                self._give_up_suspect()
        self.ledger.queue_dead_alert(self._alert)  # e.g. dead before a rate limit stopped us
        counts = self.ledger.counts()
        self.report.pending = counts.get("queued", 0) + counts.get("inflight", 0)

    # --- reconciliation ---------------------------------------------------------------------

    def reconcile(self) -> None:
        """Settle every abandoned claim: found in Slack → sent; certainly not → queued again."""
        now = utcnow()
        for row in self.ledger.pending(("inflight",)):
            if not abandoned(row, now, self.policy):
                continue
            claim = self.ledger.take_over(row, self.owner, self.policy.claim_lease)
            if claim is not None:
                self._reconcile_one(claim)

    def _reconcile_one(self, claim: OutboxRow) -> None:
        notice = self._decode(claim)
        if notice is None:
            return
        if claim.posted_channel is None:  # claimed, but its post never started
            self.ledger.release(claim, "claimed but never posted")
            self.report.requeued += 1
            return
        thread_ts = self._parent_ts(notice, claim.posted_channel)
        try:
            ts = self.sink.find(
                notice.id, claim.posted_channel, thread_ts, claim.inflight_at or utcnow()
            )
        except DeliveryError:
            # Cannot look now: leave it abandoned for the next run to look again.
            self.ledger.hold(claim, "reconciliation could not look", timedelta())
            raise
        if ts:
            self.ledger.mark_sent(claim, ts, _thread_of(notice, claim.posted_channel, thread_ts))
            self.report.reconciled += 1
            logger.info("notice %s was already posted (ts %s)", claim.row_id, ts)
        else:
            self.ledger.release(claim, "in flight when its run stopped; not in Slack")
            self.report.requeued += 1

    # --- posting ----------------------------------------------------------------------------

    def post_queued(self) -> None:
        """Claim and post queued notices until none is free (or a failure ends the run)."""
        while True:
            claim = self.ledger.claim_next(self.owner, self.policy.claim_lease, self.skip)
            if claim is None:
                return
            self._post(claim)

    def _post(self, claim: OutboxRow) -> None:
        notice = self._decode(claim)
        if notice is None:
            return
        try:
            channel = self.sink.canonical(claim.channel or self.settings.slack_channel)
            thread_ts = self._parent_ts(notice, channel)
        except DeliveryError as exc:
            exc.posted = "no"  # a channel lookup failed: nothing was posted yet
            self._failed(claim, exc)
            return
        try:
            message = render(notice)
        except Exception as exc:  # any failure to render is this notice's failure alone
            self._dead(claim, f"render error: {type(exc).__name__}: {exc}")
            return
        if not self.ledger.begin_post(claim, channel, self.policy.claim_lease):
            logger.warning("notice %s: claim lost before posting", claim.row_id)
            return
        try:
            posted = self.sink.post(message, channel, thread_ts)
        except DeliveryError as exc:
            self._failed(claim, exc)
            return
        thread = _thread_of(notice, channel, thread_ts) if posted.ts else None
        if not self.ledger.mark_sent(claim, posted.ts, thread):
            logger.warning("notice %s posted, but its claim had been taken over", claim.row_id)
        self.report.sent += 1
        if isinstance(self.sink, FileSink):
            self.report.files.append(self.sink.path_for(notice.id))
        self._slack_answered()

    def _failed(self, claim: OutboxRow, exc: DeliveryError) -> None:
        message = self.redact(str(exc))
        if exc.cause == "notice":
            self._dead(claim, message)
            self._slack_answered()
            return
        self.report.errors.append(f"notice {claim.row_id}: {message}")
        logger.error("notice %s not delivered: %s", claim.row_id, message)
        first_outage = exc.cause == "slack" and self.suspect is None
        self.skip.add(claim.row_id)
        if first_outage and exc.posted == "no":
            self.suspect = (claim, exc)  # held in flight while one other notice is tried
            return
        self._unclaim(claim, exc, message)
        if exc.cause == "rate":
            wait = timedelta(seconds=exc.retry_after or 60)
            self.ledger.pause_delivery(utcnow() + wait, message)
            raise _Stop
        if not first_outage:
            raise _Stop  # setup: nothing will post; a second outage-like failure: it is Slack
        self.suspect = (None, exc)  # an unknown outcome: try one other before stopping too

    def _unclaim(self, claim: OutboxRow, exc: DeliveryError, message: str) -> None:
        if exc.posted == "unknown":
            self.ledger.hold(claim, message, self.policy.settle)
            self.report.uncertain += 1
        else:
            self.ledger.release(claim, message)
            self.report.failed += 1

    def _slack_answered(self) -> None:
        """Slack took (or judged) a message: a held suspect's failure was its own."""
        if self.suspect is None:
            return
        claim, exc = self.suspect
        self.suspect = None
        if claim is None:
            return
        if claim.attempts >= self.policy.max_attempts:
            self._dead(claim, f"failed {claim.attempts} times while others got through: {exc}")
        else:
            self._unclaim(claim, exc, self.redact(str(exc)))

    def _give_up_suspect(self) -> None:
        """The run ends with a suspect still held: queue it again (it was not posted)."""
        if self.suspect is not None:
            claim, exc = self.suspect
            self.suspect = None
            if claim is not None:
                self._unclaim(claim, exc, self.redact(str(exc)))

    def _dead(self, claim: OutboxRow, reason: str) -> None:
        reason = self.redact(reason)[:500]
        if self.ledger.mark_dead(claim, reason):
            self.report.dead += 1
            self.report.errors.append(f"notice {claim.row_id} is dead: {reason}")
            logger.error("notice %s (%s) set aside as dead: %s", claim.row_id, claim.key, reason)

    # --- helpers ----------------------------------------------------------------------------

    def _decode(self, claim: OutboxRow) -> Notice | None:
        try:
            return claim.notice
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            self._dead(claim, f"payload no longer validates: {where}: {err['msg']}")
            return None

    def _parent_ts(self, notice: Notice, channel: str) -> str | None:
        if notice.kind in THREAD_STARTERS:
            return None
        return self.ledger.thread_ts(notice.thread_key, channel)

    def _alert(self, rows: list[OutboxRow]) -> Notice | None:
        """One ops alert naming `rows` (the dead notices not yet named)."""
        if not rows:
            return None
        first, last = rows[0].row_id, rows[-1].row_id
        return Notice(
            id=f"delivery:dead:{first}-{last}#{uuid.uuid4().hex[:8]}",
            kind="delivery_failed",
            thread_key=f"delivery:dead:{first}-{last}",
            source="agenda-watch",
            channel=self.settings.slack_ops_channel or self.settings.slack_channel,
            dead=[
                DeadNotice(
                    row=r.row_id, key=r.key, kind=r.kind, source=r.source, reason=r.last_error or ""
                )
                for r in rows
            ],
            created_at=utcnow(),
        )


def _thread_of(notice: Notice, channel: str, parent_ts: str | None) -> tuple[str, str] | None:
    """The (thread key, channel) a top-level post opens; replies and side notes open none."""
    if parent_ts is not None or notice.kind in SIDE_NOTE_KINDS:
        return None
    return (notice.thread_key, channel)
