"""Item-pipeline stages for what comes before and after a vote: comment windows and roll calls.

- `ReadCommentWindow` (after text extraction, before classification): how and by when the public
  may comment, read separately from each text that may say so — the platform's comment field and
  the meeting page the spider kept (`Meeting.comment_texts`), each agenda document, the agenda
  items — and merged into `Meeting.comment`.
- `ReadMinutes` (after the roll calls): for relevant items of a past meeting that the platform
  left without an outcome, the outcome its minutes document records.
- `FetchRollCalls` (after classification, before storing): for relevant items the platform has
  decided, the roll call, fetched through the crawl's own engine (same politeness, robots.txt and
  cache) from spiders that know how (`TakesRollCalls`). A roll call already stored for the same
  action is carried forward instead of fetched again, so re-crawling a past meeting costs nothing.

A failure reading one text or fetching one roll call is logged and counted; it costs that field,
never the meeting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup
from scrapy import Request as ScrapyRequest

from pipeline.clock import utcnow
from pipeline.ingest.stages import pdf_extractor
from pipeline.models import AgendaItem, CommentWindow, Meeting, Outcome, Vote
from pipeline.settings import Paths
from pipeline.store.files import JsonStore
from pipeline.text.comments import extract_comment_window, merge_windows
from pipeline.text.minutes import minutes_outcomes
from pipeline.text.pdftext import looks_like_pdf
from pipeline.text.pdfworker import PdfExtractor

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

MAX_ITEMS_TEXT = 200_000  # characters of item titles and notes read for a comment window


def _stat(crawler: Crawler, key: str, count: int = 1) -> None:
    if crawler.stats is not None:
        crawler.stats.inc_value(f"agenda_watch/{key}", count)


def comment_texts(meeting: Meeting) -> list[tuple[str, str]]:
    """(what, text) pairs a meeting offers for reading its comment window, each read alone."""
    texts = [("comment field", t) for t in meeting.comment_texts if t.strip()]
    texts += [(str(d.url), d.text) for d in meeting.documents if not d.error and d.text.strip()]
    items = "\n\n".join(f"{i.title}\n{i.text}".strip() for i in meeting.items)
    if items.strip():
        texts.append(("agenda items", items[:MAX_ITEMS_TEXT]))
    return texts


def read_comment_window(meeting: Meeting) -> tuple[CommentWindow | None, list[str]]:
    """The merged window of every text of `meeting`, and the problems met (one per bad text).

    Relative deadlines ("noon the day before") resolve on the body's own clock: the start is
    taken in the meeting's IANA zone, not the fixed offset it was stored with.
    """
    start = meeting.start.astimezone(ZoneInfo(meeting.timezone))
    windows: list[CommentWindow] = []
    problems: list[str] = []
    for what, text in comment_texts(meeting):
        try:
            window = extract_comment_window(text, start)
        except Exception as exc:  # one unreadable text costs that text, not the meeting
            problems.append(f"{what}: {type(exc).__name__}: {exc}")
            continue
        if window is not None:
            windows.append(window)
    return merge_windows(windows), problems


@dataclass
class ReadCommentWindow:
    """Fill `Meeting.comment` from the meeting's texts; clear the transient `comment_texts`."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory."""
        return cls(crawler)

    def process_item(self, meeting: Meeting) -> Meeting:
        """The meeting with its comment window (None when no text says how to comment)."""
        window, problems = read_comment_window(meeting)
        for problem in problems:
            _stat(self.crawler, "comment_errors")
            logger.warning("%s: comment window not read from %s", meeting.id, problem)
        meeting.comment = window
        meeting.comment_texts = []
        if window is not None:
            _stat(self.crawler, "comment_windows")
        return meeting


@runtime_checkable
class TakesRollCalls(Protocol):
    """A spider whose platform publishes roll calls per agenda item (Legistar's Web API)."""

    def roll_call_request(self, meeting: Meeting, item: AgendaItem) -> Request | None:
        """The request for `item`'s votes, or None when the item has no platform id."""

    def parse_roll_call(self, response: Response) -> list[Vote]:
        """The votes in the answer (empty for none, or for an error answer)."""


