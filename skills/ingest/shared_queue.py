"""The shared ingest queue: a table every ingest worker drains (``ingest_queue``, issue 17).

On a lake (:mod:`skills.store._lake`) several processes on several machines write one
store, so a batch need not be ingested by the process that received it:
``python -m skills ingest --queue`` (or anything calling :func:`enqueue`) adds its items
to the table, and every ``python -m skills ingest-worker`` takes them in claims of
:data:`CLAIM_SIZE`, ingests each claim with :func:`skills.ingest.ingest_batch` and marks
its rows done.

Exactly once, and nothing lost:

- A claim is made in one write transaction (writers take turns on a lake), so two
  workers never claim the same row.
- Ingestion itself is keyed (the idempotency key of every credential), so an item
  ingested twice is stored once and counted a duplicate the second time.
- A worker holds a liveness lock under its name (:meth:`Store.hold_name`) for as long as
  it runs; on a lake that is a PostgreSQL session lock, released when the process dies,
  however it dies. Rows claimed by a worker that is no longer alive are claimed again by
  the next worker that looks, so a worker killed mid-claim loses nothing.

Public API: :func:`enqueue`, :func:`counts`, :func:`drain_shared`, :class:`QueueCounts`.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pandas as pd

from skills.config import DEFAULTS, Settings
from skills.ingest._batch import ingest_batch
from skills.ingest._plan import BatchItem
from skills.store import Store, Tx

#: Items one worker claims at a time: large enough to keep its verification processes
#: busy, small enough that a second worker finds work in a large batch.
CLAIM_SIZE = 250


@dataclass(frozen=True)
class QueueCounts:
    """Rows of the queue: waiting (unclaimed), claimed (being ingested) and done."""

    waiting: int
    claimed: int
    done: int


def worker_name() -> str:
    """A name no other worker has: host, process id and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def enqueue(
    store: Store,
    items: Sequence[BatchItem],
    *,
    submitted_by: str,
    now: datetime | None = None,
    limit: int = DEFAULTS.max_upload_bytes,
) -> str:
    """Add ``items`` to the queue as one batch and return its id. A file path is read now
    (the worker may run on another machine), at most ``limit`` + 1 bytes of it (the
    verifier refuses anything over the upload limit by its size); text stays text."""
    batch_id = f"{(now or datetime.now(UTC)):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    rows = []
    for position, item in enumerate(items):
        source = item.source
        kind = "text" if isinstance(source, str) else "bytes"
        payload = (
            source.encode("utf-8")
            if isinstance(source, str)
            else _head(source, limit)
            if isinstance(source, Path)
            else source
        )
        rows.append(
            {
                "item_id": f"{batch_id}:{position}",
                "batch_id": batch_id,
                "position": position,
                "kind": kind,
                "payload": payload,
                "person_id": item.person_id,
                "name": item.name,
                "submitted_by": submitted_by,
                "enqueued_at": moment,
            }
        )
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["payload"] = pd.Series([r["payload"] for r in rows], dtype="object")
        frame["enqueued_at"] = pd.to_datetime(frame["enqueued_at"], utc=True)
        store.run_write(lambda tx: tx.insert_frame("ingest_queue", frame))
    return batch_id


def _head(path: Path, limit: int) -> bytes:
    with path.open("rb") as handle:
        return handle.read(limit + 1)


def counts(store: Store) -> QueueCounts:
    """How many rows wait, are being ingested, and are done."""
    row = store.rows(
        "SELECT count(*) FILTER (WHERE claimed_by IS NULL AND done_at IS NULL), "
        "count(*) FILTER (WHERE claimed_by IS NOT NULL AND done_at IS NULL), "
        "count(*) FILTER (WHERE done_at IS NOT NULL) FROM ingest_queue"
    )[0]
    return QueueCounts(int(row[0]), int(row[1]), int(row[2]))


