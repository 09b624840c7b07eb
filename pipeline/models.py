"""The contract between stages: what spiders yield, what the pipeline stores and what it posts.

Every datetime here is timezone-aware. Every id is stable: derived from the source id and the
platform's own id, or from the meeting date and a normalised title — never from list position.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from pipeline.clock import utcnow
from pipeline.redact import redact

logger = logging.getLogger(__name__)

# --- vocabularies -------------------------------------------------------------------------------
# (Platform names are not one of them: they are the spiders' own, see spiders/registry.py.)

MeetingStatus = Literal["scheduled", "tentative", "cancelled", "rescheduled", "passed"]
MEETING_STATUSES: tuple[str, ...] = get_args(MeetingStatus)

Topic = Literal[
    "welcoming_ordinance",
    "enforcement_cooperation",
    "shelter_new_arrivals",
    "benefits_access",
    "legal_services",
    "detention",
    "other_immigration",
]
TOPICS: tuple[str, ...] = get_args(Topic)

LinkKind = Literal["agenda", "minutes", "packet", "attachment", "video", "detail", "other"]
LINK_KINDS: tuple[str, ...] = get_args(LinkKind)

NoticeKind = Literal[
    "new_matches",  # a meeting's first notice: its relevant items (opens the thread)
    "items_added",  # follow-up: relevant items added to the agenda
    "items_changed",  # follow-up: relevant items reworded or renumbered
    "items_removed",  # follow-up: relevant items taken off the agenda
    "meeting_changed",  # follow-up: status, time, place or title changed
    "source_failing",  # ops: a source failed or found nothing too often (opens its thread)
    "source_recovered",  # ops: that source works again
    "bill_new",  # a bill's first notice (opens the thread)
    "bill_update",  # follow-up: amendments, hearings, votes, the governor, a Public Act
    "weekly_digest",  # the week's coming meetings, one message
    "delivery_failed",  # ops: notices Slack refused for good (or that would not render)
    "outcome",  # follow-up: how relevant items were decided (with roll calls); a bill's final action
    "reminder",  # follow-up: a public-comment deadline or a witness-slip hearing is close
    "agenda_unread",  # a meeting's agenda could not be read: a person should look (once a version)
]
NOTICE_KINDS: tuple[str, ...] = get_args(NoticeKind)
# Notices beside a meeting's thread: posted in it when it exists, but never opening it nor counting
# as the meeting's first notice (a later match is still ``new_matches``).
SIDE_NOTE_KINDS: tuple[NoticeKind, ...] = ("agenda_unread",)

# Why a meeting's agenda could not be read (`Unread.reason`), from the document's error.
UnreadReason = Literal[
    "download failed",
    "damaged",
    "encrypted",
    "needs OCR",
    "too large",
    "timed out",
    "unsupported type",
    "no items found",
]
UNREAD_REASONS: tuple[str, ...] = get_args(UnreadReason)

# How the public may comment (see pipeline/text/comments.py, which reads them from agenda text).
ChannelKind = Literal["email", "web", "phone", "video", "in_person", "mail"]
CHANNEL_KINDS: tuple[ChannelKind, ...] = get_args(ChannelKind)
LimitUnit = Literal["minutes", "words", "pages", "characters"]
LIMIT_UNITS: tuple[LimitUnit, ...] = get_args(LimitUnit)

# How an agenda item was decided, in our words (each platform's words map onto these).
OutcomeKind = Literal[
    "adopted",  # passed, approved, adopted, carried, accepted
    "failed",  # failed, defeated, denied, rejected, lost
    "amended",  # adopted as amended / amendment carried
    "tabled",  # laid on the table
    "deferred",  # continued, postponed, held, deferred
    "referred",  # sent to a committee or back to staff
    "withdrawn",  # withdrawn or removed by the sponsor
    "received",  # received and filed, placed on file, presented
    "other",  # an action we do not classify: its words are shown as they are
]
OUTCOME_KINDS: tuple[str, ...] = get_args(OutcomeKind)

# One member's vote, in our words (Legistar's VoteValueName and ILGA's Y/N/P/NV/E map onto these).
VoteValue = Literal["yes", "no", "abstain", "absent", "present", "recused", "other"]
VOTE_VALUES: tuple[str, ...] = get_args(VoteValue)

ReminderKind = Literal["comment_deadline", "witness_slip"]
REMINDER_KINDS: tuple[str, ...] = get_args(ReminderKind)

SCHEMA_VERSION = 1


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware (sources declare their zone)")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_require_aware)]


def _require_aware_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else _require_aware(value)


# Meeting and hearing dates outside these bounds are typos or placeholders (a Legistar event dated
# 9999-12-31): they are refused at the model boundary, so nothing downstream (local times,
# calendars, "a day later") can overflow or sort a placeholder first.
EARLIEST_PLAUSIBLE = date(1990, 1, 1)
PLAUSIBLE_YEARS_AHEAD = 5
# The pydantic error type of such a date, so a stage can count these by name.
IMPLAUSIBLE_DATE = "implausible_date"


def plausible_range(today: date | None = None) -> tuple[date, date]:
    """The first and last plausible meeting dates: 1990-01-01 to five years after today."""
    today = today or utcnow().date()
    year = today.year + PLAUSIBLE_YEARS_AHEAD
    last = today.replace(year=year, day=28) if (today.month, today.day) == (2, 29) else None
    return EARLIEST_PLAUSIBLE, last or today.replace(year=year)


def _require_plausible(value: datetime) -> datetime:
    # The wall-clock date, not a conversion: converting 9999-12-31 23:30-06:00 to UTC overflows.
    first, last = plausible_range()
    if not first <= value.date() <= last:
        raise PydanticCustomError(
            IMPLAUSIBLE_DATE,
            "date {value} is outside the plausible range {first} to {last}",
            {"value": value.isoformat(), "first": first.isoformat(), "last": last.isoformat()},
        )
    return value


PlausibleDatetime = Annotated[
    datetime, AfterValidator(_require_aware), AfterValidator(_require_plausible)
]


def _plausible_or_none(value: datetime | None) -> datetime | None:
    # A secondary date (a posted end time) costs only itself: dropped, and said in the log.
    if value is None:
        return None
    first, last = plausible_range()
    if first <= value.date() <= last:
        return value
    logger.warning("dropped an implausible date %s (outside %s to %s)", value, first, last)
    return None


# A date whose implausible value is dropped (None) rather than refusing the whole record.
OptionalPlausibleDatetime = Annotated[
    datetime | None, AfterValidator(_require_aware_or_none), AfterValidator(_plausible_or_none)
]


def is_implausible_date(exc: ValidationError) -> bool:
    """True when `exc` is (only) about dates outside `plausible_range`."""
    return all(err["type"] == IMPLAUSIBLE_DATE for err in exc.errors())


def _require_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"not an IANA time zone: {value!r}") from None
    return value


# An IANA zone name that loads (a stored meeting with a bad zone would break every view).
ZoneName = Annotated[str, AfterValidator(_require_zone)]


# --- text at the boundary -------------------------------------------------------------------------
# Scraped text is hostile. Whatever a page holds, text in a model holds no control character but
# tab and newline (no terminal escape, no NUL breaking a calendar line), no lone surrogate (which
# cannot be written as UTF-8), and no bidi embedding, override or isolate (which would reorder what
# Slack, a page or a terminal shows around it). Cleaned once, here, so every output is safe.

# Control line breaks become "\n": CR LF, CR, NEL. (LINE/PARAGRAPH SEPARATOR are not controls:
# they stay, and JSON writers that need it escape them.)
_BREAK_RE = re.compile("\r\n?|\x85")
# Controls that separate words become a space: VT, FF, the C0 information separators.
_SPACING_RE = re.compile("[\x0b\x0c\x1c-\x1f]")
_SPACING_KEEP_FF_RE = re.compile("[\x0b\x1c-\x1f]")
# Removed: the other C0 and C1 controls and DEL, bidi embeddings/overrides (U+202A-U+202E) and
# isolates (U+2066-U+2069), and surrogate code points (only lone ones reach a Python str).
_REMOVED_RE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# Everything the three above touch (one search decides whether a string needs cleaning).
_UNCLEAN_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean_text(text: str, *, keep_form_feeds: bool = False) -> str:
    r"""`text` fit for any output (terminal, Slack, HTML, calendar, JSON).

    Control line breaks (CR, CR LF, NEL) become ``\n`` and tabs stay; controls that separate words become a space (form
    feeds stay with `keep_form_feeds`: they separate the pages of extracted text); every other
    C0/C1 control, lone surrogates and bidi embeddings, overrides and isolates are removed.
    """
    if _UNCLEAN_RE.search(text) is None:
        return text
    text = _BREAK_RE.sub("\n", text)
    text = (_SPACING_KEEP_FF_RE if keep_form_feeds else _SPACING_RE).sub(" ", text)
    return _REMOVED_RE.sub("", text)


def _clean_pages(text: str) -> str:
    return clean_text(text, keep_form_feeds=True)


# Every scraped (or configured) text field of every model is one of these two.
Text = Annotated[str, AfterValidator(clean_text)]
# Extracted document text: as `Text`, but form feeds stay (they separate the pages).
PageText = Annotated[str, AfterValidator(_clean_pages)]


def safe_message(text: str) -> str:
    """An error or run message fit to store, post or print: `clean_text`, secrets redacted."""
    return redact(clean_text(text))


# Error messages bound for Slack (a source's last error): as `Text`, and secrets redacted.
MessageText = Annotated[str, AfterValidator(safe_message)]

# Characters that are not letters or digits, collapsed to one underscore in ids.
_NON_WORD_RE = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_len: int = 60) -> str:
    """Lower-case ASCII slug of `text`: ``"Village Board — Regular"`` → ``village_board_regular``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NON_WORD_RE.sub("_", ascii_text.lower()).strip("_")
    return slug[:max_len].rstrip("_") or "untitled"


