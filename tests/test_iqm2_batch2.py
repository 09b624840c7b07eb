"""IQM2 on the second batch of real captures (shared/fixtures/real/batch2/PROVENANCE.md).

Real pages: Santa Monica's list calendar (270 meetings) and three Creve Coeur ``Detail_Meeting``
pages with real outlines (planning, police and safety, personnel appeals). The crawl serves the
Santa Monica list and, for its first three meetings, the Creve Coeur pages as their meeting
pages: that pairing of two tenants is BUILT by the test (no tenant's list and pages were captured
together); every page itself is real.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipeline.models import Meeting, Source
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import RecordedCrawl, crawl_recorded

IQM2 = FIXTURES / "iqm2"
SANTA_MONICA = IQM2 / "city-scrapers-ca__santa_monica.html"
PLANNING = IQM2 / "city-scrapers-stl__cc_planning.html"
POLICE = IQM2 / "city-scrapers-stl__cc_police_safety.html"
APPEALS = IQM2 / "city-scrapers-stl__cc_personnel_appeals.html"
CREVE_COEUR = "https://crevecoeurcitymo.iqm2.com/Citizens/Detail_Meeting.aspx?ID="
HTML: dict[str, Any] = {"content_type": "text/html"}  # no charset, as the pages declare none


@pytest.fixture(scope="module")
def santa_monica(tmp_path_factory: pytest.TempPathFactory) -> RecordedCrawl:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("AGENDA_WATCH_TODAY", "2022-02-08")  # the peer test's freeze
        routes: list[dict[str, Any]] = [
            {"path": "/Citizens/Calendar.aspx", "file": "list.html", **HTML},
            {
                "path": "/Citizens/Detail_Meeting.aspx",
                "query": {"ID": "1034"},
                "file": "p.html",
                **HTML,
            },
            {
                "path": "/Citizens/Detail_Meeting.aspx",
                "query": {"ID": "1035"},
                "file": "s.html",
                **HTML,
            },
            {
                "path": "/Citizens/Detail_Meeting.aspx",
                "query": {"ID": "1036"},
                "file": "a.html",
                **HTML,
            },
        ]
        crawl = crawl_recorded(
            tmp_path_factory.mktemp("santa_monica"),
            monkeypatch,
            {
                "id": "santa_monica",
                "platform": "iqm2",
                "base_url": "{{BASE}}/Citizens/Default.aspx",  # any page of the tenant
                "timezone": "America/Los_Angeles",
                "fetch_documents": False,
                "days_back": 3650,
                "days_ahead": 365,
            },
            routes,
            {"list.html": SANTA_MONICA, "p.html": PLANNING, "s.html": POLICE, "a.html": APPEALS},
        )
    assert crawl.result.errors == 0, crawl.result.message
    return crawl


def test_santa_monica_list_through_the_engine(santa_monica: RecordedCrawl) -> None:
    meetings = santa_monica.meetings()
    # PROVENANCE: 270 div.Row.MeetingRow rows, Apr 28, 2015 5:30 PM to Dec 13, 2022 5:30 PM.
    assert len(meetings) == santa_monica.result.meetings == 270
    assert meetings[0].start.isoformat() == "2015-04-28T17:30:00-07:00"
    assert meetings[-1].start.isoformat() == "2022-12-13T17:30:00-08:00"
    assert {m.body for m in meetings} == {"City Council"}
    first = meetings[0]
    assert first.title == "City Council - Regular Meeting"
    assert first.platform_id == "1034"
    # Row 0's documents are all empty placeholders: only its meeting page is linked.
    assert [link.kind for link in first.links] == ["detail"]
    # The tooltip's Status: Closed 201, Scheduled 45, Cancelled 24 (also span.MeetingCancelled).
    assert Counter(m.status for m in meetings) == {"scheduled": 246, "cancelled": 24}
    # Three rows have no time (the tooltip's 12:00 AM is a placeholder): time unknown.
    untimed = [m.start.date().isoformat() for m in meetings if not m.time_known]
    assert untimed == ["2015-05-28", "2015-12-22", "2016-03-08"]
    # Every row's meeting page was asked for; the list was asked for with the window's bounds.
    requests = santa_monica.requests
    assert sum(r.startswith("/Citizens/Detail_Meeting.aspx") for r in requests) == 270
    [listing] = [r for r in requests if r.startswith("/Citizens/Calendar.aspx")]
    assert "From=2/11/2012" in listing and "View=List" in listing


def test_real_outlines_through_the_engine(santa_monica: RecordedCrawl) -> None:
    by_id = {m.platform_id: m for m in santa_monica.meetings()}
    planning, police, appeals = by_id["1034"], by_id["1035"], by_id["1036"]
    # cc_planning: 23 outline rows = 15 entries + 8 attachment rows; 10 top-level items.
    assert len(planning.items) == 15
    assert [i.number for i in planning.items if i.number and "." not in i.number.rstrip(".")] == [
        f"{n}." for n in range(1, 11)
    ]
    assert (planning.items[0].title, planning.items[-1].title) == ("CALL TO ORDER", "ADJOURNMENT")
    # Numbering restarts at each level: "1." under "7." is 7.1, with its three attachments.
    site_plan = next(i for i in planning.items if i.number == "7.1")
    assert site_plan.title == (
        "Application #18-050. Minor Site Plan Approval for Exterior Modifications to the "
        "Building at 453 N. Lindbergh Blvd."
    )
    assert [link.kind for link in site_plan.links] == [
        "detail",
        "attachment",
        "attachment",
        "attachment",
    ]
    assert "Detail_LegiFile.aspx" in str(site_plan.links[0].url) and "ID=3262" in str(
        site_plan.links[0].url
    )
    assert all(
        "FileOpen.aspx?Type=4&ID=" in str(link.url) and "MeetingID=5059" in str(link.url)
        for link in site_plan.links[1:]
    )
    # cc_police_safety: 28 rows, 8 numbered; 20 unnumbered sub-items are items too.
    assert len(police.items) == 28
    assert sum(i.number is not None for i in police.items) == 8
    assert [i.title for i in police.items[2:5]] == [
        "December 11th, 2018",
        "UNFINISHED BUSINESS",
        "Update on New Police Station",
    ]
    # Declared no charset, carries UTF-8: the apostrophe reads as one.
    assert any("Citizen’s Police Academy" in i.title for i in police.items)
    assert not any("â€" in i.title or "â\x80" in i.title for i in police.items)
    # cc_personnel_appeals: 11 rows, 8 top-level; item 1 is "Online Meeting"; a letter sub-number.
    assert len(appeals.items) == 11
    assert (
        sum(
            i.number is not None and i.number.count(".") == 1 and i.number.endswith(".")
            for i in appeals.items
        )
        == 8
    )
    assert appeals.items[0].title == "Online Meeting"
    chair = next(i for i in appeals.items if i.title == "Election of Chair & Vice-Chair FY21")
    assert chair.number == "4.A"
    # Rows link to Detail_Motion.aspx, the motion's own page.
    assert appeals.items[0].links == []
    assert "Detail_Motion.aspx" in str(chair.links[0].url)


def _detail(path: Path, meeting_id: str) -> Meeting:
    source = Source(
        id="cc", name="", jurisdiction="Creve Coeur, MO", platform="iqm2", slug="crevecoeurcitymo"
    )
    [meeting] = spider_class_for(source)().parse_saved(CREVE_COEUR + meeting_id, path.read_bytes())
    assert isinstance(meeting, Meeting)
    return meeting


def test_creve_coeur_planning_page() -> None:
    meeting = _detail(PLANNING, "5059")
    # lblMeetingGroup, lblMeetingType, lblMeetingDate "1/7/2019 6:30 PM" (not 06:30), no status.
    assert (meeting.body, meeting.title) == (
        "Planning and Zoning Commission",
        "Planning and Zoning Commission - Regular Meeting",
    )
    assert meeting.start.isoformat() == "2019-01-07T18:30:00-06:00"
    assert meeting.status == "scheduled"
    # "City Council Chamber" then div.MeetingAddress with &nbsp; runs between its parts.
    assert meeting.location == (
        "City Council Chamber, 300 North New Ballas Rd City of Creve Coeur Government Center "
        "Creve Coeur, MO 63141"
    )
    base = "https://crevecoeurcitymo.iqm2.com/Citizens/"
    assert [(link.title, link.kind, str(link.url)) for link in meeting.links[:4]] == [
        ("Agenda", "agenda", f"{base}FileOpen.aspx?Type=14&ID=1938&Inline=True"),
        ("Agenda Packet", "packet", f"{base}FileOpen.aspx?Type=1&ID=1938&Inline=True"),
        ("Summary", "minutes", f"{base}FileView.aspx?Type=15&ID=4676"),
        ("Minutes", "minutes", f"{base}FileView.aspx?Type=12&ID=4676"),
    ]


def test_creve_coeur_police_and_appeals_pages() -> None:
    police = _detail(POLICE, "5147")
    assert (police.body, police.title, police.start.isoformat()) == (
        "Police and Safety Committee",
        "Police and Safety Committee - Committee Meeting",
        "2019-03-12T17:30:00-05:00",
    )
    assert police.location.startswith("City Council Chamber, 300 North New Ballas Rd")
    # Only Agenda (Type=14&ID=1970) and Agenda Packet; no row of the outline is linked.
    assert [(link.kind, str(link.url)[-28:]) for link in police.links] == [
        ("agenda", "?Type=14&ID=1970&Inline=True"),
        ("packet", "x?Type=1&ID=1970&Inline=True"),
    ]
    assert all(i.links == [] for i in police.items)
    appeals = _detail(APPEALS, "5745")
    assert (appeals.body, appeals.title, appeals.start.isoformat()) == (
        "Personnel Appeals Board",
        "Personnel Appeals Board - Board Meeting",
        "2020-06-22T17:00:00-05:00",
    )
    # "N/A   N/A, NA  N/A" is a placeholder address: the location is "Online Meeting".
    assert appeals.location == "Online Meeting"
    assert [(link.title, str(link.url)[-30:]) for link in appeals.links] == [
        ("Agenda", "px?Type=14&ID=2167&Inline=True"),
        ("Agenda Packet", "spx?Type=1&ID=2167&Inline=True"),
        ("Summary", "px?Type=15&ID=5245&Inline=True"),
        ("Minutes", "px?Type=12&ID=5245&Inline=True"),
    ]


def test_santa_monica_rows_read_from_the_saved_page() -> None:
    source = Source(
        id="sm",
        name="",
        jurisdiction="Santa Monica, CA",
        platform="iqm2",
        slug="santamonicacityca",
        timezone="America/Los_Angeles",
    )
    url = "http://santamonicacityca.iqm2.com/Citizens/calendar.aspx"
    meetings = [m for m in spider_class_for(source)().parse_saved(url, SANTA_MONICA.read_bytes())]
    assert len(meetings) == 270
    assert all(isinstance(m, Meeting) for m in meetings)
    typed = [m for m in meetings if isinstance(m, Meeting)]
    # The tooltip carries the location, with the COVID-era order text even on 2015 meetings.
    assert typed[0].location == (
        "City Hall Council Chambers, 1685 Main Street, Room 250, Pursuant to Executive Order "
        "N-29-20, Santa Monica, CA 90401"
    )
    # 221 rows link at least one real document (220 on FileOpen.aspx, one on FileView.aspx).
    documents = [m for m in typed if any(link.kind != "detail" for link in m.links)]
    assert len(documents) == 221
    assert sum(any("FileOpen.aspx" in str(link.url) for link in m.links) for m in typed) == 220
    # In this tenant Type=15 is labelled "Minutes" and Type=12 "Minutes Packet".
    labels = {
        str(link.url).split("?")[1].split("&")[0]: link.title
        for m in typed
        for link in m.links
        if "FileOpen" in str(link.url)
    }
    assert (labels["Type=15"], labels["Type=12"]) == ("Minutes", "Minutes Packet")
    # A video placeholder (href="#") is not a link.
    assert not any(link.kind == "video" for link in typed[0].links)
