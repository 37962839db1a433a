"""Submissions in, rows out: verify -> bind the recipient -> map skills -> store.

- :func:`ingest_one` takes one submission (bytes, text, a URL or a file path) for a
  person and stores it in one transaction.
- :func:`ingest_batch` does the same for many, verifying in parallel and writing one
  transaction per chunk; a bad item never stops the batch.
- :func:`expand_batch` turns a folder, a zip or a CSV of (person, url_or_file) rows
  into :class:`BatchItem` s.
- :func:`reverify` re-checks stored credentials from their raw bytes.

Identity of a credential (``credential_key``): the badge's own id, else
``sha256:`` + the SHA-256 of the submitted bytes. The same credential submitted
again is stored once (``duplicate``); when its status changed (revoked, expired)
the stored status is updated and the change appended to
``credential_status_history``. A submission that cannot be read as a badge at
all goes to ``rejected_submissions`` with its reason.

Recipient binding: the person's identities (e-mails, URLs, telephones, DIDs) are
each tried against the badge's recipient; none matching makes the badge
``recipient_mismatch``. A submission without a person is stored unbound.

Crash safety: every chunk is one transaction and every write is keyed, so a
killed batch leaves no half-stored credential and running it again completes it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
import pandas as pd

from skills.config import settings
from skills.errors import ImportRowsError, InputTooLarge, StoreError
from skills.store import Store, Tx, audit, normalise_label, sync_skills
from skills.verify import CheckName, Credential, Outcome, Report, Status, verify, verify_many
from skills.verify.common import check_name_binding, check_recipient
from skills.verify.envelopes import Unpacked
from skills.verify.model import decide, failed, not_run

_NO_REVIEW_STATUSES = frozenset({"invalid", "unverifiable", "recipient_mismatch"})

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
_BADGE_SUFFIXES = frozenset({".json", ".jsonld", ".jwt", ".jws", ".png", ".svg", ".txt", ".url"})


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
    ``reason`` is one sentence for people.
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
    """Credentials re-checked, and each status change as (credential_key, old, new)."""

    checked: int
    counts: Mapping[str, int]
    changes: tuple[tuple[str, str, str], ...] = ()


# -- skill mapping ------------------------------------------------------------------


@dataclass(frozen=True)
class _SkillRow:
    skill_uri: str | None
    label: str | None
    mention: str | None
    source: str | None
    confidence: float
    method: str | None
    inferred: bool
    candidates: tuple[tuple[str, str, float], ...]


Mapper = Callable[[Credential], list[_SkillRow]]


def _org_additions(store: Store) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]:
    from skills.taxonomy import OrgSkill, Remembered, Synonym

    org = tuple(
        OrgSkill(uri=str(u), label=str(label), group_code=g, description=d)
        for u, label, g, d in store.rows(
            "SELECT skill_uri, label, group_code, description FROM skills "
            "WHERE origin = 'org' ORDER BY skill_uri"
        )
    )
    synonyms = tuple(
        Synonym(label=str(label), skill_uri=str(u))
        for label, u in store.rows(
            "SELECT label, skill_uri FROM skill_synonyms ORDER BY label_norm"
        )
    )
    remembered = tuple(
        Remembered(label=str(label), skill_uri=u)
        for label, u in store.rows(
            "SELECT label, chosen_uri FROM mapping_review WHERE status = 'resolved' "
            "ORDER BY label_norm"
        )
    )
    return org, synonyms, remembered


def skill_mapper(store: Store) -> Mapper:
    """A function mapping a credential's skill mentions to stored skill rows.

    Uses :func:`skills.taxonomy.load_taxonomy` with the organisation's skills,
    synonyms and remembered review decisions read from the store, and
    :func:`skills.extract.map_credential`. Loads the ESCO skills into the
    ``skills`` table the first time. Raises :class:`ConfigError` when the ESCO
    files are missing.
    """
    from skills.extract import map_credential
    from skills.taxonomy import load_taxonomy

    org, synonyms, remembered = _org_additions(store)
    taxonomy = load_taxonomy(org, synonyms, remembered)
    if not store.read_only and not store.scalar(
        "SELECT count(*) FROM skills WHERE origin = 'esco'"
    ):
        sync_skills(store, taxonomy.skills_frame())
    matcher = taxonomy.matcher()

    def mapper(credential: Credential) -> list[_SkillRow]:
        rows: list[_SkillRow] = []
        for m in map_credential(credential, matcher):
            rows.append(
                _SkillRow(
                    skill_uri=m.skill_uri,
                    label=m.label,
                    mention=m.mention,
                    source=str(m.source),
                    confidence=float(m.confidence),
                    method=str(m.method),
                    inferred=m.inferred,
                    candidates=tuple((c.uri, c.label, float(c.score)) for c in m.candidates),
                )
            )
        return rows

    return mapper


# -- recipient binding ----------------------------------------------------------------


def bind_recipient(
    report: Report, identities: Sequence[str] | None, name: str | None = None
) -> Report:
    """The report with its recipient check decided against a person's identities.

    ``identities`` None means "no person": the report is returned as it is. A badge
    that names its recipient only by name is compared with the person's ``name``
    ("bound by name only": a warning when the names match, ``recipient_mismatch``
    when they differ). Otherwise an empty list makes the check a required one that
    could not run (the badge is then ``unverifiable``), the first identity that
    matches passes the check, and none matching fails it (``recipient_mismatch``).
    The verdict is recomputed from the checks.
    """
    if identities is None or report.credential is None:
        return report
    recipient = report.credential.recipient
    if recipient.name_only:
        check = check_name_binding(recipient, name)
    elif not identities:
        check = not_run(
            CheckName.RECIPIENT,
            "This person has no e-mail, URL or DID on record to compare with the badge's "
            "recipient.",
        )
    else:
        check = next(
            (
                c
                for c in (check_recipient(recipient, ident) for ident in identities)
                if c.outcome is Outcome.PASSED
            ),
            failed(
                CheckName.RECIPIENT,
                "Issued to someone else: the badge's recipient matches none of the identities "
                "on record for this person.",
            ),
        )
    checks = (*(c for c in report.checks if c.name != CheckName.RECIPIENT), check)
    return replace(report, checks=checks, status=decide(checks))


@dataclass(frozen=True)
class _Person:
    """What a badge's recipient is compared with: a person's identities and name."""

    identities: tuple[str, ...]
    name: str | None


_NOBODY = _Person((), None)


def _identities(store: Store, person_ids: Iterable[str]) -> dict[str, _Person]:
    """The people among ``person_ids`` that exist, with their identities and names."""
    wanted = sorted(set(person_ids))
    if not wanted:
        return {}
    names = {
        str(r[0]): (None if r[1] is None else str(r[1]))
        for r in store.rows(
            "SELECT person_id, display_name FROM people WHERE list_contains(?, person_id)",
            [wanted],
        )
    }
    found: dict[str, list[str]] = {p: [] for p in names}
    for pid, value in store.rows(
        "SELECT person_id, value FROM identities WHERE NOT hashed AND list_contains(?, person_id) "
        "ORDER BY person_id, kind, value",
        [wanted],
    ):
        if pid in found:
            found[pid].append(value)
    return {p: _Person(tuple(v), names[p]) for p, v in found.items()}


# -- preparing rows -------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    item: BatchItem
    raw: bytes | None
    size: int
    report: Report | None
    key: str | None
    skills: tuple[_SkillRow, ...]
    refusal: str | None  # reason when refused before verification
    container_key: str | None = None  # the CLR/presentation it came in


def _raw_of(source: bytes | str | Path, limit: int) -> tuple[bytes | None, int, bytes | str | Path]:
    """(bytes to keep, size, what to hand to verify)."""
    if isinstance(source, bytes):
        return source, len(source), source
    if isinstance(source, str):
        data = source.encode("utf-8", "surrogatepass")
        return data, len(data), source
    try:
        size = source.stat().st_size
    except OSError:
        return None, 0, source  # verify reports why it cannot be read
    if size > limit:
        return None, size, source
    try:
        data = source.read_bytes()
    except OSError:
        return None, size, source
    return data, len(data), data


def credential_key(report: Report) -> str:
    """The badge's own id when it has one, else ``sha256:`` + its content hash."""
    cred = report.credential
    if cred is not None and cred.id and cred.id.strip():
        return cred.id.strip()
    return "sha256:" + report.source_sha256


