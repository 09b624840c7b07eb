"""Deliver the outbox: Slack bot token (threads), incoming webhook, or files under the data dir.

Exactly-once in bot mode: a notice is marked in flight (committed) before it is posted and sent
after; on the next run, in-flight notices are looked up in Slack by the message metadata we attach
(``conversations.history`` / ``conversations.replies``) and only re-posted if Slack has no such
message. Webhooks cannot be searched, so an in-flight webhook notice is re-sent (at least once):
a crash in the instant between Slack's answer and our commit can repeat that one message.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from pipeline.clock import utcnow
from pipeline.deliver.slack import METADATA_EVENT, Message, render
from pipeline.redact import describe, redact, register_secret
from pipeline.settings import Settings
from pipeline.store.files import write_atomic
from pipeline.store.ledger import Ledger, QueuedNotice

logger = logging.getLogger(__name__)

# Slack channel ids (C…, G…, D…); names must be resolved to ids for history lookups.
CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]{6,}$")
# Errors after which continuing this run is pointless (auth) or impolite (rate limits, outages).
STOP_ERRORS = {"invalid_auth", "not_authed", "token_revoked", "account_inactive", "ratelimited"}
RECONCILE_SLACK_S = 300
# Notice kinds that open a thread; every other kind replies in its thread when one exists.
THREAD_STARTERS = (
    "new_matches",
    "source_failing",
    "bill_new",
)  # look this far before the in-flight mark for our message


class DeliveryError(Exception):
    """A post failed; ``stop`` says whether the rest of this run should wait for the next one."""

    def __init__(self, message: str, *, stop: bool) -> None:
        super().__init__(message)
        self.stop = stop


@dataclass
class Posted:
    """Where a message landed."""

    ts: str | None
    channel: str | None


class Sink(Protocol):
    """Where rendered messages go."""

    mode: str

    def canonical(self, channel: str | None) -> str:
        """The channel key used for posting and for remembering threads."""

    def post(self, message: Message, channel: str | None, thread_ts: str | None) -> Posted:
        """Post one message; raise `DeliveryError` on failure."""

    def find(
        self, notice_id: str, channel: str, thread_ts: str | None, since: datetime
    ) -> str | None:
        """The ts of our message for `notice_id` if Slack already has it, else None."""


@dataclass
class DeliveryReport:
    """What a delivery run did."""

    mode: str  # bot, webhook or file
    sent: int = 0  # posted in this run
    reconciled: int = 0  # left in flight by a crash, and found already in Slack
    requeued: int = 0  # left in flight, not in Slack: queued again
    failed: int = 0  # could not be posted this run (still queued)
    pending: int = 0  # queued or in flight after the run
    errors: list[str] = field(default_factory=list)  # what went wrong, secrets redacted
    files: list[Path] = field(default_factory=list)  # file mode: the messages written

    def summary(self) -> str:
        """One line for humans."""
        line = (
            f"deliver ({self.mode}): {self.sent} sent, {self.reconciled} found already posted, "
            f"{self.failed} failed, {self.pending} still queued"
        )
        return line + "".join(f"\n  error: {e}" for e in self.errors[:5])


class Redactor:
    """Removes secrets from any text we log or store (`pipeline.redact`, which knows them all)."""

    def __init__(self, secrets: list[str]) -> None:
        for secret in secrets:
            register_secret(secret)

    def __call__(self, text: str) -> str:
        """`text` with every known secret and credential-shaped value replaced by ``[redacted]``."""
        return redact(text)


class BotSink:
    """chat.postMessage with a bot token; threads per meeting; metadata for reconciliation."""

    mode = "bot"

    def __init__(self, token: str, base_url: str, redact: Redactor) -> None:
        self.redact = redact
        self.client = WebClient(
            token=token,
            base_url=base_url,
            timeout=30,
            retry_handlers=[
                ConnectionErrorRetryHandler(max_retry_count=2),
                RateLimitErrorRetryHandler(max_retry_count=3),
                ServerErrorRetryHandler(max_retry_count=2),
            ],
        )
        self._channel_ids: dict[str, str] = {}

    def resolve(self, channel: str) -> str:
        """A channel id for `channel` (an id already, or a name such as ``#immigration``)."""
        if CHANNEL_ID_RE.match(channel):
            return channel
        name = channel.lstrip("#")
        if name in self._channel_ids:
            return self._channel_ids[name]
        cursor = None
        while True:
            resp = self._call(
                self.client.conversations_list,
                types="public_channel,private_channel",
                limit=1000,
                cursor=cursor,
                exclude_archived=True,
            )
            for conv in resp.get("channels", []):
                self._channel_ids[conv["name"]] = conv["id"]
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if name in self._channel_ids or not cursor:
                break
        if name not in self._channel_ids:
            raise DeliveryError(f"channel {channel!r} not found (invite the bot?)", stop=False)
        return self._channel_ids[name]

    def canonical(self, channel: str | None) -> str:
        """The channel's id (names are looked up once)."""
        if not channel:
            raise DeliveryError(
                "no channel: set SLACK_CHANNEL or the source's slack_channel", stop=True
            )
        return self.resolve(channel)

    def post(self, message: Message, channel: str | None, thread_ts: str | None) -> Posted:
        """chat.postMessage; parse, link_names and unfurls stay off."""
        resp = self._call(
            self.client.chat_postMessage,
            channel=self.canonical(channel),
            text=message.text,
            blocks=message.blocks,
            metadata=message.metadata,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )
        return Posted(ts=str(resp["ts"]), channel=str(resp.get("channel") or channel))

    def find(
        self, notice_id: str, channel: str, thread_ts: str | None, since: datetime
    ) -> str | None:
        """Search the channel (or the thread) for a message carrying our notice id."""
        channel_id = self.resolve(channel)
        oldest = f"{(since - timedelta(seconds=RECONCILE_SLACK_S)).timestamp():.6f}"
        cursor = None
        while True:
            if thread_ts:
                resp = self._call(
                    self.client.conversations_replies,
                    channel=channel_id,
                    ts=thread_ts,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            else:
                resp = self._call(
                    self.client.conversations_history,
                    channel=channel_id,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            for msg in resp.get("messages", []):
                meta = msg.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if (
                    meta.get("event_type") == METADATA_EVENT
                    and payload.get("notice_id") == notice_id
                ):
                    return str(msg["ts"])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def _call(self, method: Any, **kwargs: Any) -> Any:
        try:
            return method(**{k: v for k, v in kwargs.items() if v is not None})
        except SlackApiError as exc:
            error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
            stop = error in STOP_ERRORS or exc.response.status_code >= 500
            raise DeliveryError(f"Slack said {error}", stop=stop) from None
        except OSError as exc:  # connection refused/reset after the retry handlers gave up
            raise DeliveryError(self.redact(f"cannot reach Slack: {exc}"), stop=True) from None
        except Exception as exc:  # anything else the client raises: its text may hold the token
            raise DeliveryError(
                self.redact(f"Slack client error: {describe(exc)}"), stop=True
            ) from None


class WebhookSink:
    """Incoming webhook: one channel, no threads, no way to look a message up afterwards."""

    mode = "webhook"

    def __init__(self, url: str, redact: Redactor) -> None:
        self.redact = redact
        self.client = WebhookClient(
            url,
            timeout=30,
            retry_handlers=[
                ConnectionErrorRetryHandler(max_retry_count=2),
                RateLimitErrorRetryHandler(max_retry_count=3),
                ServerErrorRetryHandler(max_retry_count=2),
            ],
        )

    def canonical(self, channel: str | None) -> str:
        """A webhook posts to the one channel it was made for."""
        return "webhook"

    def post(self, message: Message, channel: str | None, thread_ts: str | None) -> Posted:
        """POST the message; a non-200 answer is an error (the client does not raise on it)."""
        try:
            resp = self.client.send(
                text=message.text, blocks=message.blocks, unfurl_links=False, unfurl_media=False
            )
        except OSError as exc:
            raise DeliveryError(
                self.redact(f"cannot reach the webhook: {exc}"), stop=True
            ) from None
        except Exception as exc:  # e.g. ValueError("unknown url type: '<the URL>'"): redacted
            raise DeliveryError(self.redact(f"webhook error: {describe(exc)}"), stop=True) from None
        if resp.status_code != 200:
            stop = resp.status_code == 429 or resp.status_code >= 500
            body = self.redact(str(resp.body)[:100])
            raise DeliveryError(f"webhook answered HTTP {resp.status_code}: {body}", stop=stop)
        return Posted(ts=None, channel=None)

    def find(
        self, notice_id: str, channel: str, thread_ts: str | None, since: datetime
    ) -> str | None:
        """Webhooks cannot be searched: report not found, so the notice is re-sent."""
        return None


class FileSink:
    """Writes each rendered message to ``<data_dir>/outbox/<notice id>.json`` (no Slack needed)."""

    mode = "file"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.current_id = ""

    def path_for(self, notice_id: str) -> Path:
        """The file for a notice: named after its id, so a rewrite is idempotent."""
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in notice_id)
        return self.directory / f"{safe}.json"

    def canonical(self, channel: str | None) -> str:
        """The configured channel name, kept in the file for reference."""
        return channel or "file"

    def post(self, message: Message, channel: str | None, thread_ts: str | None) -> Posted:
        """Write the message as JSON (the same payload chat.postMessage would get)."""
        payload = {
            "channel": channel,
            "thread_ts": thread_ts,
            "text": message.text,
            "blocks": message.blocks,
            "metadata": message.metadata,
        }
        notice_id = str(message.metadata["event_payload"]["notice_id"])
        path = self.path_for(notice_id)
        write_atomic(path, json.dumps(payload, indent=2, ensure_ascii=False).encode())
        return Posted(ts=f"file:{path.name}", channel=channel or "file")

    def find(
        self, notice_id: str, channel: str, thread_ts: str | None, since: datetime
    ) -> str | None:
        """A file already written for the notice counts as posted."""
        path = self.path_for(notice_id)
        return f"file:{path.name}" if path.exists() else None


def make_sink(settings: Settings) -> tuple[Sink, Redactor]:
    """The sink the settings ask for: bot token, else webhook, else files."""
    secrets = [
        s.get_secret_value() for s in (settings.slack_bot_token, settings.slack_webhook_url) if s
    ]
    redact = Redactor(secrets)
    mode = settings.delivery_mode()
    if mode == "bot" and settings.slack_bot_token:
        return BotSink(
            settings.slack_bot_token.get_secret_value(), settings.slack_api_url, redact
        ), redact
    if mode == "webhook" and settings.slack_webhook_url:
        return WebhookSink(settings.slack_webhook_url.get_secret_value(), redact), redact
    return FileSink(settings.data_dir / "outbox"), redact


def deliver(settings: Settings, ledger: Ledger, sink: Sink | None = None) -> DeliveryReport:
    """Reconcile in-flight notices, then post every queued one, oldest first."""
    if sink is None:
        sink, redact = make_sink(settings)
    else:
        redact = Redactor([])
    report = DeliveryReport(mode=sink.mode)
    try:
        _reconcile(settings, ledger, sink, report)
        for queued in ledger.pending(("queued",)):
            try:
                path = _post_one(settings, ledger, sink, queued)
            except DeliveryError as exc:
                message = redact(str(exc))
                ledger.mark_queued(queued.row_id, message)
                report.failed += 1
                report.errors.append(f"notice {queued.row_id}: {message}")
                logger.error("notice %s not delivered: %s", queued.row_id, message)
                if exc.stop:
                    break
                continue
            report.sent += 1
            if path:
                report.files.append(path)
    except DeliveryError as exc:  # reconciliation could not reach Slack: try again next run
        report.errors.append(redact(str(exc)))
        logger.error("delivery stopped: %s", redact(str(exc)))
    counts = ledger.counts()
    report.pending = counts.get("queued", 0) + counts.get("inflight", 0)
    return report


def _channel_for(settings: Settings, queued: QueuedNotice) -> str | None:
    return queued.notice.channel or settings.slack_channel


def _reconcile(settings: Settings, ledger: Ledger, sink: Sink, report: DeliveryReport) -> None:
    for queued in ledger.pending(("inflight",)):
        channel = queued.channel or sink.canonical(_channel_for(settings, queued))
        thread_ts = _parent_ts(ledger, queued, channel)
        since = datetime.fromisoformat(queued.inflight_at) if queued.inflight_at else utcnow()
        ts = sink.find(queued.notice.id, channel, thread_ts, since)
        if ts:
            ledger.mark_sent(
                queued.row_id, ts, None if thread_ts else (queued.notice.thread_key, channel)
            )
            report.reconciled += 1
            logger.info("notice %s was already posted (ts %s)", queued.row_id, ts)
        else:
            ledger.mark_queued(queued.row_id, "in flight when the last run stopped; not in Slack")
            report.requeued += 1


def _parent_ts(ledger: Ledger, queued: QueuedNotice, channel: str) -> str | None:
    if queued.notice.kind in THREAD_STARTERS:
        return None
    return ledger.thread_ts(queued.notice.thread_key, channel)


def _post_one(settings: Settings, ledger: Ledger, sink: Sink, queued: QueuedNotice) -> Path | None:
    channel = sink.canonical(_channel_for(settings, queued))
    thread_ts = _parent_ts(ledger, queued, channel)
    message = render(queued.notice)
    ledger.mark_inflight(queued.row_id, channel)
    posted = sink.post(message, channel, thread_ts)
    starts_thread = thread_ts is None and posted.ts is not None
    ledger.mark_sent(
        queued.row_id, posted.ts, (queued.notice.thread_key, channel) if starts_thread else None
    )
    if isinstance(sink, FileSink):
        return sink.path_for(queued.notice.id)
    return None
