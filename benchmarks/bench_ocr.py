"""Benchmark: OCR of scanned agenda pages, our settings vs tesseract's defaults, and the page cap.

Run from the repository root: ``python -m benchmarks.bench_ocr [--quick]``. Uses the scanned
PDFs in tests/fixtures/pdf/: Warrenville's 2018 agenda (2 pages, 21 numbered items), Palmdale's
outlined-glyph agenda (3 pages, 9 items) and Norwalk's packet (its 9 scanned pages). Needs
Debian's tesseract; without it the section says so.
"""

from __future__ import annotations

import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from importlib.metadata import version as package_version
from pathlib import Path

import pypdfium2 as pdfium
import pytesseract

from pipeline.text import ocr
from pipeline.text.agenda_split import split_agenda
from pipeline.text.ocr import OcrOptions
from pipeline.text.pdftext import extract_pdf_bytes
from pipeline.text.pdfworker import PdfExtractor

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pdf"
AGENDAS = {  # file → top-level items it has (PROVENANCE.md)
    "il_warrenville_library_board_agenda_2018-08-15_scanned_no_text.pdf": 21,
    "ca_palmdale_measure_av_committee_agenda_2022-11-30_no_text_vector_glyphs.pdf": 9,
}
PACKET = "ca_norwalk_housing_authority_packet_2022-11-15_mixed_scan.pdf"  # pp 7-15 scanned
LONG_PAGES = 200


def _baseline_pages(data: bytes) -> list[str]:
    """Tesseract as it comes: 300 dpi, automatic segmentation, its own OpenMP threads."""
    doc = pdfium.PdfDocument(data)
    pages = []
    for page in doc:
        text = page.get_textpage().get_text_bounded()
        if len("".join(text.split())) >= 10:  # a page with a text layer is not OCR'd
            pages.append(text)
            continue
        image = page.render(scale=300 / 72, grayscale=True).to_pil()
        pages.append(pytesseract.image_to_string(image, lang="eng"))
    doc.close()
    return pages


def _ours(data: bytes) -> list[str]:
    return extract_pdf_bytes(data, max_pages=200, ocr=OcrOptions(max_pages=200)).pages


def _top_items(pages: list[str]) -> int:
    return sum(1 for item in split_agenda(pages) if item.level == 0)


def _long_scan() -> bytes:
    """A 200-page scanned packet BUILT from Warrenville's real 2-page scan, repeated."""
    src = pdfium.PdfDocument(FIXTURES / next(iter(AGENDAS)))
    out = pdfium.PdfDocument.new()
    while len(out) < LONG_PAGES:
        out.import_pages(src)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def run(quick: bool = False) -> str:
    """Run the benchmark and return a Markdown section with the results."""
    heading = ["### OCR of pages without a text layer", ""]
    if shutil.which("tesseract") is None:
        return "\n".join([*heading, "Not measured: tesseract is not installed here.", ""])
    engine = subprocess.run(
        ["tesseract", "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()[0]
    load = os.getloadavg()[0]  # OpenMP threads suffer most from other work on the machine
    files = {name: (FIXTURES / name).read_bytes() for name in [*AGENDAS, PACKET]}
    scanned = 2 + 3 + 9
    rounds = 1 if quick else 3
    times: dict[str, list[float]] = {"tesseract defaults": [], "ours": []}
    found: dict[str, int] = {}
    for _ in range(rounds):  # interleaved, so drift hits both alike
        for name, extract in (("tesseract defaults", _baseline_pages), ("ours", _ours)):
            if name == "tesseract defaults":
                os.environ.pop("OMP_THREAD_LIMIT", None)  # as tesseract runs by default
            start = time.perf_counter()
            results = {f: extract(data) for f, data in files.items()}
            times[name].append(time.perf_counter() - start)
            found[name] = sum(_top_items(results[f]) for f in AGENDAS)
    options = OcrOptions()
    with PdfExtractor(ocr=options) as extractor:
        text_agenda = FIXTURES / "il_warrenville_library_board_agenda_2020-01-15.pdf"
        extractor.extract_sync(text_agenda.read_bytes())  # warm the worker
        start = time.perf_counter()
        long = extractor.extract_sync(_long_scan())
        long_s = time.perf_counter() - start
    base = statistics.median(times["tesseract defaults"])
    lines = [
        *heading,
        f"{scanned} scanned pages from tests/fixtures/pdf (Warrenville 2018 agenda, Palmdale's "
        f"outlined glyphs, Norwalk packet pp 7-15), {rounds} round(s), interleaved; medians. "
        f"{engine}, pytesseract {package_version('pytesseract')}, "
        f"{os.cpu_count()} CPUs (load average {load:.1f} at the start), "
        f"Python {platform.python_version()}.",
        "",
        "| configuration | median s / round | pages / s | speed vs defaults | top-level items found "
        f"(of {sum(AGENDAS.values())}) |",
        "|---|---:|---:|---:|---:|",
    ]
    labels = {
        "tesseract defaults": "tesseract defaults (300 dpi, `--psm 3`, OpenMP threads)",
        "ours": f"ours ({options.dpi} dpi, `{ocr.TESSERACT_CONFIG}`, one thread per page)",
    }
    for name, samples in times.items():
        median = statistics.median(samples)
        lines.append(
            f"| {labels[name]} | {median:.2f} | {scanned / median:.2f} | {base / median:.1f}× "
            f"| {found[name]} |"
        )
    lines += [
        "",
        f"Bounded: a {LONG_PAGES}-page scanned packet (built from the real 2-page scan) through "
        f"the PDF worker with the default limits ({options.max_pages} pages, "
        f"{options.page_timeout_s:g} s a page) took {long_s:.1f} s: {len(long.ocr_pages)} pages "
        f"read, {long.ocr_skipped} left past the cap (deadline {extractor.deadline_s:g} s). "
        "Text-layer pages cost milliseconds (above); OCR costs about a second a page, so "
        "OCR'd results are cached by content hash like any extracted text.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv[1:]))
