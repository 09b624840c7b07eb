"""Cheap unchanged reruns: a meeting that did not change is not written again."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.ingest.batch import BatchCrawl, BatchOptions, CrawlResult
from pipeline.models import Meeting
from pipeline.settings import Settings
from pipeline.store.files import JsonStore, meeting_path
from pipeline.views.upcoming import latest_versions
from tests.batchsupport import batch_settings, legistar_source, sites


def _crawl(settings: Settings, bases: dict[str, str]) -> dict[str, CrawlResult]:
    sources = [
        legistar_source("oak", bases["127.0.0.2"], fetch_documents=True),
        legistar_source("cook", bases["127.0.0.3"], slug="cook-county"),
    ]
    batch = BatchCrawl(settings, sources, BatchOptions(workers=1, timeout_s=60))
    return {r.source: r for r in batch.run()}


def _stamps(data: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(data).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted((data / "meetings").rglob("*.json"))
    }


def test_an_unchanged_rerun_rewrites_no_meeting_and_a_change_rewrites_only_its_meeting(
    tmp_path: Path, recordings_copy: Path
) -> None:
    with sites(["127.0.0.2", "127.0.0.3"], root=recordings_copy) as (bases, _):
        settings = batch_settings(tmp_path, documents_from=bases["127.0.0.2"])
        first = _crawl(settings, bases)
        assert all(r.ok for r in first.values()), [r.line() for r in first.values()]
        board = JsonStore(settings.data_dir).read("oak/20261208/9001")
        assert [(d.pages, d.error) for d in board.documents] == [(2, None)]  # the agenda PDF too
        before = _stamps(settings.data_dir)
        assert len(before) == 4

        again = _crawl(settings, bases)
        assert [(r.meetings, r.notices) for r in again.values()] == [(2, 0), (2, 0)]
        assert _stamps(settings.data_dir) == before  # same files, never replaced

        # One agenda item of Cook County's 9101 meeting changes its title.
        items_file = recordings_copy / "cook_county" / "event_9101_items.json"
        items = json.loads(items_file.read_text())
        items[0]["EventItemTitle"] = "Amended: " + items[0]["EventItemTitle"]
        items_file.write_text(json.dumps(items))
        _crawl(settings, bases)
    after = _stamps(settings.data_dir)
    changed = sorted(k for k in after if after[k] != before[k])
    assert changed == ["meetings/cook/20261210-9101.json"]
    meeting = JsonStore(settings.data_dir).read("cook/20261210/9101")
    assert meeting.items[0].title.startswith("Amended: ")


def _meeting(day: int, scraped: datetime) -> Meeting:
    start = datetime(2026, 12, day, 19, tzinfo=UTC)
    return Meeting(
        id=f"src/202612{day:02d}/7001",
        source="src",
        jurisdiction="Village, IL",
        body="Village Board",
        title="Village Board",
        start=start,
        platform_id="7001",
        scraped_at=scraped,
    )


def test_only_scraped_at_changed_is_unchanged(tmp_path: Path) -> None:
    store = JsonStore(tmp_path)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert store.write(_meeting(8, now)) is True
    path = meeting_path(tmp_path, "src/20261208/7001")
    stamp = path.stat().st_mtime_ns
    assert store.write(_meeting(8, now + timedelta(hours=6))) is False
    assert path.stat().st_mtime_ns == stamp
    assert store.read("src/20261208/7001").scraped_at == now
    moved = _meeting(8, now).model_copy(update={"location": "Room 2"})
    assert store.write(moved) is True


def test_a_meeting_moved_back_is_rewritten_so_readers_pick_it(tmp_path: Path) -> None:
    """Without a platform identity a move leaves the old date's copy: the newest scrape wins."""
    store = JsonStore(tmp_path)
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    store.write(_meeting(8, t0))
    store.write(_meeting(15, t0 + timedelta(hours=6)))  # moved to the 15th
    assert store.write(_meeting(8, t0 + timedelta(hours=12))) is True  # and back to the 8th
    [current] = latest_versions(store.iter_meetings())
    assert current.start.day == 8
