"""Serve public addresses from a local replay server, for the demo and the tests.

A recording stands for pages at public addresses (``https://webapi.legistar.com/v1/oak-park/…``).
With ``AGENDA_WATCH_REPLAY_HOSTS`` set to ``PUBLIC_ORIGIN=LOCAL_BASE`` pairs (space-separated),
a request to a listed origin is sent to the local server instead, with the same path and query,
and its response carries the public URL again. So what is stored (meeting links, agenda document
addresses) is the public address, never ``http://127.0.0.1:<port>``, which is dead once the
replay stops. Unset (always, outside the demo and the tests), the middleware is not loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

PUBLIC_URL_META = "agenda_watch_public_url"


def parse_replay_hosts(text: str) -> dict[str, str]:
    """``"https://a.example=http://127.0.0.1:8000 …"`` → public origin → local base."""
    hosts: dict[str, str] = {}
    for pair in text.split():
        public, sep, local = pair.partition("=")
        if not sep or not public or not local:
            raise ValueError(f"replay host {pair!r} is not PUBLIC_ORIGIN=LOCAL_BASE")
        hosts[public.rstrip("/").lower()] = local.rstrip("/")
    return hosts


class ReplayHostsMiddleware:
    """Downloader middleware: listed public origins are answered by the local replay server."""

    def __init__(self, hosts: dict[str, str]) -> None:
        self.hosts = hosts

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory; not loaded unless ``AGENDA_WATCH_REPLAY_HOSTS`` lists hosts."""
        hosts = parse_replay_hosts(crawler.settings.get("AGENDA_WATCH_REPLAY_HOSTS") or "")
        if not hosts:
            raise NotConfigured("no replay hosts")
        return cls(hosts)

    def process_request(self, request: Request, spider: Any = None) -> Request | None:
        """Send a request for a listed public origin to the replay server instead."""
        if PUBLIC_URL_META in request.meta:
            return None
        parts = urlsplit(request.url)
        local = self.hosts.get(f"{parts.scheme}://{parts.netloc}".lower())
        if local is None:
            return None
        rest = request.url[len(parts.scheme) + 3 + len(parts.netloc) :]
        meta = {**request.meta, PUBLIC_URL_META: request.url}
        return request.replace(url=local + rest, meta=meta, dont_filter=True)

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        """The replayed response under the public address it stands for."""
        public = request.meta.get(PUBLIC_URL_META)
        return response.replace(url=public) if public else response
