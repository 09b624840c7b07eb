"""Illinois General Assembly spider: bills from the bulk status XML, then committee hearings.

Facts this relies on (``docs/ilga.md``):

- The site asks automated clients to use the bulk files (every page's head: "Automated access /
  bulk retrieval: https://ftp.ilga.gov/"). Bills: ``{ftp}/legislation/{GA}/BillStatus/XML/``
  lists ``{GA}00{TYPE}{NNNN}.xml``, one file per bill with title, sponsors, every synopsis and the
  whole action history (§10). No real capture of the directory listing exists; links are read
  wherever they are, and an IIS-style "date time size" before a link is kept as the file's stamp.
- Re-fetch only what changed: a file whose listing stamp equals the stored one is skipped; the rest
  are fetched newest-news first, at most ``options.max_fetch`` per run, so a cold first run of
  ~12,000 bills is spread over several polite runs (one request a second, HTTP cache revalidation).
- Hearings: ``/House/Schedules`` and ``/Senate/Schedules`` link to
  ``/{Chamber}/hearings/details/{committeeId}/{hearingId}`` (§8); "No scheduled hearings" means
  none. Hearing dates are local Illinois wall time ("3/19/2026 8:00 AM"), localised to the
  source's zone. Hearings are crawled after the bills so each posted bill can be named and
  classified with its short title and synopses.
- Blocking (§11): ilga.gov answers 403 to a User-Agent containing "bot" or a URL, so this spider
  sends a descriptive UA without either. TLS: the site omits its intermediate certificate; Scrapy's
  default TLS context does not verify chains, so crawls are unaffected (a verifying client would
  have to ship the intermediate). Tests use local HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from pydantic import BaseModel, Field, HttpUrl
from scrapy.http import Response

from pipeline.ilga.bulk_xml import IlgaParseError, parse_bill_xml
from pipeline.ilga.pages import (
    HearingBill,
    HearingPage,
    ListingEntry,
    hearing_links,
    parse_hearing_page,
    parse_listing,
    parse_status_page,
    says_no_hearings,
)
from pipeline.models import AgendaItem, Bill, Link, Meeting, item_id
from spiders._rows import Tally, report
from spiders.base import AgendaSpider, NoRowsFound, PlatformOptions, SourceError, UnexpectedShape

SITE_URL = "https://www.ilga.gov"
# Descriptive, but without "bot" or a URL: ilga.gov answers 403 to those (govbot il_field_audit.py).
USER_AGENT = "agenda-watch/0.1 (civic legislation monitor; Illinois immigrant-rights counsel)"
DOC_TYPES = ("HB", "SB", "HR", "SR", "HJR", "SJR", "HJRCA", "SJRCA")
CHAMBERS = ("House", "Senate")


class IlgaOptions(PlatformOptions):
    """Options of the ilga source.

    ``ga``: the General Assembly (104 = 2025–2026); ``doc_types``: which bill types to follow;
    ``max_fetch``: bulk files fetched per run; ``hearings``: crawl the hearing schedules;
    ``ftp_url``: the bulk root (default ``<base_url>/ftp``).
    """

    ga: int = Field(default=104, ge=93, le=200)
    doc_types: list[str] = Field(default_factory=lambda: list(DOC_TYPES))
    max_fetch: int = Field(default=400, ge=1, le=20000)
    hearings: bool = True
    ftp_url: HttpUrl | None = None


class IlgaSpider(AgendaSpider):
    """Bills and committee hearings of the Illinois General Assembly (source ``il-general-assembly``)."""

    name = "ilga"
    platform = "ilga"
    Options = IlgaOptions
    locators = ()  # one tenant: www.ilga.gov
    custom_settings = {
        "USER_AGENT": USER_AGENT,
        "ITEM_PIPELINES": {
            "pipeline.ilga.stages.ValidateIlga": 100,
            "pipeline.ilga.stages.ClassifyIlga": 300,
            "pipeline.ilga.stages.StoreIlga": 400,
        },
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending_bills = 0
        # Bill key → (listing stamp, last seen) of the bills the ledger knows: handed over by the
        # store stage (pipeline.ilga.stages.StoreIlga) when the spider opens; the spider itself
        # never opens the ledger.
        self.known_bills: dict[str, tuple[str | None, str]] = {}

    # --- URLs -----------------------------------------------------------------------------

    @property
    def site_base(self) -> str:
        """The site root: ``base_url`` or https://www.ilga.gov."""
        return str(self.source.base_url or SITE_URL).rstrip("/")

    @property
    def ftp_base(self) -> str:
        """The bulk-file root: ``options.ftp_url`` or ``<site>/ftp``."""
        return str(self.options.ftp_url or f"{self.site_base}/ftp").rstrip("/")

    @classmethod
    def source_urls(cls) -> list[str]:
        """The configured URLs, or the site."""
        return super().source_urls() or [SITE_URL]

    def listing_url(self) -> str:
        """The directory of this GA's bulk status XML files."""
        return f"{self.ftp_base}/legislation/{self.options.ga}/BillStatus/XML/"

    # --- crawl: bills ---------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """The bulk listing; hearings follow once every bill of this run is in."""
        yield scrapy.Request(self.listing_url(), callback=self.parse_listing)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """Fetch the files whose stamp changed (or never seen), at most ``max_fetch``."""
        if response.status >= 400:
            raise SourceError(f"ILGA bulk listing: HTTP {response.status} from {response.url}")
        wanted = {t.upper() for t in self.options.doc_types}
        entries = [
            e
            for e in parse_listing(response.body, response.url)
            if e.doc_type in wanted and e.ga == self.options.ga
        ]
        if not entries:
            raise NoRowsFound(f"{self.source.id}: no bulk XML files listed at {response.url}")
        batch, unchanged = self._select(entries)
        self._count("bills_listed", len(entries))
        self._count("bills_unchanged", unchanged)
        self._count("meetings", unchanged)  # a known, unchanged bill is a record seen
        if len(batch) < len(entries) - unchanged:
            self.logger.info(
                "fetching %d of %d changed bills this run", len(batch), len(entries) - unchanged
            )
        self._pending_bills = len(batch)
        for entry in batch:
            yield scrapy.Request(
                entry.url,
                callback=self.parse_bill,
                errback=self.bill_failed,
                cb_kwargs={"stamp": entry.stamp},
            )
        if not batch:
            yield from self._hearing_requests()

    def _select(self, entries: list[ListingEntry]) -> tuple[list[ListingEntry], int]:
        """Changed files first (stamp differs), then never-seen, then least recently seen."""
        known = self.known_bills
        ranked: list[tuple[int, str, ListingEntry]] = []
        unchanged = 0
        for entry in entries:
            prior = known.get(f"bill:{entry.ga}:{entry.doc_type}{entry.number}")
            if prior is not None and entry.stamp is not None and prior[0] == entry.stamp:
                unchanged += 1
            elif prior is None:
                ranked.append((1, "", entry))
            else:
                ranked.append((0 if entry.stamp else 2, prior[1], entry))
        ranked.sort(key=lambda r: (r[0], r[1]))
        return [r[2] for r in ranked[: self.options.max_fetch]], unchanged

    def parse_bill(self, response: Response, stamp: str | None) -> Iterator[Any]:
        """One bulk XML file → `Bill`; the last bill of the run starts the hearings."""
        try:
            bill: Bill | None = self._parse_bill(response.body, response.url)
        except UnexpectedShape as exc:  # one malformed file must not stop the hearings
            self.logger.error("%s", exc)
            bill = None
        if bill is not None:
            bill.source_stamp = stamp
            yield bill
        yield from self._bill_done()

    def bill_failed(self, failure: Any) -> Iterator[Any]:
        """A bulk file could not be fetched: log it, carry on."""
        self.logger.error("bill file %s failed: %s", failure.request.url, failure.value)
        yield from self._bill_done()

    def _bill_done(self) -> Iterator[Any]:
        self._pending_bills -= 1
        if self._pending_bills == 0:
            yield from self._hearing_requests()

    # --- crawl: hearings ------------------------------------------------------------------

    def _hearing_requests(self) -> Iterator[scrapy.Request]:
        if not self.options.hearings:
            return
        for chamber in CHAMBERS:
            yield scrapy.Request(
                f"{self.site_base}/{chamber}/Schedules",
                callback=self.parse_schedule,
                cb_kwargs={"chamber": chamber},
            )

    def parse_schedule(self, response: Response, chamber: str) -> Iterator[Any]:
        """A chamber's schedule → its hearing pages; "No scheduled hearings" is a real empty."""
        links = hearing_links(response.body, response.url)
        if not links:
            if says_no_hearings(response.body):
                self.logger.info("%s: no scheduled hearings", chamber)
                return
            raise NoRowsFound(f"{self.source.id}: no hearing links on {response.url}")
        for url in links:
            yield scrapy.Request(url, callback=self.parse_hearing)

    def parse_hearing(self, response: Response) -> Iterator[Meeting]:
        """A hearing page → a `Meeting` (items = the bills posted)."""
        meeting = self._parse_hearing(response.body, response.url)
        if self.wants_body(meeting.body):
            yield meeting

    # --- `agenda-watch parse` -------------------------------------------------------------

    def parse_saved(self, url: str, body: bytes) -> Iterator[BaseModel]:
        """Bulk XML or a status page → `Bill`; a hearing page → `Meeting`."""
        path = urlsplit(url).path.lower()
        if path.endswith(".xml"):
            yield self._parse_bill(body, url)
        elif "/hearings/details/" in path:
            yield self._parse_hearing(body, url)
        elif "billstatus" in path:
            yield self._parse_bill(body, url, parse_status_page)
        else:
            raise SourceError(
                f"no ILGA parser for {url}: expected a BillStatus XML/HTML file, a "
                "/Legislation/BillStatus page or a /{House|Senate}/hearings/details/… page"
            )

    # --- fields ---------------------------------------------------------------------------

    def _parse_bill(self, body: bytes, url: str, parser: Any = parse_bill_xml) -> Bill:
        """A bill from its bulk XML (default) or, with `parse_status_page`, its status page."""
        bill: Bill = self._read(parser, body, url, self.source.id, self.tz)
        bill.scraped_at = self.now()
        return bill

    def _parse_hearing(self, body: bytes, url: str) -> Meeting:
        page: HearingPage = self._read(parse_hearing_page, body, url, self.tz)
        platform_id = f"{page.committee_id}-{page.hearing_id}" if page.hearing_id else None
        link = self.link("Hearing page (witness slips)", url, "detail")
        meeting = self.new_meeting(
            page.start,
            f"{page.committee} hearing",
            platform_id,
            key=page.committee,
            body=page.committee,
            time_known=page.time_known,
            location=page.location,
            url=str(link.url) if link else None,
            links=[link] if link else [],
        )
        meeting.items = self._parse_items(meeting.id, page, link)
        return meeting

    def _read(self, parser: Any, *args: Any) -> Any:
        """`parser(*args)`, its `IlgaParseError` as `UnexpectedShape` naming the source."""
        try:
            return parser(*args)
        except IlgaParseError as exc:
            raise UnexpectedShape(f"{self.source.id}: {exc}") from exc

    def _parse_items(self, mid: str, page: HearingPage, link: Link | None) -> list[AgendaItem]:
        """One item per bill posted; its amendment rows ("HB5207 (HCA1)") join the bill's text.

        An item's sequence is its first row's place in the table; rows the page parser could not
        read (text but no bill) are an `ItemShortfall`, counted.
        """
        rows: dict[str, list[HearingBill]] = {}
        for row in page.bills:
            rows.setdefault(row.label, []).append(row)
        seen = len(page.bills) + len(page.unreadable)
        tally = Tally("ILGA hearing bills", str(link.url) if link else "", seen, seen)
        tally.read, tally.failures, tally.name = len(page.bills), page.unreadable, "ItemShortfall"
        report(self, tally)
        return [
            AgendaItem(
                id=item_id(mid, label, None, label),
                number=label,
                title=label,
                text=_result_text(group),
                matter=label,
                sequence=group[0].row,
                links=[link] if link else [],
                # The bill row's own "create witness slip" link, else the hearing page, whose
                # rows carry those links (the site's documented way to file one).
                witness_slip_url=next(
                    (r.witness_slip_url for r in group if r.witness_slip_url),
                    str(link.url) if link else None,
                ),
            )
            for label, group in rows.items()
        ]

    def _count(self, key: str, count: int) -> None:
        if self.crawler is not None and self.crawler.stats is not None and count:
            self.crawler.stats.inc_value(f"agenda_watch/{key}", count)


def _result_text(rows: list[HearingBill]) -> str:
    """Amendment codes and outcomes: "Amendments posted: HCA1. Do Pass 13 - 0 - 0 …"."""
    amendments = [r.amendment for r in rows if r.amendment]
    parts = [f"Amendments posted: {', '.join(amendments)}."] if amendments else []
    for row in rows:
        outcome = " ".join(x for x in (row.motion, row.vote, row.result) if x)
        if outcome:
            parts.append(f"{row.amendment + ': ' if row.amendment else ''}{outcome}")
    return " ".join(parts)
