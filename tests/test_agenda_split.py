"""Splitting agenda documents into items, and the extract stage that does it during a crawl.

The PDFs in tests/fixtures/pdf/ are byte-for-byte copies from /work/shared/fixtures/real/pdf/. The
expected numbers, titles and pages below are the facts listed for each file in its PROVENANCE.md
(file numbers there in brackets). Titles are compared with ``startswith`` where the PDF runs the
description into the title line with no separator (PROVENANCE marks these with "…").
"""

from __future__ import annotations

import io
import json
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from pipeline.models import item_id
from pipeline.text import docx
from pipeline.text.agenda_split import SplitItem, split_agenda
from pipeline.text.docx import docx_text, looks_like_docx
from pipeline.text.pdftext import extract_pdf_bytes
from tests.conftest import FIXTURES
from tests.helpers import crawl_recorded

PDFS = FIXTURES / "pdf"
WARRENVILLE = "il_warrenville_library_board_agenda_2020-01-15.pdf"  # [1]
MINUTES = "il_warrenville_library_board_minutes_2020-04-15.pdf"  # [4]
IFA = "il_finance_authority_conduit_committee_agenda_2020-12-08.pdf"  # [5]
IDOC = "il_doc_advisory_board_agenda_2019-11-04_unnumbered.pdf"  # [6]
SSA21 = "il_chicago_ssa21_lincoln_square_minutes_2018-01-29.pdf"  # [7]
HERMOSA = "ca_hermosa_beach_city_council_agenda_2023-01-10_legistar.pdf"  # [8]
SUNNYVALE = "ca_sunnyvale_city_council_agenda_2016-04-12_legistar.pdf"  # [9]
ROSEMEAD = "ca_rosemead_city_council_agenda_2022-11-08_granicus_browser_print.pdf"  # [10]
NORWALK = "ca_norwalk_housing_authority_packet_2022-11-15_mixed_scan.pdf"  # [12]
CUYAHOGA = "oh_cuyahoga_county_board_of_health_agenda_2019-04-24.pdf"  # [13]
BIG_SKY = "mt_big_sky_trpd_board_agenda_2025-09-09_civicplus.pdf"  # [14]
EAST_PALO_ALTO = "ca_east_palo_alto_planning_commission_minutes_2020-01-27_civicplus.pdf"  # [15]
SCANNED = "il_warrenville_library_board_agenda_2018-08-15_scanned_no_text.pdf"  # [3]
OUTLINED = "ca_palmdale_measure_av_committee_agenda_2022-11-30_no_text_vector_glyphs.pdf"  # [11]


@cache
def _pages(name: str) -> tuple[str, ...]:
    result = extract_pdf_bytes((PDFS / name).read_bytes())
    assert result.problem is None, result.problem
    return tuple(result.pages)


def _split(name: str) -> list[SplitItem]:
    return split_agenda(list(_pages(name)))


def _top(name: str) -> list[SplitItem]:
    return [i for i in _split(name) if i.level == 0]


def _numbers(items: list[SplitItem]) -> list[str]:
    return [i.number for i in items]


def _children(items: list[SplitItem], parent: str) -> list[SplitItem]:
    """Sub-items (level 1) directly under the top-level item numbered `parent`."""
    out: list[SplitItem] = []
    inside = False
    for item in items:
        if item.level == 0:
            inside = item.number == parent
        elif inside:
            out.append(item)
    return out


# --- one test per real text PDF ------------------------------------------------------------------


