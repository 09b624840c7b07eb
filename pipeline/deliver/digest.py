"""The weekly Slack digest: the next 14 days' meetings and hearings with relevant items.

`queue_weekly_digest` puts one ``weekly_digest`` notice into the ledger's outbox, keyed by the ISO
week (America/Chicago) it was made in; the outbox's unique notice key makes a second run in the
same week a no-op, and an empty fortnight queues nothing. Delivery then posts it like any other
notice (exactly once with a bot token). The scheduler runs `run_weekly_digest` on a cron.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from pipeline.clock import utcnow
from pipeline.deliver.outbox import DeliveryReport, deliver
from pipeline.models import Notice
from pipeline.settings import Settings
from pipeline.store.index import open_index
from pipeline.store.ledger import Ledger
from pipeline.views.upcoming import DISPLAY_ZONE, UpcomingQuery, load_upcoming

logger = logging.getLogger(__name__)

DIGEST_DAYS = 14
DIGEST_SOURCE = "digest"  # notices need a source; the digest spans them all


def week_key(now: datetime) -> str:
    """``digest:2026-W49``: the ISO week of `now`'s date in America/Chicago."""
    year, week, _ = now.astimezone(DISPLAY_ZONE).isocalendar()
    return f"digest:{year}-W{week:02d}"


def queue_weekly_digest(
    settings: Settings, ledger: Ledger, now: datetime | None = None
) -> Notice | None:
    """Queue this week's digest unless it is empty or already queued; return what was queued."""
    now = now or utcnow()
    first = now.astimezone(DISPLAY_ZONE).date()
    meetings = load_upcoming(
        open_index(settings.data_dir, ledger), UpcomingQuery(first=first, days=DIGEST_DAYS)
    )
    if not meetings:
        logger.info("weekly digest: nothing relevant in the next %d days", DIGEST_DAYS)
        return None
    key = week_key(now)
    notice = Notice(
        id=key,
        kind="weekly_digest",
        thread_key=key,
        source=DIGEST_SOURCE,
        channel=settings.slack_channel,
        digest=meetings,
        created_at=now,
    )
    # Keyed by the ISO week, so the week's digest is queued at most once.
    if not ledger.queue_notice(notice):
        logger.info("weekly digest %s already queued", key)
        return None
    logger.info("weekly digest %s queued: %d meeting(s)", key, len(meetings))
    return notice


@dataclass
class DigestRun:
    """What one digest job did: the notice queued (if any) and the delivery that followed."""

    queued: Notice | None
    delivery: DeliveryReport


def run_weekly_digest(settings: Settings, ledger: Ledger, now: datetime | None = None) -> DigestRun:
    """Queue this week's digest (if due), then deliver the outbox."""
    notice = queue_weekly_digest(settings, ledger, now)
    return DigestRun(queued=notice, delivery=deliver(settings, ledger))
