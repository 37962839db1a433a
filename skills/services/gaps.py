"""Managers' gap planning: their team against its role profiles."""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

import pandas as pd

from skills.access import Role, Viewer, check_person, require_role
from skills.errors import InputTooLarge
from skills.services._common import Reader, scope
from skills.services._insights import PRIORITY_WEIGHT
from skills.services._insights import priority_name as priority_name  # the page names them
from skills.services._insights import readiness as readiness  # the page scores its matrix
from skills.services._insights import (  # the page explains the weighting once
    weighting_sentence as weighting_sentence,
)
from skills.services._readmodel import MAX_AGE_SECONDS, held_source

EXPIRING_DAYS = 90
# Why a credential does not count, by status (skills.explain is a sibling layer: not imported).
_NOT_COUNTED = {
    "invalid": "not valid",
    "revoked": "revoked",
    "expired": "expired",
    "not_yet_valid": "not valid yet",
    "recipient_mismatch": "issued to someone else",
    "unverifiable": "could not be verified",
}

MAX_PLAN_PAIRS = 150_000  # people x role profiles in one gap matrix (~1M rows)


# Each requirement (target, kind: an ESCO skill, or a group and every skill in it) with the
# skills that satisfy it; parameters: the targets, then their kinds.
_TARGET_SKILLS = """t AS (SELECT unnest(?::VARCHAR[]) AS target, unnest(?::VARCHAR[]) AS kind),
        tskills AS (
            SELECT t.target, s.skill_uri FROM t JOIN skills s ON t.kind = 'skill'
                AND s.skill_uri = t.target
            UNION
            SELECT t.target, s.skill_uri FROM t JOIN skills s ON t.kind = 'group'
                AND starts_with(s.group_code, t.target)
        )"""


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


def home_teams(store: Reader, viewer: Viewer) -> list[str]:
    """The teams a gaps page opens on: the teams the viewer leads directly, else their own.

    Only teams the viewer may plan for (:func:`team_choices`); may be empty.
    """
    require_role(viewer, Role.MANAGER, Role.HR, what="team gaps")
    allowed = set(team_choices(store, viewer)["team_id"])
    me = viewer.person_id or ""
    led = store.read(
        "SELECT team_id FROM teams WHERE kind = 'team' AND lead_person_id = ? ORDER BY name",
        [me],
    )["team_id"].tolist()
    own = store.read("SELECT team_id FROM people WHERE person_id = ?", [me])["team_id"].tolist()
    for candidates in (led, own):
        picked = [str(t) for t in candidates if t in allowed]
        if picked:
            return picked
    return []


def _crew_sql(cond: str) -> str:
    """Employees in the viewer's scope and the chosen teams, with their own role profile.

    Parameters after ``cond``'s: the team ids twice. ``own_profile`` is NULL for a
    person whose role title maps to no existing profile.
    """
    return f"""
        SELECT p.person_id, p.display_name AS person, t.name AS team, p.team_id,
               p.role_title, rp.profile_id AS own_profile
        FROM people p
        LEFT JOIN teams t ON t.team_id = p.team_id
        LEFT JOIN person_roles pr ON pr.person_id = p.person_id
        LEFT JOIN role_profiles rp ON rp.profile_id = pr.profile_id
        WHERE p.kind = 'employee' AND {cond}
          AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], p.team_id))
    """  # noqa: S608


def _key_filter(column: str) -> str:
    """A condition "``column`` is one of ``keys``" (one ``?`` parameter: the list).

    Credential keys are long strings: joining a million of them costs far more than
    checking a short list, so the pages first fetch the few keys they need. DuckDB 1.5
    turns ``= ANY(list)`` into a hash semi-join; ``list_contains`` there scans the list
    for every row (10x slower at 150 keys, 100x at 2,000).
    """
    return f"{column} = ANY(?::VARCHAR[])"


def people_roles(store: Reader, viewer: Viewer, team_ids: tuple[str, ...] = ()) -> pd.DataFrame:
    """Each employee in ``team_ids`` (default: the viewer's scope) with their role profile.

    Columns: person_id, person, team, role_title, profile_id, profile, mapped
    (False: the title maps to no role profile yet, "role not mapped": HR maps
    titles on the Admin page). Never anyone outside the viewer's scope.
    """
    require_role(viewer, Role.MANAGER, Role.HR, what="team gaps")
    cond, params = scope(viewer)
    out = store.read(
        f"""
        WITH crew AS ({_crew_sql(cond)})
        SELECT c.person_id, c.person, c.team, c.role_title, c.own_profile AS profile_id,
               rp.name AS profile, c.own_profile IS NOT NULL AS mapped
        FROM crew c LEFT JOIN role_profiles rp ON rp.profile_id = c.own_profile
        ORDER BY mapped DESC, profile, c.person
        """,  # noqa: S608
        [*params, list(team_ids), list(team_ids)],
    )
    out["mapped"] = out["mapped"].astype(bool)
    return out


