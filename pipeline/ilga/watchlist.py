"""``config/watchlist.yaml``: bills pinned (``watch``) whatever the classifier says, or silenced.

The file is validated through pydantic models: `WatchlistFile` for its shape, `WatchEntry` for each
entry. `read_watchlist` keeps every good entry and reports each bad one (file position, field,
what is wrong), so one typo costs one entry, and ``agenda-watch check-config`` shows them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.ilga.bulk_xml import split_label

# A whole bill label and nothing else: "HB1312", "sb 1881", "HJRCA0002".
WHOLE_LABEL_RE = re.compile(r"[A-Za-z]{2,5}\s*\d{1,5}")


class WatchEntry(BaseModel):
    """One entry: a bill label (``HB1312``), or ``{bill, ga, note}``; no ``ga``: every GA."""

    model_config = ConfigDict(extra="forbid")

    bill: str
    ga: int | None = Field(default=None, ge=93, le=200)
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _label_alone(cls, data: Any) -> Any:
        return {"bill": data} if isinstance(data, str) else data

    @field_validator("bill")
    @classmethod
    def _bill_label(cls, value: str) -> str:
        label = split_label(value) if WHOLE_LABEL_RE.fullmatch(value.strip()) else None
        if label is None:
            raise ValueError(f"{value!r} is not a bill label (like HB1312 or SB 1881)")
        return f"{label[0]}{label[1]}"


class WatchlistFile(BaseModel):
    """The file's shape: ``watch:`` and ``ignore:`` lists (either may be missing or empty)."""

    model_config = ConfigDict(extra="forbid")

    watch: list[Any] = Field(default_factory=list)
    ignore: list[Any] = Field(default_factory=list)

    @field_validator("watch", "ignore", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class WatchlistProblem(NamedTuple):
    """What is wrong where: ``entry`` like ``watch[2]`` (empty for the whole file), ``field``."""

    entry: str
    field: str
    message: str


@dataclass
class Watchlist:
    """Bills pinned (``watch``) or silenced (``ignore``): ``(ga or None, label) → note``."""

    watch: dict[tuple[int | None, str], str] = field(default_factory=dict)
    ignore: dict[tuple[int | None, str], str] = field(default_factory=dict)

    def status(self, ga: int, label: str) -> Literal["", "watch", "ignore"]:
        """The bill's list: ignore wins over watch; empty when it is on neither."""
        for key in ((ga, label), (None, label)):
            if key in self.ignore:
                return "ignore"
        for key in ((ga, label), (None, label)):
            if key in self.watch:
                return "watch"
        return ""


def read_watchlist(path: Path) -> tuple[Watchlist, list[WatchlistProblem]]:
    """The watchlist in `path` (none when the file is missing) and every problem found in it."""
    if not path.exists():
        return Watchlist(), []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return Watchlist(), [WatchlistProblem("", "", f"not valid YAML: {exc}")]
    if data is not None and not isinstance(data, dict):
        return Watchlist(), [WatchlistProblem("", "", "expected 'watch:' and/or 'ignore:' lists")]
    try:
        shape = WatchlistFile.model_validate(data or {})
    except ValidationError as exc:
        return Watchlist(), [_problem("", err) for err in exc.errors()]
    watchlist = Watchlist()
    problems: list[WatchlistProblem] = []
    for name, found in (("watch", watchlist.watch), ("ignore", watchlist.ignore)):
        for index, raw in enumerate(getattr(shape, name)):
            try:
                entry = WatchEntry.model_validate(raw)
            except ValidationError as exc:
                problems += [_problem(f"{name}[{index}]", err) for err in exc.errors()]
                continue
            found[(entry.ga, entry.bill)] = entry.note
    return watchlist, problems


def _problem(entry: str, err: Any) -> WatchlistProblem:
    where = [str(p) for p in err["loc"]]
    if not entry and where:  # a file-level error: its first location part is the list
        entry, where = where[0], where[1:]
    message = str(err["msg"]).removeprefix("Value error, ")
    return WatchlistProblem(entry, ".".join(where), message)
