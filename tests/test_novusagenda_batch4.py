"""NovusAGENDA on a real list of a city not seen before (tests/fixtures/novusagenda/PROVENANCE.md).

Bakersfield, CA: the Planning Commission's list (``/AgendaPublic/?MeetingType=6``), an EXCERPT
of the stored capture (the meetings grid as stored; head, view state and the hidden items grid
elided). Its grid starts with an unlabelled video-icon column, so the date is the second cell,
not the first (Dinuba's); a cancelled meeting says "NOTICE OF CANCELLATION" in the location
column; the HTML agenda is in the list's own folder (``/AgendaPublic/``).
"""

from __future__ import annotations

from pipeline.models import Meeting
from tests.conftest import FIXTURES
from tests.vocab_cases import parse_as_cli

BAKERSFIELD = FIXTURES / "novusagenda" / "agenda-get__bakersfield.html"
URL = "https://bakersfield.novusagenda.com/AgendaPublic/?MeetingType=6"
PUBLIC = "https://bakersfield.novusagenda.com/AgendaPublic"


def _bakersfield() -> list[Meeting]:
    return parse_as_cli("novusagenda", URL, BAKERSFIELD.read_bytes(), "America/Los_Angeles")


def test_rows_dates_bodies_behind_an_icon_column() -> None:
    meetings = _bakersfield()
    # PROVENANCE: 9 rows, 10/15/20 back to 05/07/20, two on 06/04/20; dates only.
    assert [m.start.date().isoformat() for m in meetings] == [
        "2020-10-15",
        "2020-07-16",
        "2020-07-02",
        "2020-06-18",
        "2020-06-11",
        "2020-06-04",
        "2020-06-04",
        "2020-05-21",
        "2020-05-07",
    ]
    assert {m.start.isoformat()[10:] for m in meetings} == {"T00:00:00-07:00"}
    assert not any(m.time_known for m in meetings)
    assert {(m.title, m.body) for m in meetings} == {
        ("Planning Commission Meeting", "Planning Commission")
    }
    assert [m.platform_id for m in meetings] == [
        "549", "546", "534", "545", "640", "533", "639", "544", "532",
    ]  # fmt: skip
    assert len({m.id for m in meetings}) == 9  # the two on June 4 stay two


def test_notice_of_cancellation_in_the_location_column() -> None:
    meetings = _bakersfield()
    cancelled = [
        (m.start.date().isoformat(), m.platform_id) for m in meetings if m.status == "cancelled"
    ]
    assert cancelled == [("2020-07-02", "534"), ("2020-06-04", "639"), ("2020-05-21", "544")]
    # The notice is no place; the held rows keep theirs (truncated by the site with "...").
    assert {m.location for m in meetings if m.status == "cancelled"} == {""}
    assert {m.location for m in meetings if m.status == "scheduled"} == {
        "Council Chambers, City Hall South, 1501 ..."
    }


def test_agenda_pdf_and_html_agenda_in_the_list_folder() -> None:
    meetings = _bakersfield()
    first, second = meetings[:2]
    # The first row has no PDF icon; the HTML agenda is MeetingView.aspx in /AgendaPublic/.
    assert [(lk.kind, str(lk.url)) for lk in first.links] == [
        ("detail", f"{PUBLIC}/MeetingView.aspx?MeetingID=549&MinutesMeetingID=-1&doctype=Agenda"),
    ]
    assert [(lk.kind, str(lk.url)) for lk in second.links] == [
        ("agenda", f"{PUBLIC}/DisplayAgendaPDF.ashx?MeetingID=546"),
        ("detail", f"{PUBLIC}/MeetingView.aspx?MeetingID=546&MinutesMeetingID=-1&doctype=Agenda"),
    ]
    assert (
        str(second.url)
        == f"{PUBLIC}/MeetingView.aspx?MeetingID=546&MinutesMeetingID=-1&doctype=Agenda"
    )
    assert sum(lk.kind == "agenda" for m in meetings for lk in m.links) == 8
