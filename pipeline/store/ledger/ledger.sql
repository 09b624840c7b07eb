-- The ledger's tables, layout 2 (LEDGER_VERSION in pipeline/store/ledger/base.py).
-- Statements end with a semicolon (base.py splits on them after dropping comments).

CREATE TABLE IF NOT EXISTS subjects (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,              -- 'meeting', 'item' or 'bill'
    source TEXT NOT NULL,
    meeting_id TEXT,                 -- meetings and items: the meeting's thread key
    bill_key TEXT,                   -- bills: the bill's thread key, bill:<GA>:<label>
    hash TEXT NOT NULL,
    relevant INTEGER NOT NULL DEFAULT 0,
    snapshot TEXT NOT NULL,          -- small JSON: what a follow-up needs to say what changed
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    CHECK (CASE kind WHEN 'bill' THEN bill_key IS NOT NULL AND meeting_id IS NULL
                     ELSE meeting_id IS NOT NULL AND bill_key IS NULL END)
);
CREATE INDEX IF NOT EXISTS subjects_meeting ON subjects(meeting_id);

CREATE TABLE IF NOT EXISTS notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_key TEXT NOT NULL UNIQUE, -- thread + content hash: the same change is queued once
    thread_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    channel TEXT,
    payload TEXT NOT NULL,           -- the Notice as JSON
    state TEXT NOT NULL DEFAULT 'queued',  -- queued, inflight, sent or dead
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,                 -- the last failure; for a dead notice, why it died
    created_at TEXT NOT NULL,
    inflight_at TEXT,
    sent_at TEXT,
    ts TEXT,
    posted_channel TEXT,
    -- Layout 2: claims and dead letters (added by ALTER TABLE to older files, in this order).
    owner TEXT,                      -- in flight: who claimed it, <host>:<pid>:<run>
    lease_until TEXT,                -- in flight: the claim counts as abandoned after this
    dead_at TEXT,                    -- dead: when Slack refused it for good
    alerted_at TEXT                  -- dead: when the ops alert naming it was queued
);
CREATE INDEX IF NOT EXISTS notices_state ON notices(state, id);
CREATE INDEX IF NOT EXISTS notices_thread ON notices(thread_key, id);

CREATE TABLE IF NOT EXISTS threads (
    thread_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    PRIMARY KEY (thread_key, channel)
);

CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    meetings INTEGER NOT NULL DEFAULT 0,
    items INTEGER NOT NULL DEFAULT 0,
    matches INTEGER NOT NULL DEFAULT 0,
    notices INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    finish_reason TEXT,
    message TEXT,
    -- Layout 2 (added by ALTER TABLE to older files):
    unread INTEGER NOT NULL DEFAULT 0     -- meetings whose agenda could not be read
);
CREATE INDEX IF NOT EXISTS runs_source ON runs(source, started_at);

CREATE TABLE IF NOT EXISTS source_health (
    source TEXT PRIMARY KEY,
    alerting INTEGER NOT NULL DEFAULT 0,  -- an ops alert is out and no recovery posted yet
    changed_at TEXT NOT NULL
);

-- Layout 2: the views' index of the stored meeting documents (meetings/<dir>/<file>.json), one
-- row per file, derived from the file itself: written by the store stage in the transaction
-- that records the meeting, and brought up to date from the files by `pipeline.store.index`
-- (`agenda-watch reindex`, and before every view: a file whose change time, size or inode
-- differs from its row is read again). `problem` is set, and the meeting's columns NULL, for a file that does
-- not read as a meeting.
CREATE TABLE IF NOT EXISTS meeting_index (
    path TEXT PRIMARY KEY,           -- relative to <data_dir>/meetings, "<dir>/<file>.json"
    ctime_ns INTEGER NOT NULL,       -- the file's stat when it was read: any write, rename or
    size INTEGER NOT NULL,           -- replacement changes one of these three (ctime cannot be
    inode INTEGER NOT NULL,          -- set back the way an mtime can)
    sha256 TEXT NOT NULL,            -- of the file's bytes
    problem TEXT,                    -- why the file is not a readable meeting (else NULL)
    id TEXT,
    source TEXT,
    thread_key TEXT,
    platform_id TEXT,
    scraped_at TEXT,                 -- UTC, fixed width (compares as text)
    start_utc TEXT,                  -- UTC, fixed width (compares as text)
    local_date TEXT,                 -- YYYY-MM-DD on the body's own clock
    status TEXT,
    relevant INTEGER,                -- 1 when some item is relevant
    topics TEXT,                     -- the relevant items' topics, space-separated
    schema_version INTEGER
);
CREATE INDEX IF NOT EXISTS meeting_index_local ON meeting_index(local_date);
CREATE INDEX IF NOT EXISTS meeting_index_start ON meeting_index(start_utc);
CREATE INDEX IF NOT EXISTS meeting_index_copies ON meeting_index(source, platform_id, scraped_at);

-- The index's own facts: the version of the code that derived its rows.
CREATE TABLE IF NOT EXISTS meeting_index_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Slack asked us to wait (a rate limit's Retry-After): no process posts before `until`.
CREATE TABLE IF NOT EXISTS delivery_pause (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    until TEXT NOT NULL,
    reason TEXT NOT NULL
);

-- Rows `agenda-watch doctor` could not read, kept here instead of being deleted.
CREATE TABLE IF NOT EXISTS set_aside (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    from_table TEXT NOT NULL,
    row_key TEXT NOT NULL,
    data TEXT NOT NULL,
    reason TEXT NOT NULL,
    set_aside_at TEXT NOT NULL
);
-- Layout 2: reminders queued (once per thread, kind and due instant) and item outcomes posted.
CREATE TABLE IF NOT EXISTS reminders (
    reminder_key TEXT PRIMARY KEY,   -- <thread key>|<kind>|<due instant, UTC ISO 8601>
    thread_key TEXT NOT NULL,
    kind TEXT NOT NULL,              -- 'comment_deadline' or 'witness_slip'
    due_at TEXT NOT NULL,
    queued_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS outcomes (
    item_key TEXT PRIMARY KEY,       -- the item's ledger key (Meeting.item_key)
    thread_key TEXT NOT NULL,
    result TEXT NOT NULL,            -- an OutcomeKind
    hash TEXT NOT NULL,              -- of the outcome as posted (votes included)
    posted_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outcomes_thread ON outcomes(thread_key);
