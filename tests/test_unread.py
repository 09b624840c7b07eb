"""Unread agendas are loud: counted in the run line and `agenda-watch sources`, one note each.

The engine tests crawl a recorded Legistar Web API site through the real Scrapy engine. The event
records are BUILT in the documented shape (as in tests/test_agenda_split.py); the agenda
documents they link are the real PDFs of tests/fixtures/pdf (PROVENANCE.md there), some made
unreadable here: cut in half (damaged), encrypted with pypdf, or scanned with the OCR engine
setting pointing at no binary. Notes go through the real slack-sdk to the local fake Slack.
"""

from __future__ import annotations

import gzip
import io
import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.deliver.outbox import deliver
from pipeline.deliver.slack import render
from pipeline.ingest.crawl import CrawlResult, crawl_one
from pipeline.ingest.unread import reason_of, unread_notice, unread_of, version_of
from pipeline.models import Classification, Document, Meeting, Unread, example_meeting
from pipeline.replay import ReplayServer
from pipeline.settings import Settings
from pipeline.store.files import JsonStore
from pipeline.store.health import source_health
from pipeline.store.ledger import Ledger
from tests.conftest import TOPICS
from tests.fakeslack import VALID_TOKEN, FakeSlackServer
from tests.test_agenda_split import _event as legistar_event