def meeting_id(source: str, start: datetime, platform_id: str | None, title: str) -> str:
    """Stable meeting id: ``<source>/<YYYYMMDD>/<platform id or title slug>``."""
    key = platform_id if platform_id else slugify(title)
    return f"{source}/{start:%Y%m%d}/{key}"


def item_id(meeting: str, platform_id: str | None, number: str | None, title: str) -> str:
    """Stable agenda-item id within a meeting: the platform id, else number + a title hash."""
    if platform_id:
        return f"{meeting}/{platform_id}"
    digest = hashlib.sha1(slugify(title, 500).encode()).hexdigest()[:10]
    return f"{meeting}/{slugify(number or 'x', 20)}-{digest}"


class StrictModel(BaseModel):
    """Base for all models: unknown fields are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Link(StrictModel):
    """A document or page linked from a meeting or an item.

    - ``title``: the label the site shows ("Agenda", "Staff Memo.pdf").
    - ``url``: absolute http(s) URL.
    - ``kind``: one of `LINK_KINDS`.
    """

    title: Text
    url: HttpUrl
    kind: LinkKind = "other"


class Evidence(StrictModel):
    """One span of text that made the classifier score an item.

    - ``start``/``end``: character offsets into the classified text (``text[start:end]``), or into
      the named ``field`` when several fields were classified (title, a synopsis, an amendment).
    - ``text``: the matched words as they appear.
    - ``rule``: the id of the rule in ``config/topics.yaml`` that fired.
    - ``topic``: the topic the rule belongs to.
    - ``weight``: what it added to the score.
    """

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: Text
    field: Text = ""
    rule: Text
    topic: Topic
    weight: float


class Classification(StrictModel):
    """The classifier's verdict on one text.

    - ``relevant``: score reached the threshold and no exclusion vetoed it.
    - ``score``: sum of evidence weights (0 when nothing matched).
    - ``topics``: topics with evidence, strongest first.
    - ``evidence``: the spans that matched, in text order.
    - ``suppressed``: phrases that matched an exclusion (e.g. "ice rink"), kept to explain a miss.
    - ``version``: classifier + rules version, so stored verdicts can be recomputed when rules change.
    """

    relevant: bool
    score: float = 0.0
    topics: list[Topic] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    suppressed: list[Text] = Field(default_factory=list)
    version: Text = ""


class Vote(StrictModel):
    """One member's recorded vote.

    ``name`` as the platform gives it; ``value`` in our words; ``raw`` the platform's own word
    ("Aye", "Nay", "Excused").
    """

    name: Text = Field(min_length=1, max_length=200)
    value: VoteValue
    raw: Text = Field(default="", max_length=60)


class Outcome(StrictModel):
    """How an agenda item was decided, as the platform recorded it.

    - ``result``: one of `OUTCOME_KINDS`; ``passed``: the platform's pass/fail flag, if it has one.
    - ``action``: the platform's words ("Approved the Recommendation of Staff, and Forward").
    - ``tally``: the count as written ("5-2", "13 - 0 - 0"); ``mover``/``seconder`` when recorded.
    - ``votes``: the roll call, where the platform publishes one (empty for a voice vote, or when
      none was published); ``source``: where this came from ("legistar_api", "ilga_hearing"…).
    """

    result: OutcomeKind
    passed: bool | None = None
    action: Text = Field(default="", max_length=500)
    tally: Text = Field(default="", max_length=60)
    mover: Text = Field(default="", max_length=200)
    seconder: Text = Field(default="", max_length=200)
    votes: list[Vote] = Field(default_factory=list)
    source: str = ""

    def vote_counts(self) -> dict[str, int]:
        """Votes per value, in `VOTE_VALUES` order, values with no vote left out."""
        counts = {v: sum(1 for x in self.votes if x.value == v) for v in VOTE_VALUES}
        return {v: n for v, n in counts.items() if n}


class CommentChannel(StrictModel):
    """A way to comment: ``kind`` from `CHANNEL_KINDS`; ``value`` the address, URL or phone digits, or ""."""

    kind: ChannelKind
    value: Text = Field(default="", max_length=300)


class CommentLimit(StrictModel):
    """One speaker's or one comment's allowance, e.g. 3 minutes; ``text`` is the phrase as written."""

    amount: int = Field(ge=1, le=10_000)
    unit: LimitUnit
    text: Text = Field(max_length=200)


class CommentDeadline(StrictModel):
    """When a window closes (aware, in the body's zone); ``time_given`` is False for a date alone (23:59)."""

    at: AwareDatetime
    text: Text = Field(max_length=300)
    time_given: bool = True


class CommentWindow(StrictModel):
    """How and by when the public may comment on one meeting.

    - ``deadline``: the earliest of ``deadlines`` (None when the text gives none), and its words.
    - ``channels``: distinct (kind, value) pairs; a kind with an address drops its empty entry.
    - ``limits``: distinct per-speaker/per-comment allowances; ``limit_text`` the first as written.
    - ``source_text``: the sentences read, joined (at most 2,000 characters).
    """

    deadline: AwareDatetime | None = None
    deadline_text: Text = ""
    deadlines: list[CommentDeadline] = Field(default_factory=list)
    channels: list[CommentChannel] = Field(default_factory=list)
    limits: list[CommentLimit] = Field(default_factory=list)
    limit_text: Text = ""
    source_text: Text = ""


class AgendaItem(StrictModel):
    """One item on a meeting's agenda.

    - ``id``: stable, see `item_id`.
    - ``number``: the agenda number as printed ("7.b", "VIII."), if any.
    - ``title``: the item's title; ``text``: extra text (notes, matter name, recital).
    - ``matter``: the platform's file number (Legistar ``MatterFile``), if any.
    - ``links``: attachments; ``page``: page of the agenda document it came from, if split from one.
    - ``classification``: filled by the classify stage.
    - ``outcome``: how the item was decided, once the platform says so (after the meeting).
    - ``witness_slip_url``: ILGA hearing items: where to file a witness slip for this bill at this
      hearing (the row's own link when the page has one, else the hearing page that carries it).
    """

    id: Text
    number: Text | None = None
    title: Text
    text: Text = ""
    matter: Text | None = None
    sequence: int = 0
    links: list[Link] = Field(default_factory=list)
    page: int | None = None
    classification: Classification | None = None
    outcome: Outcome | None = None
    witness_slip_url: HttpUrl | None = None

    def classify_fields(self) -> dict[str, str]:
        """What the classifier sees, by field: the title, and the notes/recital when they add to it."""
        fields = {"title": self.title}
        if self.text and self.text not in self.title:
            fields["text"] = self.text
        return fields

    def classify_text(self) -> str:
        """The text the classifier sees: title, then matter and notes."""
        parts = [self.title]
        if self.text and self.text not in self.title:
            parts.append(self.text)
        return "\n".join(parts)


class Document(StrictModel):
    """An agenda document fetched for a meeting (PDF or HTML), after text extraction.

    ``text`` is empty when extraction failed or the file has no text layer; ``error`` says why.
    """

    url: HttpUrl
    content_type: Text = ""
    pages: int = 0
    text: PageText = ""
    error: Text | None = None


class Unread(StrictModel):
    """Why a meeting's agenda could not be read, so a person can look at it (set by extraction).

    - ``reason``: one of `UNREAD_REASONS`; ``detail``: the document's error as reported.
    - ``url``: the document to look at (the agenda as the site serves it).
    - ``version``: a fingerprint of what was fetched (a content hash, or the URL when the
      download failed): counsel hear about each version once.
    """

    reason: UnreadReason
    detail: MessageText = ""
    url: HttpUrl | None = None
    version: str


class Meeting(StrictModel):
    """A meeting of a body, with its agenda items — what a spider yields and what is stored.

    - ``id``: stable, see `meeting_id`.
    - ``source``: the configured source id; ``body``: the body's name as the site gives it.
    - ``start``: zone-aware start, within `plausible_range` (else the error type is
      `IMPLAUSIBLE_DATE`); ``timezone``: the body's IANA zone (for display and calendars);
      ``time_known`` is False when the site gave a date only.
    - ``end``: zone-aware end, only where the platform posts one (eScribe ``EndDate``); None
      otherwise (an implausible one is dropped). Views use it only when it is after ``start`` and say which default they apply
      when it is missing (calendars and exports: two hours, see `pipeline.views.civic`).
    - ``status``: one of `MEETING_STATUSES`.
    - ``url``: the meeting's page for humans; ``links``: its documents.
    - ``documents``: agenda documents whose text was extracted (filled by the extract stage).
    - ``raw_documents``: bytes the spider fetched for the extract stage; never stored.
    - ``identity``: the platform's id for this meeting that survives a reschedule (Legistar's
      EventId), when it has one; then it, not the dated ``id``, keys the ledger and the Slack thread,
      so a moved meeting is a follow-up in its thread rather than a new meeting.
    - ``comment``: how and by when the public may comment (read from the agenda document, the
      platform's comment field and the items by the comment stage), or None when nothing says.
    - ``comment_texts``: texts the spider found that may say how to comment (Legistar
      ``EventComment``, eLMS ``comment``, the meeting page); read by the comment stage, never stored.
    - ``unread``: set when the meeting has no items because its agenda could not be read
      (damaged, encrypted, scanned without OCR, nothing split, download failed); None otherwise.
    """

    id: Text
    source: Text
    jurisdiction: Text
    body: Text
    title: Text
    start: PlausibleDatetime
    end: OptionalPlausibleDatetime = None
    timezone: ZoneName = "America/Chicago"
    time_known: bool = True
    location: Text = ""
    status: MeetingStatus = "scheduled"
    url: HttpUrl | None = None
    links: list[Link] = Field(default_factory=list)
    items: list[AgendaItem] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)
    unread: Unread | None = None
    raw_documents: list[RawDocument] = Field(default_factory=list, exclude=True)
    comment: CommentWindow | None = None
    comment_texts: list[Text] = Field(default_factory=list, exclude=True)
    platform_id: Text | None = None
    identity: Text | None = None
    scraped_at: AwareDatetime | None = None
    schema_version: int = SCHEMA_VERSION

    @property
    def thread_key(self) -> str:
        """Key of this meeting's ledger entries and Slack thread (stable across reschedules)."""
        return f"{self.source}/{self.identity}" if self.identity else self.id

    def item_key(self, item: AgendaItem) -> str:
        """An item's ledger key: its id within the meeting, under the meeting's thread key."""
        return f"{self.thread_key}/{item.id.removeprefix(self.id + '/')}"

    def relevant_items(self) -> list[AgendaItem]:
        """Items the classifier marked relevant, in agenda order."""
        return [i for i in self.items if i.classification and i.classification.relevant]


