"""One bad value costs one field, one bad row one row, never the listing (issue 10, item 4).

For every platform spider, a property-based test takes a REAL capture (cut to its first rows to
stay fast), corrupts one field of one row — a bad URL scheme, ``|`` or a space in a URL, a
garbage or impossible date, an empty cell, huge text, control characters, a number that is none,
or arbitrary text (Hypothesis) — reads it with the spider's own `parse_saved`, and checks against
the same capture uncorrupted:

- every other row comes out unchanged;
- the corrupted row comes out differing only in the fields that value feeds (a link lost, a
  date read otherwise), or is dropped with a counted warning (``agenda_watch/rows_unreadable``
  or ``item_rows_unreadable``, under a named ``ListingShortfall``/``ItemShortfall``) — and is
  dropped only for a field that is its date, its id or its title;
- a link that is no usable web address, or a number that is none, when it is lost, is a counted
  ``FieldDropped`` warning (``agenda_watch/field_warnings``).

Captures marked BUILT have no real counterpart (Municode, CivicClerk's agenda items).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from scrapy.utils.test import get_crawler

from pipeline.models import Meeting, Source
from spiders._parse import BadValue, web_url
from spiders.base import AgendaSpider
from spiders.loader import spider_class_for
from tests.conftest import FIXTURES, examples
from tests.corruption import HOSTILE, JSON_ONLY, Capture, Target, compare

# Examples per platform: a few, the same each run, in the suite; AGENDA_WATCH_FUZZ=500 explores.
FUZZ = int(os.environ.get("AGENDA_WATCH_FUZZ", "0"))
# Output fields a kind of corruption may change, besides those a target names.
DATE = frozenset({"start", "time_known", "id", "items"})
LINKS = frozenset({"links", "url"})
TEXT = frozenset({"title", "body", "status", "location"})


@dataclass
class Case:
    """A real capture a spider reads with `parse_saved`, and the fields to corrupt in it."""

    name: str
    source: dict[str, Any]
    url: str
    capture: Capture = field(repr=False)
    targets: tuple[Target, ...] = field(repr=False)
    items: bool = False  # compare the items of the one meeting read, not the meetings
    spider: AgendaSpider | None = field(default=None, repr=False)


def t(
    name: str,
    kind: Any,
    where: str,
    changes: frozenset[str] | set[str],
    drops: bool = False,
    reorders: bool = False,
) -> Target:
    return Target(name, kind, where, frozenset(changes), drops, reorders)


CASES = [
    Case(
        "legistar_api_events",
        {"platform": "legistar", "slug": "oakland"},
        "https://webapi.legistar.com/v1/oakland/events",
        Capture.of("json", FIXTURES / "legistar/legistar4OO__pubSafety_events.json", ""),
        (
            t("EventInSiteURL", "url", "EventInSiteURL", LINKS),
            t("EventAgendaFile", "url", "EventAgendaFile", LINKS),
            t("EventVideoPath", "url", "EventVideoPath", LINKS),
            t("EventDate", "date", "EventDate", DATE, drops=True),
            t("EventTime", "text", "EventTime", DATE),
            t("EventBodyName", "text", "EventBodyName", TEXT),
            t("EventLocation", "text", "EventLocation", TEXT),
            t("EventId", "number", "EventId", {"id", "platform_id", "identity"}, drops=True),
        ),
    ),
    Case(
        "legistar_api_event_items",
        {"platform": "legistar", "slug": "oakland"},
        "https://webapi.legistar.com/v1/oakland/events/8172/eventitems",
        Capture.of("json", FIXTURES / "legistar/legistar4OO__pubSafety_190423-eventItems.json", ""),
        (
            t("attachment", "url", "EventItemMatterAttachments.0.MatterAttachmentHyperlink", LINKS),
            t("sequence", "number", "EventItemAgendaSequence", {"sequence"}, drops=True),
            t("EventItemId", "number", "EventItemId", {"id"}),
            t("title", "text", "EventItemTitle", {"title", "text", "id"}, drops=True),
            t("note", "text", "EventItemAgendaNote", {"text"}),
        ),
    ),
    Case(
        "legistar_web_calendar",
        {"platform": "legistar", "slug": "chicago", "options": {"mode": "web"}},
        "https://chicago.legistar.com/Calendar.aspx",
        Capture.of(
            "html",
            FIXTURES / "legistar_web/chicago_calendar.html",
            "//table[contains(@class,'rgMasterTable')]/tbody/tr"
            "[contains(@class,'rgRow') or contains(@class,'rgAltRow')]",
        ),
        (
            t("link", "url", ".//a/@href", LINKS | {"id", "platform_id", "identity"}),
            t("Meeting Date", "date", "./td[2]", DATE, drops=True),
            t("Meeting Time", "text", "./td[4]", DATE | {"status"}),
            t("Name", "text", "./td[1]", TEXT | {"id"}),
            t("Meeting Location", "text", "./td[5]", TEXT),
        ),
    ),
    Case(
        "legistar_web_meeting_detail",
        {"platform": "legistar", "slug": "phila", "options": {"mode": "web"}},
        "https://phila.legistar.com/MeetingDetail.aspx?ID=1294156&GUID=X",
        Capture.of(
            "html",
            FIXTURES / "legistar_web/meeting_detail_all_items.html",
            "//table[@id='ctl00_ContentPlaceHolder1_gridMain_ctl00']/tbody/tr",
        ),
        (
            t("link", "url", ".//a/@href", {"links", "id"}),
            t("Title", "text", "./td[6]", {"title", "text", "id"}, drops=True),
            t("Agenda #", "text", "./td[3]", {"number", "id"}),
        ),
    ),
    Case(
        "elms",
        {"platform": "elms"},
        "https://api.chicityclerkelms.chicago.gov/meeting?skip=0",
        Capture.of("json", FIXTURES / "elms/chi_meeting_page1.json", "data"),
        (
            t("files path", "url", "files.0.path", LINKS),
            t("files sort", "number", "files.0.sort", {"links"}),
            t("videoLink", "url", "videoLink", LINKS),
            t("date", "date", "date", DATE, drops=True),
            t("body", "text", "body", TEXT),
            t("comment", "text", "comment", {"status"}),
            t("meetingId", "text", "meetingId", LINKS | {"id", "platform_id"}, drops=True),
        ),
    ),
    Case(
        "civicplus",
        {"platform": "civicplus", "slug": "kingsburg", "timezone": "America/Los_Angeles"},
        "https://www.cityofkingsburg-ca.gov/AgendaCenter",
        Capture.of(
            "html",
            FIXTURES / "civicplus/fre_kingsburg_city_council.html",
            "//tr[contains(@class,'catAgendaRow')]",
        ),
        (
            # The row's only date is its "_MMDDYYYY-seq" id, in its anchor and links.
            t("link", "url", ".//a/@href", LINKS | DATE | {"platform_id"}, drops=True),
            t("anchor name", "text", ".//a/@name", DATE | {"platform_id"}, drops=True),
            t("title", "text", ".//p", TEXT | LINKS),  # the cell holds the agenda link
        ),
    ),
    Case(
        "granicus",
        {"platform": "granicus", "slug": "lawa", "options": {"view_id": 4}},
        "https://lawa.granicus.com/ViewPublisher.php?view_id=4",
        Capture.of("html", FIXTURES / "granicus/city-scrapers-ca__lawa.html", "//tr[td[@headers]]"),
        (
            t("link", "url", ".//a/@href", LINKS | {"platform_id"}),
            t("Name", "text", "./td[@headers='Name']", TEXT | {"id"}, drops=True),
            t("Date", "date", "./td[starts-with(@headers,'Date')]", DATE | {"status"}, drops=True),
            t("Duration", "text", "./td[starts-with(@headers,'Duration')]", DATE | {"status"}),
        ),
    ),
    Case(
        "civicclerk_events",
        {"platform": "civicclerk", "slug": "southfultonga"},
        "https://southfultonga.api.civicclerk.com/v1/Events",
        Capture.of(
            "json", FIXTURES / "civicclerk/atl_south_fulton_city_council_meetings.json", "value"
        ),
        (
            t("externalMediaUrl", "url", "externalMediaUrl", LINKS),
            t("fileId", "number", "publishedFiles.0.fileId", LINKS),
            t("startDateTime", "date", "startDateTime", DATE, drops=True),
            t("eventName", "text", "eventName", TEXT),
            t("address1", "text", "eventLocation.address1", TEXT),
            t("id", "number", "id", LINKS | {"id", "platform_id"}, drops=True),
        ),
    ),
    Case(
        "civicclerk_items (BUILT)",
        {"platform": "civicclerk", "slug": "southfultonga"},
        "https://southfultonga.api.civicclerk.com/v1/Meetings/778",
        Capture.of("json", FIXTURES / "civicclerk/built_meeting_778.json", "items"),
        (
            t("sortOrder", "number", "sortOrder", {"sequence"}, reorders=True),
            t("name", "text", "agendaObjectItemName", {"title", "text"}, drops=True),
            t("id", "number", "id", {"id"}),
        ),
    ),
    Case(
        "iqm2",
        {"platform": "iqm2", "slug": "atlantacityga"},
        "https://atlantacityga.iqm2.com/Citizens/Calendar.aspx?View=List",
        Capture.of(
            "html", FIXTURES / "iqm2/atl_city_council.html", "//div[contains(@class,'MeetingRow')]"
        ),
        (
            t("link", "url", ".//a/@href", LINKS | {"id", "platform_id"}),
            t("date link text", "date", ".//div[contains(@class,'RowLink')]/a", DATE),
            t("details", "text", ".//div[contains(@class,'RowDetails')]", TEXT),
            t("tooltip", "text", ".//a[contains(@href,'Detail_Meeting')]/@title", TEXT | DATE),
        ),
    ),
    Case(
        "novusagenda_list",
        {"platform": "novusagenda", "slug": "dinuba", "timezone": "America/Los_Angeles"},
        "https://dinuba.novusagenda.com/agendapublic/meetingsgeneral.aspx",
        Capture.of(
            "html",
            FIXTURES / "novusagenda/fre_dinuba_city_council.html",
            "//table[contains(@id,'radGridMeetings_ctl00')]/tbody/tr"
            "[contains(@class,'rgRow') or contains(@class,'rgAltRow')]",
        ),
        (
            t("agenda PDF", "url", ".//a/@href", LINKS),
            t("date", "date", "./td[1]", DATE, drops=True),
            t("type", "text", "./td[2]", TEXT | {"id"}),
            t("location", "text", "./td[3]", TEXT),
        ),
    ),
    Case(
        "novusagenda_board_api",
        {"platform": "novusagenda", "slug": "hennepin", "options": {"mode": "board_api"}},
        "https://hennepin.novusagenda.com/api/Values/-1/-1/2021-01-01/2021-12-31/none/true",
        Capture.of("json", FIXTURES / "novusagenda/minn_hcg_boc.json", "dtMtg"),
        (
            t("MeetingDate", "date", "MeetingDate", DATE, drops=True),
            t("MeetingID", "number", "MeetingID", LINKS | {"id", "platform_id", "items"}, True),
            t("MeetingType", "text", "MeetingType", TEXT | {"id"}),
            t("Location", "text", "Location", TEXT),
        ),
    ),
    Case(
        "novusagenda_board_api_items",
        {"platform": "novusagenda", "slug": "hennepin", "options": {"mode": "board_api"}},
        "https://hennepin.novusagenda.com/api/Values/-1/-1/2021-01-01/2021-12-31/none/true",
        Capture.of("json", FIXTURES / "novusagenda/minn_hcg_boc.json", "dtItm", keep=60),
        (
            t("Title", "text", "Title", {"title", "id"}, drops=True),
            t("AgendaItemID", "number", "AgendaItemID", {"id"}, drops=True),
            t("AgendaCategory", "text", "AgendaCategory", {"text"}),
        ),
        items=True,
    ),
    Case(
        "municode (BUILT)",
        {"platform": "municode", "slug": "urbana-il"},
        "https://urbana-il.municodemeetings.com/",
        Capture.of(
            "html",
            FIXTURES / "municode/built_list_page0.html",
            "//tr[contains(@class,'odd') or contains(@class,'even')]",
        ),
        (
            t("link", "url", ".//a/@href", LINKS),
            t("date", "date", ".//span[contains(@class,'date-display')]/@content", DATE, True),
            t("title", "text", "./td[@data-th='Meeting']", TEXT | {"id"}),
        ),
    ),
    Case(
        "boarddocs_feed",
        {"platform": "boarddocs", "slug": "il/ctpf"},
        "https://go.boarddocs.com/il/ctpf/Board.nsf/XML-ActiveMeetings",
        Capture.of("xml", FIXTURES / "boarddocs/chi_teacherpension.xml", "/meetings/meeting", 8),
        (
            t("link", "url", "./link", LINKS),
            t("date", "date", "./start/date", DATE, drops=True),
            t("name", "text", "./name", TEXT | DATE),
            t("item link", "url", ".//item/link", {"items"}),
            t("item name", "text", ".//item/name", {"items"}),
        ),
    ),
    Case(
        "boarddocs_list",
        {
            "platform": "boarddocs",
            "slug": "ga/gcps",
            "options": {"mode": "json", "committee_id": "A"},
        },
        "https://go.boarddocs.com/ga/gcps/Board.nsf/BD-GetMeetingsList?open",
        Capture.of("json", FIXTURES / "boarddocs/gra_public_school_board.json", ""),
        (
            t("numberdate", "date", "numberdate", DATE, drops=True),
            t("name", "text", "name", TEXT | DATE),
            t("unique", "text", "unique", LINKS | {"id", "platform_id"}, drops=True),
        ),
    ),
    Case(
        "diligent",
        {"platform": "diligent", "slug": "dallasisd"},
        "https://dallasisd.community.highbond.com/Services/MeetingsService.svc/meetings",
        Capture.of(
            "json", FIXTURES / "diligent/city-scrapers-dallas__daltx_school_district.json", ""
        ),
        (
            t("MeetingDateTime", "date", "MeetingDateTime", DATE, drops=True),
            t("MeetingTime", "text", "MeetingTime", DATE),
            t("Name", "text", "Name", TEXT | {"id"}),
            t("MeetingLocation", "text", "MeetingLocation", TEXT),
            t("Id", "number", "Id", LINKS | {"id", "platform_id"}, drops=True),
        ),
    ),
    Case(
        "primegov",
        {"platform": "primegov", "slug": "claytoncountyga"},
        "https://claytoncountyga.primegov.com/api/v2/PublicPortal/ListUpcomingMeetings",
        Capture.of("json", FIXTURES / "primegov/atl_clayton_co_boc_meetings.json", ""),
        (
            t("dateTime", "date", "dateTime", DATE, drops=True),
            t("document id", "number", "documentList.0.id", LINKS),
            t("templateName", "text", "documentList.0.templateName", LINKS | {"status"}),
            t("videoUrl", "url", "videoUrl", LINKS),
            t("title", "text", "title", TEXT),
            t("id", "number", "id", {"id", "platform_id"}, drops=True),
        ),
    ),
    Case(
        "escribe",
        {"platform": "escribe", "slug": "chulavista"},
        "https://pub-chulavista.escribemeetings.com/MeetingsCalendarView.aspx/GetCalendarMeetings",
        Capture.of("json", FIXTURES / "escribe/sandie_citychula.json", "d"),
        (
            t("document Url", "url", "MeetingDocumentLink.0.Url", LINKS),
            t("Url", "url", "Url", LINKS),
            t("StartDate", "date", "StartDate", DATE, drops=True),
            t("MeetingName", "text", "MeetingName", TEXT),
            t("Description", "text", "Description", TEXT),
        ),
    ),
    Case(
        "ilga_hearing",
        {"platform": "ilga"},
        "https://www.ilga.gov/House/hearings/details/3056/22568",
        Capture.of(
            "html",
            FIXTURES / "ilga/House_hearing_details_3056_22568.html",
            "(//*[contains(normalize-space(text()), 'Bills Assigned To Hearing')])[1]"
            "/following::table[1]//tr[td]",
        ),
        (
            # A bill with amendment rows is one item: losing its bill row changes its text, place.
            t(
                "bill",
                "text",
                "./td[1]",
                {"title", "number", "matter", "id", "text", "sequence"},
                True,
            ),
            t("motion", "text", "./td[2]", {"text"}),
        ),
        items=True,
    ),
]


BY_NAME = {c.name: c for c in CASES}


def _spider(case: Case) -> AgendaSpider:
    """The case's spider, in a real (unstarted) crawler so its warnings are counted."""
    if case.spider is None:
        source = Source.model_validate(
            {"id": "t", "name": "", "jurisdiction": "Test, IL", **case.source}
        )
        cls = spider_class_for(source)
        case.spider = cls.from_crawler(get_crawler(cls))
    case.spider.crawler.stats.clear_stats()
    return case.spider


