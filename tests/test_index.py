"""The meeting index: views read through it and say exactly what a full scan of the files says.

The stored set is test_upcoming's (real agenda titles classified by the real classifier: a DST
change, a cancelled meeting, a stale copy of a moved meeting, meetings without relevant items,
an ILGA hearing), plus the demo's Cook County crawl through the real Scrapy engine and store
stage, where a rescheduled meeting's old document is retired. Every comparison runs the view
twice: from the index, and from `JsonStore.iter_meetings` (every document read).
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.ingest.crawl import crawl_one
from pipeline.replay import ReplayServer
from pipeline.settings import Settings
from pipeline.store.files import JsonStore, meeting_path
from pipeline.store.index import MeetingIndex, stored_meetings
from pipeline.store.ledger import Ledger
from pipeline.views.calendar import EventVersions
from pipeline.views.export import (
    EXPORT_FORMATS,
    export_lines,
    export_selection,
    load_meetings,
    select_meetings,
)
from pipeline.views.format import match_rows, match_selection, upcoming_table
from pipeline.views.site import build_site, feed_query, site_query
from pipeline.views.upcoming import UpcomingQuery, load_upcoming, select_upcoming, upcoming_json
from tests.conftest import make_settings
from tests.test_site import NOW
from tests.test_upcoming import EXPECTED_IDS, FIRST, write_stored_meetings

QUERIES = [
    UpcomingQuery(first=FIRST),
    UpcomingQuery(first=FIRST, days=1),
    UpcomingQuery(first=date(2026, 11, 2), days=3, sources=frozenset({"oak_park"})),
    UpcomingQuery(first=FIRST, days=60, topics=frozenset({"shelter_new_arrivals"})),
    UpcomingQuery(first=date(2025, 1, 1), days=366),
]
SINCES = [None, date(2026, 10, 27), date(2026, 11, 4), date(2027, 1, 1)]


def _index(data: Path) -> tuple[Ledger, MeetingIndex]:
    ledger = Ledger(data / "ledger.sqlite3")
    index = MeetingIndex(data, ledger)
    index.refresh()
    return ledger, index


def _site_files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def assert_views_agree(data: Path, tmp: Path, queries: list[UpcomingQuery]) -> None:
    """Upcoming, matches, export and the site: the index's answer is the full scan's."""
    store = JsonStore(data)
    ledger, index = _index(data)
    try:
        for query in queries:
            scanned = select_upcoming(store.iter_meetings(), query)
            indexed = load_upcoming(index, query)
            assert upcoming_json(indexed, query) == upcoming_json(scanned, query)
            assert upcoming_table(indexed, query.first, query.last) == upcoming_table(
                scanned, query.first, query.last
            )
        for since in SINCES:
            scanned_rows = match_rows(store.iter_meetings(), since)
            assert match_rows(index.meetings(match_selection(since)), since) == scanned_rows
            for sources in (frozenset(), frozenset({"cook_county", "demo_cook_county"})):
                scanned_meetings = select_meetings(store.iter_meetings(), since, sources)
                indexed_meetings = list(index.meetings(export_selection(since, sources)))
                for fmt in EXPORT_FORMATS:
                    problems: tuple[list[str], list[str]] = ([], [])
                    lines = list(export_lines(indexed_meetings, fmt, NOW, problems[0]))  # type: ignore[arg-type]
                    assert lines == list(export_lines(scanned_meetings, fmt, NOW, problems[1]))  # type: ignore[arg-type]
                    assert problems[0] == problems[1]
        for query in queries[:2]:
            # The page and feeds of the code before the index: two selections over every file.
            scan_out, index_out = tmp / "scan-site", tmp / "index-site"
            page = select_upcoming(store.iter_meetings(), query)
            feeds = select_upcoming(store.iter_meetings(), feed_query(query))
            selected = sorted({m.id: m for m in page + feeds}.values(), key=lambda m: m.start)
            build_site(selected, scan_out, query, EventVersions(None), NOW)
            build_site(
                load_upcoming(index, site_query(query)), index_out, query, EventVersions(None), NOW
            )
            assert _site_files(index_out) == _site_files(scan_out)
    finally:
        ledger.close()


def test_views_from_the_index_equal_a_full_scan(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_stored_meetings(data)
    ledger, index = _index(data)
    assert [m.id for m in load_upcoming(index, QUERIES[0])] == EXPECTED_IDS
    ledger.close()
    assert_views_agree(data, tmp_path, QUERIES)


def test_store_stage_keeps_the_index_and_retires_a_rescheduled_document(
    tmp_path: Path, recordings_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Legistar moves EventId 9101 a week later: its old document and its index row both go."""
    events_file = recordings_copy / "cook_county" / "events.json"
    with ReplayServer(recordings_copy) as replay:
        settings: Settings = make_settings(tmp_path, replay.base_url, monkeypatch)
        crawl_one(settings, "demo_cook_county", 60)
        events = json.loads(events_file.read_text())
        events[0]["EventDate"] = "2026-12-17T00:00:00"
        events_file.write_text(json.dumps(events))
        crawl_one(settings, "demo_cook_county", 60)
    data = settings.data_dir
    stored = sorted(p.name for p in (data / "meetings" / "demo_cook_county").glob("*.json"))
    assert stored == ["20261201-9102.json", "20261217-9101.json"]
    ledger = Ledger(settings.ledger_path)
    index = MeetingIndex(data, ledger)
    # The crawl wrote the rows itself, in step with the files: nothing for a refresh to read.
    assert set(ledger.index_stamps()) == {f"demo_cook_county/{name}" for name in stored}
    assert ledger.index_stamps() == index.on_disk()
    assert index.refresh().read == 0
    moved = UpcomingQuery(first=date(2026, 12, 1), days=30)
    # The board's relevant items on its new date only (the committee on the 1st has none).
    assert [m.start.isoformat() for m in load_upcoming(index, moved)] == [
        "2026-12-17T11:00:00-06:00"
    ]
    ledger.close()
    assert_views_agree(data, tmp_path, [moved])


