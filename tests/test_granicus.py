"""The Granicus spider through the real Scrapy engine, against real ViewPublisher/AgendaViewer pages.

Facts asserted come from fixtures/real/PROVENANCE.md (Metra, RTA) and
fixtures/real/platforms/PROVENANCE.md (Bozeman, LAWA). ``AGENDA_WATCH_TODAY`` pins the crawl
window to each capture's date, as the peer tests froze their clocks.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from pipeline.models import AgendaItem, Meeting, Source
from spiders.base import NoRowsFound
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded

G = FIXTURES / "granicus"
METRA = G / "il_metra_board.html"
BOZEMAN_LIST = G / "commissionwatch__bozeman_viewpublisher-view1.html.gz"
BOZEMAN_AGENDA = G / "commissionwatch__bozeman_agendaviewer-clip2784.html"
LAWA_LIST = G / "city-scrapers-ca__lawa.html"
LAWA_AGENDA = G / "city-scrapers-ca__lawa_0.html"
PDF = FIXTURES / "pdf" / "il_warrenville_library_board_agenda_2020-01-15.pdf"


def _source(source_id: str, view_id: int, tz: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": source_id,
        "platform": "granicus",
        "base_url": "{{BASE}}",
        "timezone": tz,
        "options": {"view_id": view_id},
        **extra,
    }


def _spider(tz: str = "America/Chicago", view_id: int = 5) -> Any:
    source = Source(
        id="saved",
        name="Saved",
        jurisdiction="Test",
        platform="granicus",
        slug="metrarr",
        timezone=tz,
        options={"view_id": view_id},
    )
    return spider_class_for(source)()


def test_metra_listing_through_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Metra, view 5: 11 upcoming + 50 archived listingRow rows (PROVENANCE: 61)."""
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2018-01-01")  # the peer test's freeze date
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        _source(
            "il_metra_board",
            5,
            "America/Chicago",
            days_back=1200,
            days_ahead=400,
            fetch_documents=False,
        ),
        [
            {
                "path": "/ViewPublisher.php",
                "query": {"view_id": "5"},
                "file": "metra.html",
                "content_type": "text/html; charset=utf-8",
            }
        ],
        {"metra.html": METRA},
    )
    assert crawl.result.returncode == 0 and crawl.result.errors == 0, crawl.result.message
    assert crawl.result.meetings == 61
    by_id = {m.id: m for m in crawl.meetings()}

    # Item 0 of the peer: upcoming, scheduled time, winter offset.
    feb = by_id["il_metra_board/20180221/metra_february_2018_board_meeting"]
    assert feb.title == "Metra February 2018 Board Meeting"
    assert feb.start.isoformat() == "2018-02-21T10:30:00-06:00" and feb.time_known
    assert feb.status == "scheduled" and feb.links == []
    # The same 10:30 wall-clock time in July is daylight time.
    jul = by_id["il_metra_board/20180718/metra_july_2018_board_meeting"]
    assert jul.start.isoformat() == "2018-07-18T10:30:00-05:00"

    # Item 12 of the peer: held; its links are exactly the peer's Agenda, Minutes and Video.
    dec = by_id["il_metra_board/20171213/metra_december_2017_board_meeting"]
    assert dec.body == "Board of Directors"  # the tab "Board of Directors Meetings", kind gone
    assert [(link.kind, str(link.url)) for link in dec.links] == [
        ("agenda", "http://metrarr.granicus.com/AgendaViewer.php?view_id=5&clip_id=276"),
        (
            "minutes",
            "http://metrarr.granicus.com/MinutesViewer.php?view_id=5&clip_id=276"
            "&doc_id=67620acc-fc9b-11e7-8dcb-00505691de41",
        ),
        ("video", "http://metrarr.granicus.com/MediaPlayer.php?view_id=5&clip_id=276"),
    ]
    # The row says "Dec 13, 2017 - 09:03 AM": that is the clip's start, not the meeting's.
    assert not dec.time_known and dec.start.isoformat() == "2017-12-13T00:00:00-06:00"
    assert dec.platform_id == "clip_id=276"
    citizens = [m for m in by_id.values() if m.body == "Citizen Advisory Board"]
    assert len(citizens) == 11


