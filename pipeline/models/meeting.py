"""A meeting and its parts: items, links, documents, classifications, outcomes, comment windows."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import (
    Field,
    HttpUrl,
)

from pipeline.models.fields import (
    AwareDatetime,
    MessageText,
    OptionalPlausibleDatetime,
    PageText,
    PlausibleDatetime,
    StrictModel,
    Text,
    ZoneName,
    item_id,
    meeting_id,
)
from pipeline.models.vocab import (
    VOTE_VALUES,
    ChannelKind,
    LimitUnit,
    LinkKind,
    MeetingStatus,
    OutcomeKind,
    Topic,
    UnreadReason,
    VoteValue,
)

SCHEMA_VERSION = 1


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

    def snapshot(self, items: list[AgendaItem]) -> Meeting:
        """A copy of the meeting carrying only `items`, without documents or fetched bytes.

        What a notice or a view holds: the items it is about, not the whole agenda's text.
        """
        return self.model_copy(update={"items": items, "documents": [], "raw_documents": []})


class RawDocument(StrictModel):
    """A downloaded document waiting for text extraction (in memory only, never stored)."""

    url: HttpUrl
    content_type: Text = ""
    body: bytes = b""


def example_meeting() -> Meeting:
    """A filled example instance, for docs and tests."""
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
