"""A local HTTP server that replays recorded responses (for the demo and the tests).

A recordings folder holds ``routes.json``::

    {"routes": [{"path": "/v1/oak-park/events", "query": {"$skip": "0"},
                 "status": 200, "content_type": "application/json",
                 "file": "oak_park/events.json"}]}

A request matches the first route with the same method (``GET`` unless ``"method"`` says
``POST``) and path whose ``query`` items are all present in the request's query string and whose
``body_contains`` (optional) occurs in the request body. A route with an ``ETag`` header answers
304 to a request that sends the same ``If-None-Match``, as a real server would. In text bodies ``{{BASE}}`` becomes the server's own base URL, so recorded
pages can link to documents served by the same replay.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BASE_PLACEHOLDER = b"{{BASE}}"
TEXT_TYPES = ("json", "html", "xml", "text")


@dataclass
class Route:
    """One recorded response."""

    path: str
    file: str
    status: int = 200
    content_type: str = "application/octet-stream"
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    body_contains: str = ""

    def matches(self, method: str, path: str, query: dict[str, str], body: bytes) -> bool:
        """Same method and path, every recorded query item present, and the body snippet in it."""
        return (
            method == self.method
            and path == self.path
            and all(query.get(k) == v for k, v in self.query.items())
            and self.body_contains.encode() in body
        )


def load_routes(root: Path) -> list[Route]:
    """The routes in ``root/routes.json``."""
    data = json.loads((root / "routes.json").read_text(encoding="utf-8"))
    return [Route(**r) for r in data["routes"]]


class ReplayServer:
    """Serve recorded responses on a loopback address (port 0 = any free port) in a thread.

    `host` may be any 127.x.y.z address (Linux answers on all of them), so tests can serve
    several "sites" on distinct hosts.
    """

    def __init__(self, root: Path, port: int = 0, host: str = "127.0.0.1") -> None:
        self.root = root
        self.routes = load_routes(root)
        self.requests: list[str] = []
        self.bodies: list[bytes] = []
        self.request_headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://<host>:<port>``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ReplayServer:
        """Start serving; returns self."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _respond(
        self, method: str, raw_path: str, body: bytes
    ) -> tuple[int, str, dict[str, str], bytes]:
        parts = urlsplit(raw_path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        with self._lock:
            self.requests.append(raw_path if method == "GET" else f"{method} {raw_path}")
            self.bodies.append(body)
        for route in self.routes:
            if route.matches(method, parts.path, query, body):
                data = (self.root / route.file).read_bytes()
                if any(t in route.content_type for t in TEXT_TYPES):
                    data = data.replace(BASE_PLACEHOLDER, self.base_url.encode())
                return route.status, route.content_type, route.headers, data
        return 404, "application/json", {}, b'{"Message": "not recorded"}'

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer("GET", b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._answer("POST", self.rfile.read(length) if length else b"")

            def _answer(self, method: str, request_body: bytes) -> None:
                sent = {k.lower(): v for k, v in self.headers.items()}
                with server._lock:
                    server.request_headers.append(sent)
                status, ctype, headers, body = server._respond(method, self.path, request_body)
                etag = headers.get("ETag")
                if status == 200 and etag and sent.get("if-none-match") == etag:
                    status, body = 304, b""  # like a real server: unchanged since that ETag
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return  # keep test and demo output clean

        return Handler
