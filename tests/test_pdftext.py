"""Tests for pipeline.text.pdftext and its worker (pdfworker) against real agenda PDFs.

The PDFs in tests/fixtures/pdf/ are byte-for-byte copies from /work/shared/fixtures/real/pdf/; the
facts asserted here (page counts, text on a page, checksums) come from its PROVENANCE.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import multiprocessing
import os
import random
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pypdf
import pytest

from pipeline.text.pdftext import PdfText, extract_pdf_bytes, looks_like_pdf
from pipeline.text.pdfworker import PdfExtractor

FIXTURES = Path(__file__).parent / "fixtures" / "pdf"
AGENDA = "il_warrenville_library_board_agenda_2020-01-15.pdf"
SCANNED = "il_warrenville_library_board_agenda_2018-08-15_scanned_no_text.pdf"
MINUTES = "il_warrenville_library_board_minutes_2020-04-15.pdf"
IDOC = "il_doc_advisory_board_agenda_2019-11-04_unnumbered.pdf"
# sha256 of each fixture as listed in PROVENANCE.md.
SHA256 = {
    AGENDA: "ba6112ceadf88f963a0d08ab5dae5b43665286c48bbd147be65289c01d65b93a",
    SCANNED: "950fb0810691cc1be76e2762279eb20ee32a2234dfa7ddec96edc95e77273385",
    MINUTES: "964500003e8ef217e78bd54bf2380fa5956ca2f874dad7f2a78c500978087b19",
    IDOC: "b5c656986a236f366572d8476ba88e87001fa36886d5be2ce765eb89ba3b8ea4",
}
HTML_ERROR_PAGE = b"<!DOCTYPE html><html><head><title>404 Not Found</title></head></html>"


def _pdf(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _new_children(before: set[multiprocessing.process.BaseProcess]) -> list[int]:
    """Pids of live child processes started since `before` was taken."""
    return [p.pid for p in multiprocessing.active_children() if p not in before and p.pid]


@pytest.fixture(scope="module")
def extractor() -> Iterator[PdfExtractor]:
    """One worker shared by the tests that only need a healthy extractor."""
    with PdfExtractor(timeout_s=20) as ex:
        yield ex


@pytest.mark.parametrize("name", sorted(SHA256))
def test_fixtures_are_the_provenance_files(name: str) -> None:
    assert hashlib.sha256(_pdf(name)).hexdigest() == SHA256[name]


def test_text_agenda_pages_and_items() -> None:
    result = extract_pdf_bytes(_pdf(AGENDA))
    assert (result.error, result.no_text_layer, result.truncated) == (None, False, False)
    assert result.page_count == 2 and len(result.pages) == 2
    first, second = result.pages
    # The letterhead is an image, so the text layer starts with the page-1 footer.
    assert first.startswith("www.warrenville.com\n")
    assert "Wednesday, January 15, 2020, 7:00 p.m." in first
    assert "1. Call to order" in first
    assert "3. Approval of the agenda (ACTION)" in first
    # The page-2 footer is extracted as the first line of page 2; item 10 starts page 2.
    assert second.startswith(
        "Warrenville Public Library District 1/15/2020 Regular Board Meeting Agenda, page 2\n"
    )
    assert "10. New Business" in second and "10. New Business" not in first
    assert "a. Authorize Staff to Plan Staff Appreciation Event (ACTION)" in second
    assert "21. Adjournment (ACTION)" in second
    assert "\r" not in result.text and "\x00" not in result.text
    assert result.text == first + "\f" + second
    assert result.problem is None


def test_running_header_on_every_page_and_line_break_hyphen() -> None:
    result = extract_pdf_bytes(_pdf(MINUTES))
    assert result.error is None and result.page_count == 8
    for number, page in enumerate(result.pages, start=1):
        assert page.startswith("Minutes of the Regular Board of Trustees Meeting\n")
        assert f"Page {number} of 8" in page
    # PDFium marks this line-break hyphen as \x02 / U+FFFE; the page prints "-".
    assert "Non-resident Renters" in result.text
    assert "\x02" not in result.text and "\ufffe" not in result.text


def test_unnumbered_one_page_agenda() -> None:
    result = extract_pdf_bytes(_pdf(IDOC))
    assert result.error is None and result.page_count == 1
    assert "Logan Correctional Center" in result.pages[0]
    assert "Welcome, Introductions and Roll Call – Phil Whittington" in result.pages[0]


def test_scanned_pdf_is_reported_as_no_text_layer() -> None:
    result = extract_pdf_bytes(_pdf(SCANNED))
    assert result.page_count == 2
    assert result.no_text_layer is True
    assert result.error is None
    assert result.problem is not None and "no text layer" in result.problem


def test_page_cap_truncates() -> None:
    result = extract_pdf_bytes(_pdf(MINUTES), max_pages=3)
    assert result.truncated is True
    assert result.page_count == 8 and len(result.pages) == 3
    assert "Page 3 of 8" in result.pages[2]


def _encrypted_agenda() -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(_pdf(AGENDA))))
    writer.encrypt("secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: _pdf(AGENDA)[: len(_pdf(AGENDA)) // 2], "damaged"),
        (lambda: random.Random(7).randbytes(50_000), "not a PDF"),
        (lambda: b"%PDF-1.7\n" + random.Random(7).randbytes(50_000), "damaged"),
        (lambda: HTML_ERROR_PAGE, "not a PDF"),
        (lambda: b"", "not a PDF"),
        (_encrypted_agenda, "encrypted"),
    ],
    ids=["first-half", "random", "random-with-magic", "html", "empty", "encrypted"],
)
def test_bad_input_returns_error(make: Callable[[], bytes], expected: str) -> None:
    result = extract_pdf_bytes(make())
    assert result.error is not None and result.error.startswith(expected)
    assert result.pages == [] and result.no_text_layer is False


def test_looks_like_pdf() -> None:
    assert looks_like_pdf(_pdf(AGENDA), "application/octet-stream")
    assert looks_like_pdf(b"\xef\xbb\xbf\r\n" + _pdf(IDOC))
    assert not looks_like_pdf(HTML_ERROR_PAGE, "application/pdf")
    assert not looks_like_pdf(b" " * 1024 + b"%PDF-1.4")


def test_extractor_sync_matches_in_process(extractor: PdfExtractor) -> None:
    assert extractor.extract_sync(_pdf(AGENDA)) == extract_pdf_bytes(_pdf(AGENDA))
    assert extractor.extract_sync(_pdf(AGENDA)[:40_000]).error == (
        "damaged: not a readable PDF (format error)"
    )


def test_extractor_rejects_oversize_without_worker() -> None:
    before = set(multiprocessing.active_children())
    ex = PdfExtractor(max_bytes=50_000)
    result = ex.extract_sync(_pdf(AGENDA))
    assert result.error is not None and result.error.startswith("too large")
    assert ex.extract_sync(HTML_ERROR_PAGE).error == "not a PDF"
    assert _new_children(before) == []  # no worker was spawned
    ex.close()


def test_async_api_in_event_loop(extractor: PdfExtractor) -> None:
    async def main() -> list[PdfText]:
        names = [AGENDA, SCANNED, IDOC]
        return list(await asyncio.gather(*(extractor.extract(_pdf(n)) for n in names)))

    agenda, scanned, idoc = asyncio.run(main())
    assert agenda.page_count == 2 and "21. Adjournment (ACTION)" in agenda.pages[1]
    assert scanned.no_text_layer is True
    assert idoc.page_count == 1 and "Logan Correctional Center" in idoc.text


def test_timeout_kills_worker_and_recovers() -> None:
    before = set(multiprocessing.active_children())
    ex = PdfExtractor(timeout_s=1.5, worker_delay_s=60)  # the worker sleeps like a stuck PDF

    async def main() -> tuple[PdfText, list[int], PdfText]:
        stuck = await ex.extract(_pdf(AGENDA))
        alive = _new_children(before)
        ex.worker_delay_s = 0  # the replacement worker is healthy
        return stuck, alive, await ex.extract(_pdf(AGENDA))

    stuck, alive_after_timeout, recovered = asyncio.run(main())
    assert stuck.error == "timed out after 1.5 s"
    assert alive_after_timeout == []  # the stuck worker was killed, not abandoned
    assert recovered.error is None and recovered.page_count == 2
    ex.close()
    assert _new_children(before) == []


def test_worker_crash_returns_error_and_recovers() -> None:
    before = set(multiprocessing.active_children())
    ex = PdfExtractor(timeout_s=20, worker_delay_s=60)

    def crash_worker() -> None:
        for pid in _new_children(before):
            os.kill(pid, signal.SIGSEGV)  # what a PDFium crash looks like from outside

    timer = threading.Timer(0.5, crash_worker)
    timer.start()
    crashed = ex.extract_sync(_pdf(AGENDA))
    timer.join()
    ex.worker_delay_s = 0
    assert crashed.error is not None and crashed.error.startswith("worker died")
    recovered = ex.extract_sync(_pdf(IDOC))
    assert recovered.error is None and "Logan Correctional Center" in recovered.text
    ex.close()
    assert _new_children(before) == []


# --- the long-lived worker --------------------------------------------------------------------


def test_one_worker_serves_many_documents_then_is_recycled() -> None:
    data = (FIXTURES / AGENDA).read_bytes()
    with PdfExtractor(recycle_documents=2) as extractor:
        pids = []
        for _ in range(5):
            result = extractor.extract_sync(data)
            assert result.error is None and result.page_count == 2
            pids.append(extractor.worker_pids())
        # Documents 1-2 in the first worker, 3-4 in the second, 5 in the third.
        assert extractor.workers_started == 3
        assert pids[1] == [] and pids[3] == []  # retired right after its second document
        assert pids[0] and pids[2] and pids[0] != pids[2]


def test_a_worker_grown_too_big_is_replaced_before_the_next_document() -> None:
    data = (FIXTURES / AGENDA).read_bytes()
    with PdfExtractor(recycle_rss=1) as extractor:  # any worker is "too big"
        for _ in range(3):
            assert extractor.extract_sync(data).page_count == 2
        assert extractor.workers_started == 3


def test_the_process_shares_one_extractor_per_limits() -> None:
    from pipeline.text.pdfworker import close_shared, shared_extractor

    try:
        assert shared_extractor(30, 200) is shared_extractor(30, 200)
        assert shared_extractor(5, 200) is not shared_extractor(30, 200)
    finally:
        close_shared()
