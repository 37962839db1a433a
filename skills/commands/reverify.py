"""``python -m skills reverify [--by ACTOR] [--db PATH]``: re-check stored credentials.

Revocation and expiry change over time: every stored credential is verified
again from its raw bytes; status changes are recorded in the status history and
the audit log. Exit 0 when nothing changed, 1 when some status changed.
"""

from __future__ import annotations

import argparse
from typing import Any

from skills.commands._store import add_db_options, open_from_args
from skills.ingest import reverify


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "reverify",
        help="re-check every stored credential and record status changes",
        description="Verify every stored credential again from its raw bytes (revocation and "
        "expiry change over time) and record what changed. Exit 0 when nothing changed, 1 "
        "when a status changed.",
    )
    p.add_argument("--by", default="reverify", metavar="ACTOR", help="who runs it (audit)")
    p.add_argument("--workers", type=int, default=None, help="verification processes")
    add_db_options(p)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    with open_from_args(args) as store, Progress(console=console, transient=True) as bar:
        task = bar.add_task("re-verifying", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = reverify(store, actor=args.by, workers=args.workers, progress=progress)
    print(f"Re-verified {summary.checked} credentials; {len(summary.changes)} changed status.")
    for key, old, new in summary.changes:
        print(f"  {key}: {old} -> {new}")
    return 1 if summary.changes else 0
