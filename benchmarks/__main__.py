"""Run the benchmarks and write BENCHMARKS.md: ``python -m benchmarks [--quick] [--only a,b]``.

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
)

ROOT = Path(__file__).resolve().parent.parent
BENCHES: dict[str, Callable[[bool], str]] = {
    "classifier": bench_classifier.run,
    "pdf": bench_pdf.run,
    "split": bench_split.run,
    "parse": bench_parse.run,
    "ilga": bench_ilga.run,
    "crawl": bench_crawl.run,
    "comments": bench_comments.run,
    "boundary": bench_boundary.run,
    "scale": bench_scale.run,
}


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


def main() -> None:
    quick = "--quick" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else []
    names = only or list(BENCHES)
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    sections = [BENCHES[name](quick).strip() for name in names]
    target = ROOT / "BENCHMARKS.md"
    if only:
        sections = [
            s + f"\n\n(Section rerun on {stamp} with `--only {name}`.)"
            for s, name in zip(sections, names, strict=True)
        ]
        text = replace_sections(target.read_text(encoding="utf-8"), sections)
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
        header = [
            "# Benchmarks",
            "",
            f"Written by `python -m benchmarks` on {stamp} "
            f"(Python {platform.python_version()}, {platform.machine()}, {platform.system()}). "
            "Each figure is a median over rounds, next to a baseline measured in the same run; "
            "machines here are noisy, so read the ratios.",
            "",
        ]
        text = "\n".join(header) + "\n" + "\n\n".join(sections) + "\n"
    if not quick:
        target.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
