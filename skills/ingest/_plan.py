"""Ingestion's rules as pure functions: what a chunk of verified submissions does to the store.

:func:`plan_chunk` decides, for every prepared submission of a chunk, without touching a
database: a new credential, a duplicate (unchanged, or a status change), a rejection, the
shared issuer and achievement rows, skills, review-queue entries, history and audit
entries, and the result the submitter sees. :func:`plan_reverify` does the same for a
re-verification pass. ``skills.ingest.apply_plan`` only writes what a plan says.

The rules (issue 11, "nothing false gets in"):

- **Who may claim a credential id.** Only an *authentic* credential (its signature or hosted
  copy verified, and its verdict not ``invalid``, ``unverifiable`` or
  ``recipient_mismatch``) is keyed by its issuer and its own id (:func:`claim_key`). Every
  other submission is keyed by its content *and its owner* (the person it is filed under,
  else the submitter): a forged copy never blocks the genuine badge, a stored mismatch is
  never moved to another person, and nobody learns about anybody else's rows.
- **Shared rows from authentic credentials only.** ``issuers`` and ``achievements`` rows are
  written only from authentic, not self-issued credentials, and an achievement is keyed
  within its issuer, so no badge can rename another issuer's achievement. Each credential
  keeps a snapshot of its own signed names (badge, description, issuer): pages show that.
- **Self-issued badges never count.** A badge whose issuer is its own recipient (the
  subject's id, or one of the person's identities) is stored with ``self_issued``.
- **Review queue.** Only authentic, not self-issued badges put labels in HR's queue.
- **Rejected submissions** keep at most :data:`REJECTED_PREFIX_BYTES` of their bytes plus
  size and hash; a submitter past ``max_rejected_per_day`` is told so and nothing is stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from skills.store import AuditEntry
from skills.taxonomy import normalise
from skills.verify import (
    AUTHENTICITY_CHECKS,
    CheckName,
    Credential,
    Outcome,
    Report,
    Status,
    identity_matches,
    normalise_identity,
)

REJECTED_PREFIX_BYTES = 4096
"""How much of a rejected submission is kept (enough to see what it was, never a payload)."""

_NOT_AUTHENTIC = frozenset({Status.INVALID, Status.UNVERIFIABLE, Status.RECIPIENT_MISMATCH})


@dataclass(frozen=True)
class BatchItem:
    """One submission of a batch: the badge, whose it is, and a label for reports."""

    source: bytes | str | Path
    person_id: str | None
    name: str


@dataclass(frozen=True)
class IngestResult:
    """What happened to one submission.

    ``report`` is None only when the item was refused before verification (an
    unknown person). ``credential_key`` is None when the submission was rejected.
    ``duplicate`` says the credential was already stored; ``old_status`` and
    ``status`` differ when this submission changed its stored status.
    ``reason`` is one sentence for people; it never speaks of anybody else's badges.
    """

    name: str
    person_id: str | None
    report: Report | None
    credential_key: str | None
    status: str  # stored status, or "rejected"
    duplicate: bool = False
    old_status: str | None = None
    reason: str = ""
    #: For a CLR transcript or a presentation: one result per credential inside it (the
    #: container's own result has the container's key as ``credential_key``).
    parts: tuple[IngestResult, ...] = ()

    @property
    def rejected(self) -> bool:
        return self.credential_key is None

    @property
    def status_changed(self) -> bool:
        return self.duplicate and self.old_status is not None and self.old_status != self.status

    @property
    def outcome(self) -> str:
        """The summary bucket: ``rejected``, ``duplicate`` (unchanged) or the status."""
        if self.rejected:
            return "rejected"
        if self.duplicate and not self.status_changed:
            return "duplicate"
        return self.status


@dataclass(frozen=True)
class SkillRow:
    """A skill mention of a credential, mapped (``skill_uri``) or left for review."""

    skill_uri: str | None
    label: str | None
    mention: str | None
    source: str | None
    confidence: float
    method: str | None
    inferred: bool
    candidates: tuple[tuple[str, str, float], ...]


Mapper = Callable[[Credential], list[SkillRow]]


@dataclass(frozen=True)
class Prepared:
    """A verified submission, bound to its person, with its skills: ready to plan.

    ``identities`` are the person's identities (to recognise a self-issued badge);
    ``refusal`` is the reason when it was refused before verification.
    """

    item: BatchItem
    raw: bytes | None
    size: int
    report: Report | None
    skills: tuple[SkillRow, ...]
    refusal: str | None
    container_key: str | None = None
    identities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stored:
    """A stored credential a submission may be the same as."""

    key: str
    status: str
    person_id: str | None
    issuer_id: str | None


Audit = AuditEntry  # an audit row the plan asks for


@dataclass
class ChunkPlan:
    """Everything a chunk writes, row by row (dicts keyed by column name)."""

    credentials: list[dict[str, Any]] = field(default_factory=list)
    status_updates: list[dict[str, Any]] = field(default_factory=list)
    container_links: list[dict[str, Any]] = field(default_factory=list)
    issuers: list[dict[str, Any]] = field(default_factory=list)
    achievements: list[dict[str, Any]] = field(default_factory=list)
    skills: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    audits: list[Audit] = field(default_factory=list)
    results: list[IngestResult] = field(default_factory=list)
    #: Credentials whose skills are replaced by those in ``skills`` (re-mapping), each
    #: with the fingerprint it is now mapped with (``credential_key``, ``mapped_with``).
    remapped: list[dict[str, Any]] = field(default_factory=list)
    #: Rows of ``notices`` (a status change found by re-verification, for its person).
    notices: list[dict[str, Any]] = field(default_factory=list)

    def named_keys(self) -> set[str]:
        """Every credential key a row of this plan (other than a new credential) refers to."""
        return (
            {r["credential_key"] for r in self.remapped}
            | {r["credential_key"] for r in self.skills}
            | {r["credential_key"] for r in self.status_updates}
            | {r["credential_key"] for r in self.history}
            | {r["credential_key"] for r in self.notices if r.get("credential_key")}
            | {r["credential_key"] for r in self.container_links}
            | {k for r in self.reviews for k in r.get("credential_keys", ())}
        )


# -- the rules ------------------------------------------------------------------------------


def authentic(report: Report) -> bool:
    """True when the credential is its issuer's (signature or hosted copy verified), was
    not issued to someone else (no failed recipient check, whatever the verdict: an expired
    or revoked badge outranks a mismatch in the verdict), and its verdict is not
    ``invalid``, ``unverifiable`` or ``recipient_mismatch``."""
    if report.credential is None or report.status in _NOT_AUTHENTIC:
        return False
    if any(c.name == CheckName.RECIPIENT and c.outcome is Outcome.FAILED for c in report.checks):
        return False
    return any(c.name in AUTHENTICITY_CHECKS and c.outcome is Outcome.PASSED for c in report.checks)


def issuer_key(cred: Credential) -> str | None:
    """The issuer's id, else a key derived from its name."""
    if cred.issuer.id:
        return cred.issuer.id
    if cred.issuer.name:
        return "name:" + hashlib.sha256(cred.issuer.name.encode()).hexdigest()[:32]
    return None


