"""The canary (issue 11 acceptance): every secret set to a known value, every error path forced,
then the value is looked for everywhere the process leaves text. It appears nowhere.

Secrets: the Slack bot token, the webhook URL and a Legistar API token (``api_token_env``), each
holding `CANARY`. Paths forced, each through the real command line in its own process (``-v``,
Scrapy at DEBUG, so every log line there is): a Legistar API answering 401 (its body echoing the
token, as some servers do), a Legistar API on an unreachable host, a successful Legistar crawl
with the token (the HTTP cache must not store its URL), the fake Slack answering invalid_auth,
an unreachable Slack, an unreachable webhook, a webhook that works (the health alerts, with the
401's message, are posted), and a webhook URL that is not https. Searched: every file under the
data dir (logs, ledger and its WAL, outbox, meeting JSON, HTTP cache), every command's output,
and everything the fake Slack received. Each path is also checked to have really happened.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.demo import RECORDINGS
from pipeline.replay import ReplayServer
from tests.conftest import ROOT, TOPICS
from tests.fakeslack import FakeSlackServer

CANARY = "cAnArY-5e1d7b3f90a2"
LEGISTAR_TOKEN = f"{CANARY}-legistar"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def recordings(tmp_path: Path) -> Path:
    """The demo recordings plus a Legistar client whose API answers 401, echoing the token."""
    rec = tmp_path / "recordings"
    shutil.copytree(RECORDINGS, rec)
    (rec / "kane").mkdir()
    (rec / "kane" / "denied.json").write_text(
        json.dumps({"Message": f"Authorization has been denied for token={LEGISTAR_TOKEN}"})
    )
    routes = json.loads((rec / "routes.json").read_text())
    routes["routes"].insert(
        0,
        {
            "path": "/v1/kane/events",
            "status": 401,
            "content_type": "application/json",
            "file": "kane/denied.json",
        },
    )
    (rec / "routes.json").write_text(json.dumps(routes))
    return rec


def write_config(config: Path, base: str, down: int) -> None:
    config.mkdir()
    shutil.copyfile(TOPICS, config / "topics.yaml")
    common: dict[str, object] = {
        "platform": "legistar",
        "api_token_env": "KANE_LEGISTAR_TOKEN",
        "alert_after": 1,
        "days_back": 3650,
        "days_ahead": 3650,
    }
    sources: list[dict[str, object]] = [
        {"id": "kane_denied", "name": "Kane County", "jurisdiction": "Kane County, IL",
         "slug": "kane", "api_url": f"{base}/v1/kane", "fetch_documents": False},
        {"id": "kane_down", "name": "Kane County (down)", "jurisdiction": "Kane County, IL",
         "slug": "kane", "api_url": f"http://127.0.0.1:{down}/v1/kane"},
        {"id": "oak_park", "name": "Village of Oak Park", "jurisdiction": "Oak Park, IL",
         "slug": "oak-park", "api_url": f"{base}/v1/oak-park"},
    ]  # fmt: skip
    text = yaml.safe_dump({"sources": [{**s, **common} for s in sources]}, sort_keys=False)
    (config / "sources.yaml").write_text(text)


def agenda_watch(
    data: Path, config: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    full.update(
        {
            "KANE_LEGISTAR_TOKEN": LEGISTAR_TOKEN,
            "AGENDA_WATCH_LOG_LEVEL": "DEBUG",
            "AGENDA_WATCH_DOWNLOAD_DELAY": "0",
            "SLACK_OPS_CHANNEL": "C0OPS00001",
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "-v", "--data-dir", str(data), "--config-dir",
         str(config), *args],
        cwd=ROOT, env=full, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


@pytest.mark.engine
def test_no_secret_leaves_the_process_on_any_error_path(tmp_path: Path) -> None:
    data, config = tmp_path / "data", tmp_path / "config"
    outputs: list[str] = []

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        done = agenda_watch(data, config, *args, **env)
        outputs.append(f"$ {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    bot = {"SLACK_BOT_TOKEN": f"xoxb-{CANARY}-bot"}
    with ReplayServer(recordings(tmp_path)) as replay, FakeSlackServer() as slack:
        write_config(config, replay.base_url, closed_port())
        webhook = {"SLACK_WEBHOOK_URL": f"{slack.url.removesuffix('/api/')}/webhook/{CANARY}/hook"}

        crawl = run("crawl", "--no-deliver", **bot)
        assert "kane_denied" in crawl.stdout and "kane_down" in crawl.stdout
        assert "HTTP 401" in crawl.stdout  # the 401 path really ran, and is reported
        assert any("token=" in r for r in replay.requests)  # the token really was sent
        listing = run("sources", **bot)
        assert "SourceError: events: HTTP 401" in listing.stdout
        with sqlite3.connect(data / "ledger.sqlite3") as db:
            [message] = db.execute(
                "SELECT message FROM runs WHERE source = 'kane_denied'"
            ).fetchone()
        assert "&token=[redacted]" in message and "denied for token=[redacted]" in message

        refused = run("deliver", **bot, SLACK_API_URL=slack.url)
        assert refused.returncode == 1 and "invalid_auth" in refused.stdout
        unreachable = run("deliver", **bot, SLACK_API_URL=f"http://127.0.0.1:{closed_port()}/api/")
        assert unreachable.returncode == 1 and "cannot reach Slack" in unreachable.stdout
        dead_hook = {"SLACK_WEBHOOK_URL": f"http://127.0.0.1:{closed_port()}/hooks/{CANARY}"}
        nowhere = run("deliver", **dead_hook)
        assert nowhere.returncode == 1 and "cannot reach the webhook" in nowhere.stdout
        posted = run("deliver", **webhook)
        assert posted.returncode == 0, posted.stdout + posted.stderr
        received = json.dumps([slack.fake.messages, slack.fake.webhook_posts])
        assert "Kane County" in received and "HTTP 401" in received  # the health alerts

        for bad in (f"hooks.example.org/services/{CANARY}", f"ftp://example.org/{CANARY}",
                    f"https://example.org/{CANARY}\nX: y"):  # fmt: skip
            for command in ("check-config", "deliver"):
                done = run(command, SLACK_WEBHOOK_URL=bad)
                assert done.returncode != 0 and "SLACK_WEBHOOK_URL" in done.stderr

    leaks = [text[:200] for text in outputs if CANARY in text]
    assert not leaks, leaks
    assert CANARY not in received
    files = [p for p in data.rglob("*") if p.is_file()]
    names = {p.relative_to(data).parts[0] for p in files}
    assert {"logs", "ledger.sqlite3", "meetings"} <= names, names
    assert any(p.name == "kane_denied.log" and "[redacted]" in p.read_text() for p in files)
    found = [str(p.relative_to(data)) for p in files if CANARY.encode() in p.read_bytes()]
    assert not found, found
