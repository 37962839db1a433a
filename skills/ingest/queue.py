"""The ingest queue: how a batch reaches the database while the app holds it.

DuckDB lets one process open a database file read-write, and the running app is
that process. ``python -m skills ingest`` started meanwhile cannot open the file,
so instead of failing it *spools* the batch into a folder next to the database
(``<db>.queue/``, :func:`spool_dir_for`) and the app's background drainer
ingests it.

Spool layout::

    <db>.queue/
        .incoming-<id>/          being written (ignored; removed when stale)
        <stamp>-<id>/            ready: every item file, then manifest.json
            items/000000.bin ...
            manifest.json        {"version", "submitted_by", "created", "items": [...]}
        .failed/<stamp>-<id>/    entries that could not be ingested, with reason.txt

Crash safety:

- :func:`enqueue` writes the item files and the manifest (each flushed to disk)
  into an ``.incoming-`` folder and only then renames the folder to its ready
  name (an atomic rename on one file system). A writer killed half-way leaves an
  ``.incoming-`` folder that :func:`drain` never reads and removes once stale; a
  ready folder without a manifest is treated the same way.
- :func:`drain` ingests a ready entry with :func:`skills.ingest.ingest_batch`
  (one transaction per chunk, every write keyed) and removes the entry only after
  the whole batch committed. A drainer killed half-way leaves the entry; the next
  drain ingests it again, storing what is missing and counting the rest as
  duplicates, so nothing is lost and nothing is stored twice.

Public API: :func:`spool_dir_for`, :func:`enqueue`, :func:`pending`, :func:`drain`,
:func:`start_drainer`, :func:`open_or_enqueue`, and the frozen dataclasses
:class:`QueuedBatch` and :class:`QueuedItem`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from skills.config import DEFAULTS, LakeLocation, Settings
from skills.errors import DatabaseLocked, InputTooLarge, SkillAtlasError, StoreError
from skills.ingest import (
    CHUNK_SIZE,
    SUMMARY_KEYS,
    BatchItem,
    BatchSummary,
    IngestResult,
    ingest_batch,
)
from skills.store import Store, audit, open_store

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
INCOMING_PREFIX = ".incoming-"
FAILED_DIR = ".failed"
STALE_AFTER_SECONDS = 600.0
"""An ``.incoming-`` folder (or a ready one without manifest) older than this is a leftover."""

_DRAIN_LOCKS: dict[str, threading.Lock] = {}
_DRAIN_LOCKS_GUARD = threading.Lock()


@dataclass(frozen=True)
class QueuedItem:
    """One spooled submission: its file in the entry (or an original path), person and label.

    ``kind`` is ``bytes`` (a file's or an upload's bytes), ``text`` (text or a URL,
    handed back to the verifier as text), or ``path`` (a file over the upload limit,
    not copied: the verifier refuses it by size, or says it is gone).
    """

    kind: str
    file: str
    person_id: str | None
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class QueuedBatch:
    """A ready spool entry: where it is, who submitted it, and its items."""

    entry: Path
    batch_id: str
    submitted_by: str
    created: datetime
    items: tuple[QueuedItem, ...]

    @property
    def message(self) -> str:
        """The sentence the command line prints after queueing."""
        n = len(self.items)
        return (
            "The app is running and holds the database; the batch of "
            f"{n:,} item{'s' if n != 1 else ''} was queued ({self.batch_id}) and the app will "
            "ingest it; see the Admin page."
        )


def spool_dir_for(db_path: Path | str) -> Path:
    """The spool folder of a database file: ``<db>.queue`` beside it."""
    path = Path(db_path)
    return path.with_name(path.name + ".queue")


def _fsync_write(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _item_payload(source: bytes | str | Path, limit: int) -> tuple[str, bytes | None, int, str]:
    """(kind, bytes to spool or None, size, original path for ``path`` items)."""
    if isinstance(source, bytes):
        return "bytes", source, len(source), ""
    if isinstance(source, str):
        data = source.encode("utf-8", "surrogatepass")
        return "text", data, len(data), ""
    try:
        size = source.stat().st_size
    except OSError:
        return "path", None, 0, str(source.resolve())
    if size > limit:
        return "path", None, size, str(source.resolve())
    try:
        with source.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError:
        return "path", None, size, str(source.resolve())
    return "bytes", data, len(data), ""


def enqueue(
    spool_dir: Path,
    items: Sequence[BatchItem],
    *,
    submitted_by: str,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> QueuedBatch:
    """Spool a batch for the app to ingest; returns the ready entry.

    Every item is copied into the entry (files are read once, up to the upload
    limit; a file over the limit is recorded by path and refused by size when
    ingested). The entry becomes visible to :func:`drain` only when complete
    (temporary folder, flushed files, then one rename).

    Raises :class:`InputTooLarge` when there are more items than
    ``settings.max_batch_items`` (default :data:`skills.config.DEFAULTS`; nothing is
    written), :class:`StoreError` when the spool folder cannot be written.
    """
    cfg = settings or DEFAULTS
    if len(items) > cfg.max_batch_items:
        raise InputTooLarge(
            f"The batch has {len(items):,} items, over the limit of {cfg.max_batch_items:,}."
        )
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    batch_id = uuid.uuid4().hex[:12]
    ready_name = f"{moment.strftime('%Y%m%dT%H%M%S%fZ')}-{batch_id}"
    incoming = spool_dir / f"{INCOMING_PREFIX}{batch_id}"
    queued: list[QueuedItem] = []
    try:
        (incoming / "items").mkdir(parents=True)
        for n, item in enumerate(items):
            kind, data, size, original = _item_payload(item.source, cfg.max_upload_bytes)
            if data is not None:
                file = f"items/{n:06d}.bin"
                _fsync_write(incoming / file, data)
                digest = hashlib.sha256(data).hexdigest()
            else:
                file, digest = original, ""
            queued.append(QueuedItem(kind, file, item.person_id, item.name, size, digest))
        manifest = {
            "version": MANIFEST_VERSION,
            "batch_id": batch_id,
            "submitted_by": submitted_by,
            "created": moment.isoformat(),
            "items": [
                {
                    "kind": q.kind,
                    "file": q.file,
                    "person_id": q.person_id,
                    "name": q.name,
                    "size": q.size,
                    "sha256": q.sha256,
                }
                for q in queued
            ],
        }
        _fsync_write(incoming / MANIFEST, json.dumps(manifest, indent=1).encode("utf-8"))
        _fsync_dir(incoming / "items")
        _fsync_dir(incoming)
        ready = spool_dir / ready_name
        incoming.rename(ready)
        _fsync_dir(spool_dir)
    except OSError as err:
        shutil.rmtree(incoming, ignore_errors=True)
        raise StoreError(f"The batch could not be queued in {spool_dir}: {err}.") from err
    return QueuedBatch(ready, batch_id, submitted_by, moment, tuple(queued))


def _load(entry: Path) -> QueuedBatch:
    """Read a ready entry's manifest; raises ValueError/OSError/KeyError when unusable."""
    raw = json.loads((entry / MANIFEST).read_text("utf-8"))
    if not isinstance(raw, dict) or raw.get("version") != MANIFEST_VERSION:
        raise ValueError("unknown manifest version")
    items = tuple(
        QueuedItem(
            kind=str(i["kind"]),
            file=str(i["file"]),
            person_id=None if i.get("person_id") is None else str(i["person_id"]),
            name=str(i["name"]),
            size=int(i.get("size", 0)),
            sha256=str(i.get("sha256", "")),
        )
        for i in raw["items"]
    )
    for item in items:
        if item.kind not in ("bytes", "text", "path"):
            raise ValueError(f"unknown item kind {item.kind!r}")
        if item.kind != "path" and (Path(item.file).is_absolute() or ".." in Path(item.file).parts):
            raise ValueError(f"item file outside the entry: {item.file!r}")
    return QueuedBatch(
        entry=entry,
        batch_id=str(raw["batch_id"]),
        submitted_by=str(raw["submitted_by"]),
        created=datetime.fromisoformat(str(raw["created"])),
        items=items,
    )


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _ready_entries(spool_dir: Path, stale_after: float) -> list[Path]:
    """Ready entries in arrival order; stale leftovers of killed writers are removed."""
    if not spool_dir.is_dir():
        return []
    ready: list[Path] = []
    for entry in sorted(spool_dir.iterdir()):
        if not entry.is_dir() or entry.name == FAILED_DIR:
            continue
        complete = not entry.name.startswith(".") and (entry / MANIFEST).is_file()
        if complete:
            ready.append(entry)
        elif _age(entry) > stale_after:
            shutil.rmtree(entry, ignore_errors=True)
    return ready


