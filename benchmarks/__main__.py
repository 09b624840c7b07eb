"""Run every benchmark and write BENCHMARKS.md: ``python -m benchmarks [--quick]``."""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    bench_boundary,
    bench_classifier,
    bench_comments,
    bench_crawl,
    bench_delivery,
    bench_ilga,
    bench_ocr,
    bench_parse,
    bench_pdf,
    bench_reads,
    bench_split,
)

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    quick = "--quick" in sys.argv
    sections = [
        bench_classifier.run(quick),
        bench_pdf.run(quick),
        bench_ocr.run(quick),
        bench_split.run(quick),
        bench_parse.run(quick),
        bench_ilga.run(quick),
        bench_crawl.run(quick),
        bench_comments.run(quick),
        bench_boundary.run(quick),
        bench_reads.run(quick),
        bench_delivery.run(quick),
    ]
    header = [
        "# Benchmarks",
        "",
        f"Written by `python -m benchmarks` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"(Python {platform.python_version()}, {platform.machine()}, {platform.system()}). "
        "Each figure is a median over rounds, next to a baseline measured in the same run; "
        "machines here are noisy, so read the ratios.",
        "",
    ]
    text = "\n".join(header) + "\n" + "\n\n".join(s.strip() for s in sections) + "\n"
    if quick:
        print(text)
    else:
        (ROOT / "BENCHMARKS.md").write_text(text, encoding="utf-8")
        print(text)


if __name__ == "__main__":
    main()
