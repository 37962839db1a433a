-- Issue 14: what employees, candidates and recruiters need around a submission.

-- Candidates' availability (people import column ``availability``, e.g. "immediately",
-- "1 month"); ``location`` already exists.
ALTER TABLE people ADD COLUMN availability VARCHAR;

-- A candidate's consent to be searchable by this organisation's recruiters. A candidate
-- is searchable only while consented_at is set and withdrawn_at is NULL. Erasure requests
-- are recorded here for HR (who runs the erasure) until the person row is erased.
CREATE TABLE candidate_consent (
    person_id VARCHAR PRIMARY KEY,
    consented_at TIMESTAMPTZ,
    withdrawn_at TIMESTAMPTZ,
    notice_version VARCHAR,          -- which privacy notice the candidate saw
    erasure_requested_at TIMESTAMPTZ
);

-- Further recipient identities a person asks for (a personal e-mail, a DID). A request is
-- used for recipient binding only once confirmed (then copied into ``identities``): an
-- address nobody proved to own must never bind somebody else's badge.
CREATE SEQUENCE identity_requests_seq START 1;
CREATE TABLE identity_requests (
    request_id BIGINT PRIMARY KEY DEFAULT nextval('identity_requests_seq'),
    person_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('email', 'url', 'telephone', 'did')),
    value VARCHAR NOT NULL,          -- normalised as in ``identities``
    requested_by VARCHAR NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    code_sha256 VARCHAR,             -- a one-time confirmation code's hash (e-mail)
    status VARCHAR NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'confirmed', 'refused', 'cancelled')),
    decided_by VARCHAR,
    decided_at TIMESTAMPTZ
);
CREATE INDEX identity_requests_person ON identity_requests (person_id);

-- Notices shown in the app: a status change found by re-verification (revoked, expired,
-- no longer verifiable ...). Expiry warnings are computed from ``credentials.expires``.
CREATE SEQUENCE notices_seq START 1;
CREATE TABLE notices (
    notice_id BIGINT PRIMARY KEY DEFAULT nextval('notices_seq'),
    person_id VARCHAR NOT NULL,
    credential_key VARCHAR,
    kind VARCHAR NOT NULL,           -- e.g. 'status_change'
    old_status VARCHAR,
    new_status VARCHAR,
    message VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    dismissed_at TIMESTAMPTZ
);
CREATE INDEX notices_person ON notices (person_id);

-- Which taxonomy and organisation mappings a credential's skills were mapped with; when
-- it differs from the current one, re-verification maps the credential's skills again.
ALTER TABLE credentials ADD COLUMN mapped_with VARCHAR;
