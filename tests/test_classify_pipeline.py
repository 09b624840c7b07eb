"""What counsel reads reaches the classifier, through the real Scrapy engine (issue 13 item 3).

* A meeting title: an immigrant-affairs commission whose items are all procedural is still
  relevant, through a synthetic "Meeting title" item (pipeline/classify/meeting.py).
* The first pages of an agenda document whose items came from the platform by title only.
* Every amendment of a bill: a commemorative shell bill whose immigration content is only in a
  floor amendment is relevant, and found in that amendment.

BUILT recordings: the Legistar events and items are written in the real API's schema (as the
demo recordings in pipeline/demo_recordings/oak_park are); their bodies, titles and the HTML
agenda are invented for the test. The ILGA bulk XML follows the schema of the real captures (see
tests/test_ilga_crawl.py); its bill, short title and synopses are invented, modelled on HB1312
(104th GA), whose short title is still "POW MIA RECOGNITION DAY" while its amendments are the
Illinois Bivens Act (../shared/docs/ilga.md §1).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.classify.classifier import Classifier
from pipeline.classify.meeting import AGENDA_DOCUMENT, MEETING_TITLE, classify_meeting
from pipeline.ilga.bills import bill_path
from pipeline.models import Bill, Meeting, example_meeting
from pipeline.settings import Settings
from tests.conftest import TOPICS
from tests.helpers import crawl_recorded
from tests.test_ilga_crawl import SOURCE as ILGA_SOURCE

JSON = "application/json; charset=utf-8"
DAY = date.today() + timedelta(days=3)


def _event(event_id: int, body: str, agenda: str | None) -> dict[str, Any]:
    return {
        "EventId": event_id,
        "EventGuid": f"0000{event_id}-TEST",
        "EventBodyId": event_id,
        "EventBodyName": body,
        "EventDate": f"{DAY:%Y-%m-%d}T00:00:00",
        "EventTime": "6:30 PM",
        "EventAgendaStatusName": "Final",
        "EventLocation": "City Hall, Room 1101",
        "EventAgendaFile": agenda,
        "EventMinutesFile": None,
        "EventInSiteURL": f"https://example.legistar.com/MeetingDetail.aspx?ID={event_id}",
        "EventItems": [],
    }


def _item(item_id: int, number: str, title: str) -> dict[str, Any]:
    return {
        "EventItemId": item_id,
        "EventItemGuid": f"ITEM-{item_id}",
        "EventItemAgendaSequence": item_id,
        "EventItemAgendaNumber": number,
        "EventItemTitle": title,
        "EventItemAgendaNote": None,
        "EventItemMatterFile": None,
        "EventItemMatterName": None,
        "EventItemMatterAttachments": [],
    }


AGENDA_HTML = (
    "<html><body><h1>City Council Regular Meeting</h1>"
    "<h2>Consent Agenda</h2><p>3. Resolution 26-41</p>"
    "<p>A RESOLUTION directing staff to create a municipal identification card program so that "
    "residents who lack state identification can access city services.</p>"
    "<h2>New Business</h2><p>4. Ordinance 26-12</p></body></html>"
)


def test_meeting_titles_and_agenda_documents_reach_the_classifier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = [
        _event(501, "Commission on Immigrant Affairs", None),
        _event(502, "City Council", "{{BASE}}/docs/agenda-502.html"),
        _event(503, "Finance Committee", None),
    ]
    items = {
        501: [_item(1, "1.", "Call to order"), _item(2, "2.", "Approval of minutes")],
        502: [_item(3, "3.", "Resolution 26-41"), _item(4, "4.", "Ordinance 26-12")],
        503: [_item(5, "1.", "Approval of bills payable"), _item(6, "2.", "Audit report")],
    }
    routes: list[dict[str, Any]] = [
        {
            "path": "/v1/test/events",
            "query": {"$skip": "0"},
            "file": "events.json",
            "content_type": JSON,
        },
        {"path": "/docs/agenda-502.html", "file": "agenda.html", "content_type": "text/html"},
    ]
    files: dict[str, Path | bytes | str] = {"agenda.html": AGENDA_HTML}
    for event_id, rows in items.items():
        routes.append(
            {
                "path": f"/v1/test/events/{event_id}/eventitems",
                "file": f"items-{event_id}.json",
                "content_type": JSON,
            }
        )
        files[f"items-{event_id}.json"] = json.dumps(rows)
    source = {
        "id": "title_test",
        "platform": "legistar",
        "slug": "test",
        "api_url": "{{BASE}}/v1/test",
        "fetch_documents": True,
    }
    files["events.json"] = json.dumps(events)  # the replay server fills in {{BASE}}
    crawl = crawl_recorded(tmp_path, monkeypatch, source, routes, files)
    assert crawl.result.errors == 0, crawl.result.message
    meetings = {m.body: m for m in crawl.meetings()}
    assert set(meetings) == {"Commission on Immigrant Affairs", "City Council", "Finance Committee"}

    commission = meetings["Commission on Immigrant Affairs"]
    [title] = commission.relevant_items()
    assert title.number == MEETING_TITLE and title.id == f"{commission.id}/meeting-title"
    assert title.classification is not None
    assert {(e.field, e.rule) for e in title.classification.evidence} == {
        ("title", "oth.immigrant")
    }
    assert [i.title for i in commission.items[1:]] == ["Call to order", "Approval of minutes"]

    council = meetings["City Council"]
    assert [d.error for d in council.documents] == [None]
    [document] = council.relevant_items()
    assert document.number == AGENDA_DOCUMENT and document.title == "First pages of agenda-502.html"
    assert document.classification is not None
    assert {(e.field, e.rule) for e in document.classification.evidence} == {
        ("document", "ben.municipal_id")
    }
    assert "municipal identification card program" in document.text
    assert [str(link.url) for link in document.links] == [str(council.documents[0].url)]

    finance = meetings["Finance Committee"]
    assert finance.relevant_items() == [] and len(finance.items) == 2
    # the run counted the synthetic items among the matches, and queued one notice per meeting
    assert crawl.result.matches == 2
    assert crawl.result.notices == 2


SHORT_TITLE = "FIREFIGHTER RECOGNITION DAY"
INTRODUCED = (
    "Amends the State Commemorative Dates Act. Provides that the Governor shall annually "
    "designate by proclamation the first Monday in May as Firefighter Recognition Day."
)
FLOOR_AMENDMENT = (
    "Replaces everything after the enacting clause. Provides that a State or local law "
    "enforcement agency may not enter into an agreement to detain individuals for civil "
    "immigration enforcement."
)
XML_DIR = "/ftp/legislation/104/BillStatus/XML/"


def _bill_xml(amended: bool) -> bytes:
    synopsis = f"<synopsistitle></synopsistitle>\n<SynopsisText>     {INTRODUCED}</SynopsisText>"
    actions = [("1/14/2025", "House", "Filed with the Clerk by Rep. A. Sponsor")]
    if amended:
        synopsis += (
            "\n<synopsistitle>Senate Floor Amendment No. 2</synopsistitle>\n"
            f"<SynopsisText>{FLOOR_AMENDMENT}</SynopsisText>"
        )
        actions.append(
            ("10/30/2025", "Senate", "Senate Floor Amendment No. 2 Filed with Secretary")
        )
    rows = "\n".join(
        f"<statusdate>{d}</statusdate><chamber>{c}</chamber><action>{a}</action>"
        for d, c, a in actions
    )
    last = actions[-1]
    return (
        "<?xml version='1.0' encoding='ISO-8859-1'?>\n<xml>\n"
        "<title>Illinois General Assembly - Bill Status for HB 4321         </title>\n"
        f"<shortdesc>{SHORT_TITLE}</shortdesc>\n<sponsor>\n"
        "<sponsorhead1>House Sponsors</sponsorhead1><sponsors>Rep. A. Sponsor</sponsors>\n"
        "</sponsor>\n"
        f"<lastaction>\n<statusdate>{last[0]}</statusdate><chamber>{last[1]}</chamber>"
        f"<action>{last[2]}</action>\n</lastaction>\n"
        f"<synopsis>\n{synopsis}</synopsis>\n<actions>\n{rows}\n</actions>\n</xml>\n"
    ).encode("latin-1")


def _crawl_bill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, amended: bool) -> Path:
    html = "text/html; charset=utf-8"
    listing = (
        '<html><body><pre><A HREF="/ftp/legislation/104/BillStatus/">[To Parent Directory]</A>'
        f'<br>  10/30/2025  5:20 PM  1800 <A HREF="{XML_DIR}10400HB4321.xml">10400HB4321.xml</A>'
        "<br></pre></body></html>"
    )
    empty = "<html><body><div id='pane-Month'><p>No scheduled hearings</p></div></body></html>"
    routes = [
        {"path": XML_DIR, "file": "listing.html", "content_type": html},
        {"path": f"{XML_DIR}10400HB4321.xml", "file": "hb4321.xml", "content_type": "text/xml"},
        {"path": "/House/Schedules", "file": "house.html", "content_type": html},
        {"path": "/Senate/Schedules", "file": "senate.html", "content_type": html},
    ]
    files: dict[str, Path | bytes | str] = {
        "listing.html": listing,
        "hb4321.xml": _bill_xml(amended),
        "house.html": empty,
        "senate.html": empty,
    }
    crawl = crawl_recorded(tmp_path, monkeypatch, ILGA_SOURCE, routes, files)
    assert crawl.result.errors == 0, crawl.result.message
    return bill_path(Settings().data_dir, 104, "HB4321")


def test_every_amendment_reaches_the_classifier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as introduced, a commemorative bill: not relevant, so not tracked
    assert not _crawl_bill(tmp_path / "introduced", monkeypatch, amended=False).exists()
    # the floor amendment makes it relevant, and the evidence says where
    path = _crawl_bill(tmp_path / "amended", monkeypatch, amended=True)
    bill = Bill.model_validate_json(path.read_bytes())
    assert [s.title for s in bill.synopses] == [
        "Synopsis As Introduced",
        "Senate Floor Amendment No. 2",
    ]
    assert bill.classification is not None and bill.classification.relevant
    fields = {e.field for e in bill.classification.evidence}
    assert fields == {"Senate Floor Amendment No. 2"}
    assert bill.classification.topics[0] == "enforcement_cooperation"


def test_meeting_json_keeps_the_synthetic_items_round_trip() -> None:
    # the synthetic items are ordinary AgendaItems: stored JSON reads back unchanged
    meeting = example_meeting()
    meeting.title = "Immigrant Rights Commission - Regular Meeting"
    classify_meeting(Classifier.from_yaml(TOPICS), meeting)
    classify_meeting(Classifier.from_yaml(TOPICS), meeting)  # idempotent: still one title item
    assert [i.number for i in meeting.items] == [MEETING_TITLE, "7.b"]
    assert Meeting.model_validate_json(meeting.model_dump_json()) == meeting