class RawDocument(StrictModel):
    """A downloaded document waiting for text extraction (in memory only, never stored)."""

    url: HttpUrl
    content_type: Text = ""
    body: bytes = b""


class Source(StrictModel):
    """A configured source: one body or site on one platform (an entry of ``config/sources.yaml``).

    - ``id``: lower-case ``[a-z0-9_-]``; also the Scrapy spider name.
    - ``platform``: the name of a platform spider (`spiders.registry.platform_spiders`); when the
      names are passed as validation context ``{"platforms": …}`` (as `pipeline.config` does), an
      unknown one is an error of this field. ``slug`` or ``base_url`` locate the tenant.
    - ``timezone``: IANA zone of the body's wall clock (Illinois: America/Chicago).
    - ``bodies``: only meetings of these bodies (case-insensitive names); empty means all.
    - ``schedule``: crontab-style "minute hour day month day_of_week" in the source's zone.
    - ``slack_channel``: overrides the default channel for this source's notices.
    - ``days_back``/``days_ahead``: the window of meetings to crawl.
    - ``fetch_documents``: download agenda documents (PDF/HTML) for text extraction.
    - ``api_token_env``: name of an environment variable holding a platform token, never the token.
    - ``options``: platform-specific settings (e.g. Granicus ``view_id``), checked by the spider.
    - ``robots_obey``: False only with ``robots_reason`` saying why ignoring robots.txt is right.
    - ``alert_after``: consecutive failed or empty crawls before the ops channel is alerted.
    """

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
    name: Text
    jurisdiction: Text
    platform: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    slug: Text | None = None
    base_url: HttpUrl | None = None
    api_url: HttpUrl | None = None
    timezone: Text = "America/Chicago"
    bodies: list[Text] = Field(default_factory=list)
    schedule: Text | None = None
    slack_channel: Text | None = None
    enabled: bool = True
    days_back: int = Field(default=7, ge=0, le=3650)
    days_ahead: int = Field(default=60, ge=0, le=3650)
    fetch_documents: bool = True
    api_token_env: Text | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    robots_obey: bool = True
    robots_reason: Text = ""
    alert_after: int = Field(default=3, ge=1, le=100)
    notes: Text = ""

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, value: str, info: ValidationInfo) -> str:
        platforms = (info.context or {}).get("platforms")
        if platforms is not None and value not in platforms:
            raise ValueError(f"unknown platform {value!r}; one of: {', '.join(sorted(platforms))}")
        return value


