-- Issue 11: nothing false gets in.

-- What a credential's own signed content says (its badge and issuer names), kept with it:
-- pages show this, never a row another badge may have written.
ALTER TABLE credentials ADD COLUMN badge_name VARCHAR;
ALTER TABLE credentials ADD COLUMN badge_description VARCHAR;
ALTER TABLE credentials ADD COLUMN issuer_name VARCHAR;
-- A badge whose issuer is its own recipient: stored, never counted.
ALTER TABLE credentials ADD COLUMN self_issued BOOLEAN DEFAULT false;

UPDATE credentials SET badge_name = a.name, badge_description = a.description
FROM achievements a WHERE a.achievement_id = credentials.achievement_id;
UPDATE credentials SET issuer_name = i.name
FROM issuers i WHERE i.issuer_id = credentials.issuer_id;
UPDATE credentials SET self_issued = false WHERE self_issued IS NULL;

-- A skill is held only on a verified, unexpired credential from an issuer HR trusts, never a
-- self-issued one, mapped with enough confidence.
CREATE OR REPLACE VIEW held_skills AS
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
JOIN issuers i ON i.issuer_id = c.issuer_id AND i.trust = 'trusted'
WHERE c.status = 'verified'
  AND NOT coalesce(c.self_issued, false)
  AND c.person_id IS NOT NULL
  AND cs.skill_uri IS NOT NULL
  AND (c.expires IS NULL OR c.expires > now())
  AND cs.confidence >= (
      SELECT CAST(value AS DOUBLE) FROM app_settings WHERE key = 'held_confidence_threshold')
GROUP BY c.person_id, cs.skill_uri;

-- Verified skills that do not count yet: the issuer awaits HR's review (trust 'unknown', or
-- no issuer row because no authentic badge of it was stored). Shown apart, never hidden.
CREATE VIEW unreviewed_skills AS
SELECT
    c.person_id,
    cs.skill_uri,
    c.issuer_id,
    count(DISTINCT c.credential_key) AS credentials
FROM credentials c
JOIN credential_skills cs ON cs.credential_key = c.credential_key
LEFT JOIN issuers i ON i.issuer_id = c.issuer_id
WHERE c.status = 'verified'
  AND NOT coalesce(c.self_issued, false)
  AND coalesce(i.trust, 'unknown') = 'unknown'
  AND c.person_id IS NOT NULL
  AND cs.skill_uri IS NOT NULL
  AND (c.expires IS NULL OR c.expires > now())
  AND cs.confidence >= (
      SELECT CAST(value AS DOUBLE) FROM app_settings WHERE key = 'held_confidence_threshold')
GROUP BY ALL;

CREATE OR REPLACE VIEW credential_details AS
SELECT
    c.credential_key, c.credential_id, c.person_id, p.display_name AS person_name,
    p.kind AS person_kind, p.team_id, c.submitted_by, c.format, c.status, c.summary,
    c.issued, c.expires, c.verified_at, c.baked_in, c.name,
    c.issuer_id, c.issuer_name, i.trust AS issuer_trust,
    c.achievement_id, c.badge_name AS achievement_name, c.self_issued, c.created
FROM credentials c
LEFT JOIN people p ON p.person_id = c.person_id
LEFT JOIN issuers i ON i.issuer_id = c.issuer_id;
