"""``python -m skills verify PATH_OR_URL... [--recipient ID] [--json]``.

Exit 0 when every input is verified, 1 when any is not, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from skills.commands._console import console, plain
from skills.verify import Outcome, Report, verify

_MARK = {
    Outcome.PASSED: "[green]✔[/green]",
    Outcome.FAILED: "[red]✘[/red]",
    Outcome.WARNING: "[yellow]![/yellow]",
    Outcome.NOT_RUN: "[dim]–[/dim]",
}


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "verify",
        help="verify badges (files or URLs) and show every check",
        description="Verify Open Badges: JSON, JWS/JWT, baked PNG/SVG files or hosted URLs. "
        "Exit 0 when every input is verified, 1 when any is not, 2 for usage errors.",
    )
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL", help="a file, or an http(s) URL")
    p.add_argument(
        "--recipient", help="the identity the badge should be issued to (e-mail, URL, DID)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON report per input")


def _source(text: str) -> str | Path:
    if text.startswith(("http://", "https://")):
        return text
    path = Path(text)
    if not path.is_file():
        raise SystemExit(f"error: {text} is neither a file nor an http(s) URL")
    return path


def _print_report(name: str, report: Report) -> None:
    out = console()
    colour = "green" if report.ok else "red"
    out.print(
        f"[bold]{plain(name)}[/bold]  [{colour}]{report.status.value}[/{colour}]  ({report.format})"
    )
    for check in report.checks:
        out.print(f"  {_MARK[Outcome(check.outcome)]} {check.name}: {plain(check.message)}")


def run(args: argparse.Namespace) -> int:
    try:
        sources = [_source(t) for t in args.inputs]
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    all_ok = True
    for name, source in zip(args.inputs, sources, strict=True):
        report = verify(source, recipient=args.recipient)
        all_ok &= report.ok
        if args.json:
            print(json.dumps({"input": name, **report.to_dict()}, default=str))
        else:
            _print_report(name, report)
    return 0 if all_ok else 1