def test_warrenville_agenda_21_items_with_lettered_sub_items() -> None:
    items = _split(WARRENVILLE)
    top = [i for i in items if i.level == 0]
    assert _numbers(top) == [f"{n}." for n in range(1, 22)]
    assert [i.title for i in top[:3]] == [
        "Call to order",
        "Roll Call (Trustees DuRocher, Lezon, Picha, Richardson, Ruzicka, Stull, Warren)",
        "Approval of the agenda (ACTION)",
    ]
    assert [i.title for i in top[-2:]] == [
        "Discussion/action resulting from the above closed session (ACTION)",
        "Adjournment (ACTION)",
    ]
    assert top[18].title == "Closed Session"
    assert {n: len(_children(items, n)) for n in ("7.", "8.", "10.", "13.")} == {
        "7.": 3,
        "8.": 3,
        "10.": 6,
        "13.": 1,
    }
    assert len(items) == 21 + 13
    ten = _children(items, "10.")
    assert ten[0].title == "Authorize Staff to Plan Staff Appreciation Event (ACTION)"
    assert ten[-1].number == "f."
    assert ten[-1].title == "Distribute 2020 Calendar of Responsibilities (discussion only)"
    # Wrapped titles: "Meeting" and "(ACTION)" sit on their own lines.
    seven = _children(items, "7.")
    assert seven[1].title.endswith("Regular Board of Trustees Meeting")
    assert _children(items, "8.")[0].title.endswith("December 18, 2019 (ACTION)")
    # Item 9 ends page 1, item 10 starts page 2; the page-2 footer is not part of any item.
    assert (top[8].page, top[9].page) == (1, 2)
    assert not any("page 2" in i.title + i.text for i in items)
    # The italic note under item 3 is body text, not an item or part of the title.
    assert top[2].text.startswith("Trustees may request to remove any items")


def test_warrenville_minutes_17_items_through_narrative_and_running_header() -> None:
    items = _split(MINUTES)
    top = [i for i in items if i.level == 0]
    assert _numbers(top) == [f"{n}." for n in range(1, 18)]
    assert top[0].title.startswith("Call to order")
    assert top[1].title.startswith("Roll Call")
    assert top[2].title == "Approval of the agenda"
    assert top[15].title == "Items for information and/or discussion - none"
    assert top[16].title == "Adjournment"
    counts = {n: len(_children(items, n)) for n in ("4.", "5.", "8.", "11.")}
    assert counts == {"4.": 1, "5.": 11, "8.": 3, "11.": 1}
    assert _children(items, "4.")[0].title.startswith("Gail Smith")
    # "Non\uFFFEresident" comes out as a hyphen, joined across the wrapped line.
    assert "Non-resident Library Card" in _children(items, "5.")[3].title
    # The 3-line running header ("Page N of 8") is gone from titles and texts.
    assert not any("Page " in i.title or "of 8" in i.text for i in items)


def test_illinois_finance_authority_roman_items_stop_at_adjournment() -> None:
    items = _split(IFA)
    assert _numbers(items) == ["I.", "II.", "III.", "IV.", "V.", "VI."]
    assert [i.title for i in items] == [
        "Call to Order & Roll Call",
        "Review and Adoption of the Conduit Financing Committee Meeting Minutes",
        "Presentation and Consideration of New Business Items (see attached)",
        "Other Business",
        "Public Comment",
        "Adjournment",
    ]
    assert {i.page for i in items} == {1}
    # The page-2 tables and the page-3 declarations are not the adjournment's text.
    assert "Call-In" not in items[-1].text


def test_unnumbered_agenda_and_bullet_minutes_give_no_items() -> None:
    """[6] has 9 unnumbered paragraphs, [7] 9 bullets: documented as [] (not guessed)."""
    assert _split(IDOC) == []
    assert _split(SSA21) == []


def test_hermosa_beach_roman_items_win_over_boilerplate_lists() -> None:
    items = _split(HERMOSA)
    top = [i for i in items if i.level == 0]
    romans = "I II III IV V VI VII VIII IX X XI XII XIII XIV XV XVI".split()
    assert _numbers(top) == [f"{r}." for r in romans]
    assert [i.title for i in top[:3]] == ["CALL TO ORDER", "PLEDGE OF ALLEGIANCE", "ROLL CALL"]
    assert [i.title for i in top[-2:]] == ["FUTURE AGENDA ITEMS", "ADJOURNMENT"]
    assert top[0].page == 4 and top[-1].page == 9
    # "IX. … FROM THE / PUBLIC" wraps.
    assert top[8].title == "PUBLIC PARTICIPATION: ORAL AND WRITTEN COMMUNICATIONS FROM THE PUBLIC"
    consent = _children(items, "XI.")
    assert _numbers(consent) == [f"{c})" for c in "abcdefghijk"]
    assert consent[0].title == "23-0033 WAIVE READING IN FULL OF ALL ORDINANCES ON THE AGENDA"
    assert consent[-1].title == (
        "23-0004 APPROVAL OF A REQUEST TO RECLASSIFY THE ADMINISTRATIVE ASSISTANT POSITION IN "
        "THE PUBLIC WORKS DEPARTMENT TO MANAGEMENT ANALYST"
    )
    assert consent[1].title == "23-0021 CITY COUNCIL MEETING MINUTES"  # "b) REPORT / 23-0021 / …"
    assert [i.title[:7] for i in _children(items, "XIV.")] == ["23-0002", "23-0008", "23-0023"]
    assert _children(items, "XII.") == [] and _children(items, "XIII.") == []
    # Open-session file ids (the closed session's a)/b) come before I. and are not split).
    ids = {i.title[:7] for i in items if i.level == 1}
    assert len(ids) == 22 and "23-0028" not in ids
    # Neither "1. IN PERSON … 5. ECOMMENT" nor "Recommendation: 1. Award …" became items.
    assert not any("IN PERSON" in i.title or "Award a contract" in i.title for i in items)
    assert not any("Printed on" in i.title + i.text for i in items)


