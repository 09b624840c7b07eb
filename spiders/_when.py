"""Dates and times as agenda sites write them: the one reader every spider uses.

Sites write a meeting's date and time in a few dozen ways ("Dec. 2, 2025", "December 2nd, 2025",
"Tuesday, December 2, 2025 - 7:00 PM", "12/2/2025 7:00PM", "2025-12-02T19:00:00", "7 p.m.",
"7:00 p.m. CST", "19:00", "Noon", "7:00PM-9:00PM", "TBD"). `read_when` reads all of them from a
field's text; `read_clock` reads the time part alone; `read_stamp` reads a machine stamp of a JSON
API. Each returns what it found, or None: the spider decides whether a missing value costs the
field or the row. The table of wordings is ``tests/fixtures/wordings/dates.tsv``.

Decisions, documented once:

- **Zone.** A wall-clock time is the source's zone (`local_datetime`). A zone abbreviation after a
  time ("7:00 p.m. CST") is ignored: sites write "CST" all year, the source's zone knows better.
  A stamp with its own offset ("…Z", "…-06:00") is that instant, shown in the source's zone.
- **DST.** An ambiguous wall time (1:30 AM on the fall-back day happens twice) is its first
  occurrence, daylight time (``fold=0``). A wall time that does not exist (2:30 AM on the
  spring-forward day) moves forward by the gap: 3:30 AM daylight time, the same instant as 2:30
  standard time.
- **Missing year.** "December 2" or "Tue 12/2" is the date in the year before, of, or after the
  crawl date (`today`) that lies nearest to it; where a weekday is written, only years in which
  that date falls on that weekday count. A two-digit year is 20xx.
- **Several times.** The first time is the start ("6:30 PM Executive Session / 7:00 PM Regular"
  starts at 6:30 PM). A second time joined to it by a dash or "to" is the end ("7:00PM-9:00PM");
  a start without am/pm takes the end's ("7-9 p.m."), and is morning where that would put it
  after the end ("11-1 PM" is 11 AM to 1 PM). An end before the start is on the next day.
- **Bare clock.** "19:00" and "07:00" (two-digit hour, or past 12) are the 24-hour clock. "7:00"
  with no am/pm is no time: village sites that write it mean 7 PM as often as 7 AM, and an
  unknown time is better than a wrong one. Neither is a bare hour ("7"). "TBD", "TBA", "To be announced" are no
  time: the date is kept and ``time_known`` is False.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from spiders._parse import squash

# --- vocabulary -------------------------------------------------------------------------------

MONTH_NAMES: tuple[tuple[str, ...], ...] = (
    ("jan", "january"),
    ("feb", "february", "febuary"),
    ("mar", "march"),
    ("apr", "april"),
    ("may",),
    ("jun", "june"),
    ("jul", "july"),
    ("aug", "august"),
    ("sep", "sept", "september"),
    ("oct", "october"),
    ("nov", "november"),
    ("dec", "december"),
)
MONTHS: dict[str, int] = {
    name: number for number, names in enumerate(MONTH_NAMES, start=1) for name in names
}
WEEKDAYS: dict[str, int] = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3, "thurs": 3,
    "fri": 4, "sat": 5, "sun": 6,
}  # fmt: skip

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")(?![a-z])\.?"
_WEEKDAY = r"(?:\b(?P<weekday>mon|tues?|wed(?:s|nes)?|thu(?:rs?)?|fri|sat|sun)[a-z]*\.?,?\s*)?"
_ORDINAL = r"(?:st|nd|rd|th)?"

# "Dec. 2, 2025", "December 2nd, 2025", "Tuesday, December 2", "DEC 2 2025", "Sept. 3".
MONTH_FIRST_RE = re.compile(
    _WEEKDAY + r"\b" + _MONTH + r"\s*(?P<day>\d{1,2})" + _ORDINAL + r"(?!\d|:|\s*[ap]\.?m\b)"
    r"(?:(?:\s*,\s*|\s+)(?P<year>\d{4}))?(?!\d)",
    re.IGNORECASE,
)
# "2 December 2025", "2nd of December, 2025" (a year is required: "2 Dec" is rarely a date).
DAY_FIRST_RE = re.compile(
    _WEEKDAY + r"(?<![\d/])(?P<day>\d{1,2})" + _ORDINAL + r"(?:\s+of)?[\s-]+" + _MONTH
    + r"(?:\s*,\s*|[\s-]+)(?P<year>\d{4})(?!\d)",
    re.IGNORECASE,
)  # fmt: skip
# "2025-12-02", "2025/12/02 19:00:00", "2025-12-02T19:00:00.000-06:00".
YEAR_FIRST_RE = re.compile(
    r"(?<![\d/.-])(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?!\d)"
    r"(?:(?:T|\s+)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"(?!\s*[ap]\.?\s?m\b)\s*(?P<offset>Z|[+-]\d{2}:?\d{2}\b)?)?",
    re.IGNORECASE,
)
# "12/2/2025", "12-02-25", "12.2.2025"; the weekday ("Tue 12/2/2025") is allowed before it.
NUMERIC_RE = re.compile(
    _WEEKDAY + r"(?<![\d/.-])(?P<month>\d{1,2})(?P<sep>[-/.])(?P<day>\d{1,2})(?P=sep)"
    r"(?P<year>\d{4}|\d{2})(?![\d/]|\.\d)",
    re.IGNORECASE,
)
# "12/2" with no year (a listing of this year's meetings): read only when nothing better is there.
NUMERIC_NO_YEAR_RE = re.compile(
    _WEEKDAY + r"(?<![\d/.-])(?P<month>\d{1,2})/(?P<day>\d{1,2})(?![\d/])", re.IGNORECASE
)

# One clock time: "7:00 PM", "7 p.m.", "7:00P", "19:00", "12:00 Noon", "Noon", "midnight".
CLOCK_RE = re.compile(
    r"(?<![\w:/.])(?:(?P<hour>\d{1,2})(?:(?P<sep>[:.])(?P<minute>\d{2}))?(?::\d{2})?(?!\d)"
    r"(?:\s*(?P<meridiem>[ap])\.?\s?m\b\.?|(?P<short>[ap])\b(?!\.?\s?m\b)|\s*(?P<named>noon|midnight)\b)?"
    r"|(?P<word>noon|midnight)\b)",
    re.IGNORECASE,
)
# What joins a start to its end: "7:00PM-9:00PM", "7 to 9 p.m.", "6:00 PM until 8:00 PM".
RANGE_JOIN_RE = re.compile(
    r"\s*(?:-+|–|—|~|\bto\b|\buntil\b|\btill\b|\bthrough\b|\bthru\b)\s*", re.I
)
# Words that say the time is not set yet.
NO_TIME_RE = re.compile(
    r"\b(?:tbd|tba|tbc|to\s+be\s+(?:determined|announced|confirmed)|time\s+(?:not\s+set|pending))\b",
    re.IGNORECASE,
)
# A machine stamp Microsoft JSON writes: "/Date(1764723600000)/", "/Date(1764723600000-0600)/".
MS_DATE_RE = re.compile(r"^/?Date\((-?\d+)(?:[+-]\d{4})?\)/?$")
# A compact stamp: "20251202", "20251202T190000" (BoardDocs lists, iCalendar).
COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?(Z)?)?$")


# Years a written date can mean; outside them it is a placeholder (0001-01-01, 9999-12-31). The
# spider's own plausibility check (`AgendaSpider.plausible`) then names the bad value.
PLAUSIBLE_YEARS = (1900, 2199)

# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """Times read from a field: the start, and the end where a range gives one."""

    start: time | None = None
    end: time | None = None


@dataclass(frozen=True)
class When:
    """A date, the start and end times written with it, and a stamp's own UTC offset.

    ``start`` is None when the text gives no time (or "TBD"); `time_known` says so.
    """

    day: date
    start: time | None = None
    end: time | None = None
    offset: timedelta | None = None

    @property
    def time_known(self) -> bool:
        """True when a start time was written."""
        return self.start is not None

    def start_in(self, tz: tzinfo) -> datetime:
        """The start, aware, in `tz` (local midnight when the time is unknown)."""
        if self.offset is not None:
            stamped = datetime.combine(self.day, self.start or time(0), timezone(self.offset))
            try:
                return stamped.astimezone(tz)
            except OverflowError:  # a placeholder year: left for the spider's plausibility check
                return stamped
        return local_datetime(self.day, self.start, tz)

    def end_in(self, tz: tzinfo) -> datetime | None:
        """The end, aware, in `tz`; on the next day when the clock reads before the start."""
        if self.start is None or self.end is None:
            return None
        day = self.day + timedelta(days=1) if self.end <= self.start else self.day
        return When(day, self.end, offset=self.offset).start_in(tz)


# --- zone -------------------------------------------------------------------------------------


def local_datetime(day: date, at: time | None, tz: tzinfo) -> datetime:
    """`day` at wall-clock `at` (midnight if None) in `tz`, by the module's DST rules.

    An ambiguous time is its first occurrence (``fold=0``, daylight time); a time in the
    spring-forward gap moves forward by the gap (2:30 → 3:30 daylight time).
    """
    wall = datetime.combine(day, at or time(0)).replace(tzinfo=tz, fold=0)
    try:
        return wall.astimezone(UTC).astimezone(tz)
    except OverflowError:  # a 0001-01-01 or 9999-12-31 placeholder: left for `plausible` to name
        return wall


# --- times ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    """One clock token as written: its hour, minute, meridiem ("a"/"p"/None) and span."""

    hour: int
    minute: int
    meridiem: str | None
    start: int
    end: int
    word: str | None = None  # "noon"/"midnight"

    def resolve(self, meridiem: str | None = None) -> time | None:
        """The wall time, with `meridiem` supplied when the token has none; None if impossible."""
        if self.word in ("noon", "midnight"):
            return time(12, 0) if self.word == "noon" else time(0, 0)
        mer = self.meridiem or meridiem
        if mer is None:
            return time(self.hour, self.minute) if self.hour < 24 and self.minute < 60 else None
        if not 1 <= self.hour <= 12 or self.minute >= 60:
            return None
        return time(self.hour % 12 + (12 if mer == "p" else 0), self.minute)


def _tokens(value: str) -> list[_Token]:
    """Every clock-like token in `value`, valid or a bare hour (a range's start)."""
    found: list[_Token] = []
    for match in CLOCK_RE.finditer(value):
        word = (match["word"] or match["named"] or "").lower() or None
        if match["word"]:
            found.append(_Token(12, 0, None, match.start(), match.end(), word))
            continue
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        meridiem = (match["meridiem"] or "").lower() or None
        if match["short"] and match["minute"]:  # "7:00P"; a bare "7a" is no time
            meridiem = match["short"].lower()
        if word and hour == 12 and minute == 0:  # "12:00 Noon", "12 Midnight"
            found.append(_Token(12, 0, None, match.start(), match.end(), word))
        elif meridiem or (match["sep"] == ":" and (len(match["hour"]) == 2 or hour > 12)):
            found.append(_Token(hour, minute, meridiem, match.start(), match.end()))
        else:  # a bare hour ("7" of "7-9 PM"), "7:00" or "7.30" without am/pm: a range start only
            found.append(_Token(hour, minute, None, match.start(), match.end(), "bare"))
    return found


def read_clock(value: str | None) -> Clock:
    """The start (and end) time written in `value`; ``Clock()`` when none or "TBD".

    "TBD" before any time ("Time TBD (was 7:00 PM)") means none; after one ("7:00 PM,
    Location TBD") it is about something else.
    """
    cleaned = squash(value)
    undecided = NO_TIME_RE.search(cleaned)
    if undecided:
        cleaned = cleaned[: undecided.start()]
    tokens = _tokens(cleaned)
    for token, following in zip(tokens, [*tokens[1:], None][: len(tokens)], strict=True):
        end = None
        if following is not None and following.word != "bare":
            if RANGE_JOIN_RE.fullmatch(cleaned[token.end : following.start]):
                end = following.resolve()
        start = _range_start(token, following, end) if end else token.resolve()
        if start is not None and token.word != "bare" or end is not None and start is not None:
            return Clock(start, end)
    return Clock()


def _range_start(token: _Token, end_token: _Token | None, end: time) -> time | None:
    """A range's start: as written; else with the end's am/pm, morning where that is after it."""
    if token.meridiem or token.word in ("noon", "midnight") or end_token is None:
        return token.resolve()
    meridiem = end_token.meridiem or ("a" if end_token.word == "noon" else None)
    if meridiem is None:  # "19:00-21:00": the 24-hour clock
        return token.resolve() if token.word != "bare" else None
    start = token.resolve(meridiem)
    if start is None or start > end:
        start = token.resolve("a")
    return start


def parse_clock(value: str | None) -> time | None:
    """The first wall-clock time in `value` ("10:00 AM", "7 p.m.", "Noon", "19:00"), else None."""
    return read_clock(value).start


# --- dates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    """A date found in text, with where it was written and its time part (year-first stamps)."""

    day: date
    start: int
    end: int
    at: time | None = None
    offset: timedelta | None = None
    inferred: bool = False  # the year was not written (see `_nearest_year`)


def _nearest_year(month: int, day: int, today: date, weekday: int | None) -> date | None:
    """The date `month`/`day` nearest `today` in the year before, of or after (weekday-checked)."""
    options = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if weekday is None or candidate.weekday() == weekday:
            options.append(candidate)
    if not options:
        return None
    return min(options, key=lambda d: (abs((d - today).days), -d.toordinal()))


def _weekday(match: re.Match[str]) -> int | None:
    name = (match.groupdict().get("weekday") or "").lower()
    return WEEKDAYS.get(name[:4]) if name[:4] in WEEKDAYS else WEEKDAYS.get(name[:3])


def _offset(raw: str | None) -> timedelta | None:
    if not raw:
        return None
    if raw.upper() == "Z":
        return timedelta(0)
    digits = raw[1:].replace(":", "")
    sign = -1 if raw[0] == "-" else 1
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))


