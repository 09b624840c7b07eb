"""Granicus on the second batch of real captures (shared/fixtures/real/batch2/PROVENANCE.md).

Real pages: West Hollywood's ViewPublisher (another template: ``tr.odd|even`` rows whose cells
say ``headers="EventName"``/``"Name"``), Walnut Creek's AgendaViewer and MinutesViewer (no
``<html>``/``<head>``, no charset), and LAWA's AgendaViewer for the Jan 27, 2022 Audit Committee
Special Meeting, which is a row of the real LAWA listing already stored (a real pairing). Walnut
Creek's listing was not captured: the one-table listing that links its two pages is BUILT here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipeline.models import AgendaItem, Meeting
from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded
from tests.test_granicus import _spider

G = FIXTURES / "granicus"
WEHO = G / "city-scrapers-ca__west_hollywood_city_council.html"
WALNUT_AGENDA = G / "city-scrapers-ca__walnut_creek_1170.html"
WALNUT_MINUTES = G / "city-scrapers-ca__walnut_creek_110.html"
LAWA_LIST = G / "city-scrapers-ca__lawa.html"
LAWA_AUDIT = G / "city-scrapers-ca__lawa_3.html"
LAWA_REGULAR = G / "city-scrapers-ca__lawa_0.html"
HTML: dict[str, Any] = {"content_type": "text/html"}
LA = "America/Los_Angeles"


def _source(source_id: str, view_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": source_id,
        "platform": "granicus",
        "base_url": "{{BASE}}",
        "timezone": LA,
        "options": {"view_id": view_id},
        **extra,
    }


def test_west_hollywood_listing_through_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2022-03-01")  # the peer test's freeze
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        _source("weho", 22, days_back=60, days_ahead=30, fetch_documents=False),
        [{"path": "/ViewPublisher.php", "query": {"view_id": "22"}, "file": "list.html", **HTML}],
        {"list.html": WEHO},
    )
    assert crawl.result.errors == 0, crawl.result.message
    meetings = crawl.meetings()
    # Jan 1 – Mar 31, 2022: the one upcoming row and the archive rows of 2022 in the window.
    upcoming = [m for m in meetings if m.time_known]
    [march] = upcoming
    # "1646704800March 07, 2022 - 06:00 PM": the hidden epoch is 2022-03-08 02:00 UTC = 18:00 PST.
    assert (march.title, march.start.isoformat()) == (
        "Regular City Council Meeting",
        "2022-03-07T18:00:00-08:00",
    )
    assert march.links == []  # its only link is eComment "#"
    held = {m.start.date().isoformat(): m for m in meetings if not m.time_known}
    feb22 = held["2022-02-22"]
    # Archive dates have no time (only a duration): date only.
    assert feb22.start.isoformat() == "2022-02-22T00:00:00-08:00"
    # Title and Video are javascript:void(0) with the player in onclick; the Agenda is
    # protocol-relative; MP3/MP4 are plain http on port 443.
    assert [(link.title, link.kind, str(link.url)) for link in feb22.links] == [
        ("Video", "video", "https://weho.granicus.com/MediaPlayer.php?view_id=22&clip_id=3733"),
        ("Agenda", "agenda", "https://weho.granicus.com/AgendaViewer.php?view_id=22&clip_id=3733"),
        (
            "MP3 Audio",
            "video",
            "http://archive-media.granicus.com:443/OnDemand/weho/"
            "weho_ec7f02b9-6c22-4e15-992f-7de6312824db.mp3",
        ),
        (
            "MP4 Video",
            "video",
            "http://archive-media.granicus.com:443/OnDemand/weho/"
            "weho_ec7f02b9-6c22-4e15-992f-7de6312824db.mp4",
        ),
    ]
    assert feb22.platform_id == "clip_id=3733"


def test_west_hollywood_every_row() -> None:
    meetings = _saved("weho", 22, "https://weho.granicus.com/ViewPublisher.php?view_id=22", WEHO)
    # PROVENANCE: 1 upcoming row and 330 archive rows, Feb 22, 2022 back to Sep 18, 2006.
    assert len(meetings) == 331
    assert sum(m.time_known for m in meetings) == 1
    archive = [m for m in meetings if not m.time_known]
    assert (archive[0].start.date().isoformat(), archive[-1].start.date().isoformat()) == (
        "2022-02-22",
        "2006-09-18",
    )
    titles = Counter(m.title for m in archive)
    assert titles["Regular City Council Meeting"] == 204
    assert titles["City Council Meeting"] == 108
    assert titles["Adjourned Regular City Council Meeting"] >= 1
    links = [str(link.url) for m in meetings for link in m.links]
    assert sum("AgendaViewer.php" in u for u in links) == 221
    assert sum("MinutesViewer.php" in u for u in links) == 325
    # The tabs are years, not bodies: each meeting's body is its own name, without the meeting
    # kind run on around it ("Regular City Council Meeting", "City Council Meeting").
    assert Counter(m.body for m in meetings)["City Council"] >= 204 + 108


def test_walnut_creek_agenda_and_minutes_through_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A BUILT two-row listing leads to the REAL AgendaViewer and MinutesViewer pages."""
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2022-07-26")  # the peer test's freeze
    listing = (
        "<html><body><table class='listingTable'><tr>"
        "<th id='Name'>Name</th><th id='Date'>Date</th><th id='Duration'>Duration</th>"
        "<th id='Agenda'>Agenda</th></tr>"
        "<tr class='listingRow'><td headers='Name'>Planning Commission Meeting</td>"
        "<td headers='Date'>May 12, 2022</td><td headers='Duration'>02h 10m</td>"
        "<td headers='Agenda'><a href='//walnutcreek.granicus.com/AgendaViewer.php?view_id=12"
        "&clip_id=4494'>Agenda</a></td></tr>"
        "<tr class='listingRow'><td headers='Name'>City Council</td>"
        "<td headers='Date'>May 17, 2022</td><td headers='Duration'>04h 43m</td>"
        "<td headers='Agenda'><a href='//walnutcreek.granicus.com/AgendaViewer.php?view_id=12"
        "&clip_id=4496'>Agenda</a></td></tr></table></body></html>"
    )
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        _source("walnut_creek", 12, days_back=120, days_ahead=0),
        [
            {"path": "/ViewPublisher.php", "file": "list.html", **HTML},
            {"path": "/AgendaViewer.php", "query": {"clip_id": "4494"}, "file": "a.html", **HTML},
            {"path": "/AgendaViewer.php", "query": {"clip_id": "4496"}, "file": "m.html", **HTML},
        ],
        {"list.html": listing, "a.html": WALNUT_AGENDA, "m.html": WALNUT_MINUTES},
    )
    assert crawl.result.errors == 0, crawl.result.message
    planning, council = crawl.meetings()
    # The held row's clip time is unknown; the agenda's "TIME: 7:00 pm - Regular Meeting" is used.
    assert planning.start.isoformat() == "2022-05-12T19:00:00-07:00"
    assert [(i.number, i.title[:30]) for i in planning.items] == [
        ("1.", "WELCOME & ROLL CALL"),
        ("2.", "CONSENT CALENDAR An item may b"),
        ("3.", "PUBLIC COMMUNICATIONS This por"),
        ("4.", "PUBLIC HEARINGS At a meeting w"),
        ("a.", "Project: 2670 & 2680 Walnut Bo"),
        ("b.", "Project: Citrus Marketplace Sh"),
        ("5.", "COMMISSION CONSIDERATIONS This"),
        ("6.", "COMMISSION MEMBER AND STAFF RE"),
        ("7.", "ADJOURNMENT"),
    ]
    attachments = [link for i in planning.items for link in i.links]
    assert len(attachments) == 33
    assert all("MetaViewer.php?view_id=12&clip_id=4494&meta_id=" in str(a.url) for a in attachments)
    assert "Application No. Y21-024" in planning.items[4].title
    assert "Y21-117" in planning.items[5].title
    assert any(a.title.endswith("Arborist Report, dated September 23, 2022") for a in attachments)
    # The minutes: two meetings in one document, each numbered from 1; start from the title.
    assert council.start.isoformat() == "2022-05-17T16:00:00-07:00"
    tops = [i.number for i in council.items if i.number and i.number[0].isdigit()]
    assert tops == ["1.", "2.", "3.", "1.", "2.", "3.", "4.", "5.", "6.", "7."]
    assert council.items[-1].title == (
        "ADJOURNMENT OF THE REGULAR MEETING OF THE CITY COUNCIL at 8:43 p.m."
    )
    urls = [str(link.url) for i in council.items for link in i.links]
    # 49 broken "/TemplateDesigner/https://…MetaViewer" hrefs are the same 49 documents as the
    # correct ones; the 33 MediaPlayer links name 17 positions in the video.
    assert sum("MetaViewer.php" in u for u in urls) == 49
    assert not any("TemplateDesigner" in u for u in urls)
    assert sum("MediaPlayer.php" in u for u in urls) == 17


