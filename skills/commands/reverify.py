"""``python -m skills reverify [--by ACTOR] [--db PATH]``: re-check stored credentials.

Revocation and expiry change over time: every stored credential is verified
again from its raw bytes; status changes are recorded in the status history and
the audit log and become notices for their people, and skills mapped with an older
taxonomy or older organisation synonyms are mapped again. The same function runs in
the app on a schedule (``SKILLS_REVERIFY_EVERY_HOURS``); this command is for cron.
Exit 0 when nothing changed, 1 when some status changed.
"""

from __future__ import annotations

from pathlib import Path

import click

from skills.commands._store import db_options, open_db
from skills.ingest import reverify


@click.command(
    "reverify",
    short_help="re-check every stored credential and record status changes",
    help="Verify every stored credential again from its raw bytes (revocation and "
    "expiry change over time) and record what changed. Exit 0 when nothing changed, 1 "
    "when a status changed.",
)
@click.option("--by", default="reverify", metavar="ACTOR", help="who runs it (audit)")
@click.option("--workers", type=int, default=None, help="verification processes")
@db_options()
def command(by: str, workers: int | None, db: Path | None, wait: float) -> int:
    """Re-verify the stored credentials (see :func:`run`)."""
    return run(db, wait, by=by, workers=workers)


def run(db: Path | None, wait: float, *, by: str = "reverify", workers: int | None = None) -> int:
    """Re-verify and print the status changes; exit 0 when none, 1 when some."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    with open_db(db, wait) as app, Progress(console=console, transient=True) as bar:
        task = bar.add_task("re-verifying", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = reverify(
            app.store, actor=by, workers=workers, progress=progress, settings=app.settings
        )
    print(
        f"Re-verified {summary.checked} credentials; {len(summary.changes)} changed status; "
        f"{summary.remapped} had their skills mapped again."
    )
    for key, old, new in summary.changes:
        print(f"  {key}: {old} -> {new}")
    return 1 if summary.changes else 0
