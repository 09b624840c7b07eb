"""No orphans: a crawl killed in the middle of PDF extraction leaves no process of it alive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.replay import ReplayServer
from tests.batchsupport import batch_settings
from tests.conftest import ROOT

pytestmark = pytest.mark.engine  # the crawl runs in a child process started from a script

# The parent of a crawl: plans and watches one worker crawling a source whose agenda PDF takes
# a minute to extract (the test hook below), as `agenda-watch crawl` does.
DRIVER = """
import sys
from pathlib import Path
from pipeline.ingest.batch import BatchCrawl, BatchOptions
from pipeline.settings import Settings
from tests.batchsupport import legistar_source

base, data, config = sys.argv[1:4]
settings = Settings(AGENDA_WATCH_DATA_DIR=Path(data), AGENDA_WATCH_CONFIG_DIR=Path(config))
source = legistar_source("slow_pdf", base, fetch_documents=True)
BatchCrawl(settings, [source], BatchOptions(workers=1, timeout_s=300)).run()
"""


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


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


def _start_slow_crawl(tmp_path: Path, base: str) -> subprocess.Popen[bytes]:
    settings = batch_settings(tmp_path)
    env = {
        **os.environ,
        "AGENDA_WATCH_PDF_WORKER_DELAY_S": "60",  # the worker sleeps before extracting
        "AGENDA_WATCH_PDF_TIMEOUT": "120",
        "PYTHONPATH": str(ROOT),
    }
    args = [str(base), str(settings.data_dir), str(settings.config_dir)]
    return subprocess.Popen([sys.executable, "-c", DRIVER, *args], cwd=ROOT, env=env)


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
