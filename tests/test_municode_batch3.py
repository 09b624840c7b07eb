"""Municode Meetings on the first real pages (tests/fixtures/municode/PROVENANCE.md).

Two tenants of the same Drupal view: Tumwater, WA on ``tumwater-wa.municodemeetings.com`` (the
first five rows, trimmed by their capturer) and Lindsay, CA, whose own site Municode builds
(``www.lindsay.ca.us/meetings``, 41 rows). The column headers differ between them ("Agenda" /
"Agendas", "Agenda Packet" / "Agenda Packets", "Video" / "Audio/Video"); both have a "View" column
linking the meeting's page.
"""

from __future__ import annotations

from collections import Counter

from pipeline.models import Meeting
from spiders.municode import _agenda_url
from tests.conftest import FIXTURES
from tests.vocab_cases import parse_as_cli

MUNICODE = FIXTURES / "municode"
TUMWATER = MUNICODE / "CivicConnector__tumwater_meetings_page.html"
LINDSAY = MUNICODE / "city-scrapers-fresno__fre_lindsay_city_council.html"
PACIFIC = "America/Los_Angeles"
BLOB = "https://mccmeetings.blob.core.usgovcloudapi.net/tumwater-pubu"
ADA = "https://meetings.municode.com/adaHtmlDocument/index?cc=TUMWATER&me="
LINDSAY_FILES = "https://www.lindsay.ca.us/sites/default/files/fileattachments"


def _tumwater() -> list[Meeting]:
    url = "https://tumwater-wa.municodemeetings.com/"
    return parse_as_cli("municode", url, TUMWATER.read_bytes(), PACIFIC)


def _lindsay() -> list[Meeting]:
    url = "https://www.lindsay.ca.us/meetings"
    return parse_as_cli("municode", url, LINDSAY.read_bytes(), PACIFIC)


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


def test_lindsay_rows_times_and_zone() -> None:
    meetings = _lindsay()
    # PROVENANCE: 41 rows from 09/27/2022 6:00pm to 10/11/2021 5:30pm; offsets -07:00 and -08:00.
    assert len(meetings) == 41
    assert (meetings[0].start.isoformat(), meetings[0].title) == (
        "2022-09-27T18:00:00-07:00",
        "City Council Regular Meeting",
    )
    assert (meetings[-1].start.isoformat(), meetings[-1].title) == (
        "2021-10-11T17:30:00-07:00",
        "Lindsay Wellness Center Programming Committee",
    )
    winter = next(m for m in meetings if m.start.date().isoformat() == "2022-03-08")
    assert winter.start.isoformat() == "2022-03-08T18:00:00-08:00"


def test_lindsay_bodies_and_cancellations() -> None:
    meetings = _lindsay()
    # "City Council Regular Meeting" and "City Council Special Meeting" are one body.
    assert Counter(m.body for m in meetings) == {
        "City Council": 27,
        "Lindsay Wellness Center Programming Committee": 12,
        "Lindsay Successor Agency Meeting": 2,
    }
    # PROVENANCE: six titles end "- CANCELLED"; the word leaves the title.
    cancelled = [(m.start.date().isoformat(), m.title) for m in meetings if m.status == "cancelled"]
    assert cancelled == [
        ("2022-09-12", "Lindsay Wellness Center Programming Committee"),
        ("2022-07-12", "City Council Regular Meeting"),
        ("2022-07-11", "Lindsay Wellness Center Programming Committee"),
        ("2022-04-12", "City Council Regular Meeting"),
        ("2021-12-28", "City Council Regular Meeting"),
        ("2021-11-23", "City Council Regular Meeting"),
    ]
    assert Counter(m.status for m in meetings)["scheduled"] == 35


def test_lindsay_plural_headers_video_and_view() -> None:
    meetings = _lindsay()
    kinds = Counter(link.kind for m in meetings for link in m.links)
    # PROVENANCE: 27 packet links (3 rows with an amended second), 25 videos (one row with
    # two parts), 11 agendas, 8 minutes, a "View Details" page on every row.
    assert kinds == {"detail": 41, "packet": 27, "video": 25, "agenda": 11, "minutes": 8}
    first = meetings[0]
    packet = (
        f"{LINDSAY_FILES}/city_council/meeting/packets/8310/september_27_2022_agenda_packet.pdf"
    )
    assert _links(first)[0] == ("packet", "Agenda Packets", packet)
    assert _links(first)[1][0:2] == ("video", "Audio/Video")
    assert (
        str(first.url)
        == "https://www.lindsay.ca.us/citycouncil/page/city-council-regular-meeting-65"
    )
    amended = next(m for m in meetings if m.start.date().isoformat() == "2022-04-26")
    assert [str(lk.url).rsplit("/", 1)[1] for lk in amended.links if lk.kind == "packet"] == [
        "april_26_2022_agenda_packet.pdf",
        "april_26_2022_agenda_packet_amended.pdf",
    ]


def test_lindsay_reads_the_packet_when_no_agenda_is_posted() -> None:
    meetings = _lindsay()
    # Council meetings post a packet only: that packet is the document the pipeline reads.
    assert _agenda_url(meetings[0]) == (
        f"{LINDSAY_FILES}/city_council/meeting/packets/8310/september_27_2022_agenda_packet.pdf"
    )
    committee = next(m for m in meetings if m.start.date().isoformat() == "2022-06-13")
    assert _agenda_url(committee) == (
        f"{LINDSAY_FILES}/boards_and_commissions/meeting/8286/"
        "wellness_programming_committee_agenda_june_2022.pdf"
    )
    # A cancelled row has no document, only its page.
    assert [lk.kind for lk in meetings[2].links] == ["detail"]
    assert _agenda_url(meetings[2]) is None