def achievement_key(cred: Credential, issuer: str | None) -> str | None:
    """The achievement's key *within its issuer*: no badge can name another issuer's."""
    ident = cred.achievement.id or cred.achievement.name
    if not ident:
        return None
    basis = f"{issuer or ''}\n{ident}"
    return "sha256:" + hashlib.sha256(basis.encode()).hexdigest()


def claim_key(report: Report) -> str | None:
    """The key of an authentic credential: its issuer and its own id (None without an id)."""
    cred = report.credential
    if cred is None or not cred.id or not cred.id.strip():
        return None
    return f"{issuer_key(cred) or ''} {cred.id.strip()}"


def credential_key(report: Report, owner: str) -> str:
    """Where a credential is stored.

    Authentic with an id: :func:`claim_key`. Authentic without one: ``sha256:`` + its
    content hash. Anything else: ``sha256:`` + content hash + ``@`` + ``owner`` (the
    person it is filed under, else the submitter), so it claims nothing shared.
    """
    if authentic(report):
        return claim_key(report) or "sha256:" + report.source_sha256
    return f"sha256:{report.source_sha256}@{owner}"


def is_self_issued(cred: Credential, identities: Sequence[str]) -> bool:
    """True when the credential's issuer is its own recipient: the subject's identity, or
    one of the person's identities (a DID, URL or e-mail on record)."""
    issuer = cred.issuer.id
    if not issuer or not issuer.strip():
        return False
    base = normalise_identity(issuer.split("#", 1)[0])
    own = {normalise_identity(i).split("#", 1)[0] for i in identities}
    if base in own:
        return True
    recipient = cred.recipient
    if recipient.identity is None:
        return False
    if recipient.hashed:
        return identity_matches(recipient, base)
    return normalise_identity(recipient.identity).split("#", 1)[0] == base


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def checks_json(report: Report) -> str:
    """The report's checks as stored: ``[{"name", "outcome", "message"}, ...]``."""
    return json.dumps(
        [
            {"name": str(c.name), "outcome": str(c.outcome), "message": c.message}
            for c in report.checks
        ]
    )


