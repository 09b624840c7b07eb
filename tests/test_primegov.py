"""The PrimeGov spider, through the real Scrapy engine against a local replay server.

Meeting lists are real captures: Clayton County GA ``ListArchivedMeetings?year=2026``, and
``ListUpcomingMeetings`` of Los Angeles and Contra Costa TA (facts in shared/fixtures/real/
PROVENANCE.md and platforms/PROVENANCE.md). No real compiled HTML agenda exists, so
``built_html_agenda.html`` is BUILT from the shape in docs/platforms.md §4.10 (see
tests/fixtures/primegov/BUILT_README.md).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.models import AgendaItem, Meeting, Source
from spiders.base import SourceError, UnexpectedShape
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded

CLAYTON = FIXTURES / "primegov" / "atl_clayton_co_boc_meetings.json"
LACITY = FIXTURES / "primegov" / "city-scrapers-ca__la_city_government.json"
CCTA = FIXTURES / "primegov" / "city-scrapers-ca__ccta.json"
HTML_AGENDA = FIXTURES / "primegov" / "built_html_agenda.html"
NO_ITEMS = FIXTURES / "primegov" / "built_no_items.html"
PDF = FIXTURES / "pdf" / "il_warrenville_library_board_agenda_2020-01-15.pdf"
JSON = "application/json"
HTML = "text/html; charset=utf-8"
LISTS = "/api/v2/PublicPortal"


def _days_back_to(day: date) -> int:
    """A window reaching back to `day` (the captures are from 2021-2026)."""
    return min(3650, (date.today() - day).days + 1)


def _routes(archived_2026: str, upcoming: str) -> list[dict[str, Any]]:
    """List routes: one year's archive and the upcoming list; every other year is empty."""
    return [
        {
            "path": f"{LISTS}/ListArchivedMeetings",
            "query": {"year": "2026"},
            "file": archived_2026,
            "content_type": JSON,
        },
        {"path": f"{LISTS}/ListArchivedMeetings", "file": "empty.json", "content_type": JSON},
        {"path": f"{LISTS}/ListUpcomingMeetings", "file": upcoming, "content_type": JSON},
    ]


def _by_platform_id(meetings: list[Meeting]) -> dict[str, Meeting]:
    return {m.platform_id or "": m for m in meetings}


def test_real_clayton_archive_through_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = {
        "id": "clayton_boc",
        "platform": "primegov",
        "slug": "claytoncountyga",
        "base_url": "{{BASE}}",
        "timezone": "America/New_York",
        "days_back": _days_back_to(date(2026, 1, 1)),
    }
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        source,
        routes=_routes("clayton.json", "empty.json")
        + [
            # Built pages: the HTML agendas have no agenda-item divs, so they become documents.
            {"path": "/Portal/Meeting", "file": "no_items.html", "content_type": HTML},
            {
                "path": "/Public/CompiledDocument",
                "file": "agenda.pdf",
                "content_type": "application/pdf",
            },
        ],
        files={
            "clayton.json": CLAYTON,
            "empty.json": "[]",
            "no_items.html": NO_ITEMS,
            "agenda.pdf": PDF,
        },
    )
    assert crawl.result.ok, crawl.result.message
    meetings = crawl.meetings()
    assert len(meetings) == 18  # PROVENANCE: len == 18
    base = crawl.base_url

    first = _by_platform_id(meetings)["554"]
    assert first.title == "Regular Business Meeting"
    assert first.id == "clayton_boc/20260106/554"
    # Naive local dateTime 2026-01-06T18:00:00: winter, so EST (-05:00) ...
    assert first.start.isoformat() == "2026-01-06T18:00:00-05:00"
    # ... and after the March DST change, EDT (-04:00).
    april = _by_platform_id(meetings)["639"]
    assert april.start.isoformat() == "2026-04-07T18:00:00-04:00"
    assert first.status == "scheduled"
    assert [(link.title, link.kind, str(link.url)) for link in first.links] == [
        (
            "Summary Minutes",
            "minutes",
            f"{base}/Public/CompiledDocument?meetingTemplateId=4414&compileOutputType=1",
        ),
        (
            "Minutes",
            "minutes",
            f"{base}/Public/CompiledDocument?meetingTemplateId=4410&compileOutputType=1",
        ),
        ("Video", "video", "https://claytoncountyga.granicus.com/MediaPlayer.php?clip_id=34"),
    ]
    # Minutes only, no agenda: nothing was fetched for 554.
    assert first.documents == [] and first.items == []
    # Meeting 556's title carries a trailing space upstream.
    assert _by_platform_id(meetings)["556"].title == "Regular Business Meeting"

    # BOC Retreat (560) has only a PDF "Agenda": the compiled file was fetched and extracted.
    retreat = _by_platform_id(meetings)["560"]
    assert retreat.title == "BOC Retreat"
    [doc] = retreat.documents
    assert doc.error is None and doc.pages > 0
    assert "/Public/CompiledDocument?meetingTemplateId=4448&compileOutputType=1" in crawl.requests
    # Work Session (558) has an HTML Agenda (file 4191): requested for items, kept as a document.
    work = _by_platform_id(meetings)["558"]
    assert str(work.url) == f"{base}/Portal/Meeting?compiledMeetingDocumentFileId=4191"
    assert [d.content_type for d in work.documents] == ["text/html"]
    assert "Approval of minutes" in work.documents[0].text

    archives = [r for r in crawl.requests if "ListArchivedMeetings" in r]
    assert f"{LISTS}/ListArchivedMeetings?year=2026" in archives
    assert f"{LISTS}/ListUpcomingMeetings" in crawl.requests


