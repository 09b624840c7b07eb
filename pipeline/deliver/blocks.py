"""The pieces every Slack message is built of, each making scraped text inert.

Scraped text is hostile: ``&``, ``<`` and ``>`` are escaped (so ``<!channel>``, ``<@U123>`` and
``<http://x|y>`` arrive as plain text), literal ``@here``/``@channel``/``@everyone`` are broken
with a zero-width joiner, and links are built only from http(s) URLs we percent-encode ourselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pipeline.display import truncate
from pipeline.models import Notice

METADATA_EVENT = "agenda_watch_notice"
MAX_SECTION = 2900  # Slack caps section text at 3000 characters
MAX_ITEMS = 20  # keeps a message well under Slack's 50-block limit
ZWJ = "\u2060"  # word joiner: invisible, stops "@channel" being read as a mention

# Literal broadcast words, in any case, e.g. "@channel" in a pasted agenda note.
BROADCAST_RE = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)


def escape(text: str) -> str:
    """Make scraped text inert in Slack mrkdwn and plain text (escape ``&`` first)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return BROADCAST_RE.sub(lambda m: f"@{ZWJ}{m.group(1)}", text)


# Characters that would end or split a ``<url|label>`` link, and their safe forms.
URL_ESCAPES = {"&": "&amp;", "<": "%3C", ">": "%3E", "|": "%7C", " ": "%20", "\n": "", "\r": ""}


def safe_url(url: str) -> str | None:
    """An http(s) URL fit for ``<url|label>``: ``&`` entity-escaped, ``< > |`` percent-encoded."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return "".join(URL_ESCAPES.get(ch, ch) for ch in url)


def link(url: str | None, label: str) -> str:
    """``<url|label>`` with an escaped label, or just the escaped label when the URL is unusable."""
    label = escape(label).replace("|", "¦")
    target = safe_url(url) if url else None
    return f"<{target}|{label}>" if target else label


def section(text: str) -> dict[str, Any]:
    """A mrkdwn section block, cut to Slack's limit."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION)}}


def context(text: str) -> dict[str, Any]:
    """A plain-text context block (a footer line)."""
    return {"type": "context", "elements": [{"type": "plain_text", "text": text}]}


@dataclass
class Message:
    """A rendered Slack message: fallback text, blocks and the metadata we find it by later."""

    text: str
    blocks: list[dict[str, Any]]
    metadata: dict[str, Any] = field(default_factory=dict)


def metadata(notice: Notice) -> dict[str, Any]:
    """The message metadata that names its notice (how reconciliation finds a post)."""
    return {
        "event_type": METADATA_EVENT,
        "event_payload": {"notice_id": notice.id, "thread_key": notice.thread_key},
    }
