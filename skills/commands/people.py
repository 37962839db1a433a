"""``python -m skills people import FILE.csv [--by ACTOR] [--db PATH]``: people and teams
from an HR export.

Columns (header row, UTF-8; the first three required): person_id, name, kind
(employee|candidate), email, team, department, parent_department, role,
manager_id, location, start_date (YYYY-MM-DD), urls, dids, telephone, leads
(multi-valued cells are ``;``-separated). See :mod:`skills.ingest.people`.
Exit 0 on success, 2 when the file is rejected (every bad row is listed).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from skills.commands._store import db_options, open_db
from skills.errors import ImportRowsError
from skills.ingest.people import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, import_people


@click.group(
    "people",
    short_help="manage people and teams (import an HR CSV export)",
    help="People and teams.",
)
def command() -> None:
    """The ``people`` group; its actions are sub-commands."""


@command.command(
    "import",
    short_help="add or update people, teams and departments from an HR CSV export",
    help="Import people from a CSV with a header row. Required columns: "
    + ", ".join(REQUIRED_COLUMNS)
    + ". Optional columns: "
    + ", ".join(OPTIONAL_COLUMNS)
    + ". kind is employee or candidate; start_date is YYYY-MM-DD; email, urls, dids, "
    "telephone and leads may hold several values separated by ';'; manager_id names a "
    "person_id in the file or already stored; leads names the teams or departments the "
    "person leads. One transaction: any bad row rejects the whole file and every bad row "
    "is listed.",
)
@click.argument("file", type=click.Path(path_type=Path), metavar="FILE.csv")
@click.option("--by", default="people-import", metavar="ACTOR", help="who imports (audit)")
@db_options()
def import_command(file: Path, by: str, db: Path | None, wait: float) -> int:
    """Import the file (see :func:`run`)."""
    return run(file, db, wait, by=by)


def run(file: Path, db: Path | None, wait: float, *, by: str = "people-import") -> int:
    """Import ``file`` and print what changed: exit 0, or 2 with every bad row on stderr."""
    with open_db(db, wait) as app:
        try:
            summary = import_people(app.store, file, actor=by)
        except ImportRowsError as err:
            print(f"error: {err}", file=sys.stderr)
            for number, reason in err.problems:
                where = "header" if number <= 1 else f"row {number}"
                print(f"  {where}: {reason}", file=sys.stderr)
            return 2
    print(
        f"Imported {summary.people_added} new and {summary.people_updated} updated people, "
        f"{summary.teams_created} new teams/departments, {summary.identities} identities."
    )
    return 0
