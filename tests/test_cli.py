"""The command line as a user runs it, from the repo root.

`cli` starts a real ``python -m pipeline`` process (the entry point, the demo, the schema);
`run` invokes the same click group in this process, for the commands whose output is checked
in detail (no interpreter start-up per call, which keeps the fast loop fast).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from tests.conftest import ROOT, copy_fixture_config


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str, env: dict[str, str] | None = None) -> Run:
    """`agenda-watch ARGS` in this process, with the tests' config (conftest.config_dir)."""
    result = CliRunner().invoke(main, list(args), env=env)
    return Run(result.exit_code, result.stdout, result.stderr)


@pytest.mark.engine  # the demo crawls, in `agenda-watch` child processes
def test_demo_twice_then_matches_as_json(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = cli("--data-dir", str(data), "demo")
    assert first.returncode == 0, first.stderr
    assert "notices queued" in first.stdout and "2 notices queued" in first.stdout
    assert "ApiDisabled" in first.stdout  # the disabled Lake County API is reported, not hidden
    assert "note: demo_lake_county fails on purpose: its recording is the HTTP 500" in first.stdout
    assert f"--config-dir {data / 'demo-config'} sources" in first.stdout
    stored = [p.read_text() for p in (data / "meetings").rglob("*.json")]
    assert len(stored) == 4 and not any("127.0.0.1" in text for text in stored)
    assert "deliver (file): 2 sent" in first.stdout
    assert "Resolution No. 25-196" in first.stdout
    assert len(list((data / "outbox").glob("*.json"))) == 2

    second = cli("--data-dir", str(data), "demo")
    assert second.returncode == 0, second.stderr
    assert "0 notices queued" in second.stdout and "deliver (file): 0 sent" in second.stdout

    out = cli("--data-dir", str(data), "matches", "--format", "json")
    rows = json.loads(out.stdout)
    assert len(rows) == 5
    first_row = rows[0]
    assert {"id", "source", "title", "url", "topics", "evidence", "meeting_start"} <= set(first_row)
    assert first_row["meeting_start"] == "2026-12-08T19:00:00-06:00"
    assert first_row["source"] == "demo_oak_park"
    assert first_row["topics"] == ["enforcement_cooperation"]
    assert [r["number"] for r in rows if r["source"] == "demo_cook_county"] == [
        "25-4456",
        "25-4470",
        "25-4511",
    ]
    since = json.loads(
        cli("--data-dir", str(data), "matches", "--since", "2026-12-09", "--format", "json").stdout
    )
    assert {r["source"] for r in since} == {"demo_cook_county"}


def test_classify_jsonl_and_text(tmp_path: Path) -> None:
    inputs = tmp_path / "in.jsonl"
    inputs.write_text(
        json.dumps({"id": "a", "text": "Resolution declaring the Village a Welcoming Village"})
        + "\n"
        + json.dumps({"id": "b", "text": "Snow and Ice Control Presentation"})
        + "\nnot json\n"
    )
    out = run("classify", "--jsonl", str(inputs))
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(line["id"], line["relevant"]) for line in lines] == [("a", True), ("b", False)]
    assert lines[0]["topics"] == ["welcoming_ordinance"] and lines[0]["evidence"]
    assert "line 3: skipped" in out.stderr
    explained = run("classify", "--explain", "287(g) agreement with ICE")
    assert explained.returncode == 0 and "287(g)" in explained.stdout


