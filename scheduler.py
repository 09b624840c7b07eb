"""The scheduler behind ``agenda-watch run``: every source on its cron, delivery after each crawl.

APScheduler 3 BlockingScheduler in America/Chicago. Each crawl runs in its own OS process (a
Twisted reactor cannot be restarted); a job never overlaps itself (``max_instances=1``), missed
runs collapse into one (``coalesce``) and may start up to ten minutes late (misfire grace).
SIGTERM/SIGINT stop scheduling and let the running crawl's process be ended cleanly.
The weekly Slack digest is one more job (default Monday 08:00 Chicago, env
``AGENDA_WATCH_DIGEST_CRON``) that queues the week's digest once, then delivers.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from pipeline.config import DEFAULT_SCHEDULE, ConfigError, Problem, load_sources
from pipeline.deliver.delivery import deliver
from pipeline.deliver.digest import queue_weekly_digest
from pipeline.ingest.crawl import crawl_one
from pipeline.settings import Settings, load_settings
from pipeline.store.ledger import Ledger

CHICAGO = ZoneInfo("America/Chicago")
JITTER_S = 300  # spread sources sharing a cron line, so one host never sees a burst
MISFIRE_GRACE_S = 600
DIGEST_CRON_ENV = "AGENDA_WATCH_DIGEST_CRON"
DEFAULT_DIGEST_CRON = "0 8 * * mon"  # Monday 08:00 America/Chicago
DIGEST_MISFIRE_GRACE_S = 6 * 3600  # a digest a few hours late still beats none that week

logger = logging.getLogger("agenda_watch.scheduler")
_deliver_lock = threading.Lock()


def crawl_and_deliver(settings: Settings, source_id: str) -> None:
    """One scheduled job: crawl the source in a child process, then deliver the outbox."""
    result = crawl_one(settings, source_id, settings.crawl_timeout_s)
    logger.info("%s", result.line())
    with _deliver_lock:  # two sources finishing together must not post the same notice twice
        ledger = Ledger(settings.ledger_path)
        try:
            report = deliver(settings, ledger)
        finally:
            ledger.close()
    logger.info("%s", report.summary())


def build_scheduler(settings: Settings) -> BlockingScheduler:
    """A scheduler with one cron job per enabled source."""
    scheduler = BlockingScheduler(timezone=CHICAGO)
    for source in load_sources(settings.sources_path):
        trigger = CronTrigger.from_crontab(
            source.schedule or DEFAULT_SCHEDULE, timezone=ZoneInfo(source.timezone)
        )
        trigger.jitter = JITTER_S
        scheduler.add_job(
            crawl_and_deliver,
            trigger,
            args=[settings, source.id],
            id=f"crawl:{source.id}",
            name=f"crawl {source.id}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=MISFIRE_GRACE_S,
            replace_existing=True,
        )
    return scheduler


def digest_and_deliver(settings: Settings, clock: Callable[[], datetime] | None = None) -> None:
    """The weekly digest job: queue this week's digest (if due and not empty), then deliver."""
    with _deliver_lock:
        ledger = Ledger(settings.ledger_path)
        try:
            queue_weekly_digest(settings, ledger, clock() if clock else None)
            report = deliver(settings, ledger)
        finally:
            ledger.close()
    logger.info("digest: %s", report.summary())


def digest_trigger() -> CronTrigger:
    """The digest's cron: env AGENDA_WATCH_DIGEST_CRON (crontab, weekday names), default Monday 8:00.

    Raises `ConfigError` for an invalid expression or a numeric weekday.
    """
    expr = os.environ.get(DIGEST_CRON_ENV, "").strip() or DEFAULT_DIGEST_CRON
    problem = ""
    if len(expr.split()) == 5 and any(ch.isdigit() for ch in expr.split()[4]):
        # APScheduler 3 counts 0 as Monday, crontab as Sunday: only names are unambiguous.
        problem = "use weekday names (mon), not numbers: APScheduler 3 counts 0 as Monday"
    else:
        try:
            return CronTrigger.from_crontab(expr, timezone=CHICAGO)
        except ValueError as exc:
            problem = f"invalid cron expression: {exc}"
    raise ConfigError([Problem("environment", DIGEST_CRON_ENV, "", f"{expr!r}: {problem}")])


def add_digest_job(
    scheduler: BaseScheduler,
    settings: Settings,
    trigger: BaseTrigger | None = None,
    clock: Callable[[], datetime] | None = None,
) -> None:
    """Add the weekly digest job (`digest_trigger` unless another trigger is given)."""
    scheduler.add_job(
        digest_and_deliver,
        trigger or digest_trigger(),
        args=[settings, clock],
        id="digest:weekly",
        name="weekly digest",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=DIGEST_MISFIRE_GRACE_S,
        replace_existing=True,
    )


def main(settings: Settings | None = None) -> int:
    """Run until SIGTERM or SIGINT; returns the process exit code."""
    settings = settings or load_settings()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", force=True
    )
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    try:
        scheduler = build_scheduler(settings)
        add_digest_job(scheduler, settings)
    except ConfigError as exc:
        logger.error("configuration problems:\n%s", exc)
        return 2

    def shutdown_when_running() -> None:
        # A signal can arrive between building the scheduler and start(); wait for it to run.
        for _ in range(200):
            if scheduler.running:
                scheduler.shutdown(wait=True)
                return
            time.sleep(0.05)

    def stop(signum: int, frame: FrameType | None) -> None:
        logger.info("signal %s: stopping after running jobs finish", signum)
        threading.Thread(target=shutdown_when_running, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for job in scheduler.get_jobs():
        logger.info("scheduled %s (%s)", job.name, job.trigger)
    scheduler.start()
    logger.info("scheduler stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