def test_upcoming_list_with_html_agenda_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real LA ``ListUpcomingMeetings`` (5 meetings); agenda 13568 served from the built page."""
    source = {
        "id": "la_city",
        "platform": "primegov",
        "slug": "lacity",
        "base_url": "{{BASE}}",
        "timezone": "America/Los_Angeles",
        "days_back": _days_back_to(date(2021, 10, 1)),
        "fetch_documents": False,
    }
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        source,
        routes=_routes("empty.json", "lacity.json")
        + [
            {
                "path": "/Portal/Meeting",
                "query": {"compiledMeetingDocumentFileId": "13568"},
                "file": "agenda.html",
                "content_type": HTML,
            },
            {"path": "/Portal/Meeting", "file": "no_items.html", "content_type": HTML},
        ],
        files={
            "lacity.json": LACITY,
            "empty.json": "[]",
            "agenda.html": HTML_AGENDA,
            "no_items.html": NO_ITEMS,
        },
    )
    assert crawl.result.ok, crawl.result.message
    meetings = _by_platform_id(crawl.meetings())
    assert len(meetings) == 5  # PROVENANCE: 5 meetings
    base = crawl.base_url

    itgs = meetings["9817"]
    assert itgs.title == "Information, Technology, and General Services"
    # No dateTime in this older capture: "Oct 21, 2021" + "10:00 AM", local to LA (PDT).
    assert itgs.start.isoformat() == "2021-10-21T10:00:00-07:00"
    links = {link.title: str(link.url) for link in itgs.links}
    assert links["HTML Agenda"] == f"{base}/Portal/Meeting?compiledMeetingDocumentFileId=13568"
    assert (
        links["Agenda"]
        == f"{base}/Public/CompiledDocument?meetingTemplateId=77545&compileOutputType=1"
    )
    assert links["Video"] == "https://youtube.com/watch?v=XsG8X1NTEoo"

    # Items from the built HTML agenda.
    assert [i.number for i in itgs.items] == ["22-0600-S29", "22-0907"]
    ita = itgs.items[0]
    assert ita.title.startswith("Information Technology Agency (ITA) report, in response to a")
    assert ita.title.endswith("implementation of permanent Wi-Fi hotspots.")
    assert ita.text == (
        "APPROVED Information Technology Agency report dated July 26, 2022 - (3) Yes; (0) No"
    )
    assert len(ita.links) == 4  # icon links without text are left out
    assert str(ita.links[0].url).startswith(f"{base}/Public/CompiledDocument/90001.pdf")
    # The second item neither takes the first's attachments nor has its own.
    assert itgs.items[1].links == [] and itgs.items[1].text == ""

    assert meetings["10014"].title == "Immigrant Affairs, Civil Rights, and Equity Committee"
    assert meetings["10014"].start.isoformat() == "2021-10-21T12:30:00-07:00"
    # "HTML Notice of Cancellation" is the only document of the 22 Oct City Council meeting.
    council = meetings["9944"]
    assert council.title == "City Council Meeting"
    assert council.status == "cancelled"
    assert str(council.url) == f"{base}/public/portal"


def test_body_filter_and_committee_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = {
        "id": "la_city",
        "platform": "primegov",
        "slug": "lacity",
        "base_url": "{{BASE}}",
        "timezone": "America/Los_Angeles",
        "days_back": _days_back_to(date(2021, 10, 1)),
        "fetch_documents": False,
        "bodies": ["Immigrant Affairs, Civil Rights, and Equity Committee", "City Council Meeting"],
        "options": {"committee_ids": [20]},
    }
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        source,
        routes=_routes("empty.json", "lacity.json")
        + [{"path": "/Portal/Meeting", "file": "no_items.html", "content_type": HTML}],
        files={"lacity.json": LACITY, "empty.json": "[]", "no_items.html": NO_ITEMS},
    )
    assert [m.platform_id for m in crawl.meetings()] == ["10014"]  # committeeId 20


def _source(slug: str = "ccta") -> Source:
    return Source(
        id=slug,
        name=slug,
        jurisdiction="Contra Costa Transportation Authority, CA",
        platform="primegov",
        slug=slug,
        timezone="America/Los_Angeles",
    )


def test_parse_saved_ccta_upcoming_and_cancellation() -> None:
    spider = spider_class_for(_source())()
    url = "https://ccta.primegov.com/api/v2/PublicPortal/ListUpcomingMeetings"
    first, second = list(spider.parse_saved(url, CCTA.read_bytes()))
    assert isinstance(first, Meeting) and isinstance(second, Meeting)
    # PROVENANCE: title, start 2022-07-25 11:00, HTML Packet link compiledMeetingDocumentFileId=15222.
    assert first.title == "Countywide Bicycle and Pedestrian Advisory Committee Meeting"
    assert first.start.isoformat() == "2022-07-25T11:00:00-07:00"
    links = {link.title: str(link.url) for link in first.links}
    assert links["HTML Packet"] == (
        "https://ccta.primegov.com/Portal/Meeting?compiledMeetingDocumentFileId=15222"
    )
    assert links["Video"] == "https://youtube.com/watch?v=W2F0wRpVu68"
    assert first.status == "scheduled"
    # [1] is a cancellation notice.
    # Its title is "Citizens Advisory Committee Meeting - Cancelled": the status words leave it.
    assert second.title == "Citizens Advisory Committee Meeting"
    assert second.status == "cancelled"


def test_parse_saved_html_agenda_and_errors() -> None:
    spider = spider_class_for(_source("lacity"))()
    url = "https://lacity.primegov.com/Portal/Meeting?compiledMeetingDocumentFileId=13568"
    items = list(spider.parse_saved(url, HTML_AGENDA.read_bytes()))
    assert all(isinstance(i, AgendaItem) for i in items)
    assert [i.number for i in items] == ["22-0600-S29", "22-0907"]  # type: ignore[attr-defined]
    assert str(items[0].links[0].url).startswith(  # type: ignore[attr-defined]
        "https://lacity.primegov.com/Public/CompiledDocument/90001.pdf"
    )
    lists = "https://lacity.primegov.com/api/v2/PublicPortal/ListArchivedMeetings?year=2026"
    with pytest.raises(UnexpectedShape):
        list(spider.parse_saved(lists, json.dumps({"error": "x"}).encode()))
    with pytest.raises(SourceError):
        list(spider.parse_saved("https://lacity.primegov.com/other", b"[]"))
