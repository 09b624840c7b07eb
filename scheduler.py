"""The scheduler behind ``agenda-watch run``: sources on their crons, crawled in batches.

APScheduler 3 BlockingScheduler in America/Chicago. There is one cron job per distinct
schedule (and time zone); when it fires, it hands its sources to a `CrawlDispatcher`, which
crawls everything that fell due together as one batch (a few worker processes, many sources
each; `pipeline.ingest.crawl`), then delivers. A batch never overlaps another: sources due
while one runs go into the next, once each, so missed runs collapse into one. Jobs may start up
to ten minutes late (misfire grace). Politeness needs no start-time jitter: the host gate keeps
one request at a time per host, the delay apart, across every source and process.
SIGTERM/SIGINT stop scheduling and end the running batch cleanly (its crawls are closed and
recorded). The weekly Slack digest is one more job (default Monday 08:00 Chicago, setting
``digest_cron``, env ``AGENDA_WATCH_DIGEST_CRON``) that queues the week's digest once, then
delivers. Reminders (public-comment deadlines, witness-slip hearings) are checked every
`REMINDER_EVERY_MIN` minutes.

``agenda-watch run --no-crawl`` is the delivery node of a deployment whose crawls run elsewhere
(Scrapyd jobs into a shared ledger): no crawl jobs; the digest, the reminders, and delivery every
`DELIVER_EVERY_MIN` minutes.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from pipeline.config import (
    CHICAGO,
    DEFAULT_SCHEDULE,
    ConfigError,
    Problem,
    check_sources,
    cron_trigger,
    load_sources,
)
from pipeline.deliver.digest import queue_weekly_digest
from pipeline.deliver.outbox import deliver
from pipeline.deliver.reminders import queue_reminders
from pipeline.ingest.crawl import crawl_many
from pipeline.ingest.dispatch import CrawlDispatcher
from pipeline.redact import register_source_secrets, setup_logging
from pipeline.settings import Settings, load_settings
from pipeline.store.ledger import Ledger

MISFIRE_GRACE_S = 600
DIGEST_MISFIRE_GRACE_S = 6 * 3600  # a digest a few hours late still beats none that week
REMINDER_EVERY_MIN = 15  # a reminder lands at most this late after its moment (24 h ahead)
DELIVER_EVERY_MIN = 2  # --no-crawl: how often the outbox is delivered (crawls only queue)

logger = logging.getLogger("agenda_watch.scheduler")
_deliver_lock = threading.Lock()


def crawl_batch(settings: Settings, source_ids: list[str], stop: threading.Event) -> None:
    """Crawl the sources that came due (those still configured), then deliver the outbox."""
    sources, problems = check_sources(settings.sources_path)
    for problem in problems:
        logger.error("config: %s", problem)
    enabled = {s.id for s in sources if s.enabled}
    gone = [sid for sid in source_ids if sid not in enabled]
    if gone:
        logger.warning("no longer configured or enabled, not crawled: %s", ", ".join(gone))
    wanted = [sid for sid in source_ids if sid in enabled]
    if wanted:
        results = crawl_many(
            settings,
            wanted,
            on_result=lambda r: logger.info("%s", r.line()),
            sources=sources,
            stop_event=stop,
        )
        failed = sum(not r.ok for r in results)
        logger.info("crawled %d source(s), %d with problems", len(results), failed)
    with _deliver_lock:  # the digest job delivers too: never the same notice twice
        ledger = Ledger(settings.ledger)
        try:
            report = deliver(settings, ledger)
        finally:
            ledger.close()
    logger.info("%s", report.summary())


def build_scheduler(settings: Settings, dispatcher: CrawlDispatcher) -> BlockingScheduler:
    """A scheduler with one cron job per distinct schedule and zone, feeding `dispatcher`."""
    scheduler = BlockingScheduler(timezone=CHICAGO)
    groups: dict[tuple[str, str], list[str]] = {}
    for source in load_sources(settings.sources_path):
        groups.setdefault((source.schedule or DEFAULT_SCHEDULE, source.timezone), []).append(
            source.id
        )
    for (schedule, zone), ids in sorted(groups.items()):
        scheduler.add_job(
            dispatcher.submit,
            cron_trigger(schedule, ZoneInfo(zone)),
            args=[ids],
            id=f"crawl:{schedule}@{zone}",
            name=f"crawl of {len(ids)} source(s) ({schedule}, {zone})",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=MISFIRE_GRACE_S,
            replace_existing=True,
        )
    return scheduler


def digest_and_deliver(settings: Settings, clock: Callable[[], datetime] | None = None) -> None:
    """The weekly digest job: queue this week's digest (if due and not empty), then deliver."""
    with _deliver_lock:
        ledger = Ledger(settings.ledger)
        try:
            queue_weekly_digest(settings, ledger, clock() if clock else None)
            report = deliver(settings, ledger)
        finally:
            ledger.close()
    logger.info("digest: %s", report.summary())


