"""The classifier on its own: ``classify`` (one text or JSON lines) and ``eval`` (a labelled set)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from pipeline.classify.classifier import Classifier, explain
from pipeline.classify.evaluate import DEFAULT_TOPICS, evaluate, format_text, load_rows
from pipeline.cli.common import settings_of
from pipeline.config import ConfigError, check_topics


def load_classifier(path: Path) -> Classifier:
    """The classifier of a topics file; `ConfigError` with every problem when it is broken."""
    problems = check_topics(path)
    if problems:
        raise ConfigError(problems)
    return Classifier.from_yaml(path)


# Lines of `classify --jsonl` output written at once.
CLASSIFY_BATCH = 1000


@click.command()
@click.argument("text", required=False)
@click.option("--jsonl", type=click.File("r"), help="JSON lines with 'id' and 'text'.")
@click.option("--explain", "explain_", is_flag=True, help="Say why, for humans.")
@click.pass_context
def classify(ctx: click.Context, text: str | None, jsonl: Any, explain_: bool) -> None:
    """Classify TEXT, or each line of --jsonl; print one JSON line per input."""
    if (text is None) == (jsonl is None):
        raise click.UsageError("give either TEXT or --jsonl FILE")
    classifier = load_classifier(settings_of(ctx).topics_path)
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
        if explain_:
            click.echo(explain(result, body))
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


@click.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--baseline", is_flag=True, help="Show the naive keyword list side by side.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--rules",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A topics file to measure instead of the configured one (to try a change).",
)
@click.pass_context
def eval_command(
    ctx: click.Context, file: Path, baseline: bool, fmt: str, rules: Path | None
) -> None:
    """Measure the classifier on FILE (JSON lines with text and label)."""
    topics_path = rules or getattr(ctx.obj, "topics_path", None) or DEFAULT_TOPICS
    classifier = load_classifier(Path(topics_path))
    try:
        rows = load_rows(file)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    report = evaluate(rows, classifier, baseline)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_text(report))