def test_check_config_reports_file_line_entry_and_field(tmp_path: Path) -> None:
    config = copy_fixture_config(tmp_path / "config")
    (config / "sources.yaml").write_text(
        "sources:\n"
        "  - {id: good, name: G, jurisdiction: J, platform: legistar, slug: g}\n"
        "  - {id: Bad-Id, name: B, jurisdiction: J, platform: legistar, slug: b}\n"
        "  - {id: tz, name: T, jurisdiction: J, platform: legistar, slug: t, timezone: America/Chicagoo}\n"
        "  - {id: cron, name: C, jurisdiction: J, platform: legistar, slug: c, schedule: '0 6 * * 1'}\n"
        "  - {id: typo, name: T, jurisdiction: J, platform: legistr, slug: t, enabeld: true}\n"
        "  - {id: good, name: G2, jurisdiction: J, platform: legistar, slug: g2}\n"
    )
    out = CliRunner().invoke(main, ["--config-dir", str(config), "check-config"])
    assert out.exit_code == 1
    err = out.stderr
    path = str(config / "sources.yaml")
    assert f"{path}:3: Bad-Id: id: use lower-case letters" in err
    assert f"{path}:4: tz: timezone: unknown time zone 'America/Chicagoo'" in err
    assert f"{path}:5: cron: schedule: use weekday names" in err
    assert f"{path}:6: typo: platform: unknown platform 'legistr' (did you mean 'legistar'?)" in err
    assert f"{path}:6: typo: enabeld: unknown field (did you mean 'enabled'?)" in err
    assert f"{path}:7: good: id: duplicate id (first at line 2)" in err
    assert "6 configuration problem(s)" in err
    ok = run("check-config")
    assert ok.returncode == 0 and "ok: 10 sources (9 enabled)" in ok.stdout


def test_check_config_reports_a_malformed_watchlist(tmp_path: Path) -> None:
    config = copy_fixture_config(tmp_path / "config")
    (config / "watchlist.yaml").write_text("watch:\n  - HB1312\n  - {bill: HB12x}\nignroe: []\n")
    result = CliRunner().invoke(main, ["--config-dir", str(config), "check-config"])
    assert result.exit_code == 1
    path = config / "watchlist.yaml"
    assert f"{path}:4: ignroe: Extra inputs are not permitted" in result.output
    assert "2 configuration problem(s)" not in result.output
    assert "1 configuration problem(s)" in result.output
    (config / "watchlist.yaml").write_text("watch:\n  - HB1312\n  - {bill: HB12x}\n")
    result = CliRunner().invoke(main, ["--config-dir", str(config), "check-config"])
    assert f"{path}:3: watch[1]: bill: 'HB12x' is not a bill label" in result.output
    assert result.exit_code == 1 and "1 configuration problem(s)" in result.output


def test_a_malformed_setting_is_named_without_a_traceback(tmp_path: Path) -> None:
    out = run(
        "sources", env={"AGENDA_WATCH_CRAWL_PARALLEL": "many", "SLACK_BOT_TOKEN": "xoxb-s3cr3t"}
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "AGENDA_WATCH_CRAWL_PARALLEL: Input should be a valid integer" in out.stderr
    assert "s3cr3t" not in out.stderr + out.stdout


def test_scrapy_list_from_repo_root() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    names = out.stdout.split()  # the tests' config: 10 entries, urbana disabled
    assert "oak_park" in names and "kane_county" in names and len(names) == 9
    assert "urbana" not in names


def test_parse_saved_page() -> None:
    saved = ROOT / "pipeline" / "demo_recordings" / "oak_park" / "event_9001_items.json"
    out = run(
        "parse",
        "--source",
        "oak_park",
        "--url",
        "https://webapi.legistar.com/v1/oak-park/events/9001/eventitems",
        str(saved),
    )
    assert out.returncode == 0, out.stderr
    items = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(items) == 7  # the minutes-only row is left out
    assert items[2]["number"] == "3." and items[2]["matter"] == "RES 26-196"


def test_schema_describes_the_stored_meeting() -> None:
    out = cli("schema")  # a real process: the console entry point works
    assert out.returncode == 0, out.stderr
    schema = json.loads(out.stdout)
    assert schema["title"] == "Meeting"
    assert {"id", "source", "start", "items"} <= set(schema["properties"])
    assert "raw_documents" not in schema["properties"]
