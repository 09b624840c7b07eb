"""Where notices go: a Slack bot token (threads), an incoming webhook, or files under the data dir.

Each sink posts one rendered message, finds a message it may already have posted (by the
metadata we attach, for reconciliation) and says what a failure means (`DeliveryError`): whether
the message may have landed (``posted``: "no" or "unknown") and whose fault it was (``cause``).
`pipeline.deliver.outbox` runs the outbox through a sink.

Retries inside one call are only those that cannot duplicate a message: a rate limit (Slack did
not take the post) with a short Retry-After, a refused connection, and Slack's own 5xx answers.
A read timeout or a connection reset after sending is never retried here: the message may be
in Slack, so the notice stays in flight until reconciliation has looked.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from pipeline.deliver.failures import (
    Cause,
    DeliveryError,
    api_error,
    retry_after,
    retry_handlers,
    transport_error,
)
from pipeline.deliver.slack import METADATA_EVENT, Message
from pipeline.redact import describe, redact, register_secret
from pipeline.settings import Settings
from pipeline.store.files import safe_name, write_atomic

logger = logging.getLogger(__name__)

# Slack channel ids (C…, G…, D…); names must be resolved to ids for history lookups.
CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]{6,}$")
RECONCILE_SLACK_S = 300  # look this far before the in-flight mark for our message


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

    def __init__(self, token: str, base_url: str, redact: Redactor, timeout_s: int = 30) -> None:
        self.redact = redact
        self.client = WebClient(
            token=token, base_url=base_url, timeout=timeout_s, retry_handlers=retry_handlers()
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
            raise DeliveryError(f"channel {channel!r} not found (invite the bot?)", cause="notice")
        return self._channel_ids[name]

    def canonical(self, channel: str | None) -> str:
        """The channel's id (names are looked up once)."""
        if not channel:
            raise DeliveryError(
                "no channel: set SLACK_CHANNEL or the source's slack_channel", cause="setup"
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
            raise api_error(exc) from None
        except OSError as exc:  # refused after the retries, or sent and no answer
            error = transport_error("Slack", exc)
            raise DeliveryError(
                self.redact(str(error)), cause=error.cause, posted=error.posted
            ) from None
        except Exception as exc:  # anything else the client raises: its text may hold the token
            raise DeliveryError(
                self.redact(f"Slack client error: {describe(exc)}"), cause="setup"
            ) from None


class WebhookSink:
    """Incoming webhook: one channel, no threads, no way to look a message up afterwards."""

    mode = "webhook"

    def __init__(self, url: str, redact: Redactor, timeout_s: int = 30) -> None:
        self.redact = redact
        self.client = WebhookClient(url, timeout=timeout_s, retry_handlers=retry_handlers())

    def canonical(self, channel: str | None) -> str:
        """A webhook posts to the one channel it was made for."""
        return "webhook"

    def post(self, message: Message, channel: str | None, thread_ts: str | None) -> Posted:
        """POST the message; a non-200 answer is an error (the client does not raise on it).

        400 refuses the message (dead letter); 403, 404 and 410 mean the webhook itself is gone
        or barred (stop); 429 a rate limit; 5xx an outage (Slack answered: not posted).
        """
        try:
            resp = self.client.send(
                text=message.text, blocks=message.blocks, unfurl_links=False, unfurl_media=False
            )
        except OSError as exc:
            error = transport_error("the webhook", exc)
            raise DeliveryError(
                self.redact(str(error)), cause=error.cause, posted=error.posted
            ) from None
        except Exception as exc:  # e.g. ValueError("unknown url type: '<the URL>'"): redacted
            raise DeliveryError(
                self.redact(f"webhook error: {describe(exc)}"), cause="setup"
            ) from None
        status = resp.status_code
        if status == 200:
            return Posted(ts=None, channel=None)
        said = f"webhook answered HTTP {status}: {self.redact(str(resp.body)[:100])}"
        if status == 429:
            raise DeliveryError(said, cause="rate", retry_after=retry_after(resp.headers))
        cause: Cause = "notice" if status == 400 else "slack" if status >= 500 else "setup"
        raise DeliveryError(said, cause=cause)

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

    def path_for(self, notice_id: str) -> Path:
        """The file for a notice: named after its id (`safe_name`), so a rewrite is idempotent."""
        return self.directory / f"{safe_name(notice_id)}.json"

    def legacy_path(self, notice_id: str) -> Path:
        """The name earlier versions gave the file (lossy, unbounded)."""
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in notice_id)
        return self.directory / f"{safe[:200]}.json"

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
        try:
            write_atomic(path, json.dumps(payload, indent=2, ensure_ascii=False).encode())
        except OSError as exc:  # a full or read-only disk: every notice would fail alike
            raise DeliveryError(f"cannot write {path}: {exc}", cause="setup") from None
        return Posted(ts=f"file:{path.name}", channel=channel or "file")

    def find(
        self, notice_id: str, channel: str, thread_ts: str | None, since: datetime
    ) -> str | None:
        """A file already written for the notice counts as posted."""
        for path in (self.path_for(notice_id), self.legacy_path(notice_id)):
            if path.exists():
                return f"file:{path.name}"
        return None


def make_sink(settings: Settings) -> tuple[Sink, Redactor]:
    """The sink the settings ask for: bot token, else webhook, else files."""
    secrets = [
        s.get_secret_value() for s in (settings.slack_bot_token, settings.slack_webhook_url) if s
    ]
    redact = Redactor(secrets)
    mode = settings.delivery_mode()
    if mode == "bot" and settings.slack_bot_token:
        token = settings.slack_bot_token.get_secret_value()
        return BotSink(token, settings.slack_api_url, redact, settings.slack_timeout_s), redact
    if mode == "webhook" and settings.slack_webhook_url:
        url = settings.slack_webhook_url.get_secret_value()
        return WebhookSink(url, redact, settings.slack_timeout_s), redact
    return FileSink(settings.data_dir / "outbox"), redact
