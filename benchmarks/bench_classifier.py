"""Benchmark the rule classifier against the naive keyword scan, and the rule engine's safety.

Run ``python benchmarks/bench_classifier.py [--quick]`` from anywhere; it prints a Markdown
section with

* throughput in process (items/s on one core: both classifiers timed in the same rounds,
  interleaved, each round repeating the labelled texts; medians);
* throughput end to end: ``agenda-watch classify --jsonl FILE`` in a fresh process (start-up,
  JSON in and out included) beside a process doing the same I/O with the naive scan; medians;
* precision/recall/F1 of both on dev, dev2, the held-out file and the Spanish slice, each with
  its hard items;
* rule safety (issue 11): pathological rules under RE2 (what ships) and under Python's ``re``
  with the static rejection of rules-2 (the alternative considered), each rule timed on hostile
  10 kB texts; the stdlib runs go to a subprocess with a time limit, since ``re`` cannot be
  interrupted.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from pydantic import ValidationError  # noqa: E402

from pipeline.classify.classifier import Classifier, TopicsConfig  # noqa: E402
from pipeline.classify.evaluate import (  # noqa: E402
    NAIVE_KEYWORDS,
    Counts,
    guess_lang,
    naive_is_relevant,
)

if TYPE_CHECKING:
    from collections.abc import Callable

EVAL_DIR = ROOT / "tests" / "fixtures" / "eval"
SETS = {
    "dev": "dev.jsonl",
    "dev2": "dev2.jsonl",
    "fresh": "fresh.jsonl",
    "fresh2": "fresh2.jsonl",
    "fresh3": "fresh3.jsonl",
    "fresh4": "fresh4.jsonl",
    "fresh5": "fresh5.jsonl",
    "fresh6": "fresh6.jsonl",
    "held-out": "holdout.jsonl",
}
TOPICS_FILE = ROOT / "config" / "topics.yaml"
TARGET_SECONDS = 1.0
ROUNDS = 7
QUICK_TARGET_SECONDS = 0.1
QUICK_ROUNDS = 3
END_TO_END_LINES = 60_000
END_TO_END_ROUNDS = 3
# Pathological rules: budget per rule for the stdlib run, and the limit a text must stay under.
STDLIB_TIMEOUT_S = 3.0
LIMIT_MS = 100.0
__all__ = ["NAIVE_KEYWORDS", "naive_is_relevant", "run"]


def load_set(path: Path) -> list[dict[str, Any]]:
    """The labelled texts, one dict per JSON line."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def score(predict: Callable[[str], bool], rows: list[dict[str, Any]]) -> Counts:
    """Confusion counts of `predict` on `rows`."""
    counts = Counts()
    for row in rows:
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


def naive_jsonl(path: Path) -> None:
    """The naive scan with the I/O of ``classify --jsonl``: read, decide, write JSON lines."""
    out = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            out.append(json.dumps({"id": row["id"], "relevant": naive_is_relevant(row["text"])}))
            if len(out) == 1000:
                sys.stdout.write("\n".join(out) + "\n")
                out.clear()
    sys.stdout.write("\n".join(out) + ("\n" if out else ""))


