"""Benchmark the read views over many stored meetings: the index against today's full scan.

Each view runs as the real command (``agenda-watch …`` in a child process, so start-up counts)
over a data dir from `benchmarks.synthetic_meetings`; wall time and the child's peak RSS are
measured per run, medians reported. The peak RSS is the child's own ``VmHWM``, read from
``/proc/self/status`` as it exits: ``wait4``'s ``ru_maxrss`` is no use here, since Linux carries
the parent's peak into a forked child's (this script holds the generator's memory). The
baseline is the code before the index — commit `BASELINE_REV`, unpacked with ``git archive`` —
run the same way over the same files: it reads and validates every document. Its outputs are
compared with the index's, byte for byte. ``--previous REV`` also runs the code at REV (an
earlier index) the same way, for a before/after in one run.

Run ``python -m benchmarks.bench_reads [--quick] [--previous REV]`` (``--quick``: 4,000
meetings).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
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
from typing import Any

from benchmarks.synthetic_meetings import TODAY, generate

ROOT = Path(__file__).resolve().parent.parent
# The last commit before the meeting index (issue 15 item 5): today's design, scanning.
BASELINE_REV = os.environ.get("BENCH_READS_BASELINE", "d7ef8f6")
SINCE = (TODAY - timedelta(days=7)).isoformat()
TARGETS = {"upcoming": 2.0, "matches --since": 1.0, "site --out": 10.0}  # seconds
TARGET_RSS_MB = 300
# The child: the code under argv[1], its own peak RSS (kB) written to $BENCH_HWM at exit.
RUN = (
    "import atexit, os, sys; sys.path.insert(0, sys.argv.pop(1)); "
    "atexit.register(lambda: open(os.environ['BENCH_HWM'], 'w').write("
    "open('/proc/self/status').read().split('VmHWM:')[1].split()[0])); "
    "from pipeline.cli import main; main()"
)


@dataclass(frozen=True)
class Sample:
    wall: float
    rss_mb: float
    out: str  # SHA-256 of the output (a 100,000-meeting export is ~100 MB)
    text: bytes = b""  # the output itself, when kept (the first run of each view)


def command(code: Path, data: Path, args: list[str], keep: bool = False) -> Sample:
    """One ``agenda-watch`` command of the code under `code`, over `data` (`keep`: its output)."""
    cmd = [sys.executable, "-c", RUN, str(code), "--data-dir", str(data), *args]
    with tempfile.TemporaryDirectory() as scratch:
        hwm = Path(scratch) / "hwm"
        env = {**os.environ, "BENCH_HWM": str(hwm)}
        with tempfile.TemporaryFile() as out:
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=code, stdout=out, stderr=subprocess.DEVNULL, env=env)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            out.seek(0)
            digest = hashlib.file_digest(out, "sha256").hexdigest()
            out.seek(0)
            text = out.read() if keep else b""
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{' '.join(args)} failed under {code}")
        rss_kb = int(hwm.read_text()) if hwm.exists() else usage.ru_maxrss
    return Sample(wall, rss_kb / 1024, digest, text)


def unseal(data: Path) -> None:
    """Forget the index's folder seals: the next view compares every folder's files."""
    ledger = sqlite3.connect(data / "ledger.sqlite3")
    with ledger:
        ledger.execute("DELETE FROM meeting_index_state WHERE key LIKE 'folder:%'")
    ledger.close()


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
        found[name] = [command(code, data, args, keep=not n) for n in range(rounds)]
    return found


def code_at(rev: str, tmp: Path, name: str) -> Path:
    """The code at `rev`, unpacked under `tmp`/`name` (all it imports: not this checkout's)."""
    archive = subprocess.run(
        ["git", "archive", rev, "pipeline", "config", "spiders", "scheduler.py"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    target = tmp / name
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


def _documents(view: str, output: bytes) -> list[Any]:
    lines = output.splitlines() if view == "export --since" else [output]
    return [json.loads(line) for line in lines]


def _added(old: Any, new: Any, found: set[str]) -> Any:
    """`new` without the keys `old` lacks (fields added since), recursively; their names go to
    `found`."""
    if isinstance(old, dict) and isinstance(new, dict):
        found.update(k for k in new if k not in old)
        return {k: _added(old[k], v, found) for k, v in new.items() if k in old}
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [_added(o, n, found) for o, n in zip(old, new, strict=True)]
    return new


def _compare(view: str, scan: Sample, indexed: Sample) -> str:
    """Byte for byte; else the JSON with the fields added since the scan's code left out."""
    if scan.out == indexed.out:
        return f"{view}: identical"
    old, new = _documents(view, scan.text), _documents(view, indexed.text)
    added: set[str] = set()
    if _added(old, new, added) == old:
        return f"{view}: identical but for fields added since ({', '.join(sorted(added))})"
    return f"{view}: DIFFERENT (first at {_first_difference(_added(old, new, set()), old)})"


def _first_difference(new: Any, old: Any, where: str = "") -> str:
    """Where `new` first differs from `old`, with both values."""
    if isinstance(old, dict) and isinstance(new, dict) and old.keys() == new.keys():
        key = next(k for k in old if old[k] != new[k])
        return _first_difference(new[key], old[key], f"{where}.{key}")
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        i = next(i for i, (o, n) in enumerate(zip(old, new, strict=True)) if o != n)
        return _first_difference(new[i], old[i], f"{where}[{i}]")
    return f"{where or 'top'}: {str(old)[:60]!r} → {str(new)[:60]!r}"


def _cell(samples: list[Sample]) -> str:
    wall, rss = _median(samples)
    return f"{wall:.2f} s / {rss:.0f} MB"


def _verdict(view: str, samples: list[Sample]) -> str:
    target = TARGETS.get(view)
    if target is None:
        return f"—, {TARGET_RSS_MB} MB: " + (
            "yes" if _median(samples)[1] <= TARGET_RSS_MB else "NO"
        )
    wall, rss = _median(samples)
    return f"{target} s, {TARGET_RSS_MB} MB: " + (
        "yes" if wall <= target and rss <= TARGET_RSS_MB else "NO"
    )


def _unsealed(data: Path, rounds: int) -> list[Sample]:
    """`matches --since` right after every folder changed (each run unseals first)."""
    found = []
    for _ in range(rounds):
        unseal(data)
        found.append(command(ROOT, data, ["matches", "--since", SINCE, "--format", "json"]))
    return found


def run(quick: bool = False, previous: str | None = None) -> str:
    big, small = (4_000, 2_000) if quick else (100_000, 20_000)
    rounds, scan_rounds = (3, 3) if quick else (5, 3)
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-reads-") as name:
        tmp = Path(name)
        old = code_at(BASELINE_REV, tmp, "baseline")
        before = code_at(previous, tmp, "previous") if previous else None
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
            prev = measure(before, data, scan_rounds, tmp) if before else {}
            scan = measure(old, data, scan_rounds, tmp) if meetings == small else {}
            for view, samples in new.items():
                cells = [_cell(samples)]
                if prev:
                    cells.append(_cell(prev[view]))
                if scan:
                    s_wall = _median(scan[view])[0]
                    cells += [_cell(scan[view]), f"{s_wall / _median(samples)[0]:.0f}×"]
                    if view != "site --out":  # it prints its --out path: compared as files below
                        checks.append(_compare(view, scan[view][0], samples[0]))
                else:
                    cells += ["—", "—"]
                rows.append(
                    f"| {meetings:,} ({files:,} files) | `{view}` | {' | '.join(cells)} "
                    f"| {_verdict(view, samples)} |"
                )
            if prev and before:
                same = all(prev[v][0].out == new[v][0].out for v in new if v != "site --out")
                same_site = _tree(tmp / f"site-{before.name}") == _tree(tmp / f"site-{ROOT.name}")
                checks.append(
                    f"{meetings:,}, indexed vs previous: "
                    + ("identical" if same and same_site else "DIFFERENT")
                )
            if meetings == small:
                scanned, indexed = _tree(tmp / f"site-{old.name}"), _tree(tmp / f"site-{ROOT.name}")
                differ = sorted(
                    k for k in scanned.keys() | indexed.keys() if scanned.get(k) != indexed.get(k)
                )
                checks.append(
                    "site files: identical"
                    if not differ
                    else f"site files: {len(differ)} of {len(indexed)} differ ({', '.join(differ[:3])})"
                )
            blank = " | —" * (3 + bool(prev))
            rows.append(
                f"| {meetings:,} | `reindex` (once, from nothing) | {build_wall:.1f} s / "
                f"{build.rss_mb:.0f} MB{blank} |"
            )
            rows.append(
                f"| {meetings:,} | `matches --since`, first view after `reindex` "
                f"| {fresh.wall:.2f} s / {fresh.rss_mb:.0f} MB{blank} |"
            )
            rows.append(
                f"| {meetings:,} | `matches --since` after every folder changed (no seal: "
                f"one `stat` per file) | {_cell(_unsealed(data, scan_rounds))}{blank} |"
            )
            shutil.rmtree(data)
    load_end = os.getloadavg()
    prev_head = f" previous index (`{previous}`): wall / peak RSS |" if previous else ""
    return (
        "\n".join(
            [
                "## Reads over stored meetings (indexed vs full scan)",
                "",
                f"Synthetic stored meetings (`benchmarks/synthetic_meetings.py`: 300 sources, two "
                f"years ending 8 weeks after {TODAY}, 5–25 items and one extracted agenda each, ~3 % "
                "with relevant items, 2 % cancelled, 1 % moved with their old copy kept). Each view "
                "is the real command in a child process (start-up included), "
                f"`--from {TODAY}` / `--since {SINCE}`; medians of {rounds} runs ({scan_rounds} for "
                f"the others), peak RSS the largest of them (the child's own `VmHWM`). Scan = the "
                f"code at `{BASELINE_REV}` (before the index) over the same files. Load average "
                f"(1 / 5 min, 2 cores) {load_start[0]:.1f} / {load_start[1]:.1f} at the start, "
                f"{load_end[0]:.1f} / {load_end[1]:.1f} at the end.",
                "",
                f"| meetings | view | indexed: wall / peak RSS |{prev_head} scan: wall / peak RSS "
                "| speed-up vs scan | target met |",
                "|---|---|---|---|---|---|" + ("---|" if previous else ""),
                *rows,
                "",
                f"Outputs, indexed vs scan at {small:,} meetings"
                + (" and vs the previous index at each size" if previous else "")
                + ": "
                + "; ".join(checks)
                + ".",
            ]
        )
        + "\n"
    )


if __name__ == "__main__":
    rev = sys.argv[sys.argv.index("--previous") + 1] if "--previous" in sys.argv else None
    print(run("--quick" in sys.argv, rev))
