"""One person's badges, skills and timeline; every function checks the viewer may see them.

Also a candidate's consent to be found by this organisation's recruiters
(:func:`consent_status`, :func:`give_consent`, :func:`withdraw_consent`) and their request
for erasure (:func:`request_erasure`, :func:`list_erasure_requests` for HR). A candidate is
searchable only while ``consented_at`` is set and ``withdrawn_at`` is NULL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from skills.access import Role, Viewer, check_person, require_role
from skills.errors import AccessDenied
from skills.services._common import Reader, scope
from skills.store import Store, Tx, audit


@dataclass(frozen=True)
class Person:
    person_id: str
    name: str
    kind: str
    team: str | None
    role_title: str | None


def find_people(store: Reader, viewer: Viewer, text: str = "", limit: int = 50) -> pd.DataFrame:
    """People the viewer may see whose name or id contains ``text``, best match first.

    Columns: person_id, name, kind, team, role (job title). The order: the exact name or
    id, then names starting with ``text``, then names with a word starting with it, then
    the rest; ties by name. Never anyone outside the viewer's scope.
    """
    cond, params = scope(viewer)
    wanted = text.strip()
    like = f"%{wanted}%"
    return store.read(
        f"""
        SELECT p.person_id, p.display_name AS name, p.kind, t.name AS team,
               p.role_title AS role
        FROM people p LEFT JOIN teams t ON t.team_id = p.team_id
        WHERE {cond} AND (p.display_name ILIKE ? OR p.person_id ILIKE ?)
        ORDER BY CASE WHEN lower(p.display_name) = lower(?) OR lower(p.person_id) = lower(?)
                        THEN 0
                      WHEN starts_with(lower(p.display_name), lower(?)) THEN 1
                      WHEN contains(lower(p.display_name), ' ' || lower(?)) THEN 2
                      ELSE 3 END,
                 p.display_name, p.person_id
        LIMIT ?
        """,  # noqa: S608
        [*params, like, like, wanted, wanted, wanted, wanted, int(limit)],
    )


def person(store: Reader, viewer: Viewer, person_id: str) -> Person:
    """The person, or :class:`AccessDenied` when the viewer may not see them."""
    check_person(store, viewer, person_id)
    row = store.read(
        """
        SELECT p.person_id, p.display_name, p.kind, t.name AS team, p.role_title
        FROM people p LEFT JOIN teams t ON t.team_id = p.team_id WHERE p.person_id = ?
        """,
        [person_id],
    ).iloc[0]
    return Person(
        person_id=str(row["person_id"]),
        name=str(row["display_name"]),
        kind=str(row["kind"]),
        team=None if pd.isna(row["team"]) else str(row["team"]),
        role_title=None if pd.isna(row["role_title"]) else str(row["role_title"]),
    )


def person_credentials(store: Reader, viewer: Viewer, person_id: str) -> pd.DataFrame:
    """Every credential of the person, newest first, with issuer, status and skill count.

    ``bound`` says how the badge is tied to its holder: ``"by name only"`` when the badge
    names its recipient only by name (no e-mail, URL or DID), else empty. ``counted`` says
    whether a verified badge's skills count: ``counts`` (trusted issuer), ``issuer not yet
    reviewed``, ``untrusted issuer: does not count`` or ``self-issued: never counts``.
    ``last_checked`` is when the badge was last verified (at submission, then by every
    re-verification).
    """
    check_person(store, viewer, person_id)
    return store.read(
        """
        SELECT c.credential_key, c.badge_name AS badge, c.issuer_name AS issuer,
               i.trust AS issuer_trust, c.status,
               CASE WHEN c.recipient_type = 'name' THEN 'by name only' ELSE '' END AS bound,
               CASE WHEN c.status <> 'verified' THEN ''
                    WHEN coalesce(c.self_issued, false) THEN 'self-issued: never counts'
                    WHEN i.trust = 'trusted' THEN 'counts'
                    WHEN i.trust = 'untrusted' THEN 'untrusted issuer: does not count'
                    ELSE 'issuer not yet reviewed' END AS counted,
               c.issued, c.expires, c.format, c.summary, c.created AS submitted,
               c.verified_at AS last_checked,
               (SELECT count(*) FROM credential_skills s
                 WHERE s.credential_key = c.credential_key AND s.skill_uri IS NOT NULL) AS skills
        FROM credentials c
        LEFT JOIN issuers i ON i.issuer_id = c.issuer_id
        WHERE c.person_id = ?
        ORDER BY c.issued DESC NULLS LAST, c.created DESC
        """,
        [person_id],
    )


def person_skills(store: Reader, viewer: Viewer, person_id: str) -> pd.DataFrame:
    """Skills the person holds (verified, unexpired), with label, pillar and evidence count."""
    check_person(store, viewer, person_id)
    return store.read(
        """
        SELECT h.skill_uri, s.label AS skill, s.pillar, s.group_code, h.credentials,
               h.confidence, h.first_issued, h.expires
        FROM held_skills h JOIN skills s USING (skill_uri)
        WHERE h.person_id = ?
        ORDER BY s.label
        """,
        [person_id],
    )


def person_unreviewed_skills(store: Reader, viewer: Viewer, person_id: str) -> pd.DataFrame:
    """Skills of the person's verified badges whose issuer HR has not reviewed yet: shown
    apart from held skills ("verified, issuer not yet reviewed"), never counted."""
    check_person(store, viewer, person_id)
    return store.read(
        """
        SELECT u.skill_uri, s.label AS skill, s.pillar,
               string_agg(DISTINCT coalesce(i.name, u.issuer_id), ', ') AS issuers,
               sum(u.credentials) AS credentials
        FROM unreviewed_skills u JOIN skills s USING (skill_uri)
        LEFT JOIN issuers i ON i.issuer_id = u.issuer_id
        WHERE u.person_id = ?
        GROUP BY ALL ORDER BY s.label
        """,
        [person_id],
    )


def person_timeline(store: Reader, viewer: Viewer, person_id: str) -> pd.DataFrame:
    """One row per credential event: issued, expires (when dated) and status changes."""
    check_person(store, viewer, person_id)
    return store.read(
        """
        SELECT c.issued AS "at", 'issued' AS event, c.badge_name AS badge, c.status
        FROM credentials c
        WHERE c.person_id = ? AND c.issued IS NOT NULL
        UNION ALL
        SELECT c.expires, 'expires', c.badge_name, c.status
        FROM credentials c
        WHERE c.person_id = ? AND c.expires IS NOT NULL
        UNION ALL
        SELECT h.changed_at, 'status: ' || h.new_status, c.badge_name, c.status
        FROM credential_status_history h
        JOIN credentials c USING (credential_key)
        WHERE c.person_id = ? AND h.old_status IS NOT NULL
        ORDER BY 1
        """,
        [person_id, person_id, person_id],
    )


@dataclass(frozen=True)
class CredentialDetail:
    """A stored credential as a page shows it; ``raw`` is the submitted bytes (untrusted)."""

    credential_key: str
    person_id: str | None
    badge: str | None
    description: str | None
    issuer: str | None
    issuer_trust: str | None
    status: str
    summary: str | None
    format: str
    checks: Any  # JSON text or list of {"name", "outcome", "message"}
    issued: Any
    expires: Any
    baked_in: str | None
    raw: bytes | None
    skills: pd.DataFrame  # label, skill_uri, mention, confidence, method


def credential_detail(store: Reader, viewer: Viewer, credential_key: str) -> CredentialDetail:
    """A credential with its checks and mapped skills, if the viewer may see its holder.

    Credentials not bound to a person are visible to HR only. An unknown key
    is refused like a forbidden one.
    """
    found = store.read(
        """
        SELECT c.*, c.badge_name AS badge, c.badge_description AS description,
               c.issuer_name AS issuer, i.trust AS issuer_trust
        FROM credentials c
        LEFT JOIN issuers i ON i.issuer_id = c.issuer_id
        WHERE c.credential_key = ?
        """,
        [credential_key],
    )
    if found.empty:
        raise AccessDenied("You may not see this badge.")
    row = found.iloc[0]
    holder = None if pd.isna(row["person_id"]) else str(row["person_id"])
    if holder is None:
        if viewer.role is not Role.HR and row["submitted_by"] != viewer.account:
            raise AccessDenied("You may not see this badge.")
    else:
        check_person(store, viewer, holder)
    skills = store.read(
        """
        SELECT coalesce(s.label, cs.label) AS skill, cs.skill_uri, cs.mention, cs.source,
               cs.confidence, cs.method
        FROM credential_skills cs LEFT JOIN skills s USING (skill_uri)
        WHERE cs.credential_key = ? ORDER BY cs.confidence DESC
        """,
        [credential_key],
    )

    def _opt(key: str) -> Any:
        value = row[key]
        return (
            None
            if value is None or (not isinstance(value, bytes | bytearray) and pd.isna(value))
            else value
        )

    raw = _opt("raw")
    return CredentialDetail(
        credential_key=credential_key,
        person_id=holder,
        badge=_opt("badge"),
        description=_opt("description"),
        issuer=_opt("issuer"),
        issuer_trust=_opt("issuer_trust"),
        status=str(row["status"]),
        summary=_opt("summary"),
        format=str(row["format"]),
        checks=_opt("checks"),
        issued=_opt("issued"),
        expires=_opt("expires"),
        baked_in=_opt("baked_in"),
        raw=bytes(raw) if raw is not None else None,
        skills=skills,
    )


def my_submissions(store: Reader, viewer: Viewer, limit: int = 20) -> pd.DataFrame:
    """What the viewer submitted themselves (any person within scope), newest first."""
    cond, params = scope(viewer)
    return store.read(
        f"""
        SELECT c.created AS submitted, c.name AS file, c.badge_name AS badge, c.status, c.summary,
               c.credential_key, c.person_id
        FROM credentials c
        LEFT JOIN people p ON p.person_id = c.person_id
        WHERE c.submitted_by = ? AND (c.person_id IS NULL OR {cond})
        ORDER BY c.created DESC LIMIT ?
        """,  # noqa: S608
        [viewer.account, *params, int(limit)],
    )


# -- a candidate's consent and erasure request --

NOTICE_VERSION = "2026-12"
"""The version of :data:`PRIVACY_NOTICE` a consent records (``candidate_consent``)."""

PRIVACY_NOTICE = (
    (
        "Who can see your data",
        "The recruiters and the HR team of this organisation, and nobody else. Other "
        "candidates and the organisation's employees cannot see you.",
    ),
    (
        "What they see",
        "Your name, location and availability, the badges you submit that verify, and the "
        "skills those badges show. Badges that do not verify are visible to you and HR only.",
    ),
    (
        "How long it is kept",
        "As long as you are a candidate here, until you withdraw your consent or ask for "
        "erasure. Changes are recorded in an audit log that HR keeps for accountability.",
    ),
    (
        "How to withdraw or erase",
        "On your Profile page at any time: withdraw your consent (recruiters no longer find "
        "you from that moment) or ask HR to erase everything about you.",
    ),
)
"""What a candidate reads before consenting: (heading, sentence) pairs, plain text."""

_SEARCHABLE = "consented_at IS NOT NULL AND withdrawn_at IS NULL"


@dataclass(frozen=True)
class ConsentStatus:
    """A person's consent: ``applies`` (a candidate's own account), ``decided`` (they
    answered the notice), ``searchable`` (consented and not withdrawn), and when."""

    applies: bool
    decided: bool
    searchable: bool
    consented_at: Any = None
    withdrawn_at: Any = None
    erasure_requested_at: Any = None


def _candidate(store: Reader, viewer: Viewer) -> str | None:
    """The viewer's person id when the viewer is a candidate signed in as themselves."""
    if viewer.role is not Role.MEMBER or viewer.person_id is None:
        return None
    kind = store.read("SELECT kind FROM people WHERE person_id = ?", [viewer.person_id])
    return viewer.person_id if not kind.empty and kind.iloc[0, 0] == "candidate" else None


