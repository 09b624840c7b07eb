"""The Chicago eLMS spider on the real ``/meeting`` capture (page 1 of 29, 99 meetings, 2023).

Facts come from shared/fixtures/real/PROVENANCE.md (chicago_elms/chi_citycouncil.json). Responses
no capture covers (a split second page, a winter meeting, an ``agenda[]`` list, agenda PDFs on the
replay server) are BUILT from the real records below and say so where they are made.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline.models import Meeting, Source
from spiders.base import SourceError, UnexpectedShape
from spiders.elms import ElmsSpider
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded

PAGE1 = FIXTURES / "elms" / "chi_meeting_page1.json"
AGENDA_PDF = FIXTURES / "pdf" / "il_warrenville_library_board_agenda_2020-01-15.pdf"
JSON = "application/json"
ZONING_ID = "05889499-4C56-EE11-BE6E-001DD8098532"  # data[0]
IMMIGRANT_JULY_ID = "51BBDC17-9F25-EE11-9CBD-001DD804E144"  # has an original and a revised agenda


def _page() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PAGE1.read_text())
    return data


def _record(meeting_id: str) -> dict[str, Any]:
    return next(copy.deepcopy(r) for r in _page()["data"] if r["meetingId"] == meeting_id)


def _spider(**extra: Any) -> ElmsSpider:
    source = Source(id="chi_elms", name="Chicago", jurisdiction="Chicago", platform="elms", **extra)
    spider = spider_class_for(source)()
    assert isinstance(spider, ElmsSpider)
    return spider


def _source(**extra: Any) -> dict[str, Any]:
    # check-config wants a slug or base_url on every source; base_url is the eLMS portal.
    return {
        "id": "chi_elms",
        "platform": "elms",
        "base_url": "https://chicityclerkelms.chicago.gov",
        "api_url": "{{BASE}}",
        **extra,
    }


def _meeting_queries(requests: list[str]) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r).query) for r in requests if urlsplit(r).path == "/meeting"]


def test_real_page_through_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # meta says count 2809 (29 pages); skip=100 is answered with a BUILT empty page, which stops paging.
    empty = json.dumps({"data": [], "meta": {"skip": 100, "top": 100, "count": 2809, "pages": 29}})
    routes = [
        {"path": "/meeting", "query": {"skip": "0"}, "file": "page1.json", "content_type": JSON},
        {"path": "/meeting", "query": {"skip": "100"}, "file": "empty.json", "content_type": JSON},
    ]
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        _source(fetch_documents=False),  # the agenda PDFs live on the real blob store
        routes,
        {"page1.json": PAGE1, "empty.json": empty},
    )
    assert crawl.result.errors == 0, crawl.result.message
    meetings = crawl.meetings()
    assert len(meetings) == crawl.result.meetings == 99

    queries = _meeting_queries(crawl.requests)
    assert [q["skip"] for q in queries] == [["0"], ["100"]]
    assert queries[0]["sort"] == ["date asc"]
    assert queries[0]["filter"][0].startswith("date ge ")
    assert " and date lt " in queries[0]["filter"][0]

    zoning = crawl.store.read(f"chi_elms/20231012/{ZONING_ID}")
    assert zoning.title == "Committee on Zoning, Landmarks and Building Standards"
    # date 2023-10-12T15:00:00+00:00 is true UTC: 10:00 in Chicago, daylight time (-05:00).
    assert zoning.start.isoformat() == "2023-10-12T10:00:00-05:00"
    assert zoning.status == "scheduled"
    assert zoning.location == (
        "City Council Chamber, 2nd Fl, City Hall, 121 N LaSalle St - Chicago, IL 60602"
    )
    assert str(zoning.url) == (
        f"https://chicityclerkelms.chicago.gov/Meeting/?meetingId={ZONING_ID}"
    )
    assert [(link.kind, str(link.url).rsplit("/", 1)[-1]) for link in zoning.links] == [
        ("other", "115c5a12-4d33-4814-8753-26ba45447177.pdf"),  # Notice, sort 10
        ("agenda", "00d71fb1-60b5-4a22-8d0b-abf981d6149f.pdf"),  # Agenda, sort 20
        ("detail", f"?meetingId={ZONING_ID}"),
    ]
    assert zoning.links[1].title == "Agenda: Regular Agenda Oct 12, 2023.pdf"

    # PROVENANCE: four meetings of the Committee on Immigrant and Refugee Rights, 2023-09-27 cancelled.
    immigrant = [m for m in meetings if m.body == "Committee on Immigrant and Refugee Rights"]
    assert [(m.start.isoformat(), m.status) for m in immigrant] == [
        ("2023-06-28T11:00:00-05:00", "scheduled"),
        ("2023-07-26T09:00:00-05:00", "scheduled"),
        ("2023-09-27T09:00:00-05:00", "cancelled"),
        ("2023-09-29T09:00:00-05:00", "scheduled"),
    ]

    by_day_body = {(m.start.date().isoformat(), m.body): m.status for m in meetings}
    # status null, comment "Cancelled" / "CANCELLATION of Meeting": cancelled.
    assert by_day_body[("2023-05-30", "Committee on Finance")] == "cancelled"
    assert by_day_body[("2023-05-08", "Committee on Finance")] == "cancelled"
    # "Recessed" and "Reconvened" sessions are held; "Rescheduled" is kept.
    assert by_day_body[("2023-09-13", "City Council")] == "scheduled"
    assert by_day_body[("2023-09-14", "City Council")] == "scheduled"
    assert by_day_body[("2023-10-03", "Committee on Transportation and Public Way")] == (
        "rescheduled"
    )
    # 5 "Cancelled" statuses + 7 null statuses whose comment announces the cancellation.
    assert sum(m.status == "cancelled" for m in meetings) == 12


def test_paging_follows_meta_until_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # BUILT: the 99 real records split into two pages of top=50 (meta count 99).
    data = _page()["data"]
    pages: dict[str, Path | bytes | str] = {
        "p0.json": json.dumps({"data": data[:50], "meta": {"skip": 0, "top": 50, "count": 99}}),
        "p1.json": json.dumps({"data": data[50:], "meta": {"skip": 50, "top": 50, "count": 99}}),
    }
    routes = [
        {"path": "/meeting", "query": {"skip": "0"}, "file": "p0.json", "content_type": JSON},
        {"path": "/meeting", "query": {"skip": "50"}, "file": "p1.json", "content_type": JSON},
    ]
    crawl = crawl_recorded(tmp_path, monkeypatch, _source(fetch_documents=False), routes, pages)
    assert crawl.result.meetings == 99, crawl.result.message
    assert [q["skip"] for q in _meeting_queries(crawl.requests)] == [["0"], ["50"]]


def test_page_cap_stops_paging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    routes = [{"path": "/meeting", "file": "page1.json", "content_type": JSON}]
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        _source(fetch_documents=False, options={"max_pages": 1}),
        routes,
        {"page1.json": PAGE1},
    )
    assert crawl.result.meetings == 99, crawl.result.message
    assert len(_meeting_queries(crawl.requests)) == 1  # count 2809 would need 28 more pages


def test_agenda_pdf_and_winter_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """BUILT page from two real records: file paths moved to the replay server, one date moved."""
    july = _record(IMMIGRANT_JULY_ID)
    for f in july["files"]:
        f["path"] = "{{BASE}}/files/" + f["path"].rsplit("/", 1)[-1]
    winter = _record(ZONING_ID)
    winter["meetingId"] = "BUILT-WINTER-0001"
    winter["date"] = "2023-12-13T16:00:00+00:00"  # 16:00Z in December is 10:00 CST (-06:00)
    winter["files"] = []
    page = {"data": [july, winter], "meta": {"skip": 0, "top": 100, "count": 2, "pages": 1}}
    revised = "8a20fced-1813-4d0f-9d2c-0214fb4bd54e.pdf"  # "Revised Agenda …", sort 22
    routes = [
        {"path": "/meeting", "file": "page.json", "content_type": JSON},
        {"path": f"/files/{revised}", "file": "agenda.pdf", "content_type": "application/pdf"},
    ]
    crawl = crawl_recorded(
        tmp_path,
        monkeypatch,
        _source(),
        routes,
        {"page.json": json.dumps(page), "agenda.pdf": AGENDA_PDF},
    )
    assert crawl.result.errors == 0 and crawl.result.meetings == 2, crawl.result.message
    fetched = [r for r in crawl.requests if r.startswith("/files/")]
    assert fetched == [f"/files/{revised}"]  # the revised agenda, not the original (sort 21)
    meeting = crawl.store.read(f"chi_elms/20230726/{IMMIGRANT_JULY_ID}")
    [doc] = meeting.documents
    assert doc.pages == 2 and doc.error is None
    cold = crawl.store.read("chi_elms/20231213/BUILT-WINTER-0001")
    assert cold.start.isoformat() == "2023-12-13T10:00:00-06:00"
    assert cold.documents == []


def test_parse_saved_page_body_filter() -> None:
    spider = _spider(bodies=["committee on immigrant and refugee rights"])
    url = "https://api.chicityclerkelms.chicago.gov/meeting?skip=0"
    meetings = list(spider.parse_saved(url, PAGE1.read_bytes()))
    assert len(meetings) == 4
    assert all(isinstance(m, Meeting) for m in meetings)


def test_parse_saved_single_meeting_with_agenda_items() -> None:
    """BUILT: ``agenda[]`` is null in every captured record; shape from docs/platforms.md §4.3."""
    record = _record(IMMIGRANT_JULY_ID)
    record["agenda"] = [
        {
            "matterTitle": "Call to order",
            "recordNumber": None,
            "matterId": None,
            "actionText": "",
        },
        {
            "matterTitle": "Resolution calling for hearings on services for new arrivals",
            "recordNumber": "R2023-0000001",
            "matterId": "BUILT-MATTER-1",
            "actionText": "Recommended to pass",
        },
    ]
    spider = _spider()
    url = f"https://api.chicityclerkelms.chicago.gov/meeting/{IMMIGRANT_JULY_ID}"
    [meeting] = list(spider.parse_saved(url, json.dumps(record).encode()))
    assert isinstance(meeting, Meeting)
    assert [(i.matter, i.title[:20]) for i in meeting.items] == [
        (None, "Call to order"),
        ("R2023-0000001", "Resolution calling f"),
    ]
    second = meeting.items[1]
    assert second.id == f"chi_elms/20230726/{IMMIGRANT_JULY_ID}/BUILT-MATTER-1"
    assert second.text == "Recommended to pass"
    assert [str(link.url) for link in second.links] == [
        "https://chicityclerkelms.chicago.gov/Matter/?matterId=BUILT-MATTER-1"
    ]


def test_shape_errors_are_named() -> None:
    spider = _spider()
    with pytest.raises(UnexpectedShape):
        list(spider.parse_saved("https://x.example/meeting", b"[]"))
    with pytest.raises(UnexpectedShape):
        list(spider.parse_saved("https://x.example/meeting", b"<html>maintenance</html>"))
    with pytest.raises(SourceError):
        list(spider.parse_saved("https://x.example/matter", b"{}"))