# -- planning -------------------------------------------------------------------------------


@dataclass
class _Chunk:
    """What planning remembers while it walks a chunk."""

    plan: ChunkPlan
    stored: dict[str, Stored]
    rejected_seen: set[tuple[str, str, str | None]]
    rejected_today: int
    issuers: dict[str, dict[str, Any]] = field(default_factory=dict)
    achievements: dict[str, dict[str, Any]] = field(default_factory=dict)
    reviews: dict[str, dict[str, Any]] = field(default_factory=dict)
    mapped_with: str | None = None


def lookup_keys(prepared: Sequence[Prepared], *, submitted_by: str) -> list[str]:
    """Every stored key a chunk's submissions could be the same as (for the caller to read:
    their keys, and for authentic ones the bare id an older version stored them under)."""
    keys: set[str] = set()
    for p in prepared:
        if p.report is None or p.report.credential is None:
            continue
        keys.add(credential_key(p.report, p.item.person_id or submitted_by))
        cred = p.report.credential
        if authentic(p.report) and cred.id and cred.id.strip():
            keys.add(cred.id.strip())
    return sorted(keys)


def _find_stored(chunk: _Chunk, report: Report, key: str) -> Stored | None:
    found = chunk.stored.get(key)
    if found is not None:
        return found
    cred = report.credential
    if cred is None or not authentic(report) or not cred.id:
        return None
    legacy = chunk.stored.get(cred.id.strip())  # stored under its bare id by an older version
    if legacy is not None and legacy.issuer_id == issuer_key(cred):
        return legacy
    return None


def plan_chunk(
    prepared: Sequence[Prepared],
    stored: Mapping[str, Stored],
    *,
    rejected_seen: set[tuple[str, str, str | None]],
    rejected_today: int,
    submitted_by: str,
    now: datetime,
    max_rejected_per_day: int,
    mapped_with: str | None = None,
) -> ChunkPlan:
    """Decide what a chunk writes (see the module docstring); pure, never raises for data.

    ``stored`` maps the keys of :func:`lookup_keys` to the rows found; ``rejected_seen``
    holds (sha256, name, person) of this submitter's stored rejections;
    ``rejected_today`` counts this submitter's rejections since midnight UTC;
    ``mapped_with`` is the mapping fingerprint new credentials are stored with
    (:func:`skills.ingest._fingerprint.mapping_fingerprint`).
    """
    chunk = _Chunk(ChunkPlan(), dict(stored), set(rejected_seen), rejected_today)
    chunk.mapped_with = mapped_with
    for p in prepared:
        if p.report is None or p.report.credential is None:
            _plan_rejection(chunk, p, submitted_by, now, max_rejected_per_day)
            continue
        owner = p.item.person_id or submitted_by
        key = credential_key(p.report, owner)
        existing = _find_stored(chunk, p.report, key)
        if existing is not None:
            _plan_duplicate(chunk, p, existing, now)
        else:
            _plan_new(chunk, p, key, submitted_by, now)
    plan = chunk.plan
    plan.issuers = list(chunk.issuers.values())
    plan.achievements = list(chunk.achievements.values())
    plan.reviews = list(chunk.reviews.values())
    return plan


