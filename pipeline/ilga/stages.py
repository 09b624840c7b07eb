"""Scrapy item-pipeline stages for the Illinois General Assembly spider: bills and hearings.

The ilga spider yields two kinds of item: `Bill` (from the bulk XML) and `Meeting` (a committee
hearing, whose items are the bills posted). Its ``custom_settings["ITEM_PIPELINES"]`` replaces the
meeting stages with these three, which handle bills themselves and hand hearings to the ordinary
meeting stages (`ValidateMeeting`, `ClassifyItems`) — except the last step: a hearing is stored as
JSON like any meeting, but queues NO meeting notice, because the bills' own threads announce
"hearing posted/moved" (one Slack thread per bill, no double posts).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import ValidationError
from scrapy import signals
from scrapy.exceptions import DropItem

from pipeline.classify.classifier import Classifier
from pipeline.ilga.bills import BillLedger
from pipeline.ilga.bulk_xml import split_label
from pipeline.ilga.classify import classify_bill
from pipeline.ilga.watchlist import Watchlist, read_watchlist
from pipeline.ingest.stages import ClassifyItems, ValidateMeeting
from pipeline.models import Bill, BillHearing, Meeting, Source
from pipeline.settings import Paths
from pipeline.store.files import JsonStore
from pipeline.store.index import MeetingIndex
from pipeline.store.ledger import Ledger

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


@runtime_checkable
class KnowsBills(Protocol):
    """A spider that wants the ledger's bills of its source (the ilga spider)."""

    source: Source
    known_bills: dict[str, tuple[str | None, str]]


def _stat(crawler: Crawler, key: str, count: int = 1) -> None:
    if crawler.stats is not None:
        crawler.stats.inc_value(f"agenda_watch/{key}", count)


def _ga(crawler: Crawler) -> int:
    """The spider's General Assembly (its ``options.ga``)."""
    spider = crawler.spider
    return int(getattr(getattr(spider, "options", None), "ga", 104))


class ValidateIlga:
    """Bills: re-validate against `Bill`. Hearings: `ValidateMeeting`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.meetings = ValidateMeeting(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory."""
        return cls(crawler)

    def process_item(self, item: Any) -> Bill | Meeting:
        """A valid `Bill` or `Meeting`, else `DropItem` naming the field."""
        if not isinstance(item, Bill):
            return self.meetings.process_item(item)
        try:
            return Bill.model_validate(item.model_dump())
        except ValidationError as exc:
            _stat(self.crawler, "invalid_bills")
            raise DropItem(f"invalid bill: {exc}") from exc


class ClassifyIlga:
    """Bills: classify title + every synopsis and apply the watchlist; hearings: name and classify.

    A hearing item gets its bill's short title and synopses from the ledger, then `ClassifyItems`.
    """

    def __init__(self, crawler: Crawler, classifier: Classifier, watchlist: Watchlist) -> None:
        self.crawler = crawler
        self.classifier = classifier
        self.watchlist = watchlist
        self.meetings = ClassifyItems(crawler, classifier)
        paths = Paths.from_scrapy(crawler.settings)
        self.bills = BillLedger(Ledger(paths.ledger), paths.data_dir)
        crawler.signals.connect(self.bills.ledger.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory: rules from ``topics.yaml``, pins from ``watchlist.yaml``.

        A bad watchlist entry is logged (the run then counts an error) and left out; the others
        still pin or silence their bills.
        """
        paths = Paths.from_scrapy(crawler.settings)
        watchlist, problems = read_watchlist(paths.watchlist_path)
        for (
            problem
        ) in problems:  # logged as errors: the run is marked, the good entries still count
            where = ":".join(x for x in (str(paths.watchlist_path), *problem[:2]) if x)
            logger.error("watchlist: %s: %s", where, problem.message)
        return cls(crawler, Classifier.from_yaml(paths.topics_path), watchlist)

    def process_item(self, item: Bill | Meeting) -> Bill | Meeting:
        """Fill ``classification`` (and ``watch`` on bills)."""
        if isinstance(item, Meeting):
            self._enrich(item)
            return self.meetings.process_item(item)
        item.classification = classify_bill(self.classifier, item)
        item.watch = self.watchlist.status(item.ga, item.label)
        _stat(self.crawler, "bills")
        if item.classification.relevant:
            _stat(self.crawler, "bill_matches")
        return item

    def _enrich(self, meeting: Meeting) -> None:
        """Item title "HB1234 SHORT TITLE", text = synopses (hearing pages list numbers only)."""
        ga = _ga(self.crawler)
        for item in meeting.items:
            state = self.bills.state(ga, item.matter or "")
            if state is None:
                continue
            item.title = f"{item.matter} {state.title}".strip()
            item.text = "\n".join(x for x in (state.search_text, item.text) if x)


class StoreIlga:
    """Bills: `BillLedger.record_bill`; hearings: JSON and subjects, no meeting notice.

    For a hearing, each posted bill's thread hears "hearing posted/moved" instead. When the spider
    opens, it is handed the listing stamps of the bills the ledger knows (``known_bills``), so it
    fetches only changed bulk files without opening the ledger itself.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        paths = Paths.from_scrapy(crawler.settings)
        self.store = JsonStore(paths.data_dir)
        self.bills = BillLedger(Ledger(paths.ledger), paths.data_dir)
        crawler.signals.connect(self.bills.ledger.close, signal=signals.spider_closed)
        crawler.signals.connect(self.hand_known_bills, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory."""
        return cls(crawler)

    def hand_known_bills(self) -> None:
        """Give the spider the bills of its source the ledger knows (before it reads the listing)."""
        spider = self.crawler.spider
        if isinstance(spider, KnowsBills):
            spider.known_bills = self.bills.stamps(spider.source.id)

    def _channel(self) -> str | None:
        source = getattr(self.crawler.spider, "source", None)
        return source.slack_channel if source is not None else None

    def process_item(self, item: Bill | Meeting) -> Bill | Meeting:
        """Store, then record (the same crash-safe order as `StoreMeeting`)."""
        # RunRecorder treats a crawl with zero "meetings" as a silent failure; for this source a
        # bill is a record too, so bills count there (and separately under agenda_watch/bills).
        _stat(self.crawler, "meetings")
        if isinstance(item, Bill):
            notices = self.bills.record_bill(item, self._channel())
        else:
            notices = self._store_hearing(item)
        _stat(self.crawler, "notices_queued", len(notices))
        return item

    def _store_hearing(self, meeting: Meeting) -> list[Any]:
        self.store.write(meeting)
        index = MeetingIndex(self.store.data_dir, self.bills.ledger)
        row = index.row_of(meeting.id)
        with self.bills.ledger.transaction():  # the views' index row with the ledger update
            self.bills.ledger.record_seen(meeting)
            index.record(row)
        ga = _ga(self.crawler)
        notices = []
        for item in meeting.items:
            label = split_label(item.matter or "")
            if label is None:
                continue
            hearing = BillHearing(
                committee=meeting.body,
                chamber=next((c for c in ("House", "Senate") if meeting.body.startswith(c)), ""),
                start=meeting.start,
                time_known=meeting.time_known,
                location=meeting.location,
                url=meeting.url,
                meeting_id=meeting.id,
                witness_slip_url=item.witness_slip_url,
            )
            notices += self.bills.record_hearing(
                meeting.source, ga, f"{label[0]}{label[1]}", hearing, self._channel()
            )
        return notices