def pending(spool_dir: Path) -> list[QueuedBatch]:
    """The batches waiting in ``spool_dir``, oldest first (for the Admin page).

    Half-written entries are not listed; unreadable manifests are skipped.
    Never raises for a missing folder (an empty list).
    """
    found: list[QueuedBatch] = []
    for entry in _ready_entries(spool_dir, float("inf")):
        try:
            found.append(_load(entry))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


def failed(spool_dir: Path) -> list[tuple[str, str]]:
    """Entries set aside because they could not be ingested: (entry name, reason)."""
    folder = spool_dir / FAILED_DIR
    if not folder.is_dir():
        return []
    out: list[tuple[str, str]] = []
    for entry in sorted(folder.iterdir()):
        reason_file = entry / "reason.txt"
        reason = reason_file.read_text("utf-8") if reason_file.is_file() else ""
        out.append((entry.name, reason))
    return out


def _set_aside(spool_dir: Path, entry: Path, reason: str) -> None:
    target = spool_dir / FAILED_DIR / entry.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(target, ignore_errors=True)
    entry.rename(target)
    (target / "reason.txt").write_text(reason + "\n", "utf-8")


def _batch_items(batch: QueuedBatch) -> list[BatchItem]:
    items: list[BatchItem] = []
    for q in batch.items:
        source: bytes | str | Path
        if q.kind == "path":
            source = Path(q.file)
        else:
            data = (batch.entry / q.file).read_bytes()
            source = data.decode("utf-8", "surrogatepass") if q.kind == "text" else data
        items.append(BatchItem(source, q.person_id, q.name))
    return items


