"""Writing what a plan says: one transaction per chunk, every write keyed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from skills.config import Settings
from skills.ingest._plan import (
    ChunkPlan,
    IngestResult,
    Prepared,
    Stored,
    checks_json,
    lookup_keys,
    plan_chunk,
    prune_plan,
)
from skills.ingest._prepare import ContainerPrep
from skills.store import Tx, audit, audit_many


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def write_chunk(
    tx: Tx,
    prepared: Sequence[Prepared],
    *,
    submitted_by: str,
    now: datetime,
    settings: Settings,
    mapped_with: str | None = None,
) -> list[IngestResult]:
    """Read what the plan needs, plan the chunk (:func:`plan_chunk`), apply it.

    New credentials are stored with ``mapped_with``: the fingerprint of the mapper that
    mapped ``prepared`` (``skills.ingest._mapping.mapper_fingerprint``); None (unknown)
    makes re-verification map them again."""
    keys = lookup_keys(prepared, submitted_by=submitted_by)
    stored = {
        str(k): Stored(str(k), str(st), pid, iid)
        for k, st, pid, iid in tx.rows(
            "SELECT credential_key, status, person_id, issuer_id FROM credentials "
            "WHERE credential_key = ANY(?)",
            [keys],
        )
    }
    shas = sorted(
        {p.report.source_sha256 for p in prepared if p.report is not None}
        | {hashlib.sha256(p.raw or b"").hexdigest() for p in prepared if p.report is None}
    )
    rejected_seen = {
        (str(sha), str(name), pid)
        for sha, name, pid in tx.rows(
            "SELECT sha256, name, person_id FROM rejected_submissions "
            "WHERE submitted_by = ? AND sha256 = ANY(?)",
            [submitted_by, shas],
        )
    }
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rejected_today = int(
        tx.scalar(
            "SELECT count(*) FROM rejected_submissions WHERE submitted_by = ? AND received_at >= ?",
            [submitted_by, midnight],
        )
        or 0
    )
    plan = plan_chunk(
        prepared,
        stored,
        rejected_seen=rejected_seen,
        rejected_today=rejected_today,
        submitted_by=submitted_by,
        now=now,
        max_rejected_per_day=settings.max_rejected_per_day,
        mapped_with=mapped_with,
    )
    apply_plan(tx, plan, actor=submitted_by, now=now)
    return plan.results


def _current(tx: Tx, plan: ChunkPlan) -> dict[str, str]:
    """The stored status now of every credential ``plan`` names (those still stored)."""
    keys = sorted(plan.named_keys())
    if not keys:
        return {}
    return {
        str(k): str(st)
        for k, st in tx.rows(
            "SELECT credential_key, status FROM credentials WHERE credential_key = ANY(?)",
            [keys],
        )
    }


def apply_plan(tx: Tx, plan: ChunkPlan, *, actor: str, now: datetime) -> None:
    """Write what ``plan`` says, by column name. Audit rows are ``actor``'s.

    It decides one thing only, from the store as this transaction sees it
    (:func:`~skills.ingest._plan.prune_plan`): nothing is written for a credential deleted
    since the plan was made, and a status update applies only while the stored status is
    still the one the plan started from."""
    plan = prune_plan(plan, _current(tx, plan))
    if plan.issuers:
        tx.insert_frame("issuers", pd.DataFrame(plan.issuers), on_conflict="nothing")
    if plan.achievements:
        tx.insert_frame("achievements", pd.DataFrame(plan.achievements), on_conflict="nothing")
    if plan.credentials:
        tx.insert_frame("credentials", _credentials_frame(plan.credentials))
    if plan.remapped:
        keys = [r["credential_key"] for r in plan.remapped]
        tx.execute("DELETE FROM credential_skills WHERE credential_key = ANY(?)", [keys])
        with tx.frame("_remapped", pd.DataFrame(plan.remapped)):
            tx.execute(
                "UPDATE credentials SET mapped_with = r.mapped_with FROM _remapped r "
                "WHERE credentials.credential_key = r.credential_key"
            )
    if plan.skills:
        tx.insert_frame("credential_skills", pd.DataFrame(plan.skills))
    if plan.status_updates:
        frame = pd.DataFrame(plan.status_updates)
        for column in ("verified_at", "expires"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        with tx.frame("_status_updates", frame):
            tx.execute(
                "UPDATE credentials SET status = u.status, summary = u.summary, "
                "checks = u.checks, verified_at = u.verified_at, "
                "expires = coalesce(u.expires, credentials.expires), "
                "self_issued = coalesce(u.self_issued, credentials.self_issued) "
                "FROM _status_updates u "
                "WHERE credentials.credential_key = u.credential_key "
                "AND credentials.status = u.old_status"
            )
    for link in plan.container_links:
        tx.execute(
            "UPDATE credentials SET container_key = ? WHERE credential_key = ? "
            "AND container_key IS NULL",
            [link["container_key"], link["credential_key"]],
        )
    if plan.history:
        tx.insert_frame("credential_status_history", _history_frame(plan.history))
    if plan.notices:
        notices = pd.DataFrame(plan.notices)
        notices["created_at"] = pd.to_datetime(notices["created_at"], utc=True)
        notices["notice_id"] = tx.next_ids("notices", len(notices))
        tx.insert_frame("notices", notices)
    if plan.rejected:
        frame = pd.DataFrame(plan.rejected)
        frame["received_at"] = pd.to_datetime(frame["received_at"], utc=True)
        frame["raw"] = pd.Series([r["raw"] for r in plan.rejected], dtype="object")
        frame["rejection_id"] = tx.next_ids("rejected_submissions", len(frame))
        tx.insert_frame("rejected_submissions", frame)
    for entry in plan.reviews:
        tx.upsert(
            "mapping_review",
            {
                k: entry[k]
                for k in (
                    "label_norm",
                    "label",
                    "candidates",
                    "occurrences",
                    "first_credential_key",
                )
            },
            keys=["label_norm"],
            update={"occurrences": "stored.occurrences + given.occurrences"},
        )
    audit_many(tx, actor, plan.audits, at=now)


def _credentials_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ("issued", "expires", "verified_at", "created"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["raw"] = pd.Series([r["raw"] for r in rows], dtype="object")
    return frame


def _history_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["changed_at"] = pd.to_datetime(frame["changed_at"], utc=True)
    frame["old_status"] = frame["old_status"].astype("object")
    return frame


def write_container(
    tx: Tx,
    cp: ContainerPrep,
    *,
    submitted_by: str,
    now: datetime,
    settings: Settings,
    mapped_with: str | None = None,
) -> IngestResult:
    """Store (or refresh) the container's row, then its credentials (stamped with
    ``mapped_with``, as in :func:`write_chunk`); the container's result with one result
    per credential in ``parts``."""
    report, item = cp.opened.container, cp.item
    info = report.container
    assert info is not None
    status = str(report.status)
    found = tx.rows(
        "SELECT status, person_id FROM credential_containers WHERE container_key = ?", [cp.key]
    )
    old_status = str(found[0][0]) if found else None
    person = found[0][1] if found else item.person_id
    if found and person is not None and person != item.person_id:
        # The same signed container is on record for someone else: it stays theirs, and this
        # result says nothing about them; each badge inside is still bound and stored alone.
        parts = write_chunk(
            tx,
            cp.parts,
            submitted_by=submitted_by,
            now=now,
            settings=settings,
            mapped_with=mapped_with,
        )
        reason = "This container is already on record; its badges were checked one by one."
        return IngestResult(
            item.name, item.person_id, report, cp.key, status, True, status, reason, tuple(parts)
        )
    if found:
        tx.execute(
            "UPDATE credential_containers SET status = ?, summary = ?, checks = ?, "
            "verified_at = ?, holder_bound = ?, credentials = ?, skipped = ? "
            "WHERE container_key = ?",
            [
                status,
                report.summary,
                checks_json(report),
                _utc(report.verified_at),
                info.holder_bound,
                info.found,
                info.skipped,
                cp.key,
            ],
        )
    else:
        tx.execute(
            "INSERT INTO credential_containers (container_key, container_id, kind, format, "
            "person_id, submitted_by, status, summary, title, issuer_id, holder, holder_bound, "
            "credentials, skipped, source_sha256, raw, baked_in, name, checks, verified_at, "
            "created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                cp.key,
                info.id,
                info.kind,
                report.format,
                item.person_id,
                submitted_by,
                status,
                report.summary,
                info.name,
                info.issuer,
                info.holder,
                info.holder_bound,
                info.found,
                info.skipped,
                report.source_sha256,
                cp.raw if cp.raw is not None and cp.size <= settings.max_upload_bytes else None,
                report.baked_in,
                item.name,
                checks_json(report),
                _utc(report.verified_at),
                now,
            ],
        )
    audit(
        tx,
        submitted_by,
        "container.submit",
        cp.key,
        person_id=person,
        detail={"kind": info.kind, "credentials": info.found, "status": status},
        at=now,
    )
    parts = write_chunk(
        tx,
        cp.parts,
        submitted_by=submitted_by,
        now=now,
        settings=settings,
        mapped_with=mapped_with,
    )
    if found:
        reason = (
            f"Already stored; its status changed from {old_status} to {status}."
            if old_status != status
            else "Already stored; nothing changed."
        )
    else:
        reason = report.summary
    return IngestResult(
        item.name, person, report, cp.key, status, bool(found), old_status, reason, tuple(parts)
    )