def _year(raw: str) -> int:
    return int(raw) + 2000 if len(raw) == 2 else int(raw)


def _dates(value: str, today: date | None) -> list[_Found]:
    """Every date written in `value`, in the order preferred: with a year first, then by place."""
    found: list[_Found] = []
    for match in YEAR_FIRST_RE.finditer(value):
        try:
            day = date(int(match["year"]), int(match["month"]), int(match["day"]))
            at = None
            if match["hour"] is not None:
                at = time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
        except ValueError:
            continue
        offset = _offset(match["offset"]) if at is not None else None
        found.append(_Found(day, match.start(), match.end(), at, offset))
    for regex in (MONTH_FIRST_RE, DAY_FIRST_RE, NUMERIC_RE):
        for match in regex.finditer(value):
            written = match["month"].lower()
            month = MONTHS[written] if written in MONTHS else int(written)
            if match["year"]:
                try:
                    day = date(_year(match["year"]), month, int(match["day"]))
                except ValueError:
                    continue
                found.append(_Found(day, match.start(), match.end()))
            elif today is not None:
                yearless = _nearest_year(month, int(match["day"]), today, _weekday(match))
                if yearless:
                    found.append(_Found(yearless, match.start(), match.end(), inferred=True))
    if today is not None and not found:
        for match in NUMERIC_NO_YEAR_RE.finditer(value):
            if 1 <= int(match["month"]) <= 12:
                guess = _nearest_year(
                    int(match["month"]), int(match["day"]), today, _weekday(match)
                )
                if guess:
                    found.append(_Found(guess, match.start(), match.end(), inferred=True))
    # Overlaps: keep the longest at each place; written years beat inferred ones, and real dates
    # beat placeholders ("0001-01-01", "9999-12-31"), which are read only when alone.
    kept: list[_Found] = []
    for item in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if not any(k.start <= item.start < k.end for k in kept):
            kept.append(item)
    return sorted(kept, key=lambda k: (_placeholder(k.day), k.inferred, k.start))


