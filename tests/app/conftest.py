"""AppTest fixtures: one seeded database per session, and an app signed in as a role."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support import seed
from tests.support.apptools import ROOT, new_app, sign_in


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("app")
    db, accounts = folder / "app.duckdb", folder / "accounts.toml"
    seed.build(db, accounts)
    return db, accounts


@pytest.fixture
def app_env(seeded: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    db, accounts = seeded
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    monkeypatch.chdir(ROOT)
    return seeded


@pytest.fixture
def signed_in(app_env: tuple[Path, Path]) -> Callable[[str], AppTest]:
    def make(username: str) -> AppTest:
        return sign_in(new_app(), username)

    return make
