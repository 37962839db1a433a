"""The running app ingests a batch that another process queued, while people browse.

The small, correctness-only version of ``benchmarks/bench_load.py`` (twenty browsers,
5,000 badges, timed there and only there). Every wait is for a signal, never for time:

1. ``streamlit run app.py`` answers ``/_stcore/health``;
2. two browser sessions sign in (HR and a member); a signed-in sidebar means the app
   has opened the database (signing in opens the store), so the app holds the file;
3. a second process submits a batch as ``python -m skills ingest`` does; it must find
   the file held and queue the batch (it fails loudly if it could open the file);
4. the app's drainer ingests it: the queue folder empties;
5. both sessions keep opening their pages meanwhile and afterwards, with no error;
6. the server stops, and every badge is stored exactly once, verified, audited once.

The generous deadlines below only stop a hung run; nothing asserts a duration.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from skills.access import Role
from skills.ingest.queue import pending, spool_dir_for
from tests.support.live_server import (
    HUNG,
    browse_menu,
    signed_in,
    start_server,
    stop_server,
)
from tests.support.queued_batch import build_inputs, enqueue_from_another_process, stored_counts

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
BADGES = 12


def test_the_running_app_ingests_a_batch_another_process_queued(
    browser: Any, tmp_path: Path
) -> None:
    inputs = build_inputs(tmp_path, BADGES)
    proc, url = start_server(inputs.db, inputs.accounts, tmp_path, env={"SKILLS_WORKERS": "1"})
    try:
        sessions = {
            Role.HR: signed_in(browser, url, "hr", Role.HR.value),
            Role.MEMBER: signed_in(browser, url, "member", Role.MEMBER.value),
        }
        # Signed in: the app holds the database, so the second process must queue.
        message = enqueue_from_another_process(inputs.db, inputs.sheet)
        assert "was queued" in message
        spool = spool_dir_for(inputs.db)
        problems: list[str] = []
        deadline = time.monotonic() + HUNG / 1000
        while pending(spool):
            assert time.monotonic() < deadline, "the app never drained the queue"
            for role, page in sessions.items():
                problems += browse_menu(page, role)
        for role, page in sessions.items():  # once more, on the new data
            problems += browse_menu(page, role)
            page.context.close()
        assert problems == []
    finally:
        stop_server(proc, timeout=30)
    log = (tmp_path / "streamlit.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
    counts = stored_counts(inputs.db)
    assert counts == {
        "stored": BADGES,
        "distinct": BADGES,
        "verified": BADGES,
        "submit_audits": BADGES,  # each badge went in once, never twice
        "rejected": 0,
    }
