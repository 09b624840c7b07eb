"""PrimeGov's ``ListUpcomingMeetings`` answer, real (Clayton County, GA; primegov/PROVENANCE.md).

Two "Budget Meeting" records with an HTML agenda (compileOutputType 3) and a PDF agenda (1) each;
the first one's ``videoUrl`` is protocol-relative ("//claytoncountyga.granicus.com/…"). Read as
saved for a source that names no client: links resolve on the answer's own site.
"""

from __future__ import annotations

from pipeline.models import Meeting
from tests.conftest import FIXTURES
from tests.vocab_cases import parse_as_cli

UPCOMING = FIXTURES / "primegov" / "city-scrapers-atl__atl_clayton_co_boc_upcoming_meetings.json"
SITE = "https://claytoncountyga.primegov.com"


def _meetings() -> list[Meeting]:
    url = f"{SITE}/api/v2/PublicPortal/ListUpcomingMeetings"
    return parse_as_cli("primegov", url, UPCOMING.read_bytes(), "America/New_York")


def test_two_budget_meetings_at_nine_eastern() -> None:
    meetings = _meetings()
    # PROVENANCE: dateTime "2026-04-27T09:00:00" and "2026-04-28T09:00:00", naive local (EDT).
    assert [(m.start.isoformat(), m.title, m.platform_id) for m in meetings] == [
        ("2026-04-27T09:00:00-04:00", "Budget Meeting", "696"),
        ("2026-04-28T09:00:00-04:00", "Budget Meeting", "697"),
    ]
    assert {m.status for m in meetings} == {"scheduled"}


def test_agendas_and_a_protocol_relative_video() -> None:
    first, second = _meetings()
    assert [(lk.kind, lk.title, str(lk.url)) for lk in first.links] == [
        ("agenda", "HTML Agenda", f"{SITE}/Portal/Meeting?compiledMeetingDocumentFileId=5951"),
        (
            "agenda",
            "Agenda",
            f"{SITE}/Public/CompiledDocument?meetingTemplateId=5479&compileOutputType=1",
        ),
        ("video", "Video", "https://claytoncountyga.granicus.com/MediaPlayer.php?clip_id=461"),
    ]
    assert str(first.url) == f"{SITE}/Portal/Meeting?compiledMeetingDocumentFileId=5951"
    assert str(second.links[-1].url) == (
        "https://claytoncountyga.granicus.com/MediaPlayer.php?event_id=30"
    )
