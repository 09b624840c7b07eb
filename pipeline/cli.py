"""The ``agenda-watch`` command line."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pipeline.config import ConfigError, check_sources, check_topics, load_sources
from pipeline.settings import Settings, load_settings

if TYPE_CHECKING:
    from pipeline.models import Source

# Lines of `classify --jsonl` output written at once.
CLASSIFY_BATCH = 1000


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


@click.group()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where JSON, the ledger and logs go (env AGENDA_WATCH_DATA_DIR, default ./data).",
)
@click.option(
    "--config-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where sources.yaml and topics.yaml are (env AGENDA_WATCH_CONFIG_DIR, default ./config).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, config_dir: Path | None, verbose: bool) -> None:
    """Watch Illinois agendas for items that touch immigrants' rights; tell counsel in Slack."""
    if data_dir:
        os.environ["AGENDA_WATCH_DATA_DIR"] = str(data_dir)
    if config_dir:
        os.environ["AGENDA_WATCH_CONFIG_DIR"] = str(config_dir)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # slack_sdk logs request details at DEBUG; keep it quiet even with -v.
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    ctx.obj = load_settings()


def _crawl_and_deliver(settings: Settings, source_ids: list[str], deliver_after: bool) -> int:
    from pipeline.ingest.crawl import crawl_many

    try:
        sources = load_sources(settings.sources_path)
    except ConfigError as exc:
        click.echo(f"configuration problems:\n{exc}", err=True)
        return 2
    known = {s.id for s in sources}
    unknown = [s for s in source_ids if s not in known]
    if unknown:
        click.echo(f"unknown or disabled source(s): {', '.join(unknown)}", err=True)
        return 2
    wanted = source_ids or sorted(known)
    click.echo(f"crawling {len(wanted)} source(s), {settings.crawl_parallel} at a time…")
    results = crawl_many(settings, wanted, on_result=lambda r: click.echo(r.line()))
    failed = [r for r in results if not r.ok]
    totals = {
        k: sum(getattr(r, k) for r in results) for k in ("meetings", "items", "matches", "notices")
    }
    click.echo(
        f"done: {len(results)} sources ({len(failed)} with problems), {totals['meetings']} meetings, "
        f"{totals['items']} items, {totals['matches']} matches, {totals['notices']} notices queued"
    )
    for r in failed:
        if r.log_path:
            click.echo(f"  {r.source}: see {r.log_path}")
    if deliver_after:
        _deliver(settings)
    return 1 if failed and len(failed) == len(results) else 0


def _deliver(settings: Settings) -> int:
    from pipeline.deliver.delivery import deliver
    from pipeline.store.ledger import Ledger

    ledger = Ledger(settings.ledger_path)
    try:
        report = deliver(settings, ledger)
    finally:
        ledger.close()
    click.echo(report.summary())
    if report.files:
        click.echo(f"  messages written to {report.files[0].parent}/ (no Slack configured)")
    return 1 if report.errors else 0


@main.command()
@click.argument("sources", nargs=-1)
@click.option("--no-deliver", is_flag=True, help="Only crawl; leave notices queued.")
@click.pass_context
def crawl(ctx: click.Context, sources: tuple[str, ...], no_deliver: bool) -> None:
    """Crawl SOURCES (default: all enabled), each in its own process, then deliver."""
    sys.exit(_crawl_and_deliver(_settings(ctx), list(sources), not no_deliver))


@main.command()
@click.pass_context
def deliver(ctx: click.Context) -> None:
    """Post queued notices to Slack (or write them under the data dir)."""
    sys.exit(_deliver(_settings(ctx)))


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the scheduler: each source on its cron, delivery after each crawl."""
    import scheduler

    sys.exit(scheduler.main(_settings(ctx)))


@main.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Crawl bundled recordings from a local server, deliver, and show the matches."""
    from pipeline.demo import run_demo

    settings = _settings(ctx)

    def go(demo_settings: Settings) -> int:
        _crawl_and_deliver(demo_settings, [], deliver_after=True)
        click.echo("")
        _show_matches(demo_settings, None, "table")
        click.echo(f"\nMeeting JSON: {demo_settings.data_dir / 'meetings'}/")
        click.echo(f"Ledger:       {demo_settings.ledger_path}")
        return 0

    sys.exit(run_demo(settings, go))


def _show_matches(settings: Settings, since: date | None, fmt: str) -> None:
    from pipeline.store.files import JsonStore
    from pipeline.views.format import bill_match_rows, match_rows, matches_table

    rows = match_rows(JsonStore(settings.data_dir), since)
    rows += bill_match_rows(settings.data_dir, since)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        click.echo(matches_table(rows))


@main.command()
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Meetings on or after.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def matches(ctx: click.Context, since: Any, fmt: str) -> None:
    """List stored agenda items that matched."""
    _show_matches(_settings(ctx), since.date() if since else None, fmt)


