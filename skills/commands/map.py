"""``python -m skills map LABEL ...``: map labels (or skill URIs) to ESCO skills."""

from __future__ import annotations

import argparse
import json
from typing import Any

from skills.taxonomy import ESCO_CREDIT, Match, load_taxonomy


def add_parser(subparsers: Any) -> None:
    """Register the ``map`` sub-command."""
    p = subparsers.add_parser(
        "map",
        help="map skill labels or URIs to ESCO skills",
        description="Map each label (or ESCO skill URI/UUID) to a skill, with the score, "
        "whether it would be accepted automatically, and the top candidates. " + ESCO_CREDIT,
    )
    p.add_argument("labels", nargs="+", metavar="LABEL", help="a skill label or URI")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


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


def run(args: argparse.Namespace) -> int:
    """Print the mappings; exit 0 when every label was accepted, 1 otherwise."""
    matches = load_taxonomy().matcher().match(list(args.labels))
    if args.json:
        print(json.dumps([_as_dict(m) for m in matches], indent=2, ensure_ascii=False))
    else:
        from rich.table import Table

        from skills.commands._console import console, plain

        table = Table(title="Skill mapping", caption=ESCO_CREDIT)
        for col in ("label", "skill", "score", "accepted", "method", "top candidates"):
            table.add_column(col)
        for m in matches:
            cands = "\n".join(f"{plain(c.label)} ({c.score:.2f})" for c in m.candidates[:5])
            table.add_row(
                plain(m.query),
                plain(f"{m.label}\n{m.skill_uri}") if m.skill_uri else "-",
                f"{m.score:.2f}",
                "yes" if m.accepted else "no",
                m.method,
                cands,
            )
        console().print(table)
    return 0 if all(m.accepted for m in matches) else 1
