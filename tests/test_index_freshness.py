"""The meeting index's freshness rule: only folders whose stamp moved have their files compared.

A folder (``meetings/<source>``) is sealed with its stamp and row count once its files have been
compared with their rows; a view then skips it until a file in it is created, renamed over or
deleted. The stored set is test_upcoming's (real agenda titles, real classifier). Most tests
seal folders at once (`SETTLED_NS` = 0, as if the files had been written long ago) and wait for
the file system's clock to tick before changing a folder, so a change can never share the
sealed stamp's tick (the case `SETTLED_NS` guards against, tested on its own below).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.models import Meeting
from pipeline.store import index as index_module
from pipeline.store.files import JsonStore, meeting_path
from pipeline.store.index import SEAL, MeetingIndex, Refreshed
from pipeline.store.ledger import IndexRow, Ledger
from tests.conftest import examples, make_settings
from tests.test_delivery_faults import meeting_notice, queue
from tests.test_doctor import PAGE, damage
from tests.test_index import QUERIES, assert_views_agree
from tests.test_upcoming import EXPECTED_IDS, FIRST, write_stored_meetings

QUIET = "oak_park/20261105/9005"  # in the window, no relevant item: not listed
FOLDERS = {"oak_park", "cook_county", "chicago", "il-general-assembly"}


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Folders count as settled as soon as they are looked at."""
    monkeypatch.setattr(index_module, "SETTLED_NS", 0)


