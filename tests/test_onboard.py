"""`agenda-watch add-source` (issue 11 item 5): validated URLs, YAML by the library, shown = written.

The page titles here are built, not captured: each carries one injection a hostile town page
could (line breaks of every kind YAML knows, a comment, a fake list entry, controls, bidi).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import check_sources
from pipeline.configfile import YAML_LOADER
from pipeline.ingest.detect import detect, propose_entry
from pipeline.ingest.onboard import check_url, plan_addition, write_addition

KANE = "https://countyofkane.legistar.com/Calendar.aspx"
ORIGINAL = """\
# Sources (hand-written comments must survive).

defaults:
  timezone: America/Chicago

sources:
  # Evidence: the Oak Park entry.
  - id: oak_park
    name: Village of Oak Park
    jurisdiction: Village of Oak Park, IL
    platform: legistar
    slug: oak-park

# --- Notes at the end of the file (not an entry) ---
# - Kane County: to be checked.
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    directory.mkdir()
    path = directory / "sources.yaml"
    path.write_text(ORIGINAL, encoding="utf-8")
    path.chmod(0o640)
    return directory


def add_source(config: Path, url: str, page: bytes, *extra: str) -> tuple[int, str, str]:
    saved = config.parent / "page.html"
    saved.write_bytes(page)
    args = ["--config-dir", str(config), "add-source", url, "--from-file", str(saved), *extra]
    result = CliRunner().invoke(main, args, input="y\n")
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "url",
    [
        KANE + "\n  - id: injected\n    platform: legistar",
        KANE + "\r",
        "https://countyofkane.legistar.com/Cal endar.aspx",
        KANE + "\t",
        KANE + "\x00",
        KANE + "\x1b]0;x\x07",
        KANE + "\u2028- id: x",
        KANE + "\x85- id: x",
        "https://countyofkane\u202e.legistar.com/",
        "https://countyofkane.legistar.com/\u200b",
        "javascript:alert(1)//countyofkane.legistar.com",
        "ftp://countyofkane.legistar.com/",
        "file:///etc/passwd",
        "https:///Calendar.aspx",
        "countyofkane.legistar.com/Calendar.aspx",
    ],
)
def test_bad_urls_are_refused_and_nothing_is_written(config: Path, url: str) -> None:
    with pytest.raises(ValueError):
        check_url(url)
    code, _, err = add_source(config, url, b"<html><title>Kane County</title></html>", "--yes")
    assert code == 2 and "Invalid value for URL" in err
    assert (config / "sources.yaml").read_text(encoding="utf-8") == ORIGINAL


HOSTILE_TITLES = [
    "Kane County\n  - id: evil\n    platform: legistar",
    "Kane County\u2028  - id: evil",
    "Kane County\x85  - id: evil",
    "Kane County\r# comment\r  - id: evil",
    "Kane County # not a comment: {id: evil}",
    "Kane \x1b]0;owned\x07County \u202eytnuoC\u202c",
    "Kane County' ]\n[ \"x",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_what_is_shown_is_exactly_what_lands(config: Path, title: str) -> None:
    page = f"<html><head><title>{title}</title></head><body>Calendar</body></html>".encode()
    code, out, err = add_source(config, KANE, page, "--yes")
    assert code == 0, err
    written = (config / "sources.yaml").read_text(encoding="utf-8")
    # The diff printed, applied to the original, is the file now.
    diff = out[out.index("--- ") :].split("\nAdded ")[0].splitlines()
    hunk = diff[diff.index(next(d for d in diff if d.startswith("@@"))) + 1 :]
    added = [line[1:] for line in hunk if line.startswith("+")]
    assert all(not line.startswith("-") for line in hunk)
    assert sorted(written.splitlines()) == sorted(ORIGINAL.splitlines() + added)
    # One entry and one comment line were added, nothing else, and the file checks clean.
    assert sum(line.lstrip().startswith("#") for line in added) == 1
    sources, problems = check_sources(config / "sources.yaml")
    assert problems == [] and [s.id for s in sources] == ["oak_park", "countyofkane"]
    kane = sources[1]
    assert "\n" not in kane.name and "\x1b" not in kane.name and "\u202e" not in kane.name
    assert yaml.load(written, Loader=YAML_LOADER)["defaults"] == {"timezone": "America/Chicago"}
    # Placed after the last entry, before the notes; the hand-written comments are all still there.
    assert written.index("id: countyofkane") < written.index("# --- Notes at the end")
    assert all(line in written.splitlines() for line in ORIGINAL.splitlines())


def test_the_file_keeps_its_mode(config: Path) -> None:
    for mode in (0o640, 0o600, 0o644):
        path = config / "sources.yaml"
        path.write_text(ORIGINAL, encoding="utf-8")
        path.chmod(mode)
        old = os.umask(0o077)
        try:
            code, _, err = add_source(config, KANE, b"<title>Kane County</title>", "--yes")
        finally:
            os.umask(old)
        assert code == 0, err
        assert stat.S_IMODE(path.stat().st_mode) == mode


def test_nothing_is_written_without_confirmation(config: Path) -> None:
    saved = config.parent / "page.html"
    saved.write_bytes(b"<title>Kane County</title>")
    args = ["--config-dir", str(config), "add-source", KANE, "--from-file", str(saved)]
    result = CliRunner().invoke(main, args, input="n\n")
    assert result.exit_code == 0 and "Nothing written." in result.stdout
    assert "+  - id: countyofkane" in result.stdout
    assert (config / "sources.yaml").read_text(encoding="utf-8") == ORIGINAL


def _entry() -> dict[str, object]:
    found = detect(KANE)
    assert found is not None
    return propose_entry(KANE, b"<title>Kane County</title>", found)


def test_a_file_edited_meanwhile_is_not_overwritten(config: Path) -> None:
    path = config / "sources.yaml"
    addition = plan_addition(path, _entry(), KANE)
    path.write_text(ORIGINAL + "# edited by hand meanwhile\n", encoding="utf-8")
    with pytest.raises(ValueError, match="changed while"):
        write_addition(addition)
    assert path.read_text(encoding="utf-8").endswith("meanwhile\n")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("sources: []\n", "block list"),
        ("sources:\n  - {id: oak_park, name: O, jurisdiction: O, platform: legistar, slug: oak-park}\n"
         "  - {id: countyofkane, name: K, jurisdiction: K, platform: legistar, slug: k}\n", "already"),
    ],
)  # fmt: skip
def test_unusual_files_are_refused_with_a_reason(config: Path, text: str, why: str) -> None:
    path = config / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=why):
        plan_addition(path, _entry(), KANE)
    assert path.read_text(encoding="utf-8") == text


def test_entries_in_flow_style_and_a_key_after_the_list(config: Path) -> None:
    path = config / "sources.yaml"
    text = (
        "sources:\n"
        "- {id: oak_park, name: O, jurisdiction: O, platform: legistar, slug: oak-park}\n"
        "defaults:\n  days_back: 3\n"
    )
    path.write_text(text, encoding="utf-8")
    write_addition(plan_addition(path, _entry(), KANE))
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    assert [s["id"] for s in data["sources"]] == ["oak_park", "countyofkane"]
    assert data["defaults"] == {"days_back": 3}
    assert re.search(r"^- id: countyofkane$", path.read_text(encoding="utf-8"), re.M)
