"""A damaged ledger: one line naming the file and the way out; ``agenda-watch doctor`` salvages
what can be read, sets aside what no longer decodes, and says what it did. Nothing is deleted.

The damage is made by hand (random bytes over one page, or over the whole file header), as a
failing disk or an interrupted copy would leave it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import main
from pipeline.deliver.outbox import deliver
from pipeline.ingest.crawl import crawl_one
from pipeline.replay import ReplayServer
from pipeline.settings import Settings
from pipeline.store.ledger import Ledger, LedgerDamaged
from pipeline.store.ledger import base as ledger_base
from tests.conftest import make_settings
from tests.test_delivery_faults import meeting_notice, queue

PAGE = 4096


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def damage(path: Path, page: int, pages: int = 1) -> None:
    """Random bytes over `pages` pages from `page` (page 0 holds the file header)."""
    with open(path, "r+b") as fh:
        fh.seek(page * PAGE)
        fh.write(os.urandom(pages * PAGE))
    ledger_base.CHECKED_FILES.clear()  # a new process would check the file again


def test_a_damaged_page_is_one_line_and_doctor_salvages_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path, "http://127.0.0.1:9/", monkeypatch)
    queue(settings, *[meeting_notice(n) for n in range(200)])
    pages = settings.ledger_path.stat().st_size // PAGE
    damage(settings.ledger_path, pages // 2)

    for args in (["deliver"], ["notices"]):
        out = cli(*args)
        assert out.exit_code == 1
        [line] = out.stderr.strip().splitlines()
        assert line == (
            f"error: the ledger {settings.ledger_path} is damaged (database disk image is "
            "malformed); run `agenda-watch doctor` to salvage what can be read (the damaged "
            "file is kept)"
        )
        assert "Traceback" not in out.output

    report = cli("doctor")
    assert report.exit_code == 0, report.output
    lines = report.stdout.splitlines()
    assert lines[0].startswith(f"ledger {settings.ledger_path}: damaged:")
    kept = Path(lines[1].removeprefix("moved the damaged ledger to "))
    assert kept.exists() and kept.name.startswith("ledger.sqlite3.damaged-")
    [notices_line] = [ln for ln in lines if ln.startswith("notices: ")]
    recovered = int(notices_line.split()[1])
    assert 190 <= recovered < 200 and "unreadable row number(s) skipped" in notices_line
    listed = cli("notices")
    assert listed.exit_code == 0
    assert listed.stdout.startswith(f"queued: {recovered}, inflight: 0, sent: 0, dead: 0")
    assert "nothing to repair" in cli("doctor").stdout  # the new file is sound


def test_a_lost_ledger_is_rebuilt_without_announcing_its_meetings_again(
    tmp_path: Path, replay: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path, replay.base_url, monkeypatch)
    assert crawl_one(settings, "demo_oak_park", 60).notices == 1
    run_deliver(settings)
    damage(settings.ledger_path, 0, pages=2)  # not even a database any more
    with pytest.raises(LedgerDamaged, match="file is not a database"):
        Ledger(settings.ledger_path)
    lines = cli("doctor").stdout.splitlines()
    assert "subjects: nothing could be read (file is not a database)" in lines
    assert "re-seeded 2 meeting thread(s) from their stored documents" in lines
    # The next crawl finds the same meetings: nothing is announced a second time.
    again = crawl_one(settings, "demo_oak_park", 60)
    assert again.ok and again.notices == 0


def test_doctor_sets_aside_notices_and_rows_that_no_longer_decode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path, "http://127.0.0.1:9/", monkeypatch)
    rows = queue(settings, meeting_notice(1), meeting_notice(2))
    raw = sqlite3.connect(settings.ledger_path)
    [(text,)] = raw.execute("SELECT payload FROM notices WHERE id = ?", (rows[0],)).fetchall()
    payload = json.loads(text)
    payload["meeting"]["timezone"] = "Mars/Phobos"
    raw.execute("UPDATE notices SET payload = ? WHERE id = ?", (json.dumps(payload), rows[0]))
    raw.execute(
        "INSERT INTO subjects (id, kind, source, meeting_id, hash, snapshot, first_seen,"
        " last_seen) VALUES ('m/1', 'meeting', 's', 'm/1', 'h', '{not json', 'x', 'x')"
    )
    raw.commit()
    raw.close()
    lines = cli("doctor").stdout.splitlines()
    assert lines == [
        f"ledger {settings.ledger_path}: integrity check ok",
        f"notice {rows[0]} ({meeting_notice(1).id}) set dead: payload no longer validates: "
        "meeting.timezone: Value error, not an IANA time zone: 'Mars/Phobos'",
        "ledger row m/1 set aside: its snapshot is not JSON",
    ]
    assert f"#{rows[0]:<6} dead" in cli("notices", "--dead").stdout
    raw = sqlite3.connect(settings.ledger_path)
    assert raw.execute("SELECT from_table, row_key, data FROM set_aside").fetchall() == [
        ("subjects", "m/1", "{not json")
    ]


def run_deliver(settings: Settings) -> None:
    ledger = Ledger(settings.ledger_path)
    try:
        deliver(settings, ledger)
    finally:
        ledger.close()
