"""``agenda-watch export``: stored meetings as City Scrapers meeting items or OCD events."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import click

from pipeline.cli.common import settings_of
from pipeline.clock import utcnow
from pipeline.store.files import write_atomic
from pipeline.store.index import stored_meetings
from pipeline.views.export import EXPORT_FORMATS, ExportFormat, export_lines, export_selection


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
    settings = settings_of(ctx)
    problems: list[str] = []
    written = 0
    with stored_meetings(settings.data_dir, settings.ledger) as index:
        for missing in sorted(set(sources) - (index.sources() if sources else set())):
            click.echo(f"note: no stored meetings from source {missing!r}", err=True)
        problems += [f"{path}: not a readable meeting ({why})" for path, why in index.problems()]
        chosen = index.meetings(
            export_selection(since.date() if since else None, frozenset(sources))
        )
        lines = export_lines(chosen, fmt, utcnow(), problems)

        def counted() -> Iterator[bytes]:
            nonlocal written
            for line in lines:
                written += 1
                yield f"{line}\n".encode()

        if out:  # streamed, one meeting in memory at a time
            try:
                write_atomic(out, counted())
            except OSError as exc:
                click.echo(f"cannot write {out}: {exc.strerror or exc}", err=True)
                sys.exit(1)
            click.echo(f"{written} meetings written to {out}", err=True)
        else:
            for chunk in counted():
                sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
    for problem in problems:
        click.echo(f"skipped: {problem}", err=True)
    sys.exit(1 if problems else 0)
