"""Listing rows read one by one, counted, and a shortfall said out loud.

Every listing (a calendar grid, a feed, a JSON list) goes through `read_rows`: a row that cannot
be read costs that row only (logged with its reason), and the page's rows seen versus rows read
go to the crawl's stats. When fewer rows were read than the page holds — broken markup that cut
the document short, rows in a shape the parser does not know — a named `ListingShortfall`
warning is logged and kept in the stats under ``agenda_watch/warning``, which the run record
shows (``agenda-watch sources``). Silent truncation is the failure this prevents.

One meeting's agenda rows go through `read_items` the same way: a bad item costs that item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError

from pipeline.models import AgendaItem
from spiders._health import stats_of, warn
from spiders._parse import json_records, load_json
from spiders.base import AgendaSpider, UnexpectedShape

T = TypeVar("T")
R = TypeVar("R")

# Stats keys (read by the run recorder and the tests).
ROWS_SEEN = "agenda_watch/rows_seen"
ROWS_READ = "agenda_watch/rows_read"
ROWS_UNREADABLE = "agenda_watch/rows_unreadable"
SHORTFALLS = "agenda_watch/listing_shortfalls"
REPAIRS = "agenda_watch/markup_repairs"
# The same for the rows of one meeting's agenda (items), kept apart from listing rows.
ITEMS_SEEN = "agenda_watch/item_rows_seen"
ITEMS_READ = "agenda_watch/item_rows_read"
ITEMS_UNREADABLE = "agenda_watch/item_rows_unreadable"
ITEM_SHORTFALLS = "agenda_watch/item_shortfalls"

# What a bad row can raise while it is read: its own shape, a value, a missing key or index, a
# date past what datetime can hold.
ROW_ERRORS: tuple[type[Exception], ...] = (
    UnexpectedShape,
    ValidationError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    ArithmeticError,
)


class ListingShortfall(UserWarning):
    """A listing page held more rows than the spider could read."""


class ItemShortfall(UserWarning):
    """A meeting's agenda held item rows the spider could not read."""


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
    name: str = "ListingShortfall"

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
            f"{self.name}: {self.seen} rows seen, {self.read + self.skipped} read "
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
    While a row is read, `spider.field_context` names it, so a value dropped from it says where.
    """
    yield from _read(spider, rows, read, Tally(what, url, seen=seen or 0))


def read_items(
    spider: AgendaSpider, rows: Iterable[T], read: Callable[[T], R | None], what: str, url: str
) -> list[R]:
    """`read_rows` for one meeting's agenda rows: a bad item costs that item, never the agenda.

    Counted apart from listing rows (``agenda_watch/item_rows_*``); a loss is an `ItemShortfall`.
    """
    return list(_read(spider, rows, read, Tally(what, url, seen=0, name="ItemShortfall")))


def numbered_items(
    spider: AgendaSpider,
    rows: Iterable[T],
    read: Callable[[T], AgendaItem | None],
    what: str,
    url: str,
) -> list[AgendaItem]:
    """`read_items`, each item's ``sequence`` its row's place in the source (1, 2, …).

    The place in the source, not among the items read: a row lost or skipped leaves a gap, and
    never renumbers the items after it.
    """

    def place(pair: tuple[int, T]) -> AgendaItem | None:
        item = read(pair[1])
        return item.model_copy(update={"sequence": pair[0]}) if item is not None else None

    return read_items(spider, enumerate(rows, start=1), place, what, url)


def _read(
    spider: AgendaSpider, rows: Iterable[T], read: Callable[[T], R | None], tally: Tally
) -> Iterator[R]:
    rows = list(rows)
    tally.seen = max(tally.seen, len(rows))
    tally.found = len(rows)
    context = getattr(spider, "field_context", "")
    try:
        for number, row in enumerate(rows, start=1):
            spider.field_context = f"{tally.what} row {number} at {tally.url}"
            try:
                result = read(row)
            except ROW_ERRORS as exc:
                reason = f"row {number}: {type(exc).__name__}: {_first_line(exc)}"
                tally.failures.append(reason)
                spider.logger.warning("%s: %s", tally.what, reason)
                continue
            finally:
                spider.field_context = context
            if result is None:
                tally.skipped += 1
                continue
            tally.read += 1
            yield result
    finally:
        spider.field_context = context
    report(spider, tally)


def _first_line(exc: Exception) -> str:
    lines = str(exc).splitlines()
    return lines[0][:160] if lines else ""


def report(spider: AgendaSpider, tally: Tally) -> None:
    """Rows seen and read into the stats; a shortfall as a named warning."""
    stats = stats_of(spider)
    items = tally.name == "ItemShortfall"
    if stats is not None:
        stats.inc_value(ITEMS_SEEN if items else ROWS_SEEN, tally.seen)
        stats.inc_value(ITEMS_READ if items else ROWS_READ, tally.read + tally.skipped)
        if tally.failures:
            unreadable = ITEMS_UNREADABLE if items else ROWS_UNREADABLE
            stats.inc_value(unreadable, len(tally.failures))
    if tally.short:
        warn(spider, tally.message(), ITEM_SHORTFALLS if items else SHORTFALLS)


def repaired(spider: AgendaSpider, what: str, url: str, fixes: int) -> None:
    """Say that a page's markup needed `fixes` repairs before it could be read."""
    if fixes:
        spider.logger.warning(
            "%s at %s: markup repaired (%d stray or unclosed tags)", what, url, fixes
        )
        stats = stats_of(spider)
        if stats is not None:
            stats.inc_value(REPAIRS, fixes)


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