PDFS = Path(__file__).parent / "fixtures" / "pdf"
AGENDA = PDFS / "il_warrenville_library_board_agenda_2020-01-15.pdf"  # 21 numbered items
SCANNED = PDFS / "il_warrenville_library_board_agenda_2018-08-15_scanned_no_text.pdf"
UNNUMBERED = PDFS / "il_doc_advisory_board_agenda_2019-11-04_unnumbered.pdf"
CHANNEL = "C0AGENDA01"
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def _encrypted(path: Path) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(path))
    writer.encrypt("secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _event(event_id: int, day: int, body: str = "Village Board", status: str = "Final") -> Any:
    """A Legistar /events record (tests/test_agenda_split.py's shape) of `body`, with `status`."""
    record = legistar_event(event_id, f"2026-12-{day:02d}")
    return {**record, "EventBodyName": body, "EventAgendaStatusName": status}


class Site:
    """A recorded Legistar site: one event per agenda document, served until the test ends."""

    def __init__(
        self,
        tmp_path: Path,
        events: list[Any],
        docs: dict[int, bytes | Path],
        gzipped: frozenset[int] = frozenset(),
    ) -> None:
        self.root = tmp_path / "recordings"
        self.root.mkdir()
        routes: list[dict[str, Any]] = [
            {"path": "/v1/testville/events", "query": {"$skip": "0"}, "file": "events.json",
             "content_type": "application/json"},
        ]  # fmt: skip
        (self.root / "events.json").write_text(json.dumps(events))
        (self.root / "items.json").write_text("[]")
        for event in events:
            eid = event["EventId"]
            routes.append(
                {"path": f"/v1/testville/events/{eid}/eventitems", "file": "items.json",
                 "content_type": "application/json"}
            )  # fmt: skip
            if eid in docs:  # an event without a document here answers 404 (download failed)
                routes.append(
                    {"path": f"/docs/agenda_{eid}.pdf", "file": f"agenda_{eid}.pdf",
                     "content_type": "application/pdf",
                     "headers": {"Content-Encoding": "gzip"} if eid in gzipped else {}}
                )  # fmt: skip
                self.put(eid, docs[eid])
        (self.root / "routes.json").write_text(json.dumps({"routes": routes}))

    def put(self, event_id: int, content: bytes | Path) -> None:
        dest = self.root / f"agenda_{event_id}.pdf"
        if isinstance(content, Path):
            shutil.copyfile(content, dest)
        else:
            dest.write_bytes(content)


def _configure(
    tmp_path: Path, base_url: str, monkeypatch: pytest.MonkeyPatch, slack: FakeSlackServer
) -> Settings:
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    shutil.copyfile(TOPICS, config / "topics.yaml")
    source = {
        "id": "testville",
        "name": "Village of Testville",
        "jurisdiction": "Village of Testville, IL",
        "platform": "legistar",
        "slug": "testville",
        "api_url": f"{base_url}/v1/testville",
        "bodies": ["Village Board"],
    }
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}))
    monkeypatch.setenv("AGENDA_WATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AGENDA_WATCH_CONFIG_DIR", str(config))
    monkeypatch.setenv("AGENDA_WATCH_TODAY", "2026-12-01")
    monkeypatch.setenv("SLACK_BOT_TOKEN", VALID_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.setenv("SLACK_CHANNEL", CHANNEL)
    return Settings()


def _notes(settings: Settings) -> list[Any]:
    ledger = Ledger(settings.ledger_path)
    try:
        return [q.notice for q in ledger.pending(("queued", "inflight", "sent"))]
    finally:
        ledger.close()


def _deliver(settings: Settings) -> int:
    ledger = Ledger(settings.ledger_path)
    try:
        report = deliver(settings, ledger)
    finally:
        ledger.close()
    assert not report.errors, report.errors
    return report.sent


def _crawl(settings: Settings) -> CrawlResult:
    result = crawl_one(settings, "testville", 120)
    assert result.returncode == 0 and result.finish_reason == "finished", result.message
    return result


# --- through the real engine ------------------------------------------------------------------


def test_unreadable_agendas_are_counted_and_noted_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: FakeSlackServer
) -> None:
    events = [
        _event(9401, 8),  # damaged: the real agenda cut in half
        _event(9402, 9),  # scanned, and the OCR engine is missing
        _event(9403, 10),  # the document answers 404
        _event(9404, 11),  # encrypted
        _event(9405, 12),  # readable text, but no numbered items
        _event(9406, 14),  # read: 21 numbered items
        _event(9407, 15, status="Canceled"),  # cancelled: its damaged agenda no longer matters
        _event(9408, 16, body="Plan Commission"),  # outside the source's bodies: not watched
    ]
    half = AGENDA.read_bytes()[: AGENDA.stat().st_size // 2]
    docs: dict[int, bytes | Path] = {
        9401: half,
        9402: SCANNED,
        9404: _encrypted(AGENDA),
        9405: UNNUMBERED,
        9406: AGENDA,
        9407: half,
        9408: half,
    }
    site = Site(tmp_path, events, docs)
    missing_engine = str(tmp_path / "no-tesseract")
    monkeypatch.setenv("AGENDA_WATCH_OCR_ENGINE", missing_engine)
    with ReplayServer(site.root) as server:
        settings = _configure(tmp_path, server.base_url, monkeypatch, slack)
        first = _crawl(settings)
        assert (first.meetings, first.unread, first.errors) == (7, 5, 0)
        assert " 0 errors  5 not read " in first.line()
        stored = {m.platform_id: m for m in JsonStore(settings.data_dir).iter_meetings()}
        assert stored["9406"].unread is None and len(stored["9406"].items) == 34
        assert stored["9407"].status == "cancelled" and stored["9407"].unread is None
        assert stored["9401"].unread is not None and stored["9401"].items == []

        notes = [n for n in _notes(settings) if n.kind == "agenda_unread"]
        by_event = {int(n.meeting.platform_id): n.meeting.unread for n in notes}
        assert sorted(by_event) == [9401, 9402, 9403, 9404, 9405]
        reasons = {eid: u.reason for eid, u in by_event.items()}
        assert reasons == {
            9401: "damaged",
            9402: "needs OCR",
            9403: "download failed",
            9404: "encrypted",
            9405: "no items found",
        }
        assert by_event[9403].detail == "download failed: HTTP 404"
        assert by_event[9402].detail == (
            "no text layer (scanned or outlined glyphs): needs OCR "
            f"(OCR engine not installed ({missing_engine!r}))"
        )
        for eid, unread in by_event.items():
            assert str(unread.url) == f"{server.base_url}/docs/agenda_{eid}.pdf"

        # One short message each, top-level (no thread yet), with the document's link.
        assert _deliver(settings) == 5
        posted = {m["metadata"]["event_payload"]["notice_id"]: m for m in slack.fake.messages}
        assert len(posted) == 5 and all(m["thread_ts"] is None for m in posted.values())
        scanned = next(m for k, m in posted.items() if "9402" in k)
        text = scanned["blocks"][0]["text"]["text"]
        assert text.startswith("*Agenda not read* · Village of Testville, IL\n")
        assert "Village Board" in text
        assert f"<{server.base_url}/docs/agenda_9402.pdf|The agenda> could not be read" in text
        assert "(needs OCR): please look at it by hand." in text
        assert scanned["text"].startswith("Agenda not read (needs OCR): Village Board")

        # The same pages again: the same five are not read, nothing new is queued or posted.
        again = _crawl(settings)
        assert (again.unread, again.notices) == (5, 0)
        assert _deliver(settings) == 0 and len(slack.fake.messages) == 5

        ledger = Ledger(settings.ledger_path)
        try:
            assert source_health(ledger, "testville").last_unread == 5
        finally:
            ledger.close()
        shown = CliRunner().invoke(main, ["sources"])
        assert shown.exit_code == 0, shown.output
        [row] = [line for line in shown.output.splitlines() if line.startswith("testville ")]
        # The note names the unread agendas first, then the run's own message (the 404).
        assert " 5 not read; HTTP 404 from 127.0.0.1" in row

        # The damaged agenda is replaced by a readable one: no note (nothing relevant on it),
        # and a new damaged version of another agenda is noted once more.
        site.put(9401, AGENDA)
        site.put(9405, AGENDA.read_bytes()[:4000])
        third = _crawl(settings)
        assert third.unread == 4
        assert _deliver(settings) == 1
        newest = slack.fake.messages[-1]
        assert "agenda_9405.pdf|The agenda> could not be read (damaged)" in json.dumps(
            newest["blocks"]
        )


def test_an_agenda_over_the_size_cap_is_not_read_and_costs_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: FakeSlackServer
) -> None:
    # 9501: a "PDF" of 40 MB that the server says up front; 9502: 40 MB gzipped into 40 kB (a
    # decompression bomb); 9503: the real agenda. The cap is MAX_DOCUMENT_BYTES (25 MiB).
    events = [_event(9501, 8), _event(9502, 9), _event(9503, 10)]
    big = b"%PDF-1.4\n" + b" " * (40 * 2**20)
    docs: dict[int, bytes | Path] = {9501: big, 9502: gzip.compress(big), 9503: AGENDA}
    site = Site(tmp_path, events, docs, gzipped=frozenset({9502}))
    assert (site.root / "agenda_9502.pdf").stat().st_size < 100_000
    with ReplayServer(site.root) as server:
        settings = _configure(tmp_path, server.base_url, monkeypatch, slack)
        result = _crawl(settings)
        assert (result.meetings, result.unread, result.errors) == (3, 2, 0)
        stored = {m.platform_id: m for m in JsonStore(settings.data_dir).iter_meetings()}
        assert len(stored["9503"].items) == 34 and stored["9503"].unread is None
        for eid in ("9501", "9502"):
            unread = stored[eid].unread
            assert unread is not None and unread.reason == "too large", unread
            assert unread.detail.startswith("too large: over the 25 MB cap"), unread.detail
            assert str(unread.url) == f"{server.base_url}/docs/agenda_{eid}.pdf"
            [document] = stored[eid].documents
            assert document.error == unread.detail and document.text == ""


