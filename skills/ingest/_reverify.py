"""Re-checking stored credentials from their raw bytes (revocation and expiry change)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from skills.config import DEFAULTS, Settings
from skills.ingest._batch import client_factory_for
from skills.ingest._plan import (
    CHUNK_SIZE,
    ChunkPlan,
    ReverifySummary,
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
    changed status is appended to ``credential_status_history`` and the audit log.
    Credentials stored without raw bytes are skipped. One transaction per chunk.
    ``settings`` goes to every verification worker (default:
    :data:`skills.config.DEFAULTS`). Raises :class:`StoreError` when the database refuses.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    cfg = settings or DEFAULTS
    client_factory = client_factory_for(store, client, client_factory, cfg)
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
        for (_key, _raw, person, _old), report in zip(batch, reports, strict=True):
            if person is not None:
                keys = identities.get(person, NOBODY)
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