def consent_status(store: Reader, viewer: Viewer) -> ConsentStatus:
    """The viewer's own consent; ``applies`` is False for anybody but a candidate."""
    person_id = _candidate(store, viewer)
    if person_id is None:
        return ConsentStatus(applies=False, decided=True, searchable=False)
    found = store.read(
        f"""
        SELECT consented_at, withdrawn_at, erasure_requested_at, {_SEARCHABLE} AS searchable
        FROM candidate_consent WHERE person_id = ?
        """,  # noqa: S608
        [person_id],
    )
    if found.empty:
        return ConsentStatus(applies=True, decided=False, searchable=False)
    row = found.iloc[0]

    def _at(key: str) -> Any:
        return None if pd.isna(row[key]) else row[key]

    return ConsentStatus(
        applies=True,
        decided=_at("consented_at") is not None or _at("withdrawn_at") is not None,
        searchable=bool(row["searchable"]),
        consented_at=_at("consented_at"),
        withdrawn_at=_at("withdrawn_at"),
        erasure_requested_at=_at("erasure_requested_at"),
    )


def _own_candidate(store: Store, viewer: Viewer) -> str:
    person_id = _candidate(store, viewer)
    if person_id is None:
        raise AccessDenied("Only a candidate can give, withdraw or erase their own consent.")
    return person_id


