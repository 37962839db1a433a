"""Shared fixtures: the project root and an isolated environment for every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Timings never decide a test: no per-example deadline (CI machines are shared and slow).
settings.register_profile(
    "skills", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100
)
settings.load_profile("skills")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's database, accounts or fetch allow-list by accident."""
    monkeypatch.setenv("SKILLS_DB", str(tmp_path / "test.duckdb"))
    monkeypatch.delenv("SKILLS_FETCH_ALLOW_HOSTS", raising=False)
    monkeypatch.setenv("SKILLS_HOSTED_MIRROR", "")
    for name in ("SKILLS_STORE", "SKILLS_LAKE_CATALOG", "SKILLS_LAKE_DATA"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium through Playwright, one per session: the browser tests of
    ``tests/e2e`` and ``tests/lake`` share it (Playwright's sync API allows one instance)."""
    from tests.support.live_server import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