@main.command()
@click.argument("text", required=False)
@click.option("--jsonl", type=click.File("r"), help="JSON lines with 'id' and 'text'.")
@click.option("--explain", is_flag=True, help="Say why, for humans.")
@click.pass_context
def classify(ctx: click.Context, text: str | None, jsonl: Any, explain: bool) -> None:
    """Classify TEXT, or each line of --jsonl; print one JSON line per input."""
    from pipeline.classify.classifier import Classifier
    from pipeline.classify.classifier import explain as explain_text

    if (text is None) == (jsonl is None):
        raise click.UsageError("give either TEXT or --jsonl FILE")
    classifier = Classifier.from_yaml(_settings(ctx).topics_path)
    inputs: list[tuple[Any, str]] = []
    if jsonl is not None:
        for number, line in enumerate(jsonl, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                inputs.append((obj["id"], str(obj["text"])))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                click.echo(f"line {number}: skipped: {exc}", err=True)
    else:
        inputs.append((None, str(text)))
    lines: list[str] = []
    for ident, body in inputs:
        result = classifier.classify(body)
        if explain:
            click.echo(explain_text(result, body))
            continue
        out = {
            "id": ident,
            "relevant": result.relevant,
            "score": result.score,
            "topics": list(result.topics),
            "evidence": [e.model_dump() for e in result.evidence],
        }
        lines.append(json.dumps(out, ensure_ascii=False))
        # One write per batch: an echo per line was a third of the time of --jsonl.
        if len(lines) == CLASSIFY_BATCH:
            click.echo("\n".join(lines))
            lines.clear()
    if lines:
        click.echo("\n".join(lines))


@main.command()
@click.pass_context
def sources(ctx: click.Context) -> None:
    """Configured sources and their health: last success, items, failing and empty runs."""
    from pipeline.store.health import source_health
    from pipeline.store.ledger import Ledger

    settings = _settings(ctx)
    found, problems = check_sources(settings.sources_path)
    ledger = Ledger(settings.ledger_path)
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
        note = h.last_message if h.runs else "never crawled"
        click.echo(
            f"{s.id:<24} {s.platform:<11} {'yes' if s.enabled else 'no':<3} {last:<18} "
            f"{h.last_meetings:>4} {h.last_items:>5} {h.consecutive_failures:>4} "
            f"{h.consecutive_empty:>5} {'YES' if h.alerting else '':<5} {note[:60]}"
        )
    for p in problems:
        click.echo(f"config problem: {p}", err=True)


@main.command("check-config")
@click.pass_context
def check_config(ctx: click.Context) -> None:
    """Check sources.yaml and topics.yaml; list every problem with file, entry and field."""
    settings = _settings(ctx)
    found, problems = check_sources(settings.sources_path)
    problems += check_topics(settings.topics_path)
    for p in problems:
        click.echo(str(p), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(f"ok: {len(found)} sources, topics.yaml valid")


@main.command()
@click.option("--source", "source_id", help="A configured source id.")
@click.option("--platform", help="A platform name, for a page of a town not in config.")
@click.option("--url", required=True, help="The URL the saved file was fetched from.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def parse(
    ctx: click.Context, source_id: str | None, platform: str | None, url: str, file: Path
) -> None:
    """Run a spider's callback on a saved FILE; print the parsed records as JSON lines."""
    from pipeline.config import source_by_id
    from spiders.loader import spider_class_for

    if bool(source_id) == bool(platform):
        raise click.UsageError("give --source ID or --platform NAME")
    if source_id:
        source = source_by_id(_settings(ctx).sources_path, source_id)
    else:
        source = _adhoc_source(str(platform), url)
    spider = spider_class_for(source)()
    for record in spider.parse_saved(url, file.read_bytes()):
        click.echo(record.model_dump_json())


def _adhoc_source(platform: str, url: str) -> Source:
    """A throwaway source for `parse --platform`: tenant and origin taken from the URL."""
    from urllib.parse import urlsplit

    from pipeline.ingest.detect import propose_slug
    from pipeline.models import PLATFORMS, Source

    if platform not in PLATFORMS:
        raise click.UsageError(f"unknown platform {platform!r}; one of: {', '.join(PLATFORMS)}")
    parts = urlsplit(url)
    return Source(
        id="adhoc",
        name="(parse)",
        jurisdiction="(parse)",
        platform=platform,
        slug=propose_slug(platform, url) or "adhoc",
        base_url=f"{parts.scheme}://{parts.netloc}",
    )


@main.command("add-source")
@click.argument("url")
@click.option(
    "--from-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A saved copy of the page (instead of fetching URL).",
)
@click.option("--yes", is_flag=True, help="Append without asking.")
@click.pass_context
def add_source(ctx: click.Context, url: str, from_file: Path | None, yes: bool) -> None:
    """Recognise the platform of a town's agenda page and add it to sources.yaml."""
    from pipeline.ingest.detect import detect, propose_entry
    from pipeline.ingest.onboard import append_source, fetch_page

    settings = _settings(ctx)
    page = from_file.read_bytes() if from_file else fetch_page(url)
    found = detect(url, page)
    if found is None:
        click.echo(
            "No known agenda platform recognised: this site needs a custom spider.", err=True
        )
        sys.exit(1)
    entry = propose_entry(url, page, found)
    click.echo(f"Recognised {found.platform} (from the {found.by}). Proposed entry:")
    import yaml

    click.echo(yaml.safe_dump([entry], sort_keys=False).rstrip())
    if not yes and not click.confirm(f"Append to {settings.sources_path}?", default=True):
        click.echo("Nothing written.")
        return
    try:
        append_source(settings.sources_path, entry, evidence=url)
    except ValueError as exc:
        click.echo(f"not added: {exc}", err=True)
        sys.exit(1)
    click.echo(
        f"Added {entry['id']!r}. Next: agenda-watch check-config; scrapy crawl {entry['id']}"
    )


@main.command()
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema of a stored meeting document."""
    from pipeline.models import json_schema

    text = json.dumps(json_schema(), indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


# Commands defined in their own modules (imported last: they import this module's helpers).
from pipeline.classify.evaluate import eval_command  # noqa: E402
from pipeline.views.site import site_command  # noqa: E402
from pipeline.views.upcoming import upcoming_command  # noqa: E402

for _command in (upcoming_command, site_command, eval_command):
    main.add_command(_command)