def _drain_lock(spool_dir: Path) -> threading.Lock:
    key = str(spool_dir.resolve())
    with _DRAIN_LOCKS_GUARD:
        lock = _DRAIN_LOCKS.get(key)
        if lock is None:
            lock = _DRAIN_LOCKS[key] = threading.Lock()
        return lock


def drain(
    store: Store,
    spool_dir: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    client: httpx.Client | None = None,
    workers: int | None = None,
    chunk_size: int = CHUNK_SIZE,
    stale_after: float = STALE_AFTER_SECONDS,
    settings: Settings | None = None,
) -> BatchSummary:
    """Ingest every ready batch in ``spool_dir`` into ``store``, oldest first.

    Each batch goes through :func:`skills.ingest.ingest_batch` (``client``, ``workers``,
    ``chunk_size`` and ``settings`` are passed on) and its entry is removed only after the
    whole batch committed; one ``queue.ingest`` audit row records its counts. Re-running
    after a crash stores what is missing and counts the rest as duplicates.
    An entry whose manifest is unreadable, or that the ingest refuses as a whole
    (e.g. over the batch limit), is moved to ``.failed/`` with its reason.
    Stale half-written entries are removed. ``progress(done, total)`` counts
    items over all batches of this drain. One drain runs at a time per spool
    folder in this process (a second caller waits).

    Returns the combined summary (zero items when the queue is empty). Raises
    :class:`StoreError` when the database refuses a write (the entry stays queued).
    """
    with _drain_lock(spool_dir):
        batches: list[QueuedBatch] = []
        for entry in _ready_entries(spool_dir, stale_after):
            try:
                batches.append(_load(entry))
            except (OSError, ValueError, KeyError, TypeError) as err:
                _set_aside(spool_dir, entry, f"The queue entry is unreadable: {err}.")
        total = sum(len(b.items) for b in batches)
        results: list[IngestResult] = []
        done = 0
        if progress and total:
            progress(0, total)
        for batch in batches:
            base = done

            def batch_progress(n: int, _total: int, base: int = base) -> None:
                if progress:
                    progress(min(total, base + n), total)

            try:
                items = _batch_items(batch)
                summary = ingest_batch(
                    store,
                    items,
                    submitted_by=batch.submitted_by,
                    client=client,
                    workers=workers,
                    progress=batch_progress if progress else None,
                    chunk_size=chunk_size,
                    settings=settings,
                )
            except OSError as err:
                _set_aside(spool_dir, batch.entry, f"An item file could not be read: {err}.")
                continue
            except StoreError:
                raise
            except SkillAtlasError as err:
                _set_aside(spool_dir, batch.entry, str(err))
                continue
            with store.write() as tx:
                audit(
                    tx,
                    batch.submitted_by,
                    "queue.ingest",
                    batch.batch_id,
                    detail={"items": summary.total, **dict(summary.counts)},
                )
            shutil.rmtree(batch.entry, ignore_errors=True)
            results.extend(summary.results)
            done += len(batch.items)
        counts = Counter(r.outcome for r in results)
        return BatchSummary(
            total=len(results),
            counts={k: counts.get(k, 0) for k in SUMMARY_KEYS},
            results=tuple(results),
        )


