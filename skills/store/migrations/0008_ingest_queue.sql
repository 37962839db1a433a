-- Issue 17: the shared ingest queue that ``python -m skills ingest-worker`` processes drain
-- (a table in the store, so every worker on every machine sees it). One row per submitted
-- item. A worker claims rows under its name; rows whose worker has died (its PostgreSQL
-- session, and with it its liveness lock, is gone) are claimed again by the next worker.
CREATE TABLE ingest_queue (
    item_id VARCHAR PRIMARY KEY,     -- <batch_id>:<position>
    batch_id VARCHAR NOT NULL,
    position INTEGER NOT NULL,       -- in its batch, from 0
    kind VARCHAR NOT NULL,           -- bytes (a file's bytes) | text (JSON, a token or a URL)
    payload BLOB NOT NULL,
    person_id VARCHAR,               -- whose badge; NULL: the badge's recipient
    name VARCHAR NOT NULL,           -- a label for reports (the file name)
    submitted_by VARCHAR NOT NULL,
    enqueued_at TIMESTAMPTZ NOT NULL,
    claimed_by VARCHAR,              -- the worker processing it
    claimed_at TIMESTAMPTZ,
    done_at TIMESTAMPTZ,
    outcome VARCHAR                  -- the stored status, or "rejected: <reason>"
);
