"""What every read query shares: the reader protocol, the viewer's scope, profile links."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlencode

import pandas as pd

from skills.access import Viewer, people_predicate


class Reader(Protocol):
    """The read side of :class:`skills.store.Store` (a fake with ``read`` works in tests)."""

    def read(self, sql: str, params: Any = ...) -> pd.DataFrame: ...


def scope(viewer: Viewer, alias: str = "p") -> tuple[str, list[Any]]:
    """The viewer's people condition on ``alias`` and its parameters."""
    return people_predicate(viewer, alias)


def org_wide(viewer: Viewer) -> bool:
    """Whether ``viewer`` may see organisation aggregates (counts without names)."""
    return viewer.role.value in ("hr", "manager", "recruiter")


def profile_link(person_id: object, credential_key: object = None, back: str | None = None) -> str:
    """The Profile page's relative address for a person, with the badge that led there
    (shown first) and ``back``, the query string of the search to return to."""
    params = {"person": str(person_id)}
    if isinstance(credential_key, str) and credential_key:
        params["credential"] = credential_key
    if back:
        params["back"] = back
    return "profile?" + urlencode(params)
