"""Source health: how a source's recent crawls went, and the ops alerts that follow from it.

A run is bad when it failed or found no meetings (sites fail silently). After ``alert_after`` bad
runs in a row one ``source_failing`` notice is queued for the ops channel; the next good run
queues one ``source_recovered`` in the same thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.clock import utcnow
from pipeline.models import Notice, NoticeKind, SourceAlert
from pipeline.store.ledger import Ledger


def _run_ok(row: dict[str, Any]) -> bool:
    """A run that finished and found meetings (zero meetings is a failure: sites fail silently)."""
    return bool(row["finish_reason"] == "finished" and row["meetings"] > 0)


@dataclass(frozen=True)
class SourceHealth:
    """What `agenda-watch sources` shows for one source."""

    source: str
    runs: int
    last_run: str | None
    last_success: str | None
    last_meetings: int
    last_items: int
    last_unread: int  # meetings of the last run whose agenda could not be read
    consecutive_failures: int
    consecutive_empty: int
    alerting: bool
    last_message: str


def source_health(ledger: Ledger, source: str) -> SourceHealth:
    """A source's health from its recorded runs (newest first)."""
    rows = ledger.finished_runs(source)
    failures = zero = 0
    for row in rows:
        if _run_ok(row):
            break
        if row["finish_reason"] != "finished" or (row["errors"] and not row["meetings"]):
            failures += 1
        else:
            zero += 1
    success = next((r for r in rows if _run_ok(r)), None)
    return SourceHealth(
        source=source,
        runs=len(rows),
        last_run=rows[0]["started_at"] if rows else None,
        last_success=success["started_at"] if success else None,
        last_meetings=rows[0]["meetings"] if rows else 0,
        last_items=rows[0]["items"] if rows else 0,
        last_unread=rows[0]["unread"] if rows else 0,
        consecutive_failures=failures,
        consecutive_empty=zero,
        alerting=ledger.source_alerting(source),
        last_message=(rows[0]["message"] or "") if rows else "",
    )


def check_health(
    ledger: Ledger, source: str, name: str, alert_after: int, channel: str | None
) -> Notice | None:
    """Queue one ops alert after `alert_after` bad runs in a row, one recovery after that.

    A bad run failed or found no meetings. Returns the notice queued, if any.
    """
    now = utcnow()
    with ledger.transaction():
        state = source_health(ledger, source)
        bad = state.consecutive_failures + state.consecutive_empty
        if not state.alerting and bad >= alert_after:
            kind: NoticeKind = "source_failing"
        elif state.alerting and bad == 0 and state.runs:
            kind = "source_recovered"
        else:
            return None
        alert = SourceAlert(
            source=source,
            name=name,
            failing_runs=bad,
            last_success=state.last_success,
            message=state.last_message,
        )
        thread = f"health:{source}"
        key = f"{thread}#{kind}#{now.isoformat()}"
        notice = Notice(
            id=key,
            kind=kind,
            thread_key=thread,
            source=source,
            channel=channel,
            alert=alert,
            created_at=now,
        )
        ledger.queue_notice(notice)
        ledger.set_source_alerting(source, kind == "source_failing")
        return notice
