"""The scheduler behind ``agenda-watch run``: sources on their crons, crawled in batches.

APScheduler 3 BlockingScheduler in America/Chicago. There is one cron job per distinct
schedule (and time zone); when it fires, it hands its sources to a `CrawlDispatcher`, which
crawls everything that fell due together as one batch (a few worker processes, many sources
each; `pipeline.ingest.crawl`), then delivers. A batch never overlaps another: sources due
while one runs go into the next, once each, so missed runs collapse into one. Jobs may start up
to ten minutes late (misfire grace). Politeness needs no start-time jitter: the host gate keeps
one request at a time per host, the delay apart, across every source and process.
The weekly Slack digest is one more job (default Monday 08:00 Chicago, setting
``digest_cron``, env ``AGENDA_WATCH_DIGEST_CRON``) that queues the week's digest once, then
delivers. Reminders (public-comment deadlines, witness-slip hearings) are checked every
`REMINDER_EVERY_MIN` minutes.

``agenda-watch run --no-crawl`` is the delivery node of a deployment whose crawls run elsewhere
(Scrapyd jobs into a shared ledger): no crawl jobs; the digest, the reminders, and delivery at
start and every `DELIVER_EVERY_MIN` minutes.

For the operator (README, "Running the scheduler"): a short start-up summary (`startup_summary`:
sources, the next run of each schedule, digest, reminders, where logs go, all in Chicago time
with its zone); log lines with zone-aware local times, also in a rotating
``<data>/logs/scheduler.log`` (`pipeline.runconsole`); live progress lines on a terminal, a
summary line every ``AGENDA_WATCH_PROGRESS_EVERY`` seconds otherwise.

Stopping (`Stopper`): the first SIGINT/SIGTERM starts no new batch, lets the running crawls close
and record themselves (workers get SIGTERM, at most `batch.STOP_GRACE_S`), delivers what is
queued, and exits 0. A second one stops at once: every worker process group (PDF workers too)
is killed, the crawls that were running are recorded as ``interrupted``, any child process left
is killed, and the exit status is 128 + the signal (130 after Ctrl-C, 143 after SIGTERM). Files
and ledger rows stay whole either way: meeting JSON is written to a temporary file and renamed,
and every ledger write is one SQLite transaction; a notice cut off mid-post is reconciled by
the outbox's claims and leases on the next delivery.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
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
from pipeline.ingest.progress import CrawlProgress
from pipeline.models import Source
from pipeline.redact import register_source_secrets
from pipeline.runconsole import ProgressReporter, setup_run_logging
from pipeline.runstop import Stopper, announce_stop, stop_now
from pipeline.settings import Settings, load_settings
from pipeline.store.ledger import Ledger

MISFIRE_GRACE_S = 600
DIGEST_MISFIRE_GRACE_S = 6 * 3600  # a digest a few hours late still beats none that week
REMINDER_EVERY_MIN = 15  # a reminder lands at most this late after its moment (24 h ahead)
DELIVER_EVERY_MIN = 2  # --no-crawl: how often the outbox is delivered (crawls only queue)

logger = logging.getLogger("agenda_watch.scheduler")
_deliver_lock = threading.Lock()


def crawl_batch(
    settings: Settings,
    source_ids: list[str],
    stop: threading.Event,
    progress: CrawlProgress | None = None,
    kill: threading.Event | None = None,
) -> None:
    """Crawl the sources that came due (those still configured), then deliver the outbox.

    `stop` ends the crawl cleanly (delivery still runs), `kill` ends it now (no delivery: the
    notices stay queued for the next start); `progress` follows the crawl.
    """
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
            kill_event=kill,
            progress=progress,
        )
        failed = sum(not r.ok for r in results)
        logger.info("crawled %d source(s), %d with problems", len(results), failed)
    if kill is not None and kill.is_set():
        return
    with _deliver_lock:  # the digest job delivers too: never the same notice twice
        ledger = Ledger(settings.ledger)
        try:
            report = deliver(settings, ledger)
        finally:
            ledger.close()
    logger.info("%s", report.summary())


def schedule_groups(sources: list[Source]) -> dict[tuple[str, str], list[str]]:
    """(cron line, time zone) → the ids of the enabled sources crawled on it."""
    groups: dict[tuple[str, str], list[str]] = {}
    for source in sources:
        if source.enabled:
            key = (source.schedule or DEFAULT_SCHEDULE, source.timezone)
            groups.setdefault(key, []).append(source.id)
    return dict(sorted(groups.items()))


def build_scheduler(settings: Settings, dispatcher: CrawlDispatcher) -> BackgroundScheduler:
    """A scheduler with one cron job per distinct schedule and zone, feeding `dispatcher`."""
    scheduler = BackgroundScheduler(timezone=CHICAGO)
    for (schedule, zone), ids in schedule_groups(load_sources(settings.sources_path)).items():
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
    # Every 15 minutes: say so only when something happened (else the log is mostly this line).
    busy = queued or report.sent or report.failed or report.errors or report.reconciled
    level = logging.INFO if busy else logging.DEBUG
    logger.log(level, "reminders: %d queued; %s", len(queued), report.summary())


def deliver_queued(settings: Settings) -> None:
    """The delivery job of ``run --no-crawl``: post what crawls elsewhere queued."""
    with _deliver_lock:
        ledger = Ledger(settings.ledger)
        try:
            report = deliver(settings, ledger)
        finally:
            ledger.close()
    busy = report.sent or report.failed or report.errors or report.reconciled
    logger.log(logging.INFO if busy else logging.DEBUG, "delivery: %s", report.summary())


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


def local_time(moment: datetime | None) -> str:
    """A moment in Chicago time with the zone's abbreviation ("Tue 08 Dec 19:00 CST")."""
    if moment is None:
        return "never"
    return moment.astimezone(CHICAGO).strftime("%a %d %b %H:%M %Z")


