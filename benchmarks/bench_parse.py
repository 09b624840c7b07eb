"""Pages parsed per second per platform, on the recorded real captures.

Each platform's spider parses its saved pages exactly as `agenda-watch parse` does
(`parse_saved`: the same callbacks as a crawl, without the network). Baseline in the same run: the
bare cost of reading the same bytes — `json.loads` for JSON, building the lxml tree and selecting
every element for HTML/XML — which any parser pays before doing its own work. The ratio says how
much our field extraction adds on top.

Run ``python benchmarks/bench_parse.py [--quick]``.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from parsel import Selector  # noqa: E402

from pipeline.models import Source  # noqa: E402
from spiders.loader import spider_class_for  # noqa: E402

FIX = ROOT / "tests" / "fixtures"
# platform, URL the page was fetched from, fixture, extra source fields.
PAGES: list[tuple[str, str, Path, dict[str, Any]]] = [
    (
        "legistar (API)",
        "https://webapi.legistar.com/v1/oak-park/events/9001/eventitems",
        ROOT / "pipeline" / "demo_recordings" / "oak_park" / "event_9001_items.json",
        {"slug": "oak-park"},
    ),
    (
        "legistar (web)",
        "https://chicago.legistar.com/Calendar.aspx",
        FIX / "legistar_web" / "chicago_calendar.html",
        {"slug": "chicago", "options": {"mode": "web"}},
    ),
    (
        "legistar (web)",
        "https://phila.legistar.com/Calendar.aspx",
        FIX / "legistar_web" / "phila_calendar.html",
        {"slug": "phila", "options": {"mode": "web"}},
    ),
    (
        "elms",
        "https://api.chicityclerkelms.chicago.gov/meeting?skip=0",
        FIX / "elms" / "chi_meeting_page1.json",
        {"base_url": "https://chicityclerkelms.chicago.gov"},
    ),
    (
        "granicus",
        "https://metrarr.granicus.com/ViewPublisher.php?view_id=5",
        FIX / "granicus" / "il_metra_board.html",
        {"base_url": "https://metrarr.granicus.com", "options": {"view_id": 5}},
    ),
    (
        "granicus",
        "https://bozeman.granicus.com/AgendaViewer.php?view_id=1&clip_id=2784",
        FIX / "granicus" / "commissionwatch__bozeman_agendaviewer-clip2784.html",
        {"base_url": "https://bozeman.granicus.com", "options": {"view_id": 1}},
    ),
    (
        "civicplus",
        "https://www.las-cruces.org/AgendaCenter/Search/",
        FIX / "civicplus" / "civic-scraper__civplus_agenda_search_results_page.html",
        {"base_url": "https://www.las-cruces.org"},
    ),
    (
        "civicplus",
        "https://www.cityofkingsburg-ca.gov/AgendaCenter",
        FIX / "civicplus" / "fre_kingsburg_city_council.html",
        {"base_url": "https://www.cityofkingsburg-ca.gov"},
    ),
    (
        "civicclerk",
        "https://southfultonga.api.civicclerk.com/v1/Events",
        FIX / "civicclerk" / "atl_south_fulton_city_council_meetings.json",
        {"slug": "southfultonga"},
    ),
    (
        "primegov",
        "https://claytoncountyga.primegov.com/api/v2/PublicPortal/ListUpcomingMeetings",
        FIX / "primegov" / "atl_clayton_co_boc_meetings.json",
        {"slug": "claytoncountyga"},
    ),
    (
        "escribe",
        "https://pub-chulavista.escribemeetings.com/MeetingsCalendarView.aspx/GetCalendarMeetings",
        FIX / "escribe" / "sandie_citychula.json",
        {"slug": "chulavista"},
    ),
    (
        "iqm2",
        "https://atlantacityga.iqm2.com/Citizens/Calendar.aspx",
        FIX / "iqm2" / "atl_city_council.html",
        {"slug": "atlantacityga"},
    ),
    (
        "novusagenda",
        "https://dinuba.novusagenda.com/agendapublic/meetingsgeneral.aspx",
        FIX / "novusagenda" / "fre_dinuba_city_council.html",
        {"slug": "dinuba"},
    ),
    (
        "boarddocs",
        "https://www.boarddocs.com/il/ctpf/board.nsf/XML-ActiveMeetings",
        FIX / "boarddocs" / "chi_teacherpension.xml",
        {"slug": "il/ctpf"},
    ),
]
PLATFORM_OF = {"legistar (API)": "legistar", "legistar (web)": "legistar"}


def _body(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _spider(label: str, extra: dict[str, Any]) -> Any:
    platform = PLATFORM_OF.get(label, label)
    source = Source.model_validate(
        {
            "id": "bench",
            "name": "bench",
            "jurisdiction": "bench",
            "platform": platform,
            "days_back": 3650,
            "days_ahead": 3650,
            **extra,
        }
    )
    return spider_class_for(source)()


def _baseline(body: bytes) -> int:
    stripped = body.lstrip()
    if stripped[:1] in (b"{", b"["):
        data = json.loads(body)
        return len(data) if isinstance(data, list) else 1
    kind = "xml" if stripped.startswith(b"<?xml") else "html"
    return len(Selector(body=body, type=kind).xpath("//*"))


def _rate(fn: Any, rounds: int, min_time: float) -> float:
    """Median calls per second over `rounds` rounds of at least `min_time` seconds each."""
    rates = []
    for _ in range(rounds):
        n, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < min_time:
            fn()
            n += 1
        rates.append(n / elapsed)
    return statistics.median(rates)


def run(quick: bool = False) -> str:
    rounds, min_time = (2, 0.1) if quick else (5, 0.5)
    rows = []
    for label, url, path, extra in PAGES:
        body = _body(path)
        spider = _spider(label, extra)
        records = len(list(spider.parse_saved(url, body)))
        ours = _rate(lambda s=spider, u=url, b=body: list(s.parse_saved(u, b)), rounds, min_time)
        base = _rate(lambda b=body: _baseline(b), rounds, min_time)
        rows.append(
            f"| {label} | {path.name} | {len(body) // 1024} | {records} | {ours:,.1f} | {base:,.1f} | {base / ours:.1f}x |"
        )
    return "\n".join(
        [
            "## Parsing recorded pages, per platform",
            "",
            f"`parse_saved` on real captures (built recordings excluded); median of {rounds} rounds.",
            "Baseline: only reading the same bytes (JSON decode, or lxml tree + select all elements).",
            "",
            "| platform | page | KiB | records | pages/s (ours) | pages/s (read only) | read-only is faster by |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
