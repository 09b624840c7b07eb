"""One real page per spider, with a place where a status wording or a decorated name can be put.

Used by ``tests/test_vocab.py`` to run the shared status and name tables through every spider:
each case names a real capture (under ``tests/fixtures/``), the URL it came from, and the text of
one meeting's field that the spider reads its status from (``status_anchor``) and its body's name
from (``body_anchor``). The test writes a wording next to the first, or decorations around the
second, and parses the page with the real spider. The pages are real; the edit is the test's.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.cli.sources import adhoc_source
from pipeline.models import Meeting, Source
from spiders.loader import spider_class_for
from spiders.registry import platform_spiders
from tests.conftest import FIXTURES

Edit = Callable[[bytes, str], bytes]


@dataclass(frozen=True)
class SpiderCase:
    """A real page of one platform and the fields a wording or decoration goes into.

    `status_anchor` is text of a field the spider reads status from (a wording is appended to
    it); `body_anchor` holds `body_name`, the body's name as the page gives it (decorations go
    around that name).
    """

    platform: str
    fixture: str
    url: str
    status_anchor: str
    body_anchor: str
    body_name: str
    options: dict[str, Any] = field(default_factory=dict)
    status_edit: Edit | None = None  # for a spider that reads status text from one record only

    def page(self) -> bytes:
        """The real capture."""
        return _capture(self.fixture)

    def with_status(self, wording: str) -> bytes:
        """The page with `wording` written into the status field(s)."""
        if self.status_edit is not None:
            return self.status_edit(self.page(), wording)
        # Inside a JSON string the wording goes before its closing quote.
        quote = '"' if self.status_anchor.endswith('"') else ""
        edited = f"{self.status_anchor.removesuffix(quote)} {wording}{quote}"
        return self.page().replace(self.status_anchor.encode(), edited.encode())

    def with_body(self, decorated: str) -> bytes:
        """The page with the body's name replaced by `decorated` where the spider reads it."""
        anchor = self.body_anchor.encode()
        new = self.body_anchor.replace(self.body_name, decorated).encode()
        return self.page().replace(anchor, new)


@functools.cache
def _capture(fixture: str) -> bytes:
    return (FIXTURES / fixture).read_bytes()


def parse_page(platform: str, url: str, page: bytes, options: dict[str, Any]) -> list[Meeting]:
    """The records the real spider of `platform` reads from a saved `page` of `url`.

    The same page is parsed once per test process (the tables here parse each real capture, as
    given, once per wording): the result is the spider's, read-only to the tests.
    """
    key = (platform, url, page, json.dumps(options, sort_keys=True))
    if key not in _PARSED:
        _PARSED[key] = tuple(_parse_page(platform, url, page, options))
    return list(_PARSED[key])


_PARSED: dict[tuple[str, str, bytes, str], tuple[Meeting, ...]] = {}


def _parse_page(platform: str, url: str, page: bytes, options: dict[str, Any]) -> list[Meeting]:
    source = Source(
        id="t",
        name="",
        jurisdiction="Test",
        platform=platform,
        timezone="America/Chicago",
        options=options,
    )
    records = list(spider_class_for(source)().parse_saved(url, page))
    meetings = [r for r in records if isinstance(r, Meeting)]
    assert meetings and len(meetings) == len(records)
    return meetings


def parse_as_cli(platform: str, url: str, page: bytes, timezone: str) -> list[Meeting]:
    """What `agenda-watch parse --platform PLATFORM URL FILE` prints for a saved `page`.

    The source is the command's own (`adhoc_source`: tenant and origin from the URL).
    """
    source = adhoc_source(platform, url, platform_spiders(), timezone)
    records = list(spider_class_for(source)().parse_saved(url, page))
    meetings = [r for r in records if isinstance(r, Meeting)]
    assert meetings and len(meetings) == len(records)
    return meetings


def _elms_comment(page: bytes, wording: str) -> bytes:
    """eLMS reads the comment when ``status`` is null: give the first such meeting the wording."""
    data = json.loads(page)
    record = next(r for r in data["data"] if r["status"] is None)
    record["comment"] = wording
    return json.dumps(data).encode()


