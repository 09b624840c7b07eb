"""Scrapy item pipeline stages: validate → extract text → classify → store (+ queue notices).

Each stage is one small class built ``from_crawler``. A failure inside one meeting (a broken PDF,
a bad field) is logged and counted, never allowed to stop the crawl.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bs4 import BeautifulSoup
from pydantic import ValidationError
from scrapy import signals
from scrapy.exceptions import DropItem

from pipeline.classify.classifier import Classifier
from pipeline.classify.meeting import classify_meeting
from pipeline.clock import utcnow
from pipeline.ingest import shared
from pipeline.ingest.reasons import HostTally, crawl_reason
from pipeline.ingest.unread import unread_notice, unread_of, version_of
from pipeline.models import (
    AgendaItem,
    Document,
    Meeting,
    RawDocument,
    Source,
    is_implausible_date,
    item_id,
)
from pipeline.settings import Paths
from pipeline.store.files import JsonStore, write_atomic
from pipeline.store.health import check_health
from pipeline.store.index import MeetingIndex
from pipeline.store.ledger import Ledger
from pipeline.text.agenda_split import split_agenda
from pipeline.text.docx import docx_text, looks_like_docx
from pipeline.text.ocr import OcrOptions
from pipeline.text.pdftext import PdfText, looks_like_pdf
from pipeline.text.pdfworker import PdfExtractor, shared_extractor

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

MAX_DOCUMENT_TEXT = 500_000  # characters of extracted text kept per document
# The run id the crawl runner gave this source (a crawler setting; else a fresh one).
RUN_ID_SETTING = "AGENDA_WATCH_RUN_ID"
# Where a source's health alerts go (the ops channel, else the default one; "" = the default).
OPS_CHANNEL_SETTING = "AGENDA_WATCH_OPS_CHANNEL"


def _stat(crawler: Crawler, key: str, count: int = 1) -> None:
    if crawler.stats is not None:
        crawler.stats.inc_value(f"agenda_watch/{key}", count)


def pdf_extractor(settings: Any) -> PdfExtractor:
    """The process's shared PDF extractor for the crawl's limits (AGENDA_WATCH_PDF_*, _OCR*)."""
    return shared_extractor(
        timeout_s=settings.getfloat("AGENDA_WATCH_PDF_TIMEOUT", 30.0),
        max_pages=settings.getint("AGENDA_WATCH_PDF_MAX_PAGES", 200),
        worker_delay_s=settings.getfloat("AGENDA_WATCH_PDF_WORKER_DELAY", 0.0),
        ocr=OcrOptions.from_scrapy(settings),
    )


class ValidateMeeting:
    """Re-validate what a spider yielded against the `Meeting` contract; drop what fails."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory."""
        return cls(crawler)

    def process_item(self, item: Any) -> Meeting:
        """Return a valid `Meeting` or raise `DropItem` saying which field is wrong."""
        try:
            meeting = Meeting.model_validate(
                item.model_dump() if isinstance(item, Meeting) else item
            )
        except ValidationError as exc:
            if is_implausible_date(exc):  # a placeholder date (9999-12-31): this meeting only
                _stat(self.crawler, "implausible_dates")
                logger.warning("dropped a meeting with an implausible date: %s", exc.errors()[0])
            else:
                _stat(self.crawler, "invalid_meetings")
            raise DropItem(f"invalid meeting: {exc}") from exc
        if isinstance(item, Meeting):  # the transient fields are not dumped: carry them over
            meeting.raw_documents = item.raw_documents
            meeting.comment_texts = item.comment_texts
        if len({i.id for i in meeting.items}) != len(meeting.items):
            _stat(self.crawler, "invalid_meetings")
            raise DropItem(f"meeting {meeting.id} has duplicate item ids")
        return meeting


