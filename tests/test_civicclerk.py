"""The CivicClerk spider, through the real Scrapy engine against a local replay server.

Events come from a real capture (South Fulton GA ``/v1/Events``; facts in
shared/fixtures/real/PROVENANCE.md). No real ``/v1/Meetings/{agendaId}`` response exists, so the
items recording ``built_meeting_778.json`` is BUILT from the shape in docs/platforms.md §4.7 (see
tests/fixtures/civicclerk/BUILT_README.md); its item texts are invented.
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

EVENTS = FIXTURES / "civicclerk" / "atl_south_fulton_city_council_meetings.json"
MEETING_778 = FIXTURES / "civicclerk" / "built_meeting_778.json"
PORTAL = "https://southfultonga.portal.civicclerk.com"

SOURCE: dict[str, Any] = {
    "id": "south_fulton",
    "platform": "civicclerk",
    "slug": "southfultonga",
    "api_url": "{{BASE}}/v1",
    "timezone": "America/New_York",
    "fetch_documents": False,
}
JSON = "application/json"


def _source() -> Source:
    return Source(
        id="south_fulton",
        name="South Fulton",
        jurisdiction="City of South Fulton, GA",
        platform="civicclerk",
        slug="southfultonga",
        timezone="America/New_York",
    )


def _by_platform_id(meetings: list[Meeting]) -> dict[str, Meeting]:
    return {m.platform_id or "": m for m in meetings}


def test_real_events_through_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        SOURCE,
        routes=[
            {"path": "/v1/Events", "file": "events.json", "content_type": JSON},
            {"path": "/v1/Meetings/778", "file": "meeting_778.json", "content_type": JSON},
        ],
        files={"events.json": EVENTS, "meeting_778.json": MEETING_778},
    )
    # Agendas 779-793 are not recorded: the replay answers 404, as an unpublished agenda does.
    assert crawl.result.ok, crawl.result.message
    meetings = crawl.meetings()
    assert len(meetings) == 16  # PROVENANCE: len == 16, every one City Council
    assert {m.body for m in meetings} == {"City Council"}

    first = _by_platform_id(meetings)["1744"]
    assert first.id == "south_fulton/20260415/1744"
    assert first.title == "Alcohol License and Zoning Public Hearings"
    # PROVENANCE: start 2026-04-15 17:00. The API says "17:00:00Z", but that is local wall time
    # (platforms.md §3.2), so it is 17:00 in Georgia (EDT), not 13:00.
    assert first.start.isoformat() == "2026-04-15T17:00:00-04:00"
    assert first.status == "scheduled"
    assert str(first.url) == f"{PORTAL}/event/1744"
    assert first.location == "5440 Fulton Industrial Blvd, South Fulton, Georgia 30336"
    # Event 1745 repeats the street in address2; it is given once.
    assert _by_platform_id(meetings)["1745"].location == first.location
    links = [(link.title, link.kind, str(link.url)) for link in first.links]
    assert links[:2] == [
        ("Agenda", "agenda", f"{PORTAL}/event/1744/files/agenda/2261"),
        ("Agenda Packet", "packet", f"{PORTAL}/event/1744/files/agenda/2262"),
    ]
    assert ("Video", "video", f"{PORTAL}/event/1744/media") in links

    # Items from the built /v1/Meetings/778 recording: children follow their section, in
    # sortOrder; HTML is stripped; the untitled section is left out.
    assert [(i.number, i.title) for i in first.items] == [
        ("1.", "CALL TO ORDER"),
        ("2.", "PUBLIC HEARINGS"),
        ("a.", "Alcohol license application & zoning variance, 5440 Example Road"),
        (
            "b.",
            "Resolution affirming that city services are available regardless of immigration status",
        ),
        ("4.", "ADJOURNMENT"),
    ]
    resolution = first.items[3]
    assert resolution.id == "south_fulton/20260415/1744/9004"
    assert resolution.matter == "RES-2026-31"
    assert resolution.text == "Staff recommends approval."
    assert resolution.classification is not None and resolution.classification.relevant

    # PROVENANCE (computed): the last hearing is the same title on 2026-07-28 17:00.
    last = _by_platform_id(meetings)["1759"]
    assert last.title == "Alcohol License and Zoning Public Hearings"
    assert last.start.isoformat() == "2026-07-28T17:00:00-04:00"
    assert last.items == []

    [events_request] = [r for r in crawl.requests if r.startswith("/v1/Events?")]
    assert "startDateTime+ge+" in events_request or "startDateTime%20ge%20" in events_request
    assert "/v1/Meetings/778" in crawl.requests


def test_paging_follows_odata_next_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real 16 events split into two pages, the first ending in an ``@odata.nextLink``."""
    data = json.loads(EVENTS.read_text())
    page1 = {
        "@odata.context": data["@odata.context"],
        "value": data["value"][:10],
        "@odata.nextLink": "{{BASE}}/v1/Events?$skip=10&page=2",
    }
    page2 = {"@odata.context": data["@odata.context"], "value": data["value"][10:]}
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        SOURCE,
        routes=[
            {"path": "/v1/Events", "query": {"page": "2"}, "file": "p2.json", "content_type": JSON},
            {"path": "/v1/Events", "file": "p1.json", "content_type": JSON},
        ],
        files={"p1.json": json.dumps(page1), "p2.json": json.dumps(page2)},
    )
    assert crawl.result.meetings == 16, crawl.result.message
    assert len([r for r in crawl.requests if r.startswith("/v1/Events")]) == 2


