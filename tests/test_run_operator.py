"""`agenda-watch run` for its operator: start-up summary, zone-aware log times, progress, stopping
once gracefully and twice at once (no child left, nothing half-written), rotating logs.

The end-to-end tests run the real command against the demo recordings served slowly by a local
replay server (`tests.batchsupport.sites`), with ``--now`` so a batch starts at once; under a
pseudo-terminal for the live lines and Ctrl-C, with a pipe for the periodic summary.
"""

from __future__ import annotations

import json
import logging
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scheduler
from pipeline.demo import replay_hosts, write_demo_config
from pipeline.ingest.dispatch import CrawlDispatcher
from pipeline.ingest.progress import CrawlProgress
from pipeline.runlog import RotatingSink, ZonedFormatter, rotate_if_large, rotating_handler
from pipeline.runstop import Stopper, close_interrupted
from pipeline.settings import Settings
from pipeline.store.files import JsonStore
from pipeline.store.ledger import Ledger
from tests.batchsupport import sites
from tests.conftest import ROOT, TOPICS, examples
from tests.test_orphans import _alive, _cmdline, _descendants

CHICAGO = ZoneInfo("America/Chicago")
LOCAL_TIME = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d:\d\d (CST|CDT)"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (CST|CDT) (INFO|WARNING|ERROR) ")
# Takes the pty on stdin as its controlling terminal (it is a session leader: start_new_session),
# then becomes the command: Ctrl-C typed into the pty then reaches it as from a real terminal.
WITH_TERMINAL = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


# --- the parts, in this process ----------------------------------------------------------


def test_startup_summary_gives_each_schedules_next_run_in_chicago_time(tmp_path: Path) -> None:
    settings = Settings(AGENDA_WATCH_DATA_DIR=tmp_path)  # the tests' config: 9 enabled sources
    sched = scheduler.build_scheduler(settings, CrawlDispatcher(lambda ids, stop: None))
    scheduler.add_digest_job(sched, settings)
    scheduler.add_reminder_job(sched, settings)
    log = tmp_path / "logs" / "scheduler.log"
    saturday = datetime(2026, 12, 5, 13, 0, tzinfo=CHICAGO)
    lines = scheduler.startup_summary(sched, settings, log, saturday, run_now=True)
    assert len(lines) <= 10
    assert lines[0] == (
        "agenda-watch run: 9 source(s) on 3 schedule(s); times in America/Chicago "
        "(now Sat 05 Dec 13:00 CST)"
    )
    # Soonest first: 17:41 daily, 18:23 Monday to Saturday, then 07:15 on weekdays (Monday).
    assert lines[1].startswith("  next Sat 05 Dec 17:41 CST: 1 source(s) on '41 7,17 * * *': ")
    assert lines[2].startswith(
        "  next Sat 05 Dec 18:23 CST: 7 source(s) on '23 6,12,18 * * mon-sat': oak_park, "
    )
    assert lines[3].startswith("  next Mon 07 Dec 07:15 CST: 1 source(s) on '15 7,15 * * mon-fri'")
    assert "  weekly digest: next Mon 07 Dec 08:00 CST" in lines
    assert any(line.startswith("  reminders: every 15 min, next ") for line in lines)
    assert "  --now: crawling all 9 source(s) once, now" in lines
    assert any(str(log) in line and "rotated at 10 MB, 5 kept" in line for line in lines)
    # In summer the same schedule says CDT.
    july = datetime(2026, 7, 4, 12, 0, tzinfo=CHICAGO)
    summer = scheduler.startup_summary(sched, settings, log, july)
    assert summer[1].startswith("  next Sat 04 Jul 12:23 CDT: 7 source(s) ")


def test_a_long_list_of_sources_is_cut_to_one_line() -> None:
    ids = [f"source_{n:03d}" for n in range(110)]
    text = scheduler._ids_text(ids, 60)
    assert len(text) <= 60 and text.startswith("source_000, source_001, ")
    shown = text.count("source_")
    assert text.endswith(f", … {110 - shown} more")