class SourceAlert(StrictModel):
    """Health of a source, for an ops notice: how many crawls in a row failed or found nothing."""

    source: Text
    name: Text
    failing_runs: int
    last_success: Text | None = None
    message: MessageText = ""


class DeadNotice(StrictModel):
    """A notice that could not be delivered for good, as an ops alert names it.

    ``row`` is its number in the outbox (``agenda-watch notices --retry ROW``); ``reason`` what
    Slack (or rendering) said.
    """

    row: int
    key: Text
    kind: Text
    source: Text
    reason: MessageText


class Reminder(StrictModel):
    """What a ``reminder`` notice reminds of.

    - ``kind``: ``comment_deadline`` (a meeting's public-comment window closes) or ``witness_slip``
      (a bill's committee hearing, where slips are filed before or during it).
    - ``due``: the deadline, or the hearing's start; ``time_known`` False when only a date was given.
    - ``subject``: what it is about ("Village Board", "HB1234 IMMIGRANT SAFETY"); ``body``: the
      committee or body; ``location``: the room; ``url``: where to act (the witness-slip page, the
      meeting page); ``channels``/``limit_text``: how to comment and for how long.
    """

    kind: ReminderKind
    due: AwareDatetime
    time_known: bool = True
    timezone: str = "America/Chicago"
    subject: Text
    body: Text = ""
    location: Text = ""
    url: HttpUrl | None = None
    deadline_text: Text = ""
    channels: list[CommentChannel] = Field(default_factory=list)
    limit_text: Text = ""


