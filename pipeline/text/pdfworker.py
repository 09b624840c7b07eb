"""The PDF worker: one spawned process per `PdfExtractor` that runs PDFium, with limits.

A stuck worker is killed on timeout and a dead one is replaced; every failure comes back as
`PdfText.error`. The worker dies with the process that started it (`die_with_parent`), caps its
address space, and is recycled after many documents or when its memory grows
(`pipeline.text.pdftext` is what runs inside it).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from pipeline.text.ocr import OcrOptions
from pipeline.text.pdftext import PdfText, extract_pdf_bytes, looks_like_pdf

if TYPE_CHECKING:
    from concurrent.futures import Future
    from types import TracebackType

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
