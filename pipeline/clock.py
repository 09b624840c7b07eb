"""The clock: one place that says what time it is."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, zone-aware UTC."""
    return datetime.now(UTC)
