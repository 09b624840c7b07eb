"""Benchmark: agenda PDF → items (text extraction plus `split_agenda`), pypdfium2 vs pypdf.

Run from the repository root: ``python -m benchmarks.bench_split [--quick]``. Uses the text PDFs in
tests/fixtures/pdf/ (files without a text layer are left out: the pipeline never splits them).
Both methods feed the same splitter; only the extraction differs, so the ratio shows what the
choice of extractor costs per page and how much of the time the splitter itself takes.
"""

from __future__ import annotations

import io
import logging
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pypdf
import pypdfium2

from pipeline.text.agenda_split import split_agenda
from pipeline.text.pdftext import extract_pdf_bytes

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pdf"


def _pdfium_items(data: bytes) -> int:
    """Extract with pypdfium2 (in process, as the worker does) and split; return the item count."""
    return len(split_agenda(extract_pdf_bytes(data).pages))


def _pypdf_items(data: bytes) -> int:
    """Extract with pypdf's default mode and split; return the item count."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(split_agenda([page.extract_text() for page in reader.pages]))


def _text_pdfs() -> dict[str, bytes]:
    """Fixture PDFs that have a text layer, by file name."""
    found = {p.name: p.read_bytes() for p in sorted(FIXTURES.glob("*.pdf"))}
    return {name: data for name, data in found.items() if not extract_pdf_bytes(data).problem}


def _time_round(pdfs: list[bytes], method: Callable[[bytes], object]) -> float:
    """Seconds to run `method` over all `pdfs` once."""
    start = time.perf_counter()
    for data in pdfs:
        method(data)
    return time.perf_counter() - start


def run(quick: bool = False) -> str:
    """Run the benchmark and return a Markdown section with the results."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    files = _text_pdfs()
    pdfs = list(files.values())
    texts = [extract_pdf_bytes(d).pages for d in pdfs]
    pages = sum(len(t) for t in texts)
    # pypdf needs ~9 s per pass over the fixtures here, so rounds are few.
    rounds, repeat = (3, 1) if quick else (5, 2)  # each round processes every file `repeat` times
    batch = pdfs * repeat
    methods: dict[str, Callable[[bytes], object]] = {
        "pypdf + split_agenda (baseline)": _pypdf_items,
        "pypdfium2 + split_agenda": _pdfium_items,
    }
    times: dict[str, list[float]] = {name: [] for name in methods}
    split_only: list[float] = []
    for _ in range(rounds):  # interleave methods so drift hits them all alike
        for name, method in methods.items():
            times[name].append(_time_round(batch, method))
        start = time.perf_counter()
        for _ in range(repeat):
            for page_texts in texts:
                split_agenda(page_texts)
        split_only.append(time.perf_counter() - start)
    counts = {
        name: sum(int(str(method(d))) for d in pdfs) for name, method in methods.items()
    }  # items found once per file, to show the extractors feed the splitter differently
    base = statistics.median(times["pypdf + split_agenda (baseline)"])
    lines = [
        "## Agenda PDF → items (extract + split)",
        "",
        f"{len(files)} text PDFs from tests/fixtures/pdf ({pages} pages), each processed {repeat}× "
        f"per round, {rounds} rounds, methods interleaved; medians.",
        f"Python {platform.python_version()}, pypdfium2 {pypdfium2.version.PYPDFIUM_INFO}, "
        f"pypdf {pypdf.__version__}, {os.cpu_count()} CPUs.",
        "",
        "| method | median s / round | pages / s | speed vs baseline | items found |",
        "|---|---|---|---|---|",
    ]
    for name, samples in times.items():
        median = statistics.median(samples)
        lines.append(
            f"| {name} | {median:.3f} | {pages * repeat / median:,.0f} | {base / median:.1f}× "
            f"| {counts[name]} |"
        )
    split_median = statistics.median(split_only)
    lines += [
        "",
        f"`split_agenda` alone on pre-extracted pypdfium2 text: {split_median:.3f} s / round "
        f"({pages * repeat / split_median:,.0f} pages/s). Item counts differ because pypdf's text "
        "loses markers: it drops the space after some (Rosemead's `A.Recognition …`, so its "
        "sub-items are missed) and glues Sunnyvale's table cells in reverse (`16-03121.C`).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv[1:]))
