"""The IQM2 spider, through the real Scrapy engine against recorded pages.

Real captures: the Atlanta list view (164 meetings in 2026), the Riverside County list view and a
Creve Coeur ``Detail_Meeting.aspx`` page with an empty outline (facts from the PROVENANCE files).
The one populated outline (``built_detail_meeting_outline.html``) is BUILT from the documented shape,
because no real capture of a populated IQM2 outline exists.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from pipeline.models import Meeting, Source
from spiders.base import NoRowsFound
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded

IQM2 = FIXTURES / "iqm2"
AGENDA_PDF = FIXTURES / "pdf" / "il_doc_advisory_board_agenda_2019-11-04_unnumbered.pdf"


def _spider(slug: str, timezone: str = "America/Chicago") -> object:
    source = Source(
        id="t", name="T", jurisdiction="T", platform="iqm2", slug=slug, timezone=timezone
    )
    return spider_class_for(source)()


def _saved(slug: str, url: str, fixture: str, timezone: str = "America/Chicago") -> list[Meeting]:
    spider = _spider(slug, timezone)
    body = (IQM2 / fixture).read_bytes()
    return list(spider.parse_saved(url, body))  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def atlanta(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Meeting], list[str], str]:
    """One crawl of the real Atlanta list, Atlanta City Council only (22 of 164 rows)."""
    tmp = tmp_path_factory.mktemp("atl")
    with pytest.MonkeyPatch.context() as monkeypatch:
        crawl = crawl_recorded(
            tmp,
            monkeypatch,
            {
                "id": "atl_council",
                "platform": "iqm2",
                "base_url": "{{BASE}}/Citizens/",
                "timezone": "America/New_York",
                "bodies": ["Atlanta City Council"],
                "days_back": 3650,
                "days_ahead": 3650,
            },
            [
                {
                    "path": "/Citizens/Calendar.aspx",
                    "query": {"View": "List"},
                    "file": "atl_city_council.html",
                    "content_type": "text/html",
                },
                {
                    "path": "/Citizens/Detail_Meeting.aspx",
                    "query": {"ID": "4098"},
                    "file": "built_detail_meeting_outline.html",
                    "content_type": "text/html",
                },
                {
                    "path": "/Citizens/Detail_Meeting.aspx",
                    "file": "city-scrapers-stl__cc_building_code.html",
                    "content_type": "text/html",
                },
                {
                    "path": "/Citizens/FileOpen.aspx",
                    "query": {"Type": "14"},
                    "file": "agenda.pdf",
                    "content_type": "application/pdf",
                },
            ],
            {
                "atl_city_council.html": IQM2 / "atl_city_council.html",
                "built_detail_meeting_outline.html": IQM2 / "built_detail_meeting_outline.html",
                "city-scrapers-stl__cc_building_code.html": IQM2
                / "city-scrapers-stl__cc_building_code.html",
                "agenda.pdf": AGENDA_PDF,
            },
        )
    assert crawl.result.returncode == 0, crawl.result.message
    return crawl.meetings(), crawl.requests, crawl.base_url


def test_body_filter_keeps_the_councils_22_meetings(
    atlanta: tuple[list[Meeting], list[str], str],
) -> None:
    meetings, requests, _ = atlanta
    # PROVENANCE: AtlCityCouncilSpider keeps 22 rows of the shared page.
    assert len(meetings) == 22
    assert {m.body for m in meetings} == {"Atlanta City Council"}
    # The list was asked for with M/D/YYYY bounds, and every kept meeting's page was read.
    [calendar] = [r for r in requests if r.startswith("/Citizens/Calendar.aspx")]
    assert "View=List" in calendar and "From=" in calendar
    assert sum(r.startswith("/Citizens/Detail_Meeting.aspx") for r in requests) == 22


def test_first_council_meeting_facts(atlanta: tuple[list[Meeting], list[str], str]) -> None:
    meetings, _, base = atlanta
    first = meetings[0]
    # PROVENANCE: item 0 is "Atlanta City Council - Regular Meeting", 2026-01-05 13:00.
    assert first.title == "Atlanta City Council - Regular Meeting"
    assert first.start.isoformat() == "2026-01-05T13:00:00-05:00"
    assert first.location.startswith("Marvin S. Arrington, Sr. Council Chamber")
    assert "55 Trinity Avenue" in first.location
    assert first.id == "atl_council/20260105/4098"
    links = {link.title: str(link.url) for link in first.links}
    assert links["Agenda"] == f"{base}/Citizens/FileOpen.aspx?Type=14&ID=3810&Inline=True"
    assert links["Agenda Packet"] == f"{base}/Citizens/FileOpen.aspx?Type=1&ID=3810&Inline=True"
    assert links["Minutes"] == f"{base}/Citizens/FileOpen.aspx?Type=15&ID=4011&Inline=True"
    assert links["Minutes Packet"] == f"{base}/Citizens/FileOpen.aspx?Type=12&ID=4011&Inline=True"
    assert (
        links["Video"] == f"{base}/Citizens/SplitView.aspx?Mode=Video&MeetingID=4098&Format=Minutes"
    )


def test_summer_meeting_is_on_daylight_time(
    atlanta: tuple[list[Meeting], list[str], str],
) -> None:
    meetings, _, _ = atlanta
    july = next(m for m in meetings if m.platform_id == "4413")  # "Jul 6, 2026 1:00 PM"
    assert july.start.isoformat() == "2026-07-06T13:00:00-04:00"


def test_outline_items_come_from_the_meeting_page(
    atlanta: tuple[list[Meeting], list[str], str],
) -> None:
    meetings, _, base = atlanta
    first = meetings[0]
    assert [(i.number, i.title) for i in first.items] == [
        ("1.", "CALL TO ORDER"),
        (
            "2.",
            "A Resolution Affirming Atlanta as a Welcoming City for Immigrant and Refugee Residents",
        ),
        ("3.", "An Ordinance Amending the Ice Rink Rental Fee Schedule"),
        ("4.", "ADJOURNMENT"),
    ]
    welcoming = first.items[1]
    assert welcoming.id == "atl_council/20260105/4098/26001"  # the LegiFile id
    assert [(link.kind, str(link.url)) for link in welcoming.links] == [
        (
            "detail",
            f"{base}/Citizens/Detail_LegiFile.aspx?Frame=&MeetingID=4098&MediaPosition=&ID=26001&CssClass=",
        ),
        ("attachment", f"{base}/Citizens/FileOpen.aspx?Type=30&ID=77001&Inline=True"),
    ]
    assert [i.number for i in first.relevant_items()] == ["2."]
    # With items on the page, the agenda PDF was not needed.
    assert first.documents == []


def test_meetings_with_an_empty_outline_read_the_agenda_pdf(
    atlanta: tuple[list[Meeting], list[str], str],
) -> None:
    meetings, requests, _ = atlanta
    later = meetings[1:]
    assert all(m.items == [] for m in later)
    # Only the first five council meetings (Jan 20 to Mar 16) list an agenda yet; the rest of
    # 2026 has empty download placeholders, so nothing is fetched for them.
    with_agenda = [m for m in later if any(link.kind == "agenda" for link in m.links)]
    assert [m.start.date().isoformat() for m in with_agenda] == [
        "2026-01-20",
        "2026-02-02",
        "2026-02-16",
        "2026-03-02",
        "2026-03-16",
    ]
    assert all(len(m.documents) == 1 and m.documents[0].pages == 1 for m in with_agenda)
    assert all(m.documents == [] for m in later if m not in with_agenda)
    assert sum(r.startswith("/Citizens/FileOpen.aspx?Type=14") for r in requests) == 5


def test_riverside_list_view() -> None:
    meetings = _saved(
        "riversidecountyca",
        "https://riversidecountyca.iqm2.com/Citizens/calendar.aspx",
        "city-scrapers-ca__riverside_county.html",
        "America/Los_Angeles",
    )
    # PROVENANCE: 87 div.MeetingRow; the first is Jan 4, 2023 9:00 AM, Detail_Meeting.aspx?ID=2826.
    assert len(meetings) == 87
    first = meetings[0]
    assert first.title == "Riverside County Planning Commission - Regular Meeting"
    assert first.start.isoformat() == "2023-01-04T09:00:00-08:00"
    assert (
        str(first.url) == "https://riversidecountyca.iqm2.com/Citizens/Detail_Meeting.aspx?ID=2826"
    )
    links = {link.kind: str(link.url) for link in first.links}
    # The href is relative to /Citizens/ (the peer test's URL without /Citizens/ is its join bug).
    assert links["agenda"] == (
        "https://riversidecountyca.iqm2.com/Citizens/FileOpen.aspx?Type=14&ID=2776&Inline=True"
    )
    assert links["video"] == (
        "https://riversidecountyca.iqm2.com/Citizens/SplitView.aspx?Mode=Video&MeetingID=2826&Format=Agenda"
    )
    assert meetings[1].title.startswith("(RCA) Western Riverside")
    assert meetings[1].start.isoformat() == "2023-01-09T12:30:00-08:00"


def test_detail_page_reads_5_30_pm_as_17_30() -> None:
    [meeting] = _saved(
        "crevecoeurcitymo",
        "https://crevecoeurcitymo.iqm2.com/Citizens/Detail_Meeting.aspx?ID=5698",
        "city-scrapers-stl__cc_building_code.html",
    )
    # PROVENANCE: lblMeetingDate "3/19/2020 5:30 PM"; the peer's %H parse gave 05:30 (a bug).
    assert meeting.start.isoformat() == "2020-03-19T17:30:00-05:00"
    assert meeting.body == "Building Code Board of Appeals"
    assert meeting.location.startswith("Phone Conference")
    links = {link.title: str(link.url) for link in meeting.links}
    assert links["Agenda"] == (
        "https://crevecoeurcitymo.iqm2.com/Citizens/FileOpen.aspx?Type=14&ID=2136&Inline=True"
    )
    assert links["Minutes"] == (
        "https://crevecoeurcitymo.iqm2.com/Citizens/FileOpen.aspx?Type=12&ID=5210&Inline=True"
    )
    assert meeting.items == []  # table#MeetingDetail is empty in this capture


def _santa_monica_without_rows(panel: bool = True) -> bytes:
    """BUILT from the REAL Santa Monica list: every meeting row (and month divider) removed, as
    the list view of a quiet window renders; without `panel`, the meetings panel goes too."""
    root = lxml.html.fromstring((IQM2 / "city-scrapers-ca__santa_monica.html").read_bytes())
    for row in root.xpath(
        "//div[contains(@class,'MeetingRow') or contains(@class,'MonthHeader')]"
        + ("" if panel else " | //*[@id='ContentPlaceholder1_pnlMeetings']")
    ):
        row.drop_tree()
    page: bytes = lxml.html.tostring(root)
    assert b"Detail_Meeting" not in page
    return page


def test_a_quiet_window_is_an_empty_listing_not_a_changed_page(
    caplog: pytest.LogCaptureFixture,
) -> None:
    spider = _spider("x")
    url = "https://x.iqm2.com/Citizens/Calendar.aspx?From=1/1/2026&To=1/31/2026&View=List"
    with caplog.at_level("INFO"):
        assert list(spider.parse_saved(url, _santa_monica_without_rows())) == []  # type: ignore[attr-defined]
    assert "EmptyListing: IQM2 meetings panel" in caplog.text


def test_a_list_page_without_its_meetings_panel_is_an_error() -> None:
    spider = _spider("x")
    page = _santa_monica_without_rows(panel=False)
    with pytest.raises(NoRowsFound, match="MeetingRow"):
        list(spider.parse_saved("https://x.iqm2.com/Citizens/Calendar.aspx", page))  # type: ignore[attr-defined]


def test_a_quiet_month_through_the_engine_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        {"id": "quiet", "platform": "iqm2", "base_url": "{{BASE}}/Citizens/Default.aspx"},
        [{"path": "/Citizens/Calendar.aspx", "file": "list.html", "content_type": "text/html"}],
        {"list.html": _santa_monica_without_rows()},
    )
    # No meetings, and no error: the run is empty (health counts it so), not broken.
    assert (crawl.result.meetings, crawl.result.errors) == (0, 0)
    assert crawl.result.finish_reason == "finished"
    assert "NoRowsFound" not in crawl.result.message
    log = (crawl.result.log_path or Path()).read_text()
    assert "EmptyListing: IQM2 meetings panel" in log
