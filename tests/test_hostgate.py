"""The host gate: one request at a time per host, `delay` apart, across crawlers and processes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from scrapy.exceptions import IgnoreRequest

from pipeline.ingest.hostgate import HostGate, lock_name


class Owner:
    """Stands for a crawler."""


async def _request(gate: HostGate, host: str, delay: float, spans: list[tuple[float, float]]):  # type: ignore[no-untyped-def]
    hold = await gate.acquire(host, delay, owner="crawler")
    start = time.monotonic()
    await asyncio.sleep(0.03)  # the "download"
    spans.append((start, time.monotonic()))
    gate.release(hold)


def _assert_serial(spans: list[tuple[float, float]], delay: float) -> None:
    spans = sorted(spans)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert start >= end + delay - 0.005, (start - end, delay)


def test_one_request_at_a_time_per_host_with_the_delay_between(tmp_path: Path) -> None:
    gate = HostGate(tmp_path)
    spans: list[tuple[float, float]] = []

    async def main() -> None:
        await asyncio.gather(*(_request(gate, "example.org", 0.1, spans) for _ in range(5)))

    asyncio.run(main())
    assert len(spans) == 5
    _assert_serial(spans, 0.1)


def test_different_hosts_do_not_wait_for_each_other(tmp_path: Path) -> None:
    gate = HostGate(tmp_path)
    spans: list[tuple[float, float]] = []

    async def main() -> float:
        started = time.monotonic()
        await asyncio.gather(*(_request(gate, f"h{n}.example", 1.0, spans) for n in range(5)))
        return time.monotonic() - started

    elapsed = asyncio.run(main())
    assert len(spans) == 5 and elapsed < 0.5  # five hosts at once; no host had a predecessor


def test_two_gates_on_one_lock_dir_exclude_each_other_and_keep_the_delay(tmp_path: Path) -> None:
    # flock locks belong to open files, so two gates in one process contend exactly as two
    # crawl processes do.
    first, second = HostGate(tmp_path), HostGate(tmp_path)
    spans: list[tuple[float, float]] = []

    async def main() -> None:
        await asyncio.gather(
            *(_request(g, "shared.example", 0.1, spans) for g in (first, second) * 3)
        )

    asyncio.run(main())
    assert len(spans) == 6
    _assert_serial(spans, 0.1)
    stamp = float((tmp_path / lock_name("shared.example")).read_text())
    assert abs(stamp - time.time()) < 5  # the end of the last request, for the next process


def test_a_closed_crawler_gives_back_its_hosts_and_stops_waiting(tmp_path: Path) -> None:
    gate = HostGate(tmp_path)
    closing = Owner()  # crawlers in real use: the gate only keeps weak references to owners

    async def main() -> None:
        held = await gate.acquire("site.example", 0, owner=closing)
        waiter = asyncio.create_task(gate.acquire("site.example", 0, owner=closing))
        await asyncio.sleep(0.05)
        assert gate.held() == ["site.example"] and not waiter.done()
        gate.release_owner(closing)
        with pytest.raises(IgnoreRequest):
            await waiter
        assert held.released and gate.held() == []
        other = await asyncio.wait_for(gate.acquire("site.example", 0, owner="other"), 1)
        gate.release(other)

    asyncio.run(main())


@pytest.mark.engine  # waits out a real lease
def test_a_hold_never_released_expires(tmp_path: Path) -> None:
    gate = HostGate(tmp_path, lease_s=0.2)

    async def main() -> float:
        await gate.acquire("lost.example", 0, owner="a")  # its response callback never comes
        started = time.monotonic()
        hold = await asyncio.wait_for(gate.acquire("lost.example", 0, owner="b"), 2)
        gate.release(hold)
        return time.monotonic() - started

    assert 0.1 < asyncio.run(main()) < 1.5


def test_lock_names_are_safe_and_distinct() -> None:
    assert lock_name("WebAPI.Legistar.com") == "webapi.legistar.com.lock"
    assert lock_name("::1") != lock_name("__1") and "/" not in lock_name("a/../b")
    assert len(lock_name("x" * 300)) < 130
