"""Configuration and source commands: sources, check-config, add-source, parse, schema."""

from __future__ import annotations

import json
import socket
import ssl
import sys
import urllib.error
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
import yaml
from pydantic import BaseModel, ValidationError

from pipeline.cli.common import settings_of
from pipeline.cli.errors import Failure, echo_problems
from pipeline.config import check_sources, check_topics, check_watchlist, source_by_id
from pipeline.ingest.detect import (
    Detection,
    detect,
    looks_like_page,
    propose_entry,
    propose_slug,
)
from pipeline.ingest.onboard import check_url, fetch_page, plan_addition, write_addition
from pipeline.models import Source, json_schema, safe_message
from pipeline.store.health import source_health
from pipeline.store.ledger import Ledger

if TYPE_CHECKING:
    from spiders.base import AgendaSpider


@click.command()
@click.pass_context
def sources(ctx: click.Context) -> None:
    """Configured sources and their health: last success, items, failing and empty runs.

    The note names the last run's agendas that could not be read ("2 not read"), then its error.
    """
    settings = settings_of(ctx)
    found, problems = check_sources(settings.sources_path)
    ledger = Ledger(settings.ledger)
    try:
        states = {s.id: source_health(ledger, s.id) for s in found}
    finally:
        ledger.close()
    header = (
        f"{'id':<24} {'platform':<11} {'on':<3} {'last success (UTC)':<18} "
        f"{'mtgs':>4} {'items':>5} {'fail':>4} {'empty':>5} {'alert':<5} note"
    )
    click.echo(header)
    for s in found:
        h = states[s.id]
        last = (h.last_success or "never")[:16].replace("T", " ")
        # Stored messages are cleaned when written; older rows are cleaned here too.
        note = safe_message(h.last_message) if h.runs else "never crawled"
        if h.last_unread:  # agendas counsel must read by hand
            note = "; ".join(part for part in (f"{h.last_unread} not read", note) if part)
        click.echo(
            f"{s.id:<24} {s.platform:<11} {'yes' if s.enabled else 'no':<3} {last:<18} "
            f"{h.last_meetings:>4} {h.last_items:>5} {h.consecutive_failures:>4} "
            f"{h.consecutive_empty:>5} {'YES' if h.alerting else '':<5} {note[:60]}"
        )
    echo_problems(problems)
    if problems:
        sys.exit(1)


@click.command("check-config")
@click.pass_context
def check_config(ctx: click.Context) -> None:
    """Check sources.yaml, topics.yaml and watchlist.yaml: every problem, with its line.

    Each problem names its file, line, entry and field. Exit status 0 when all is well, 1 when
    there are problems.
    """
    settings = settings_of(ctx)
    found, problems = check_sources(settings.sources_path)
    problems += check_topics(settings.topics_path)
    problems += check_watchlist(settings.paths.watchlist_path)
    echo_problems(problems)
    if problems:
        sys.exit(1)
    enabled = sum(1 for s in found if s.enabled)
    click.echo(
        f"ok: {len(found)} sources ({enabled} enabled) in {settings.sources_path}; "
        f"{settings.topics_path.name} and {settings.paths.watchlist_path.name} valid"
    )


@click.command()
@click.option("--source", "source_id", help="A configured source id.")
@click.option("--platform", help="A platform name, for a page of a town not in config.")
@click.option("--url", required=True, help="The URL the saved file was fetched from.")
@click.option(
    "--timezone",
    help="With --platform: the town's IANA zone (default America/Chicago), e.g. America/Los_Angeles.",
)
@click.option(
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="With --platform: a platform option, repeatable (e.g. mode=web, view_id=12).",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def parse(
    ctx: click.Context,
    source_id: str | None,
    platform: str | None,
    url: str,
    timezone: str | None,
    options: tuple[str, ...],
    file: Path,
) -> None:
    """Run a spider's callback on a saved FILE; print the parsed records as JSON lines."""
    # Deferred: the spider loader imports Scrapy and every spider, a second of start-up that
    # the other commands need not pay.
    # Deferred: as above (spiders.base imports Scrapy).
    from spiders.base import SourceError
    from spiders.loader import spider_class_for
    from spiders.registry import platform_spiders

    if bool(source_id) == bool(platform):
        raise click.UsageError("give --source ID or --platform NAME")
    if source_id:
        if timezone or options:
            raise click.UsageError("--timezone and --option go with --platform")
        path = settings_of(ctx).sources_path
        try:
            source = source_by_id(path, source_id)
        except KeyError:
            raise Failure(
                f"no source {source_id!r} in {path}: `agenda-watch sources` lists the ids "
                "(or use --platform NAME for a town not configured yet)"
            ) from None
    else:
        source = adhoc_source(str(platform), url, platform_spiders(), timezone, options)
    spider = spider_class_for(source)()
    try:
        for record in spider.parse_saved(url, file.read_bytes()):
            click.echo(record.model_dump_json())
    except SourceError as exc:
        click.echo(f"{type(exc).__name__}: {exc}", err=True)
        sys.exit(1)


def _parse_options(
    platform: str, options: tuple[str, ...], model: type[BaseModel]
) -> dict[str, Any]:
    """``KEY=VALUE`` options over the platform's proposed defaults, checked by its model."""
    parsed: dict[str, Any] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"--option takes KEY=VALUE, got {option!r}")
        parsed[key.strip()] = yaml.safe_load(value) if value.strip() else ""
    try:
        model.model_validate(parsed)
    except ValidationError as exc:
        # A required option a saved page does not need (Granicus view_id) may stay unset.
        wrong = [e for e in exc.errors() if e["type"] != "missing"]
        if wrong:
            raise click.UsageError(f"bad --option for {platform}: {wrong[0]['msg']}") from exc
    return parsed


