"""The shared readers of dates, times, status words, places and body names (spiders/_when.py,
spiders/_vocab.py): the corpus of wordings (tests/fixtures/wordings/), round trips of generated
dates rendered the ways sites write them, DST edges, and status words in any text field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spiders._vocab import clean_body, clean_location, marked, split_body
from spiders._when import (
    Clock,
    before_time,
    local_datetime,
    parse_clock,
    parse_date,
    read_clock,
    read_stamp,
    read_when,
    without_times,
)
from spiders.base import AgendaSpider
from tests.conftest import examples
from tests.wordings import DateCase, FieldCase, date_cases, field_cases, read_date, read_field

CHICAGO = ZoneInfo("America/Chicago")
DATES = date_cases()
FIELDS = field_cases()


def test_the_corpus_is_the_size_the_docs_say() -> None:
    assert len(DATES) >= 60 and len(FIELDS) >= 45
    assert {f.field for f in FIELDS} == {"title", "location", "body"}


@pytest.mark.parametrize("case", DATES, ids=[c.wording[:40] for c in DATES])
def test_date_wordings(case: DateCase) -> None:
    assert read_date(case.wording, case.today) == (case.start, case.end, case.time_known)


@pytest.mark.parametrize("case", FIELDS, ids=[f"{c.field}:{c.wording[:36]}" for c in FIELDS])
def test_field_wordings(case: FieldCase) -> None:
    assert read_field(case.field, case.wording) == (case.text, case.status)


# --- round trips: a generated date rendered the ways sites write it is read back ------------

ORDINALS = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}


def _twelve(at: time) -> tuple[int, str]:
    return (at.hour % 12 or 12), ("AM" if at.hour < 12 else "PM")


def _render(day: date, at: time, style: int) -> str:
    """`day` at `at` as one of the styles of the corpus."""
    hour, meridiem = _twelve(at)
    month, abbr, weekday = day.strftime("%B"), day.strftime("%b"), day.strftime("%A")
    clock = f"{hour}:{at.minute:02d} {meridiem}"
    suffix = ORDINALS.get(day.day, "th")
    return [
        f"{weekday}, {month} {day.day}, {day.year} - {clock}",
        f"{abbr}. {day.day}, {day.year} {hour}:{at.minute:02d} {meridiem[0].lower()}.m.",
        f"{month} {day.day}{suffix}, {day.year} at {clock}",
        f"{day.month}/{day.day}/{day.year} {hour}:{at.minute:02d}{meridiem}",
        f"{day.isoformat()}T{at.hour:02d}:{at.minute:02d}:00",
        f"{month.upper()} {day.day}, {day.year}\u00a0{clock.upper()}",
        f"{day.month:02d}/{day.day:02d}/{day.year} {at.hour:02d}:{at.minute:02d}",
        f"{weekday[:3]}., {abbr} {day.day} {day.year}\u200b {clock} CST",
        f"{day.day} {month} {day.year} {at.hour:02d}:{at.minute:02d}",
        f"{clock}, {weekday}, {month} {day.day}, {day.year}",
    ][style]


@settings(max_examples=examples(300), deadline=None)
@given(
    day=st.dates(date(1995, 1, 1), date(2035, 12, 31)),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    style=st.integers(0, 9),
)
def test_rendered_dates_read_back(day: date, at: time, style: int) -> None:
    text = _render(day, at, style)
    when = read_when(text)
    assert when is not None, text
    assert (when.day, when.start, when.end) == (day, at, None), text


@settings(max_examples=examples(200), deadline=None)
@given(
    day=st.dates(date(2000, 1, 1), date(2035, 12, 31)),
    start=st.integers(6 * 60, 20 * 60).map(lambda m: time(m // 60, m % 60 // 15 * 15)),
    length=st.integers(15, 180),
    joiner=st.sampled_from(["-", " - ", "–", " to ", " until "]),
)
def test_rendered_ranges_read_back(day: date, start: time, length: int, joiner: str) -> None:
    end = (datetime.combine(day, start) + timedelta(minutes=length)).time()
    (h1, m1), (h2, m2) = _twelve(start), _twelve(end)
    text = f"{day:%m/%d/%Y} {h1}:{start.minute:02d}{m1}{joiner}{h2}:{end.minute:02d}{m2}"
    when = read_when(text)
    assert when is not None and (when.start, when.end) == (start, end), text
    shown = when.end_in(CHICAGO)
    assert shown is not None and shown > when.start_in(CHICAGO)


@settings(max_examples=examples(200), deadline=None)
@given(
    today=st.dates(date(2000, 1, 1), date(2035, 12, 31)),
    offset=st.integers(-150, 150),
    style=st.sampled_from(
        ["{month} {day}", "{abbr}. {day}", "{weekday}, {month} {day}", "{m}/{day}"]
    ),
)
def test_a_missing_year_is_the_nearest_date(today: date, offset: int, style: str) -> None:
    meant = today + timedelta(days=offset)
    text = style.format(
        month=meant.strftime("%B"),
        abbr=meant.strftime("%b"),
        weekday=meant.strftime("%A"),
        day=meant.day,
        m=meant.month,
    )
    assert parse_date(text, today) == meant, text


def test_a_weekday_decides_the_year_when_it_can() -> None:
    # Dec 2 is a Tuesday in 2025 and a Monday in 2024: from mid-2025 either could be meant.
    assert parse_date("Monday, December 2", date(2025, 6, 1)) == date(2024, 12, 2)
    assert parse_date("Tuesday, December 2", date(2025, 6, 1)) == date(2025, 12, 2)
    assert parse_date("December 2") is None  # no crawl date, no year: nothing guessed


@settings(max_examples=examples(300), deadline=None)
@given(st.text(max_size=80))
def test_any_text_reads_without_error(value: str) -> None:
    when = read_when(value, date(2025, 11, 20))
    clock = read_clock(value)
    if when is not None:
        when.start_in(CHICAGO)
    assert clock.end is None or clock.start is not None


# --- clock times ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7 p.m.", Clock(time(19))),
        ("7:00 p.m. CST", Clock(time(19))),
        ("19:00", Clock(time(19))),
        ("Noon", Clock(time(12))),
        ("12:00 Noon", Clock(time(12))),
        ("Midnight", Clock(time(0))),
        ("7:00PM-9:00PM", Clock(time(19), time(21))),
        ("6:30 PM Executive Session / 7:00 PM Regular", Clock(time(18, 30))),
        ("7:00\u00a0PM", Clock(time(19))),
        ("7:00\u200bPM", Clock(time(19))),
        ("7:00P", Clock(time(19))),
        ("TBD", Clock()),
        ("Time TBA", Clock()),
        ("7:00", Clock()),  # no am/pm and a one-digit hour: unknown, not 7 AM (module docs)
        ("07:00", Clock(time(7))),
        ("Room 7", Clock()),
        ("Resolution 25-196", Clock()),
        ("Suite 7a", Clock()),
        ("afternoon session", Clock()),
    ],
)
def test_clock_wordings(value: str, expected: Clock) -> None:
    assert read_clock(value) == expected
    assert parse_clock(value) == expected.start


def test_text_around_times() -> None:
    line = "Commissioners Court Meeting 9:00 AM - Tuesday, May 19, 2026"
    assert before_time(line) == "Commissioners Court Meeting "
    assert without_times("Finance Committee 8:30 AM") == "Finance Committee"


# --- zones and DST ----------------------------------------------------------------------------


def test_fall_back_ambiguous_time_is_its_first_occurrence() -> None:
    # 1:30 AM on 2025-11-02 happens twice in Chicago: the first is daylight time.
    start = local_datetime(date(2025, 11, 2), time(1, 30), CHICAGO)
    assert start.isoformat() == "2025-11-02T01:30:00-05:00"
    assert start.astimezone(UTC).isoformat() == "2025-11-02T06:30:00+00:00"


def test_spring_forward_missing_time_moves_forward_by_the_gap() -> None:
    start = local_datetime(date(2026, 3, 8), time(2, 30), CHICAGO)
    assert start.isoformat() == "2026-03-08T03:30:00-05:00"


@settings(max_examples=examples(200), deadline=None)
@given(
    day=st.dates(date(2000, 1, 1), date(2035, 12, 31)),
    at=st.times(),
    zone=st.sampled_from(["America/Chicago", "America/New_York", "America/Los_Angeles"]),
)
def test_local_datetimes_are_real_instants(day: date, at: time, zone: str) -> None:
    tz = ZoneInfo(zone)
    start = local_datetime(day, at, tz)
    assert start.utcoffset() is not None
    assert start.astimezone(UTC).astimezone(tz) == start  # a time that exists on the clock
    gap = start - datetime.combine(day, at, tzinfo=tz)  # only a spring-forward gap moves it
    assert start.replace(tzinfo=None) - datetime.combine(day, at) in (timedelta(0), gap)


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2025-12-02T19:00:00", "2025-12-02T19:00:00-06:00"),
        ("2025-12-03T01:00:00Z", "2025-12-02T19:00:00-06:00"),
        ("2025-12-02T19:00:00.000-06:00", "2025-12-02T19:00:00-06:00"),
        ("2025/12/02 19:00:00", "2025-12-02T19:00:00-06:00"),
        ("/Date(1764723600000)/", "2025-12-02T19:00:00-06:00"),
        ("20251202", "2025-12-02T00:00:00-06:00"),
        ("20251203T010000Z", "2025-12-02T19:00:00-06:00"),
        ("Tuesday, December 2, 2025 7:00 PM", "2025-12-02T19:00:00-06:00"),
    ],
)
def test_machine_stamps(stamp: str, expected: str) -> None:
    assert read_stamp(stamp).start_in(CHICAGO).isoformat() == expected


def test_a_stamp_without_a_date_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="no date"):
        read_stamp("not scheduled")


# --- status words in any field ----------------------------------------------------------------

PLACES = st.sampled_from(
    [
        "Village Hall, 1 Main St., Room 201",
        "Council Chambers, 2nd Floor, 150 Dexter Ct., Elgin, IL 60120",
        "Cook County Building, Board Room, 118 North Clark Street, Chicago, Illinois",
        "Township Hall",
        "Fire Station 2",
    ]
)
STATUS_WORDS = st.sampled_from(
    [
        ("CANCELLED", "cancelled"),
        ("Canceled", "cancelled"),
        ("CANCELED - RESCHEDULED TO DEC. 9, 2025", "cancelled"),
        ("NOTICE OF CANCELLATION", "cancelled"),
        ("POSTPONED", "rescheduled"),
        ("Rescheduled", "rescheduled"),
        ("AMENDED AGENDA", "scheduled"),
        ("REVISED", "scheduled"),
        ("SPECIAL MEETING", "scheduled"),
    ]
)


@settings(max_examples=examples(300), deadline=None)
@given(
    place=PLACES,
    word=STATUS_WORDS,
    joint=st.sampled_from(["", " ", " - ", " | ", " -- ", ": ", " *** "]),
    before=st.booleans(),
)
def test_status_words_leave_any_location(
    place: str, word: tuple[str, str], joint: str, before: bool
) -> None:
    wording, status = word
    if before and not joint.strip():
        joint = " - "  # a word glued to the front of a place is no wording sites use
    text = f"{wording}{joint}{place}" if before else f"{place}{joint}{wording}"
    found = clean_location(text)
    assert (found.text, found.status) == (place, status), text


def test_titles_keep_special_meeting_and_lose_status_words() -> None:
    assert (
        marked("Village Board Special Meeting - CANCELLED").text == "Village Board Special Meeting"
    )
    title, fields = AgendaSpider.unmarked(
        "City Council", {"location": "Council Chambers SPECIAL MEETING", "body": "City Council"}
    )
    assert (title, fields["title"], fields["location"]) == (
        "City Council",
        "City Council - Special Meeting",
        "Council Chambers",
    )
    # A title that is nothing but a status word becomes the body's name.
    title, fields = AgendaSpider.unmarked("CANCELLED", {"body": "Plan Commission"})
    assert (title, fields["status"]) == ("Plan Commission", "cancelled")
    # A status the spider read is kept; words only fill in "scheduled".
    _, fields = AgendaSpider.unmarked("City Council", {"status": "tentative"})
    assert fields["status"] == "tentative"


def test_every_cancellation_word_read_also_leaves_the_title() -> None:
    # "will not be held/meet" was read as cancelled but stayed in the title.
    for title in (
        "WILL NOT BE HELD: Waste Management Advisory Board",
        "Waste Management Advisory Board - Meeting will not be held",
        "Waste Management Advisory Board (will not meet)",
    ):
        found = marked(title)
        assert (found.text, found.status) == ("Waste Management Advisory Board", "cancelled")


def test_a_moved_time_leaves_the_title_whole() -> None:
    # BUILT: the colon of "6:30" is no separator, so the move leaves no "30 p.m." behind; a colon
    # after the tail still ends it.
    for title in (
        "Regular Board Meeting-RESCHEDULED TO 6:30 p.m.",
        "Regular Board Meeting - RESCHEDULED TO 6:30 p.m.",
        "Regular Board Meeting (rescheduled to 5:45 PM)",
    ):
        assert (marked(title).text, marked(title).status) == (
            "Regular Board Meeting",
            "rescheduled",
        )
    assert marked("Finance Committee - Rescheduled to 6:30 PM: Room 2").text == (
        "Finance Committee - Room 2"
    )


def test_body_names_and_kinds() -> None:
    assert split_body("Village Board of Trustees - Regular Meeting") == (
        "Village Board of Trustees",
        "Regular Meeting",
    )
    assert split_body("Study Session - Budget") == ("Study Session - Budget", "")
    assert clean_body("City Council - Regular Meeting - CANCELLED") == "City Council"
