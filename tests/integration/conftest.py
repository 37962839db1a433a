"""Fixtures for the hostile-world tests: a real DuckDB file with people, a badge issuer.

``tests/integration`` (for ``ingest_helpers``) and this folder (for
``hostile_support``) are put on ``sys.path`` because the tests tree has no packages.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "integration"))

from hostile_support import module_mapper  # noqa: E402
from ingest_helpers import PEOPLE_CSV, BadgeIssuer  # noqa: E402

from skills.ingest import Mapper  # noqa: E402
from skills.people_import import import_people  # noqa: E402
from skills.store import Store, open_store  # noqa: E402


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh database file with the four people of ``ingest_helpers.PEOPLE_CSV``."""
    s = open_store(tmp_path / "atlas.duckdb")
    import_people(s, PEOPLE_CSV)
    yield s
    s.close()


@pytest.fixture(scope="session")
def issuer() -> BadgeIssuer:
    return BadgeIssuer()


@pytest.fixture(scope="session")
def mapper(tmp_path_factory: pytest.TempPathFactory) -> Mapper:
    """The real skill mapper, built once (loading ESCO takes seconds)."""
    return module_mapper(tmp_path_factory.mktemp("mapper") / "m.duckdb")
