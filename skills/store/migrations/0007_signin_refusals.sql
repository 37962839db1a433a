-- Issue 16: identities the organisation's provider signed in that Skill Atlas refused
-- (no group mapped to a role, no matching person, an unverified address, the other kind
-- of people), for HR to see in Admin. One row per provider, subject and reason.
CREATE TABLE signin_refusals (
    provider VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,        -- the provider's ``sub`` (or the address without one)
    email VARCHAR NOT NULL,          -- as the provider gave it; may be unverified
    reason VARCHAR NOT NULL,
    sentence VARCHAR NOT NULL,       -- what the person was told
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (provider, subject, reason)
);