class ImplausibleDates:
    """Spider middleware: a placeholder date (9999-12-31) costs its meeting, not the crawl.

    It is a counted warning (``agenda_watch/implausible_dates``), not a crawl error. The
    callback that built it stops there; spiders that build many meetings in one callback catch
    the error per row themselves (`pipeline.models.is_implausible_date`).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory."""
        return cls(crawler)

    def process_spider_exception(self, response: Any, exception: Exception) -> list[Any] | None:
        """Swallow (and count) an implausible date; leave every other error to Scrapy."""
        if not (isinstance(exception, ValidationError) and is_implausible_date(exception)):
            return None
        _stat(self.crawler, "implausible_dates")
        logger.warning(
            "dropped a meeting from %s: %s", response.url, exception.errors()[0].get("msg")
        )
        return []


class ExtractText:
    """Turn fetched agenda documents (PDF, DOCX or HTML) into text, within size and time limits.

    A meeting that arrives without items gets them split from its first document that has text
    (`pipeline.text.agenda_split.split_agenda`), so agenda-only platforms are classified like the rest.
    Pages without a text layer are read by OCR where it is installed and on; a document OCR
    cannot read keeps its `Document.error` and yields no items. A meeting left without items
    although a document was fetched gets `Meeting.unread` (`pipeline.ingest.unread`).
    """

    DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    def __init__(self, crawler: Crawler, extractor: PdfExtractor, text_cache: Path) -> None:
        self.crawler = crawler
        self.extractor = extractor
        # Extracted text by content hash: an unchanged agenda PDF is not extracted again.
        self.text_cache = text_cache

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory; limits from the AGENDA_WATCH_PDF_* and AGENDA_WATCH_OCR* settings."""
        settings = crawler.settings
        # One long-lived worker for every crawl in the process (it recycles itself).
        extractor = pdf_extractor(settings)
        return cls(crawler, extractor, Paths.from_scrapy(settings).data_dir / "textcache")

    async def process_item(self, meeting: Meeting) -> Meeting:
        """Replace the meeting's raw documents with extracted `Document`s; note an unread agenda."""
        versions: dict[str, str] = {}
        for raw in meeting.raw_documents:
            document = await self._extract(raw)
            if document.error:
                _stat(self.crawler, "document_errors")
                logger.warning("%s: %s: %s", meeting.id, raw.url, document.error)
            meeting.documents.append(document)
            versions[str(document.url)] = version_of(raw.body)
        meeting.raw_documents = []
        if not meeting.items:
            meeting.items = self._split_items(meeting)
        meeting.unread = unread_of(meeting, versions)
        if meeting.unread is not None:
            logger.warning(
                "%s: agenda not read (%s): %s",
                meeting.id,
                meeting.unread.reason,
                meeting.unread.url,
            )
        return meeting

    def _split_items(self, meeting: Meeting) -> list[AgendaItem]:
        """Items split from the first readable document; duplicate ids keep the first item."""
        for document in meeting.documents:
            if document.error or not document.text.strip():
                continue
            items: dict[str, AgendaItem] = {}
            for split in split_agenda(document.text.split("\f")):
                iid = item_id(meeting.id, None, split.number, split.title)
                if iid not in items:
                    items[iid] = AgendaItem(
                        id=iid,
                        number=split.number,
                        title=split.title,
                        text=split.text,
                        page=split.page,
                        sequence=len(items) + 1,
                    )
            if items:
                _stat(self.crawler, "items_split_from_documents", len(items))
                return list(items.values())
        return []

    async def _pdf_text(self, body: bytes) -> PdfText:
        """PDF text from the cache, else from the worker (cached unless it failed or timed out)."""
        path = self.text_cache / f"{hashlib.sha256(body).hexdigest()}.json"
        if path.exists():
            try:
                cached = PdfText.model_validate_json(path.read_bytes())
            except ValueError:
                path.unlink(missing_ok=True)
            else:
                if cached.final:  # (a scan cached before OCR existed is read again)
                    _stat(self.crawler, "documents_from_cache")
                    return cached
        result = await self.extractor.extract(body)
        if result.ocr_pages:
            _stat(self.crawler, "documents_ocr")
        if result.final:  # not after a failure: the next run may read it (e.g. OCR installed)
            write_atomic(path, result.model_dump_json().encode())
        return result

    async def _extract(self, raw: RawDocument) -> Document:
        # Checked first and by content: CivicPlus serves .docx files behind "PDF" links.
        if looks_like_docx(raw.body):
            try:
                text = docx_text(raw.body)
            except ValueError as exc:
                return Document(url=raw.url, content_type=self.DOCX_TYPE, error=str(exc))
            return Document(
                url=raw.url, content_type=self.DOCX_TYPE, pages=1, text=text[:MAX_DOCUMENT_TEXT]
            )
        if looks_like_pdf(raw.body, raw.content_type):
            result = await self._pdf_text(raw.body)
            error = result.problem
            if result.truncated and not error:
                logger.warning("%s: only the first %d pages were read", raw.url, result.page_count)
            if result.ocr_error or result.ocr_skipped:
                why = result.ocr_error or f"{result.ocr_skipped} page(s) past the OCR page cap"
                logger.warning("%s: pages without a text layer left unread: %s", raw.url, why)
            return Document(
                url=raw.url,
                content_type="application/pdf",
                pages=result.page_count,
                text=result.text[:MAX_DOCUMENT_TEXT],
                error=error,
            )
        if "html" in raw.content_type or raw.body.lstrip()[:1] == b"<":
            soup = BeautifulSoup(raw.body, "html.parser")
            for tag in soup(["script", "style", "noscript"]):
                tag.decompose()
            text = "\n".join(
                line.strip() for line in soup.get_text("\n").splitlines() if line.strip()
            )
            return Document(url=raw.url, content_type="text/html", text=text[:MAX_DOCUMENT_TEXT])
        return Document(
            url=raw.url,
            content_type=raw.content_type,
            error=f"unsupported document type {raw.content_type or 'unknown'!r}",
        )


