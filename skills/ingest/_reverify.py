"""Re-checking stored credentials from their raw bytes (revocation and expiry change), and
mapping their skills again when what they were mapped with changed."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from skills.config import DEFAULTS, Settings
from skills.errors import SkillAtlasError
from skills.ingest._batch import client_factory_for
from skills.ingest._fingerprint import mapping_fingerprint
from skills.ingest._mapping import SkillMapper, skill_mapper
from skills.ingest._plan import (
    CHUNK_SIZE,
    ChunkPlan,
    ReverifySummary,
    SkillRow,
    plan_reverify,
)
from skills.ingest._prepare import NOBODY, identities_of
from skills.ingest._write import apply_plan
from skills.store import Store, Tx, audit
from skills.verify import Report, bind_recipient, verify_many


def _stored_source(raw: bytes) -> bytes | str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
    stripped = text.strip()
    if stripped.lower().startswith(("http://", "https://")) and "\n" not in stripped:
        return stripped
    return raw


class ReverifyRunning(SkillAtlasError):
    """A re-verification is already running in this process (the schedule's, or an
    Admin's "Re-verify all"): a second one at once would record every change twice."""


#: Held while a re-verification runs in this process: one at a time.
_RUNNING = threading.Lock()


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
    settings: Settings | None = None,
) -> ReverifySummary:
    """Re-check every stored credential from its raw bytes (revocation and expiry change).

    Each credential's status, checks, summary and ``verified_at`` are updated; a
    changed status is appended to ``credential_status_history`` and the audit log, and
    becomes a notice for the credential's person. A credential whose ``mapped_with``
    differs from the current mapping fingerprint (ESCO, the organisation's skills,
    synonyms and review decisions) has its skills mapped again from the re-verified
    credential. Credentials stored without raw bytes are skipped. One transaction per
    chunk; one ``reverify.run`` audit entry at the end (the schedule reads it).
    ``settings`` goes to every verification worker (default:
    :data:`skills.config.DEFAULTS`). One run at a time per process: raises
    :class:`ReverifyRunning` at once, without waiting, while another runs. Each chunk is
    written only for credentials still stored and with the status it was read with
    (``apply_plan``): a badge withdrawn or erased meanwhile gets nothing back. Raises
    :class:`StoreError` when the database refuses.
    """
    if not _RUNNING.acquire(blocking=False):
        raise ReverifyRunning(
            "A re-verification is already running; its results will show when it ends."
        )
    try:
        return _reverify(
            store,
            actor=actor,
            client=client,
            client_factory=client_factory,
            now=now,
            workers=workers,
            progress=progress,
            chunk_size=chunk_size,
            settings=settings,
        )
    finally:
        _RUNNING.release()


def _reverify(
    store: Store,
    *,
    actor: str,
    client: httpx.Client | None,
    client_factory: Callable[[], httpx.Client] | None,
    now: datetime | None,
    workers: int | None,
    progress: Callable[[int, int], None] | None,
    chunk_size: int,
    settings: Settings | None,
) -> ReverifySummary:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    cfg = settings or DEFAULTS
    client_factory = client_factory_for(store, client, client_factory, cfg)
    total = int(store.scalar("SELECT count(*) FROM credentials WHERE raw IS NOT NULL") or 0)
    counts: Counter[str] = Counter()
    changes: list[tuple[str, str, str]] = []
    done = remaps = 0
    last = ""
    fingerprint = mapping_fingerprint(store)
    mapper: SkillMapper | None = None
    if progress:
        progress(0, total)
    while True:
        batch = store.rows(
            "SELECT credential_key, raw, person_id, status, mapped_with FROM credentials "
            "WHERE raw IS NOT NULL AND credential_key > ? ORDER BY credential_key LIMIT ?",
            [last, chunk_size],
        )
        if not batch:
            break
        last = batch[-1][0]
        identities = identities_of(store, [r[2] for r in batch if r[2]])
        reports = verify_many(
            [_stored_source(bytes(r[1])) for r in batch],
            client=client,
            client_factory=client_factory,
            now=now,
            workers=workers,
            settings=cfg,
        )
        bound: list[Report] = []
        remapped: dict[str, list[SkillRow]] = {}
        for (key, _raw, person, _old, mapped_with), report in zip(batch, reports, strict=True):
            if person is not None:
                keys = identities.get(person, NOBODY)
                report = bind_recipient(report, keys.identities, keys.name)
            bound.append(report)
            counts[str(report.status)] += 1
            if mapped_with != fingerprint and report.credential is not None:
                mapper = mapper or skill_mapper(store)
                remapped[key] = mapper(report.credential)
        plan = plan_reverify(
            [(k, o, p) for k, _, p, o, _ in batch],
            bound,
            now=moment,
            identities={pid: keys.identities for pid, keys in identities.items()},
            remapped=remapped,
            previous_skills=_mapped_skills(store, list(remapped)),
            mapped_with=mapper.fingerprint if mapper is not None else fingerprint,
        )

        def work(tx: Tx, plan: ChunkPlan = plan) -> None:
            apply_plan(tx, plan, actor=actor, now=moment)

        store.run_write(work)
        changes.extend(
            (h["credential_key"], h["old_status"], h["new_status"]) for h in plan.history
        )
        done += len(batch)
        remaps += len(remapped)
        if progress:
            progress(done, total)
    if changes or done:
        with store.write() as tx:
            audit(
                tx,
                actor,
                "reverify.run",
                None,
                detail={"checked": done, "changed": len(changes), "remapped": remaps},
                at=moment,
            )
    return ReverifySummary(
        checked=done, counts=dict(counts), changes=tuple(changes), remapped=remaps
    )


def _mapped_skills(store: Store, keys: list[str]) -> dict[str, frozenset[str]]:
    """The skills each credential of ``keys`` is mapped to now (before a re-map)."""
    found: dict[str, set[str]] = {k: set() for k in keys}
    if keys:
        for key, uri in store.rows(
            "SELECT credential_key, skill_uri FROM credential_skills "
            "WHERE credential_key = ANY(?) AND skill_uri IS NOT NULL",
            [keys],
        ):
            found[str(key)].add(str(uri))
    return {k: frozenset(v) for k, v in found.items()}