def give_consent(store: Store, viewer: Viewer, *, now: datetime | None = None) -> None:
    """The candidate agrees to :data:`PRIVACY_NOTICE`: searchable from now on (again after
    a withdrawal: ``consented_at`` = now, ``withdrawn_at`` cleared). Audited
    ``consent.give``."""
    person_id = _own_candidate(store, viewer)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    with store.write() as tx:
        tx.upsert(
            "candidate_consent",
            {"person_id": person_id, "consented_at": moment, "notice_version": NOTICE_VERSION},
            keys=["person_id"],
            update={
                "consented_at": "given.consented_at",
                "withdrawn_at": "NULL",
                "notice_version": "given.notice_version",
            },
        )
        audit(
            tx,
            viewer.account,
            "consent.give",
            person_id,
            person_id=person_id,
            detail={"notice": NOTICE_VERSION},
            at=moment,
        )


def withdraw_consent(store: Store, viewer: Viewer, *, now: datetime | None = None) -> None:
    """The candidate withdraws (or declines) consent: recruiters no longer find them.
    Audited ``consent.withdraw``."""
    person_id = _own_candidate(store, viewer)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    with store.write() as tx:
        _withdraw(tx, person_id, moment)
        audit(tx, viewer.account, "consent.withdraw", person_id, person_id=person_id, at=moment)


