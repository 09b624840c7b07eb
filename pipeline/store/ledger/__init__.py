"""The ledger: what was seen, crawl runs, the meeting index and the outbox of notices.

It is the SQLite file under the data dir, or a PostgreSQL database shared by several machines
(``AGENDA_WATCH_LEDGER_URL``): the same statements serve both, written once in the portable
subset of SQLite's SQL (`postgres` is the PostgreSQL connection and dialect).

Every SQL statement against the ledger is in this package, behind a named method of `Ledger`;
other modules never touch `Ledger.conn`. The class is put together from one part per area:

- `base.LedgerBase`: the connection, the layout (``ledger.sql``, migrations) and transactions;
- `outbox.Outbox`: notices queued, claimed, posted, held, released or set dead; threads;
- `subjects.Subjects`: meetings, items and bills as last seen, outcomes and reminders;
- `runs.Runs`: crawl runs and each source's alert state;
- `index.MeetingIndex`: the rows the views query;
- `doctor.Doctor`: setting aside what no longer decodes (`salvage` rebuilds a damaged file).

A damaged file is reported as `LedgerDamaged`, one line naming the file and `agenda-watch doctor`.
"""

from __future__ import annotations

from pipeline.store.ledger.base import (
    LEDGER_VERSION,
    SCHEMA,
    stored_message,
)
from pipeline.store.ledger.connection import LedgerDamaged, stamp
from pipeline.store.ledger.doctor import Doctor, salvage
from pipeline.store.ledger.index import IndexRow, IndexSelection, MeetingIndex
from pipeline.store.ledger.outbox import NOTICE_STATES, OutboxRow
from pipeline.store.ledger.runs import Runs

__all__ = [
    "LEDGER_VERSION",
    "NOTICE_STATES",
    "SCHEMA",
    "IndexRow",
    "IndexSelection",
    "Ledger",
    "LedgerDamaged",
    "OutboxRow",
    "salvage",
    "stamp",
    "stored_message",
]


class Ledger(Doctor, Runs, MeetingIndex):
    """The ledger. One connection per process; every write is one short transaction.

    `where` is the SQLite file (the default, under the data dir) or a ``postgresql://`` URL
    (``AGENDA_WATCH_LEDGER_URL``: one ledger shared by several machines). Methods that write join
    the caller's `transaction` when one is open, so several of them can be made atomic together.
    """
