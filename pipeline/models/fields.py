"""Field types at the boundary: aware and plausible datetimes, zone names, clean text, stable ids."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from pipeline.clock import utcnow
from pipeline.redact import redact

logger = logging.getLogger(__name__)


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware (sources declare their zone)")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_require_aware)]


def _require_aware_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else _require_aware(value)


# Meeting and hearing dates outside these bounds are typos or placeholders (a Legistar event dated
# 9999-12-31): they are refused at the model boundary, so nothing downstream (local times,
# calendars, "a day later") can overflow or sort a placeholder first.
EARLIEST_PLAUSIBLE = date(1990, 1, 1)
PLAUSIBLE_YEARS_AHEAD = 5
# The pydantic error type of such a date, so a stage can count these by name.
IMPLAUSIBLE_DATE = "implausible_date"


def plausible_range(today: date | None = None) -> tuple[date, date]:
    """The first and last plausible meeting dates: 1990-01-01 to five years after today."""
    today = today or utcnow().date()
    year = today.year + PLAUSIBLE_YEARS_AHEAD
    last = today.replace(year=year, day=28) if (today.month, today.day) == (2, 29) else None
    return EARLIEST_PLAUSIBLE, last or today.replace(year=year)


def _require_plausible(value: datetime) -> datetime:
    # The wall-clock date, not a conversion: converting 9999-12-31 23:30-06:00 to UTC overflows.
    first, last = plausible_range()
    if not first <= value.date() <= last:
        raise PydanticCustomError(
            IMPLAUSIBLE_DATE,
            "date {value} is outside the plausible range {first} to {last}",
            {"value": value.isoformat(), "first": first.isoformat(), "last": last.isoformat()},
        )
    return value


PlausibleDatetime = Annotated[
    datetime, AfterValidator(_require_aware), AfterValidator(_require_plausible)
]


def _plausible_or_none(value: datetime | None) -> datetime | None:
    # A secondary date (a posted end time) costs only itself: dropped, and said in the log.
    if value is None:
        return None
    first, last = plausible_range()
    if first <= value.date() <= last:
        return value
    logger.warning("dropped an implausible date %s (outside %s to %s)", value, first, last)
    return None


# A date whose implausible value is dropped (None) rather than refusing the whole record.
OptionalPlausibleDatetime = Annotated[
    datetime | None, AfterValidator(_require_aware_or_none), AfterValidator(_plausible_or_none)
]


def is_implausible_date(exc: ValidationError) -> bool:
    """True when `exc` is (only) about dates outside `plausible_range`."""
    return all(err["type"] == IMPLAUSIBLE_DATE for err in exc.errors())


def _require_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"not an IANA time zone: {value!r}") from None
    return value


# An IANA zone name that loads (a stored meeting with a bad zone would break every view).
ZoneName = Annotated[str, AfterValidator(_require_zone)]


# --- text at the boundary -------------------------------------------------------------------------
# Scraped text is hostile. Whatever a page holds, text in a model holds no control character but
# tab and newline (no terminal escape, no NUL breaking a calendar line), no lone surrogate (which
# cannot be written as UTF-8), and no bidi embedding, override or isolate (which would reorder what
# Slack, a page or a terminal shows around it). Cleaned once, here, so every output is safe.

# Control line breaks become "\n": CR LF, CR, NEL. (LINE/PARAGRAPH SEPARATOR are not controls:
# they stay, and JSON writers that need it escape them.)
_BREAK_RE = re.compile("\r\n?|\x85")
# Controls that separate words become a space: VT, FF, the C0 information separators.
_SPACING_RE = re.compile("[\x0b\x0c\x1c-\x1f]")
_SPACING_KEEP_FF_RE = re.compile("[\x0b\x1c-\x1f]")
# Removed: the other C0 and C1 controls and DEL, bidi embeddings/overrides (U+202A-U+202E) and
# isolates (U+2066-U+2069), and surrogate code points (only lone ones reach a Python str).
_REMOVED_RE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# Everything the three above touch (one search decides whether a string needs cleaning).
_UNCLEAN_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean_text(text: str, *, keep_form_feeds: bool = False) -> str:
    r"""`text` fit for any output (terminal, Slack, HTML, calendar, JSON).

    Control line breaks (CR, CR LF, NEL) become ``\n`` and tabs stay; controls that separate words become a space (form
    feeds stay with `keep_form_feeds`: they separate the pages of extracted text); every other
    C0/C1 control, lone surrogates and bidi embeddings, overrides and isolates are removed.
    """
    if _UNCLEAN_RE.search(text) is None:
        return text
    text = _BREAK_RE.sub("\n", text)
    text = (_SPACING_KEEP_FF_RE if keep_form_feeds else _SPACING_RE).sub(" ", text)
    return _REMOVED_RE.sub("", text)


def _clean_pages(text: str) -> str:
    return clean_text(text, keep_form_feeds=True)


# Every scraped (or configured) text field of every model is one of these two.
Text = Annotated[str, AfterValidator(clean_text)]
# Extracted document text: as `Text`, but form feeds stay (they separate the pages).
PageText = Annotated[str, AfterValidator(_clean_pages)]


def safe_message(text: str) -> str:
    """An error or run message fit to store, post or print: `clean_text`, secrets redacted."""
    return redact(clean_text(text))


# Error messages bound for Slack (a source's last error): as `Text`, and secrets redacted.
MessageText = Annotated[str, AfterValidator(safe_message)]

# Characters that are not letters or digits, collapsed to one underscore in ids.
_NON_WORD_RE = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_len: int = 60) -> str:
    """Lower-case ASCII slug of `text`: ``"Village Board — Regular"`` → ``village_board_regular``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NON_WORD_RE.sub("_", ascii_text.lower()).strip("_")
    return slug[:max_len].rstrip("_") or "untitled"


def meeting_id(source: str, start: datetime, platform_id: str | None, title: str) -> str:
    """Stable meeting id: ``<source>/<YYYYMMDD>/<platform id or title slug>``."""
    key = platform_id if platform_id else slugify(title)
    return f"{source}/{start:%Y%m%d}/{key}"


def item_id(meeting: str, platform_id: str | None, number: str | None, title: str) -> str:
    """Stable agenda-item id within a meeting: the platform id, else number + a title hash."""
    if platform_id:
        return f"{meeting}/{platform_id}"
    digest = hashlib.sha1(slugify(title, 500).encode()).hexdigest()[:10]
    return f"{meeting}/{slugify(number or 'x', 20)}-{digest}"


class StrictModel(BaseModel):
    """Base for all models: unknown fields are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
