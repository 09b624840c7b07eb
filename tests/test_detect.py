"""Platform detection and `agenda-watch add-source` on every real capture."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from pipeline.config import check_sources
from pipeline.ingest.detect import detect, propose_entry, propose_slug
from tests.conftest import FIXTURES, ROOT
from tests.test_cli import cli

# Every real platform capture (fixtures/real/) and the platform it belongs to (None: a site on no
# agenda platform). URLs are from the PROVENANCE files where recorded; otherwise the platform's
# documented URL pattern with the capture's tenant.
CAPTURES: dict[str, tuple[str, str | None]] = {
    "chicago_calendar.html": (
        "https://chicago.legistar.com/Calendar.aspx",
        "legistar",
    ),
    "phila_calendar.html": ("https://phila.legistar.com/Calendar.aspx", "legistar"),
    "city-scrapers-kancit__kancit_kckpsboe.json": (
        "https://kckps.community.highbond.com/Services/MeetingsService.svc/meetings",
        "diligent",
    ),
    "cook_board.json": ("https://cook-county.legistar.com/Calendar.aspx", "legistar"),
    "cook_water.json": ("https://mwrd.legistar.com/Calendar.aspx", "legistar"),
    "scrapers-lametro__event.json": (
        "https://webapi.legistar.com/v1/metro/events/2907",
        "legistar",
    ),
    "scrapers-lametro__matter_candidates.json": (
        "https://webapi.legistar.com/v1/metro/matters",
        "legistar",
    ),
    "scrapers-lametro__minutes_candidates.json": (
        "https://webapi.legistar.com/v1/metro/matters/10881/attachments",
        "legistar",
    ),
    "python-legistar-scraper__chicago_dupe_event.json": (
        "https://webapi.legistar.com/v1/chicago/matters/38768/histories",
        "legistar",
    ),
    "chi_meeting_page1.json": ("https://api.chicityclerkelms.chicago.gov/meeting", "elms"),
    "il_metra_board.html": ("https://metrarr.granicus.com/ViewPublisher.php?view_id=5", "granicus"),
    "il_regional_transit_upcoming.html": (
        "http://rtachicago.granicus.com/ViewPublisher.php?view_id=5",
        "granicus",
    ),
    "il_regional_transit_past.html": (
        "http://rtachicago.granicus.com/ViewPublisher.php?view_id=4",
        "granicus",
    ),
    "commissionwatch__bozeman_viewpublisher-view1.html.gz": (
        "https://bozeman.granicus.com/ViewPublisher.php?view_id=1",
        "granicus",
    ),
    "commissionwatch__bozeman_agendaviewer-clip2784.html": (
        "https://bozeman.granicus.com/AgendaViewer.php?view_id=1&clip_id=2784",
        "granicus",
    ),
    "city-scrapers-ca__lawa.html": (
        "http://lawa.granicus.com/ViewPublisher.php?view_id=4",
        "granicus",
    ),
    "city-scrapers-ca__lawa_0.html": (
        "http://lawa.granicus.com/AgendaViewer.php?view_id=4&clip_id=838",
        "granicus",
    ),
    "fre_kingsburg_city_council.html": (
        "https://www.cityofkingsburg-ca.gov/AgendaCenter",
        "civicplus",
    ),
    "civic-scraper__civplus_agenda_search_results_page.html": (
        "https://www.las-cruces.org/AgendaCenter/Search/",
        "civicplus",
    ),
    "civic-scraper__civplus_alameda_water.html": ("https://www.acwd.org/AgendaCenter", "civicplus"),
    "commissionwatch__gallatin_agendacenter-index.html": (
        "https://www.gallatinmt.gov/AgendaCenter",
        "civicplus",
    ),
    "commissionwatch__gallatin_updatecategorylist-cat4-2025.html": (
        "https://www.gallatinmt.gov/AgendaCenter/UpdateCategoryList",
        "civicplus",
    ),
    "wicks_city_apc.html": ("https://www.wichita.gov/Calendar.aspx", "civicplus"),
    "wicks_city_apc_detail.html": ("https://www.wichita.gov/Calendar.aspx?EID=1", "civicplus"),
    "atl_south_fulton_city_council_meetings.json": (
        "https://southfultonga.api.civicclerk.com/v1/Events",
        "civicclerk",
    ),
    "atl_clayton_co_boc_meetings.json": (
        "https://claytoncountyga.primegov.com/api/v2/PublicPortal/ListUpcomingMeetings",
        "primegov",
    ),
    "city-scrapers-ca__ccta.json": (
        "https://ccta.primegov.com/api/v2/PublicPortal/ListArchivedMeetings?year=2022",
        "primegov",
    ),
    "city-scrapers-ca__la_city_government.json": (
        "https://lacity.primegov.com/api/v2/PublicPortal/ListArchivedMeetings?year=2021",
        "primegov",
    ),
    "sandie_citychula.json": (
        "https://pub-chulavista.escribemeetings.com/MeetingsCalendarView.aspx/GetCalendarMeetings",
        "escribe",
    ),
    "atl_city_council.html": ("https://atlantacityga.iqm2.com/Citizens/Calendar.aspx", "iqm2"),
    "city-scrapers-ca__riverside_county.html": (
        "https://riversidecountyca.iqm2.com/Citizens/Calendar.aspx",
        "iqm2",
    ),
    "city-scrapers-stl__cc_building_code.html": (
        "https://crevecoeurcitymo.iqm2.com/Citizens/Detail_Meeting.aspx?ID=1",
        "iqm2",
    ),
    "fre_dinuba_city_council.html": ("https://dinuba.novusagenda.com/agendapublic/", "novusagenda"),
    "minn_hcg_boc.json": ("https://hennepinmn.novusagenda.com/agendapublic/", "novusagenda"),
    "chi_teacherpension.xml": (
        "https://www.boarddocs.com/il/ctpf/board.nsf/XML-ActiveMeetings",
        "boarddocs",
    ),
    "gra_public_school_board.json": (
        "https://go.boarddocs.com/mi/grps/Board.nsf/BD-GetMeetingsList",
        "boarddocs",
    ),
    "gra_public_school_board_detail.html": (
        "https://go.boarddocs.com/mi/grps/Board.nsf/PRINT-AgendaDetailed",
        "boarddocs",
    ),
    # Sites on no agenda platform: a custom spider's job.
    "chi_teacherpension.html": ("https://www.ctpf.org/board-trustees-meeting-minutes", None),
    "cook_hospitals.html": ("https://cookcountyhealth.org/about/board-of-directors/", None),
    "cook_pace_board.html": ("https://www.pacebus.com/board-meeting", None),
    "cook_south_mosquito.html": ("https://sccmad.org/", None),
    "il_pollution_control.json": ("https://pcb.illinois.gov/ClerksOffice/GetCalendarEvents", None),
}
NEUTRAL_URL = "https://www.example-village.gov/government/agendas"


def _capture(name: str) -> bytes:
    matches = sorted(FIXTURES.rglob(name))
    assert matches, f"{name} is not under tests/fixtures/"
    data = matches[0].read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_every_real_capture_is_recognised_from_its_page(name: str) -> None:
    _, expected = CAPTURES[name]
    found = detect(NEUTRAL_URL, _capture(name))
    assert (found.platform if found else None) == expected


@pytest.mark.parametrize("name", sorted(n for n, (_, p) in CAPTURES.items() if p))
def test_every_real_capture_is_recognised_from_its_url(name: str) -> None:
    url, expected = CAPTURES[name]
    found = detect(url)
    if found is None:  # a town's own domain (CivicPlus, Wichita): only the page tells
        found = detect(url, _capture(name))
    assert found is not None and found.platform == expected


def test_slugs_come_from_hosts_not_names() -> None:
    assert (
        propose_slug("legistar", "https://countyofkane.legistar.com/Calendar.aspx")
        == "countyofkane"
    )
    assert propose_slug("legistar", "https://webapi.legistar.com/v1/oak-park/events") == "oak-park"
    assert propose_slug("civicclerk", "https://mundeleinil.portal.civicclerk.com/") == "mundeleinil"
    assert propose_slug("boarddocs", "https://go.boarddocs.com/il/cps/Board.nsf/Public") == "il/cps"
    detection = detect("https://countyofkane.legistar.com/")
    assert detection is not None
    entry = propose_entry("https://countyofkane.legistar.com/Calendar.aspx", None, detection)
    assert entry["slug"] == "countyofkane" and entry["platform"] == "legistar"
    # Diligent tenants off the diligentoneplatform host keep their own origin, not a slug.
    civicweb = "https://lascruces.civicweb.net/Services/MeetingsService.svc/meetings"
    found = detect(civicweb)
    assert found is not None and found.platform == "diligent"
    entry = propose_entry(civicweb, None, found)
    assert "slug" not in entry and entry["base_url"] == "https://lascruces.civicweb.net"
    assert propose_slug("diligent", "https://x.community.diligentoneplatform.com/Portal") == "x"
    metra = "https://metrarr.granicus.com/ViewPublisher.php?view_id=5"
    found = detect(metra)
    assert found is not None and propose_entry(metra, None, found)["options"] == {"view_id": 5}


def test_add_source_appends_a_valid_entry(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "topics.yaml").write_text((ROOT / "config" / "topics.yaml").read_text())
    original = "# hand-written comment stays\nsources:\n  - {id: oak_park, name: Oak Park, jurisdiction: 'Oak Park, IL', platform: legistar, slug: oak-park}\n"
    (config / "sources.yaml").write_text(original)
    saved = tmp_path / "calendar.html"
    saved.write_bytes(_capture("chicago_calendar.html"))
    out = cli(
        "--config-dir",
        str(config),
        "add-source",
        "https://countyofkane.legistar.com/Calendar.aspx",
        "--from-file",
        str(saved),
        "--yes",
    )
    assert out.returncode == 0, out.stderr
    assert "Recognised legistar (from the host)" in out.stdout
    text = (config / "sources.yaml").read_text()
    assert text.startswith(original.rstrip("\n"))
    assert (
        "# Evidence: added by `agenda-watch add-source https://countyofkane.legistar.com/Calendar.aspx`"
        in text
    )
    sources, problems = check_sources(config / "sources.yaml")
    assert problems == [] and [s.slug for s in sources] == ["oak-park", "countyofkane"]
    again = cli(
        "--config-dir",
        str(config),
        "add-source",
        "https://countyofkane.legistar.com/Calendar.aspx",
        "--from-file",
        str(saved),
        "--yes",
    )
    assert again.returncode == 1 and "already exists" in again.stderr
    unknown = cli(
        "--config-dir",
        str(config),
        "add-source",
        "https://cookcountyhealth.org/board/",
        "--from-file",
        str(_write(tmp_path, "cook_hospitals.html")),
        "--yes",
    )
    assert unknown.returncode == 1 and "custom spider" in unknown.stderr


def _write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(_capture(name))
    return path
