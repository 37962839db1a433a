"""Organisation-wide figures for the operator's command line (``python -m skills stats``).

HR's figures; the command line reads them as :data:`skills.access.OPERATOR`.
"""

from __future__ import annotations

from typing import Any

from skills.access import Role, Viewer, require_role
from skills.store import Store
from skills.verify import Status

STATUSES = tuple(status.value for status in Status)


def stats(store: Store, viewer: Viewer) -> dict[str, Any]:
    """Organisation-wide counts, as ``python -m skills stats --json`` prints them.

    ``{"people": {"employee": n, "candidate": n}, "teams": n,
    "credentials": {status: n for every status}, "distinct_held_skills": n,
    "mapping_queue": n}``. ``teams`` counts teams, not departments; the mapping
    queue counts open review items. HR only (the command line passes
    :data:`skills.access.OPERATOR`).
    """
    require_role(viewer, Role.HR, what="organisation figures")
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
