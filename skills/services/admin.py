"""HR administration: issuer trust, role profiles, the mapping review queue, skills, audit.

Reads and writes both check the viewer is HR; writes go through :mod:`skills.store`
and are recorded in the audit log under the viewer's account.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

import numpy as np
import pandas as pd

from skills import store as store_mod
from skills.access import Role, Viewer, require_role
from skills.errors import StoreError
from skills.ingest.people import ImportSummary
from skills.ingest.people import import_people as _import_people
from skills.services._common import Reader
from skills.store import Store, audit
from skills.taxonomy import Taxonomy, normalise


def _hr(viewer: Viewer) -> None:
    require_role(viewer, Role.HR, what="administration")


def _domain(issuer_id: str, url: object) -> str:
    """Where an issuer lives, as HR should read it before trusting it.

    The host of an ``http(s)`` issuer id; the domain of a ``did:web``; for a
    ``did:key``/``did:jwk`` "self-made key (did:key), no domain" (anyone can make
    one); for other ids (``urn:uuid:``, a name-only issuer) the host of the profile
    ``url`` the badge claims, said to be a claim.
    """
    ident = issuer_id.strip()
    low = ident.lower()
    if low.startswith("did:web:"):
        host = unquote(ident.split(":")[2]).lower()
        return host or "no domain"
    if low.startswith("did:"):
        method = low.split(":")[1] if low.count(":") >= 2 else ""
        if method in ("key", "jwk"):
            return f"self-made key (did:{method}), no domain"
        return f"did:{method} identifier, no domain"
    if low.startswith(("http://", "https://")):
        return (urlsplit(ident).hostname or "").lower() or "no domain"
    claimed = urlsplit(url).hostname if isinstance(url, str) and url.strip() else None
    if claimed:
        return f"{claimed.lower()} (claimed by the badge, not proven)"
    return "no domain"


def _submitters(names: object, limit: int = 5) -> str:
    listed = [str(n) for n in names] if isinstance(names, list | tuple | np.ndarray) else []
    if len(listed) <= limit:
        return ", ".join(listed)
    return ", ".join(listed[:limit]) + f" and {len(listed) - limit} more"


ISSUER_COLUMNS = [
    "issuer_id",
    "name",
    "url",
    "domain",
    "trust",
    "trust_set_by",
    "trust_set_at",
    "recorded",
    "credentials",
    "verified",
    "holders",
    "self_issued",
    "submitted_by",
    "submitters",
    "only_by_recipients",
]


def issuers(
    store: Reader, viewer: Viewer, accounts: tuple[tuple[str, str], ...] = ()
) -> pd.DataFrame:
    """Every issuer with what HR needs to review it, issuers awaiting review first.

    One row per issuer (columns :data:`ISSUER_COLUMNS`): its ``domain`` (see
    :func:`_domain`), ``name``, ``trust``, its badges here (``credentials``, of
    which ``verified``), ``holders`` (people with a verified badge of it),
    ``self_issued`` badges, the accounts that submitted its badges (``submitted_by``,
    at most five named; ``submitters`` counts them) and ``only_by_recipients``: every
    badge was submitted by the account of the person it is filed under.

    ``accounts`` pairs local account names with their person ids (the accounts
    file); e-mail addresses on record stand for OIDC accounts. Issuers seen only on
    badges that could not count (forged, unverifiable or self-issued: no ``issuers``
    row) come last with ``recorded`` false and no trust; HR cannot trust them.
    Order: awaiting review (``unknown``), then reviewed, then unrecorded; most
    badges first.
    """
    _hr(viewer)
    names = [str(a) for a, _ in accounts]
    persons = [str(p) for _, p in accounts]
    frame = store.read(
        """
        WITH accts AS (
            SELECT unnest(?::VARCHAR[]) AS account, unnest(?::VARCHAR[]) AS person_id
            UNION
            SELECT value, person_id FROM identities WHERE kind = 'email' AND NOT hashed
        ),
        creds AS (
            SELECT c.issuer_id, c.issuer_name, c.status, c.person_id, c.submitted_by,
                   coalesce(c.self_issued, false) AS self_issued,
                   c.person_id IS NOT NULL AND EXISTS (
                       SELECT 1 FROM accts a
                       WHERE a.account = c.submitted_by AND a.person_id = c.person_id
                   ) AS by_recipient
            FROM credentials c WHERE c.issuer_id IS NOT NULL
        ),
        per_issuer AS (
            SELECT issuer_id,
                   count(*) AS credentials,
                   count(*) FILTER (WHERE status = 'verified') AS verified,
                   count(DISTINCT person_id) FILTER (WHERE status = 'verified') AS holders,
                   count(*) FILTER (WHERE self_issued) AS self_issued,
                   count(*) FILTER (WHERE by_recipient) AS by_recipient,
                   list(DISTINCT submitted_by ORDER BY submitted_by) AS submitter_list,
                   mode(issuer_name) AS claimed_name
            FROM creds GROUP BY issuer_id
        )
        SELECT coalesce(i.issuer_id, p.issuer_id) AS issuer_id,
               coalesce(i.name, p.claimed_name) AS name, i.url, i.trust,
               i.trust_set_by, i.trust_set_at, i.issuer_id IS NOT NULL AS recorded,
               coalesce(p.credentials, 0) AS credentials, coalesce(p.verified, 0) AS verified,
               coalesce(p.holders, 0) AS holders, coalesce(p.self_issued, 0) AS self_issued,
               coalesce(p.by_recipient, 0) AS by_recipient,
               coalesce(p.submitter_list, []) AS submitter_list
        FROM issuers i FULL OUTER JOIN per_issuer p ON p.issuer_id = i.issuer_id
        ORDER BY CASE WHEN i.trust = 'unknown' THEN 0 WHEN i.trust IS NULL THEN 2 ELSE 1 END,
                 credentials DESC, name, issuer_id
        """,
        [names, persons],
    )
    frame["domain"] = [
        _domain(str(i), u) for i, u in zip(frame["issuer_id"], frame["url"], strict=True)
    ]
    frame["submitted_by"] = [_submitters(s) for s in frame["submitter_list"]]
    frame["submitters"] = [len(s) for s in frame["submitter_list"]]
    frame["only_by_recipients"] = (frame["credentials"] > 0) & (
        frame["by_recipient"] == frame["credentials"]
    )
    return frame[ISSUER_COLUMNS].reset_index(drop=True)


def set_trust(store: store_mod.Store, viewer: Viewer, issuer_id: str, trust: str) -> None:
    """Mark an issuer trusted / untrusted / unknown (audited)."""
    _hr(viewer)
    store_mod.set_issuer_trust(store, issuer_id, trust, actor=viewer.account)


def erase_person(store: store_mod.Store, viewer: Viewer, person_id: str) -> dict[str, int]:
    """Erase a person and everything about them (right to erasure; HR only, audited without
    the person's id). Returns rows deleted per table; raises :class:`StoreError` when there
    is no such person."""
    _hr(viewer)
    return store_mod.erase_person(store, person_id, actor=viewer.account)


def role_profiles(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """Every role profile: profile_id, name, team_id, team, description, ``people`` whose
    role title maps to it (view ``person_roles``), ``requirements`` and ``skills`` (the
    requirements as one text, each with its priority in words, critical first)."""
    _hr(viewer)
    return store.read(
        """
        WITH carried AS (
            SELECT profile_id, count(*) AS people FROM person_roles
            WHERE profile_id IS NOT NULL GROUP BY profile_id
        )
        SELECT rp.profile_id, rp.name, rp.team_id, t.name AS team, rp.description,
               coalesce(any_value(c.people), 0) AS people,
               count(rs.target) AS requirements,
               string_agg(coalesce(s.label, rs.target) || ' (' ||
                          CASE rs.priority WHEN 1 THEN 'critical' WHEN 2 THEN 'important'
                               ELSE 'nice to have' END || ')', ', '
                          ORDER BY rs.priority, coalesce(s.label, rs.target)) AS skills
        FROM role_profiles rp
        LEFT JOIN teams t ON t.team_id = rp.team_id
        LEFT JOIN carried c ON c.profile_id = rp.profile_id
        LEFT JOIN role_skills rs ON rs.profile_id = rp.profile_id
        LEFT JOIN skills s ON s.skill_uri = rs.target
        GROUP BY rp.profile_id, rp.name, rp.team_id, t.name, rp.description
        ORDER BY rp.name
        """,
        [],
    )


REQUIREMENT_COLUMNS = ["target", "target_kind", "label", "priority", "priority_word"]
"""Columns of :func:`profile_requirements`."""


def profile_requirements(store: Reader, viewer: Viewer, profile_id: str) -> pd.DataFrame:
    """A role profile's requirements to edit (columns :data:`REQUIREMENT_COLUMNS`).

    ``label`` names the skill (or the ESCO group, for a group requirement), falling
    back to the target itself; ``priority`` is 1 critical, 2 important, 3 nice to have
    (``priority_word``). Critical first, then by label. An unknown profile has none.
    """
    _hr(viewer)
    frame = store.read(
        """
        SELECT rs.target, rs.target_kind, s.label, rs.priority
        FROM role_skills rs LEFT JOIN skills s ON s.skill_uri = rs.target
        WHERE rs.profile_id = ?
        """,
        [profile_id],
    )
    groups = frame["target_kind"] == "group"
    if groups.any():
        names = _taxonomy().groups_frame()
        group_label = dict(zip(names["code"], names["label"], strict=False))
        frame.loc[groups, "label"] = frame.loc[groups, "target"].map(group_label)
    frame["label"] = frame["label"].where(frame["label"].notna(), frame["target"]).astype(str)
    frame["priority"] = frame["priority"].astype(int)
    frame["priority_word"] = frame["priority"].map(PRIORITY_WORDS)
    frame = frame.sort_values(["priority", "label"], key=_casefold)
    return frame[REQUIREMENT_COLUMNS].reset_index(drop=True)


def _casefold(column: pd.Series) -> pd.Series:
    return column.str.casefold() if column.dtype == object else column


def save_profile(
    store: store_mod.Store,
    viewer: Viewer,
    profile_id: str,
    name: str,
    requirements: Iterable[tuple[str, str, int]],
    *,
    team_id: str | None = None,
    description: str | None = None,
) -> None:
    """Create or replace a role profile with (target, kind, priority) requirements (HR only).

    ``kind`` is ``skill`` or ``group``; priority 1 critical, 2 important, 3 nice to
    have. Audited as ``role_profile.save``. Renaming a profile keeps the people whose
    role title was its old name on it: the old name is mapped to it (audited as
    ``role_title.map``) unless HR has mapped that title already. Raises
    :class:`StoreError` for an empty name, a bad kind or priority.
    """
    _hr(viewer)
    clean = " ".join(name.split())
    if not clean:
        raise StoreError("A role profile needs a name.")
    old = store.rows("SELECT name FROM role_profiles WHERE profile_id = ?", [profile_id])
    store_mod.save_role_profile(
        store,
        profile_id,
        clean,
        requirements,
        actor=viewer.account,
        team_id=team_id,
        description=description,
    )
    if old and str(store.scalar(_NORM_SQL, [str(old[0][0])])) != str(
        store.scalar(_NORM_SQL, [clean])
    ):
        _keep_old_name(store, viewer, profile_id, str(old[0][0]))


def _keep_old_name(store: store_mod.Store, viewer: Viewer, profile_id: str, old: str) -> None:
    """After a rename: map the old name to the profile if people carry it as their title,
    nobody mapped it yet and no other profile has that name."""
    carried = store.scalar(
        r"""
        WITH t AS (SELECT lower(regexp_replace(trim(?), '\s+', ' ', 'g')) AS norm)
        SELECT count(*) FROM people, t
        WHERE lower(regexp_replace(trim(role_title), '\s+', ' ', 'g')) = t.norm
          AND NOT EXISTS (SELECT 1 FROM role_title_profiles m WHERE m.title_norm = t.norm)
          AND NOT EXISTS (
              SELECT 1 FROM role_profiles
              WHERE lower(regexp_replace(trim(name), '\s+', ' ', 'g')) = t.norm
          )
        """,
        [old],
    )
    if carried:
        map_role_title(store, viewer, old, profile_id)


def teams(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """Teams (team_id, name, department) for pickers."""
    _hr(viewer)
    return store.read(
        "SELECT team_id, name, department FROM teams WHERE kind = 'team' ORDER BY name", []
    )


SEARCH_COLUMNS = ["skill_uri", "label", "pillar", "origin", "match"]
"""Columns of :func:`search_skills`; ``match`` says why a skill was found."""

_MATCH_WORDS = {0: "exact name", 1: "organisation", 2: "matcher", 3: "name", 4: "name"}
_MATCHER_FLOOR = 0.01  # matcher proposals below this share nothing with the text


def search_skills(store: Reader, viewer: Viewer, text: str, limit: int = 50) -> pd.DataFrame:
    """Skills for the typed ``text``, best first (columns :data:`SEARCH_COLUMNS`).

    Ranked: a skill whose name or organisation synonym is the text, or that the ESCO
    matcher (:func:`skills.taxonomy.load_taxonomy`) maps it to exactly (``exact name``);
    the organisation's own skills and synonyms containing it as a word
    (``organisation``); the matcher's proposals, by its score (``matcher``); then
    skills whose name contains it, whole words and shorter names first (``name``). So
    "react" finds the organisation's React before ESCO's "manage bioreactors". Empty
    text gives no rows.
    """
    _hr(viewer)
    typed = " ".join(text.split())
    if not typed:
        return pd.DataFrame(columns=SEARCH_COLUMNS)
    like = f"%{typed}%"
    word = rf"(^|[^a-z0-9]){re.escape(typed.lower())}($|[^a-z0-9])"
    stored = store.read(
        """
        WITH syn AS (
            SELECT skill_uri,
                   min(CASE WHEN label_norm = ? THEN 0
                            WHEN regexp_matches(lower(label), ?) THEN 1 ELSE 4 END) AS rank
            FROM skill_synonyms WHERE label ILIKE ? GROUP BY skill_uri
        ), named AS (
            SELECT skill_uri,
                   CASE WHEN lower(label) = lower(?) THEN 0
                        WHEN regexp_matches(lower(label), ?) THEN
                             CASE WHEN origin = 'org' THEN 1 ELSE 3 END
                        ELSE 4 END AS rank
            FROM skills WHERE label ILIKE ?
        )
        SELECT s.skill_uri, s.label, s.pillar, s.origin,
               least(coalesce(n.rank, 9), coalesce(y.rank, 9)) AS rank
        FROM skills s LEFT JOIN named n USING (skill_uri) LEFT JOIN syn y USING (skill_uri)
        WHERE n.skill_uri IS NOT NULL OR y.skill_uri IS NOT NULL
        ORDER BY rank, length(s.label), s.label
        LIMIT ?
        """,
        [normalise(typed), word, like, typed, word, like, int(limit)],
    )
    # uri -> (rank, -score, label, pillar, origin): sorting the values ranks them.
    found: dict[str, tuple[int, float, str, str | None, str]] = {
        str(u): (int(r), 0.0, str(lb), p if isinstance(p, str) else None, str(o))
        for u, lb, p, o, r in stored.itertuples(index=False)
    }
    for uri, label, score, exact in _matcher_proposals(typed):
        rank = 0 if exact else 2
        known = found.get(uri)
        if known is not None and known[0] <= rank:
            continue
        skill = _taxonomy().skill(uri)
        pillar = skill.pillar if skill is not None else None
        origin = known[4] if known is not None else "esco"
        found[uri] = (rank, -score, label, pillar, origin)
    ordered = sorted(found.items(), key=lambda kv: (kv[1][0], kv[1][1], len(kv[1][2]), kv[1][2]))
    return pd.DataFrame(
        [
            (uri, label, pillar, origin, _MATCH_WORDS[rank])
            for uri, (rank, _, label, pillar, origin) in ordered[: int(limit)]
        ],
        columns=SEARCH_COLUMNS,
    )


def _taxonomy() -> Taxonomy:
    """ESCO (cached per process by :func:`skills.taxonomy.load_taxonomy`)."""
    from skills.taxonomy import load_taxonomy

    return load_taxonomy()


def _matcher_proposals(text: str) -> list[tuple[str, str, float, bool]]:
    """What the ESCO matcher proposes for ``text``: (uri, label, score, exact), best first.

    An exact hit (the text is a skill's name or alternative name) comes alone and
    flagged; fuzzy candidates scoring below a floor (nothing in common with the text)
    are left out.
    """
    match = _taxonomy().matcher().match([text])[0]
    exact = match.method == "exact" and match.accepted
    return [
        (c.uri, c.label, float(c.score), exact)
        for c in match.candidates
        if exact or c.score >= _MATCHER_FLOOR
    ]


def review_queue(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """Open mapping-review items, most frequent first."""
    _hr(viewer)
    return store.read(
        """
        SELECT label, occurrences, candidates, created
        FROM mapping_review WHERE status = 'open'
        ORDER BY occurrences DESC, label LIMIT 500
        """,
        [],
    )


def resolve(store: store_mod.Store, viewer: Viewer, label: str, skill_uri: str | None) -> int:
    """Decide a review item (None: not a skill); returns how many stored mentions changed."""
    _hr(viewer)
    return _resolve_mapping(store, label, skill_uri, actor=viewer.account)


def org_skills(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """The organisation's own skills and synonyms (kind, label, skill)."""
    _hr(viewer)
    return store.read(
        """
        SELECT 'skill' AS kind, label, skill_uri, created_by FROM skills WHERE origin = 'org'
        UNION ALL
        SELECT 'synonym', y.label, s.label || ' <' || y.skill_uri || '>', y.created_by
        FROM skill_synonyms y LEFT JOIN skills s USING (skill_uri)
        ORDER BY 1, 2
        """,
        [],
    )


def add_skill(store: store_mod.Store, viewer: Viewer, label: str) -> str:
    """Add an organisation skill; returns its URI."""
    _hr(viewer)
    return _add_org_skill(store, label, actor=viewer.account)


def add_synonym(store: store_mod.Store, viewer: Viewer, label: str, skill_uri: str) -> None:
    """Record that ``label`` means ``skill_uri`` here."""
    _hr(viewer)
    _add_synonym(store, label, skill_uri, actor=viewer.account)


# -- the audit log in sentences --

AUDIT_COLUMNS = ["logged_at", "who", "sentence", "actor", "action", "subject", "detail"]
"""Columns of :func:`audit_entries`: the sentence and who, then the raw entry."""

_TRUST_WORDS = {
    "trusted": "trusted",
    "untrusted": "untrusted",
    "unknown": "not reviewed",
}
_STATUS_WORDS = {
    "verified": "verified",
    "invalid": "not valid",
    "revoked": "revoked",
    "expired": "expired",
    "not_yet_valid": "not valid yet",
    "recipient_mismatch": "issued to someone else",
    "unverifiable": "could not be verified",
}


def audit_entries(
    store: Reader,
    viewer: Viewer,
    accounts: tuple[tuple[str, str], ...] = (),
    limit: int = 200,
) -> pd.DataFrame:
    """The newest audit entries as plain sentences with names (HR only).

    Columns :data:`AUDIT_COLUMNS`: ``who`` is the actor's display name with the account
    in brackets ("Hanna Berg (hr)") when the account is a person's (``accounts`` pairs
    local account names with person ids; e-mail addresses on record stand for OIDC
    accounts), else the account; ``sentence`` says what happened with the names of
    what it touched (issuers, role profiles, skills, badges, people) instead of ids;
    ``actor``, ``action``, ``subject`` and ``detail`` are the raw entry. Newest first.
    One query for the names; nothing here reads per row.
    """
    _hr(viewer)
    frame = store.read(
        """
        WITH recent AS (
            SELECT * FROM audit_log ORDER BY logged_at DESC, audit_id DESC LIMIT ?
        ), accts AS (
            SELECT account, any_value(person_id) AS person_id FROM (
                SELECT unnest(?::VARCHAR[]) AS account, unnest(?::VARCHAR[]) AS person_id
                UNION ALL
                SELECT value, person_id FROM identities WHERE kind = 'email' AND NOT hashed
            ) GROUP BY account
        )
        SELECT r.audit_id, r.logged_at, r.actor, r.action, r.subject, r.detail::VARCHAR AS detail,
               ap.display_name AS actor_name,
               i.name AS issuer_name, i.url AS issuer_url,
               rp.name AS profile_name, mp.name AS mapped_profile_name,
               sk.label AS skill_label, ck.label AS chosen_label,
               coalesce(c.badge_name, c.name) AS badge, pp.display_name AS person_name
        FROM recent r
        LEFT JOIN accts a ON a.account = r.actor
        LEFT JOIN people ap ON ap.person_id = a.person_id
        LEFT JOIN issuers i ON i.issuer_id = r.subject
        LEFT JOIN role_profiles rp ON rp.profile_id = r.subject
        LEFT JOIN role_profiles mp
               ON mp.profile_id = json_extract_string(r.detail, '$.profile_id')
        LEFT JOIN skills sk ON sk.skill_uri = r.subject
        LEFT JOIN skills ck ON ck.skill_uri = json_extract_string(r.detail, '$.chosen')
        LEFT JOIN (
            SELECT credential_key, badge_name, name, person_id FROM credentials
            WHERE credential_key IN (SELECT subject FROM recent)
        ) c ON c.credential_key = r.subject
        LEFT JOIN people pp ON pp.person_id = coalesce(r.person_id, c.person_id)
        ORDER BY r.logged_at DESC, r.audit_id DESC
        """,
        [int(limit), [str(a) for a, _ in accounts], [str(p) for _, p in accounts]],
    )
    rows = [_Entry({str(k): v for k, v in r.items()}) for r in frame.to_dict("records")]
    out = pd.DataFrame(
        {
            "logged_at": frame["logged_at"],
            "who": [e.who for e in rows],
            "sentence": [e.sentence() for e in rows],
            "actor": frame["actor"],
            "action": frame["action"],
            "subject": frame["subject"],
            "detail": frame["detail"],
        }
    )
    return out[AUDIT_COLUMNS]


def _count(n: object, one: str, many: str) -> str:
    number = int(n) if isinstance(n, int | float) and not pd.isna(n) else 0
    return f"{number:,} {one if number == 1 else many}"


def _text(value: object) -> str | None:
    """A non-empty string, or None (NaN, None and blanks are nothing)."""
    return value.strip() if isinstance(value, str) and value.strip() else None


class _Entry:
    """One audit row with the names its query found, turned into a sentence."""

    def __init__(self, row: dict[str, object]) -> None:
        self.row = row
        try:
            detail = json.loads(str(row.get("detail") or "{}"))
        except ValueError:
            detail = {}
        self.detail: dict[str, object] = detail if isinstance(detail, dict) else {}
        actor = _text(row.get("actor")) or "someone"
        name = _text(row.get("actor_name"))
        self.who = f"{name} ({actor})" if name and name != actor else actor

    def get(self, key: str) -> object:
        return self.detail.get(key)

    def _issuer(self) -> str:
        subject = _text(self.row.get("subject")) or ""
        name = _text(self.row.get("issuer_name"))
        if name:
            return f"issuer {name}"
        return f"an unnamed issuer ({_domain(subject, self.row.get('issuer_url'))})"

    def _profile(self, mapped: bool = False) -> str:
        name = _text(self.row.get("mapped_profile_name" if mapped else "profile_name"))
        if name:
            return name
        fallback = _text(self.get("profile")) if mapped else None
        return f"{fallback} (since removed)" if fallback else "a role profile since removed"

    def _skill(self, label_key: str = "skill_label") -> str:
        label = _text(self.row.get(label_key)) or _text(self.get("label"))
        return label or "a skill no longer on record"

    def _badge(self) -> str:
        badge = _text(self.row.get("badge"))
        person = _text(self.row.get("person_name"))
        what = f"the badge {badge}" if badge else "a badge"
        return f"{what} of {person}" if person else what

    def sentence(self) -> str:
        """What happened, in one sentence that starts with who did it."""
        action = str(self.row.get("action") or "")
        builder = _SENTENCES.get(action)
        if builder is not None:
            return f"{self.who} {builder(self)}."
        words = action.replace(".", " ").replace("_", " ").strip() or "an unnamed action"
        return f"{self.who} recorded: {words}."


def _status(value: object) -> str:
    return _STATUS_WORDS.get(str(value), str(value).replace("_", " ")) if value else "unknown"


def _address(e: _Entry) -> str:
    return _text(e.get("value")) or "an address"


def _person(e: _Entry) -> str:
    return _text(e.row.get("person_name")) or "a person"


def _people_import(e: _Entry) -> str:
    added, updated = e.get("people_added"), e.get("people_updated")
    total = sum(int(n) for n in (added, updated) if isinstance(n, int))
    parts = [f"{_count(added, 'added', 'added')}", f"{_count(updated, 'updated', 'updated')}"]
    teams = e.get("teams_created")
    if isinstance(teams, int) and teams:
        parts.append(f"{_count(teams, 'team', 'teams')} created")
    return f"imported {_count(total, 'person', 'people')} ({', '.join(parts)})"


def _resolve_sentence(e: _Entry) -> str:
    label = _text(e.row.get("subject")) or "a label"
    changed = e.get("changed")
    after = (
        f"; {_count(changed, 'stored mention', 'stored mentions')} updated"
        if isinstance(changed, int) and changed
        else ""
    )
    if e.get("chosen") is None:
        return f"decided that the badge label '{label}' is not a skill{after}"
    return f"decided that the badge label '{label}' means {e._skill('chosen_label')}{after}"


def _bulk_sentence(e: _Entry) -> str:
    badges = e.get("credentials")
    if isinstance(badges, int):
        return f"loaded {_count(badges, 'badge', 'badges')} in bulk"
    return "loaded data in bulk"


_SENTENCES: dict[str, Callable[[_Entry], str]] = {
    "issuer.trust": lambda e: (
        f"marked {e._issuer()} as {_TRUST_WORDS.get(str(e.get('new')), str(e.get('new')))}"
        + (
            f" (it was {_TRUST_WORDS.get(str(e.get('old')), str(e.get('old')))})"
            if e.get("old") and e.get("old") != e.get("new")
            else ""
        )
    ),
    "role_profile.save": lambda e: (
        f"saved the role profile {e._profile()} with "
        f"{_count(e.get('requirements'), 'requirement', 'requirements')}"
    ),
    "role_title.map": lambda e: (
        f"mapped the title '{_text(e.get('title')) or e.row.get('subject')}' to "
        f"{e._profile(mapped=True)}"
    ),
    "role_title.unmap": lambda e: (
        f"removed the mapping of the title '{_text(e.get('title')) or e.row.get('subject')}' "
        f"to {e._profile(mapped=True)}"
    ),
    "people.import": _people_import,
    "skill.add": lambda e: f"added the organisation skill {e._skill()}",
    "skill.synonym": lambda e: (
        f"recorded that '{_text(e.get('label')) or 'a label'}' means "
        f"{_text(e.row.get('skill_label')) or 'a skill no longer on record'}"
    ),
    "mapping.resolve": _resolve_sentence,
    "reverify.run": lambda e: (
        f"re-verified {_count(e.get('checked'), 'badge', 'badges')}; "
        f"{_count(e.get('changed'), 'badge', 'badges')} changed status"
        + (
            f"; {_count(e.get('remapped'), 'badge', 'badges')} had their skills mapped again"
            if e.get("remapped")
            else ""
        )
    ),
    "credential.remap": lambda e: f"mapped the skills of {e._badge()} again",
    "queue.ingest": lambda e: (
        f"had a queued batch of {_count(e.get('items'), 'item', 'items')} ingested"
    ),
    "container.submit": lambda e: (
        f"submitted a {str(e.get('kind') or 'bundle').replace('_', ' ')} with "
        f"{_count(e.get('credentials'), 'badge', 'badges')}"
        + (f" for {_text(e.row.get('person_name'))}" if _text(e.row.get("person_name")) else "")
    ),
    "credential.submit": lambda e: f"submitted {e._badge()}: {_status(e.get('status'))}",
    "credential.duplicate": lambda e: (
        f"submitted {e._badge()} again"
        + ("; its stored copy was updated" if e.get("applied") else "; nothing changed")
    ),
    "credential.status": lambda e: (
        f"re-submitted {e._badge()}; its status changed from {_status(e.get('old'))} "
        f"to {_status(e.get('new'))}"
    ),
    "credential.reverify": lambda e: (
        f"re-verified {e._badge()}; its status changed from {_status(e.get('old'))} "
        f"to {_status(e.get('new'))}"
    ),
    "submission.reject": lambda e: (
        "submitted a file that was rejected"
        + (f" for {_text(e.row.get('person_name'))}" if _text(e.row.get("person_name")) else "")
        + (f": {str(e.get('reason')).rstrip('.')}" if _text(e.get("reason")) else "")
    ),
    "bulk_load": _bulk_sentence,
    "person.erase": lambda e: "erased a person and their data (right to erasure)",
    "credential.withdraw": lambda e: (
        "removed "
        + (f"the badge {_text(e.get('badge'))}" if _text(e.get("badge")) else "a badge")
        + (f" of {_person(e)}" if _text(e.row.get("person_name")) else "")
        + f" ({_status(e.get('status'))})"
    ),
    "identity.request": lambda e: (
        f"asked to add the address {_address(e)} to the profile of {_person(e)}"
    ),
    "identity.confirm": lambda e: f"confirmed the address {_address(e)} of {_person(e)}",
    "identity.refuse": lambda e: (
        f"refused the address {_address(e)} for {_person(e)} ({_text(e.get('why')) or 'refused'})"
    ),
    "identity.cancel": lambda e: (
        f"cancelled the request for the address {_address(e)} "
        f"({_text(e.get('why')) or 'cancelled'})"
    ),
    "identity.code_wrong": lambda e: f"typed a wrong confirmation code (try {e.get('attempt')})",
    "consent.give": lambda e: f"recorded that {_person(e)} agreed to be found by recruiters",
    "consent.withdraw": lambda e: (
        f"recorded that {_person(e)} withdrew consent to be found by recruiters"
    ),
    "erasure.request": lambda e: f"recorded that {_person(e)} asked HR to erase their data",
}


def ingest_queue(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """Batches that ``python -m skills ingest`` queued while the app ran (waiting ones and
    those set aside with their reason; the app's drainer ingests the waiting ones), and
    the shared queue's unfinished batches (``ingest --queue``; the ingest workers drain
    it: "waiting", or "being ingested" once a worker claimed part of it)."""
    from skills.ingest.queue import failed, pending, spool_dir_for

    _hr(viewer)
    shared = store.read(
        "SELECT batch_id AS batch, CASE WHEN count(claimed_by) > 0 THEN 'being ingested' "
        "ELSE 'waiting' END AS state, any_value(submitted_by) AS submitted_by, "
        "min(enqueued_at) AS queued, count(*) AS items, '' AS reason "
        "FROM ingest_queue WHERE done_at IS NULL GROUP BY batch_id ORDER BY queued"
    )
    path = getattr(store, "path", None)
    if path is None or getattr(store, "is_lake", False):
        return shared
    spool = spool_dir_for(path)
    rows = [
        {
            "batch": b.batch_id,
            "state": "waiting",
            "submitted_by": b.submitted_by,
            "queued": b.created,
            "items": len(b.items),
            "reason": "",
        }
        for b in pending(spool)
    ]
    rows += [
        {
            "batch": name,
            "state": "set aside",
            "submitted_by": "",
            "queued": None,
            "items": None,
            "reason": reason,
        }
        for name, reason in failed(spool)
    ]
    spooled = pd.DataFrame(
        rows, columns=["batch", "state", "submitted_by", "queued", "items", "reason"]
    )
    return spooled if shared.empty else pd.concat([spooled, shared], ignore_index=True)


def import_people(store: store_mod.Store, viewer: Viewer, data: bytes | str) -> ImportSummary:
    """Import people, teams and departments from an HR CSV (HR only; audited as the viewer).

    One transaction: on any bad row :class:`skills.errors.ImportRowsError` lists
    every problem and nothing changes.
    """
    _hr(viewer)
    return _import_people(store, data, actor=viewer.account)


# -- role titles -> role profiles (issue 13: each person is scored against their own role) --

PRIORITY_WORDS: dict[int, str] = {1: "critical", 2: "important", 3: "nice to have"}
"""A requirement's priority in words (role_skills.priority)."""

_NORM_SQL = r"SELECT lower(regexp_replace(trim(?), '\s+', ' ', 'g'))"
"""A role title normalised as view ``person_roles`` does; mappings are keyed the same way."""

ROLE_TITLE_COLUMNS = [
    "title",
    "title_norm",
    "people",
    "profile_id",
    "profile",
    "mapped_how",
    "mapped_by",
    "mapped_at",
]


def role_titles(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """Every role title people carry, with the role profile it maps to and how (HR only).

    One row per normalised title (columns :data:`ROLE_TITLE_COLUMNS`): ``title`` (its
    most common spelling), ``people`` carrying it, the ``profile_id`` and ``profile``
    name it maps to, ``mapped_how`` (``mapped`` by HR, ``same name`` as a profile, or
    ``unmapped``), and who mapped it when. A mapping HR made for a title nobody carries
    any more is listed too (with 0 people) so it can be removed. Unmapped titles come
    first, then the most people.
    """
    _hr(viewer)
    return store.read(
        """
        WITH titled AS (
            SELECT title_norm, mode(role_title) AS title, count(*) AS people,
                   any_value(profile_id) AS profile_id, any_value(mapped_how) AS mapped_how
            FROM person_roles
            WHERE title_norm IS NOT NULL AND title_norm <> ''
            GROUP BY title_norm
        ), titles AS (
            SELECT coalesce(t.title_norm, m.title_norm) AS title_norm,
                   coalesce(t.title, m.title) AS title,
                   coalesce(t.people, 0) AS people,
                   coalesce(t.profile_id, m.profile_id) AS profile_id,
                   coalesce(t.mapped_how, CASE WHEN m.profile_id IS NOT NULL THEN 'mapped' END,
                            'unmapped') AS mapped_how,
                   m.mapped_by, m.mapped_at
            FROM titled t FULL OUTER JOIN role_title_profiles m USING (title_norm)
        )
        SELECT t.title, t.title_norm, t.people, t.profile_id, rp.name AS profile,
               t.mapped_how, t.mapped_by, t.mapped_at
        FROM titles t LEFT JOIN role_profiles rp USING (profile_id)
        ORDER BY t.mapped_how = 'unmapped' DESC, t.people DESC, t.title_norm
        """,
        [],
    )[ROLE_TITLE_COLUMNS]


def map_role_title(store: store_mod.Store, viewer: Viewer, title: str, profile_id: str) -> None:
    """Map a role title to a role profile (HR only; audited as ``role_title.map``).

    The title is keyed as view ``person_roles`` normalises it (trimmed, lower-cased,
    spaces collapsed), so everyone carrying it in any spelling is then scored against
    that profile; a newer mapping of the same title replaces the older one. The title
    is recorded as people carry it (its most common spelling) when anyone does. Raises
    :class:`StoreError` for an empty title or an unknown profile.
    """
    _hr(viewer)
    clean = " ".join(title.split())
    if not clean:
        raise StoreError("A role title to map needs some text.")
    with store.write() as tx:
        profile = tx.rows("SELECT name FROM role_profiles WHERE profile_id = ?", [profile_id])
        if not profile:
            raise StoreError(f"There is no role profile {profile_id!r}.")
        norm = str(tx.scalar(_NORM_SQL, [title]))
        carried = tx.scalar(
            "SELECT mode(role_title) FROM person_roles WHERE title_norm = ?", [norm]
        )
        clean = " ".join(str(carried).split()) if carried else clean
        old = tx.rows("SELECT profile_id FROM role_title_profiles WHERE title_norm = ?", [norm])
        tx.execute("DELETE FROM role_title_profiles WHERE title_norm = ?", [norm])
        tx.execute(
            "INSERT INTO role_title_profiles (title_norm, title, profile_id, mapped_by, "
            "mapped_at) VALUES (?, ?, ?, ?, ?)",
            [norm, clean, profile_id, viewer.account, datetime.now(UTC)],
        )
        audit(
            tx,
            viewer.account,
            "role_title.map",
            norm,
            detail={
                "title": clean,
                "profile_id": profile_id,
                "profile": str(profile[0][0]),
                "old_profile_id": old[0][0] if old else None,
            },
        )


def unmap_role_title(store: store_mod.Store, viewer: Viewer, title: str) -> None:
    """Remove HR's mapping of a role title (HR only; audited as ``role_title.unmap``).

    People with that title then fall back to a profile of the same name, if any, or
    are unmapped. Raises :class:`StoreError` when the title has no mapping.
    """
    _hr(viewer)
    with store.write() as tx:
        norm = str(tx.scalar(_NORM_SQL, [title]))
        old = tx.rows(
            "SELECT title, profile_id FROM role_title_profiles WHERE title_norm = ?", [norm]
        )
        if not old:
            raise StoreError(f"The role title {' '.join(title.split())!r} has no mapping.")
        tx.execute("DELETE FROM role_title_profiles WHERE title_norm = ?", [norm])
        audit(
            tx,
            viewer.account,
            "role_title.unmap",
            norm,
            detail={"title": str(old[0][0]), "profile_id": str(old[0][1])},
        )


# -- the organisation's skills and mapping decisions (HR's writes behind the functions above) --


def _add_org_skill(
    store: Store,
    label: str,
    *,
    actor: str,
    uri: str | None = None,
    pillar: str | None = "S",
    group_code: str | None = None,
    description: str | None = None,
) -> str:
    """Add an organisation skill (one ESCO lacks) and return its URI.

    The default URI is ``urn:skillatlas:skill:<slug>`` (as :mod:`skills.taxonomy`
    names them). Raises :class:`StoreError` when the label is empty or the URI is taken.
    """
    clean = " ".join(label.split())
    if not clean:
        raise StoreError("An organisation skill needs a name.")
    skill_uri = uri or "urn:skillatlas:skill:" + re.sub(r"[^a-z0-9]+", "-", clean.casefold()).strip(
        "-"
    )
    with store.write() as tx:
        if tx.scalar("SELECT count(*) FROM skills WHERE skill_uri = ?", [skill_uri]):
            raise StoreError(f"The skill {skill_uri} already exists.")
        tx.execute(
            "INSERT INTO skills (skill_uri, label, pillar, group_code, description, origin, "
            "created_by) VALUES (?, ?, ?, ?, ?, 'org', ?)",
            [skill_uri, clean, pillar, group_code, description, actor],
        )
        audit(tx, actor, "skill.add", skill_uri, detail={"label": clean})
    return skill_uri


def _add_synonym(store: Store, label: str, skill_uri: str, *, actor: str) -> None:
    """Record that ``label`` means ``skill_uri`` in this organisation (replacing an older one).

    Raises :class:`StoreError` when the skill is unknown or the label empty.
    """
    norm = normalise(label)
    if not norm:
        raise StoreError("A synonym needs a label.")
    with store.write() as tx:
        if not tx.scalar("SELECT count(*) FROM skills WHERE skill_uri = ?", [skill_uri]):
            raise StoreError(f"There is no skill {skill_uri}.")
        tx.execute("DELETE FROM skill_synonyms WHERE label_norm = ?", [norm])
        tx.execute(
            "INSERT INTO skill_synonyms (label_norm, label, skill_uri, created_by) "
            "VALUES (?, ?, ?, ?)",
            [norm, " ".join(label.split()), skill_uri, actor],
        )
        audit(tx, actor, "skill.synonym", skill_uri, detail={"label": label})


def _resolve_mapping(store: Store, label: str, chosen_uri: str | None, *, actor: str) -> int:
    """Decide a review-queue label: it means ``chosen_uri`` (None: it is not a skill).

    The decision is remembered (later badges with the same normalised label use
    it) and applied now to stored mentions of that label that had no skill.
    Returns how many stored mentions changed. Raises :class:`StoreError` when
    the label is not in the queue or the skill is unknown.
    """
    norm = normalise(label)
    with store.write() as tx:
        if not tx.scalar("SELECT count(*) FROM mapping_review WHERE label_norm = ?", [norm]):
            raise StoreError(f"{label!r} is not in the mapping review queue.")
        if chosen_uri is not None and not tx.scalar(
            "SELECT count(*) FROM skills WHERE skill_uri = ?", [chosen_uri]
        ):
            raise StoreError(f"There is no skill {chosen_uri}.")
        tx.execute(
            "UPDATE mapping_review SET status = 'resolved', chosen_uri = ?, decided_by = ?, "
            "decided_at = ? WHERE label_norm = ?",
            [chosen_uri, actor, datetime.now(UTC), norm],
        )
        changed = 0
        if chosen_uri is not None:
            labels = [
                r[0]
                for r in tx.rows(
                    "SELECT DISTINCT label FROM credential_skills "
                    "WHERE skill_uri IS NULL AND label IS NOT NULL"
                )
                if normalise(r[0]) == norm
            ]
            if labels:
                changed = int(
                    tx.scalar(
                        "SELECT count(*) FROM credential_skills "
                        "WHERE skill_uri IS NULL AND label = ANY(?)",
                        [labels],
                    )
                )
                tx.execute(
                    "UPDATE credential_skills SET skill_uri = ?, method = 'review', "
                    "confidence = 1.0 WHERE skill_uri IS NULL AND label = ANY(?)",
                    [chosen_uri, labels],
                )
        audit(tx, actor, "mapping.resolve", norm, detail={"chosen": chosen_uri, "changed": changed})
    return changed


# -- refused sign-ins --


def signin_refusals(store: Reader, viewer: Viewer, limit: int = 200) -> pd.DataFrame:
    """Identities the organisation's provider signed in that Skill Atlas refused (HR only),
    newest first: provider, subject, e-mail, reason, what they were told, when, attempts.
    HR links a person (People import) or fixes the provider's groups, then they retry."""
    _hr(viewer)
    return store.read(
        "SELECT provider, subject, email, reason, sentence, first_seen, last_seen, attempts "
        "FROM signin_refusals ORDER BY last_seen DESC LIMIT ?",
        [limit],
    )
