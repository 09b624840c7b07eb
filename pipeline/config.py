"""Load and check ``config/sources.yaml``, ``config/topics.yaml`` and ``config/watchlist.yaml``.

Every problem is reported with its file, line, entry and field, all at once, so a maintainer fixes
every typo in one pass instead of one error per run. Each check runs whatever the others found:
an unknown field never hides the same entry's bad time zone or unexplained robots override.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from apscheduler.triggers.cron import CronTrigger
from pydantic import ValidationError

from pipeline.classify.classifier import TopicsConfig
from pipeline.configfile import ConfigError, MarkedYaml, Problem, did_you_mean, read_config
from pipeline.ilga.watchlist import read_watchlist
from pipeline.models import Source
from pipeline.redact import register_env_secret

if TYPE_CHECKING:
    from spiders.base import AgendaSpider

__all__ = [  # ConfigError and Problem are part of this module's interface (defined beside YAML)
    "ConfigError",
    "Problem",
    "check_all",
    "check_sources",
    "check_topics",
    "check_watchlist",
    "cron_trigger",
    "load_sources",
    "source_by_id",
    "zone_problem",
]

DEFAULT_SCHEDULE = "23 6,12,18 * * mon-sat"  # three looks a day, away from the DST switch hours
CHICAGO = ZoneInfo("America/Chicago")
SOURCE_FIELDS = tuple(Source.model_fields)
# Stand-ins for required fields that are missing or wrong, so the entry's other fields still get
# every check (they are never reported or used).
PLACEHOLDERS = {"id": "x", "name": "", "jurisdiction": "", "platform": "x"}
MIN_ROBOTS_REASON = 10  # characters: "because" is not a reason


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


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_problem(name: str) -> str | None:
    """Why `name` is not an IANA time zone, or None when it is one."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        guess = did_you_mean(name, _zones())
        return f"unknown time zone {name!r}{guess}; an IANA name such as America/Chicago"
    return None


def _platforms() -> dict[str, type[AgendaSpider]]:
    """Platform name → spider class: the platforms are the spiders there are."""
    # Deferred: the registry imports Scrapy and every spider module (about a second), which
    # commands that never read sources.yaml need not pay.
    from spiders.registry import platform_spiders

    return platform_spiders()


def _label(raw: Any, index: int) -> str:
    """How an entry is named in a problem: its id, else its position."""
    ident = raw.get("id") if isinstance(raw, dict) else None
    return ident if isinstance(ident, str) and ident.strip() else f"sources[{index}]"


