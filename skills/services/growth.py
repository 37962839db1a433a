"""Growth: verified skills gained over time, cumulative distinct skills, expiring badges.

Who is counted depends on the viewer (the roles of :mod:`skills.access`): HR sees the
whole organisation by name; a manager sees only the people of the teams they lead
(their figures are about their teams, and no other team is named or counted); a
recruiter sees organisation figures under two anonymous rows, :data:`CANDIDATES` (only
those who consented to be found) and :data:`EMPLOYEES`, never a team's name. Every
grouping comes as a stable ``key`` (a team id, a pillar or an ESCO group code) and a
``label`` to show (a team's name, the ESCO name of a pillar or group, never a code), so a
chart and a table agree. The
current period is not over: its rows carry ``partial = True``. The evidence behind a
figure (:func:`gained_evidence`) and the list of expiring badges name only people
within the viewer's scope.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any, Literal

import pandas as pd

from skills.access import CONSENTED_SQL, Role, Viewer, require_role
from skills.services._common import Reader, scope
from skills.services._readmodel import firsts_source

Freq = Literal["month", "quarter"]
By = Literal["team", "pillar", "group"]

OTHER_TEAMS = "other teams"  # kept for callers; no figure uses it any more
EMPLOYEES = "employees"  # a recruiter's row for every employee
CANDIDATES = "candidates"
NO_TEAM = "(no team)"
ORG_SKILLS = "org"  # the group key of the organisation's own skills
UNCLASSIFIED = "?"  # the key of skills with neither group nor pillar

_BY_SQL = {
    "team": (
        f"coalesce(p.team_id, CASE p.kind WHEN 'candidate' THEN '{CANDIDATES}' "
        f"ELSE '{NO_TEAM}' END)",
        f"coalesce(t.name, CASE p.kind WHEN 'candidate' THEN '{CANDIDATES}' ELSE '{NO_TEAM}' END)",
    ),
    "pillar": (f"coalesce(s.pillar, '{UNCLASSIFIED}')", "NULL"),
    "group": (
        f"CASE WHEN s.origin = 'org' THEN '{ORG_SKILLS}' "
        f"WHEN s.group_code IS NULL THEN coalesce(s.pillar, '{UNCLASSIFIED}') "
        "WHEN left(s.group_code, 1) = 'K' THEN left(s.group_code, 3) "
        "ELSE left(s.group_code, 2) END",
        "NULL",
    ),
}


def _allowed(viewer: Viewer) -> None:
    require_role(viewer, Role.HR, Role.MANAGER, Role.RECRUITER, what="growth")


def _freq(freq: str) -> None:
    if freq not in ("month", "quarter"):
        raise ValueError("freq must be month or quarter")


def _population(viewer: Viewer) -> tuple[str, list[Any]]:
    """Whose skills are counted: a manager's people only; everyone for HR; for a recruiter
    every employee and the candidates who consented to be found (a candidate who did not
    is counted nowhere a recruiter looks)."""
    if viewer.role is Role.MANAGER:
        return scope(viewer)
    if viewer.role is Role.RECRUITER:
        return f"(p.kind <> 'candidate' OR {CONSENTED_SQL})", []
    return "TRUE", []


def _key(viewer: Viewer, by: By) -> tuple[str, str]:
    """The SQL grouping key and label for ``by`` as ``viewer`` may see them.

    Only ``team`` carries names: HR and a manager (whose rows are their own teams
    only, :func:`_population`) get team ids and names; a recruiter
    :data:`CANDIDATES` or :data:`EMPLOYEES`. Pillar and group labels are filled in
    from ESCO afterwards (:func:`_labelled`). Raises ``ValueError`` for an unknown ``by``.
    """
    if by not in _BY_SQL:
        raise ValueError("by must be team, pillar or group")
    if by == "team" and viewer.role is Role.RECRUITER:
        anonymous = f"CASE WHEN p.kind = 'candidate' THEN '{CANDIDATES}' ELSE '{EMPLOYEES}' END"
        return anonymous, anonymous
    return _BY_SQL[by]


def _outer_label(viewer: Viewer, by: By, label: str) -> tuple[str, str]:
    """The label of an aggregated row ``a`` and the join it needs: a team's name for a
    team id, the key itself for the anonymous rows, NULL for pillars and groups (named
    from ESCO by :func:`_labelled`)."""
    if by != "team":
        return "NULL", ""
    if label != _BY_SQL["team"][1]:  # a recruiter's anonymous rows are their own labels
        return "a.key", ""
    return "coalesce(t.name, a.key)", "LEFT JOIN teams t ON t.team_id = a.key"


@functools.lru_cache(maxsize=1)
def _esco_names() -> dict[str, str]:
    from skills.taxonomy import load_taxonomy

    groups = load_taxonomy().groups_frame()
    names = {str(c): str(n) for c, n in zip(groups["code"], groups["label"], strict=True)}
    names[ORG_SKILLS] = "organisation skills"
    names[UNCLASSIFIED] = "unclassified"
    return {code: name[:1].upper() + name[1:] for code, name in names.items()}


def _key_label(by: By, key: str) -> str:
    """The name shown for a pillar or group ``key`` (its ESCO name; the key itself
    when ESCO does not know it). Team keys come with their labels from the queries."""
    if by == "team":
        return key
    return _esco_names().get(key, key)


def _labelled(frame: pd.DataFrame, by: By) -> pd.DataFrame:
    if by == "team" or frame.empty:
        return frame
    return frame.assign(label=[_key_label(by, str(k)) for k in frame["key"]])


def _period(freq: Freq, column: str) -> str:
    """The start of ``column``'s period as a plain timestamp (through DATE: the cheapest
    truncation DuckDB has for a TIMESTAMPTZ, in the session's time zone as before)."""
    return f"date_trunc('{freq}', {column}::DATE)"


