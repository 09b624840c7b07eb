"""Per-process sharing: topics compiled once, again only when the file changes."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.ingest import shared
from tests.conftest import TOPICS


def test_topics_are_compiled_once_per_version_of_their_text(tmp_path: Path) -> None:
    topics = tmp_path / "topics.yaml"
    shutil.copyfile(TOPICS, topics)
    first = shared.classifier(topics)
    assert shared.classifier(topics) is first
    assert shared.classifier(tmp_path / "." / "topics.yaml") is first  # same file, other spelling
    copy = tmp_path / "copy.yaml"
    shutil.copyfile(TOPICS, copy)
    assert shared.classifier(copy) is first  # the same rules in another file
    topics.write_text(TOPICS.read_text() + "\n# edited\n")
    edited = shared.classifier(topics)
    assert edited is not first
    assert edited.classify("sanctuary city ordinance").relevant


def test_one_ledger_connection_per_path(tmp_path: Path) -> None:
    try:
        ledger = shared.ledger(tmp_path / "ledger.sqlite3")
        assert shared.ledger(tmp_path / "ledger.sqlite3") is ledger
        ledger.start_run("r1", "src")
        assert ledger.run("r1") is not None
    finally:
        shared.close_all()
