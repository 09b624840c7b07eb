"""Unread agendas: which meetings' agendas could not be read, and the one note counsel get.

A meeting is *unread* when it leaves extraction without items although an agenda document was
fetched for it, or its download failed: the document was damaged, encrypted, too large, timed
out, scanned with no OCR to read it, or its text split into no items. Nothing else is unread: a
meeting whose agenda is not posted yet (no document), one whose platform listed its items, and a
cancelled one (its agenda no longer matters).

Each unread meeting is counted in the crawl's run record ("2 not read") and gets one short
``agenda_unread`` notice with the document's link, once per version of what was fetched, so a
person can read it by hand. Every meeting that reaches the store passed its source's ``bodies``
filter in the spider, so every such meeting's body is watched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from pipeline.models import Document, Meeting, Notice, Unread, UnreadReason

# Document errors (as extraction words them) → the reason counsel read; the first match wins.
_REASONS: tuple[tuple[str, UnreadReason], ...] = (
    ("download failed", "download failed"),
    ("encrypted", "encrypted"),
    ("no text layer", "needs OCR"),
    ("too large", "too large"),
    ("larger than", "too large"),
    ("timed out", "timed out"),
    ("unsupported document type", "unsupported type"),
)
NO_ITEMS_DETAIL = "the agenda's text has no numbered items to split"


def version_of(body: bytes) -> str:
    """The fingerprint of a fetched document's bytes (`Unread.version`)."""
    return hashlib.sha256(body).hexdigest()[:16]


def reason_of(error: str) -> UnreadReason:
    """The reason for a document error; anything not named otherwise is a damaged document."""
    lowered = error.lower()
    return next((reason for key, reason in _REASONS if key in lowered), "damaged")


def unread_of(meeting: Meeting, versions: Mapping[str, str]) -> Unread | None:
    """Why `meeting`'s agenda could not be read, or None (see the module doc).

    `versions` maps a document's URL to `version_of` its bytes; a document without one (its
    download failed) is fingerprinted by its URL and reason, so a failing link is noted once.
    """
    if meeting.items or meeting.status == "cancelled" or not meeting.documents:
        return None
    failed: list[Document] = [d for d in meeting.documents if d.error]
    document = failed[0] if failed else meeting.documents[0]
    reason = reason_of(document.error) if document.error else "no items found"
    url = str(document.url)
    version = versions.get(url) or version_of(f"{reason} {url}".encode())
    detail = document.error or NO_ITEMS_DETAIL
    return Unread(reason=reason, detail=detail[:300], url=document.url, version=version)


def unread_notice(meeting: Meeting, channel: str | None, now: datetime) -> Notice | None:
    """The ``agenda_unread`` notice for an unread meeting (None when it was read).

    Its id is the meeting's thread key plus the version, so the outbox takes it once however
    often the same unreadable document is crawled; a new version is a new note.
    """
    if meeting.unread is None:
        return None
    notice_id = f"{meeting.thread_key}#unread#{meeting.unread.version}"
    return Notice.about(meeting, "agenda_unread", notice_id, [], channel, now)
