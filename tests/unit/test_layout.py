"""The project's structural promises: skills/ is Streamlit-free, public names are pinned."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

import skills.verify
from skills.access import PAGE_TITLES

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("app.py", "pages", "skills", "data", ".streamlit", "pyproject.toml")


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
    """The face of skills.verify: what other stages use (a change here is an API change)."""
    assert sorted(skills.verify.__all__) == [
        "AUTHENTICITY_CHECKS",
        "Achievement",
        "Alignment",
        "CURVE_HASHES",
        "Check",
        "CheckName",
        "Container",
        "Credential",
        "DI_SUITES",
        "ECDSA_SUITES",
        "Issuer",
        "JCS_SUITES",
        "JWS_2018",
        "LEGACY_TYPES",
        "Outcome",
        "PNG_KEYWORD_OB2",
        "PNG_KEYWORD_OB3",
        "PNG_SIGNATURE",
        "PrivateKey",
        "PublicKey",
        "Recipient",
        "Report",
        "SVG_NS_OB2",
        "SVG_NS_OB3",
        "Status",
        "Unpacked",
        "b58encode",
        "b64url_encode",
        "bind_recipient",
        "container_ok",
        "decide",
        "did_key_for",
        "extract_png",
        "extract_svg",
        "hash_data",
        "identity_matches",
        "jcs_hash_data",
        "key_to_jwk",
        "might_hold_many",
        "normalise_identity",
        "parse_svg",
        "png_chunks",
        "shutdown_pool",
        "sign_input",
        "unpack",
        "verify",
        "verify_all",
        "verify_many",
    ]


def _git_files(*args: str) -> set[str]:
    """Paths git reports for ``git ls-files <args>``: what a fresh clone would (not) contain."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the layout a clone gets cannot be checked")
    out = subprocess.run(
        ["git", "ls-files", "-z", *args], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return {p for p in out.decode("utf-8").split("\0") if p}


def test_a_fresh_clone_has_the_app_every_page_and_the_command() -> None:
    tracked = _git_files()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    commands = [target.split(":")[0] for target in pyproject["project"]["scripts"].values()]
    wanted = {"pyproject.toml", "README.md", "Makefile", "constraints.txt", "app.py"}
    wanted |= {f"pages/{page}.py" for page in PAGE_TITLES}  # the pages st.navigation routes to
    missing = sorted(wanted - tracked)
    missing += [
        module
        for module in commands
        if not {f"{module.replace('.', '/')}.py", f"{module.replace('.', '/')}/__init__.py"}
        & tracked
    ]
    assert missing == [], "not committed"


def test_nothing_the_app_ships_or_reads_is_left_uncommitted() -> None:
    # a module, migration, bundled context or data file that exists only here works in
    # every local run and breaks every clone
    assert sorted(_git_files("--others", "--exclude-standard", "--", *SHIPPED)) == []


def test_every_image_the_readme_shows_is_committed() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", readme)
    assert images, "the README shows no screenshots"
    assert sorted(set(images) - _git_files("--", *images)) == []


def test_the_import_contract_forbids_every_private_module_of_verify() -> None:
    """pyproject's import-linter contract lists verify's private modules by name (it takes no
    wildcards); this keeps the list whole as modules come and go."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c["name"].startswith("skills.verify is used through its face")
    ]
    folder = ROOT / "skills" / "verify"
    private = {
        f"skills.verify.{p.stem if p.is_file() else p.name}"
        for p in folder.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    }
    assert sorted(contract["forbidden_modules"]) == sorted(private)
