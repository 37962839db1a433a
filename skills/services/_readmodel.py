"""A process-local read model: ``held_skills`` computed once per database write, in memory.

``held_skills`` (a view) aggregates every verified credential's skills; on the
100,000-person demo that is a million credentials and three million skill rows,
and several page queries read it. :func:`held_source` returns a SQL fragment for
a table holding the view's rows, rebuilt on the first read after the store's
``generation`` changes (any committed write in this process) or after
:data:`MAX_AGE_SECONDS`.

The table lives in an in-memory database attached to the store's DuckDB instance
(``ATTACH ':memory:' AS atlas_rm``), so every cursor of the store sees it and
nothing is written to the database file: an erased person disappears from it on
the next read after the erasure, and it never reaches a backup. Expiry is
re-checked at read time (``expires > now()``) for held skills, so a badge that
expires between two rebuilds stops counting at once; the per-team counts are
pre-aggregated and catch up at the next rebuild.

Stores without a ``generation`` (test fakes) read the view itself.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

MAX_AGE_SECONDS = 900.0
SCHEMA = "atlas_rm"
_VIEW = "held_skills"

# First evidence of each (person, skill): verified or since expired, above the threshold,
# from a trusted issuer and not self-issued (as held_skills counts them).
FIRSTS_SQL = """
    SELECT c.person_id, cs.skill_uri, min(c.issued) AS gained
    FROM credentials c JOIN credential_skills cs USING (credential_key)
    JOIN issuers i ON i.issuer_id = c.issuer_id AND i.trust = 'trusted'
    WHERE c.status IN ('verified', 'expired') AND cs.skill_uri IS NOT NULL
      AND NOT coalesce(c.self_issued, false)
      AND c.issued IS NOT NULL AND c.person_id IS NOT NULL
      AND cs.confidence >= (SELECT CAST(value AS DOUBLE) FROM app_settings
                            WHERE key = 'held_confidence_threshold')
    GROUP BY c.person_id, cs.skill_uri
"""
# Employees holding each skill, per team (people with no team under NULL).
TEAM_SKILL_SQL = """
    SELECT p.team_id, h.skill_uri, count(*) AS holders
    FROM {held} h JOIN people p USING (person_id)
    WHERE p.kind = 'employee'
    GROUP BY ALL
"""
_LIVE_HELD = f"(SELECT * FROM {SCHEMA}.held WHERE expires IS NULL OR expires > now())"  # noqa: S608
_TABLES = {  # built in this order
    "held": f"SELECT * FROM {_VIEW} ORDER BY skill_uri, person_id",  # noqa: S608
    "firsts": FIRSTS_SQL,
    "team_skill": TEAM_SKILL_SQL.format(held=_LIVE_HELD),
}


@dataclass
class _State:
    generation: int = -1
    built: float = 0.0
    connection: int = 0


_lock = threading.Lock()
_states: weakref.WeakKeyDictionary[Any, _State] = weakref.WeakKeyDictionary()


def _fresh(store: Any, state: _State) -> bool:
    return (
        state.generation == store.generation
        and time.monotonic() - state.built < MAX_AGE_SECONDS
        and state.connection == id(getattr(store, "_con", None))
    )


def _ensure(store: Any) -> bool:
    """Rebuild the read model of ``store`` if stale; False for stores without one."""
    if not hasattr(store, "generation") or not hasattr(store, "rows"):
        return False
    state = _states.get(store)
    if state is None or not _fresh(store, state):
        with _lock:
            state = _states.setdefault(store, _State())
            if not _fresh(store, state):
                generation = store.generation
                store.rows(f"ATTACH IF NOT EXISTS ':memory:' AS {SCHEMA}")
                for name, sql in _TABLES.items():
                    store.rows(f"CREATE OR REPLACE TABLE {SCHEMA}.{name} AS {sql}")
                state.generation = generation
                state.built = time.monotonic()
                state.connection = id(getattr(store, "_con", None))
    return True


def held_source(store: Any) -> str:
    """A FROM-able SQL fragment with the rows of the ``held_skills`` view as of now.

    Side effect: (re)builds the read model when the store has been written to
    since the last build. Raises :class:`skills.errors.StoreError` when DuckDB
    refuses (the store's own error).
    """
    if not _ensure(store):
        return _VIEW
    return _LIVE_HELD


def firsts_source(store: Any) -> str:
    """A FROM-able SQL fragment: (person_id, skill_uri, gained) first evidence of each skill.

    Same side effect and errors as :func:`held_source`.
    """
    if not _ensure(store):
        return f"({FIRSTS_SQL})"
    return f"{SCHEMA}.firsts"


def team_skill_source(store: Any) -> str:
    """A FROM-able SQL fragment: (team_id, skill_uri, holders) employees holding each skill.

    Pre-aggregated at each rebuild, so a badge expiring since then still counts
    until the next write or :data:`MAX_AGE_SECONDS`. Same side effect as
    :func:`held_source`.
    """
    if not _ensure(store):
        return f"({TEAM_SKILL_SQL.format(held=_VIEW)})"
    return f"{SCHEMA}.team_skill"