def test_agenda_document_is_fetched_when_there_are_no_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Event 1744 with an empty ``items`` list: its published Agenda file (fileId 2261) is read."""
    data = json.loads(EVENTS.read_text())
    data["value"] = data["value"][:1]
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        {**SOURCE, "fetch_documents": True},
        routes=[
            {"path": "/v1/Events", "file": "events.json", "content_type": JSON},
            {"path": "/v1/Meetings/778", "file": "empty.json", "content_type": JSON},
            {
                "path": "/v1/Meetings/GetMeetingFileStream(fileId=2261,plainText=false)",
                "file": "agenda.pdf",
                "content_type": "application/pdf",
            },
        ],
        files={
            "events.json": json.dumps(data),
            "empty.json": json.dumps({"id": 778, "items": []}),
            "agenda.pdf": FIXTURES / "pdf" / "il_warrenville_library_board_agenda_2020-01-15.pdf",
        },
    )
    assert crawl.result.ok, crawl.result.message
    [meeting] = crawl.meetings()
    [doc] = meeting.documents
    assert doc.error is None and doc.pages > 0
    assert str(doc.url).endswith("/v1/Meetings/GetMeetingFileStream(fileId=2261,plainText=false)")


def test_parse_saved_events_and_items() -> None:
    spider = spider_class_for(_source())()
    meetings = list(
        spider.parse_saved(
            "https://southfultonga.api.civicclerk.com/v1/Events?$filter=x", EVENTS.read_bytes()
        )
    )
    assert len(meetings) == 16
    assert all(isinstance(m, Meeting) and m.start.utcoffset() is not None for m in meetings)
    items = list(
        spider.parse_saved(
            "https://southfultonga.api.civicclerk.com/v1/Meetings/778", MEETING_778.read_bytes()
        )
    )
    assert all(isinstance(i, AgendaItem) for i in items)
    assert [i.number for i in items] == ["1.", "2.", "a.", "b.", "4."]  # type: ignore[attr-defined]
    with pytest.raises(SourceError):
        list(spider.parse_saved("https://southfultonga.api.civicclerk.com/v1/Other", b"{}"))


def test_api_host_as_base_url_still_links_the_portal() -> None:
    """``agenda-watch parse --platform`` sets base_url to the saved page's host, the API host."""
    source = _source().model_copy(update={"base_url": "https://southfultonga.api.civicclerk.com"})
    spider = spider_class_for(source)()
    assert spider.api_base == "https://southfultonga.api.civicclerk.com/v1"  # type: ignore[attr-defined]
    meetings = list(spider.parse_saved(f"{spider.api_base}/Events", EVENTS.read_bytes()))  # type: ignore[attr-defined]
    assert str(meetings[0].url) == f"{PORTAL}/event/1744"  # type: ignore[attr-defined]


def test_empty_start_placeholder_falls_back_to_event_date() -> None:
    """``1900-01-01T00:00:00Z`` means "empty" (§3.2): the date comes from ``eventDate``, time unknown.

    The real event 1744, with its two date fields changed for this case.
    """
    data = json.loads(EVENTS.read_text())
    event = data["value"][0]
    event["startDateTime"] = "1900-01-01T00:00:00Z"
    event["eventDate"] = "2026-12-01T00:00:00Z"
    body = json.dumps({"value": [event]}).encode()
    spider = spider_class_for(_source())()
    [meeting] = list(spider.parse_saved("https://x.api.civicclerk.com/v1/Events", body))
    assert meeting.start.isoformat() == "2026-12-01T00:00:00-05:00"  # type: ignore[attr-defined]
    assert meeting.time_known is False  # type: ignore[attr-defined]


def test_cancelled_name_and_unexpected_shape() -> None:
    data = json.loads(EVENTS.read_text())
    event = data["value"][1]
    event["eventName"] = "CANCELLED - City Council Work Session"
    spider = spider_class_for(_source())()
    body = json.dumps({"value": [event]}).encode()
    [meeting] = list(spider.parse_saved("https://x.api.civicclerk.com/v1/Events", body))
    assert meeting.status == "cancelled"  # type: ignore[attr-defined]
    with pytest.raises(UnexpectedShape):
        list(spider.parse_saved("https://x.api.civicclerk.com/v1/Events", b"[]"))
