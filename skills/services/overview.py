"""The overview page, one per role: the question each person comes with.

- HR: the organisation (:func:`overview`).
- A manager: their teams (:func:`overview` scoped to them, :func:`team_people`,
  :func:`role_coverage`); the organisation only as anonymous totals.
- A member: "me against my role" (:func:`my_role`).
- A recruiter: the candidate pipeline (:func:`candidate_pipeline`, :func:`pipeline_evidence`).

Every number opens the people and badges behind it (:func:`evidence`), always within
the viewer's scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from skills.access import Role, Viewer, require_role
from skills.services._common import Reader, org_wide, scope
from skills.services._readmodel import held_source

EXPIRING_DAYS = 90
PRIORITY_NAMES = {1: "critical", 2: "important", 3: "nice to have"}
STATUSES = (
    "verified",
    "expired",
    "revoked",
    "invalid",
    "unverifiable",
    "recipient_mismatch",
    "not_yet_valid",
)


@dataclass(frozen=True)
class Overview:
    """Headline numbers over the viewer's scope.

    ``scope`` is ``"organisation"`` (HR, recruiters: aggregates), ``"your teams"`` (a
    manager: the teams they lead and themselves) or ``"you"`` (a member). A manager also
    gets the organisation's totals, anonymous (``org_people``, ``org_verified``), else None.
    """

    scope: str  # "organisation", "your teams" or "you"
    people: int
    credentials: int
    verified: int
    distinct_skills: int
    status_counts: pd.DataFrame  # status, credentials
    newest: pd.DataFrame  # submitted, person, badge, issuer, status (only people in scope)
    expiring_soon: int = 0  # verified badges expiring within EXPIRING_DAYS
    org_people: int | None = None
    org_verified: int | None = None

    @property
    def share_verified(self) -> float:
        return self.verified / self.credentials if self.credentials else 0.0


def _scope_name(viewer: Viewer) -> str:
    if viewer.role is Role.MANAGER:
        return "your teams"
    return "organisation" if org_wide(viewer) else "you"


def overview(store: Reader, viewer: Viewer) -> Overview:
    """Numbers for the overview page.

    HR and recruiters get organisation aggregates (counts only); a manager gets their
    teams (and themselves), with the organisation's people and verified badges as two
    anonymous totals; a member gets their own. The newest-submissions list only ever
    holds people the viewer may see.
    """
    cond, params = scope(viewer)
    name = _scope_name(viewer)
    if name == "organisation":
        where, wparams = "TRUE", []
    else:
        where, wparams = cond, params
    held = held_source(store)
    # One pass over the viewer's credentials gives the status bars and the badge counts.
    by_status = store.read(
        f"""
        SELECT c.status, count(*) AS credentials,
               count(*) FILTER (WHERE c.expires > now()
                 AND c.expires <= now() + INTERVAL {EXPIRING_DAYS} DAY) AS expiring
        FROM credentials c JOIN people p USING (person_id)
        WHERE {where}
        GROUP BY c.status ORDER BY credentials DESC, c.status
        """,  # noqa: S608
        wparams,
    )
    verified_rows = by_status[by_status["status"] == "verified"]
    counts = store.read(
        f"""
        SELECT
          (SELECT count(*) FROM people p WHERE {where}) AS people,
          (SELECT count(DISTINCT h.skill_uri) FROM {held} h JOIN people p USING (person_id)
             WHERE {where}) AS distinct_skills,
          (SELECT count(*) FROM people) AS org_people,
          (SELECT count(*) FROM credentials WHERE status = 'verified'
             AND person_id IS NOT NULL) AS org_verified
        """,  # noqa: S608
        wparams * 2,
    )
    statuses = by_status[["status", "credentials"]].reset_index(drop=True)
    newest = store.read(
        f"""
        SELECT c.created AS submitted, p.display_name AS person, c.badge_name AS badge,
               c.issuer_name AS issuer, c.status, c.person_id, c.credential_key
        FROM credentials c
        JOIN people p USING (person_id)
        WHERE {cond}
        ORDER BY c.created DESC, c.credential_key
        LIMIT 10
        """,  # noqa: S608
        params,
    )
    row = counts.iloc[0]
    manager = viewer.role is Role.MANAGER
    return Overview(
        scope=name,
        people=int(row["people"]),
        credentials=int(by_status["credentials"].sum()),
        verified=int(verified_rows["credentials"].sum()),
        distinct_skills=int(row["distinct_skills"]),
        status_counts=statuses,
        newest=newest,
        expiring_soon=int(verified_rows["expiring"].sum()),
        org_people=int(row["org_people"]) if manager else None,
        org_verified=int(row["org_verified"]) if manager else None,
    )


def evidence(
    store: Reader,
    viewer: Viewer,
    status: str | None = None,
    within_days: int | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """The badges behind a number, newest first, only of people the viewer may see.

    ``status`` keeps badges with that status (a status bar); ``within_days`` keeps
    verified badges expiring within that many days (soonest first). Columns: person_id,
    person, team, badge, issuer, status, issued, expires, credential_key.
    """
    cond, params = scope(viewer)
    soon = within_days is not None
    return store.read(
        f"""
        SELECT p.person_id, p.display_name AS person, t.name AS team, c.badge_name AS badge,
               c.issuer_name AS issuer, c.status, c.issued, c.expires, c.credential_key
        FROM credentials c
        JOIN people p USING (person_id)
        LEFT JOIN teams t ON t.team_id = p.team_id
        WHERE {cond}
          AND (?::VARCHAR IS NULL OR c.status = ?::VARCHAR)
          AND (NOT ? OR (c.status = 'verified' AND c.expires > now()
                         AND c.expires <= now() + to_days(?::INTEGER)))
        ORDER BY CASE WHEN ? THEN c.expires END, c.created DESC, c.credential_key
        LIMIT ?
        """,  # noqa: S608
        [*params, status, status, soon, int(within_days or 0), soon, int(limit)],
    )


def _weight_case(column: str) -> str:
    from skills.services._insights import PRIORITY_WEIGHT

    whens = " ".join(f"WHEN {p} THEN {float(w)}" for p, w in sorted(PRIORITY_WEIGHT.items()))
    return f"(CASE {column} {whens} ELSE 1.0 END)"


TEAM_PEOPLE_COLUMNS = [
    "person_id",
    "person",
    "team",
    "role",
    "profile",
    "badges",
    "skills",
    "expiring",
    "role_held",
    "required",
    "critical_held",
    "critical",
    "readiness",
]


def team_people(
    store: Reader, viewer: Viewer, team_ids: tuple[str, ...] = (), limit: int = 1000
) -> pd.DataFrame:
    """The employees of the viewer's teams, each against their own role (one query).

    Managers and HR only. ``team_ids`` narrows to those teams (never beyond the
    viewer's scope); at most ``limit`` people, by team and name. Columns: person_id,
    person, team, role (their job title), profile (the role profile it maps to, or
    missing), badges (verified), skills (held), expiring (verified badges expiring
    within 90 days), role_held and required (requirements of their profile held),
    critical_held and critical, readiness (held requirements weighted by priority, 0-1;
    missing without a profile).
    """
    require_role(viewer, Role.MANAGER, Role.HR, what="your teams' people")
    cond, params = scope(viewer)
    weight = _weight_case("priority")
    teams = list(team_ids)
    return store.read(
        f"""
        WITH crew AS (
            SELECT p.person_id, p.display_name AS person, t.name AS team,
                   p.role_title AS role, r.profile_id
            FROM people p
            LEFT JOIN teams t ON t.team_id = p.team_id
            LEFT JOIN person_roles r ON r.person_id = p.person_id
            WHERE p.kind = 'employee' AND {cond}
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], p.team_id))
            ORDER BY t.name NULLS LAST, p.display_name, p.person_id
            LIMIT ?
        ),
        badges AS (
            SELECT c.person_id,
                   count(*) FILTER (WHERE c.status = 'verified') AS badges,
                   count(*) FILTER (WHERE c.status = 'verified' AND c.expires > now()
                       AND c.expires <= now() + INTERVAL {EXPIRING_DAYS} DAY) AS expiring
            FROM credentials c JOIN crew USING (person_id) GROUP BY c.person_id
        ),
        held AS (
            SELECT h.person_id, h.skill_uri, s.group_code
            FROM {held_source(store)} h JOIN crew USING (person_id)
            JOIN skills s USING (skill_uri)
        ),
        nheld AS (SELECT person_id, count(*) AS skills FROM held GROUP BY person_id),
        fit AS (
            SELECT c.person_id, r.target, any_value(r.priority) AS priority,
                   bool_or(h.person_id IS NOT NULL) AS got
            FROM crew c JOIN role_skills r ON r.profile_id = c.profile_id
            LEFT JOIN held h ON h.person_id = c.person_id AND (
                 (r.target_kind = 'skill' AND h.skill_uri = r.target)
              OR (r.target_kind = 'group' AND starts_with(h.group_code, r.target)))
            GROUP BY c.person_id, r.target
        ),
        fits AS (
            SELECT person_id, count(*) AS required, count(*) FILTER (WHERE got) AS role_held,
                   count(*) FILTER (WHERE priority = 1) AS critical,
                   count(*) FILTER (WHERE priority = 1 AND got) AS critical_held,
                   round(sum({weight} * got::INTEGER) / sum({weight}), 3) AS readiness
            FROM fit GROUP BY person_id
        )
        SELECT crew.person_id, crew.person, crew.team, crew.role, rp.name AS profile,
               coalesce(b.badges, 0) AS badges, coalesce(n.skills, 0) AS skills,
               coalesce(b.expiring, 0) AS expiring,
               f.role_held, f.required, f.critical_held, f.critical, f.readiness
        FROM crew
        LEFT JOIN badges b USING (person_id)
        LEFT JOIN nheld n USING (person_id)
        LEFT JOIN fits f USING (person_id)
        LEFT JOIN role_profiles rp ON rp.profile_id = crew.profile_id
        ORDER BY crew.team NULLS LAST, crew.person, crew.person_id
        """,  # noqa: S608
        [*params, teams, teams, int(limit)],
    )[TEAM_PEOPLE_COLUMNS]


_EVERYONE = 10_000_000
"""A limit no organisation reaches: aggregates are taken over every person in scope."""


def role_coverage(store: Reader, viewer: Viewer, team_ids: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per role present among the viewer's people: how well they cover it.

    Managers and HR only; only roles someone in ``team_ids`` (default: the viewer's
    scope) carries. Columns: role (the role profile's name, or the job title with
    "(no role profile)"), people, mean_readiness (0-1, missing without a profile),
    all_critical (people holding every critical requirement), expiring (their badges
    expiring within 90 days). Weakest first.
    """
    people = team_people(store, viewer, team_ids, limit=_EVERYONE)  # every person counts
    cols = ["role", "people", "mean_readiness", "all_critical", "expiring"]
    people = people[people["role"].notna() | people["profile"].notna()]
    if people.empty:
        return pd.DataFrame(columns=cols)
    role = people["profile"].where(
        people["profile"].notna(), people["role"].astype(str) + " (no role profile)"
    )
    frame = people.assign(
        role=role,
        full=(people["critical_held"] == people["critical"]) & (people["critical"] > 0),
    )
    out = frame.groupby("role", as_index=False).agg(
        people=("person_id", "size"),
        mean_readiness=("readiness", "mean"),
        all_critical=("full", "sum"),
        expiring=("expiring", "sum"),
    )
    out["mean_readiness"] = out["mean_readiness"].astype(float).round(3)
    out[["people", "all_critical", "expiring"]] = out[
        ["people", "all_critical", "expiring"]
    ].astype(int)
    return out.sort_values(
        ["mean_readiness", "role"], ascending=[True, True], na_position="last", ignore_index=True
    )[cols]


