"""Options and store opening shared by the commands that use the database."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from skills.bootstrap import Application, open_application
from skills.config import Settings, settings

DEFAULT_WAIT = 60.0

F = TypeVar("F", bound=Callable[..., Any])


def db_options(*, wait: float = DEFAULT_WAIT, wait_help: str | None = None) -> Callable[[F], F]:
    """Add ``--db PATH`` and ``--wait SECONDS`` to a click command (parameters ``db`` and
    ``wait``; ``wait`` defaults to ``wait``, and ``wait_help`` replaces its help)."""

    def decorate(function: F) -> F:
        function = click.option(
            "--wait",
            type=float,
            default=wait,
            metavar="SECONDS",
            help=wait_help
            or "when another process (the running app) holds the database, wait this long "
            f"for it before giving up (default {wait:g}); DuckDB allows one process "
            "per file, so stop the app or ingest through its Submit page",
        )(function)
        return click.option(
            "--db",
            type=click.Path(path_type=Path),
            default=None,
            metavar="PATH",
            help="the DuckDB file (default: $SKILLS_DB or data/skillatlas.duckdb; "
            "or the lake that $SKILLS_STORE=ducklake names)",
        )(function)

    return decorate


def cli_settings(db: Path | None = None) -> Settings:
    """The command line's settings: the ``SKILLS_*`` environment, read here at the edge,
    with ``--db`` (when given) as the database."""
    found = settings()
    return found if db is None else replace(found, db_path=db, store="duckdb")


def open_db(db: Path | None, wait: float, *, read_only: bool = False) -> Application:
    """The application over the store named by ``--db`` (:func:`skills.bootstrap.open_application`),
    telling stderr when it has to wait for the lock; use it as a context manager.

    Raises :class:`~skills.errors.DatabaseLocked` when the wait runs out.
    """

    def tell(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    return open_application(
        cli_settings(db), read_only=read_only, wait=max(0.0, wait), on_wait=tell
    )
