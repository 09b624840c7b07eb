"""CivicClerk on a second tenant's real ``/v1/Events`` answer (Mandan, ND; batch2/PROVENANCE.md).

15 events; files published on the first two only; a minutes file but no agenda file on the
first although ``hasAgenda`` is true; an event and a "One Time Event" in the same slot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded

MANDAN = FIXTURES / "civicclerk" / "city-scrapers-bismarck__bisnd_mc_cc.json"
JSON: dict[str, Any] = {"content_type": "application/json"}


def test_mandan_events_through_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2024-03-12")  # the peer test's freeze
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        {
            "id": "mandan",
            "platform": "civicclerk",
            "base_url": "{{BASE}}",
            "api_url": "{{BASE}}/v1",
            "fetch_documents": False,
            "days_back": 30,
            "days_ahead": 200,
        },
        [{"path": "/v1/Events", "file": "events.json", **JSON}],
        {"events.json": MANDAN},
    )
    assert crawl.result.errors == 0, crawl.result.message
    meetings = crawl.meetings()
    # PROVENANCE: 15 events, 2024-02-20T17:00Z to 2024-09-03T17:00Z; the others at 17:30. The
    # "Z" is local wall-clock time (Central).
    assert len(meetings) == crawl.result.meetings == 15
    assert (meetings[0].start.isoformat(), meetings[-1].start.isoformat()) == (
        "2024-02-20T17:00:00-06:00",
        "2024-09-03T17:00:00-05:00",
    )
    assert {m.start.strftime("%H:%M") for m in meetings[1:-1]} == {"17:30"}
    assert {m.body for m in meetings} == {"City Commission"}
    # Every eventLocation field is null; eventDescription is empty.
    assert {m.location for m in meetings} == {""}
    first, second = meetings[0], meetings[1]
    assert (first.platform_id, first.title) == ("15", "City Commission Meeting")
    base = crawl.base_url
    assert [(lk.title, lk.kind, str(lk.url)) for lk in first.links] == [
        ("Minutes", "minutes", f"{base}/event/15/files/agenda/96"),
        ("Video", "video", "https://dakotamediaaccess.net/CablecastPublicSite/show/10428?site=2"),
        ("Meeting details", "detail", f"{base}/event/15"),
    ]
    # hasAgenda is true and agendaId 33, but no Agenda file: the agenda was asked for (404 here).
    assert "/v1/Meetings/33" in crawl.requests
    assert [(lk.title, str(lk.url)) for lk in second.links if lk.kind in ("agenda", "packet")] == [
        ("Agenda", f"{base}/event/4/files/agenda/94"),
        ("Agenda Packet", f"{base}/event/4/files/agenda/95"),
    ]
    assert any(lk.kind == "video" and "cablecast.tv" in str(lk.url) for lk in second.links)
    assert all(lk.kind == "detail" for m in meetings[2:] for lk in m.links)
    # The duplicate slot: event 18 (no agenda) and event 149 "One Time Event" (agenda 41).
    slot = [m for m in meetings if m.start.isoformat() == "2024-05-21T17:30:00-05:00"]
    assert sorted((m.platform_id, m.title) for m in slot) == [
        ("149", "One Time Event"),
        ("18", "City Commission Meeting"),
    ]
    assert "/v1/Meetings/41" in crawl.requests
    assert not any(r.startswith("/v1/Meetings/0") for r in crawl.requests)
