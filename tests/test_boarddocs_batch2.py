"""BoardDocs: a second real committee list, broken feeds, and the agenda page.

Real: Cincinnati Public Schools' ``BD-GetMeetingsList`` (463 entries; batch2/PROVENANCE.md) and
CTPF's ``XML-ActiveMeetings`` feed (first batch). BUILT, and said so where used: the faults put
into the real feed (15 stray ``</category>`` tags, as in a real feed reported in issue 12, and an
unterminated comment), and the ``BD-GetAgenda`` answer — NO REAL CAPTURE of a BoardDocs agenda
page (``BD-GetAgenda`` / ``PRINT-AgendaDetailed``) exists; its markup here follows what other
projects document (``dt.category`` headings, ``li.item`` entries with ``span.order`` and
``span.title``, ids in ``unique``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipeline.models import AgendaItem, Meeting, Source
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import RecordedCrawl, crawl_recorded
from tests.test_cli import cli

B = FIXTURES / "boarddocs"
CPS = B / "city-scrapers-cinoh__cinoh_Board_of_Ed.json"
CTPF = B / "chi_teacherpension.xml"
JSON: dict[str, Any] = {"content_type": "application/json"}
XML: dict[str, Any] = {"content_type": "application/xml"}
BUILT_AGENDA = """
<dl class="wrap-category"><dt class="category" unique="CAT1"><span class="order">1.</span>
<span class="category-name">Opening Items</span></dt></dl>
<li class="item" unique="ITEM1"><span class="order">1.01</span><span class="title">Call to Order</span></li>
<li class="item" unique="ITEM2"><span class="order">1.02</span><span class="title">Roll Call</span></li>
<dl class="wrap-category"><dt class="category" unique="CAT2"><span class="order">2.</span>
<span class="category-name">Action Items</span></dt></dl>
<li class="item" unique="ITEM3"><span class="order">2.01</span>
<span class="title">Resolution Affirming Support for Immigrant and Refugee Students</span></li>
"""


@pytest.fixture(scope="module")
def cps(tmp_path_factory: pytest.TempPathFactory) -> RecordedCrawl:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("AGENDA_WATCH_TODAY", "2024-12-30")  # the peer test's freeze
        crawl = crawl_recorded(
            tmp_path_factory.mktemp("cps"),
            monkeypatch,
            {
                "id": "cps",
                "name": "Cincinnati Public Schools Board of Education",
                "platform": "boarddocs",
                "base_url": "{{BASE}}/oh/cps/Board.nsf/Public",  # the site's home page address
                "timezone": "America/New_York",
                "options": {"mode": "json", "committee_id": "A9HCZC3376F4"},
                "days_back": 60,
                "days_ahead": 30,
            },
            [
                {
                    "path": "/oh/cps/Board.nsf/BD-GetMeetingsList",
                    "method": "POST",
                    "body_contains": "current_committee_id=A9HCZC3376F4",
                    "file": "list.json",
                    **JSON,
                },
                {
                    "path": "/oh/cps/Board.nsf/BD-GetAgenda",
                    "method": "POST",
                    "body_contains": "id=DC2QWY6B5DDA",
                    "file": "agenda.html",
                    "content_type": "text/html",
                },
            ],
            {"list.json": CPS, "agenda.html": BUILT_AGENDA},
        )
    assert crawl.result.errors == 0, crawl.result.message
    return crawl


def test_cps_list_through_the_engine(cps: RecordedCrawl) -> None:
    # The base URL was the /Public page: every request went under …/Board.nsf/.
    assert cps.requests[1] == "POST /oh/cps/Board.nsf/BD-GetMeetingsList?open"
    meetings = cps.meetings()
    assert meetings and all(
        "2024-11-01" <= m.start.date().isoformat() <= "2024-12-30" for m in meetings
    )
    first = cps.store.read("cps/20241220/DC2QWY6B5DDA")
    assert first.title == "Budget, Finance and Growth Committee Meeting"
    # The list carries no time: midnight, flagged unknown.
    assert (first.start.isoformat(), first.time_known) == ("2024-12-20T00:00:00-05:00", False)
    assert first.body == "Cincinnati Public Schools Board of Education"
    assert str(first.url) == f"{cps.base_url}/oh/cps/Board.nsf/goto?open&id=DC2QWY6B5DDA"


def test_agenda_items_come_from_bd_get_agenda(cps: RecordedCrawl) -> None:
    """BUILT agenda markup (no real capture): items in order, under their section."""
    first = cps.store.read("cps/20241220/DC2QWY6B5DDA")
    assert [(i.number, i.title, i.text) for i in first.items] == [
        ("1.01", "Call to Order", "1. Opening Items"),
        ("1.02", "Roll Call", "1. Opening Items"),
        (
            "2.01",
            "Resolution Affirming Support for Immigrant and Refugee Students",
            "2. Action Items",
        ),
    ]
    assert first.items[2].id == "cps/20241220/DC2QWY6B5DDA/ITEM3"
    assert [i.number for i in first.relevant_items()] == ["2.01"]
    # Meetings whose agenda could not be had fall back to the printable agenda (404 here).
    assert any(r.startswith("/oh/cps/Board.nsf/PRINT-AgendaDetailed") for r in cps.requests)


def test_cps_every_entry() -> None:
    meetings = _saved("https://go.boarddocs.com/oh/cps/Board.nsf/BD-GetMeetingsList", CPS)
    # PROVENANCE: 463 entries, the last {}; sorted by numberdate descending, 20241220 to 20180404.
    assert len(meetings) == 462
    assert meetings[0].start.date().isoformat() == "2024-12-20"
    assert meetings[-1].start.date().isoformat() == "2018-04-04"
    assert meetings[0].platform_id == "DC2QWY6B5DDA"
    names = Counter(m.title for m in meetings)
    assert names["Board Business Meeting"] == 151
    assert (
        names[
            "Special Public Joint Meeting - Cincinnati Public Schools and City of Cincinnati's "
            "Healthy Neighborhoods Committee"
        ]
        >= 1
    )
    # The page names no committee; with no configured name the meeting's own name is the body.
    assert meetings[0].body == "Budget, Finance and Growth Committee"  # the run-on "Meeting" goes
    assert [str(lk.url) for lk in meetings[0].links] == [
        "https://go.boarddocs.com/oh/cps/Board.nsf/goto?open&id=DC2QWY6B5DDA",
        "https://go.boarddocs.com/oh/cps/Board.nsf/PRINT-AgendaDetailed?open&id=DC2QWY6B5DDA",
    ]


def test_saved_agenda_page() -> None:
    """BUILT agenda markup (no real capture) read by `agenda-watch parse`."""
    url = "https://go.boarddocs.com/oh/cps/Board.nsf/BD-GetAgenda?open&id=DC2QWY6B5DDA"
    items = [i for i in _records(url, BUILT_AGENDA.encode()) if isinstance(i, AgendaItem)]
    assert [i.number for i in items] == ["1.01", "1.02", "2.01"]


def _ctpf_crawl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feed: str) -> RecordedCrawl:
    return crawl_recorded(
        tmp_path,
        monkeypatch,
        {
            "id": "ctpf",
            "platform": "boarddocs",
            "base_url": "{{BASE}}/il/ctpf/Board.nsf/",
            "days_back": 3650,
            "days_ahead": 3650,
        },
        [{"path": "/il/ctpf/Board.nsf/XML-ActiveMeetings", "file": "feed.xml", **XML}],
        {"feed.xml": feed},
    )


def test_stray_closing_tags_cost_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """BUILT fault in the REAL feed: 15 stray </category>, which alone stop libxml2 at meeting 3."""
    parts = CTPF.read_text().split("</meeting>")
    for n in (2, 5, 9, 14, 20):
        parts[n] = parts[n].replace("</category>", "</category></category>", 3)
    feed = "</meeting>".join(parts)
    assert feed.count("</category>") - CTPF.read_text().count("</category>") == 15
    crawl = _ctpf_crawl(tmp_path, monkeypatch, feed)
    # All 28 meetings and 396 items, as from the clean feed; the repair is said, not hidden.
    assert (crawl.result.meetings, crawl.result.items) == (28, 396)
    log = (crawl.result.log_path or Path()).read_text()
    assert "markup repaired (15 stray or unclosed tags)" in log
    assert "ListingShortfall" not in log


def test_a_truncated_feed_is_a_named_warning_in_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BUILT fault in the REAL feed: an unterminated comment swallows the second half."""
    parts = CTPF.read_text().split("</meeting>")
    parts[13] = parts[13].replace("<description>", "<!-- <description>", 1)
    crawl = _ctpf_crawl(tmp_path, monkeypatch, "</meeting>".join(parts))
    assert crawl.result.meetings == 14  # the 13 whole meetings and the one cut open
    assert crawl.result.message.startswith("ListingShortfall: 28 rows seen, 14 read")
    assert "14 lost to broken markup" in crawl.result.message
    shown = cli(
        "--data-dir", str(tmp_path / "data"), "--config-dir", str(tmp_path / "config"), "sources"
    )
    assert shown.returncode == 0, shown.stderr
    [row] = [line for line in shown.stdout.splitlines() if line.startswith("ctpf ")]
    assert "ListingShortfall: 28 rows seen, 14 read" in row


def _records(url: str, body: bytes) -> list[Any]:
    source = Source(
        id="cps",
        name="",
        jurisdiction="Cincinnati, OH",
        platform="boarddocs",
        slug="oh/cps",
        timezone="America/New_York",
    )
    return list(spider_class_for(source)().parse_saved(url, body))


def _saved(url: str, path: Path) -> list[Meeting]:
    return [m for m in _records(url, path.read_bytes()) if isinstance(m, Meeting)]
