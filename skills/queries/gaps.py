"""Managers' gap planning: their team against its role profiles."""

from __future__ import annotations

import pandas as pd

from skills.access import Role, Viewer, require_role
from skills.insights import readiness, suggest_next_skills
from skills.queries._common import Reader, scope

EXPIRING_DAYS = 90


def profiles(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """Role profiles the viewer plans with: their teams' profiles and organisation-wide ones."""
    require_role(viewer, Role.MANAGER, Role.HR, what="team gaps")
    teams = sorted(viewer.team_ids) if viewer.role is Role.MANAGER else None
    return store.read(
        """
        SELECT rp.profile_id, rp.name, rp.team_id, t.name AS team,
               (SELECT count(*) FROM role_skills rs WHERE rs.profile_id = rp.profile_id)
                 AS requirements
        FROM role_profiles rp LEFT JOIN teams t ON t.team_id = rp.team_id
        WHERE ?::VARCHAR[] IS NULL OR rp.team_id IS NULL
              OR list_contains(?::VARCHAR[], rp.team_id)
        ORDER BY rp.team_id NULLS LAST, rp.name
        """,
        [teams, teams],
    )


def team_choices(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """Teams the viewer may plan for (team_id, name)."""
    require_role(viewer, Role.MANAGER, Role.HR, what="team gaps")
    teams = sorted(viewer.team_ids) if viewer.role is Role.MANAGER else None
    return store.read(
        """
        SELECT team_id, name FROM teams
        WHERE kind = 'team' AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], team_id))
        ORDER BY name
        """,
        [teams, teams],
    )


def gap_matrix(
    store: Reader, viewer: Viewer, profile_id: str, team_ids: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Person x requirement: ``state`` held / expiring (within 90 days) / missing.

    People are the employees in ``team_ids`` (default: every team in the
    viewer's scope), never outside the viewer's scope. Columns: person_id,
    person, team, target, requirement, kind, priority, state, expires.
    """
    require_role(viewer, Role.MANAGER, Role.HR, what="team gaps")
    cond, params = scope(viewer)
    matrix = store.read(
        f"""
        WITH crew AS (
            SELECT p.person_id, p.display_name AS person, t.name AS team
            FROM people p LEFT JOIN teams t ON t.team_id = p.team_id
            WHERE p.kind = 'employee' AND {cond}
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], p.team_id))
        ),
        req AS (
            SELECT rs.target, rs.target_kind AS kind, rs.priority,
                   coalesce(s.label, rs.target) AS requirement
            FROM role_skills rs
            LEFT JOIN skills s ON rs.target_kind = 'skill' AND s.skill_uri = rs.target
            WHERE rs.profile_id = ?
        ),
        held AS (
            SELECT h.person_id, h.skill_uri, s.group_code, h.expires
            FROM held_skills h JOIN crew USING (person_id) JOIN skills s USING (skill_uri)
        ),
        matched AS (
            SELECT c.person_id, r.target,
                   max(CASE WHEN h.person_id IS NULL THEN 0
                            WHEN h.expires IS NULL
                              OR h.expires > now() + INTERVAL {EXPIRING_DAYS} DAY THEN 2
                            ELSE 1 END) AS level,
                   min(h.expires) AS expires
            FROM crew c CROSS JOIN req r
            LEFT JOIN held h ON h.person_id = c.person_id AND (
                 (r.kind = 'skill' AND h.skill_uri = r.target)
              OR (r.kind = 'group' AND starts_with(h.group_code, r.target)))
            GROUP BY c.person_id, r.target
        )
        SELECT c.person_id, c.person, c.team, r.target, r.requirement, r.kind, r.priority,
               CASE m.level WHEN 2 THEN 'held' WHEN 1 THEN 'expiring' ELSE 'missing' END
                 AS state,
               m.expires
        FROM matched m JOIN crew c USING (person_id) JOIN req r USING (target)
        ORDER BY c.person, r.priority, r.requirement
        """,  # noqa: S608
        [*params, list(team_ids), list(team_ids), profile_id],
    )
    groups = matrix["kind"] == "group"
    if groups.any():
        names = group_labels()
        matrix.loc[groups, "requirement"] = [
            f"any skill in: {names.get(code, code)}" for code in matrix.loc[groups, "target"]
        ]
    return matrix


def group_labels() -> dict[str, str]:
    """ESCO group code -> label."""
    from skills.taxonomy import load_taxonomy

    groups = load_taxonomy().groups_frame()
    return dict(zip(groups["code"], groups["label"], strict=True))


def team_coverage(store: Reader, viewer: Viewer, team_ids: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per role profile: share of its requirements someone in the team holds, and mean readiness."""
    out = []
    for row in profiles(store, viewer).itertuples():
        matrix = gap_matrix(store, viewer, str(row.profile_id), team_ids)
        if matrix.empty:
            continue
        covered = matrix[matrix["state"] != "missing"]["target"].nunique()
        ready = readiness(matrix)
        out.append(
            {
                "profile": row.name,
                "requirements": int(matrix["target"].nunique()),
                "covered_by_someone": int(covered),
                "coverage": covered / max(1, matrix["target"].nunique()),
                "mean_readiness": float(ready["readiness"].mean()) if not ready.empty else 0.0,
            }
        )
    return pd.DataFrame(
        out,
        columns=["profile", "requirements", "covered_by_someone", "coverage", "mean_readiness"],
    )


def org_held(store: Reader, viewer: Viewer) -> pd.DataFrame:
    """(person_id, skill_uri) for every employee: the co-occurrence base (no names)."""
    require_role(viewer, Role.MANAGER, Role.HR, what="team gaps")
    return store.read(
        """
        SELECT h.person_id, h.skill_uri FROM held_skills h
        JOIN people p USING (person_id) WHERE p.kind = 'employee'
        """,
        [],
    )


def next_skills(
    store: Reader,
    viewer: Viewer,
    profile_id: str,
    team_ids: tuple[str, ...] = (),
    *,
    held: pd.DataFrame | None = None,
    top: int = 3,
) -> pd.DataFrame:
    """Suggested next skills for each person in the matrix, with why (see insights)."""
    matrix = gap_matrix(store, viewer, profile_id, team_ids)
    if matrix.empty:
        return pd.DataFrame(columns=["person", "skill", "score", "why"])
    base = held if held is not None else org_held(store, viewer)
    people = list(dict.fromkeys(matrix["person_id"]))
    required = matrix.loc[matrix["kind"] == "skill", "target"].unique().tolist()
    uris = set(base["skill_uri"]) | set(required)
    labels = store.read(
        "SELECT skill_uri, label FROM skills WHERE list_contains(?::VARCHAR[], skill_uri)",
        [sorted(uris)],
    )
    label_of = dict(zip(labels["skill_uri"], labels["label"], strict=True))
    sugg = suggest_next_skills(base, people, label_of, required=required, top=top)
    names = dict(zip(matrix["person_id"], matrix["person"], strict=False))
    return sugg.assign(person=sugg["person_id"].map(names))[
        ["person_id", "person", "skill", "score", "why"]
    ]
