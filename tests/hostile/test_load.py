"""Many users, one writer: 20 browser sessions on the running app while 5,000 badges arrive.

Runs ``benchmarks/bench_load.py``'s scenario: ``streamlit run app.py`` on a loopback
port holds the database; 20 Playwright sessions (one headless Debian chromium, one
context each: every role) keep opening their pages; a second process submits a
5,000-badge batch as ``python -m skills ingest`` does while the app runs (the
database is held, so the batch is queued) and the app's drainer ingests it.
Nothing is timed here (figures go to tests/README.md and the benchmark); the test
asserts what a user would notice: no error on any page, no "database is locked",
every session kept working during the ingest, every badge stored exactly once.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SESSIONS, BADGES = 20, 5000

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]


def _bench() -> object:
    spec = importlib.util.spec_from_file_location(
        "bench_load", ROOT / "benchmarks" / "bench_load.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_load"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_twenty_sessions_browse_while_a_queued_batch_is_ingested(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    bench = _bench()
    # The scenario runs its own asyncio loop: give it a thread of its own, since an earlier
    # browser test (Playwright's sync API) may have left a loop attached to this one.
    box: dict[str, object] = {}

    def scenario() -> None:
        try:
            box["result"] = bench.run_scenario(tmp_path, sessions=SESSIONS, badges=BADGES)  # type: ignore[attr-defined]
        except BaseException as err:  # re-raised in the test thread below
            box["error"] = err

    worker = threading.Thread(target=scenario, name="load-scenario")
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    result = box["result"]
    print(result)
    assert result.errors == []
    assert result.server_log_problems == []
    assert result.sessions_active_during_ingest == SESSIONS
    assert result.stored == result.distinct == result.verified == BADGES
    assert result.submit_audits == BADGES  # each badge went in once, never twice
    assert result.rejected == 0
