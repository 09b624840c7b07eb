"""PDF text extraction with pypdfium2, isolated in a worker process.

PDFium is not thread-safe and untrusted PDFs can hang, exhaust memory or crash native code
(see docs/libraries.md §6). So PDFium runs only inside one spawned worker process per
`PdfExtractor`; a stuck worker is killed on timeout and a dead one is replaced. Bad input never
raises: every failure comes back as `PdfText.error`. Pages without a text layer are read by OCR
(`pipeline.text.ocr`) in the same worker, when OCR options are given.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import multiprocessing
import os
import re
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pydantic import Field

from pipeline.models import StrictModel
from pipeline.text.ocr import OCR_FOUND_NOTHING, OcrOptions, read_pages

if TYPE_CHECKING:
    from concurrent.futures import Future
    from types import TracebackType

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


# Address space for the worker: a PDF bomb fails there, not the host.
WORKER_MEMORY_LIMIT = 2 * 2**30
# A long-lived worker is replaced after this many documents, or when its resident memory passes
# `RECYCLE_RSS` (PDFium and the allocator keep what a big document made them grow to).
RECYCLE_DOCUMENTS = 500
RECYCLE_RSS = 300 * 2**20
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent_pid: int, sig: int = signal.SIGKILL) -> None:
    """Have the kernel send `sig` to this process when its parent dies (Linux; else nothing).

    If the parent is already gone (it died before this ran), exit at once. The signal follows
    the parent *thread* that started this process, so start children from a thread that outlives
    them (the main thread, or the one that waits for them).
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:
        os._exit(1)


def _init_worker(parent_pid: int) -> None:
    """Pool initializer: die with the crawl process; cap the address space where supported."""
    die_with_parent(parent_pid)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_LIMIT, WORKER_MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass


def _rss_bytes(pid: int) -> int:
    """Resident memory of process `pid` (0 when unknown)."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _worker_extract(
    data: bytes, max_pages: int, delay_s: float, ocr: OcrOptions | None = None
) -> PdfText:
    """Entry point run inside the worker process (`delay_s`: see `PdfExtractor.worker_delay_s`)."""
    if delay_s > 0:
        time.sleep(delay_s)
    return extract_pdf_bytes(data, max_pages, ocr)


class PdfExtractor:
    """Extracts PDF text in one lazily spawned, long-lived worker process, with limits.

    Calls are serialised (one PDF in the worker at a time), so a timeout measures only the PDF it
    belongs to. On timeout or cancellation the worker is killed and the next call spawns a fresh
    one; if the worker dies, the call returns an error and the next call spawns a fresh one.
    Use `extract` inside an asyncio loop (Scrapy) and `extract_sync` elsewhere, not both at once.
    The first call's timeout also covers spawning the worker (well under a second).

    The worker serves every crawl of the process (`shared_extractor`) and is replaced after
    ``recycle_documents`` PDFs or once its resident memory passes ``recycle_rss`` bytes. It dies
    with the process that started it (``PR_SET_PDEATHSIG``), so a killed crawl leaves no worker.

    The worker is a ``ProcessPoolExecutor(max_workers=1)`` with the ``spawn`` context rather than
    a hand-made process: it already handles argument/result transport, detects a crashed worker
    (``BrokenProcessPool``) and gives futures that ``asyncio.wrap_future`` can await. ``spawn``
    because forking a process that runs Scrapy's reactor threads (and maybe PDFium) is unsafe.
    """

    def __init__(
        self,
        timeout_s: float = 30.0,
        max_bytes: int = 25 * 2**20,
        max_pages: int = 200,
        worker_delay_s: float = 0.0,
        recycle_documents: int = RECYCLE_DOCUMENTS,
        recycle_rss: int = RECYCLE_RSS,
        ocr: OcrOptions | None = None,
    ) -> None:
        """Set the limits; no process is started until the first PDF.

        With `ocr`, a PDF's deadline is `timeout_s` plus the OCR budget (`OcrOptions.budget_s`).
        `worker_delay_s` is a test-only hook: seconds the worker sleeps before each PDF, to play a
        pathological PDF deterministically (it can be changed between calls).
        """
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.max_pages = max_pages
        self.worker_delay_s = worker_delay_s
        self.recycle_documents = recycle_documents
        self.recycle_rss = recycle_rss
        self.documents = 0  # PDFs sent to the current worker
        self.workers_started = 0
        self.ocr = ocr
        self._pool: ProcessPoolExecutor | None = None
        self._sync_lock = threading.Lock()
        # asyncio.Lock binds to the first loop that waits on it; keep one per loop.
        self._async_lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    @property
    def deadline_s(self) -> float:
        """Seconds one PDF may take in the worker: `timeout_s`, plus the OCR budget if any."""
        return self.timeout_s + (self.ocr.budget_s if self.ocr else 0.0)

    def _precheck(self, data: bytes) -> PdfText | None:
        """Return an error result for input not worth sending to the worker, else None."""
        if len(data) > self.max_bytes:
            return PdfText(error=f"too large: {len(data)} bytes > {self.max_bytes}")
        if not looks_like_pdf(data):
            return PdfText(error="not a PDF")
        return None

    def _submit(self, data: bytes) -> Future[PdfText]:
        """Send one PDF to the worker, spawning it (again) if there is none or it broke."""
        for _ in range(2):
            if self._pool is None:
                ctx = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=ctx,
                    initializer=_init_worker,
                    initargs=(os.getpid(),),
                )
                self.documents = 0
                self.workers_started += 1
            try:
                self.documents += 1
                return self._pool.submit(
                    _worker_extract, data, self.max_pages, self.worker_delay_s, self.ocr
                )
            except BrokenProcessPool:  # the idle worker died since the last call
                self._kill()
        raise BrokenProcessPool("could not start a PDF worker")

    def _kill(self) -> None:
        """Kill the worker process (it may be stuck in native code) and forget the pool."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # Python 3.11 has no public way to stop a busy worker (terminate_workers() is 3.14+), and
        # shutdown() alone would wait for, or abandon, the stuck task.
        processes = list((pool._processes or {}).values())
        for proc in processes:
            proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            proc.join(timeout=5)

    def worker_pids(self) -> list[int]:
        """Process ids of the current worker (empty when none runs)."""
        pool = self._pool
        return [p for p in (pool._processes or {}) if p] if pool is not None else []

    def _maybe_recycle(self) -> None:
        """Between documents: retire a worker that has served enough or grown too big."""
        if self._pool is None:
            return
        big = any(_rss_bytes(pid) > self.recycle_rss for pid in self.worker_pids())
        if self.documents >= self.recycle_documents or big:
            self.close()

    def _failed(self, exc: Exception) -> PdfText:
        """Return the error result for a failed call; kill a stuck or dead worker."""
        if isinstance(exc, TimeoutError):
            self._kill()
            return PdfText(error=f"timed out after {self.deadline_s:g} s")
        if isinstance(exc, BrokenProcessPool):
            self._kill()
            return PdfText(error=f"worker died: {exc}".rstrip(": "))
        return PdfText(error=f"failed: {type(exc).__name__}: {exc}")

    def extract_sync(self, data: bytes) -> PdfText:
        """Extract text from PDF bytes, blocking; never raises for bad input or a bad worker."""
        if (early := self._precheck(data)) is not None:
            return early
        with self._sync_lock:
            try:
                return self._submit(data).result(timeout=self.deadline_s)
            except Exception as exc:  # timeouts, dead worker, spawn failure
                return self._failed(exc)
            finally:
                self._maybe_recycle()

    async def extract(self, data: bytes) -> PdfText:
        """Extract text from PDF bytes without blocking the running asyncio loop."""
        if (early := self._precheck(data)) is not None:
            return early
        loop = asyncio.get_running_loop()
        if self._async_lock is None or self._async_lock[0] is not loop:
            self._async_lock = (loop, asyncio.Lock())
        async with self._async_lock[1]:
            try:
                future = asyncio.wrap_future(self._submit(data))
                return await asyncio.wait_for(future, self.deadline_s)
            except Exception as exc:  # timeouts, dead worker, spawn failure
                return self._failed(exc)
            except asyncio.CancelledError:
                self._kill()  # nobody will read the result; don't let it block the next call
                raise
            finally:
                self._maybe_recycle()

    def terminate(self) -> None:
        """Kill the worker now, even mid-document (its crawls are over); it may be used again."""
        self._kill()

    def close(self) -> None:
        """Stop the worker process; the extractor can still be used (it spawns a new one)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> PdfExtractor:
        """Use as a context manager; the worker is stopped on exit."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the worker."""
        self.close()


_SHARED: dict[tuple[float, int, OcrOptions | None], PdfExtractor] = {}


def shared_extractor(
    timeout_s: float = 30.0,
    max_pages: int = 200,
    worker_delay_s: float = 0.0,
    ocr: OcrOptions | None = None,
) -> PdfExtractor:
    """The process's extractor for these limits: every crawl in the process shares its worker.

    Stop it with `close_shared` when the process is done crawling (the worker also dies with the
    process). `worker_delay_s` (the test hook) is set on it at each call.
    """
    key = (timeout_s, max_pages, ocr)
    if key not in _SHARED:
        _SHARED[key] = PdfExtractor(timeout_s=timeout_s, max_pages=max_pages, ocr=ocr)
    _SHARED[key].worker_delay_s = worker_delay_s
    return _SHARED[key]


def close_shared() -> None:
    """Stop every shared extractor's worker, busy or not: the process is done crawling."""
    for extractor in _SHARED.values():
        extractor.terminate()