def test_sunnyvale_two_meetings_with_bare_legistar_numbers_and_titles_printed_above() -> None:
    """[9]: a joint meeting "1"–"6" (bare numbers, sub-items "A 16-0361" …), then the special
    council meeting "1.A"–"1.D", "2"–"9", where a multi-line title comes before "2 16-0046"."""
    items = _split(SUNNYVALE)
    joint, special = items[:10], items[10:]
    assert [(i.number, i.level, i.page) for i in joint] == [
        ("1", 0, 1),
        ("2", 0, 1),
        ("3", 0, 1),
        ("4", 0, 1),
        ("5", 0, 1),
        ("A", 1, 1),
        ("B", 1, 1),
        ("C", 1, 2),
        ("D", 1, 2),
        ("6", 0, 2),
    ]
    assert [i.title for i in joint[:3]] == [
        "Call to Order in the Council Chambers (Open to the Public)",
        "Roll Call",
        "Public Comment",
    ]
    assert joint[4].title == "Consent Calendar"
    assert [i.title.split()[0] for i in _children(joint, "5")] == [
        "16-0361",
        "16-0379",
        "16-0378",
        "16-0343",
    ]
    assert joint[5].title == (
        "16-0361 Approve Joint City Council and Redevelopment Successor Agency Meeting Minutes "
        "of April 30, 2013"
    )
    assert joint[-1].title == (
        "Adjourn Joint Meeting of the City Council and Redevelopment Successor Agency"
    )
    assert joint[-1].text == ""  # the special meeting's heading is not the adjournment's text
    assert [(i.number, i.level, i.page) for i in special] == [
        ("1.A", 0, 3),
        ("1.B", 0, 3),
        ("1.C", 0, 4),
        ("1.D", 0, 4),
        ("2", 0, 4),
        ("3", 0, 5),
        ("4", 0, 5),
        ("5", 0, 5),
        ("6", 0, 5),
        ("7", 0, 6),
        ("8", 0, 6),
        ("9", 0, 6),
    ]
    assert [i.title for i in special[:3]] == [
        "16-0344 Approve City Council Meeting Minutes of March 29, 2016",
        "16-0348 Approve the List(s) of Claims and Bills Approved for Payment by the City Manager",
        "16-0312 Award of Bid No. PW16-21 for the Slurry Seal 2016-B Project and Finding of "
        "California Environmental Quality Act (CEQA) Categorical Exemption",
    ]
    assert [i.title for i in special[-2:]] == [
        "16-0301 Introduce an Ordinance to Amend Titles 3 (Revenue and Finance) and 19 (Zoning) "
        "of the Sunnyvale Municipal Code related to the Transportation Impact Fee and Housing "
        "Impact Fees in Conjunction with the Study Issue to Evaluate the Timing of Park "
        "Dedication In-lieu Fee Calculation and Payment (2015-7151) (Continued from March 15 "
        "and March 29, 2016)",
        "15-1031 Consideration of Options for Implementation of an Auxiliary Restroom at the "
        "Las Palmas Park / Tennis Center",
    ]
    assert special[4].title.startswith("16-0046 Introduce an Ordinance to Award a Non-Exclusive")
    assert special[4].text.startswith("Recommendation: Alternative 1:")
    assert "NOTICE TO THE PUBLIC" not in special[-1].text  # stops at ADJOURNMENT