def test_bozeman_listing_and_html_agenda_through_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bozeman's 5.9 MB archive (served gzip-encoded) and the 2026-08-04 HTML agenda."""
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2026-08-09")  # capture date
    routes: list[dict[str, Any]] = [
        {
            "path": "/ViewPublisher.php",
            "query": {"view_id": "1"},
            "file": "view1.html.gz",
            "content_type": "text/html; charset=utf-8",
            "headers": {"Content-Encoding": "gzip"},
        },
        # AgendaViewer answers 302 to the S3-hosted HTML agenda (platforms.md §4.4).
        {
            "path": "/AgendaViewer.php",
            "query": {"clip_id": "2784"},
            "status": 302,
            "file": "empty.txt",
            "content_type": "text/plain",
            "headers": {"Location": "/granicus_production_attachments/bozeman/2784.html"},
        },
        {
            "path": "/granicus_production_attachments/bozeman/2784.html",
            "file": "agenda.html",
            "content_type": "text/html; charset=utf-8",
        },
        # Upcoming agendas served as a PDF (a real agenda PDF): the document path.
        {
            "path": "/AgendaViewer.php",
            "query": {"event_id": "1468"},
            "file": "agenda.pdf",
            "content_type": "application/pdf",
        },
    ]
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        _source("bozeman", 1, "America/Denver", days_back=6, days_ahead=7),
        routes,
        {
            "view1.html.gz": BOZEMAN_LIST,
            "agenda.html": BOZEMAN_AGENDA,
            "agenda.pdf": PDF,
            "empty.txt": "",
        },
    )
    # Rows 2026-08-03 … 08-16: four held clips and two upcoming events. The other agendas
    # are not recorded (404): those meetings are kept without items, counted as not read.
    assert crawl.result.returncode == 0 and crawl.result.errors == 0, crawl.result.message
    assert crawl.result.meetings == 6
    by_id = {m.id: m for m in crawl.meetings()}

    commission = by_id["bozeman/20260804/city_commission"]
    assert commission.body == "City Commission" and commission.platform_id == "clip_id=2784"
    # Clip start 1:17 PM; the agenda's Call to Order says 2:00 PM (MDT in August).
    assert commission.start.isoformat() == "2026-08-04T14:00:00-06:00"
    assert commission.time_known
    items = commission.items
    assert len(items) >= 20
    consent = [i for i in items if (i.number or "").startswith("G.") and i.number != "G."]
    assert [i.number for i in consent] == [f"G.{n}" for n in range(1, 16)]
    assert consent[0].title == (
        "Formal Cancellation of the August 11, 2026, Regular City Commission Meeting(Maas)"
    )
    assert [str(link.url) for link in consent[0].links] == [
        "https://d2kbkoa27fdvtw.cloudfront.net/bozeman/617428f91bab284ce69e25700ac59aa40.pdf"
    ]
    assert any(
        i.number == "K.1" and i.title.startswith("Community Housing Work Session") for i in items
    )
    assert [i.number for i in items[:3]] == ["A.", "B.", "C."]
    # An item cancelling a *future* meeting does not cancel this one (§3.3).
    assert commission.status == "scheduled"

    # Upcoming row: the listed time is the scheduled one; its PDF agenda went to extraction.
    mpo = by_id["bozeman/20260812/gallatin_valley_mpo_transportation_technical_advisory_commit"]
    assert mpo.start.isoformat() == "2026-08-12T10:30:00-06:00" and mpo.time_known
    assert mpo.platform_id == "event_id=1468"
    [doc] = mpo.documents
    assert doc.error is None and "WARRENVILLE PUBLIC LIBRARY DISTRICT" in doc.text
    # Agenda not reachable: the meeting is still stored, with its listing links, and its agenda
    # is counted as not read (the failed download stays on it, pipeline/ingest/unread.py).
    study = by_id["bozeman/20260806/study_commission"]
    assert study.items == [] and [d.error for d in study.documents] == ["download failed: HTTP 404"]
    assert study.unread is not None and study.unread.reason == "download failed"
    assert crawl.result.unread == sum(m.unread is not None for m in by_id.values()) > 0
    assert {link.kind for link in study.links} >= {"agenda", "video"}
    # Requests went to the configured host, not to bozeman.granicus.com.
    assert "/AgendaViewer.php?view_id=1&clip_id=2784" in crawl.requests