class FetchRollCalls:
    """Fill ``outcome.votes`` of relevant decided items, through the crawl's engine."""

    def __init__(self, crawler: Crawler, store: JsonStore) -> None:
        self.crawler = crawler
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory; the store is read for roll calls already fetched."""
        return cls(crawler, JsonStore(Paths.from_scrapy(crawler.settings).data_dir))

    async def process_item(self, meeting: Meeting) -> Meeting:
        """The meeting, its relevant decided items carrying their roll calls where published."""
        spider: Any = self.crawler.spider
        if not isinstance(spider, TakesRollCalls):
            return meeting
        wanted = [i for i in meeting.relevant_items() if i.outcome and not i.outcome.votes]
        if not wanted:
            return meeting
        held = self._stored_votes(meeting)
        for item in wanted:
            assert item.outcome is not None
            known = held.get(item.id)
            if known is not None and known[0] == item.outcome.action:
                item.outcome.votes = known[1]
                continue
            item.outcome.votes = await self._fetch(spider, meeting, item)
        return meeting

    def _stored_votes(self, meeting: Meeting) -> dict[str, tuple[str, list[Vote]]]:
        """Item id → (action, votes) from the meeting's stored copy, for items that had votes."""
        try:
            stored = self.store.read(meeting.id)
        except (OSError, ValueError):  # never stored, or unreadable: fetch again
            return {}
        return {
            i.id: (i.outcome.action, i.outcome.votes)
            for i in stored.items
            if i.outcome and i.outcome.votes
        }

    async def _fetch(
        self, spider: TakesRollCalls, meeting: Meeting, item: AgendaItem
    ) -> list[Vote]:
        request = spider.roll_call_request(meeting, item)
        if request is None or self.crawler.engine is None:
            return []
        where = urlsplit(request.url).path  # the query may carry a platform token: never logged
        try:
            response = await self.crawler.engine.download_async(request)
            votes = spider.parse_roll_call(response)
        except Exception as exc:  # one roll call lost, logged; the outcome itself still stands
            _stat(self.crawler, "roll_call_errors")
            logger.warning("%s: roll call %s not read: %s", meeting.id, where, type(exc).__name__)
            return []
        _stat(self.crawler, "roll_calls")
        return votes


class ReadMinutes:
    """Outcomes from a past meeting's minutes document, for relevant items the platform left bare.

    Runs after `FetchRollCalls`: an item whose platform recorded an outcome keeps it. For a meeting
    that has started, with a minutes link and relevant items without an outcome, the minutes are
    fetched through the crawl's engine (polite, cached), their text extracted in the PDF worker,
    and each item's section read (`pipeline.text.minutes`). Outcomes read before are carried
    forward from the stored copy instead.
    """

    def __init__(self, crawler: Crawler, store: JsonStore, extractor: PdfExtractor) -> None:
        self.crawler = crawler
        self.store = store
        self.extractor = extractor

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory; the PDF worker starts only when a minutes PDF is read."""
        settings = crawler.settings
        store = JsonStore(Paths.from_scrapy(settings).data_dir)
        return cls(crawler, store, pdf_extractor(settings))  # the process's shared worker

    async def process_item(self, meeting: Meeting) -> Meeting:
        """The meeting, its bare relevant items given the outcome their minutes record."""
        bare = [i for i in meeting.relevant_items() if i.outcome is None]
        minutes = next((str(ln.url) for ln in meeting.links if ln.kind == "minutes"), None)
        if not bare or minutes is None or meeting.start > utcnow():
            return meeting
        held = self._stored_outcomes(meeting)
        if all(i.id in held for i in bare):
            for item in bare:
                item.outcome = held[item.id]
            return meeting
        text = await self._minutes_text(meeting, minutes)
        found = minutes_outcomes(text, meeting.items) if text else {}
        for item in bare:
            item.outcome = found.get(item.id) or held.get(item.id)
        if found:
            _stat(self.crawler, "minutes_outcomes", len([i for i in bare if i.id in found]))
        return meeting

    def _stored_outcomes(self, meeting: Meeting) -> dict[str, Outcome]:
        try:
            stored = self.store.read(meeting.id)
        except (OSError, ValueError):
            return {}
        return {
            i.id: i.outcome for i in stored.items if i.outcome and i.outcome.source == "minutes"
        }

    async def _minutes_text(self, meeting: Meeting, url: str) -> str:
        if self.crawler.engine is None:
            return ""
        where = urlsplit(url).path
        try:
            response = await self.crawler.engine.download_async(ScrapyRequest(url))
        except Exception as exc:  # the outcome stays unknown; the meeting is stored as it is
            _stat(self.crawler, "minutes_errors")
            logger.warning("%s: minutes %s not fetched: %s", meeting.id, where, type(exc).__name__)
            return ""
        if response.status >= 400:
            _stat(self.crawler, "minutes_errors")
            logger.warning("%s: minutes %s: HTTP %s", meeting.id, where, response.status)
            return ""
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        if looks_like_pdf(response.body, content_type):
            result = await self.extractor.extract(response.body)
            if result.problem:
                logger.warning("%s: minutes %s: %s", meeting.id, where, result.problem)
            return result.text
        if "html" in content_type or response.body.lstrip()[:1] == b"<":
            return BeautifulSoup(response.body, "html.parser").get_text("\n")
        return ""
