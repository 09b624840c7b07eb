"""The Legistar Web API spider, through the real Scrapy engine against a local replay server."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pipeline.ingest.crawl import crawl_one
from pipeline.models import Source
from pipeline.replay import ReplayServer
from pipeline.settings import Settings
from pipeline.store.files import JsonStore, meeting_path
from spiders._when import parse_clock
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES, TOPICS

CHICAGO = ZoneInfo("America/Chicago")
LAMETRO_EVENT = FIXTURES / "legistar" / "scrapers-lametro__event.json"


def test_oak_park_crawl_stores_meetings_items_and_agenda_text(demo_env: Settings) -> None:
    result = crawl_one(demo_env, "demo_oak_park", 60)
    assert result.returncode == 0 and result.finish_reason == "finished", result.message
    assert (result.meetings, result.items, result.matches) == (2, 10, 2)

    board = JsonStore(demo_env.data_dir).read("demo_oak_park/20261208/9001")
    assert board.body == "Village Board"
    assert board.start == datetime(2026, 12, 8, 19, 0, tzinfo=CHICAGO)
    assert board.start.isoformat() == "2026-12-08T19:00:00-06:00"
    assert board.url is not None and "MeetingDetail.aspx?LEGID=9001" in str(board.url)
    # 8 rows in the recording; the minutes-only row (no EventItemAgendaSequence) is not on the agenda.
    assert [i.number for i in board.items] == ["1.", "2.", "3.", "4.", "5.", "6.", "7."]
    res = board.items[2]
    assert res.title.startswith(
        "Resolution No. 25-196 Resolution Prohibiting the Use of City Property"
    )
    assert res.matter == "RES 26-196"
    assert [str(link.url) for link in res.links] == [
        "https://oak-park.legistar.com/Gateway.aspx?M=L&ID=5003",  # the matter's own page
        "https://oak-park.legistar1.com/oak-park/attachments/demo-res-26-196.pdf",
    ]
    assert [i.number for i in board.relevant_items()] == ["3.", "5."]
    # Traps on the same agenda stay quiet.
    titles = {i.title: i for i in board.items}
    assert not titles["Draft Ice Rental Contract - Discussion"].classification.relevant  # type: ignore[union-attr]
    # The agenda PDF (a real 2-page agenda) went through extraction.
    [doc] = board.documents
    assert doc.error is None and doc.pages == 2
    # Stored under the public address the recording stands for, not the replay server's.
    assert str(doc.url).startswith("https://oak-park.legistar1.com/oak-park/meetings/2026/12/")
    stored = meeting_path(demo_env.data_dir, "demo_oak_park/20261208/9001").read_text()
    assert "127.0.0.1" not in stored
    assert "WARRENVILLE PUBLIC LIBRARY DISTRICT" in doc.text


def test_cancelled_status_comes_from_agenda_status(demo_env: Settings) -> None:
    crawl_one(demo_env, "demo_cook_county", 60)
    committee = JsonStore(demo_env.data_dir).read("demo_cook_county/20261201/9102")
    assert committee.status == "cancelled"
    assert committee.start.isoformat() == "2026-12-01T10:00:00-06:00"
    board = JsonStore(demo_env.data_dir).read("demo_cook_county/20261210/9101")
    assert board.status == "scheduled"
    assert [i.number for i in board.relevant_items()] == ["25-4456", "25-4470", "25-4511"]


def test_disabled_api_is_a_named_error_not_an_empty_success(demo_env: Settings) -> None:
    result = crawl_one(demo_env, "demo_lake_county", 60)
    assert not result.ok
    assert result.meetings == 0 and result.errors >= 1
    assert result.message.startswith(
        "ApiDisabled: Legistar Web API is disabled for client 'lakecounty'"
    )


def _write_routes(root: Path, routes: list[dict[str, Any]]) -> None:
    (root / "routes.json").write_text(json.dumps({"routes": routes}))


def _source_config(config: Path, source_id: str, slug: str, api_url: str, tz: str) -> None:
    config.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(TOPICS, config / "topics.yaml")
    (config / "sources.yaml").write_text(
        "sources:\n"
        f"  - {{id: {source_id}, name: Test, jurisdiction: Test, platform: legistar,"
        f" slug: {slug}, api_url: '{api_url}', timezone: {tz}, fetch_documents: false}}\n"
    )


def test_paging_follows_full_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With $top=1, two events take two pages plus an empty third."""
    rec = tmp_path / "rec"
    (rec / "p").mkdir(parents=True)
    events = json.loads((Path("pipeline/demo_recordings/oak_park/events.json")).read_text())
    (rec / "p" / "page0.json").write_text(json.dumps(events[:1]))
    (rec / "p" / "page1.json").write_text(json.dumps(events[1:]))
    (rec / "p" / "page2.json").write_text("[]")
    (rec / "p" / "items.json").write_text("[]")
    _write_routes(
        rec,
        [
            {
                "path": "/v1/x/events",
                "query": {"$skip": str(n), "$top": "1"},
                "file": f"p/page{n}.json",
                "content_type": "application/json",
            }
            for n in range(3)
        ]
        + [
            {
                "path": f"/v1/x/events/{e['EventId']}/eventitems",
                "file": "p/items.json",
                "content_type": "application/json",
            }
            for e in events
        ],
    )
    monkeypatch.setenv("AGENDA_WATCH_LEGISTAR_PAGE_SIZE", "1")
    with ReplayServer(rec) as server:
        _source_config(
            tmp_path / "config", "paged", "x", f"{server.base_url}/v1/x", "America/Chicago"
        )
        monkeypatch.setenv("AGENDA_WATCH_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("AGENDA_WATCH_CONFIG_DIR", str(tmp_path / "config"))
        result = crawl_one(Settings(), "paged", 60)
        event_pages = [r for r in server.requests if r.startswith("/v1/x/events?")]
    assert result.meetings == 2, result.message
    assert len(event_pages) == 3
    assert (
        "%24filter=EventDate+ge+datetime%27" in event_pages[0]
        or "$filter=EventDate+ge+datetime%27" in event_pages[0]
    )


def test_real_lametro_event_through_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real /events record (LA Metro, EventId 2907), served as a one-event /events page."""
    rec = tmp_path / "rec"
    rec.mkdir()
    event = json.loads(LAMETRO_EVENT.read_text())
    (rec / "events.json").write_text(json.dumps([event]))
    (rec / "items.json").write_text("[]")
    _write_routes(
        rec,
        [
            {
                "path": "/v1/metro/events",
                "query": {"$skip": "0"},
                "file": "events.json",
                "content_type": "application/json",
            },
            {
                "path": "/v1/metro/events/2907/eventitems",
                "file": "items.json",
                "content_type": "application/json",
            },
        ],
    )
    with ReplayServer(rec) as server:
        _source_config(
            tmp_path / "config",
            "la_metro",
            "metro",
            f"{server.base_url}/v1/metro",
            "America/Los_Angeles",
        )
        monkeypatch.setenv("AGENDA_WATCH_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("AGENDA_WATCH_CONFIG_DIR", str(tmp_path / "config"))
        result = crawl_one(Settings(), "la_metro", 60)
    assert result.meetings == 1 and result.items == 0, result.message
    meeting = JsonStore(tmp_path / "data").read("la_metro/20240926/2907")
    # PROVENANCE: EventDate 2024-09-26T00:00:00 (date only) + EventTime "10:00 AM", local to LA.
    assert meeting.start.isoformat() == "2024-09-26T10:00:00-07:00"
    assert meeting.title == "Board of Directors - Regular Board Meeting"
    assert meeting.status == "scheduled"  # EventAgendaStatusName "Final"
    assert (
        meeting.location == "One Gateway Plaza, Los Angeles, CA 90012, 3rd Floor, Metro Board Room"
    )
    links = {link.kind: str(link.url) for link in meeting.links}
    assert links["agenda"].startswith(
        "https://metro.legistar1.com/metro/meetings/2024/9/2907_A_Board_of_Directors"
    )
    assert links["detail"].startswith("https://metro.legistar.com/MeetingDetail.aspx?LEGID=2907")


def test_parse_saved_real_event_page() -> None:
    source = Source(
        id="la_metro",
        name="LA Metro",
        jurisdiction="LA Metro, CA",
        platform="legistar",
        slug="metro",
        timezone="America/Los_Angeles",
    )
    spider = spider_class_for(source)()
    body = json.dumps([json.loads(LAMETRO_EVENT.read_text())]).encode()
    [meeting] = list(spider.parse_saved("https://webapi.legistar.com/v1/metro/events", body))
    assert meeting.id == "la_metro/20240926/2907"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:00 AM", time(10, 0)),
        ("6:30PM", time(18, 30)),
        ("7 p.m.", time(19, 0)),
        ("12:00 PM", time(12, 0)),
        ("12:15 AM", time(0, 15)),
        ("Noon", time(12, 0)),
        ("", None),
        ("TBD", None),
        ("25:00 PM", None),
    ],
)
def test_parse_clock(text: str, expected: time | None) -> None:
    assert parse_clock(text) == expected


def test_unchanged_pages_are_revalidated_not_downloaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an ETag, the second crawl sends If-None-Match and gets 304: nothing is downloaded."""
    from tests.helpers import crawl_recorded

    events = [json.loads(LAMETRO_EVENT.read_text())]
    cache = {"ETag": '"v1"', "Cache-Control": "max-age=0"}
    routes = [
        {
            "path": "/v1/metro/events",
            "file": "events.json",
            "content_type": "application/json",
            "headers": cache,
        },
        {
            "path": "/v1/metro/events/2907/eventitems",
            "file": "items.json",
            "content_type": "application/json",
            "headers": cache,
        },
    ]
    files: dict[str, Path | bytes | str] = {"events.json": json.dumps(events), "items.json": "[]"}
    source = {
        "id": "la_metro",
        "platform": "legistar",
        "slug": "metro",
        "api_url": "{{BASE}}/v1/metro",
        "timezone": "America/Los_Angeles",
        "fetch_documents": False,
    }
    first = crawl_recorded(tmp_path, monkeypatch, source, routes, files)
    assert first.result.meetings == 1
    # Same data dir, same cache: crawl again.
    port = int(first.base_url.rsplit(":", 1)[1])
    second = crawl_recorded(tmp_path, monkeypatch, source, routes, files, port=port)
    assert second.result.meetings == 1, second.result.message
    assert not any("if-none-match" in h for h in first.request_headers)
    revalidated = [h for h in second.request_headers if h.get("if-none-match") == '"v1"']
    assert len(revalidated) == 2  # the events page and the event's items: both answered 304


def test_unchanged_agenda_pdf_is_not_extracted_again(
    demo_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = crawl_one(demo_env, "demo_oak_park", 60)
    assert first.ok
    cache = list((demo_env.data_dir / "textcache").glob("*.json"))
    assert len(cache) == 1
    # A worker this slow would time out: the second run must take the text from the cache.
    monkeypatch.setenv("AGENDA_WATCH_PDF_WORKER_DELAY_S", "5")
    monkeypatch.setenv("AGENDA_WATCH_PDF_TIMEOUT", "0.5")
    second = crawl_one(demo_env, "demo_oak_park", 60)
    assert second.ok and second.errors == 0
    board = JsonStore(demo_env.data_dir).read("demo_oak_park/20261208/9001")
    assert board.documents[0].error is None and board.documents[0].pages == 2
