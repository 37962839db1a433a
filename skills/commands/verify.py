"""``python -m skills verify PATH_OR_URL... [--recipient ID] [--recipient-name NAME] [--json]``.

Exit 0 when every input is verified, 1 when any is not, 2 for usage errors. A CLR 2.0
transcript or a verifiable presentation prints its own result, then one result per badge
inside it; it counts as verified when every badge in it is and its own proof did not fail.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from skills.commands._console import console, plain
from skills.verify import Outcome, Report, verify_all
from skills.verify.envelopes import container_ok

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
        description="Verify Open Badges: JSON, JWS/JWT, baked PNG/SVG files or hosted URLs, "
        "and CLR 2.0 transcripts or verifiable presentations (one result per badge inside). "
        "Exit 0 when every input is verified, 1 when any is not, 2 for usage errors.",
    )
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL", help="a file, or an http(s) URL")
    p.add_argument(
        "--recipient", help="the identity the badge should be issued to (e-mail, URL, DID)"
    )
    p.add_argument(
        "--recipient-name",
        help="the recipient's name, compared with a badge that names its recipient only by name",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON report per input (per badge for a transcript or presentation)",
    )


def _source(text: str) -> str | Path:
    if text.startswith(("http://", "https://")):
        return text
    path = Path(text)
    if not path.is_file():
        raise SystemExit(f"error: {text} is neither a file nor an http(s) URL")
    return path


def _print_report(name: str, report: Report, *, indent: str = "") -> None:
    # One line per result and per check, never folded by rich (the terminal wraps them), so
    # the output reads the same at any width and can be searched line by line.
    out = console()
    colour = "green" if report.ok else "red"
    out.print(
        f"{indent}[bold]{plain(name)}[/bold]  [{colour}]{report.status.value}[/{colour}]  "
        f"({report.format})",
        soft_wrap=True,
    )
    for check in report.checks:
        mark = _MARK[Outcome(check.outcome)]
        out.print(f"{indent}  {mark} {check.name}: {plain(check.message)}", soft_wrap=True)


def _print_container(name: str, reports: tuple[Report, ...]) -> None:
    """The container's own result, then one result per badge inside, indented."""
    own, parts = reports[0], reports[1:]
    info = own.container
    what = "transcript" if info is not None and info.kind == "clr" else "presentation"
    title = f" {info.name}" if info is not None and info.name else ""
    _print_report(f"{name} ({what}{title}: {len(parts)} badges)", own)
    for n, part in enumerate(parts, 1):
        badge = part.credential.achievement.name if part.credential else None
        _print_report(f"[{n}/{len(parts)}] {badge or 'unreadable entry'}", part, indent="  ")


def _all_ok(reports: tuple[Report, ...]) -> bool:
    """Every badge verified; a container also needs its own proof not to have failed."""
    if reports[0].container is None:
        return all(r.ok for r in reports)
    return container_ok(reports[0]) and len(reports) > 1 and all(r.ok for r in reports[1:])


def run(args: argparse.Namespace) -> int:
    try:
        sources = [_source(t) for t in args.inputs]
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    all_ok = True
    for name, source in zip(args.inputs, sources, strict=True):
        reports = verify_all(source, recipient=args.recipient, recipient_name=args.recipient_name)
        all_ok &= _all_ok(reports)
        if args.json:
            for report in reports:
                print(json.dumps({"input": name, **report.to_dict()}, default=str))
        elif reports[0].container is not None:
            _print_container(name, reports)
        else:
            _print_report(name, reports[0])
    return 0 if all_ok else 1
