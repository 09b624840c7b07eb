"""`agenda-watch parse --platform P --timezone TZ --option key=value` for a town not in config.

Issue 12, kind 7: without a zone every result had Chicago's offset (a California IQM2 page came
out -06:00), and Legistar's web mode could not be asked for. Real captures, run as a user does.
"""

from __future__ import annotations

import json

from tests.conftest import FIXTURES
from tests.test_cli import cli

SANTA_MONICA = FIXTURES / "iqm2" / "city-scrapers-ca__santa_monica.html"
NYC = FIXTURES / "legistar_web" / "python-legistar-scraper__nyc_events.html"
WEHO = FIXTURES / "granicus" / "city-scrapers-ca__west_hollywood_city_council.html"


def _records(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_timezone_sets_the_offset() -> None:
    url = "http://santamonicacityca.iqm2.com/Citizens/calendar.aspx"
    out = cli(
        "parse",
        "--platform",
        "iqm2",
        "--timezone",
        "America/Los_Angeles",
        "--url",
        url,
        str(SANTA_MONICA),
    )
    assert out.returncode == 0, out.stderr
    records = _records(out.stdout)
    assert len(records) == 270
    assert records[0]["start"] == "2015-04-28T17:30:00-07:00"
    assert records[0]["timezone"] == "America/Los_Angeles"
    default = cli("parse", "--platform", "iqm2", "--url", url, str(SANTA_MONICA))
    assert _records(default.stdout)[0]["start"] == "2015-04-28T17:30:00-05:00"  # Chicago's


def test_options_are_checked_and_used() -> None:
    url = "https://nyc.legistar.com/Calendar.aspx"
    out = cli(
        "parse",
        "--platform",
        "legistar",
        "--option",
        "mode=web",
        "--timezone",
        "America/New_York",
        "--url",
        url,
        str(NYC),
    )
    assert out.returncode == 0, out.stderr
    assert len(_records(out.stdout)) == 40
    bad = cli("parse", "--platform", "legistar", "--option", "mode=fax", "--url", url, str(NYC))
    assert bad.returncode == 2 and "bad --option for legistar" in bad.stderr
    shape = cli("parse", "--platform", "legistar", "--option", "web", "--url", url, str(NYC))
    assert shape.returncode == 2 and "KEY=VALUE" in shape.stderr
    zone = cli("parse", "--platform", "iqm2", "--timezone", "Mars/Base", "--url", url, str(NYC))
    assert zone.returncode == 2 and "unknown time zone" in zone.stderr


def test_a_required_option_a_saved_page_does_not_need() -> None:
    """Granicus needs view_id to crawl; it comes from the URL, or a saved page is read without."""
    with_view = "https://weho.granicus.com/ViewPublisher.php?view_id=22"
    out = cli("parse", "--platform", "granicus", "--url", with_view, str(WEHO))
    assert out.returncode == 0, out.stderr
    assert len(_records(out.stdout)) == 331
    without = cli(
        "parse", "--platform", "granicus", "--url", "https://weho.granicus.com/", str(WEHO)
    )
    assert without.returncode == 0, without.stderr
    assert len(_records(without.stdout)) == 331


def test_a_page_the_spider_does_not_read_is_one_clear_line() -> None:
    url = "https://x.iqm2.com/Citizens/Calendar.aspx"
    out = cli("parse", "--platform", "primegov", "--url", url, str(SANTA_MONICA))
    assert out.returncode == 1
    assert out.stderr.startswith("SourceError: ") and "Traceback" not in out.stderr
