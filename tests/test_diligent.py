"""The Diligent Community spider, through the real Scrapy engine.

NO REAL CAPTURE of a Diligent Community tenant exists (docs/platforms.md §4.9), so this recording is
BUILT from the documented endpoints and the record shape of the same meetings service on CivicWeb
hosts (see tests/fixtures/diligent/PROVENANCE.md). The facts asserted are the recording's own.
"""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from tests.helpers import RecordedCrawl, crawl_recorded

DILIGENT = FIXTURES / "diligent"
SERVICE = "/Services/MeetingsService.svc/meetings"


@pytest.fixture(scope="module")
def boone(tmp_path_factory: pytest.TempPathFactory) -> RecordedCrawl:
    with pytest.MonkeyPatch.context() as monkeypatch:
        crawl = crawl_recorded(
            tmp_path_factory.mktemp("boone"),
            monkeypatch,
            {
                "id": "boone_county",
                "platform": "diligent",
                "base_url": "{{BASE}}",
                "options": {"type_ids": [22, 19]},
            },
            [
                {
                    "path": SERVICE,
                    "query": {"loadall": "false"},
                    "file": "meetings.json",
                    "content_type": "application/json",
                },
                {
                    "path": f"{SERVICE}/1285/meetingDocuments",
                    "file": "docs_1285.json",
                    "content_type": "application/json",
                },
                {
                    "path": f"{SERVICE}/1293/meetingDocuments",
                    "file": "docs_1293.json",
                    "content_type": "application/json",
                },
            ],
            {
                "meetings.json": DILIGENT / "built_meetings.json",
                "docs_1285.json": DILIGENT / "built_documents_1285.json",
                "docs_1293.json": DILIGENT / "built_documents_1293.json",
            },
        )
    assert crawl.result.returncode == 0, crawl.result.message
    return crawl


def test_type_filter_and_window_query(boone: RecordedCrawl) -> None:
    # Type 23 (Zoning Board of Appeals) is not in options.type_ids.
    assert [m.platform_id for m in boone.meetings()] == ["1285", "1293", "1290"]
    [listing] = [r for r in boone.requests if r.startswith(f"{SERVICE}?")]
    assert "from=" in listing and "to=" in listing and "loadall=false" in listing
    # Unpublished meeting 1290 gets no documents call.
    assert not any("/1290/" in r for r in boone.requests)


def test_wall_clock_times_across_dst(boone: RecordedCrawl) -> None:
    june = boone.store.read("boone_county/20260617/1285")
    assert june.start.isoformat() == "2026-06-17T18:00:00-05:00"  # "2026-06-17 18:00"
    december = boone.store.read("boone_county/20261216/1290")
    assert december.start.isoformat() == "2026-12-16T18:00:00-06:00"
    assert june.title == june.body == "County Board"  # the name without " - Jun 17 2026"
    assert june.location == "Boone County Administration Campus, 1212 Logan Ave"
    assert str(june.url) == f"{boone.base_url}/Portal/MeetingInformation.aspx?Org=Cal&Id=1285"


def test_html_agenda_is_extracted_and_attachments_linked(boone: RecordedCrawl) -> None:
    june = boone.store.read("boone_county/20260617/1285")
    [document] = june.documents
    assert document.content_type == "text/html"
    assert "Welcoming County for Immigrants and Refugees" in document.text
    attachments = [(link.title, str(link.url)) for link in june.links if link.kind == "attachment"]
    assert attachments == [
        (
            "Draft Resolution 26-41.pdf",
            f"{boone.base_url}/document/6c1f2a9e-0b7d-4a51-9d8e-2f3c4b5a6d7e",
        )
    ]
    assert june.status == "scheduled"


def test_cancelled_banner_in_the_agenda(boone: RecordedCrawl) -> None:
    finance = boone.store.read("boone_county/20261104/1293")
    assert finance.title == "Committee of the Whole - Finance"
    assert finance.status == "cancelled"  # "This meeting has been cancelled"
