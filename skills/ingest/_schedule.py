"""Re-verification on a schedule: the server's background thread that runs :func:`reverify`.

Badges are revoked and expire while nobody submits anything, so the server re-checks
every stored badge every ``Settings.reverify_every_hours`` hours (0: never; cron can
run ``python -m skills reverify`` instead, with the same function). The schedule is
kept in the database, not in the thread: a run is due when the newest ``reverify.run``
audit entry (written by every run, scheduled or not) is older than the interval, or, on
a database never re-verified, when its oldest check (``verified_at``) is. So a restart
never re-runs at once, and a manual run postpones the next scheduled one.

:class:`ReverifyScheduler` takes its clock from the caller and exposes
:meth:`~ReverifyScheduler.run_once`, so tests drive it without sleeping; the thread
itself only waits on its stop event between checks. Errors are logged, never raised
out of the thread: the app keeps serving.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pandas as pd

from skills.config import DEFAULTS, Settings
from skills.errors import StoreError
from skills.ingest._plan import ReverifySummary
from skills.ingest._reverify import ReverifyRunning, reverify
from skills.store import Store

log = logging.getLogger("skills.reverify")

#: The longest the thread sleeps between two looks at the schedule.
MAX_POLL_SECONDS = 300.0
#: How long after a failed run the next is tried (the interval, when shorter).
RETRY_AFTER = timedelta(hours=1)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def last_checked(store: Store) -> datetime | None:
    """When the stored badges were last re-verified as a whole: the newest ``reverify.run``
    audit entry, else the oldest ``verified_at`` of a re-checkable credential (None when
    there is nothing to re-check)."""
    found = store.scalar(
        "SELECT coalesce((SELECT max(logged_at) FROM audit_log WHERE action = 'reverify.run'), "
        "(SELECT min(verified_at) FROM credentials WHERE raw IS NOT NULL))"
    )
    if found is None or pd.isna(found):
        return None
    return pd.Timestamp(found).tz_convert(UTC).to_pydatetime()


class ReverifyScheduler(threading.Thread):
    """A daemon thread re-verifying ``store`` whenever :meth:`due` (see the module docstring).

    ``clock`` gives the current time (default: the system's, in UTC); it also dates the
    run, so the next one is due an interval after it by the same clock. ``finished`` is
    set after every run (a signal for waiters), ``last`` holds the latest summary,
    ``error`` the sentence of the latest failure (None after a clean run) and
    ``retry_at`` when a failed run is tried again.
    """

    def __init__(
        self,
        store: Store,
        *,
        every: timedelta,
        settings: Settings = DEFAULTS,
        client_factory: Callable[[], httpx.Client] | None = None,
        clock: Callable[[], datetime] = _utc_now,
        poll: float | None = None,
    ) -> None:
        super().__init__(name=f"skills-reverify:{store.path.name}", daemon=True)
        if every <= timedelta(0):
            raise ValueError("the re-verification interval must be positive")
        self.store = store
        self.every = every
        self.settings = settings
        self.client_factory = client_factory
        self.clock = clock
        self.poll = poll if poll is not None else min(every.total_seconds(), MAX_POLL_SECONDS)
        self.last: ReverifySummary | None = None
        self.error: str | None = None
        #: After a failed run, when the next may start (None: as the schedule says).
        self.retry_at: datetime | None = None
        self.finished = threading.Event()
        self._stop_event = threading.Event()

    def due(self) -> bool:
        """Whether a run is due now (by :attr:`clock`): an interval after the last run,
        and not before :attr:`retry_at` after a failed one."""
        now = self.clock()
        if self.retry_at is not None and now < self.retry_at:
            return False
        checked = last_checked(self.store)
        return checked is not None and now - checked >= self.every

    def run_once(self) -> ReverifySummary | None:
        """Re-verify when due; the summary, or None when it was not due or another
        re-verification is running in this process (this round is skipped: that one
        records its run). A failed run (it records none) is retried no sooner than
        :data:`RETRY_AFTER` (or the interval, when shorter) later, not at every poll,
        which would fetch from every issuer each time; the failure is raised (the
        thread catches and logs it)."""
        if not self.due():
            return None
        now = self.clock()
        log.info("Scheduled re-verification started.")

        def progress(done: int, total: int) -> None:
            log.info("Re-verified %d of %d stored badges.", done, total)

        try:
            summary = reverify(
                self.store,
                actor="schedule",
                client_factory=self.client_factory,
                now=now,
                progress=progress,
                settings=self.settings,
            )
        except ReverifyRunning:
            log.info("Scheduled re-verification skipped: another one is running.")
            return None
        except BaseException:
            self.retry_at = now + min(self.every, RETRY_AFTER)
            raise
        self.retry_at = None
        log.info(
            "Scheduled re-verification done: %d checked, %d changed status, %d re-mapped.",
            summary.checked,
            len(summary.changes),
            summary.remapped,
        )
        self.last = summary
        return summary

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to end (after its current run) and wait up to ``timeout`` s."""
        self._stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                if self.run_once() is not None:
                    self.error = None
                    self.finished.set()
            except StoreError as err:
                if self.store.closed:
                    return
                self.error = str(err)
                log.error("Scheduled re-verification failed: %s", err)
            except Exception as err:  # the schedule must never take the app down
                self.error = f"Scheduled re-verification stopped on an unexpected error: {err!r}."
                log.exception("Scheduled re-verification failed")
            self._stop_event.wait(self.poll)


def start_reverify_scheduler(
    store: Store,
    settings: Settings,
    *,
    client_factory: Callable[[], httpx.Client] | None = None,
    clock: Callable[[], datetime] = _utc_now,
    poll: float | None = None,
) -> ReverifyScheduler | None:
    """Start (and return) the schedule of ``settings.reverify_every_hours``; None when it
    is 0 (disabled). The server starts one per process (:mod:`skills.bootstrap`)."""
    if settings.reverify_every_hours <= 0:
        return None
    thread = ReverifyScheduler(
        store,
        every=timedelta(hours=settings.reverify_every_hours),
        settings=settings,
        client_factory=client_factory,
        clock=clock,
        poll=poll,
    )
    thread.start()
    return thread
