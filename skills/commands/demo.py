"""``python -m skills demo [--people N] [--candidates N] [--credentials N] [--seed S]
[--sample N] [--if-missing] [--hosted DIR] [--db PATH]``.

Builds the demo organisation into the database: people and teams, hosted issuer files,
badges issued, verified and stored. Exit 0 on success, 2 for usage errors.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from skills.commands._store import DEFAULT_WAIT, cli_settings, db_options, open_db
from skills.errors import StorageTooNew


@dataclass(frozen=True)
class DemoOptions:
    """The ``demo`` command's options (see its ``--help``)."""

    people: int = 400
    candidates: int | None = None
    credentials: int | None = None
    seed: int = 2026
    sample: int = 4000
    workers: int | None = None
    hosted: Path | None = None
    if_missing: bool = False
    db: Path | None = None
    wait: float = DEFAULT_WAIT


@click.command(
    "demo",
    short_help="build the demo organisation (people, issuers, verified badges)",
    help="Generate a deterministic demo organisation, issue its badges, verify "
    "them through the hosted issuers' files (no network) and store everything. "
    "Credentials beyond --sample are stored as pre-verified rows (benchmark sizes).",
)
@click.option("--people", type=int, default=400, metavar="N", help="employees (400)")
@click.option(
    "--candidates",
    type=int,
    default=None,
    metavar="N",
    help="external candidates (150, or 15% of --people when that is larger)",
)
@click.option(
    "--credentials",
    type=int,
    default=None,
    metavar="N",
    help="badges in all (4000, or 10 per employee when --people is larger)",
)
@click.option("--seed", type=int, default=2026, metavar="S", help="random seed (2026)")
@click.option(
    "--sample",
    type=int,
    default=4000,
    metavar="N",
    help="badges really signed and verified; the rest are bulk-loaded (4000)",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    metavar="N",
    help="verification processes (default: $SKILLS_WORKERS or every core)",
)
@click.option(
    "--hosted",
    type=click.Path(path_type=Path),
    default=None,
    metavar="DIR",
    help="where to write the hosted issuers' files (default: $SKILLS_DEMO_HOSTED "
    "or data/demo_hosted; with --db, a folder beside the database)",
)
@click.option(
    "--if-missing",
    is_flag=True,
    help="do nothing when the database already holds people",
)
@db_options()
def command(**options: Any) -> int:
    """Build the demo organisation (see :func:`run`)."""
    return run(DemoOptions(**options))


def hosted_root_for(args: DemoOptions) -> Path:
    """The hosted files folder for these arguments (see ``--hosted``): ``--hosted``, else
    ``$SKILLS_DEMO_HOSTED``, else ``<db name>_hosted`` beside a ``--db`` file, else
    :data:`skills.demo.DEFAULT_HOSTED_DIR`."""
    from skills.demo.client import DEFAULT_HOSTED_DIR

    if args.hosted is not None:
        return Path(args.hosted)
    if chosen := os.environ.get("SKILLS_DEMO_HOSTED"):
        return Path(chosen)
    if args.db is not None:
        db = Path(args.db)
        return db.parent / f"{db.stem}_hosted"
    return DEFAULT_HOSTED_DIR


def run(args: DemoOptions) -> int:
    """Build the demo into the database and print what it holds; exit 0, or 2 when
    ``--people`` is not positive."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
    from rich.table import Table

    from skills.demo import DemoConfig, build_demo

    console = Console(stderr=True)
    if args.people < 1:
        print("error: --people must be positive", file=sys.stderr)
        return 2
    candidates = (
        args.candidates if args.candidates is not None else max(150, args.people * 15 // 100)
    )
    credentials = args.credentials if args.credentials is not None else max(4000, args.people * 10)
    config = DemoConfig(
        people=args.people,
        candidates=candidates,
        credentials=credentials,
        seed=args.seed,
        signed_sample=max(0, args.sample),
    )
    hosted_root = hosted_root_for(args)
    try:
        app = open_db(args.db, args.wait)
    except StorageTooNew:  # a demo file of DuckDB 2.0: kept aside, and the demo rebuilt
        path = cli_settings(args.db).db_path
        aside = path.with_name(path.name + ".duckdb-2.0")
        path.replace(aside)
        console.print(
            f"The database {path} was written by DuckDB 2.0, which this version cannot read; "
            f"it was moved to {aside} and the demo is built again."
        )
        app = open_db(args.db, args.wait)
    store = app.store
    try:
        if args.if_missing and store.scalar("SELECT count(*) FROM people") and hosted_root.is_dir():
            _ensure_demo_accounts(console)
            console.print("The demo database already exists; nothing to do.")
            return 0
        labels = {
            "generate": "Issuing badges",
            "verify": "Verifying and storing",
            "load": "Loading pre-verified rows",
        }
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
                bar.update(tasks[stage], completed=done, total=total)

            result = build_demo(
                store,
                config,
                hosted_root=hosted_root,
                workers=args.workers,
                progress=progress,
                settings=app.settings,
            )
    finally:
        store.close()
    _ensure_demo_accounts(console)
    table = Table(title="Demo organisation")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("people", f"{result.people:,}")
    table.add_row("teams", f"{result.teams:,}")
    table.add_row("badges verified and stored", f"{result.submitted:,}")
    table.add_row("pre-verified rows loaded", f"{result.bulk_loaded:,}")
    for status, count in sorted(result.statuses.items()):
        table.add_row(f"credentials {status}", f"{count:,}")
    total = sum(result.seconds.values())
    table.add_row("seconds", f"{total:.1f}")
    Console().print(table)
    return 0


def _ensure_demo_accounts(console: Any) -> None:
    """Write the demo sign-in accounts (one per role, passwords in the README) unless an
    accounts file exists already (configured accounts are never overwritten), then print
    the demo accounts that still sign in with their demo password."""
    from skills.accounts import demo_sign_in_lines, write_demo_accounts
    from skills.config import settings
    from skills.demo.personas import PERSONA_NAMES, PERSONAS

    path = settings().accounts_path
    if not path.exists():
        write_demo_accounts(path, PERSONAS, PERSONA_NAMES)
        console.print(f"Demo sign-in accounts written to {path}.")
    for line in demo_sign_in_lines(path):
        console.print(line, highlight=False)
