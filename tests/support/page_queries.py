"""Every page's queries, as the pages call them (``skills.services``), for one store.

Used by the lake parity test (the same answers on a lake as on the embedded file) and by
``benchmarks/bench_pages.py`` and ``benchmarks/bench_lake.py`` (their speed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skills.access import make_viewer
from skills.demo.personas import PERSONAS
from skills.services import candidates, gaps, growth, overview, profile, skill_map
from skills.store import Store


def page_queries(store: Store) -> dict[str, list[Callable[[], Any]]]:
    """Page name (and role) -> the calls its page makes, ready to run."""
    hr = make_viewer(store, account="hr", role="hr", person_id=PERSONAS["hr"])
    mgr = make_viewer(store, account="manager", role="manager", person_id=PERSONAS["manager"])
    rec = make_viewer(store, account="recruiter", role="recruiter", person_id=PERSONAS["recruiter"])
    member = PERSONAS["employee"]
    top = candidates.skill_options(store, rec, 5)["skill_uri"].tolist()
    profiles = gaps.profiles(store, mgr)
    pid = str(profiles.iloc[0]["profile_id"]) if not profiles.empty else ""
    query = candidates.CandidateQuery(skills=tuple(top[:3]), mode="any")
    me = make_viewer(store, account="member", role="member", person_id=member)
    return {
        "overview (hr)": [
            lambda: overview.overview(store, hr),
            lambda: overview.evidence(store, hr, "revoked"),
        ],
        "overview (manager)": [
            lambda: overview.overview(store, mgr),
            lambda: overview.team_people(store, mgr),
            lambda: overview.role_coverage(store, mgr),
        ],
        "overview (member)": [lambda: overview.my_role(store, me)],
        "overview (recruiter)": [lambda: overview.candidate_pipeline(store, rec)],
        "profile (hr)": [
            lambda: profile.person(store, hr, member),
            lambda: profile.person_credentials(store, hr, member),
            lambda: profile.person_skills(store, hr, member),
            lambda: profile.person_timeline(store, hr, member),
            lambda: profile.find_people(store, hr, "Emil"),
        ],
        "skill map (hr)": [
            lambda: skill_map.team_skill_matrix(store, hr),
            lambda: skill_map.coverage_groups(store, hr),
            lambda: skill_map.bench_strength(store, hr),
        ],
        "gaps (manager)": [
            lambda: gaps.gap_matrix(store, mgr),  # each person against their own role
            lambda: gaps.gap_matrix(store, mgr, pid),  # the what-if
            lambda: gaps.team_coverage(store, mgr),
            lambda: gaps.next_skills(store, mgr),
            lambda: gaps.history(store, mgr),
        ],
        "growth (hr)": [
            lambda: growth.skills_gained(store, hr, "quarter", "pillar"),
            lambda: growth.skills_gained(store, hr, "quarter", "team"),
            lambda: growth.cumulative_distinct(store, hr, "quarter"),
            lambda: growth.expiring(store, hr, 90),
        ],
        "growth (manager)": [lambda: growth.skills_gained(store, mgr, "quarter", "team")],
        "candidates (recruiter)": [lambda: candidates.search_candidates(store, rec, query)],
    }
