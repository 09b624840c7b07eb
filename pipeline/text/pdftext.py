"""PDF text extraction with pypdfium2: `extract_pdf_bytes`, and what it returns (`PdfText`).

PDFium is not thread-safe and untrusted PDFs can hang, exhaust memory or crash native code
(see docs/libraries.md §6), so the crawl runs this only inside the worker process of
`pipeline.text.pdfworker.PdfExtractor`. Bad input never raises: every failure comes back as
`PdfText.error`. Pages without a text layer are read by OCR (`pipeline.text.ocr`) in the same
worker, when OCR options are given.
"""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pydantic import Field

from pipeline.models import StrictModel
from pipeline.text.ocr import OCR_FOUND_NOTHING, OcrOptions, read_pages

PDF_MAGIC = b"%PDF-"
# Servers may put a BOM, whitespace or junk before the header; PDF readers accept it within 1 KiB.
MAGIC_WINDOW = 1024
# Fewer non-whitespace characters per page than this (on average) means "no text layer": a scan,
# or glyphs drawn as vector outlines. A real agenda page has hundreds.
MIN_CHARS_PER_PAGE = 10

# Control characters that are not line structure (everything in C0 except \t and \n).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f]")
# PDFium marks a hyphen at a line break as \x02 (bounded text) or U+FFFE (text range), e.g.
# "Non\x02resident"; the printed page shows "-".
_LINE_HYPHEN_RE = re.compile("[\x02\ufffe]")

# PDFium document-load error codes → our error messages.
_LOAD_ERRORS = {
    pdfium_c.FPDF_ERR_PASSWORD: "encrypted",
    pdfium_c.FPDF_ERR_SECURITY: "encrypted (unsupported security handler)",
    pdfium_c.FPDF_ERR_FORMAT: "damaged: not a readable PDF (format error)",
    pdfium_c.FPDF_ERR_FILE: "damaged: file error",
}


class PdfText(StrictModel):
    """Text extracted from one PDF.

    - ``pages``: normalised text of each extracted page, in order (at most ``max_pages``).
    - ``page_count``: pages in the document (may exceed ``len(pages)`` when ``truncated``).
    - ``error``: why extraction failed ("not a PDF", "encrypted", "damaged: …", "timed out after
      N s", "too large: …", "worker died: …"), else None. Pages may still hold partial text.
    - ``no_text_layer``: the PDF has pages but (almost) no extractable text, e.g. a scan: it needs
      OCR. Never treat it as an empty agenda; `problem` turns it into a `Document.error` text
      unless OCR read it.
    - ``truncated``: the page cap was hit; only the first ``max_pages`` pages were extracted.
    - ``ocr_pages``: 1-based pages whose text OCR read (it is in ``pages``).
    - ``ocr_error``: why pages without a text layer were not read by OCR (engine missing, OCR
      off, a timeout); worth trying again, so such a result is not cached.
    - ``ocr_skipped``: pages without a text layer left unread by the OCR page cap.
    """

    pages: list[str] = Field(default_factory=list)
    page_count: int = 0
    error: str | None = None
    no_text_layer: bool = False
    truncated: bool = False
    ocr_pages: list[int] = Field(default_factory=list)
    ocr_error: str | None = None
    ocr_skipped: int = 0

    @property
    def text(self) -> str:
        """All pages joined with form feeds, so page boundaries survive."""
        return "\f".join(self.pages)

    @property
    def problem(self) -> str | None:
        """What to store as `Document.error`: the error, or a note that there is no text layer."""
        if self.error:
            return self.error
        if self.no_text_layer and not self.ocr_pages:
            why = f" ({self.ocr_error})" if self.ocr_error else ""
            return f"no text layer (scanned or outlined glyphs): needs OCR{why}"
        return None

    @property
    def final(self) -> bool:
        """True when the same bytes would extract the same again: worth caching.

        Not after a failure, nor when OCR could not run on pages that need it (missing engine,
        OCR off, a timeout), nor for a scan extracted before OCR was tried on it.
        """
        if self.error is not None or self.ocr_error not in (None, OCR_FOUND_NOTHING):
            return False
        return not (self.no_text_layer and not self.ocr_pages and self.ocr_error is None)


