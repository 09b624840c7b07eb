"""The ``agenda-watch`` command line: the group and its global flags; commands live by area.

- `pipeline.cli.crawling`: crawl, deliver, run, demo
- `pipeline.cli.views`: matches, upcoming, site
- `pipeline.cli.sources`: sources, check-config, add-source, parse, schema
- `pipeline.cli.classify`: classify, eval
- `pipeline.cli.export`: export
"""

from __future__ import annotations

import logging
from pathlib import Path

import click
from pydantic import ValidationError

from pipeline.cli import classify, crawling, export, sources, views
from pipeline.cli.errors import Main
from pipeline.redact import register_source_secrets, setup_logging
from pipeline.settings import load_settings, settings_problems


@click.group(cls=Main)
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
@click.option("--debug", is_flag=True, help="Show the traceback when a command fails.")
@click.pass_context
def main(
    ctx: click.Context, data_dir: Path | None, config_dir: Path | None, verbose: bool, debug: bool
) -> None:
    """Watch Illinois agendas for items that touch immigrants' rights; tell counsel in Slack."""
    setup_logging(
        logging.DEBUG if verbose else logging.WARNING, "%(levelname)s %(name)s: %(message)s"
    )
    try:
        ctx.obj = load_settings(data_dir=data_dir, config_dir=config_dir)
    except ValidationError as exc:
        raise click.ClickException(settings_problems(exc)) from None
    # Platform tokens are redacted even by commands that never load the sources (deliver).
    register_source_secrets(ctx.obj.sources_path)


for _command in (
    crawling.crawl,
    crawling.deliver,
    crawling.run,
    crawling.demo,
    views.matches,
    classify.classify,
    sources.sources,
    sources.check_config,
    sources.parse,
    sources.add_source,
    sources.schema,
    views.upcoming,
    views.site,
    classify.eval_command,
    export.export,
):
    main.add_command(_command)
