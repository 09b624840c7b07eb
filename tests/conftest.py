from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.demo import RECORDINGS, write_demo_config
from pipeline.replay import ReplayServer
from pipeline.settings import Settings
from tests.fakeslack import FakeSlackServer

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ROOT / "config" / "topics.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_WEBHOOK_URL",
        "SLACK_CHANNEL",
        "SLACK_API_URL",
        "SLACK_OPS_CHANNEL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AGENDA_WATCH_DOWNLOAD_DELAY", "0")


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer(RECORDINGS) as server:
        yield server


@pytest.fixture
def recordings_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo recordings, for tests that change a page between crawls."""
    dest = tmp_path / "recordings"
    shutil.copytree(RECORDINGS, dest)
    return dest


def make_settings(tmp_path: Path, base_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    data = tmp_path / "data"
    config = tmp_path / "config"
    write_demo_config(config, base_url, TOPICS)
    monkeypatch.setenv("AGENDA_WATCH_DATA_DIR", str(data))
    monkeypatch.setenv("AGENDA_WATCH_CONFIG_DIR", str(config))
    return Settings()


@pytest.fixture
def demo_env(tmp_path: Path, replay: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings whose sources are the demo recordings served by a local replay server."""
    return make_settings(tmp_path, replay.base_url, monkeypatch)


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        yield server
