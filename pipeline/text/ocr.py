"""OCR for PDF pages that have no text layer: PDFium renders the page, Debian's tesseract reads it.

Runs inside the PDF worker process (`pipeline.text.pdftext` calls `read_pages` on a document it
has open), so the worker's limits hold: its address space cap is inherited by the tesseract
process, and the extractor's deadline covers `OcrOptions.budget_s`. Within that, OCR is bounded
three ways: at most ``max_pages`` pages per document, a hard per-page timeout (the tesseract
process is killed), and a render resolution (``dpi``, capped at `MAX_PIXELS` per page).

The engine is optional. Where the tesseract binary is missing, or cannot load the language, the
pages stay unread and `OcrResult.error` says why; nothing raises.

We call the engine through pytesseract (a maintained wrapper of the tesseract command line)
rather than an in-process binding: each page runs in its own tesseract process with its own
timeout, a crash costs one page, and the engine is Debian's packaged binary, updated with the OS.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
import pytesseract

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

# Page segmentation 4 ("one column of text of variable sizes") rather than tesseract's automatic
# 3: agendas print item numbers in a narrow column that mode 3 often reads as a block of its own,
# parting "5." from its title. Measured (BENCHMARKS.md, PDF section): items split from the OCR
# text of 4 real scans and of 11 text agendas rendered as scans, same words read either way.
TESSERACT_CONFIG = "--psm 4"
# Pixels per rendered page at most (a letter page at 300 dpi has 8.4 M): an oversized page is
# rendered at a lower resolution rather than exhausting the worker's memory.
MAX_PIXELS = 25_000_000
# What the error says when the binary is not there (the agenda is reported "needs OCR").
ENGINE_MISSING = "OCR engine not installed"
OCR_OFF = "OCR is off"
OCR_FOUND_NOTHING = "OCR found no text"  # the pages are blank, or the scan is unreadable


@dataclass(frozen=True)
class OcrOptions:
    """How OCR may run for one document (sent to the worker with each PDF, so it pickles).

    - ``enabled``: False reports pages without a text layer as unread ("OCR is off").
    - ``engine``: the tesseract command, a name on PATH or a path to the binary.
    - ``language``: tesseract language(s), e.g. ``eng`` or ``eng+spa`` (their data must be
      installed: Debian's ``tesseract-ocr-spa`` for Spanish).
    - ``max_pages``: pages OCR'd per document at most, first ones first (a packet opens with its
      agenda); ``page_timeout_s``: seconds per page before the engine is killed; ``dpi``.
    """

    enabled: bool = True
    engine: str = "tesseract"
    language: str = "eng"
    max_pages: int = 10
    page_timeout_s: float = 20.0
    dpi: int = 250

    @classmethod
    def from_scrapy(cls, settings: BaseSettings) -> OcrOptions:
        """The options a crawl was given (the ``AGENDA_WATCH_OCR*`` settings)."""
        default = cls()
        return cls(
            enabled=settings.getbool("AGENDA_WATCH_OCR", default.enabled),
            engine=settings.get("AGENDA_WATCH_OCR_ENGINE") or default.engine,
            language=settings.get("AGENDA_WATCH_OCR_LANGUAGE") or default.language,
            max_pages=settings.getint("AGENDA_WATCH_OCR_MAX_PAGES", default.max_pages),
            page_timeout_s=settings.getfloat(
                "AGENDA_WATCH_OCR_PAGE_TIMEOUT", default.page_timeout_s
            ),
            dpi=settings.getint("AGENDA_WATCH_OCR_DPI", default.dpi),
        )

    @property
    def budget_s(self) -> float:
        """The most OCR can add to one document's extraction time (0 when it is off)."""
        return self.max_pages * self.page_timeout_s if self.enabled else 0.0