def skills_gained(
    store: Reader,
    viewer: Viewer,
    freq: Freq = "quarter",
    by: By = "team",
    top: int | None = None,
) -> pd.DataFrame:
    """Skills gained (first verified evidence of a skill for a person) per period and ``by``.

    Columns: period (timestamp at the period start), key, label, gained, partial
    (True for the current period, which is not over). With ``top``, only the ``top``
    keys with the most skills gained over all periods. Who is counted and how teams
    are named depends on the viewer (see the module docstring).
    """
    _allowed(viewer)
    _freq(freq)
    key, label = _key(viewer, by)
    cond, params = _population(viewer)
    named, join = _outer_label(viewer, by, label)
    firsts = firsts_source(store)
    if by == "team":
        counted = f"""
            SELECT {_period(freq, "f.gained")} AS period, {key} AS key, count(*) AS gained
            FROM {firsts} f JOIN people p USING (person_id)
            WHERE {cond}
            GROUP BY 1, 2"""  # noqa: S608
    else:  # per skill and period first: the join to skills sees a fraction of the rows
        people_join = "" if cond == "TRUE" else "JOIN people p USING (person_id)"
        counted = f"""
            SELECT ps.period, {key} AS key, sum(ps.n)::BIGINT AS gained
            FROM (SELECT f.skill_uri, {_period(freq, "f.gained")} AS period, count(*) AS n
                  FROM {firsts} f {people_join} WHERE {cond} GROUP BY 1, 2) ps
            LEFT JOIN skills s USING (skill_uri)
            GROUP BY 1, 2"""  # noqa: S608
    limit = "" if top is None else f"LIMIT {max(1, int(top))}"
    frame = store.read(
        f"""
        WITH agg AS ({counted}
        ),
        kept AS (
            SELECT key FROM agg GROUP BY key ORDER BY sum(gained) DESC, key {limit}
        )
        SELECT a.period, a.key, {named} AS label, a.gained::BIGINT AS gained,
               a.period = date_trunc('{freq}', current_date) AS partial
        FROM agg a JOIN kept USING (key) {join}
        ORDER BY a.period, a.key
        """,  # noqa: S608
        params,
    )
    return _labelled(frame, by)


def cumulative_distinct(store: Reader, viewer: Viewer, freq: Freq = "quarter") -> pd.DataFrame:
    """Distinct skills evidenced up to each period (period, skills, partial): in the
    organisation for HR and recruiters, in their teams for a manager."""
    _allowed(viewer)
    _freq(freq)
    cond, params = _population(viewer)
    people_join = "" if cond == "TRUE" else "JOIN people p USING (person_id)"
    return store.read(
        f"""
        WITH org_first AS (
            SELECT f.skill_uri, min(f.gained) AS gained
            FROM {firsts_source(store)} f {people_join}
            WHERE {cond} GROUP BY f.skill_uri
        )
        SELECT {_period(freq, "gained")} AS period,
               sum(count(*)) OVER (ORDER BY {_period(freq, "gained")}) AS skills,
               {_period(freq, "gained")} = date_trunc('{freq}', current_date) AS partial
        FROM org_first GROUP BY 1 ORDER BY 1
        """,  # noqa: S608
        params,
    )