def _plan_rejection(chunk: _Chunk, p: Prepared, submitted_by: str, now: datetime, cap: int) -> None:
    item, plan = p.item, chunk.plan
    reason = p.refusal or (p.report.summary if p.report else "The submission was refused.")
    sha = p.report.source_sha256 if p.report else hashlib.sha256(p.raw or b"").hexdigest()
    seen = (sha, item.name, item.person_id)
    if seen not in chunk.rejected_seen:
        if chunk.rejected_today >= cap:
            reason = (
                f"Not stored: {cap} submissions that were not badges have already been refused "
                "today for this account; try again tomorrow. " + reason
            )
        else:
            chunk.rejected_seen.add(seen)
            chunk.rejected_today += 1
            plan.rejected.append(
                {
                    "sha256": sha,
                    "submitted_by": submitted_by,
                    "person_id": item.person_id,
                    "name": item.name,
                    "reason": reason,
                    "size": p.size,
                    "raw": None if p.raw is None else p.raw[:REJECTED_PREFIX_BYTES],
                    "received_at": now,
                }
            )
            plan.audits.append(Audit("submission.reject", sha, item.person_id, {"reason": reason}))
    plan.results.append(
        IngestResult(item.name, item.person_id, p.report, None, "rejected", reason=reason)
    )


def _plan_duplicate(chunk: _Chunk, p: Prepared, existing: Stored, now: datetime) -> None:
    assert p.report is not None and p.report.credential is not None
    report, cred, item, plan = p.report, p.report.credential, p.item, chunk.plan
    key, old_status = existing.key, existing.status
    status = str(report.status)
    if p.container_key is not None:
        plan.container_links.append({"credential_key": key, "container_key": p.container_key})
    if existing.person_id is not None and item.person_id != existing.person_id:
        # Someone else's row (a submission for another person, or for nobody): it stays as
        # it is, and this result says nothing about it.
        plan.audits.append(Audit("credential.duplicate", key, item.person_id, {"applied": False}))
        reason = "This badge is already on record; this submission changed nothing."
        plan.results.append(
            IngestResult(item.name, item.person_id, report, key, status, True, status, reason)
        )
        return
    person = existing.person_id
    if status != old_status:
        plan.status_updates.append(
            {
                "credential_key": key,
                "old_status": old_status,
                "status": status,
                "summary": report.summary,
                "checks": checks_json(report),
                "verified_at": _utc(report.verified_at),
                "expires": _utc(cred.expires),
                "self_issued": is_self_issued(cred, p.identities),
            }
        )
        plan.history.append(
            {
                "credential_key": key,
                "old_status": old_status,
                "new_status": status,
                "changed_at": now,
                "reason": f"re-submitted: {report.summary}",
            }
        )
        plan.audits.append(
            Audit(
                "credential.status",
                key,
                person,
                {"old": old_status, "new": status, "why": "re-submitted"},
            )
        )
        chunk.stored[key] = Stored(key, status, person, existing.issuer_id)
        reason = f"Already stored; its status changed from {old_status} to {status}."
    else:
        plan.audits.append(Audit("credential.duplicate", key, person, {"applied": True}))
        reason = "Already stored; nothing changed."
    plan.results.append(
        IngestResult(item.name, person, report, key, status, True, old_status, reason)
    )