def _withdraw(tx: Tx, person_id: str, moment: datetime) -> None:
    tx.upsert(
        "candidate_consent",
        {"person_id": person_id, "withdrawn_at": moment, "notice_version": NOTICE_VERSION},
        keys=["person_id"],
        update={"withdrawn_at": "coalesce(stored.withdrawn_at, given.withdrawn_at)"},
    )


def request_erasure(store: Store, viewer: Viewer, *, now: datetime | None = None) -> None:
    """The candidate asks HR to erase their data: recorded for HR
    (:func:`list_erasure_requests`), consent withdrawn at once. Audited ``erasure.request``.
    HR runs the erasure itself (:func:`skills.store.erase_person`)."""
    person_id = _own_candidate(store, viewer)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    with store.write() as tx:
        _withdraw(tx, person_id, moment)
        tx.execute(
            "UPDATE candidate_consent SET erasure_requested_at = "
            "coalesce(erasure_requested_at, ?) WHERE person_id = ?",
            [moment, person_id],
        )
        audit(tx, viewer.account, "erasure.request", person_id, person_id=person_id, at=moment)


def list_erasure_requests(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """Candidates waiting for HR to erase their data, oldest request first (HR only).

    Columns: person_id, name, kind, requested_at.
    """
    require_role(viewer, Role.HR, what="erasure requests")
    return store.read(
        """
        SELECT cc.person_id, p.display_name AS name, p.kind,
               cc.erasure_requested_at AS requested_at
        FROM candidate_consent cc JOIN people p USING (person_id)
        WHERE cc.erasure_requested_at IS NOT NULL
        ORDER BY cc.erasure_requested_at, cc.person_id
        """,
        [],
    )
