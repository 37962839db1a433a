"""Settings are read once at the edge and passed down (issue 12, part 2).

Only the edges read the ``SKILLS_*`` environment: ``skills/config.py`` (which defines the
reader), the command line (``skills/commands/``) and the Streamlit app's session module
(``pages/_ui/session.py``). Everything else gets a ``Settings`` value from its caller.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EDGES = {"skills/config.py", "pages/_ui/session.py"}


def _reads_environment(path: Path) -> list[str]:
    """Each place ``path`` reads the environment or calls ``skills.config.settings``."""
    found: list[str] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            found.append(f"line {node.lineno}: os.{node.attr}")
        if not isinstance(node, ast.ImportFrom):
            continue
        names = {alias.name for alias in node.names}
        if node.module == "skills.config" and "settings" in names:
            found.append(f"line {node.lineno}: imports skills.config.settings")
        if node.module == "os" and names & {"environ", "getenv"}:
            found.append(f"line {node.lineno}: imports from os")
    return found


def test_only_the_edges_read_the_environment() -> None:
    offenders = {}
    for path in sorted([*(ROOT / "skills").rglob("*.py"), *(ROOT / "pages").rglob("*.py")]):
        name = path.relative_to(ROOT).as_posix()
        if name in EDGES or name.startswith("skills/commands/"):
            continue
        if found := _reads_environment(path):
            offenders[name] = found
    assert offenders == {}


def test_the_check_sees_a_module_that_reads_the_environment(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "import os\nfrom skills.config import settings\nLIMIT = os.environ.get('X')\n"
    )
    assert _reads_environment(sneaky) == [
        "line 2: imports skills.config.settings",
        "line 3: os.environ",
    ]
