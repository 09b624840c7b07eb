"""Pages read by what they hold, whatever address they were saved from (issue 12, kind 1).

The five kinds of page that routing by URL rejected: an IQM2 ``Default.aspx`` home page listing
meetings, a Legistar ``DepartmentDetail.aspx`` body page with its meeting grid, a BoardDocs
``…/Board.nsf/Public`` address, a BoardDocs ``BD-GetAgenda`` agenda (tests/test_boarddocs_batch2.py)
and a PrimeGov ``api/v2/PublicPortal/search`` answer. Real captures are used under those
addresses where their content is the same kind of page; where no real capture of the page
exists the recording is BUILT and the test says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.models import Meeting, Source
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded

# BUILT: no real DepartmentDetail.aspx capture exists. A body's own page: its title names the
# body ("City of Richmond - Planning Commission"), its meeting grid has no Name column.
DEPARTMENT = """<!DOCTYPE html><html><head><title>
\tCity of Richmond - Planning Commission
</title></head><body><form>
<table class="rgMasterTable" id="ctl00_ContentPlaceHolder1_gridCalendar_ctl00"><thead><tr>
<th class="rgHeader">Meeting Date</th><th class="rgHeader"><img alt="ics" /></th>
<th class="rgHeader">Meeting Time</th><th class="rgHeader">Meeting Location</th>
<th class="rgHeader">Meeting Details</th><th class="rgHeader">Agenda</th>
<th class="rgHeader">Video</th></tr></thead><tbody>
<tr class="rgRow"><td>2/5/2024</td><td><a href="View.ashx?M=IC&amp;ID=1100&amp;GUID=A">ics</a></td>
<td>6:00 PM</td><td>City Hall, Council Chamber</td>
<td><a href="MeetingDetail.aspx?ID=1100&amp;GUID=A">Meeting&nbsp;details</a></td>
<td><a href="View.ashx?M=A&amp;ID=1100&amp;GUID=A">Agenda</a></td>
<td><a href="#" onclick="window.open('Video.aspx?Mode=Granicus&amp;ID1=77&amp;Mode2=Video','video');return false;">Video</a></td></tr>
<tr class="rgAltRow"><td>2/19/2024</td><td></td><td>Deferred</td>
<td>City Hall, Council Chamber NOTICE OF CANCELLATION</td>
<td>Meeting&nbsp;details</td><td>Not&nbsp;available</td><td>Not&nbsp;available</td></tr>
</tbody></table></form></body></html>"""


def _spider(platform: str, **extra: Any) -> Any:
    source = Source(id="t", name="", jurisdiction="Test", platform=platform, **extra)
    return spider_class_for(source)()


def _meetings(spider: Any, url: str, body: bytes) -> list[Meeting]:
    records = list(spider.parse_saved(url, body))
    assert records and all(isinstance(r, Meeting) for r in records)
    return records


def test_legistar_department_page_names_its_body_from_the_title() -> None:
    url = "https://richmondva.legistar.com/DepartmentDetail.aspx?ID=24014&GUID=CFDDD5D6"
    # The API spider (mode api, the default) routes the web page to the web reader.
    first, second = _meetings(_spider("legistar", slug="richmondva"), url, DEPARTMENT.encode())
    assert (first.body, first.title) == ("Planning Commission", "Planning Commission")
    assert first.start.isoformat() == "2024-02-05T18:00:00-06:00"
    links = {link.kind: str(link.url) for link in first.links}
    assert links["video"] == (
        "https://richmondva.legistar.com/Video.aspx?Mode=Granicus&ID1=77&Mode2=Video"
    )
    assert links["agenda"].endswith("View.ashx?M=A&ID=1100&GUID=A")
    assert (second.status, second.time_known) == ("cancelled", False)
    assert second.links == []


def test_legistar_crawl_starts_at_a_department_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A source whose base_url is a body's DepartmentDetail page crawls that page (BUILT)."""
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2024-02-01")
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        {
            "id": "richmond_planning",
            "platform": "legistar",
            "slug": "richmondva",
            "base_url": "{{BASE}}/DepartmentDetail.aspx?ID=24014&GUID=CFDDD5D6",
            "options": {"mode": "web"},
            "fetch_documents": False,
        },
        [{"path": "/DepartmentDetail.aspx", "file": "dept.html", "content_type": "text/html"}],
        {"dept.html": DEPARTMENT},
    )
    assert crawl.result.errors == 0, crawl.result.message
    assert [(m.body, m.status) for m in crawl.meetings()] == [
        ("Planning Commission", "scheduled"),
        ("Planning Commission", "cancelled"),
    ]


def test_iqm2_home_page_address() -> None:
    """The REAL Riverside list view, saved from the tenant's Default.aspx address."""
    url = "https://riversidecountyca.iqm2.com/Citizens/default.aspx"
    body = (FIXTURES / "iqm2" / "city-scrapers-ca__riverside_county.html").read_bytes()
    assert len(_meetings(_spider("iqm2", timezone="America/Los_Angeles"), url, body)) == 87


def test_iqm2_meeting_links_without_the_row_control() -> None:
    """BUILT home-page panel: meeting links with their date, no div.MeetingRow."""
    page = b"""<html><body><div id="ContentPlaceholder1_pnlUpcoming"><h3>Upcoming Meetings</h3>
    <div><a href="Detail_Meeting.aspx?ID=4120">Feb 2, 2026 1:00 PM</a>
    <span>Atlanta City Council - Regular Meeting</span></div>
    <div><a href="Detail_Meeting.aspx?ID=4121">Feb 3, 2026 9:30 AM</a>
    <span>Finance/Executive Committee - Regular Committee Meeting CANCELLED</span></div>
    </div></body></html>"""
    url = "https://atlantacityga.iqm2.com/Citizens/Default.aspx"
    first, second = _meetings(_spider("iqm2", timezone="America/New_York"), url, page)
    assert (first.platform_id, first.start.isoformat()) == ("4120", "2026-02-02T13:00:00-05:00")
    assert first.title == "Atlanta City Council - Regular Meeting"
    assert first.body == "Atlanta City Council"
    assert second.status == "cancelled" and second.body == "Finance/Executive Committee"


def test_boarddocs_public_address_holding_the_list() -> None:
    """The REAL Cincinnati list saved from the site's /Public address."""
    url = "https://go.boarddocs.com/oh/cps/Board.nsf/Public"
    body = (FIXTURES / "boarddocs" / "city-scrapers-cinoh__cinoh_Board_of_Ed.json").read_bytes()
    meetings = _meetings(_spider("boarddocs", slug="oh/cps"), url, body)
    assert len(meetings) == 462
    assert str(meetings[0].url) == (
        "https://go.boarddocs.com/oh/cps/Board.nsf/goto?open&id=DC2QWY6B5DDA"
    )


def test_primegov_portal_search_answer() -> None:
    """REAL CCTA records in a BUILT search wrapper ({"meetings": […]}): the shape is not known."""
    records = json.loads((FIXTURES / "primegov" / "city-scrapers-ca__ccta.json").read_text())
    url = "https://ccta.primegov.com/api/v2/PublicPortal/search?keyword=&from=2022-07-01"
    for body in (json.dumps(records), json.dumps({"meetings": records, "total": len(records)})):
        meetings = _meetings(_spider("primegov", slug="ccta"), url, body.encode())
        assert [m.platform_id for m in meetings] == [str(r["id"]) for r in records]
        assert meetings[0].start.isoformat() == "2022-07-25T11:00:00-05:00"
