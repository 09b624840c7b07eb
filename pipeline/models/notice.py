"""Sources as configured, and the notices queued for Slack about them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
)

from pipeline.models.bill import Bill
from pipeline.models.fields import AwareDatetime, MessageText, StrictModel, Text
from pipeline.models.meeting import AgendaItem, CommentChannel, Meeting
from pipeline.models.vocab import NoticeKind, ReminderKind


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

    @classmethod
    def about(
        cls,
        meeting: Meeting,
        kind: NoticeKind,
        notice_id: str,
        items: list[AgendaItem],
        channel: str | None,
        now: datetime,
        **fields: Any,
    ) -> Notice:
        """A notice in `meeting`'s thread, its snapshot holding only `items` (`Meeting.snapshot`)."""
        return cls(
            id=notice_id,
            kind=kind,
            thread_key=meeting.thread_key,
            source=meeting.source,
            channel=channel,
            meeting=meeting.snapshot(items),
            created_at=now,
            **fields,
        )