def test_lawa_epoch_dates_and_classic_agenda_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LAWA: hidden epoch sort keys in date cells; the time is read from the followed agenda."""
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2022-03-04")
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        _source("lawa", 4, "America/Los_Angeles", days_back=1, days_ahead=0),
        [
            {"path": "/ViewPublisher.php", "file": "lawa.html", "content_type": "text/html"},
            {
                "path": "/AgendaViewer.php",
                "query": {"clip_id": "838"},
                "file": "lawa_0.html",
                "content_type": "text/html",
            },
        ],
        {"lawa.html": LAWA_LIST, "lawa_0.html": LAWA_AGENDA},
    )
    assert crawl.result.meetings == 1, crawl.result.message
    [meeting] = crawl.meetings()
    assert meeting.title == "Regular Meeting"
    # "Thursday, March 3, 2022 at 10:00 AM" in the agenda (PST, before the March 13 change).
    assert meeting.start.isoformat() == "2022-03-03T10:00:00-08:00"
    assert [i.number for i in meeting.items[:6]] == ["I.", "II.", "III.", "IV.", "a.", "b."]
    assert meeting.items[0].title == "ROLL CALL"
    assert meeting.items[4].title == "Chief Executive Officer Update"


def test_page_without_listing_rows_is_a_named_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ViewPublisher URL answering with some other page (here a real agenda) fails loudly."""
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        _source("broken", 1, "America/Denver"),
        [{"path": "/ViewPublisher.php", "file": "agenda.html", "content_type": "text/html"}],
        {"agenda.html": BOZEMAN_AGENDA},
    )
    assert not crawl.result.ok and crawl.result.meetings == 0
    assert crawl.result.message.startswith("NoRowsFound: broken: expected at least 1 Granicus")


def test_parse_saved_bozeman_archive_counts() -> None:
    """1,152 rows (17 upcoming); two rows are exact repeats on the page, so 1,150 meetings."""
    spider = _spider("America/Denver", 1)
    body = gzip.decompress(BOZEMAN_LIST.read_bytes())
    meetings: list[Meeting] = list(
        spider.parse_saved("https://bozeman.granicus.com/ViewPublisher.php?view_id=1", body)
    )
    assert len(meetings) == 1150
    assert sum(m.time_known for m in meetings) == 16  # 17 upcoming minus one repeated row
    assert sum(m.body == "City Commission" for m in meetings) == 519
    first = meetings[0]
    assert first.title.startswith("Gallatin Valley MPO - Transportation Technical Adv")
    assert str(first.links[0].url) == (
        "https://bozeman.granicus.com/AgendaViewer.php?view_id=1&event_id=1468"
    )
    assert len({m.id for m in meetings}) == 1150
    # Two Board of Ethics clips on 2022-10-03 with the same title: the second gets a suffix.
    assert {"saved/20221003/board_of_ethics", "saved/20221003/board_of_ethics_2"} <= {
        m.id for m in meetings
    }


def test_parse_saved_rta_div_template() -> None:
    """RTA's div template: upcoming (11 rows, one repeated) and past (117 rows)."""
    spider = _spider()
    up: list[Meeting] = list(
        spider.parse_saved(
            "http://rtachicago.granicus.com/ViewPublisher.php?view_id=5",
            (G / "il_regional_transit_upcoming.html").read_bytes(),
        )
    )
    assert len(up) == 10
    assert up[0].body == "Board of Directors" and up[0].start.date().isoformat() == "2018-06-21"
    assert [str(link.url) for link in up[1].links] == [
        "http://rtachicago.granicus.com/AgendaViewer.php?view_id=5&event_id=325"
    ]
    finance = up[2]
    assert finance.title == "Finance Committee (8:30 a.m.)"
    assert finance.start.isoformat() == "2018-06-21T08:30:00-05:00"
    past: list[Meeting] = list(
        spider.parse_saved(
            "http://rtachicago.granicus.com/ViewPublisher.php?view_id=4",
            (G / "il_regional_transit_past.html").read_bytes(),
        )
    )
    assert len(past) == 117
    assert past[0].platform_id == "clip_id=324" and past[0].body == "Finance Committee"


def test_parse_saved_agenda_items() -> None:
    spider = _spider("America/Denver", 1)
    items: list[AgendaItem] = list(
        spider.parse_saved(
            "https://bozeman.granicus.com/AgendaViewer.php?view_id=1&clip_id=2784",
            BOZEMAN_AGENDA.read_bytes(),
        )
    )
    assert len(items) == 36
    assert items[-1].number == "O." and items[-1].title == "Adjournment"


def test_parse_saved_rejects_a_page_with_no_rows() -> None:
    with pytest.raises(NoRowsFound):
        list(
            _spider().parse_saved(
                "https://x.granicus.com/ViewPublisher.php?view_id=1", b"<html><body/></html>"
            )
        )
