"""``check-config``: every problem at once, each with its file, line, entry and field.

The commands that read the configuration refuse it (or the broken part of it) with the same lines
and exit status 1.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import main
from pipeline.config import check_sources
from spiders.registry import platform_spiders
from tests.conftest import copy_fixture_config

# Ten different mistakes, each on a line of its own; the comment says which line is wrong.
TEN_MISTAKES = """\
defaults:
  timezone: America/Chicago

sources:
  - id: typo_hides_nothing
    name: Village of Typo
    jurisdiction: Typo, IL
    platform: civicplus
    slug: typo
    enabeld: true
    timezone: America/Chicagoo
    robots_obey: false

  - id: api_without_client
    name: Legistar without its client name
    jurisdiction: Somewhere, IL
    platform: legistar
    base_url: https://somewhere.legistar.com

  - id: numeric_weekday
    name: Cron with a number for Monday
    jurisdiction: X, IL
    platform: iqm2
    slug: x
    schedule: "0 6 * * 1"

  - id: bad_minute
    name: Cron out of range
    jurisdiction: Y, IL
    platform: iqm2
    slug: y
    schedule: "61 6 * * mon"

  - id: typo_hides_nothing
    name: The same id again
    jurisdiction: Z, IL
    platform: iqm2
    slug: z

  - id: same_site
    name: Typo's site a second time
    jurisdiction: Typo, IL
    platform: civicplus
    slug: typo

  - id: misspelt_platform
    name: M
    jurisdiction: M, IL
    platform: legistr
    slug: m

  - id: granicus_view
    name: Granicus with a word for a number
    jurisdiction: G, IL
    platform: granicus
    slug: g
    options: {view_id: five}