def test_bare_numbers_need_a_run_from_one_and_a_capitalised_word_or_file_id() -> None:
    """Bare numbers are read only as a run from "1"; dates, times, money and years are not items."""
    text = "\n".join(
        [
            "6 P.M. SPECIAL MEETING",
            "2016 Budget",
            "12, 2016 hearing",
            "3 Public Comment",
            "1 Call to Order",
            "2 Roll Call",
            "3 Public Comment",
            "$60,000 for a new contract",
            "4 Adjourn",
        ]
    )
    assert [(i.number, i.title) for i in split_agenda([text])] == [
        ("1", "Call to Order"),
        ("2", "Roll Call"),
        ("3", "Public Comment"),
        ("4", "Adjourn"),
    ]
    assert split_agenda(["2 Roll Call\n3 Public Comment\n4 Adjourn"]) == []  # no "1"
    # Inside a punctuated agenda, bare numbers stay body text.
    items = split_agenda(["1. Call to Order\n1 Vote Needed\n2 Items Pending\n2. Adjournment"])
    assert [(i.number, i.level) for i in items] == [("1.", 0), ("2.", 0)]


def test_rosemead_two_column_print_and_duplicate_heading() -> None:
    items = _split(ROSEMEAD)
    top = [i for i in items if i.level == 0]
    assert _numbers(top) == [f"{n}." for n in range(1, 9)]  # "4. PUBLIC HEARING" twice: one item
    assert top[0].title.startswith("PUBLIC COMMENT Opportunity to address")
    assert [i.title for i in top[1:3]] == ["PRESENTATIONS", "WORKSHOP"]
    assert top[6].title == "MATTERS FROM MAYOR & CITY COUNCIL"
    assert top[7].title.startswith("ADJOURNMENT")
    assert {n: _numbers(_children(items, n)) for n in ("2.", "3.", "4.", "5.", "6.", "7.")} == {
        "2.": ["A.", "B."],
        "3.": ["A."],
        "4.": ["A."],
        "5.": ["A.", "B.", "C."],
        "6.": ["A."],
        "7.": ["A.", "B."],
    }
    seven = _children(items, "7.")
    assert seven[0].title.startswith(
        "Request for Commemorative Naming of the Rosemead Public Safety Center in Honor of "
        "Undersheriff Tim K. Murakami"
    )
    assert seven[1].title == "Council Comments"
    assert "Resolution No. 2022-60" in _children(items, "5.")[0].title
    assert "1st-Riggin-Potrero" in _children(items, "5.")[1].title
    assert top[0].page == 3 and top[-1].page == 7
    assert not any("GeneratedAgendaViewer" in i.title + i.text for i in items)


def test_norwalk_packet_numbered_consent_items_only() -> None:
    """Sections are unnumbered; the 2 numbered consent items are found, the packet is not split."""
    items = _split(NORWALK)
    assert _numbers(items) == ["1.", "2."]
    assert items[0].title.startswith(
        "MEETING MINUTES – Staff recommends the Housing Authority approve the minutes of the "
        "regular meeting of October 18, 2022, as submitted."
    )
    assert items[1].title.startswith("WARRANTS – Staff recommends")
    assert "$666,146.50" in items[1].title
    assert {i.page for i in items} == {2}
    # p 5 "Attachments: 1. Check Summary Information Sheet 2. Check Summary" is after ADJOURNMENT.
    assert not any("Check Summary" in i.title for i in items)


def test_cuyahoga_16_items_sub_lists_restart_and_schedules_are_not_items() -> None:
    items = _split(CUYAHOGA)
    top = [i for i in items if i.level == 0]
    assert _numbers(top) == [f"{n}." for n in range(1, 17)]
    assert [i.title for i in top[:3]] == [
        "Call to Order.",
        "Roll Call.",
        "Motion to excuse absent Board Members.",
    ]
    assert [i.title for i in top[-2:]] == [
        "Miscellaneous Business.",
        "Motion to adjourn the meeting.",
    ]
    # "14. Motion to adjourn to Executive Session" does not end the agenda.
    assert top[13].title.startswith("Motion to adjourn to Executive Session")
    ten = _children(items, "10.")
    # REGULAR ACTIONS A–H, BOARD ORDERS A–C, FIRST READING A; "H.RESOLUTION" has no space.
    assert "".join(i.number for i in ten) == "A.B.C.D.E.F.G.H.A.B.C.A."
    assert ten[7].title.startswith("RESOLUTION (2019-44) Renew contract with Lincoln National")
    assert top[10].title.startswith("RESOLUTION (2019-47) Approval of the Consent Agenda")
    assert _numbers(_children(items, "12.")) == ["(1)", "(2)"]
    assert top[11].title == "Health Commissioner’s Report –"
    assert max(i.page for i in items) == 3  # schedules (pp 4–13) restart at "1." — not items
    assert not any("Establish Budgets" in i.title for i in items)


