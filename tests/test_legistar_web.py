"""The Legistar web-calendar spider (``mode: web``) on real calendar captures and built detail pages.

Real captures: ``chicago_calendar.html`` (Chicago, Jan 2019) and ``phila_calendar.html``
(Philadelphia, Apr 2025); their facts come from the shared PROVENANCE files. No real
``MeetingDetail.aspx`` capture exists, so the ``meeting_detail*.html`` pages are BUILT recordings
made from the columns documented in docs/platforms.md §4.1 (see tests/fixtures/legistar_web/).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from scrapy.http import HtmlResponse

from pipeline.models import AgendaItem, Meeting, Source
from spiders.base import NoRowsFound
from spiders.legistar_web import LegistarWebSpider
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded

HERE = FIXTURES / "legistar_web"
CHICAGO = HERE / "chicago_calendar.html"
PHILA = HERE / "phila_calendar.html"
AGENDA_PDF = FIXTURES / "pdf" / "il_warrenville_library_board_agenda_2020-01-15.pdf"


def _spider(slug: str, tz: str = "America/Chicago", **extra: Any) -> LegistarWebSpider:
    source = Source(
        id=slug,
        name=slug,
        jurisdiction="Test",
        platform="legistar",
        slug=slug,
        timezone=tz,
        options={"mode": "web"},
        **extra,
    )
    spider = spider_class_for(source)()
    assert isinstance(spider, LegistarWebSpider)
    return spider


def _meetings(spider: LegistarWebSpider, url: str, path: Path) -> list[Meeting]:
    found = list(spider.parse_saved(url, path.read_bytes()))
    assert all(isinstance(m, Meeting) for m in found)
    return found  # type: ignore[return-value]


def test_mode_web_picks_the_web_spider_which_registers_no_platform() -> None:
    spider = _spider("chicago")
    assert type(spider).__mro__[1] is LegistarWebSpider
    assert LegistarWebSpider.platform == ""
    assert spider.web_base == "https://chicago.legistar.com"


def test_chicago_calendar_real_capture() -> None:
    meetings = _meetings(_spider("chicago"), "https://chicago.legistar.com/Calendar.aspx", CHICAGO)
    # PROVENANCE: 8 meeting rows.
    assert len(meetings) == 8
    first = meetings[0]
    assert first.body == first.title == "City Council"
    # 1/23/2019 10:00 AM, local Chicago wall clock, winter (CST).
    assert first.start.isoformat() == "2019-01-23T10:00:00-06:00"
    assert first.location == "Council Chambers -- City Hall -- Chicago, Illinois"
    assert first.status == "scheduled"
    detail = (
        "https://chicago.legistar.com/MeetingDetail.aspx?ID=658900"
        "&GUID=A957AB4C-4D34-43F6-BF76-01A7B2DFB491&Options=info&Search="
    )
    assert str(first.url) == detail
    # Every document cell reads "Not available": only the detail link is kept.
    assert [(link.kind, str(link.url)) for link in first.links] == [("detail", detail)]
    assert first.id == "chicago/20190123/658900" and first.platform_id == "658900"

    last = meetings[-1]
    assert (last.body, last.start.isoformat()) == (
        "Committee on Human Relations",
        "2019-01-08T10:00:00-06:00",
    )
    # "…Chicago, Illinois<br><em>CANCELLED</em>": cancelled, and the note is not the location.
    assert last.status == "cancelled"
    assert last.location == "Council Chambers -- City Hall -- Chicago, Illinois"
    assert [s.status for s in meetings].count("cancelled") == 1
    kinds = {link.kind: str(link.url) for link in last.links}
    assert kinds["agenda"] == (
        "http://media.legistar.com/chic/meetings/91489BEA-87E0-42E1-8D86-743C2F7138A6/"
        "agenda%20hum%20rel.jan8_20190104101632.pdf"
    )
    assert kinds["other"].endswith("Human%20Rel%201-08-19_20181226115903.pdf")  # the Notice
    # The 12:30 PM committee keeps its afternoon time.
    assert meetings[2].start.isoformat() == "2019-01-17T12:30:00-06:00"


def test_philadelphia_calendar_real_capture_relative_links() -> None:
    spider = _spider("phila", tz="America/New_York")
    meetings = _meetings(spider, "https://phila.legistar.com/Calendar.aspx", PHILA)
    # PROVENANCE: 20 rows; item 0 "Committee of the Whole" 2025-04-30 10:00, item 2 "CITY COUNCIL",
    # item 19 2025-04-01 10:00. April is daylight time in Philadelphia (-04:00).
    assert len(meetings) == 20
    assert meetings[0].title == "Committee of the Whole"
    assert meetings[0].start.isoformat() == "2025-04-30T10:00:00-04:00"
    assert meetings[2].title == "CITY COUNCIL"
    assert meetings[19].start.isoformat() == "2025-04-01T10:00:00-04:00"
    assert meetings[0].location == "Room 400, City Hall"
    # Row 0's "Meeting details" is "Not viewable by the public" (no href): the id still comes
    # from the iCal link (M=IC&ID=1290914), which is itself not kept as a document.
    assert meetings[0].id == "phila/20250430/1290914"
    assert meetings[0].links == []
    assert str(meetings[0].url) == "https://phila.legistar.com/Calendar.aspx"
    # Row 19's relative links resolve against the calendar URL.
    assert {link.kind: str(link.url) for link in meetings[19].links} == {
        "detail": "https://phila.legistar.com/MeetingDetail.aspx?ID=1290744"
        "&GUID=A5A65340-0DEF-452E-BCBA-93FA709B3BF3&Options=info|&Search=",
        "agenda": "https://phila.legistar.com/View.ashx?M=A&ID=1290744"
        "&GUID=A5A65340-0DEF-452E-BCBA-93FA709B3BF3",
    }
    oversight = meetings[8]
    assert oversight.body == "Committee on Legislative Oversight"
    assert oversight.start.isoformat() == "2025-04-14T13:00:00-04:00"
    assert oversight.location.startswith("The Museum of the American Revolution")


def test_body_filter_is_case_insensitive() -> None:
    spider = _spider("phila", tz="America/New_York", bodies=["City Council"])
    meetings = _meetings(spider, "https://phila.legistar.com/Calendar.aspx", PHILA)
    assert [m.start.date().isoformat() for m in meetings] == [
        "2025-04-24",
        "2025-04-10",
        "2025-04-03",
    ]
    assert {m.body for m in meetings} == {"CITY COUNCIL"}


def test_year_postback_carries_the_page_state() -> None:
    spider = _spider("phila", tz="America/New_York")
    body = PHILA.read_bytes()
    response = HtmlResponse("https://phila.legistar.com/Calendar.aspx", body=body)
    request = spider.year_request(response, 2025)
    assert request is not None and request.method == "POST"
    form = parse_qs(request.body.decode())
    assert form["__EVENTTARGET"] == ["ctl00$ContentPlaceHolder1$lstYears"]
    assert form["ctl00_ContentPlaceHolder1_lstYears_ClientState"] == ['{"value":"2025"}']
    # The real page's __VIEWSTATE is 113,792 characters; it must go back unchanged.
    assert len(form["__VIEWSTATE"][0]) == 113792
    assert "__EVENTVALIDATION" in form
    # The capture has no pager (20 rows fit one page).
    assert spider.next_page_request(response, 2025, 2) is None


def test_calendar_without_grid_is_a_named_error_but_no_records_is_not() -> None:
    spider = _spider("phila", tz="America/New_York")
    url = "https://phila.legistar.com/Calendar.aspx"
    with pytest.raises(NoRowsFound):
        list(spider.parse_saved(url, b"<html><body><h1>Server Error</h1></body></html>"))
    empty = (
        b'<div id="ctl00_ContentPlaceHolder1_MultiPageCalendar"><table class="rgMasterTable">'
        b'<thead><tr><th class="rgHeader">Name</th></tr></thead>'
        b'<tbody><tr class="rgNoRecords"><td>No records to display.</td></tr></tbody>'
        b"</table></div>"
    )
    assert list(spider.parse_saved(url, empty)) == []


def test_meeting_detail_grid_built_recording() -> None:
    """BUILT recording (no real MeetingDetail capture exists): documented columns, invented items."""
    spider = _spider("phila", tz="America/New_York")
    url = (
        "https://phila.legistar.com/MeetingDetail.aspx?ID=1294156"
        "&GUID=F8EDBE48-AB22-4EE5-8DE2-13694F74E5CC&Options=info|&Search="
    )
    items = list(spider.parse_saved(url, (HERE / "meeting_detail_all_items.html").read_bytes()))
    assert all(isinstance(i, AgendaItem) for i in items)
    got = [(i.number, i.matter, i.title[:30]) for i in items]  # type: ignore[attr-defined]
    assert got == [
        (None, None, "Call to order and roll call"),
        ("1.", "250305", "Resolution authorizing the Com"),
        ("2.", "250306", "Resolution authorizing hearing"),
        ("3.", None, "Public comment on items listed"),
    ]
    resolution = items[1]
    assert isinstance(resolution, AgendaItem)
    assert resolution.id == "phila/saved/1294156/8101"  # the LegislationDetail ID
    # Name is added; Type ("Resolution") is already in the title.
    assert resolution.text == "Language access hearings"
    assert items[0].text == "Procedural"  # type: ignore[attr-defined]
    assert [(link.kind, str(link.url)) for link in resolution.links] == [
        (
            "detail",
            "https://phila.legistar.com/LegislationDetail.aspx?ID=8101"
            "&GUID=00000000-0000-0000-0000-000000008101",
        )
    ]
    # The page decides, not its address: a calendar saved under a MeetingDetail URL is read as
    # the calendar it is.
    assert len(list(spider.parse_saved(url, PHILA.read_bytes()))) == 20


def test_crawl_through_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real Philadelphia calendar served locally; MeetingDetail pages are BUILT recordings."""
    html = {"content_type": "text/html; charset=utf-8"}
    routes: list[dict[str, Any]] = [
        {"path": "/Calendar.aspx", "file": "calendar.html", **html},
        {
            "path": "/Calendar.aspx",
            "method": "POST",
            "body_contains": "lstYears",
            "file": "calendar.html",
            **html,
        },
        {
            "path": "/MeetingDetail.aspx",
            "method": "POST",
            "query": {"ID": "1294156"},
            "body_contains": "menuMain",
            "file": "detail_all.html",
            **html,
        },
        {
            "path": "/MeetingDetail.aspx",
            "query": {"ID": "1294156"},
            "file": "detail.html",
            **html,
        },
        {"path": "/MeetingDetail.aspx", "file": "detail_empty.html", **html},
        {
            "path": "/View.ashx",
            "query": {"M": "A"},
            "file": "agenda.pdf",
            "content_type": "application/pdf",
        },
    ]
    files: dict[str, Path | bytes | str] = {
        "calendar.html": PHILA,
        "detail.html": HERE / "meeting_detail.html",
        "detail_all.html": HERE / "meeting_detail_all_items.html",
        "detail_empty.html": HERE / "meeting_detail_no_items.html",
        "agenda.pdf": AGENDA_PDF,
    }
    source = {
        "id": "phila_web",
        "platform": "legistar",
        "slug": "phila",
        "base_url": "{{BASE}}",
        "timezone": "America/New_York",
        "options": {"mode": "web"},
        "days_back": 3650,  # the capture is from April 2025
    }
    crawl = crawl_recorded(tmp_path, monkeypatch, source, routes, files)
    assert crawl.result.errors == 0, crawl.result.message
    meetings = crawl.meetings()
    # 20 rows; the three year views (window's last three years) repeat them and are de-duplicated.
    assert len(meetings) == crawl.result.meetings == 20
    assert sum(r.startswith("POST /Calendar.aspx") for r in crawl.requests) == 3
    # 11 rows link a viewable MeetingDetail page; one has the "all items" menu and is posted back.
    assert sum(r.startswith("/MeetingDetail.aspx") for r in crawl.requests) == 11
    assert sum(r.startswith("POST /MeetingDetail.aspx") for r in crawl.requests) == 1

    by_id = {m.id: m for m in meetings}
    oversight = by_id["phila_web/20250414/1294156"]
    # Items came from the grid (all-items view), so its agenda document was not fetched.
    assert [i.number for i in oversight.items] == [None, "1.", "2.", "3."]
    assert oversight.documents == []
    assert oversight.status == "scheduled"
    assert oversight.start.isoformat() == "2025-04-14T13:00:00-04:00"
    # A detail page with an empty grid: the agenda document (View.ashx?M=A) is read instead.
    rules = by_id["phila_web/20250414/1291025"]
    assert rules.items == [] or all(i.page is not None for i in rules.items)
    [doc] = rules.documents
    assert doc.pages == 2 and doc.error is None
    assert str(doc.url).endswith(
        "/View.ashx?M=A&ID=1291025&GUID=057177EA-3302-44D2-9D3C-8E2B5E310038"
    )
    # Rows without an agenda or a viewable detail page are stored as they are.
    assert by_id["phila_web/20250430/1290914"].documents == []
    # The same 11 rows have an agenda; the one with grid items skips its document.
    assert sum(r.startswith("/View.ashx") for r in crawl.requests) == 10
