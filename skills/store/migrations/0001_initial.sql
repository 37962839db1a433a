-- Skill Atlas schema, version 1.
--
-- No FOREIGN KEY constraints: DuckDB forbids updating or deleting a referenced
-- row inside the same transaction and blocks upserts on referencing tables, which
-- erasure and re-verification need. Referential integrity is kept by the writes in
-- skills/store/_writes.py and skills/ingest.py, each in one transaction.
-- Times are TIMESTAMPTZ in UTC (AT is a reserved word in DuckDB 2: columns say *_at). Keys are VARCHAR chosen by the application.

CREATE TABLE app_settings (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
-- Minimum mapping confidence for a skill to count as held (view held_skills).
INSERT INTO app_settings VALUES ('held_confidence_threshold', '0.5');

-- Departments and teams in one hierarchy: kind 'department' or 'team';
-- parent_id names the enclosing department (NULL at the top).
CREATE TABLE teams (
    team_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL DEFAULT 'team' CHECK (kind IN ('team', 'department')),
    parent_id VARCHAR,
    department VARCHAR,            -- name of the team's department (denormalised for filters)
    lead_person_id VARCHAR,
    created TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE people (
    person_id VARCHAR PRIMARY KEY,
    display_name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('employee', 'candidate')),
    team_id VARCHAR,
    role_title VARCHAR,
    manager_id VARCHAR,
    location VARCHAR,
    start_date DATE,
    created TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Identities a badge recipient may be bound to. ``value`` is normalised
-- (trimmed; e-mails lower-cased without mailto:). ``hashed`` rows hold a
-- 'sha256$hex' form when only a hash is known (erasure keeps no plain text).
CREATE TABLE identities (
    person_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('email', 'url', 'telephone', 'did')),
    value VARCHAR NOT NULL,
    hashed BOOLEAN NOT NULL DEFAULT false,
    created TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, value)
);
CREATE INDEX identities_person ON identities (person_id);