@dataclass(frozen=True)
class MyRole:
    """The viewer against their own role (from ``person_roles``).

    ``requirements``: requirement, target, kind, priority, importance (critical /
    important / nice to have), state (held / expiring / missing), badge and
    credential_key (the badge that gives it), expires. ``expiring``: the viewer's
    verified badges expiring within 90 days (badge, issuer, expires, credential_key).
    """

    person_id: str | None
    role_title: str | None
    profile_id: str | None
    profile: str | None
    requirements: pd.DataFrame = field(default_factory=pd.DataFrame)
    expiring: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def held(self) -> int:
        if self.requirements.empty:
            return 0
        return int(self.requirements["state"].isin(["held", "expiring"]).sum())

    @property
    def missing(self) -> pd.DataFrame:
        if self.requirements.empty:
            return self.requirements
        return self.requirements[self.requirements["state"] == "missing"]


def _group_names() -> dict[str, str]:
    from skills.taxonomy import load_taxonomy

    groups = load_taxonomy().groups_frame()
    return dict(zip(groups["code"], groups["label"], strict=True))


def my_role(store: Reader, viewer: Viewer) -> MyRole:
    """The viewer's own role, what it requires, what they hold and what expires.

    Only ever about the viewer themselves (``viewer.person_id``); an account without a
    person gets an empty answer. A requirement is held when a verified, unexpired badge
    from a trusted issuer gives it (as ``held_skills`` counts), expiring when every such
    badge expires within 90 days; a group requirement is met by any skill in the group.
    """
    me = viewer.person_id
    if me is None:
        return MyRole(None, None, None, None)
    expiring = store.read(
        f"""
        SELECT c.badge_name AS badge, c.issuer_name AS issuer, c.expires, c.credential_key
        FROM credentials c
        WHERE c.person_id = ? AND c.status = 'verified' AND c.expires > now()
          AND c.expires <= now() + INTERVAL {EXPIRING_DAYS} DAY
        ORDER BY c.expires, c.credential_key
        """,  # noqa: S608
        [me],
    )
    found = store.read(
        """
        SELECT r.role_title, r.profile_id, rp.name AS profile
        FROM person_roles r LEFT JOIN role_profiles rp USING (profile_id)
        WHERE r.person_id = ?
        """,
        [me],
    )
    if found.empty:
        return MyRole(me, None, None, None, expiring=expiring)
    row = found.iloc[0]

    def _text(value: Any) -> str | None:
        return None if value is None or pd.isna(value) else str(value)

    title, profile_id, profile = _text(row["role_title"]), _text(row["profile_id"]), None
    if profile_id is None:
        return MyRole(me, title, None, None, expiring=expiring)
    profile = _text(row["profile"])
    reqs = store.read(
        f"""
        WITH req AS (
            SELECT rs.target, rs.target_kind AS kind, rs.priority,
                   coalesce(s.label, rs.target) AS requirement
            FROM role_skills rs
            LEFT JOIN skills s ON rs.target_kind = 'skill' AND s.skill_uri = rs.target
            WHERE rs.profile_id = ?
        ),
        ev AS (
            SELECT cs.skill_uri, s.group_code, c.credential_key, c.badge_name, c.expires
            FROM credentials c
            JOIN credential_skills cs USING (credential_key)
            JOIN skills s ON s.skill_uri = cs.skill_uri
            JOIN issuers i ON i.issuer_id = c.issuer_id AND i.trust = 'trusted'
            JOIN {held_source(store)} h ON h.person_id = c.person_id
                                       AND h.skill_uri = cs.skill_uri
            WHERE c.person_id = ? AND c.status = 'verified'
              AND NOT coalesce(c.self_issued, false)
              AND (c.expires IS NULL OR c.expires > now())
              AND cs.confidence >= (SELECT CAST(value AS DOUBLE) FROM app_settings
                                    WHERE key = 'held_confidence_threshold')
        )
        SELECT r.requirement, r.target, r.kind, r.priority,
               arg_max(e.badge_name, coalesce(e.expires, TIMESTAMPTZ '9999-12-31'))
                 AS badge,
               arg_max(e.credential_key, coalesce(e.expires, TIMESTAMPTZ '9999-12-31'))
                 AS credential_key,
               count(e.credential_key) AS badges,
               CASE WHEN count(e.credential_key) FILTER (WHERE e.expires IS NULL) > 0 THEN NULL
                    ELSE max(e.expires) END AS expires
        FROM req r
        LEFT JOIN ev e ON (r.kind = 'skill' AND e.skill_uri = r.target)
                       OR (r.kind = 'group' AND starts_with(e.group_code, r.target))
        GROUP BY r.requirement, r.target, r.kind, r.priority
        ORDER BY r.priority, r.requirement
        """,  # noqa: S608
        [profile_id, me],
    )
    soon = pd.Timestamp(datetime.now(UTC) + timedelta(days=EXPIRING_DAYS))
    state = [
        "missing" if n == 0 else "expiring" if pd.notna(x) and x <= soon else "held"
        for n, x in zip(reqs["badges"], reqs["expires"], strict=True)
    ]
    reqs = reqs.assign(
        state=state,
        importance=reqs["priority"].map(lambda p: PRIORITY_NAMES.get(int(p), str(p))),
    )
    groups = reqs["kind"] == "group"
    if groups.any():
        names = _group_names()
        reqs.loc[groups, "requirement"] = [
            f"any skill in: {names.get(code, code)}" for code in reqs.loc[groups, "target"]
        ]
    cols = [
        "requirement",
        "target",
        "kind",
        "priority",
        "importance",
        "state",
        "badge",
        "credential_key",
        "expires",
    ]
    return MyRole(me, title, profile_id, profile, requirements=reqs[cols], expiring=expiring)