def _plan_new(chunk: _Chunk, p: Prepared, key: str, submitted_by: str, now: datetime) -> None:
    assert p.report is not None and p.report.credential is not None
    report, cred, item, plan = p.report, p.report.credential, p.item, chunk.plan
    status = str(report.status)
    genuine = authentic(report)
    # Decided from the content whatever the verdict: a badge stored unverifiable today may
    # verify at re-verification, and must still never count.
    self_issued = is_self_issued(cred, p.identities)
    shared = genuine and not self_issued
    issuer = issuer_key(cred)
    achievement = achievement_key(cred, issuer)
    chunk.stored[key] = Stored(key, status, item.person_id, issuer)
    if shared and issuer and issuer not in chunk.issuers:
        chunk.issuers[issuer] = {
            "issuer_id": issuer,
            "name": cred.issuer.name,
            "url": cred.issuer.url,
        }
    if shared and achievement and achievement not in chunk.achievements:
        a = cred.achievement
        chunk.achievements[achievement] = {
            "achievement_id": achievement,
            "issuer_id": issuer,
            "name": a.name,
            "description": a.description,
            "criteria": a.criteria,
            "type": a.type,
            "tags": list(a.tags),
        }
    plan.credentials.append(
        {
            "credential_key": key,
            "credential_id": cred.id,
            "person_id": item.person_id,
            "submitted_by": submitted_by,
            "format": report.format,
            "status": status,
            "summary": report.summary,
            "issued": _utc(cred.issued),
            "expires": _utc(cred.expires),
            "verified_at": _utc(report.verified_at),
            "source_sha256": report.source_sha256,
            "raw": p.raw,
            "baked_in": report.baked_in,
            "issuer_id": issuer,
            "achievement_id": achievement,
            "recipient_identity": cred.recipient.identity,
            "recipient_type": cred.recipient.type,
            "recipient_hashed": cred.recipient.hashed,
            "name": item.name,
            "checks": checks_json(report),
            "created": now,
            "container_key": p.container_key,
            "self_issued": self_issued,
            "badge_name": cred.achievement.name,
            "badge_description": cred.achievement.description,
            "issuer_name": cred.issuer.name,
            "mapped_with": chunk.mapped_with,
        }
    )
    plan.history.append(
        {
            "credential_key": key,
            "old_status": None,
            "new_status": status,
            "changed_at": now,
            "reason": "submitted",
        }
    )
    plan.skills.extend(skill_rows(key, p.skills))
    if shared:
        queue_reviews(chunk.reviews, key, p.skills)
    plan.audits.append(
        Audit("credential.submit", key, item.person_id, {"status": status, "name": item.name})
    )
    reason = report.summary
    if self_issued:
        reason += " It is self-issued (its issuer is its own recipient), so its skills never count."
    plan.results.append(IngestResult(item.name, item.person_id, report, key, status, reason=reason))


def queue_reviews(reviews: dict[str, dict[str, Any]], key: str, skills: Sequence[SkillRow]) -> None:
    """Add credential ``key``'s unmapped mentions that have candidates to ``reviews`` (HR's
    queue, one entry per normalised label, counting occurrences; ``credential_keys`` lists
    the credential of each occurrence so a write can drop those of a credential gone since).

    The caller decides who may fill the queue: only an authentic badge, not self-issued,
    may (a forged, self-issued or someone else's badge must not plant labels there)."""
    for s in skills:
        text = s.mention or s.label or ""
        norm = normalise(text)
        if s.skill_uri is None and s.candidates and s.method != "remembered" and norm:
            entry = reviews.setdefault(
                norm,
                {
                    "label_norm": norm,
                    "label": " ".join(text.split()),
                    "candidates": json.dumps(
                        [{"uri": u, "label": lab, "score": sc} for u, lab, sc in s.candidates]
                    ),
                    "occurrences": 0,
                    "first_credential_key": key,
                    "credential_keys": [],
                },
            )
            entry["occurrences"] += 1
            entry["credential_keys"].append(key)