def gap_matrix(
    store: Reader,
    viewer: Viewer,
    profile_id: str | None = None,
    team_ids: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Person x requirement: ``state`` held / expiring (within 90 days) / missing.

    Each person is scored against the role profile their role title maps to
    (``profile_id`` None, the default; people whose title maps to none are left
    out: see :func:`people_roles`), or everyone against ``profile_id`` (a what-if).
    People are the employees in ``team_ids`` (default: every team in the
    viewer's scope), never outside the viewer's scope. Columns: profile_id,
    profile, person_id, person, team, target, requirement, kind, priority,
    state, expires.
    """
    require_role(viewer, Role.MANAGER, Role.HR, what="team gaps")
    wanted = None if profile_id is None else [profile_id]
    matrix = _gap_rows(store, viewer, wanted, team_ids).drop(columns="own_profile")
    groups = matrix["kind"] == "group"
    if groups.any():
        names = group_labels()
        matrix.loc[groups, "requirement"] = [
            f"any skill in: {names.get(code, code)}" for code in matrix.loc[groups, "target"]
        ]
    return matrix


# Requirements a held skill meets: the skill itself (an equi-join), or any skill in a group.
_HITS_SQL = """
    SELECT r.profile_id, r.target, h.person_id, h.expires
    FROM req r JOIN held h ON r.kind = 'skill' AND h.skill_uri = r.target
    UNION ALL
    SELECT r.profile_id, r.target, h.person_id, h.expires
    FROM req r JOIN held h ON r.kind = 'group' AND starts_with(h.group_code, r.target)
"""


def _gap_rows(
    store: Reader,
    viewer: Viewer,
    profile_ids: list[str] | None,
    team_ids: tuple[str, ...],
    *,
    every_present_role: bool = False,
) -> pd.DataFrame:
    """The gap matrix (one query): each person against ``profile_ids`` or, when None,
    against their own role profile; with ``every_present_role``, everyone against every
    role some of them hold (for the team's coverage). Has an ``own_profile`` column.

    Raises :class:`InputTooLarge` when the people in scope times the profiles exceed
    ``MAX_PLAN_PAIRS`` (HR asking for the whole organisation at once).
    """
    cond, params = scope(viewer)
    crew_params = [*params, list(team_ids), list(team_ids)]
    sizes = store.read(
        f"""SELECT count(*) AS n, count(DISTINCT own_profile) AS roles
            FROM ({_crew_sql(cond)})""",  # noqa: S608
        crew_params,
    )
    crew_size = sizes["n"].iloc[0]
    per_person = (
        int(sizes["roles"].iloc[0])
        if every_present_role
        else 1
        if profile_ids is None
        else max(1, len(profile_ids))
    )
    if int(crew_size) * per_person > MAX_PLAN_PAIRS:
        raise InputTooLarge(
            f"That is {int(crew_size):,} people against {per_person} role profiles, "
            "too many to plan at once: choose fewer teams."
        )
    return store.read(
        f"""
        WITH crew AS ({_crew_sql(cond)}),
        pairs AS (
            SELECT person_id, own_profile AS profile_id FROM crew
            WHERE ?::VARCHAR[] IS NULL AND own_profile IS NOT NULL AND NOT ?
            UNION ALL
            SELECT c.person_id, x.own_profile AS profile_id
            FROM crew c CROSS JOIN (SELECT DISTINCT own_profile FROM crew
                                    WHERE own_profile IS NOT NULL) x
            WHERE ?
            UNION ALL
            SELECT c.person_id, x.profile_id
            FROM crew c CROSS JOIN (SELECT unnest(?::VARCHAR[]) AS profile_id) x
        ),
        req AS (
            SELECT rs.profile_id, rs.target, rs.target_kind AS kind, rs.priority,
                   coalesce(s.label, rs.target) AS requirement
            FROM role_skills rs
            LEFT JOIN skills s ON rs.target_kind = 'skill' AND s.skill_uri = rs.target
            WHERE rs.profile_id IN (SELECT profile_id FROM pairs)
        ),
        held AS (
            SELECT h.person_id, h.skill_uri, s.group_code, h.expires
            FROM {held_source(store)} h JOIN crew USING (person_id) JOIN skills s USING (skill_uri)
        ),
        hits AS ({_HITS_SQL}),
        matched AS (
            SELECT pr.person_id, r.profile_id, r.target,
                   max(CASE WHEN x.person_id IS NULL THEN 0
                            WHEN x.expires IS NULL
                              OR x.expires > now() + INTERVAL {EXPIRING_DAYS} DAY THEN 2
                            ELSE 1 END) AS level,
                   min(x.expires) AS expires
            FROM pairs pr JOIN req r USING (profile_id)
            LEFT JOIN hits x ON x.person_id = pr.person_id AND x.profile_id = r.profile_id
                            AND x.target = r.target
            GROUP BY pr.person_id, r.profile_id, r.target
        )
        SELECT r.profile_id, rp.name AS profile, c.person_id, c.person, c.team, c.own_profile,
               r.target,
               r.requirement, r.kind, r.priority,
               CASE m.level WHEN 2 THEN 'held' WHEN 1 THEN 'expiring' ELSE 'missing' END
                 AS state,
               m.expires
        FROM matched m JOIN crew c USING (person_id) JOIN req r USING (profile_id, target)
        JOIN role_profiles rp ON rp.profile_id = r.profile_id
        ORDER BY rp.name, r.profile_id, c.person, c.person_id, r.priority, r.requirement
        """,  # noqa: S608
        [
            *crew_params,
            profile_ids,
            every_present_role,
            every_present_role,
            None if every_present_role else profile_ids,
        ],
    )


def group_labels() -> dict[str, str]:
    """ESCO group code -> label."""
    from skills.taxonomy import load_taxonomy

    groups = load_taxonomy().groups_frame()
    return dict(zip(groups["code"], groups["label"], strict=True))


def team_coverage(store: Reader, viewer: Viewer, team_ids: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per role present in ``team_ids``: who holds that role, and how well the team covers it.

    Only the role profiles some person in the chosen teams holds (their title maps to
    it). ``people``: how many hold the role; ``covered_by_someone``: requirements
    anyone in the chosen teams holds; ``coverage`` their share; ``mean_readiness``:
    the mean weighted readiness of the people in that role against it.
    """
    require_role(viewer, Role.MANAGER, Role.HR, what="team gaps")
    cols = [
        "profile_id",
        "profile",
        "people",
        "requirements",
        "covered_by_someone",
        "coverage",
        "mean_readiness",
    ]
    every = _gap_rows(store, viewer, None, team_ids, every_present_role=True)
    if every.empty:
        return pd.DataFrame(columns=cols)
    got = every["state"] != "missing"
    covered = (
        every.assign(got=got)
        .groupby("profile_id")
        .agg(
            requirements=("target", "nunique"),
            covered_by_someone=("target", lambda t: t[got[t.index]].nunique()),
        )
        .reset_index()
    )
    rows = every[every["profile_id"] == every["own_profile"]].drop(columns="own_profile")
    ready = readiness(rows)
    per_role = ready.groupby(["profile_id", "profile"], as_index=False).agg(
        people=("person_id", "nunique"), mean_readiness=("readiness", "mean")
    )
    out = per_role.merge(covered, on="profile_id", how="left")
    out[["requirements", "covered_by_someone"]] = (
        out[["requirements", "covered_by_someone"]].fillna(0).astype(int)
    )
    out["people"] = out["people"].astype(int)
    out["coverage"] = out["covered_by_someone"] / out["requirements"].clip(lower=1)
    out["mean_readiness"] = out["mean_readiness"].astype(float).round(3)
    return out.sort_values(["people", "profile"], ascending=[False, True], ignore_index=True)[cols]


NEXT_STEP_COLUMNS = [
    "person_id",
    "person",
    "profile",
    "step",
    "kind",
    "skill_uri",
    "skill",
    "why",
    "badges",
    "mentors",
]
RELATED = "related skill"
MIN_SUPPORT = 3  # people in the role holding a skill before it is suggested


def next_skills(
    store: Reader,
    viewer: Viewer,
    profile_id: str | None = None,
    team_ids: tuple[str, ...] = (),
    *,
    top: int = 3,
    extras: int = 2,
) -> pd.DataFrame:
    """What each person in the matrix should learn next, and which badge teaches it.

    Role first: the requirements of their role (or of ``profile_id``, a what-if) they
    miss, critical, then important, then nice to have (at most ``top``); then at most
    ``extras`` related skills (``kind`` "related skill"): skills in the same ESCO
    groups as the role's requirements that the organisation's people in that role
    often hold (co-occurrence with the role, at least :data:`MIN_SUPPORT` people),
    never a skill unrelated to the role. ``badges`` names the badges whose verified awards
    map to the skill (issuer; how many colleagues in the viewer's scope hold it);
    ``mentors`` colleagues in the viewer's scope who hold the skill.
    Columns: :data:`NEXT_STEP_COLUMNS`.
    """
    matrix = gap_matrix(store, viewer, profile_id, team_ids)
    if matrix.empty:
        return pd.DataFrame(columns=NEXT_STEP_COLUMNS)
    missing = matrix[matrix["state"] == "missing"].sort_values(
        ["person", "person_id", "priority", "requirement"]
    )
    missing = missing.groupby("person_id", sort=False).head(max(0, top))
    role_steps = pd.DataFrame(
        {
            "person_id": missing["person_id"],
            "person": missing["person"],
            "profile": missing["profile"],
            "kind": [f"{priority_name(p)} requirement" for p in missing["priority"]],
            "skill_uri": missing["target"],
            "target_kind": missing["kind"],
            "skill": missing["requirement"],
            "order": missing["priority"].astype(int),
            "why": [
                f"The role {r} requires it ({priority_name(p)})."
                for r, p in zip(missing["profile"], missing["priority"], strict=True)
            ],
        }
    )
    pairs = matrix[["person_id", "person", "profile_id", "profile"]].drop_duplicates()
    related = _related_skills(store, pairs, max(0, extras))
    steps = pd.concat([role_steps, related], ignore_index=True)
    if steps.empty:
        return pd.DataFrame(columns=NEXT_STEP_COLUMNS)
    steps = steps.sort_values(["person", "person_id", "order"], kind="stable", ignore_index=True)
    steps["step"] = steps.groupby("person_id").cumcount() + 1
    targets = steps[["skill_uri", "target_kind"]].drop_duplicates()
    badges = _badges_text(
        learning_badges(
            store, viewer, tuple(targets["skill_uri"]), kinds=tuple(targets["target_kind"])
        )
    )
    mentors = _mentors(store, viewer, targets, team_ids)
    steps["badges"] = [badges.get(str(uri), "") for uri in steps["skill_uri"]]
    steps["mentors"] = [
        _mentor_text(mentors.get(uri, []), pid)
        for uri, pid in zip(steps["skill_uri"], steps["person_id"], strict=True)
    ]
    return steps[NEXT_STEP_COLUMNS]


def _related_skills(store: Reader, pairs: pd.DataFrame, extras: int) -> pd.DataFrame:
    """Up to ``extras`` related skills per person (set-based: one query for everyone).

    A candidate is a skill in the ESCO group of one of the role's skill requirements
    (or under one of its group requirements), neither required by the role nor held
    by the person. It scores by co-occurrence with the role: the share of the
    organisation's employees in that role who hold it (at least
    :data:`MIN_SUPPORT` of them), an anonymous total.
    """
    cols = ["person_id", "person", "profile", "kind", "skill_uri", "target_kind", "skill"]
    if extras <= 0 or pairs.empty:
        return pd.DataFrame(columns=[*cols, "order", "why"])
    shares = _role_shares(store, sorted(set(pairs["profile_id"].astype(str))))
    if shares.empty:
        return pd.DataFrame(columns=[*cols, "order", "why"])
    found = store.read(
        f"""
        WITH pp AS (
            SELECT unnest(?::VARCHAR[]) AS person_id, unnest(?::VARCHAR[]) AS profile_id
        ),
        share AS (
            SELECT unnest(?::VARCHAR[]) AS profile_id, unnest(?::VARCHAR[]) AS b,
                   unnest(?::BIGINT[]) AS together, unnest(?::BIGINT[]) AS n
        ),
        scored AS (
            SELECT pp.person_id, pp.profile_id, x.b, x.together, x.n,
                   x.together / x.n AS score
            FROM pp JOIN share x USING (profile_id)
            LEFT JOIN (SELECT h.person_id, h.skill_uri FROM {held_source(store)} h
                       WHERE h.person_id IN (SELECT person_id FROM pp)) mine
                ON mine.person_id = pp.person_id AND mine.skill_uri = x.b
            WHERE mine.person_id IS NULL
        ),
        ranked AS (
            SELECT sc.*, s.label, row_number() OVER (
                PARTITION BY sc.person_id ORDER BY sc.score DESC, s.label, sc.b) AS rn
            FROM scored sc JOIN skills s ON s.skill_uri = sc.b
        )
        SELECT r.person_id, r.b AS skill_uri, r.label AS skill, r.score, r.n,
               rp.name AS role
        FROM ranked r JOIN role_profiles rp ON rp.profile_id = r.profile_id
        WHERE r.rn <= ?
        ORDER BY r.person_id, r.rn
        """,  # noqa: S608
        [
            pairs["person_id"].tolist(),
            pairs["profile_id"].tolist(),
            shares["profile_id"].tolist(),
            shares["b"].tolist(),
            [int(v) for v in shares["together"]],
            [int(v) for v in shares["n"]],
            extras,
        ],
    )
    if found.empty:
        return pd.DataFrame(columns=[*cols, "order", "why"])
    who = pairs.drop_duplicates("person_id").set_index("person_id")
    return pd.DataFrame(
        {
            "person_id": found["person_id"],
            "person": found["person_id"].map(who["person"]),
            "profile": found["person_id"].map(who["profile"]),
            "kind": RELATED,
            "skill_uri": found["skill_uri"],
            "target_kind": "skill",
            "skill": found["skill"],
            "order": 10,
            "why": [
                f"Not required, but in the same ESCO group as the role's skills: {score:.0%} "
                f"of the {int(n):,} people in the role {role} hold it."
                for score, n, role in zip(found["score"], found["n"], found["role"], strict=True)
            ],
        }
    )


_ROLE_SHARES_SQL = f"""
    WITH wanted AS (SELECT unnest(?::VARCHAR[]) AS profile_id),
    peers AS (
        SELECT pr.person_id, pr.profile_id FROM person_roles pr
        JOIN people p ON p.person_id = pr.person_id
        WHERE p.kind = 'employee' AND pr.profile_id IN (SELECT profile_id FROM wanted)
    ),
    size AS (SELECT profile_id, count(*) AS n FROM peers GROUP BY 1),
    role_groups AS (
        SELECT DISTINCT rs.profile_id,
               CASE WHEN rs.target_kind = 'group' THEN rs.target ELSE s.group_code END AS grp
        FROM role_skills rs
        LEFT JOIN skills s ON rs.target_kind = 'skill' AND s.skill_uri = rs.target
        WHERE rs.profile_id IN (SELECT profile_id FROM wanted)
    ),
    cand AS (
        SELECT DISTINCT g.profile_id, s.skill_uri AS b
        FROM role_groups g JOIN skills s ON starts_with(s.group_code, g.grp)
        WHERE g.grp IS NOT NULL AND g.grp <> ''
          AND NOT EXISTS (SELECT 1 FROM role_skills rs WHERE rs.profile_id = g.profile_id
                          AND rs.target_kind = 'skill' AND rs.target = s.skill_uri)
    ),
    share AS (
        SELECT pe.profile_id, h.skill_uri AS b, count(DISTINCT h.person_id) AS together
        FROM peers pe JOIN {{held}} h ON h.person_id = pe.person_id
        JOIN cand c ON c.profile_id = pe.profile_id AND c.b = h.skill_uri
        GROUP BY 1, 2 HAVING count(DISTINCT h.person_id) >= {MIN_SUPPORT}
    )
    SELECT x.profile_id, x.b, x.together, z.n
    FROM share x JOIN size z USING (profile_id)
    ORDER BY x.profile_id, x.b
"""  # noqa: S608
_ORG_COLUMNS = ["profile_id", "b", "together", "n"]
# store -> (generation, built at, {name: organisation-wide frame}); see _org_cached.
_org_caches: weakref.WeakKeyDictionary[Any, tuple[int, float, dict[str, pd.DataFrame]]] = (
    weakref.WeakKeyDictionary()
)
_org_lock = threading.Lock()


def _org_cached(store: Reader) -> dict[str, pd.DataFrame] | None:
    """The organisation-wide frames cached for ``store`` (empty after a write or
    :data:`MAX_AGE_SECONDS`), or None for a store without a ``generation``.

    Call with :data:`_org_lock` held. Only anonymous, organisation-wide
    figures go in it (never anything that depends on the viewer).
    """
    generation = getattr(store, "generation", None)
    if generation is None:
        return None
    hit = _org_caches.get(store)
    if hit is None or hit[0] != generation or time.monotonic() - hit[1] >= MAX_AGE_SECONDS:
        hit = (generation, time.monotonic(), {})
        _org_caches[store] = hit
    return hit[2]


def _role_shares(store: Reader, profile_ids: list[str]) -> pd.DataFrame:
    """Per role profile: each related skill (in the ESCO group of one of its skill
    requirements, or under one of its group requirements; not itself required) held
    by at least :data:`MIN_SUPPORT` of the organisation's employees in the role.

    Anonymous organisation-wide totals, so each profile's rows are kept per store
    until its next write or :data:`MAX_AGE_SECONDS` (a badge expiring meanwhile
    still counts until then, as in the read model's per-team counts). Columns:
    profile_id, b (skill URI), together (people in the role holding it), n (people
    in the role).
    """
    with _org_lock:
        cache = _org_cached(store)
        known = {} if cache is None else cache
        missing = [p for p in profile_ids if f"shares:{p}" not in known]
    if missing:
        built = store.read(_ROLE_SHARES_SQL.format(held=held_source(store)), [missing])
        with _org_lock:
            for pid in missing:
                known[f"shares:{pid}"] = built[built["profile_id"] == pid]
    parts = [known[f"shares:{p}"] for p in profile_ids]
    if not parts:
        return pd.DataFrame(columns=_ORG_COLUMNS)
    return pd.concat(parts, ignore_index=True)


# Awards that count (as held_skills counts them, without the skill mapping).
_COUNTED_AWARDS = """
    FROM credentials c
    JOIN issuers i ON i.issuer_id = c.issuer_id AND i.trust = 'trusted'
    WHERE c.status = 'verified' AND NOT coalesce(c.self_issued, false)
      AND c.achievement_id IS NOT NULL AND c.person_id IS NOT NULL
      AND (c.expires IS NULL OR c.expires > now())
"""


def _badge_catalogue(store: Reader) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One counted award per badge class (achievement and issuer), with its award
    count, and the skills each teaches.

    A badge class's awards carry the same skills, so one award stands for each badge
    (picked by rowid: joining every award to its skills costs seconds at a million
    credentials). Kept per store until its next write or :data:`MAX_AGE_SECONDS`
    (organisation-wide, no person in it). Columns of the first frame:
    credential_key, achievement_id, issuer_id, awards, badge, issuer; of the second:
    credential_key, skill_uri (the representative award's skills mapped with
    enough confidence).
    """
    with _org_lock:
        cache = _org_cached(store)
        hit = None if cache is None else cache.get("badges")
        taught_hit = None if cache is None else cache.get("badge_skills")
    if hit is not None and taught_hit is not None:
        return hit, taught_hit
    built = store.read(
        f"""
        WITH b AS (
            SELECT c.achievement_id, c.issuer_id, any_value(c.rowid) AS r, count(*) AS awards
            {_COUNTED_AWARDS} GROUP BY c.achievement_id, c.issuer_id
        )
        SELECT c.credential_key, b.achievement_id, b.issuer_id, b.awards,
               coalesce(c.badge_name, b.achievement_id) AS badge,
               coalesce(i.name, c.issuer_name, 'an unnamed issuer') AS issuer
        FROM credentials c
        JOIN b ON b.achievement_id = c.achievement_id AND b.issuer_id = c.issuer_id
        LEFT JOIN issuers i ON i.issuer_id = b.issuer_id
        WHERE c.rowid IN (SELECT r FROM b)
        """,  # noqa: S608
        [],
    )
    keys = built["credential_key"].tolist()
    taught = store.read(
        f"""
        SELECT DISTINCT cs.credential_key, cs.skill_uri FROM credential_skills cs
        WHERE {_key_filter("cs.credential_key")} AND cs.skill_uri IS NOT NULL
          AND cs.confidence >= (SELECT CAST(value AS DOUBLE) FROM app_settings
                                WHERE key = 'held_confidence_threshold')
        """,  # noqa: S608
        [keys],
    )
    if cache is not None:
        with _org_lock:
            cache["badges"] = built
            cache["badge_skills"] = taught
    return built, taught


def learning_badges(
    store: Reader,
    viewer: Viewer,
    skill_uris: tuple[str, ...],
    *,
    kinds: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Badges (achievements) that teach each skill: their verified awards map to it.

    ``skill_uris``: skill URIs, or ESCO group codes where ``kinds`` says "group"
    (any skill in the group). Only awards that count (verified, unexpired, from a
    trusted issuer, not self-issued, mapped with enough confidence). Columns:
    skill_uri, achievement_id, badge, issuer, colleagues (people in the viewer's
    scope holding the badge), awards (organisation-wide count); most held first.
    """
    require_role(viewer, Role.MANAGER, Role.HR, what="team gaps")
    cols = ["skill_uri", "achievement_id", "badge", "issuer", "colleagues", "awards"]
    if not skill_uris:
        return pd.DataFrame(columns=cols)
    kind_list = list(kinds) if len(kinds) == len(skill_uris) else ["skill"] * len(skill_uris)
    reps, taught = _badge_catalogue(store)
    if reps.empty:
        return pd.DataFrame(columns=cols)
    cond, params = scope(viewer)
    return store.read(
        f"""
        WITH {_TARGET_SKILLS},
        reps AS (
            SELECT unnest(?::VARCHAR[]) AS credential_key, unnest(?::VARCHAR[]) AS achievement_id,
                   unnest(?::VARCHAR[]) AS issuer_id, unnest(?::BIGINT[]) AS awards,
                   unnest(?::VARCHAR[]) AS badge, unnest(?::VARCHAR[]) AS issuer
        ),
        taught AS (
            SELECT unnest(?::VARCHAR[]) AS credential_key, unnest(?::VARCHAR[]) AS skill_uri
        ),
        teaches AS (
            SELECT DISTINCT ts.target, tg.credential_key
            FROM taught tg JOIN tskills ts ON ts.skill_uri = tg.skill_uri
        ),
        mates AS (
            SELECT c.achievement_id, c.issuer_id, count(DISTINCT c.person_id) AS colleagues
            {_COUNTED_AWARDS}
              AND c.person_id IN (SELECT p.person_id FROM people p
                                  WHERE p.kind = 'employee' AND {cond})
            GROUP BY c.achievement_id, c.issuer_id
        )
        SELECT t.target AS skill_uri, r.achievement_id, r.badge, r.issuer,
               coalesce(m.colleagues, 0) AS colleagues, r.awards
        FROM teaches t JOIN reps r USING (credential_key)
        LEFT JOIN mates m USING (achievement_id, issuer_id)
        ORDER BY skill_uri, colleagues DESC, r.awards DESC, r.badge
        """,  # noqa: S608
        [
            list(skill_uris),
            kind_list,
            *[reps[c].tolist() for c in ("credential_key", "achievement_id", "issuer_id")],
            [int(n) for n in reps["awards"]],
            reps["badge"].tolist(),
            reps["issuer"].tolist(),
            taught["credential_key"].tolist(),
            taught["skill_uri"].tolist(),
            *params,
        ],
    )


def _badges_text(badges: pd.DataFrame, per_skill: int = 3) -> dict[str, str]:
    """skill -> "Badge (Issuer; 3 colleagues hold it); ..." for the most held badges."""
    parts: dict[str, list[str]] = {}
    top = badges.groupby("skill_uri", sort=False).head(per_skill)
    for uri, badge, issuer, n in zip(
        top["skill_uri"].tolist(),
        top["badge"].tolist(),
        top["issuer"].tolist(),
        top["colleagues"].tolist(),
        strict=True,
    ):
        count = int(n)
        held = (
            "no colleague holds it yet"
            if count == 0
            else "1 colleague holds it"
            if count == 1
            else f"{count:,} colleagues hold it"
        )
        parts.setdefault(str(uri), []).append(f"{badge} ({issuer}; {held})")
    return {uri: "; ".join(texts) for uri, texts in parts.items()}


def _mentors(
    store: Reader, viewer: Viewer, targets: pd.DataFrame, team_ids: tuple[str, ...]
) -> dict[str, list[tuple[str, str]]]:
    """target -> up to 4 (person_id, name) in the viewer's scope who hold it.

    People in the chosen teams come first."""
    cond, params = scope(viewer)
    found = store.read(
        f"""
        WITH {_TARGET_SKILLS},
        holders AS (
            SELECT DISTINCT ts.target, p.person_id, p.display_name AS name,
                   list_contains(?::VARCHAR[], p.team_id) AS near
            FROM {held_source(store)} h JOIN tskills ts USING (skill_uri)
            JOIN people p ON p.person_id = h.person_id
            WHERE p.kind = 'employee' AND {cond}
        ),
        ranked AS (
            SELECT *, row_number() OVER (PARTITION BY target
                                         ORDER BY near DESC, name, person_id) AS rn
            FROM holders
        )
        SELECT target, person_id, name FROM ranked WHERE rn <= 4 ORDER BY target, rn
        """,  # noqa: S608
        [
            targets["skill_uri"].tolist(),
            targets["target_kind"].tolist(),
            list(team_ids),
            *params,
        ],
    )
    out: dict[str, list[tuple[str, str]]] = {}
    for target, pid, name in found.itertuples(index=False):
        out.setdefault(str(target), []).append((str(pid), str(name)))
    return out


def _mentor_text(mentors: list[tuple[str, str]], person_id: str) -> str:
    names = [name for pid, name in mentors if pid != person_id][:3]
    return ", ".join(names)


def evidence(
    store: Reader, viewer: Viewer, person_id: str, skill_uri: str | None = None
) -> pd.DataFrame:
    """The badges behind a cell of the gap matrix: ``person_id``'s credentials that map to
    ``skill_uri`` (a skill URI, or an ESCO group code: any skill in it), or to any skill.

    Every such credential, counted or not, so a missing cell shows why (revoked,
    expired, issuer not trusted...). Columns: credential_key, badge, issuer, issued,
    expires, status, counts (bool), note (a sentence), skills. Raises
    :class:`AccessDenied` for a person outside the viewer's scope.
    """
    require_role(viewer, Role.MANAGER, Role.HR, what="team gaps")
    check_person(store, viewer, person_id)
    skill_uri = skill_uri or None  # an empty reference means "any skill", never "every group"
    keys = store.read("SELECT credential_key FROM credentials WHERE person_id = ?", [person_id])[
        "credential_key"
    ].tolist()
    out = store.read(
        f"""
        WITH threshold AS (SELECT CAST(value AS DOUBLE) AS v FROM app_settings
                           WHERE key = 'held_confidence_threshold'),
        rows AS (
            SELECT c.credential_key, coalesce(c.badge_name, c.name) AS badge,
                   coalesce(c.issuer_name, i.name) AS issuer, c.issued, c.expires, c.status,
                   coalesce(i.trust, 'unknown') AS trust, coalesce(c.self_issued, false) AS self,
                   cs.confidence >= (SELECT v FROM threshold) AS strong,
                   coalesce(s.label, cs.label) AS skill
            FROM credentials c JOIN credential_skills cs USING (credential_key)
            LEFT JOIN skills s ON s.skill_uri = cs.skill_uri
            LEFT JOIN issuers i ON i.issuer_id = c.issuer_id
            WHERE c.person_id = ? AND cs.skill_uri IS NOT NULL
              AND {_key_filter("cs.credential_key")}
              AND (?::VARCHAR IS NULL OR cs.skill_uri = ?
                   OR starts_with(coalesce(s.group_code, ''), ?))
        )
        SELECT credential_key, any_value(badge) AS badge, any_value(issuer) AS issuer,
               any_value(issued) AS issued, any_value(expires) AS expires,
               any_value(status) AS status, any_value(trust) AS trust,
               any_value(self) AS self, bool_or(strong) AS strong,
               string_agg(DISTINCT skill, ', ' ORDER BY skill) AS skills
        FROM rows GROUP BY credential_key
        ORDER BY issued DESC NULLS LAST, credential_key
        """,  # noqa: S608
        [person_id, keys, skill_uri, skill_uri, skill_uri or "\x00"],
    )
    now = pd.Timestamp.now(tz="UTC")
    notes, counts = [], []
    for status, trust, self_issued, strong, expires in zip(
        out["status"], out["trust"], out["self"], out["strong"], out["expires"], strict=True
    ):
        expired = pd.notna(expires) and pd.Timestamp(expires) <= now
        if status != "verified" or expired:
            word = "expired" if expired else _NOT_COUNTED.get(str(status), "not verified")
            note = f"Does not count: {word}."
        elif self_issued:
            note = "Does not count: issued by its own recipient."
        elif trust != "trusted":
            note = "Does not count yet: HR has not marked its issuer as trusted."
        elif not strong:
            note = "Does not count: the skill match is too uncertain."
        else:
            note = "Counts."
        notes.append(note)
        counts.append(note == "Counts.")
    out["counts"] = counts
    out["note"] = notes
    return out[
        [
            "credential_key",
            "badge",
            "issuer",
            "issued",
            "expires",
            "status",
            "counts",
            "note",
            "skills",
        ]
    ]


HISTORY_QUARTERS = 8


def history(
    store: Reader,
    viewer: Viewer,
    team_ids: tuple[str, ...] = (),
    profile_id: str | None = None,
) -> pd.DataFrame:
    """Readiness and coverage as of the end of each of the last 8 quarters.

    The people are today's employees in ``team_ids`` (default: the viewer's
    scope), each against their own role (or ``profile_id``, a what-if). A skill
    counts at a moment when a credential that would count today (verified, or
    since expired; trusted issuer; not self-issued; mapped with enough
    confidence) was valid then: issued (else first verified) on or before it and
    not yet expired. Revoked credentials never count. The current quarter is
    measured as of now (``so_far`` True). Columns: period (e.g. "2026 Q3"),
    as_of, so_far, people, readiness (mean weighted), coverage (share of the
    roles' requirements someone holds).
    """
    require_role(viewer, Role.MANAGER, Role.HR, what="team gaps")
    cond, params = scope(viewer)
    crew_params = [*params, list(team_ids), list(team_ids)]
    crew_size = int(
        store.read(f"SELECT count(*) AS n FROM ({_crew_sql(cond)})", crew_params)["n"].iloc[0]  # noqa: S608
    )
    if crew_size * HISTORY_QUARTERS > MAX_PLAN_PAIRS:
        raise InputTooLarge(
            f"That is {crew_size:,} people over {HISTORY_QUARTERS} quarters, too many to "
            "trace at once: choose fewer teams."
        )
    keys = store.read(
        f"""SELECT c.credential_key FROM credentials c
            WHERE c.status IN ('verified', 'expired')
              AND c.person_id IN (SELECT person_id FROM ({_crew_sql(cond)}))""",  # noqa: S608
        crew_params,
    )["credential_key"].tolist()
    weights = " ".join(f"WHEN {p} THEN {w}" for p, w in PRIORITY_WEIGHT.items())
    wanted = None if profile_id is None else [profile_id]
    out = store.read(
        f"""
        WITH crew AS ({_crew_sql(cond)}),
        pairs AS (
            SELECT person_id, own_profile AS profile_id FROM crew
            WHERE ?::VARCHAR[] IS NULL AND own_profile IS NOT NULL
            UNION ALL
            SELECT c.person_id, x.profile_id
            FROM crew c CROSS JOIN (SELECT unnest(?::VARCHAR[]) AS profile_id) x
        ),
        req AS (
            SELECT rs.profile_id, rs.target, rs.target_kind AS kind,
                   CASE rs.priority {weights} ELSE 1.0 END AS weight
            FROM role_skills rs WHERE rs.profile_id IN (SELECT profile_id FROM pairs)
        ),
        ends AS (
            SELECT q AS period_start,
                   least(q + INTERVAL 3 MONTH, now()) AS as_of,
                   q + INTERVAL 3 MONTH > now() AS so_far
            FROM generate_series(
                date_trunc('quarter', now()) - INTERVAL {3 * (HISTORY_QUARTERS - 1)} MONTH,
                date_trunc('quarter', now()),
                INTERVAL 3 MONTH) AS g(q)
        ),
        -- Fences: fetched by key first, then filtered (DuckDB would otherwise test the
        -- status and confidence of every credential before the short key list).
        mine AS MATERIALIZED (
            SELECT credential_key, person_id, issuer_id, status, self_issued, issued,
                   verified_at, expires
            FROM credentials WHERE {_key_filter("credential_key")}
        ),
        mine_skills AS MATERIALIZED (
            SELECT credential_key, skill_uri, confidence FROM credential_skills
            WHERE {_key_filter("credential_key")}
        ),
        held AS (
            SELECT c.person_id, cs.skill_uri, s.group_code,
                   coalesce(c.issued, c.verified_at) AS valid_from, c.expires
            FROM mine c JOIN crew USING (person_id)
            JOIN mine_skills cs USING (credential_key)
            JOIN skills s ON s.skill_uri = cs.skill_uri
            JOIN issuers i ON i.issuer_id = c.issuer_id AND i.trust = 'trusted'
            WHERE c.status IN ('verified', 'expired') AND NOT coalesce(c.self_issued, false)
              AND cs.confidence >= (SELECT CAST(value AS DOUBLE) FROM app_settings
                                    WHERE key = 'held_confidence_threshold')
        ),
        hits AS ({_HITS_SQL.replace("h.expires", "h.valid_from, h.expires")}),
        got AS (
            SELECT DISTINCT e.period_start, x.person_id, x.profile_id, x.target
            FROM ends e JOIN hits x ON x.valid_from <= e.as_of
                 AND (x.expires IS NULL OR x.expires > e.as_of)
        ),
        cells AS (
            SELECT e.period_start, e.as_of, e.so_far, pr.person_id, r.profile_id, r.target,
                   r.weight, g.person_id IS NOT NULL AS held
            FROM ends e CROSS JOIN pairs pr JOIN req r USING (profile_id)
            LEFT JOIN got g ON g.period_start = e.period_start AND g.person_id = pr.person_id
                 AND g.profile_id = r.profile_id AND g.target = r.target
        ),
        per_person AS (
            SELECT period_start, person_id,
                   sum(weight) FILTER (WHERE held) / sum(weight) AS ready
            FROM cells GROUP BY ALL
        ),
        per_req AS (
            SELECT period_start, profile_id, target, bool_or(held) AS covered
            FROM cells GROUP BY ALL
        )
        SELECT e.period_start, e.as_of, e.so_far,
               (SELECT count(DISTINCT person_id) FROM per_person pp
                WHERE pp.period_start = e.period_start) AS people,
               (SELECT avg(coalesce(ready, 0)) FROM per_person pp
                WHERE pp.period_start = e.period_start) AS readiness,
               (SELECT avg(CASE WHEN covered THEN 1.0 ELSE 0.0 END) FROM per_req r
                WHERE r.period_start = e.period_start) AS coverage
        FROM ends e ORDER BY e.period_start
        """,  # noqa: S608
        [*crew_params, wanted, wanted, keys, keys],
    )
    start = pd.to_datetime(out["period_start"], utc=True)
    out.insert(
        0,
        "period",
        [
            f"{t.year} Q{(t.month - 1) // 3 + 1}" + (" (so far)" if so_far else "")
            for t, so_far in zip(start, out["so_far"], strict=True)
        ],
    )
    out["people"] = out["people"].fillna(0).astype(int)
    out["so_far"] = out["so_far"].astype(bool)
    for col in ("readiness", "coverage"):
        out[col] = out[col].astype(float).round(3)
    return out[["period", "as_of", "so_far", "people", "readiness", "coverage"]]