class Notice(StrictModel):
    """A message queued for Slack: about one meeting (thread key = meeting id) or a source's health.

    - ``kind``: `NOTICE_KINDS`; the first notice of a thread is ``new_matches``, later ones follow up;
      ``source_failing``/``source_recovered`` go to the ops channel (thread key ``health:<source>``).
    - ``meeting``: a snapshot of the meeting with only the items the notice is about.
    - ``alert``: for health notices, the source's state.
    - ``digest``: for the weekly digest, the coming meetings with their relevant items.
    - ``changes``: short human lines for follow-ups ("Status: scheduled → cancelled").
    - ``dead``: for ``delivery_failed`` ops alerts, the notices Slack refused for good.
    - ``reminder``: for ``reminder`` notices, what is due and when.
    """

    id: Text
    kind: NoticeKind
    thread_key: Text
    source: Text
    channel: Text | None = None
    meeting: Meeting | None = None
    alert: SourceAlert | None = None
    digest: list[Meeting] = Field(default_factory=list)
    changes: list[Text] = Field(default_factory=list)
    created_at: AwareDatetime
    bill: Bill | None = None
    dead: list[DeadNotice] = Field(default_factory=list)
    reminder: Reminder | None = None


Meeting.model_rebuild()


# --- Illinois General Assembly bills -----------------------------------------------------------

