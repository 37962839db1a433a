"""The composition root: the application built from one :class:`~skills.config.Settings` value.

Both edges call it: the Streamlit app (``pages/_ui/session.py``) and the command line
(``skills/commands``). They read the environment once (:func:`skills.config.settings`)
and hand the value here; everything below receives what it needs from the
:class:`Application` (the settings, the store, an HTTP client factory) and never reads the
environment. The skill mapper is built by ingestion for each batch from the store
(:func:`skills.ingest.skill_mapper`), since the organisation's synonyms and review
decisions change between batches.

- :func:`open_application` opens the store for one job (a command) and starts nothing.
- :func:`serve` is the server process's application: opened once per database file,
  and its queue drainer (:mod:`skills.ingest.queue`), its re-verification schedule
  (:func:`skills.ingest.start_reverify_scheduler`, every
  ``settings.reverify_every_hours``) and a one-off warm-up of the ESCO matcher started
  explicitly here, not as a side effect of a cache.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from skills.config import LakeLocation, Settings
from skills.errors import SkillAtlasError
from skills.fetch import default_client
from skills.ingest import ReverifyScheduler, client_factory_for, start_reverify_scheduler
from skills.ingest.queue import Drainer, start_drainer
from skills.store import Store, open_store
from skills.taxonomy import load_taxonomy

#: How long the server waits for the database file when another process holds it.
SERVE_WAIT_SECONDS = 10.0


@dataclass
class Application:
    """What every stage is given: the settings, the open store, and factories for the rest."""

    settings: Settings
    store: Store
    drainer: Drainer | None = None
    scheduler: ReverifyScheduler | None = None

    def client_factory(self) -> Callable[[], httpx.Client]:
        """A picklable factory of HTTP clients for verification, with the settings' fetch
        limits: a demo database (``python -m skills demo``) serves its issuers' ``.example``
        hosts from its folder of hosted files; any other gets the hardened client."""
        return client_factory_for(self.store, None, None, self.settings) or functools.partial(
            default_client, settings=self.settings
        )

    def close(self) -> None:
        """Stop the drainer and the schedule (after their current work), close the store."""
        if self.drainer is not None:
            self.drainer.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
        self.store.close()

    def __enter__(self) -> Application:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_application(
    settings: Settings,
    *,
    read_only: bool = False,
    wait: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> Application:
    """Open ``settings.db_path`` (see :func:`skills.store.open_store`) for one job.

    Raises what :func:`skills.store.open_store` raises (``DatabaseLocked`` when another
    process holds the file past ``wait`` seconds, ...).
    """
    store = open_store(settings.store_location, read_only=read_only, wait=wait, on_wait=on_wait)
    return Application(settings, store)


_SERVED: dict[Path | LakeLocation, Application] = {}
_SERVE_LOCK = threading.Lock()


def serve(settings: Settings) -> Application:
    """The server process's application for ``settings.db_path``: built on the first call,
    then shared (one store and one drainer per database file, whatever else differs).

    The server is the database's only writer, so batches that ``python -m skills ingest``
    queued while it runs are ingested by the drainer started here (verification in
    ``settings.workers`` processes), and it re-verifies the stored badges on the schedule
    of ``settings.reverify_every_hours`` (none when 0). An application whose store was
    closed is rebuilt.
    """
    location = settings.store_location
    key = location if isinstance(location, LakeLocation) else location.resolve()
    with _SERVE_LOCK:
        app = _SERVED.get(key)
        if app is not None and not app.store.closed:
            return app
        app = open_application(settings, wait=SERVE_WAIT_SECONDS)
        if not app.store.is_lake:  # a lake has no file to hold: its queue is a table that
            # ingest workers drain (python -m skills ingest-worker)
            app.drainer = start_drainer(
                app.store, client_factory=app.client_factory(), settings=settings
            )
        app.scheduler = start_reverify_scheduler(
            app.store, settings, client_factory=app.client_factory()
        )
        threading.Thread(target=_warm_matcher, name="skills-warm-matcher", daemon=True).start()
        _SERVED[key] = app
        return app


def _warm_matcher() -> None:
    """Load the ESCO matcher (about a second) before the first person needs it: the Admin
    page's review queue and skill search, and the first ingested badge. Best effort."""
    try:
        load_taxonomy().matcher()
    except SkillAtlasError:  # missing ESCO files: the pages that need it say so
        return
