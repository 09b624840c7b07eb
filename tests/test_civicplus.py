"""The CivicPlus AgendaCenter spider through the real Scrapy engine, against real captures.

Facts asserted come from fixtures/real/platforms/PROVENANCE.md (Las Cruces, Alameda, Gallatin)
and fixtures/real/PROVENANCE.md (Kingsburg). ``AGENDA_WATCH_TODAY`` pins the crawl window to each
capture's date.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.models import Meeting, Source
from spiders.base import NoRowsFound
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded

C = FIXTURES / "civicplus"
LAS_CRUCES = C / "civic-scraper__civplus_agenda_search_results_page.html"
ALAMEDA = C / "civic-scraper__civplus_alameda_water.html"
GALLATIN_INDEX = C / "commissionwatch__gallatin_agendacenter-index.html"
GALLATIN_CAT4_2025 = C / "commissionwatch__gallatin_updatecategorylist-cat4-2025.html"
KINGSBURG = C / "fre_kingsburg_city_council.html"

# No capture of an ``?html=true`` agenda rendition exists; this small page stands in for one.
HTML_AGENDA = (
    "<html><body><h1>Airport Advisory Board</h1><p>1. Call to order</p>"
    "<p>2. Approval of the agenda</p></body></html>"
)


def _source(source_id: str, tz: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": source_id,
        "platform": "civicplus",
        "base_url": "{{BASE}}/AgendaCenter",
        "timezone": tz,
        **extra,
    }


def _spider(tz: str = "America/Los_Angeles") -> Any:
    source = Source(
        id="saved", name="Saved", jurisdiction="Test", platform="civicplus", slug="x", timezone=tz
    )
    return spider_class_for(source)()


def _path(meeting: Meeting, kind: str) -> list[str]:
    """Paths (with query) of a meeting's links of one kind, without the replay host."""
    return [
        str(link.url).split("/AgendaCenter", 1)[1] for link in meeting.links if link.kind == kind
    ]


def test_gallatin_index_and_update_category_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Index (one year per category) plus the Weed Board's 2025 from the POST fragment."""
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2026-08-04")  # capture date
    routes: list[dict[str, Any]] = [
        {"path": "/AgendaCenter", "file": "index.html", "content_type": "text/html"},
        {
            "path": "/AgendaCenter/UpdateCategoryList",
            "method": "POST",
            "body_contains": "year=2025&catID=4",
            "file": "cat4-2025.html",
            "content_type": "text/html",
        },
        # Other years: an empty category answers with the whole AgendaCenter page
        # (platforms.md §4.5). That capture was not copied; the real index page stands in.
        {
            "path": "/AgendaCenter/UpdateCategoryList",
            "method": "POST",
            "file": "index.html",
            "content_type": "text/html",
        },
    ]
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        _source("gallatin", "America/Denver", days_back=1000, days_ahead=60, fetch_documents=False),
        routes,
        {"index.html": GALLATIN_INDEX, "cat4-2025.html": GALLATIN_CAT4_2025},
    )
    assert crawl.result.returncode == 0 and crawl.result.errors == 0, crawl.result.message
    # Window 2023-11-08 … 2026-10-03: categories 3 and 2 offer no other year in it; the Weed
    # Board (current 2026) is asked for 2025, 2024 and 2023.
    posts = [r for r in crawl.requests if r.startswith("POST ")]
    assert posts == ["POST /AgendaCenter/UpdateCategoryList"] * 3
    # 8 index rows + 10 Weed Board rows of 2025; the whole-page answers add nothing.
    assert crawl.result.meetings == 18
    by_id = {m.id: m for m in crawl.meetings()}

    bstrp = by_id["gallatin/20250602/06022025-2"]
    assert bstrp.body == "Big Sky Meadow Trails, Recreation & Parks Special District"
    assert bstrp.title == "BSTRP Regular Meeting Agenda"
    assert bstrp.start.isoformat() == "2025-06-02T00:00:00-06:00" and not bstrp.time_known
    assert _path(bstrp, "agenda") == ["/ViewFile/Agenda/_06022025-2"]

    december = by_id["gallatin/20251204/12042025-101"]
    assert december.body == "Weed Board"
    assert december.start.isoformat() == "2025-12-04T00:00:00-07:00"  # winter offset
    assert _path(december, "minutes") == ["/ViewFile/Minutes/_12042025-101"]
    assert _path(december, "agenda") == ["/ViewFile/Agenda/_12042025-101"]

    # The amended row keeps the date from its id; its "Previous Versions" link is dropped.
    amended = by_id["gallatin/20260402/04022026-104"]
    assert amended.start.date().isoformat() == "2026-04-02"
    assert not any("PreviousVersions" in str(link.url) for link in amended.links)
    assert {m.body for m in by_id.values()} == {
        "Big Sky Meadow Trails, Recreation & Parks Special District",
        "Study Commission",
        "Weed Board",
    }
    assert sum(m.body == "Weed Board" for m in by_id.values()) == 15


