"""ILGA parsers on the real captures (facts from shared/fixtures/real/ilga/PROVENANCE.md).

Files under tests/fixtures/ilga/ are the real captures, except the hearing page and the HR0579 FTP
HTML, which are BUILT from real text excerpts in the documented markup (see the README there).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.ilga.bulk_xml import (
    IlgaParseError,
    classify_action,
    parse_bill_xml,
    parse_hearing_line,
    read_xml,
    split_sponsors,
)
from pipeline.ilga.pages import (
    hearing_links,
    parse_hearing_page,
    parse_listing,
    parse_status_page,
    says_no_hearings,
)
from tests.conftest import FIXTURES, ROOT

ILGA = FIXTURES / "ilga"
SOURCE = "il-general-assembly"
XML_URL = "https://www.ilga.gov/ftp/legislation/{ga}/BillStatus/XML/{name}.xml"
HB1062_URL = "https://ilga.gov/Legislation/BillStatus?GAID=18&DocNum=1062&DocTypeID=HB&LegId=157078&SessionID=114"
HB5816_URL = "https://ilga.gov/Legislation/BillStatus?GAID=18&DocNum=5816&DocTypeID=HB&LegId=168916&SessionID=114"
HEARING_URL = "https://ilga.gov/House/hearings/details/3056/22568"


def _xml(name: str, ga: int) -> bytes:
    return (ILGA / f"{name}_BillStatus.xml").read_bytes()


# --- bulk XML -----------------------------------------------------------------------------------


def test_hr0017_bulk_xml_104th() -> None:
    bill = parse_bill_xml(
        _xml("10400HR0017", 104), XML_URL.format(ga=104, name="10400HR0017"), SOURCE
    )
    assert (bill.ga, bill.label, bill.title) == (104, "HR17", "RULES-AMEND")
    assert [(s.name, s.chamber, s.chief) for s in bill.sponsors] == [
        ("Patrick Windhorst", "House", True)
    ]
    assert len(bill.actions) == 2
    assert bill.last_action is not None
    assert (bill.last_action.date, bill.last_action.chamber, bill.last_action.action) == (
        date(2025, 1, 28),
        "House",
        "Referred to Rules Committee",
    )
    [synopsis] = bill.synopses
    assert synopsis.title == "Synopsis As Introduced" and synopsis.text.startswith(
        "Amends Rule 59."
    )
    assert (
        "bipartisan" not in synopsis.text
        and "5 co-sponsors from the minority caucus" in synopsis.text
    )
    assert (
        str(bill.url) == "https://www.ilga.gov/ftp/legislation/104/BillStatus/HTML/10400HR0017.html"
    )
    assert bill.thread_key == "bill:104:HR17" and bill.public_act is None


def test_hr0285_bulk_xml_97th_utf8_with_committee_tally() -> None:
    url = "https://lrb.ilga.gov/ftp/legislation/97/BillStatus/XML/09700HR0285.xml"
    bill = parse_bill_xml(_xml("09700HR0285", 97), url, SOURCE)
    assert (bill.ga, bill.label, bill.title) == (97, "HR285", "EXEC AGENCIES-INFO TO PUBLIC")
    assert bill.sponsors[0].name == "Camille Y. Lilly"
    assert len(bill.actions) == 6
    assert (
        bill.last_action is not None and bill.last_action.action == "Resolution Adopted 112-002-001"
    )
    assert bill.last_action.date == date(2011, 5, 31)
    kinds = [a.kind for a in bill.actions]
    assert kinds == ["filed", "referred", "referred", "passed_committee", "other", "passed_house"]
    assert "017-000-000" in bill.actions[3].action


def test_sb2240_bulk_xml_appropriation_died() -> None:
    url = "https://lrb.ilga.gov/ftp/legislation/101/BillStatus/XML/10100SB2240.xml"
    bill = parse_bill_xml(_xml("10100SB2240", 101), url, SOURCE)
    assert (bill.ga, bill.label, bill.title) == (101, "SB2240", "$DNR-MONARCH HABITAT")
    assert [(s.name, s.chamber) for s in bill.sponsors] == [("Bill Cunningham", "Senate")]
    assert len(bill.actions) == 4
    assert bill.last_action is not None
    assert (bill.last_action.date, bill.last_action.action, bill.last_action.kind) == (
        date(2021, 1, 13),
        "Session Sine Die",
        "died",
    )
    assert "Monarch butterfly and other pollinator habitat" in bill.synopses[0].text


def test_xml_is_read_safely() -> None:
    real = _xml("10400HR0017", 104)
    # A stray control character (seen in the bulk files) is scrubbed, not fatal.
    dirty = real.replace(b"RULES-AMEND", b"RULES\x0b-AMEND\x01")
    assert read_xml(dirty).findtext("shortdesc") == "RULES -AMEND "
    # Declared UTF-8 but written in Windows-1252 ("Muņoz"-style mis-encodings): still parsed.
    lying = real.replace(b"ISO-8859-1", b"UTF-8").replace(b"Windhorst", b"Mu\xf1oz")
    assert "Muñoz" in (read_xml(lying).findtext("sponsor/sponsors") or "")
    # ISO-8859-1 as declared: byte 0xF1 is ñ.
    assert "Muñoz" in (
        read_xml(real.replace(b"Windhorst", b"Mu\xf1oz")).findtext("sponsor/sponsors") or ""
    )
    # No entity is ever defined or expanded (billion laughs, external files).
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><title>&a;</title></xml>'
    with pytest.raises(IlgaParseError, match="DOCTYPE"):
        read_xml(bomb)
    with pytest.raises(IlgaParseError, match="well-formed"):
        read_xml(b"<xml><title>unclosed</xml>")


def test_lagging_xml_keeps_the_newer_last_action() -> None:
    # ilga.md §10: the XML history sometimes lags <lastaction>; the newer one joins the history.
    real = _xml("10400HR0017", 104).decode("latin-1")
    lagging = real.replace(
        "<statusdate>1/28/2025</statusdate><chamber>House</chamber><action>Referred to Rules Committee</action>\n</actions>",
        "</actions>",
    )
    bill = parse_bill_xml(
        lagging.encode("latin-1"), XML_URL.format(ga=104, name="10400HR0017"), SOURCE
    )
    assert [a.action for a in bill.actions] == [
        "Filed with the Clerk by Rep. Patrick Windhorst",
        "Referred to Rules Committee",
    ]


# --- Bill Status pages ---------------------------------------------------------------------------


def test_hb1062_status_page_enacted() -> None:
    bill = parse_status_page(
        (ILGA / "HB1062_104thGA_billstatus.html").read_bytes(), HB1062_URL, SOURCE
    )
    assert (bill.ga, bill.label, bill.title) == (104, "HB1062", "IL-CENTURY-NETWORK-PRIORITIES")
    assert [(s.name, s.chamber, s.chief) for s in bill.sponsors] == [
        ("Amy Briel", "House", True),
        ("Katie Stuart", "House", False),
        ("Dan Swanson", "House", False),
        ("Wayne A. Rosenthal", "House", False),
        ("Hoan Huynh", "House", False),
        ("Rachel Ventura", "Senate", True),
    ]
    assert bill.statutes == ["20 ILCS 3921/8 new"]
    introduced, amendment = bill.synopses
    assert introduced.text.startswith(
        "Amends the Illinois Century Network Act. Provides that the connection"
    )
    assert introduced.text.endswith("starting with schools and libraries.")
    assert amendment.title == "Senate Committee Amendment No. 1"
    assert amendment.url is not None and "DocName=10400HB1062sam001" in str(amendment.url)
    assert len(bill.actions) == 42
    first = bill.actions[0]
    assert (first.date, first.chamber, first.action, first.kind) == (
        date(2024, 12, 17),
        "House",
        "Prefiled with Clerk by Rep. Katie Stuart",
        "filed",
    )
    assert bill.last_action is not None
    assert (bill.last_action.date, bill.last_action.chamber, bill.last_action.kind) == (
        date(2025, 8, 15),
        "House",
        "public_act",
    )
    assert bill.public_act == "104-0166"
    texts = {a.action: a for a in bill.actions}
    assert texts["Third Reading - Short Debate - Passed 113-000-000"].kind == "passed_house"
    assert texts["Third Reading - Passed; 058-000-000"].kind == "passed_senate"
    assert texts["Governor Approved"].date == date(2025, 8, 15)
    assert "Effective Date January 1, 2026" in texts


def test_hb5816_status_page_just_filed() -> None:
    bill = parse_status_page(
        (ILGA / "HB5816_104thGA_billstatus.html").read_bytes(), HB5816_URL, SOURCE
    )
    assert (bill.label, bill.title) == ("HB5816", "FIRE PROT DIST-TRUSTEE REMOVAL")
    [sponsor] = bill.sponsors
    assert (sponsor.name, str(sponsor.url)) == (
        "John M. Cabello",
        "https://ilga.gov/House/Members/Details/3430",
    )
    assert bill.statutes == ["70 ILCS 705/4"]
    assert bill.synopses[0].text.startswith(
        "Amends the Fire Protection District Act. Provides that a trustee who is appointed"
    )
    [action] = bill.actions
    assert (action.date, action.chamber, action.action) == (
        date(2026, 9, 24),
        "House",
        "Filed with the Clerk by Rep. John M. Cabello",
    )
    assert bill.last_action == action and bill.public_act is None and len(bill.synopses) == 1


def test_ftp_html_with_hearings_block() -> None:
    # BUILT from the real HR0579 excerpt (tests/fixtures/ilga/README.md).
    url = "https://my.ilga.gov/ftp/legislation/104/BillStatus/HTML/10400HR0579.html"
    bill = parse_status_page((ILGA / "10400HR0579.html").read_bytes(), url, SOURCE)
    assert (bill.ga, bill.label, bill.title) == (104, "HR579", "IDNR-POLLINATOR CONSERVATION")
    assert bill.last_action is not None and bill.last_action.date == date(2026, 2, 11)
    assert len(bill.actions) == 5 and bill.actions[-2].kind == "passed_committee"
    [hearing] = bill.hearings
    assert hearing.committee == "Agriculture & Conservation Committee"
    assert hearing.start.isoformat() == "2026-02-17T15:00:00-06:00"  # winter: CST
    assert hearing.location == "Capitol Building 118 and Virtual Room 2 Springfield, IL"


def test_status_page_without_sections_is_an_error() -> None:
    with pytest.raises(IlgaParseError):
        parse_status_page(
            b"<html><body><p>Service unavailable</p></body></html>", "https://ilga.gov/x", SOURCE
        )


# --- hearings -----------------------------------------------------------------------------------


def test_house_hearing_page() -> None:
    # BUILT from the real excerpt of /House/hearings/details/3056/22568.
    page = parse_hearing_page(
        (ILGA / "House_hearing_details_3056_22568.html").read_bytes(), HEARING_URL
    )
    assert page.committee == "House Education Policy Committee"
    assert (page.chamber, page.committee_id, page.hearing_id) == ("House", "3056", "22568")
    assert page.start.isoformat() == "2026-03-19T08:00:00-05:00"  # after the March 8 switch: CDT
    assert page.location == "122 and Virtual Room 3 Capitol Building Springfield, IL"
    assert page.details["Chairperson"] == "Michelle Mussman"
    assert page.details["Vice-Chairperson"] == "Laura Faver Dias"
    assert page.details["Republican Spokesperson"] == "Amy Elik"
    assert page.details["Posting Date"] == "3/13/2026 3:08 PM"
    rows = {(b.label, b.amendment): b for b in page.bills}
    assert (rows[("HB1783", None)].motion, rows[("HB1783", None)].vote) == ("Do Pass", "13 - 0 - 0")
    assert rows[("HB4582", None)].vote == "9 - 4 - 0"
    assert rows[("HB5207", None)].result == "Do Pass As Amended - Short Debate"
    hca = rows[("HB5207", "HCA1")]
    assert (hca.motion, hca.vote, hca.result) == ("Do Adopt", "Voice Vote", "Adopted")
    assert ("HB2960", "HFA2") in rows and ("HB5552", "HCA1") in rows
    # 29 rows up to the excerpt's end: 22 bill rows and 7 amendment rows; HB2960 and HB4577 are
    # posted only for a floor amendment, so 24 distinct bills.
    assert len(page.bills) == 29 and sum(b.amendment is None for b in page.bills) == 22
    assert len({b.label for b in page.bills}) == 24


def test_hearing_line_and_dst() -> None:
    winter = parse_hearing_line(
        "Agriculture & Conservation Committee Hearing Feb 17 2026 3:00PM Capitol Building 118 and Virtual Room 2 Springfield, IL"
    )
    assert winter is not None and winter.start.utcoffset() == -timedelta(hours=6)
    summer = parse_hearing_line("Senate Executive Committee Hearing May 21 2025 9:30 AM Room 212")
    assert summer is not None and summer.start.isoformat() == "2025-05-21T09:30:00-05:00"
    assert summer.chamber == "Senate" and summer.location == "Room 212"
    assert parse_hearing_line("Referred to Rules Committee") is None


def test_schedule_links() -> None:
    # BUILT: no schedule page was captured; this follows ilga.md §8 (month pane, <a class="btn">
    # since 2025-09-23, <button onclick="location.href=…"> before).
    body = b"""<div id="pane-Month"><table><tr><td>3/19/2026</td><td>
      <a class="btn btn-primary" href="/House/hearings/details/3056/22568">Education Policy</a></td></tr>
      <tr><td><button onclick="location.href='/House/hearings/details/3066/22600'">Rules</button></td></tr>
      <tr><td><a href="/House/hearings/details/3056/22568">again</a></td></tr></table></div>"""
    assert hearing_links(body, "https://ilga.gov/House/Schedules") == [
        "https://ilga.gov/House/hearings/details/3056/22568",
        "https://ilga.gov/House/hearings/details/3066/22600",
    ]
    assert says_no_hearings(b"<p>No scheduled hearings for March</p>")
    assert not says_no_hearings(body)


def test_listing_with_and_without_stamps() -> None:
    # BUILT: no listing was captured; an IIS-style row and a bare link are both read.
    body = b"""<pre><A HREF="/ftp/legislation/104/BillStatus/">[To Parent Directory]</A><br>
      1/28/2025  3:12 PM         1509 <A HREF="/ftp/legislation/104/BillStatus/XML/10400HR0017.xml">10400HR0017.xml</A><br>
      <a href="10400HB1062.xml">10400HB1062.xml</a></pre>"""
    entries = parse_listing(body, "https://www.ilga.gov/ftp/legislation/104/BillStatus/XML/")
    assert [(e.doc_type, e.number, e.stamp) for e in entries] == [
        ("HR", 17, "1/28/2025 3:12 PM 1509"),
        ("HB", 1062, None),
    ]
    assert (
        entries[1].url == "https://www.ilga.gov/ftp/legislation/104/BillStatus/XML/10400HB1062.xml"
    )


# --- actions and sponsors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "chamber", "kind"),
    [
        ("Prefiled with Clerk by Rep. Katie Stuart", "House", "filed"),
        ("Filed with the Clerk by Rep. John M. Cabello", "House", "filed"),
        ("Filed with Secretary by Sen. Bill Cunningham", "Senate", "filed"),
        ("Referred to Rules Committee", "House", "referred"),
        ("Assigned to Agriculture & Conservation Committee", "House", "referred"),
        (
            "Do Pass / Short Debate State Government Administration Committee; 009-000-000",
            "House",
            "passed_committee",
        ),
        (
            "Do Pass as Amended Energy and Public Utilities; 012-000-000",
            "Senate",
            "passed_committee",
        ),
        (
            "Recommends Be Adopted Agriculture & Conservation Committee; 008-000-000",
            "House",
            "passed_committee",
        ),
        ("Third Reading - Short Debate - Passed 113-000-000", "House", "passed_house"),
        ("Third Reading - Passed; 058-000-000", "Senate", "passed_senate"),
        ("Resolution Adopted 112-002-001", "House", "passed_house"),
        ("Placed on Calendar Order of 3rd Reading - Short Debate", "House", "other"),
        (
            "Senate Committee Amendment No. 1 Filed with Secretary by Sen. Rachel Ventura",
            "Senate",
            "amendment_filed",
        ),
        ("Senate Committee Amendment No. 1 Referred to Assignments", "Senate", "amendment_other"),
        (
            "Senate Committee Amendment No. 1 Assignments Refers to Energy and Public Utilities",
            "Senate",
            "amendment_other",
        ),
        ("Senate Committee Amendment No. 1 Adopted", "Senate", "amendment_adopted"),
        (
            "Senate Committee Amendment No. 1 Motion to Concur Recommends Be Adopted State Government Administration Committee; 008-000-000",
            "House",
            "amendment_other",
        ),
        ("Senate Committee Amendment No. 1 House Concurs 115-000-000", "House", "concurred"),
        ("Passed Both Houses", "House", "passed_both"),
        ("Sent to the Governor", "House", "sent_to_governor"),
        ("Governor Approved", "House", "signed"),
        ("Effective Date January 1, 2026", "House", "other"),
        ("Public Act . . . . . . . . . 104-0166", "House", "public_act"),
        ("Session Sine Die", "Senate", "died"),
        ("Added Co-Sponsor Rep. Sonya M. Harper", "House", "other"),
    ],
)
def test_action_kinds_on_real_strings(text: str, chamber: str, kind: str) -> None:
    assert classify_action(text, chamber) == kind


def test_sponsor_strings_from_real_pages() -> None:
    # SB22 (99th GA, old FTP HTML): bare hyphens, "Emil Jones, III", the mis-encoded "Muņoz".
    sb22 = split_sponsors(
        "Sen. John J. Cullerton-Antonio Muņoz-Kwame Raoul-Heather A. Steans, William Delgado, "
        "Michael Noland, David Koehler, Iris Y. Martinez, Emil Jones, III, Linda Holmes and "
        "Jacqueline Y. Collins-Ira I. Silverstein",
        "Senate",
    )
    names = [s.name for s in sb22]
    assert names[:3] == ["John J. Cullerton", "Antonio Muņoz", "Kwame Raoul"]
    assert "Emil Jones, III" in names and names[-1] == "Ira I. Silverstein" and len(names) == 12
    assert sb22[0].chief and not any(s.chief for s in sb22[1:])
    # HB3882 (103rd GA): spaced " - " keeps hyphenated names whole.
    hb3882 = split_sponsors(
        "Rep. Barbara Hernandez - Edgar Gonzalez, Jr. - Kelly M. Cassidy, Angelica Guerrero-Cuellar and Lilian Jiménez",
        "House",
    )
    assert [s.name for s in hb3882] == [
        "Barbara Hernandez",
        "Edgar Gonzalez, Jr.",
        "Kelly M. Cassidy",
        "Angelica Guerrero-Cuellar",
        "Lilian Jiménez",
    ]


# --- `agenda-watch parse` -----------------------------------------------------------------------


def _parse_cli(url: str, path: Path) -> list[dict[str, Any]]:
    """`agenda-watch parse` in this process (tests/test_cli.py runs it as a subprocess)."""
    args = ["--config-dir", str(ROOT / "config"), "parse", "--source", SOURCE, "--url", url]
    out = CliRunner().invoke(main, [*args, str(path)])
    assert out.exit_code == 0, out.output
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_parse_command_prints_bills_and_hearings() -> None:
    [xml_bill] = _parse_cli(
        XML_URL.format(ga=104, name="10400HR0017"), ILGA / "10400HR0017_BillStatus.xml"
    )
    assert xml_bill["title"] == "RULES-AMEND" and len(xml_bill["actions"]) == 2
    [page_bill] = _parse_cli(HB1062_URL, ILGA / "HB1062_104thGA_billstatus.html")
    assert page_bill["public_act"] == "104-0166" and len(page_bill["actions"]) == 42
    [hearing] = _parse_cli(HEARING_URL, ILGA / "House_hearing_details_3056_22568.html")
    assert hearing["body"] == "House Education Policy Committee"
    assert hearing["start"] == "2026-03-19T08:00:00-05:00"
    assert hearing["id"] == "il-general-assembly/20260319/3056-22568"
    assert [i["number"] for i in hearing["items"]][:3] == ["HB1783", "HB2960", "HB4143"]
    assert datetime.fromisoformat(str(hearing["start"])).utcoffset() == -timedelta(hours=5)
