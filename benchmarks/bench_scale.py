"""Scale benchmark: a crawl cycle over N synthetic sources, today's design beside the new one.

Synthetic sources (`benchmarks.synthetic`): N Legistar clients on distinct loopback hosts
replaying the demo recordings, no download delay (and once at 1 s), the real pipeline (validate, PDF, classify,
store, ledger, health). Each run is one OS process tree; CPU is that tree's (``wait4`` rusage),
memory the peak of the whole tree's resident memory sampled every 0.25 s.

- *process per source* (the design before this benchmark's change, kept here as the baseline):
  ``scrapy crawl <source>`` in its own process, two at a time, and the parent re-reading
  ``sources.yaml`` for each source's health check.
- *one crawl, many sources*: ``agenda-watch crawl``, a few worker processes each crawling many
  sources (`pipeline.ingest.batch`).

Run ``python -m benchmarks.bench_scale [--quick] [--big N]`` (prints the section).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import run_measured, serving, write_config  # noqa: E402

MIB = 2**20
TARGETS = {"cold_wall": 360.0, "cold_cpu": 500.0, "rerun_cpu": 200.0, "rss_mib": 600.0}


@dataclass
class Measure:
    design: str
    sources: int
    run: str
    delay: float
    wall: float
    cpu: float
    rss: int

    def row(self) -> str:
        return (
            f"| {self.design} | {self.sources:,} | {self.run} | {self.delay:g} | "
            f"{self.wall:.1f} | {self.cpu:.1f} | "
            f"{self.cpu / self.sources:.3f} | {self.rss / MIB:.0f} |"
        )


def _env(data: Path, config: Path, delay: float) -> dict[str, str]:
    return {
        **os.environ,
        "AGENDA_WATCH_DATA_DIR": str(data),
        "AGENDA_WATCH_CONFIG_DIR": str(config),
        "AGENDA_WATCH_DOWNLOAD_DELAY": str(delay),
        "SCRAPY_SETTINGS_MODULE": "spiders.settings",
        "PYTHONPATH": str(ROOT),
    }


def new_design_cmd(data: Path, config: Path) -> list[str]:
    """``agenda-watch crawl --no-deliver`` over the config's sources."""
    return [
        sys.executable,
        "-m",
        "pipeline",
        "--data-dir",
        str(data),
        "--config-dir",
        str(config),
        "crawl",
        "--no-deliver",
    ]


def old_design_main(data: Path, config: Path, parallel: int = 2) -> None:
    """The baseline's parent: one ``scrapy crawl`` per source, `parallel` at a time."""
    from pipeline.config import check_sources
    from pipeline.settings import Settings
    from pipeline.store.health import check_health
    from pipeline.store.ledger import Ledger

    settings = Settings(AGENDA_WATCH_DATA_DIR=data, AGENDA_WATCH_CONFIG_DIR=config)
    ids = [s.id for s in check_sources(settings.sources_path)[0]]
    logs = data / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    def crawl(source_id: str) -> None:
        cmd = [sys.executable, "-m", "scrapy", "crawl", source_id]
        with open(logs / f"{source_id}.log", "wb") as log:
            subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=log, check=False)
        # As before: the whole config parsed again for each source's health check.
        sources, _ = check_sources(settings.sources_path)
        source = next(s for s in sources if s.id == source_id)
        ledger = Ledger(settings.ledger)
        try:
            check_health(ledger, source.id, source.name, source.alert_after, None)
        finally:
            ledger.close()

    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(crawl, ids))


