"""Commands over what is stored: ``matches``, ``upcoming``, ``site``, and ``reindex``.

The views read through the meeting index (`pipeline.store.index`): only the documents they show.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from pipeline.cli.common import settings_of, window_options, window_query
from pipeline.clock import utcnow
from pipeline.models import clean_text
from pipeline.settings import Settings
from pipeline.store.index import MeetingIndex, stored_meetings
from pipeline.store.ledger import Ledger
from pipeline.views.deadlines import (
    deadline_rows,
    deadline_window,
    deadlines_table,
    select_deadlines,
)
from pipeline.views.format import (
    bill_match_rows,
    match_rows,
    match_selection,
    matches_table,
    upcoming_table,
)
from pipeline.views.upcoming import UpcomingQuery, load_upcoming, upcoming_json

# The calendar and site modules are imported where they are used: icalendar takes ~30 ms to
# import, a tenth of `matches --since` at 100,000 stored meetings.


def show_matches(settings: Settings, since: date | None, fmt: str) -> None:
    """Print stored matches (agenda items and tracked bills) as a table or JSON."""
    with stored_meetings(settings.data_dir, settings.ledger) as index:
        rows = match_rows(index.meetings(match_selection(since)), since)
    rows += bill_match_rows(settings.data_dir, since)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        click.echo(clean_text(matches_table(rows)))  # models clean their text; so is the rest


def note_unknown_sources(index: MeetingIndex, query: UpcomingQuery) -> None:
    """Say on stderr which asked-for sources have no stored meetings (a typo, usually)."""
    if not query.sources:  # listing the stored sources reads every row of the index
        return
    for missing in sorted(query.sources - index.sources()):
        click.echo(f"note: no stored meetings from source {missing!r}", err=True)


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
@click.option(
    "--deadlines",
    is_flag=True,
    help="List deadlines instead: public-comment windows closing and witness-slip hearings "
    "(table or json), soonest first.",
)
@click.pass_context
def upcoming(
    ctx: click.Context,
    first: datetime | None,
    days: int,
    sources: tuple[str, ...],
    topics: tuple[str, ...],
    fmt: str,
    deadlines: bool,
) -> None:
    """Upcoming meetings and hearings with relevant items, soonest first, in local time."""
    settings = settings_of(ctx)
    query = window_query(first, days, sources, topics)
    with stored_meetings(settings.data_dir, settings.ledger) as index:
        note_unknown_sources(index, query)
        if deadlines:
            if fmt not in ("table", "json"):
                raise click.UsageError("--deadlines lists as a table or as json")
            found = select_deadlines(load_upcoming(index, deadline_window(query)), query, utcnow())
        else:
            meetings = load_upcoming(index, query)
    if deadlines:
        if fmt == "json":
            rows = {"from": query.first.isoformat(), "to": query.last.isoformat()}
            click.echo(
                json.dumps(
                    {**rows, "deadlines": deadline_rows(found)}, indent=2, ensure_ascii=False
                )
            )
        else:
            click.echo(clean_text(deadlines_table(found, query)))
        return
    if fmt == "json":
        click.echo(json.dumps(upcoming_json(meetings, query), indent=2, ensure_ascii=False))
    elif fmt == "ics":
        # Deferred: icalendar is slow to import (see the note on the imports above).
        from pipeline.views.calendar import EventVersions, calendar_bytes

        versions = EventVersions.load(settings.data_dir)
        data = calendar_bytes(meetings, "Upcoming votes (agenda-watch)", versions)
        versions.save()
        sys.stdout.buffer.write(data)
    elif fmt == "html":
        # Deferred: the site module imports icalendar, slow to import (see the imports above).
        from pipeline.views.site import render_page

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
    # Deferred: icalendar is slow to import (see the note on the imports above).
    from pipeline.views.calendar import EventVersions
    from pipeline.views.site import build_site, site_query

    settings = settings_of(ctx)
    query = window_query(first, days, sources, topics)
    versions = EventVersions.load(settings.data_dir)
    with stored_meetings(settings.data_dir, settings.ledger) as index:
        note_unknown_sources(index, query)
        selected = load_upcoming(index, site_query(query))
    meetings, feeds = build_site(selected, out_dir, query, versions)
    click.echo(
        f"wrote {out_dir / 'index.html'}: {len(meetings)} meeting(s); "
        f"{len(feeds)} calendar feed(s) under {out_dir / 'calendar'}/"
    )


@click.command("reindex")
@click.option(
    "--changed",
    is_flag=True,
    help="Compare every stored file's stat with the index and read only the changed ones "
    "(after editing documents in place), instead of rebuilding from nothing.",
)
@click.pass_context
def reindex(ctx: click.Context, changed: bool) -> None:
    """Rebuild the index the views read (from every stored meeting document).

    Views keep the index up to date by themselves, except for documents rewritten in place
    (not replaced); this rebuilds it from nothing, e.g. after restoring the data dir or the
    ledger from a backup, or with --changed rereads just the files that changed.
    """
    settings = settings_of(ctx)
    ledger = Ledger(settings.ledger)
    try:
        index = MeetingIndex(settings.data_dir, ledger)
        done = index.refresh(rebuild=not changed, every_file=True)
        problems = index.problems()
        count = ledger.index_count()
    finally:
        ledger.close()
    if changed:
        click.echo(f"{done.read} changed file(s) read again, {done.dropped} gone", err=True)
    click.echo(f"indexed {count - len(problems)} stored meeting(s) under {index.root}")
    for path, why in problems:
        click.echo(f"not a readable meeting: {path} ({why})", err=True)
