"""Hostile scraped text (issue 11): crawl → store → Slack payload, ICS, HTML and terminal, each checked.

The corpus (``tests/fixtures/hostile/corpus.json``) is built, not captured: each entry is one kind
of attack a page can carry: terminal escapes, C0/C1 controls, bidi overrides and isolates, lone
surrogates, Slack broadcasts, mentions, links and markup, HTML, calendar injection, JSON
breakers. Each entry goes into the body name, location, item title and attachment name of one
Legistar event of a recording served to the real Scrapy engine; the attachment URL carries ``|``.
No meeting may be lost, and no output may carry an unsafe character or an active construct.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import icalendar
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.deliver.outbox import deliver
from pipeline.deliver.slack import escape, link, render, safe_url
from pipeline.models import Link, Meeting, Notice, example_meeting
from pipeline.settings import Settings
from pipeline.store.ledger import Ledger
from pipeline.views.calendar import EventVersions, calendar_bytes
from pipeline.views.site import build_site, render_page, site_query
from pipeline.views.upcoming import UpcomingQuery, select_upcoming
from tests.conftest import FIXTURES
from tests.fakeslack import VALID_TOKEN, FakeSlackServer
from tests.helpers import RecordedCrawl, crawl_recorded

CORPUS = json.loads((FIXTURES / "hostile" / "corpus.json").read_text())["entries"]
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
FIRST = date(2027, 1, 4)
NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)


def _event(i: int, text: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    event_id = 7000 + i
    event = {
        "EventId": event_id,
        "EventBodyName": f"Village Board {text}",
        "EventDate": f"2027-01-{5 + i:02d}T00:00:00",
        "EventTime": "7:00 PM",
        "EventAgendaStatusName": "Final",
        "EventLocation": f"Village Hall {text}",
        "EventAgendaFile": None,
        "EventInSiteURL": f"https://testville.legistar.com/MeetingDetail.aspx?LEGID={event_id}",
        "EventItems": [],
    }
    items = [
        {
            "EventItemId": event_id * 10,
            "EventItemEventId": event_id,
            "EventItemAgendaSequence": 1,
            "EventItemAgendaNumber": "1.",
            "EventItemTitle": f"Resolution opposing immigration detention contracts {text}",
            "EventItemMatterFile": f"RES 27-{i}",
            "EventItemMatterAttachments": [
                {
                    "MatterAttachmentName": f"Memo {text}",
                    "MatterAttachmentHyperlink": f"https://evil.example/memo-{i}|<!channel>.pdf",
                }
            ],
        }
    ]
    return event, items


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> RecordedCrawl:
    events: list[dict[str, Any]] = []
    files: dict[str, Path | bytes | str] = {}
    routes: list[dict[str, Any]] = [
        {"path": "/v1/testville/events", "query": {"$skip": "0"}, "file": "events.json",
         "content_type": "application/json"},
    ]  # fmt: skip
    for i, entry in enumerate(CORPUS):
        event, items = _event(i, entry["text"])
        events.append(event)
        name = f"items_{event['EventId']}.json"
        files[name] = json.dumps(items)  # ASCII JSON: lone surrogates travel as \ud800 escapes
        routes.append(
            {"path": f"/v1/testville/events/{event['EventId']}/eventitems", "file": name,
             "content_type": "application/json"}
        )  # fmt: skip
    files["events.json"] = json.dumps(events)
    with pytest.MonkeyPatch.context() as monkeypatch:
        crawl = crawl_recorded(
            tmp_path_factory.mktemp("hostile"),
            monkeypatch,
            {"id": "testville", "platform": "legistar", "slug": "testville",
             "api_url": "{{BASE}}/v1/testville", "days_back": 3650, "days_ahead": 3650,
             "fetch_documents": False},
            routes,
            files,
        )  # fmt: skip
    return crawl


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.engine
def test_no_meeting_is_lost_and_stored_json_is_clean(crawled: RecordedCrawl) -> None:
    assert crawled.result.ok, crawled.result.message
    meetings = crawled.meetings()
    assert (crawled.result.meetings, crawled.result.matches) == (len(CORPUS), len(CORPUS))
    for path in sorted((crawled.store.data_dir / "meetings").rglob("*.json")):
        data = json.loads(path.read_bytes().decode("utf-8"))  # strict UTF-8: no surrogate
        assert not [s for s in _strings(data) if UNSAFE.search(s)], path.name
    titles = [m.items[0].title for m in meetings]
    assert all(t.startswith("Resolution opposing immigration detention contracts") for t in titles)
    # Visible text survives; only the unsafe characters are gone.
    assert any("title set" in t and "]0;pwned" in t for t in titles)
    assert any("<!channel> <!here>" in t for t in titles)
    assert any("<script>alert(1)</script>" in t for t in titles)


@pytest.mark.engine
def test_slack_payloads_are_inert(crawled: RecordedCrawl, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeSlackServer() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", VALID_TOKEN)
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        monkeypatch.setenv("SLACK_CHANNEL", "C0AGENDA01")
        monkeypatch.setenv("AGENDA_WATCH_DATA_DIR", str(crawled.store.data_dir))
        ledger = Ledger(Settings().ledger_path)
        try:
            report = deliver(Settings(), ledger)
        finally:
            ledger.close()
        messages = slack.fake.messages
    assert report.sent == len(CORPUS) and not report.errors, report.summary()
    assert len(messages) == len(CORPUS)
    for message in messages:
        assert message["params"].get("parse") in (None, "none")
        assert not message["params"].get("link_names")
        texts = [message["text"], *_strings(message["blocks"])]
        for text in texts:
            assert not UNSAFE.search(text), text
            assert "@channel" not in text and "@here" not in text and "@everyone" not in text
            for token in re.findall(r"<[^<>]*>", text):
                # Only our own links: one http(s) URL, one "|", a label; never <!…>, <@…>, <#…>.
                assert re.fullmatch(r"<https?://[^|\s]+\|[^|]*>", token), token
    joined = json.dumps([m["blocks"] for m in messages])
    # The attachment URL's "|" is percent-encoded, so it cannot end the URL early.
    assert "https://evil.example/memo-0%7C%3C!channel%3E.pdf|" in joined
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in joined


@pytest.mark.engine
def test_calendar_feed_has_one_event_per_meeting_and_no_raw_controls(
    crawled: RecordedCrawl,
) -> None:
    meetings = crawled.meetings()
    data = calendar_bytes(meetings, "Hostile", EventVersions(None), NOW)
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", data)
    assert not re.search(rb"\r(?!\n)|(?<!\r)\n", data)  # CRLF line ends only
    assert "\u202e".encode() not in data and "\u2066".encode() not in data
    calendar = icalendar.Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(meetings)  # the injected BEGIN:VEVENT is text, not an event
    summaries = [str(e["SUMMARY"]) for e in events]
    assert not any(s.startswith("Fake meeting") for s in summaries)
    injected = next(m for m in meetings if "SUMMARY:Fake meeting" in m.body)
    assert any(injected.body in s for s in summaries)


@pytest.mark.engine
def test_html_page_shows_the_text_and_runs_none_of_it(
    crawled: RecordedCrawl, tmp_path: Path
) -> None:
    query = UpcomingQuery(first=FIRST, days=30)
    selected = select_upcoming(crawled.store.iter_meetings(), site_query(query))
    meetings, _ = build_site(selected, tmp_path / "site", query, EventVersions(None), NOW)
    assert len(meetings) == len(CORPUS)
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert not UNSAFE.search(html)
    page = BeautifulSoup(html, "html.parser")
    baseline = BeautifulSoup(render_page([], query, feeds=[], now=NOW), "html.parser")
    assert len(page.select("article.meeting")) == len(CORPUS)
    assert len(page.find_all("script")) == len(baseline.find_all("script"))
    assert not page.find_all(["img", "iframe"])
    assert not [t for t in page.find_all(True) if any(a.startswith("on") for a in t.attrs)]
    assert all("alert(" not in (s.string or "") for s in page.find_all("script"))
    assert "<script>alert(1)</script>" in page.get_text()  # shown as text
    hrefs = [a["href"] for a in page.find_all("a", href=True)]
    assert all(
        str(h).startswith(("https://", "http://", "calendar/", "#", "upcoming")) for h in hrefs
    )


@pytest.mark.engine
@pytest.mark.parametrize(
    "args",
    [
        ["upcoming", "--from", "2027-01-04", "--days", "30"],
        ["matches"],
        ["upcoming", "--from", "2027-01-04", "--days", "30", "--format", "json"],
    ],
)
def test_terminal_output_never_carries_escapes(crawled: RecordedCrawl, args: list[str]) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(crawled.store.data_dir), *args])
    assert result.exit_code == 0, result.output
    assert not UNSAFE.search(result.stdout)
    assert result.stdout.count("immigration detention") >= len(CORPUS)
    if "json" in args:
        assert len(json.loads(result.stdout)["meetings"]) == len(CORPUS)


# --- the two defences the issue found untested (fast; no crawl) ------------------------------


def test_a_pipe_in_a_link_url_is_percent_encoded() -> None:
    assert safe_url("https://evil.example/a|b?c=d|e") == "https://evil.example/a%7Cb?c=d%7Ce"
    assert link("https://evil.example/memo|<!channel>.pdf", "Memo | x") == (
        "<https://evil.example/memo%7C%3C!channel%3E.pdf|Memo ¦ x>"
    )
    assert link("javascript:alert(1)", "x") == "x"


def test_mentions_and_markup_are_escaped() -> None:
    assert escape("<!channel> <@U1> a & b") == "&lt;!channel&gt; &lt;@U1&gt; a &amp; b"
    assert "@channel" not in escape("@channel @here")


def test_rendered_notice_of_a_hostile_meeting() -> None:
    """Same checks on one notice rendered directly (for the fast loop)."""
    meeting: Meeting = example_meeting()
    meeting.body = CORPUS[8]["text"] + CORPUS[0]["text"]  # broadcasts + terminal escape
    meeting.items[0].links = [Link(title="Memo", url="https://evil.example/m|<!here>.pdf")]
    notice = Notice(id="n", kind="new_matches", thread_key="t", source="s", meeting=meeting,
                    created_at=NOW)  # fmt: skip
    message = render(notice)
    for text in [message.text, *_strings(message.blocks)]:
        assert not UNSAFE.search(text)
        for token in re.findall(r"<[^<>]*>", text):
            assert re.fullmatch(r"<https?://[^|\s]+\|[^|]*>", token), token
