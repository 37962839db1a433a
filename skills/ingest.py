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

import contextlib
import csv
import functools
import hashlib
import io
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
from skills.fetch import mirrored_client
from skills.ingest_plan import (
    BatchItem,
    ChunkPlan,
    IngestResult,
    Mapper,
    Prepared,
    SkillRow,
    Stored,
    checks_json,
    lookup_keys,
    plan_chunk,
    plan_reverify,
)
from skills.store import Store, Tx, audit, sync_skills
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

    def mapper(credential: Credential) -> list[SkillRow]:
        rows: list[SkillRow] = []
        for m in map_credential(credential, matcher):
            rows.append(
                SkillRow(
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


def _prepare(
    items: Sequence[BatchItem],
    reports: Sequence[Report | None],
    raws: Sequence[tuple[bytes | None, int]],
    identities: Mapping[str, _Person],
    mapper: Mapper | None,
) -> list[Prepared]:
    out: list[Prepared] = []
    for item, report, (raw, size) in zip(items, reports, raws, strict=True):
        if report is None:
            reason = f"There is no person {item.person_id!r} to file this badge under."
            out.append(Prepared(item, raw, size, None, (), reason))
            continue
        person = _NOBODY
        if item.person_id is not None:
            person = identities.get(item.person_id, _NOBODY)
            report = bind_recipient(report, person.identities, person.name)
        if report.credential is None:
            out.append(Prepared(item, raw, size, report, (), None))
            continue
        rows = tuple(mapper(report.credential)) if mapper is not None else ()
        out.append(Prepared(item, raw, size, report, rows, None, identities=person.identities))
    return out


# -- writing --------------------------------------------------------------------------


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _write_chunk(
    tx: Tx, prepared: Sequence[Prepared], *, submitted_by: str, now: datetime
) -> list[IngestResult]:
    """Read what the plan needs, plan the chunk (:func:`plan_chunk`), apply it."""
    keys = lookup_keys(prepared, submitted_by=submitted_by)
    stored = {
        str(k): Stored(str(k), str(st), pid, iid)
        for k, st, pid, iid in tx.rows(
            "SELECT credential_key, status, person_id, issuer_id FROM credentials "
            "WHERE list_contains(?, credential_key)",
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
            "WHERE submitted_by = ? AND list_contains(?, sha256)",
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
        max_rejected_per_day=settings().max_rejected_per_day,
    )
    apply_plan(tx, plan, actor=submitted_by, now=now)
    return plan.results


def apply_plan(tx: Tx, plan: ChunkPlan, *, actor: str, now: datetime) -> None:
    """Write what ``plan`` says, by column name; decides nothing. Audit rows are ``actor``'s."""
    if plan.issuers:
        tx.insert_frame("issuers", pd.DataFrame(plan.issuers), on_conflict="nothing")
    if plan.achievements:
        tx.insert_frame("achievements", pd.DataFrame(plan.achievements), on_conflict="nothing")
    if plan.credentials:
        tx.insert_frame("credentials", _credentials_frame(plan.credentials))
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
                "WHERE credentials.credential_key = u.credential_key"
            )
    for link in plan.container_links:
        tx.execute(
            "UPDATE credentials SET container_key = ? WHERE credential_key = ? "
            "AND container_key IS NULL",
            [link["container_key"], link["credential_key"]],
        )
    if plan.history:
        tx.insert_frame("credential_status_history", _history_frame(plan.history))
    if plan.rejected:
        frame = pd.DataFrame(plan.rejected)
        frame["received_at"] = pd.to_datetime(frame["received_at"], utc=True)
        frame["raw"] = pd.Series([r["raw"] for r in plan.rejected], dtype="object")
        tx.insert_frame("rejected_submissions", frame)
    for entry in plan.reviews:
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
    for a in plan.audits:
        audit(tx, actor, a.action, a.subject, person_id=a.person_id, detail=a.detail, at=now)


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
    parts: tuple[Prepared, ...]


def _open_container(
    source: bytes | str | Path,
    client: httpx.Client | None,
    now: datetime | None,
    client_factory: Callable[[], httpx.Client] | None = None,
) -> Unpacked | None:
    """The verified container when ``source`` is a CLR or a presentation, else None."""
    from skills.verify.envelopes import might_hold_many, unpack

    if not might_hold_many(source):
        return None
    if client is None and client_factory is not None:
        with client_factory() as own:
            return unpack(source, client=own, now=now)
    return unpack(source, client=client, now=now)


def container_key(report: Report, owner: str) -> str:
    """Where a CLR or presentation is stored: its signer and its own id when its own proof
    verified (as :func:`skills.ingest_plan.claim_key` for a badge), else ``sha256:`` + its
    content hash + ``@`` + ``owner`` (the person it is filed under, else the submitter), so
    an unsigned or forged container claims no id and tells nothing about anybody else's."""
    info = report.container
    if report.status is Status.VERIFIED and info is not None and info.id and info.id.strip():
        return f"{info.issuer or info.holder or ''} {info.id.strip()}"
    return f"sha256:{report.source_sha256}@{owner}"


def _prepare_container(
    item: BatchItem,
    raw: tuple[bytes | None, int],
    opened: Unpacked,
    identities: Mapping[str, Any],
    mapper: Mapper | None,
    submitted_by: str,
) -> _ContainerPrep:
    """Each credential inside becomes an item of the same person, named after the
    upload and its badge, bound to that person like any badge and linked to the container."""
    key = container_key(opened.container, item.person_id or submitted_by)
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
    if found and person is not None and person != item.person_id:
        # The same signed container is on record for someone else: it stays theirs, and this
        # result says nothing about them; each badge inside is still bound and stored alone.
        parts = _write_chunk(tx, cp.parts, submitted_by=submitted_by, now=now)
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
                cp.raw if cp.raw is not None and cp.size <= limit else None,
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
    parts = _write_chunk(tx, cp.parts, submitted_by=submitted_by, now=now)
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


def demo_mirror(store: Store) -> Path | None:
    """The hosted-files folder of a database built by ``python -m skills demo``, else None.

    Only such a database serves the demo issuers' ``.example`` hosts from files; on any
    other database their badges cannot be verified (their keys are published in the repo).
    """
    value = store.scalar("SELECT value FROM app_settings WHERE key = 'demo_hosted'")
    path = Path(str(value)) if value else None
    return path if path is not None and path.is_dir() else None


def _client_factory_for(
    store: Store,
    client: httpx.Client | None,
    client_factory: Callable[[], httpx.Client] | None,
) -> Callable[[], httpx.Client] | None:
    """``client_factory``, or for a demo database one serving its issuers' files."""
    if client is not None or client_factory is not None:
        return client_factory
    mirror = demo_mirror(store)
    return None if mirror is None else functools.partial(mirrored_client, str(mirror))


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
    label = name or (source.name if isinstance(source, Path) else "submission")
    item = BatchItem(source, person_id, label)
    identities = _identities(store, [person_id] if person_id else [])
    if person_id is not None and person_id not in identities:
        raise StoreError(f"There is no person {person_id!r} in the database.")
    limit = settings().max_upload_bytes
    raw, size, to_verify = _raw_of(source, limit)
    factory = _client_factory_for(store, client, None)
    with contextlib.ExitStack() as stack:
        if factory is not None:
            client = stack.enter_context(factory())
        return _ingest_one(
            store, item, (raw, size), to_verify, identities, submitted_by, client, now, mapper
        )


def _ingest_one(
    store: Store,
    item: BatchItem,
    raw_size: tuple[bytes | None, int],
    to_verify: bytes | str | Path,
    identities: Mapping[str, _Person],
    submitted_by: str,
    client: httpx.Client | None,
    now: datetime | None,
    mapper: Mapper | None,
) -> IngestResult:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    limit = settings().max_upload_bytes
    raw, size = raw_size
    opened = _open_container(to_verify, client, now)
    if opened is not None:
        wanted = any(r.credential is not None for r in opened.parts)
        cp = _prepare_container(
            item,
            (raw, size),
            opened,
            identities,
            mapper or (skill_mapper(store) if wanted else None),
            submitted_by,
        )
        return store.run_write(
            lambda tx: _write_container(tx, cp, submitted_by=submitted_by, now=moment, limit=limit)
        )
    report = verify(to_verify, client=client, now=now)
    use_mapper = mapper or (skill_mapper(store) if report.credential is not None else None)
    prepared = _prepare([item], [report], [(raw, size)], identities, use_mapper)

    def work(tx: Tx) -> list[IngestResult]:
        return _write_chunk(tx, prepared, submitted_by=submitted_by, now=moment)

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
    client_factory = _client_factory_for(store, client, client_factory)
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
        opened = {
            i: u for i, s in to_verify if (u := _open_container(s, client, now, client_factory))
        }
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
            _prepare_container(chunk[i], raws[i], u, identities, use_mapper, submitted_by)
            for i, u in opened.items()
        ]

        def work(
            tx: Tx, prepared: list[Prepared] = prepared, groups: Any = groups
        ) -> list[IngestResult]:
            out = _write_chunk(tx, prepared, submitted_by=submitted_by, now=moment)
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
    client_factory = _client_factory_for(store, client, client_factory)
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
        bound: list[Report] = []
        for (_key, _raw, person, _old), report in zip(batch, reports, strict=True):
            if person is not None:
                keys = identities.get(person, _NOBODY)
                report = bind_recipient(report, keys.identities, keys.name)
            bound.append(report)
            counts[str(report.status)] += 1
        plan = plan_reverify(
            [(k, o, p) for k, _, p, o in batch],
            bound,
            now=moment,
            identities={pid: keys.identities for pid, keys in identities.items()},
        )

        def work(tx: Tx, plan: ChunkPlan = plan) -> None:
            apply_plan(tx, plan, actor=actor, now=moment)

        store.run_write(work)
        changes.extend(
            (h["credential_key"], h["old_status"], h["new_status"]) for h in plan.history
        )
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


__all__ = [
    "CHUNK_SIZE",
    "SUMMARY_KEYS",
    "BatchItem",
    "BatchSummary",
    "IngestResult",
    "Mapper",
    "ReverifySummary",
    "SkillRow",
    "apply_plan",
    "bind_recipient",
    "container_key",
    "demo_mirror",
    "expand_batch",
    "ingest_batch",
    "ingest_one",
    "reverify",
    "skill_mapper",
]
