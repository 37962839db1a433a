"""``python -m skills``: the command line, built on click.

Each sub-command is a click command named ``command`` in ``skills/commands/<name>.py``,
imported here explicitly: a missing or broken command module fails at import, never
silently drops its command. A command returns its exit code: 0 success, 1 the command ran
and found a problem (e.g. a badge that is not verified), 2 usage or input errors (click's
own usage errors exit 2 too).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from skills.commands.demo import command as demo_command
from skills.commands.ingest import command as ingest_command
from skills.commands.ingest_worker import command as worker_command
from skills.commands.lake import command as lake_command
from skills.commands.map import command as map_command
from skills.commands.people import command as people_command
from skills.commands.reverify import command as reverify_command
from skills.commands.stats import command as stats_command
from skills.commands.verify import command as verify_command
from skills.errors import SkillAtlasError

PROG_NAME = "python -m skills"


class _Commands(click.Group):
    """Lists commands in the order they were added; turns a command's returned int into
    the exit code, a :class:`SkillAtlasError` into ``error: ...`` and exit 2, and Ctrl-C
    into ``interrupted`` and exit 130."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            code = super().invoke(ctx)
        except SkillAtlasError as err:
            click.echo(f"error: {err}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        ctx.exit(code if isinstance(code, int) else 0)


@click.group(
    cls=_Commands,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
def cli() -> None:
    """Skill Atlas: verify Open Badges, map their skills to ESCO, store them in DuckDB and
    explore them."""


for _command in (
    verify_command,
    map_command,
    demo_command,
    ingest_command,
    people_command,
    reverify_command,
    stats_command,
    worker_command,
    lake_command,
):
    cli.add_command(_command)

# Sub-commands in the order --help lists them.
COMMANDS: tuple[str, ...] = tuple(cli.commands)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``) and return its exit code
    instead of exiting; ``--help`` returns 0, a usage error 2."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name=PROG_NAME)
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            return stop.code or 0
        print(stop.code, file=sys.stderr)
        return 1
    return 0
