"""SIGKILL in the middle of a batch: the database opens, nothing is half-stored, a re-run completes.

``tests/support/crash_worker.py`` runs in its own process (a command-line ingest, or the
app's queue drainer) and is killed with SIGKILL at an injected fault: right after some chunks
committed, or inside a chunk's transaction after its credential rows were written and
before their skills. Then the database is opened again here and checked: every stored
credential has its checks, its skills, its status history and its audit entry; no
skill or history row points at a missing credential; running the same batch again
stores every badge exactly once.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skills.ingest import Mapper, expand_batch, ingest_batch
from skills.ingest.people import import_people
from skills.ingest.queue import drain, enqueue, pending, spool_dir_for
from skills.store import Store, open_store
from tests.support.hostile_support import ROOT
from tests.support.ingest_helpers import PEOPLE_CSV, BadgeIssuer

pytestmark = pytest.mark.hostile

BADGES = 150  # six chunks of 25
WORKER = "tests.support.crash_worker"  # run as ``python -m`` from the project root


@pytest.fixture
def setup(tmp_path: Path, issuer: BadgeIssuer) -> tuple[Path, Path]:
    db = tmp_path / "crash.duckdb"
    with open_store(db) as store:
        import_people(store, PEOPLE_CSV)
    folder = tmp_path / "badges"
    folder.mkdir()
    for i in range(BADGES):
        (folder / f"{i:04d}.jwt").write_text(issuer.badge("ada@example.org", name=f"Badge {i}"))
    return db, folder


def _run_and_kill(mode: str, db: Path, source: Path, fault: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", WORKER, mode, str(db), str(source), fault],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    seen = ""
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:
                line = proc.stdout.readline()
                seen += line
                if line.strip() == "READY":
                    break
                if not line:
                    break
        assert "READY" in seen, (
            f"the fault was never reached: {seen}{proc.stderr.read() if proc.stderr else ''}"
        )
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert "FINISHED" not in seen


def assert_nothing_half_stored(store: Store) -> int:
    """Every stored credential is whole; returns how many are stored."""
    creds = store.rows("SELECT credential_key, status, checks FROM credentials")
    for key, status, checks in creds:
        assert status == "verified", key
        assert json.loads(checks), f"{key} has no checks"
    keys = {k for k, _, _ in creds}
    with_skills = {
        r[0] for r in store.rows("SELECT DISTINCT credential_key FROM credential_skills")
    }
    with_history = {
        r[0] for r in store.rows("SELECT DISTINCT credential_key FROM credential_status_history")
    }
    submitted = {
        r[0] for r in store.rows("SELECT subject FROM audit_log WHERE action = 'credential.submit'")
    }
    assert with_skills == keys, "skills missing for some credentials, or orphaned skill rows"
    assert with_history == keys, "status history missing, or orphaned history rows"
    assert submitted == keys, "audit entries missing, or entries for credentials not stored"
    return len(keys)


def _whole_and_complete_after_rerun(db: Path, folder: Path, mapper: Mapper) -> None:
    with open_store(db) as store:
        stored = assert_nothing_half_stored(store)
        assert 0 < stored < BADGES
        summary = ingest_batch(
            store,
            expand_batch(folder, person_id="e1"),
            submitted_by="crash",
            mapper=mapper,
            workers=1,
        )
        assert summary.counts["duplicate"] == stored
        assert summary.counts["verified"] == BADGES - stored
        assert assert_nothing_half_stored(store) == BADGES
        assert store.scalar("SELECT count(*) FROM credential_status_history") == BADGES


@pytest.mark.parametrize("fault", ["committed:2", "midwrite:3"])
def test_a_killed_command_line_ingest_leaves_whole_credentials_and_a_rerun_completes(
    setup: tuple[Path, Path], mapper: Mapper, fault: str
) -> None:
    db, folder = setup
    _run_and_kill("ingest", db, folder, fault)
    if fault.startswith("midwrite"):  # killed inside chunk 3: exactly chunks 1-2 are stored
        with open_store(db) as store:
            assert store.scalar("SELECT count(*) FROM credentials") == 50
    _whole_and_complete_after_rerun(db, folder, mapper)


def test_a_killed_app_draining_the_queue_keeps_the_entry_and_the_next_drain_completes(
    setup: tuple[Path, Path], mapper: Mapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, folder = setup
    spool = spool_dir_for(db)
    queued = enqueue(spool, expand_batch(folder, person_id="e1"), submitted_by="cli")
    _run_and_kill("drain", db, spool, "midwrite:4")
    assert [b.batch_id for b in pending(spool)] == [queued.batch_id]
    monkeypatch.setattr("skills.ingest._batch.skill_mapper", lambda _store: mapper)
    with open_store(db) as store:
        stored = assert_nothing_half_stored(store)
        assert stored == 75  # three chunks committed, the fourth rolled back
        summary = drain(store, spool, workers=1)
        assert summary.counts["duplicate"] == 75 and summary.counts["verified"] == BADGES - 75
        assert assert_nothing_half_stored(store) == BADGES
        assert pending(spool) == []
