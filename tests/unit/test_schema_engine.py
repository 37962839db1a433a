"""One JSON Schema engine (jsonschema_rs) and every directly imported package declared."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import jsonschema_rs
import pytest

from skills.verify._schema import schema_errors, validate_ob3_schema

ROOT = Path(__file__).resolve().parents[2]
DRAFT4 = "http://json-schema.org/draft-04/schema#"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_schema_errors_lists_every_violation_of_a_draft4_schema() -> None:
    schema = {
        "$schema": DRAFT4,
        "type": "object",
        "properties": {"url": {"type": "string"}, "n": {"type": "integer"}},
        "required": ["url"],
    }
    assert schema_errors({"url": "https://example.org/"}, schema) == []
    errors = schema_errors({"n": "x"}, schema)
    assert len(errors) == 2
    assert any("url" in e and "required" in e for e in errors)
    assert any("integer" in e for e in errors)


def test_schema_errors_never_fetches_a_remote_ref() -> None:
    # Port 9 on loopback: were it ever fetched, nothing answers; the refusal comes first.
    schema = {"$schema": DRAFT4, "$ref": "http://127.0.0.1:9/other.json"}
    with pytest.raises(jsonschema_rs.ValidationError, match="never fetched"):
        schema_errors({}, schema)


def test_ob3_schema_check_runs_without_the_python_jsonschema_package() -> None:
    # The OB 3.0 check needs no second engine: blocking ``jsonschema`` changes nothing.
    code = (
        "import sys; sys.modules['jsonschema'] = None\n"
        "from skills.verify._schema import validate_ob3_schema\n"
        "c = validate_ob3_schema({'type': ['VerifiableCredential', 'OpenBadgeCredential']})\n"
        "print(c.outcome.value, c.message)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    expected = validate_ob3_schema({"type": ["VerifiableCredential", "OpenBadgeCredential"]})
    assert out.strip() == f"{expected.outcome.value} {expected.message}"
    assert "does not match the OB 3.0 AchievementCredential schema" in out


def _imported_top_levels(paths: list[Path]) -> set[str]:
    names: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_every_third_party_package_the_code_imports_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_norm(re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0]) for d in project["dependencies"]}
    files = [*(ROOT / "skills").rglob("*.py"), *(ROOT / "pages").rglob("*.py"), ROOT / "app.py"]
    dists = packages_distributions()
    undeclared: dict[str, list[str]] = {}
    for module in sorted(_imported_top_levels(files)):
        if module in sys.stdlib_module_names or module in {"skills", "pages", "__future__"}:
            continue
        owners = [_norm(d) for d in dists.get(module, [module])]
        if not set(owners) & declared:
            undeclared[module] = owners
    assert undeclared == {}, f"imported but not in [project] dependencies: {undeclared}"
    # The second engine is gone from what is declared.
    assert "jsonschema" not in declared
