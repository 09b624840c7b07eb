"""The eScribe spider, through the real Scrapy engine against a local replay server.

The calendar answer is a real capture (Chula Vista CA ``GetCalendarMeetings?MeetingViewId=15``;
facts in shared/fixtures/real/PROVENANCE.md). No real ``Meeting.aspx`` page exists, so
``built_meeting_page.html`` is BUILT from the shape in docs/platforms.md §4.12 (see
tests/fixtures/escribe/BUILT_README.md); its item texts are invented.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.models import AgendaItem, Meeting, Source
from spiders.base import SourceError, UnexpectedShape
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded

CALENDAR = FIXTURES / "escribe" / "sandie_citychula.json"
MEETING_PAGE = FIXTURES / "escribe" / "built_meeting_page.html"
PDF = FIXTURES / "pdf" / "il_warrenville_library_board_agenda_2020-01-15.pdf"
GUID = "3a6304b5-97b9-4bcc-aecd-72b8c188e73c"
CALENDAR_PATH = "/MeetingsCalendarView.aspx/GetCalendarMeetings"
JSON = "application/json; charset=utf-8"

SOURCE: dict[str, Any] = {
    "id": "chula_vista",
    "platform": "escribe",
    "slug": "chulavista",
    "base_url": "{{BASE}}",
    "timezone": "America/Los_Angeles",
    "options": {"meeting_view_id": 15},
    "fetch_documents": False,
}


def _calendar_route(file: str = "calendar.json") -> dict[str, Any]:
    return {
        "path": CALENDAR_PATH,
        "method": "POST",
        "query": {"MeetingViewId": "15"},
        "body_contains": '"calendarStartDate"',
        "file": file,
        "content_type": JSON,
    }


def test_real_calendar_through_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        SOURCE,
        routes=[
            _calendar_route(),
            {
                "path": "/Meeting.aspx",
                "query": {"Id": GUID, "Agenda": "Agenda", "lang": "English"},
                "file": "meeting.html",
                "content_type": "text/html; charset=utf-8",
            },
        ],
        files={"calendar.json": CALENDAR, "meeting.html": MEETING_PAGE},
    )
    assert crawl.result.ok, crawl.result.message
    [meeting] = crawl.meetings()  # PROVENANCE: len == 1
    base = crawl.base_url
    assert meeting.id == f"chula_vista/20251217/{GUID}"
    assert meeting.title == "Board of Ethics Regular Meeting"
    assert meeting.body == "Board of Ethics"  # the run-on "Regular Meeting" is its kind
    # PROVENANCE: start 2025-12-17 17:15 from naive "2025/12/17 17:15:00"; December, so PST.
    assert meeting.start.isoformat() == "2025-12-17T17:15:00-08:00"
    assert meeting.location == (
        "City Hall, Bldg. A, Executive Conference Room #103, 276 Fourth Avenue, Chula Vista, CA"
    )
    assert meeting.status == "scheduled"
    assert str(meeting.url) == f"{base}/Meeting.aspx?Id={GUID}&Agenda=Agenda&lang=English"
    # PROVENANCE: 6 document links with these titles, all http(s); plus the detail page.
    assert [link.title for link in meeting.links] == [
        "Agenda Cover Page (PDF)",
        "Agenda (PDF)",
        "Agenda (HTML)",
        "Post Agenda (PDF)",
        "Post Agenda (HTML)",
        "Board of Ethics Regular Meeting Agenda - Spanish",
        "Meeting details",
    ]
    assert all(str(link.url).startswith("http") for link in meeting.links)
    urls = {link.title: (link.kind, str(link.url)) for link in meeting.links}
    assert urls["Agenda (PDF)"] == ("agenda", f"{base}/FileStream.ashx?DocumentId=56975")
    assert urls["Board of Ethics Regular Meeting Agenda - Spanish"] == (
        "attachment",
        f"{base}/FileStream.ashx?DocumentId=56983",
    )
    assert urls["Meeting details"] == (
        "detail",
        f"https://pub-chulavista.escribemeetings.com/MeetingsCalendarView.aspx/Meeting?Id={GUID}",
    )

    # Items from the built Meeting.aspx page, sub-items after their parent.
    assert [(i.number, i.title) for i in meeting.items] == [
        ("1.", "CALL TO ORDER"),
        ("2.", "CONSENT CALENDAR"),
        ("2.1", "Approval of Minutes of November 19, 2025"),
        ("2.2", "Ethics training for appointees serving on the Commission on Immigrant Affairs"),
        ("3.", "ADJOURNMENT"),
    ]
    minutes = meeting.items[2]
    assert minutes.text == "Recommended action: approve the minutes."
    assert [(link.title, str(link.url)) for link in minutes.links] == [
        ("Draft Minutes 2025-11-19.pdf", f"{base}/FileStream.ashx?DocumentId=90001")
    ]
    assert meeting.items[1].links == [] and meeting.items[1].text == ""

    # One POST to the page method, with the JSON date-range body.
    [post] = [r for r in crawl.requests if r.startswith("POST ")]
    assert post == f"POST {CALENDAR_PATH}?MeetingViewId=15"


def test_pdf_agenda_when_there_is_no_html_agenda(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real meeting with its HTML agenda links removed: the PDF "Agenda" (56975) is read."""
    data = json.loads(CALENDAR.read_text())
    docs = data["d"][0]["MeetingDocumentLink"]
    data["d"][0]["MeetingDocumentLink"] = [d for d in docs if d["Format"] != "HTML"]
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        {**SOURCE, "fetch_documents": True},
        routes=[
            _calendar_route(),
            {
                "path": "/FileStream.ashx",
                "query": {"DocumentId": "56975"},
                "file": "agenda.pdf",
                "content_type": "application/pdf",
            },
        ],
        files={"calendar.json": json.dumps(data), "agenda.pdf": PDF},
    )
    assert crawl.result.ok, crawl.result.message
    [meeting] = crawl.meetings()
    [doc] = meeting.documents
    assert doc.error is None and doc.pages > 0
    assert str(doc.url).endswith("/FileStream.ashx?DocumentId=56975")


