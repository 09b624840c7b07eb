"""Commands that look after what is stored: ``notices`` (the outbox) and ``doctor``."""

from __future__ import annotations

import sys

import click

from pipeline.cli.common import settings_of
from pipeline.config import check_sources
from pipeline.display import truncate
from pipeline.settings import Settings
from pipeline.store.doctor import doctor as run_doctor
from pipeline.store.ledger import NOTICE_STATES, Ledger, OutboxRow

# Ops notices go to the ops channel; every other kind to its source's channel.
OPS_KINDS = ("source_failing", "source_recovered", "delivery_failed")


def notice_line(row: OutboxRow) -> str:
    """One outbox row for the terminal: number, state, kind, source, age, last error."""
    line = (
        f"#{row.row_id:<6} {row.state:<8} {row.kind:<16} {truncate(row.source, 24):<24} "
        f"{row.created_at[:16]}  attempts {row.attempts}"
    )
    if row.last_error:
        line += f"\n         {truncate(row.last_error, 300)}"
    return line


def current_channel(settings: Settings, row: OutboxRow) -> tuple[bool, str | None]:
    """(known, channel): where the configuration sends this notice now.

    A retried notice goes where the configuration says today (the fix may have been a channel);
    ``known`` is False when the configuration no longer names its source (the row keeps its own).
    """
    if row.kind in OPS_KINDS:
        return True, settings.slack_ops_channel
    sources, _ = check_sources(settings.sources_path)
    source = next((s for s in sources if s.id == row.source), None)
    return (source is not None), (source.slack_channel if source else None)


def retry(settings: Settings, ledger: Ledger, which: tuple[str, ...]) -> int:
    """Queue dead notices again (numbers, or ``all``); 1 when one of them was not dead."""
    if "all" in which:
        rows = ledger.pending(("dead",))
    else:
        rows = []
        for ref in which:
            row = ledger.notice_row(int(ref.lstrip("#"))) if ref.lstrip("#").isdigit() else None
            if row is None:
                raise click.BadParameter(f"no notice #{ref}", param_hint="--retry")
            rows.append(row)
    status = 0
    for row in rows:
        known, channel = current_channel(settings, row)
        if ledger.retry_dead(row.row_id, channel, reset_channel=known):
            click.echo(f"#{row.row_id} queued again; `agenda-watch deliver` posts it")
        else:
            click.echo(f"#{row.row_id} is {row.state}, not dead: left as it is", err=True)
            status = 1
    return status


@click.command()
@click.option("--dead", is_flag=True, help="Only notices Slack refused for good, with the reason.")
@click.option(
    "--state", "states", multiple=True, type=click.Choice(NOTICE_STATES), help="Only this state."
)
@click.option(
    "--retry",
    "retries",
    multiple=True,
    metavar="ROW|all",
    help="Queue a dead notice again after fixing the cause (repeatable; `all`: every dead one).",
)
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.pass_context
def notices(
    ctx: click.Context, dead: bool, states: tuple[str, ...], retries: tuple[str, ...], limit: int
) -> None:
    """The outbox: counts per state, then the notices not yet sent (or those asked for)."""
    settings = settings_of(ctx)
    ledger = Ledger(settings.ledger)
    try:
        if retries:
            sys.exit(retry(settings, ledger, retries))
        counts = ledger.counts()
        click.echo(", ".join(f"{s}: {counts.get(s, 0)}" for s in NOTICE_STATES))
        wanted = ("dead",) if dead else states or ("queued", "inflight", "dead")
        rows = ledger.pending(wanted, limit)
        for row in rows:
            click.echo(notice_line(row))
        total = sum(counts.get(s, 0) for s in wanted)
        if total > len(rows):
            click.echo(f"…and {total - len(rows)} more (--limit)")
        if dead and rows:
            click.echo("After fixing the cause: agenda-watch notices --retry ROW (or --retry all)")
    finally:
        ledger.close()


@click.command()
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """Check the ledger and stored files; set aside what no longer reads, and say what was done."""
    settings = settings_of(ctx)
    for line in run_doctor(settings.data_dir, settings.ledger):
        click.echo(line)