def adhoc_source(
    platform: str,
    url: str,
    platforms: Mapping[str, type[AgendaSpider]],
    timezone: str | None = None,
    options: tuple[str, ...] = (),
) -> Source:
    """A throwaway source for `parse --platform`.

    Tenant and origin come from the URL; zone and options from the command line, checked as a
    configured source's would be.
    """
    known = sorted(platforms)
    if platform not in known:
        raise click.UsageError(f"unknown platform {platform!r}; one of: {', '.join(known)}")
    try:
        ZoneInfo(timezone or "America/Chicago")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise click.UsageError(f"unknown time zone {timezone!r} (an IANA name)") from exc
    found = detect(url) or Detection(platform, "host")
    defaults = propose_entry(url, None, Detection(platform, found.by)).get("options")
    given = _parse_options(platform, options, platforms[platform].Options)
    parts = urlsplit(url)
    return Source(
        id="adhoc",
        name="",  # unknown: spiders take the body's name from the page
        jurisdiction="(parse)",
        platform=platform,
        slug=propose_slug(platform, url) or "adhoc",
        base_url=f"{parts.scheme}://{parts.netloc}",
        timezone=timezone or "America/Chicago",
        options={**(defaults if isinstance(defaults, dict) else {}), **given},
    )


@click.command("add-source")
@click.argument("url")
@click.option(
    "--from-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A saved copy of the page (instead of fetching URL).",
)
@click.option("--yes", is_flag=True, help="Append without asking.")
@click.pass_context
def add_source(ctx: click.Context, url: str, from_file: Path | None, yes: bool) -> None:
    """Recognise the platform of a town's agenda page and add it to sources.yaml.

    The change is shown as a diff before anything is written, and what is written is that diff.
    """
    settings = settings_of(ctx)
    try:
        check_url(url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="URL") from None
    page = from_file.read_bytes() if from_file else _fetch(url)
    if not looks_like_page(page):
        what = str(from_file) if from_file else f"the answer from {url}"
        raise Failure(
            f"{what} is not a web page (HTML, JSON or XML), so its platform cannot be told: "
            "give the address of the town's agenda or meeting-calendar page"
            + (", or a copy of that page saved from a browser" if from_file else "")
        )
    found = detect(url, page)
    if found is None:
        click.echo(
            "No known agenda platform recognised: this site needs a custom spider.", err=True
        )
        sys.exit(1)
    try:
        addition = plan_addition(settings.sources_path, propose_entry(url, page, found), url)
    except ValueError as exc:
        click.echo(f"not added: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Recognised {found.platform} (from the {found.by}). The change to sources.yaml:")
    click.echo(addition.diff().rstrip("\n"))
    if not yes and not click.confirm(f"Write this to {settings.sources_path}?", default=True):
        click.echo("Nothing written.")
        return
    try:
        write_addition(addition)
    except ValueError as exc:
        click.echo(f"not added: {exc}", err=True)
        sys.exit(1)
    source_id = addition.entry["id"]
    click.echo(f"Added {source_id!r}. Next: agenda-watch check-config; scrapy crawl {source_id}")


def _fetch(url: str) -> bytes:
    """The page at `url`, or a `Failure` saying why not and how to go on without the network."""
    try:
        return fetch_page(url)
    except urllib.error.HTTPError as exc:
        problem = f"the site answered HTTP {exc.code} {exc.reason}"
    except urllib.error.URLError as exc:
        problem = _network_reason(exc.reason)
    except (TimeoutError, ConnectionError) as exc:
        problem = _network_reason(exc)
    except ValueError as exc:  # urllib's "unknown url type"
        problem = str(exc)
    raise Failure(
        f"could not fetch {url}: {problem}. Check the address and the network, or save the page "
        "from a browser and run: agenda-watch add-source URL --from-file PAGE.html"
    )


def _network_reason(reason: object) -> str:
    """Words for why a connection failed (DNS, refused, timed out…)."""
    if isinstance(reason, socket.gaierror):
        return "the host name could not be looked up (no network, or a wrong address)"
    if isinstance(reason, TimeoutError):
        return "the site did not answer in time"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(reason, ssl.SSLError):
        return f"a secure connection could not be made ({reason.reason or reason})"
    return str(reason)


@click.command()
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema of a stored meeting document."""
    text = json.dumps(json_schema(), indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)
