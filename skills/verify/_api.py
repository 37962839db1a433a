"""``verify`` and ``verify_many``: detect the format, run its verifier, decide the verdict."""

from __future__ import annotations

import atexit
import hashlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from skills.config import DEFAULTS, Settings
from skills.errors import SkillAtlasError
from skills.fetch import default_client, shared_client
from skills.verify._context import FormatResult, Submission, VerifyContext
from skills.verify._model import (
    Check,
    CheckName,
    Report,
    decide,
    failed,
    merge_checks,
    passed,
)
from skills.verify._sources import detect_format, read_source

Source = bytes | str | dict[str, Any] | Path


def _source_bytes(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str):
        return source.encode("utf-8", "surrogatepass")
    if isinstance(source, Path):
        return b""  # read by read_source, hashed there
    import json

    return json.dumps(source, sort_keys=True, separators=(",", ":")).encode()


def _run_format(fmt: str, sub: Submission, ctx: VerifyContext) -> FormatResult:
    from skills.verify._envelopes import not_one_badge

    several = not_one_badge(sub)  # a CLR or a presentation: verify_all opens it
    if several is not None:
        return several
    if fmt.startswith("ob3"):
        from skills.verify.ob3 import verify_ob3

        return verify_ob3(sub, ctx)
    from skills.verify.ob2 import verify_ob2

    return verify_ob2(sub, ctx)


