"""The Municode Meetings spider, through the real Scrapy engine.

The two paged list pages are BUILT from the documented Drupal shape (no real page with a pager
exists; the real pages are in tests/test_municode_batch3.py) (tests/fixtures/municode/PROVENANCE.md). The agenda
PDF served for them is a real Illinois agenda (tests/fixtures/pdf).
"""

from __future__ import annotations

import pytest

from pipeline.models import Source
from spiders.base import NoRowsFound
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import RecordedCrawl, crawl_recorded

MUNICODE = FIXTURES / "municode"
AGENDA_PDF = FIXTURES / "pdf" / "il_doc_advisory_board_agenda_2019-11-04_unnumbered.pdf"


@pytest.fixture(scope="module")
def urbana(tmp_path_factory: pytest.TempPathFactory) -> RecordedCrawl:
    with pytest.MonkeyPatch.context() as monkeypatch:
        crawl = crawl_recorded(
            tmp_path_factory.mktemp("urbana"),
            monkeypatch,
            {
                "id": "urbana",
                "platform": "municode",
                "base_url": "{{BASE}}/",
                "days_back": 3650,
                "days_ahead": 3650,
            },
            [
                {
                    "path": "/",
                    "query": {"page": "1"},
                    "file": "p1.html",
                    "content_type": "text/html",
                },
                {"path": "/", "file": "p0.html", "content_type": "text/html"},
                {
                    "path": "/urbanail-pubu/MEET-Agenda-0a1b2c3d4e5f60718293a4b5c6d7e8f9.pdf",
                    "file": "agenda.pdf",
                    "content_type": "application/pdf",
                },
                {
                    "path": "/urbanail-pubu/MEET-Agenda-ffeeddccbbaa99887766554433221100.pdf",
                    "file": "agenda.pdf",
                    "content_type": "application/pdf",
                },
            ],
            {
                "p0.html": MUNICODE / "built_list_page0.html",
                "p1.html": MUNICODE / "built_list_page1.html",
                "agenda.pdf": AGENDA_PDF,
            },
        )
    assert crawl.result.returncode == 0, crawl.result.message
    return crawl


def test_pages_are_followed(urbana: RecordedCrawl) -> None:
    pages = [r for r in urbana.requests if r == "/" or r.startswith("/?")]
    assert pages == ["/", "/?page=1"]
    # The page's second name is "Committee of the Whole - CANCELLED": the status leaves it.
    assert [(m.title, m.status) for m in urbana.meetings()] == [
        ("City Council", "scheduled"),
        ("Committee of the Whole", "cancelled"),
        ("City Council", "scheduled"),
    ]


def test_iso_content_with_and_without_offset(urbana: RecordedCrawl) -> None:
    january, cancelled, july = urbana.meetings()
    assert january.start.isoformat() == "2026-01-12T19:00:00-06:00"
    assert july.start.isoformat() == "2026-07-13T19:00:00-05:00"
    # A naive content value is read as local wall time.
    assert cancelled.start.isoformat() == "2026-07-06T18:00:00-05:00"
    assert cancelled.status == "cancelled"


def test_agenda_pdfs_are_read_and_links_kept(urbana: RecordedCrawl) -> None:
    january, cancelled, july = urbana.meetings()
    base = urbana.base_url
    assert {link.kind: str(link.url) for link in july.links} == {
        "agenda": f"{base}/urbanail-pubu/MEET-Agenda-0a1b2c3d4e5f60718293a4b5c6d7e8f9.pdf",
        "packet": f"{base}/urbanail-pubu/MEET-Packet-0a1b2c3d4e5f60718293a4b5c6d7e8f9.pdf",
    }
    assert [link.kind for link in january.links] == ["agenda", "minutes"]
    assert [d.pages for d in july.documents] == [1]
    assert [d.pages for d in january.documents] == [1]
    assert cancelled.documents == [] and cancelled.links == []


def _spider() -> object:
    source = Source(id="t", name="T", jurisdiction="T", platform="municode", slug="urbana-il")
    return spider_class_for(source)()


def test_empty_view_is_legitimate_but_a_shapeless_page_is_not() -> None:
    spider = _spider()
    url = "https://urbana-il.municodemeetings.com/"
    empty = b"<div class='view'><div class='view-empty'>No meetings found.</div></div>"
    assert list(spider.parse_saved(url, empty)) == []  # type: ignore[attr-defined]
    with pytest.raises(NoRowsFound):
        list(spider.parse_saved(url, b"<html><body>Maintenance</body></html>"))  # type: ignore[attr-defined]
