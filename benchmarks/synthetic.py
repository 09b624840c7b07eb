"""Synthetic sources for the scale benchmark: N Legistar clients, each on its own loopback host.

Every source is a copy of a demo client (``oak-park``, whose listing links the agenda PDF, or
``cook-county``, alternately: 4.5 requests a source on average), served from the demo recordings
by `serve` on a distinct address ``127.0.x.y`` (Linux answers on all of 127/8), so the crawler
sees N different hosts. The server is a small asyncio HTTP/1.1 server with keep-alive, run in its
own process (``python -m benchmarks.synthetic <port> <n>``) so its CPU is not counted as ours.
Links to the recordings' public sites (and ``{{BASE}}``) become the requested host, so each
source's documents stay on its own host and nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.demo import PUBLIC_ORIGINS, RECORDINGS  # noqa: E402
from pipeline.replay import BASE_PLACEHOLDER, TEXT_TYPES, Route, load_routes  # noqa: E402

CLIENTS = ("oak-park", "cook-county")


def host(index: int) -> str:
    """The loopback address of source number `index` (127.0.1.1, 127.0.1.2, …)."""
    return f"127.0.{1 + index // 250}.{1 + index % 250}"


def write_config(config_dir: Path, n: int, port: int) -> list[str]:
    """``sources.yaml`` with `n` synthetic sources and the real ``topics.yaml``; their ids."""
    config_dir.mkdir(parents=True, exist_ok=True)
    sources = []
    for index in range(n):
        client = CLIENTS[index % 2]
        sources.append(
            {
                "id": f"syn_{index:04d}",
                "name": f"Synthetic body {index}",
                "jurisdiction": "Synthetic, IL",
                "platform": "legistar",
                "slug": client,
                "api_url": f"http://{host(index)}:{port}/v1/{client}",
            }
        )
    text = yaml.safe_dump({"sources": sources}, sort_keys=False)
    (config_dir / "sources.yaml").write_text(text, encoding="utf-8")
    (config_dir / "topics.yaml").write_bytes((ROOT / "config" / "topics.yaml").read_bytes())
    return [s["id"] for s in sources]


def free_port() -> int:
    """A port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Replay:
    def __init__(self) -> None:
        self.routes: list[Route] = load_routes(RECORDINGS)
        self.files = {r.file: (RECORDINGS / r.file).read_bytes() for r in self.routes}

    def answer(self, method: str, target: str, host_header: str) -> tuple[int, str, bytes]:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        for route in self.routes:
            if route.matches(method, parts.path, query, b""):
                data = self.files[route.file]
                if any(t in route.content_type for t in TEXT_TYPES):
                    here = f"http://{host_header}".encode()
                    # Recorded pages link the public sites: keep each source on its own host.
                    for origin in (BASE_PLACEHOLDER, *(o.encode() for o in PUBLIC_ORIGINS)):
                        data = data.replace(origin, here)
                return route.status, route.content_type, data
        return 404, "text/plain", b"not recorded"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                if length := int(headers.get("content-length") or 0):
                    await reader.readexactly(length)
                status, ctype, body = self.answer(method, target, headers.get("host", ""))
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()


async def _serve(port: int, n: int) -> None:
    replay = _Replay()
    server = await asyncio.start_server(
        replay.handle, host=[host(i) for i in range(n)], port=port, backlog=512
    )
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


@contextmanager
def serving(n: int) -> Iterator[int]:
    """Run the synthetic server for `n` sources in its own process; yields its port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.synthetic", str(port), str(n)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("synthetic server did not start")
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants right now."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text()
        except OSError:
            continue
        children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
        rss[int(entry)] = int(statm.split()[1]) * page
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, []))
    return total


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run `cmd`; (wall s, CPU s of it and every descendant it waited for, peak tree RSS bytes)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    peak = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.25)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{cmd[:4]} exited {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, peak


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1]), int(sys.argv[2])))
