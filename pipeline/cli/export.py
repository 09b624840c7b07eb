"""``agenda-watch export``: stored meetings as City Scrapers meeting items or OCD events."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from pipeline.cli.common import settings_of
from pipeline.clock import utcnow
from pipeline.store.files import write_atomic
from pipeline.views.export import (
    EXPORT_FORMATS,
    ExportFormat,
    export_lines,
    load_meetings,
    select_meetings,
)


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    required=True,
    help="City Scrapers meeting items or Open Civic Data events.",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Meetings on or after this local date, YYYY-MM-DD.",
)
@click.option("--source", "sources", multiple=True, help="Only this source id (repeatable).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (atomically) instead of stdout.",
)
@click.pass_context
def export(
    ctx: click.Context,
    fmt: ExportFormat,
    since: datetime | None,
    sources: tuple[str, ...],
    out: Path | None,
) -> None:
    """Stored meetings as City Scrapers meeting JSON lines or Open Civic Data events.

    A file that cannot be read, or a meeting with no URL to cite as its source, is named on
    stderr and left out; the rest is written and the exit status is 1.
    """
    loaded = load_meetings(settings_of(ctx).data_dir)
    for missing in sorted(set(sources) - {m.source for m in loaded.meetings}):
        click.echo(f"note: no stored meetings from source {missing!r}", err=True)
    chosen = select_meetings(loaded.meetings, since.date() if since else None, frozenset(sources))
    problems = list(loaded.problems)
    lines = list(export_lines(chosen, fmt, utcnow(), problems))
    text = "".join(f"{line}\n" for line in lines)
    if out:
        try:
            write_atomic(out, text.encode("utf-8"))
        except OSError as exc:
            click.echo(f"cannot write {out}: {exc.strerror or exc}", err=True)
            sys.exit(1)
        click.echo(f"{len(lines)} meetings written to {out}", err=True)
    else:
        click.echo(text, nl=False)
    for problem in problems:
        click.echo(f"skipped: {problem}", err=True)
    sys.exit(1 if problems else 0)
