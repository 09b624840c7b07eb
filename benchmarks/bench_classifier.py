"""Benchmark the rule classifier against the naive keyword scan on the dev set.

Run ``python benchmarks/bench_classifier.py [--quick]`` from anywhere; it prints a Markdown
section with throughput (median items/s over several rounds, each repeating the whole set
for about a second) and precision/recall/F1 of both classifiers on the same texts.
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

from pipeline.classifier import Classifier  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

DEV_SET = ROOT / "tests" / "fixtures" / "eval" / "dev.jsonl"
TOPICS_FILE = ROOT / "config" / "topics.yaml"
# The keyword list of eval/README.md ("naive keyword list"), matched as lower-case substrings.
NAIVE_KEYWORDS = (
    "immigra",
    "welcom",
    "sanctuary",
    "refugee",
    "asylum",
    "ice",
    "migrant",
    "deport",
    "alien",
    "undocumented",
    "daca",
    "border",
    "citizenship",
)
TARGET_SECONDS = 1.0
ROUNDS = 5
QUICK_TARGET_SECONDS = 0.1
QUICK_ROUNDS = 2


def naive_is_relevant(text: str) -> bool:
    """The README baseline: any keyword as a case-insensitive substring."""
    lowered = text.lower()
    return any(keyword in lowered for keyword in NAIVE_KEYWORDS)


def load_dev_set(path: Path = DEV_SET) -> list[dict[str, object]]:
    """The labelled texts, one dict per JSON line."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def scores(predicted: list[bool], labels: list[bool]) -> tuple[float, float, float]:
    """Precision, recall and F1 of `predicted` against `labels` (0.0 when undefined)."""
    tp = sum(p and y for p, y in zip(predicted, labels, strict=True))
    fp = sum(p and not y for p, y in zip(predicted, labels, strict=True))
    fn = sum(y and not p for p, y in zip(predicted, labels, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def throughput(
    func: Callable[[str], object], texts: list[str], target: float, rounds: int
) -> float:
    """Median items/s of `func` over `rounds`, each repeating `texts` for about `target` seconds."""
    start = time.perf_counter()
    for text in texts:
        func(text)
    once = max(time.perf_counter() - start, 1e-9)
    repeats = max(1, round(target / once))
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            for text in texts:
                func(text)
        rates.append(repeats * len(texts) / (time.perf_counter() - start))
    return statistics.median(rates)


def run(quick: bool = False) -> str:
    """Time and score both classifiers on the dev set; return a Markdown section."""
    rows = load_dev_set()
    texts = [str(row["text"]) for row in rows]
    labels = [bool(row["label"]) for row in rows]
    classifier = Classifier.from_yaml(TOPICS_FILE)
    target, rounds = (QUICK_TARGET_SECONDS, QUICK_ROUNDS) if quick else (TARGET_SECONDS, ROUNDS)
    rule_rate = throughput(classifier.classify, texts, target, rounds)
    naive_rate = throughput(naive_is_relevant, texts, target, rounds)
    rule_scores = scores([classifier.classify(t).relevant for t in texts], labels)
    naive_scores = scores([naive_is_relevant(t) for t in texts], labels)
    lines = [
        "## Classifier benchmark",
        "",
        f"Dev set: {len(texts)} texts ({sum(labels)} relevant), `{DEV_SET.relative_to(ROOT)}`; "
        f"rules `{classifier.version}`; median of {rounds} rounds of ~{target:g} s each.",
        "",
        "| classifier | items/s (median) | precision | recall | F1 |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| rules (`Classifier.classify`) | {rule_rate:,.0f} | "
        + " | ".join(f"{v:.3f}" for v in rule_scores)
        + " |",
        f"| naive keyword substrings | {naive_rate:,.0f} | "
        + " | ".join(f"{v:.3f}" for v in naive_scores)
        + " |",
        "",
        f"Rules are {naive_rate / rule_rate:.1f}x slower than the naive scan "
        f"(speed ratio rules/naive = {rule_rate / naive_rate:.3f}). The rule scores are "
        "measured on the set the rules were written against, so they are optimistic for "
        "unseen agendas.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv[1:]))
