"""The NovusAGENDA spider, through the real Scrapy engine against recorded pages.

Real captures: the Dinuba CA RadGrid list (4 meetings in the meetings grid, 15 rows in the separate
items search grid) and Hennepin County's board API JSON (36 meetings, 300 items). The MeetingView
agenda page is BUILT (``built_meeting_view.html``): no real capture of it exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.models import Meeting, Source
from spiders.base import NoRowsFound
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import RecordedCrawl, crawl_recorded

NOVUS = FIXTURES / "novusagenda"
IMMIGRATION_ITEM = (
    "Amd 4 to Agmt PR00000725 with Mid-Minnesota Legal Aid (MMLA)-immigration legal defense"
)


def _dinuba_crawl(tmp_path: Path, days_back: int) -> RecordedCrawl:
    """The real Dinuba list (and the built MeetingView) crawled on 2022-09-20, the capture's time."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("AGENDA_WATCH_TODAY", "2022-09-20")
        crawl = crawl_recorded(
            tmp_path,
            monkeypatch,
            {
                "id": "dinuba",
                "platform": "novusagenda",
                "base_url": "{{BASE}}/agendapublic/meetingsgeneral.aspx?MeetingType=1&Date=6ms",
                "timezone": "America/Los_Angeles",
                "days_back": days_back,
            },
            [
                {
                    "path": "/agendapublic/meetingsgeneral.aspx",
                    "query": {"MeetingType": "1"},
                    "file": "list.html",
                    "content_type": "text/html",
                },
                {
                    "path": "/agendapublic/MeetingView.aspx",
                    "query": {"MinutesMeetingID": "-1", "doctype": "Agenda"},
                    "file": "view.html",
                    "content_type": "text/html",
                },
            ],
            {
                "list.html": NOVUS / "fre_dinuba_city_council.html",
                "view.html": NOVUS / "built_meeting_view.html",
            },
        )
    assert crawl.result.returncode == 0, crawl.result.message
    return crawl


@pytest.fixture(scope="module")
def dinuba(tmp_path_factory: pytest.TempPathFactory) -> RecordedCrawl:
    return _dinuba_crawl(tmp_path_factory.mktemp("dinuba"), days_back=90)


def test_the_list_is_cut_to_the_crawl_window(tmp_path: Path) -> None:
    """The list shows its own default range (6 months here); a 7-day look back keeps the window."""
    crawl = _dinuba_crawl(tmp_path, days_back=7)
    # 2022-09-20 - 7 days = 2022-09-13: the July and August meetings are outside.
    dates = [m.start.date().isoformat() for m in crawl.meetings()]
    assert dates == ["2022-09-13", "2022-09-27"]
    views = [r for r in crawl.requests if r.startswith("/agendapublic/MeetingView.aspx")]
    assert len(views) == 2


def test_dinuba_meetings_grid(dinuba: RecordedCrawl) -> None:
    meetings = dinuba.meetings()
    # PROVENANCE (Computed): 4 meetings, 2022-07-12 to 2022-09-27; the items grid is not meetings.
    assert [m.start.date().isoformat() for m in meetings] == [
        "2022-07-12",
        "2022-08-09",
        "2022-09-13",
        "2022-09-27",
    ]
    last = meetings[-1]
    assert last.id == "dinuba/20220927/365"
    assert (last.title, last.body) == ("Council Meeting", "Council")  # the run-on kind goes
    assert last.location == "405 E El Monte Way, Dinuba CA 93618"
    # The list gives a date only ("09/27/22"): midnight local, flagged as time unknown.
    assert last.start.isoformat() == "2022-09-27T00:00:00-07:00"
    assert last.time_known is False
    links = {link.title: str(link.url) for link in last.links}
    base = dinuba.base_url
    assert links["Agenda PDF"] == f"{base}/agendapublic/DisplayAgendaPDF.ashx?MeetingID=365"
    # The HTML agenda is requested in its MinutesMeetingID=-1 form (platforms.md §4.13).
    assert str(last.url) == (
        f"{base}/agendapublic/MeetingView.aspx?MeetingID=365&MinutesMeetingID=-1&doctype=Agenda"
    )
    july = meetings[0]
    minutes = [str(link.url) for link in july.links if link.kind == "minutes"]
    assert minutes == [f"{base}/agendapublic/DisplayAgendaPDF.ashx?MinutesMeetingID=297"]


def test_dinuba_agenda_html_goes_to_the_pipeline(dinuba: RecordedCrawl) -> None:
    views = sorted(r for r in dinuba.requests if r.startswith("/agendapublic/MeetingView.aspx"))
    assert len(views) == 4
    assert all("MinutesMeetingID=-1&doctype=Agenda" in r for r in views)
    [document] = dinuba.meetings()[-1].documents
    assert document.content_type == "text/html"
    assert "Floodplain Management Ordinance" in document.text