BillActionKind = Literal[
    "filed",
    "referred",
    "amendment_filed",
    "amendment_adopted",
    "amendment_other",
    "passed_committee",
    "failed",
    "passed_house",
    "passed_senate",
    "passed_both",
    "concurred",
    "sent_to_governor",
    "signed",
    "vetoed",
    "public_act",
    "died",
    "veto_overridden",  # "Override Total Veto - House Passed …"
    "stalled",  # "Rule 19(a) / Re-referred to Rules Committee": missed a deadline, out of committee
    "other",
]
BILL_ACTION_KINDS: tuple[str, ...] = get_args(BillActionKind)


class BillAction(StrictModel):
    """One row of a bill's action history: date, chamber ("House"/"Senate"), text, its kind."""

    date: date
    chamber: Text
    action: Text
    kind: BillActionKind = "other"


class BillSponsor(StrictModel):
    """A sponsor; ``chief`` for the first sponsor listed in each chamber."""

    name: Text
    chamber: Text
    chief: bool = False
    url: HttpUrl | None = None


class BillSynopsis(StrictModel):
    """A synopsis: ``title`` "Synopsis As Introduced" or the amendment ("Senate Committee Amendment No. 1")."""

    title: Text
    text: Text
    url: HttpUrl | None = None


class BillHearing(StrictModel):
    """A committee hearing a bill is posted for; ``url`` is the hearing page.

    ``witness_slip_url``: where to file a witness slip for this bill at this hearing (the bill
    row's own link on the hearing page, else the hearing page, which carries the slip links).
    """

    committee: Text
    chamber: Text = ""
    start: PlausibleDatetime
    time_known: bool = True
    location: Text = ""
    url: HttpUrl | None = None
    meeting_id: Text | None = None
    witness_slip_url: HttpUrl | None = None

    def slip_url(self) -> str | None:
        """Where to file a witness slip: the bill's own link, else the hearing page."""
        found = self.witness_slip_url or self.url
        return str(found) if found else None


