"""``python -m skills ingest PATH... [--as PERSON] [--by ACTOR] [--db PATH] [--wait S]``.

Each PATH is a badge file (JSON, JWS/JWT, baked PNG/SVG), an http(s) URL, a
folder or zip of badge files, or a CSV of (person_id, url_or_file) rows. The
badges are verified, their skills mapped and everything stored; a summary table
follows, and one line per badge that did not end verified. Exit 0 when every
badge is verified (or already stored), 1 when any is not, 2 for usage errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from skills.commands._console import console, rich_escape
from skills.commands._store import cli_settings, db_options
from skills.config import Settings
from skills.errors import InputError
from skills.ingest import SUMMARY_KEYS, BatchItem, expand_batch, ingest_batch
from skills.ingest.queue import QueuedBatch, open_or_enqueue
from skills.ingest.shared_queue import enqueue
from skills.store import open_store


@click.command(
    "ingest",
    short_help="verify badges and store them with their skills (files, folders, zips, CSV, URLs)",
    help="Verify, map and store badges. PATH is a badge file, an http(s) URL, a "
    "folder or zip of badges, or a CSV with columns person_id and url_or_file (file paths "
    "relative to the CSV). Exit 0 when every badge is verified or already stored, 1 when "
    "any is not, 2 for usage errors. While the app is running it holds the database: "
    "then the batch is queued and the app ingests it (see its Admin page).",
)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--as",
    "person",
    default=None,
    metavar="PERSON",
    help="person_id the badges belong to (their recipient is checked against that "
    "person's identities); CSV rows name their own person",
)
@click.option("--by", default="cli", metavar="ACTOR", help="who submits (audit log)")
@click.option("--workers", type=int, default=None, help="verification processes")
@click.option(
    "--queue",
    "to_queue",
    is_flag=True,
    help="add the batch to the shared queue for the ingest workers "
    "(python -m skills ingest-worker) instead of ingesting it here",
)
@db_options(
    wait=5.0,
    wait_help="when another process holds the database, wait this long for it (default "
    "5); if it is still held (the app is running), the batch is queued for the app",
)
def command(
    paths: tuple[str, ...],
    person: str | None,
    by: str,
    workers: int | None,
    to_queue: bool,
    db: Path | None,
    wait: float,
) -> int:
    """Ingest the paths (see :func:`run`)."""
    return run(paths, db, wait, person=person, by=by, workers=workers, to_queue=to_queue)


def _items(paths: list[str], person: str | None, cfg: Settings) -> list[BatchItem]:
    items: list[BatchItem] = []
    for text in paths:
        if text.lower().startswith(("http://", "https://")):
            items.append(BatchItem(text, person, text))
            continue
        path = Path(text)
        if not path.exists():
            raise InputError(f"{text} is neither a file, a folder nor an http(s) URL.")
        items.extend(expand_batch(path, person_id=person, settings=cfg))
    return items


def run(
    paths: Sequence[str],
    db: Path | None,
    wait: float,
    *,
    person: str | None = None,
    by: str = "cli",
    workers: int | None = None,
    to_queue: bool = False,
) -> int:
    """Ingest the paths, or queue them for the running app (or, ``to_queue``, for the ingest
    workers); print a summary and one line per badge not verified. Exit 0 when all are
    verified or already stored (or queued), 1 otherwise."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
    from rich.table import Table

    cfg = cli_settings(db)
    items = _items(list(paths), person, cfg)
    out = console()
    err_console = console(stderr=True)
    if to_queue:
        with open_store(cfg.store_location, wait=max(0.0, wait)) as store:
            batch_id = enqueue(store, items, submitted_by=by, limit=cfg.max_upload_bytes)
        out.print(
            f"Queued {len(items):,} item(s) as batch {batch_id}; the ingest workers "
            "(python -m skills ingest-worker) will ingest them."
        )
        return 0
    target = open_or_enqueue(
        cfg.store_location,
        items,
        submitted_by=by,
        wait=max(0.0, wait),
        on_wait=lambda message: err_console.print(rich_escape(message)),
        settings=cfg,
    )
    if isinstance(target, QueuedBatch):
        out.print(rich_escape(target.message))
        return 0
    with (
        target as store,
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("ingesting", total=len(items))

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = ingest_batch(
            store, items, submitted_by=by, workers=workers, progress=progress, settings=cfg
        )
    table = Table(title=f"{summary.total} submission(s)")
    table.add_column("outcome")
    table.add_column("count", justify="right")
    for key in SUMMARY_KEYS:
        if summary.counts.get(key):
            table.add_row(key.replace("_", " "), str(summary.counts[key]))
    out.print(table)
    for result in summary.problems:
        name, reason = rich_escape(result.name), rich_escape(result.reason)
        out.print(f"  [bold]{name}[/bold]: {result.outcome}: {reason}")
    return 1 if summary.problems else 0
