"""The BoardDocs spider, through the real Scrapy engine against real recorded responses.

CTPF's ``XML-ActiveMeetings`` feed (28 meetings, 396 agenda items), Grand Rapids' ``BD-GetMeetingsList``
(249 entries, the last ``{}``) and one ``BD-GetMeeting`` fragment; facts from
shared/fixtures/real/PROVENANCE.md. The committee id in the JSON test is a placeholder (the capture
does not record it); the route checks that it is posted.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipeline.models import Source
from spiders.boarddocs import BoardDocsOptions
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import RecordedCrawl, crawl_recorded

BOARDDOCS = FIXTURES / "boarddocs"
WIDE = {"days_back": 3650, "days_ahead": 3650}


@pytest.fixture(scope="module")
def ctpf(tmp_path_factory: pytest.TempPathFactory) -> RecordedCrawl:
    with pytest.MonkeyPatch.context() as monkeypatch:
        crawl = crawl_recorded(
            tmp_path_factory.mktemp("ctpf"),
            monkeypatch,
            {
                "id": "ctpf",
                "platform": "boarddocs",
                "base_url": "{{BASE}}/il/ctpf/Board.nsf/",
                **WIDE,
            },
            [
                {
                    "path": "/il/ctpf/Board.nsf/XML-ActiveMeetings",
                    "file": "feed.xml",
                    "content_type": "application/xml",
                }
            ],
            {"feed.xml": BOARDDOCS / "chi_teacherpension.xml"},
        )
    assert crawl.result.returncode == 0, crawl.result.message
    return crawl


def test_feed_counts(ctpf: RecordedCrawl) -> None:
    # PROVENANCE: 28 <meeting> elements and 396 <agendaitems><item> agenda items.
    assert (ctpf.result.meetings, ctpf.result.items) == (28, 396)


def test_first_meeting_and_its_items(ctpf: RecordedCrawl) -> None:
    meeting = ctpf.store.read("ctpf/20181025/B55S995DF24B")
    assert meeting.title == "Investment Committee Meeting"
    assert meeting.body == "Board of Trustees"  # the feed's bodyname
    # No time anywhere in the name or description: midnight, flagged unknown (CDT in October).
    assert meeting.start.isoformat() == "2018-10-25T00:00:00-05:00"
    assert meeting.time_known is False
    assert (
        str(meeting.url) == "http://www.boarddocs.com/il/ctpf/Board.nsf/goto?open&id=B55S995DF24B"
    )
    # PROVENANCE: the first meeting's items are "A. Education Session-Divestment", "B. Due Diligence…".
    assert [(i.number, i.title) for i in meeting.items[:3]] == [
        ("A.", "Education Session-Divestment"),
        ("B.", "Due Diligence Presentations"),
        ("C.", "LaSalle Investment"),
    ]
    first = meeting.items[0]
    assert first.id == "ctpf/20181025/B55S995DF24B/B55S9L5E2A28"
    assert first.text == "3. Report of the CTPF Investment Team"
    assert [str(link.url) for link in first.links] == [
        "http://www.boarddocs.com/il/ctpf/Board.nsf/goto?open&id=B55S9L5E2A28"
    ]


def test_times_come_from_description_or_name(ctpf: RecordedCrawl) -> None:
    # PROVENANCE: parsed_items[1] starts 2018-10-18 09:30 ("… on Thursday … at 9:30 A.M.").
    october = ctpf.store.read("ctpf/20181018/B58S7H5DDC64")
    assert october.start.isoformat() == "2018-10-18T09:30:00-05:00"
    assert october.time_known is True
    # Winter: "Claims and Service Credits Committee Meeting at 4:30 P.M." on 2019-01-15 (CST).
    titles = {m.title: m for m in ctpf.meetings()}
    claims = titles["Claims and Service Credits Committee Meeting at 4:30 P.M."]
    assert claims.start.isoformat() == "2019-01-15T16:30:00-06:00"
    # 2018-11-05, the day after DST ended: "… on Monday, November 5, 2018 at 4:00 p.m.".
    assert titles["Claims and Service Credits"].start.isoformat() == "2018-11-05T16:00:00-06:00"


@pytest.fixture(scope="module")
def grps(tmp_path_factory: pytest.TempPathFactory) -> RecordedCrawl:
    with pytest.MonkeyPatch.context() as monkeypatch:
        crawl = crawl_recorded(
            tmp_path_factory.mktemp("grps"),
            monkeypatch,
            {
                "id": "grps",
                "name": "Grand Rapids Public Schools Board of Education",
                "platform": "boarddocs",
                "base_url": "{{BASE}}/mi/grand/Board.nsf/",
                "timezone": "America/Detroit",
                "fetch_documents": False,
                "options": {"mode": "json", "committee_id": "A9HQ9Q5E1B2C"},
                **WIDE,
            },
            [
                {
                    "path": "/mi/grand/Board.nsf/BD-GetMeetingsList",
                    "method": "POST",
                    "body_contains": "current_committee_id=A9HQ9Q5E1B2C",
                    "file": "list.json",
                    "content_type": "application/json",
                }
            ],
            {"list.json": BOARDDOCS / "gra_public_school_board.json"},
        )
    assert crawl.result.returncode == 0, crawl.result.message
    return crawl


def test_meetings_list_posts_the_committee_and_skips_the_trailing_empty_entry(
    grps: RecordedCrawl,
) -> None:
    pages = [r for r in grps.requests if r != "/robots.txt"]
    assert pages == ["POST /mi/grand/Board.nsf/BD-GetMeetingsList?open"]
    # PROVENANCE: 249 entries, the last of which is {}.
    assert grps.result.meetings == 248


def test_first_list_entry(grps: RecordedCrawl) -> None:
    meeting = grps.store.read("grps/20240522/D5CSV7744EBE")
    assert meeting.title == "Special Board Meeting/Board Retreat @ 9:30 a.m. - 12:00 p.m."
    # numberdate 20240522 + the first time in the name; Grand Rapids is on Eastern time.
    assert meeting.start.isoformat() == "2024-05-22T09:30:00-04:00"
    base = grps.base_url
    assert str(meeting.url) == f"{base}/mi/grand/Board.nsf/goto?open&id=D5CSV7744EBE"
    agenda = [str(link.url) for link in meeting.links if link.kind == "agenda"]
    assert agenda == [f"{base}/mi/grand/Board.nsf/PRINT-AgendaDetailed?open&id=D5CSV7744EBE"]


def test_cancelled_names(grps: RecordedCrawl) -> None:
    cancelled = [m for m in grps.meetings() if m.status == "cancelled"]
    assert len(cancelled) == 12
    quorum = grps.store.read("grps/20220516/CEDSGD729A9A")
    # The page's name is "Board Meeting @ 6:30 p.m. - Canceled Due to No Quorum": the status
    # words leave the title (spiders._vocab.marked) and set the status.
    assert quorum.title == "Board Meeting @ 6:30 p.m."
    assert quorum.status == "cancelled"
    assert quorum.start.isoformat() == "2022-05-16T18:30:00-04:00"
    december = grps.store.read("grps/20201221/BWC9Y62539C7")  # "Board Meeting - Canceled"
    assert december.start.isoformat() == "2020-12-21T00:00:00-05:00"


def test_parse_saved_meeting_fragment() -> None:
    source = Source(
        id="grps",
        name="GRPS",
        jurisdiction="Grand Rapids, MI",
        platform="boarddocs",
        slug="mi/grand",
        timezone="America/Detroit",
    )
    spider = spider_class_for(source)()
    url = "https://go.boarddocs.com/mi/grand/Board.nsf/BD-GetMeeting?open"
    body = (BOARDDOCS / "gra_public_school_board_detail.html").read_bytes()
    [meeting] = list(spider.parse_saved(url, body))
    assert meeting.id == "grps/20240522/D5CSV7744EBE"  # type: ignore[attr-defined]
    assert meeting.start.isoformat() == "2024-05-22T09:30:00-04:00"  # type: ignore[attr-defined]


def test_json_mode_needs_a_committee() -> None:
    with pytest.raises(ValidationError, match="committee_id"):
        BoardDocsOptions.model_validate({"mode": "json"})
