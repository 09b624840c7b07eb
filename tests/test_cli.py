"""The command line as a user runs it (subprocesses from the repo root)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


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


def test_demo_twice_then_matches_as_json(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = cli("--data-dir", str(data), "demo")
    assert first.returncode == 0, first.stderr
    assert "notices queued" in first.stdout and "2 notices queued" in first.stdout
    assert "ApiDisabled" in first.stdout  # the disabled Lake County API is reported, not hidden
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
    out = cli("classify", "--jsonl", str(inputs))
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(line["id"], line["relevant"]) for line in lines] == [("a", True), ("b", False)]
    assert lines[0]["topics"] == ["welcoming_ordinance"] and lines[0]["evidence"]
    assert "line 3: skipped" in out.stderr
    explained = cli("classify", "--explain", "287(g) agreement with ICE")
    assert explained.returncode == 0 and "287(g)" in explained.stdout


def test_check_config_reports_file_entry_and_field(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "topics.yaml").write_text((ROOT / "config" / "topics.yaml").read_text())
    (config / "sources.yaml").write_text(
        "sources:\n"
        "  - {id: good, name: G, jurisdiction: J, platform: legistar, slug: g}\n"
        "  - {id: Bad-Id, name: B, jurisdiction: J, platform: legistar, slug: b}\n"
        "  - {id: tz, name: T, jurisdiction: J, platform: legistar, slug: t, timezone: America/Chicagoo}\n"
        "  - {id: cron, name: C, jurisdiction: J, platform: legistar, slug: c, schedule: '0 6 * * 1'}\n"
        "  - {id: typo, name: T, jurisdiction: J, platform: legistr, slug: t, enabeld: true}\n"
        "  - {id: good, name: G2, jurisdiction: J, platform: legistar, slug: g2}\n"
    )
    out = cli("--config-dir", str(config), "check-config")
    assert out.returncode == 1
    err = out.stderr
    path = str(config / "sources.yaml")
    assert f"{path}:sources[1] (Bad-Id):id:" in err
    assert f"{path}:sources[2] (tz):timezone: unknown time zone 'America/Chicagoo'" in err
    assert f"{path}:sources[3] (cron):schedule: use weekday names" in err
    assert (
        f"{path}:sources[4] (typo):platform:" in err and f"{path}:sources[4] (typo):enabeld:" in err
    )
    assert f"{path}:sources[5]:id: duplicate id 'good'" in err
    assert "6 problem(s)" in err
    ok = cli("check-config")
    assert ok.returncode == 0 and "ok: 111 sources" in ok.stdout


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
    names = out.stdout.split()
    assert "oak_park" in names and "kane_county" in names and len(names) == 111


def test_parse_saved_page() -> None:
    saved = ROOT / "pipeline" / "demo_recordings" / "oak_park" / "event_9001_items.json"
    out = cli(
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
    out = cli("schema")
    schema = json.loads(out.stdout)
    assert schema["title"] == "Meeting"
    assert {"id", "source", "start", "items"} <= set(schema["properties"])
    assert "raw_documents" not in schema["properties"]
