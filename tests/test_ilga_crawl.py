"""One bill's life, crawled step by step through the real Scrapy engine and posted with the real
slack-sdk to the fake Slack: filed → amended → hearing posted → passed committee → Public Act,
each announced once, in order, in ONE thread; a rerun posts nothing.

BUILT recordings (no real capture exists of a bill's successive states, a listing or a schedule
page): the bulk XML follows the schema of the real captures (10400HR0017 etc.) and uses SB1881's
real facts (filed 2/5/2025 by Sen. Karina Villa; synopsis "Amends the Illinois TRUST Act. Adds
schools and school employees …", fixtures/real/ilga/PROVENANCE.md §10). Its short title, the
amendment synopsis, later actions, the hearing and the Public Act number are invented for the
simulation, with action wording copied from real pages (HB1062). HR0017 is the real capture.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from pipeline.deliver.outbox import deliver
from pipeline.models import Bill
from pipeline.settings import Settings
from pipeline.store.files import bill_path
from pipeline.store.ledger import Ledger
from pipeline.views.format import bill_match_rows
from tests.conftest import FIXTURES
from tests.fakeslack import VALID_TOKEN, FakeSlackServer
from tests.helpers import RecordedCrawl, crawl_recorded

CHANNEL = "C0AGENDA01"
XML_DIR = "/ftp/legislation/104/BillStatus/XML/"
HTML = "text/html; charset=utf-8"
SOURCE = {
    "id": "il-general-assembly",
    "platform": "ilga",
    "base_url": "{{BASE}}",
    "jurisdiction": "State of Illinois",
    "options": {"ga": 104},
}
INTRODUCED = (
    "Amends the Illinois TRUST Act. Adds schools and school employees to provisions regarding law "
    'enforcement agencies and law enforcement officials. Defines "school".'
)
SCA1 = (
    "Replaces everything after the enacting clause. Reinserts the provisions of the introduced bill "
    "and provides that a school may not share student records for civil immigration enforcement."
)
FILED = [
    ("2/5/2025", "Senate", "Filed with Secretary by Sen. Karina Villa"),
    ("2/5/2025", "Senate", "First Reading"),
    ("2/5/2025", "Senate", "Referred to Assignments"),
]
AMENDED = [
    *FILED,
    ("2/19/2025", "Senate", "Assigned to Executive"),
    (
        "3/10/2025",
        "Senate",
        "Senate Committee Amendment No. 1 Filed with Secretary by Sen. Karina Villa",
    ),
    ("3/10/2025", "Senate", "Senate Committee Amendment No. 1 Referred to Assignments"),
]
PASSED_COMMITTEE = [
    *AMENDED,
    ("3/19/2025", "Senate", "Senate Committee Amendment No. 1 Adopted"),
    ("3/19/2025", "Senate", "Do Pass as Amended Executive; 009-004-000"),
]
ENACTED = [
    *PASSED_COMMITTEE,
    ("4/10/2025", "Senate", "Third Reading - Passed; 038-019-000"),
    ("5/28/2025", "House", "Third Reading - Short Debate - Passed 072-040-000"),
    ("5/28/2025", "House", "Passed Both Houses"),
    ("6/26/2025", "Senate", "Sent to the Governor"),
    ("8/15/2025", "Senate", "Governor Approved"),
    ("8/15/2025", "Senate", "Public Act . . . . . . . . . 104-0288"),
]


def sb1881_xml(actions: list[tuple[str, str, str]], amended: bool) -> str:
    """Bulk status XML in the real files' schema (declared ISO-8859-1 like 10400HR0017)."""
    rows = "\n".join(
        f"<statusdate>{d}</statusdate><chamber>{c}</chamber><action>{a}</action>"
        for d, c, a in actions
    )
    last = actions[-1]
    synopsis = f"<synopsistitle></synopsistitle>\n<SynopsisText>     {INTRODUCED}</SynopsisText>"
    if amended:
        synopsis += f"\n<synopsistitle>Senate Committee Amendment No. 1</synopsistitle>\n<SynopsisText>{SCA1}</SynopsisText>"
    return (
        "<?xml version='1.0' encoding='ISO-8859-1'?>\n<xml>\n"
        "<title>Illinois General Assembly - Bill Status for SB 1881         </title>\n"
        "<shortdesc>SCHOOLS-TRUST ACT</shortdesc>\n<sponsor>\n"
        "<sponsorhead1>Senate Sponsors</sponsorhead1><sponsors>Sen. Karina Villa</sponsors>\n</sponsor>\n"
        f"<lastaction>\n<statusdate>{last[0]}</statusdate><chamber>{last[1]}</chamber><action>{last[2]}</action>\n</lastaction>\n"
        f"<synopsis>\n{synopsis}</synopsis>\n<actions>\n{rows}\n</actions>\n</xml>\n"
    )


