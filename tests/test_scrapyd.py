"""Past one machine: the project deployed to a real Scrapyd server with ``scrapyd-deploy``, crawl
jobs scheduled with per-job settings, and their notices delivered once by ``agenda-watch
deliver`` (real slack-sdk against the fake Slack), on the SQLite and the PostgreSQL ledger.

The Scrapyd server runs in a temp dir on a free localhost port; the egg is built by
``scrapyd-deploy`` from a copy of the project's files, exactly as README's Deployment section
does it; the jobs crawl the demo recordings through the local replay server.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.config import check_sources
from pipeline.configfile import YAML_LOADER
from pipeline.demo import replay_hosts, write_demo_config
from pipeline.replay import ReplayServer
from pipeline.store.files import JsonStore
from pipeline.store.ledger import Ledger
from tests import fakeslack
from tests.conftest import ROOT, TOPICS
from tests.fakeslack import VALID_TOKEN, FakeSlackServer
from tests.test_delivery_faults import meeting_notice

pytestmark = pytest.mark.engine  # Scrapyd starts crawl processes

PROJECT = "agenda_watch"
DEFAULT_CHANNEL = "C0AGENDA01"
OPS = "C0OPS00001"
JOB_CHANNEL = "C0JOB00001"  # only the job's own config routes Oak Park here
PASSWORD = "Job-Secret-4711"
# What scrapyd-deploy packages (the rest of the repo is not code the crawl runs).
PROJECT_FILES = (
    *("pipeline", "spiders", "config", "scheduler.py"),
    *("pyproject.toml", "setup.py", "scrapy.cfg", "README.md"),
)
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def project_copy(dest: Path) -> Path:
    """The files scrapyd-deploy builds from, copied (the build writes build/ and egg-info)."""
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(src, dest / name)
    return dest


def server_env(**extra: str) -> dict[str, str]:
    """This process's environment without any of our settings, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AGENDA_WATCH_", "SLACK_", "SCRAPY_"))
    }
    return {**env, **extra}