def looks_like_pdf(data: bytes, content_type: str = "") -> bool:
    """Tell whether `data` starts like a PDF (``%PDF-`` within the first 1024 bytes).

    The content type is deliberately not trusted either way: some servers send PDFs as
    ``application/octet-stream`` and some send HTML error pages as ``application/pdf``.
    """
    return PDF_MAGIC in data[:MAGIC_WINDOW]


def normalise_text(text: str) -> str:
    """Unify line ends to LF, restore line-break hyphens, drop NULs and other control chars."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_RE.sub("", _LINE_HYPHEN_RE.sub("-", text))


def extract_pdf_bytes(data: bytes, max_pages: int = 200, ocr: OcrOptions | None = None) -> PdfText:
    """Extract per-page text from PDF bytes with pypdfium2; never raises for bad input.

    With `ocr`, pages without a text layer are then read by OCR (or say why they were not).
    Runs PDFium in the calling process: call it from the `PdfExtractor` worker (or a single-threaded
    script), never from several threads at once.
    """
    if not looks_like_pdf(data):
        return PdfText(error="not a PDF")
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        return PdfText(error=_LOAD_ERRORS.get(exc.err_code, f"damaged: {exc}"))
    except Exception as exc:  # any library failure is a bad file, not a crash
        return PdfText(error=f"damaged: {type(exc).__name__}: {exc}")
    try:
        result = _extract_pages(doc, max_pages)
        return result if ocr is None or result.error else _add_ocr(doc, result, ocr)
    except Exception as exc:  # e.g. a broken page tree
        return PdfText(error=f"damaged: {type(exc).__name__}: {exc}")
    finally:
        doc.close()


def _extract_pages(doc: pdfium.PdfDocument, max_pages: int) -> PdfText:
    """Text of the first `max_pages` pages of an open document; a bad page is noted, not fatal."""
    page_count = len(doc)
    if page_count == 0:
        return PdfText(error="damaged: no pages")
    pages: list[str] = []
    bad: list[int] = []
    for index in range(min(page_count, max_pages)):
        try:
            page = doc[index]
            textpage = page.get_textpage()
            pages.append(normalise_text(textpage.get_text_bounded()))
            textpage.close()
            page.close()
        except Exception:  # one unreadable page must not lose the others
            pages.append("")
            bad.append(index + 1)
    chars = sum(_chars(p) for p in pages)
    return PdfText(
        pages=pages,
        page_count=page_count,
        error=f"damaged: unreadable page(s) {bad}" if bad else None,
        no_text_layer=chars < MIN_CHARS_PER_PAGE * len(pages),
        truncated=page_count > max_pages,
    )


def _chars(page: str) -> int:
    """Non-whitespace characters on a page."""
    return len("".join(page.split()))


def _add_ocr(doc: pdfium.PdfDocument, result: PdfText, ocr: OcrOptions) -> PdfText:
    """`result` with its pages that have (almost) no text read by OCR, where OCR can."""
    wanted = [i for i, page in enumerate(result.pages) if _chars(page) < MIN_CHARS_PER_PAGE]
    if not wanted:
        return result
    found = read_pages(doc, wanted, ocr)
    pages = list(result.pages)
    for index, text in found.texts.items():
        pages[index] = normalise_text(text).strip()
    read = [index + 1 for index in sorted(found.texts) if pages[index]]
    error = found.error
    if error is None and not read and result.no_text_layer:
        error = OCR_FOUND_NOTHING
    return result.model_copy(
        update={"pages": pages, "ocr_pages": read, "ocr_error": error, "ocr_skipped": found.skipped}
    )