def _placeholder(day: date) -> bool:
    return not PLAUSIBLE_YEARS[0] <= day.year <= PLAUSIBLE_YEARS[1]


def parse_date(value: str | None, today: date | None = None) -> date | None:
    """The first date written in `value` (any wording in the module's table), else None.

    A date without a year needs `today` (the crawl date) to infer it; without it, it is None.
    """
    found = _dates(squash(value), today)
    return found[0].day if found else None


def read_when(value: str | None, today: date | None = None) -> When | None:
    """The date, start and end written in `value` ("Tuesday, Dec. 2, 2025 - 7:00 PM"), else None.

    The time is read from the text around the date (the date's own digits never count as a
    time). `today` is the crawl date, for dates written without a year.
    """
    cleaned = squash(value)
    found = _dates(cleaned, today)
    if not found:
        return None
    first = found[0]
    if first.at is not None:
        rest = cleaned[first.end :]
        clock = read_clock(rest) if CLOCK_RE.search(rest) else Clock()
        end = clock.end if clock.start == first.at.replace(second=0) else None
        return When(first.day, first.at, end, first.offset)
    remainder = cleaned
    for item in sorted(found, key=lambda f: -f.start):  # blank every date, keeping places
        remainder = remainder[: item.start] + " " * (item.end - item.start) + remainder[item.end :]
    clock = read_clock(remainder)
    return When(first.day, clock.start, clock.end)