def test_walnut_creek_agenda_page_facts() -> None:
    items = _saved_items(
        "https://walnutcreek.granicus.com/AgendaViewer.php?view_id=12&clip_id=4494", WALNUT_AGENDA
    )
    # No html/head, UTF-8 without a charset: the text reads as written.
    assert items[0].title == "WELCOME & ROLL CALL"
    # Entries indented under ADJOURNMENT (how to take part: YouTube, cable…) are not items.
    assert items[-1].title == "ADJOURNMENT" and len(items) == 9


def test_lawa_audit_committee_through_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The REAL LAWA listing and the REAL agendas of two of its rows."""
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2022-03-04")
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        _source("lawa", 4, days_back=40, days_ahead=0),
        [
            {"path": "/ViewPublisher.php", "file": "list.html", **HTML},
            {"path": "/AgendaViewer.php", "query": {"clip_id": "825"}, "file": "a.html", **HTML},
            {"path": "/AgendaViewer.php", "query": {"clip_id": "838"}, "file": "r.html", **HTML},
        ],
        {"list.html": LAWA_LIST, "a.html": LAWA_AUDIT, "r.html": LAWA_REGULAR},
    )
    by_title = {m.title: m for m in crawl.meetings() if m.items}
    audit = by_title["Audit Committee Special Meeting"]
    # "Thursday, January  27, 2022 at \n\n02:00 pm" (double space, line breaks).
    assert audit.start.isoformat() == "2022-01-27T14:00:00-08:00"
    assert [i.number for i in audit.items] == ["I.", "II.", "a.", "III.", "IV.", "1.", "2."] + [
        "V.",
        "VI.",
        "VII.",
    ]
    assert (audit.items[0].title, audit.items[-1].title) == ("ROLL CALL", "ADJOURNMENT")
    assert audit.items[2].title == "Special Meeting of November 4, 2021"
    links = [link for i in audit.items for link in i.links]
    assert sum(link.kind == "video" for link in links) == 8  # meta_id 53277…53287
    [report] = [link for link in links if link.kind == "attachment"]
    assert "MetaViewer.php" in str(report.url) and "meta_id=53284" in str(report.url)
    assert report.title == "item 2 report"
    assert by_title["Regular Meeting"].start.isoformat() == "2022-03-03T10:00:00-08:00"


def test_lawa_bare_www_link_is_a_host() -> None:
    items = _saved_items(
        "https://lawa.granicus.com/AgendaViewer.php?view_id=4&clip_id=825", LAWA_AUDIT
    )
    assert len(items) == 10
    # href="www.lawa.org" has no scheme: read as the host, not as a page of lawa.granicus.com.
    assert not any("lawa.granicus.com/www.lawa.org" in str(lk.url) for i in items for lk in i.links)


def _saved(slug: str, view_id: int, url: str, path: Path) -> list[Meeting]:
    records = list(_spider(LA, view_id).parse_saved(url, path.read_bytes()))
    return [r for r in records if isinstance(r, Meeting)]


def _saved_items(url: str, path: Path) -> list[AgendaItem]:
    records = list(_spider(LA, 12).parse_saved(url, path.read_bytes()))
    return [r for r in records if isinstance(r, AgendaItem)]