CASES: tuple[SpiderCase, ...] = (
    SpiderCase(
        "legistar",
        "legistar/scrapers-lametro__event.json",
        "https://webapi.legistar.com/v1/metro/events",
        '"EventBodyName": "Board of Directors - Regular Board Meeting"',
        '"EventBodyName": "Board of Directors - Regular Board Meeting"',
        "Board of Directors",  # the meeting kind after " - " is no part of the body's name
    ),
    SpiderCase(
        "legistar",
        "legistar_web/phila_calendar.html",
        "https://phila.legistar.com/Calendar.aspx",
        "Room 400, City Hall",
        ">Committee of the Whole<",
        "Committee of the Whole",
        options={"mode": "web"},
    ),
    SpiderCase(
        "iqm2",
        "iqm2/city-scrapers-ca__riverside_county.html",
        "https://riversidecountyca.iqm2.com/Citizens/calendar.aspx",
        "Riverside County Planning Commission - Regular Meeting",
        "Board:&#09;Riverside County Planning Commission",
        "Riverside County Planning Commission",
    ),
    SpiderCase(
        "granicus",
        "granicus/il_metra_board.html",
        "https://metrarr.granicus.com/ViewPublisher.php?view_id=5",
        "Metra February 2018 Board Meeting",
        "Metra February 2018 Board Meeting",
        "Metra February 2018 Board Meeting",
        options={"view_id": 5},
    ),
    SpiderCase(
        "civicplus",
        "civicplus/commissionwatch__gallatin_updatecategorylist-cat4-2025.html",
        "https://www.gallatinmt.gov/AgendaCenter/UpdateCategoryList",
        "Weed Board Agendas Regular Meeting Agenda",
        "Weed Board 2026",
        "Weed Board",
    ),
    SpiderCase(
        "primegov",
        "primegov/city-scrapers-ca__ccta.json",
        "https://ccta.primegov.com/api/v2/PublicPortal/ListUpcomingMeetings",
        "Countywide Bicycle and Pedestrian Advisory Committee Meeting",
        "Countywide Bicycle and Pedestrian Advisory Committee Meeting",
        "Countywide Bicycle and Pedestrian Advisory Committee Meeting",
    ),
    SpiderCase(
        "civicclerk",
        "civicclerk/atl_south_fulton_city_council_meetings.json",
        "https://southfultonga.api.civicclerk.com/v1/Events",
        "Alcohol License and Zoning Public Hearings",
        '"categoryName": "City Council"',
        "City Council",
    ),
    SpiderCase(
        "diligent",
        "diligent/built_meetings.json",
        "https://boone.community.diligentoneplatform.com/Services/MeetingsService.svc/meetings",
        "County Board - Jun 17 2026",
        "County Board - Jun 17 2026",
        "County Board",
    ),
    SpiderCase(
        "elms",
        "elms/chi_meeting_page1.json",
        "https://api.chicityclerkelms.chicago.gov/meeting",
        "",
        '"body": "Committee on Zoning, Landmarks and Building Standards"',
        "Committee on Zoning, Landmarks and Building Standards",
        status_edit=_elms_comment,
    ),
    SpiderCase(
        "escribe",
        "escribe/sandie_citychula.json",
        "https://pub-chulavista.escribemeetings.com/MeetingsCalendarView.aspx/GetCalendarMeetings",
        '"MeetingName": "Board of Ethics Regular Meeting"',
        '"MeetingType": "Board of Ethics Regular Meeting"',
        "Board of Ethics Regular Meeting",
    ),
    SpiderCase(
        "novusagenda",
        "novusagenda/fre_dinuba_city_council.html",
        "https://dinuba.novusagenda.com/agendapublic/meetingsgeneral.aspx",
        "405 E El Monte Way, Dinuba CA 93618",
        ">Council Meeting<",
        "Council Meeting",
    ),
    SpiderCase(
        "municode",
        "municode/built_list_page0.html",
        "https://villageofexample.municodemeetings.com/",
        '<td data-th="Meeting">City Council',
        '<td data-th="Meeting">City Council<',
        "City Council",
    ),
    SpiderCase(
        "boarddocs",
        "boarddocs/chi_teacherpension.xml",
        "https://www.boarddocs.com/il/ctpf/board.nsf/XML-ActiveMeetings",
        "<name>Investment Committee Meeting",
        'bodyname="Board of Trustees"',
        "Board of Trustees",
    ),
)
