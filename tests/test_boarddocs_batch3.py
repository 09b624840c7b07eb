"""BoardDocs ``BD-GetMeetingsList`` of Goddard USD 265, KS (real; boarddocs/PROVENANCE.md).

258 meetings and the closing ``{}``, dates only (``numberdate``), ``current`` "1", "0" or "".
Read as saved for a source that names no site: links live under the page's own
``…/ks/usd265/Board.nsf/``. The board is written "BOE" and "Board of Education", with the
meeting's kind run on before or after ("BOE Special Board Meeting", "Special BOE Meeting").
"""

from __future__ import annotations

from collections import Counter

from pipeline.models import Meeting
from tests.conftest import FIXTURES
from tests.vocab_cases import parse_as_cli

GODDARD = FIXTURES / "boarddocs" / "city-scrapers-wichita__wicks_goddard_boe.json"
SITE = "https://go.boarddocs.com/ks/usd265/Board.nsf/"


def _meetings() -> list[Meeting]:
    return parse_as_cli(
        "boarddocs", f"{SITE}BD-GetMeetingsList", GODDARD.read_bytes(), "America/Chicago"
    )


def test_every_entry_dates_only() -> None:
    meetings = _meetings()
    # PROVENANCE: 259 entries, the last {}; numberdate 20240219 down to 20121008.
    assert len(meetings) == 258
    assert (meetings[0].start.isoformat(), meetings[-1].start.isoformat()) == (
        "2024-02-19T00:00:00-06:00",
        "2012-10-08T00:00:00-05:00",
    )
    assert not any(m.time_known for m in meetings)
    assert {m.status for m in meetings} == {"scheduled"}
    assert [m.platform_id for m in meetings[:2]] == ["CT23380490B4", "D2ELU4580B50"]
    # Three meetings on 2023-11-13, each its own record.
    assert sum(m.start.date().isoformat() == "2023-11-13" for m in meetings) == 3


def test_links_under_the_pages_own_site() -> None:
    first = _meetings()[0]
    assert [(lk.kind, str(lk.url)) for lk in first.links] == [
        ("detail", f"{SITE}goto?open&id=CT23380490B4"),
        ("agenda", f"{SITE}PRINT-AgendaDetailed?open&id=CT23380490B4"),
    ]


def test_titles_and_bodies() -> None:
    meetings = _meetings()
    titles = Counter(m.title for m in meetings)
    assert titles["Regular Meeting"] == 118
    assert titles["Board of Education Work Session"] == 24
    assert titles["Regular Meeting/Budget Hearing"] == 8
    bodies = Counter(m.body for m in meetings)
    # "BOE Special Meeting" (12), "BOE Work Session" (12), "BOE Special Board Meeting" (7) and
    # "Special BOE Meeting" (7): the board's abbreviation, without the meeting's kind.
    assert bodies["BOE"] == 12 + 12 + 7 + 7
    # "Board of Education Work Session" (24), "… Special Meeting" (5), "… Workshop" (2).
    assert bodies["Board of Education"] == 24 + 5 + 2
