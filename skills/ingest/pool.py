"""A bounded pool for verification work started by people on the Submit page.

One person's upload must not slow everyone: the server process verifies
submissions in a :class:`SubmitPool` with a fixed number of worker threads
(:data:`WORKERS`) and a bounded waiting line (:data:`MAX_WAITING`).

- :meth:`SubmitPool.submit` never blocks. It raises :class:`SubmissionInFlight`
  when the same session already has a job queued or running (one job at a time
  per session), and :class:`PoolBusy` when the waiting line is full (after
  dropping waiting jobs nobody wants any more).
- Every job carries its session's ``still_wanted()`` callable (for the app: is
  the browser tab still connected?). A worker that picks a job nobody wants
  cancels it without running it (:class:`JobCancelled` from :meth:`Job.result`);
  a running job checks :meth:`Job.wanted` between items and stops there. So a
  person who closes the tab leaves no work behind.
- A job's session slot is released before its result is published: once
  :meth:`Job.wait` returns, the session may submit again.

Nothing here knows about Streamlit: sessions are plain ids, and liveness is the
``still_wanted`` callable the caller passes. ``still_wanted`` is called from
worker threads and while the pool's lock is held, so it must be cheap and
thread-safe.

Public API: :class:`SubmitPool`, :class:`Job`, :func:`shared_pool`, the errors
:class:`SubmissionInFlight`, :class:`PoolBusy`, :class:`JobCancelled`, and the
sizes :data:`WORKERS`, :data:`MAX_WAITING`.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, Literal, TypeVar

from skills.errors import SkillAtlasError

T = TypeVar("T")

WORKERS = 2
"""Jobs verified at the same time by the shared pool."""
MAX_WAITING = 8
"""Jobs that may wait for a worker in the shared pool; one more is refused at once."""

JobState = Literal["waiting", "running", "done", "cancelled"]


class SubmissionInFlight(SkillAtlasError):
    """This session already has a submission being verified (one at a time per session)."""

    def __init__(self) -> None:
        super().__init__(
            "Your previous submission is still being verified; its results appear here "
            "when it is done. Submit again after that."
        )


class PoolBusy(SkillAtlasError):
    """Every worker is busy and the waiting line is full: try again later."""

    def __init__(self) -> None:
        super().__init__(
            "The server is busy verifying other people's badges; nothing was submitted. "
            "Try again in a minute."
        )


class JobCancelled(SkillAtlasError):
    """The job never ran: its session was gone (or it was cancelled) before a worker was free."""

    def __init__(self) -> None:
        super().__init__(
            "This submission was not verified: the page that sent it was closed before "
            "its turn came."
        )


class Job(Generic[T]):
    """One unit of verification work for one session, and its outcome.

    The work function receives the job itself: it calls :meth:`wanted` between
    items to stop early, and :meth:`report` to publish its progress.
    """

    def __init__(
        self,
        session_id: str,
        work: Callable[[Job[T]], T],
        still_wanted: Callable[[], bool],
    ) -> None:
        self.session_id = session_id
        self._work = work
        self._still_wanted = still_wanted
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._state: JobState = "waiting"
        self._value: T | None = None
        self._error: BaseException | None = None
        self._progress: tuple[int, int] | None = None

    @property
    def state(self) -> JobState:
        """``waiting``, ``running``, ``done`` (finished, with a value or an error) or
        ``cancelled`` (never ran)."""
        return self._state

    @property
    def progress(self) -> tuple[int, int] | None:
        """The last ``(done, total)`` the work reported, or None."""
        return self._progress

    def report(self, done: int, total: int) -> None:
        """Record the work's progress (called by the work function, from its thread)."""
        self._progress = (int(done), int(total))

    def wanted(self) -> bool:
        """Whether the job should go on: not cancelled and its session still wants it.

        An exception from ``still_wanted`` counts as "not wanted".
        """
        if self._cancel.is_set():
            return False
        try:
            return bool(self._still_wanted())
        except Exception:
            return False

    def cancel(self) -> None:
        """Ask the job to stop: a waiting job never runs, a running one stops at its
        next :meth:`wanted` check."""
        self._cancel.set()

    def done(self) -> bool:
        """Whether the job has finished (done or cancelled)."""
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the job has finished; returns :meth:`done`."""
        return self._done.wait(timeout)

    def result(self) -> T:
        """The work's return value once finished.

        Re-raises the work's exception; raises :class:`JobCancelled` for a job that
        never ran. Call after :meth:`wait` returned True (raises ``RuntimeError``
        while the job is unfinished).
        """
        if not self._done.is_set():
            raise RuntimeError("the job has not finished")
        if self._state == "cancelled":
            raise JobCancelled()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    # -- used by the pool ----------------------------------------------------------

    def _execute(self) -> None:
        """Run the work (or cancel it if nobody wants it); never raises."""
        if not self.wanted():
            self._state = "cancelled"
            return
        self._state = "running"
        try:
            self._value = self._work(self)
        except BaseException as err:  # handed to whoever reads the result
            self._error = err
        self._state = "done"

    def _drop(self) -> None:
        self._state = "cancelled"

    def _publish(self) -> None:
        self._done.set()


class SubmitPool:
    """At most ``workers`` jobs running and ``max_waiting`` waiting; one job per session.

    Worker threads are daemons started with the pool; :meth:`close` stops them.
    """

    def __init__(self, workers: int = WORKERS, max_waiting: int = MAX_WAITING) -> None:
        if workers < 1 or max_waiting < 0:
            raise ValueError("a pool needs at least one worker and a non-negative line")
        self.workers = workers
        self.max_waiting = max_waiting
        self._cond = threading.Condition()
        self._waiting: deque[Job[object]] = deque()
        self._by_session: dict[str, Job[object]] = {}
        self._running = 0
        self._closed = False
        self._threads = [
            threading.Thread(target=self._worker, name=f"submit-pool-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def running(self) -> int:
        """Jobs being worked on now."""
        with self._cond:
            return self._running

    @property
    def waiting(self) -> int:
        """Jobs waiting for a worker."""
        with self._cond:
            return len(self._waiting)

    def job_of(self, session_id: str) -> Job[object] | None:
        """The session's unfinished job, if any."""
        with self._cond:
            return self._by_session.get(session_id)

    def submit(
        self,
        session_id: str,
        work: Callable[[Job[T]], T],
        *,
        still_wanted: Callable[[], bool],
    ) -> Job[T]:
        """Queue ``work`` for ``session_id`` and return its :class:`Job` at once.

        Raises :class:`SubmissionInFlight` when the session has an unfinished job,
        :class:`PoolBusy` when ``max_waiting`` jobs already wait (waiting jobs that
        are no longer wanted are dropped first, so they never hold a place), and
        ``RuntimeError`` after :meth:`close`. Never blocks on the work.
        """
        job: Job[T] = Job(session_id, work, still_wanted)
        dropped: list[Job[object]] = []
        try:
            with self._cond:
                if self._closed:
                    raise RuntimeError("the submit pool is closed")
                if session_id in self._by_session:
                    raise SubmissionInFlight()
                if self._full():
                    dropped = self._drop_unwanted()
                if self._full():
                    raise PoolBusy()
                self._waiting.append(job)  # type: ignore[arg-type]
                self._by_session[session_id] = job  # type: ignore[assignment]
                self._cond.notify()
        finally:
            for gone in dropped:
                gone._publish()
        return job

    def close(self) -> None:
        """Stop the workers after their current job; waiting jobs are cancelled."""
        with self._cond:
            self._closed = True
            left = list(self._waiting)
            self._waiting.clear()
            for job in left:
                job._drop()
                self._by_session.pop(job.session_id, None)
            self._cond.notify_all()
        for job in left:
            job._publish()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join()

    def _full(self) -> bool:
        """Whether every worker has a job and ``max_waiting`` more wait (lock held).

        A job waiting only until an idle worker picks it up does not count against
        the waiting line: capacity is ``workers + max_waiting`` unfinished jobs.
        """
        return self._running + len(self._waiting) >= self.workers + self.max_waiting

    def _drop_unwanted(self) -> list[Job[object]]:
        """Remove waiting jobs that are no longer wanted (lock held); returns them."""
        gone = [job for job in self._waiting if not job.wanted()]
        for job in gone:
            self._waiting.remove(job)
            job._drop()
            if self._by_session.get(job.session_id) is job:
                del self._by_session[job.session_id]
        return gone

    def _worker(self) -> None:
        while True:
            with self._cond:
                while not self._waiting and not self._closed:
                    self._cond.wait()
                if not self._waiting:
                    return
                job = self._waiting.popleft()
                self._running += 1
            try:
                job._execute()
            finally:
                with self._cond:
                    self._running -= 1
                    if self._by_session.get(job.session_id) is job:
                        del self._by_session[job.session_id]
                job._publish()


_shared: SubmitPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> SubmitPool:
    """The process-wide pool (:data:`WORKERS` workers, :data:`MAX_WAITING` waiting),
    created on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SubmitPool()
        return _shared


__all__ = [
    "MAX_WAITING",
    "WORKERS",
    "Job",
    "JobCancelled",
    "PoolBusy",
    "SubmissionInFlight",
    "SubmitPool",
    "shared_pool",
]