def listing(sb1881_stamp: str) -> str:
    """An IIS-style directory listing (BUILT; ilga.md §10 names the files, not the listing)."""
    return (
        '<html><body><pre><A HREF="/ftp/legislation/104/BillStatus/">[To Parent Directory]</A><br>'
        f'  1/28/2025  3:12 PM  1509 <A HREF="{XML_DIR}10400HR0017.xml">10400HR0017.xml</A><br>'
        f'  {sb1881_stamp} <A HREF="{XML_DIR}10400SB1881.xml">10400SB1881.xml</A><br></pre></body></html>'
    )


def schedule(hearing: bool) -> str:
    """A chamber's month schedule (BUILT from ilga.md §8's selectors)."""
    if not hearing:
        return "<html><body><div id='pane-Month'><p>No scheduled hearings for March</p></div></body></html>"
    return (
        "<html><body><div id='pane-Month'><table><tr><td>3/19/2025 9:00 AM</td><td>"
        "<a class='btn btn-sm' href='/Senate/hearings/details/3104/23001'>Executive</a>"
        "</td></tr></table></div></body></html>"
    )


def hearing_page(result: tuple[str, str, str] | None) -> str:
    """A Senate hearing page in the shape of the House one (BUILT; see the fixture README)."""
    motion, vote, outcome = result or ("", "", "")
    return (
        "<html><body><div id='copyable-content'>"
        "<h2>Senate Executive Committee Hearing Details - 104th General Assembly</h2>"
        "<div class='card'><h2>Hearing Details</h2><table>"
        "<tr><td>Chairperson: Kimberly A. Lightford</td></tr><tr><td>Date: 3/19/2025 9:00 AM</td></tr>"
        "<tr><td>Location: Room 212 Capitol Building Springfield, IL</td></tr>"
        "<tr><td>Posting Date: 3/12/2025 4:15 PM</td></tr></table></div>"
        "<div class='card'><h4>Bills Assigned To Hearing</h4><table><tr><th>Bill #</th><th>Motion</th>"
        "<th>Vote Motion</th><th>Vote Total</th><th>Vote Result</th></tr>"
        f"<tr><td>SB1881</td><td>{motion}</td><td>{vote}</td><td>{outcome}</td><td></td></tr>"
        "<tr><td>SB1881 (SCA1)</td><td></td><td></td><td></td><td></td></tr>"
        "<tr><td>SB0017</td><td></td><td></td><td></td><td></td></tr></table></div></div></body></html>"
    )


