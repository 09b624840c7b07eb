"""No command prints a traceback for an expected failure: one line says what happened and what to
do; ``--debug`` shows the traceback.

Each case is one a user met (issue 14). Real processes where the failure is the process's own
(a full disk on stdout, the demo run from another folder); the click group in this process for
the rest. Only "no network" is simulated (socket lookups fail), because the machine running the
tests may have a network.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import main
from tests.conftest import ROOT, copy_fixture_config
from tests.test_cli import cli

YAML_PAGE = b"sources:\n  - {id: x, base_url: 'https://x.legistar.com/Calendar.aspx'}\n"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_one_line_failure(out: str, err: str, code: int, *expected: str) -> str:
    """Exit status 1, no traceback, and the message: one line naming the problem and the fix."""
    assert code == 1, (code, out, err)
    assert "Traceback" not in out + err and 'File "' not in out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    for words in expected:
        assert words in lines[0], (words, lines[0])
    return lines[0]


def test_add_source_without_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    out = invoke("add-source", "https://www.example-village.gov/AgendaCenter")
    assert_one_line_failure(
        out.stdout,
        out.stderr,
        out.exit_code,
        "could not fetch https://www.example-village.gov/AgendaCenter",
        "could not be looked up",
        "--from-file PAGE.html",
    )


def test_add_source_with_the_connection_refused() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens on it
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = invoke("add-source", f"http://127.0.0.1:{port}/agendas")
    assert_one_line_failure(out.stdout, out.stderr, out.exit_code, "connection was refused")


def test_add_source_given_a_yaml_file_as_the_page(tmp_path: Path) -> None:
    page = tmp_path / "sources.yaml"
    page.write_bytes(YAML_PAGE)  # mentions legistar.com, but is no page of a town's site
    out = invoke(
        "add-source", "https://www.example-village.gov/agendas", "--from-file", str(page), "--yes"
    )
    assert_one_line_failure(
        out.stdout, out.stderr, out.exit_code, f"{page} is not a web page", "agenda"
    )
    assert "Recognised" not in out.stdout


def test_add_source_given_a_file_name_for_the_address(tmp_path: Path) -> None:
    out = invoke("add-source", str(tmp_path / "sources.yaml"))
    # A usage error (exit 2), from add-source's URL check: not a traceback either.
    assert out.exit_code == 2 and "Traceback" not in out.stderr
    assert "only http:// and https:// URLs can be added" in out.stderr


def test_demo_outside_the_repository(tmp_path: Path) -> None:
    env = {"AGENDA_WATCH_CONFIG_DIR": ""}  # empty counts as unset: ./config, which is not here
    proc = cli("--data-dir", str(tmp_path / "data"), "demo", env=env, cwd=tmp_path)
    assert_one_line_failure(
        proc.stdout,
        proc.stderr,
        proc.returncode,
        "config/topics.yaml: the demo classifies with the project's topic rules",
        "run it from the repository root, or give --config-dir DIR",
    )
    assert not (tmp_path / "data" / "logs").exists()


def test_parse_with_an_unknown_source() -> None:
    saved = ROOT / "pipeline" / "demo_recordings" / "oak_park" / "events.json"
    out = invoke("parse", "--source", "oak_parc", "--url", "https://x/events", str(saved))
    assert_one_line_failure(
        out.stdout, out.stderr, out.exit_code, "no source 'oak_parc' in", "agenda-watch sources"
    )


def test_classify_with_broken_rules(tmp_path: Path) -> None:
    config = copy_fixture_config(tmp_path / "config")
    (config / "topics.yaml").write_text("version: [unclosed\n")
    out = invoke("--config-dir", str(config), "classify", "ICE detainer")
    line = assert_one_line_failure(out.stdout, out.stderr, out.exit_code, "not valid YAML")
    assert line.startswith(f"{config / 'topics.yaml'}:2: ")


def test_a_full_disk_is_named_not_traced(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")  # Linux has it; it answers every write ENOSPC
    written = cli("schema", "--output", "/dev/full")
    assert_one_line_failure(
        written.stdout, written.stderr, written.returncode, "no space left on the device"
    )
    with open("/dev/full", "w") as full:
        printed = subprocess.run(
            [sys.executable, "-m", "pipeline", "--data-dir", str(tmp_path), "schema"],
            cwd=ROOT,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert_one_line_failure("", printed.stderr, printed.returncode, "no space left on the device")


@pytest.mark.parametrize(
    "args",
    [("parse", "--source", "nope", "--url", "https://x/", "pyproject.toml"), ("classify", "x")],
)
def test_debug_shows_the_traceback(tmp_path: Path, args: tuple[str, ...]) -> None:
    config = copy_fixture_config(tmp_path / "config")
    (config / "topics.yaml").write_text("version: x\n")
    out = cli("--debug", "--config-dir", str(config), *args)
    assert out.returncode == 1 and "Traceback (most recent call last)" in out.stderr, out.stderr


def test_crawl_with_broken_rules_names_the_problem(tmp_path: Path) -> None:
    config = copy_fixture_config(tmp_path / "config")
    (config / "topics.yaml").write_text("version: x\nthreshold: 1\ntopics: {}\nextra: 1\n")
    out = invoke("--config-dir", str(config), "--data-dir", str(tmp_path / "data"), "crawl")
    assert out.exit_code == 1 and "Traceback" not in out.stderr
    assert "crawl process exited" not in out.stdout + out.stderr
    assert f"{config / 'topics.yaml'}:4: extra: Extra inputs are not permitted" in out.stderr
    assert "crawling" not in out.stdout
