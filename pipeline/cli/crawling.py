"""Commands that fetch and post: ``crawl``, ``deliver``, ``run`` (the scheduler) and ``demo``."""

from __future__ import annotations

import sys

import click

import scheduler
from pipeline.cli.common import settings_of
from pipeline.cli.errors import echo_problems
from pipeline.cli.views import show_matches
from pipeline.config import ConfigError, check_sources, check_topics, check_watchlist
from pipeline.deliver.outbox import deliver as deliver_outbox
from pipeline.demo import failing_on_purpose, run_demo
from pipeline.ingest.crawl import crawl_many, workers_for
from pipeline.settings import Settings
from pipeline.store.ledger import Ledger


def crawl_and_deliver(settings: Settings, source_ids: list[str], deliver_after: bool) -> int:
    """Crawl the sources (all enabled when none are named), report each, then deliver.

    Broken topic rules stop everything (no item could be classified); a broken source entry is
    reported like check-config reports it and costs only that source, but the exit status is 1.
    """
    topic_problems = check_topics(settings.topics_path)
    if topic_problems:
        raise ConfigError(topic_problems)
    found, problems = check_sources(settings.sources_path)
    problems += check_watchlist(settings.paths.watchlist_path)
    echo_problems(problems)
    known = {s.id for s in found if s.enabled}
    unknown = [s for s in source_ids if s not in known]
    if unknown:
        broken = {p.entry for p in problems}
        for sid in unknown:
            why = (
                "its entry has problems (above)" if sid in broken else "not configured or disabled"
            )
            click.echo(f"cannot crawl {sid}: {why}; `agenda-watch sources` lists the ids", err=True)
        return 1
    wanted = source_ids or sorted(known)
    workers = workers_for(settings, len(wanted))
    click.echo(f"crawling {len(wanted)} source(s), up to {workers} worker process(es)…")
    results = crawl_many(settings, wanted, on_result=lambda r: click.echo(r.line()), sources=found)
    failed = [r for r in results if not r.ok]
    totals = {
        k: sum(getattr(r, k) for r in results)
        for k in ("meetings", "items", "matches", "notices", "unread")
    }
    click.echo(
        f"done: {len(results)} sources ({len(failed)} with problems), {totals['meetings']} meetings, "
        f"{totals['items']} items, {totals['matches']} matches, {totals['notices']} notices queued"
        + (f", {totals['unread']} agendas not read" if totals["unread"] else "")
    )
    for r in failed:
        if r.log_path:
            click.echo(f"  {r.source}: see {r.log_path}")
    if deliver_after:
        deliver_and_report(settings)
    return 1 if problems or (failed and len(failed) == len(results)) else 0


def deliver_and_report(settings: Settings) -> int:
    """Deliver the outbox and print what happened; 1 when a notice could not be posted."""
    ledger = Ledger(settings.ledger)
    try:
        report = deliver_outbox(settings, ledger)
    finally:
        ledger.close()
    click.echo(report.summary())
    if report.files:
        click.echo(f"  messages written to {report.files[0].parent}/ (no Slack configured)")
    return 1 if report.errors else 0


@click.command()
@click.argument("sources", nargs=-1)
@click.option("--no-deliver", is_flag=True, help="Only crawl; leave notices queued.")
@click.pass_context
def crawl(ctx: click.Context, sources: tuple[str, ...], no_deliver: bool) -> None:
    """Crawl SOURCES (default: all enabled), many per worker process, then deliver."""
    sys.exit(crawl_and_deliver(settings_of(ctx), list(sources), not no_deliver))


@click.command()
@click.pass_context
def deliver(ctx: click.Context) -> None:
    """Post queued notices to Slack (or write them under the data dir)."""
    sys.exit(deliver_and_report(settings_of(ctx)))


@click.command()
@click.option("--now", is_flag=True, help="Crawl every enabled source once at start as well.")
@click.option(
    "--no-crawl",
    is_flag=True,
    help="Crawls run elsewhere (Scrapyd): only deliver (every few minutes), digest, remind.",
)
@click.pass_context
def run(ctx: click.Context, now: bool, no_crawl: bool) -> None:
    """Run the scheduler: sources due together crawl as one batch, then delivery.

    Ctrl-C (or SIGTERM) once stops after the running crawls close; twice stops at once.
    """
    settings = settings_of(ctx)
    # What the scheduler would refuse, said as check-config says it (broken topic rules would
    # also fail every crawl at its first item).
    problems = check_topics(settings.topics_path) + check_sources(settings.sources_path)[1]
    if problems:
        raise ConfigError(problems)
    if now and no_crawl:
        raise click.UsageError("--now crawls, --no-crawl does not: give one of them")
    sys.exit(scheduler.main(settings, run_now=now, crawl=not no_crawl))


@click.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Crawl bundled recordings from a local server, deliver, and show the matches."""

    def go(demo_settings: Settings) -> int:
        for source_id, why in failing_on_purpose().items():
            click.echo(f"note: {source_id} {why[:1].lower()}{why[1:]}")
        crawl_and_deliver(demo_settings, [], deliver_after=True)
        click.echo("")
        show_matches(demo_settings, None, "table")
        click.echo(f"\nMeeting JSON: {demo_settings.data_dir / 'meetings'}/")
        click.echo(f"Ledger:       {demo_settings.ledger_path}")
        return 0

    sys.exit(run_demo(settings_of(ctx), go))