@pytest.fixture(scope="module")
def hennepin(tmp_path_factory: pytest.TempPathFactory) -> RecordedCrawl:
    today = datetime.now(ZoneInfo("America/Chicago")).date()
    first, last = today - timedelta(days=3650), today + timedelta(days=60)
    with pytest.MonkeyPatch.context() as monkeypatch:
        crawl = crawl_recorded(
            tmp_path_factory.mktemp("hennepin"),
            monkeypatch,
            {
                "id": "hennepin",
                "platform": "novusagenda",
                "base_url": "https://hennepin.novusagenda.com/agendapublic/",
                "api_url": "{{BASE}}/api/Values/-1/-1",
                "days_back": 3650,
                "options": {"mode": "board_api"},
            },
            [
                {
                    "path": f"/api/Values/-1/-1/{first:%Y-%m-%d}/{last:%Y-%m-%d}/none/true",
                    "file": "api.json",
                    "content_type": "application/json",
                }
            ],
            {"api.json": NOVUS / "minn_hcg_boc.json"},
        )
    assert crawl.result.returncode == 0, crawl.result.message
    return crawl


def test_hennepin_board_api_meetings_and_items(hennepin: RecordedCrawl) -> None:
    # PROVENANCE: {"dtMtg": [36 meetings], "dtItm": [300 agenda items]}.
    assert (hennepin.result.meetings, hennepin.result.items) == (36, 300)
    board = hennepin.store.read("hennepin/20211214/1265")
    # PROVENANCE: Board Meeting, 2021-12-14 18:30, "Virtually via hennepin.us", agenda PDF 1265.
    assert board.title == "Board Meeting"
    assert board.start.isoformat() == "2021-12-14T18:30:00-06:00"
    assert board.location == "Virtually via hennepin.us"
    assert [str(link.url) for link in board.links] == [
        "https://hennepin.novusagenda.com/agendapublic/DisplayAgendaPDF.ashx?MeetingID=1265"
    ]
    [item] = [i for i in board.items if i.title == IMMIGRATION_ITEM]
    assert item.id == "hennepin/20211214/1265/13130"
    assert item.text == "Consent"
    assert item.classification is not None and item.classification.relevant


def test_hennepin_committee_item_and_daylight_time(hennepin: RecordedCrawl) -> None:
    committee = hennepin.store.read("hennepin/20211130/1263")
    assert committee.body == "Public Safety Committee"
    [item] = [i for i in committee.items if i.title == IMMIGRATION_ITEM]
    assert item.text == "Addendum"
    october = [m for m in hennepin.meetings() if m.start.month == 10]
    assert october and all(m.start.utcoffset() == timedelta(hours=-5) for m in october)


def _spider() -> object:
    source = Source(id="t", name="T", jurisdiction="T", platform="novusagenda", slug="dinuba")
    return spider_class_for(source)()


def test_empty_grid_is_legitimate_but_a_missing_grid_is_not() -> None:
    spider = _spider()
    empty = (
        b"<table id='ctl00_ContentPlaceHolder1_SearchAgendasMeetings_radGridMeetings_ctl00'>"
        b"<tbody><tr class='rgNoRecords'><td>No records to display.</td></tr></tbody></table>"
    )
    url = "https://dinuba.novusagenda.com/agendapublic/meetingsgeneral.aspx"
    assert list(spider.parse_saved(url, empty)) == []  # type: ignore[attr-defined]
    with pytest.raises(NoRowsFound):
        list(spider.parse_saved(url, b"<html><body>Server Error</body></html>"))  # type: ignore[attr-defined]


def test_two_digit_and_four_digit_years() -> None:
    spider = _spider()
    row = (
        "<table id='SearchAgendasMeetings_radGridMeetings_ctl00'><tbody>"
        "<tr class='rgRow'><td>6/17/2025</td><td>Village Board</td><td>Hall</td></tr>"
        "<tr class='rgAltRow'><td>02/17/26</td><td>Village Board - CANCELLED</td><td>Hall</td></tr>"
        "</tbody></table>"
    )
    url = "https://x.novusagenda.com/agendapublic/meetingsresponsive.aspx"
    meetings: list[Meeting] = list(spider.parse_saved(url, row.encode()))  # type: ignore[attr-defined]
    assert [m.start.date().isoformat() for m in meetings] == ["2025-06-17", "2026-02-17"]
    assert [m.status for m in meetings] == ["scheduled", "cancelled"]
