"""Every page type a platform serves is recognised by its content, and read or refused by name.

`pipeline.ingest.detect.PAGE_KINDS` says what a saved page is from what it holds; the spiders
route by it. Each kind either has a real capture in ``tests/fixtures/`` recognised as that kind
under an address that says nothing, or is listed in `NO_REAL_CAPTURE` with the recording the
tests use instead: the test says which page types still have no real capture.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from pipeline.ingest.detect import PAGE_KINDS, page_kind
from pipeline.models import AgendaItem, Source
from spiders.base import SourceError
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES

NEUTRAL = "https://www.example-town.gov/page"
# Fixture folder → platform.
FOLDERS = {
    "boarddocs": "boarddocs",
    "civicclerk": "civicclerk",
    "civicplus": "civicplus",
    "diligent": "diligent",
    "elms": "elms",
    "escribe": "escribe",
    "granicus": "granicus",
    "iqm2": "iqm2",
    "legistar": "legistar",
    "legistar_web": "legistar",
    "municode": "municode",
    "novusagenda": "novusagenda",
    "primegov": "primegov",
}
# Page kinds no real capture exists for, and what the tests read instead.
NO_REAL_CAPTURE: dict[tuple[str, str], str] = {
    ("legistar", "web_meeting_detail"): "BUILT legistar_web/meeting_detail*.html",
    ("boarddocs", "agenda"): "BUILT agenda in tests/test_boarddocs_batch2.py",
    ("civicclerk", "meeting_items"): "BUILT civicclerk/built_meeting_778.json",
    ("escribe", "meeting_page"): "BUILT escribe/built_meeting_page.html",
    ("novusagenda", "meeting_view"): "BUILT novusagenda/built_meeting_view.html",
    ("primegov", "html_agenda"): "BUILT primegov/built_html_agenda.html",
}
# Recognised, and refused by name: pages that hold no meetings.
NOT_READ: dict[tuple[str, str], str] = {
    ("legistar", "api_matters"): "captures/python-legistar-scraper__chicago_dupe_event.json",
    ("civicplus", "calendar_module"): "captures/wicks_city_apc.html",
}
# Files in the platform folders that are not one of the platform's pages.
NOT_PAGES = {"city-scrapers-cinoh__cinoh_city_council.json"}  # City Scrapers rows, not a page


def _body(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def _real_captures() -> list[tuple[str, Path]]:
    found = []
    for folder, platform in FOLDERS.items():
        for path in sorted((FIXTURES / folder).iterdir()):
            # A built recording says so in its name or in a comment at its top.
            head = _body(path)[:600]
            built = path.name.startswith("built_") or b"BUILT" in head or path.suffix == ".md"
            if not built and path.name not in NOT_PAGES:
                found.append((platform, path))
    return found


REAL = _real_captures()


@pytest.mark.parametrize(("platform", "path"), REAL, ids=[p.name[:40] for _, p in REAL])
def test_real_captures_are_recognised_by_content(platform: str, path: Path) -> None:
    assert page_kind(platform, NEUTRAL, _body(path)) is not None


@pytest.mark.parametrize(
    ("platform", "kind"), sorted({(p, k) for p, k, _ in PAGE_KINDS}), ids=lambda x: str(x)
)
def test_every_page_kind_has_a_real_capture_or_says_why(platform: str, kind: str) -> None:
    recognised = {page_kind(p, NEUTRAL, _body(path)) for p, path in REAL if p == platform}
    if (platform, kind) in NO_REAL_CAPTURE:
        assert kind not in recognised, "a real capture now exists: drop the NO_REAL_CAPTURE note"
        return
    if (platform, kind) in NOT_READ:
        path = FIXTURES / NOT_READ[(platform, kind)]
        assert page_kind(platform, NEUTRAL, _body(path)) == kind
        return
    assert kind in recognised


@pytest.mark.parametrize(("platform", "kind"), sorted(NOT_READ))
def test_pages_holding_no_meetings_are_refused_by_name(platform: str, kind: str) -> None:
    source = Source(id="t", name="", jurisdiction="T", platform=platform)
    spider = spider_class_for(source)()
    with pytest.raises(SourceError, match=f"recognised as {kind}"):
        list(spider.parse_saved(NEUTRAL, _body(FIXTURES / NOT_READ[(platform, kind)])))


def test_novusagenda_meeting_view_items() -> None:
    """BUILT MeetingView (no real capture): CoverSheet rows are items, under their section."""
    source = Source(id="dinuba", name="", jurisdiction="Dinuba, CA", platform="novusagenda")
    url = "https://dinuba.novusagenda.com/agendapublic/MeetingView.aspx?MeetingID=365"
    items = list(
        spider_class_for(source)().parse_saved(
            url, (FIXTURES / "novusagenda" / "built_meeting_view.html").read_bytes()
        )
    )
    assert all(isinstance(i, AgendaItem) for i in items)
    assert [(i.number, i.text, i.id) for i in items] == [  # type: ignore[attr-defined]
        ("1.", "CONSENT CALENDAR", "dinuba/saved/365/2537"),
        ("2.", "PUBLIC HEARING", "dinuba/saved/365/2538"),
    ]
