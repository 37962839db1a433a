"""Browser tests: a real ``streamlit run app.py`` on a free port, driven by Debian's chromium.

The server gets its own seeded database and accounts file in a temporary folder
(``SKILLS_DB``/``SKILLS_ACCOUNTS``); the fixture polls ``/_stcore/health`` before any
test runs and stops the server afterwards. Tests are skipped when chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live_server import CHROMIUM, start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from tests.support import seed

    folder = tmp_path_factory.mktemp("e2e")
    db, accounts = folder / "e2e.duckdb", folder / "accounts.toml"
    seed.build(db, accounts)
    proc, url = start_server(db, accounts, folder, env={"SKILLS_WORKERS": "1"})
    try:
        yield url
    finally:
        stop_server(proc)