def step_files(
    actions: list[tuple[str, str, str]], amended: bool, stamp: str, hearing: str | None
) -> tuple[list[dict[str, Any]], dict[str, Path | bytes | str]]:
    routes = [
        {"path": XML_DIR, "file": "listing.html", "content_type": HTML},
        {"path": f"{XML_DIR}10400HR0017.xml", "file": "hr0017.xml", "content_type": "text/xml"},
        {"path": f"{XML_DIR}10400SB1881.xml", "file": "sb1881.xml", "content_type": "text/xml"},
        {"path": "/House/Schedules", "file": "house.html", "content_type": HTML},
        {"path": "/Senate/Schedules", "file": "senate.html", "content_type": HTML},
        {
            "path": "/Senate/hearings/details/3104/23001",
            "file": "hearing.html",
            "content_type": HTML,
        },
    ]
    files: dict[str, Path | bytes | str] = {
        "listing.html": listing(stamp),
        "hr0017.xml": FIXTURES / "ilga" / "10400HR0017_BillStatus.xml",
        "sb1881.xml": sb1881_xml(actions, amended).encode("latin-1"),
        "house.html": schedule(False),
        "senate.html": schedule(hearing is not None),
        "hearing.html": hearing or "<html></html>",
    }
    return routes, files


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def deliver_now() -> int:
    settings = Settings()
    ledger = Ledger(settings.ledger_path)
    try:
        report = deliver(settings, ledger)
    finally:
        ledger.close()
    assert report.failed == 0, report.errors
    return report.sent


