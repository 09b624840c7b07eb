"""What a crawl says about its own health: named warnings, counted in the stats, one run note.

Two kinds of loss are said out loud (issue 10): rows a listing held but the spider could not read
(a `ListingShortfall`, see `spiders._rows`), and single values dropped from a row that was kept —
a link to no web address, a sequence that is no number (``FieldDropped``). Each is logged with
where it was, counted in the crawl's stats (``agenda_watch/field_warnings``, and per field under
``agenda_watch/field_warnings/<field>``), and summed up in ``agenda_watch/warning``, the line the
run record keeps (``agenda-watch sources``): row losses first, then "FieldDropped: N values …".

A listing that is there but empty (a quiet month) is neither: `empty_listing` names it in the log
and counts it (``agenda_watch/empty_listings``), and the run is not a failure of shape.
"""

from __future__ import annotations

from typing import Any

# Stats keys (read by the run recorder and the tests).
WARNING = "agenda_watch/warning"
FIELD_WARNINGS = "agenda_watch/field_warnings"
EMPTY_LISTINGS = "agenda_watch/empty_listings"
# The first row-level and the first field-level warning, kept to compose `WARNING`.
FIRST_ROW_WARNING = "agenda_watch/first_row_warning"
FIRST_FIELD_WARNING = "agenda_watch/first_field_warning"
# How much of a dropped value a warning quotes.
QUOTED = 80


def stats_of(spider: Any) -> Any:
    """The crawl's stats collector (None for a spider outside a crawl, e.g. `parse_saved`)."""
    return getattr(getattr(spider, "crawler", None), "stats", None)


def warn(spider: Any, message: str, counter: str) -> None:
    """Log a named row-level warning, count it, and keep the first one for the run record."""
    spider.logger.warning("%s", message)
    stats = stats_of(spider)
    if stats is not None:
        stats.inc_value(counter)
        if not stats.get_value(FIRST_ROW_WARNING):
            stats.set_value(FIRST_ROW_WARNING, message)
        _compose(stats)


def field_dropped(spider: Any, field: str, value: Any, reason: str, where: str = "") -> None:
    """One value dropped from a kept row: logged with where it was, counted, summed up."""
    shown = repr(value) if not isinstance(value, str) else repr(value[:QUOTED])
    where = where or str(getattr(spider, "field_context", "") or "")
    message = f"{field} {shown} dropped: {reason}" + (f" ({where})" if where else "")
    spider.logger.warning("FieldDropped: %s", message)
    stats = stats_of(spider)
    if stats is not None:
        stats.inc_value(FIELD_WARNINGS)
        stats.inc_value(f"{FIELD_WARNINGS}/{field}")
        if not stats.get_value(FIRST_FIELD_WARNING):
            stats.set_value(FIRST_FIELD_WARNING, message)
        _compose(stats)


def empty_listing(spider: Any, what: str, url: str) -> None:
    """A listing page that has its listing but no rows: legitimately empty, said and counted."""
    spider.logger.info("EmptyListing: %s at %s lists no meetings", what, url)
    stats = stats_of(spider)
    if stats is not None:
        stats.inc_value(EMPTY_LISTINGS)


def _compose(stats: Any) -> None:
    """``WARNING``: the first row-level warning, then the count of dropped values and the first."""
    parts = [str(stats.get_value(FIRST_ROW_WARNING) or "")]
    count = int(stats.get_value(FIELD_WARNINGS) or 0)
    if count:
        first = stats.get_value(FIRST_FIELD_WARNING)
        plural = "value" if count == 1 else "values"
        parts.append(f"FieldDropped: {count} bad {plural} dropped, rows kept; first: {first}")
    stats.set_value(WARNING, "; ".join(p for p in parts if p))
