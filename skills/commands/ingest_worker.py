"""``python -m skills ingest-worker [--once] [--poll S] [--claim N]``: drain the shared queue.

A long-running process that ingests what ``python -m skills ingest --queue`` (or the app)
put in the ``ingest_queue`` table (:mod:`skills.ingest.shared_queue`). Run several, on
several machines, against one lake (``SKILLS_STORE=ducklake``): each claims its own rows,
and rows of a worker that died are taken over. SIGTERM or Ctrl-C ends it after the
current claim.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from skills.commands._store import db_options, open_db
from skills.ingest import org_matcher
from skills.ingest.shared_queue import CLAIM_SIZE, QueueCounts, drain_shared, worker_name


@click.command(
    "ingest-worker",
    short_help="ingest what waits in the shared queue (run several against one lake)",
    help="Ingest the badges waiting in the shared queue (python -m skills ingest --queue), "
    "a claim at a time, until stopped (SIGTERM, Ctrl-C); with --once, until the queue is "
    "empty. Several workers may run at once against one lake (SKILLS_STORE=ducklake); "
    "rows claimed by a worker that died are taken over.",
)
@click.option("--once", is_flag=True, help="exit when the queue is empty")
@click.option(
    "--poll", type=float, default=2.0, metavar="SECONDS", help="wait between looks when idle"
)
@click.option("--claim", type=click.IntRange(1, 10_000), default=CLAIM_SIZE, help="items per claim")
@db_options()
def command(once: bool, poll: float, claim: int, db: Path | None, wait: float) -> int:
    """Drain the shared queue (see :func:`run`)."""
    return run(db, wait, once=once, poll=poll, claim=claim)


def run(
    db: Path | None, wait: float, *, once: bool = False, poll: float = 2.0, claim: int = CLAIM_SIZE
) -> int:
    """Drain the queue; print one line per claim to stderr and the totals at the end."""
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    name = worker_name()

    def progress(done: int, left: QueueCounts) -> None:
        print(
            f"{name}: {done:,} ingested here; {left.waiting:,} waiting, "
            f"{left.claimed:,} being ingested, {left.done:,} done",
            file=sys.stderr,
            flush=True,
        )

    def claimed(n: int) -> None:
        print(f"{name}: claimed {n:,} item(s)", file=sys.stderr, flush=True)

    with open_db(db, wait) as app:
        # Fit the skill matcher now (seconds), so the first claim waits for nothing but
        # verification; the line below says the worker is ready.
        org_matcher(app.store)
        print(f"{name}: draining the queue of {app.store.path}", file=sys.stderr, flush=True)
        totals = drain_shared(
            app.store,
            name=name,
            settings=app.settings,
            client_factory=app.client_factory(),
            claim_size=claim,
            stop=stop,
            idle=None if once else (lambda: not stop.wait(max(0.1, poll))),
            progress=progress,
            claimed=claimed,
        )
    summary = ", ".join(f"{k} {v:,}" for k, v in sorted(totals.items())) or "nothing"
    print(f"{name}: stopped; ingested {summary}", flush=True)
    return 0