def digest_trigger(settings: Settings) -> CronTrigger:
    """The digest's cron (``digest_cron``: crontab with weekday names) in America/Chicago.

    Raises `ConfigError` for an invalid expression or a numeric weekday.
    """
    try:
        return cron_trigger(settings.digest_cron, CHICAGO)
    except ValueError as exc:
        message = f"{settings.digest_cron!r}: {exc}"
        raise ConfigError(
            [Problem("environment", "AGENDA_WATCH_DIGEST_CRON", "", message)]
        ) from None


def add_digest_job(
    scheduler: BaseScheduler,
    settings: Settings,
    trigger: BaseTrigger | None = None,
    clock: Callable[[], datetime] | None = None,
) -> None:
    """Add the weekly digest job (`digest_trigger` unless another trigger is given)."""
    _add_singleton(
        scheduler,
        digest_and_deliver,
        trigger or digest_trigger(settings),
        [settings, clock],
        ("digest:weekly", "weekly digest"),
        DIGEST_MISFIRE_GRACE_S,
    )


def _add_singleton(
    scheduler: BaseScheduler,
    job: Callable[..., None],
    trigger: BaseTrigger,
    args: list[object],
    name: tuple[str, str],
    grace_s: int,
) -> None:
    """Add a job that never overlaps itself and collapses missed runs into one (id, name)."""
    scheduler.add_job(
        job,
        trigger,
        args=args,
        id=name[0],
        name=name[1],
        max_instances=1,
        coalesce=True,
        misfire_grace_time=grace_s,
        replace_existing=True,
    )


def remind_and_deliver(settings: Settings, clock: Callable[[], datetime] | None = None) -> None:
    """The reminder job: queue the reminders now due (each once), then deliver."""
    with _deliver_lock:
        ledger = Ledger(settings.ledger)
        try:
            queued = queue_reminders(settings, ledger, clock() if clock else None)
            report = deliver(settings, ledger)
        finally:
            ledger.close()
    logger.info("reminders: %d queued; %s", len(queued), report.summary())


def deliver_queued(settings: Settings) -> None:
    """The delivery job of ``run --no-crawl``: post what crawls elsewhere queued."""
    with _deliver_lock:
        ledger = Ledger(settings.ledger)
        try:
            report = deliver(settings, ledger)
        finally:
            ledger.close()
    if report.sent or report.errors:
        logger.info("delivery: %s", report.summary())


def add_delivery_job(scheduler: BaseScheduler, settings: Settings) -> None:
    """Add the delivery job: at once, then every `DELIVER_EVERY_MIN` minutes."""
    first = datetime.now(CHICAGO) + timedelta(seconds=1)
    _add_singleton(
        scheduler,
        deliver_queued,
        IntervalTrigger(minutes=DELIVER_EVERY_MIN, start_date=first, timezone=CHICAGO),
        [settings],
        ("deliver", "delivery"),
        DELIVER_EVERY_MIN * 60,
    )


def add_reminder_job(
    scheduler: BaseScheduler,
    settings: Settings,
    trigger: BaseTrigger | None = None,
    clock: Callable[[], datetime] | None = None,
) -> None:
    """Add the reminder job (every `REMINDER_EVERY_MIN` minutes unless another trigger is given)."""
    _add_singleton(
        scheduler,
        remind_and_deliver,
        trigger or IntervalTrigger(minutes=REMINDER_EVERY_MIN, timezone=CHICAGO),
        [settings, clock],
        ("reminders", "reminders"),
        REMINDER_EVERY_MIN * 60,
    )


def main(settings: Settings | None = None, crawl: bool = True) -> int:
    """Run until SIGTERM or SIGINT; returns the process exit code.

    Without `crawl` (``--no-crawl``): no crawl jobs, and a delivery job instead.
    """
    settings = settings or load_settings()
    setup_logging(logging.INFO, "%(asctime)s %(levelname)s %(message)s", force=True)
    register_source_secrets(settings.sources_path)
    dispatcher = CrawlDispatcher(partial(crawl_batch, settings))
    try:
        if crawl:
            scheduler = build_scheduler(settings, dispatcher)
        else:
            scheduler = BlockingScheduler(timezone=CHICAGO)
            add_delivery_job(scheduler, settings)
        add_digest_job(scheduler, settings)
        add_reminder_job(scheduler, settings)
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
        logger.info("signal %s: stopping; the running crawl batch is closed cleanly", signum)
        threading.Thread(target=shutdown_when_running, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for job in scheduler.get_jobs():
        logger.info("scheduled %s (%s)", job.name, job.trigger)
    dispatcher.start()
    try:
        scheduler.start()
    finally:
        dispatcher.stop()  # ends a running batch: its workers close their crawls, then exit
    logger.info("scheduler stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
