"""Growth: verified skills gained over time, cumulative distinct skills, expiring badges.

Aggregates are organisation-wide for HR, managers and recruiters, but every name
in them is scoped by the viewer (the roles of :mod:`skills.access`): grouped by
team, HR sees every team; a manager sees the teams they lead by name and every
other employee under one anonymous row, :data:`OTHER_TEAMS`; a recruiter sees
:data:`CANDIDATES` and :data:`EMPLOYEES`, never a team's name. The list of
expiring badges names only people within the viewer's scope.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import pandas as pd

from skills.access import Role, Viewer, require_role
from skills.services._common import Reader, scope
from skills.services._readmodel import firsts_source

Freq = Literal["month", "quarter"]
By = Literal["team", "pillar", "group"]

OTHER_TEAMS = "other teams"  # a manager's row for every employee outside their teams
EMPLOYEES = "employees"  # a recruiter's row for every employee
CANDIDATES = "candidates"
NO_TEAM = "(no team)"

_BY_SQL = {
    "team": f"coalesce(t.name, CASE p.kind WHEN 'candidate' THEN '{CANDIDATES}' "
    f"ELSE '{NO_TEAM}' END)",
    "pillar": "coalesce(s.pillar, '?')",
    "group": "coalesce(left(s.group_code, 2), s.pillar, '?')",
}


def _allowed(viewer: Viewer) -> None:
    require_role(viewer, Role.HR, Role.MANAGER, Role.RECRUITER, what="growth")


def _key(viewer: Viewer, by: By) -> tuple[str, list[Any]]:
    """The SQL grouping key for ``by`` as ``viewer`` may see it, and its parameters.

    Only ``team`` carries names. HR gets every team's name; a manager the names of
    the teams in their scope and :data:`OTHER_TEAMS` for any other employee; a
    recruiter :data:`CANDIDATES` or :data:`EMPLOYEES`. Raises ``ValueError`` for an
    unknown ``by``.
    """
    if by not in _BY_SQL:
        raise ValueError("by must be team, pillar or group")
    if by != "team" or viewer.role is Role.HR:
        return _BY_SQL[by], []
    if viewer.role is Role.MANAGER:
        return (
            f"CASE WHEN p.kind = 'candidate' THEN '{CANDIDATES}' "
            f"WHEN list_contains(?::VARCHAR[], p.team_id) THEN coalesce(t.name, '{NO_TEAM}') "
            f"ELSE '{OTHER_TEAMS}' END",
            [sorted(viewer.team_ids)],
        )
    return f"CASE WHEN p.kind = 'candidate' THEN '{CANDIDATES}' ELSE '{EMPLOYEES}' END", []


def skills_gained(
    store: Reader, viewer: Viewer, freq: Freq = "quarter", by: By = "team"
) -> pd.DataFrame:
    """Skills gained (first verified evidence of a skill for a person) per period and ``by``.

    Columns: period (timestamp at the period start), key, gained. Team keys are
    scoped by the viewer (see the module docstring).
    """
    _allowed(viewer)
    if freq not in ("month", "quarter"):
        raise ValueError("freq must be month or quarter")
    key, key_params = _key(viewer, by)
    return store.read(
        f"""
        SELECT date_trunc('{freq}', f.gained) AS period, {key} AS key,
               count(*) AS gained
        FROM {firsts_source(store)} f JOIN people p USING (person_id)
        LEFT JOIN teams t ON t.team_id = p.team_id
        LEFT JOIN skills s ON s.skill_uri = f.skill_uri
        GROUP BY ALL ORDER BY period, key
        """,  # noqa: S608
        key_params,
    )


def cumulative_distinct(store: Reader, viewer: Viewer, freq: Freq = "quarter") -> pd.DataFrame:
    """Distinct skills evidenced in the organisation up to each period (period, skills)."""
    _allowed(viewer)
    if freq not in ("month", "quarter"):
        raise ValueError("freq must be month or quarter")
    return store.read(
        f"""
        WITH org_first AS (
            SELECT skill_uri, min(gained) AS gained FROM {firsts_source(store)} GROUP BY skill_uri
        )
        SELECT date_trunc('{freq}', gained) AS period,
               sum(count(*)) OVER (ORDER BY date_trunc('{freq}', gained)) AS skills
        FROM org_first GROUP BY 1 ORDER BY 1
        """,  # noqa: S608
        [],
    )


def expiring(store: Reader, viewer: Viewer, days: int = 90) -> pd.DataFrame:
    """Verified badges of people in scope that expire within ``days`` (soonest first)."""
    _allowed(viewer)
    cond, params = scope(viewer)
    return store.read(
        f"""
        SELECT c.expires, p.display_name AS person, t.name AS team, c.badge_name AS badge,
               c.issuer_name AS issuer, p.person_id, c.credential_key
        FROM credentials c
        JOIN people p ON p.person_id = c.person_id
        LEFT JOIN teams t ON t.team_id = p.team_id
        LEFT JOIN issuers i ON i.issuer_id = c.issuer_id
        WHERE c.status = 'verified' AND c.expires > now()
          AND c.expires <= now() + to_days(?) AND {cond}
        ORDER BY c.expires LIMIT 500
        """,  # noqa: S608
        [int(days), *params],
    )


def compare_periods(
    store: Reader,
    viewer: Viewer,
    first: tuple[date, date],
    second: tuple[date, date],
    by: By = "pillar",
) -> pd.DataFrame:
    """Skills gained in two periods side by side: key, first, second, change.

    Team keys are scoped by the viewer (see the module docstring).
    """
    _allowed(viewer)
    key, key_params = _key(viewer, by)
    frame = store.read(
        f"""
        SELECT {key} AS key,
               count(*) FILTER (WHERE f.gained >= ?::DATE AND f.gained < ?::DATE + 1) AS first,
               count(*) FILTER (WHERE f.gained >= ?::DATE AND f.gained < ?::DATE + 1) AS second
        FROM {firsts_source(store)} f JOIN people p USING (person_id)
        LEFT JOIN teams t ON t.team_id = p.team_id
        LEFT JOIN skills s ON s.skill_uri = f.skill_uri
        GROUP BY ALL HAVING first + second > 0 ORDER BY second DESC, key
        """,  # noqa: S608
        [*key_params, first[0], first[1], second[0], second[1]],
    )
    return frame.assign(change=frame["second"] - frame["first"])
