"""Benchmark: PDF text extraction speed, pypdfium2 (in process and via the worker) vs pypdf.

Run from the repository root: ``python -m benchmarks.bench_pdf [--quick]``. Uses the text PDFs in
tests/fixtures/pdf/ (files without a text layer are left out: there is nothing to extract).
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

from pipeline.text.pdftext import extract_pdf_bytes
from pipeline.text.pdfworker import PdfExtractor

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pdf"


def _pypdf_pages(data: bytes) -> int:
    """Extract every page with pypdf's default (non-layout) mode; return the page count."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    for page in reader.pages:
        page.extract_text()
    return len(reader.pages)


def _text_pdfs() -> dict[str, bytes]:
    """Fixture PDFs that have a text layer, by file name."""
    found = {p.name: p.read_bytes() for p in sorted(FIXTURES.glob("*.pdf"))}
    return {name: data for name, data in found.items() if not extract_pdf_bytes(data).problem}


def _time_round(pdfs: list[bytes], extract: Callable[[bytes], object]) -> float:
    """Seconds to extract all `pdfs` once."""
    start = time.perf_counter()
    for data in pdfs:
        extract(data)
    return time.perf_counter() - start


def run(quick: bool = False) -> str:
    """Run the benchmark and return a Markdown section with the results."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    files = _text_pdfs()
    pdfs = list(files.values())
    pages = sum(extract_pdf_bytes(d).page_count for d in pdfs)
    rounds, repeat = (3, 3) if quick else (7, 10)  # each round extracts every file `repeat` times
    batch = pdfs * repeat
    times: dict[str, list[float]] = {"pypdf": [], "pypdfium2 in process": [], "PdfExtractor": []}
    cold: list[float] = []
    with PdfExtractor() as extractor:
        extractor.extract_sync(pdfs[0])  # warm: spawn the worker before timing
        for _ in range(rounds):  # interleave methods so drift hits them all alike
            times["pypdf"].append(_time_round(batch, _pypdf_pages))
            times["pypdfium2 in process"].append(_time_round(batch, extract_pdf_bytes))
            times["PdfExtractor"].append(_time_round(batch, extractor.extract_sync))
            with PdfExtractor() as fresh:  # cost of a cold worker: spawn + import + one PDF
                cold.append(_time_round(pdfs[:1], fresh.extract_sync))
    base = statistics.median(times["pypdf"])
    lines = [
        "## PDF text extraction",
        "",
        f"{len(files)} text PDFs from tests/fixtures/pdf ({pages} pages: {', '.join(files)}), "
        f"each extracted {repeat}× per round, {rounds} rounds, methods interleaved; medians.",
        f"Python {platform.python_version()}, pypdfium2 {pypdfium2.version.PYPDFIUM_INFO}, "
        f"pypdf {pypdf.__version__}, {os.cpu_count()} CPUs.",
        "",
        "| method | median s / round | pages / s | speed vs pypdf |",
        "|---|---|---|---|",
    ]
    for name, samples in times.items():
        median = statistics.median(samples)
        lines.append(
            f"| {name} | {median:.3f} | {pages * repeat / median:,.0f} | {base / median:.1f}× |"
        )
    overhead = statistics.median(times["PdfExtractor"]) - statistics.median(
        times["pypdfium2 in process"]
    )
    lines += [
        "",
        f"PdfExtractor overhead over in-process: {overhead / len(batch) * 1000:.1f} ms per PDF "
        "(bytes and result pickled across the process boundary). A cold worker (spawn, imports, "
        f"first PDF `{next(iter(files))}`) takes {statistics.median(cold):.2f} s (median).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv[1:]))
