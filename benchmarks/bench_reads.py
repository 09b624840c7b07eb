"""Benchmark the read views over many stored meetings: the index against today's full scan.

Each view runs as the real command (``agenda-watch …`` in a child process, so start-up counts)
over a data dir from `benchmarks.synthetic_meetings`; wall time and the child's peak RSS (from
``wait4``) are measured per run, medians reported. The baseline is the code before the index —
commit `BASELINE_REV`, unpacked with ``git archive`` — run the same way over the same files: it
reads and validates every document. Its outputs are compared with the index's, byte for byte.

Run ``python -m benchmarks.bench_reads [--quick]`` (``--quick``: 4,000 meetings).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO
from pathlib import Path

from benchmarks.synthetic_meetings import TODAY, generate

ROOT = Path(__file__).resolve().parent.parent
# The last commit before the meeting index (issue 15 item 5): today's design, scanning.
BASELINE_REV = os.environ.get("BENCH_READS_BASELINE", "d7ef8f6")
SINCE = (TODAY - timedelta(days=7)).isoformat()
TARGETS = {"upcoming": 2.0, "matches --since": 1.0, "site --out": 10.0}  # seconds
TARGET_RSS_MB = 300
RUN = "import sys; sys.path.insert(0, sys.argv.pop(1)); from pipeline.cli import main; main()"


@dataclass(frozen=True)
class Sample:
    wall: float
    rss_mb: float
    out: bytes


def command(code: Path, data: Path, args: list[str]) -> Sample:
    """One ``agenda-watch`` command of the code under `code`, over `data`."""
    cmd = [sys.executable, "-c", RUN, str(code), "--data-dir", str(data), *args]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, cwd=code, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        output = out.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} failed under {code}")
    return Sample(wall, usage.ru_maxrss / 1024, output)


def views(out_dir: Path) -> dict[str, list[str]]:
    return {
        "upcoming": ["upcoming", "--from", TODAY.isoformat(), "--format", "json"],
        "matches --since": ["matches", "--since", SINCE, "--format", "json"],
        "site --out": ["site", "--out", str(out_dir), "--from", TODAY.isoformat()],
        "export --since": ["export", "--format", "ocd", "--since", SINCE],
    }


def measure(code: Path, data: Path, rounds: int, tmp: Path) -> dict[str, list[Sample]]:
    found: dict[str, list[Sample]] = {}
    for name, args in views(tmp / f"site-{code.name}").items():
        found[name] = [command(code, data, args) for _ in range(rounds)]
    return found


def baseline_code(tmp: Path) -> Path:
    """The code at `BASELINE_REV`, unpacked under `tmp`."""
    archive = subprocess.run(
        ["git", "archive", BASELINE_REV, "pipeline", "config"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    target = tmp / "baseline"
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def _median(samples: list[Sample]) -> tuple[float, float]:
    return statistics.median(s.wall for s in samples), max(s.rss_mb for s in samples)


def _tree(path: Path) -> dict[str, bytes]:
    """Every file under `path`, the page's "Generated <minute>" line left out."""
    return {
        str(p.relative_to(path)): re.sub(rb"<p>Generated [^\n]*", b"", p.read_bytes())
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def run(quick: bool = False) -> str:
    big, small = (4_000, 2_000) if quick else (100_000, 20_000)
    rounds, scan_rounds = (3, 3) if quick else (5, 3)
    with tempfile.TemporaryDirectory(prefix="bench-reads-") as name:
        tmp = Path(name)
        old = baseline_code(tmp)
        lines = [
            "## Reads over stored meetings (indexed vs full scan)",
            "",
            f"Synthetic stored meetings (`benchmarks/synthetic_meetings.py`: 300 sources, two "
            f"years ending 8 weeks after {TODAY}, 5–25 items and one extracted agenda each, ~3 % "
            "with relevant items, 2 % cancelled, 1 % moved with their old copy kept). Each view "
            "is the real command in a child process (start-up included), "
            f"`--from {TODAY}` / `--since {SINCE}`; medians of {rounds} runs ({scan_rounds} for "
            f"the scan), peak RSS the largest of them. Scan = the code at `{BASELINE_REV}` "
            "(before the index) over the same files.",
            "",
        ]
        rows: list[str] = []
        checks: list[str] = []
        for meetings in (small, big):
            data = tmp / f"data-{meetings}"
            files = generate(data, meetings)
            started = time.perf_counter()
            build = command(ROOT, data, ["reindex"])
            build_wall = time.perf_counter() - started
            fresh = command(ROOT, data, ["matches", "--since", SINCE, "--format", "json"])
            new = measure(ROOT, data, rounds, tmp)
            scan = measure(old, data, scan_rounds, tmp) if meetings == small else {}
            for view, samples in new.items():
                wall, rss = _median(samples)
                target = TARGETS.get(view)
                verdict = (
                    "—"
                    if target is None
                    else ("yes" if wall <= target and rss <= TARGET_RSS_MB else "NO")
                )
                if scan:
                    s_wall, s_rss = _median(scan[view])
                    base = f"{s_wall:.2f} s / {s_rss:.0f} MB | {s_wall / wall:.0f}×"
                    if view != "site --out":  # it prints its --out path: compared as files below
                        same = scan[view][0].out == samples[0].out
                        checks.append(f"{view}: {'identical' if same else 'DIFFERENT'}")
                else:
                    base = "— | —"
                rows.append(
                    f"| {meetings:,} ({files:,} files) | `{view}` | {wall:.2f} s / {rss:.0f} MB "
                    f"| {base} | {target or '—'} s, {TARGET_RSS_MB} MB: {verdict} |"
                )
            if meetings == small:
                same_site = _tree(tmp / f"site-{old.name}") == _tree(tmp / f"site-{ROOT.name}")
                checks.append(f"site files: {'identical' if same_site else 'DIFFERENT'}")
            rows.append(
                f"| {meetings:,} | `reindex` (once, from nothing) | {build_wall:.1f} s / "
                f"{build.rss_mb:.0f} MB | — | — |"
            )
            rows.append(
                f"| {meetings:,} | refresh check alone (stat every file; first view after "
                f"reindex: `matches`) | {fresh.wall:.2f} s / {fresh.rss_mb:.0f} MB | — | — |"
            )
            shutil.rmtree(data)
        lines += [
            "| meetings | view | indexed: wall / peak RSS | scan: wall / peak RSS | speed-up "
            "| target met |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"Outputs, indexed vs scan at {small:,} meetings: " + "; ".join(checks) + ".",
        ]
        return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run("--quick" in sys.argv))
