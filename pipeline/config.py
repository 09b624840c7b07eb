"""Load and check ``config/sources.yaml``, ``config/topics.yaml`` and ``config/watchlist.yaml``.

Every problem is reported with its file, entry and field, all at once, so a maintainer fixes a
typo in one pass instead of one error per run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import ValidationError

from pipeline.classify.classifier import TopicsConfig
from pipeline.ilga.watchlist import read_watchlist
from pipeline.models import Source
from pipeline.redact import register_env_secret

if TYPE_CHECKING:
    from spiders.base import AgendaSpider

# Platforms with one tenant, whose URLs need no slug or base_url (Chicago eLMS, the General Assembly).
SINGLE_TENANT = ("elms", "ilga")
DEFAULT_SCHEDULE = "23 6,12,18 * * mon-sat"  # three looks a day, away from the DST switch hours
CHICAGO = ZoneInfo("America/Chicago")
# PyYAML's C loader (libyaml) parses a 1,000-source file about 10x faster than the Python one.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One configuration problem: where it is and what is wrong."""

    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        where = ":".join(p for p in (self.file, self.entry, self.field) if p)
        return f"{where}: {self.message}"


class ConfigError(Exception):
    """The configuration has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=YAML_LOADER)
    except FileNotFoundError:
        problems.append(Problem(str(path), "", "", "file not found"))
    except yaml.YAMLError as exc:
        problems.append(Problem(str(path), "", "", f"not valid YAML: {exc}"))
    return None


def cron_trigger(expr: str, timezone: ZoneInfo) -> CronTrigger:
    """A crontab line ("minute hour day month day_of_week") as a trigger in `timezone`.

    Raises ValueError saying what is wrong; a numeric weekday is wrong too, because APScheduler 3
    numbers weekdays from Monday=0, unlike crontab's Sunday=0: only names are unambiguous.
    """
    try:
        trigger = CronTrigger.from_crontab(expr, timezone=timezone)
    except ValueError as exc:
        raise ValueError(f"invalid cron expression: {exc}") from None
    fields = expr.split()
    if len(fields) == 5 and any(ch.isdigit() for ch in fields[4]):
        raise ValueError(
            "use weekday names (mon-fri), not numbers: APScheduler 3 counts 0 as Monday"
        )
    return trigger


def _check_schedule(expr: str) -> str | None:
    try:
        cron_trigger(expr, CHICAGO)
    except ValueError as exc:
        return str(exc)
    return None


def _source_problems(file: str, index: int, raw: Any, defaults: dict[str, Any]) -> list[Problem]:
    entry = f"sources[{index}]"
    if not isinstance(raw, dict):
        return [Problem(file, entry, "", "each source must be a mapping")]
    entry = f"sources[{index}] ({raw.get('id', '?')})"
    merged = {**defaults, **raw}
    try:
        source = Source.model_validate(merged, context={"platforms": _platforms()})
    except ValidationError as exc:
        return [
            Problem(
                file,
                entry,
                ".".join(str(p) for p in err["loc"]),
                err["msg"].removeprefix("Value error, "),
            )
            for err in exc.errors()
        ]
    problems: list[Problem] = []
    try:
        ZoneInfo(source.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(Problem(file, entry, "timezone", f"unknown time zone {source.timezone!r}"))
    if source.schedule and (msg := _check_schedule(source.schedule)):
        problems.append(Problem(file, entry, "schedule", msg))
    problems += _platform_problems(file, entry, source)
    if not source.slug and not source.base_url and source.platform not in SINGLE_TENANT:
        problems.append(Problem(file, entry, "slug", "set slug (tenant) or base_url"))
    if source.api_token_env and not source.api_token_env.isidentifier():
        problems.append(Problem(file, entry, "api_token_env", "must name an environment variable"))
    return problems


def _platforms() -> dict[str, type[AgendaSpider]]:
    """Platform name → spider class: the platforms are the spiders there are."""
    # Deferred: the registry imports Scrapy and every spider module (about a second), which
    # commands that never read sources.yaml need not pay.
    from spiders.registry import platform_spiders

    return platform_spiders()


def _platform_problems(file: str, entry: str, source: Source) -> list[Problem]:
    """The source's ``options`` suit its platform's spider; robots overrides say why."""
    problems: list[Problem] = []
    if not source.robots_obey and len(source.robots_reason.strip()) < 10:
        problems.append(
            Problem(file, entry, "robots_reason", "robots_obey: false needs a stated reason")
        )
    spider = _platforms()[source.platform]  # known: Source was validated against them
    try:
        spider.Options.model_validate(source.options)
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(["options", *(str(p) for p in err["loc"])])
            problems.append(Problem(file, entry, field, err["msg"]))
    return problems


def check_sources(path: Path) -> tuple[list[Source], list[Problem]]:
    """Parse ``sources.yaml``; return the valid sources and every problem found."""
    problems: list[Problem] = []
    data = _read_yaml(path, problems)
    if problems:
        return [], problems
    file = str(path)
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        return [], [Problem(file, "", "sources", "expected a top-level 'sources:' list")]
    unknown = set(data) - {"defaults", "sources"}
    problems += [Problem(file, key, "", "unknown top-level key") for key in sorted(unknown)]
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append(Problem(file, "defaults", "", "must be a mapping"))
        defaults = {}
    sources: list[Source] = []
    seen: set[str] = set()
    for index, raw in enumerate(data["sources"]):
        found = _source_problems(file, index, raw, defaults)
        problems += found
        if found:
            continue
        source = Source.model_validate({**defaults, **raw}, context={"platforms": _platforms()})
        if source.id in seen:
            problems.append(Problem(file, f"sources[{index}]", "id", f"duplicate id {source.id!r}"))
            continue
        seen.add(source.id)
        sources.append(source)
        register_env_secret(source.api_token_env)  # redacted wherever it would be shown
    return sources, problems


def check_topics(path: Path) -> list[Problem]:
    """Validate ``topics.yaml`` (the classifier's rules)."""
    problems: list[Problem] = []
    data = _read_yaml(path, problems)
    if problems:
        return problems
    try:
        TopicsConfig.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            problems.append(
                Problem(str(path), ".".join(loc[:-1]), loc[-1] if loc else "", err["msg"])
            )
    return problems


def check_watchlist(path: Path) -> list[Problem]:
    """Validate ``watchlist.yaml`` (a missing file is an empty watchlist, not a problem)."""
    _, found = read_watchlist(path)
    return [Problem(str(path), p.entry, p.field, p.message) for p in found]


def load_sources(path: Path, *, include_disabled: bool = False) -> list[Source]:
    """The configured sources; raises `ConfigError` listing every problem."""
    sources, problems = check_sources(path)
    if problems:
        raise ConfigError(problems)
    return [s for s in sources if s.enabled or include_disabled]


def source_by_id(path: Path, source_id: str) -> Source:
    """One configured source (enabled or not); `KeyError` with the known ids when missing."""
    for source in load_sources(path, include_disabled=True):
        if source.id == source_id:
            return source
    raise KeyError(f"no source {source_id!r} in {path}")
