"""Managers' gap planning: their team against its role profiles."""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

import pandas as pd

from skills.access import Role, Viewer, require_role
from skills.errors import InputTooLarge
from skills.services._common import Reader, scope
from skills.services._insights import (
    PRIORITY_WEIGHT,
    CoOccurrence,
    co_occurrence,
    suggest_next_skills,
)
from skills.services._insights import readiness as readiness  # the page scores its matrix
from skills.services._readmodel import MAX_AGE_SECONDS, held_source

EXPIRING_DAYS = 90

MAX_PLAN_PAIRS = 150_000  # people x role profiles in one gap matrix (~1M rows)


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


def default_profile(store: Reader, viewer: Viewer, team_ids: tuple[str, ...]) -> str | None:
    """The role profile most people in ``team_ids`` hold as their job title, or None.

    Matches ``people.role_title`` to a profile name the viewer may use
    (case-insensitive); ties go to the profile named first.
    """
    if not team_ids:
        return None
    usable = profiles(store, viewer)
    if usable.empty:
        return None
    cond, params = scope(viewer)
    titles = store.read(
        f"""
        SELECT lower(p.role_title) AS title, count(*) AS people
        FROM people p
        WHERE p.kind = 'employee' AND p.role_title IS NOT NULL AND {cond}
          AND list_contains(?::VARCHAR[], p.team_id)
        GROUP BY 1 ORDER BY people DESC, title
        """,  # noqa: S608
        [*params, list(team_ids)],
    )
    by_name = {
        str(n).lower(): str(pid)
        for pid, n in zip(usable["profile_id"], usable["name"], strict=True)
    }
    for title in titles["title"]:
        if title in by_name:
            return by_name[title]
    return None


def gap_matrix(
    store: Reader, viewer: Viewer, profile_id: str, team_ids: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Person x requirement: ``state`` held / expiring (within 90 days) / missing.

    People are the employees in ``team_ids`` (default: every team in the
    viewer's scope), never outside the viewer's scope. Columns: person_id,
    person, team, target, requirement, kind, priority, state, expires.
    """
    require_role(viewer, Role.MANAGER, Role.HR, what="team gaps")
    matrix = _gap_rows(store, viewer, [profile_id], team_ids).drop(columns="profile_id")
    groups = matrix["kind"] == "group"
    if groups.any():
        names = group_labels()
        matrix.loc[groups, "requirement"] = [
            f"any skill in: {names.get(code, code)}" for code in matrix.loc[groups, "target"]
        ]
    return matrix


def _gap_rows(
    store: Reader, viewer: Viewer, profile_ids: list[str], team_ids: tuple[str, ...]
) -> pd.DataFrame:
    """The gap matrix of several profiles at once (one query), with a profile_id column.

    Raises :class:`InputTooLarge` when the people in scope times the profiles exceed
    ``MAX_PLAN_PAIRS`` (HR asking for the whole organisation at once).
    """
    cond, params = scope(viewer)
    crew_size = store.read(
        f"""
        SELECT count(*) AS n FROM people p
        WHERE p.kind = 'employee' AND {cond}
          AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], p.team_id))
        """,  # noqa: S608
        [*params, list(team_ids), list(team_ids)],
    )["n"].iloc[0]
    if int(crew_size) * max(1, len(profile_ids)) > MAX_PLAN_PAIRS:
        raise InputTooLarge(
            f"That is {int(crew_size):,} people against {len(profile_ids)} role profiles, "
            "too many to plan at once: choose fewer teams."
        )
    return store.read(
        f"""
        WITH crew AS (
            SELECT p.person_id, p.display_name AS person, t.name AS team
            FROM people p LEFT JOIN teams t ON t.team_id = p.team_id
            WHERE p.kind = 'employee' AND {cond}
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], p.team_id))
        ),
        req AS (
            SELECT rs.profile_id, rs.target, rs.target_kind AS kind, rs.priority,
                   coalesce(s.label, rs.target) AS requirement
            FROM role_skills rs
            LEFT JOIN skills s ON rs.target_kind = 'skill' AND s.skill_uri = rs.target
            WHERE list_contains(?::VARCHAR[], rs.profile_id)
        ),
        held AS (
            SELECT h.person_id, h.skill_uri, s.group_code, h.expires
            FROM {held_source(store)} h JOIN crew USING (person_id) JOIN skills s USING (skill_uri)
        ),
        matched AS (
            SELECT c.person_id, r.profile_id, r.target,
                   max(CASE WHEN h.person_id IS NULL THEN 0
                            WHEN h.expires IS NULL
                              OR h.expires > now() + INTERVAL {EXPIRING_DAYS} DAY THEN 2
                            ELSE 1 END) AS level,
                   min(h.expires) AS expires
            FROM crew c CROSS JOIN req r
            LEFT JOIN held h ON h.person_id = c.person_id AND (
                 (r.kind = 'skill' AND h.skill_uri = r.target)
              OR (r.kind = 'group' AND starts_with(h.group_code, r.target)))
            GROUP BY c.person_id, r.profile_id, r.target
        )
        SELECT r.profile_id, c.person_id, c.person, c.team, r.target, r.requirement, r.kind,
               r.priority,
               CASE m.level WHEN 2 THEN 'held' WHEN 1 THEN 'expiring' ELSE 'missing' END
                 AS state,
               m.expires
        FROM matched m JOIN crew c USING (person_id) JOIN req r USING (profile_id, target)
        ORDER BY r.profile_id, c.person, r.priority, r.requirement
        """,  # noqa: S608
        [*params, list(team_ids), list(team_ids), profile_ids],
    )


def group_labels() -> dict[str, str]:
    """ESCO group code -> label."""
    from skills.taxonomy import load_taxonomy

    groups = load_taxonomy().groups_frame()
    return dict(zip(groups["code"], groups["label"], strict=True))


def team_coverage(store: Reader, viewer: Viewer, team_ids: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per role profile: share of its requirements someone in the team holds, and mean readiness."""
    usable = profiles(store, viewer)
    cols = ["profile", "requirements", "covered_by_someone", "coverage", "mean_readiness"]
    if usable.empty:
        return pd.DataFrame(columns=cols)
    rows = _gap_rows(store, viewer, usable["profile_id"].tolist(), team_ids)
    if rows.empty:
        return pd.DataFrame(columns=cols)
    # One pass over every profile at once (a loop per profile cost ~4 ms each).
    m = rows.assign(
        weight=rows["priority"].map(lambda p: PRIORITY_WEIGHT.get(int(p), 1.0)),
        got=rows["state"].isin(["held", "expiring"]),
    )
    m["got_weight"] = m["weight"] * m["got"]
    per_person = m.groupby(["profile_id", "person_id"]).agg(
        w=("weight", "sum"), g=("got_weight", "sum")
    )
    mean_ready = (per_person["g"] / per_person["w"]).round(3).groupby(level="profile_id").mean()
    per_profile = m.groupby("profile_id").agg(
        requirements=("target", "nunique"),
        covered_by_someone=("target", lambda s: s[m.loc[s.index, "got"]].nunique()),
    )
    out = usable[["profile_id", "name"]].merge(per_profile, left_on="profile_id", right_index=True)
    out["coverage"] = out["covered_by_someone"] / out["requirements"].clip(lower=1)
    out["mean_readiness"] = out["profile_id"].map(mean_ready).fillna(0.0).astype(float)
    out = out.rename(columns={"name": "profile"})
    out[["requirements", "covered_by_someone"]] = out[
        ["requirements", "covered_by_someone"]
    ].astype(int)
    return out[cols].reset_index(drop=True)