def test_bill_life_in_one_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: FakeSlackServer
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", VALID_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.setenv("SLACK_CHANNEL", CHANNEL)
    port = free_port()
    steps = [
        ("filed", step_files(FILED, False, "2/5/2025  4:01 PM  1200", None)),
        ("amended", step_files(AMENDED, True, "3/10/2025  5:20 PM  1800", None)),
        # The bulk file is unchanged (same stamp): only the hearing page is news.
        ("hearing", step_files(AMENDED, True, "3/10/2025  5:20 PM  1800", hearing_page(None))),
        (
            "committee",
            step_files(
                PASSED_COMMITTEE,
                True,
                "3/19/2025  6:02 PM  2100",
                hearing_page(("Do Pass as Amended", "9 - 4 - 0", "Do Pass as Amended")),
            ),
        ),  # fmt: skip
        ("enacted", step_files(ENACTED, True, "8/15/2025  7:30 PM  2900", None)),
        ("rerun", step_files(ENACTED, True, "8/15/2025  7:30 PM  2900", None)),
    ]
    crawls: dict[str, RecordedCrawl] = {}
    sent: dict[str, int] = {}
    for name, (routes, files) in steps:
        crawl = crawl_recorded(tmp_path, monkeypatch, SOURCE, routes, files, port=port)
        assert crawl.result.errors == 0, crawl.result.message
        crawls[name] = crawl
        sent[name] = deliver_now()

    assert sent == {
        "filed": 1,
        "amended": 1,
        "hearing": 1,
        "committee": 1,
        "enacted": 1,
        "rerun": 0,
    }
    assert [c.result.notices for c in crawls.values()] == [1, 1, 1, 1, 1, 0]

    # Incremental: the real HR0017 file is fetched on the first run only; an unchanged SB1881 is not.
    fetched = {n: [r for r in c.requests if r.endswith(".xml")] for n, c in crawls.items()}
    assert sorted(fetched["filed"]) == [f"{XML_DIR}10400HR0017.xml", f"{XML_DIR}10400SB1881.xml"]
    assert fetched["amended"] == [f"{XML_DIR}10400SB1881.xml"]
    assert fetched["hearing"] == [] and fetched["rerun"] == []
    assert crawls["rerun"].result.meetings == 2  # two bills seen, both unchanged: a healthy run

    messages = slack.fake.messages
    assert len(messages) == 5
    parent = messages[0]
    assert parent["thread_ts"] is None and parent["channel"] == CHANNEL
    assert all(m["thread_ts"] == parent["ts"] for m in messages[1:])
    assert {m["metadata"]["event_payload"]["thread_key"] for m in messages} == {"bill:104:SB1881"}
    bodies = [json.dumps(m["blocks"], ensure_ascii=False) for m in messages]

    new, amended, hearing, committee, enacted = bodies
    assert "*New bill*" in new and "SB1881 SCHOOLS-TRUST ACT" in new
    assert "Sponsor: Karina Villa (Senate)" in new
    assert "Filed 02/05/2025 (Senate): Filed with Secretary by Sen. Karina Villa" in new
    assert "“Illinois TRUST Act”" in new and "*Synopsis As Introduced*" in new
    assert "/ftp/legislation/104/BillStatus/HTML/10400SB1881.html|SB1881 SCHOOLS-TRUST ACT>" in new

    assert "*Bill update*" in amended
    assert "Amendment filed 03/10/2025 (Senate): Senate Committee Amendment No. 1 Filed" in amended
    assert "synopsis: Replaces everything after the enacting clause." in amended
    assert "New synopsis" not in amended  # quoted once, with the amendment

    assert "Hearing posted: Senate Executive Committee, Wed Mar 19, 2025 9:00 AM CDT" in hearing
    assert "Room 212 Capitol Building Springfield, IL" in hearing
    assert (
        "witness slips: http://127.0.0.1:" in hearing
        and "/Senate/hearings/details/3104/23001" in hearing
    )

    assert (
        "Amendment adopted 03/19/2025 (Senate): Senate Committee Amendment No. 1 Adopted"
        in committee
    )
    assert (
        "Passed committee 03/19/2025 (Senate): Do Pass as Amended Executive; 009-004-000"
        in committee
    )
    assert "Hearing" not in committee  # same hearing, same time: not "moved"

    order = [
        "Passed the Senate 04/10/2025",
        "Passed the House 05/28/2025",
        "Passed both houses 05/28/2025",
        "Sent to the Governor 06/26/2025",
        "Signed by the Governor 08/15/2025",
        "Public Act 08/15/2025",
    ]
    positions = [enacted.index(line) for line in order]
    assert positions == sorted(positions)
    assert "Public Act 104-0288" in enacted  # in the header once enacted
    assert "*Final action*" in enacted and "*Bill update*" not in enacted

    # What is stored: the bill with its whole history and the hearing; the hearing as a meeting
    # (organizers' upcoming/matches) whose bill item is named and classified by its synopsis.
    data = tmp_path / "data"
    bill = Bill.model_validate_json(bill_path(data, 104, "SB1881").read_bytes())
    assert len(bill.actions) == len(ENACTED) and bill.public_act == "104-0288"
    assert [h.committee for h in bill.hearings] == ["Senate Executive Committee"]
    assert bill.classification is not None and bill.classification.relevant
    assert {e.field for e in bill.classification.evidence} >= {"Synopsis As Introduced"}
    assert not bill_path(data, 104, "HR17").exists()  # not relevant, not pinned: not stored
    [meeting] = crawls["rerun"].meetings()
    assert meeting.id == "il-general-assembly/20250319/3104-23001"
    assert meeting.start.isoformat() == "2025-03-19T09:00:00-05:00"
    assert meeting.body == "Senate Executive Committee"
    sb, sb17 = meeting.items
    assert sb.title == "SB1881 SCHOOLS-TRUST ACT" and sb.matter == "SB1881"
    assert sb.classification is not None and sb.classification.relevant
    assert "Amendments posted: SCA1." in sb.text
    assert (
        sb17.title == "SB17"
        and sb17.classification is not None
        and not sb17.classification.relevant
    )
    ledger = Ledger(data / "ledger.sqlite3")
    try:
        kinds = [r["kind"] for r in ledger.conn.execute("SELECT kind FROM notices ORDER BY id")]
    finally:
        ledger.close()
    # The Public Act ends the bill's road: posted as its outcome ("Final action"), in the thread.
    assert kinds == ["bill_new", "bill_update", "bill_update", "bill_update", "outcome"]
    # `agenda-watch matches` lists the bill beside agenda items, with its next hearing and Public Act.
    [row] = [r for r in bill_match_rows(data) if r["number"] == "SB1881"]
    assert row["kind"] == "bill" and row["public_act"] == "104-0288"
    assert row["meeting_start"] == "2025-03-19T09:00:00-05:00"
    assert row["title"] == "SCHOOLS-TRUST ACT" and row["evidence"]
