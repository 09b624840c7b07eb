"""CivicPlus AgendaCenter on Inglewood's real ``UpdateCategoryList`` answer (batch2/PROVENANCE.md).

A fragment (``<span id="section3">``, no html/head, no charset) of 19 City Council rows whose
link text carries the status: "(No Meeting)", "(Canceled)", "(Rescheduled)". Inglewood's
AgendaCenter index was not captured: the crawl is served this fragment where it asks for the
index, and reads it by what it holds (the routing is the test's; the page is real).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded

INGLEWOOD = FIXTURES / "civicplus" / "city-scrapers-losca__losca_inglewood.html"


def test_inglewood_fragment_through_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2026-03-10")  # the peer test's freeze
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        {
            "id": "inglewood",
            "platform": "civicplus",
            "base_url": "{{BASE}}/AgendaCenter",
            "timezone": "America/Los_Angeles",
            "fetch_documents": False,
            "days_back": 90,
        },
        [{"path": "/AgendaCenter", "file": "fragment.html", "content_type": "text/html"}],
        {"fragment.html": INGLEWOOD},
    )
    assert crawl.result.errors == 0, crawl.result.message
    meetings = crawl.meetings()
    # PROVENANCE: 19 tr.catAgendaRow; dates only (aria-label "Agenda for March 17, 2026").
    assert len(meetings) == crawl.result.meetings == 19
    assert not any(m.time_known for m in meetings)
    assert {m.body for m in meetings} == {"City Council"}  # from the year tabs' labels
    statuses = Counter(m.status for m in meetings)
    # 6 "(No Meeting)" + 1 "(Canceled)"; 1 "(Rescheduled)".
    assert statuses == {"cancelled": 7, "rescheduled": 1, "scheduled": 11}
    no_meeting = crawl.store.read("inglewood/20260317/03172026-4481")
    # The link text "03-17-26 City Council Agenda (No Meeting)": the words leave the title.
    assert (no_meeting.title, no_meeting.status) == ("03-17-26 City Council Agenda", "cancelled")
    assert crawl.store.read("inglewood/20260127/01272026-4437").status == "cancelled"
    moved = crawl.store.read("inglewood/20260114/01142026-4425")
    assert moved.status == "rescheduled"
    # Language twins stay separate rows: January 15 has two English ids and one Spanish.
    jan15 = sorted(
        m.platform_id or "" for m in meetings if m.start.date().isoformat() == "2026-01-15"
    )
    assert jan15 == ["01152026-4426", "01152026-4427", "01152026-4428"]
    assert sum("Spanish" in m.title for m in meetings) == 5
    # Download menus: Agenda links; "Previous Versions" (7) are revision pages and are skipped;
    # one row has HTML, PDF and Packet.
    base = crawl.base_url
    feb24 = crawl.store.read("inglewood/20260224/02242026-4463")
    assert [(lk.kind, str(lk.url)) for lk in feb24.links] == [
        ("agenda", f"{base}/AgendaCenter/ViewFile/Agenda/_02242026-4463")
    ]
    assert not any("PreviousVersions" in str(lk.url) for m in meetings for lk in m.links)
    # 18 rows with an "Agenda" menu entry, and the one with HTML + PDF: 20 agenda links.
    assert sum(1 for m in meetings for lk in m.links if lk.kind == "agenda") == 20
    three = crawl.store.read("inglewood/20260113/01132026-4419")
    assert sorted(str(lk.url).rsplit("/", 1)[-1] for lk in three.links) == [
        "_01132026-4419",
        "_01132026-4419?html=true",
        "_01132026-4419?packet=true",
    ]
    # No minutes cell holds a link.
    assert not any(lk.kind == "minutes" for m in meetings for lk in m.links)
