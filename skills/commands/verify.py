"""``python -m skills verify PATH_OR_URL... [--recipient ID] [--recipient-name NAME] [--json]``.

Exit 0 when every input is verified, 1 when any is not, 2 for usage errors. A CLR 2.0
transcript or a verifiable presentation prints its own result, then one result per badge
inside it; it counts as verified when every badge in it is and its own proof did not fail.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from skills.commands._console import console, rich_escape
from skills.commands._store import cli_settings
from skills.verify import Outcome, Report, container_ok, verify_all

_MARK = {
    Outcome.PASSED: "[green]✔[/green]",
    Outcome.FAILED: "[red]✘[/red]",
    Outcome.WARNING: "[yellow]![/yellow]",
    Outcome.NOT_RUN: "[dim]–[/dim]",
}


@click.command(
    "verify",
    short_help="verify badges (files or URLs) and show every check",
    help="Verify Open Badges: JSON, JWS/JWT, baked PNG/SVG files or hosted URLs, "
    "and CLR 2.0 transcripts or verifiable presentations (one result per badge inside). "
    "PATH_OR_URL is a file, or an http(s) URL. "
    "Exit 0 when every input is verified, 1 when any is not, 2 for usage errors.",
)
@click.argument("inputs", nargs=-1, required=True, metavar="PATH_OR_URL...")
@click.option(
    "--recipient",
    default=None,
    help="the identity the badge should be issued to (e-mail, URL, DID)",
)
@click.option(
    "--recipient-name",
    default=None,
    help="the recipient's name, compared with a badge that names its recipient only by name",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="print one JSON report per input (per badge for a transcript or presentation)",
)
def command(
    inputs: tuple[str, ...], recipient: str | None, recipient_name: str | None, as_json: bool
) -> int:
    """Verify each input and print its result; the exit code says whether all verified."""
    return run(inputs, recipient=recipient, recipient_name=recipient_name, as_json=as_json)


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
        f"{indent}[bold]{rich_escape(name)}[/bold]  [{colour}]{report.status.value}[/{colour}]  "
        f"({report.format})",
        soft_wrap=True,
    )
    for check in report.checks:
        mark = _MARK[Outcome(check.outcome)]
        out.print(f"{indent}  {mark} {check.name}: {rich_escape(check.message)}", soft_wrap=True)


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


def run(
    inputs: Sequence[str],
    *,
    recipient: str | None = None,
    recipient_name: str | None = None,
    as_json: bool = False,
) -> int:
    """Verify and print every input: 0 when all are verified, 1 when any is not, 2 when an
    input is neither a file nor an http(s) URL."""
    try:
        sources = [_source(t) for t in inputs]
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    cfg = cli_settings()
    all_ok = True
    for name, source in zip(inputs, sources, strict=True):
        reports = verify_all(
            source, recipient=recipient, recipient_name=recipient_name, settings=cfg
        )
        all_ok &= _all_ok(reports)
        if as_json:
            for report in reports:
                print(json.dumps({"input": name, **report.to_dict()}, default=str))
        elif reports[0].container is not None:
            _print_container(name, reports)
        else:
            _print_report(name, reports[0])
    return 0 if all_ok else 1