def test_a_scanned_agenda_is_read_by_ocr_in_the_crawl_and_not_noted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: FakeSlackServer, tesseract: str
) -> None:
    site = Site(tmp_path, [_event(9402, 9)], {9402: SCANNED})
    with ReplayServer(site.root) as server:
        settings = _configure(tmp_path, server.base_url, monkeypatch, slack)
        result = _crawl(settings)
        assert (result.meetings, result.unread, result.notices) == (1, 0, 0)
        [meeting] = JsonStore(settings.data_dir).iter_meetings()
        [document] = meeting.documents
        assert document.error is None and document.pages == 2
        assert "Wednesday, August 15, 2018, 7:00 p.m." in document.text
        top = [i for i in meeting.items if i.number and i.number[0].isdigit()]
        assert [i.number for i in top] == [f"{n}." for n in range(1, 22)]
        assert top[-1].title == "Adjournment (ACTION)" and top[-1].page == 2
        assert meeting.unread is None
        assert _deliver(settings) == 0  # nothing relevant on it, nothing unread: silence


# --- notes and threads -----------------------------------------------------------------------


def _meeting(**changes: Any) -> Meeting:
    meeting = example_meeting()
    return meeting.model_copy(update=changes)


def _unread_meeting() -> Meeting:
    meeting = _meeting(items=[])
    meeting.documents = [
        Document(url="https://oak-park.legistar.com/View.ashx?M=A&ID=1", error="encrypted")
    ]
    meeting.unread = unread_of(meeting, {"https://oak-park.legistar.com/View.ashx?M=A&ID=1": "v1"})
    return meeting