"""

EXPECTED = {
    10: "typo_hides_nothing: enabeld: unknown field (did you mean 'enabled'?)",
    11: "typo_hides_nothing: timezone: unknown time zone 'America/Chicagoo' (did you mean",
    12: "typo_hides_nothing: robots_obey: false needs robots_reason",
    14: "api_without_client: slug: legistar needs slug or api_url",
    25: "numeric_weekday: schedule: use weekday names (mon-fri), not numbers",
    32: "bad_minute: schedule: invalid cron expression",
    34: "typo_hides_nothing: id: duplicate id (first at line 5)",
    44: "same_site: slug: same slug as source 'typo_hides_nothing' (line 5)",
    49: "misspelt_platform: platform: unknown platform 'legistr' (did you mean 'legistar'?)",
    57: "granicus_view: options.view_id: Input should be a valid integer",
}


def check(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config-dir", str(config), *args])


def problem_lines(result: Result) -> list[str]:
    """The problems a command printed, without the closing count."""
    return [line for line in result.stderr.splitlines() if "configuration problem(s)" not in line]


def test_ten_mistakes_give_ten_messages_with_their_lines(tmp_path: Path) -> None:
    config = copy_fixture_config(tmp_path / "config")
    path = config / "sources.yaml"
    path.write_text(TEN_MISTAKES)
    result = check(config, "check-config")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("10 configuration problem(s)")
    problems = lines[:-1]
    assert len(problems) == 10, result.stderr
    found = {}
    for line in problems:
        match = re.match(rf"{re.escape(str(path))}:(\d+): (.*)", line)
        assert match, line
        found[int(match.group(1))] = match.group(2)
    assert sorted(found) == sorted(EXPECTED)
    for number, start in EXPECTED.items():
        assert found[number].startswith(start), (number, found[number])
    # The file's text really has the named field on the named line.
    text = path.read_text().splitlines()
    for number, message in found.items():
        field = message.split(": ")[1].split(".")[0]
        assert field in text[number - 1] or "id:" in text[number - 1], (number, text[number - 1])


def test_a_broken_entry_costs_that_entry(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(TEN_MISTAKES)
    sources, problems = check_sources(path)
    # Every entry above has a mistake, and duplicates leave the second entry out.
    assert sources == [] and len(problems) == 10
    path.write_text(
        TEN_MISTAKES.replace("base_url: https://somewhere", "slug: somewhere\n    x: 1")
    )
    sources, _ = check_sources(path)
    assert sources == []  # the new typo is reported too; nothing else comes back valid
    good = "sources:\n  - {id: ok, name: OK, jurisdiction: J, platform: iqm2, slug: ok}\n"
    path.write_text(good + TEN_MISTAKES.split("sources:\n", 1)[1])
    sources, problems = check_sources(path)
    assert [s.id for s in sources] == ["ok"] and len(problems) == 10


def test_yaml_syntax_and_repeated_keys_name_their_line(tmp_path: Path) -> None:
    config = copy_fixture_config(tmp_path / "config")
    (config / "sources.yaml").write_text(
        "sources:\n  - id: a\n    name: A\n   jurisdiction: J\n    platform: iqm2\n"
    )
    result = check(config, "check-config")
    assert result.exit_code == 1
    assert re.search(r"sources\.yaml:4: not valid YAML: ", result.stderr), result.stderr
    (config / "sources.yaml").write_text(
        "sources:\n  - id: a\n    name: A\n    jurisdiction: J\n    platform: iqm2\n"
        "    slug: a\n    slug: b\n"
    )
    result = check(config, "check-config")
    assert "sources.yaml:7: a: slug: given twice (the last one wins)" in result.stderr


def test_topics_problems_name_their_line(tmp_path: Path) -> None:
    config = copy_fixture_config(tmp_path / "config")
    topics = (config / "topics.yaml").read_text().splitlines()
    index = next(i for i, line in enumerate(topics) if line.strip().startswith("threshold:"))
    topics[index] = topics[index].split(":")[0] + ": -1"
    (config / "topics.yaml").write_text("\n".join(topics) + "\n")
    result = check(config, "check-config")
    assert result.exit_code == 1
    assert f"topics.yaml:{index + 1}: threshold: Input should be greater than 0" in result.stderr


def test_every_platform_says_what_locates_a_tenant(tmp_path: Path) -> None:
    """An entry with no slug, base_url or api_url is refused unless its platform has one tenant."""
    path = tmp_path / "sources.yaml"
    lines = ["sources:"]
    for platform in sorted(platform_spiders()):
        lines.append(f"  - {{id: {platform}, name: N, jurisdiction: J, platform: {platform}}}")
    path.write_text("\n".join(lines) + "\n")
    sources, problems = check_sources(path)
    locator_problems = {
        p.entry for p in problems if p.field in ("slug", "base_url") and "needs" in p.message
    }
    single_tenant = {p for p, cls in platform_spiders().items() if not cls.locators}
    assert single_tenant == {"elms", "ilga"}
    assert locator_problems == set(platform_spiders()) - single_tenant
    assert {s.id for s in sources} == single_tenant


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("platform: legistar, base_url: 'https://x.legistar.com'", "slug: legistar needs slug"),
        ("platform: legistar, api_url: 'https://webapi.legistar.com/v1/x'", ""),
        ("platform: legistar, base_url: 'https://x.legistar.com', options: {mode: web}", ""),
        ("platform: novusagenda, slug: x, options: {mode: board_api}", "api_url: novusagenda"),
        ("platform: civicclerk, base_url: 'https://x.portal.civicclerk.com'", "slug: civicclerk"),
        ("platform: civicclerk, base_url: 'https://x.api.civicclerk.com'", ""),
    ],
)
def test_platform_needs(tmp_path: Path, entry: str, problem: str) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(f"sources:\n  - {{id: s, name: N, jurisdiction: J, {entry}}}\n")
    _, problems = check_sources(path)
    assert [f"{p.field}: {p.message}"[: len(problem)] for p in problems] == (
        [problem] if problem else []
    )


def test_sources_and_crawl_refuse_a_broken_config_with_the_same_lines(tmp_path: Path) -> None:
    config = copy_fixture_config(tmp_path / "config")
    (config / "sources.yaml").write_text("sources:\n  - {id: a, name: A\n")  # unclosed mapping
    checked = check(config, "check-config")
    listed = check(config, "--data-dir", str(tmp_path / "data"), "sources")
    assert checked.exit_code == listed.exit_code == 1
    problem = checked.stderr.splitlines()[0]
    assert "sources.yaml:3: not valid YAML" in problem and problem in listed.stderr

    (config / "sources.yaml").write_text(TEN_MISTAKES)
    crawled = check(config, "--data-dir", str(tmp_path / "data"), "crawl", "same_site")
    assert crawled.exit_code == 1
    assert "cannot crawl same_site: its entry has problems (above)" in crawled.stderr
    assert all(line in crawled.stderr for line in check(config, "check-config").stderr.splitlines())
    assert not (tmp_path / "data" / "logs").exists()  # nothing was crawled


def test_a_broken_rules_file_stops_crawl_classify_and_run_before_they_start(
    tmp_path: Path,
) -> None:
    config = copy_fixture_config(tmp_path / "config")
    (config / "topics.yaml").write_text("version: x\nthreshold: 1\ntopics:\n  welcoming: {}\n")
    expected = problem_lines(check(config, "check-config"))
    assert any("topics.yaml:4: topics.welcoming" in line for line in expected), expected
    data = str(tmp_path / "data")
    for args in (("crawl",), ("classify", "ICE detainer"), ("run",)):
        result = check(config, "--data-dir", data, *args)
        assert result.exit_code == 1, args
        assert problem_lines(result) == expected, args
    assert not (tmp_path / "data" / "logs").exists()


def test_one_site_twice_is_refused_two_sites_sharing_a_slug_are_not(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    head = "sources:\n"
    base = "{id: %s, name: N, jurisdiction: J, platform: legistar, %s}\n"
    path.write_text(
        head
        + "  - " + base % ("a", "slug: kane, api_url: 'http://127.0.0.1:1/v1/kane'")
        + "  - " + base % ("b", "slug: kane, api_url: 'http://127.0.0.1:2/v1/kane'")
        + "  - " + base % ("c", "slug: oak, base_url: 'https://oak.legistar.com'")
        + "  - " + base % ("d", "api_url: 'http://x/v1/oak', base_url: 'https://www.oak.legistar.com/'")
    )  # fmt: skip
    sources, problems = check_sources(path)
    assert [s.id for s in sources] == ["a", "b", "c"]
    assert [(p.line, p.entry, p.field, p.message[:36]) for p in problems] == [
        (5, "d", "base_url", "same base_url as source 'c' (line 4)")
    ]