def skill_rows(key: str, skills: Sequence[SkillRow]) -> list[dict[str, Any]]:
    """The ``credential_skills`` rows of credential ``key``."""
    return [
        {
            "credential_key": key,
            "skill_uri": s.skill_uri,
            "label": s.label,
            "mention": s.mention,
            "source": s.source,
            "confidence": s.confidence,
            "method": s.method,
            "inferred": s.inferred,
        }
        for s in skills
    ]


def plan_reverify(
    rows: Sequence[tuple[str, str, str | None]],
    reports: Sequence[Report],
    *,
    now: datetime,
    identities: Mapping[str, Sequence[str]] | None = None,
    remapped: Mapping[str, Sequence[SkillRow]] | None = None,
    previous_skills: Mapping[str, frozenset[str]] | None = None,
    mapped_with: str | None = None,
) -> ChunkPlan:
    """What re-verifying stored credentials writes: ``rows`` are (key, old status, person)
    and ``reports`` their new reports (recipient already bound); ``identities`` the people's
    identities (to decide again whether a badge is self-issued). Every row gets its new
    status, checks, summary, self-issued flag and ``verified_at`` (also when nothing
    changed); a changed status is added to the history and the audit, and a credential
    with a person gets a notice (its old and new status: the Overview words it).

    ``remapped`` holds fresh skill rows for credentials mapped with an older fingerprint:
    their ``credential_skills`` are replaced and ``mapped_with`` set, and (as for a new
    badge, :func:`queue_reviews`) an authentic, not self-issued badge's mentions left
    unmapped go to HR's review queue. ``previous_skills``
    (the mapped skill URIs before) decides whether the change is audited: only a re-map
    that changed which skills a badge gives is (``credential.remap``)."""
    plan = ChunkPlan()
    reviews: dict[str, dict[str, Any]] = {}
    known = identities or {}
    fresh = remapped or {}
    before = previous_skills or {}
    for (key, old, person), report in zip(rows, reports, strict=True):
        new = str(report.status)
        cred = report.credential
        plan.status_updates.append(
            {
                "credential_key": key,
                "old_status": old,
                "status": new,
                "summary": report.summary,
                "checks": checks_json(report),
                "verified_at": _utc(report.verified_at),
                "expires": None if cred is None else _utc(cred.expires),
                "self_issued": None
                if cred is None
                else is_self_issued(cred, known.get(person or "", ())),
            }
        )
        if new != old:
            plan.history.append(
                {
                    "credential_key": key,
                    "old_status": old,
                    "new_status": new,
                    "changed_at": now,
                    "reason": f"re-verified: {report.summary}",
                }
            )
            plan.audits.append(Audit("credential.reverify", key, person, {"old": old, "new": new}))
            if person is not None:
                plan.notices.append(
                    {
                        "person_id": person,
                        "credential_key": key,
                        "kind": "status_change",
                        "old_status": old,
                        "new_status": new,
                        "created_at": now,
                    }
                )
        if key in fresh:
            skills = fresh[key]
            plan.remapped.append({"credential_key": key, "mapped_with": mapped_with})
            plan.skills.extend(skill_rows(key, skills))
            own = known.get(person or "", ())
            if cred is not None and authentic(report) and not is_self_issued(cred, own):
                queue_reviews(reviews, key, skills)
            was = before.get(key, frozenset())
            now_mapped = frozenset(s.skill_uri for s in skills if s.skill_uri)
            if now_mapped != was:
                plan.audits.append(
                    Audit(
                        "credential.remap",
                        key,
                        person,
                        {"added": sorted(now_mapped - was), "removed": sorted(was - now_mapped)},
                    )
                )
    plan.reviews = list(reviews.values())
    return plan


