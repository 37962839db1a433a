"""Writes other than ingestion: audit, HR settings, taxonomy additions, bulk loads, erasure.

Every function here runs in one transaction (joining the caller's when called
inside :meth:`Store.write`) and writes an ``audit_log`` row saying who did what.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from skills.errors import AccessDenied, StoreError
from skills.store._connection import Store, Tx

TRUST_LEVELS = ("trusted", "untrusted", "unknown")

# Tables bulk_load accepts, in the order they are loaded.
BULK_TABLES = (
    "teams",
    "people",
    "identities",
    "skills",
    "issuers",
    "achievements",
    "credentials",
    "credential_skills",
    "credential_status_history",
    "role_profiles",
    "role_skills",
)
# Tables without a primary key: rows are only added for credentials new in this load.
_PER_CREDENTIAL = ("credential_skills", "credential_status_history")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AuditEntry:
    """One ``audit_log`` row to write with :func:`audit_many`."""

    action: str
    subject: str | None = None
    person_id: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


def audit_many(tx: Tx, actor: str, entries: Sequence[AuditEntry], *, at: datetime) -> None:
    """Append ``entries`` as ``actor``'s, all at ``at``, in one insert (ids in one go)."""
    if not entries:
        return
    frame = pd.DataFrame(
        {
            "audit_id": tx.next_ids("audit_log", len(entries)),
            "logged_at": pd.to_datetime([at] * len(entries), utc=True),
            "actor": actor,
            "action": [e.action for e in entries],
            "subject": pd.Series([e.subject for e in entries], dtype="object"),
            "person_id": pd.Series([e.person_id for e in entries], dtype="object"),
            "detail": [json.dumps(dict(e.detail), default=str) for e in entries],
        }
    )
    tx.insert_frame("audit_log", frame)