CREATE TABLE role_profiles (
    profile_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    team_id VARCHAR,               -- NULL: organisation-wide profile
    description VARCHAR,
    created_by VARCHAR,
    created TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A required skill: an ESCO skill URI or an ESCO group code (target_kind).
CREATE TABLE role_skills (
    profile_id VARCHAR NOT NULL,
    target VARCHAR NOT NULL,
    target_kind VARCHAR NOT NULL DEFAULT 'skill' CHECK (target_kind IN ('skill', 'group')),
    priority INTEGER NOT NULL DEFAULT 2,   -- 1 critical, 2 important, 3 nice to have
    PRIMARY KEY (profile_id, target)
);

CREATE TABLE issuers (
    issuer_id VARCHAR PRIMARY KEY,
    name VARCHAR,
    url VARCHAR,
    trust VARCHAR NOT NULL DEFAULT 'unknown' CHECK (trust IN ('trusted', 'untrusted', 'unknown')),
    trust_set_by VARCHAR,
    trust_set_at TIMESTAMPTZ,
    created TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE achievements (
    achievement_id VARCHAR PRIMARY KEY,
    issuer_id VARCHAR,
    name VARCHAR,
    description VARCHAR,
    criteria VARCHAR,
    type VARCHAR,
    tags VARCHAR[],
    created TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per credential: credential_key is the badge's own id, else
-- 'sha256:' + the SHA-256 of the submitted bytes. ``raw`` is what was submitted
-- (file bytes, or the URL for a URL submission) so it can be re-verified.
CREATE TABLE credentials (
    credential_key VARCHAR PRIMARY KEY,
    credential_id VARCHAR,
    person_id VARCHAR,
    submitted_by VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('verified', 'invalid', 'revoked', 'expired',
        'not_yet_valid', 'recipient_mismatch', 'unverifiable')),
    summary VARCHAR,
    issued TIMESTAMPTZ,
    expires TIMESTAMPTZ,
    verified_at TIMESTAMPTZ NOT NULL,
    source_sha256 VARCHAR NOT NULL,
    raw BLOB,
    baked_in VARCHAR,
    issuer_id VARCHAR,
    achievement_id VARCHAR,
    recipient_identity VARCHAR,
    recipient_type VARCHAR,
    recipient_hashed BOOLEAN,
    name VARCHAR,                  -- file name or row label it arrived as
    checks JSON,                   -- [{"name", "outcome", "message"}, ...]
    created TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX credentials_person ON credentials (person_id);

CREATE TABLE credential_status_history (
    credential_key VARCHAR NOT NULL,
    old_status VARCHAR,            -- NULL for the first status
    new_status VARCHAR NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    reason VARCHAR
);
CREATE INDEX history_credential ON credential_status_history (credential_key);

-- Skills a credential evidences. skill_uri NULL: a mention that did not map
-- (ambiguous ones go to mapping_review).
CREATE TABLE credential_skills (
    credential_key VARCHAR NOT NULL,
    skill_uri VARCHAR,
    label VARCHAR,
    mention VARCHAR,
    source VARCHAR,
    confidence DOUBLE NOT NULL DEFAULT 0,
    method VARCHAR,
    inferred BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX credential_skills_credential ON credential_skills (credential_key);

-- The taxonomy: ESCO skills (origin 'esco') and organisation skills ('org').
-- level1..3: the skill's ESCO groups along its main hierarchy path (pillar at level 0).
-- group_code: the deepest group (for organisation skills: the group HR filed it under).
CREATE TABLE skills (
    skill_uri VARCHAR PRIMARY KEY,
    label VARCHAR NOT NULL,
    pillar VARCHAR,
    level1_code VARCHAR,
    level1_label VARCHAR,
    level2_code VARCHAR,
    level2_label VARCHAR,
    level3_code VARCHAR,
    level3_label VARCHAR,
    group_code VARCHAR,
    description VARCHAR,
    origin VARCHAR NOT NULL DEFAULT 'esco' CHECK (origin IN ('esco', 'org')),
    created_by VARCHAR,
    created TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Organisation synonyms: a label people use for a skill.
CREATE TABLE skill_synonyms (
    label_norm VARCHAR PRIMARY KEY,
    label VARCHAR NOT NULL,
    skill_uri VARCHAR NOT NULL,
    created_by VARCHAR,
    created TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Ambiguous or unknown skill labels waiting for HR, one row per normalised label.
-- A resolved row's chosen_uri is applied to later badges with the same label.
CREATE TABLE mapping_review (
    label_norm VARCHAR PRIMARY KEY,
    label VARCHAR NOT NULL,
    candidates JSON,               -- [{"uri", "label", "score"}, ...]
    status VARCHAR NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    chosen_uri VARCHAR,            -- NULL when resolved as "no skill"
    decided_by VARCHAR,
    decided_at TIMESTAMPTZ,
    occurrences INTEGER NOT NULL DEFAULT 1,
    first_credential_key VARCHAR,
    created TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Submissions that could not be read as a badge at all.
CREATE SEQUENCE rejected_submissions_seq START 1;
CREATE TABLE rejected_submissions (
    rejection_id BIGINT PRIMARY KEY DEFAULT nextval('rejected_submissions_seq'),
    sha256 VARCHAR NOT NULL,
    submitted_by VARCHAR NOT NULL,
    person_id VARCHAR,
    name VARCHAR,
    reason VARCHAR NOT NULL,
    size BIGINT NOT NULL,
    raw BLOB,                      -- kept only when within the upload limit
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE SEQUENCE audit_log_seq START 1;
CREATE TABLE audit_log (
    audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
    logged_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,       -- e.g. credential.submit, credential.status, people.import
    subject VARCHAR,               -- credential_key, person_id, issuer_id ...
    person_id VARCHAR,             -- whose data the entry is about (erasure deletes these)
    detail JSON
);
CREATE INDEX audit_subject ON audit_log (subject);

-- Read side ------------------------------------------------------------------

-- A skill held: a verified, unexpired credential (revoked/expired/other statuses
-- never count) mapped to the skill with confidence >= the configured threshold.
CREATE VIEW held_skills AS
SELECT
    c.person_id,
    cs.skill_uri,
    count(DISTINCT c.credential_key) AS credentials,
    max(cs.confidence) AS confidence,
    min(c.issued) AS first_issued,
    max(c.issued) AS last_issued,
    CASE WHEN count(*) FILTER (WHERE c.expires IS NULL) > 0 THEN NULL
         ELSE max(c.expires) END AS expires
FROM credentials c
JOIN credential_skills cs ON cs.credential_key = c.credential_key
WHERE c.status = 'verified'
  AND c.person_id IS NOT NULL
  AND cs.skill_uri IS NOT NULL
  AND (c.expires IS NULL OR c.expires > now())
  AND cs.confidence >= (
      SELECT CAST(value AS DOUBLE) FROM app_settings WHERE key = 'held_confidence_threshold')
GROUP BY c.person_id, cs.skill_uri;

-- Credentials with their issuer, achievement and person names, for lists.
CREATE VIEW credential_details AS
SELECT
    c.credential_key, c.credential_id, c.person_id, p.display_name AS person_name,
    p.kind AS person_kind, p.team_id, c.submitted_by, c.format, c.status, c.summary,
    c.issued, c.expires, c.verified_at, c.baked_in, c.name,
    c.issuer_id, i.name AS issuer_name, i.trust AS issuer_trust,
    c.achievement_id, a.name AS achievement_name, c.created
FROM credentials c
LEFT JOIN people p ON p.person_id = c.person_id
LEFT JOIN issuers i ON i.issuer_id = c.issuer_id
LEFT JOIN achievements a ON a.achievement_id = c.achievement_id;