def _employee_skills(store: Reader) -> pd.DataFrame:
    """(person_id, skill_uri) of every employee, real ids: only for the co-occurrence, which
    never leaves this module (suggestions name only the people the viewer asked about)."""
    return store.read(
        f"""
        SELECT h.person_id, h.skill_uri FROM {held_source(store)} h
        JOIN people p USING (person_id) WHERE p.kind = 'employee'
        """,  # noqa: S608
        [],
    )


_co_cache: weakref.WeakKeyDictionary[Any, tuple[int, float, CoOccurrence]] = (
    weakref.WeakKeyDictionary()
)
_co_lock = threading.Lock()


def _org_co_occurrence(store: Reader, viewer: Viewer) -> CoOccurrence:
    """The organisation's skill co-occurrence, rebuilt after each write (and every 15 min)."""
    require_role(viewer, Role.MANAGER, Role.HR, what="team gaps")
    generation = getattr(store, "generation", None)
    if generation is None:
        return co_occurrence(_employee_skills(store))
    with _co_lock:
        hit = _co_cache.get(store)
        if hit and hit[0] == generation and time.monotonic() - hit[1] < MAX_AGE_SECONDS:
            return hit[2]
    built = co_occurrence(_employee_skills(store))
    with _co_lock:
        _co_cache[store] = (generation, time.monotonic(), built)
    return built


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
    base: pd.DataFrame | CoOccurrence = (
        held if held is not None else _org_co_occurrence(store, viewer)
    )
    people = list(dict.fromkeys(matrix["person_id"]))
    required = matrix.loc[matrix["kind"] == "skill", "target"].unique().tolist()
    uris = set(base["skill_uri"] if isinstance(base, pd.DataFrame) else base.skills) | set(required)
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
