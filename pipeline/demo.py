"""``agenda-watch demo``: the whole path on bundled recordings, offline, in under a minute."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from pipeline.config import ConfigError, Problem
from pipeline.display import local_start
from pipeline.replay import ReplayServer
from pipeline.settings import Settings
from pipeline.store.files import JsonStore
from pipeline.views.upcoming import DEFAULT_DAYS

RECORDINGS = Path(__file__).parent / "demo_recordings"
# The public sites the recordings stand for: the crawl asks for these addresses and the replay
# server answers (`pipeline.ingest.replayhosts`), so stored links are public, never 127.0.0.1.
PUBLIC_ORIGINS = ("https://webapi.legistar.com", "https://oak-park.legistar1.com")

DEMO_SOURCES = [
    {
        "id": "demo_oak_park",
        "name": "Village of Oak Park (demo recording)",
        "jurisdiction": "Village of Oak Park, IL",
        "slug": "oak-park",
    },
    {
        "id": "demo_cook_county",
        "name": "Cook County Board (demo recording)",
        "jurisdiction": "Cook County, IL",
        "slug": "cook-county",
    },
    {
        "id": "demo_lake_county",
        "name": "Lake County (demo recording: Web API disabled)",
        "jurisdiction": "Lake County, IL",
        "slug": "lakecounty",
        "notes": (
            "Fails on purpose: its recording is the HTTP 500 'LegistarConnectionString' answer "
            "Legistar gives when a client's Web API is switched off (as Lake County's was in "
            "2026), to show how a failing source is reported."
        ),
    },
]


def failing_on_purpose() -> dict[str, str]:
    """Demo source id → why it is meant to fail."""
    return {s["id"]: s["notes"] for s in DEMO_SOURCES if s.get("notes")}


def replay_hosts(base_url: str) -> str:
    """``AGENDA_WATCH_REPLAY_HOSTS`` for a replay of the recordings at `base_url`."""
    return " ".join(f"{origin}={base_url}" for origin in PUBLIC_ORIGINS)


def write_demo_config(config_dir: Path, topics: Path) -> None:
    """A config dir of the demo's sources, at their public addresses, with the real topic rules."""
    config_dir.mkdir(parents=True, exist_ok=True)
    sources = [
        {**source, "platform": "legistar", "timezone": "America/Chicago"} for source in DEMO_SOURCES
    ]
    text = (
        "# Written by `agenda-watch demo`: public Legistar sources whose answers are replayed\n"
        "# from pipeline/demo_recordings/ by a local server (AGENDA_WATCH_REPLAY_HOSTS).\n"
    )
    text += yaml.safe_dump({"sources": sources}, sort_keys=False, width=100)
    (config_dir / "sources.yaml").write_text(text, encoding="utf-8")
    shutil.copyfile(topics, config_dir / "topics.yaml")


def demo_settings(settings: Settings, base_url: str) -> Settings:
    """The demo's settings: its own config dir under the data dir; Slack settings kept.

    No politeness delay: that is for real sites, and the replay server is ours.
    """
    return settings.model_copy(
        update={
            "config_dir": settings.data_dir / "demo-config",
            "crawl_timeout_s": 120,
            "download_delay_s": 0.0,
            "replay_hosts": replay_hosts(base_url),
        }
    )


def run_demo(settings: Settings, run: Callable[[Settings], int]) -> int:
    """Serve the recordings, write the demo config, then `run` (crawl + deliver + show)."""
    topics = settings.topics_path
    if not topics.is_file():
        message = (
            "the demo classifies with the project's topic rules and cannot find them: run it "
            "from the repository root, or give --config-dir DIR (the folder with topics.yaml)"
        )
        raise ConfigError([Problem(str(topics), "", "", message)])
    with ReplayServer(RECORDINGS) as server:
        demo = demo_settings(settings, server.base_url)
        write_demo_config(demo.config_dir, topics)
        code = run(demo)
    hint = upcoming_hint(demo.data_dir)
    if hint:
        print(hint)
    print(
        f"\nThe demo's sources, their last crawl and health:\n"
        f"  agenda-watch --data-dir {demo.data_dir} --config-dir {demo.config_dir} sources"
    )
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