class _Entry:
    """The checks of one ``sources:`` entry, each reported at the line of its field."""

    def __init__(
        self, file: str, doc: MarkedYaml, index: int, raw: dict[str, Any], defaults: dict[str, Any]
    ) -> None:
        self.file, self.doc, self.index, self.raw, self.defaults = file, doc, index, raw, defaults
        self.label = _label(raw, index)
        self.problems: list[Problem] = []
        self.bad: set[str] = set()
        # The entry's fields that passed, over placeholders: what it points at, even when broken.
        self.usable: Source | None = None

    def line(self, field: str, *inner: object) -> int | None:
        if field in self.raw or field not in self.defaults:
            return self.doc.line("sources", self.index, field, *inner)
        return self.doc.line("defaults", field, *inner)

    def add(self, field: str, message: str, *inner: object) -> None:
        name = ".".join([field, *(str(p) for p in inner)])
        self.problems.append(
            Problem(self.file, self.label, name, message, self.line(field, *inner))
        )

    def check(self) -> Source | None:
        """Every problem of the entry; the `Source` when it has none."""
        merged = {**self.defaults, **self.raw}
        try:
            source = Source.model_validate(merged, context={"platforms": _platforms()})
        except ValidationError as exc:
            self._field_errors(exc)
            source = None
        cleaned = {k: v for k, v in merged.items() if k not in self.bad}
        try:
            self.usable = Source.model_validate({**PLACEHOLDERS, **cleaned})
        except ValidationError:  # cannot happen: every failing field was left out
            return None
        self._semantics(self.usable)
        return source if not self.problems else None

    def _field_errors(self, exc: ValidationError) -> None:
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]] or [""]
            self.bad.add(loc[0])
            message = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = f"unknown field{did_you_mean(loc[0], SOURCE_FIELDS)}"
            elif loc == ["id"] and err["type"] == "string_pattern_mismatch":
                message = "use lower-case letters, digits, _ and - (it is the spider's name too)"
            elif err["type"] == "missing":
                message = "required field is missing"
            elif loc == ["platform"] and "unknown platform" in message:
                guess = did_you_mean(str(self.raw.get("platform")), _platforms())
                message = message.replace(";", f"{guess};", 1)
            self.add(loc[0], message, *loc[1:])

    def _semantics(self, source: Source) -> None:
        """Zone, schedule, robots override, token variable and platform needs."""
        if "timezone" not in self.bad and (msg := zone_problem(source.timezone)):
            self.add("timezone", msg)
        if source.schedule and "schedule" not in self.bad:
            try:
                cron_trigger(source.schedule, CHICAGO)
            except ValueError as exc:
                self.add("schedule", str(exc))
        if not source.robots_obey and len(source.robots_reason.strip()) < MIN_ROBOTS_REASON:
            if source.robots_reason.strip():
                self.add("robots_reason", "too short: say why ignoring robots.txt is right here")
            else:
                self.add(
                    "robots_obey", "false needs robots_reason: why ignoring robots.txt is right"
                )
        if source.api_token_env and not source.api_token_env.isidentifier():
            self.add("api_token_env", "must name an environment variable (e.g. LEGISTAR_TOKEN)")
        if "platform" not in self.bad and "platform" in self.raw | self.defaults:
            self._platform(source)

    def _platform(self, source: Source) -> None:
        """The source's ``options`` suit its platform's spider, which has what it needs."""
        spider = _platforms()[source.platform]
        options_ok = "options" not in self.bad
        if options_ok:
            try:
                spider.Options.model_validate(source.options)
            except ValidationError as exc:
                options_ok = False
                for err in exc.errors():
                    loc = [str(p) for p in err["loc"]]
                    self.add("options", str(err["msg"]).removeprefix("Value error, "), *loc)
        if options_ok:
            spider = spider.variant_for(source)
        else:  # the spider's own needs are still checked, without its options
            source = source.model_copy(update={"options": {}})
        for field, message in spider.config_problems(source):
            if field not in self.bad:
                self.add(field, message)


def _defaults(doc: MarkedYaml, file: str, problems: list[Problem]) -> dict[str, Any]:
    """The ``defaults:`` mapping, without keys a source cannot have (each reported once)."""
    defaults = doc.data.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append(Problem(file, "defaults", "", "must be a mapping", doc.line("defaults")))
        return {}
    known: dict[str, Any] = {}
    for key, value in defaults.items():
        if key in SOURCE_FIELDS:
            known[key] = value
        else:
            message = f"unknown field{did_you_mean(str(key), SOURCE_FIELDS)}"
            problems.append(Problem(file, "defaults", str(key), message, doc.line("defaults", key)))
    return known


def _norm_url(url: str) -> str:
    """An address without scheme, ``www.``, case or trailing slash, to compare two entries."""
    bare = re.sub(r"^[a-z]+://(www\.)?", "", url.strip().lower())
    return bare.rstrip("/")


def _places(source: Source) -> dict[str, str]:
    """Field → what it points at, for finding two entries that crawl the same thing."""
    scope = json.dumps([source.platform, source.options, sorted(source.bodies)], sort_keys=True)
    places = {
        f: f"{scope} {f} {_norm_url(str(getattr(source, f)))}"
        for f in ("base_url", "api_url")
        if getattr(source, f)
    }
    if source.slug:
        places["slug"] = f"{scope} slug {source.slug.strip().lower()}"
    return places


