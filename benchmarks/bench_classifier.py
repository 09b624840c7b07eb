"""Benchmark the rule classifier against the naive keyword scan, on the dev and held-out sets.

Run ``python benchmarks/bench_classifier.py [--quick]`` from anywhere; it prints a Markdown
section with throughput (items/s on one core: both classifiers timed in the same rounds,
interleaved, each round repeating the dev texts for about a second; the median is reported)
and precision/recall/F1 of both on the dev set, its hard items and the held-out set.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.classify.classifier import Classifier  # noqa: E402
from pipeline.classify.evaluate import NAIVE_KEYWORDS, Counts, naive_is_relevant  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

DEV_SET = ROOT / "tests" / "fixtures" / "eval" / "dev.jsonl"
HOLDOUT_SET = ROOT / "tests" / "fixtures" / "eval" / "holdout.jsonl"
TOPICS_FILE = ROOT / "config" / "topics.yaml"
TARGET_SECONDS = 1.0
ROUNDS = 7
QUICK_TARGET_SECONDS = 0.1
QUICK_ROUNDS = 3
__all__ = ["NAIVE_KEYWORDS", "naive_is_relevant", "run"]


def load_set(path: Path) -> list[dict[str, object]]:
    """The labelled texts, one dict per JSON line."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def score(
    predict: Callable[[str], bool], rows: list[dict[str, object]], hard_only: bool = False
) -> Counts:
    """Confusion counts of `predict` on `rows` (or on the hard ones)."""
    counts = Counts()
    for row in rows:
        if row["hard"] or not hard_only:
            counts.add(bool(row["label"]), predict(str(row["text"])))
    return counts


def throughput(
    funcs: dict[str, Callable[[str], object]], texts: list[str], target: float, rounds: int
) -> dict[str, float]:
    """Median items/s of each function; the functions take turns within every round."""
    repeats: dict[str, int] = {}
    for name, func in funcs.items():  # warm-up, and the repeat count for ~`target` s
        start = time.perf_counter()
        for text in texts:
            func(text)
        repeats[name] = max(1, round(target / max(time.perf_counter() - start, 1e-9)))
    rates: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(rounds):
        for name, func in funcs.items():
            start = time.perf_counter()
            for _ in range(repeats[name]):
                for text in texts:
                    func(text)
            rates[name].append(repeats[name] * len(texts) / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in rates.items()}


def _row(name: str, counts: Counts) -> str:
    return f"{counts.precision:.3f} | {counts.recall:.3f} | {counts.f1:.3f}"


def run(quick: bool = False) -> str:
    """Time and score both classifiers; return a Markdown section."""
    dev, holdout = load_set(DEV_SET), load_set(HOLDOUT_SET)
    texts = [str(row["text"]) for row in dev]
    classifier = Classifier.from_yaml(TOPICS_FILE)
    target, rounds = (QUICK_TARGET_SECONDS, QUICK_ROUNDS) if quick else (TARGET_SECONDS, ROUNDS)
    rates = throughput(
        {"rules": classifier.classify, "naive": naive_is_relevant}, texts, target, rounds
    )

    def rules(text: str) -> bool:
        return classifier.classify(text).relevant

    chars = statistics.mean(len(t) for t in texts)
    lines = [
        "## Classifier benchmark",
        "",
        f"Rules `{classifier.version}`. Throughput on one core over the {len(texts)} dev texts "
        f"(agenda items, bills, meeting titles; {chars:.0f} characters on average), both "
        f"classifiers timed in the same {rounds} rounds of ~{target:g} s, interleaved; medians.",
        "",
        "| classifier | items/s | dev P | dev R | dev F1 | dev hard P | R | F1 "
        "| held-out P | R | F1 | held-out hard P | R | F1 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: |",
    ]
    for name, predict in (
        ("rules (`Classifier.classify`)", rules),
        ("naive keyword substrings", naive_is_relevant),
    ):
        key = "rules" if name.startswith("rules") else "naive"
        cells = [
            _row(name, score(predict, dev)),
            _row(name, score(predict, dev, hard_only=True)),
            _row(name, score(predict, holdout)),
            _row(name, score(predict, holdout, hard_only=True)),
        ]
        lines.append(f"| {name} | {rates[key]:,.0f} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Rules run at {rates['rules'] / rates['naive']:.3f}x the naive scan's speed "
        f"({rates['naive'] / rates['rules']:.1f}x slower). Dev scores are measured on the set "
        "the rules were written against; the held-out set "
        f"(`{HOLDOUT_SET.relative_to(ROOT)}`, {len(holdout)} items written before rules-2 and "
        "not tuned on) shows how they do on unseen wording.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv[1:]))
