"""HR administration: issuer trust, role profiles, the mapping review queue, skills, audit.

Reads and writes both check the viewer is HR; writes go through :mod:`skills.store`
and are recorded in the audit log under the viewer's account.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
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
from skills.taxonomy import normalise


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


def role_profiles(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """Every role profile with its requirements as one text column."""
    _hr(viewer)
    return store.read(
        """
        SELECT rp.profile_id, rp.name, t.name AS team, rp.description,
               count(rs.target) AS requirements,
               string_agg(coalesce(s.label, rs.target) || ' (P' || rs.priority || ')', ', '
                          ORDER BY rs.priority, s.label) AS skills
        FROM role_profiles rp
        LEFT JOIN teams t ON t.team_id = rp.team_id
        LEFT JOIN role_skills rs USING (profile_id)
        LEFT JOIN skills s ON s.skill_uri = rs.target
        GROUP BY ALL ORDER BY rp.name
        """,
        [],
    )


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
    """Create or replace a role profile ((target, kind, priority) requirements)."""
    _hr(viewer)
    store_mod.save_role_profile(
        store,
        profile_id,
        name,
        requirements,
        actor=viewer.account,
        team_id=team_id,
        description=description,
    )


def teams(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """Teams (team_id, name, department) for pickers."""
    _hr(viewer)
    return store.read(
        "SELECT team_id, name, department FROM teams WHERE kind = 'team' ORDER BY name", []
    )


def search_skills(store: Reader, viewer: Viewer, text: str, limit: int = 50) -> pd.DataFrame:
    """Skills whose label contains ``text`` (skill_uri, label, pillar, origin)."""
    _hr(viewer)
    return store.read(
        "SELECT skill_uri, label, pillar, origin FROM skills WHERE label ILIKE ? "
        "ORDER BY length(label), label LIMIT ?",
        [f"%{text.strip()}%", int(limit)],
    )


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


def audit_log(store: Reader, viewer: Viewer, limit: int = 200) -> pd.DataFrame:
    """The newest audit entries."""
    _hr(viewer)
    return store.read(
        "SELECT logged_at, actor, action, subject, detail FROM audit_log "
        "ORDER BY logged_at DESC LIMIT ?",
        [int(limit)],
    )


def ingest_queue(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """Batches that ``python -m skills ingest`` queued while the app ran: waiting ones and
    those set aside with their reason (the app's drainer ingests the waiting ones)."""
    from skills.ingest.queue import failed, pending, spool_dir_for

    _hr(viewer)
    path = getattr(store, "path", None)
    if path is None:
        return pd.DataFrame(columns=["batch", "state", "submitted_by", "queued", "items", "reason"])
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
    return pd.DataFrame(
        rows, columns=["batch", "state", "submitted_by", "queued", "items", "reason"]
    )


def import_people(store: store_mod.Store, viewer: Viewer, data: bytes | str) -> ImportSummary:
    """Import people, teams and departments from an HR CSV (HR only; audited as the viewer).

    One transaction: on any bad row :class:`skills.errors.ImportRowsError` lists
    every problem and nothing changes.
    """
    _hr(viewer)
    return _import_people(store, data, actor=viewer.account)


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
                        "WHERE skill_uri IS NULL AND list_contains(?, label)",
                        [labels],
                    )
                )
                tx.execute(
                    "UPDATE credential_skills SET skill_uri = ?, method = 'review', "
                    "confidence = 1.0 WHERE skill_uri IS NULL AND list_contains(?, label)",
                    [chosen_uri, labels],
                )
        audit(tx, actor, "mapping.resolve", norm, detail={"chosen": chosen_uri, "changed": changed})
    return changed
