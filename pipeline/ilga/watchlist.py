"""``config/watchlist.yaml``: bills pinned (``watch``) whatever the classifier says, or silenced."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from pipeline.ilga.bulk_xml import split_label


@dataclass
class Watchlist:
    """Bills pinned (``watch``) or silenced (``ignore``): ``(ga or None, label) → note``."""

    watch: dict[tuple[int | None, str], str] = field(default_factory=dict)
    ignore: dict[tuple[int | None, str], str] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, path: Path) -> Watchlist:
        """Read ``watchlist.yaml`` (a missing file is an empty list; a bad entry is a ValueError).

        Entries are a label (``HB1312``) or a mapping ``{bill: HB1312, ga: 104, note: "…"}``; an
        entry without ``ga`` applies to every General Assembly.
        """
        if not path.exists():
            return cls()
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict) or set(data) - {"watch", "ignore"}:
            raise ValueError(f"{path}: expected 'watch:' and/or 'ignore:' lists")
        return cls(
            watch=_entries(path, data.get("watch") or []),
            ignore=_entries(path, data.get("ignore") or []),
        )

    def status(self, ga: int, label: str) -> Literal["", "watch", "ignore"]:
        """The bill's list: ignore wins over watch; empty when it is on neither."""
        for key in ((ga, label), (None, label)):
            if key in self.ignore:
                return "ignore"
        for key in ((ga, label), (None, label)):
            if key in self.watch:
                return "watch"
        return ""


def _entries(path: Path, raw: Any) -> dict[tuple[int | None, str], str]:
    if not isinstance(raw, list):
        raise ValueError(f"{path}: 'watch' and 'ignore' must be lists")
    found: dict[tuple[int | None, str], str] = {}
    for index, entry in enumerate(raw):
        item = {"bill": entry} if isinstance(entry, str) else entry
        if not isinstance(item, dict) or set(item) - {"bill", "ga", "note"}:
            raise ValueError(f"{path}: entry {index}: expected a label or {{bill, ga, note}}")
        label = split_label(str(item.get("bill", "")))
        if label is None:
            raise ValueError(f"{path}: entry {index}: {item.get('bill')!r} is not a bill label")
        ga = item.get("ga")
        found[(int(ga) if ga is not None else None, f"{label[0]}{label[1]}")] = str(
            item.get("note") or ""
        )
    return found
