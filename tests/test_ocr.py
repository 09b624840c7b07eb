"""OCR of pages without a text layer: real scans, Debian's tesseract, the PDF worker's limits.

The PDFs are byte-for-byte copies from /work/shared/fixtures/real/pdf/; the facts asserted come
from its PROVENANCE.md (files 3, 11 and 12), read there by eye from the rendered pages, and for
Norwalk's page 7 from the page rendered here and read by eye. Tests that need the engine use the
``tesseract`` fixture (it skips without one, except under CI, where .ci/run installs it); the
tests of a missing engine point the engine setting at a file that does not exist, so they run
everywhere.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pydantic import ValidationError

from pipeline.settings import Settings
from pipeline.text.agenda_split import split_agenda
from pipeline.text.ocr import MAX_PIXELS, OcrOptions, render_scale
from pipeline.text.pdftext import PdfText, extract_pdf_bytes
from pipeline.text.pdfworker import PdfExtractor

FIXTURES = Path(__file__).parent / "fixtures" / "pdf"
SCANNED = "il_warrenville_library_board_agenda_2018-08-15_scanned_no_text.pdf"  # [3]
OUTLINED = "ca_palmdale_measure_av_committee_agenda_2022-11-30_no_text_vector_glyphs.pdf"  # [11]
MIXED = "ca_norwalk_housing_authority_packet_2022-11-15_mixed_scan.pdf"  # [12]


def _pdf(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _repeat_pages(name: str, pages: int) -> bytes:
    """A long scanned packet BUILT from a real scan: its pages repeated to `pages` pages."""
    src = pdfium.PdfDocument(_pdf(name))
    out = pdfium.PdfDocument.new()
    while len(out) < pages:
        out.import_pages(src, list(range(min(len(src), pages - len(out)))))
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def scanned(tesseract: str) -> Iterator[PdfText]:
    """The scanned Warrenville agenda read through the PDF worker with the default OCR options."""
    with PdfExtractor(timeout_s=30, ocr=OcrOptions(engine=tesseract)) as extractor:
        yield extractor.extract_sync(_pdf(SCANNED))


def test_a_scanned_agenda_is_read_in_the_worker(scanned: PdfText) -> None:
    assert scanned.no_text_layer is True  # the file itself has no text
    assert (scanned.ocr_pages, scanned.ocr_error, scanned.problem) == ([1, 2], None, None)
    assert scanned.final  # worth caching
    first, second = scanned.pages
    assert "Regular Meeting of the Board of Trustees" in first
    assert "Wednesday, August 15, 2018, 7:00 p.m." in first
    assert "Employee Recognition (Sandy Kozurek, 10 years" in first  # ")" is read as "}"
    assert "Review and Accept Proposal for Strategic Planning Services (ACTION)" in first
    assert "Adjournment (ACTION)" in second and "Adjournment" not in first
    assert "8/15/18 Regular Board Meeting Agenda, page 2" in second
    assert "\f" not in scanned.text.replace("\f", "", 1)  # one page break, between the pages


def test_items_split_from_the_ocr_text(scanned: PdfText) -> None:
    """PROVENANCE: 21 top-level items; sub-items 4a, 7a-c, 8a-b, 10a-b and 13a."""
    items = split_agenda(scanned.pages)
    top = [i for i in items if i.level == 0]
    assert [i.number for i in top] == [f"{n}." for n in range(1, 22)]
    assert [(i.number, i.title) for i in top[:3]] == [
        ("1.", "Call to order"),
        ("2.", "Roll Call (Trustees DuRocher, Lezon, Picha, Richardson, Ruzicka, Stull, Warren)"),
        ("3.", "Approval of the agenda (ACTION)"),
    ]
    assert [i.title for i in top[-2:]] == [
        "Discussion/action resulting from the above closed session (ACTION)",
        "Adjournment (ACTION)",
    ]
    assert len(items) - len(top) == 9
    recognition = items[4]
    assert (recognition.number, recognition.level) == ("a.", 1)
    assert recognition.title.startswith("Employee Recognition (Sandy Kozurek, 10 years")
    assert (top[0].page, top[10].number, top[10].page) == (1, "11.", 2)


def test_outlined_glyphs_are_rendered_and_read(tesseract: str) -> None:
    """Palmdale draws its glyphs as vector paths (no images): only rendering the page finds text."""
    result = extract_pdf_bytes(_pdf(OUTLINED), ocr=OcrOptions(engine=tesseract))
    assert result.ocr_pages == [1, 2, 3] and result.problem is None
    assert "MEASURE AV OVERSIGHT COMMITTEE" in result.pages[0]
    assert "WEDNESDAY, NOVEMBER 30, 2022" in result.pages[0]
    items = split_agenda(result.pages)
    top = [(i.number, i.title) for i in items if i.level == 0]
    assert [n for n, _ in top] == [f"{n}." for n in range(1, 10)]
    assert top[:2] == [("1.", "CALL TO ORDER"), ("2.", "PLEDGE OF ALLEGIANCE")]
    assert top[2][1].startswith("ROLL CALL")
    assert top[-1][1].startswith("ADJOURN meeting to January 25, 2023 at 5:00 p.m.")
    assert [i.number for i in items if i.level == 1] == ["5.1", "6.1", "7.1"]


def test_only_the_scanned_pages_of_a_mixed_packet_are_read(tesseract: str) -> None:
    """Norwalk: pages 1-6 have text, 7-15 are scans; OCR reads scans up to its page cap."""
    result = extract_pdf_bytes(_pdf(MIXED), ocr=OcrOptions(engine=tesseract, max_pages=2))
    plain = extract_pdf_bytes(_pdf(MIXED))
    assert result.pages[:6] == plain.pages[:6]  # the text layer is kept as it is
    assert (result.ocr_pages, result.ocr_skipped, result.ocr_error) == ([7, 8], 7, None)
    assert result.problem is None and result.final
    page7 = result.pages[6]
    assert page7.startswith("ATTACHMENT 2")
    assert "Check Summary October 15, 2022" in page7
    assert "Orange County Housing Authority" in page7 and "$3,965.16" in page7
    assert all(not page.strip() for page in result.pages[8:])


def test_a_200_page_scan_is_bounded_by_the_page_cap(tesseract: str) -> None:
    """A 200-page scanned packet (BUILT by repeating the real 2-page scan) cannot stall a crawl."""
    options = OcrOptions(engine=tesseract, max_pages=4, page_timeout_s=20)
    with PdfExtractor(timeout_s=30, ocr=options) as extractor:
        assert extractor.deadline_s == 30 + 4 * 20
        started = time.monotonic()
        result = extractor.extract_sync(_repeat_pages(SCANNED, 200))
        elapsed = time.monotonic() - started
    assert result.page_count == 200 and result.error is None
    assert (result.ocr_pages, result.ocr_skipped) == ([1, 2, 3, 4], 196)
    assert "Call to order" in result.pages[2]  # page 3 is the scan's page 1 again
    assert elapsed < extractor.deadline_s


def test_a_page_over_its_timeout_stops_ocr_with_a_reason(tesseract: str) -> None:
    options = OcrOptions(engine=tesseract, page_timeout_s=0.05)
    started = time.monotonic()
    result = extract_pdf_bytes(_pdf(SCANNED), ocr=options)
    assert time.monotonic() - started < 10  # the engine was killed, not waited for
    assert result.ocr_pages == [] and result.ocr_error == "OCR timed out on page 1 (0.05 s)"
    assert result.problem == (
        "no text layer (scanned or outlined glyphs): needs OCR (OCR timed out on page 1 (0.05 s))"
    )
    assert not result.final  # tried again on the next crawl


def test_missing_language_data_is_reported(tesseract: str) -> None:
    result = extract_pdf_bytes(_pdf(SCANNED), ocr=OcrOptions(engine=tesseract, language="zzz"))
    assert result.ocr_error == "OCR language data not installed ('zzz')"
    assert result.problem is not None and result.problem.endswith(
        "needs OCR (OCR language data not installed ('zzz'))"
    )


# --- no engine: these run everywhere ---------------------------------------------------------


def test_a_missing_engine_reports_needs_ocr(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-tesseract")
    with PdfExtractor(timeout_s=30, ocr=OcrOptions(engine=missing)) as extractor:
        result = extractor.extract_sync(_pdf(SCANNED))
    assert result.error is None and result.no_text_layer and result.ocr_pages == []
    assert result.ocr_error == f"OCR engine not installed ({missing!r})"
    assert result.problem == (
        "no text layer (scanned or outlined glyphs): needs OCR "
        f"(OCR engine not installed ({missing!r}))"
    )
    assert not result.final
    assert result.pages == ["", ""]


def test_an_engine_that_cannot_run_is_reported(tmp_path: Path) -> None:
    not_executable = tmp_path / "tesseract"
    not_executable.write_text("not a program")
    result = extract_pdf_bytes(_pdf(SCANNED), ocr=OcrOptions(engine=str(not_executable)))
    assert result.ocr_error == "OCR engine cannot run: Permission denied"


def test_ocr_off_reports_needs_ocr_and_text_pdfs_never_call_the_engine(tmp_path: Path) -> None:
    off = extract_pdf_bytes(_pdf(SCANNED), ocr=OcrOptions(enabled=False))
    assert off.problem == "no text layer (scanned or outlined glyphs): needs OCR (OCR is off)"
    # A text agenda has nothing for OCR: even a missing engine changes nothing.
    agenda = "il_warrenville_library_board_agenda_2020-01-15.pdf"
    engine = str(tmp_path / "absent")
    text = extract_pdf_bytes(_pdf(agenda), ocr=OcrOptions(engine=engine))
    assert text == extract_pdf_bytes(_pdf(agenda)) and text.final


def test_render_scale_caps_pixels() -> None:
    assert render_scale(612, 792, 250) == pytest.approx(250 / 72)  # a letter page as asked
    # A 100 x 100 inch drawing at 250 dpi would be 625 M pixels; it is scaled down to the cap.
    scale = render_scale(7200, 7200, 250)
    assert (7200 * scale) ** 2 == pytest.approx(MAX_PIXELS)


def test_ocr_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENDA_WATCH_OCR_LANGUAGE", "eng+spa")
    monkeypatch.setenv("AGENDA_WATCH_OCR_MAX_PAGES", "3")
    settings = Settings()
    assert (settings.ocr, settings.ocr_language, settings.ocr_max_pages) == (True, "eng+spa", 3)
    monkeypatch.setenv("AGENDA_WATCH_OCR_LANGUAGE", "eng --tessdata-dir /tmp")
    with pytest.raises(ValidationError, match="AGENDA_WATCH_OCR_LANGUAGE"):
        Settings()
    monkeypatch.setenv("AGENDA_WATCH_OCR_LANGUAGE", "eng")
    monkeypatch.setenv("AGENDA_WATCH_OCR_DPI", "5000")
    with pytest.raises(ValidationError, match="AGENDA_WATCH_OCR_DPI"):
        Settings()