@dataclass(frozen=True)
class Pipeline:
    """The candidate pipeline: who arrived and which skills were newly verified.

    ``new_candidates``: person_id, name, first_seen, badges, verified (candidates first
    seen within 90 days, newest first). ``new_skills``: skill_uri, skill, last_30, last_90
    (candidates with a counting badge for the skill submitted in each window).
    """

    candidates: int
    new_30: int
    new_90: int
    with_verified_skills: int
    new_candidates: pd.DataFrame
    new_skills: pd.DataFrame


_COUNTING = """
    c.status = 'verified' AND NOT coalesce(c.self_issued, false)
    AND (c.expires IS NULL OR c.expires > ?::TIMESTAMPTZ) AND cs.skill_uri IS NOT NULL
    AND cs.confidence >= (SELECT CAST(value AS DOUBLE) FROM app_settings
                          WHERE key = 'held_confidence_threshold')
"""


def candidate_pipeline(store: Reader, viewer: Viewer, *, now: datetime | None = None) -> Pipeline:
    """Recruiters' overview: candidates, new ones in the last 30 and 90 days, and the
    skills newly verified among candidates (badges from trusted issuers submitted in
    those windows). Recruiters and HR only; candidates only, never employees.

    A candidate is first seen at their earliest badge submission or their record's
    creation, whichever came first.
    """
    require_role(viewer, Role.RECRUITER, Role.HR, what="the candidate pipeline")
    moment = now or datetime.now(UTC)
    d30, d90 = moment - timedelta(days=30), moment - timedelta(days=90)
    cond, params = scope(viewer)
    people = store.read(
        f"""
        WITH seen AS (
            SELECT p.person_id, p.display_name AS name,
                   least(p.created, min(c.created)) AS first_seen,
                   count(c.credential_key) AS badges,
                   count(c.credential_key) FILTER (WHERE c.status = 'verified') AS verified
            FROM people p LEFT JOIN credentials c USING (person_id)
            WHERE p.kind = 'candidate' AND {cond}
            GROUP BY p.person_id, p.display_name, p.created
        ), tot AS (  -- one aggregate pass (window counts over all candidates were slow)
            SELECT count(*) AS total,
                   count(*) FILTER (WHERE first_seen >= ?::TIMESTAMPTZ) AS n30,
                   count(*) FILTER (WHERE first_seen >= ?::TIMESTAMPTZ) AS n90,
                   min(person_id) AS one
            FROM seen
        )
        -- the recent ones, and always one row to carry the totals
        SELECT seen.*, tot.total, tot.n30, tot.n90
        FROM seen, tot
        WHERE seen.first_seen >= ?::TIMESTAMPTZ OR seen.person_id = tot.one
        ORDER BY first_seen DESC, name, person_id
        """,  # noqa: S608
        [*params, d30, d90, d90],
    )
    held = store.read(
        f"""
        SELECT count(DISTINCT h.person_id) AS n FROM {held_source(store)} h
        JOIN people p USING (person_id) WHERE p.kind = 'candidate' AND {cond}
        """,  # noqa: S608
        params,
    )
    skills = store.read(
        f"""
        WITH recent AS (  -- the candidates' counting badges first, then their skills
            SELECT c.credential_key, c.person_id, c.created >= ?::TIMESTAMPTZ AS in_30
            FROM credentials c
            JOIN people p ON p.person_id = c.person_id
            JOIN issuers i ON i.issuer_id = c.issuer_id AND i.trust = 'trusted'
            WHERE p.kind = 'candidate' AND {cond} AND c.created >= ?::TIMESTAMPTZ
              AND c.status = 'verified' AND NOT coalesce(c.self_issued, false)
              AND (c.expires IS NULL OR c.expires > ?::TIMESTAMPTZ)
        ), per_skill AS (
            SELECT cs.skill_uri,
                   count(DISTINCT r.person_id) FILTER (WHERE r.in_30) AS last_30,
                   count(DISTINCT r.person_id) AS last_90
            FROM recent r JOIN credential_skills cs USING (credential_key)
            WHERE cs.skill_uri IS NOT NULL
              AND cs.confidence >= (SELECT CAST(value AS DOUBLE) FROM app_settings
                                    WHERE key = 'held_confidence_threshold')
            GROUP BY cs.skill_uri
        )
        SELECT ps.skill_uri, s.label AS skill, ps.last_30, ps.last_90
        FROM per_skill ps JOIN skills s ON s.skill_uri = ps.skill_uri
        ORDER BY last_90 DESC, last_30 DESC, s.label
        LIMIT 200
        """,  # noqa: S608
        [d30, *params, d90, moment],
    )
    first = people.iloc[0] if not people.empty else None
    recent = people[people["first_seen"] >= pd.Timestamp(d90)] if first is not None else people
    return Pipeline(
        candidates=int(first["total"]) if first is not None else 0,
        new_30=int(first["n30"]) if first is not None else 0,
        new_90=int(first["n90"]) if first is not None else 0,
        with_verified_skills=int(held["n"].iloc[0]),
        new_candidates=recent[
            ["person_id", "name", "first_seen", "badges", "verified"]
        ].reset_index(drop=True),
        new_skills=skills,
    )


