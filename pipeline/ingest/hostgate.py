"""One request at a time per host, across every source of a crawl and every crawl process.

Scrapy's downloader slots belong to one crawler, so when many sources are crawled in one process
(or several processes run at once, e.g. the scheduler and a manual ``agenda-watch crawl``) each
source would keep its own distance from a host while together they hit it at once. `HostGate`
keeps one slot per host for all of them:

- a host is *held* for the whole of a request, from the moment it is handed to the downloader
  until its response or failure comes back;
- the next request to that host starts at least ``delay`` seconds after the previous one ended,
  whichever source or process sent either.

Inside a process a FIFO `asyncio.Lock` per host orders the waiters. Across processes an
exclusive `fcntl.flock` on ``<lock_dir>/<host>.lock`` does, and the file holds the wall-clock
end of the last request so the delay carries over between processes too. The kernel drops the
lock when a process dies, so a killed crawl never leaves a host blocked.

`HostGateMiddleware` applies the gate to every request that reaches the network; it sits after
the HTTP cache, so answers served from the cache never wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

HOLD_META = "agenda_watch_host_hold"
LOCK_DIR_SETTING = "AGENDA_WATCH_HOST_LOCK_DIR"
# Seconds between attempts at a host lock another process holds.
POLL_S = 0.02
MAX_POLL_S = 0.2
# A hold older than this is abandoned (a lost response callback); it is released with a warning.
DEFAULT_LEASE_S = 300.0
_UNSAFE = re.compile(r"[^a-z0-9.-]")


def lock_name(host: str) -> str:
    """A file name for `host`: lower-case, only ``[a-z0-9.-]``, bounded, distinct per host."""
    host = host.lower()
    safe = _UNSAFE.sub("_", host)
    if safe != host or len(safe) > 120:
        safe = f"{safe[:100]}~{hashlib.sha256(host.encode()).hexdigest()[:16]}"
    return f"{safe}.lock"


@dataclass(eq=False)
class Hold:
    """A host held for one request; give it back with `HostGate.release`."""

    host: str
    owner: Any
    fd: int | None = None
    released: bool = False
    expiry: asyncio.TimerHandle | None = field(default=None, repr=False)


@dataclass(eq=False)
class _HostState:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_end: float = float("-inf")  # time.monotonic() at the end of the last request here


class HostGate:
    """Per-host mutual exclusion and spacing for one process (and, with `lock_dir`, all of them).

    All methods run on the event loop thread (Scrapy's reactor loop).
    """

    def __init__(self, lock_dir: Path | None, lease_s: float = DEFAULT_LEASE_S) -> None:
        self.lock_dir = lock_dir
        self.lease_s = lease_s
        self._hosts: dict[str, _HostState] = {}
        self._holds: set[Hold] = set()
        self._closed_owners: weakref.WeakSet[Any] = weakref.WeakSet()
        if lock_dir is not None:
            lock_dir.mkdir(parents=True, exist_ok=True)

    async def acquire(self, host: str, delay: float, owner: Any) -> Hold:
        """Wait for `host`, then for `delay` s after its last request ended; return the hold.

        Raises `IgnoreRequest` when `owner` was closed (`release_owner`) while it waited.
        """
        state = self._hosts.setdefault(host, _HostState())
        await state.lock.acquire()
        hold = Hold(host, owner)
        try:
            hold.fd, shared_end = await self._lock_file(host)
            if owner in self._closed_owners:
                raise IgnoreRequest(f"crawl closed while waiting for {host}")
            wait = max(
                state.last_end + delay - time.monotonic(),
                min(shared_end + delay - time.time(), delay),  # a clock jump never blocks longer
            )
            if wait > 0:
                await asyncio.sleep(wait)
        except BaseException:
            self._unlock(hold, state)
            raise
        hold.expiry = asyncio.get_running_loop().call_later(self.lease_s, self._expire, hold)
        self._holds.add(hold)
        return hold

    def release(self, hold: Hold) -> None:
        """End the request: note when it ended and let the next one in. Idempotent."""
        if hold.released:
            return
        if hold.expiry is not None:
            hold.expiry.cancel()
        self._holds.discard(hold)
        state = self._hosts[hold.host]
        state.last_end = time.monotonic()
        if hold.fd is not None:
            with contextlib.suppress(OSError):
                os.pwrite(hold.fd, f"{time.time():.6f}\n".encode(), 0)
        self._unlock(hold, state)

    def release_owner(self, owner: Any) -> None:
        """Release every hold of `owner` (a closed crawler) and refuse its pending waits."""
        self._closed_owners.add(owner)
        for hold in [h for h in self._holds if h.owner is owner]:
            self.release(hold)

    def held(self) -> list[str]:
        """Hosts held right now (for tests and diagnostics)."""
        return sorted(h.host for h in self._holds)

    def _expire(self, hold: Hold) -> None:
        logger.warning("host %s held for over %.0f s; releasing it", hold.host, self.lease_s)
        self.release(hold)

    def _unlock(self, hold: Hold, state: _HostState) -> None:
        hold.released = True
        if hold.fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(hold.fd, fcntl.LOCK_UN)
            os.close(hold.fd)
            hold.fd = None
        state.lock.release()

    async def _lock_file(self, host: str) -> tuple[int | None, float]:
        """Take the host's lock file (waiting for other processes); return it and its last end."""
        if self.lock_dir is None:
            return None, float("-inf")
        fd = os.open(self.lock_dir / lock_name(host), os.O_RDWR | os.O_CREAT, 0o644)
        pause = POLL_S
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(pause)
                    pause = min(pause * 1.5, MAX_POLL_S)
            raw = os.pread(fd, 64, 0)
        except BaseException:
            os.close(fd)
            raise
        try:
            return fd, float(raw.decode("ascii").strip() or "-inf")
        except ValueError:  # a torn or foreign file: treat as no previous request
            return fd, float("-inf")


_GATES: dict[Path | None, HostGate] = {}


def process_gate(lock_dir: Path | None) -> HostGate:
    """The process-wide gate for `lock_dir`: every crawler in the process shares it."""
    key = lock_dir.resolve() if lock_dir is not None else None
    if key not in _GATES:
        _GATES[key] = HostGate(key)
    return _GATES[key]


class HostGateMiddleware:
    """Downloader middleware: every request that goes to the network holds its host (`HostGate`).

    Uses the crawler's ``DOWNLOAD_DELAY`` as the gap and ``AGENDA_WATCH_HOST_LOCK_DIR`` as the
    cross-process lock directory (none: this process only).
    """

    def __init__(self, crawler: Crawler, gate: HostGate, delay: float) -> None:
        self.crawler = crawler
        self.gate = gate
        self.delay = delay

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory."""
        lock_dir = crawler.settings.get(LOCK_DIR_SETTING)
        gate = process_gate(Path(lock_dir) if lock_dir else None)
        mw = cls(crawler, gate, crawler.settings.getfloat("DOWNLOAD_DELAY"))
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_closed(self) -> None:
        """Give back whatever this crawler still holds."""
        self.gate.release_owner(self.crawler)

    async def process_request(self, request: Request) -> None:
        """Hold the request's host before it is downloaded."""
        host = urlparse_cached(request).hostname
        if host:
            request.meta[HOLD_META] = await self.gate.acquire(host, self.delay, self.crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        """Release the host when the answer is in."""
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """Release the host when the request failed."""
        self._release(request)

    def _release(self, request: Request) -> None:
        # Retries and redirects copy meta: only the request that took the hold gives it back.
        hold = request.meta.pop(HOLD_META, None)
        if isinstance(hold, Hold):
            self.gate.release(hold)