def end_to_end(texts: list[str], lines: int, rounds: int) -> dict[str, float]:
    """Median items/s of `classify --jsonl` and of the naive scan, each in a fresh process."""
    commands = {
        "rules": [
            sys.executable,
            "-c",
            "import sys; from pipeline.cli import main; main(sys.argv[1:])",
            "classify",
            "--jsonl",
        ],
        "naive": [sys.executable, str(Path(__file__).resolve()), "--naive-jsonl"],
    }
    env = {**os.environ, "AGENDA_WATCH_CONFIG_DIR": str(ROOT / "config"), "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "items.jsonl"
        with data.open("w", encoding="utf-8") as handle:
            for n in range(lines):
                handle.write(json.dumps({"id": n, "text": texts[n % len(texts)]}) + "\n")
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(rounds):
            for name, command in commands.items():
                start = time.perf_counter()
                subprocess.run(
                    [*command, str(data)],
                    check=True,
                    env=env,
                    cwd=tmp,
                    stdout=subprocess.DEVNULL,
                )
                times[name].append(time.perf_counter() - start)
    return {name: lines / statistics.median(values) for name, values in times.items()}


# --- rule safety ---------------------------------------------------------------------------

# Rules written to backtrack for ever under a backtracking engine, and texts that trigger them.
PATHOLOGICAL_RULES = [
    r"detention(?:\s?\w|\w){0,40}!",
    r"(?:a+)+b",
    r"(?:a|a)+b",
    r"(?:a|aa){1,60}c",
    r"(?:\w+\s?)+!",
    r"\w*\w*\w*\w*\w*!",
    r"(?:.*a){20}",
    r"(?:[\s\w]+)*#",
    r"immigra(?:\w|\w\w){0,50}!",
    r"(?:x+x+)+y",
    r"(?:\d+|\d+\.\d+){1,40}z",
    r"(?:a?){30}a{30}",
    r"(?:(?:a{1,9}){1,9}){1,9}b",
    r"(?:\w{0,999}){0,999}",
    r"(?:ab|a)(?:bc|b)(?:c|)+d",
    r"(?:(?:[a\s]){1,30}|[a\s]){1,30}\d",
]
HOSTILE_TEXTS = [
    "a" * 10_000,
    ("detention " + "a" * 40) * 200,
    "immigra" + "a" * 9_993,
    "x" * 9_999 + "!",
    ("aaaaaaaaaa " * 909)[:10_000],
    "1.1" * 3_333,
    "ab" * 5_000,
    "a-" * 5_000,
]
# rules-2's static check: an unbounded repeat of a group ("(a+)+", "(?:x )*").
_UNBOUNDED_GROUP_RE = re.compile(r"\)(?:[+*]|\{\d*,\})")


def pathological_rules(quick: bool) -> list[str]:
    """The explicit rules, then repeats of overlapping alternatives (deterministic)."""
    atoms = [r"\w", "a", r"\s?\w", "a?", r"[a\s]", r"\w+", ".", r"a*"]
    inners, outers = ["{0,40}", "+", "*", "{1,30}"], ["{0,40}", "+", "{5}"]
    generated = [
        f"{head}(?:(?:{atom}){inner}|{atom}){outer}{tail}"
        for atom in atoms
        for inner in inners
        for outer in outers
        for head, tail in (("detention", "!"), ("a", "b"))
    ]
    rules = PATHOLOGICAL_RULES + generated[:: 7 if quick else 3]
    return rules


def with_rule(regex: str) -> dict[str, Any]:
    """topics.yaml as data, with REGEX added as the rule `det.generated`."""
    data: dict[str, Any] = yaml.safe_load(TOPICS_FILE.read_text(encoding="utf-8"))
    data["topics"]["detention"]["rules"].append(
        {"id": "det.generated", "regex": regex, "weight": 1}
    )
    return data


def re2_safety(rules: list[str]) -> dict[str, Any]:
    """Under RE2: how many rules check-config refuses, and the worst time of the others."""
    refused, worst = 0, []
    for regex in rules:
        try:
            classifier = Classifier(TopicsConfig.model_validate(with_rule(regex)))
        except ValidationError:
            refused += 1
            continue
        slowest = 0.0
        for text in HOSTILE_TEXTS:
            runs = []
            # CPU time, as the test measures it: waiting for a core is not the rule's
            for _ in range(3):
                start = time.thread_time()
                classifier.classify(text)
                runs.append(time.thread_time() - start)
            slowest = max(slowest, min(runs))
        worst.append(slowest * 1000)
    over = sum(ms >= LIMIT_MS for ms in worst)
    return {"refused": refused, "accepted": len(worst), "over": over, "worst_ms": max(worst)}


_STDLIB_PROBE = """
import re, sys, time
rule, texts = sys.argv[1], sys.argv[2:]
pattern = re.compile(rule, re.IGNORECASE)
worst = 0.0
for text in texts:
    start = time.perf_counter()
    pattern.search(text)
    worst = max(worst, time.perf_counter() - start)
print(worst * 1000)
"""


def stdlib_safety(rules: list[str]) -> dict[str, Any]:
    """Under Python's re with rules-2's static check: refused, and how many hang or are slow."""
    refused, worst, hung = 0, [], 0
    texts = [t[:10_000] for t in HOSTILE_TEXTS]
    for regex in rules:
        if _UNBOUNDED_GROUP_RE.search(regex.replace("\\)", "")):
            refused += 1
            continue
        try:
            done = subprocess.run(
                [sys.executable, "-c", _STDLIB_PROBE, regex, *texts],
                capture_output=True,
                text=True,
                timeout=STDLIB_TIMEOUT_S,
                check=True,
            )
        except subprocess.TimeoutExpired:
            hung += 1
            worst.append(STDLIB_TIMEOUT_S * 1000)
            continue
        worst.append(float(done.stdout.strip()))
    over = sum(ms >= LIMIT_MS for ms in worst)
    return {
        "refused": refused,
        "accepted": len(worst),
        "over": over,
        "hung": hung,
        "worst_ms": max(worst),
    }


# --- report --------------------------------------------------------------------------------


def _cells(counts: Counts) -> str:
    return f"{counts.precision:.3f} | {counts.recall:.3f} | {counts.f1:.3f}"


def _slices(sets: dict[str, list[dict[str, Any]]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(name, rows) for each set and its hard items, then the Spanish slice of all of them."""
    out = []
    for name, rows in sets.items():
        out.append((name, rows))
        out.append((f"{name} hard", [r for r in rows if r["hard"]]))
    spanish = [
        r
        for rows in sets.values()
        for r in rows
        if (r.get("lang") or guess_lang(r["text"])) == "es"
    ]
    out.append(("Spanish (all sets)", spanish))
    out.append(("Spanish hard", [r for r in spanish if r["hard"]]))
    return out


def run(quick: bool = False) -> str:
    """Time and score both classifiers and the two rule engines; return a Markdown section."""
    sets = {name: load_set(EVAL_DIR / file) for name, file in SETS.items()}
    texts = [str(r["text"]) for rows in sets.values() for r in rows]
    classifier = Classifier.from_yaml(TOPICS_FILE)
    target, rounds = (QUICK_TARGET_SECONDS, QUICK_ROUNDS) if quick else (TARGET_SECONDS, ROUNDS)
    rates = throughput(
        {"rules": classifier.classify, "naive": naive_is_relevant}, texts, target, rounds
    )
    lines_e2e = END_TO_END_LINES // (5 if quick else 1)
    e2e = end_to_end(texts, lines_e2e, 1 if quick else END_TO_END_ROUNDS)

    def rules(text: str) -> bool:
        return classifier.classify(text).relevant

    chars = statistics.mean(len(t) for t in texts)
    lines = [
        "## Classifier benchmark",
        "",
        f"Rules `{classifier.version}`, RE2 engine. Texts: the {len(texts)} labelled items of "
        f"{', '.join(SETS)} ({chars:.0f} characters on average).",
        "",
        "| throughput | rules (items/s) | naive scan (items/s) | rules / naive |",
        "| --- | ---: | ---: | ---: |",
        f"| in process, one core, {rounds} interleaved rounds of ~{target:g} s, median "
        f"| {rates['rules']:,.0f} | {rates['naive']:,.0f} | {rates['rules'] / rates['naive']:.3f} |",
        f"| end to end: `classify --jsonl` of {lines_e2e:,} lines in a fresh process "
        f"(start-up and JSON I/O included) vs the same I/O with the naive scan, median "
        f"| {e2e['rules']:,.0f} | {e2e['naive']:,.0f} | {e2e['rules'] / e2e['naive']:.3f} |",
        "",
        "| set | n | positives | rules P | R | F1 | naive P | R | F1 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, rows in _slices(sets):
        positives = sum(bool(r["label"]) for r in rows)
        lines.append(
            f"| {name} | {len(rows)} | {positives} | {_cells(score(rules, rows))} "
            f"| {_cells(score(naive_is_relevant, rows))} |"
        )
    patho = pathological_rules(quick)
    safe, stdlib = re2_safety(patho), stdlib_safety(patho)
    lines += [
        "",
        "Dev and dev2 were written against (dev2 by this project); the held-out file's ten "
        "rules-2 errors were seen before the rules-3 rewrite, so its scores are optimistic. "
        "Fresh was collected after the rules were frozen: its first measurement was P 1.000 "
        "R 0.882 (hard R 0.667, Spanish R 0.800); two catalogue gaps were then fixed "
        "(tests/fixtures/eval/README-fresh.md). Fresh2 was written before rules 2026-12-06.5 "
        "and first measured at P 0.947 R 0.789 (hard R 0.627, Spanish R 0.929); its errors "
        "were then fixed by kind, so it is development data now. Fresh3 was written after "
        "rules 2026-12-06.5 were frozen and first measured at P 0.900 R 0.667 (hard R 0.538); "
        "its errors were fixed by kind in 2026-12-06.6, so it is development data now. Fresh4 "
        "was written before those changes and first measured with them at P 1.000 R 0.897 "
        "(hard R 0.880, Spanish R 1.000); fresh5 was written before rules 2026-12-06.7 and "
        "first measured with 2026-12-06.6 at P 1.000 R 0.829 (hard R 0.812, Spanish R 0.875). "
        "The misses of both were then fixed by kind in 2026-12-06.7, so both are development "
        "data now (tests/fixtures/eval/README-fresh4.md, README-fresh5.md).",
        "",
        f"Rule safety: {len(patho)} pathological rules (nested and overlapping repeats), each "
        f"timed on {len(HOSTILE_TEXTS)} hostile texts of up to 10 kB.",
        "",
        "| engine | refused at check-config | accepted | accepted over "
        f"{LIMIT_MS:g} ms on a text | worst accepted (ms) |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| RE2 (shipped; CPU time, best of 3) | {safe['refused']} | {safe['accepted']} | {safe['over']} "
        f"| {safe['worst_ms']:.1f} |",
        f"| Python `re` + rules-2 static check (one search per text; {stdlib['hung']} ran past "
        f"the {STDLIB_TIMEOUT_S:g} s limit) | {stdlib['refused']} | {stdlib['accepted']} "
        f"| {stdlib['over']} | {stdlib['worst_ms']:.1f}+ |",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--naive-jsonl":
        naive_jsonl(Path(sys.argv[2]))
    else:
        print(run(quick="--quick" in sys.argv[1:]))
