"""``python -m skills people import FILE.csv [--by ACTOR] [--db PATH]``: people and teams
from an HR export.

Columns (header row, UTF-8; the first three required): person_id, name, kind
(employee|candidate), email, team, department, parent_department, role,
manager_id, location, start_date (YYYY-MM-DD), urls, dids, telephone, leads
(multi-valued cells are ``;``-separated). See :mod:`skills.people_import`.
Exit 0 on success, 2 when the file is rejected (every bad row is listed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from skills.commands._store import add_db_options, open_from_args
from skills.errors import ImportRowsError
from skills.people_import import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, import_people


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "people",
        help="manage people and teams (import an HR CSV export)",
        description="People and teams.",
    )
    sub = p.add_subparsers(dest="people_command", metavar="ACTION", required=True)
    imp = sub.add_parser(
        "import",
        help="add or update people, teams and departments from an HR CSV export",
        description="Import people from a CSV with a header row. Required columns: "
        + ", ".join(REQUIRED_COLUMNS)
        + ". Optional columns: "
        + ", ".join(OPTIONAL_COLUMNS)
        + ". kind is employee or candidate; start_date is YYYY-MM-DD; email, urls, dids, "
        "telephone and leads may hold several values separated by ';'; manager_id names a "
        "person_id in the file or already stored; leads names the teams or departments the "
        "person leads. One transaction: any bad row rejects the whole file and every bad row "
        "is listed.",
    )
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    imp.add_argument("--by", default="people-import", metavar="ACTOR", help="who imports (audit)")
    add_db_options(imp)


def run(args: argparse.Namespace) -> int:
    with open_from_args(args) as store:
        try:
            summary = import_people(store, args.file, actor=args.by)
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
