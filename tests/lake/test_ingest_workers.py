"""Several ingest workers on one lake (issue 17): each badge stored once, nothing lost.

The workers are real ``python -m skills ingest-worker`` processes on the session's private
PostgreSQL cluster; the batch goes in with ``python -m skills ingest --queue``'s function
(:func:`skills.ingest.shared_queue.enqueue`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from skills.config import LakeLocation
from skills.ingest import BatchItem
from skills.ingest.people import import_people
from skills.ingest.shared_queue import counts, drain_shared, enqueue
from skills.store import open_store
from tests.support.hostile_support import ROOT
from tests.support.ingest_helpers import PEOPLE_CSV, BadgeIssuer


def _queue_badges(lake: LakeLocation, issuer: BadgeIssuer, n: int) -> None:
    items = [
        BatchItem(issuer.badge("ada@example.org", name=f"Badge {i}"), None, f"{i:05d}.jwt")
        for i in range(n)
    ]
    with open_store(lake) as store:
        import_people(store, PEOPLE_CSV)
        enqueue(store, items, submitted_by="batch-test")


def _worker(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "skills", "ingest-worker", *args],
        cwd=ROOT,
        env={**os.environ, **env, "SKILLS_WORKERS": "1", "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stored(lake: LakeLocation) -> tuple[int, int, list[tuple[object, ...]]]:
    with open_store(lake) as store:
        total, distinct = store.rows(
            "SELECT count(*), count(DISTINCT credential_key) FROM credentials"
        )[0]
        queue = store.rows(
            "SELECT done_at IS NOT NULL, claimed_by, count(*) FROM ingest_queue GROUP BY ALL"
        )
    return int(total), int(distinct), queue


def test_a_5000_badge_batch_split_across_two_workers_stores_each_badge_once(
    lake_env: dict[str, str], lake: LakeLocation, issuer: BadgeIssuer
) -> None:
    _queue_badges(lake, issuer, 5000)
    workers = [_worker(lake_env, "--once", "--claim", "100") for _ in range(2)]
    outputs = [w.communicate(timeout=1800) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    total, distinct, queue = _stored(lake)
    assert total == distinct == 5000
    assert all(done for done, _, _ in queue) and sum(int(n) for *_, n in queue) == 5000  # type: ignore[call-overload]
    assert len({owner for _, owner, _ in queue}) == 2  # both workers took part
    assert all("verified" in out for out, _ in outputs), outputs  # every item it took verified


def test_a_worker_killed_mid_batch_loses_nothing_and_a_rerun_finishes(
    lake_env: dict[str, str], lake: LakeLocation, issuer: BadgeIssuer
) -> None:
    _queue_badges(lake, issuer, 600)
    victim = _worker(lake_env, "--claim", "50", "--poll", "60")
    assert victim.stderr is not None
    name = victim.stderr.readline().split(": draining", 1)[0]
    assert name, "the worker did not start"
    finished = False  # the signal: it claimed again after ingesting its first claim
    for line in victim.stderr:
        finished = finished or "ingested here" in line
        if finished and "claimed" in line:
            break
    else:
        pytest.fail(f"the worker ended before its second claim: {victim.communicate()}")
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    total, _, queue = _stored(lake)
    assert 50 <= total < 600
    assert any(owner == name and not done for done, owner, _ in queue)  # the dead one's claim
    rerun = _worker(lake_env, "--once", "--claim", "100")
    _, err = rerun.communicate(timeout=1800)
    assert rerun.returncode == 0, err
    total, distinct, queue = _stored(lake)
    assert total == distinct == 600
    assert all(done for done, _, _ in queue)


def test_rows_of_a_live_worker_are_not_taken_over(
    lake: LakeLocation, issuer: BadgeIssuer, tmp_path: Path
) -> None:
    """A claim stays with its worker while that worker's process lives (here: a second
    store of this process holds the name), and is released once it is gone."""
    _queue_badges(lake, issuer, 10)
    with open_store(lake) as holder:
        holder.hold_name("busy-worker")
        holder.run_write(
            lambda tx: tx.execute(
                "UPDATE ingest_queue SET claimed_by = 'busy-worker', claimed_at = now() "
                "WHERE position < 4"
            )
        )
        with open_store(lake) as other:
            drain_shared(other, name="other-worker")
            assert counts(other).claimed == 4 and counts(other).done == 6
    with open_store(lake) as after:  # the holder closed: its session and lock are gone
        drain_shared(after, name="third-worker")
        assert counts(after).done == 10
        assert after.scalar("SELECT count(*) FROM credentials") == 10