def _read(case: Case, body: bytes) -> tuple[list[BaseModel], dict[str, Any]]:
    spider = _spider(case)
    records = list(spider.parse_saved(case.url, body))
    if case.items:
        records = [i for m in records if isinstance(m, Meeting) for i in m.items]
    return records, dict(spider.crawler.stats.get_stats())


@cache
def _baseline(name: str) -> tuple[list[BaseModel], int]:
    """The uncorrupted capture's records, and its rows lost (a built one may lose one on purpose)."""
    case = BY_NAME[name]
    records, stats = _read(case, case.capture.baseline)
    assert records, f"{name}: the uncorrupted capture reads as nothing"
    assert not stats.get("agenda_watch/field_warnings"), stats  # a real page drops nothing
    lost = _shortfalls(stats)
    assert "BUILT" in name or not lost, stats  # and a real page's rows are all readable
    return records, lost


def _shortfalls(stats: dict[str, Any]) -> int:
    """Rows counted as unreadable (listing rows and agenda items)."""
    return int(stats.get("agenda_watch/rows_unreadable", 0)) + int(
        stats.get("agenda_watch/item_rows_unreadable", 0)
    )


def _values(case: Case, kind: str) -> st.SearchStrategy[Any]:
    values = st.sampled_from(HOSTILE[kind]) | st.text(max_size=40)  # type: ignore[index]
    if case.capture.fmt == "json":
        values |= st.sampled_from(JSON_ONLY)
    return values


