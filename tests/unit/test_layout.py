"""The project's structural promises: skills/ is Streamlit-free, public names are pinned."""

from __future__ import annotations

import ast
from pathlib import Path

import skills.verify

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_skills_package_never_imports_streamlit() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "skills").rglob("*.py")
        if "streamlit" in _imports(p)
    ]
    assert offenders == []


def test_verify_public_names_are_pinned() -> None:
    assert sorted(skills.verify.__all__) == [
        "Achievement",
        "Alignment",
        "Check",
        "CheckName",
        "Credential",
        "Issuer",
        "Outcome",
        "Recipient",
        "Report",
        "Status",
        "verify",
        "verify_all",
        "verify_many",
    ]


def test_product_card_top_level_exists() -> None:
    for name in ("pyproject.toml", "app.py", "skills", "pages", "data", "tests", "README.md"):
        assert (ROOT / name).exists(), name


def test_every_image_the_readme_shows_is_committed() -> None:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", readme)
    assert images, "the README shows no screenshots"
    assert [i for i in images if not (ROOT / i).is_file()] == []
