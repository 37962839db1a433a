"""``verify`` and ``verify_many``: detect the format, run its verifier, decide the verdict."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from skills.config import settings
from skills.errors import SkillAtlasError
from skills.fetch import default_client
from skills.verify.context import FormatResult, Submission, VerifyContext
from skills.verify.model import Check, CheckName, Report, decide, failed, passed
from skills.verify.sources import detect_format, read_source

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
    if fmt.startswith("ob3"):
        from skills.verify.ob3 import verify_ob3

        return verify_ob3(sub, ctx)
    from skills.verify.ob2 import verify_ob2

    return verify_ob2(sub, ctx)


def verify(
    source: Source,
    *,
    recipient: str | None = None,
    client: httpx.Client | None = None,
    now: datetime | None = None,
) -> Report:
    """Verify one badge and return its :class:`Report`; never raises for bad input.

    ``source`` is bytes (JSON, compact JWS/JWT, PNG, SVG), a str (URL, JSON text
    or compact token), a parsed dict, or a Path to a file. Every fetch goes
    through ``client`` (default: the hardened client of :mod:`skills.fetch`).
    Unreadable input ends as an ``invalid`` report whose ``input`` check says why.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    own_client = client is None
    http = client or default_client()
    cfg = settings()
    ctx = VerifyContext(
        recipient=recipient,
        client=http,
        now=moment,
        clock_skew=timedelta(seconds=cfg.clock_skew_seconds),
    )
    raw = _source_bytes(source)
    checks: tuple[Check, ...]
    try:
        try:
            sub = read_source(source, client=http)
        except SkillAtlasError as err:
            checks = (failed(CheckName.INPUT, str(err)),)
            return Report(
                decide(checks), "unknown", checks, None, hashlib.sha256(raw).hexdigest(), moment
            )
        digest = hashlib.sha256(sub.raw or raw).hexdigest()
        what = f"baked in a {sub.baked_in.upper()} image" if sub.baked_in else "read"
        input_check = passed(CheckName.INPUT, f"The badge was {what} successfully.")
        fmt = detect_format(sub)
        try:
            result = _run_format(fmt, sub, ctx)
        except SkillAtlasError as err:
            checks = (input_check, failed(CheckName.STRUCTURE, str(err)))
            return Report(decide(checks), fmt, checks, None, digest, moment, sub.baked_in)
        checks = (input_check, *result.checks)
        return Report(
            decide(checks), result.format, checks, result.credential, digest, moment, sub.baked_in
        )
    finally:
        if own_client:
            http.close()


def _verify_chunk(
    items: list[tuple[Source, str | None]],
    now: datetime | None,
    client_factory: Callable[[], httpx.Client] | None,
) -> list[Report]:
    client = client_factory() if client_factory else default_client()
    try:
        return [verify(s, recipient=r, client=client, now=now) for s, r in items]
    finally:
        client.close()


def verify_many(
    sources: Sequence[Source],
    *,
    recipients: Sequence[str | None] | None = None,
    client: httpx.Client | None = None,
    now: datetime | None = None,
    workers: int | None = None,
    client_factory: Callable[[], httpx.Client] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Report]:
    """Verify many badges; reports come back in the order of ``sources``.

    Without ``client`` the work is spread over ``workers`` processes (default: every
    core), each with its own client from ``client_factory`` (a picklable top-level
    function; default: the hardened client). With ``client`` the sources are verified
    in threads of this process sharing that client (network-bound work).
    ``progress(done, total)`` is called as chunks finish.
    """
    total = len(sources)
    recips: Sequence[str | None] = recipients if recipients is not None else [None] * total
    if len(recips) != total:
        raise ValueError("recipients must have one entry per source")
    n_workers = max(1, workers or settings().workers or os.cpu_count() or 1)
    items = list(zip(sources, recips, strict=True))
    if total == 0:
        return []
    if client is not None and n_workers > 1:
        with ThreadPoolExecutor(max_workers=n_workers * 4) as threads:
            futures = [
                threads.submit(verify, s, recipient=r, client=client, now=now) for s, r in items
            ]
            results: list[Report] = []
            for i, fut in enumerate(futures, 1):
                results.append(fut.result())
                if progress:
                    progress(i, total)
        return results
    if client is not None or n_workers == 1 or total < 8:
        local = client or (client_factory or default_client)()
        try:
            results = []
            for i, (s, r) in enumerate(items, 1):
                results.append(verify(s, recipient=r, client=local, now=now))
                if progress and (i % 50 == 0 or i == total):
                    progress(i, total)
        finally:
            if client is None:
                local.close()
        return results
    # fork is fastest, but forking a process that runs other threads (a Streamlit
    # server) can copy a held lock into the child: use a fork server there.
    method = "fork" if threading.active_count() == 1 else "forkserver"
    size = max(4, min(200, total // (n_workers * 8) or 1))
    chunks = [items[i : i + size] for i in range(0, total, size)]
    out: list[list[Report]] = [[] for _ in chunks]
    done = 0
    with ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context(method)) as pool:
        pending = {
            pool.submit(_verify_chunk, chunk, now, client_factory): i
            for i, chunk in enumerate(chunks)
        }
        for done_chunk in as_completed(pending):
            idx = pending[done_chunk]
            out[idx] = done_chunk.result()
            done += len(chunks[idx])
            if progress:
                progress(done, total)
    return [r for part in out for r in part]