def test_index_is_rebuilt_after_deletion(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_stored_meetings(data)
    runner = CliRunner()
    args = ["--data-dir", str(data), "upcoming", "--from", FIRST.isoformat(), "--format", "json"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    # The ledger's index table is emptied behind the views' back (and its version forgotten):
    # the next view rebuilds it from the files and shows the same meetings.
    raw = sqlite3.connect(data / "ledger.sqlite3")
    raw.execute("DELETE FROM meeting_index")
    raw.execute("DELETE FROM meeting_index_state")
    raw.commit()
    raw.close()
    again = runner.invoke(main, args)
    assert again.output == first.output
    ids = [m["id"] for m in json.loads(again.output)["meetings"]]
    assert ids == EXPECTED_IDS
    # The whole ledger deleted: the same again; `reindex` reports what it indexed.
    for path in data.glob("ledger.sqlite3*"):
        path.unlink()
    assert runner.invoke(main, args).output == first.output
    rebuilt = runner.invoke(main, ["--data-dir", str(data), "reindex"])
    assert rebuilt.exit_code == 0 and "indexed 10 stored meeting(s)" in rebuilt.output
    # A stored document deleted: its meeting leaves the views at once.
    meeting_path(data, "cook_county/20261029/9102").unlink()
    gone = json.loads(runner.invoke(main, args).output)["meetings"]
    assert [m["id"] for m in gone] == [i for i in EXPECTED_IDS if i != "cook_county/20261029/9102"]


def test_a_document_changed_behind_the_index_is_not_misreported(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = write_stored_meetings(data)
    ledger, index = _index(data)
    query = UpcomingQuery(first=FIRST)
    assert [m.id for m in load_upcoming(index, query)] == EXPECTED_IDS
    # Edited in place (same inode), same size: the Oak Park board cancelled, a quiet meeting
    # (no relevant item) given a relevant one — and not through the pipeline.
    board = meeting_path(data, "oak_park/20261103/9003")
    text = board.read_text()
    board.write_text(text.replace('"status": "scheduled"', '"status": "cancelled"', 1)[: len(text)])
    quiet = next(m for m in store.iter_meetings() if not m.relevant_items())
    hot = next(i for m in store.iter_meetings() for i in m.relevant_items())
    quiet.items.append(hot.model_copy(update={"id": f"{quiet.id}/hot"}))
    quiet_path = meeting_path(data, quiet.id)
    with quiet_path.open("r+b") as fh:  # in place: the directory does not change
        fh.write(quiet.model_dump_json(indent=2).encode())
        fh.truncate()
    # The Cook County board moved out of the window, its file edited in place too.
    county = meeting_path(data, "cook_county/20261105/9101")
    text = county.read_text()
    county.write_text(text.replace('"start": "2026-11-05', '"start": "2026-12-05', 1))
    # Read without a refresh: each document is judged by what its file says now.
    shown = {m.id: m for m in load_upcoming(index, query)}
    assert shown["oak_park/20261103/9003"].status == "cancelled"
    assert "cook_county/20261105/9101" not in shown
    # A refresh (what every view does first) also finds the quiet meeting's new relevant item:
    # its folder changed moments ago, so its files are compared (once a folder is sealed, an
    # in-place edit is the documented limit: tests/test_index_freshness.py).
    assert index.refresh().read >= 1
    ledger.close()
    assert_views_agree(data, tmp_path, QUERIES)
    runner = CliRunner()
    listed = runner.invoke(main, ["--data-dir", str(data), "matches", "--format", "json"]).output
    assert quiet.id in listed
    # A document that no longer reads is left out of the views and named by export.
    os.truncate(board, 100)
    with stored_meetings(data, data / "ledger.sqlite3") as fresh:
        assert "oak_park/20261103/9003" not in [m.id for m in load_upcoming(fresh, query)]
        assert [p.name for p, _ in fresh.problems()] == [board.name]
    export = runner.invoke(main, ["--data-dir", str(data), "export", "--format", "ocd"])
    assert export.exit_code == 1 and f"skipped: {board}: not a readable meeting" in export.output
    scanned = select_meetings(load_meetings(data).meetings)
    assert [
        json.loads(line)["extras"]["agenda-watch/id"] for line in export.stdout.splitlines()
    ] == [
        json.loads(line)["extras"]["agenda-watch/id"]
        for line in export_lines(scanned, "ocd", NOW, [])
    ]
