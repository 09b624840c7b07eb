"""Run the benchmarks and write BENCHMARKS.md: ``python -m benchmarks [--quick] [--only a,b]``.

A plain run runs every benchmark but the slow ones (`ON_REQUEST`: the scale cycle, the test
loop), whose sections are kept as they were.

``--only scale,crawl`` runs just those benchmarks and replaces their sections in the existing
BENCHMARKS.md (each section starts with its ``## `` heading), leaving the others as they were.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable
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
    bench_scale,
    bench_split,
    bench_tests,
)

ROOT = Path(__file__).resolve().parent.parent
# Every benchmark, in BENCHMARKS.md order. A plain run runs all but the slow ones in `ON_REQUEST`.
BENCHES: dict[str, Callable[[bool], str]] = {
    "classifier": bench_classifier.run,
    "pdf": bench_pdf.run,
    "ocr": bench_ocr.run,
    "split": bench_split.run,
    "parse": bench_parse.run,
    "ilga": bench_ilga.run,
    "crawl": bench_crawl.run,
    "comments": bench_comments.run,
    "boundary": bench_boundary.run,
    "scale": bench_scale.run,
    "reads": bench_reads.run,
    "delivery": bench_delivery.run,
    "tests": bench_tests.run,
}
# Minutes each: run with ``--only`` (their sections stay as last measured otherwise).
ON_REQUEST = frozenset({"scale", "tests"})


def _sections(text: str) -> list[str]:
    """The ``## `` sections of a BENCHMARKS.md, each with its heading."""
    parts = ("\n" + text).split("\n## ")[1:]
    return ["## " + part.strip() for part in parts]


def replace_sections(text: str, new: list[str]) -> str:
    """`text` with each section of `new` replacing the one of the same heading (else appended)."""
    head = text.split("\n## ", 1)[0].rstrip() if "\n## " in text else text.rstrip()
    sections = _sections(text)
    for section in new:
        title = section.splitlines()[0]
        at = [i for i, s in enumerate(sections) if s.splitlines()[0] == title]
        if at:
            sections[at[0]] = section
        else:
            sections.append(section)
    return head + "\n\n" + "\n\n".join(sections) + "\n"


def _header(stamp: str) -> str:
    return (
        "# Benchmarks\n\n"
        f"Written by `python -m benchmarks` on {stamp} "
        f"(Python {platform.python_version()}, {platform.machine()}, {platform.system()}). "
        "Each figure is a median over rounds, next to a baseline measured in the same run; "
        "machines here are noisy, so read the ratios.\n"
    )


def main() -> None:
    quick = "--quick" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else []
    unknown = sorted(set(only) - set(BENCHES))
    if unknown:
        sys.exit(f"no such benchmark: {', '.join(unknown)} (known: {', '.join(BENCHES)})")
    names = only or [name for name in BENCHES if name not in ON_REQUEST]
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    sections = [BENCHES[name](quick).strip() for name in names]
    target = ROOT / "BENCHMARKS.md"
    old = target.read_text(encoding="utf-8") if target.exists() else _header(stamp)
    if only:
        sections = [
            s + f"\n\n(Section rerun on {stamp} with `--only {name}`.)"
            for s, name in zip(sections, names, strict=True)
        ]
    else:  # a new header; the sections not run (`ON_REQUEST`) stay as last measured
        old = _header(stamp) + "".join("\n" + s + "\n" for s in _sections(old))
    text = replace_sections(old, sections)
    print(text)
    if not quick:
        target.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