def _measure(
    design: str, n: int, runs: tuple[str, ...], tmp: Path, delay: float = 0.0
) -> list[Measure]:
    data, config = tmp / f"{design}-{n}-{delay}-data", tmp / f"{design}-{n}-{delay}-config"
    out = []
    with serving(n) as port:
        write_config(config, n, port)
        for run in runs:
            if design == "new":
                cmd = new_design_cmd(data, config)
            else:
                cmd = [
                    sys.executable,
                    "-m",
                    "benchmarks.bench_scale",
                    "old",
                    str(data),
                    str(config),
                ]
            wall, cpu, rss = run_measured(cmd, _env(data, config, delay))
            _check_stored(data, n)
            label = "one crawl, many sources" if design == "new" else "process per source"
            out.append(Measure(label, n, run, delay, wall, cpu, rss))
    return out


def _check_stored(data: Path, n: int) -> None:
    """Every source stored its two meetings (a benchmark of a broken crawl means nothing)."""
    stored = sum(1 for _ in (data / "meetings").glob("*/*.json"))
    if stored != 2 * n:
        raise RuntimeError(f"expected {2 * n} stored meetings, found {stored}")
    board = json.loads((data / "meetings" / "syn_0000" / "20261208-9001.json").read_text())
    if [(d["pages"], d["error"]) for d in board["documents"]] != [(2, None)]:
        raise RuntimeError(f"the agenda PDF was not read: {board['documents']}")


def run(quick: bool = False, big: int | None = None) -> str:
    small = 20 if quick else 100
    big = big if big is not None else (0 if quick else 1500)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        old = _measure("old", small, ("cold", "unchanged rerun"), tmp)
        new = _measure("new", small, ("cold", "unchanged rerun"), tmp)
        large = _measure("new", big, ("cold", "unchanged rerun"), tmp) if big else []
        # The same cycle at the production politeness delay (1 s between requests to a host).
        polite = _measure("new", big, ("cold",), tmp, delay=1.0) if big else []
    load_after = os.getloadavg()[0]
    rows = [m.row() for m in old + new + large + polite]
    ratio = [o.cpu / n.cpu for o, n in zip(old, new, strict=True)]
    lines = [
        "## Scale: one crawl, many sources",
        "",
        "Synthetic Legistar sources on distinct loopback hosts (`benchmarks/synthetic.py`: the demo",
        "recordings, 4.5 requests a source, one shared agenda PDF), the whole pipeline, no",
        "download delay except in the last row (the production 1 s between requests to a host).",
        "CPU is the crawl's whole process tree (`wait4`), memory the peak sum of its processes'",
        "RSS. The baseline is the earlier design run with today's code: one `scrapy crawl`",
        "process per source, two at a time, the config re-read per source. Load average (1 min)",
        f"on this {os.cpu_count()}-core machine: {load_before:.1f} before, {load_after:.1f} after",
        "(other work shares the machine; wall times stretch with it, CPU seconds much less).",
        "",
        "| design | sources | run | delay s | wall s | CPU s | CPU s/source | peak RSS MiB (all processes) |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        f"At {small} sources the new design uses {statistics.median(ratio):.1f}x less CPU "
        f"(cold {ratio[0]:.1f}x, rerun {ratio[1]:.1f}x) and "
        f"{old[0].wall / new[0].wall:.1f}x less wall time cold.",
    ]
    if large:
        cold, rerun = large
        checks = [
            ("cold wall", cold.wall, TARGETS["cold_wall"], "s"),
            ("cold CPU", cold.cpu, TARGETS["cold_cpu"], "CPU-s"),
            ("rerun CPU", rerun.cpu, TARGETS["rerun_cpu"], "CPU-s"),
            ("memory", max(cold.rss, rerun.rss) / MIB, TARGETS["rss_mib"], "MiB"),
        ]
        verdicts = ", ".join(
            f"{name} {value:.0f} {unit} (target <= {limit:.0f}: {'met' if value <= limit else 'MISSED'})"
            for name, value, limit, unit in checks
        )
        lines += ["", f"At {big:,} sources: {verdicts}."]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "old":
        old_design_main(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        big = int(sys.argv[sys.argv.index("--big") + 1]) if "--big" in sys.argv else None
        print(run(quick="--quick" in sys.argv, big=big))