def test_big_sky_roman_items_with_lettered_sub_items() -> None:
    items = _split(BIG_SKY)
    top = [i for i in items if i.level == 0]
    assert _numbers(top) == ["I.", "II.", "III.", "IV.", "V.", "VI.", "VII."]
    assert [i.title for i in top[:3]] == [
        "Call to Order",
        "Approval of Minutes: June 2, 2025",
        "Old Business",
    ]
    assert [i.title for i in top[-2:]] == ["Executive Session", "Adjournment"]
    old = _children(items, "III.")
    assert _numbers(old) == ["A.", "B.", "C.", "D."]
    assert old[0].title.startswith("Financial Review:")
    assert old[3].title == "BSRAD Grant Allocation: Discuss the 3 year commitment and renewal"
    new = _children(items, "IV.")
    assert new[0].title == (
        "Signature authority: Approve adding Al Malinowski, Jon Olsen, Kate Ketschek and Alan "
        "McClain as authorized signers for BSTRP warrants."
    )
    assert new[1].title == "Next Board Meeting Date"
    assert "zoom.us" not in top[-1].title


def test_east_palo_alto_sub_items_numbered_like_items() -> None:
    items = _split(EAST_PALO_ALTO)
    top = [i for i in items if i.level == 0]
    assert _numbers(top) == [f"{n}." for n in range(1, 9)]
    assert [i.title for i in top] == [
        "CALL TO ORDER AND ROLL CALL",
        "APPROVAL OF THE AGENDA",
        "PUBLIC COMMENT",
        "APPROVAL OF CONSENT CALENDAR",
        "SPECIAL PRESENTATIONS",
        "PUBLIC HEARINGS - NONE",
        "INFORMATIONAL ITEMS",
        "ADJOURNMENT",
    ]
    assert _numbers(_children(items, "4.")) == ["1.", "2."]
    assert [i.title for i in _children(items, "5.")] == ["Election of Chair and Vice Chair"]
    sevens = _children(items, "7.")
    assert [i.title for i in sevens] == [
        "Planning Commission Stipends",
        "Planning Commissioners Academy",
    ]
    assert [i.page for i in sevens] == [2, 3]  # the header "Page 3 of 3" sits between them


def test_every_text_pdf_is_covered_here() -> None:
    """Each text-layer fixture PDF has a test above; the no-text ones give no text at all."""
    tested = {
        WARRENVILLE, MINUTES, IFA, IDOC, SSA21, HERMOSA, SUNNYVALE, ROSEMEAD, NORWALK, CUYAHOGA,
        BIG_SKY, EAST_PALO_ALTO,
    }  # fmt: skip
    with_text = {
        p.name for p in PDFS.glob("*.pdf") if not extract_pdf_bytes(p.read_bytes()).problem
    }
    assert with_text == tested
    for name in (SCANNED, OUTLINED):
        result = extract_pdf_bytes((PDFS / name).read_bytes())
        assert result.no_text_layer and split_agenda(result.pages) == []


# --- numbering schemes on small texts ------------------------------------------------------------

_SIX = "".join(f"{n}. Item {n}\n" for n in range(1, 7))
_SIX_N = [f"{n}." for n in range(1, 7)]


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("1) Call to order\n2) Roll call\n3) Adjourn", ["1)", "2)", "3)"]),
        ("a. One\nb. Two\nc. Three", ["a.", "b.", "c."]),
        ("A. One\nB. Two", ["A.", "B."]),
        ("i. One\nii. Two\niii. Three\niv. Four", ["i.", "ii.", "iii.", "iv."]),
        ("(a) One\n(b) Two", ["(a)", "(b)"]),
        (
            _SIX + "7. Old business\n7.a First\n7.b Second\n8. Adjournment",
            _SIX_N + ["7.", "7.a", "7.b", "8."],
        ),
        (
            "A. Call\nB. Minutes\nC. Votes\nD. Bills\nE. Permits\nF. Staff\nG. Reports\nG.1 Police\nG.2 Fire\nH. Adjournment",
            [f"{c}." for c in "ABCDEFG"] + ["G.1", "G.2", "H."],
        ),
        (
            _SIX + "7. Business\n7.a. First\n7.b. Second\n8. Next",
            _SIX_N + ["7.", "7.a.", "7.b.", "8."],
        ),
        ("VIII. Eight?\nI. One\nII. Two", ["I.", "II."]),
    ],
)
def test_numbering_schemes(text: str, numbers: list[str]) -> None:
    assert _numbers(split_agenda([text])) == numbers


