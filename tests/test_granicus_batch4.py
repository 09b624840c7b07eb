"""Granicus on a real page of a city not seen before (tests/fixtures/granicus/PROVENANCE.md).

Gardena, CA, view 6: the Planning and Environmental Quality Commission's ViewPublisher page
(``cityofgardena.granicus.com``). Its rows are named after the commission, a joint meeting with
the City Council, or "Cancellation Notice" alone: the notice is the row, and the body is the
view's (or the configured source's). Dates are written ``Sep&nbsp; 6,&nbsp;2022`` (the padding
space is non-breaking); the one upcoming row says ``November&nbsp;15,&nbsp;2022 - 7:00&nbsp;PM``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pipeline.cli.sources import adhoc_source
from pipeline.models import Meeting, Source
from spiders.loader import spider_class_for
from spiders.registry import platform_spiders
from tests.conftest import FIXTURES
from tests.vocab_cases import parse_as_cli

GARDENA = FIXTURES / "granicus" / "city-scrapers-ca__cityofgardena.html"
URL = "https://cityofgardena.granicus.com/ViewPublisher.php?view_id=6"
LA = "America/Los_Angeles"
PEQC = "Planning and Environmental Quality Commission"
JOINT = "Gardena City Council and Planning Environmental Quality Commission"
G = "https://cityofgardena.granicus.com"


def _gardena() -> list[Meeting]:
    return parse_as_cli("granicus", URL, GARDENA.read_bytes(), LA)


def _links(meeting: Meeting) -> list[tuple[str, str, str]]:
    return [(link.kind, link.title, str(link.url)) for link in meeting.links]


def test_rows_dates_and_zone() -> None:
    meetings = _gardena()
    # PROVENANCE: 1 upcoming row and 36 archive rows, Nov 1, 2022 back to Jun 1, 2021.
    assert len(meetings) == 37
    upcoming, *archive = meetings
    assert (upcoming.start.isoformat(), upcoming.time_known) == ("2022-11-15T19:00:00-08:00", True)
    assert not any(m.time_known for m in archive)  # archive rows carry a date only
    assert (archive[0].start.isoformat(), archive[-1].start.isoformat()) == (
        "2022-11-01T00:00:00-07:00",
        "2021-06-01T00:00:00-07:00",
    )
    # "Mar&nbsp; 1,&nbsp;2022": the padding before a one-digit day is a non-breaking space.
    days = [m.start.date().isoformat() for m in archive]
    assert days[16:19] == ["2022-03-01", "2022-02-15", "2022-02-01"]
    assert archive[16].start.utcoffset().total_seconds() == -8 * 3600  # type: ignore[union-attr]


def test_cancellation_notices_are_the_commission_cancelled() -> None:
    meetings = _gardena()
    # PROVENANCE: 18 rows named "Cancellation Notice" (the upcoming one and 17 archived).
    cancelled = [m for m in meetings if m.status == "cancelled"]
    assert len(cancelled) == 18
    # The notice names no body: the view's title does ("… - Granicus Content").
    assert {(m.title, m.body) for m in cancelled} == {(PEQC, PEQC)}
    assert [m.start.date().isoformat() for m in cancelled[:4]] == [
        "2022-11-15",
        "2022-10-18",
        "2022-10-04",
        "2022-09-20",
    ]
    scheduled = [m for m in meetings if m.status == "scheduled"]
    assert Counter(m.body for m in scheduled) == {PEQC: 17, JOINT: 2}


def test_a_configured_source_names_the_notice_rows() -> None:
    source = Source.model_validate(
        {
            **adhoc_source("granicus", URL, platform_spiders(), LA).model_dump(),
            "name": "Gardena Planning Commission",
        }
    )
    records: list[Any] = list(spider_class_for(source)().parse_saved(URL, GARDENA.read_bytes()))
    bodies = Counter(m.body for m in records if isinstance(m, Meeting) and m.status == "cancelled")
    assert bodies == {"Gardena Planning Commission": 18}


def test_agenda_minutes_and_packet_links() -> None:
    meetings = _gardena()
    jun21 = next(m for m in meetings if m.start.date().isoformat() == "2022-06-21")
    # Protocol-relative AgendaViewer links by event_id; minutes from the newer minutes service;
    # packets on a CloudFront host.
    assert _links(jun21) == [
        ("agenda", "Agenda", f"{G}/AgendaViewer.php?view_id=6&event_id=386"),
        (
            "minutes",
            "Minutes",
            f"{G}/services/minutes/reports/16250409-6a3b-4225-b359-994dfb5ee90a/attachment",
        ),
        (
            "packet",
            "Agenda Packet",
            "https://d3n9y02raazwpg.cloudfront.net/cityofgardena/f03d6fce-68db-11ec-85e3-"
            "0050569183fa-97b9b753-b9c2-4753-9d7c-1f5e0b332a7e-1655849722.pdf",
        ),
    ]
    assert jun21.platform_id == "event_id=386"
    kinds = Counter(link.kind for m in meetings for link in m.links)
    # PROVENANCE: every row links its agenda; 14 minutes; 16 packets.
    assert kinds == {"agenda": 37, "minutes": 14, "packet": 16}
    joint = [m for m in meetings if m.body == JOINT]
    assert [(m.start.date().isoformat(), m.platform_id) for m in joint] == [
        ("2022-01-27", "event_id=434"),
        ("2021-06-01", "event_id=160"),
    ]
