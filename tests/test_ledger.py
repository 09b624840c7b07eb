"""The ledger on its own: SQLite layout migration; joined transactions, bill rows and alert state
on both backends (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.models import Notice, example_meeting
from pipeline.store.ledger import LEDGER_VERSION, Ledger

# The layout before versions (commit c884060), written out here to build a file as an existing
# installation has it: bills kept their key in subjects.meeting_id, which was NOT NULL.
V0_SUBJECTS = """
CREATE TABLE subjects (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, source TEXT NOT NULL, meeting_id TEXT NOT NULL,
    hash TEXT NOT NULL, relevant INTEGER NOT NULL DEFAULT 0, snapshot TEXT NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL
);
CREATE INDEX subjects_meeting ON subjects(meeting_id);
CREATE TABLE notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT, notice_key TEXT NOT NULL UNIQUE,
    thread_key TEXT NOT NULL, kind TEXT NOT NULL, source TEXT NOT NULL, channel TEXT,
    payload TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT, created_at TEXT NOT NULL, inflight_at TEXT, sent_at TEXT, ts TEXT,
    posted_channel TEXT
);
"""
SEEN = "2026-03-01T12:00:00+00:00"


def _v0_file(path: Path) -> None:
    db = sqlite3.connect(path)
    db.executescript(V0_SUBJECTS)
    rows = [
        ("bill:104:HB1312", "bill", "il-general-assembly", "bill:104:HB1312", {"stamp": "s1"}, 1),
        (
            "oak/20251202/1234",
            "meeting",
            "oak",
            "oak/20251202/1234",
            {"id": "oak/20251202/1234"},
            1,
        ),
        ("oak/20251202/1234/5678", "item", "oak", "oak/20251202/1234", {"title": "x"}, 1),
    ]
    db.executemany(
        "INSERT INTO subjects VALUES (?, ?, ?, ?, 'h', ?, ?, ?, ?)",
        [(i, k, s, m, r, json.dumps(snap), SEEN, SEEN) for i, k, s, m, snap, r in rows],
    )
    db.commit()
    db.close()


def test_an_old_ledger_file_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    _v0_file(path)
    ledger = Ledger(path)
    assert ledger.bill_snapshot("bill:104:HB1312") == {"stamp": "s1"}
    assert ledger.bill_stamps("il-general-assembly") == {"bill:104:HB1312": ("s1", SEEN)}
    meeting = example_meeting().model_copy(update={"source": "oak", "id": "oak/20251202/1234"})
    assert ledger.stored_meeting_id(meeting) == "oak/20251202/1234"
    ledger.close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == LEDGER_VERSION == 2
    keys = raw.execute("SELECT id, meeting_id, bill_key FROM subjects ORDER BY id").fetchall()
    assert keys == [
        ("bill:104:HB1312", None, "bill:104:HB1312"),
        ("oak/20251202/1234", "oak/20251202/1234", None),
        ("oak/20251202/1234/5678", "oak/20251202/1234", None),
    ]
    # Every table of the current layout exists after the migration.
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"subjects", "notices", "threads", "runs", "source_health", "meeting_index"} <= tables
    assert {"delivery_pause", "set_aside"} <= tables
    # Layout 2's claim and dead-letter columns were added to the old notices table.
    columns = [r[1] for r in raw.execute("PRAGMA table_info(notices)")]
    assert columns[-4:] == ["owner", "lease_until", "dead_at", "alerted_at"]
    assert {"reminders", "outcomes"} <= tables  # layout 2
    raw.close()
    Ledger(path).close()  # opening a current file again changes nothing
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM subjects").fetchone()[0] == 3


def test_a_newer_layout_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    sqlite3.connect(path).execute(f"PRAGMA user_version = {LEDGER_VERSION + 1}")
    with pytest.raises(RuntimeError, match="newer than this code"):
        Ledger(path)


def test_a_bill_row_has_a_bill_key_and_no_meeting(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    ledger.save_bill("bill:104:HB1", "il-general-assembly", {"stamp": "a", "tracked": True}, True)
    ledger.save_bill("bill:104:HB1", "il-general-assembly", {"stamp": "b"}, False)
    assert ledger.bill_snapshot("bill:104:HB1") == {"stamp": "b"}
    assert list(ledger.bill_stamps("il-general-assembly")) == ["bill:104:HB1"]
    assert ledger.bill_stamps("other") == {}
    raw = sqlite3.connect(tmp_path / "ledger.sqlite3")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):  # a bill row needs its bill key
        raw.execute(
            "INSERT INTO subjects (id, kind, source, meeting_id, hash, snapshot, first_seen,"
            " last_seen) VALUES ('b', 'bill', 's', 'b', '', '{}', '', '')"
        )


def test_writes_in_a_transaction_commit_or_roll_back_together(ledger_where: Path | str) -> None:
    ledger = Ledger(ledger_where)
    notice = Notice(
        id="t#1", kind="source_failing", thread_key="t", source="s", created_at=datetime.now(UTC)
    )
    with pytest.raises(RuntimeError, match="crash"), ledger.transaction():
        assert ledger.queue_notice(notice)
        ledger.set_source_alerting("s", True)
        raise RuntimeError("crash before the commit")
    assert not ledger.has_notice("t") and not ledger.source_alerting("s")
    with ledger.transaction():
        assert ledger.queue_notice(notice)
        ledger.set_source_alerting("s", True)
    assert ledger.has_notice("t", "source_failing") and not ledger.has_notice("t", "bill_new")
    assert ledger.source_alerting("s") and not ledger.queue_notice(notice)  # queued once