def test_levels_pages_and_hyphen_repair() -> None:
    pages = [
        "Village of Testville\n1. Call to order\n2. Consent agenda\na. Approve the non-\n"
        "resident fee schedule\nb. Approve minutes\n",
        "3. New business\n(a) An ordinance\n4. Adjournment\n",
    ]
    items = split_agenda(pages)
    assert [(i.number, i.level, i.page) for i in items] == [
        ("1.", 0, 1),
        ("2.", 0, 1),
        ("a.", 1, 1),
        ("b.", 1, 1),
        ("3.", 0, 2),
        ("(a)", 1, 2),
        ("4.", 0, 2),
    ]
    assert items[2].title == "Approve the non-resident fee schedule"


def test_running_headers_and_page_numbers_are_dropped() -> None:
    pages = [
        f"Village Board Agenda\nMarch 3, 2025\n{n * 2 + 1}. Item {n * 2 + 1}\n"
        f"{n * 2 + 2}. Item {n * 2 + 2}\nPage {n + 1} of 3"
        for n in range(3)
    ]
    items = split_agenda(pages)
    assert [i.title for i in items] == [f"Item {n}" for n in range(1, 7)]
    assert all("Village Board" not in i.text and "Page" not in i.text for i in items)


# --- .docx ---------------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(paragraphs: list[tuple[str, int | None]], numbering: bool = True) -> bytes:
    """A minimal valid .docx: paragraphs as (text, list level or None), Word auto-numbering."""
    body = ""
    for text, level in paragraphs:
        num = (
            f'<w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="1"/></w:numPr></w:pPr>'
            if level is not None
            else ""
        )
        body += f'<w:p>{num}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'
    document = f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    numbering_xml = (
        f'<w:numbering xmlns:w="{W_NS}"><w:abstractNum w:abstractNumId="0">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="%1."/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/>'
        '<w:lvlText w:val="%2."/></w:lvl></w:abstractNum>'
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        zf.writestr("word/document.xml", document)
        if numbering:
            zf.writestr("word/numbering.xml", numbering_xml)
    return buf.getvalue()


DOCX_AGENDA = [
    ("VILLAGE OF TESTVILLE BOARD OF TRUSTEES", None),
    ("Call to Order", 0),
    ("Consent Agenda", 0),
    ("Approve the Minutes of May 5, 2025", 1),
    ("A Resolution Declaring Testville a Welcoming Village", 1),
    ("Adjournment", 0),
]


def test_docx_text_renders_word_list_numbers() -> None:
    data = _docx(DOCX_AGENDA)
    assert looks_like_docx(data) and not looks_like_docx(b"%PDF-1.7")
    assert docx_text(data).splitlines() == [
        "VILLAGE OF TESTVILLE BOARD OF TRUSTEES",
        "1. Call to Order",
        "2. Consent Agenda",
        "a. Approve the Minutes of May 5, 2025",
        "b. A Resolution Declaring Testville a Welcoming Village",
        "3. Adjournment",
    ]
    items = split_agenda([docx_text(data)])
    assert [(i.number, i.level) for i in items] == [
        ("1.", 0),
        ("2.", 0),
        ("a.", 1),
        ("b.", 1),
        ("3.", 0),
    ]


def test_docx_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docx, "DOCX_MAX_UNCOMPRESSED", 1000)
    big = _docx([("x" * 5000, None)])
    with pytest.raises(ValueError, match="too large"):
        docx_text(big)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/other.xml", "<x/>")
    assert not looks_like_docx(buf.getvalue())
    with pytest.raises(ValueError, match="no word/document.xml"):
        docx_text(buf.getvalue())
    with pytest.raises(ValueError, match="not a docx"):
        docx_text(b"PK\x03\x04 broken")


