"""A local fake of the Slack Web API, for driving the real slack-sdk in tests.

Implements chat.postMessage, conversations.history, conversations.replies and conversations.list
closely enough for delivery: ``ok``/``error`` JSON, ``ts`` per message, message metadata returned
when ``include_all_metadata`` is set, threads by ``thread_ts``, and Slack's own refusals of a
malformed message (more than 50 blocks or a section over 3000 characters: ``invalid_blocks``;
text over 40,000 characters: ``msg_too_long``).

Failure injection:

- scripted per method: ``fake.fail("chat.postMessage", 429, "ratelimited", {"Retry-After": "1"})``;
- random: ``fake.flaky("chat.postMessage", 0.2, 500, "internal_error", seed=1)``;
- per message: ``fake.reject(lambda p: "POISON" in p["text"], "invalid_blocks")``;
- late answers: ``fake.answer_delay_s`` (the message is stored first, then the answer waits), or
  ``fake.drop_answers`` (stored, then the connection closes with no answer at all);
- held answers (``hold_posts``, only for URLs containing ``hold_only`` when set): the answer
  waits for an event, which lets a test kill the poster after Slack has the message but before
  the poster learns its ts. Clients told apart by their base URL (``url_for("d1")``) can be
  held one at a time.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

VALID_TOKEN = "xoxb-test-0123456789-secret"
CHANNELS = {"C0AGENDA01": "immigration-watch", "C0OPS00001": "agenda-ops"}


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


@dataclass
class Flaky:
    rate: float
    status: int
    body: dict[str, Any]
    rng: random.Random


@dataclass
class FakeSlack:
    messages: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, float]] = field(default_factory=list)
    webhook_posts: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    flakes: dict[str, Flaky] = field(default_factory=dict)
    rejections: list[tuple[Callable[[dict[str, Any]], bool], str]] = field(default_factory=list)
    answer_delay_s: float = 0.0
    drop_answers: int = 0
    hold_posts: threading.Event | None = None
    hold_only: str = ""  # hold only posts whose URL path contains this (one client's base URL)
    posts_held: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    posts_received: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    lock: threading.Lock = field(default_factory=threading.Lock)
    _clock: float = 1_800_000_000.0

    def fail(
        self,
        method: str,
        status: int,
        error: str = "",
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        body = {"ok": False, "error": error or f"http_{status}"}
        with self.lock:
            self.failures.setdefault(method, []).append(Failure(status, body, headers or {}, times))

    def flaky(self, method: str, rate: float, status: int, error: str, seed: int = 0) -> None:
        """Fail a share `rate` of the calls to `method` (a seeded, repeatable sequence)."""
        body = {"ok": False, "error": error}
        self.flakes[method] = Flaky(rate, status, body, random.Random(seed))

    def reject(self, when: Callable[[dict[str, Any]], bool], error: str) -> None:
        """Refuse every chat.postMessage whose parameters satisfy `when`, with `error`."""
        self.rejections.append((when, error))

    def post_calls(self) -> int:
        return sum(1 for m, _ in self.calls if m == "chat.postMessage")

    def scripted_failure(self, method: str) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """The failure to answer this call with, if one is scripted or drawn."""
        with self.lock:
            queue = self.failures.get(method) or []
            if queue:
                failure = queue[0]
                failure.times -= 1
                if failure.times <= 0:
                    queue.pop(0)
                return failure.status, failure.body, failure.headers
            flaky = self.flakes.get(method)
            if flaky and flaky.rng.random() < flaky.rate:
                return flaky.status, flaky.body, {}
        return None

    def next_ts(self) -> str:
        with self.lock:
            self._clock += 1.000001
            return f"{self._clock:.6f}"

    def posts(self) -> list[dict[str, Any]]:
        return [m for m in self.messages]

    def notice_ids(self) -> list[str]:
        return [
            m["metadata"]["event_payload"]["notice_id"] for m in self.messages if m.get("metadata")
        ]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _params(self) -> dict[str, Any]:
        parts = urlsplit(self.path)
        params: dict[str, Any] = dict(parse_qsl(parts.query))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        ctype = self.headers.get("Content-Type") or ""
        if raw and "json" in ctype:
            params.update(json.loads(raw))
        elif raw:
            params.update(dict(parse_qsl(raw.decode())))
        return params

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = (json.dumps(body) if not isinstance(body, str) else body).encode()
        self.send_response(status)
        self.send_header(
            "Content-Type", "application/json" if not isinstance(body, str) else "text/plain"
        )
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        fake = self.server.fake
        path = urlsplit(self.path).path
        params = self._params()
        if path.startswith("/webhook"):
            return self._webhook(fake, params)
        method = path.rsplit("/", 1)[-1]
        with fake.lock:
            fake.calls.append((method, time.monotonic()))
        failure = fake.scripted_failure(method)
        if failure is not None:
            return self._send(*failure)
        auth = self.headers.get("Authorization") or ""
        if auth != f"Bearer {VALID_TOKEN}":
            return self._send(200, {"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return self._send(200, {"ok": False, "error": "unknown_method"})
        handler(fake, params)

    def _chat_postMessage(self, fake: FakeSlack, p: dict[str, Any]) -> None:
        channel = p.get("channel")
        if channel not in CHANNELS:
            return self._send(200, {"ok": False, "error": "channel_not_found"})
        if p.get("thread_ts") and not any(m["ts"] == p["thread_ts"] for m in fake.messages):
            return self._send(200, {"ok": False, "error": "thread_not_found"})
        refusal = _refusal(fake, p)
        if refusal:
            return self._send(200, {"ok": False, "error": refusal})
        msg = {
            "ts": fake.next_ts(),
            "channel": channel,
            "text": p.get("text"),
            "blocks": p.get("blocks"),
            "metadata": p.get("metadata"),
            "thread_ts": p.get("thread_ts"),
            "params": p,
        }
        with fake.lock:
            fake.messages.append(msg)
        fake.posts_received.release()
        hold = fake.hold_posts
        if hold is not None and fake.hold_only in self.path:
            fake.posts_held.release()
            hold.wait(30)
        with fake.lock:
            drop = fake.drop_answers > 0
            fake.drop_answers -= int(drop)
        if drop:  # stored, but the poster never hears back: the connection just closes
            self.close_connection = True
            return
        if fake.answer_delay_s:
            time.sleep(fake.answer_delay_s)
        self._send(
            200, {"ok": True, "channel": channel, "ts": msg["ts"], "message": {"text": msg["text"]}}
        )

    def _visible(self, msg: dict[str, Any], with_meta: bool) -> dict[str, Any]:
        out = {"type": "message", "ts": msg["ts"], "text": msg["text"]}
        if msg.get("thread_ts"):
            out["thread_ts"] = msg["thread_ts"]
        if with_meta and msg.get("metadata"):
            out["metadata"] = msg["metadata"]
        return out

    def _conversations_history(self, fake: FakeSlack, p: dict[str, Any]) -> None:
        if p.get("channel") not in CHANNELS:
            return self._send(200, {"ok": False, "error": "channel_not_found"})
        oldest = float(p.get("oldest") or 0)
        with_meta = str(p.get("include_all_metadata")).lower() in ("1", "true")
        msgs = [
            self._visible(m, with_meta)
            for m in reversed(fake.messages)
            if m["channel"] == p["channel"] and not m.get("thread_ts") and float(m["ts"]) >= oldest
        ]
        self._send(200, {"ok": True, "messages": msgs, "has_more": False})

    def _conversations_replies(self, fake: FakeSlack, p: dict[str, Any]) -> None:
        with_meta = str(p.get("include_all_metadata")).lower() in ("1", "true")
        msgs = [
            self._visible(m, with_meta)
            for m in fake.messages
            if m["channel"] == p.get("channel")
            and (m["ts"] == p.get("ts") or m.get("thread_ts") == p.get("ts"))
        ]
        self._send(200, {"ok": True, "messages": msgs, "has_more": False})

    def _conversations_list(self, fake: FakeSlack, p: dict[str, Any]) -> None:
        chans = [{"id": cid, "name": name} for cid, name in CHANNELS.items()]
        self._send(200, {"ok": True, "channels": chans, "response_metadata": {"next_cursor": ""}})

    def _webhook(self, fake: FakeSlack, p: dict[str, Any]) -> None:
        failure = fake.scripted_failure("webhook")
        if failure is not None:
            status, _, headers = failure
            words = {429: "rate_limited", 400: "invalid_blocks", 404: "no_service"}
            return self._send(status, words.get(status, "server_error"), headers)
        refusal = _refusal(fake, p)
        if refusal:
            return self._send(400, refusal)
        fake.webhook_posts.append(p)
        self._send(200, "ok")


MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_TEXT = 40_000


def _refusal(fake: FakeSlack, p: dict[str, Any]) -> str:
    """Slack's refusal of a malformed (or scripted-to-fail) message, else ""."""
    blocks = p.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if len(blocks) > MAX_BLOCKS or any(
        len((b.get("text") or {}).get("text") or "") > MAX_SECTION_TEXT for b in blocks
    ):
        return "invalid_blocks"
    if len(p.get("text") or "") > MAX_TEXT:
        return "msg_too_long"
    return next((error for when, error in fake.rejections if when(p)), "")


class _Server(ThreadingHTTPServer):
    fake: FakeSlack
    daemon_threads = True


class FakeSlackServer:
    """Start with ``with FakeSlackServer() as slack:``; ``slack.url`` is the Web API base URL."""

    def __init__(self) -> None:
        self.fake = FakeSlack()
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.fake = self.fake
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def url_for(self, client: str) -> str:
        """The Web API base URL for one client: same API, its own path (to hold it alone)."""
        return f"{self.url}{client}/"

    @property
    def webhook_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/webhook/T000/B000/secretpath"

    def __enter__(self) -> FakeSlackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fake.hold_posts is not None:
            self.fake.hold_posts.set()
        self.httpd.shutdown()
        self.httpd.server_close()
