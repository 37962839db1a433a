"""``python -m skills map LABEL... [--json]``: map labels (or skill URIs) to ESCO skills."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from skills.taxonomy import ESCO_CREDIT, Match, load_taxonomy


@click.command(
    "map",
    short_help="map skill labels or URIs to ESCO skills",
    help="Map each LABEL (a skill label, or an ESCO skill URI/UUID) to a skill, with the "
    "score, whether it would be accepted automatically, and the top candidates. "
    "Exit 0 when every label is accepted, 1 otherwise. " + ESCO_CREDIT,
)
@click.argument("labels", nargs=-1, required=True, metavar="LABEL...")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
def command(labels: tuple[str, ...], as_json: bool) -> int:
    """Map the labels and print them (see :func:`run`)."""
    return run(labels, as_json=as_json)


def _as_dict(m: Match) -> dict[str, Any]:
    return {
        "query": m.query,
        "skill_uri": m.skill_uri,
        "label": m.label,
        "score": m.score,
        "accepted": m.accepted,
        "method": m.method,
        "candidates": [c._asdict() for c in m.candidates],
    }


def run(labels: Sequence[str], *, as_json: bool = False) -> int:
    """Print the mappings; exit 0 when every label was accepted, 1 otherwise."""
    matches = load_taxonomy().matcher().match(list(labels))
    if as_json:
        print(json.dumps([_as_dict(m) for m in matches], indent=2, ensure_ascii=False))
    else:
        from rich.table import Table

        from skills.commands._console import console, rich_escape

        table = Table(title="Skill mapping", caption=ESCO_CREDIT)
        for col in ("label", "skill", "score", "accepted", "method", "top candidates"):
            table.add_column(col)
        for m in matches:
            cands = "\n".join(f"{rich_escape(c.label)} ({c.score:.2f})" for c in m.candidates[:5])
            table.add_row(
                rich_escape(m.query),
                rich_escape(f"{m.label}\n{m.skill_uri}") if m.skill_uri else "-",
                f"{m.score:.2f}",
                "yes" if m.accepted else "no",
                m.method,
                cands,
            )
        console().print(table)
    return 0 if all(m.accepted for m in matches) else 1