def pipeline_evidence(
    store: Reader, viewer: Viewer, skill_uri: str, days: int = 90, *, now: datetime | None = None
) -> pd.DataFrame:
    """The candidates and badges behind a newly verified skill of :func:`candidate_pipeline`
    (submitted within ``days``). Recruiters and HR only. Columns: person_id, name, badge,
    issuer, submitted, credential_key."""
    require_role(viewer, Role.RECRUITER, Role.HR, what="the candidate pipeline")
    moment = now or datetime.now(UTC)
    cond, params = scope(viewer)
    return store.read(
        f"""
        SELECT DISTINCT p.person_id, p.display_name AS name, c.badge_name AS badge,
               c.issuer_name AS issuer, c.created AS submitted, c.credential_key
        FROM credentials c
        JOIN credential_skills cs USING (credential_key)
        JOIN people p ON p.person_id = c.person_id
        JOIN issuers i ON i.issuer_id = c.issuer_id AND i.trust = 'trusted'
        WHERE p.kind = 'candidate' AND {cond} AND cs.skill_uri = ?
          AND c.created >= ?::TIMESTAMPTZ AND {_COUNTING}
        ORDER BY submitted DESC, name, c.credential_key
        LIMIT 500
        """,  # noqa: S608
        [*params, skill_uri, moment - timedelta(days=int(days)), moment],
    )
