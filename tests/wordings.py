"""The corpus of date, time, status and name wordings, and how many of them are read right.

``tests/fixtures/wordings/dates.tsv`` and ``fields.tsv`` hold wordings as Illinois agenda sites
write them, with what they mean. ``tests/test_wordings.py`` asserts every row through the shared
readers; run as a script it counts the rows read right, by the code that is importable:

    python tests/wordings.py                  # this checkout
    python tests/wordings.py --before DIR     # DIR holds an older checkout's spiders/, pipeline/

which is how the before/after numbers in docs/platforms.md §3.9 were taken (DIR from
``git archive <commit> spiders pipeline``). The older code had no ``spiders._when``; `read_date`
then composes its helpers the way its spiders did (a month-name or numeric date, then the first
clock time), and titles and places are kept as its spiders kept them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent / "fixtures" / "wordings"
CHICAGO = ZoneInfo("America/Chicago")
DEFAULT_TODAY = date(2025, 11, 20)
SPECIALS = {"<NBSP>": "\u00a0", "<ZWSP>": "\u200b"}


@dataclass(frozen=True)
class DateCase:
    """One wording of a meeting's date and time, and its meaning."""

    wording: str
    start: str
    end: str | None
    time_known: bool
    today: date


@dataclass(frozen=True)
class FieldCase:
    """One wording of a title, location or body, the text kept and the status read."""

    field: str
    wording: str
    text: str
    status: str


def _rows(name: str) -> list[list[str]]:
    rows = []
    for line in (HERE / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        for token, char in SPECIALS.items():
            line = line.replace(token, char)
        rows.append(line.split("\t"))
    return rows


def date_cases() -> list[DateCase]:
    """The rows of dates.tsv."""
    cases = []
    for row in _rows("dates.tsv"):
        today = date.fromisoformat(row[4]) if len(row) > 4 else DEFAULT_TODAY
        end = None if row[2] == "-" else row[2]
        cases.append(DateCase(row[0], row[1], end, row[3] == "yes", today))
    return cases


def field_cases() -> list[FieldCase]:
    """The rows of fields.tsv."""
    return [FieldCase(*row) for row in _rows("fields.tsv")]


def read_date(wording: str, today: date) -> tuple[str, str | None, bool] | None:
    """(start ISO, end ISO or None, time known) as the importable code reads `wording`."""
    try:
        from spiders._when import read_when
    except ImportError:
        return _read_date_before(wording)
    when = read_when(wording, today)
    if when is None:
        return None
    end = when.end_in(CHICAGO)
    return when.start_in(CHICAGO).isoformat(), end.isoformat() if end else None, when.time_known


def _read_date_before(wording: str) -> tuple[str, str | None, bool] | None:
    """The previous code's reading: its spiders' composition of its helpers."""
    from spiders import _parse

    parsers = [getattr(_parse, n) for n in ("parse_month_date", "parse_numeric_date")]
    day = next((d for d in (p(wording) for p in parsers) if d), None)
    if day is None:
        return None
    at = getattr(_parse, "parse_clock")(wording)  # noqa: B009 (the older module had it)
    start = datetime.combine(day, at or time(0), tzinfo=CHICAGO)
    return start.isoformat(), None, at is not None


def read_field(field: str, wording: str) -> tuple[str, str]:
    """(text kept, status read) for a title, location or body, by the importable code."""
    from spiders import _vocab
    from spiders._parse import squash

    status = _vocab.status_from_text(wording)
    if field == "body":
        return _vocab.clean_body(wording), status
    if not hasattr(_vocab, "clean_location"):  # the previous code: titles and places as given
        return (_vocab.clean_name(wording) if field == "title" else squash(wording)), status
    if field == "location":
        place = _vocab.clean_location(wording)
        return place.text, place.status
    from spiders.base import AgendaSpider

    title, fields = AgendaSpider.unmarked(_vocab.clean_name(wording), {})
    return title, fields["status"]


def score() -> dict[str, tuple[int, int]]:
    """Rows read right / rows, per table (dates; titles, locations, bodies)."""
    counts: dict[str, list[int]] = {}
    for case in date_cases():
        right = read_date(case.wording, case.today) == (case.start, case.end, case.time_known)
        tally = counts.setdefault("dates", [0, 0])
        tally[0] += right
        tally[1] += 1
    for item in field_cases():
        right = read_field(item.field, item.wording) == (item.text, item.status)
        tally = counts.setdefault(item.field, [0, 0])
        tally[0] += right
        tally[1] += 1
    return {name: (right, total) for name, (right, total) in counts.items()}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--before"]:
        # The editable install maps `spiders` to this checkout: read the older one instead.
        sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
        sys.path.insert(0, sys.argv[2])
    results = score()
    for name, (right, total) in results.items():
        print(f"{name:9} {right:3}/{total}")
    right = sum(r for r, _ in results.values())
    total = sum(t for _, t in results.values())
    print(f"{'all':9} {right:3}/{total}")
    sys.exit(0)