class ClassifyItems:
    """Classify each agenda item, the meeting title and unsplit agenda documents (``topics.yaml``).

    See `pipeline.classify.meeting.classify_meeting`: a relevant title or document becomes a
    synthetic item at the head of the agenda.
    """

    def __init__(self, crawler: Crawler, classifier: Classifier) -> None:
        self.crawler = crawler
        self.classifier = classifier

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory; rules from ``topics.yaml`` in the config dir (once per process)."""
        return cls(crawler, shared.classifier(Paths.from_scrapy(crawler.settings).topics_path))

    def process_item(self, meeting: Meeting) -> Meeting:
        """Fill ``classification`` on every item (adding synthetic ones for title and documents)."""
        classify_meeting(self.classifier, meeting)
        matches = len(meeting.relevant_items())
        _stat(self.crawler, "items", len(meeting.items))
        _stat(self.crawler, "matches", matches)
        return meeting


class StoreMeeting:
    """Write the meeting's JSON document, then update the ledger and queue notices in one go.

    An unchanged meeting's document is left as it is (no rewrite, no fsync).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        paths = Paths.from_scrapy(crawler.settings)
        self.store = JsonStore(paths.data_dir)
        self.ledger = shared.ledger(paths.ledger)
        self.index = MeetingIndex(paths.data_dir, self.ledger)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory."""
        return cls(crawler)

    def process_item(self, meeting: Meeting) -> Meeting:
        """Store, then record; the order makes a crash between them harmless (rerun re-queues).

        The views' index row of the document goes in the same transaction as the ledger update.
        """
        moved_from = self.ledger.stored_meeting_id(meeting)
        if not self.store.write(meeting):
            _stat(self.crawler, "meetings_unchanged")
        row = self.index.row_of(meeting.id)  # read back: the index describes the file
        source = getattr(self.crawler.spider, "source", None)
        channel = source.slack_channel if source is not None else None
        retired = moved_from if moved_from and moved_from != meeting.id else None
        with self.ledger.transaction():
            notices = self.ledger.record_meeting(meeting, channel)
            notices += self.ledger.record_outcomes(meeting, channel)  # after the thread's opener
            if meeting.unread is not None:
                _stat(self.crawler, "unread")
                note = unread_notice(meeting, channel, utcnow())
                if note is not None and self.ledger.queue_notice(note):  # once per version
                    notices.append(note)
            self.index.record(row, retired)
        if retired:  # rescheduled: one document per meeting
            self.store.remove(retired)
        _stat(self.crawler, "meetings")
        _stat(self.crawler, "notices_queued", len(notices))
        return meeting


class RunRecorder:
    """Record each crawl in the ledger's ``runs`` table: counts, errors, finish reason."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # The crawl runner names the run (to find its record afterwards); else a fresh id.
        self.run_id = crawler.settings.get(RUN_ID_SETTING) or uuid.uuid4().hex
        self.ledger: Ledger | None = None
        self.first_error = ""
        self.hosts = HostTally()  # which hosts answered, for the run's message

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory."""
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        # A stage failing on a meeting (a full disk while storing it) is an error of the run too.
        crawler.signals.connect(ext.spider_error, signal=signals.item_error)
        crawler.signals.connect(
            ext.hosts.request_reached, signal=signals.request_reached_downloader
        )
        crawler.signals.connect(ext.hosts.response_received, signal=signals.response_received)
        return ext

    def spider_error(self, failure: Any) -> None:
        """Keep the first error's message for the run record (what a maintainer sees first).

        Connected to ``spider_error`` (a callback raised) and ``item_error`` (a stage raised).
        """
        if not self.first_error:
            self.first_error = f"{failure.type.__name__}: {failure.getErrorMessage()}"

    def spider_opened(self) -> None:
        """Note the start in the ledger."""
        self.ledger = shared.ledger(Paths.from_scrapy(self.crawler.settings).ledger)
        self.ledger.start_run(self.run_id, self._source())

    def spider_closed(self, reason: str) -> None:
        """Write the run's counts. Zero meetings counts as an error: sites fail silently."""
        if self.ledger is None:
            return
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        errors = int(stats.get("log_count/ERROR", 0))
        meetings = int(stats.get("agenda_watch/meetings", 0))
        if reason == "closespider_timeout" and not self.first_error:
            timeout = self.crawler.settings.getfloat("CLOSESPIDER_TIMEOUT")
            self.first_error = f"stopped by the crawl timeout ({timeout:g} s)"
        elif reason == "shutdown" and not self.first_error:
            self.first_error = "stopped before its end: the crawl was shut down"
        self.ledger.finish_run(
            self.run_id,
            self._source(),
            meetings=meetings,
            items=int(stats.get("agenda_watch/items", 0)),
            matches=int(stats.get("agenda_watch/matches", 0)),
            notices=int(stats.get("agenda_watch/notices_queued", 0)),
            errors=errors,
            unread=int(stats.get("agenda_watch/unread", 0)),
            finish_reason=reason,
            message=self._message(stats, meetings),
        )
        self._check_health()

    def _check_health(self) -> None:
        """Alert (or say recovered) from the crawl itself: a Scrapyd job has no parent to."""
        source = getattr(self.crawler.spider, "source", None)
        if self.ledger is None or not isinstance(source, Source):
            return
        channel = self.crawler.settings.get(OPS_CHANNEL_SETTING) or None
        check_health(self.ledger, source.id, source.name, source.alert_after, channel)

    def _message(self, stats: dict[str, Any], meetings: int) -> str:
        """Why the crawl found what it found: network, robots.txt, HTTP, shape, or empty."""
        return crawl_reason(stats, self.first_error, meetings, self.hosts)

    def _source(self) -> str:
        spider = self.crawler.spider
        return str(getattr(spider, "name", "?"))
