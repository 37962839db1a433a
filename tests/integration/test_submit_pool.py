"""Issue 11, item 12: one user must not slow everyone (``skills.ingest.pool``).

Threads and Events only: every wait is for a signal (bounded by ``HUNG`` so a broken
pool fails instead of hanging), nothing sleeps and nothing asserts a duration.
"""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from skills.access import Role, Viewer
from skills.config import Settings
from skills.ingest.pool import (
    Job,
    JobCancelled,
    PoolBusy,
    SubmissionInFlight,
    SubmitPool,
    shared_pool,
)
from skills.store import Store
from tests.support.ingest_helpers import BadgeIssuer

pytestmark = pytest.mark.hostile

HUNG = 30.0  # seconds before a missing signal fails the test


def always() -> bool:
    return True


class Gate:
    """Work that says when it started and then waits until the test opens the gate."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.go = threading.Event()

    def __call__(self, job: Job[str]) -> str:
        self.started.set()
        assert self.go.wait(HUNG), "the test never opened the gate"
        return "done"


@pytest.fixture
def pools() -> Iterator[Callable[..., SubmitPool]]:
    made: list[SubmitPool] = []

    def make(workers: int = 2, max_waiting: int = 8) -> SubmitPool:
        pool = SubmitPool(workers=workers, max_waiting=max_waiting)
        made.append(pool)
        return pool

    yield make
    for pool in made:
        pool.close()


def _finished(job: Job[Any]) -> None:
    assert job.wait(HUNG), "the job never finished"


def test_one_job_at_a_time_per_session(pools: Callable[..., SubmitPool]) -> None:
    pool = pools(workers=2, max_waiting=8)
    gate = Gate()
    first = pool.submit("tab-a", gate, still_wanted=always)
    assert gate.started.wait(HUNG)
    with pytest.raises(SubmissionInFlight) as refused:
        pool.submit("tab-a", lambda job: "second", still_wanted=always)
    assert str(refused.value).startswith("Your previous submission is still being verified")
    other = pool.submit("tab-b", lambda job: "b", still_wanted=always)  # others are not held up
    _finished(other)
    assert other.result() == "b"
    assert pool.job_of("tab-a") is first
    gate.go.set()
    _finished(first)
    assert first.result() == "done"
    # The slot is free as soon as the result is published: no waiting, no race.
    again = pool.submit("tab-a", lambda job: "again", still_wanted=always)
    _finished(again)
    assert again.result() == "again"


def test_a_full_pool_answers_at_once_and_runs_at_most_its_workers(
    pools: Callable[..., SubmitPool],
) -> None:
    pool = pools(workers=2, max_waiting=3)
    running_now, most = 0, 0
    lock = threading.Lock()
    both_started = threading.Barrier(3)  # two workers and the test
    go = threading.Event()

    def work(job: Job[str]) -> str:
        nonlocal running_now, most
        with lock:
            running_now += 1
            most = max(most, running_now)
        if job.session_id in ("s0", "s1"):
            both_started.wait(HUNG)
        assert go.wait(HUNG)
        with lock:
            running_now -= 1
        return job.session_id

    jobs = [pool.submit(f"s{n}", work, still_wanted=always) for n in range(2)]
    both_started.wait(HUNG)  # both workers busy
    jobs += [pool.submit(f"s{n}", work, still_wanted=always) for n in range(2, 5)]
    assert (pool.running, pool.waiting) == (2, 3)
    with pytest.raises(PoolBusy) as busy:  # answered at once: every worker is held by `go`
        pool.submit("s5", work, still_wanted=always)
    assert "busy" in str(busy.value) and "Try again in a minute" in str(busy.value)
    assert pool.job_of("s5") is None  # nothing was queued for the refused session
    go.set()
    for job in jobs:
        _finished(job)
    assert [j.result() for j in jobs] == [f"s{n}" for n in range(5)]
    assert most == 2
    late = pool.submit("s5", work, still_wanted=always)  # room again
    _finished(late)
    assert late.result() == "s5"


def test_a_job_whose_tab_closed_before_its_turn_never_runs(
    pools: Callable[..., SubmitPool],
) -> None:
    pool = pools(workers=1, max_waiting=4)
    gate = Gate()
    blocker = pool.submit("busy-tab", gate, still_wanted=always)
    assert gate.started.wait(HUNG)
    tab_open = threading.Event()
    tab_open.set()
    ran = threading.Event()

    def work(job: Job[str]) -> str:
        ran.set()
        return "verified"

    waiting = pool.submit("closing-tab", work, still_wanted=tab_open.is_set)
    assert waiting.state == "waiting"
    tab_open.clear()  # the person closes the tab while the job waits
    gate.go.set()
    _finished(blocker)
    _finished(waiting)
    assert not ran.is_set()
    assert waiting.state == "cancelled"
    with pytest.raises(JobCancelled):
        waiting.result()
    assert pool.job_of("closing-tab") is None  # no slot left behind


def test_a_cancelled_job_never_runs(pools: Callable[..., SubmitPool]) -> None:
    pool = pools(workers=1, max_waiting=4)
    gate = Gate()
    pool.submit("busy-tab", gate, still_wanted=always)
    assert gate.started.wait(HUNG)
    ran = threading.Event()
    job = pool.submit("tab", lambda j: ran.set(), still_wanted=always)
    job.cancel()
    gate.go.set()
    _finished(job)
    assert not ran.is_set() and job.state == "cancelled"


def test_jobs_of_closed_tabs_do_not_hold_places_in_the_line(
    pools: Callable[..., SubmitPool],
) -> None:
    pool = pools(workers=1, max_waiting=1)
    gate = Gate()
    pool.submit("busy-tab", gate, still_wanted=always)
    assert gate.started.wait(HUNG)
    gone = threading.Event()
    ran = threading.Event()
    stale = pool.submit("closed-tab", lambda j: ran.set(), still_wanted=lambda: not gone.is_set())
    with pytest.raises(PoolBusy):  # the line is full while that tab is open
        pool.submit("tab-c", lambda j: "c", still_wanted=always)
    gone.set()
    fresh = pool.submit("tab-c", lambda j: "c", still_wanted=always)  # its place is taken back
    _finished(stale)
    assert stale.state == "cancelled" and not ran.is_set()
    gate.go.set()
    _finished(fresh)
    assert fresh.result() == "c"


def test_a_batch_stops_between_items_when_its_tab_closes(
    pools: Callable[..., SubmitPool],
) -> None:
    """The work checks ``job.wanted()`` before every item; the tab closes during item 2."""
    pool = pools(workers=1, max_waiting=0)
    tab_open = threading.Event()
    tab_open.set()
    in_item_2 = threading.Event()
    resume = threading.Event()
    processed: list[int] = []

    def batch(job: Job[list[int]]) -> list[int]:
        for item in range(5):
            if not job.wanted():
                break
            job.report(item, 5)
            if item == 2:
                in_item_2.set()
                assert resume.wait(HUNG)
            processed.append(item)
        return processed

    job = pool.submit("tab", batch, still_wanted=tab_open.is_set)
    assert in_item_2.wait(HUNG)
    assert job.state == "running" and job.progress == (2, 5)
    tab_open.clear()
    resume.set()
    _finished(job)
    assert job.result() == [0, 1, 2]  # item 2 finished, 3 and 4 never started


def test_an_error_in_the_work_reaches_the_caller_and_frees_the_session(
    pools: Callable[..., SubmitPool],
) -> None:
    pool = pools(workers=1, max_waiting=1)

    def broken(job: Job[str]) -> str:
        raise ValueError("broken badge")

    job = pool.submit("tab", broken, still_wanted=always)
    _finished(job)
    with pytest.raises(ValueError, match="broken badge"):
        job.result()
    _finished(pool.submit("tab", lambda j: "ok", still_wanted=always))


def test_the_shared_pool_is_one_per_process_with_its_bounds() -> None:
    from skills.ingest.pool import MAX_WAITING, WORKERS

    pool = shared_pool()
    assert shared_pool() is pool
    assert (pool.workers, pool.max_waiting) == (WORKERS, MAX_WAITING) == (2, 8)


def _zip_of(tmp_path: Path, badges: list[str]) -> Path:
    path = tmp_path / "badges.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for n, badge in enumerate(badges):
            archive.writestr(f"badge-{n}.jwt", badge)
    return path


def test_submit_batch_stops_between_slices_when_no_longer_wanted(
    store: Store, issuer: BadgeIssuer, tmp_path: Path
) -> None:
    """The Submit page's batch: ``still_wanted`` is asked before each slice; a batch
    whose tab closed after two items stores those two (whole) and nothing more."""
    from skills.services.submit import submit_batch

    badges = [issuer.badge("ada@example.org", name=f"Badge {n}") for n in range(4)]
    hr = Viewer(account="hr", role=Role.HR, person_id="e0")
    asked: list[int] = []
    progress: list[tuple[int, int]] = []

    def still_wanted() -> bool:
        asked.append(len(asked))
        return len(asked) <= 2  # the tab closes after the second item

    outcome = submit_batch(
        store,
        hr,
        _zip_of(tmp_path, badges),
        person_id="e1",
        progress=lambda d, t: progress.append((d, t)),
        still_wanted=still_wanted,
        check_every=1,
    )
    assert outcome.stopped and (outcome.done, outcome.items, outcome.total) == (2, 4, 2)
    assert len(asked) == 3  # asked before items 1, 2 and 3; never again after "no"
    assert [r.name for r in outcome.results] == ["badge-0.jwt", "badge-1.jwt"]
    assert store.scalar("SELECT count(*) FROM credentials") == 2
    assert progress[-1] == (2, 4)
    # Run again without a limit: the rest is stored, the first two are recognised.
    again = submit_batch(store, hr, _zip_of(tmp_path, badges), person_id="e1")
    assert not again.stopped and again.counts["duplicate"] == 2
    assert store.scalar("SELECT count(*) FROM credentials") == 4


def test_submit_batch_checks_the_item_limit_before_slicing(
    store: Store, issuer: BadgeIssuer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skills.errors import InputTooLarge
    from skills.services.submit import submit_batch

    path = _zip_of(tmp_path, [issuer.badge("ada@example.org") for _ in range(3)])
    hr = Viewer(account="hr", role=Role.HR, person_id="e0")
    with pytest.raises(InputTooLarge):
        submit_batch(
            store,
            hr,
            path,
            person_id="e1",
            still_wanted=always,
            check_every=1,
            settings=Settings(max_batch_items=2),
        )
    assert store.scalar("SELECT count(*) FROM credentials") == 0
