"""PrimeGov on the second batch of real captures (shared/fixtures/real/batch2/PROVENANCE.md).

Real answers: Los Angeles City Council's ``ListUpcomingMeetings`` (13 meetings, the status only
in document names) and the Health Commission's ``ListArchivedMeetingsByCommitteeId`` (10
meetings). The crawl serves the second where the spider asks for a year's archive: that routing
is the test's (the spider does not call the by-committee endpoint); both answers are real.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipeline.models import Meeting, Source
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded

P = FIXTURES / "primegov"
COUNCIL = P / "city-scrapers-losca__losca_City_Council.json"
HEALTH = P / "city-scrapers-losca__losca_Health_Commission.json"
JSON: dict[str, Any] = {"content_type": "application/json"}
API = "/api/v2/PublicPortal"


def test_los_angeles_lists_through_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2024-09-30")  # the council test's freeze
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        {
            "id": "la",
            "platform": "primegov",
            "base_url": "{{BASE}}",
            "timezone": "America/Los_Angeles",
            "fetch_documents": False,
            "days_back": 300,
        },
        [
            {"path": f"{API}/ListUpcomingMeetings", "file": "council.json", **JSON},
            {"path": f"{API}/ListArchivedMeetings", "file": "health.json", **JSON},
        ],
        {"council.json": COUNCIL, "health.json": HEALTH},
    )
    assert crawl.result.errors == 0, crawl.result.message
    meetings = crawl.meetings()
    # 13 upcoming + 10 archived (the archive is asked for 2023 and 2024: ids de-duplicate it).
    assert len(meetings) == crawl.result.meetings == 23
    council = [
        m
        for m in meetings
        if m.start.year == 2024 and m.start.month == 10 and "Health" not in m.title
    ]
    assert len(council) == 13
    first = next(m for m in meetings if m.platform_id == "15993")
    assert (first.title, first.start.isoformat()) == (
        "Personnel, Audits, and Hiring Committee",
        "2024-10-01T08:30:00-07:00",
    )
    base = crawl.base_url
    assert [(link.title, str(link.url)) for link in first.links] == [
        ("HTML Agenda", f"{base}/Portal/Meeting?compiledMeetingDocumentFileId=65199"),
        ("Agenda", f"{base}/Public/CompiledDocument?meetingTemplateId=133784&compileOutputType=1"),
        ("Video", "https://youtube.com/watch?v=ewD_li_BkgU"),
    ]
    # Cancellation is said only by a document's name ("HTML Notice of Cancellation").
    cancelled = sorted((m.title, m.start.isoformat()) for m in council if m.status == "cancelled")
    assert cancelled == [
        ("City Council Meeting", "2024-10-02T10:00:00-07:00"),
        (
            "Civil Rights, Equity, Immigration, Aging and Disability Committee",
            "2024-10-04T13:00:00-07:00",
        ),
        ("Neighborhoods and Community Enrichment Committee", "2024-10-02T08:30:00-07:00"),
        ("Trade, Travel and Tourism Committee", "2024-10-01T14:00:00-07:00"),
    ]
    # A recess notice and a revised agenda are not cancellations.
    recess = next(m for m in council if any(lk.title == "Recess Notice" for lk in m.links))
    assert (recess.title, recess.start.date().isoformat(), recess.status) == (
        "City Council Meeting",
        "2024-10-04",
        "scheduled",
    )
    revised = next(m for m in council if any(lk.title == "Revised Agenda" for lk in m.links))
    assert revised.title == "Housing and Homelessness Committee" and revised.status == "scheduled"
    # The SAP entries carry only an HTML SAP Video document.
    sap = [m for m in council if "SAP" in m.title]
    assert len(sap) == 3
    assert all({lk.title for lk in m.links} <= {"HTML SAP Video", "Video"} for m in sap)


def test_los_angeles_council_answer() -> None:
    meetings = _saved(
        f"https://lacity.primegov.com{API}/ListUpcomingMeetings?_=1726255032697", COUNCIL
    )
    assert len(meetings) == 13
    days = {m.start.date().isoformat() for m in meetings}
    assert min(days) == "2024-10-01" and max(days) == "2024-10-04"
    # The committee's name ends with a space in the answer; the title does not.
    civil = next(m for m in meetings if m.title.startswith("Civil Rights"))
    assert civil.title == "Civil Rights, Equity, Immigration, Aging and Disability Committee"
    assert Counter(m.status for m in meetings) == {"scheduled": 9, "cancelled": 4}


def test_health_commission_archive_by_committee() -> None:
    url = f"https://lacity.primegov.com{API}/ListArchivedMeetingsByCommitteeId?year=2024&committeeId=6"
    meetings = _saved(url, HEALTH)
    # PROVENANCE: 10 meetings, Jan 08 to Oct 21, 2024, each 06:00 PM.
    assert len(meetings) == 10
    assert {m.start.time().isoformat() for m in meetings} == {"18:00:00"}
    assert (meetings[0].start.isoformat(), meetings[-1].start.isoformat()) == (
        "2024-01-08T18:00:00-08:00",
        "2024-10-21T18:00:00-07:00",
    )
    first = meetings[0]
    assert (first.platform_id, first.title) == ("15019", "Los Angeles City Health Commission")
    assert [str(lk.url) for lk in first.links[:2]] == [
        "https://lacity.primegov.com/Portal/Meeting?compiledMeetingDocumentFileId=56540",
        "https://lacity.primegov.com/Public/CompiledDocument?meetingTemplateId=124727&compileOutputType=1",
    ]
    assert first.links[2].kind == "video" and "youtube" in str(first.links[2].url)
    april = next(m for m in meetings if m.start.month == 4)
    assert all(lk.kind != "video" for lk in april.links)  # the Apr 08 meeting has no video
    cancelled = [(m.start.date().isoformat(), m.title) for m in meetings if m.status == "cancelled"]
    assert cancelled == [
        ("2024-05-13", "Los Angeles City Health Commission"),
        ("2024-07-08", "Los Angeles City Health Commission Meeting"),
    ]
    names = {lk.title for m in meetings for lk in m.links}
    assert {"Revised Agenda", "Special Agenda"} <= names


def _saved(url: str, path: Path) -> list[Meeting]:
    source = Source(
        id="la",
        name="",
        jurisdiction="Los Angeles, CA",
        platform="primegov",
        slug="lacity",
        timezone="America/Los_Angeles",
    )
    records = list(spider_class_for(source)().parse_saved(url, path.read_bytes()))
    meetings = [r for r in records if isinstance(r, Meeting)]
    assert len(meetings) == len(records)
    return meetings
