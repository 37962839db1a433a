"""What every read query shares: the reader protocol and the viewer's scope."""

from __future__ import annotations

from typing import Any, Protocol

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
