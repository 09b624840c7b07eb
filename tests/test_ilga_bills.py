"""The bill ledger, watchlist and Slack rendering, on real bills parsed from the captures."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.classify.classifier import Classifier
from pipeline.deliver.slack import render
from pipeline.ilga.bills import BillLedger
from pipeline.ilga.bulk_xml import parse_bill_xml
from pipeline.ilga.classify import classify_bill
from pipeline.ilga.pages import parse_status_page
from pipeline.ilga.watchlist import Watchlist, WatchlistProblem, read_watchlist
from pipeline.models import Bill, BillAction, BillHearing, BillSynopsis
from pipeline.store.files import bill_path
from pipeline.store.ledger import Ledger
from pipeline.views.format import bill_match_rows
from tests.conftest import FIXTURES, TOPICS

ILGA = FIXTURES / "ilga"
SOURCE = "il-general-assembly"
CHICAGO = ZoneInfo("America/Chicago")
HB5816_URL = "https://ilga.gov/Legislation/BillStatus?GAID=18&DocNum=5816&DocTypeID=HB&LegId=168916&SessionID=114"
# Invented amendment text for the "relevant only after an amendment" case (the HB1312 pattern,
# ilga.md §1.3: the immigration content arrived in Senate amendments).
COURTHOUSE = (
    "Replaces everything after the enacting clause. Provides that a person may not be subject to "
    "civil arrest while attending a court proceeding, and bars civil immigration enforcement in courthouses."
)


@pytest.fixture
def classifier() -> Classifier:
    return Classifier.from_yaml(TOPICS)


@pytest.fixture
def bills(tmp_path: Path) -> BillLedger:
    return BillLedger(Ledger(tmp_path / "ledger.sqlite3"), tmp_path)


def hb5816() -> Bill:
    return parse_status_page(
        (ILGA / "HB5816_104thGA_billstatus.html").read_bytes(), HB5816_URL, SOURCE
    )


def hr0017() -> Bill:
    url = "https://www.ilga.gov/ftp/legislation/104/BillStatus/XML/10400HR0017.xml"
    return parse_bill_xml((ILGA / "10400HR0017_BillStatus.xml").read_bytes(), url, SOURCE)


def prepared(bill: Bill, classifier: Classifier, watchlist: Watchlist | None = None) -> Bill:
    bill.classification = classify_bill(classifier, bill)
    bill.watch = (watchlist or Watchlist()).status(bill.ga, bill.label)
    return bill


def test_irrelevant_bill_is_remembered_but_not_posted_or_stored(
    bills: BillLedger, classifier: Classifier, tmp_path: Path
) -> None:
    bill = prepared(hb5816(), classifier)
    assert bill.classification is not None and not bill.classification.relevant
    assert bills.record_bill(bill) == []
    assert not bill_path(tmp_path, 104, "HB5816").exists()
    state = bills.state(104, "HB5816")
    assert (
        state is not None and state.title == "FIRE PROT DIST-TRUSTEE REMOVAL" and not state.tracked
    )


def test_watchlist_pins_a_bill_the_classifier_misses(
    bills: BillLedger, classifier: Classifier, tmp_path: Path
) -> None:
    path = tmp_path / "watchlist.yaml"
    path.write_text("watch:\n  - {bill: HB5816, ga: 104, note: test}\n  - SB0022\nignore: []\n")
    watchlist, problems = read_watchlist(path)
    assert problems == []
    assert watchlist.status(99, "SB22") == "watch"  # no ga: every General Assembly
    [notice] = bills.record_bill(prepared(hb5816(), classifier, watchlist))
    assert notice.kind == "bill_new" and notice.thread_key == "bill:104:HB5816"
    assert notice.changes == [
        "Filed 09/24/2026 (House): Filed with the Clerk by Rep. John M. Cabello"
    ]
    assert bill_path(tmp_path, 104, "HB5816").exists()
    message = json.dumps(render(notice).blocks)
    assert "Pinned by the watchlist" in message and "John M. Cabello (House)" in message
    # The same pages again: nothing.
    assert bills.record_bill(prepared(hb5816(), classifier, watchlist)) == []


def test_ignore_list_silences_a_relevant_bill(
    bills: BillLedger, classifier: Classifier, tmp_path: Path
) -> None:
    path = tmp_path / "watchlist.yaml"
    path.write_text("watch: [HB5816]\nignore:\n  - {bill: HB5816, ga: 104}\n")
    bill = hb5816()
    bill.synopses.append(BillSynopsis(title="House Amendment No. 1", text=COURTHOUSE))
    assert bills.record_bill(prepared(bill, classifier, read_watchlist(path)[0])) == []


def test_bad_watchlist_entries_are_reported_and_the_good_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.yaml"
    path.write_text(
        "watch:\n  - {bill: not-a-bill}\n  - hb 1312\n  - {bill: SB1881, ga: 4, nots: x}\n"
        "ignore:\n  - {bill: HR17, ga: 104, note: ceremonial}\n"
    )
    watchlist, problems = read_watchlist(path)
    assert problems == [
        WatchlistProblem(
            "watch[0]", "bill", "'not-a-bill' is not a bill label (like HB1312 or SB 1881)"
        ),
        WatchlistProblem("watch[2]", "ga", "Input should be greater than or equal to 93"),
        WatchlistProblem("watch[2]", "nots", "Extra inputs are not permitted"),
    ]
    assert watchlist.status(104, "HB1312") == "watch" and watchlist.status(105, "HB1312") == "watch"
    assert watchlist.status(104, "HR17") == "ignore" and watchlist.status(103, "HR17") == ""
    assert watchlist.status(104, "SB1881") == ""  # its entry was bad: left out, and said so
    path.write_text("watch: HB1312\n")
    assert read_watchlist(path)[1] == [
        WatchlistProblem("watch", "", "Input should be a valid list")
    ]
    path.write_text("- HB1312\n")
    assert read_watchlist(path)[1][0].message == "expected 'watch:' and/or 'ignore:' lists"
    assert read_watchlist(tmp_path / "missing.yaml") == (Watchlist(), [])


def test_amendment_makes_a_bill_relevant_then_it_is_followed(
    bills: BillLedger, classifier: Classifier
) -> None:
    assert bills.record_bill(prepared(hr0017(), classifier)) == []
    amended = hr0017()
    amended.synopses.append(BillSynopsis(title="House Amendment No. 1", text=COURTHOUSE))
    amended.actions.append(
        BillAction(
            date=date(2025, 3, 4),
            chamber="House",
            action="House Amendment No. 1 Filed with Clerk by Rep. Patrick Windhorst",
            kind="amendment_filed",
        )
    )
    [notice] = bills.record_bill(prepared(amended, classifier))
    assert notice.kind == "bill_new"
    assert "Now relevant after: House Amendment No. 1" in notice.changes
    assert notice.bill is not None and notice.bill.classification is not None
    assert {e.field for e in notice.bill.classification.evidence} == {"House Amendment No. 1"}
    text = json.dumps(render(notice).blocks, ensure_ascii=False)
    assert "*House Amendment No. 1*" in text and "civil immigration enforcement" in text

    # A hearing is posted, then moved: two follow-ups in the bill's thread; the same posting: none.
    first = BillHearing(
        committee="Rules Committee",
        start=datetime(2025, 3, 11, 14, 0, tzinfo=CHICAGO),
        location="Room 122B",
        url="https://ilga.gov/House/hearings/details/3066/22001",
    )
    [posted] = bills.record_hearing(SOURCE, 104, "HR17", first)
    assert posted.kind == "bill_update" and posted.thread_key == "bill:104:HR17"
    assert posted.changes[0].startswith(
        "Hearing posted: Rules Committee, Tue Mar 11, 2025 2:00 PM CDT, Room 122B"
    )
    assert bills.record_hearing(SOURCE, 104, "HR17", first) == []
    moved = first.model_copy(update={"start": datetime(2025, 3, 12, 9, 0, tzinfo=CHICAGO)})
    [notice_moved] = bills.record_hearing(SOURCE, 104, "HR17", moved)
    assert "Hearing moved: Rules Committee, Wed Mar 12, 2025 9:00 AM CDT" in notice_moved.changes[0]
    assert notice_moved.changes[0].endswith("(was Tue Mar 11, 2025 2:00 PM CDT)")
    # The re-crawled bulk file (no hearing in it) keeps the page's hearing and says nothing new.
    assert bills.record_bill(prepared(amended, classifier)) == []
    [row] = [r for r in bill_match_rows(bills.data_dir) if r["number"] == "HR17"]
    assert row["meeting_start"] == "2025-03-12T09:00:00-05:00"


def test_hearing_for_an_unknown_bill_is_skipped(bills: BillLedger) -> None:
    hearing = BillHearing(
        committee="Rules Committee", start=datetime(2025, 3, 11, 14, 0, tzinfo=CHICAGO)
    )
    assert bills.record_hearing(SOURCE, 104, "HB9999", hearing) == []
    assert bills.state(104, "HB9999") is None


def test_hostile_bill_text_is_inert(bills: BillLedger, classifier: Classifier) -> None:
    bill = hb5816()
    bill.title = "<!channel> @here SANCTUARY <http://evil.example|click>"
    bill.synopses[0] = BillSynopsis(
        title="Synopsis As Introduced", text="Creates the Illinois TRUST Act <@U123>."
    )
    [notice] = bills.record_bill(prepared(bill, classifier))
    message = render(notice)
    payload = json.dumps({"text": message.text, "blocks": message.blocks}, ensure_ascii=False)
    assert (
        "<!channel>" not in payload and "<@U123>" not in payload and "<http://evil" not in payload
    )
    assert "&lt;!channel&gt;" in payload and "@here" not in payload