class Drainer(threading.Thread):
    """A daemon thread draining a spool folder every ``interval`` seconds.

    ``last`` holds the summary of the latest drain that ingested something and
    ``error`` the sentence of the latest failure (None after a clean drain).
    :meth:`stop` ends it after the current drain. The thread also ends by itself
    when the store has been closed.
    """

    def __init__(
        self,
        store: Store,
        spool_dir: Path,
        interval: float,
        workers: int | None,
        client_factory: Callable[[], httpx.Client] | None,
        settings: Settings,
    ) -> None:
        super().__init__(name=f"skills-queue-drainer:{spool_dir.name}", daemon=True)
        self.store = store
        self.spool_dir = spool_dir
        self.interval = interval
        self.workers = workers
        self.client_factory = client_factory
        self.settings = settings
        self.last: BatchSummary | None = None
        self.error: str | None = None
        self.drained = 0
        self.ingested = threading.Event()
        """Set after the first drain that ingested something (for waiters: a signal)."""
        self._stop_event = threading.Event()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to end and wait up to ``timeout`` seconds for it."""
        self._stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                client = self.client_factory() if self.client_factory else None
                try:
                    summary = drain(
                        self.store,
                        self.spool_dir,
                        client=client,
                        workers=self.workers,
                        settings=self.settings,
                    )
                finally:
                    if client is not None:
                        client.close()
                self.error = None
                if summary.total:
                    self.last = summary
                    self.drained += summary.total
                    self.ingested.set()
            except StoreError as err:
                self.error = str(err)
                if "closed" in str(err):
                    return
            except Exception as err:  # a drainer thread must survive anything
                self.error = f"The ingest queue stopped on an unexpected error: {err!r}."
            self._stop_event.wait(self.interval)


def start_drainer(
    store: Store,
    spool_dir: Path | None = None,
    interval: float = 2.0,
    *,
    workers: int | None = None,
    client_factory: Callable[[], httpx.Client] | None = None,
    settings: Settings | None = None,
) -> Drainer:
    """Start (and return) a :class:`Drainer` for ``store``'s spool folder.

    ``spool_dir`` defaults to :func:`spool_dir_for` of the store's file. The app
    starts one per process (:mod:`skills.bootstrap`). ``workers`` (default
    ``settings.workers``) verification processes keep the signature checks off the
    server's interpreter, so browsing sessions stay responsive.
    """
    thread = Drainer(
        store,
        spool_dir or spool_dir_for(store.path),
        interval,
        workers,
        client_factory,
        settings or DEFAULTS,
    )
    thread.start()
    return thread


def open_or_enqueue(
    db_path: Path | str | LakeLocation,
    items: Sequence[BatchItem],
    *,
    submitted_by: str,
    wait: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
    settings: Settings | None = None,
) -> Store | QueuedBatch:
    """Open the database for a command-line ingest, or queue the batch for the app.

    Returns the open :class:`Store` when the file is free (the caller ingests
    and closes it). When another process (the running app) holds it past
    ``wait`` seconds, the batch is spooled with :func:`enqueue` into the
    database's spool folder and the :class:`QueuedBatch` returned (its
    ``message`` is the sentence to print). Raises what :func:`open_store` and
    :func:`enqueue` raise, except :class:`DatabaseLocked`.
    """
    if isinstance(db_path, LakeLocation):  # many processes write a lake: nothing to queue for
        return open_store(db_path)
    path = Path(db_path)
    try:
        return open_store(path, wait=wait, on_wait=on_wait)
    except DatabaseLocked:
        return enqueue(spool_dir_for(path), items, submitted_by=submitted_by, settings=settings)


def summary_line(summary: BatchSummary) -> str:
    """One sentence with a drain's counts, e.g. for a status line on the Admin page."""
    parts = [f"{n:,} {k.replace('_', ' ')}" for k, n in summary.counts.items() if n]
    return f"Ingested {summary.total:,} queued item(s): " + (", ".join(parts) or "nothing") + "."


__all__ = [
    "Drainer",
    "QueuedBatch",
    "QueuedItem",
    "drain",
    "enqueue",
    "failed",
    "open_or_enqueue",
    "pending",
    "spool_dir_for",
    "start_drainer",
    "summary_line",
]