def test_las_cruces_search_page_and_html_agenda(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Las Cruces (Nov 2020): 20 categories, 28 rows, 88 ViewFile links; HTML agenda preferred."""
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2020-11-27")
    routes: list[dict[str, Any]] = [
        {"path": "/AgendaCenter", "file": "search.html", "content_type": "text/html"},
        {
            "path": "/AgendaCenter/ViewFile/Agenda/_11192020-808",
            "query": {"html": "true"},
            "file": "808.html",
            "content_type": "text/html; charset=utf-8",
        },
    ]
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        _source("las_cruces", "America/Denver", days_back=60, days_ahead=60),
        routes,
        {"search.html": LAS_CRUCES, "808.html": HTML_AGENDA},
    )
    assert crawl.result.returncode == 0 and crawl.result.errors == 0, crawl.result.message
    assert crawl.result.meetings == 28
    meetings = crawl.meetings()
    assert len({m.body for m in meetings}) == 20
    viewfile = {str(lk.url) for m in meetings for lk in m.links if "/ViewFile/" in str(lk.url)}
    assert len(viewfile) == 88

    by_id = {m.id: m for m in meetings}
    first = by_id["las_cruces/20201119/11192020-808"]
    assert first.body == "Airport Advisory Board"
    assert first.title == "Airport Advisory Board Meeting Agenda for November 19, 2020"
    assert first.start.isoformat() == "2020-11-19T00:00:00-07:00" and not first.time_known
    assert _path(first, "agenda") == [
        "/ViewFile/Agenda/_11192020-808?html=true",
        "/ViewFile/Agenda/_11192020-808",
    ]
    assert _path(first, "packet") == ["/ViewFile/Agenda/_11192020-808?packet=true"]
    # The HTML rendition was fetched (not the PDF) and its text extracted.
    assert "/AgendaCenter/ViewFile/Agenda/_11192020-808?html=true" in crawl.requests
    assert "/AgendaCenter/ViewFile/Agenda/_11192020-808" not in crawl.requests
    [doc] = first.documents
    assert "Approval of the agenda" in doc.text

    ciac = next(m for m in meetings if m.body == "Capital Improvements Advisory Committee")
    kinds = sorted(lk.kind for lk in ciac.links if "/ViewFile/" in str(lk.url))
    assert kinds == ["agenda", "agenda", "minutes", "packet"]

    cancelled = sorted(m.title for m in meetings if m.status == "cancelled")
    assert len(cancelled) == 7
    # "CANCELLED - Senior Programs Advisory Board Meeting - November 12, 2020" and "DRC Meeting
    # on December 2, 2020 - CANCELLED" on the page: the status words leave the titles.
    assert "Senior Programs Advisory Board Meeting - November 12, 2020" in cancelled
    assert "DRC Meeting on December 2, 2020" in cancelled


def test_category_ids_option_limits_the_crawl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2026-08-04")
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        _source(
            "gallatin_study",
            "America/Denver",
            days_back=365,
            fetch_documents=False,
            options={"category_ids": [2]},
        ),
        [{"path": "/AgendaCenter", "file": "index.html", "content_type": "text/html"}],
        {"index.html": GALLATIN_INDEX},
    )
    assert crawl.result.meetings == 2, crawl.result.message
    assert {m.body for m in crawl.meetings()} == {"Study Commission"}


def test_parse_saved_alameda_newer_layout() -> None:
    meetings: list[Meeting] = list(
        _spider().parse_saved("https://www.acwd.org/AgendaCenter", ALAMEDA.read_bytes())
    )
    assert len(meetings) == 2
    first = meetings[0]
    assert first.body == "Engineering and Information Technology Committee"
    assert first.title == "Agenda"
    assert first.start.isoformat() == "2024-09-04T00:00:00-07:00"
    assert [str(lk.url) for lk in first.links] == [
        "https://www.acwd.org/AgendaCenter/ViewFile/Agenda/_09042024-1447"
    ]


def test_parse_saved_kingsburg_index() -> None:
    meetings: list[Meeting] = list(
        _spider().parse_saved(
            "https://www.cityofkingsburg-ca.gov/agendacenter", KINGSBURG.read_bytes()
        )
    )
    assert len(meetings) == 61
    council = [m for m in meetings if m.body == "City Council"]
    assert len(council) == 18
    assert council[0].title == "City Council Regular Meeting Agenda"  # no trailing space
    assert council[0].start.date().isoformat() == "2022-08-17"
    assert [str(lk.url) for lk in council[0].links] == [
        "https://www.cityofkingsburg-ca.gov/AgendaCenter/ViewFile/Agenda/_08172022-724"
    ]
    assert council[-1].start.date().isoformat() == "2022-01-05"


def test_parse_saved_fragment_names_the_body_from_its_year_tabs() -> None:
    meetings: list[Meeting] = list(
        _spider("America/Denver").parse_saved(
            "https://www.gallatinmt.gov/AgendaCenter/UpdateCategoryList",
            GALLATIN_CAT4_2025.read_bytes(),
        )
    )
    assert len(meetings) == 10
    assert {m.body for m in meetings} == {"Weed Board"}


def test_index_without_categories_is_a_named_error() -> None:
    """A page with no ``div#cat{N}`` block and no ``span#section{N}`` fragment fails loudly."""
    with pytest.raises(NoRowsFound):
        list(
            _spider().parse_saved(
                "https://www.gallatinmt.gov/AgendaCenter",
                b"<html><body><div id='AgendaCenterContent'>Maintenance</div></body></html>",
            )
        )


def test_the_page_not_its_address_decides_what_is_read() -> None:
    """The POST fragment saved under the index address is still read as the fragment it is."""
    meetings = list(
        _spider().parse_saved(
            "https://www.gallatinmt.gov/AgendaCenter", GALLATIN_CAT4_2025.read_bytes()
        )
    )
    # PROVENANCE: the cat4/2025 fragment holds 10 Weed Board rows.
    assert len(meetings) == 10
    assert {m.body for m in meetings if isinstance(m, Meeting)} == {"Weed Board"}