#: Audit actions that record a status change (dropped with it when the plan is stale).
_STATUS_AUDITS = frozenset({"credential.reverify", "credential.status"})


def prune_plan(plan: ChunkPlan, current: Mapping[str, str]) -> ChunkPlan:
    """``plan`` without what the store no longer agrees with, pure; ``current`` maps every
    credential key the plan names that is still stored (read in the writing transaction)
    to its status now.

    A plan is made from rows read before a slow network pass (re-verification), so by the
    time it is written a credential may be gone (its person erased, the badge withdrawn) or
    its status changed by someone else (another run, a re-submission). For a credential
    gone (neither stored nor created by this plan) nothing is written: no skills, notice,
    history, status, review occurrence or audit entry, so nothing of an erased person comes
    back. For a status update whose old status is no longer the stored one, the update, its
    history, notice and audit entry are dropped (the change was recorded by whoever made
    it, once)."""
    created = {c["credential_key"] for c in plan.credentials}
    gone = plan.named_keys() - created - set(current)
    stale = {
        u["credential_key"]
        for u in plan.status_updates
        if u["credential_key"] in current and current[u["credential_key"]] != u["old_status"]
    }
    if not gone and not stale:
        return plan
    dropped = gone | stale

    def keep(rows: list[dict[str, Any]], out: set[str]) -> list[dict[str, Any]]:
        return [r for r in rows if r.get("credential_key") not in out]

    reviews = []
    for entry in plan.reviews:
        keys = [k for k in entry.get("credential_keys", ()) if k not in gone]
        if entry.get("credential_keys") is None:
            reviews.append(entry)
        elif keys:
            reviews.append(
                {
                    **entry,
                    "credential_keys": keys,
                    "occurrences": len(keys),
                    "first_credential_key": keys[0],
                }
            )
    return replace(
        plan,
        remapped=keep(plan.remapped, gone),
        skills=keep(plan.skills, gone),
        container_links=keep(plan.container_links, gone),
        status_updates=keep(plan.status_updates, dropped),
        history=keep(plan.history, dropped),
        notices=keep(plan.notices, dropped),
        reviews=reviews,
        audits=[
            a
            for a in plan.audits
            if a.subject not in gone and not (a.subject in stale and a.action in _STATUS_AUDITS)
        ],
    )


__all__ = [
    "CHUNK_SIZE",
    "REJECTED_PREFIX_BYTES",
    "SUMMARY_KEYS",
    "Audit",
    "BatchItem",
    "BatchSummary",
    "ChunkPlan",
    "IngestResult",
    "Mapper",
    "Prepared",
    "ReverifySummary",
    "SkillRow",
    "Stored",
    "achievement_key",
    "authentic",
    "checks_json",
    "claim_key",
    "credential_key",
    "is_self_issued",
    "issuer_key",
    "lookup_keys",
    "plan_chunk",
    "plan_reverify",
    "prune_plan",
    "queue_reviews",
    "skill_rows",
]


SUMMARY_KEYS = (
    "verified",
    "invalid",
    "revoked",
    "expired",
    "not_yet_valid",
    "recipient_mismatch",
    "unverifiable",
    "duplicate",
    "rejected",
)
CHUNK_SIZE = 500


@dataclass(frozen=True)
class BatchSummary:
    """Counts per outcome (keys of :data:`SUMMARY_KEYS`) and every item's result."""

    total: int
    counts: Mapping[str, int]
    results: tuple[IngestResult, ...] = field(default_factory=tuple)

    @property
    def problems(self) -> list[IngestResult]:
        """Items that did not end verified (or a duplicate of a stored one)."""
        return [r for r in self.results if r.outcome not in ("verified", "duplicate")]


@dataclass(frozen=True)
class ReverifySummary:
    """Credentials re-checked, each status change as (credential_key, old, new), and how
    many credentials had their skills mapped again."""

    checked: int
    counts: Mapping[str, int]
    changes: tuple[tuple[str, str, str], ...] = ()
    remapped: int = 0
