"""Classifier throughput of this tree against an earlier commit, in the same run.

``python benchmarks/bench_classifier_versions.py REV [--quick]`` unpacks ``pipeline/`` and
``config/`` of git revision REV into a temporary directory, then alternates the two trees in
fresh processes on the same texts (the labelled sets of ``bench_classifier.SETS`` that exist in
this tree): `Classifier.classify` in process, and ``classify --jsonl`` end to end. Rates count
CPU time (user + system), not wall time: on a shared machine a process waiting for a core is
not slower code. It prints a Markdown table with medians and the ratio this tree / REV, the
number a rule change must keep within bounds (issue 13: within 20 %).
"""

from __future__ import annotations

import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_classifier import EVAL_DIR, SETS, load_set  # noqa: E402

ROUNDS, QUICK_ROUNDS = 5, 2
LINES, QUICK_LINES = 60_000, 6_000
# Seconds of CPU per in-process round.
ROUND_SECONDS, QUICK_ROUND_SECONDS = 1.0, 0.2

_IN_PROCESS = """
import json, sys, time
from pathlib import Path
from pipeline.classify.classifier import Classifier
texts = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
seconds = float(sys.argv[2])
classifier = Classifier.from_yaml(Path("config/topics.yaml"))
done, start = 0, time.process_time()
while time.process_time() - start < seconds:
    for text in texts:
        classifier.classify(text)
    done += len(texts)
print(done / (time.process_time() - start))
"""
_CLI = "import sys; from pipeline.cli import main; main(sys.argv[1:])"


def unpack(rev: str, into: Path) -> Path:
    """``pipeline/`` and ``config/`` of git revision `rev`, written under `into`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "pipeline", "config"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def compare(rev: str, quick: bool = False) -> str:
    """Time this tree and `rev` alternately; return the Markdown table."""
    texts = [
        str(row["text"])
        for file in SETS.values()
        if (EVAL_DIR / file).exists()
        for row in load_set(EVAL_DIR / file)
    ]
    rounds, lines = (QUICK_ROUNDS, QUICK_LINES) if quick else (ROUNDS, LINES)
    seconds = QUICK_ROUND_SECONDS if quick else ROUND_SECONDS
    rates: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {rev: unpack(rev, Path(tmp) / "then"), "this tree": ROOT}
        text_file = Path(tmp) / "texts.json"
        text_file.write_text(json.dumps(texts), encoding="utf-8")
        data = Path(tmp) / "items.jsonl"
        with data.open("w", encoding="utf-8") as handle:
            for n in range(lines):
                handle.write(json.dumps({"id": n, "text": texts[n % len(texts)]}) + "\n")
        for _ in range(rounds):
            for name, tree in trees.items():
                env = {
                    **os.environ,
                    "AGENDA_WATCH_CONFIG_DIR": str(tree / "config"),
                    "PYTHONPATH": str(tree),
                }
                got = rates.setdefault(name, {"in process": [], "end to end": []})
                out = subprocess.run(
                    [sys.executable, "-c", _IN_PROCESS, str(text_file), str(seconds)],
                    cwd=tree,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                got["in process"].append(float(out.stdout))
                before = _child_cpu()
                subprocess.run(
                    [sys.executable, "-c", _CLI, "classify", "--jsonl", str(data)],
                    cwd=tmp,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    check=True,
                )
                got["end to end"].append(lines / (_child_cpu() - before))
    then, now = rates[rev], rates["this tree"]
    rows = [
        f"| {what} | {statistics.median(then[what]):,.0f} | {statistics.median(now[what]):,.0f} "
        f"| {statistics.median(now[what]) / statistics.median(then[what]):.3f} |"
        for what in ("in process", "end to end")
    ]
    return "\n".join(
        [
            f"{len(texts)} texts, {rounds} alternating rounds, CPU time; end to end = "
            f"`classify --jsonl` of {lines:,} lines in a fresh process.",
            "",
            f"| throughput (items/s, median) | {rev} | this tree | this tree / {rev} |",
            "| --- | ---: | ---: | ---: |",
            *rows,
        ]
    )


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--quick"]
    if len(args) != 1:
        sys.exit("usage: python benchmarks/bench_classifier_versions.py REV [--quick]")
    print(compare(args[0], quick="--quick" in sys.argv[1:]))