def _issuer_key(cred: Credential) -> str | None:
    if cred.issuer.id:
        return cred.issuer.id
    if cred.issuer.name:
        return "name:" + hashlib.sha256(cred.issuer.name.encode()).hexdigest()[:32]
    return None


def _achievement_key(cred: Credential, issuer_key: str | None) -> str | None:
    if cred.achievement.id:
        return cred.achievement.id
    if cred.achievement.name:
        basis = f"{issuer_key or ''}\n{cred.achievement.name}"
        return "sha256:" + hashlib.sha256(basis.encode()).hexdigest()
    return None


def _checks_json(report: Report) -> str:
    return json.dumps(
        [
            {"name": str(c.name), "outcome": str(c.outcome), "message": c.message}
            for c in report.checks
        ]
    )


def _prepare(
    items: Sequence[BatchItem],
    reports: Sequence[Report | None],
    raws: Sequence[tuple[bytes | None, int]],
    identities: Mapping[str, _Person],
    mapper: Mapper | None,
) -> list[_Prepared]:
    out: list[_Prepared] = []
    for item, report, (raw, size) in zip(items, reports, raws, strict=True):
        if report is None:
            reason = f"There is no person {item.person_id!r} to file this badge under."
            out.append(_Prepared(item, raw, size, None, None, (), reason))
            continue
        if item.person_id is not None:
            person = identities.get(item.person_id, _NOBODY)
            report = bind_recipient(report, person.identities, person.name)
        if report.credential is None:
            out.append(_Prepared(item, raw, size, report, None, (), None))
            continue
        rows = tuple(mapper(report.credential)) if mapper is not None else ()
        out.append(_Prepared(item, raw, size, report, credential_key(report), rows, None))
    return out


