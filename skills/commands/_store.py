"""Options and store opening shared by the commands that use the database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from skills.store import Store, open_store

DEFAULT_WAIT = 60.0


def add_db_options(
    parser: Any, *, wait: float = DEFAULT_WAIT, wait_help: str | None = None
) -> None:
    """``--db PATH`` and ``--wait SECONDS`` (default ``wait``; ``wait_help`` replaces the help)."""
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="PATH",
        help="the DuckDB file (default: $SKILLS_DB or data/skillatlas.duckdb)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=wait,
        metavar="SECONDS",
        help=wait_help
        or "when another process (the running app) holds the database, wait this long "
        f"for it before giving up (default {wait:g}); DuckDB allows one process "
        "per file, so stop the app or ingest through its Submit page",
    )


def open_from_args(args: argparse.Namespace, *, read_only: bool = False) -> Store:
    """Open the store named by ``--db``, telling stderr when it has to wait for the lock.

    Raises :class:`~skills.errors.DatabaseLocked` when the wait runs out.
    """

    def tell(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    return open_store(args.db, read_only=read_only, wait=max(0.0, args.wait), on_wait=tell)
