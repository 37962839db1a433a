"""Lake fixtures: one private PostgreSQL cluster per session, a fresh lake per test.

``make test`` installs PostgreSQL (Debian's ``postgresql``); without it these tests fail
rather than skip, so a machine that cannot run them does not pass them by accident.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skills.config import DATA_DIR, LakeLocation
from tests.support import postgres
from tests.support.ingest_helpers import BadgeIssuer


@pytest.fixture(scope="session")
def pg() -> Iterator[postgres.Cluster]:
    assert postgres.available(), "PostgreSQL is not installed (make test installs it)"
    with postgres.running() as cluster:
        yield cluster


@pytest.fixture
def lake(pg: postgres.Cluster, tmp_path: Path) -> LakeLocation:
    """A lake nobody has opened yet: a fresh catalog database and data folder."""
    return LakeLocation(pg.new_database(), f"{tmp_path}/lake-data/", DATA_DIR / "extensions")


@pytest.fixture
def lake_env(lake: LakeLocation, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment that selects ``lake`` (set in this process too)."""
    env = {
        "SKILLS_STORE": "ducklake",
        "SKILLS_LAKE_CATALOG": lake.catalog,
        "SKILLS_LAKE_DATA": lake.data_path,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture(scope="session")
def issuer() -> BadgeIssuer:
    return BadgeIssuer()