def test_html_answer_from_the_page_method_is_a_named_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bot challenge or error page instead of JSON fails the run, never "0 meetings, ok"."""
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        SOURCE,
        routes=[_calendar_route("challenge.html")],
        files={"challenge.html": "<html><body>Please verify you are human</body></html>"},
    )
    assert not crawl.result.ok
    assert crawl.result.meetings == 0
    assert "UnexpectedShape" in crawl.result.message


def _source() -> Source:
    return Source(
        id="chula_vista",
        name="Chula Vista",
        jurisdiction="City of Chula Vista, CA",
        platform="escribe",
        slug="chulavista",
        timezone="America/Los_Angeles",
    )


def test_parse_saved_calendar_and_meeting_page() -> None:
    spider = spider_class_for(_source())()
    calendar_url = f"https://pub-chulavista.escribemeetings.com{CALENDAR_PATH}?MeetingViewId=15"
    [meeting] = list(spider.parse_saved(calendar_url, CALENDAR.read_bytes()))
    assert isinstance(meeting, Meeting)
    assert meeting.start.isoformat() == "2025-12-17T17:15:00-08:00"
    agenda = {link.title: str(link.url) for link in meeting.links}["Agenda (PDF)"]
    assert agenda == "https://pub-chulavista.escribemeetings.com/FileStream.ashx?DocumentId=56975"

    page_url = f"https://pub-chulavista.escribemeetings.com/Meeting.aspx?Id={GUID}&Agenda=Agenda&lang=English"
    items = list(spider.parse_saved(page_url, MEETING_PAGE.read_bytes()))
    assert all(isinstance(i, AgendaItem) for i in items)
    assert [i.number for i in items] == ["1.", "2.", "2.1", "2.2", "3."]  # type: ignore[attr-defined]
    assert items[0].id.startswith(f"chula_vista/saved/{GUID}/")  # type: ignore[attr-defined]

    with pytest.raises(UnexpectedShape):
        list(spider.parse_saved(calendar_url, b'{"Message": "error"}'))
    with pytest.raises(SourceError):
        list(spider.parse_saved("https://pub-chulavista.escribemeetings.com/x", b"{}"))


def test_cancelled_meeting_name() -> None:
    data = json.loads(CALENDAR.read_text())
    data["d"][0]["MeetingName"] = "CANCELLED Board of Ethics Regular Meeting"
    spider = spider_class_for(_source())()
    url = f"https://pub-chulavista.escribemeetings.com{CALENDAR_PATH}"
    [meeting] = list(spider.parse_saved(url, json.dumps(data).encode()))
    assert meeting.status == "cancelled"  # type: ignore[attr-defined]
