"""Deadlines in the organizers' views (page first, JSON, terminal, calendar) and the ILGA words.

Meetings are the stored set of tests/test_upcoming.py (BUILT there, from the demo recordings'
shapes); two of them are given a comment window and one ILGA hearing item a witness-slip link
here, as the crawl stages would. The House hearing page is the fixture built from the real
excerpt (tests/fixtures/ilga/README.md); the action wordings are real ILGA phrases.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup

from pipeline.ilga.bulk_xml import classify_action
from pipeline.ilga.pages import parse_hearing_page
from pipeline.models import CommentChannel, CommentDeadline, CommentWindow, Meeting
from pipeline.views.calendar import EventVersions, calendar_bytes
from pipeline.views.deadlines import deadline_rows, deadlines_table, select_deadlines
from pipeline.views.format import upcoming_rows, upcoming_table
from pipeline.views.site import render_page
from pipeline.views.upcoming import UpcomingQuery, select_upcoming
from tests.conftest import FIXTURES
from tests.test_upcoming import FIRST, stored_meetings

NOW = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)  # before every stored meeting of the window
SLIP = "https://my.ilga.gov/WitnessSlip/Create/160001?committeeHearingId=22901"


def _window(meeting: Meeting, at: str, text: str) -> CommentWindow:
    deadline = datetime.fromisoformat(at)
    return CommentWindow(
        deadline=deadline,
        deadline_text=text,
        deadlines=[CommentDeadline(at=deadline, text=text)],
        channels=[
            CommentChannel(kind="email", value="clerk@oak-park.us"),
            CommentChannel(kind="web", value="https://www.oak-park.us/comment?a=1&b=<2>"),
        ],
        limit_text="three (3) minutes",
    )


def _meetings() -> list[Meeting]:
    meetings = stored_meetings()
    for m in meetings:
        if m.id == "oak_park/20261027/9001":
            # Written comments close at noon the day before (CDT, before the fall-back).
            m.comment = _window(m, "2026-10-26T12:00:00-05:00", "by noon the day before")
        if m.id == "oak_park/20261103/9003":
            # After the fall-back: CST.
            m.comment = _window(m, "2026-11-02T17:00:00-06:00", "5:00 p.m. <b>Monday</b>")
        if m.source == "il-general-assembly":
            for item in m.items:
                item.witness_slip_url = SLIP  # type: ignore[assignment]
    return meetings


def test_deadlines_soonest_first_in_local_time() -> None:
    query = UpcomingQuery(first=FIRST)
    found = select_deadlines(_meetings(), query, NOW)
    rows = deadline_rows(found)
    assert [(r["kind"], r["at"]) for r in rows] == [
        ("comment_deadline", "2026-10-26T12:00:00-05:00"),
        ("comment_deadline", "2026-11-02T17:00:00-06:00"),
        ("witness_slip", "2026-11-04T08:00:00-06:00"),
    ]
    assert rows[0]["local"] == "Mon Oct 26, 2026 12:00 PM CDT"
    assert rows[1]["local"] == "Mon Nov 2, 2026 5:00 PM CST"
    assert rows[0]["how"] == [
        "e-mail clerk@oak-park.us",
        "online https://www.oak-park.us/comment?a=1&b=<2>",
    ]
    assert (
        rows[2]["url"] == SLIP and rows[2]["body"] == "House Immigration & Human Rights Committee"
    )
    # A deadline that has passed is no longer listed; the next one is.
    later = select_deadlines(_meetings(), query, datetime(2026, 10, 27, 0, 0, tzinfo=UTC))
    assert [d.kind for d in later] == ["comment_deadline", "witness_slip"]
    table = deadlines_table(found, query)
    assert table.splitlines()[2] == (
        "Mon Oct 26, 2026 12:00 PM CDT  Public comment closes: Village Board · Village of Oak Park, IL"
    )
    assert "  How: e-mail clerk@oak-park.us, online https://www.oak-park.us/comment" in table


def test_the_page_shows_deadlines_first_escaped() -> None:
    query = UpcomingQuery(first=FIRST)
    meetings = select_upcoming(_meetings(), query)
    html = render_page(meetings, query, feeds=[], now=NOW)
    soup = BeautifulSoup(html, "html.parser")
    main = soup.find("main")
    assert main is not None
    first = main.find(["section"])
    assert first is not None and first.get("class") == ["deadlines-first"]
    entries = [li.get_text(" ", strip=True) for li in first.find_all("li")]
    assert len(entries) == 3
    assert entries[0].startswith("Mon Oct 26, 2026 12:00 PM CDT · Public comment closes")
    assert entries[2].startswith("Wed Nov 4, 2026 8:00 AM CST · File a witness slip")
    slip = first.find("a", string="File a witness slip")
    assert slip is not None and slip["href"] == SLIP
    assert "<b>" not in html and "&lt;2&gt;" in html  # scraped text stays text
    # The meeting cards say it too.
    card = soup.find("article", id="oak_park/20261027/9001")
    assert card is not None
    assert "Public comment: by Mon Oct 26, 2026 12:00 PM CDT · e-mail clerk@oak-park.us" in (
        card.get_text(" ", strip=True)
    )


def test_json_table_and_calendar_carry_the_window_and_the_slip_link() -> None:
    query = UpcomingQuery(first=FIRST)
    meetings = select_upcoming(_meetings(), query)
    rows = {r["id"]: r for r in upcoming_rows(meetings)}
    comment = rows["oak_park/20261027/9001"]["comment"]
    assert comment["deadlines"] == [
        {"at": "2026-10-26T12:00:00-05:00", "time_given": True, "text": "by noon the day before"}
    ]
    assert comment["limit"] == "three (3) minutes"
    hearing = rows["il-general-assembly/20261104/H-3099-22901"]
    assert {i["witness_slip_url"] for i in hearing["items"]} == {SLIP}
    assert rows["cook_county/20261029/9102"]["comment"] is None
    table = upcoming_table(meetings, query.first, query.last, now=NOW)
    assert "  Public comment: by Mon Oct 26, 2026 12:00 PM CDT · e-mail clerk@oak-park.us" in table
    assert f"    File a witness slip: {SLIP}" in table
    ics = calendar_bytes(meetings, "t", EventVersions(None), NOW).decode()
    unfolded = ics.replace("\r\n ", "")
    assert "Public comment: by Mon Oct 26\\, 2026 12:00 PM CDT" in unfolded
    assert f"File a witness slip: {SLIP}" in unfolded


def test_house_hearing_rows_without_slip_links_fall_back_to_the_page() -> None:
    """The fixture's rows link only to Bill Status pages: no slip link is invented from them."""
    url = "https://ilga.gov/House/hearings/details/3056/22568"
    body = (FIXTURES / "ilga" / "House_hearing_details_3056_22568.html").read_bytes()
    page = parse_hearing_page(body, url)
    assert len(page.bills) == 29 and all(b.witness_slip_url is None for b in page.bills)
    with_link = body.replace(
        b'<td><a href="/Legislation/BillStatus?DocNum=1783">HB1783</a></td>',
        b'<td><a href="/Legislation/BillStatus?DocNum=1783">HB1783</a>'
        b' <a href="/WitnessSlip/Create/158000?committeeHearingId=22568">Slip</a></td>',
    )
    first = parse_hearing_page(with_link, url).bills[0]
    assert first.witness_slip_url == (
        "https://ilga.gov/WitnessSlip/Create/158000?committeeHearingId=22568"
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Total Veto Stands - No Positive Action Taken", "died"),
        ("Bill Dead - No Positive Action Taken", "died"),
        ("Session Sine Die", "died"),
        ("Governor Vetoed", "vetoed"),
        ("Total Veto", "vetoed"),
        ("Override Total Veto - House Passed 071-044-000", "veto_overridden"),
        ("Motion Do Pass - Lost Executive Committee; 005-008-000", "failed"),
        ("Do Pass / Short Debate Education Policy Committee; 013-000-000", "passed_committee"),
        ("Rule 19(a) / Re-referred to Rules Committee", "stalled"),
        ("Rule 3-9(a) / Re-referred to Assignments", "stalled"),
        ("Public Act . . . . . . . . . 104-0288", "public_act"),
    ],
)
def test_final_action_words(text: str, kind: str) -> None:
    assert classify_action(text, "House") == kind


def test_json_rows_are_json() -> None:
    rows = deadline_rows(select_deadlines(_meetings(), UpcomingQuery(first=FIRST), NOW))
    assert json.loads(json.dumps(rows)) == rows
