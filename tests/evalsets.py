"""Shared by the kinds tests: load a labelled eval set and hold the classifier to a floor on it."""

from __future__ import annotations

import json
from typing import Any

from pipeline.classify.classifier import Classifier
from tests.conftest import FIXTURES

EVAL = FIXTURES / "eval"


def load_set(name: str) -> list[dict[str, Any]]:
    """The rows of `tests/fixtures/eval/<name>` (JSON lines; blank lines skipped)."""
    lines = (EVAL / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def found_and_false(classifier: Classifier, rows: list[dict[str, Any]]) -> tuple[int, int]:
    """(relevant items found, irrelevant items flagged) among `rows`."""
    verdicts = [(row["label"], classifier.classify(row["text"]).relevant) for row in rows]
    return sum(a and b for a, b in verdicts), sum(b and not a for a, b in verdicts)


def assert_floor(
    classifier: Classifier, name: str, min_tp: int, min_hard_tp: int, min_es_tp: int, max_fp: int
) -> None:
    """At least these many found (all, hard, Spanish), at most `max_fp` false alarms, none in Spanish."""
    rows = load_set(name)
    tp, fp = found_and_false(classifier, rows)
    assert tp >= min_tp and fp <= max_fp, (tp, fp)
    hard_tp, _ = found_and_false(classifier, [r for r in rows if r["hard"]])
    assert hard_tp >= min_hard_tp, hard_tp
    es_tp, es_fp = found_and_false(classifier, [r for r in rows if r["lang"] == "es"])
    assert es_tp >= min_es_tp and es_fp == 0, (es_tp, es_fp)
