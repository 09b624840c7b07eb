"""`agenda-watch upcoming`: the window, filters, DST, cancellations and reschedules; table and JSON.

The stored meetings below are written with the real JsonStore and classified with the real
classifier and config/topics.yaml. Item titles are real agenda titles (the demo recordings and
tests/fixtures/eval/dev.jsonl, mixed across jurisdictions as the demo does). The ILGA hearing
follows the documented hearing-page shape (shared/fixtures/real/ilga/PROVENANCE.md §7: committee,
date and time, location, bills assigned) with SB 22's real short description and synopsis
(§8); its committee and hearing ids are illustrative. The one hostile title is synthetic.

America/Chicago leaves DST on Sunday 2026-11-01: the Oak Park board meets at 7:00 PM on
2026-10-27 (-05:00) and on 2026-11-03 (-06:00).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from pipeline.classify.classifier import Classifier
from pipeline.cli import main
from pipeline.models import AgendaItem, Link, Meeting, MeetingStatus, item_id, meeting_id
from pipeline.store.files import JsonStore
from pipeline.views.upcoming import UpcomingQuery, latest_versions, select_upcoming
from tests.conftest import ROOT, TOPICS

CHICAGO = ZoneInfo("America/Chicago")
FIRST = date(2026, 10, 26)  # a Monday; the 14-day window runs to Sunday 2026-11-08
SCRAPED = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
HOSTILE = "<img src=x onerror=alert(1)> @channel Welcoming City Ordinance amendment"

OAK_PARK_URL = "https://oak-park.legistar.com/MeetingDetail.aspx?LEGID=9001&GID=557&G=DEMO9001"
RES_25_196 = (
    "Resolution No. 25-196 Resolution Prohibiting the Use of City Property for Federal Civil "
    "Immigration Enforcement Activities"
)
WELCOMING_AMERICA = (
    "Resolution authorizing the City to join the Welcoming America initiative; staff to complete"
    " and submit a general membership application (estimated $200-$500 per year)"
)
PUBLIC_CHARGE = (
    "R2018-1396 Call for U.S. Department of Homeland Security to withdraw proposed rule expanding"
    ' definition of "public charge" in determining immigrant status type'
)
NEW_ARRIVALS = (
    "24-2103 PROPOSED RESOLUTION ALLOCATION MODIFICATION OF THE DISASTER RESPONSE AND RECOVERY "
    "FUND. WHEREAS, in August 2022, the State of Texas started a coordinated effort of funding "
    "buses to transport new arrivals to the United States at the southwest border to various "
    "cities across the country with a focus on Chicago"
)
BAN_ICE = (
    "25-4456 PROPOSED RESOLUTION A RESOLUTION ENCOURAGING ALL MUNICIPALITIES TO PASS "
    "LEGISLATION TO BAN ICE FROM GOVERNMENT PROPERTY"
)
TRUST_ACT = "SB22 CRIM PRO-ILLINOIS TRUST ACT"
TRUST_SYNOPSIS = (
    "Creates the Illinois TRUST Act within the Code of Criminal Procedure of 1963. Provides that "
    "a law enforcement agency shall not detain or continue to detain an individual solely on the "
    "basis of an immigration detainer or administrative warrant"
)
ICE_RENTAL = "Draft Ice Rental Contract - Discussion"
SNOW_AND_ICE = (
    "Snow and Ice Control Presentation: Department of Public Works snow and ice control "
    "policies and procedures"
)


def _meeting(
    classifier: Classifier,
    *,
    source: str,
    jurisdiction: str,
    body: str,
    start: datetime,
    platform_id: str | None,
    items: list[tuple[str | None, str, str]],
    status: MeetingStatus = "scheduled",
    url: str | None = None,
    location: str = "",
    time_known: bool = True,
    scraped_at: datetime = SCRAPED,
    agenda: str | None = None,
) -> Meeting:
    mid = meeting_id(source, start, platform_id, body)
    agenda_items = []
    for seq, (number, title, text) in enumerate(items, 1):
        item = AgendaItem(
            id=item_id(mid, None, number, title),
            number=number,
            title=title,
            text=text,
            sequence=seq,
        )
        item.classification = classifier.classify(item.classify_text())
        agenda_items.append(item)
    return Meeting(
        id=mid,
        source=source,
        jurisdiction=jurisdiction,
        body=body,
        title=body,
        start=start,
        time_known=time_known,
        status=status,
        url=url,
        location=location,
        links=[Link(title="Agenda", url=agenda, kind="agenda")] if agenda else [],
        items=agenda_items,
        platform_id=platform_id,
        scraped_at=scraped_at,
    )


def stored_meetings() -> list[Meeting]:
    """The meetings every upcoming/calendar/site/digest test stores (see the module docstring)."""
    c = Classifier.from_yaml(TOPICS)
    oak: dict[str, Any] = {
        "source": "oak_park",
        "jurisdiction": "Village of Oak Park, IL",
        "body": "Village Board",
    }
    cook: dict[str, Any] = {"source": "cook_county", "jurisdiction": "Cook County, IL"}
    return [
        # Before the DST change: 7:00 PM CDT. The ice-rental item is a trap and must not show.
        _meeting(
            c,
            **oak,
            start=datetime(2026, 10, 27, 19, 0, tzinfo=CHICAGO),
            platform_id="9001",
            url=OAK_PARK_URL,
            location="Village Hall, 123 Madison Street, Council Chambers",
            agenda="https://oak-park.legistar.com/View.ashx?M=A&ID=9001&GUID=DEMO",
            items=[("3.", RES_25_196, ""), ("4.", ICE_RENTAL, ""), ("5.", WELCOMING_AMERICA, "")],
        ),
        # After the DST change: 7:00 PM CST.
        _meeting(
            c,
            **oak,
            start=datetime(2026, 11, 3, 19, 0, tzinfo=CHICAGO),
            platform_id="9003",
            url="https://oak-park.legistar.com/MeetingDetail.aspx?LEGID=9003&GID=557&G=DEMO9003",
            items=[("7.", PUBLIC_CHARGE, "")],
        ),
        # Outside the window (after it) and before it: relevant but not listed.
        _meeting(
            c,
            **oak,
            start=datetime(2026, 11, 10, 19, 0, tzinfo=CHICAGO),
            platform_id="9004",
            items=[("2.", WELCOMING_AMERICA, "")],
        ),
        _meeting(
            c,
            **oak,
            start=datetime(2026, 10, 20, 19, 0, tzinfo=CHICAGO),
            platform_id="8999",
            items=[("2.", RES_25_196, "")],
        ),
        # In the window, nothing relevant: not listed.
        _meeting(
            c,
            **oak,
            start=datetime(2026, 11, 5, 18, 0, tzinfo=CHICAGO),
            platform_id="9005",
            items=[("1.", SNOW_AND_ICE, "")],
        ),
        # Cancelled (Legistar EventAgendaStatusName "Canceled"): listed, marked cancelled.
        _meeting(
            c,
            **cook,
            body="Committee on Human Relations",
            start=datetime(2026, 10, 29, 10, 0, tzinfo=CHICAGO),
            platform_id="9102",
            status="cancelled",
            url="https://cook-county.legistar.com/MeetingDetail.aspx?LEGID=9102&GID=557&G=DEMO9102",
            items=[("24-2103", NEW_ARRIVALS, "")],
        ),
        # Moved: Legistar kept EventId 9101 but changed the date from Oct 28 to Nov 5. The old
        # document is still stored (its id holds the old date); the newer scrape wins.
        _meeting(
            c,
            **cook,
            body="Board of Commissioners",
            start=datetime(2026, 10, 28, 11, 0, tzinfo=CHICAGO),
            platform_id="9101",
            url="https://cook-county.legistar.com/MeetingDetail.aspx?LEGID=9101&GID=557&G=DEMO9101",
            items=[("25-4456", BAN_ICE, "")],
            scraped_at=datetime(2026, 10, 20, 12, 0, tzinfo=UTC),
        ),
        _meeting(
            c,
            **cook,
            body="Board of Commissioners",
            start=datetime(2026, 11, 5, 11, 0, tzinfo=CHICAGO),
            platform_id="9101",
            url="https://cook-county.legistar.com/MeetingDetail.aspx?LEGID=9101&GID=557&G=DEMO9101",
            location="Cook County Building, Board Room, 118 North Clark Street, Chicago, Illinois",
            items=[("25-4456", BAN_ICE, "")],
        ),
        # Rescheduled per the platform (eLMS status "Rescheduled"), date only, hostile text.
        _meeting(
            c,
            source="chicago",
            jurisdiction="City of Chicago, IL",
            body="Committee on Health & Human Relations",
            start=datetime(2026, 11, 2, 0, 0, tzinfo=CHICAGO),
            platform_id="C-4411",
            status="rescheduled",
            time_known=False,
            url="https://chicityclerkelms.chicago.gov/Meeting/?meetingId=C-4411",
            items=[("1", HOSTILE, "")],
        ),
        # An ILGA committee hearing, stored as a Meeting like any other.
        _meeting(
            c,
            source="il-general-assembly",
            jurisdiction="State of Illinois",
            body="House Immigration & Human Rights Committee",
            start=datetime(2026, 11, 4, 8, 0, tzinfo=CHICAGO),
            platform_id="H-3099-22901",
            url="https://ilga.gov/House/hearings/details/3099/22901",
            location="122 and Virtual Room 3 Capitol Building Springfield, IL",
            items=[("SB22", TRUST_ACT, TRUST_SYNOPSIS)],
        ),
    ]


def write_stored_meetings(data_dir: Path) -> JsonStore:
    """Store `stored_meetings()` under `data_dir`; the store."""
    store = JsonStore(data_dir)
    for meeting in stored_meetings():
        store.write(meeting)
    return store


# The listing every view must show for FIRST + 14 days, soonest first.
EXPECTED_IDS = [
    "oak_park/20261027/9001",
    "cook_county/20261029/9102",
    "chicago/20261102/C-4411",
    "oak_park/20261103/9003",
    "il-general-assembly/20261104/H-3099-22901",
    "cook_county/20261105/9101",
]


def test_window_sort_dst_cancellation_and_reschedule(tmp_path: Path) -> None:
    store = write_stored_meetings(tmp_path)
    assert len(list(store.iter_meetings())) == 10
    meetings = select_upcoming(store.iter_meetings(), UpcomingQuery(first=FIRST))
    assert [m.id for m in meetings] == EXPECTED_IDS
    by_id = {m.id: m for m in meetings}
    before, after = by_id["oak_park/20261027/9001"], by_id["oak_park/20261103/9003"]
    assert before.start.isoformat() == "2026-10-27T19:00:00-05:00"
    assert after.start.isoformat() == "2026-11-03T19:00:00-06:00"
    # Only relevant items travel: the ice-rental trap is gone, the two resolutions stay.
    assert [(i.number, i.title) for i in before.items] == [
        ("3.", RES_25_196),
        ("5.", WELCOMING_AMERICA),
    ]
    assert by_id["cook_county/20261029/9102"].status == "cancelled"
    assert by_id["chicago/20261102/C-4411"].status == "rescheduled"
    # The moved Cook County board shows once, at its new date.
    assert "cook_county/20261028/9101" not in by_id
    assert by_id["cook_county/20261105/9101"].start.isoformat() == "2026-11-05T11:00:00-06:00"
    assert [i.number for i in by_id["il-general-assembly/20261104/H-3099-22901"].items] == ["SB22"]


def test_latest_versions_keeps_newest_scrape_of_a_platform_id(tmp_path: Path) -> None:
    kept = latest_versions(stored_meetings())
    ids = sorted(m.id for m in kept if m.platform_id == "9101")
    assert ids == ["cook_county/20261105/9101"]
    assert len(kept) == 9


def test_filters_by_source_and_topic(tmp_path: Path) -> None:
    store = write_stored_meetings(tmp_path)
    oak = select_upcoming(
        store.iter_meetings(), UpcomingQuery(first=FIRST, sources=frozenset({"oak_park"}))
    )
    assert [m.id for m in oak] == ["oak_park/20261027/9001", "oak_park/20261103/9003"]
    welcoming = select_upcoming(
        store.iter_meetings(),
        UpcomingQuery(first=FIRST, topics=frozenset({"welcoming_ordinance"})),
    )
    # The Oct 27 board keeps only its welcoming item; the hostile Chicago title also matches.
    assert [m.id for m in welcoming] == ["oak_park/20261027/9001", "chicago/20261102/C-4411"]
    assert [i.number for i in welcoming[0].items] == ["5."]
    shelter = select_upcoming(
        store.iter_meetings(),
        UpcomingQuery(first=FIRST, days=4, topics=frozenset({"shelter_new_arrivals"})),
    )
    assert [m.id for m in shelter] == ["cook_county/20261029/9102"]
    # A one-day window on the DST Sunday has nothing; the day after holds the Chicago meeting.
    assert select_upcoming(store.iter_meetings(), UpcomingQuery(date(2026, 11, 1), 1)) == []
    assert [
        m.id for m in select_upcoming(store.iter_meetings(), UpcomingQuery(date(2026, 11, 2), 1))
    ] == ["chicago/20261102/C-4411"]


def test_cli_json_and_table(tmp_path: Path) -> None:
    write_stored_meetings(tmp_path / "data")
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "data"), "upcoming", "--from", "2026-10-26"]
    out = runner.invoke(main, [*base, "--format", "json"])
    assert out.exit_code == 0, out.output
    feed = json.loads(out.output)
    assert feed["from"] == "2026-10-26" and feed["to"] == "2026-11-08"
    rows = feed["meetings"]
    assert [r["id"] for r in rows] == EXPECTED_IDS
    first = rows[0]
    assert first["start"] == "2026-10-27T19:00:00-05:00" and first["local_time"] == "19:00"
    assert rows[3]["start"] == "2026-11-03T19:00:00-06:00" and rows[3]["local_time"] == "19:00"
    assert first["url"] == OAK_PARK_URL
    assert [ln["title"] for ln in first["links"]] == ["Meeting page", "Agenda"]
    assert [(i["number"], i["topics"]) for i in first["items"]] == [
        ("3.", ["enforcement_cooperation"]),
        ("5.", ["welcoming_ordinance"]),
    ]
    assert "Federal Civil Immigration Enforcement" in first["items"][0]["matched"]
    assert rows[1]["status"] == "cancelled" and rows[2]["status"] == "rescheduled"
    assert rows[2]["time_known"] is False and rows[2]["local_time"] is None
    assert rows[4]["source"] == "il-general-assembly" and rows[4]["local_time"] == "08:00"

    table = runner.invoke(main, base).output
    assert "Mon Oct 26 – Sun Nov 8, 2026" in table
    assert "Tue Oct 27, 2026 7:00 PM CDT  Village Board · Village of Oak Park, IL" in table
    assert "Tue Nov 3, 2026 7:00 PM CST  Village Board" in table
    assert "CANCELLED: Thu Oct 29, 2026 10:00 AM CDT  Committee on Human Relations" in table
    assert "RESCHEDULED: Mon Nov 2, 2026 (time not posted)" in table
    assert "• 3. Resolution No. 25-196" in table and ICE_RENTAL not in table
    assert "6 meeting(s), 7 item(s)." in table

    topic = runner.invoke(main, [*base, "--topic", "detention", "--source", "nowhere"])
    assert "no stored meetings from source 'nowhere'" in topic.output
    assert "No upcoming meetings with relevant items" in topic.output

    ics = runner.invoke(main, [*base, "--format", "ics"]).stdout_bytes.decode()
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.count("BEGIN:VEVENT") == 6
    html = runner.invoke(main, [*base, "--format", "html", "--source", "oak_park"]).output
    assert html.startswith("<!doctype html>") and html.count('<article class="meeting') == 2


def test_cancellation_updates_the_json_view(tmp_path: Path) -> None:
    store = write_stored_meetings(tmp_path)
    board = store.read("oak_park/20261103/9003")
    store.write(board.model_copy(update={"status": "cancelled"}))
    meetings = select_upcoming(store.iter_meetings(), UpcomingQuery(first=FIRST))
    assert {m.id: m.status for m in meetings}["oak_park/20261103/9003"] == "cancelled"


@pytest.mark.engine  # the demo crawls, in `agenda-watch` child processes
def test_demo_says_how_to_see_its_meetings(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "AGENDA_WATCH_DOWNLOAD_DELAY": "0"}
    demo = subprocess.run(
        [sys.executable, "-m", "pipeline", "--data-dir", str(data), "demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    hint = f"agenda-watch --data-dir {data} upcoming --from 2026-12-08 --days 14"
    assert hint in demo.stdout
    args = hint.split()[1:]
    shown = subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Tue Dec 8, 2026 7:00 PM CST  Village Board · Village of Oak Park, IL" in shown.stdout
    assert "• 3. Resolution No. 25-196" in shown.stdout
    assert "Thu Dec 10, 2026 11:00 AM CST  Board of Commissioners · Cook County, IL" in shown.stdout
    assert "2 meeting(s), 5 item(s)." in shown.stdout
