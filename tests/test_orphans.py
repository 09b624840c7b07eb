"""No orphans: a crawl killed in the middle of PDF extraction leaves no process of it alive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.demo import replay_hosts, write_demo_config
from pipeline.replay import ReplayServer
from pipeline.runstop import descendants as _descendants
from pipeline.store.health import source_health
from pipeline.store.ledger import Ledger
from tests.batchsupport import sites
from tests.conftest import ROOT, TOPICS

pytestmark = pytest.mark.engine  # the crawl runs in child processes started from a command


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper is dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _crawl_command(data: Path, config: Path) -> list[str]:
    """`agenda-watch crawl --no-deliver` on these dirs."""
    dirs = ["--data-dir", str(data), "--config-dir", str(config)]
    return [sys.executable, "-m", "pipeline", *dirs, "crawl", "--no-deliver"]


def _start_slow_crawl(tmp_path: Path, base: str) -> subprocess.Popen[bytes]:
    """`agenda-watch crawl demo_oak_park`, whose agenda PDF takes a minute to extract."""
    data, config = tmp_path / "data", tmp_path / "config"
    write_demo_config(config, TOPICS)
    env = {
        **os.environ,
        "AGENDA_WATCH_REPLAY_HOSTS": replay_hosts(base),
        "AGENDA_WATCH_PDF_WORKER_DELAY_S": "60",  # the PDF worker sleeps before extracting
        "AGENDA_WATCH_PDF_TIMEOUT": "120",
    }
    return subprocess.Popen(
        [*_crawl_command(data, config), "demo_oak_park"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for_extraction(top: int, replay: ReplayServer) -> list[int]:
    """Wait until the crawl fetched the agenda PDF and its PDF worker exists; its process tree."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        tree = _descendants(top)
        pdf_fetched = any(r.endswith(".pdf") for r in replay.requests)
        if pdf_fetched and any("spawn_main" in _cmdline(p) for p in tree):
            time.sleep(0.5)  # the PDF is in the worker now (it sleeps 60 s before extracting)
            return _descendants(top)
        time.sleep(0.1)
    raise AssertionError(f"no PDF extraction started: {replay.requests}")


def _assert_all_gone(pids: list[int], within_s: float = 5.0) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    left = {p: _cmdline(p) for p in pids if _alive(p)}
    assert not left, f"still alive {within_s:g} s after the kill: {left}"


def test_killing_the_crawl_during_pdf_extraction_leaves_nothing(
    tmp_path: Path, replay: ReplayServer
) -> None:
    top = _start_slow_crawl(tmp_path, replay.base_url)
    try:
        tree = _wait_for_extraction(top.pid, replay)
        kinds = [_cmdline(p) for p in tree]
        assert any("pipeline.ingest.worker" in k for k in kinds), kinds
        assert any("spawn_main" in k for k in kinds) and any("resource_tracker" in k for k in kinds)
        top.send_signal(signal.SIGKILL)
        top.wait(10)
        _assert_all_gone(tree)
    finally:
        if top.poll() is None:
            top.kill()


def test_killing_the_worker_during_pdf_extraction_takes_its_pdf_worker_along(
    tmp_path: Path, replay: ReplayServer
) -> None:
    top = _start_slow_crawl(tmp_path, replay.base_url)
    try:
        tree = _wait_for_extraction(top.pid, replay)
        [worker] = [p for p in tree if "pipeline.ingest.worker" in _cmdline(p)]
        below = _descendants(worker)
        assert below and any("spawn_main" in _cmdline(p) for p in below)
        os.kill(worker, signal.SIGKILL)
        _assert_all_gone([worker, *below])
    finally:
        top.kill()
        top.wait(10)


def test_sigterm_closes_the_crawls_records_them_and_leaves_nothing(tmp_path: Path) -> None:
    data, config = tmp_path / "data", tmp_path / "config"
    with sites(["127.0.0.1"], hold_s=1.0) as (bases, log):  # a slow site: crawls still running
        write_demo_config(config, TOPICS)
        top = subprocess.Popen(
            _crawl_command(data, config),
            env={**os.environ, "AGENDA_WATCH_REPLAY_HOSTS": replay_hosts(bases["127.0.0.1"])},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not any("/events" in s.path for s in log.sorted()):
                assert time.monotonic() < deadline, "the crawl never reached the site"
                time.sleep(0.1)
            tree = _descendants(top.pid)
            top.send_signal(signal.SIGTERM)
            out, _ = top.communicate(timeout=30)
        finally:
            if top.poll() is None:
                top.kill()
    _assert_all_gone(tree)
    ledger = Ledger(data / "ledger.sqlite3")
    try:
        runs = {sid: source_health(ledger, sid) for sid in ("demo_oak_park", "demo_cook_county")}
    finally:
        ledger.close()
    # The source being crawled was closed and its run recorded; the others were not started.
    closed = [r for r in runs.values() if r.runs]
    assert len(closed) >= 1 and all(r.last_success is None for r in closed)
    assert all(r.last_message.endswith("the crawl was shut down") for r in closed), closed
    assert "done: 3 sources (3 with problems)" in out
    assert "not crawled: the crawl was stopped" in out