def read_stamp(value: object, today: date | None = None) -> When:
    """A machine stamp of an API, or failing that any wording `read_when` reads.

    Stamps: "2025-12-02T19:00:00", "2025/12/02 19:00:00", "…Z", "…-06:00",
    "/Date(1764723600000)/", "20251202". ValueError when there is no date in it (the caller drops the field or the row, counted).
    """
    raw = squash(value)
    ms = MS_DATE_RE.match(raw)
    if ms:
        instant = datetime.fromtimestamp(int(ms.group(1)) / 1000, UTC)
        return When(instant.date(), instant.time(), offset=timedelta(0))
    compact = COMPACT_RE.match(raw)
    if compact:
        year, month, day, hour, minute, second, zulu = compact.groups()
        at = time(int(hour), int(minute), int(second or 0)) if hour else None
        offset = timedelta(0) if zulu and at else None
        return When(date(int(year), int(month), int(day)), at, offset=offset)
    when = read_when(raw, today)
    if when is None:
        raise ValueError(f"no date in {raw[:60]!r}")
    return when


# --- text around times ------------------------------------------------------------------------


def clock_spans(value: str) -> list[tuple[int, int]]:
    """Where valid clock times ("9:00 AM", "Noon") are written in `value` (already squashed)."""
    return [(t.start, t.end) for t in _tokens(value) if t.word != "bare" and t.resolve()]


def before_time(value: str | None) -> str:
    """`value` up to its first clock time ("Commissioners Court Meeting 9:00 AM - …" → name)."""
    cleaned = squash(value)
    spans = clock_spans(cleaned)
    return cleaned[: spans[0][0]] if spans else cleaned


def without_times(value: str | None) -> str:
    """`value` with its clock times taken out ("Finance Committee 8:30 AM" → "Finance Committee")."""
    cleaned = squash(value)
    for start, end in reversed(clock_spans(cleaned)):
        cleaned = cleaned[:start] + " " + cleaned[end:]
    return squash(cleaned)


def dates_in(value: str | None, today: date | None = None) -> list[tuple[date, int, int]]:
    """Every date written in `value` (squashed) with where it is: ``(day, start, end)``."""
    return [(f.day, f.start, f.end) for f in sorted(_dates(squash(value), today), key=_place)]


def _place(found: _Found) -> int:
    return found.start
