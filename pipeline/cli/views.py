"""Read-only commands over what is stored: ``matches``, ``upcoming`` and ``site``."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from pipeline.cli.common import settings_of, window_options, window_query
from pipeline.models import clean_text
from pipeline.settings import Settings
from pipeline.store.files import JsonStore
from pipeline.views.calendar import EventVersions, calendar_bytes
from pipeline.views.format import bill_match_rows, match_rows, matches_table, upcoming_table
from pipeline.views.site import build_site, render_page
from pipeline.views.upcoming import select_upcoming, upcoming_json


def show_matches(settings: Settings, since: date | None, fmt: str) -> None:
    """Print stored matches (agenda items and tracked bills) as a table or JSON."""
    rows = match_rows(JsonStore(settings.data_dir), since)
    rows += bill_match_rows(settings.data_dir, since)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        click.echo(clean_text(matches_table(rows)))  # models clean their text; so is the rest


@click.command()
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Meetings on or after.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def matches(ctx: click.Context, since: Any, fmt: str) -> None:
    """List stored agenda items that matched."""
    show_matches(settings_of(ctx), since.date() if since else None, fmt)


@click.command("upcoming")
@window_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "ics", "html"]),
    default="table",
    show_default=True,
)
@click.pass_context
def upcoming(
    ctx: click.Context,
    first: datetime | None,
    days: int,
    sources: tuple[str, ...],
    topics: tuple[str, ...],
    fmt: str,
) -> None:
    """Upcoming meetings and hearings with relevant items, soonest first, in local time."""
    settings = settings_of(ctx)
    query = window_query(first, days, sources, topics)
    stored = list(JsonStore(settings.data_dir).iter_meetings())
    known = {m.source for m in stored}
    for missing in sorted(query.sources - known):
        click.echo(f"note: no stored meetings from source {missing!r}", err=True)
    meetings = select_upcoming(stored, query)
    if fmt == "json":
        click.echo(json.dumps(upcoming_json(meetings, query), indent=2, ensure_ascii=False))
    elif fmt == "ics":
        versions = EventVersions.load(settings.data_dir)
        data = calendar_bytes(meetings, "Upcoming votes (agenda-watch)", versions)
        versions.save()
        sys.stdout.buffer.write(data)
    elif fmt == "html":
        click.echo(render_page(meetings, query, feeds=[]))
    else:
        click.echo(clean_text(upcoming_table(meetings, query.first, query.last)))


@click.command("site")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write (created if missing).",
)
@window_options
@click.pass_context
def site(
    ctx: click.Context,
    out_dir: Path,
    first: datetime | None,
    days: int,
    sources: tuple[str, ...],
    topics: tuple[str, ...],
) -> None:
    """Write a static page of upcoming votes, with calendar (.ics) and JSON feeds, to --out."""
    settings = settings_of(ctx)
    query = window_query(first, days, sources, topics)
    versions = EventVersions.load(settings.data_dir)
    meetings, feeds = build_site(JsonStore(settings.data_dir), out_dir, query, versions)
    click.echo(
        f"wrote {out_dir / 'index.html'}: {len(meetings)} meeting(s); "
        f"{len(feeds)} calendar feed(s) under {out_dir / 'calendar'}/"
    )