# -- writing --------------------------------------------------------------------------


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _write_chunk(
    tx: Tx, prepared: Sequence[_Prepared], *, submitted_by: str, now: datetime, limit: int
) -> list[IngestResult]:
    keys = sorted({p.key for p in prepared if p.key})
    seen: dict[str, tuple[str, str | None]] = {
        k: (s, pid)
        for k, s, pid in tx.rows(
            "SELECT credential_key, status, person_id FROM credentials "
            "WHERE list_contains(?, credential_key)",
            [keys],
        )
    }
    creds: list[dict[str, Any]] = []
    issuers: dict[str, dict[str, Any]] = {}
    achievements: dict[str, dict[str, Any]] = {}
    skill_rows: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    reviews: dict[str, dict[str, Any]] = {}
    audits: list[tuple[str, str | None, str | None, dict[str, Any]]] = []
    results: list[IngestResult] = []

    for p in prepared:
        item = p.item
        if p.key is None:
            reason = p.refusal or (p.report.summary if p.report else "The submission was refused.")
            sha = p.report.source_sha256 if p.report else hashlib.sha256(p.raw or b"").hexdigest()
            already = tx.scalar(
                "SELECT count(*) FROM rejected_submissions WHERE sha256 = ? AND name = ? "
                "AND person_id IS NOT DISTINCT FROM ? AND submitted_by = ?",
                [sha, item.name, item.person_id, submitted_by],
            )
            if not already:
                tx.execute(
                    "INSERT INTO rejected_submissions (sha256, submitted_by, person_id, name, "
                    "reason, size, raw, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        sha,
                        submitted_by,
                        item.person_id,
                        item.name,
                        reason,
                        p.size,
                        p.raw if p.raw is not None and p.size <= limit else None,
                        now,
                    ],
                )
                audits.append(("submission.reject", sha, item.person_id, {"reason": reason}))
            results.append(
                IngestResult(item.name, item.person_id, p.report, None, "rejected", reason=reason)
            )
            continue
        assert p.report is not None and p.report.credential is not None
        report, cred, key = p.report, p.report.credential, p.key
        status = str(report.status)
        if key in seen:
            old_status, old_person = seen[key]
            if p.container_key is not None:
                tx.execute(
                    "UPDATE credentials SET container_key = ? WHERE credential_key = ? "
                    "AND container_key IS NULL",
                    [p.container_key, key],
                )
            same_person = old_person == item.person_id or item.person_id is None
            takeover = (
                not same_person
                and old_status == Status.RECIPIENT_MISMATCH
                and status != Status.RECIPIENT_MISMATCH
            )
            if not same_person and not takeover:
                reason = "Already submitted for another person; this submission changed nothing."
                audits.append(("credential.duplicate", key, item.person_id, {"applied": False}))
                results.append(
                    IngestResult(
                        item.name, item.person_id, report, key, old_status, True, old_status, reason
                    )
                )
                continue
            person = item.person_id if takeover else old_person
            if status != old_status or takeover:
                why = "claimed by its recipient" if takeover else "re-submitted"
                tx.execute(
                    "UPDATE credentials SET status = ?, summary = ?, checks = ?, verified_at = ?, "
                    "person_id = ?, expires = ? WHERE credential_key = ?",
                    [
                        status,
                        report.summary,
                        _checks_json(report),
                        _utc(report.verified_at),
                        person,
                        _utc(cred.expires),
                        key,
                    ],
                )
                history.append(
                    {
                        "credential_key": key,
                        "old_status": old_status,
                        "new_status": status,
                        "changed_at": now,
                        "reason": f"{why}: {report.summary}",
                    }
                )
                audits.append(
                    (
                        "credential.status",
                        key,
                        person,
                        {"old": old_status, "new": status, "why": why},
                    )
                )
                seen[key] = (status, person)
                reason = f"Already stored; its status changed from {old_status} to {status}."
            else:
                audits.append(("credential.duplicate", key, person, {"applied": True}))
                reason = "Already stored; nothing changed."
            results.append(
                IngestResult(item.name, person, report, key, status, True, old_status, reason)
            )
            continue

        seen[key] = (status, item.person_id)
        issuer_key = _issuer_key(cred)
        achievement_key = _achievement_key(cred, issuer_key)
        if issuer_key and issuer_key not in issuers:
            issuers[issuer_key] = {
                "issuer_id": issuer_key,
                "name": cred.issuer.name,
                "url": cred.issuer.url,
            }
        if achievement_key and achievement_key not in achievements:
            a = cred.achievement
            achievements[achievement_key] = {
                "achievement_id": achievement_key,
                "issuer_id": issuer_key,
                "name": a.name,
                "description": a.description,
                "criteria": a.criteria,
                "type": a.type,
                "tags": list(a.tags),
            }
        creds.append(
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
                "issuer_id": issuer_key,
                "achievement_id": achievement_key,
                "recipient_identity": cred.recipient.identity,
                "recipient_type": cred.recipient.type,
                "recipient_hashed": cred.recipient.hashed,
                "name": item.name,
                "checks": _checks_json(report),
                "created": now,
                "container_key": p.container_key,
            }
        )
        history.append(
            {
                "credential_key": key,
                "old_status": None,
                "new_status": status,
                "changed_at": now,
                "reason": "submitted",
            }
        )
        for s in p.skills:
            skill_rows.append(
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
            )
            text = s.mention or s.label or ""
            norm = normalise_label(text)
            # Only an authentic badge may put work in HR's review queue: a forged or
            # someone else's badge must not plant labels there.
            if (
                s.skill_uri is None
                and s.candidates
                and s.method != "remembered"
                and norm
                and status not in _NO_REVIEW_STATUSES
            ):
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
                    },
                )
                entry["occurrences"] += 1
        audits.append(
            ("credential.submit", key, item.person_id, {"status": status, "name": item.name})
        )
        results.append(
            IngestResult(item.name, item.person_id, report, key, status, reason=report.summary)
        )

    if issuers:
        tx.insert_frame("issuers", pd.DataFrame(list(issuers.values())), on_conflict="nothing")
    if achievements:
        tx.insert_frame(
            "achievements", pd.DataFrame(list(achievements.values())), on_conflict="nothing"
        )
    if creds:
        tx.insert_frame("credentials", _credentials_frame(creds))
    if skill_rows:
        tx.insert_frame("credential_skills", pd.DataFrame(skill_rows))
    if history:
        tx.insert_frame("credential_status_history", _history_frame(history))
    for entry in reviews.values():
        tx.execute(
            "INSERT INTO mapping_review (label_norm, label, candidates, occurrences, "
            "first_credential_key) VALUES (?, ?, ?, ?, ?) ON CONFLICT (label_norm) DO UPDATE "
            "SET occurrences = mapping_review.occurrences + excluded.occurrences",
            [
                entry["label_norm"],
                entry["label"],
                entry["candidates"],
                entry["occurrences"],
                entry["first_credential_key"],
            ],
        )
    for action, subject, person, detail in audits:
        audit(tx, submitted_by, action, subject, person_id=person, detail=detail, at=now)
    return results


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


