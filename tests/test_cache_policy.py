"""The HTTP cache only makes requests conditional: nothing is served without asking the site.

Headers as platforms send them: ASP.NET sites (Legistar's Web API) answer ``Cache-Control:
no-cache``; CDNs put a ``max-age`` on listings; file servers give ``Last-Modified`` for PDFs.
The ETag/Last-Modified values in these routes are BUILT for the tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.demo import RECORDINGS
from tests.helpers import RecordedCrawl, crawl_recorded

SOURCE = {
    "id": "cached",
    "platform": "legistar",
    "slug": "oak-park",
    "api_url": "{{BASE}}/v1/oak-park",
    "fetch_documents": False,
}
EVENTS = "/v1/oak-park/events"
LAST_MODIFIED = "Tue, 01 Sep 2026 10:00:00 GMT"  # three months before the crawl


def _routes(events_headers: dict[str, str], events_status: int = 200) -> list[dict[str, Any]]:
    return [
        {
            "path": EVENTS,
            "file": "events.json",
            "status": events_status,
            "content_type": "application/json",
            "headers": events_headers,
        },
        {
            "path": "/v1/oak-park/events/9001/eventitems",
            "file": "items_9001.json",
            "content_type": "application/json",
        },
        {
            "path": "/v1/oak-park/events/9002/eventitems",
            "file": "items_9002.json",
            "content_type": "application/json",
        },
    ]


def _files(events: str | None = None) -> dict[str, Path | bytes | str]:
    return {
        "events.json": events or (RECORDINGS / "oak_park" / "events.json").read_text(),
        "items_9001.json": RECORDINGS / "oak_park" / "event_9001_items.json",
        "items_9002.json": RECORDINGS / "oak_park" / "event_9002_items.json",
    }


def _twice(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    headers: dict[str, str],
    second_status: int = 200,
    second_events: str | None = None,
) -> tuple[RecordedCrawl, RecordedCrawl]:
    first = crawl_recorded(tmp_path, monkeypatch, SOURCE, _routes(headers), _files())
    port = int(first.base_url.rsplit(":", 1)[1])
    second = crawl_recorded(
        tmp_path,
        monkeypatch,
        SOURCE,
        _routes(headers, second_status),
        _files(second_events),
        port=port,
    )
    return first, second


def _events_request(run: RecordedCrawl) -> dict[str, str]:
    [index] = [i for i, path in enumerate(run.requests) if path.startswith(EVENTS + "?")]
    return run.request_headers[index]


def test_a_listing_marked_fresh_for_a_day_is_still_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _twice(
        tmp_path, monkeypatch, {"ETag": '"e1"', "Cache-Control": "max-age=86400"}
    )
    assert first.result.ok and second.result.ok
    # RFC2616Policy would have served it from the cache without a request, for a day.
    assert _events_request(second)["if-none-match"] == '"e1"'


def test_a_new_meeting_behind_a_max_age_is_seen_on_the_next_crawl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = json.loads((RECORDINGS / "oak_park" / "events.json").read_text())
    headers = {"ETag": '"e1"', "Cache-Control": "max-age=86400"}
    first = crawl_recorded(
        tmp_path, monkeypatch, SOURCE, _routes(headers), _files(json.dumps(events[:1]))
    )
    port = int(first.base_url.rsplit(":", 1)[1])
    headers2 = {"ETag": '"e2"', "Cache-Control": "max-age=86400"}
    second = crawl_recorded(tmp_path, monkeypatch, SOURCE, _routes(headers2), _files(), port=port)
    assert (first.result.meetings, second.result.meetings) == (1, 2)


def test_no_cache_responses_are_revalidated_with_their_etag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _twice(
        tmp_path, monkeypatch, {"ETag": '"e1"', "Cache-Control": "no-cache", "Expires": "-1"}
    )
    assert second.result.ok and second.result.meetings == 2
    assert _events_request(second)["if-none-match"] == '"e1"'  # answered 304 by the server


def test_last_modified_alone_gives_if_modified_since_not_days_of_heuristic_freshness(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _twice(tmp_path, monkeypatch, {"Last-Modified": LAST_MODIFIED})
    assert second.result.ok
    assert _events_request(second)["if-modified-since"] == LAST_MODIFIED


def test_responses_without_validators_are_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _twice(tmp_path, monkeypatch, {"Cache-Control": "no-cache", "Expires": "-1"})
    assert first.result.ok and second.result.ok
    headers = _events_request(second)
    assert "if-none-match" not in headers and "if-modified-since" not in headers
    stored = list((tmp_path / "data" / "httpcache").rglob("pickled_meta"))
    assert stored == []


def test_a_site_error_is_not_hidden_by_the_cached_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _twice(tmp_path, monkeypatch, {"ETag": '"e1"'}, second_status=500)
    assert first.result.ok
    # RFC2616Policy would answer from the cache on a 5xx: a broken site would look healthy.
    assert not second.result.ok and second.result.meetings == 0
    assert second.result.message.startswith("SourceError: events: HTTP 500")
