"""Two app replicas and two ingest workers on one lake (issue 17), in a real browser.

1. A seeded organisation is imported into a fresh lake (``python -m skills lake import``);
2. two ``streamlit run app.py`` processes serve it (``SKILLS_STORE=ducklake``), each
   answering ``/_stcore/health``;
3. a member signs in on each replica, and HR browses every page of its menu on both;
4. a batch goes into the shared queue (``python -m skills ingest --queue``) and two
   ``python -m skills ingest-worker --once`` processes drain it while HR browses;
5. both replicas then show the member a badge of that batch (their read models follow
   the lake's snapshots) and no page failed; every badge is stored once.

Every wait is for a signal (health, a sign-in, a process exit, a text on the page);
the deadlines only stop a hung run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skills.access import PAGE_TITLES, Role
from skills.config import LakeLocation
from skills.demo.personas import PERSONAS
from skills.store import open_store
from tests.support.live_server import (
    HUNG,
    browse_menu,
    page_problems,
    settle,
    signed_in,
    start_server,
    stop_server,
)
from tests.support.queued_batch import build_inputs

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]
BADGES = 40
LOAD_BADGE = re.compile(r"Load badge \d+")  # the batch's badge names


def _cli(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "skills", *args],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, **env, "SKILLS_WORKERS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _done(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=HUNG / 1000)
    assert proc.returncode == 0, err[-3000:]
    return out


def _open_profile(page: Any) -> None:
    page.locator("[data-testid='stSidebarNav'] a", has_text=PAGE_TITLES["profile"]).first.click()
    settle(page)


def test_two_replicas_and_two_workers_share_one_lake(
    browser: Any, lake_env: dict[str, str], lake: LakeLocation, tmp_path: Path
) -> None:
    inputs = build_inputs(tmp_path, BADGES)
    _done(_cli(lake_env, "lake", "import", "--from", str(inputs.db)))
    with open_store(lake) as store:
        mine = store.scalar(
            "SELECT count(*) FROM identities WHERE person_id = ? AND kind = 'email'",
            [PERSONAS["employee"]],
        )
    assert mine, "the member has an address the batch's badges are issued to"
    servers = []
    try:
        for name in ("a", "b"):
            folder = tmp_path / f"replica-{name}"
            folder.mkdir()
            servers.append(
                start_server(
                    inputs.db, inputs.accounts, folder, env={**lake_env, "SKILLS_WORKERS": "1"}
                )
            )
        members = [signed_in(browser, url, "member", Role.MEMBER.value) for _, url in servers]
        hrs = [signed_in(browser, url, "hr", Role.HR.value) for _, url in servers]
        problems = [p for hr in hrs for p in browse_menu(hr, Role.HR)]
        for member in members:
            _open_profile(member)
            assert member.get_by_text(LOAD_BADGE).count() == 0  # not yet ingested

        queued = _done(_cli(lake_env, "ingest", str(inputs.sheet), "--queue", "--by", "load"))
        assert f"Queued {BADGES} item(s)" in queued
        workers = [_cli(lake_env, "ingest-worker", "--once", "--claim", "5") for _ in range(2)]
        while any(w.poll() is None for w in workers):  # browse while they drain
            problems += [p for hr in hrs for p in browse_menu(hr, Role.HR)]
        for w in workers:
            _done(w)

        for member in members:  # each replica reads the lake's new snapshot
            _open_profile(member)
            # a cell of the badges table (the grid keeps its text in hidden cells)
            member.get_by_text(LOAD_BADGE).first.wait_for(state="attached", timeout=HUNG)
            problems += page_problems(member)
        problems += [p for hr in hrs for p in browse_menu(hr, Role.HR)]
        assert problems == []
    finally:
        for proc, _ in servers:
            stop_server(proc, timeout=30)
    for name in ("a", "b"):
        log = (tmp_path / f"replica-{name}" / "streamlit.log").read_text(errors="replace")
        assert "Traceback" not in log, log[-3000:]
    with open_store(lake) as store:
        total, distinct = store.rows(
            "SELECT count(*), count(DISTINCT credential_key) FROM credentials "
            "WHERE submitted_by = 'load'"
        )[0]
        left = store.scalar("SELECT count(*) FROM ingest_queue WHERE done_at IS NULL")
    assert total == distinct == BADGES and left == 0
