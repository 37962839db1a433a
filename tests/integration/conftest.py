"""Integration fixtures: a real DuckDB file with people, a badge issuer, the skill mapper.

A test module that defines its own ``store`` or ``issuer`` fixture uses that one instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skills.ingest import Mapper
from skills.ingest.people import import_people
from skills.store import Store, open_store
from tests.support.hostile_support import module_mapper
from tests.support.ingest_helpers import PEOPLE_CSV, BadgeIssuer


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