class Bill(StrictModel):
    """A General Assembly bill or resolution with its whole history — what the ilga spider yields.

    - ``id``: ``<source>/<GA>/<label>``; ``ga``: 104; ``doc_type``: HB, SB, HR, SJRCA…;
      ``number``: 1062 (``label`` = "HB1062"; the thread key is ``bill:<GA>:<label>``).
    - ``title``: the short description ("POW MIA RECOGNITION DAY" — often hides the subject).
    - ``synopses``: as introduced, then each amendment's, in page order.
    - ``actions``: the full history, oldest first; ``last_action``: the site's own last action.
    - ``public_act``: "104-0166" once enacted; ``hearings``: posted committee hearings.
    - ``url``: the status page for humans; ``data_url``: what was parsed.
    - ``source_stamp``: the bulk listing's date/size for the file, to skip unchanged files.
    - ``classification``: on title + every synopsis, evidence ``field`` naming the synopsis.
    - ``watch``: "watch" (pinned by config/watchlist.yaml), "ignore" (silenced) or "".
    """

    id: Text
    source: Text
    ga: int
    doc_type: Text
    number: int
    title: Text
    sponsors: list[BillSponsor] = Field(default_factory=list)
    statutes: list[Text] = Field(default_factory=list)
    synopses: list[BillSynopsis] = Field(default_factory=list)
    actions: list[BillAction] = Field(default_factory=list)
    last_action: BillAction | None = None
    public_act: Text | None = None
    hearings: list[BillHearing] = Field(default_factory=list)
    url: HttpUrl | None = None
    data_url: HttpUrl | None = None
    source_stamp: Text | None = None
    classification: Classification | None = None
    watch: Literal["", "watch", "ignore"] = ""
    scraped_at: AwareDatetime | None = None
    schema_version: int = SCHEMA_VERSION

    @property
    def label(self) -> str:
        """``HB1062``: type and number without zero padding."""
        return f"{self.doc_type}{self.number}"

    @property
    def thread_key(self) -> str:
        """``bill:104:HB1062``: every notice about the bill goes to this thread."""
        return f"bill:{self.ga}:{self.label}"

    def chief_sponsor(self) -> BillSponsor | None:
        """The first chief sponsor (the filing chamber's), if any."""
        return next((s for s in self.sponsors if s.chief), None)


Notice.model_rebuild()


def example_meeting() -> Meeting:
    """A filled example instance, for docs and tests."""
    from zoneinfo import ZoneInfo

    start = datetime(2025, 12, 2, 19, 0, tzinfo=ZoneInfo("America/Chicago"))
    mid = meeting_id("oak_park", start, "1234", "Village Board")
    return Meeting(
        id=mid,
        source="oak_park",
        jurisdiction="Village of Oak Park, IL",
        body="Village Board",
        title="Village Board - Regular Meeting",
        start=start,
        location="123 Madison Street, Council Chambers",
        url="https://oak-park.legistar.com/MeetingDetail.aspx?ID=1234",
        items=[
            AgendaItem(
                id=item_id(mid, "5678", "7.b", "Welcoming Village Ordinance"),
                number="7.b",
                title="An Ordinance Amending the Welcoming Village Ordinance",
                matter="ORD 25-12",
            )
        ],
    )


def json_schema() -> dict[str, Any]:
    """JSON Schema of what is stored: one meeting document (with items and classifications)."""
    return Meeting.model_json_schema(mode="serialization")
