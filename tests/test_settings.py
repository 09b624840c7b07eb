"""One configuration mechanism: Settings reads every variable; a crawl child gets them explicitly."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from pipeline.ingest.crawl import child_env
from pipeline.settings import Settings, load_settings
from tests.test_architecture import MODULES, ROOT, parsed


def test_settings_read_the_environment_and_overrides_win(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environment = {
        "AGENDA_WATCH_TODAY": "2026-08-04",
        "AGENDA_WATCH_HTTP_CACHE": "0",
        "AGENDA_WATCH_DOWNLOAD_DELAY": "2.5",
        "AGENDA_WATCH_LOG_LEVEL": "",  # empty counts as unset
        "AGENDA_WATCH_DATA_DIR": "/nowhere",  # the flag wins
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AGENDA_WATCH_CONFIG_DIR")  # the tests' own; here the default is checked
    settings = load_settings(data_dir=tmp_path, config_dir=None)
    assert settings.today == date(2026, 8, 4) and settings.http_cache is False
    assert settings.download_delay_s == 2.5 and settings.log_level == "INFO"
    assert settings.data_dir == tmp_path and settings.config_dir == Path("config")


def test_a_crawl_child_gets_the_settings_not_the_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret")
    monkeypatch.setenv("AGENDA_WATCH_DATA_DIR", "/stale/from/the/shell")
    monkeypatch.setenv("AGENDA_WATCH_PDF_TIMEOUT", "7")
    monkeypatch.setenv("UNRELATED", "kept")
    settings = load_settings(data_dir=tmp_path / "data")  # as `--data-dir` gives it
    env = child_env(settings)
    assert env["AGENDA_WATCH_DATA_DIR"] == str((tmp_path / "data").resolve())
    assert env["AGENDA_WATCH_CONFIG_DIR"] == str(settings.config_dir.resolve())
    assert env["AGENDA_WATCH_PDF_TIMEOUT"] == "7.0" and env["UNRELATED"] == "kept"
    assert env["SCRAPY_SETTINGS_MODULE"] == "spiders.settings"
    assert "SLACK_BOT_TOKEN" not in env and "AGENDA_WATCH_TODAY" not in env
    # What the child reads back is what the parent had, secrets aside.
    for name in list(Settings.aliases()):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    child = Settings()
    assert child.model_dump(exclude={"data_dir", "config_dir", "slack_bot_token"}) == (
        settings.model_dump(exclude={"data_dir", "config_dir", "slack_bot_token"})
    )
    assert child.slack_bot_token is None and child.data_dir == (tmp_path / "data").resolve()


def _env_reads(tree: ast.AST) -> list[int]:
    """Lines that read one of our variables straight from the environment."""
    found = []
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args:
            func = ast.unparse(node.func)
            if func.endswith(("environ.get", "environ.setdefault", "environ.pop", "getenv")):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ"):
            key = node.slice
        if (
            isinstance(key, ast.Constant)
            and isinstance(key.value, str)
            and key.value.startswith(("AGENDA_WATCH_", "SLACK_"))
        ):
            found.append(getattr(node, "lineno", 0))
    return found


def test_no_module_reads_our_variables_but_settings() -> None:
    offenders = {
        str(path.relative_to(ROOT)): lines
        for name, path in MODULES.items()
        if name != "pipeline.settings" and (lines := _env_reads(parsed(name)[0]))
    }
    assert offenders == {}
    assert _env_reads(ast.parse('import os\nos.environ.get("AGENDA_WATCH_X")\n')) == [2]