# --- the extract stage, through the real Scrapy engine -------------------------------------------


def _event(event_id: int, date: str) -> dict[str, Any]:
    """A Legistar /events record in the documented shape (as in pipeline/demo_recordings)."""
    return {
        "EventId": event_id,
        "EventGuid": f"0000{event_id}-TEST-4000-8000-00000000{event_id}",
        "EventBodyId": 106,
        "EventBodyName": "Village Board",
        "EventDate": f"{date}T00:00:00",
        "EventTime": "7:00 PM",
        "EventAgendaStatusName": "Final",
        "EventMinutesStatusName": "Draft",
        "EventLocation": "Village Hall",
        "EventAgendaFile": f"{{{{BASE}}}}/docs/agenda_{event_id}.pdf",
        "EventMinutesFile": None,
        "EventVideoPath": None,
        "EventInSiteURL": f"https://testville.legistar.com/MeetingDetail.aspx?LEGID={event_id}",
        "EventItems": [],
    }


def _crawl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, docs: dict[int, Path | bytes]
) -> dict[int, Any]:
    """Crawl one Legistar event per document, each with no items; return meetings by event id."""
    events = [_event(eid, f"2026-12-{8 + n:02d}") for n, eid in enumerate(docs)]
    routes: list[dict[str, Any]] = [
        {"path": "/v1/testville/events", "query": {"$skip": "0"}, "file": "events.json",
         "content_type": "application/json"},
    ]  # fmt: skip
    files: dict[str, Path | bytes | str] = {"events.json": json.dumps(events), "items.json": "[]"}
    for eid, content in docs.items():
        routes.append(
            {"path": f"/v1/testville/events/{eid}/eventitems", "file": "items.json",
             "content_type": "application/json"}
        )  # fmt: skip
        # Served as PDF whatever it is: sites put .docx files behind "agenda.pdf" links.
        routes.append(
            {"path": f"/docs/agenda_{eid}.pdf", "file": f"agenda_{eid}.pdf",
             "content_type": "application/pdf"}
        )  # fmt: skip
        files[f"agenda_{eid}.pdf"] = content
    source = {
        "id": "testville",
        "platform": "legistar",
        "slug": "testville",
        "api_url": "{{BASE}}/v1/testville",
    }
    crawl = crawl_recorded(tmp_path, monkeypatch, source, routes, files)
    assert crawl.result.ok, crawl.result.message
    return {int(str(m.platform_id or m.id.rsplit("/", 1)[-1])): m for m in crawl.meetings()}


def test_extract_stage_splits_pdf_docx_and_leaves_scans_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENDA_WATCH_OCR", "0")  # OCR of scans: tests/test_ocr.py, test_unread.py
    meetings = _crawl(
        tmp_path,
        monkeypatch,
        {
            9301: PDFS / WARRENVILLE,
            9302: _docx(DOCX_AGENDA),
            9303: PDFS / SCANNED,
        },
    )
    pdf = meetings[9301]
    assert [i.number for i in pdf.items if i.number and i.number[0].isdigit()] == [
        f"{n}." for n in range(1, 22)
    ]
    assert len(pdf.items) == 34
    first, last = pdf.items[0], pdf.items[-1]
    assert (first.number, first.title, first.page, first.sequence) == ("1.", "Call to order", 1, 1)
    assert (last.number, last.title, last.page, last.sequence) == (
        "21.",
        "Adjournment (ACTION)",
        2,
        34,
    )
    assert first.id == item_id(pdf.id, None, "1.", "Call to order")
    assert len({i.id for i in pdf.items}) == len(pdf.items)
    assert all(i.classification is not None for i in pdf.items)  # classified downstream
    [doc] = pdf.documents
    assert doc.error is None and doc.pages == 2

    docx = meetings[9302]
    [doc] = docx.documents
    assert doc.error is None and doc.content_type.endswith("wordprocessingml.document")
    assert [(i.number, i.title) for i in docx.items][-2:] == [
        ("b.", "A Resolution Declaring Testville a Welcoming Village"),
        ("3.", "Adjournment"),
    ]
    welcoming = docx.items[3].classification
    assert welcoming is not None and welcoming.relevant

    scan = meetings[9303]
    [doc] = scan.documents
    assert doc.error is not None and "no text layer" in doc.error
    assert scan.items == []
