"""Public-comment windows (`pipeline.text.comments`) on real, hand-labelled agenda wording.

The labelled paragraphs live in tests/fixtures/comments/*.jsonl (sources, meetings and the
labelling rules are in the README there): every one is checked for its exact deadlines (instant,
zone and UTC offset), channels and limits. The few the extractor still gets wrong are listed in
`KNOWN_*` with the reason; they are asserted exactly as they are, so a fix or a new miss both show.
Whole agenda documents (the PDFs and pages already under tests/fixtures) are checked for the facts
they state. DST cases put meetings right after the November fall-back and the March spring-forward.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.bench_comments import SETS, Labelled, extracted, load_labelled, score
from pipeline.text.comments import (
    CHANNEL_KINDS,
    LIMIT_UNITS,
    CommentWindow,
    extract_comment_window,
    upcoming_deadline,
)
from pipeline.text.pdftext import extract_pdf_bytes
from tests.conftest import examples

FIXTURES = Path(__file__).parent / "fixtures"
CHICAGO, LA, DENVER = (
    ZoneInfo("America/Chicago"),
    ZoneInfo("America/Los_Angeles"),
    ZoneInfo("America/Denver"),
)
LABELLED = {stem: {row.id: row for row in load_labelled(stem)} for stem in SETS}

T = TypeVar("T")

# Known misses, one kind of fact each: id → (extra, missing). The comment says why.
KNOWN_DEADLINES: dict[str, tuple[set[datetime], set[datetime]]] = {
    # The 5:30 p.m. form deadline is the budget hearing's, listed in the same notice.
    "rantoul-requirements": ({datetime(2020, 4, 14, 17, 30, tzinfo=CHICAGO)}, set()),
}
KNOWN_CHANNELS: dict[str, tuple[set[tuple[str, str]], set[tuple[str, str]]]] = {
    "ifa-remote": (set(), {("phone", "3126266799")}),  # four sentences before the comment cue
    "kane-register": (set(), {("in_person", "")}),  # "in writing at the County Board Office"
    "topeka-address": (set(), {("mail", "")}),  # "return it to … (address at left)"
    "stoutland-comment-form": ({("web", "")}, set()),  # "ask the board clerk for a comment form"
    "munster-input": ({("web", "")}, set()),  # "submitted electronically": the e-mail named next
    "cta-budget-phone": (set(), {("web", "")}),  # "select the dial-in option on the form"
    "fultonil-return-form": (set(), {("in_person", "")}),  # "Return form to the Secretary"
    "nebraska-letter": ({("in_person", "")}, set()),  # "not testifying in person … or … in person"
    "ct-gae-hearing": (set(), {("mail", "")}),  # "submit 30 copies … in Room 2A"
    "cnv-electronic": (set(), {("phone", "")}),  # "via computer, phone or mobile device"
    "salisbury-forms": (set(), {("mail", "")}),  # "hard copies of the form must be submitted"
}
KNOWN_LIMITS: dict[str, tuple[set[tuple[int, str]], set[tuple[int, str]]]] = {
    "usd459-form": (set(), {(10, "minutes")}),  # in a later paragraph with no comment cue
}


def _expected(want: set[T], known: tuple[set[T], set[T]] | None) -> set[T]:
    extra, missing = known or (set(), set())
    return (want | extra) - missing


def _row(row_id: str) -> Labelled:
    return next(rows[row_id] for rows in LABELLED.values() if row_id in rows)


@pytest.mark.parametrize(
    "row",
    [row for rows in LABELLED.values() for row in rows.values()],
    ids=lambda row: row.id,
)
def test_labelled_paragraph(row: Labelled) -> None:
    deadlines, channels, limits = extracted(row.text, row.meeting_start)
    want_deadlines, want_channels, want_limits = row.facts
    assert deadlines == _expected(want_deadlines, KNOWN_DEADLINES.get(row.id))
    assert channels == _expected(want_channels, KNOWN_CHANNELS.get(row.id))
    assert limits == _expected(want_limits, KNOWN_LIMITS.get(row.id))
    window = extract_comment_window(row.text, row.meeting_start)
    if window is None:
        return
    # The exact wall-clock time and UTC offset in the body's zone, as labelled.
    extra = KNOWN_DEADLINES.get(row.id, (set(), set()))[0]
    assert sorted(d.at.isoformat() for d in window.deadlines) == sorted(
        [*row.deadlines, *(d.isoformat() for d in extra)]
    )
    assert all(str(d.at.tzinfo) == row.zone for d in window.deadlines)
    assert window.deadline == (window.deadlines[0].at if window.deadlines else None)


@pytest.mark.parametrize("stem", list(SETS))
def test_scores_meet_the_target(stem: str) -> None:
    deadlines, channels, limits = score(LABELLED[stem].values(), extracted)
    assert deadlines.precision >= 0.9 and deadlines.recall >= 0.9
    assert channels.precision >= 0.9 and channels.recall >= 0.9
    assert limits.precision >= 0.9 and limits.recall >= 0.9


def test_the_sets_are_big_enough_and_real() -> None:
    assert len(LABELLED["paragraphs"]) >= 60
    rows = [row for rows in LABELLED.values() for row in rows.values()]
    assert all(row.source.startswith(("fixtures/real/", "https://", "http://")) for row in rows)
    negatives = [row for row in rows if not (row.deadlines or row.channels or row.limits)]
    assert len(negatives) >= 20
    assert sum(1 for row in rows if row.deadlines) >= 100


def _deadlines(text: str, start: datetime) -> list[str]:
    window = extract_comment_window(text, start)
    return [d.at.isoformat() for d in window.deadlines] if window else []


@pytest.mark.parametrize(
    ("row_id", "start", "expected"),
    [
        # "by 5:00 p.m. the day prior to the meeting" (OCTA). The day before the Sunday of the
        # fall-back is still on daylight time; the day before the Monday after it is not.
        ("octa-written", datetime(2024, 11, 3, 14, 0, tzinfo=LA), "2024-11-02T17:00:00-07:00"),
        ("octa-written", datetime(2024, 11, 4, 9, 0, tzinfo=LA), "2024-11-03T17:00:00-08:00"),
        # "no later than 12 p.m. on the day prior to the meeting" (Kane County) around the
        # spring-forward; its sign-in sheet closes "fifteen (15) minutes prior" to the meeting.
        (
            "kane-req2speak",
            datetime(2025, 3, 9, 14, 0, tzinfo=CHICAGO),
            "2025-03-08T12:00:00-06:00 2025-03-09T13:45:00-05:00",
        ),
        (
            "kane-req2speak",
            datetime(2025, 3, 10, 9, 45, tzinfo=CHICAGO),
            "2025-03-09T12:00:00-05:00 2025-03-10T09:30:00-05:00",
        ),
        # "NO LATER THAN 24 hours in advance" (Cook County) is elapsed time: 25 wall-clock hours
        # before a meeting on the fall-back Sunday, 23 before one on the spring-forward Sunday.
        (
            "cook-deadline",
            datetime(2024, 11, 3, 10, 0, tzinfo=CHICAGO),
            "2024-11-02T11:00:00-05:00",
        ),
        ("cook-deadline", datetime(2025, 3, 9, 10, 0, tzinfo=CHICAGO), "2025-03-08T09:00:00-06:00"),
        # "two (2) days in advance" (Penncrest) counts calendar days: same clock time, new offset.
        (
            "penncrest-register",
            datetime(2025, 3, 10, 19, 0, tzinfo=ZoneInfo("America/New_York")),
            "2025-03-08T19:00:00-05:00",
        ),
        # "until 9:00 AM the business day before" (Chicago committees): the Friday before a Monday.
        (
            "chicago-committee-voicemail",
            datetime(2024, 11, 4, 10, 0, tzinfo=CHICAGO),
            "2024-11-01T09:00:00-05:00",
        ),
    ],
)
def test_deadline_across_dst_changes(row_id: str, start: datetime, expected: str) -> None:
    assert _deadlines(_row(row_id).text, start) == expected.split()


def test_naive_meeting_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        extract_comment_window("Public comment by 5 p.m.", datetime(2024, 11, 4, 19, 0))


def _pdf_text(name: str) -> str:
    return "\n".join(extract_pdf_bytes((FIXTURES / "pdf" / name).read_bytes()).pages)


def _html_text(path: str) -> str:
    return BeautifulSoup((FIXTURES / path).read_bytes(), "lxml").get_text("\n")


def _facts(
    window: CommentWindow | None,
) -> tuple[list[str], set[tuple[str, str]], set[tuple[int, str]]]:
    assert window is not None
    return (
        [d.at.isoformat() for d in window.deadlines],
        {(c.kind, c.value) for c in window.channels},
        {(lim.amount, lim.unit) for lim in window.limits},
    )


def test_whole_hermosa_agenda_pdf() -> None:
    # Tuesday, January 10, 2023, closed session 5:00 PM: packet materials by noon one week before,
    # supplemental comments, e-mail and eComment by 3:00 p.m. on the meeting date; 3 minutes.
    window = extract_comment_window(
        _pdf_text("ca_hermosa_beach_city_council_agenda_2023-01-10_legistar.pdf"),
        datetime(2023, 1, 10, 17, 0, tzinfo=LA),
    )
    deadlines, channels, limits = _facts(window)
    assert deadlines == ["2023-01-03T12:00:00-08:00", "2023-01-10T15:00:00-08:00"]
    assert channels == {
        ("email", "cityclerk@hermosabeach.gov"),
        ("web", "hermosabeach.granicusideas.com"),
        ("in_person", ""),
        ("video", "https://us02web.zoom.us/j/89968207828?pwd=bXZmWS83dmxHWDZLbWRTK2RVaUxaUT09"),
        ("phone", "8335480276"),
    }
    assert limits == {(3, "minutes")}
    # The agenda was printed on 1/6/2023: by then the packet deadline had passed.
    assert window is not None
    upcoming = upcoming_deadline(window, datetime(2023, 1, 6, 12, 0, tzinfo=LA))
    assert upcoming is not None and upcoming.at.isoformat() == "2023-01-10T15:00:00-08:00"
    assert upcoming_deadline(window, datetime(2023, 1, 10, 15, 0, tzinfo=LA)) is None


def test_whole_rosemead_agenda_pdf() -> None:
    window = extract_comment_window(
        _pdf_text("ca_rosemead_city_council_agenda_2022-11-08_granicus_browser_print.pdf"),
        datetime(2022, 11, 8, 19, 0, tzinfo=LA),
    )
    deadlines, channels, limits = _facts(window)
    # "Written comments may be submitted at publiccomment@… by 5:00 p.m.", and the Speaker
    # Request Card "must be handed to the City Clerk before the start of the meeting".
    assert deadlines == ["2022-11-08T17:00:00-08:00", "2022-11-08T19:00:00-08:00"]
    assert ("email", "publiccomment@cityofrosemead.org") in channels
    assert ("phone", "6699009128") in channels
    # The print header's cut-off URL ("GeneratedAgendaViewer.php?vie...") is no channel.
    assert not any(kind == "web" for kind, _ in channels)
    assert limits == {(3, "minutes")}


@pytest.mark.parametrize(
    ("name", "start"),
    [
        # Notices of report viewing ("as of Fridays prior to Tuesday …"), warrant date ranges and an
        # ADA "48 hours prior to the meeting" sit near "Public Comment": none is a comment deadline.
        (
            "ca_sunnyvale_city_council_agenda_2016-04-12_legistar.pdf",
            datetime(2016, 4, 12, 18, 0, tzinfo=LA),
        ),
        (
            "ca_norwalk_housing_authority_packet_2022-11-15_mixed_scan.pdf",
            datetime(2022, 11, 15, 17, 45, tzinfo=LA),
        ),
        (
            "oh_cuyahoga_county_board_of_health_agenda_2019-04-24.pdf",
            datetime(2019, 4, 24, 9, 0, tzinfo=ZoneInfo("America/New_York")),
        ),
        (
            "il_warrenville_library_board_minutes_2020-04-15.pdf",
            datetime(2020, 4, 15, 19, 0, tzinfo=CHICAGO),
        ),
    ],
)
def test_whole_documents_without_a_deadline(name: str, start: datetime) -> None:
    window = extract_comment_window(_pdf_text(name), start)
    assert window is None or window.deadlines == []


def test_whole_norwalk_packet_channels() -> None:
    window = extract_comment_window(
        _pdf_text("ca_norwalk_housing_authority_packet_2022-11-15_mixed_scan.pdf"),
        datetime(2022, 11, 15, 17, 45, tzinfo=LA),
    )
    _deadlines_found, channels, _limits = _facts(window)
    assert channels == {
        ("email", "publiccomments@norwalkca.gov"),
        ("video", "https://us02web.zoom.us/j/7095732685"),
        ("phone", "6699006833"),
        ("in_person", ""),
    }  # not the records e-mail, the ADA phone or the viewing web page


@pytest.mark.parametrize(
    ("path", "start", "deadlines", "must_have"),
    [
        (
            "granicus/commissionwatch__bozeman_agendaviewer-clip2784.html",
            datetime(2026, 8, 4, 14, 0, tzinfo=DENVER),
            ["2026-08-04T12:00:00-06:00"],
            {("email", "comments@bozemanmt.gov"), ("in_person", ""), ("video", "")},
        ),
        (
            "captures/wicks_city_apc_detail.html",
            datetime(2024, 6, 13, 10, 0, tzinfo=CHICAGO),
            ["2024-06-10T17:00:00-05:00"],  # "5 p.m. on Monday, three (3) days prior"
            {("phone", "3162684464"), ("mail", "")},
        ),
        (
            "granicus/city-scrapers-ca__lawa_0.html",
            datetime(2022, 3, 3, 10, 0, tzinfo=LA),
            [],  # the comment form stays open "through the end of this meeting"
            {("phone", "2133063065"), ("web", "https://online.lawa.org/boac")},
        ),
    ],
)
def test_whole_html_pages(
    path: str, start: datetime, deadlines: list[str], must_have: set[tuple[str, str]]
) -> None:
    found, channels, limits = _facts(extract_comment_window(_html_text(path), start))
    assert found == deadlines
    assert must_have <= channels
    listen_only = ("213621CITY", "8189049450", "310471CITY", "310547CITY")
    assert not any(value in listen_only for _, value in channels)
    assert limits == {(3, "minutes")}


# ---------------------------------------------------------------- hostile text

_START = datetime(2024, 11, 4, 19, 0, tzinfo=CHICAGO)
_EMAIL_OK = re.compile(r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}")
# Real wording cut into pieces, so generated text reaches the deep paths (tokens, phrases, windows).
_FRAGMENTS = [
    "Public comment", "Written comments", "must be received", "by", "no later than", "until", "between",
    "and", "from", "after", "prior to", "before", "the day before the meeting", "the day of the meeting",
    "5:00 p.m.", "noon", "12:00pm CST", "8 a.m.", "24 hours prior to the meeting", "two (2) business days",
    "one week before", "the start of the meeting", "Monday", "Friday, July 7, 2023", "October 9", "10/11/2023",
    "the day after the meeting", "email", "comments@city.gov", "x@y.usto", "https://zoom.us/j/123?",
    "www.example.gov/form", "(312) 744-6800", "1-888-YOUR-CTA", "Meeting ID: 709 573 2685", "by fax to",
    "three (3) minutes per speaker", "30 minutes total", "speaker card", "in person", "via Zoom", "not",
    "ADA accommodation", "sealed bids", "P.O. Box 12", "For any 9:00 a.m. hearings,", "or until all slots are filled",
    ".", ",", ";", ":", "\n", "\n\n", "•", "1.", ">>", "-", "(", ")", "…", "\u00a0",
]  # fmt: skip


def _check_window(window: CommentWindow | None, start: datetime) -> None:
    if window is None:
        return
    assert [d.at for d in window.deadlines] == sorted({d.at for d in window.deadlines})
    for deadline in window.deadlines:
        assert deadline.at.tzinfo is not None and str(deadline.at.tzinfo) == str(start.tzinfo)
        assert start - timedelta(days=60) <= deadline.at <= start + timedelta(days=14)
    for channel in window.channels:
        assert channel.kind in CHANNEL_KINDS
        if channel.kind == "email" and channel.value:
            assert _EMAIL_OK.fullmatch(channel.value)
        if channel.kind in ("web", "video") and channel.value:
            url = channel.value if "://" in channel.value else "http://" + channel.value
            assert urlsplit(url).scheme in ("http", "https") and "." in (
                urlsplit(url).hostname or ""
            )
            assert not re.search(r"\s", channel.value)
        if channel.kind == "phone" and channel.value:
            assert re.fullmatch(r"[0-9A-Z]{10}", channel.value)
    assert all(lim.unit in LIMIT_UNITS and lim.amount >= 1 for lim in window.limits)
    assert len(window.source_text) <= 2000


@pytest.mark.engine  # timing-bound: every generated text is timed
@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=4000))
def test_arbitrary_text_never_raises_and_is_fast(text: str) -> None:
    began = time.perf_counter()
    _check_window(extract_comment_window(text, _START), _START)
    assert time.perf_counter() - began < 2.0


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=12)), max_size=120),
    st.sampled_from(["America/Chicago", "America/Phoenix", "America/New_York", "Pacific/Honolulu"]),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31)),
)
def test_comment_like_text_gives_valid_windows(
    pieces: list[str], zone: str, start: datetime
) -> None:
    aware = start.replace(tzinfo=ZoneInfo(zone))
    began = time.perf_counter()
    _check_window(extract_comment_window(" ".join(pieces), aware), aware)
    assert time.perf_counter() - began < 2.0


@pytest.mark.engine  # timing-bound: each input is timed against a limit
@pytest.mark.parametrize(
    "text",
    [
        "a" * 500_000,
        "a@" * 100_000,
        "comment x@" + "a-" * 50_000 + ".com",
        "comment x@" + "a." * 100_000,
        "comment call " + "(312) " * 80_000,
        "comment https://" + "a/" * 200_000,
        "comment " + "before the " * 40_000 + "meeting",
        "comment submit " + "two (2) " * 50_000 + "days prior",
        "comment between " + "and " * 100_000,
        "comment deadline " + "x " * 100_000 + " is 5 pm",
        "comment\n" * 200_000,
        "Public comment by 5 p.m. on the day before the meeting, three minutes per speaker. "
        * 4_000,
    ],
    ids=lambda text: f"{text[:16]!r}x{len(text)}",
)
def test_pathological_input_is_bounded(text: str) -> None:
    began = time.perf_counter()
    _check_window(extract_comment_window(text, _START), _START)
    assert time.perf_counter() - began < 10.0  # ~0.1-1.5 s here; generous for a loaded 2-core box
