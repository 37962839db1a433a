"""The HR skill map: team x skill holders, coverage along the ESCO hierarchy, bench strength."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pandas as pd

from skills.access import Role, Viewer, require_role
from skills.errors import AccessDenied
from skills.services._common import Reader, scope
from skills.services._readmodel import held_source, team_skill_source


@dataclass(frozen=True)
class MapFilter:
    """What the skill map is narrowed to; empty fields mean "everything"."""

    department: str | None = None
    team_ids: tuple[str, ...] = ()
    pillar: str | None = None
    group_code: str | None = None  # an ESCO group code; its sub-groups are included


def _filter_sql(flt: MapFilter) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    if flt.department:
        parts.append("t.department = ?")
        params.append(flt.department)
    if flt.team_ids:
        parts.append("list_contains(?::VARCHAR[], p.team_id)")
        params.append(list(flt.team_ids))
    if flt.pillar:
        parts.append("s.pillar = ?")
        params.append(flt.pillar)
    if flt.group_code:
        parts.append("starts_with(s.group_code, ?)")
        params.append(flt.group_code)
    return (" AND ".join(parts) or "TRUE"), params


def filter_options(store: Reader, viewer: Viewer) -> dict[str, pd.DataFrame]:
    """Departments, teams (team_id, name, department) and pillars to filter by."""
    require_role(viewer, Role.HR, what="the skill map")
    return {
        "teams": store.read(
            "SELECT team_id, name, department FROM teams WHERE kind = 'team' ORDER BY name", []
        ),
        "departments": store.read(
            "SELECT DISTINCT department FROM teams WHERE department IS NOT NULL ORDER BY 1", []
        ),
    }


def team_skill_matrix(
    store: Reader, viewer: Viewer, flt: MapFilter = MapFilter(), *, top: int = 25
) -> pd.DataFrame:
    """Long table (team, skill, skill_uri, holders, people): holders of the ``top`` skills.

    Only employees are counted. ``people`` is the team's head count, so
    ``holders / people`` is the team's coverage of the skill.
    """
    require_role(viewer, Role.HR, what="the skill map")
    cond, _ = scope(viewer)
    fsql, fparams = _filter_sql(flt)
    if cond != "TRUE":  # only HR gets here today; any narrower scope needs per-person rows
        raise AccessDenied("The skill map covers the whole organisation; it is for HR.")
    return store.read(
        f"""
        WITH base AS (
            SELECT t.name AS team, p.team_id, p.skill_uri, s.label AS skill, p.holders
            FROM {team_skill_source(store)} p
            JOIN teams t ON t.team_id = p.team_id
            JOIN skills s ON s.skill_uri = p.skill_uri
            WHERE {fsql}
        ),
        top_skills AS (
            SELECT skill_uri FROM base GROUP BY skill_uri
            ORDER BY sum(holders) DESC, skill_uri LIMIT ?
        ),
        heads AS (SELECT team_id, count(*) AS people FROM people GROUP BY team_id)
        SELECT b.team, b.skill, b.skill_uri, sum(b.holders)::BIGINT AS holders,
               any_value(hd.people) AS people
        FROM base b JOIN top_skills USING (skill_uri) JOIN heads hd USING (team_id)
        GROUP BY b.team, b.skill, b.skill_uri
        ORDER BY b.team, b.skill
        """,  # noqa: S608
        [*fparams, int(top)],
    )


@functools.lru_cache(maxsize=1)
def _group_paths() -> pd.DataFrame:
    from skills.taxonomy import load_taxonomy

    groups = load_taxonomy().groups_frame()
    label = dict(zip(groups["code"], groups["label"], strict=True))
    parent = dict(zip(groups["code"], groups["parent"], strict=True))
    rows = []
    for code in groups["code"]:
        chain = [code]
        while isinstance(parent.get(chain[-1]), str) and len(chain) < 6:
            chain.append(parent[chain[-1]])
        chain.reverse()  # pillar, level1, level2, level3
        names = [label.get(c, c) for c in chain] + [None] * 4
        rows.append(
            {"group_code": code, "pillar_name": names[0], "level1": names[1], "level2": names[2]}
        )
    return pd.DataFrame(rows)


def coverage_tree(store: Reader, viewer: Viewer, flt: MapFilter = MapFilter()) -> pd.DataFrame:
    """Holders per skill with its ESCO path (pillar_name, level1, level2, skill, holders).

    Skills without a group sit under their pillar; organisation skills under
    "organisation skills".
    """
    require_role(viewer, Role.HR, what="the skill map")
    cond, params = scope(viewer)
    fsql, fparams = _filter_sql(flt)
    source = held_source(store)
    held = store.read(
        f"""
        SELECT s.skill_uri, s.label AS skill, s.group_code, s.pillar, s.origin,
               count(DISTINCT h.person_id) AS holders
        FROM {source} h
        JOIN people p ON p.person_id = h.person_id
        LEFT JOIN teams t ON t.team_id = p.team_id
        JOIN skills s ON s.skill_uri = h.skill_uri
        WHERE p.kind = 'employee' AND {cond} AND {fsql}
        GROUP BY ALL
        """,  # noqa: S608
        [*params, *fparams],
    )
    if held.empty:
        return held.assign(pillar_name=[], level1=[], level2=[])
    tree = held.merge(_group_paths(), on="group_code", how="left")
    org = tree["origin"] == "org"
    tree.loc[org, "pillar_name"] = "organisation skills"
    tree["pillar_name"] = tree["pillar_name"].fillna(tree["pillar"]).fillna("other")
    tree["level1"] = tree["level1"].fillna("(no group)")
    tree["level2"] = tree["level2"].fillna(tree["level1"])
    return tree[["pillar_name", "level1", "level2", "skill", "skill_uri", "holders"]]


def bench_strength(store: Reader, viewer: Viewer) -> dict[str, pd.DataFrame]:
    """Fragile skills.

    ``single_holder``: skills exactly one employee holds (skill, person, team).
    ``critical_gaps``: priority-1 role-profile skills no employee holds (profile, skill).
    """
    require_role(viewer, Role.HR, what="bench strength")
    held = held_source(store)
    single = store.read(
        f"""
        WITH emp AS (
            SELECT h.skill_uri, h.person_id FROM {held} h
            JOIN people p USING (person_id) WHERE p.kind = 'employee'
        ),
        single AS (SELECT skill_uri FROM emp GROUP BY skill_uri HAVING count(*) = 1)
        SELECT s.label AS skill, p.display_name AS person, t.name AS team, p.person_id,
               s.skill_uri
        FROM single JOIN emp USING (skill_uri)
        JOIN skills s USING (skill_uri)
        JOIN people p ON p.person_id = emp.person_id
        LEFT JOIN teams t ON t.team_id = p.team_id
        ORDER BY s.label
        """,  # noqa: S608
        [],
    )
    gaps = store.read(
        f"""
        WITH emp AS (
            SELECT DISTINCT h.skill_uri, s.group_code FROM {held} h
            JOIN people p USING (person_id) JOIN skills s USING (skill_uri)
            WHERE p.kind = 'employee'
        )
        SELECT rp.name AS profile, coalesce(s.label, rs.target) AS requirement,
               rs.target_kind AS kind, rs.target
        FROM role_skills rs JOIN role_profiles rp USING (profile_id)
        LEFT JOIN skills s ON s.skill_uri = rs.target
        WHERE rs.priority = 1 AND NOT EXISTS (
            SELECT 1 FROM emp
            WHERE (rs.target_kind = 'skill' AND emp.skill_uri = rs.target)
               OR (rs.target_kind = 'group' AND starts_with(emp.group_code, rs.target))
        )
        ORDER BY rp.name, requirement
        """,  # noqa: S608
        [],
    )
    return {"single_holder": single, "critical_gaps": gaps}


def skill_holders(store: Reader, viewer: Viewer, skill_uri: str) -> pd.DataFrame:
    """People (within scope) holding ``skill_uri`` and the badges that prove it: the same
    rule as ``held_skills`` (verified, unexpired, trusted issuer, not self-issued, mapped
    with enough confidence), so the list and the counts beside it agree."""
    cond, params = scope(viewer)
    if viewer.role is Role.RECRUITER:
        cond = f"({cond}) AND p.kind = 'candidate'"
    return store.read(
        f"""
        SELECT p.person_id, p.display_name AS person, t.name AS team, c.badge_name AS badge,
               c.issuer_name AS issuer, c.issued, c.expires, c.credential_key
        FROM credentials c
        JOIN credential_skills cs USING (credential_key)
        JOIN people p ON p.person_id = c.person_id
        LEFT JOIN teams t ON t.team_id = p.team_id
        LEFT JOIN issuers i ON i.issuer_id = c.issuer_id
        WHERE cs.skill_uri = ? AND c.status = 'verified'
          AND (c.expires IS NULL OR c.expires > now()) AND {cond}
          AND i.trust = 'trusted' AND NOT coalesce(c.self_issued, false)
          AND cs.confidence >= (SELECT CAST(value AS DOUBLE) FROM app_settings
                                WHERE key = 'held_confidence_threshold')
        ORDER BY p.display_name, c.issued DESC
        LIMIT 500
        """,  # noqa: S608
        [skill_uri, *params],
    )
