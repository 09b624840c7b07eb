"""``agenda-watch doctor``: find what can no longer be read, set it aside, and say what was done.

- A damaged ledger (SQLite's integrity check fails, or the file is not a database) is moved
  aside and every row that can still be read is copied into a fresh one (`ledger.salvage`);
  threads the salvage lost are re-seeded from the stored meeting documents, so the next crawl
  does not announce them again.
- Unsent notices whose payload no longer validates become dead letters (listed by
  ``agenda-watch notices --dead``, retryable); ledger rows that are not JSON go to its
  ``set_aside`` table.
- Meeting and bill files that no longer read are moved under ``<data_dir>/set_aside/``.

Nothing is deleted; every step is one line of the report.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.store.files import JsonStore, set_aside_file, unreadable_files
from pipeline.store.ledger import Ledger, LedgerDamaged, salvage


def doctor(data_dir: Path, ledger_path: Path | str) -> list[str]:
    """Check and repair the ledger and the stored files; the report, one line per step.

    A PostgreSQL ledger (a URL) keeps its own pages sound: only its rows are checked.
    """
    if isinstance(ledger_path, str):
        ledger = Ledger(ledger_path)
        try:
            lines = [f"ledger {ledger.where}: PostgreSQL (the server checks its own pages)"]
            lines += ledger.set_aside_undecodable()
        finally:
            ledger.close()
    else:
        lines = _ledger(data_dir, ledger_path) if ledger_path.exists() else []
        if not ledger_path.exists():
            lines.append(f"no ledger at {ledger_path} (nothing crawled yet)")
    for path, problem in unreadable_files(data_dir):
        where = set_aside_file(data_dir, path)
        lines.append(
            f"set aside {path.relative_to(data_dir)} → {where.relative_to(data_dir)}: {problem}"
        )
    if len(lines) == 1 and lines[0].endswith("integrity check ok"):
        lines.append("nothing to repair")
    return lines


def _ledger(data_dir: Path, path: Path) -> list[str]:
    try:
        ledger = Ledger(path, check=False)
        problems = ledger.integrity_problems()
    except LedgerDamaged as exc:
        problems = [str(exc)]
    else:
        if problems:
            ledger.close()
    if not problems:
        lines = [f"ledger {path}: integrity check ok"]
    else:
        lines = [f"ledger {path}: damaged: {problems[0]}"]
        lines += salvage(path)
        ledger = Ledger(path)
        restored = sum(ledger.restore_notified(m) for m in JsonStore(data_dir).iter_meetings())
        if restored:
            lines.append(f"re-seeded {restored} meeting thread(s) from their stored documents")
    try:
        lines += ledger.set_aside_undecodable()
    finally:
        ledger.close()
    return lines