def check_sources(path: Path) -> tuple[list[Source], list[Problem]]:
    """Parse ``sources.yaml``; return the valid sources and every problem found."""
    problems: list[Problem] = []
    doc = read_config(path, problems)
    if doc is None:
        return [], problems
    file = str(path)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        where = doc.line("sources")
        problems.append(Problem(file, "", "sources", "expected a top-level 'sources:' list", where))
        return [], problems
    for key in data:
        if key not in ("defaults", "sources"):
            message = f"unknown top-level key{did_you_mean(str(key), ('defaults', 'sources'))}"
            problems.append(Problem(file, str(key), "", message, doc.line(key)))
    defaults = _defaults(doc, file, problems)
    sources: list[Source] = []
    ids: dict[str, int | None] = {}
    places: dict[str, list[Seen]] = {}
    for index, raw in enumerate(data["sources"]):
        if not isinstance(raw, dict):
            message = "each source must be a mapping (id: …, name: …, platform: …)"
            problems.append(
                Problem(file, f"sources[{index}]", "", message, doc.line("sources", index))
            )
            continue
        entry = _Entry(file, doc, index, raw, defaults)
        source = entry.check()
        problems += entry.problems
        ident = raw.get("id")
        if isinstance(ident, str):
            if ident in ids:
                message = f"duplicate id (first at line {ids[ident]})"
                problems.append(Problem(file, entry.label, "id", message, entry.line("id")))
                continue
            ids[ident] = entry.line("id")
        duplicate = _duplicate_place(entry, places)
        if duplicate:
            problems.append(duplicate)
        elif source is not None:
            sources.append(source)
            register_env_secret(source.api_token_env)  # redacted wherever it would be shown
    problems.sort(key=lambda p: p.line or 0)  # stable: a line's problems keep their order
    return sources, problems


# An earlier entry, by what it points at: (its label, its line, field → place).
Seen = tuple[str, int | None, dict[str, str]]


def _duplicate_place(entry: _Entry, seen: dict[str, list[Seen]]) -> Problem | None:
    """A problem when an enabled entry crawls what an earlier one does; else remember it.

    Two entries are one site when every address field both set agrees (a shared slug with
    different ``api_url``s is two sites; a shared ``base_url`` with one slug missing is one).
    """
    source = entry.usable
    if source is None or not source.enabled or {"platform", "options", "bodies"} & entry.bad:
        return None
    mine = _places(source)
    for field, place in mine.items():
        for other, line, theirs in seen.get(place, []):
            if all(theirs[f] == p for f, p in mine.items() if f in theirs):
                message = (
                    f"same {field} as source {other!r} (line {line}): one entry per site and "
                    "body (tell them apart with bodies: or options:)"
                )
                return Problem(entry.file, entry.label, field, message, entry.line(field))
    for place in mine.values():
        seen.setdefault(place, []).append((entry.label, entry.line("id"), mine))
    return None


def check_topics(path: Path) -> list[Problem]:
    """Validate ``topics.yaml`` (the classifier's rules)."""
    problems: list[Problem] = []
    doc = read_config(path, problems)
    if doc is None:
        return problems
    try:
        TopicsConfig.model_validate(doc.data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            problems.append(
                Problem(
                    str(path),
                    ".".join(loc[:-1]),
                    loc[-1] if loc else "",
                    str(err["msg"]).removeprefix("Value error, "),
                    doc.line(*loc),
                )
            )
    return problems


def check_watchlist(path: Path) -> list[Problem]:
    """Validate ``watchlist.yaml`` (a missing file is an empty watchlist, not a problem)."""
    if not path.exists():
        return []
    problems: list[Problem] = []
    doc = read_config(path, problems)
    if doc is None:
        return problems
    _, found = read_watchlist(path)
    for p in found:
        # "watch[2]" + "ga" → the line of watch/2/ga
        where = [*re.findall(r"[^\[\].]+", p.entry), *p.field.split(".")]
        problems.append(
            Problem(str(path), p.entry, p.field, p.message, doc.line(*filter(None, where)))
        )
    return problems


def check_all(paths: Mapping[str, Path]) -> list[Problem]:
    """Every problem in the named files (keys ``sources``, ``topics``, ``watchlist``)."""
    problems: list[Problem] = []
    if "sources" in paths:
        problems += check_sources(paths["sources"])[1]
    if "topics" in paths:
        problems += check_topics(paths["topics"])
    if "watchlist" in paths:
        problems += check_watchlist(paths["watchlist"])
    return problems


def load_sources(path: Path, *, include_disabled: bool = False) -> list[Source]:
    """The configured sources; raises `ConfigError` listing every problem."""
    sources, problems = check_sources(path)
    if problems:
        raise ConfigError(problems)
    return [s for s in sources if s.enabled or include_disabled]


def source_by_id(path: Path, source_id: str) -> Source:
    """One configured source (enabled or not), whatever is wrong with the other entries.

    Raises `ConfigError` with the entry's problems when it is broken, `KeyError` when no entry
    has that id.
    """
    sources, problems = check_sources(path)
    for source in sources:
        if source.id == source_id:
            return source
    own = [p for p in problems if p.entry in (source_id, "")]
    if own:
        raise ConfigError(own)
    raise KeyError(source_id)
