"""Diligent Community / CivicWeb on the second batch of real captures (batch2/PROVENANCE.md).

Real answers: Dallas ISD's meetings list on ``*.community.highbond.com`` (80 records) and Dallas
County's ``meetingDocuments`` for meeting 2097 (the full agenda HTML). The one-record meetings
list that leads the crawl to Dallas County's documents is BUILT (its list was not captured).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipeline.models import Meeting, Source
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded

D = FIXTURES / "diligent"
DISD = D / "city-scrapers-dallas__daltx_school_district.json"
COURT = D / "city-scrapers-dallas__daltx_ccc_links.json"
SERVICE = "/Services/MeetingsService.svc/meetings"
JSON: dict[str, Any] = {"content_type": "application/json"}


def test_dallas_isd_list_through_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2026-05-13")  # the peer test's freeze
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        {
            "id": "disd",
            "platform": "diligent",
            "base_url": "{{BASE}}",
            "fetch_documents": False,
            "days_back": 500,
            "days_ahead": 30,
        },
        [{"path": SERVICE, "file": "meetings.json", **JSON}],
        {"meetings.json": DISD},
    )
    assert crawl.result.errors == 0, crawl.result.message
    meetings = crawl.meetings()
    # PROVENANCE: 80 records, dated 2025-01-09 to 2026-05-28.
    assert len(meetings) == crawl.result.meetings == 80
    assert (meetings[0].start.date().isoformat(), meetings[-1].start.date().isoformat()) == (
        "2025-01-09",
        "2026-05-28",
    )
    latest = next(m for m in meetings if m.platform_id == "826")
    # "Public Hearing Agenda and Notice  - May 28 2026" (double space): the name without its date.
    assert latest.title == "Public Hearing Agenda and Notice"
    assert latest.start.isoformat() == "2026-05-28T17:30:00-05:00"
    assert latest.location == "Ada L. Williams Governance Room"
    # Its type name has a trailing space; the body does not.
    assert not latest.body.endswith(" ")
    # MeetingTime "" with MeetingDateTime "… 00:00": the time is unknown, not midnight (32).
    assert sum(not m.time_known for m in meetings) == 32
    # 29 of them are type 17 "BoardDocs Archived Meetings 2015-2025", migrated from BoardDocs.
    assert Counter(m.body for m in meetings)["BoardDocs Archived Meetings 2015-2025"] == 29
    # "CANCELLED - " prefixes: Ids 755, 766, 65, 64, 77, 76.
    cancelled = sorted(int(m.platform_id or 0) for m in meetings if m.status == "cancelled")
    assert cancelled == [64, 65, 76, 77, 755, 766]


def test_dallas_county_documents_through_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2026-05-15")
    record = {
        "Id": 2097,
        "Name": "Commissioners Court - May 19 2026",
        "MeetingDateTime": "2026-05-19 09:00",
        "MeetingTime": "09:00 AM",
        "MeetingTypeName": "Commissioners Court",
        "Published": True,
    }
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        {"id": "dallas_county", "platform": "diligent", "base_url": "{{BASE}}"},
        [
            {"path": SERVICE, "file": "meetings.json", **JSON},
            {"path": f"{SERVICE}/2097/meetingDocuments", "file": "documents.json", **JSON},
        ],
        {"meetings.json": json.dumps([record]), "documents.json": COURT},
    )
    assert crawl.result.errors == 0, crawl.result.message
    [meeting] = crawl.meetings()
    base = crawl.base_url
    # 4 documents by Id: agenda (1), packet (4, not public), minutes (9) and minutes packet (10).
    assert [(lk.title, str(lk.url)) for lk in meeting.links if lk.kind != "attachment"][1:] == [
        ("Agenda", f"{base}/document/1051671/?printPdf=true"),
        ("Agenda Packet", f"{base}/document/1051670/?printPdf=true"),
        ("Minutes", f"{base}/document/1051860/?printPdf=true"),
        ("Minutes Packet", f"{base}/document/1051859/?printPdf=true"),
    ]
    # 64 attachment links "/document/{id}/{name}.pdf?handle=…"; PROVENANCE says each is labelled
    # "Briefing and Court Order - Pdf": 56 are, 8 carry the file's own name.
    attachments = [lk for lk in meeting.links if lk.kind == "attachment"]
    assert len(attachments) == 64
    assert all("/document/" in str(a.url) and "handle=" in str(a.url) for a in attachments)
    assert Counter(a.title for a in attachments)["Briefing and Court Order - Pdf"] == 56
    # The agenda HTML (DocumentType 1) is extracted: its sections and the Spanish notice.
    [document] = meeting.documents
    assert document.content_type == "text/html"
    for section in ("CALL COURT TO ORDER", "RESOLUTIONS", "CONSENT AGENDA", "ADJOURN"):
        assert section in document.text
    assert "Older Adult Services Program" in document.text


def test_dallas_county_documents_saved() -> None:
    source = Source(id="dc", name="", jurisdiction="Dallas County, TX", platform="diligent")
    url = "https://dallascounty.civicweb.net/Services/MeetingsService.svc/meetings/2097/meetingDocuments?_=1"
    [meeting] = spider_class_for(source)().parse_saved(url, COURT.read_bytes())
    assert isinstance(meeting, Meeting)
    # The agenda's heading: "Commissioners Court Meeting 9:00 AM - Tuesday, May 19, 2026",
    # "Commissioners Court Room", "500 Elm Street, Dallas, TX 75202".
    assert (meeting.title, meeting.start.isoformat()) == (
        "Commissioners Court Meeting",
        "2026-05-19T09:00:00-05:00",
    )
    assert meeting.location == "Commissioners Court Room, 500 Elm Street, Dallas, TX 75202"
    assert meeting.platform_id == "2097"
