-- The ledger's tables, layout 1 (LEDGER_VERSION in pipeline/store/ledger.py).
-- Statements end with a semicolon (ledger.py splits on them after dropping comments).

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
    state TEXT NOT NULL DEFAULT 'queued',  -- queued, inflight or sent
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    inflight_at TEXT,
    sent_at TEXT,
    ts TEXT,
    posted_channel TEXT
);
CREATE INDEX IF NOT EXISTS notices_state ON notices(state, id);

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
    message TEXT
);
CREATE INDEX IF NOT EXISTS runs_source ON runs(source, started_at);

CREATE TABLE IF NOT EXISTS source_health (
    source TEXT PRIMARY KEY,
    alerting INTEGER NOT NULL DEFAULT 0,  -- an ops alert is out and no recovery posted yet
    changed_at TEXT NOT NULL
);