def test_log_times_are_chicago_time_with_the_zone() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.created = datetime(2026, 12, 8, 19, 0, 3, tzinfo=CHICAGO).timestamp()
    assert ZonedFormatter().format(record) == "2026-12-08 19:00:03 CST INFO hello"
    record.created = datetime(2026, 7, 4, 1, 2, 3, tzinfo=CHICAGO).timestamp()
    assert (
        ZonedFormatter("%(asctime)s %(message)s").format(record) == "2026-07-04 01:02:03 CDT hello"
    )


def test_logs_rotate_by_size_keeping_the_backups_asked_for(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "scheduler.log"
    handler = rotating_handler(log, max_bytes=1000, backups=2)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for n in range(100):
        handler.emit(
            logging.LogRecord("x", logging.INFO, "", 1, f"line {n:03d} " + "x" * 40, None, None)
        )
    handler.close()
    files = sorted(p.name for p in log.parent.iterdir())
    assert files == ["scheduler.log", "scheduler.log.1", "scheduler.log.2"]
    assert all(p.stat().st_size <= 1000 for p in log.parent.iterdir())
    assert log.read_text().splitlines()[-1].startswith("line 099 ")
    # A file a child process writes through a descriptor: rotated before the next opening.
    worker = tmp_path / "worker-0.log"
    for n in range(4):
        rotate_if_large(worker, max_bytes=100, backups=2)
        with open(worker, "ab") as out:
            out.write(f"run {n}\n".encode() * 20)
    assert sorted(p.name for p in tmp_path.glob("worker-0.log*")) == [
        "worker-0.log",
        "worker-0.log.1",
        "worker-0.log.2",
    ]
    assert worker.read_text().startswith("run 3\n")
    assert (tmp_path / "worker-0.log.2").read_text().startswith("run 1\n")


@given(st.lists(st.binary(max_size=700) | st.just(b"line\n" * 50), max_size=30))
@settings(max_examples=examples(60), deadline=None)
def test_a_workers_output_log_never_passes_its_size_and_keeps_the_newest(
    chunks: list[bytes],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "worker-0.log"
        sink = RotatingSink(path, max_bytes=256, backups=3)
        for chunk in chunks:
            sink.write(chunk)
        sink.close()
        kept = [path.with_name(f"worker-0.log.{n}") for n in (3, 2, 1)] + [path]
        files = [p for p in kept if p.exists()]
        assert all(p.stat().st_size <= 256 for p in files)
        assert len(files) <= 4
        written = b"".join(chunks)
        tail = b"".join(p.read_bytes() for p in files)
        # Nothing lost in between or reordered; at least the last write is all there.
        assert written.endswith(tail) and tail.endswith(chunks[-1] if chunks else b"")


def test_first_signal_asks_a_graceful_stop_the_second_a_stop_now() -> None:
    stopper = Stopper()
    stopper.handle(signal.SIGTERM, None)
    assert stopper.requested.is_set() and not stopper.forced.is_set()
    assert stopper.exit_status() == 0
    stopper.handle(signal.SIGINT, None)
    assert stopper.forced.is_set() and stopper.exit_status() == 128 + signal.SIGINT == 130
    stopper.handle(signal.SIGTERM, None)  # a third changes nothing
    assert stopper.exit_status() == 130


def test_runs_a_stop_now_cut_off_are_closed_as_interrupted_once(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(path)
    ledger.start_run("run-a", "oak_park")
    ledger.start_run("run-b", "cook_county")
    ledger.finish_run("run-b", "cook_county", meetings=2, finish_reason="finished")
    ledger.close()
    progress = CrawlProgress()
    progress.begin(3)
    progress.started("oak_park", "run-a")
    progress.started("cook_county", "run-b")  # recorded already: left as it is
    progress.update("oak_park", pages=4, meetings=1, items=3)
    assert close_interrupted(path, progress.snapshot()) == 1
    assert close_interrupted(path, progress.snapshot()) == 0
    ledger = Ledger(path)
    try:
        a, b = ledger.run("run-a"), ledger.run("run-b")
    finally:
        ledger.close()
    assert a and a["finish_reason"] == "interrupted" and a["finished_at"] and a["errors"] == 1
    assert b and b["finish_reason"] == "finished" and b["meetings"] == 2


# --- the command, end to end -------------------------------------------------------------


@dataclass
class Running:
    """`agenda-watch run --now` in a child process, and what it printed so far."""

    proc: subprocess.Popen[bytes]
    fd: int  # what we read its output from (the pty's master, or the pipe)
    data: Path
    output: str = ""
    seen_pids: set[int] = field(default_factory=set)

    def read_until(self, pattern: str, timeout: float = 90) -> re.Match[str]:
        """Read output until `pattern` matches it; noting every process below the command."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.output)
            if found:
                return found
            assert time.monotonic() < deadline, f"no {pattern!r} in:\n{self.output}"
            self.seen_pids.update(_descendants(self.proc.pid))
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # the pty's other side closed: the command exited
                    chunk = b""
                assert chunk or found, f"exited before {pattern!r}:\n{self.output}"
                self.output += chunk.decode(errors="replace")

    def drain(self) -> None:
        """Read what is left once the command exited."""
        while select.select([self.fd], [], [], 0.1)[0]:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk.decode(errors="replace")


@pytest.fixture
def slow_site() -> Iterator[str]:
    """The demo recordings, each answer taking 1.5 s: crawls are still running when stopped."""
    with sites(["127.0.0.1"], hold_s=1.5) as (bases, _log):
        yield bases["127.0.0.1"]


def _start(tmp_path: Path, base: str, terminal: bool, **env: str) -> Running:
    data, config = tmp_path / "data", tmp_path / "config"
    write_demo_config(config, TOPICS)
    environ = {
        **os.environ,
        "AGENDA_WATCH_REPLAY_HOSTS": replay_hosts(base),
        "AGENDA_WATCH_DATA_DIR": str(data),
        "AGENDA_WATCH_CONFIG_DIR": str(config),
        **env,
    }
    command = [sys.executable, "-m", "pipeline", "run", "--now"]
    if not terminal:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        assert proc.stdout is not None
        return Running(proc, proc.stdout.fileno(), data)
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", WITH_TERMINAL, *command],
        cwd=ROOT,
        env=environ,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    return Running(proc, master, data)


def _stored_files_parse(data: Path) -> int:
    """Every stored meeting JSON parses (none half-written); how many there are."""
    files = list((data / "meetings").rglob("*.json")) if (data / "meetings").exists() else []
    for path in files:
        json.loads(path.read_text(encoding="utf-8"))
    assert len(list(JsonStore(data).iter_meetings())) == len(files)
    return len(files)


def _runs(data: Path) -> list[dict[str, object]]:
    ledger = Ledger(data / "ledger.sqlite3")
    try:
        return [dict(r) for r in ledger.conn.execute("SELECT * FROM runs")]
    finally:
        ledger.close()


@pytest.mark.engine
def test_under_a_terminal_summary_live_progress_and_two_ctrl_c_stop_at_once(
    tmp_path: Path, slow_site: str
) -> None:
    run = _start(tmp_path, slow_site, terminal=True)
    try:
        run.read_until(r"stop: Ctrl-C or SIGTERM once")
        start_up = run.output
        assert (
            "agenda-watch run: 3 source(s) on 1 schedule(s); times in America/Chicago" in start_up
        )
        assert re.search(
            rf"next {LOCAL_TIME}: 3 source\(s\) on '23 6,12,18 \* \* mon-sat'", start_up
        )
        assert re.search(rf"weekly digest: next {LOCAL_TIME}", start_up)
        assert len(start_up.strip().splitlines()) <= 10
        assert all(LOG_LINE.match(line) for line in start_up.strip().splitlines())
        # A live line for the running crawl, redrawn in place (cursor up, erase), pages counted.
        run.read_until(r"\x1b\[\d+F\x1b\[J")
        run.read_until(r"demo_oak_park +[1-9]\d* pages +\d+ meetings +\d+ items +\d+s")
        workers = [p for p in run.seen_pids if "pipeline.ingest.worker" in _cmdline(p)]
        assert workers, "no crawl worker seen below the command"
        os.write(run.fd, b"\x03")  # Ctrl-C, typed
        run.read_until(r"SIGINT: stopping: no new crawls; closing 1 running crawl")
        os.write(run.fd, b"\x03")  # again, well within 5 s
        second = time.monotonic()
        status = run.proc.wait(timeout=15)
        took = time.monotonic() - second
        run.drain()
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
        os.close(run.fd)
    assert status == 130, run.output
    assert took < 5, f"{took:.1f} s from the second Ctrl-C to the exit"
    assert "SIGINT again: stopping now: killing 1 running crawl(s)" in run.output
    assert "stopped at once (exit 130): 1 crawl(s) recorded as interrupted" in run.output
    left = {p: _cmdline(p) for p in run.seen_pids if _alive(p)}
    assert not left, f"child processes left behind: {left}"
    _stored_files_parse(run.data)
    runs = _runs(run.data)
    assert runs and all(r["finished_at"] for r in runs), runs
    assert [r["source"] for r in runs if r["finish_reason"] == "interrupted"] == ["demo_oak_park"]
    # The source's own log: where its crawl starts, with Chicago times too.
    source_log = (run.data / "logs" / "demo_oak_park.log").read_text()
    first = source_log.splitlines()[0]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (CST|CDT) \[demo_oak_park\] INFO: ", first)
    [oak_park] = [r for r in runs if r["source"] == "demo_oak_park"]
    assert first.endswith(f"----- crawl of demo_oak_park starts (run {oak_park['run_id']}) -----")


@pytest.mark.engine
def test_without_a_terminal_periodic_summaries_rotated_logs_and_sigterm_stops_cleanly(
    tmp_path: Path, slow_site: str
) -> None:
    run = _start(
        tmp_path,
        slow_site,
        terminal=False,
        AGENDA_WATCH_PROGRESS_EVERY="2",
        AGENDA_WATCH_LOG_MAX_BYTES="1500",
        AGENDA_WATCH_LOG_BACKUPS="2",
    )
    try:
        line = run.read_until(r"progress: 1 running, \d/3 done, \d+ pages.*running: \w+ \d+p \d+s")
        assert "\x1b[" not in run.output  # no terminal codes in a log
        # Let the first source finish, so its notices are queued, then stop during the second.
        run.read_until(r"ok   demo_oak_park +2 meetings")
        run.read_until(r"progress: 1 running, 1/3 done")
        run.proc.send_signal(signal.SIGTERM)
        status = run.proc.wait(timeout=60)
        run.drain()
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
    assert line and status == 0, run.output
    assert "SIGTERM: stopping: no new crawls; closing 1 running crawl(s)" in run.output
    assert "SIGTERM again to stop at once" in run.output
    assert "not crawled: the crawl was stopped" in run.output
    runs = {str(r["source"]): r for r in _runs(run.data)}
    # Delivered before the exit: the notices demo_oak_park queued (file sink, no Slack set up).
    queued = runs["demo_oak_park"]["notices"]
    assert isinstance(queued, int) and queued >= 1
    assert f"deliver (file): {queued} sent" in run.output, run.output
    assert len(list((run.data / "outbox").glob("*.json"))) == queued
    assert run.output.rstrip().endswith("scheduler stopped")
    assert all(LOG_LINE.match(x) for x in run.output.strip().splitlines() if not x.startswith(" "))
    assert runs["demo_oak_park"]["finish_reason"] == "finished"
    assert runs["demo_cook_county"]["finish_reason"] == "shutdown"
    assert all(r["finished_at"] for r in runs.values())
    assert _stored_files_parse(run.data) >= 2
    # The logs rotated at 1500 bytes, two backups kept; the scheduler's has the summaries too.
    logs = run.data / "logs"
    sizes = {p.name: p.stat().st_size for p in logs.glob("*.log*")}
    assert all(size <= 1500 for size in sizes.values()), sizes
    assert (logs / "scheduler.log.1").exists() and not (logs / "scheduler.log.3").exists()
    assert (logs / "demo_oak_park.log.1").exists()
    text = "".join(p.read_text() for p in sorted(logs.glob("scheduler.log*")))
    assert "scheduler stopped" in text and "progress: " in text