# -- CLR transcripts and presentations ------------------------------------------------------


@dataclass(frozen=True)
class _ContainerPrep:
    """A CLR or presentation ready to store: its own row and one prepared row per part."""

    item: BatchItem
    raw: bytes | None
    size: int
    opened: Unpacked
    key: str
    parts: tuple[_Prepared, ...]


def _open_container(
    source: bytes | str | Path, client: httpx.Client | None, now: datetime | None
) -> Unpacked | None:
    """The verified container when ``source`` is a CLR or a presentation, else None."""
    from skills.verify.envelopes import might_hold_many, unpack

    if not might_hold_many(source):
        return None
    return unpack(source, client=client, now=now)


def container_key(report: Report) -> str:
    """A container's own id when it has one, else ``sha256:`` + its content hash."""
    info = report.container
    if info is not None and info.id and info.id.strip():
        return info.id.strip()
    return "sha256:" + report.source_sha256


def _prepare_container(
    item: BatchItem,
    raw: tuple[bytes | None, int],
    opened: Unpacked,
    identities: Mapping[str, Any],
    mapper: Mapper | None,
) -> _ContainerPrep:
    """Each credential inside becomes an item of the same person, named after the
    upload and its badge, bound to that person like any badge and linked to the container."""
    key = container_key(opened.container)
    items = []
    for n, (report, part_raw) in enumerate(zip(opened.parts, opened.raws, strict=True), 1):
        badge = report.credential.achievement.name if report.credential else None
        items.append(BatchItem(part_raw, item.person_id, f"{item.name} › {badge or f'item {n}'}"))
    prepared = _prepare(
        items, list(opened.parts), [(r, len(r)) for r in opened.raws], identities, mapper
    )
    parts = tuple(replace(p, container_key=key) for p in prepared)
    return _ContainerPrep(item, raw[0], raw[1], opened, key, parts)


