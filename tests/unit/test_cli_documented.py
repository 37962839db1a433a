"""Every command-line sub-command answers --help and is shown in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills.cli import COMMANDS, build_parser, main

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_listed_command_is_installed() -> None:
    _, modules = build_parser()
    assert sorted(modules) == sorted(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_in_the_readme(name: str) -> None:
    assert f"python -m skills {name}" in README


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_exits_zero(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main([name, "--help"])
    assert stop.value.code == 0
    assert name in capsys.readouterr().out


def test_no_command_prints_usage_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out
