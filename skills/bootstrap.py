"""The composition root: the application built from one :class:`~skills.config.Settings` value.

Both edges call it: the Streamlit app (``pages/_ui/session.py``) and the command line
(``skills/commands``). They read the environment once (:func:`skills.config.settings`)
and hand the value here; everything below receives what it needs from the
:class:`Application` (the settings, the store, an HTTP client factory, the skill mapper)
and never reads the environment.

- :func:`open_application` opens the store for one job (a command) and starts nothing.
- :func:`serve` is the server process's application: opened once per settings value,
  and its queue drainer (:mod:`skills.ingest.queue`) started explicitly here, not as a
  side effect of a cache.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from skills.config import Settings
from skills.fetch import default_client
from skills.ingest import Mapper, client_factory_for, skill_mapper
from skills.ingest.queue import Drainer, start_drainer
from skills.store import Store, open_store

#: How long the server waits for the database file when another process holds it.
SERVE_WAIT_SECONDS = 10.0


@dataclass
class Application:
    """What every stage is given: the settings, the open store, and factories for the rest."""

    settings: Settings
    store: Store
    drainer: Drainer | None = None

    def client_factory(self) -> Callable[[], httpx.Client]:
        """A picklable factory of HTTP clients for verification.

        A demo database (``python -m skills demo``) serves its issuers' ``.example`` hosts
        from its folder of hosted files; any other gets the hardened client.
        """
        return client_factory_for(self.store, None, None) or default_client

    def mapper(self) -> Mapper:
        """The skill mapper over ESCO and the organisation's current skills and synonyms."""
        return skill_mapper(self.store)

    def close(self) -> None:
        """Stop the drainer (after its current drain) and close the store."""
        if self.drainer is not None:
            self.drainer.stop()
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
    store = open_store(settings.db_path, read_only=read_only, wait=wait, on_wait=on_wait)
    return Application(settings, store)


_SERVED: dict[Settings, Application] = {}
_SERVE_LOCK = threading.Lock()


def serve(settings: Settings) -> Application:
    """The server process's application for ``settings``: built on the first call, then shared.

    The server is the database's only writer, so batches that ``python -m skills ingest``
    queued while it runs are ingested by the drainer started here (verification in
    ``settings.workers`` processes). An application whose store was closed is rebuilt.
    """
    with _SERVE_LOCK:
        app = _SERVED.get(settings)
        if app is not None and not app.store.closed:
            return app
        app = open_application(settings, wait=SERVE_WAIT_SECONDS)
        app.drainer = start_drainer(app.store, settings=settings)
        _SERVED[settings] = app
        return app