def _ids_text(ids: list[str], room: int) -> str:
    """Source ids, as many as fit in `room` characters, then "… N more"."""
    shown: list[str] = []
    for n, sid in enumerate(ids):
        rest = len(ids) - n - 1
        tail = f", … {rest} more" if rest else ""
        if shown and len(", ".join([*shown, sid])) + len(tail) > room:
            return ", ".join(shown) + f", … {len(ids) - n} more"
        shown.append(sid)
    return ", ".join(shown)


def _size(count: int) -> str:
    """Bytes as "10 MB", "3 kB"."""
    return f"{count / 1e6:g} MB" if count >= 1_000_000 else f"{count / 1e3:g} kB"


def startup_summary(
    scheduler: BaseScheduler,
    settings: Settings,
    log_path: Path,
    now: datetime,
    run_now: bool = False,
) -> list[str]:
    """What `agenda-watch run` says at start: a few lines, whatever the number of sources."""
    crawls = [job for job in scheduler.get_jobs() if job.id.startswith("crawl:")]
    sources = sum(len(job.args[0]) for job in crawls)
    lines = [
        f"agenda-watch run: {sources} source(s) on {len(crawls)} schedule(s); "
        f"times in {CHICAGO.key} (now {local_time(now)})"
    ]
    timed = sorted(
        ((job.trigger.get_next_fire_time(None, now), job) for job in crawls),
        key=lambda pair: pair[0] or now.replace(year=now.year + 100),
    )
    for fire, job in timed:
        ids: list[str] = job.args[0]
        schedule, _, zone = job.id.removeprefix("crawl:").partition("@")
        where = "" if zone == CHICAGO.key else f" {zone}"
        head = f"  next {local_time(fire)}: {len(ids)} source(s) on {schedule!r}{where}: "
        lines.append(head + _ids_text(ids, max(40, 120 - len(head))))
    for job in scheduler.get_jobs():
        if job.id == "digest:weekly":
            fire = job.trigger.get_next_fire_time(None, now)
            lines.append(f"  weekly digest: next {local_time(fire)}")
        elif job.id == "deliver":
            lines.append(
                f"  delivery: every {DELIVER_EVERY_MIN} min (--no-crawl: crawls run elsewhere)"
            )
        elif job.id == "reminders":
            fire = job.trigger.get_next_fire_time(None, now)
            lines.append(f"  reminders: every {REMINDER_EVERY_MIN} min, next {local_time(fire)}")
    if run_now:
        lines.append(f"  --now: crawling all {sources} source(s) once, now")
    size = _size(settings.log_max_bytes)
    lines.append(
        f"  log: {log_path} (and {log_path.parent}/<source>.log per crawl), "
        f"rotated at {size}, {settings.log_backups} kept"
    )
    lines.append(
        "  stop: Ctrl-C or SIGTERM once = let running crawls close, deliver, exit; "
        "twice = stop at once"
    )
    return lines


def main(settings: Settings | None = None, run_now: bool = False, crawl: bool = True) -> int:
    """Run until SIGINT/SIGTERM (module docstring: stopping); returns the exit status.

    `run_now` crawls every enabled source once at start, then keeps the schedule. Without
    `crawl` (``--no-crawl``): no crawl jobs, and a delivery job instead.
    """
    stopper = Stopper()
    stopper.install()  # before anything slow: a Ctrl-C during start-up is a stop too
    settings = settings or load_settings()
    logs = setup_run_logging(settings)
    register_source_secrets(settings.sources_path)
    progress, kill = CrawlProgress(), threading.Event()
    dispatcher = CrawlDispatcher(partial(crawl_batch, settings, progress=progress, kill=kill))
    try:
        if crawl:
            scheduler = build_scheduler(settings, dispatcher)
        else:
            scheduler = BackgroundScheduler(timezone=CHICAGO)
            add_delivery_job(scheduler, settings)
        add_digest_job(scheduler, settings)
        add_reminder_job(scheduler, settings)
    except ConfigError as exc:
        logger.error("configuration problems:\n%s", exc)
        return 2
    for line in startup_summary(scheduler, settings, logs.log_path, datetime.now(CHICAGO), run_now):
        logger.info("%s", line)
    reporter = ProgressReporter(progress, logs.live, settings.progress_every_s).start()
    scheduler.start()
    dispatcher.start()
    if run_now:
        dispatcher.submit(sid for job in scheduler.get_jobs() for sid in _crawl_ids(job))
    while not stopper.requested.wait(0.5):
        pass
    announce_stop(stopper, progress)
    closer = threading.Thread(target=_close, args=(scheduler, dispatcher), daemon=True)
    closer.start()
    while closer.is_alive():
        if stopper.forced.wait(0.2):
            stop_now(settings, stopper, progress, kill, dispatcher, reporter)  # does not return
    reporter.stop()
    logger.info("scheduler stopped")
    return stopper.exit_status()


def _crawl_ids(job: Job) -> list[str]:
    return list(job.args[0]) if job.id.startswith("crawl:") else []


def _close(scheduler: BaseScheduler, dispatcher: CrawlDispatcher) -> None:
    """Graceful stop: no new jobs or batches; wait for the running ones (thread)."""
    dispatcher.request_stop()
    scheduler.shutdown(wait=True)
    dispatcher.stop()


if __name__ == "__main__":
    raise SystemExit(main())
