"""``python -m skills stats [--json] [--db PATH]``: counts of what the database holds."""

from __future__ import annotations

import argparse
import json
from typing import Any

from skills.analytics import stats
from skills.commands._store import add_db_options, open_from_args


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "stats",
        help="counts: people by kind, teams, credentials by status, held skills, review queue",
        description='Print what the database holds. With --json: {"people": {"employee": n, '
        '"candidate": n}, "teams": n, "credentials": {status: n, ...}, '
        '"distinct_held_skills": n, "mapping_queue": n}.',
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_db_options(p)


def run(args: argparse.Namespace) -> int:
    with open_from_args(args) as store:
        figures = stats(store)
    if args.json:
        print(json.dumps(figures, sort_keys=True))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Skill Atlas database", show_header=False)
    table.add_row("employees", str(figures["people"]["employee"]))
    table.add_row("candidates", str(figures["people"]["candidate"]))
    table.add_row("teams", str(figures["teams"]))
    for status, n in figures["credentials"].items():
        table.add_row(f"credentials {status}", str(n))
    table.add_row("distinct held skills", str(figures["distinct_held_skills"]))
    table.add_row("mapping review queue", str(figures["mapping_queue"]))
    Console().print(table)
    return 0
