"""The shared field helpers (issue 10) and the review's gaps, on real values and real pages.

`web_url` is the one check of every address a spider keeps; `AgendaSpider.url/link/number` drop
a bad value with a counted ``FieldDropped`` warning; the run note sums them up after any row
loss. Then the gaps: the Legistar API and CivicClerk windows include their last day, Granicus
reads a status from its rows through the shared vocabulary, single-tenant platforms are named by
their spider class.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import HttpUrl, TypeAdapter
from scrapy.utils.test import get_crawler

from pipeline.config import check_sources
from pipeline.models import Link, Meeting, Source
from spiders._parse import BadValue, squash, web_url
from spiders.base import AgendaSpider
from spiders.loader import spider_class_for
from spiders.registry import platform_spiders
from tests.conftest import FIXTURES, examples
from tests.corruption import HOSTILE

PAGE = "https://chicago.legistar.com/Calendar.aspx"
BASES = (PAGE, "https://go.boarddocs.com/il/ctpf/Board.nsf/", "http://127.0.0.1:8080/a/b?c=d")


# --- web_url ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("MeetingDetail.aspx?ID=658900", "https://chicago.legistar.com/MeetingDetail.aspx?ID=658900"),
        # A space in a path or query is encoded, as browsers do; tabs and newlines are removed.
        ("/View.ashx?M=A&ID=1 2", "https://chicago.legistar.com/View.ashx?M=A&ID=1%202"),
        ("/Meeting\n Detail.aspx", "https://chicago.legistar.com/Meeting%20Detail.aspx"),
        # Protocol-relative vendor links and bare hosts (Granicus, LAWA's href="www.lawa.org").
        ("//lawa.granicus.com/AgendaViewer.php?clip_id=838", "https://lawa.granicus.com/AgendaViewer.php?clip_id=838"),
        ("www.lawa.org", "https://www.lawa.org/"),
        # Walnut Creek's template bug: an address pasted after a path is that address.
        ("/TemplateDesigner/https://x.example/MetaViewer.php?id=1", "https://x.example/MetaViewer.php?id=1"),
        ("http://archive-media.granicus.com:443/OnDemand/lawa/x.mp4", "http://archive-media.granicus.com:443/OnDemand/lawa/x.mp4"),
        # No link at all, by design: nothing to warn about.
        ("", None),
        (None, None),
        ("#", None),
        ("#top", None),
        ("javascript:void(0);", None),
        ("javascript:;", None),
    ],
)  # fmt: skip
def test_web_url_normalises_good_addresses(href: str | None, expected: str | None) -> None:
    assert web_url(href, PAGE) == expected
    if expected is not None:  # what it returns, the model accepts unchanged
        assert str(TypeAdapter(HttpUrl).validate_python(expected)) == expected


@pytest.mark.parametrize(
    "href",
    [
        "http://evil.example|click",
        "https://oakland .legistar.com/MeetingDetail.aspx",
        "mailto:clerk@example.org",
        "tel:+13125550100",
        "javascript:alert(1)",
        "javascript:__doPostBack('ctl00$x','')",
        "ftp://files.example.org/agenda.pdf",
        "data:text/html,<b>x</b>",
        "http://",
        "http://[::1",
        "https://example.org/" + "x" * 3000,
        12345,
    ],
)
def test_web_url_rejects_what_is_no_web_address(href: Any) -> None:
    with pytest.raises(BadValue):
        web_url(href, PAGE)


@settings(max_examples=examples(300), deadline=None, derandomize=True)
@given(
    href=st.one_of(st.text(max_size=60), st.sampled_from(HOSTILE["url"])),
    base=st.sampled_from(BASES),
)
def test_what_web_url_keeps_the_model_accepts_unchanged(href: str, base: str) -> None:
    """The check is pydantic's own URL schema with `HttpUrl`'s constraints: same verdicts."""
    try:
        url = web_url(href, base)
    except BadValue:
        return
    if url is not None:
        assert str(Link(title="x", url=url, kind="other").url) == url


def test_squash_drops_control_characters_and_lone_surrogates() -> None:
    assert squash("City\x00 Council\x07\x1b[2J\x7f \ud800Meeting\u200b\u00a0 ") == (
        "City Council[2J Meeting"
    )


# --- the spider's field helpers and the run note ------------------------------------------------


def _spider(platform: str = "legistar", **source: Any) -> AgendaSpider:
    entry = {"id": "t", "name": "T", "jurisdiction": "T", "platform": platform, "slug": "x"}
    cls = spider_class_for(Source.model_validate({**entry, **source}))
    return cls.from_crawler(get_crawler(cls))


def test_a_bad_value_costs_that_value_with_a_counted_warning() -> None:
    spider = _spider()
    stats = spider.crawler.stats
    assert spider.link("Agenda", "mailto:clerk@example.org", "agenda") is None
    assert spider.url("http://evil.example|click", PAGE, "meeting url") is None
    assert spider.number("12.5", "EventItemAgendaSequence") is None
    assert spider.number(True, "EventId") is None
    # Nothing there is no warning; good values pass.
    assert spider.url("", PAGE) is None and spider.number("", "sort") is None
    assert spider.number(" 7 ", "sort") == 7 and spider.number("12.0", "sort") == 12
    link = spider.link("  Agenda\x00 ", "/View.ashx?M=A&ID=1", "agenda", PAGE)
    assert link is not None and (link.title, str(link.url), link.kind) == (
        "Agenda",
        "https://chicago.legistar.com/View.ashx?M=A&ID=1",
        "agenda",
    )
    assert stats.get_value("agenda_watch/field_warnings") == 4
    assert stats.get_value("agenda_watch/field_warnings/agenda link") == 1
    assert stats.get_value("agenda_watch/field_warnings/meeting url") == 1
    assert stats.get_value("agenda_watch/warning") == (
        "FieldDropped: 4 bad values dropped, rows kept; first: agenda link "
        "'mailto:clerk@example.org' dropped: not an http(s) address (mailto: link)"
    )


def test_the_run_note_puts_lost_rows_before_dropped_values() -> None:
    """A real Legistar grid with one row whose date is garbage and one whose link is mailto:."""
    root = lxml.html.fromstring((FIXTURES / "legistar_web" / "chicago_calendar.html").read_bytes())
    rows = root.xpath("//tr[contains(@class,'rgRow') or contains(@class,'rgAltRow')]")
    rows[0].xpath("./td[2]")[0].text = "31/31/2019"
    rows[1].xpath(".//a[contains(@href,'MeetingDetail')]")[0].set("href", "mailto:x@example.org")
    spider = _spider(options={"mode": "web"})
    meetings = list(spider.parse_saved(PAGE, lxml.html.tostring(root)))
    assert len(meetings) == 7  # of 8: the row without a date
    note = spider.crawler.stats.get_value("agenda_watch/warning")
    assert note.startswith("ListingShortfall: 8 rows seen, 7 read (1 unreadable, first: row 1")
    assert "; FieldDropped: 1 bad value dropped, rows kept; first: link 'mailto:" in note
    assert (
        "(Legistar meeting grid rows row 2 at https://chicago.legistar.com/Calendar.aspx)" in note
    )
    assert spider.crawler.stats.get_value("agenda_watch/rows_unreadable") == 1


def test_a_date_past_the_plausible_years_costs_the_row_and_never_overflows() -> None:
    spider = _spider()
    tz = ZoneInfo("America/Chicago")
    far = datetime(9999, 12, 31, 23, 30, tzinfo=tz)
    assert spider.in_window(far) is False  # no OverflowError
    with pytest.raises(ValueError, match="outside 1990"):
        spider.new_meeting(far, "City Council", "1", body="City Council")
    with pytest.raises(ValueError, match="outside 1990"):
        spider.new_meeting(datetime(1, 1, 1, tzinfo=tz), "City Council", "1", body="C")
    assert isinstance(
        spider.new_meeting(datetime(2019, 1, 23, tzinfo=tz), "C", "1", body="C"), Meeting
    )


# --- the review's gaps ---------------------------------------------------------------------------


def test_legistar_api_and_civicclerk_windows_include_their_last_day() -> None:
    today = date(2026, 3, 1)
    legistar = _spider()
    odata = parse_qs(urlsplit(legistar.events_url(0, today)).query)["$filter"][0]  # type: ignore[attr-defined]
    last = today + timedelta(days=legistar.source.days_ahead)
    after = last + timedelta(days=1)
    # "lt" the day after the last day: events on the last day itself are asked for.
    assert odata.endswith(f"EventDate lt datetime'{after:%Y-%m-%d}T00:00:00'")
    civicclerk = _spider("civicclerk")
    odata = parse_qs(urlsplit(civicclerk.events_url(today)).query)["$filter"][0]  # type: ignore[attr-defined]
    assert odata == f"startDateTime ge 2026-02-22 and startDateTime lt {after:%Y-%m-%d}"


def test_granicus_reads_rescheduled_and_cancelled_from_its_rows() -> None:
    """BUILT wordings in the REAL LAWA listing: a title and a date cell carry the status."""
    root = lxml.html.fromstring(
        (FIXTURES / "granicus" / "city-scrapers-ca__lawa.html").read_bytes()
    )
    rows = root.xpath("//tr[td[@headers='Name']]")
    names = [row.xpath("./td[@headers='Name']")[0] for row in rows[:4]]
    for cell, title in zip(
        names,
        (
            "Regular Meeting - RESCHEDULED",
            None,
            "Rescheduled Regular Meeting",
            "Regular Meeting (No Meeting)",
        ),
        strict=True,
    ):
        if title:
            cell[:] = []  # the cell's icon and text make way for the new wording
            cell.text = title
    date_cell = rows[1].xpath("./td[starts-with(@headers,'Date')]")[0]
    date_cell.append(lxml.html.fromstring("<em>Postponed</em>"))
    spider = _spider("granicus", slug="lawa", options={"view_id": 4})
    url = "https://lawa.granicus.com/ViewPublisher.php?view_id=4"
    meetings = [
        m for m in spider.parse_saved(url, lxml.html.tostring(root)) if isinstance(m, Meeting)
    ]
    by_clip = {m.platform_id: m for m in meetings}
    statuses = [by_clip[f"clip_id={n}"].status for n in ("838", "833", "827", "825")]
    # The slot moved away is rescheduled; the meeting that took its place ("Rescheduled
    # Regular Meeting") is the one held, scheduled; "(No Meeting)" is cancelled.
    assert statuses == ["rescheduled", "rescheduled", "scheduled", "cancelled"]


def test_single_tenant_platforms_are_named_by_their_spider(tmp_path: Path) -> None:
    single = {name for name, cls in platform_spiders().items() if not cls.locators}
    assert single == {"elms", "ilga"}
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - {id: chi, name: Chicago, jurisdiction: Chicago, platform: elms}\n"
        "  - {id: ga, name: GA, jurisdiction: Illinois, platform: ilga}\n"
        "  - {id: oak, name: Oak Park, jurisdiction: Oak Park, platform: legistar}\n"
    )
    sources, problems = check_sources(path)
    assert [s.id for s in sources] == ["chi", "ga"]
    assert [(p.entry, p.field, p.message) for p in problems] == [
        ("oak", "slug", "legistar needs slug or api_url")
    ]


def test_meeting_url_with_a_space_in_its_path_is_kept_encoded() -> None:
    spider = _spider()
    url = spider.url("https://x.legistar.com/Meeting Detail.aspx?ID=1", PAGE)
    assert url == "https://x.legistar.com/Meeting%20Detail.aspx?ID=1"
    assert unquote(url) == "https://x.legistar.com/Meeting Detail.aspx?ID=1"
    assert not spider.crawler.stats.get_value("agenda_watch/field_warnings")
