"""``python -m skills``: the command line.

Each sub-command lives in ``skills/commands/<name>.py`` with two functions,
``add_parser(subparsers)`` and ``run(args) -> int``, and is listed in
``COMMANDS``. Exit codes: 0 success, 1 the command ran and found a problem
(e.g. a badge that is not verified), 2 usage or input errors.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from skills.errors import SkillAtlasError

# Sub-commands in the order --help lists them.
COMMANDS: tuple[str, ...] = (
    "verify",
    "map",
    "demo",
    "ingest",
    "people",
    "reverify",
    "stats",
)


def _load(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"skills.commands.{name}")
    except ModuleNotFoundError as err:
        if err.name == f"skills.commands.{name}":
            return None
        raise


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = argparse.ArgumentParser(
        prog="python -m skills",
        description="Skill Atlas: verify Open Badges, map their skills to ESCO, "
        "store them in DuckDB and explore them.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules: dict[str, ModuleType] = {}
    for name in COMMANDS:
        module = _load(name)
        if module is not None:
            module.add_parser(sub)
            modules[name] = module
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        code: int = modules[args.command].run(args)
    except SkillAtlasError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code
