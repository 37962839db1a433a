"""The README's architecture section names every package and module of ``skills/``, and
everything it names exists: the map a newcomer reads cannot drift from the tree."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _architecture() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text[text.index("## Architecture") : text.index("## Configuration")]


def _tree() -> set[str]:
    skills = ROOT / "skills"
    names = {f"skills/{p.name}/" for p in skills.iterdir() if (p / "__init__.py").is_file()}
    names |= {f"skills/{p.name}" for p in skills.glob("*.py") if p.name != "__init__.py"}
    return names


def test_every_package_and_module_is_in_the_readme() -> None:
    named = set(re.findall(r"`(skills/[\w./]+)`", _architecture()))
    assert _tree() - named == set()


def test_everything_the_readme_names_exists() -> None:
    for name in re.findall(r"`(skills/[\w./]+)`", _architecture()):
        assert (ROOT / name).exists(), name
