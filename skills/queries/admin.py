"""HR administration: issuer trust, role profiles, the mapping review queue, skills, audit.

Reads and writes both check the viewer is HR; writes go through :mod:`skills.store`
and are recorded in the audit log under the viewer's account.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from skills import store as store_mod
from skills.access import Role, Viewer, require_role
from skills.queries._common import Reader


def _hr(viewer: Viewer) -> None:
    require_role(viewer, Role.HR, what="administration")


def issuers(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """Issuers with their trust and how many credentials each has issued here."""
    _hr(viewer)
    return store.read(
        """
        SELECT i.issuer_id, i.name, i.url, i.trust, i.trust_set_by, i.trust_set_at,
               count(c.credential_key) AS credentials,
               count(c.credential_key) FILTER (WHERE c.status = 'verified') AS verified
        FROM issuers i LEFT JOIN credentials c USING (issuer_id)
        GROUP BY ALL ORDER BY credentials DESC, i.name
        """,
        [],
    )


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
    return store_mod.resolve_mapping(store, label, skill_uri, actor=viewer.account)


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
    return store_mod.add_org_skill(store, label, actor=viewer.account)


def add_synonym(store: store_mod.Store, viewer: Viewer, label: str, skill_uri: str) -> None:
    """Record that ``label`` means ``skill_uri`` here."""
    _hr(viewer)
    store_mod.add_synonym(store, label, skill_uri, actor=viewer.account)


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
    from skills.queue import failed, pending, spool_dir_for

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
