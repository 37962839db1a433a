"""``python -m skills stats [--json] [--db PATH]``: counts of what the database holds."""

from __future__ import annotations

import json
from pathlib import Path

import click

from skills.access import OPERATOR
from skills.commands._store import db_options, open_db
from skills.services.stats import stats


@click.command(
    "stats",
    short_help="counts: people by kind, teams, credentials by status, held skills, review queue",
    help='Print what the database holds. With --json: {"people": {"employee": n, '
    '"candidate": n}, "teams": n, "credentials": {status: n, ...}, '
    '"distinct_held_skills": n, "mapping_queue": n}.',
)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@db_options()
def command(as_json: bool, db: Path | None, wait: float) -> int:
    """Print the counts (see :func:`run`)."""
    return run(db, wait, as_json=as_json)


def run(db: Path | None, wait: float, *, as_json: bool = False) -> int:
    """Print the database's counts as a table, or one JSON object; exit 0."""
    with open_db(db, wait) as app:
        figures = stats(app.store, OPERATOR)
    if as_json:
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
