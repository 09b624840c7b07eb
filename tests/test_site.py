"""`agenda-watch site`: the written files, escaping, and the page in a real headless Chromium.

Chromium (Debian package ``chromium``; `.ci/run` installs it under CI; elsewhere the test skips
when there is none, marked ``browser``) loads the page from a file:// URL
with no network. ``--dump-dom`` returns the DOM after the page's script ran, so a filter set in the
URL fragment shows up as ``hidden`` attributes; ``--screenshot`` saves a phone-sized picture.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup, Tag
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.store.files import JsonStore
from pipeline.store.index import stored_meetings
from pipeline.views.calendar import EventVersions
from pipeline.views.site import build_site, site_query
from pipeline.views.upcoming import UpcomingQuery, load_upcoming
from tests.test_upcoming import EXPECTED_IDS, FIRST, OAK_PARK_URL, write_stored_meetings

NOW = datetime(2026, 10, 24, 13, 0, tzinfo=UTC)
PHONE = (390, 844)


def _build(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    write_stored_meetings(data)
    out = tmp_path / "site"
    query = UpcomingQuery(first=FIRST)
    with stored_meetings(data, data / "ledger.sqlite3") as index:
        selected = load_upcoming(index, site_query(query))
    build_site(selected, out, query, EventVersions(None), NOW)
    return out


def _chromium(binary: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp_path)
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _dom(binary: str, tmp_path: Path, url: str, *extra: str) -> BeautifulSoup:
    run = _chromium(binary, tmp_path, *extra, "--dump-dom", url)
    assert run.returncode == 0 and "<html" in run.stdout, run.stderr[-2000:]
    return BeautifulSoup(run.stdout, "html.parser")


def _one(soup: BeautifulSoup | Tag, selector: str) -> Tag:
    found = soup.select_one(selector)
    assert found is not None, selector
    return found


def _visible(soup: BeautifulSoup) -> list[str]:
    return [str(a["id"]) for a in soup.select("article.meeting") if not a.has_attr("hidden")]


def test_site_files_links_and_escaping(tmp_path: Path) -> None:
    out = _build(tmp_path)
    assert (out / "calendar/all.ics").exists()
    assert (out / "calendar/by-source/il-general-assembly.ics").exists()
    feed = json.loads((out / "upcoming.json").read_text())
    assert [m["id"] for m in feed["meetings"]] == EXPECTED_IDS

    html = (out / "index.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    assert [a["id"] for a in soup.select("article.meeting")] == EXPECTED_IDS
    assert str(_one(soup, 'meta[name="viewport"]')["content"]).startswith("width=device-width")
    # Scraped text is escaped: the hostile title is text, not an element.
    assert "&lt;img src=x onerror=alert(1)&gt; @channel" in html
    assert soup.find("img") is None
    assert "Committee on Health &amp; Human Relations" in html
    board = _one(soup, 'article[id="oak_park/20261027/9001"]')
    assert board["data-jurisdiction"] == "Village of Oak Park, IL"
    assert _one(board, "time")["datetime"] == "2026-10-27T19:00:00-05:00"
    assert _one(board, "time").text == "7:00 PM CDT"
    assert [li["data-topics"] for li in board.select("li.item")] == [
        "enforcement_cooperation",
        "welcoming_ordinance",
    ]
    assert {a.text: a["href"] for a in board.select("p.links a")} == {
        "Meeting page": OAK_PARK_URL,
        "Agenda": "https://oak-park.legistar.com/View.ashx?M=A&ID=9001&GUID=DEMO",
        "Calendar feed": "calendar/by-source/oak_park.ics",
    }
    after = _one(soup, 'article[id="oak_park/20261103/9003"]')
    assert _one(after, "time").text == "7:00 PM CST"
    cancelled = _one(soup, 'article[id="cook_county/20261029/9102"]')
    assert "cancelled" in cancelled["class"]
    assert _one(cancelled, ".badge").text == "CANCELLED"
    feeds = [a["href"] for a in soup.select("footer a")]
    assert feeds[0] == "calendar/all.ics" and "upcoming.json" in feeds
    assert "Monday, November 2, 2026" in soup.get_text()


def test_cli_site_command(tmp_path: Path) -> None:
    write_stored_meetings(tmp_path / "data")
    out = tmp_path / "public"
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path / "data"), "site", "--out", str(out), "--from", "2026-10-26"],
    )
    assert result.exit_code == 0, result.output
    assert "6 meeting(s); 5 calendar feed(s)" in result.output
    assert (tmp_path / "data" / "calendar-versions.json").exists()
    assert (out / "index.html").read_text().count('<article class="meeting') == 6
    # The Oak Park board is cancelled after the first build: the rebuilt page says so.
    store = JsonStore(tmp_path / "data")
    store.write(store.read("oak_park/20261103/9003").model_copy(update={"status": "cancelled"}))
    again = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path / "data"), "site", "--out", str(out), "--from", "2026-10-26"],
    )
    assert again.exit_code == 0, again.output
    soup = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    board = _one(soup, 'article[id="oak_park/20261103/9003"]')
    assert "cancelled" in board["class"] and _one(board, ".badge").text == "CANCELLED"
    assert "STATUS:CANCELLED" in (out / "calendar/by-source/oak_park.ics").read_text()


@pytest.mark.browser
def test_page_in_headless_chromium_filters_and_screenshot(chromium: str, tmp_path: Path) -> None:
    out = _build(tmp_path)
    page = (out / "index.html").as_uri()

    soup = _dom(chromium, tmp_path, page)
    assert not _one(soup, "form#filters").has_attr("hidden")  # the script ran (CSP hash ok)
    assert _visible(soup) == EXPECTED_IDS
    assert _one(soup, "#count").text == "6 meetings"
    topics = [o["value"] for o in soup.select("#f-topic option")]
    assert topics == [
        "",
        "welcoming_ordinance",
        "enforcement_cooperation",
        "shelter_new_arrivals",
        "benefits_access",
        "other_immigration",
    ]
    assert soup.find("img") is None  # the hostile <img onerror> never became an element

    soup = _dom(chromium, tmp_path, f"{page}#topic=benefits_access")
    assert _visible(soup) == ["oak_park/20261103/9003"]
    assert _one(soup, "#count").text == "1 meeting"
    hidden_days = [s["data-date"] for s in soup.select("section.day") if s.has_attr("hidden")]
    assert "2026-10-27" in hidden_days and "2026-11-03" not in hidden_days

    soup = _dom(chromium, tmp_path, f"{page}#jurisdiction={quote('State of Illinois')}")
    assert _visible(soup) == ["il-general-assembly/20261104/H-3099-22901"]

    both = f"jurisdiction={quote('Village of Oak Park, IL')}&topic=welcoming_ordinance"
    soup = _dom(chromium, tmp_path, f"{page}#{both}")
    assert _visible(soup) == ["oak_park/20261027/9001"]
    board = _one(soup, 'article[id="oak_park/20261027/9001"]')
    shown = [_one(li, "a").text for li in board.select("li.item") if not li.has_attr("hidden")]
    assert len(shown) == 1 and shown[0].startswith("Resolution authorizing the City to join")

    none = f"jurisdiction={quote('State of Illinois')}&topic=shelter_new_arrivals"
    soup = _dom(chromium, tmp_path, f"{page}#{none}")
    assert _visible(soup) == [] and not _one(soup, "#empty").has_attr("hidden")
    assert _one(soup, "#count").text == "0 meetings"
    # A topic no meeting has is not offered; a stale link to it shows everything.
    assert _visible(_dom(chromium, tmp_path, f"{page}#topic=detention")) == EXPECTED_IDS

    # Phone width: the page fits 390 CSS pixels without sideways scrolling.
    probe = out / "probe.html"
    probe.write_text(
        '<!doctype html><iframe id="f" src="index.html" style="width:390px;height:800px;'
        'border:0"></iframe><pre id="r">pending</pre><script>'
        'document.getElementById("f").addEventListener("load", function () {'
        "var d = this.contentDocument.documentElement;"
        'document.getElementById("r").textContent = d.scrollWidth + " " + d.clientWidth;'
        "});</script>"
    )
    soup = _dom(chromium, tmp_path, probe.as_uri(), "--allow-file-access-from-files")
    scroll_width, client_width = map(int, _one(soup, "#r").text.split())
    assert 300 <= client_width <= 390 and scroll_width <= client_width

    shot = tmp_path / "site-phone.png"
    run = _chromium(
        chromium,
        tmp_path,
        "--hide-scrollbars",
        f"--window-size={PHONE[0]},{PHONE[1]}",
        f"--screenshot={shot}",
        page,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == PHONE
    assert len(png) > 20_000  # a rendered page, not a blank frame
    keep = os.environ.get("AGENDA_WATCH_SCREENSHOT_DIR")
    if keep:  # CI can keep the picture as an artifact
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(keep) / shot.name)