def gained_evidence(
    store: Reader,
    viewer: Viewer,
    freq: Freq = "quarter",
    by: By = "team",
    period: date | datetime | None = None,
    key: str | None = None,
) -> pd.DataFrame:
    """The people and badges behind a growth figure: each skill gained in ``period``
    (the ``freq`` period that contains it; every period when None) under ``key`` of
    ``by`` (every key when None), with the badge that first showed it.

    Columns: gained, person_id, person, team, skill, skill_uri, badge, issuer,
    credential_key; newest first, at most 500 rows. Only people within the
    viewer's scope are listed (a recruiter's "employees" figure lists nobody).
    """
    _allowed(viewer)
    _freq(freq)
    key_sql, _ = _key(viewer, by)
    cond, params = scope(viewer)
    where = [cond]
    extra: list[Any] = []
    if period is not None:
        where.append(f"{_period(freq, 'f.gained')} = date_trunc('{freq}', ?::TIMESTAMP)")
        extra.append(period)
    if key is not None:
        where.append(f"{key_sql} = ?")
        extra.append(key)
    return store.read(
        f"""
        WITH picked AS (
            SELECT f.person_id, f.skill_uri, f.gained, p.display_name AS person,
                   t.name AS team, s.label AS skill
            FROM {firsts_source(store)} f JOIN people p USING (person_id)
            LEFT JOIN teams t ON t.team_id = p.team_id
            LEFT JOIN skills s ON s.skill_uri = f.skill_uri
            WHERE {" AND ".join(where)}
            ORDER BY f.gained DESC, p.display_name, f.skill_uri
            LIMIT 500
        )
        SELECT pk.gained, pk.person_id, pk.person, pk.team,
               coalesce(pk.skill, pk.skill_uri) AS skill, pk.skill_uri,
               c.badge_name AS badge, c.issuer_name AS issuer, c.credential_key
        FROM picked pk
        JOIN credentials c ON c.person_id = pk.person_id AND c.issued = pk.gained
        JOIN credential_skills cs
            ON cs.credential_key = c.credential_key AND cs.skill_uri = pk.skill_uri
        JOIN issuers i ON i.issuer_id = c.issuer_id AND i.trust = 'trusted'
        WHERE c.status IN ('verified', 'expired') AND NOT coalesce(c.self_issued, false)
          AND cs.confidence >= (SELECT CAST(value AS DOUBLE) FROM app_settings
                                WHERE key = 'held_confidence_threshold')  -- as FIRSTS_SQL
        QUALIFY row_number() OVER (
            PARTITION BY pk.person_id, pk.skill_uri ORDER BY c.credential_key) = 1
        ORDER BY pk.gained DESC, pk.person, pk.skill
        """,  # noqa: S608
        [*params, *extra],
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
    """Skills gained in two periods side by side: key, label, first, second, change.

    Who is counted and how teams are named depends on the viewer (see the module
    docstring).
    """
    _allowed(viewer)
    key, label = _key(viewer, by)
    cond, params = _population(viewer)
    frame = store.read(
        f"""
        SELECT {key} AS key, any_value({label}) AS label,
               count(*) FILTER (WHERE f.gained >= ?::DATE AND f.gained < ?::DATE + 1) AS first,
               count(*) FILTER (WHERE f.gained >= ?::DATE AND f.gained < ?::DATE + 1) AS second
        FROM {firsts_source(store)} f JOIN people p USING (person_id)
        LEFT JOIN teams t ON t.team_id = p.team_id
        LEFT JOIN skills s ON s.skill_uri = f.skill_uri
        WHERE {cond}
        GROUP BY 1 HAVING first + second > 0 ORDER BY second DESC, key
        """,  # noqa: S608
        [first[0], first[1], second[0], second[1], *params],
    )
    frame = _labelled(frame, by)
    return frame.assign(change=frame["second"] - frame["first"])
