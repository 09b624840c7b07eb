"""Why a crawl found what it found, in words: the message of its run record and crawl line.

From the crawl's own counts (Scrapy's stats: download exceptions by type, requests robots.txt
forbade, HTTP errors, spider exceptions) and the hosts that never answered (`HostTally`, fed by
the downloader's signals), so "offline", "blocked by robots.txt" and "the page changed shape"
each read as what they are, never as "no meetings found".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

DOWNLOAD_ERRORS = "downloader/exception_type_count/"
HTTP_IGNORED = "httperror/response_ignored_status_count/"
SHAPE_ERRORS = ("NoRowsFound", "UnexpectedShape")
OVER_CAP_STAT = "agenda_watch/over_size_cap"  # pipeline.ingest.sizecap counts these
MAX_HOSTS = 3

# (words in an exception's class name, what a maintainer reads), first match wins.
DOWNLOAD_ERROR_KINDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("dns", "resolvehost"), "DNS lookup failed (offline, or a wrong host name)"),
    (("noroute", "unreachable"), "no route to the host (offline?)"),
    (("refused",), "connection refused (the site is down, or a wrong address)"),
    (("timeout", "timedout"), "timed out (the site is slow or down)"),
    (("ssl", "tls", "certificate"), "secure connection (TLS) failed"),
    # Scrapy's only cancellation: a download announcing or reaching DOWNLOAD_MAXSIZE.
    (("downloadcancelled",), "over the download size cap (DOWNLOAD_MAXSIZE)"),
    (
        ("connectionlost", "connectiondone", "responsefailed", "dataloss", "downloadfailed"),
        "connection dropped mid-answer",
    ),
)


def download_error_kind(type_name: str) -> str:
    """What an exception class (``scrapy.exceptions.CannotResolveHostError``) means, in words."""
    short = type_name.rsplit(".", 1)[-1]
    lowered = type_name.lower()  # the module counts too: OpenSSL.SSL.Error
    for words, meaning in DOWNLOAD_ERROR_KINDS:
        if any(word in lowered for word in words):
            return meaning
    return f"download failed ({short})"


@dataclass
class HostTally:
    """Requests that reached the downloader, and answers received, per host."""

    asked: Counter[str] = field(default_factory=Counter)
    answered: Counter[str] = field(default_factory=Counter)
    errors: Counter[tuple[int, str]] = field(default_factory=Counter)

    def request_reached(self, request: Any) -> None:
        """Signal handler (``request_reached_downloader``)."""
        self.asked[_host(request.url)] += 1

    def response_received(self, response: Any, request: Any) -> None:
        """Signal handler (``response_received``): an answer, and its status when an error."""
        host = _host(request.url)
        self.answered[host] += 1
        # A missing robots.txt (404) is normal: it allows everything.
        if response.status >= 400 and not urlsplit(request.url).path.endswith("/robots.txt"):
            self.errors[(int(response.status), host)] += 1

    def silent_hosts(self) -> list[str]:
        """Hosts asked more often than they answered (failed downloads), most failures first."""
        gaps = Counter({h: n - self.answered[h] for h, n in self.asked.items()})
        return [h for h, gap in gaps.most_common() if gap > 0]


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _network_part(stats: Mapping[str, Any], tally: HostTally) -> str:
    kinds: Counter[str] = Counter()
    for key, count in stats.items():
        type_name = key[len(DOWNLOAD_ERRORS) :]
        # IgnoreRequest is a request dropped on purpose (robots.txt, said on its own), not a failure.
        if key.startswith(DOWNLOAD_ERRORS) and not type_name.endswith("IgnoreRequest"):
            kinds[download_error_kind(type_name)] += int(count)
    if not kinds:
        return ""
    said = "; ".join(f"{kind}: {_plural(n, 'attempt')}" for kind, n in kinds.most_common())
    hosts = tally.silent_hosts()[:MAX_HOSTS]
    return said + (f" at {', '.join(hosts)}" if hosts else "")


def _robots_part(stats: Mapping[str, Any]) -> str:
    forbidden = int(stats.get("robotstxt/forbidden", 0))
    if not forbidden:
        return ""
    return (
        f"blocked by robots.txt: {_plural(forbidden, 'request')} forbidden (crawling anyway needs "
        "robots_obey: false and a robots_reason)"
    )


def _http_part(stats: Mapping[str, Any], tally: HostTally, first_error: str) -> str:
    statuses: Counter[tuple[int, str]] = Counter(tally.errors)
    if not statuses:  # no signal seen (a stats-only caller): the ignored statuses, without hosts
        for key, count in stats.items():
            if key.startswith(HTTP_IGNORED):
                statuses[(int(key[len(HTTP_IGNORED) :]), "")] += int(count)
    parts = [
        f"HTTP {status}" + (f" from {host}" if host else "") + f" ({_plural(n, 'answer')})"
        for (status, host), n in statuses.most_common(MAX_HOSTS)
        if f"HTTP {status}" not in first_error  # the spider already said it, with its meaning
    ]
    return "; ".join(parts)


def _over_cap_part(stats: Mapping[str, Any]) -> str:
    over = int(stats.get(OVER_CAP_STAT, 0))
    if not over:
        return ""
    return f"{_plural(over, 'page')} over the download size cap once decompressed (not read)"


def _spider_part(first_error: str) -> str:
    if first_error.startswith(SHAPE_ERRORS) and "shape" not in first_error:
        return f"the page changed shape: {first_error}"
    return first_error


def crawl_reason(
    stats: Mapping[str, Any], first_error: str, meetings: int, tally: HostTally | None = None
) -> str:
    """The run's message: what went wrong, most basic first; "" for a clean crawl with meetings.

    `first_error` is the first spider error (``ExceptionName: message``). A crawl with nothing
    wrong and no meetings says how many pages it read, so an empty listing is told apart from a
    site that never answered.
    """
    tally = tally or HostTally()
    invalid = int(stats.get("agenda_watch/invalid_meetings", 0))
    dates = int(stats.get("agenda_watch/implausible_dates", 0))  # see ImplausibleDates
    parts = [
        _network_part(stats, tally),
        _robots_part(stats),
        _spider_part(first_error),
        _http_part(stats, tally, first_error),
        f"{_plural(invalid, 'meeting')} dropped as invalid (see the log)" if invalid else "",
        f"{_plural(dates, 'meeting')} dropped for an implausible date" if dates else "",
        _over_cap_part(stats),
        str(stats.get("agenda_watch/warning") or ""),
    ]
    found = "; ".join(p for p in parts if p)
    if found or meetings:
        return found
    pages = int(stats.get("downloader/response_count", 0))
    return f"no meetings found: {_plural(pages, 'page')} read, none listed a meeting in the window"
