"""Crawl runs and each source's alert state."""

from __future__ import annotations

from typing import Any

from pipeline.clock import utcnow
from pipeline.store.ledger.base import LedgerBase, stored_message


class Runs(LedgerBase):
    """A row per crawl run (counts, errors, finish reason); whether a source's alert is out."""

    def start_run(self, run_id: str, source: str) -> None:
        """Note that a crawl of `source` started."""
        with self.transaction():  # a run id started again starts afresh
            self.conn.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))
            self.conn.execute(
                "INSERT INTO runs (run_id, source, started_at) VALUES (?, ?, ?)",
                (run_id, source, utcnow().isoformat()),
            )

    def finish_run(self, run_id: str, source: str, **fields: Any) -> None:
        """Record a crawl's outcome (counts, errors, finish reason)."""
        counts = {"meetings", "items", "matches", "notices", "errors", "unread"}
        bad = set(fields) - counts - {"finish_reason", "message"}
        if bad:
            raise ValueError(f"unknown run fields {sorted(bad)}")
        if "message" in fields:
            fields["message"] = stored_message(fields["message"])
        with self.transaction():
            self.conn.execute(
                "INSERT INTO runs (run_id, source, started_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (run_id, source, utcnow().isoformat()),
            )
            sets = ", ".join(f"{k} = ?" for k in fields)
            self.conn.execute(
                f"UPDATE runs SET finished_at = ?{', ' if sets else ''}{sets} WHERE run_id = ?",
                (utcnow().isoformat(), *fields.values(), run_id),
            )

    def run(self, run_id: str) -> dict[str, Any] | None:
        """One run's row."""
        row = self.conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return dict(row) if row else None

    def finished_runs(self, source: str, limit: int = 200) -> list[dict[str, Any]]:
        """The source's finished runs, newest first."""
        rows = self.conn.execute(
            "SELECT * FROM runs WHERE source = ? AND finished_at IS NOT NULL"
            " ORDER BY started_at DESC LIMIT ?",
            (source, limit),
        )
        return [dict(r) for r in rows]

    # --- source health -------------------------------------------------------------------

    def source_alerting(self, source: str) -> bool:
        """True while an ops alert about `source` is out and no recovery was posted."""
        row = self.conn.execute(
            "SELECT alerting FROM source_health WHERE source = ?", (source,)
        ).fetchone()
        return bool(row and row["alerting"])

    def set_source_alerting(self, source: str, alerting: bool) -> None:
        """Record that an alert (True) or a recovery (False) about `source` was queued."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO source_health (source, alerting, changed_at) VALUES (?, ?, ?)"
                " ON CONFLICT(source) DO UPDATE SET alerting = excluded.alerting,"
                " changed_at = excluded.changed_at",
                (source, int(alerting), utcnow().isoformat()),
            )
