"""The ``agenda-watch`` command line: the group and its global flags; commands live by area.

- `pipeline.cli.crawling`: crawl, deliver, run, demo
- `pipeline.cli.views`: matches, upcoming, site, reindex
- `pipeline.cli.sources`: sources, check-config, add-source, parse, schema
- `pipeline.cli.classify`: classify, eval
- `pipeline.cli.upkeep`: notices, doctor
- `pipeline.cli.export`: export
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

import click
from pydantic import ValidationError

from pipeline.cli.errors import Main
from pipeline.redact import register_source_secrets, setup_logging
from pipeline.settings import load_settings, settings_problems

# Command → "module:function". A command's module is imported only when it runs (or when --help
# lists them all): the crawl and classify modules take about 0.3 s to import (Scrapy, APScheduler,
# the classifier's rules), which a read view such as `matches --since` should not pay.
COMMANDS = {
    "crawl": "pipeline.cli.crawling:crawl",
    "deliver": "pipeline.cli.crawling:deliver",
    "run": "pipeline.cli.crawling:run",
    "demo": "pipeline.cli.crawling:demo",
    "matches": "pipeline.cli.views:matches",
    "classify": "pipeline.cli.classify:classify",
    "sources": "pipeline.cli.sources:sources",
    "check-config": "pipeline.cli.sources:check_config",
    "parse": "pipeline.cli.sources:parse",
    "add-source": "pipeline.cli.sources:add_source",
    "schema": "pipeline.cli.sources:schema",
    "upcoming": "pipeline.cli.views:upcoming",
    "site": "pipeline.cli.views:site",
    "reindex": "pipeline.cli.views:reindex",
    "eval": "pipeline.cli.classify:eval_command",
    "export": "pipeline.cli.export:export",
    "notices": "pipeline.cli.upkeep:notices",
    "doctor": "pipeline.cli.upkeep:doctor",
}


class LazyGroup(Main):
    """A group whose commands (`COMMANDS`) are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, sorted (as click lists them)."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, its module imported now; None for an unknown name."""
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup)
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