def scrapyd_deploy(src: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``scrapyd-deploy ARGS`` in the project copy `src`; fails the test if it fails."""
    done = subprocess.run(
        [str(BIN / "scrapyd-deploy"), *args],
        cwd=src,
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


class Scrapyd:
    """A Scrapyd server in `root` (its own scrapyd.conf, eggs, logs, job database)."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        root.mkdir(parents=True, exist_ok=True)
        (root / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            f"bind_address = 127.0.0.1\nhttp_port = {self.port}\n"
            f"eggs_dir = {root / 'eggs'}\nlogs_dir = {root / 'logs'}\ndbs_dir = {root / 'dbs'}\n"
            "items_dir =\njobs_to_keep = 10\nmax_proc = 2\npoll_interval = 0.2\n",
            encoding="utf-8",
        )
        self.log = (root / "scrapyd.out").open("wb")
        self.proc = subprocess.Popen(
            [str(BIN / "scrapyd")], cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.get("daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                pass
            assert self.proc.poll() is None, (root / "scrapyd.out").read_text()
            assert time.monotonic() < deadline, "Scrapyd did not start"
            time.sleep(0.2)

    def get(self, path: str, **query: str) -> dict[str, Any]:
        url = self.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        with urllib.request.urlopen(url, timeout=60) as answer:
            return dict(json.load(answer))

    def post(self, path: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
        data = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(self.url + path, data=data, timeout=120) as answer:
            return dict(json.load(answer))

    def wait_finished(self, jobs: set[str], timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = {j["id"] for j in self.get("listjobs.json", project=PROJECT)["finished"]}
            if jobs <= done:
                return
            time.sleep(0.5)
        raise AssertionError(f"jobs {jobs} did not finish: {self.get('listjobs.json')}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def job_config(dest: Path) -> Path:
    """The demo config, but Oak Park's notices go to JOB_CHANNEL and Lake County alerts at once."""
    write_demo_config(dest, TOPICS)
    data = yaml.load((dest / "sources.yaml").read_text(encoding="utf-8"), Loader=YAML_LOADER)
    for source in data["sources"]:
        if source["id"] == "demo_oak_park":
            source["slack_channel"] = JOB_CHANNEL
        if source["id"] == "demo_lake_county":
            source["alert_after"] = 1
    (dest / "sources.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return dest


def deliver(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``agenda-watch deliver`` as its own scheduled job would run it."""
    return subprocess.run(
        [str(BIN / "agenda-watch"), "deliver"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_deployed_crawl_job_honours_its_settings_and_its_notices_are_delivered_once(
    tmp_path: Path,
    replay: ReplayServer,
    slack: FakeSlackServer,
    ledger_backend: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(fakeslack.CHANNELS, JOB_CHANNEL, "job-channel")
    server_config = tmp_path / "server-config"
    write_demo_config(server_config, TOPICS)
    scrapyd = Scrapyd(tmp_path / "scrapyd", server_env(AGENDA_WATCH_CONFIG_DIR=str(server_config)))
    try:
        # Deploy exactly as the README says: scrapyd-deploy TARGET -p PROJECT.
        src = project_copy(tmp_path / "src")
        with (src / "scrapy.cfg").open("a", encoding="utf-8") as cfg:
            cfg.write(f"\n[deploy:test]\nurl = {scrapyd.url}\nproject = {PROJECT}\n")
        deployed = scrapyd_deploy(src, "test", "--version", "r1")
        assert '"status": "ok"' in deployed.stdout and '"spiders": 3' in deployed.stdout
        assert scrapyd.get("listspiders.json", project=PROJECT)["spiders"] == [
            "demo_cook_county",
            "demo_lake_county",
            "demo_oak_park",
        ]

        # Two jobs, each told where its data, config, ledger and ops channel are.
        data = tmp_path / "job-data"
        settings = [
            ("setting", f"AGENDA_WATCH_DATA_DIR={data}"),
            ("setting", f"AGENDA_WATCH_CONFIG_DIR={job_config(tmp_path / 'job-config')}"),
            ("setting", f"AGENDA_WATCH_REPLAY_HOSTS={replay_hosts(replay.base_url)}"),
            ("setting", f"AGENDA_WATCH_OPS_CHANNEL={OPS}"),
            ("setting", "DOWNLOAD_DELAY=0"),
        ]
        # On PostgreSQL, with a password in the URL (the throwaway server trusts local users,
        # so any password connects): it must not show up in any log or file.
        ledger_url = os.environ.get("AGENDA_WATCH_LEDGER_URL", "").replace(
            "://postgres@", f"://postgres:{PASSWORD}@"
        )
        if ledger_url:
            settings.append(("setting", f"AGENDA_WATCH_LEDGER_URL={ledger_url}"))
        jobs = set()
        for spider in ("demo_oak_park", "demo_lake_county"):
            answer = scrapyd.post(
                "schedule.json", [("project", PROJECT), ("spider", spider), *settings]
            )
            assert answer["status"] == "ok", answer
            jobs.add(answer["jobid"])
        scrapyd.wait_finished(jobs)
    finally:
        scrapyd.stop()

    # The per-job dirs were used: documents, ledger and the dirs derived from the data dir
    # (host locks; the HTTP cache's too, though the replay's answers are not cacheable) under
    # the job's data dir, nothing under the server's default (./data in Scrapyd's working dir).
    meetings = list(JsonStore(data).iter_meetings())
    assert {m.source for m in meetings} == {"demo_oak_park"} and len(meetings) == 2
    assert (data / "hostlocks").is_dir()
    [log] = (tmp_path / "scrapyd" / "logs" / PROJECT / "demo_oak_park").glob("*.log")
    assert f"'HTTPCACHE_DIR': '{data / 'httpcache'}'" in log.read_text(encoding="utf-8")
    assert not (tmp_path / "scrapyd" / "data").exists()

    # The crawl itself recorded its runs and Lake County's health alert (no parent process).
    where: Path | str = ledger_url or data / "ledger.sqlite3"
    ledger = Ledger(where)
    try:
        oak, lake = (ledger.finished_runs(s)[0] for s in ("demo_oak_park", "demo_lake_county"))
        assert (oak["meetings"], oak["notices"], oak["errors"], oak["finish_reason"]) == (
            2,
            1,
            0,
            "finished",
        )
        assert lake["meetings"] == 0 and lake["errors"] >= 1
        assert ledger.source_alerting("demo_lake_county")
        queued = [r.key for r in ledger.pending()]
    finally:
        ledger.close()
    assert len(queued) == 2

    # Delivery is its own job, run twice (as cron would): each notice is posted once.
    env = server_env(
        AGENDA_WATCH_DATA_DIR=str(data),
        SLACK_BOT_TOKEN=VALID_TOKEN,
        SLACK_API_URL=slack.url,
        SLACK_CHANNEL=DEFAULT_CHANNEL,
        **({"AGENDA_WATCH_LEDGER_URL": ledger_url} if ledger_url else {}),
    )
    first, second = deliver(env), deliver(env)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert Counter(slack.fake.notice_ids()) == Counter(queued)
    by_channel = Counter(m["channel"] for m in slack.fake.messages)
    assert by_channel == {JOB_CHANNEL: 1, OPS: 1}  # the job's config routed Oak Park
    [alert] = [m for m in slack.fake.messages if m["channel"] == OPS]
    assert "Lake County" in alert["text"]
    if ledger_url:
        assert PASSWORD in ledger_url
        assert PASSWORD not in first.stdout + first.stderr + second.stdout + second.stderr
        logs = [p for p in (tmp_path / "scrapyd" / "logs").rglob("*") if p.is_file()]
        assert len(logs) == 2
        for path in [*logs, *(p for p in data.rglob("*") if p.is_file())]:
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_the_egg_carries_its_settings_entry_point_and_config(tmp_path: Path) -> None:
    src = project_copy(tmp_path / "src")
    egg = tmp_path / "agenda_watch.egg"
    scrapyd_deploy(src, "--build-egg", str(egg))
    # Scrapyd's runner reads the settings module from the egg's entry point, then imports our
    # code from the egg (a zip): `scrapy list` in an empty dir, no config given, lists the
    # sources of the config shipped inside it.
    listing = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, pkg_resources; sys.path.insert(0, sys.argv[1]);"
            "d = next(pkg_resources.find_distributions(sys.argv[1]));"
            "print(d.get_entry_info('scrapy', 'settings').module_name);"
            "import pipeline; print(pipeline.__file__);"
            "from scrapy.cmdline import execute; execute(['scrapy', 'list'])",
            str(egg),
        ],
        cwd=tmp_path,
        env=server_env(SCRAPY_SETTINGS_MODULE="spiders.settings"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert listing.returncode == 0, listing.stderr
    module, code, *names = listing.stdout.split()
    assert module == "spiders.settings"
    assert code.startswith(str(egg))  # the egg's code, not this checkout's
    sources, problems = check_sources(ROOT / "config" / "sources.yaml")
    assert problems == []
    assert names == sorted(s.id for s in sources if s.enabled)
    assert len(names) > 50


def test_the_delivery_node_delivers_what_crawls_elsewhere_queued_and_crawls_nothing(
    tmp_path: Path, slack: FakeSlackServer, ledger_backend: str
) -> None:
    """``agenda-watch run --no-crawl``: no crawl jobs; the digest, reminders and delivery."""
    data = tmp_path / "data"
    ledger = Ledger(os.environ.get("AGENDA_WATCH_LEDGER_URL") or data / "ledger.sqlite3")
    try:
        for n in range(3):  # as a Scrapyd job on another machine would have queued them
            assert ledger.queue_notice(meeting_notice(n))
    finally:
        ledger.close()
    env = server_env(
        AGENDA_WATCH_DATA_DIR=str(data),
        AGENDA_WATCH_CONFIG_DIR=os.environ["AGENDA_WATCH_CONFIG_DIR"],
        SLACK_BOT_TOKEN=VALID_TOKEN,
        SLACK_API_URL=slack.url,
        SLACK_CHANNEL=DEFAULT_CHANNEL,
        **(
            {"AGENDA_WATCH_LEDGER_URL": os.environ["AGENDA_WATCH_LEDGER_URL"]}
            if "AGENDA_WATCH_LEDGER_URL" in os.environ
            else {}
        ),
    )
    proc = subprocess.Popen(
        [str(BIN / "agenda-watch"), "run", "--no-crawl"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(3):
            assert slack.fake.posts_received.acquire(timeout=60), "the node did not deliver"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert sorted(slack.fake.notice_ids()) == sorted(meeting_notice(n).id for n in range(3))
    assert "agenda-watch run: 0 source(s) on 0 schedule(s)" in out
    assert "delivery: every 2 min (--no-crawl: crawls run elsewhere)" in out
    assert "weekly digest: next " in out and "reminders: every 15 min" in out
    # No crawl ran: the scheduler's own log is the only one (no worker's, no source's).
    assert [p.name for p in (data / "logs").iterdir()] == ["scheduler.log"]
