"""What the command modules share: the settings on the click context, the upcoming-window options."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click

from pipeline.models import TOPICS
from pipeline.settings import Settings
from pipeline.views.upcoming import DEFAULT_DAYS, UpcomingQuery, today

F = TypeVar("F", bound=Callable[..., Any])


def settings_of(ctx: click.Context) -> Settings:
    """The settings `pipeline.cli.main` put on the context (environment plus global flags)."""
    settings: Settings = ctx.obj
    return settings


def window_options(command: F) -> F:
    """``--from``, ``--days``, ``--source`` and ``--topic``: the window of upcoming meetings."""
    options = [
        click.option(
            "--from",
            "first",
            type=click.DateTime(formats=["%Y-%m-%d"]),
            help="First day, YYYY-MM-DD (default: today in America/Chicago).",
        ),
        click.option(
            "--days",
            type=click.IntRange(1, 366),
            default=DEFAULT_DAYS,
            show_default=True,
            help="Window length in days.",
        ),
        click.option(
            "--source", "sources", multiple=True, help="Only this source id (repeatable)."
        ),
        click.option(
            "--topic", "topics", multiple=True, type=click.Choice(TOPICS), help="Only this topic."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def window_query(
    first: datetime | None, days: int, sources: tuple[str, ...], topics: tuple[str, ...]
) -> UpcomingQuery:
    """The query the `window_options` ask for (the window starts today when ``--from`` is absent)."""
    return UpcomingQuery(
        first=first.date() if first else today(),
        days=days,
        sources=frozenset(sources),
        topics=frozenset(topics),
    )