def audit(
    tx: Tx,
    actor: str,
    action: str,
    subject: str | None = None,
    *,
    person_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append one ``audit_log`` row inside ``tx``.

    ``person_id`` names whose data the entry is about; :func:`erase_person`
    deletes those entries.
    """
    tx.execute(
        "INSERT INTO audit_log (audit_id, logged_at, actor, action, subject, person_id, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            tx.next_ids("audit_log", 1)[0],
            at or _now(),
            actor,
            action,
            subject,
            person_id,
            json.dumps(dict(detail or {}), default=str),
        ],
    )


def set_issuer_trust(store: Store, issuer_id: str, trust: str, *, actor: str) -> None:
    """Set an issuer's trust to trusted, untrusted or unknown (an HR decision).

    Raises :class:`StoreError` for an unknown issuer or trust level.
    """
    if trust not in TRUST_LEVELS:
        raise StoreError(f"Trust must be one of {', '.join(TRUST_LEVELS)}, not {trust!r}.")
    with store.write() as tx:
        old = tx.rows("SELECT trust FROM issuers WHERE issuer_id = ?", [issuer_id])
        if not old:
            raise StoreError(f"There is no issuer {issuer_id!r}.")
        tx.execute(
            "UPDATE issuers SET trust = ?, trust_set_by = ?, trust_set_at = ? WHERE issuer_id = ?",
            [trust, actor, _now(), issuer_id],
        )
        audit(tx, actor, "issuer.trust", issuer_id, detail={"old": old[0][0], "new": trust})


def sync_skills(store: Store, frame: pd.DataFrame) -> int:
    """Load taxonomy skills not yet stored; existing rows are left as they are.

    ``frame`` is :meth:`skills.taxonomy.Taxonomy.skills_frame` (columns uri, label,
    pillar, level{1,2,3}_{code,label}, source); rows whose source is ``org`` are
    skipped (organisation skills are owned by the ``skills`` table itself).
    Returns how many were added.
    """
    rows = frame
    if "source" in rows.columns:
        rows = rows[rows["source"].fillna("esco") == "esco"]
    keep = ["uri", "label", "pillar"] + [
        f"level{n}_{part}" for n in (1, 2, 3) for part in ("code", "label")
    ]
    rows = rows[[c for c in keep if c in rows.columns]].rename(columns={"uri": "skill_uri"})
    levels = [c for c in ("level3_code", "level2_code", "level1_code") if c in rows.columns]
    group = pd.Series([None] * len(rows), index=rows.index, dtype="object")
    for column in levels:
        group = group.where(group.notna(), rows[column])
    rows = rows.assign(group_code=group, origin="esco").drop_duplicates("skill_uri")
    with store.write() as tx:
        return tx.insert_frame("skills", rows, on_conflict="nothing")


def save_role_profile(
    store: Store,
    profile_id: str,
    name: str,
    requirements: Iterable[tuple[str, str, int]],
    *,
    actor: str,
    team_id: str | None = None,
    description: str | None = None,
) -> None:
    """Create or replace a role profile with its (target, target_kind, priority) rows.

    ``target_kind`` is ``skill`` (an ESCO or organisation skill URI) or ``group``
    (an ESCO group code). Raises :class:`StoreError` on a bad kind or priority.
    """
    reqs = list(requirements)
    for target, kind, priority in reqs:
        if kind not in ("skill", "group") or not target:
            raise StoreError(f"A requirement is a skill or a group, not {kind!r}.")
        if priority not in (1, 2, 3):
            raise StoreError(f"Priority must be 1, 2 or 3, not {priority!r}.")
    with store.write() as tx:
        tx.execute("DELETE FROM role_skills WHERE profile_id = ?", [profile_id])
        tx.execute("DELETE FROM role_profiles WHERE profile_id = ?", [profile_id])
        tx.execute(
            "INSERT INTO role_profiles (profile_id, name, team_id, description, created_by) "
            "VALUES (?, ?, ?, ?, ?)",
            [profile_id, name, team_id, description, actor],
        )
        frame = pd.DataFrame(
            {
                "profile_id": [profile_id] * len(reqs),
                "target": [r[0] for r in reqs],
                "target_kind": [r[1] for r in reqs],
                "priority": [r[2] for r in reqs],
            }
        ).drop_duplicates("target")
        tx.insert_frame("role_skills", frame)
        audit(tx, actor, "role_profile.save", profile_id, detail={"requirements": len(reqs)})


def bulk_load(
    store: Store, frames: Mapping[str, pd.DataFrame], *, actor: str = "bulk_load"
) -> dict[str, int]:
    """Insert pre-built rows (pre-verified credentials, people ...) in one transaction.

    ``frames`` maps table names from :data:`BULK_TABLES` to DataFrames whose
    columns are that table's column names (missing ones take their defaults).
    Idempotent: rows whose key already exists are skipped, and skill/history rows
    are added only for credentials new in this load, so re-running a load that
    was killed completes it. Returns the rows inserted per table.
    Raises :class:`StoreError` for an unknown table or a rejected row.
    """
    unknown = set(frames) - set(BULK_TABLES)
    if unknown:
        raise StoreError(f"bulk_load cannot load {', '.join(sorted(unknown))}.")

    def work(tx: Tx) -> dict[str, int]:
        counts: dict[str, int] = {}
        existing: set[str] = set()
        creds = frames.get("credentials")
        if creds is not None and not creds.empty:
            keys = pd.DataFrame({"credential_key": creds["credential_key"].astype(str)})
            with tx.frame("_bulk_keys", keys):
                existing = {
                    r[0]
                    for r in tx.rows(
                        "SELECT c.credential_key FROM credentials c "
                        "JOIN _bulk_keys k ON k.credential_key = c.credential_key"
                    )
                }
        for table in BULK_TABLES:
            frame = frames.get(table)
            if frame is None:
                continue
            if table in _PER_CREDENTIAL and existing:
                frame = frame[~frame["credential_key"].isin(existing)]
            conflict: Any = "error" if table in _PER_CREDENTIAL else "nothing"
            counts[table] = tx.insert_frame(table, frame, on_conflict=conflict)
        audit(tx, actor, "bulk_load", None, detail=counts)
        return counts

    return store.run_write(work)


def erase_person(store: Store, person_id: str, *, actor: str) -> dict[str, int]:
    """Erase a person (right to erasure): their row, identities (and requests for more),
    consent, notices, credentials with raw bytes, skills and history, the transcripts and
    presentations they came in, rejected submissions, and audit entries about them.

    Team leads and managers pointing at them are cleared. One audit row records
    that an erasure happened, without the person's id; the file is then compacted so
    nothing of theirs stays readable in it. Returns rows deleted per table.
    Raises :class:`StoreError` when there is no such person.
    """
    with store.write() as tx:
        if not tx.scalar("SELECT count(*) FROM people WHERE person_id = ?", [person_id]):
            raise StoreError(f"There is no person {person_id!r}.")
        keys = [
            r[0]
            for r in tx.rows(
                "SELECT credential_key FROM credentials WHERE person_id = ?", [person_id]
            )
        ]
        counts: dict[str, int] = {}

        def delete(table: str, where: str, params: list[Any]) -> None:
            n = tx.scalar(f"SELECT count(*) FROM {table} WHERE {where}", params)  # noqa: S608
            tx.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608
            counts[table] = int(n or 0)

        delete("credential_skills", "credential_key = ANY(?)", [keys])
        delete("credential_status_history", "credential_key = ANY(?)", [keys])
        delete("credentials", "person_id = ?", [person_id])
        delete("credential_containers", "person_id = ?", [person_id])
        delete("identities", "person_id = ?", [person_id])
        delete("ingest_queue", "person_id = ?", [person_id])
        delete("identity_requests", "person_id = ?", [person_id])
        delete("candidate_consent", "person_id = ?", [person_id])
        delete("notices", "person_id = ?", [person_id])
        delete("rejected_submissions", "person_id = ?", [person_id])
        delete(
            "audit_log",
            "person_id = ? OR subject = ? OR subject = ANY(?)",
            [person_id, person_id, keys],
        )
        tx.execute(
            "UPDATE mapping_review SET first_credential_key = NULL "
            "WHERE first_credential_key = ANY(?)",
            [keys],
        )
        tx.execute("UPDATE people SET manager_id = NULL WHERE manager_id = ?", [person_id])
        tx.execute("UPDATE teams SET lead_person_id = NULL WHERE lead_person_id = ?", [person_id])
        delete("people", "person_id = ?", [person_id])
        audit(tx, actor, "person.erase", None, detail=counts)
    store.compact()  # deleted rows would otherwise stay readable in the file's free blocks
    return counts


def withdraw_credential(
    store: Store,
    credential_key: str,
    *,
    actor: str,
    allowed: Callable[[str | None, str | None], bool] | None = None,
) -> dict[str, int]:
    """Remove one stored credential at its owner's or HR's request (who may is the caller's
    rule: :func:`skills.services.submit.withdraw`).

    ``allowed`` is that rule, asked inside the deleting transaction with the credential's
    person and submitter as they are then (not as they were when a page showed the badge),
    so a badge that changed hands in between is never removed: :class:`AccessDenied` with
    the sentence for a badge that does not exist either. None: no rule (HR, the system).

    Deletes the credential with its raw bytes, its skills, status history and notices;
    review-queue rows that point at it as their first example forget it; the transcript or
    presentation it came in goes too when this was its last credential. One transaction,
    with one ``credential.withdraw`` audit row about the credential's person (so erasing
    that person erases the entry). Returns rows deleted per table. Raises
    :class:`StoreError` when there is no such credential.
    """
    with store.write() as tx:
        found = tx.rows(
            "SELECT person_id, container_key, status, badge_name, name, submitted_by "
            "FROM credentials WHERE credential_key = ?",
            [credential_key],
        )
        if allowed is not None and (not found or not allowed(found[0][0], found[0][5])):
            raise AccessDenied("You can only remove your own badges.")
        if not found:
            raise StoreError("There is no such badge: it may have been removed already.")
        person_id, container_key, status, badge, file_name, _ = found[0]
        counts: dict[str, int] = {}

        def delete(table: str, where: str, params: list[Any]) -> None:
            n = tx.scalar(f"SELECT count(*) FROM {table} WHERE {where}", params)  # noqa: S608
            tx.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608
            counts[table] = int(n or 0)

        delete("credential_skills", "credential_key = ?", [credential_key])
        delete("credential_status_history", "credential_key = ?", [credential_key])
        delete("notices", "credential_key = ?", [credential_key])
        delete("credentials", "credential_key = ?", [credential_key])
        tx.execute(
            "UPDATE mapping_review SET first_credential_key = NULL WHERE first_credential_key = ?",
            [credential_key],
        )
        if container_key is not None:
            delete(
                "credential_containers",
                "container_key = ? AND NOT EXISTS "
                "(SELECT 1 FROM credentials c WHERE c.container_key = ?)",
                [container_key, container_key],
            )
        audit(
            tx,
            actor,
            "credential.withdraw",
            credential_key,
            person_id=person_id,
            detail={"badge": badge or file_name, "status": status, "deleted": counts},
        )
    return counts
