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


#: How much a role profile's requirement weighs in a skill's demand, by priority
#: (1 critical, 2 important, 3 nice to have).
PRIORITY_WEIGHT = {1: 3, 2: 2, 3: 1}
_WEIGHT_SQL = "CASE rs.priority WHEN 1 THEN 3 WHEN 2 THEN 2 ELSE 1 END"


def _skill_filter_sql(flt: MapFilter, alias: str = "s") -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    if flt.pillar:
        parts.append(f"{alias}.pillar = ?")
        params.append(flt.pillar)
    if flt.group_code:
        parts.append(f"starts_with({alias}.group_code, ?)")
        params.append(flt.group_code)
    return (" AND ".join(parts) or "TRUE"), params


def _team_filter_sql(flt: MapFilter, alias: str = "t") -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    if flt.department:
        parts.append(f"{alias}.department = ?")
        params.append(flt.department)
    if flt.team_ids:
        parts.append(f"list_contains(?::VARCHAR[], {alias}.team_id)")
        params.append(list(flt.team_ids))
    return (" AND ".join(parts) or "TRUE"), params


NO_DEPARTMENT = "(no department)"


def team_skill_matrix(
    store: Reader,
    viewer: Viewer,
    flt: MapFilter = MapFilter(),
    *,
    top: int = 25,
    page: int = 1,
    rows: int = 30,
) -> pd.DataFrame:
    """One page of the skill map: each row's share of employees holding ``top`` skills.

    Rows are the filtered teams when there are at most ``rows`` of them. With more,
    rows are departments (no department chosen) or the ``rows`` largest teams of
    the chosen department or teams. Skills are ranked by demand, then supply:
    ``demand`` is the weighted number of role profiles that require the skill by
    name (critical 3, important 2, nice to have 1: :data:`PRIORITY_WEIGHT`),
    ``supply`` the employees of the filtered teams who hold it. Skills in demand
    that nobody holds are included (their column is all zeros: a gap); skills
    neither held nor required are not. ``page`` (from 1) picks which ``top``
    skills of that ranking are returned.

    Dense long table, one row per map row and skill shown: row_id (a team id, or a
    department's name), row (its name), row_kind ("team" or "department"),
    skill_uri, skill, holders, people (the row's employees), share (holders /
    people), demand, supply, rank (1 = most in demand), skills_total (skills in
    the ranking, for paging), rows_total (rows the filter holds before the cap).
    Empty when no team or no skill matches. Only HR may read it.
    """
    require_role(viewer, Role.HR, what="the skill map")
    cond, _ = scope(viewer)
    if cond != "TRUE":  # only HR gets here today; any narrower scope needs per-person rows
        raise AccessDenied("The skill map covers the whole organisation; it is for HR.")
    tsql, tparams = _team_filter_sql(flt)
    ssql, sparams = _skill_filter_sql(flt)
    size = max(1, int(top))
    first = (max(1, int(page)) - 1) * size
    cap = max(1, int(rows))
    by_department = not flt.department and not flt.team_ids
    source = team_skill_source(store)
    # every team with employees is in an unfiltered map: no need to join them
    in_filter = "TRUE" if tsql == "TRUE" else "ts.team_id IN (SELECT team_id FROM in_filter)"
    return store.read(
        f"""
        WITH heads AS (
            SELECT team_id, count(*) AS people FROM people
            WHERE kind = 'employee' AND team_id IS NOT NULL GROUP BY team_id
        ),
        in_filter AS (
            SELECT t.team_id, t.name,
                   coalesce(t.department, '{NO_DEPARTMENT}') AS department, hd.people
            FROM teams t JOIN heads hd USING (team_id) WHERE {tsql}
        ),
        grouping AS (
            SELECT ? AND count(*) > ? AS by_department FROM in_filter
        ),
        keyed AS (
            SELECT f.team_id, f.people,
                   CASE WHEN g.by_department THEN f.department ELSE f.team_id END AS row_id,
                   CASE WHEN g.by_department THEN f.department ELSE f.name END AS row,
                   CASE WHEN g.by_department THEN 'department' ELSE 'team' END AS row_kind
            FROM in_filter f CROSS JOIN grouping g
        ),
        all_rows AS (
            SELECT row_id, any_value(row) AS row, any_value(row_kind) AS row_kind,
                   sum(people)::BIGINT AS people
            FROM keyed GROUP BY row_id
        ),
        shown_rows AS (
            SELECT *, count(*) OVER () AS rows_total FROM all_rows
            ORDER BY people DESC, row, row_id LIMIT ?
        ),
        supply AS (
            SELECT ts.skill_uri, sum(ts.holders)::BIGINT AS supply
            FROM {source} ts
            WHERE ts.team_id IS NOT NULL AND {in_filter}
            GROUP BY 1
        ),
        demand AS (
            SELECT rs.target AS skill_uri, sum({_WEIGHT_SQL})::BIGINT AS demand
            FROM role_skills rs WHERE rs.target_kind = 'skill' GROUP BY 1
        ),
        numbered AS (
            SELECT s.skill_uri, s.label AS skill,
                   coalesce(d.demand, 0)::BIGINT AS demand,
                   coalesce(sp.supply, 0)::BIGINT AS supply,
                   row_number() OVER (
                       ORDER BY coalesce(d.demand, 0) DESC, coalesce(sp.supply, 0) DESC,
                                s.label, s.skill_uri) AS rank,
                   count(*) OVER () AS skills_total
            FROM skills s
            LEFT JOIN demand d USING (skill_uri)
            LEFT JOIN supply sp USING (skill_uri)
            WHERE (d.demand IS NOT NULL OR sp.supply IS NOT NULL) AND {ssql}
        ),
        page AS (SELECT * FROM numbered WHERE rank > ? AND rank <= ?),
        cells AS (
            SELECT k.row_id, ts.skill_uri, sum(ts.holders)::BIGINT AS holders
            FROM {source} ts
            JOIN page USING (skill_uri) JOIN keyed k USING (team_id)
            JOIN shown_rows USING (row_id)
            GROUP BY ALL
        )
        SELECT r.row_id, r.row, r.row_kind, pg.skill_uri, pg.skill,
               coalesce(c.holders, 0)::BIGINT AS holders, r.people,
               coalesce(c.holders, 0) / greatest(r.people, 1) AS share,
               pg.demand, pg.supply, pg.rank::BIGINT AS rank,
               pg.skills_total::BIGINT AS skills_total, r.rows_total::BIGINT AS rows_total
        FROM shown_rows r CROSS JOIN page pg
        LEFT JOIN cells c ON c.row_id = r.row_id AND c.skill_uri = pg.skill_uri
        ORDER BY pg.rank, r.people DESC, r.row, r.row_id
        """,  # noqa: S608
        [*tparams, by_department, cap, cap, *sparams, first, first + size],
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


def _held_per_skill(store: Reader, flt: MapFilter) -> pd.DataFrame:
    """Employees holding each skill in the filter: skill_uri, skill, group_code, pillar,
    origin, holders (from the per-team read model: one query, no per-person rows)."""
    tsql, tparams = _team_filter_sql(flt)
    ssql, sparams = _skill_filter_sql(flt)
    return store.read(
        f"""
        SELECT s.skill_uri, s.label AS skill, s.group_code, s.pillar, s.origin,
               sum(ts.holders)::BIGINT AS holders
        FROM {team_skill_source(store)} ts
        LEFT JOIN teams t ON t.team_id = ts.team_id
        JOIN skills s ON s.skill_uri = ts.skill_uri
        WHERE {tsql} AND {ssql}
        GROUP BY ALL
        """,  # noqa: S608
        [*tparams, *sparams],
    )


def coverage_tree(store: Reader, viewer: Viewer, flt: MapFilter = MapFilter()) -> pd.DataFrame:
    """Holders per skill with its ESCO path (pillar_name, level1, level2, skill, skill_uri,
    group_code, holders): the employees of the filtered teams who hold each skill.

    Skills without a group sit under their pillar; organisation skills under
    "organisation skills". Only HR may read it.
    """
    require_role(viewer, Role.HR, what="the skill map")
    cols = ["pillar_name", "level1", "level2", "skill", "skill_uri", "group_code", "holders"]
    held = _held_per_skill(store, flt)
    if held.empty:
        return pd.DataFrame(columns=cols)
    tree = held.merge(_group_paths(), on="group_code", how="left")
    org = tree["origin"] == "org"
    tree.loc[org, "pillar_name"] = "organisation skills"
    tree["pillar_name"] = tree["pillar_name"].fillna(tree["pillar"]).fillna("other")
    tree["level1"] = tree["level1"].fillna("(no group)")
    tree["level2"] = tree["level2"].fillna(tree["level1"])
    return tree[cols]


ALL_NODE = "all"  # the coverage hierarchy's root: every skill held
ORG_NODE = "org"  # the coverage hierarchy's node for the organisation's own skills
OTHER_NODE = "other"  # skills with neither an ESCO group nor a pillar


@functools.lru_cache(maxsize=1)
def _groups() -> tuple[dict[str, str], dict[str, str | None]]:
    from skills.taxonomy import load_taxonomy

    groups = load_taxonomy().groups_frame()
    names = {
        str(c): str(n)[:1].upper() + str(n)[1:]
        for c, n in zip(groups["code"], groups["label"], strict=True)
    }
    parents = {
        str(c): (str(p) if isinstance(p, str) else None)
        for c, p in zip(groups["code"], groups["parent"], strict=True)
    }
    return names, parents


def coverage_groups(store: Reader, viewer: Viewer, flt: MapFilter = MapFilter()) -> pd.DataFrame:
    """The ESCO groups that have holders, as a hierarchy for an icicle or a treemap.

    One row per node: node (a group code, a pillar code, :data:`ORG_NODE` for the
    organisation's skills, :data:`OTHER_NODE`, or the root :data:`ALL_NODE`), parent
    (:data:`ALL_NODE` for a pillar, "" for the root), name (the group's ESCO name,
    never its code), level (-1 the root, 0 pillar, 1-3 groups), holders
    (person-skill holdings of the filtered teams' employees in the node and below:
    a node's value is at least the sum of its children's) and skills (distinct
    skills held there and below). A skill sits in its own group (whatever level) or,
    without a group, directly under its pillar. Ordered by level, then holders
    (most first). Only HR may read it.
    """
    require_role(viewer, Role.HR, what="the skill map")
    cols = ["node", "parent", "name", "level", "holders", "skills"]
    held = _held_per_skill(store, flt)
    if held.empty:
        return pd.DataFrame(columns=cols)
    names, parents = _groups()
    pillar_names = {c: n for c, n in names.items() if parents.get(c) is None}

    def home(origin: Any, group: Any, pillar: Any) -> str:
        if origin == "org":
            return ORG_NODE
        if isinstance(group, str) and group in names:
            return group
        return pillar if isinstance(pillar, str) and pillar in pillar_names else OTHER_NODE

    held = held.assign(
        node=[
            home(o, g, p)
            for o, g, p in zip(held["origin"], held["group_code"], held["pillar"], strict=True)
        ]
    )
    per_node = held.groupby("node").agg(holders=("holders", "sum"), skills=("skill_uri", "size"))
    totals: dict[str, list[int]] = {}
    for node, holders, skills in zip(
        per_node.index, per_node["holders"], per_node["skills"], strict=True
    ):
        chain: str | None = str(node)
        seen = 0
        while chain is not None and seen < 8:  # a group's ancestors up to its pillar
            total = totals.setdefault(chain, [0, 0])
            total[0] += int(holders)
            total[1] += int(skills)
            chain = parents.get(chain)
            seen += 1
    rows = [(ALL_NODE, "", "All skills", -1, int(held["holders"].sum()), len(held))]
    for node, (holders, skills) in totals.items():
        parent = parents.get(node) or ALL_NODE
        level, up = 0, parents.get(node)
        while up is not None and level < 8:
            level, up = level + 1, parents.get(up)
        if node == ORG_NODE:
            name = "Organisation skills"
        elif node == OTHER_NODE:
            name = "Other skills"
        else:
            name = names.get(node, node)
        rows.append((node, parent, name, level, holders, skills))
    frame = pd.DataFrame(rows, columns=cols)
    return frame.sort_values(["level", "holders", "node"], ascending=[True, False, True])


def bench_strength(
    store: Reader, viewer: Viewer, flt: MapFilter = MapFilter()
) -> dict[str, pd.DataFrame]:
    """Fragile skills within the filter.

    ``single_holder``: skills (of the filter's pillar or group) that exactly one
    employee of the filtered teams holds: skill, person, team, person_id, skill_uri.
    ``critical_gaps``: priority-1 requirements that no employee of the filtered
    teams holds (profile, requirement, kind, target). With a department or teams
    chosen, only the role profiles that concern them are checked: profiles of those
    teams and profiles their people's role titles map to. A requirement outside the
    filter's pillar or group is left out. Only HR may read it.
    """
    require_role(viewer, Role.HR, what="bench strength")
    held = held_source(store)
    source = team_skill_source(store)
    tsql, tparams = _team_filter_sql(flt)
    ssql, sparams = _skill_filter_sql(flt)
    single = store.read(
        f"""
        WITH counted AS (  -- per-team counts first: one holder in all filtered teams
            SELECT ts.skill_uri FROM {source} ts
            LEFT JOIN teams t ON t.team_id = ts.team_id
            JOIN skills s ON s.skill_uri = ts.skill_uri
            WHERE {tsql} AND {ssql}
            GROUP BY ts.skill_uri HAVING sum(ts.holders) = 1
        )
        SELECT s.label AS skill, p.display_name AS person, t.name AS team, p.person_id,
               s.skill_uri
        FROM {held} h JOIN counted USING (skill_uri)
        JOIN skills s ON s.skill_uri = h.skill_uri
        JOIN people p ON p.person_id = h.person_id
        LEFT JOIN teams t ON t.team_id = p.team_id
        WHERE p.kind = 'employee' AND {tsql}
        ORDER BY s.label, s.skill_uri
        """,  # noqa: S608
        [*tparams, *sparams, *tparams],
    )
    narrowed = bool(flt.department or flt.team_ids)
    pillar_sql = "TRUE"
    pillar_params: list[Any] = []
    if flt.pillar:
        pillar_sql = "left(rs.target, 1) = ?"
        pillar_params.append(flt.pillar)
    if flt.group_code:
        pillar_sql += " AND starts_with(rs.target, ?)"
        pillar_params.append(flt.group_code)
    gaps = store.read(
        f"""
        WITH emp AS (
            SELECT DISTINCT ts.skill_uri, s.group_code FROM {source} ts
            LEFT JOIN teams t ON t.team_id = ts.team_id
            JOIN skills s ON s.skill_uri = ts.skill_uri
            WHERE {tsql}
        ),
        concerned AS (
            SELECT rp.profile_id FROM role_profiles rp LEFT JOIN teams t USING (team_id)
            WHERE NOT ? OR ({tsql})
            UNION
            SELECT pr.profile_id FROM person_roles pr
            JOIN people p USING (person_id) LEFT JOIN teams t ON t.team_id = p.team_id
            WHERE ? AND pr.profile_id IS NOT NULL AND p.kind = 'employee' AND {tsql}
        )
        SELECT rp.name AS profile, coalesce(s.label, rs.target) AS requirement,
               rs.target_kind AS kind, rs.target
        FROM role_skills rs JOIN role_profiles rp USING (profile_id)
        JOIN concerned USING (profile_id)
        LEFT JOIN skills s ON s.skill_uri = rs.target
        WHERE rs.priority = 1
          AND CASE WHEN rs.target_kind = 'skill' THEN s.skill_uri IS NOT NULL AND {ssql}
                   ELSE {pillar_sql} END
          AND NOT EXISTS (
            SELECT 1 FROM emp
            WHERE (rs.target_kind = 'skill' AND emp.skill_uri = rs.target)
               OR (rs.target_kind = 'group' AND starts_with(emp.group_code, rs.target))
        )
        ORDER BY rp.name, requirement
        """,  # noqa: S608
        [*tparams, narrowed, *tparams, narrowed, *tparams, *sparams, *pillar_params],
    )
    if not gaps.empty:  # a group requirement by its ESCO name, never its code
        names, _ = _groups()
        gaps = gaps.assign(
            requirement=[
                names.get(str(t), str(r)) if k == "group" else r
                for r, k, t in zip(gaps["requirement"], gaps["kind"], gaps["target"], strict=True)
            ]
        )
    return {"single_holder": single, "critical_gaps": gaps}


def skill_holders(
    store: Reader, viewer: Viewer, skill_uri: str, team_ids: tuple[str, ...] = ()
) -> pd.DataFrame:
    """People (within scope) holding ``skill_uri`` and the badges that prove it: the same
    rule as ``held_skills`` (verified, unexpired, trusted issuer, not self-issued, mapped
    with enough confidence), so the list and the counts beside it agree.

    With ``team_ids``, only employees of those teams (a skill map cell's evidence).
    Columns: person_id, person, team, badge, issuer, issued, expires, credential_key;
    at most 500 rows, by name then newest badge first.
    """
    cond, params = scope(viewer)
    if viewer.role is Role.RECRUITER:
        cond = f"({cond}) AND p.kind = 'candidate'"
    if team_ids:
        cond = f"({cond}) AND p.kind = 'employee' AND list_contains(?::VARCHAR[], p.team_id)"
        params = [*params, list(team_ids)]
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
