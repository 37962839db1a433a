"""Read-side queries over the store, each returning plain data or a DataFrame.

Queries read the views of the schema (``held_skills``, ``credential_details``)
and never write. Access rules are applied by the callers in
:mod:`skills.queries` / :mod:`skills.access`; the functions here are the
organisation-wide figures used by the command line and the admin pages.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from skills.store import Store
from skills.verify.model import Status

STATUSES = tuple(status.value for status in Status)


def stats(store: Store) -> dict[str, Any]:
    """Organisation-wide counts, as ``python -m skills stats --json`` prints them.

    ``{"people": {"employee": n, "candidate": n}, "teams": n,
    "credentials": {status: n for every status}, "distinct_held_skills": n,
    "mapping_queue": n}``. ``teams`` counts teams, not departments; the mapping
    queue counts open review items.
    """
    people = {"employee": 0, "candidate": 0}
    for kind, n in store.rows("SELECT kind, count(*) FROM people GROUP BY kind"):
        people[str(kind)] = int(n)
    credentials = dict.fromkeys(STATUSES, 0)
    for status, n in store.rows("SELECT status, count(*) FROM credentials GROUP BY status"):
        credentials[str(status)] = int(n)
    row = store.rows(
        """
        SELECT
          (SELECT count(*) FROM teams WHERE kind = 'team'),
          (SELECT count(DISTINCT skill_uri) FROM held_skills),
          (SELECT count(*) FROM mapping_review WHERE status = 'open')
        """
    )[0]
    return {
        "people": people,
        "teams": int(row[0]),
        "credentials": credentials,
        "distinct_held_skills": int(row[1]),
        "mapping_queue": int(row[2]),
    }


def status_history(store: Store, credential_key: str) -> pd.DataFrame:
    """A credential's status changes, oldest first (old_status, new_status, changed_at, reason)."""
    return store.read(
        "SELECT old_status, new_status, changed_at, reason FROM credential_status_history "
        "WHERE credential_key = ? ORDER BY changed_at, new_status",
        [credential_key],
    )


def rejected_submissions(store: Store, limit: int = 100) -> pd.DataFrame:
    """The newest submissions that could not be read as badges, with their reasons."""
    return store.read(
        "SELECT received_at, submitted_by, person_id, name, reason, size "
        "FROM rejected_submissions ORDER BY received_at DESC, rejection_id DESC LIMIT ?",
        [limit],
    )


def mapping_queue(store: Store) -> pd.DataFrame:
    """Open review items, most frequent first (label, candidates JSON, occurrences)."""
    return store.read(
        "SELECT label_norm, label, candidates, occurrences, created FROM mapping_review "
        "WHERE status = 'open' ORDER BY occurrences DESC, label_norm"
    )
