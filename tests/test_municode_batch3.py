"""Municode Meetings on a real page (tests/fixtures/municode/PROVENANCE.md).

Tumwater, WA on ``tumwater-wa.municodemeetings.com`` (the first five rows, trimmed by their
capturer), with a "View" column linking the meeting's page. Other tenants word the column headers
differently ("Agendas", "Agenda Packets", "Audio/Video"); the BUILT variants below rename
Tumwater's headers that way and take its agenda away, to show the columns are read by their words.
"""

from __future__ import annotations

from pipeline.models import Meeting
from spiders.municode import _agenda_url
from tests.conftest import FIXTURES
from tests.vocab_cases import parse_as_cli

MUNICODE = FIXTURES / "municode"
TUMWATER = MUNICODE / "CivicConnector__tumwater_meetings_page.html"
PACIFIC = "America/Los_Angeles"
BLOB = "https://mccmeetings.blob.core.usgovcloudapi.net/tumwater-pubu"
ADA = "https://meetings.municode.com/adaHtmlDocument/index?cc=TUMWATER&me="


def _tumwater() -> list[Meeting]:
    url = "https://tumwater-wa.municodemeetings.com/"
    return parse_as_cli("municode", url, TUMWATER.read_bytes(), PACIFIC)


def _links(meeting: Meeting) -> list[tuple[str, str, str]]:
    return [(link.kind, link.title, str(link.url)) for link in meeting.links]


def test_tumwater_rows_dates_and_bodies() -> None:
    meetings = _tumwater()
    # PROVENANCE: 5 rows, 2026-08-20 11:00 am to 2026-07-28 6:00 pm, Pacific daylight time.
    assert [(m.start.isoformat(), m.title) for m in meetings] == [
        ("2026-08-20T11:00:00-07:00", "Public Works Committee"),
        ("2026-08-18T19:00:00-07:00", "City Council"),
        ("2026-08-13T17:30:00-07:00", "Civil Service Commission"),
        ("2026-08-10T18:00:00-07:00", "Equity Commission"),
        ("2026-07-28T18:00:00-07:00", "City Council Joint Planning Commission & Tree Board Tour"),
    ]
    assert {m.status for m in meetings} == {"scheduled"}


def test_tumwater_agenda_packet_html_and_view_columns() -> None:
    first = _tumwater()[0]
    guid = "e5993d899da74002884cd68fd8ffb443"
    # The "Agenda Packet" column, the accessible HTML copies beside the PDFs, and "View Details".
    assert _links(first) == [
        ("agenda", "Agenda", f"{BLOB}/MEET-Agenda-{guid}.pdf"),
        ("agenda", "Agenda (HTML)", f"{ADA}{guid}&ip=False"),
        ("packet", "Agenda Packet", f"{BLOB}/MEET-Packet-{guid}.pdf"),
        ("packet", "Agenda Packet (HTML)", f"{ADA}{guid}&ip=True"),
        (
            "detail",
            "View Details",
            "https://tumwater-wa.municodemeetings.com/bc-pw/page/public-works-committee-87",
        ),
    ]
    assert str(first.url).endswith("/bc-pw/page/public-works-committee-87")
    assert _agenda_url(first) == f"{BLOB}/MEET-Agenda-{guid}.pdf"  # the PDF is what is read
    # Only the last row has minutes posted.
    assert [sum(k == "minutes" for k, _, _ in _links(m)) for m in _tumwater()] == [0, 0, 0, 0, 1]


def _renamed(old: str, new: str) -> bytes:
    """Tumwater's page (BUILT variant) with every cell's column header `old` renamed `new`."""
    page = TUMWATER.read_bytes()
    edited = page.replace(f'data-th="{old}"'.encode(), f'data-th="{new}"'.encode())
    assert edited != page
    return edited


def test_plural_and_other_headers_name_the_same_columns() -> None:
    url = "https://tumwater-wa.municodemeetings.com/"
    page = _renamed("Agenda", "Agendas")
    page = page.replace(b'data-th="Agenda Packet"', b'data-th="Agenda Packets"')
    page = page.replace(b'data-th="Video"', b'data-th="Audio/Video"')
    renamed = parse_as_cli("municode", url, page, PACIFIC)
    # The same links of the same kinds (a link without text is titled by its column).
    assert [[(k, u) for k, _, u in _links(m)] for m in renamed] == [
        [(k, u) for k, _, u in _links(m)] for m in _tumwater()
    ]


def test_the_packet_is_read_when_no_agenda_is_posted() -> None:
    first = _tumwater()[0]
    guid = "e5993d899da74002884cd68fd8ffb443"
    without_agenda = first.model_copy(
        update={"links": [link for link in first.links if link.kind != "agenda"]}
    )
    assert _agenda_url(without_agenda) == f"{BLOB}/MEET-Packet-{guid}.pdf"