@dataclass
class OcrResult:
    """Text read from pages, by 0-based page index, and why any wanted page was not read.

    - ``texts``: the engine's text of each page it read (possibly blank for an empty page).
    - ``error``: why wanted pages were not read (engine missing, OCR off, a timeout, an engine
      failure): worth trying again later. None when every page within the cap was read.
    - ``missing``: the engine (or its language data) is not installed.
    - ``skipped``: wanted pages beyond ``max_pages``, left unread by design (not an error).
    """

    texts: dict[int, str] = field(default_factory=dict)
    error: str | None = None
    missing: bool = False
    skipped: int = 0


def render_scale(width_pt: float, height_pt: float, dpi: int) -> float:
    """PDFium's scale for `dpi`, lowered so the page stays within `MAX_PIXELS`."""
    scale = dpi / 72
    pixels = width_pt * height_pt * scale * scale
    if pixels > MAX_PIXELS:
        scale *= (MAX_PIXELS / pixels) ** 0.5
    return scale


def _render(page: pdfium.PdfPage, dpi: int, path: Path) -> None:
    """Render `page` in greyscale to a PGM file (uncompressed: written in milliseconds)."""
    width, height = page.get_size()
    bitmap = page.render(scale=render_scale(width, height, dpi), grayscale=True)
    try:
        bitmap.to_pil().save(path, format="PPM")
    finally:
        bitmap.close()


def _engine_error(exc: pytesseract.TesseractError, language: str) -> tuple[str, bool]:
    """Our message for a tesseract failure, and whether it means the engine is unusable here."""
    message = " ".join(str(exc.message).split())
    if "Failed loading language" in message or "Error opening data file" in message:
        return f"OCR language data not installed ({language!r})", True
    return f"OCR failed: {message[:200] or f'exit status {exc.status}'}", False


def read_pages(doc: pdfium.PdfDocument, indices: Sequence[int], options: OcrOptions) -> OcrResult:
    """OCR the pages `indices` (0-based) of the open `doc`, in order; never raises for bad input.

    At most ``options.max_pages`` pages are read. The first timeout or engine failure stops OCR
    of this document (what was read is kept): the next page would most likely fail the same way.
    """
    if not indices:
        return OcrResult()
    if not options.enabled:
        return OcrResult(error=OCR_OFF)
    # Tesseract's OpenMP threads fight for cores under load: measured 4x slower on a busy 2-core
    # machine than one thread per page. Crawls run side by side; one thread each is fair.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    pytesseract.pytesseract.tesseract_cmd = options.engine
    wanted = list(indices)
    result = OcrResult()
    with tempfile.TemporaryDirectory(prefix="agenda-watch-ocr-") as tmp:
        for index in wanted[: options.max_pages]:
            image = Path(tmp) / f"page-{index + 1}.pgm"
            try:
                page = doc[index]
                try:
                    _render(page, options.dpi, image)
                finally:
                    page.close()
            except Exception:  # an unrenderable page is skipped, like an unreadable one
                continue
            try:
                text = pytesseract.image_to_string(
                    str(image),
                    lang=options.language,
                    config=TESSERACT_CONFIG,
                    timeout=options.page_timeout_s,
                )
            except pytesseract.TesseractNotFoundError:
                return OcrResult(result.texts, f"{ENGINE_MISSING} ({options.engine!r})", True)
            except OSError as exc:  # e.g. the path exists but is not executable
                return OcrResult(result.texts, f"OCR engine cannot run: {exc.strerror}", True)
            except pytesseract.TesseractError as exc:
                message, missing = _engine_error(exc, options.language)
                return OcrResult(result.texts, message, missing)
            except RuntimeError:  # pytesseract's timeout: it has killed the engine
                limit = f"{options.page_timeout_s:g} s"
                return OcrResult(result.texts, f"OCR timed out on page {index + 1} ({limit})")
            finally:
                image.unlink(missing_ok=True)
            result.texts[index] = text
    result.skipped = max(0, len(wanted) - options.max_pages)
    return result
