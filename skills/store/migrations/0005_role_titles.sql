-- Issue 13: each person is scored against their own role. People carry a role title (the
-- people import's ``role``); HR maps titles to role profiles. A title that is the name of a
-- role profile (case and spacing aside) maps to it without a decision.
CREATE TABLE role_title_profiles (
    title_norm VARCHAR PRIMARY KEY,        -- lower-cased, trimmed, single-spaced title
    title VARCHAR NOT NULL,                -- as HR last wrote it
    profile_id VARCHAR NOT NULL,
    mapped_by VARCHAR,
    mapped_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Every person with their role title and the role profile it maps to (NULL: unmapped).
CREATE VIEW person_roles AS
WITH titled AS (
    SELECT person_id, role_title,
           lower(regexp_replace(trim(role_title), '\s+', ' ', 'g')) AS title_norm
    FROM people
), named AS (  -- several profiles of one name: the organisation-wide one first
    SELECT lower(regexp_replace(trim(name), '\s+', ' ', 'g')) AS title_norm,
           arg_min(profile_id, (team_id IS NOT NULL, profile_id)) AS profile_id
    FROM role_profiles GROUP BY 1
), mapped AS (  -- HR's mappings to profiles that (still) exist
    SELECT m.title_norm, m.profile_id FROM role_title_profiles m
    JOIN role_profiles rp USING (profile_id)
)
SELECT t.person_id, t.role_title, t.title_norm,
       coalesce(m.profile_id, n.profile_id) AS profile_id,
       CASE WHEN m.profile_id IS NOT NULL THEN 'mapped'
            WHEN n.profile_id IS NOT NULL THEN 'same name'
            ELSE NULL END AS mapped_how
FROM titled t
LEFT JOIN mapped m USING (title_norm)
LEFT JOIN named n USING (title_norm);