def _claim(store: Store, name: str, size: int, now: datetime) -> list[tuple[object, ...]]:
    """Release the rows of workers that are gone, then claim up to ``size`` waiting rows
    of the oldest batch first."""

    def work(tx: Tx) -> list[tuple[object, ...]]:
        owners = tx.rows(
            "SELECT DISTINCT claimed_by FROM ingest_queue "
            "WHERE claimed_by IS NOT NULL AND done_at IS NULL"
        )
        gone = [str(o) for (o,) in owners if str(o) != name and not store.name_alive(str(o))]
        if gone:
            tx.execute(
                "UPDATE ingest_queue SET claimed_by = NULL, claimed_at = NULL "
                "WHERE claimed_by = ANY(?) AND done_at IS NULL",
                [gone],
            )
        rows = tx.rows(
            "SELECT item_id, kind, payload, person_id, name, submitted_by FROM ingest_queue "
            "WHERE claimed_by IS NULL AND done_at IS NULL "
            "ORDER BY enqueued_at, batch_id, position LIMIT ?",
            [size],
        )
        if rows:
            tx.execute(
                "UPDATE ingest_queue SET claimed_by = ?, claimed_at = ? WHERE item_id = ANY(?)",
                [name, now, [r[0] for r in rows]],
            )
        return rows

    return store.run_write(work)


def _item(kind: object, payload: object, person_id: object, name: object) -> BatchItem:
    data = bytes(payload)  # type: ignore[call-overload]
    source: bytes | str = data.decode("utf-8") if kind == "text" else data
    return BatchItem(source, None if person_id is None else str(person_id), str(name))


def drain_shared(
    store: Store,
    *,
    name: str | None = None,
    settings: Settings | None = None,
    client_factory: Callable[[], httpx.Client] | None = None,
    claim_size: int = CLAIM_SIZE,
    stop: threading.Event | None = None,
    idle: Callable[[], bool] | None = None,
    progress: Callable[[int, QueueCounts], None] | None = None,
    claimed: Callable[[int], None] | None = None,
) -> Counter[str]:
    """Claim and ingest until the queue is empty, then ask ``idle()``: True waits for more
    (it should block a while, e.g. on ``stop``), False (or no ``idle``) returns. Returns
    counts per outcome of the items this worker ingested. ``claimed(n)`` once a claim of
    ``n`` rows is committed, ``progress(done_here, counts)`` once it is ingested. ``stop``
    set ends the loop after the current claim.
    """
    me = name or worker_name()
    store.hold_name(me)
    totals: Counter[str] = Counter()
    done_here = 0
    while stop is None or not stop.is_set():
        rows = _claim(store, me, claim_size, datetime.now(UTC))
        if not rows:
            if idle is not None and idle():
                continue
            break
        if claimed is not None:
            claimed(len(rows))
        by_account: dict[str, list[tuple[str, BatchItem]]] = {}
        for item_id, kind, payload, person_id, label, submitted_by in rows:
            by_account.setdefault(str(submitted_by), []).append(
                (str(item_id), _item(kind, payload, person_id, label))
            )
        for account, entries in by_account.items():
            summary = ingest_batch(
                store,
                [item for _, item in entries],
                submitted_by=account,
                client_factory=client_factory,
                settings=settings or DEFAULTS,
            )
            outcomes = [r.outcome for r in summary.results]
            totals.update(outcomes)
            finished = pd.DataFrame(
                {"item_id": [i for i, _ in entries], "outcome": outcomes},
            )
            moment = datetime.now(UTC)

            def mark(tx: Tx, finished: pd.DataFrame = finished, moment: datetime = moment) -> None:
                with tx.frame("_finished", finished):
                    tx.execute(
                        "UPDATE ingest_queue SET done_at = ?, outcome = f.outcome "
                        "FROM _finished f WHERE ingest_queue.item_id = f.item_id",
                        [moment],
                    )

            store.run_write(mark)
            done_here += len(entries)
        if progress is not None:
            progress(done_here, counts(store))
    return totals
