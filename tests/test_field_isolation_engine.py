"""The faults issue 10 saw, through the real Scrapy engine: one bad value never costs a meeting.

Each test crawls REAL captures with one value made bad (BUILT faults, said so at each):

- Legistar API: an attachment URL ``http://evil.example|click`` and a meeting URL with a space
  in its host used to drop that meeting with its relevant items;
- BoardDocs: a ``javascript:`` link or an invalid date on the first meeting left 0 of 4;
- IQM2: one ``mailto:`` link in one row dropped the rows after it.

Each must now cost only that value (or, for the date, that row) and say so in the run's note.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded
from tests.test_boarddocs_batch2 import _ctpf_crawl

LEGISTAR = FIXTURES / "legistar"
JSON: dict[str, Any] = {"content_type": "application/json"}


def test_a_bad_attachment_and_meeting_url_cost_only_those_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REAL Oakland event and REAL Oakland agenda items, paired by the test (BUILT pairing)."""
    events = json.loads((LEGISTAR / "legistar4OO__pubSafety_events.json").read_text())
    event = next(e for e in reversed(events) if "CANCEL" not in e["EventBodyName"])
    event["EventInSiteURL"] = event["EventInSiteURL"].replace("oakland.", "oakland .")
    items = json.loads((LEGISTAR / "legistar4OO__pubSafety_190423-eventItems.json").read_text())
    [evil] = [i for i in items if i["EventItemId"] == 191219]
    evil["EventItemMatterAttachments"][0]["MatterAttachmentHyperlink"] = "http://evil.example|click"
    monkeypatch.setenv("AGENDA_WATCH_TODAY", event["EventDate"][:10])
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        {
            "id": "oakland",
            "platform": "legistar",
            "slug": "oakland",
            "api_url": "{{BASE}}/v1/oakland",
            "fetch_documents": False,
        },
        [
            {"path": "/v1/oakland/events", "file": "events.json", **JSON},
            {"path": f"/v1/oakland/events/{event['EventId']}/eventitems", "file": "i.json", **JSON},
        ],
        {"events.json": json.dumps([event]), "i.json": json.dumps(items)},
    )
    [meeting] = crawl.meetings()
    # The meeting and all 15 agenda items are kept; only the two bad addresses are gone.
    assert (crawl.result.meetings, crawl.result.items, crawl.result.errors) == (1, 15, 0)
    assert meeting.url is None and not [lk for lk in meeting.links if lk.kind == "detail"]
    by_id = {i.id.rsplit("/", 1)[-1]: i for i in meeting.items}
    attachments = {
        k: [lk.title for lk in i.links if lk.kind == "attachment"] for k, i in by_id.items()
    }
    assert attachments["191219"] == []
    assert attachments["191220"] == ["View Report", "View Supplemental Report"]
    # Each item keeps its own legislation page (reached by matter id), bad attachment or not.
    assert [lk.title for lk in by_id["191219"].links] == ["Legislation details"]
    assert crawl.result.message.startswith("FieldDropped: 2 bad values dropped, rows kept")
    assert (
        "http://evil.example|click" in crawl.result.message or "oakland ." in crawl.result.message
    )


def _ctpf_feed(meetings: int) -> list[str]:
    """The REAL CTPF feed cut to its first `meetings` meetings, as parts split at </meeting>."""
    parts = (FIXTURES / "boarddocs" / "chi_teacherpension.xml").read_text().split("</meeting>")
    return [*parts[:meetings], "\n</meetings>\n"]


def test_a_bad_link_and_a_bad_date_on_the_first_boarddocs_meetings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BUILT faults in the REAL feed: the first meeting's link is ``javascript:``, the second's
    date is 2018-13-45."""
    parts = _ctpf_feed(4)
    first_link = parts[0].split("<link>", 1)[1].split("</link>", 1)[0]
    parts[0] = parts[0].replace(f"<link>{first_link}</link>", "<link>javascript:alert(1)</link>")
    parts[1] = re.sub(r'(format="yyyy-mm-dd">)[^<]*', r"\g<1>2018-13-45", parts[1], count=1)
    feed = "</meeting>".join(parts[:-1]) + "</meeting>" + parts[-1]
    crawl = _ctpf_crawl(tmp_path, monkeypatch, feed)
    meetings = crawl.meetings()
    # 3 of 4: the first without its link, the second (no date) lost and counted; no error.
    assert (len(meetings), crawl.result.errors) == (3, 0)
    first = meetings[0]
    assert first.url is None and first.links == [] and first.items
    message = crawl.result.message
    assert message.startswith("ListingShortfall: 4 rows seen, 3 read (1 unreadable, first: row 2")
    assert (
        "FieldDropped: 1 bad value dropped, rows kept; first: detail link 'javascript:alert(1)'"
        in message
    )


def test_a_mailto_link_in_one_iqm2_row_costs_that_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BUILT fault in the REAL Atlanta list: the first row's Agenda link is a ``mailto:``."""
    root = lxml.html.fromstring((FIXTURES / "iqm2" / "atl_city_council.html").read_bytes())
    rows = root.xpath("//div[contains(@class,'MeetingRow')]")
    [agenda] = rows[0].xpath(".//div[contains(@class,'MeetingLinks')]//a[text()='Agenda']")
    agenda.set("href", "mailto:clerk@atlantaga.gov")
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2026-01-10")
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        {
            "id": "atl",
            "platform": "iqm2",
            "base_url": "{{BASE}}/Citizens/Default.aspx",
            "days_back": 7,
            "days_ahead": 10,
            "fetch_documents": False,
        },
        [{"path": "/Citizens/Calendar.aspx", "file": "list.html", "content_type": "text/html"}],
        {"list.html": lxml.html.tostring(root)},
    )
    meetings = crawl.meetings()
    # PROVENANCE dates: Jan 5, 12 (2), 13 (2), 14 (2), 20 (2) 2026 are in Jan 3–20.
    assert len(meetings) == 9, [m.start.date() for m in meetings]
    first = meetings[0]
    assert first.start.date().isoformat() == "2026-01-05"
    assert "agenda" not in {lk.kind for lk in first.links}
    assert {lk.kind for lk in meetings[1].links} >= {"agenda", "detail"}
    assert "FieldDropped: 1 bad value dropped" in crawl.result.message
    assert "mailto:clerk@atlantaga.gov" in crawl.result.message