def _cli(data: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--data-dir", str(data), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _upcoming_ids(data: Path) -> list[str]:
    out = _cli(data, "upcoming", "--from", FIRST.isoformat(), "--format", "json")
    return [m["id"] for m in json.loads(out)["meetings"]]


def _matched_ids(data: Path) -> set[str]:
    return {row["meeting_id"] for row in json.loads(_cli(data, "matches", "--format", "json"))}


def _next_tick(data: Path) -> None:
    """Wait until a change made now gets a later change time than any folder has."""
    latest = max(p.stat().st_ctime_ns for p in (data / "meetings").iterdir())
    probe = data / "probe"
    while True:
        probe.write_bytes(b"")
        if probe.stat().st_ctime_ns > latest:
            probe.unlink()
            return
        time.sleep(0.001)


def _with_hot_item(meeting: Meeting, hot_from: Meeting) -> Meeting:
    """`meeting` given the first relevant item of `hot_from`."""
    hot = hot_from.relevant_items()[0]
    return meeting.model_copy(
        update={"items": [*meeting.items, hot.model_copy(update={"id": f"{meeting.id}/hot"})]}
    )


def _refresh(data: Path) -> Refreshed:
    ledger = Ledger(data / "ledger.sqlite3")
    try:
        return MeetingIndex(data, ledger).refresh()
    finally:
        ledger.close()


def test_files_added_replaced_or_deleted_behind_the_index_are_seen(
    tmp_path: Path, settled: None
) -> None:
    data = tmp_path / "data"
    store = write_stored_meetings(data)
    assert _upcoming_ids(data) == EXPECTED_IDS
    ledger = Ledger(data / "ledger.sqlite3")
    assert set(ledger.index_states(SEAL)) == {f"{SEAL}{name}" for name in FOLDERS}
    ledger.close()
    # Every folder sealed: the next refresh compares no file at all.
    assert _refresh(data) == Refreshed(read=0, dropped=0, rebuilt=False, looked=0)
    _next_tick(data)
    by_id = {m.id: m for m in store.iter_meetings()}
    board = by_id["oak_park/20261103/9003"]
    # Added, in a new folder: another town's board meeting.
    added = board.model_copy(
        update={"id": "evanston/20261103/E-17", "source": "evanston", "platform_id": "E-17"}
    )
    store.write(added)
    # Replaced (written beside, renamed over): the quiet Oak Park meeting gets a relevant item.
    store.write(_with_hot_item(by_id[QUIET], board))
    # Deleted: the Chicago meeting's file; removed with its folder: the ILGA hearing.
    meeting_path(data, "chicago/20261102/C-4411").unlink()
    shutil.rmtree(data / "meetings" / "il-general-assembly")
    expected = [  # at the same start, by source
        "oak_park/20261027/9001",
        "cook_county/20261029/9102",
        added.id,
        "oak_park/20261103/9003",
        "cook_county/20261105/9101",
        QUIET,  # 6 pm, after the county's 11 am
    ]
    assert _upcoming_ids(data) == expected
    assert added.id in _matched_ids(data) and QUIET in _matched_ids(data)
    assert _refresh(data).looked == 0  # sealed again by the view
    assert_views_agree(data, tmp_path, QUERIES)
    # One file deleted in one untouched folder: only that folder is looked into.
    _next_tick(data)
    meeting_path(data, "cook_county/20261029/9102").unlink()
    assert _refresh(data) == Refreshed(read=0, dropped=1, rebuilt=False, looked=1)
    assert "cook_county/20261029/9102" not in _upcoming_ids(data)


def test_a_file_rewritten_in_place_is_the_documented_limit(tmp_path: Path, settled: None) -> None:
    """Not replaced, overwritten: its folder's stamp stays, so refreshes do not look at it.

    What a view shows is still never stale (each document read is checked against its row),
    and ``reindex --changed`` or touching the folder brings the edit in.
    """
    data = tmp_path / "data"
    store = write_stored_meetings(data)
    assert _upcoming_ids(data) == EXPECTED_IDS and QUIET not in _matched_ids(data)
    _next_tick(data)
    by_id = {m.id: m for m in store.iter_meetings()}
    board = by_id["oak_park/20261103/9003"]
    with meeting_path(data, QUIET).open("r+b") as fh:  # in place: same inode, folder unchanged
        fh.write(_with_hot_item(by_id[QUIET], board).model_dump_json(indent=2).encode())
        fh.truncate()
    cancelled = board.model_copy(update={"status": "cancelled"})
    meeting_path(data, board.id).write_text(cancelled.model_dump_json(indent=2))
    # The limit: no refresh looks into the sealed folder, so the newly relevant item is missed…
    assert QUIET not in _matched_ids(data)
    assert QUIET not in _upcoming_ids(data)
    # …but a document the view reads is judged by what its file says now.
    out = _cli(data, "upcoming", "--from", FIRST.isoformat(), "--format", "json")
    shown = {m["id"]: m for m in json.loads(out)["meetings"]}
    assert shown[board.id]["status"] == "cancelled"
    # `reindex --changed` compares every file's stat and reads the changed ones only.
    result = CliRunner().invoke(main, ["--data-dir", str(data), "reindex", "--changed"])
    assert result.exit_code == 0, result.output
    assert "1 changed file(s) read again" in result.stderr  # the board's row was fixed on read
    assert "indexed 10 stored meeting(s)" in result.stdout
    assert QUIET in _matched_ids(data)
    # Touching the folder does the same for the next view: last week's board meeting moved
    # into the window, in place again.
    _next_tick(data)
    last_week = by_id["oak_park/20261020/8999"]
    moved = last_week.model_copy(update={"start": last_week.start + timedelta(days=7)})
    with meeting_path(data, last_week.id).open("r+b") as fh:
        fh.write(moved.model_dump_json(indent=2).encode())
        fh.truncate()
    assert last_week.id not in _upcoming_ids(data)
    os.utime(data / "meetings" / "oak_park")
    assert _upcoming_ids(data)[:2] == [last_week.id, "oak_park/20261027/9001"]  # same start
    assert_views_agree(data, tmp_path, QUERIES)


def test_a_folder_changed_moments_ago_is_not_sealed(tmp_path: Path) -> None:
    """Within `SETTLED_NS` a folder's stamp may not move for a change in the same clock tick."""
    data = tmp_path / "data"
    write_stored_meetings(data)
    assert _upcoming_ids(data) == EXPECTED_IDS
    ledger = Ledger(data / "ledger.sqlite3")
    assert ledger.index_states(SEAL) == {}
    ledger.close()
    done = _refresh(data)
    assert (done.read, done.looked) == (0, len(FOLDERS))  # compared again, nothing read
    # A file added at once (possibly within the same tick as the look) is seen.
    extra = JsonStore(data).read("oak_park/20261103/9003")
    JsonStore(data).write(
        extra.model_copy(update={"id": "oak_park/20261104/9006", "platform_id": "9006"})
    )
    assert "oak_park/20261104/9006" in _upcoming_ids(data)


def test_rows_lost_from_a_sealed_folder_are_read_again(tmp_path: Path, settled: None) -> None:
    """A seal holds the folder's row count too: rows deleted from the ledger are noticed."""
    data = tmp_path / "data"
    write_stored_meetings(data)
    assert _upcoming_ids(data) == EXPECTED_IDS
    raw = sqlite3.connect(data / "ledger.sqlite3")
    raw.execute("DELETE FROM meeting_index WHERE path LIKE 'oak_park/%'")
    raw.commit()
    raw.close()
    assert _refresh(data) == Refreshed(read=5, dropped=0, rebuilt=False, looked=1)
    assert _upcoming_ids(data) == EXPECTED_IDS


FOLDER_NAMES = st.text(alphabet="ab-._0/~", min_size=1, max_size=4).filter(lambda s: "/" not in s)


@settings(max_examples=examples(60), deadline=None)
@given(files=st.sets(st.tuples(FOLDER_NAMES, st.sampled_from(["1.json", "2.json", "x.json"]))))
def test_folders_and_their_rows_are_found_without_a_scan(
    tmp_path_factory: pytest.TempPathFactory, files: set[tuple[str, str]]
) -> None:
    """Names sorting around "/" ("a-b", "a.b", "a0") never hide a folder or mix two up."""
    ledger = Ledger(tmp_path_factory.mktemp("ledger") / "ledger.sqlite3")
    try:
        paths = [f"{folder}/{name}" for folder, name in files]
        ledger.index_put(IndexRow(p, 1, 2, 3, "x") for p in paths)
        expected = Counter(folder for folder, _ in files)
        assert ledger.index_folders() == dict(expected)
        for folder in expected:
            assert set(ledger.index_stamps(folder)) == {
                p for p in paths if p.startswith(f"{folder}/")
            }
        assert ledger.index_count() == len(paths)
    finally:
        ledger.close()


def test_a_view_reads_the_ledger_only_where_it_looks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No whole-file integrity check before a view: damage elsewhere leaves it working.

    Damage it does read is still one line pointing at ``doctor``; ``notices`` reads the
    damaged pages and says so.
    """
    settings = make_settings(tmp_path, "http://127.0.0.1:9/", monkeypatch)
    write_stored_meetings(settings.data_dir)
    assert _upcoming_ids(settings.data_dir) == EXPECTED_IDS  # the index: the ledger's first pages
    queue(settings, *[meeting_notice(n) for n in range(200)])  # then ~100 pages of notices
    damage(settings.ledger_path, settings.ledger_path.stat().st_size // PAGE - 3)
    assert _upcoming_ids(settings.data_dir) == EXPECTED_IDS
    listed = CliRunner().invoke(main, ["notices"])
    assert listed.exit_code == 1 and "is damaged" in listed.stderr
    damage(settings.ledger_path, 0, pages=2)  # the header and schema: every read fails
    args = ["upcoming", "--from", FIRST.isoformat()]
    out = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), *args])
    assert out.exit_code == 1
    assert f"the ledger {settings.ledger_path} is damaged" in out.stderr
    assert "agenda-watch doctor" in out.stderr and "Traceback" not in out.output