def verify(
    source: Source,
    *,
    recipient: str | None = None,
    recipient_name: str | None = None,
    client: httpx.Client | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> Report:
    """Verify one badge and return its :class:`Report`; never raises for bad input.

    ``source`` is bytes (JSON, compact JWS/JWT, PNG, SVG), a str (URL, JSON text
    or compact token), a parsed dict, or a Path to a file. Every fetch goes
    through ``client`` (default: the process-wide hardened client,
    :func:`skills.fetch.shared_client`, so a single call costs no client set-up).
    Unreadable input ends as an ``invalid`` report whose ``input`` check says why.
    ``recipient`` is the identity the submitter claims; ``recipient_name`` their name, which
    binds a credential that names its recipient only by name ("bound by name only").
    ``settings`` gives the upload size limit and the clock skew tolerance (default:
    :data:`skills.config.DEFAULTS`).
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    cfg = settings or DEFAULTS
    http = client or shared_client(cfg)
    ctx = VerifyContext(
        recipient=recipient,
        client=http,
        now=moment,
        clock_skew=timedelta(seconds=cfg.clock_skew_seconds),
        recipient_name=recipient_name,
    )
    checks: tuple[Check, ...]
    try:
        sub = read_source(source, client=http, max_bytes=cfg.max_upload_bytes)
    except SkillAtlasError as err:
        checks = (failed(CheckName.INPUT, str(err)),)
        return Report(
            decide(checks),
            "unknown",
            checks,
            None,
            hashlib.sha256(_source_bytes(source)).hexdigest(),
            moment,
        )
    # sub.raw is what was submitted; the source's own encoding only when it is empty.
    digest = hashlib.sha256(sub.raw or _source_bytes(source)).hexdigest()
    what = f"baked in a {sub.baked_in.upper()} image" if sub.baked_in else "read"
    input_check = passed(CheckName.INPUT, f"The badge was {what} successfully.")
    fmt = detect_format(sub, max_bytes=cfg.max_upload_bytes)
    try:
        result = _run_format(fmt, sub, ctx)
    except SkillAtlasError as err:
        checks = (input_check, failed(CheckName.STRUCTURE, str(err)))
        return Report(decide(checks), fmt, checks, None, digest, moment, sub.baked_in)
    except RecursionError:  # a safety net: every parser is depth-limited already
        message = "The badge nests its data too deeply to be read safely."
        checks = (input_check, failed(CheckName.STRUCTURE, message))
        return Report(decide(checks), fmt, checks, None, digest, moment, sub.baked_in)
    checks = merge_checks((input_check, *result.checks))
    return Report(
        decide(checks), result.format, checks, result.credential, digest, moment, sub.baked_in
    )


def verify_all(
    source: Source,
    *,
    recipient: str | None = None,
    recipient_name: str | None = None,
    client: httpx.Client | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> tuple[Report, ...]:
    """Verify one submission that may hold many badges; never raises for bad input.

    A plain badge gives a one-element tuple, the report of :func:`verify`. A CLR 2.0
    transcript or a verifiable presentation (:mod:`skills.verify._envelopes`) gives the
    container's own report first (``Report.container`` set), then one report per credential
    inside it, each verified on its own (``Report.part_of`` is the container's
    ``source_sha256``). Arguments are those of :func:`verify`.
    """
    from skills.verify._envelopes import unpack

    how: dict[str, Any] = {
        "recipient": recipient,
        "recipient_name": recipient_name,
        "client": client,
        "now": now,
        "settings": settings,
    }
    opened = unpack(source, **how)
    if opened is None:
        return (verify(source, **how),)
    return (opened.container, *opened.parts)


def _verify_chunk(
    items: list[tuple[Source, str | None]],
    now: datetime | None,
    client_factory: Callable[[], httpx.Client] | None,
    settings: Settings,
) -> list[Report]:
    client = client_factory() if client_factory else default_client(settings=settings)
    try:
        return [verify(s, recipient=r, client=client, now=now, settings=settings) for s, r in items]
    finally:
        client.close()


# ── the worker pool of verify_many ─────────────────────────────────────────────
#
# Starting processes, importing the verifiers and warming their caches (compiled JSON
# Schema validators, processed JSON-LD contexts, safe-mode shapes) costs more than
# verifying a few hundred badges, so one pool is kept per process and reused by every
# call: created on first use, replaced when a different size is asked for or when it
# broke, shut down at exit. Workers get the caller's :class:`Settings` with every chunk
# (never the environment), so a call's configuration is what its caller passed.

_POOL_LOCK = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def _warm_sample() -> bytes:
    """A signed OB 3.0 credential that exercises every check (``warm_sample.json``: a
    did:key issuer, signed once with ``skills.demo.signing``; no network, never expires)."""
    return (Path(__file__).resolve().parent / "warm_sample.json").read_bytes()


def _warm_worker() -> None:
    """Pool initializer: import every verifier and prime the per-process caches by
    verifying a locally signed sample credential (no network: a client that answers 404).
    Failures are ignored: warming is an optimisation, the first real badge does it anyway."""
    try:
        from skills.verify import _schema, ob2, ob3  # noqa: F401

        for kind in ("achievement", "endorsement"):
            _schema._validator(kind)
        with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404))) as http:
            verify(_warm_sample(), client=http)
    except Exception:  # pragma: no cover - best effort
        logging.getLogger(__name__).debug("Warming a verification worker failed.", exc_info=True)


def _pool_chunk(
    items: list[tuple[Source, str | None]],
    now: datetime | None,
    client_factory: Callable[[], httpx.Client] | None,
    settings: Settings,
) -> list[Report]:
    return _verify_chunk(items, now, client_factory, settings)


def _get_pool(n_workers: int) -> ProcessPoolExecutor:
    """The shared pool with ``n_workers`` processes, created (or re-created) as needed.

    fork is fastest, but forking a process that runs other threads (a Streamlit server)
    can copy a held lock into the child: a fork server (which imports skills once) is
    used there instead.
    """
    global _pool, _pool_size
    with _POOL_LOCK:
        if _pool is not None and _pool_size == n_workers:
            return _pool
        old, _pool = _pool, None
        if old is not None:
            # Let its work finish and its manager thread end, so this process can fork again.
            old.shutdown(wait=True, cancel_futures=False)
        if threading.active_count() == 1:
            mp: Any = multiprocessing.get_context("fork")
        else:
            mp = multiprocessing.get_context("forkserver")
            mp.set_forkserver_preload(["skills.verify._api"])
        _pool = ProcessPoolExecutor(n_workers, mp_context=mp, initializer=_warm_worker)
        _pool_size = n_workers
        return _pool


def _drop_pool(broken: ProcessPoolExecutor) -> None:
    global _pool, _pool_size
    with _POOL_LOCK:
        if _pool is broken:
            _pool, _pool_size = None, 0
    broken.shutdown(wait=False, cancel_futures=True)


def shutdown_pool() -> None:
    """Stop the worker processes of :func:`verify_many` (run at exit; tests may call it)."""
    global _pool, _pool_size
    with _POOL_LOCK:
        old, _pool, _pool_size = _pool, None, 0
    if old is not None:
        old.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_pool)


def _run_in_pool(
    chunks: list[list[tuple[Source, str | None]]],
    n_workers: int,
    now: datetime | None,
    client_factory: Callable[[], httpx.Client] | None,
    progress: Callable[[int, int], None] | None,
    total: int,
    settings: Settings,
) -> list[Report]:
    out: list[list[Report]] = [[] for _ in chunks]
    todo = list(range(len(chunks)))
    for attempt in range(2):
        pool = _get_pool(n_workers)
        try:
            pending = {
                pool.submit(_pool_chunk, chunks[i], now, client_factory, settings): i for i in todo
            }
        except (BrokenProcessPool, RuntimeError):
            _drop_pool(pool)
            if attempt:
                raise
            continue
        broken = False
        for done_chunk in as_completed(pending):
            idx = pending[done_chunk]
            try:
                out[idx] = done_chunk.result()
            except BrokenProcessPool:
                if attempt:
                    raise
                broken = True
                continue
            todo.remove(idx)
            if progress:
                progress(total - sum(len(chunks[i]) for i in todo), total)
        if not broken:
            break
        _drop_pool(pool)  # a worker died (killed, out of memory): retry the rest once
    return [r for part in out for r in part]


def verify_many(
    sources: Sequence[Source],
    *,
    recipients: Sequence[str | None] | None = None,
    client: httpx.Client | None = None,
    now: datetime | None = None,
    workers: int | None = None,
    client_factory: Callable[[], httpx.Client] | None = None,
    progress: Callable[[int, int], None] | None = None,
    settings: Settings | None = None,
) -> list[Report]:
    """Verify many badges; reports come back in the order of ``sources``.

    Without ``client`` the work is spread over ``workers`` processes (default: every
    core), each with its own client from ``client_factory`` (a picklable top-level
    function; default: the hardened client). With ``client`` the sources are verified
    in threads of this process sharing that client (network-bound work).
    ``progress(done, total)`` is called as chunks finish. ``settings`` (default:
    :data:`skills.config.DEFAULTS`) is sent to every worker with its work, and its
    ``workers`` is the default number of processes.
    """
    cfg = settings or DEFAULTS
    total = len(sources)
    recips: Sequence[str | None] = recipients if recipients is not None else [None] * total
    if len(recips) != total:
        raise ValueError("recipients must have one entry per source")
    n_workers = max(1, workers or cfg.workers or os.cpu_count() or 1)
    items = list(zip(sources, recips, strict=True))
    if total == 0:
        return []
    if client is not None and n_workers > 1:
        with ThreadPoolExecutor(max_workers=n_workers * 4) as threads:
            futures = [
                threads.submit(verify, s, recipient=r, client=client, now=now, settings=cfg)
                for s, r in items
            ]
            results: list[Report] = []
            for i, fut in enumerate(futures, 1):
                results.append(fut.result())
                if progress:
                    progress(i, total)
        return results
    if client is not None or n_workers == 1 or total < 8:
        local = client or (client_factory() if client_factory else default_client(settings=cfg))
        try:
            results = []
            for i, (s, r) in enumerate(items, 1):
                results.append(verify(s, recipient=r, client=local, now=now, settings=cfg))
                if progress and (i % 50 == 0 or i == total):
                    progress(i, total)
        finally:
            if client is None:
                local.close()
        return results
    # Enough chunks to balance the workers, big enough that dispatch costs little.
    size = max(8, min(250, -(-total // (n_workers * 4))))
    chunks = [items[i : i + size] for i in range(0, total, size)]
    return _run_in_pool(chunks, n_workers, now, client_factory, progress, total, cfg)
