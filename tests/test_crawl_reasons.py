"""A crawl's line says why it found what it found: DNS, refused, robots.txt, HTTP status, page
shape, or a listing that was really empty; never "no meetings found" for a site that did not
answer. (robots.txt: test_politeness; a page without its rows: test_granicus.)
"""

from __future__ import annotations

import gzip
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from pipeline.demo import RECORDINGS
from pipeline.ingest.reasons import HostTally, crawl_reason, download_error_kind
from tests.helpers import crawl_recorded

# The stats Scrapy 2.19 gave for a Legistar source crawled without a network (captured from a
# real run: three requests, each retried twice, and robots.txt).
OFFLINE_STATS = {
    "downloader/exception_count": 6,
    "downloader/exception_type_count/scrapy.exceptions.CannotResolveHostError": 6,
    "downloader/request_count": 6,
    "finish_reason": "finished",
    "log_count/ERROR": 4,
    "retry/count": 4,
    "retry/max_reached": 2,
    "retry/reason_count/scrapy.exceptions.CannotResolveHostError": 4,
    "robotstxt/exception_count/<class 'scrapy.exceptions.CannotResolveHostError'>": 1,
}


class _Request:
    def __init__(self, url: str) -> None:
        self.url = url


def test_offline_says_dns_and_the_host() -> None:
    tally = HostTally()
    for _ in range(6):
        tally.request_reached(_Request("https://webapi.legistar.com/v1/oak-park/events?$top=1"))
    message = crawl_reason(OFFLINE_STATS, "", 0, tally)
    assert message == (
        "DNS lookup failed (offline, or a wrong host name): 6 attempts at webapi.legistar.com"
    )


@pytest.mark.parametrize(
    ("name", "meaning"),
    [
        ("scrapy.exceptions.CannotResolveHostError", "DNS lookup failed"),
        ("twisted.internet.error.DNSLookupError", "DNS lookup failed"),
        ("scrapy.exceptions.DownloadConnectionRefusedError", "connection refused"),
        ("scrapy.exceptions.DownloadTimeoutError", "timed out"),
        ("twisted.internet.error.TCPTimedOutError", "timed out"),
        ("OpenSSL.SSL.Error", "secure connection (TLS) failed"),
        ("scrapy.exceptions.ResponseDataLossError", "connection dropped mid-answer"),
        ("scrapy.exceptions.DownloadCancelledError", "over the download size cap"),
        ("builtins.ValueError", "download failed (ValueError)"),
    ],
)
def test_download_errors_in_words(name: str, meaning: str) -> None:
    assert download_error_kind(name).startswith(meaning)


def test_the_spiders_own_error_and_statuses_it_explains() -> None:
    stats = {"downloader/response_count": 2}
    tally = HostTally()
    error = "ApiDisabled: Legistar Web API is disabled for client 'x' (HTTP 500 at …)"
    assert crawl_reason(stats, error, 0, tally) == error  # the 500 is not said twice
    shape = "UnexpectedShape: event without EventId/EventDate: ['Name']"
    assert crawl_reason(stats, shape, 0, tally) == f"the page changed shape: {shape}"
    assert crawl_reason(stats, "", 3, tally) == ""  # a clean crawl with meetings says nothing


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_a_refused_connection_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    api = f"http://127.0.0.1:{_closed_port()}/v1/x"
    source = {"id": "refused", "platform": "legistar", "slug": "x", "api_url": api}
    run = crawl_recorded(tmp_path, monkeypatch, source, [], {})
    message = run.result.message
    assert message.startswith("connection refused (the site is down, or a wrong address): ")
    assert api.split("/")[2] in message and "no meetings found" not in message
    assert not run.result.ok


def test_an_http_error_names_its_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The replay answers 404 for anything not recorded: here, the AgendaCenter page.
    source = {"id": "gone", "platform": "civicplus", "base_url": "{{BASE}}"}
    run = crawl_recorded(tmp_path, monkeypatch, source, [], {})
    host = run.base_url.split("//")[1]
    assert run.result.message == f"HTTP 404 from {host} (1 answer)"
    assert run.requests == ["/robots.txt", "/AgendaCenter"]


def test_an_empty_listing_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    routes = [{"path": "/v1/x/events", "file": "events.json", "content_type": "application/json"}]
    source = {"id": "empty", "platform": "legistar", "slug": "x", "api_url": "{{BASE}}/v1/x"}
    run = crawl_recorded(tmp_path, monkeypatch, source, routes, {"events.json": "[]"})
    # robots.txt (404: allowed) and the one page of events, which listed nothing.
    assert run.result.message == (
        "no meetings found: 2 pages read, none listed a meeting in the window"
    )
    assert run.result.meetings == 0 and run.result.errors == 0


# An events listing padded to 40 MB: over the 32 MB cap (spiders/settings.py DOWNLOAD_MAXSIZE).
BIG_LISTING = b"[]" + b" " * (40 * 2**20)


@pytest.mark.parametrize("gzipped", [False, True], ids=["announced", "decompression bomb"])
def test_a_listing_over_the_size_cap_is_an_error_said_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gzipped: bool
) -> None:
    route: dict[str, Any] = {
        "path": "/v1/x/events",
        "file": "events.json",
        "content_type": "application/json",
    }
    if gzipped:  # 40 kB on the wire: only decompressing it passes the cap
        route["headers"] = {"Content-Encoding": "gzip"}
    body = gzip.compress(BIG_LISTING) if gzipped else BIG_LISTING
    source = {"id": "huge", "platform": "legistar", "slug": "x", "api_url": "{{BASE}}/v1/x"}
    run = crawl_recorded(tmp_path, monkeypatch, source, [route], {"events.json": body})
    message = run.result.message
    if gzipped:
        assert message == "1 page over the download size cap once decompressed (not read)"
    else:
        host = run.base_url.split("//")[1]
        assert message == (f"over the download size cap (DOWNLOAD_MAXSIZE): 1 attempt at {host}")
    assert run.result.errors >= 1 and run.result.meetings == 0 and not run.result.ok
    assert "no meetings found" not in message


def test_a_stage_that_cannot_store_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Storing fails (here: a file stands where the meetings folder goes, as a full disk would
    fail the write): the run says so instead of "no meetings found"."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "meetings").write_text("not a folder")
    events = (RECORDINGS / "oak_park" / "events.json").read_text()
    routes = [
        {"path": "/v1/x/events", "file": "events.json", "content_type": "application/json"},
        {"path": "/v1/x/events/9002/eventitems", "file": "items.json"},
    ]
    files: dict[str, Path | bytes | str] = {
        "events.json": json.dumps(json.loads(events)[1:]),  # the meeting without an agenda file
        "items.json": (RECORDINGS / "oak_park" / "event_9002_items.json").read_text(),
    }
    source = {"id": "nostore", "platform": "legistar", "slug": "x", "api_url": "{{BASE}}/v1/x"}
    run = crawl_recorded(tmp_path, monkeypatch, source, routes, files)
    assert run.result.meetings == 0 and not run.result.ok
    assert run.result.message.startswith(("FileExistsError: ", "NotADirectoryError: "))
    assert "meetings" in run.result.message
