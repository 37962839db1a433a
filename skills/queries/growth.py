"""Growth: verified skills gained over time, cumulative distinct skills, expiring badges.

Aggregates are organisation-wide for HR, managers and recruiters (counts, no
names); the list of expiring badges names only people within the viewer's scope.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import pandas as pd

from skills.access import Role, Viewer, require_role
from skills.queries._common import Reader, scope
from skills.queries._readmodel import firsts_source

Freq = Literal["month", "quarter"]
By = Literal["team", "pillar", "group"]

_BY_SQL = {
    "team": "coalesce(t.name, CASE p.kind WHEN 'candidate' THEN 'candidates' ELSE '(no team)' END)",
    "pillar": "coalesce(s.pillar, '?')",
    "group": "coalesce(left(s.group_code, 2), s.pillar, '?')",
}


def _allowed(viewer: Viewer) -> None:
    require_role(viewer, Role.HR, Role.MANAGER, Role.RECRUITER, what="growth")


def skills_gained(
    store: Reader, viewer: Viewer, freq: Freq = "quarter", by: By = "team"
) -> pd.DataFrame:
    """Skills gained (first verified evidence of a skill for a person) per period and ``by``.

    Columns: period (timestamp at the period start), key, gained.
    """
    _allowed(viewer)
    if freq not in ("month", "quarter") or by not in _BY_SQL:
        raise ValueError("freq must be month or quarter; by must be team, pillar or group")
    return store.read(
        f"""
        SELECT date_trunc('{freq}', f.gained) AS period, {_BY_SQL[by]} AS key,
               count(*) AS gained
        FROM {firsts_source(store)} f JOIN people p USING (person_id)
        LEFT JOIN teams t ON t.team_id = p.team_id
        LEFT JOIN skills s ON s.skill_uri = f.skill_uri
        GROUP BY ALL ORDER BY period, key
        """,  # noqa: S608
        [],
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
        SELECT c.expires, p.display_name AS person, t.name AS team, a.name AS badge,
               i.name AS issuer, p.person_id, c.credential_key
        FROM credentials c
        JOIN people p ON p.person_id = c.person_id
        LEFT JOIN teams t ON t.team_id = p.team_id
        LEFT JOIN achievements a ON a.achievement_id = c.achievement_id
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
    """Skills gained in two periods side by side: key, first, second, change."""
    _allowed(viewer)
    if by not in _BY_SQL:
        raise ValueError("by must be team, pillar or group")
    frame = store.read(
        f"""
        SELECT {_BY_SQL[by]} AS key,
               count(*) FILTER (WHERE f.gained >= ?::DATE AND f.gained < ?::DATE + 1) AS first,
               count(*) FILTER (WHERE f.gained >= ?::DATE AND f.gained < ?::DATE + 1) AS second
        FROM {firsts_source(store)} f JOIN people p USING (person_id)
        LEFT JOIN teams t ON t.team_id = p.team_id
        LEFT JOIN skills s ON s.skill_uri = f.skill_uri
        GROUP BY ALL HAVING first + second > 0 ORDER BY second DESC, key
        """,  # noqa: S608
        [first[0], first[1], second[0], second[1]],
    )
    return frame.assign(change=frame["second"] - frame["first"])
