"""``python -m skills lake init|import``: set up a lake and fill it from a DuckDB file.

The lake is the one ``SKILLS_STORE=ducklake``, ``SKILLS_LAKE_CATALOG`` and
``SKILLS_LAKE_DATA`` name (:mod:`skills.store._lake`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from skills.commands._console import console
from skills.config import LakeLocation, settings
from skills.errors import ConfigError
from skills.store import open_store
from skills.store._lake import LakeStore, create_catalog, import_file


def _location() -> LakeLocation:
    location = settings().store_location
    if not isinstance(location, LakeLocation):
        raise ConfigError(
            "Set SKILLS_STORE=ducklake, SKILLS_LAKE_CATALOG and SKILLS_LAKE_DATA to name the "
            "lake (see the README)."
        )
    return location


@click.group("lake", short_help="set up a DuckLake store and import a DuckDB file into it")
def command() -> None:
    """The lake named by SKILLS_STORE=ducklake, SKILLS_LAKE_CATALOG and SKILLS_LAKE_DATA."""


@command.command(
    "init",
    help="Create the catalog database (when missing), the lake's "
    "catalog tables, its data folder and the schema. Safe to run again.",
)
def init() -> int:
    location = _location()
    made = create_catalog(location.catalog)
    with open_store(location) as store:
        version = store.schema_version()
    print(
        f"{'Created the catalog database; the' if made else 'The'} lake at "
        f"{location.data_path} is ready (schema {version})."
    )
    return 0


@command.command(
    "import",
    help="Copy every table of a DuckDB file (an embedded Skill Atlas store) into the lake, "
    "in one transaction; the lake must be empty.",
)
@click.option(
    "--from",
    "source",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    required=True,
    metavar="FILE.duckdb",
)
def import_(source: Path) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress

    location = _location()
    with open_store(source) as embedded:  # brings the file's schema up to date first
        tables = embedded.rows(
            "SELECT table_name, estimated_size FROM duckdb_tables() "
            "WHERE database_name = current_database() AND schema_name = 'main'"
        )
    total = sum(int(n) for _, n in tables)
    with (
        open_store(location) as store,
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            console=console(stderr=True),
            transient=True,
        ) as bar,
    ):
        assert isinstance(store, LakeStore)
        task = bar.add_task("importing", total=total)
        copied = import_file(
            store,
            source,
            progress=lambda table, done: bar.update(
                task, completed=done, description=f"importing {table}"
            ),
        )
    print(f"Imported {sum(copied.values()):,} rows in {len(copied)} tables from {source}.")
    for table, n in sorted(copied.items()):
        print(f"  {table}: {n:,}", file=sys.stderr)
    return 0