def test_a_note_replies_in_the_meeting_thread_and_never_opens_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: FakeSlackServer
) -> None:
    monkeypatch.setenv("AGENDA_WATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", VALID_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.setenv("SLACK_CHANNEL", CHANNEL)
    settings = Settings()
    ledger = Ledger(settings.ledger_path)
    try:
        # First the agenda cannot be read: a top-level note that opens no thread.
        unread = _unread_meeting()
        ledger.record_meeting(unread)
        note = unread_notice(unread, None, NOW)
        assert note is not None and ledger.queue_notice(note)
        assert not ledger.queue_notice(note)  # once per version
        assert deliver(settings, ledger).sent == 1
        assert ledger.thread_ts(unread.thread_key, CHANNEL) is None
        assert not ledger.notified(unread.thread_key)

        # Then it is read and an item matches: the normal first notice opens the thread.
        read = example_meeting()
        relevant = read.items[0].model_copy(
            update={"classification": Classification(relevant=True, score=1.0)}
        )
        read.items = [relevant]
        [first] = ledger.record_meeting(read)
        assert first.kind == "new_matches"
        assert deliver(settings, ledger).sent == 1
        root = slack.fake.messages[-1]
        assert root["thread_ts"] is None
        assert ledger.thread_ts(read.thread_key, CHANNEL) == root["ts"]

        # A later version cannot be read: its note goes in that thread.
        later = _unread_meeting()
        later.unread = later.unread.model_copy(update={"version": "v2"})  # type: ignore[union-attr]
        note2 = unread_notice(later, None, NOW)
        assert note2 is not None and ledger.queue_notice(note2)
        assert deliver(settings, ledger).sent == 1
        assert slack.fake.messages[-1]["thread_ts"] == root["ts"]
    finally:
        ledger.close()


def test_the_note_is_inert_and_short() -> None:
    meeting = _unread_meeting()
    meeting.body = "<!channel> Board @here"
    meeting.unread = Unread(
        reason="damaged",
        detail="damaged: <@U123> page tree",
        url="https://example.org/a.pdf?x=1&y=<2>",
        version="v",
    )
    note = unread_notice(meeting, "C0AGENDA01", NOW)
    assert note is not None
    message = render(note)
    text = message.blocks[0]["text"]["text"]
    assert "<!channel>" not in text and "<@U123>" not in text and "@here" not in text
    assert "&lt;!channel&gt;" in text and "&lt;@U123&gt;" in text
    assert "<https://example.org/a.pdf?x=1&amp;y=%3C2%3E|The agenda>" in text
    assert len(message.blocks) == 2 and len(text) < 600


# --- which meetings are unread ------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("download failed: HTTP 404", "download failed"),
        ("encrypted", "encrypted"),
        ("encrypted (unsupported security handler)", "encrypted"),
        ("no text layer (scanned or outlined glyphs): needs OCR (OCR is off)", "needs OCR"),
        ("too large: 30000000 bytes > 26214400", "too large"),
        ("docx too large: 99999999 bytes uncompressed", "too large"),
        ("timed out after 30 s", "timed out"),
        ("unsupported document type 'image/png'", "unsupported type"),
        ("damaged: not a readable PDF (format error)", "damaged"),
        ("worker died", "damaged"),
        ("not a docx: no word/document.xml", "damaged"),
    ],
)
def test_reason_of_each_document_error(error: str, reason: str) -> None:
    assert reason_of(error) == reason


def test_only_meetings_left_without_items_by_their_documents_are_unread() -> None:
    doc = "https://x.example/agenda.pdf"
    with_items = _meeting(documents=[Document(url=doc, error="encrypted")])
    assert unread_of(with_items, {}) is None  # the platform listed its items
    assert unread_of(_meeting(items=[]), {}) is None  # no agenda posted yet
    cancelled = _meeting(items=[], status="cancelled", documents=[Document(url=doc, error="x")])
    assert unread_of(cancelled, {}) is None
    text_only = _meeting(items=[], documents=[Document(url=doc, text="Open house")])
    unread = unread_of(text_only, {doc: "abc"})
    assert unread is not None
    assert (unread.reason, unread.version, str(unread.url)) == ("no items found", "abc", doc)
    failed = _meeting(
        items=[],
        documents=[
            Document(url=doc, text="Open house"),
            Document(url=doc + "?2", error="timed out after 30 s"),
        ],
    )
    got = unread_of(failed, {doc: "abc"})
    assert got is not None and (got.reason, str(got.url)) == ("timed out", doc + "?2")
    # A failed download has no bytes: its version comes from the URL, the same every run.
    again = unread_of(failed, {})
    assert again is not None and again.version == got.version
    assert version_of(b"same") == version_of(b"same") != version_of(b"other")


def test_a_layout_1_ledger_gains_the_unread_column(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(path)
    ledger.start_run("r1", "s")
    ledger.close()
    raw = sqlite3.connect(path)  # back to layout 1: runs without the column
    raw.execute("ALTER TABLE runs DROP COLUMN unread")
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    ledger = Ledger(path)
    try:
        assert ledger.run("r1")["unread"] == 0  # type: ignore[index]
        ledger.finish_run("r1", "s", meetings=3, unread=2)
        assert ledger.run("r1")["unread"] == 2  # type: ignore[index]
        with pytest.raises(ValueError, match="unknown run fields"):
            ledger.finish_run("r1", "s", unred=1)
    finally:
        ledger.close()
