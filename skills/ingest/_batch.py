"""The entry points: one submission (:func:`ingest_one`) or many (:func:`ingest_batch`)."""

from __future__ import annotations

import contextlib
import functools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from skills.config import DEFAULTS, Settings
from skills.errors import InputTooLarge, StoreError
from skills.fetch import mirrored_client
from skills.ingest._mapping import mapper_fingerprint, skill_mapper
from skills.ingest._plan import (
    CHUNK_SIZE,
    SUMMARY_KEYS,
    BatchItem,
    BatchSummary,
    IngestResult,
    Mapper,
    Prepared,
)
from skills.ingest._prepare import (
    Person,
    identities_of,
    open_container,
    prepare,
    prepare_container,
    raw_of,
)
from skills.ingest._write import write_chunk, write_container
from skills.store import Store, Tx
from skills.verify import Report, verify, verify_many


def demo_mirror(store: Store) -> Path | None:
    """The hosted-files folder of a database built by ``python -m skills demo``, else None.

    Only such a database serves the demo issuers' ``.example`` hosts from files; on any
    other database their badges cannot be verified (their keys are published in the repo).
    """
    value = store.scalar("SELECT value FROM app_settings WHERE key = 'demo_hosted'")
    path = Path(str(value)) if value else None
    return path if path is not None and path.is_dir() else None


def client_factory_for(
    store: Store,
    client: httpx.Client | None,
    client_factory: Callable[[], httpx.Client] | None,
    settings: Settings,
) -> Callable[[], httpx.Client] | None:
    """``client_factory``, or for a demo database one serving its issuers' files (with the
    fetch limits of ``settings``)."""
    if client is not None or client_factory is not None:
        return client_factory
    mirror = demo_mirror(store)
    if mirror is None:
        return None
    return functools.partial(mirrored_client, str(mirror), settings=settings)


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
    settings: Settings | None = None,
) -> IngestResult:
    """Verify, map and store one submission in one transaction; see the module docstring.

    ``person_id`` files the badge under that person and binds its recipient to
    their identities; None stores it unbound. ``mapper`` defaults to
    :func:`skill_mapper`. ``settings`` gives the limits and verification settings
    (default: :data:`skills.config.DEFAULTS`). Never raises for a bad badge (the result
    says why); raises :class:`StoreError` when ``person_id`` is unknown or the database
    refuses the write.
    """
    cfg = settings or DEFAULTS
    label = name or (source.name if isinstance(source, Path) else "submission")
    item = BatchItem(source, person_id, label)
    identities = identities_of(store, [person_id] if person_id else [])
    if person_id is not None and person_id not in identities:
        raise StoreError(f"There is no person {person_id!r} in the database.")
    raw, size, to_verify = raw_of(source, cfg.max_upload_bytes)
    factory = client_factory_for(store, client, None, cfg)
    with contextlib.ExitStack() as stack:
        if factory is not None:
            client = stack.enter_context(factory())
        return _ingest_one(
            store, item, (raw, size), to_verify, identities, submitted_by, client, now, mapper, cfg
        )


def _ingest_one(
    store: Store,
    item: BatchItem,
    raw_size: tuple[bytes | None, int],
    to_verify: bytes | str | Path,
    identities: Mapping[str, Person],
    submitted_by: str,
    client: httpx.Client | None,
    now: datetime | None,
    mapper: Mapper | None,
    cfg: Settings,
) -> IngestResult:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    raw, size = raw_size
    opened = open_container(to_verify, client, now, settings=cfg)
    if opened is not None:
        wanted = any(r.credential is not None for r in opened.parts)
        use = mapper or (skill_mapper(store) if wanted else None)
        cp = prepare_container(item, (raw, size), opened, identities, use, submitted_by)
        stamp = mapper_fingerprint(use)
        return store.run_write(
            lambda tx: write_container(
                tx, cp, submitted_by=submitted_by, now=moment, settings=cfg, mapped_with=stamp
            )
        )
    report = verify(to_verify, client=client, now=now, settings=cfg)
    use_mapper = mapper or (skill_mapper(store) if report.credential is not None else None)
    prepared = prepare([item], [report], [(raw, size)], identities, use_mapper)

    def work(tx: Tx) -> list[IngestResult]:
        return write_chunk(
            tx,
            prepared,
            submitted_by=submitted_by,
            now=moment,
            settings=cfg,
            mapped_with=mapper_fingerprint(use_mapper),
        )

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
    settings: Settings | None = None,
) -> BatchSummary:
    """Verify, map and store many submissions; one transaction per chunk of ``chunk_size``.

    Verification runs in ``workers`` processes (:func:`skills.verify.verify_many`;
    with ``client`` given, in threads sharing it). Items naming an unknown person
    are rejected without verification. A bad item never stops the batch: each
    item's result and reason are in the summary. Re-running a batch (for example
    after the process was killed) stores what is missing and counts the rest as
    duplicates. ``progress(done, total)`` is called as items are stored.
    ``settings`` as for :func:`ingest_one`; it goes to every verification worker.
    Raises :class:`InputTooLarge` when there are more items than
    ``settings.max_batch_items``, :class:`StoreError` when the database refuses.
    """
    all_items = list(items)
    cfg = settings or DEFAULTS
    if len(all_items) > cfg.max_batch_items:
        raise InputTooLarge(
            f"The batch has {len(all_items):,} items, over the limit of {cfg.max_batch_items:,}."
        )
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    total = len(all_items)
    identities = identities_of(store, [i.person_id for i in all_items if i.person_id])
    client_factory = client_factory_for(store, client, client_factory, cfg)
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
            raw, size, source = raw_of(item.source, cfg.max_upload_bytes)
            raws.append((raw, size))
            if item.person_id is None or item.person_id in identities:
                to_verify.append((i, source))
        # CLR transcripts and presentations are opened here, each credential verified alone.
        opened = {
            i: u
            for i, s in to_verify
            if (u := open_container(s, client, now, client_factory, settings=cfg))
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
            settings=cfg,
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
        prepared = prepare(
            [chunk[i] for i in keep],
            [reports[i] for i in keep],
            [raws[i] for i in keep],
            identities,
            use_mapper,
        )
        groups = [
            prepare_container(chunk[i], raws[i], u, identities, use_mapper, submitted_by)
            for i, u in opened.items()
        ]

        stamp = mapper_fingerprint(use_mapper)

        def work(
            tx: Tx,
            prepared: list[Prepared] = prepared,
            groups: Any = groups,
            stamp: str | None = stamp,
        ) -> list[IngestResult]:
            out = write_chunk(
                tx,
                prepared,
                submitted_by=submitted_by,
                now=moment,
                settings=cfg,
                mapped_with=stamp,
            )
            for cp in groups:
                own = write_container(
                    tx, cp, submitted_by=submitted_by, now=moment, settings=cfg, mapped_with=stamp
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
