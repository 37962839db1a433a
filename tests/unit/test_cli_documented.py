"""Every command-line sub-command is a click command, listed by --help, answers --help and
is shown in the README; a missing command module fails loudly instead of vanishing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from skills.cli import COMMANDS, PROG_NAME, cli, main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMAND_MODULES = sorted(
    p.stem for p in (ROOT / "skills" / "commands").glob("*.py") if not p.stem.startswith("_")
)


def test_every_command_module_is_a_registered_click_command() -> None:
    assert sorted(c.replace("-", "_") for c in COMMANDS) == COMMAND_MODULES
    for name in COMMANDS:
        assert isinstance(cli.commands[name], click.Command)


def test_top_level_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"], prog_name=PROG_NAME)
    assert result.exit_code == 0
    listed = [
        line.split()[0]
        for line in result.stdout.split("Commands:", 1)[1].splitlines()
        if line.startswith("  ") and not line.startswith("   ")
    ]
    assert listed == list(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_in_the_readme(name: str) -> None:
    assert f"python -m skills {name}" in README


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_exits_zero(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"], prog_name=PROG_NAME)
    assert result.exit_code == 0
    assert f"Usage: python -m skills {name}" in result.stdout


def test_no_command_prints_usage_and_exits_2() -> None:
    result = CliRunner().invoke(cli, [], prog_name=PROG_NAME)
    assert result.exit_code == 2
    assert "COMMAND" in result.output


def test_usage_error_exits_2_and_main_returns_the_code() -> None:
    result = CliRunner().invoke(cli, ["verify"], prog_name=PROG_NAME)
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr
    assert main(["verify", "--no-such-option", "x"]) == 2
    assert main(["map", "--help"]) == 0


def test_a_missing_command_module_fails_at_import() -> None:
    # The old loader skipped a command whose module was missing and carried on without it.
    blocked = "skills.commands.stats"
    code = (
        "import runpy, sys; "
        f"sys.modules[{blocked!r}] = None; "  # makes `import skills.commands.stats` fail
        "runpy.run_module('skills', run_name='__main__')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert blocked in done.stderr
    assert "Commands:" not in done.stdout


def test_ctrl_c_prints_interrupted_and_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    import skills.commands.stats

    def interrupted(*_args: object, **_kwargs: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(skills.commands.stats, "run", interrupted)
    result = CliRunner().invoke(cli, ["stats"], prog_name=PROG_NAME)
    assert result.exit_code == 130
    assert result.stderr.strip() == "interrupted"
