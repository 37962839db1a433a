-- CLR 2.0 transcripts and verifiable presentations (wallet exports): one row per container
-- submitted; every credential inside it is its own row of credentials (its skills count as
-- any badge's) whose container_key names the container it came in.

-- container_key: the container's own id, else 'sha256:' + the SHA-256 of the submitted bytes.
-- status is the verdict on the container's own proof (its credentials have their own).
-- holder_bound: a presentation whose proof verified with a key of its holder.
CREATE TABLE credential_containers (
    container_key VARCHAR PRIMARY KEY,
    container_id VARCHAR,
    kind VARCHAR NOT NULL CHECK (kind IN ('clr', 'vp')),
    format VARCHAR NOT NULL,
    person_id VARCHAR,
    submitted_by VARCHAR NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('verified', 'invalid', 'revoked', 'expired',
        'not_yet_valid', 'recipient_mismatch', 'unverifiable')),
    summary VARCHAR,
    title VARCHAR,                 -- the transcript's name
    issuer_id VARCHAR,             -- a CLR's issuer
    holder VARCHAR,                -- a presentation's holder
    holder_bound BOOLEAN NOT NULL DEFAULT false,
    credentials INTEGER NOT NULL DEFAULT 0,   -- credentials found inside
    skipped INTEGER NOT NULL DEFAULT 0,       -- of those, not verified (over the limit, nested)
    source_sha256 VARCHAR NOT NULL,
    raw BLOB,
    baked_in VARCHAR,
    name VARCHAR,                  -- file name or label it arrived as
    checks JSON,
    verified_at TIMESTAMPTZ NOT NULL,
    created TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX credential_containers_person ON credential_containers (person_id);

ALTER TABLE credentials ADD COLUMN container_key VARCHAR;