def _write_container(
    tx: Tx, cp: _ContainerPrep, *, submitted_by: str, now: datetime, limit: int
) -> IngestResult:
    """Store (or refresh) the container's row, then its credentials; the container's result
    with one result per credential in ``parts``."""
    report, item = cp.opened.container, cp.item
    info = report.container
    assert info is not None
    status = str(report.status)
    found = tx.rows(
        "SELECT status, person_id FROM credential_containers WHERE container_key = ?", [cp.key]
    )
    old_status = str(found[0][0]) if found else None
    person = found[0][1] if found else item.person_id
    if found:
        tx.execute(
            "UPDATE credential_containers SET status = ?, summary = ?, checks = ?, "
            "verified_at = ?, holder_bound = ?, credentials = ?, skipped = ? "
            "WHERE container_key = ?",
            [
                status,
                report.summary,
                _checks_json(report),
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
                cp.raw if cp.raw is not None and cp.size <= limit else None,
                report.baked_in,
                item.name,
                _checks_json(report),
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
    parts = _write_chunk(tx, cp.parts, submitted_by=submitted_by, now=now, limit=limit)
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


# -- public entry points -----------------------------------------------------------------


def ingest_one(
    store: Store,
    source: bytes | str | Path,
    *,
    person_id: str | None,
    submitted_by: str,
    name: str | None = None,
    client: httpx.Client | None = None,
    now: datetime | None = None,
    mapper: Mapper | None = None,
) -> IngestResult:
    """Verify, map and store one submission in one transaction; see the module docstring.

    ``person_id`` files the badge under that person and binds its recipient to
    their identities; None stores it unbound. ``mapper`` defaults to
    :func:`skill_mapper`. Never raises for a bad badge (the result says why);
    raises :class:`StoreError` when ``person_id`` is unknown or the database
    refuses the write.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    label = name or (source.name if isinstance(source, Path) else "submission")
    item = BatchItem(source, person_id, label)
    identities = _identities(store, [person_id] if person_id else [])
    if person_id is not None and person_id not in identities:
        raise StoreError(f"There is no person {person_id!r} in the database.")
    limit = settings().max_upload_bytes
    raw, size, to_verify = _raw_of(source, limit)
    opened = _open_container(to_verify, client, now)
    if opened is not None:
        wanted = any(r.credential is not None for r in opened.parts)
        cp = _prepare_container(
            item,
            (raw, size),
            opened,
            identities,
            mapper or (skill_mapper(store) if wanted else None),
        )
        return store.run_write(
            lambda tx: _write_container(tx, cp, submitted_by=submitted_by, now=moment, limit=limit)
        )
    report = verify(to_verify, client=client, now=now)
    use_mapper = mapper or (skill_mapper(store) if report.credential is not None else None)
    prepared = _prepare([item], [report], [(raw, size)], identities, use_mapper)

    def work(tx: Tx) -> list[IngestResult]:
        return _write_chunk(tx, prepared, submitted_by=submitted_by, now=moment, limit=limit)

    return store.run_write(work)[0]


def ingest_batch(
    store: Store,
    items: Iterable[BatchItem],
    *,
    submitted_by: str,
    client: httpx.Client | None = None,
    client_factory: Callable[[], httpx.Client] | None = None,
    now: datetime | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    mapper: Mapper | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> BatchSummary:
    """Verify, map and store many submissions; one transaction per chunk of ``chunk_size``.

    Verification runs in ``workers`` processes (:func:`skills.verify.verify_many`;
    with ``client`` given, in threads sharing it). Items naming an unknown person
    are rejected without verification. A bad item never stops the batch: each
    item's result and reason are in the summary. Re-running a batch (for example
    after the process was killed) stores what is missing and counts the rest as
    duplicates. ``progress(done, total)`` is called as items are stored.
    Raises :class:`InputTooLarge` when there are more items than
    ``settings().max_batch_items``, :class:`StoreError` when the database refuses.
    """
    all_items = list(items)
    cfg = settings()
    if len(all_items) > cfg.max_batch_items:
        raise InputTooLarge(
            f"The batch has {len(all_items):,} items, over the limit of {cfg.max_batch_items:,}."
        )
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    total = len(all_items)
    identities = _identities(store, [i.person_id for i in all_items if i.person_id])
    use_mapper = mapper
    results: list[IngestResult] = []
    done = 0
    if progress:
        progress(0, total)
    for start in range(0, total, max(1, chunk_size)):
        chunk = all_items[start : start + max(1, chunk_size)]
        raws: list[tuple[bytes | None, int]] = []
        to_verify: list[tuple[int, bytes | str | Path]] = []
        for i, item in enumerate(chunk):
            raw, size, source = _raw_of(item.source, cfg.max_upload_bytes)
            raws.append((raw, size))
            if item.person_id is None or item.person_id in identities:
                to_verify.append((i, source))
        # CLR transcripts and presentations are opened here, each credential verified alone.
        opened = {i: u for i, s in to_verify if (u := _open_container(s, client, now))}
        to_verify = [(i, s) for i, s in to_verify if i not in opened]
        base = done

        def chunk_progress(n: int, _total: int, base: int = base) -> None:
            if progress:
                progress(min(total, base + n), total)

        verified = verify_many(
            [s for _, s in to_verify],
            client=client,
            now=now,
            workers=workers,
            client_factory=client_factory,
            progress=chunk_progress if progress else None,
        )
        reports: list[Report | None] = [None] * len(chunk)
        for (i, _), report in zip(to_verify, verified, strict=True):
            reports[i] = report
        in_containers = [p for u in opened.values() for p in u.parts]
        if use_mapper is None and any(
            r is not None and r.credential for r in [*reports, *in_containers]
        ):
            use_mapper = skill_mapper(store)
        keep = [i for i in range(len(chunk)) if i not in opened]
        prepared = _prepare(
            [chunk[i] for i in keep],
            [reports[i] for i in keep],
            [raws[i] for i in keep],
            identities,
            use_mapper,
        )
        groups = [
            _prepare_container(chunk[i], raws[i], u, identities, use_mapper)
            for i, u in opened.items()
        ]

        def work(
            tx: Tx, prepared: list[_Prepared] = prepared, groups: Any = groups
        ) -> list[IngestResult]:
            out = _write_chunk(
                tx, prepared, submitted_by=submitted_by, now=moment, limit=cfg.max_upload_bytes
            )
            for cp in groups:
                own = _write_container(
                    tx, cp, submitted_by=submitted_by, now=moment, limit=cfg.max_upload_bytes
                )
                out.extend(own.parts or (own,))  # one result per badge inside
            return out

        results.extend(store.run_write(work))
        done += len(chunk)
        if progress:
            progress(done, total)
    counts = Counter(r.outcome for r in results)
    return BatchSummary(
        total=total,
        counts={k: counts.get(k, 0) for k in SUMMARY_KEYS},
        results=tuple(results),
    )


# -- batch expansion ----------------------------------------------------------------------

_CSV_PERSON = ("person_id", "person")
_CSV_SOURCE = ("url_or_file", "source", "url", "file")


def expand_batch(path: Path, *, person_id: str | None = None) -> list[BatchItem]:
    """The submissions in a folder, a zip file, or a CSV of (person, url_or_file) rows.

    - folder: every badge-like file below it (json, jwt, jws, png, svg, txt), sorted;
    - zip: the same inside the archive, read in memory with entry-count, per-entry
      and total decompressed size limits from :func:`skills.config.settings`; entry
      names with ``..`` or absolute paths are refused (zip-slip), nothing is
      written to disk;
    - CSV (``.csv``): columns ``person_id`` (or ``person``) and ``url_or_file`` (or
      ``source``/``url``/``file``); a file path is taken relative to the CSV.
      Each row keeps its own person; ``person_id`` applies elsewhere.
    - any other file: that one badge.

    Raises :class:`ImportRowsError` for a CSV without the columns or with empty
    rows (every bad row listed), :class:`InputTooLarge` over a limit,
    :class:`InputError` for an unreadable archive.
    """
    from skills.errors import InputError, MalformedInput

    cfg = settings()
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _BADGE_SUFFIXES
        )
        if len(files) > cfg.max_batch_items:
            raise InputTooLarge(
                f"The folder holds {len(files):,} badges, over the limit of "
                f"{cfg.max_batch_items:,}."
            )
        return [BatchItem(f, person_id, str(f.relative_to(path))) for f in files]
    if not path.is_file():
        raise InputError(f"There is no file or folder {path}.")
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _expand_zip(path, person_id)
    if suffix == ".csv":
        return _expand_csv(path)
    if path.stat().st_size == 0:
        raise MalformedInput(f"{path.name} is empty.")
    return [BatchItem(path, person_id, path.name)]


def _expand_zip(path: Path, person_id: str | None) -> list[BatchItem]:
    from skills.errors import InputError

    cfg = settings()
    total_limit = cfg.max_upload_bytes * 10
    items: list[BatchItem] = []
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise InputError(f"{path.name} is not a readable zip file.") from err
    with archive:
        entries = [e for e in archive.infolist() if not e.is_dir()]
        if len(entries) > cfg.max_batch_items:
            raise InputTooLarge(
                f"{path.name} holds {len(entries):,} files, over the limit of "
                f"{cfg.max_batch_items:,}."
            )
        used = 0
        for entry in entries:
            name = entry.filename
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise InputError(f"{path.name} contains an unsafe path: {name!r}.")
            if PurePosixPath(name).suffix.lower() not in _BADGE_SUFFIXES or parts[-1].startswith(
                "."
            ):
                continue
            data = _read_bounded(archive, entry, cfg.max_upload_bytes + 1)
            used += len(data)
            if used > total_limit:
                raise InputTooLarge(f"{path.name} decompresses to more than {total_limit:,} bytes.")
            items.append(BatchItem(data, person_id, name))
    return items


def _read_bounded(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limit: int) -> bytes:
    """Read at most ``limit`` bytes of an entry, whatever its header claims.

    An entry cut at the limit is over the upload limit and is rejected as such
    when verified (bounded decompression: a zip bomb costs ``limit`` bytes).
    """
    with archive.open(entry) as handle:
        return handle.read(limit)


def _expand_csv(path: Path) -> list[BatchItem]:
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ImportRowsError(f"{path.name} is not UTF-8 text.", [(0, "not UTF-8")]) from err
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    person_col = next((c for c in _CSV_PERSON if c in header), None)
    source_col = next((c for c in _CSV_SOURCE if c in header), None)
    if person_col is None or source_col is None:
        raise ImportRowsError(
            f"{path.name} needs the columns person_id and url_or_file.",
            [
                (
                    1,
                    "missing column person_id"
                    if person_col is None
                    else "missing column url_or_file",
                )
            ],
        )
    items: list[BatchItem] = []
    problems: list[tuple[int, str]] = []
    for number, row in enumerate(reader, start=2):
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
        person = clean.get(person_col, "")
        source = clean.get(source_col, "")
        if not source:
            problems.append((number, "no URL or file"))
            continue
        label = f"row {number}: {source}"
        if source.lower().startswith(("http://", "https://")):
            items.append(BatchItem(source, person or None, label))
        else:
            folder = path.parent.resolve()
            target = (folder / source).resolve()
            if not target.is_relative_to(folder):
                problems.append((number, "a file outside the CSV's folder is not allowed"))
                continue
            items.append(BatchItem(target, person or None, label))
    if problems:
        raise ImportRowsError(
            f"{path.name} has {len(problems)} bad row(s); nothing was submitted.", problems
        )
    if len(items) > settings().max_batch_items:
        raise InputTooLarge(
            f"{path.name} lists {len(items):,} badges, over the limit of "
            f"{settings().max_batch_items:,}."
        )
    return items


# -- re-verification ------------------------------------------------------------------------


def _stored_source(raw: bytes) -> bytes | str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
    stripped = text.strip()
    if stripped.lower().startswith(("http://", "https://")) and "\n" not in stripped:
        return stripped
    return raw


def reverify(
    store: Store,
    *,
    actor: str = "reverify",
    client: httpx.Client | None = None,
    client_factory: Callable[[], httpx.Client] | None = None,
    now: datetime | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ReverifySummary:
    """Re-check every stored credential from its raw bytes (revocation and expiry change).

    Each credential's status, checks, summary and ``verified_at`` are updated; a
    changed status is appended to ``credential_status_history`` and the audit log.
    Credentials stored without raw bytes are skipped. One transaction per chunk.
    Raises :class:`StoreError` when the database refuses.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    total = int(store.scalar("SELECT count(*) FROM credentials WHERE raw IS NOT NULL") or 0)
    counts: Counter[str] = Counter()
    changes: list[tuple[str, str, str]] = []
    done = 0
    last = ""
    if progress:
        progress(0, total)
    while True:
        batch = store.rows(
            "SELECT credential_key, raw, person_id, status FROM credentials "
            "WHERE raw IS NOT NULL AND credential_key > ? ORDER BY credential_key LIMIT ?",
            [last, chunk_size],
        )
        if not batch:
            break
        last = batch[-1][0]
        identities = _identities(store, [r[2] for r in batch if r[2]])
        reports = verify_many(
            [_stored_source(bytes(r[1])) for r in batch],
            client=client,
            client_factory=client_factory,
            now=now,
            workers=workers,
        )
        rows: list[dict[str, Any]] = []
        chunk_changes: list[tuple[str, str, str, str | None, str]] = []
        for (key, _raw, person, old), report in zip(batch, reports, strict=True):
            if person is not None:
                keys = identities.get(person, _NOBODY)
                report = bind_recipient(report, keys.identities, keys.name)
            new = str(report.status)
            counts[new] += 1
            rows.append(
                {
                    "credential_key": key,
                    "status": new,
                    "summary": report.summary,
                    "checks": _checks_json(report),
                    "verified_at": _utc(report.verified_at),
                }
            )
            if new != old:
                chunk_changes.append((key, old, new, person, report.summary))

        def work(tx: Tx, rows: list[dict[str, Any]] = rows, ch: Any = chunk_changes) -> None:
            frame = pd.DataFrame(rows)
            frame["verified_at"] = pd.to_datetime(frame["verified_at"], utc=True)
            with tx.frame("_reverified", frame):
                tx.execute(
                    "UPDATE credentials SET status = r.status, summary = r.summary, "
                    "checks = r.checks, verified_at = r.verified_at FROM _reverified r "
                    "WHERE credentials.credential_key = r.credential_key"
                )
            for key, old, new, person, summary in ch:
                tx.execute(
                    "INSERT INTO credential_status_history VALUES (?, ?, ?, ?, ?)",
                    [key, old, new, moment, f"re-verified: {summary}"],
                )
                audit(
                    tx,
                    actor,
                    "credential.reverify",
                    key,
                    person_id=person,
                    detail={"old": old, "new": new},
                    at=moment,
                )

        store.run_write(work)
        changes.extend((k, o, n) for k, o, n, _, _ in chunk_changes)
        done += len(batch)
        if progress:
            progress(done, total)
    if changes or done:
        with store.write() as tx:
            audit(
                tx,
                actor,
                "reverify.run",
                None,
                detail={"checked": done, "changed": len(changes)},
                at=moment,
            )
    return ReverifySummary(checked=done, counts=dict(counts), changes=tuple(changes))