def _bad(kind: str, value: Any, url: str) -> bool:
    """True for a value that is there but is no value of its kind (so losing it must be said)."""
    if kind == "url":
        try:
            web_url(value, url)
        except BadValue:
            return True
    return False


@pytest.mark.parametrize("name", [c.name for c in CASES])
@settings(
    max_examples=FUZZ or examples(12, quick=5),  # each example parses a whole page
    deadline=None,
    derandomize=not FUZZ,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_one_bad_field_costs_that_field_or_that_row(name: str, data: st.DataObject) -> None:
    case = BY_NAME[name]
    target = data.draw(st.sampled_from(case.targets), label="field")
    places = case.capture.places(target)
    assert places, f"{case.name}: no row has {target.where}"
    row, count = data.draw(st.sampled_from(places), label="row")
    nth = data.draw(st.integers(0, count - 1), label="nth")
    value = data.draw(_values(case, target.kind), label="value")

    before, lost_before = _baseline(case.name)
    records, stats = _read(case, case.capture.corrupt(target, row, nth, value))
    outcome = compare(before, records, places=not target.reorders)
    shortfalls = _shortfalls(stats) - lost_before
    field_warnings = stats.get("agenda_watch/field_warnings", 0)

    # Never the listing, never another row: at most one record differs.
    assert len(outcome.lost) <= 1 and len(outcome.new) <= 1, outcome
    assert len(records) >= len(before) - 1
    if outcome.lost and not outcome.new:
        # The row is gone: only for its date or id, and never silently.
        assert target.drops, f"{target.name} {value!r} cost the whole row"
        if not (value is None and target.name == "sequence"):  # no sequence: minutes-only
            assert shortfalls >= 1, f"row dropped without a counted warning: {stats}"
    elif outcome.new and outcome.lost:
        # The row is kept with only what that value feeds changed.
        assert outcome.changed_fields <= target.changes, outcome.changed_fields
        if _bad(target.kind, value, case.url):
            assert field_warnings >= 1, f"{target.name} {value!r} lost without a warning"
    else:
        # A row from nowhere, unless a BUILT capture's unreadable row became readable.
        assert not outcome.new or shortfalls < 0, outcome
