"""Listing rows read one by one, counted, and a shortfall said out loud.

Every listing (a calendar grid, a feed, a JSON list) goes through `read_rows`: a row that cannot
be read costs that row only (logged with its reason), and the page's rows seen versus rows read
go to the crawl's stats. When fewer rows were read than the page holds — broken markup that cut
the document short, rows in a shape the parser does not know — a named `ListingShortfall`
warning is logged and kept in the stats under ``agenda_watch/warning``, which the run record
shows (``agenda-watch sources``). Silent truncation is the failure this prevents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError

from spiders._parse import json_records, load_json
from spiders.base import AgendaSpider, UnexpectedShape

T = TypeVar("T")
R = TypeVar("R")

# Stats keys (read by the run recorder and the tests).
ROWS_SEEN = "agenda_watch/rows_seen"
ROWS_READ = "agenda_watch/rows_read"
SHORTFALLS = "agenda_watch/listing_shortfalls"
REPAIRS = "agenda_watch/markup_repairs"
WARNING = "agenda_watch/warning"

# What a bad row can raise while it is read: its own shape, a value, a missing key or index.
ROW_ERRORS: tuple[type[Exception], ...] = (
    UnexpectedShape,
    ValidationError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
)


class ListingShortfall(UserWarning):
    """A listing page held more rows than the spider could read."""


@dataclass
class Tally:
    """One listing page: rows its source text holds, rows found in the parsed page, and fates."""

    what: str
    url: str
    seen: int
    found: int = 0
    read: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def short(self) -> bool:
        """True when rows were lost: cut by the markup or unreadable."""
        return self.found < self.seen or bool(self.failures)

    def message(self) -> str:
        """The named warning's text, counts first (the run record's note is cut short)."""
        lost = self.seen - self.found
        details = []
        if lost > 0:
            details.append(f"{lost} lost to broken markup")
        if self.failures:
            details.append(f"{len(self.failures)} unreadable, first: {self.failures[0]}")
        return (
            f"ListingShortfall: {self.seen} rows seen, {self.read + self.skipped} read "
            f"({'; '.join(details)}) in {self.what} at {self.url}"
        )


def read_rows(
    spider: AgendaSpider,
    rows: Iterable[T],
    read: Callable[[T], R | None],
    what: str,
    url: str,
    seen: int | None = None,
) -> Iterator[R]:
    """`read` applied to each row; a row that raises is logged and counted, never fatal.

    `seen` is how many rows the page's source text holds (a count of row markers), when the
    caller can tell; it defaults to the rows given. A row `read` returns None for is skipped on
    purpose (a placeholder, a filtered body). The tally is reported when the rows run out.
    """
    rows = list(rows)
    tally = Tally(what, url, seen=max(seen if seen is not None else 0, len(rows)), found=len(rows))
    for number, row in enumerate(rows, start=1):
        try:
            result = read(row)
        except ROW_ERRORS as exc:
            reason = f"row {number}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
            tally.failures.append(reason)
            spider.logger.warning("%s: %s", what, reason)
            continue
        if result is None:
            tally.skipped += 1
            continue
        tally.read += 1
        yield result
    report(spider, tally)


def report(spider: AgendaSpider, tally: Tally) -> None:
    """Rows seen and read into the stats; a shortfall as a named warning."""
    stats = _stats(spider)
    if stats is not None:
        stats.inc_value(ROWS_SEEN, tally.seen)
        stats.inc_value(ROWS_READ, tally.read + tally.skipped)
    if tally.short:
        warn(spider, tally.message(), SHORTFALLS)


def repaired(spider: AgendaSpider, what: str, url: str, fixes: int) -> None:
    """Say that a page's markup needed `fixes` repairs before it could be read."""
    if fixes:
        spider.logger.warning(
            "%s at %s: markup repaired (%d stray or unclosed tags)", what, url, fixes
        )
        stats = _stats(spider)
        if stats is not None:
            stats.inc_value(REPAIRS, fixes)


def warn(spider: AgendaSpider, message: str, counter: str) -> None:
    """Log a named warning, count it, and keep the first one for the run record."""
    spider.logger.warning("%s", message)
    stats = _stats(spider)
    if stats is not None:
        stats.inc_value(counter)
        if not stats.get_value(WARNING):
            stats.set_value(WARNING, message)


def _stats(spider: AgendaSpider) -> Any:
    crawler = getattr(spider, "crawler", None)
    return getattr(crawler, "stats", None)


def json_rows(body: bytes, url: str, keys: tuple[str, ...], what: str) -> list[dict[str, Any]]:
    """The records of a JSON answer that carry any of `keys`, however it wraps them.

    An empty answer (``[]``, ``{}``, an empty wrapped list) is a legitimate "none"; anything
    else without such records is `UnexpectedShape` naming `what` and `url`.
    """
    try:
        data = load_json(body)
    except ValueError as exc:
        raise UnexpectedShape(f"{what}: not JSON at {url}: {exc}") from exc
    records = json_records(data, keys)
    if records is not None:
        return records
    if data in ([], {}) or (isinstance(data, dict) and [] in data.values()):
        return []
    raise UnexpectedShape(f"{what}: no records with {'/'.join(keys)} at {url}")
