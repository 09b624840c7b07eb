"""The PostgreSQL ledger beside the SQLite one: the same schema, the same answers to the same
calls, atomic claims under real concurrency (threads with their own connections), its secret
never shown, and the data dir's views (`stored_meetings`, `doctor`) working through it."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from pipeline.cli import main
from pipeline.models import Notice, example_meeting
from pipeline.redact import redact
from pipeline.settings import Settings
from pipeline.store.doctor import doctor
from pipeline.store.index import stored_meetings
from pipeline.store.ledger import SCHEMA, IndexRow, IndexSelection, Ledger
from pipeline.store.ledger.postgres import LedgerUnavailable, shown_url
from tests.pgserver import fresh_url

LEASE = timedelta(minutes=10)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def pg_url(pg_server: str) -> str:
    return fresh_url(pg_server)


def notice(thread: str, n: int) -> Notice:
    return Notice(
        id=f"{thread}#{n}", kind="new_matches", thread_key=thread, source="s", created_at=NOW
    )


def _tables() -> list[str]:
    return [s.split()[5] for s in SCHEMA if s.startswith("CREATE TABLE")]


def test_the_schema_is_the_same_table_by_table_column_by_column(
    pg_url: str, tmp_path: Path
) -> None:
    Ledger(pg_url).close()
    Ledger(tmp_path / "l.sqlite3").close()
    raw = sqlite3.connect(tmp_path / "l.sqlite3")
    tables = _tables()
    assert len(tables) == 11 and "notices" in tables and "meeting_index" in tables
    with psycopg.connect(pg_url) as pg:
        for table in tables:
            info = raw.execute(f"PRAGMA table_info({table})").fetchall()
            lite = [(r[1], bool(r[3])) for r in info]
            keys = {r[1] for r in info if r[5]}
            cols = pg.execute(
                "SELECT column_name, is_nullable = 'NO' FROM information_schema.columns"
                " WHERE table_name = %s AND table_schema = current_schema()"
                " ORDER BY ordinal_position",
                (table,),
            ).fetchall()
            # SQLite lets primary-key columns be NULL (its quirk); PostgreSQL does not.
            assert [c for c, _ in cols] == [c for c, _ in lite], table
            assert [n for c, n in cols if c not in keys] == [n for c, n in lite if c not in keys], (
                table
            )
        assert pg.execute("SELECT value FROM ledger_meta WHERE key = 'layout'").fetchone() == ("2",)
        # Every text column compares bytewise, as SQLite's and Python's strings do.
        collations = pg.execute(
            "SELECT DISTINCT collation_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND data_type = 'text'"
        ).fetchall()
        assert collations == [("C",)]
        # The bill/meeting CHECK holds on PostgreSQL too.
        with pytest.raises(psycopg.errors.CheckViolation):
            pg.execute(
                "INSERT INTO subjects (id, kind, source, meeting_id, hash, snapshot, first_seen,"
                " last_seen) VALUES ('b', 'bill', 's', 'b', '', '{}', '', '')"
            )


def _exercise(ledger: Ledger) -> list[Any]:
    """The same calls, in the same order; what each answered (times and row ids left out)."""
    out: list[Any] = []
    out.append([ledger.queue_notice(notice(f"t{n % 3}", n)) for n in range(6)])
    out.append(ledger.queue_notice(notice("t0", 0)))  # queued once
    claims = [ledger.claim_next(o, LEASE) for o in "ABCD"]  # one per thread, then none
    out.append([c.key if c else None for c in claims])
    first = claims[0]
    assert first is not None
    out.append(ledger.begin_post(first, "C1", LEASE))
    out.append(ledger.mark_sent(first, "1.0", ("t0", "C1")))
    out.append(ledger.mark_sent(first, "1.0", ("t0", "C1")))  # no longer a claim
    assert claims[1] is not None and claims[2] is not None
    out.append(ledger.release(claims[1], "Slack said internal_error"))
    out.append(ledger.mark_dead(claims[2], "Slack said invalid_blocks"))
    out.append(ledger.take_over(claims[1], "R", LEASE))  # released: nothing to take over
    out.append(sorted(ledger.counts().items()))
    out.append([(r.key, r.state, r.attempts, r.last_error) for r in ledger.pending(("queued",), 3)])
    out.append(ledger.thread_ts("t0", "C1"))
    out.append(ledger.retry_dead(claims[2].row_id, "C9", reset_channel=True))
    out.append(ledger.has_notice("t1") and not ledger.has_notice("t9"))
    ledger.pause_delivery(NOW + timedelta(days=9999), "rate limited")
    ledger.pause_delivery(NOW, "earlier: kept the later one")
    paused = ledger.delivery_paused()
    out.append(paused and paused[1])
    ledger.save_bill("bill:104:HB1", "il-ga", {"stamp": "s1", "n": 1}, True)
    ledger.save_bill("bill:104:HB1", "il-ga", {"stamp": "s2"}, False, touch_last_seen=False)
    out.append(
        (ledger.bill_snapshot("bill:104:HB1"), list(ledger.bill_stamps("il-ga").items())[0][1][0])
    )
    ledger.start_run("r1", "oak")
    ledger.finish_run("r1", "oak", meetings=3, errors=1, message="token=abc123secret broke")
    ledger.start_run("r1", "oak")  # started again: afresh
    ledger.finish_run("r1", "oak", meetings=2)
    run = ledger.run("r1")
    assert run is not None
    out.append((run["meetings"], run["errors"], run["message"]))
    out.append([r["run_id"] for r in ledger.finished_runs("oak")])
    ledger.set_source_alerting("oak", True)
    out.append(ledger.source_alerting("oak"))
    meeting = example_meeting()
    out.append(len(ledger.record_meeting(meeting)))
    out.append(ledger.stored_meeting_id(meeting))
    rows = [
        IndexRow(
            f"oak/{n}.json",
            10**18 + n,
            100,
            2**40 + n,
            "h",
            None,
            f"m{n}",
            "oak",
            f"oak/{n}",
            "p1" if n < 2 else f"p{n}",
            f"2026-03-0{n + 1}T00:00:00.000000",
            f"2026-03-1{n}T00:00:00.000000",
            f"2026-03-1{n}",
            "scheduled",
            n % 2,
            "welcoming_ordinance detention" if n % 2 else "",
            1,
        )
        for n in range(4)
    ]
    ledger.index_put(rows)
    ledger.index_put([IndexRow("bad.json", 1, 2, 3, "h", "not a meeting")])
    ledger.index_put(rows[:1])  # the same path again: replaced, not doubled
    out.append(len(ledger.index_stamps()))
    picks = IndexSelection(topics=frozenset({"detention"}), relevant=True)
    out.append([r.path for r in ledger.index_select(picks)])
    out.append([r.path for r in ledger.index_select(IndexSelection(latest=True))])
    out.append((sorted(ledger.index_sources()), ledger.index_problems()))
    # Same start, sources whose order depends on the collation: bytewise "Zion" < "arlington".
    same_time = [
        IndexRow(
            f"{s}/x.json",
            1,
            1,
            1,
            "h",
            None,
            f"{s}-1",
            s,
            f"{s}/1",
            f"{s}-p",
            "2026-04-01T00:00:00.000000",
            "2026-04-02T00:00:00.000000",
            "2026-04-02",
        )
        for s in ("arlington", "Zion", "oak_park", "oakbrook")
    ]
    ledger.index_put(same_time)
    out.append([r.source for r in ledger.index_select(IndexSelection(first_local="2026-04-02"))])
    ledger.index_drop([r.path for r in same_time])
    ledger.set_index_state("version", "1")
    ledger.set_index_state("version", "2", replace=False)
    out.append(ledger.index_state("version"))
    ledger.index_drop(["oak/0.json"])
    out.append(len(ledger.index_stamps()))
    return out


def test_both_backends_answer_the_same_calls_the_same_way(pg_url: str, tmp_path: Path) -> None:
    lite, pg = Ledger(tmp_path / "l.sqlite3"), Ledger(pg_url)
    try:
        answers = _exercise(lite)
        assert _exercise(pg) == answers
    finally:
        lite.close()
        pg.close()
    # A few of the answers, as facts: one claim per thread, the later pause kept, the run
    # started again afresh, the superseded copy (same platform id, scraped earlier) left out.
    assert answers[2] == ["t0#0", "t1#1", "t2#2", None]
    assert answers[14] == "rate limited"
    assert answers[15] == ({"stamp": "s2"}, "s2")
    assert answers[16] == (2, 0, None)
    assert answers[22] == ["oak/1.json", "oak/3.json"]
    assert answers[23] == ["oak/1.json", "oak/2.json", "oak/3.json"]
    assert answers[25] == ["Zion", "arlington", "oak_park", "oakbrook"]  # bytewise, as in Python


def test_threads_with_their_own_connections_claim_each_notice_once_in_thread_order(
    pg_url: str,
) -> None:
    setup = Ledger(pg_url)
    for n in range(120):
        setup.queue_notice(notice(f"t{n % 10}", n))
    setup.close()
    sent: list[tuple[str, int]] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        ledger = Ledger(pg_url)
        try:
            while (claim := ledger.claim_next(name, LEASE)) is not None:
                with lock:  # the "post": thread order is checked when it is taken
                    sent.append((claim.thread_key, int(claim.key.split("#")[1])))
                assert ledger.begin_post(claim, "C1", LEASE)
                assert ledger.mark_sent(claim, f"{claim.row_id}.0", None)
        except BaseException as exc:
            errors.append(exc)
        finally:
            ledger.close()

    workers = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert errors == []
    assert Counter(sent) == Counter((f"t{n % 10}", n) for n in range(120))  # each once
    for thread in {t for t, _ in sent}:
        order = [n for t, n in sent if t == thread]
        assert order == sorted(order), thread  # no follow-up overtook an earlier notice
    check = Ledger(pg_url)
    assert check.counts() == {"sent": 120}
    check.close()


def test_a_password_in_the_url_is_never_shown(pg_server: str) -> None:
    url = "postgresql://watcher:Hunter2-Hunter2@127.0.0.1:1/agenda?connect_timeout=2"
    with pytest.raises(LedgerUnavailable) as caught:
        Ledger(url)
    message = str(caught.value)
    assert message.startswith("cannot open the ledger postgresql://watcher@127.0.0.1:1/agenda: ")
    assert "Hunter2" not in message
    assert "Hunter2" not in redact(f"connecting to {url} and Hunter2-Hunter2 alone")
    in_query = "postgresql://u@127.0.0.1:1/db?password=Zebra-Zebra-9&connect_timeout=2"
    with pytest.raises(LedgerUnavailable) as caught:
        Ledger(in_query)
    assert str(caught.value).startswith("cannot open the ledger postgresql://u@127.0.0.1:1/db: ")
    assert "Zebra" not in str(caught.value)
    assert "Zebra" not in redact("later, alone: Zebra-Zebra-9")  # learnt from the query


def test_the_cli_names_an_unreachable_ledger_in_one_line_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "postgresql://watcher:Narwhal-Narwhal@127.0.0.1:1/agenda?connect_timeout=2"
    monkeypatch.setenv("AGENDA_WATCH_LEDGER_URL", url)
    result = CliRunner().invoke(main, ["notices"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "error: cannot open the ledger postgresql://watcher@127.0.0.1:1/agenda: "
    )
    assert len(result.output.strip().splitlines()) == 1 and "Narwhal" not in result.output


def test_the_setting_takes_postgresql_urls_only_and_never_echoes_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AGENDA_WATCH_DATA_DIR", str(tmp_path))
    assert Settings().ledger == tmp_path / "ledger.sqlite3"  # the default
    monkeypatch.setenv("AGENDA_WATCH_LEDGER_URL", "mysql://root:Walrus-Walrus@db/x")
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "must be a postgresql:// URL" in str(caught.value)
    assert "Walrus" not in str(caught.value)
    monkeypatch.setenv("AGENDA_WATCH_LEDGER_URL", " postgresql://u:Walrus-Walrus@db/x ")
    settings = Settings()
    assert settings.ledger == "postgresql://u:Walrus-Walrus@db/x"
    assert "Walrus" not in repr(settings) and "Walrus" not in redact(str(settings.ledger))
    assert settings.child_env()["AGENDA_WATCH_LEDGER_URL"] == "postgresql://u:Walrus-Walrus@db/x"


def test_views_and_doctor_work_through_a_postgresql_ledger(pg_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "meetings" / "oak").mkdir(parents=True)
    meeting = example_meeting()
    (data / "meetings" / "oak" / "m.json").write_text(meeting.model_dump_json(), encoding="utf-8")
    (data / "meetings" / "oak" / "broken.json").write_text("{not json", encoding="utf-8")
    with stored_meetings(data, pg_url) as index:
        shown = list(index.meetings(IndexSelection()))
    assert [m.id for m in shown] == [meeting.id]
    with psycopg.connect(pg_url) as pg:
        pg.execute(
            "INSERT INTO subjects (id, kind, source, meeting_id, hash, snapshot, first_seen,"
            " last_seen) VALUES ('x', 'meeting', 's', 'x', '', '{cut', '', '')"
        )
    lines = doctor(data, pg_url)
    assert lines[0] == f"ledger {shown_url(pg_url)}: PostgreSQL (the server checks its own pages)"
    assert "ledger row x set aside: its snapshot is not JSON" in lines
    with psycopg.connect(pg_url) as pg:
        assert pg.execute("SELECT row_key, reason FROM set_aside").fetchall() == [
            ("x", "snapshot is not JSON")
        ]
