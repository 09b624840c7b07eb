"""``agenda-watch demo``: the whole path on bundled recordings, offline, in under a minute."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from pipeline.display import local_start
from pipeline.replay import ReplayServer
from pipeline.settings import Settings
from pipeline.store.files import JsonStore
from pipeline.views.upcoming import DEFAULT_DAYS

RECORDINGS = Path(__file__).parent / "demo_recordings"

DEMO_SOURCES = [
    {
        "id": "demo_oak_park",
        "name": "Village of Oak Park (demo recording)",
        "jurisdiction": "Village of Oak Park, IL",
        "slug": "oak-park",
        "api_path": "/v1/oak-park",
    },
    {
        "id": "demo_cook_county",
        "name": "Cook County Board (demo recording)",
        "jurisdiction": "Cook County, IL",
        "slug": "cook-county",
        "api_path": "/v1/cook-county",
    },
    {
        "id": "demo_lake_county",
        "name": "Lake County (demo recording: Web API disabled)",
        "jurisdiction": "Lake County, IL",
        "slug": "lakecounty",
        "api_path": "/v1/lakecounty",
    },
]


def write_demo_config(config_dir: Path, base_url: str, topics: Path) -> None:
    """A config dir whose sources point at the replay server, with the real topic rules."""
    config_dir.mkdir(parents=True, exist_ok=True)
    sources = [
        {
            "id": s["id"],
            "name": s["name"],
            "jurisdiction": s["jurisdiction"],
            "platform": "legistar",
            "slug": s["slug"],
            "api_url": f"{base_url}{s['api_path']}",
            "timezone": "America/Chicago",
        }
        for s in DEMO_SOURCES
    ]
    text = "# Written by `agenda-watch demo`: sources replayed from a local server.\n"
    text += yaml.safe_dump({"sources": sources}, sort_keys=False)
    (config_dir / "sources.yaml").write_text(text, encoding="utf-8")
    shutil.copyfile(topics, config_dir / "topics.yaml")


def demo_settings(settings: Settings) -> Settings:
    """The demo's settings: its own config dir under the data dir; Slack settings kept.

    No politeness delay: that is for real sites, and the replay server is ours.
    """
    return settings.model_copy(
        update={
            "config_dir": settings.data_dir / "demo-config",
            "crawl_timeout_s": 120,
            "download_delay_s": 0.0,
        }
    )


def run_demo(settings: Settings, run: Callable[[Settings], int]) -> int:
    """Serve the recordings, write the demo config, then `run` (crawl + deliver + show)."""
    topics = settings.topics_path
    if not topics.exists():
        raise FileNotFoundError(f"{topics} not found: run the demo from the repository root")
    with ReplayServer(RECORDINGS) as server:
        demo = demo_settings(settings)
        write_demo_config(demo.config_dir, server.base_url, topics)
        code = run(demo)
    hint = upcoming_hint(demo.data_dir)
    if hint:
        print(hint)
    return code


def upcoming_hint(data_dir: Path) -> str | None:
    """Which ``upcoming``/``site`` commands show the demo's meetings.

    The recordings keep their real dates (tests assert them), so once those dates are past a
    plain ``agenda-watch upcoming`` shows nothing; ``--from`` the first recorded day always works.
    """
    demo_ids = {s["id"] for s in DEMO_SOURCES}
    days = sorted(
        local_start(m).date()
        for m in JsonStore(data_dir).iter_meetings()
        if m.source in demo_ids and m.relevant_items()
    )
    if not days:
        return None
    span = max(DEFAULT_DAYS, (days[-1] - days[0]).days + 1)
    args = f"--from {days[0].isoformat()} --days {span}"
    return (
        f"\nUpcoming votes in the recordings:\n"
        f"  agenda-watch --data-dir {data_dir} upcoming {args}\n"
        f"  agenda-watch --data-dir {data_dir} site --out {data_dir / 'site'} {args}"
    )
