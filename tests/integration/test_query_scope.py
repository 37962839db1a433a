"""Every skills.services entry point, for every role, on a real database: scope holds in skills.

A member never reaches another person; a manager never reaches outside their teams;
a recruiter never gets employee names; forbidden calls raise AccessDenied.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from skills.access import Viewer, make_viewer
from skills.demo.personas import PERSONA_NAMES, PERSONAS
from skills.errors import AccessDenied
from skills.services import (
    admin,
    candidates,
    gaps,
    growth,
    overview,
    profile,
    skill_map,
)
from skills.store import Store, open_store
from tests.support import seed

EMPLOYEES = {PERSONA_NAMES[k] for k in ("hr", "manager", "recruiter", "employee")} | {
    name for _, name, _ in seed.OTHER_EMPLOYEES
}
API_PEOPLE = {name for _, name, team in seed.OTHER_EMPLOYEES if team == "api"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("scope")
    seed.build(folder / "s.duckdb", folder / "a.toml")
    s = open_store(folder / "s.duckdb")
    yield s
    s.close()


def _viewer(store: Store, role: str) -> Viewer:
    persona = {"member": "employee"}.get(role, role)
    return make_viewer(store, account=role, role=role, person_id=PERSONAS[persona])


def _names(*frames: pd.DataFrame) -> set[str]:
    out: set[str] = set()
    for frame in frames:
        for col in ("person", "name"):
            if col in frame.columns:
                out |= {str(v) for v in frame[col].dropna()}
    return out


def test_member_reaches_only_themselves(store: Store) -> None:
    me = _viewer(store, "member")
    ov = overview.overview(store, me)
    assert ov.people == 1 and _names(ov.newest) <= {PERSONA_NAMES["employee"]}
    assert set(profile.find_people(store, me, "")["person_id"]) == {PERSONAS["employee"]}
    for other in (PERSONAS["manager"], "C000001", "E200000"):
        for fn in (
            profile.person,
            profile.person_credentials,
            profile.person_skills,
            profile.person_timeline,
        ):
            with pytest.raises(AccessDenied):
                fn(store, me, other)
    with pytest.raises(AccessDenied):
        profile.credential_detail(store, me, "urn:test:cred:3")  # the manager's badge
    profile.credential_detail(store, me, "urn:test:cred:0")  # their own
    for call in (
        lambda: skill_map.team_skill_matrix(store, me),
        lambda: gaps.gap_matrix(store, me, "rp-fe"),
        lambda: growth.skills_gained(store, me),
        lambda: candidates.search_candidates(store, me, candidates.CandidateQuery(("x",))),
        lambda: admin.issuers(store, me),
    ):
        with pytest.raises(AccessDenied):
            call()


def test_manager_stays_inside_their_teams(store: Store) -> None:
    mgr = _viewer(store, "manager")
    matrix = gaps.gap_matrix(store, mgr, "rp-fe", ("api",))  # asks for a team not theirs
    assert matrix.empty
    names = _names(
        gaps.gap_matrix(store, mgr, "rp-fe"),
        growth.expiring(store, mgr),
        profile.find_people(store, mgr, ""),
        gaps.next_skills(store, mgr, "rp-fe"),
    )
    assert PERSONA_NAMES["employee"] in names
    assert not names & API_PEOPLE and "Clara Jensen" not in names
    with pytest.raises(AccessDenied):
        profile.person(store, mgr, "E200000")
    with pytest.raises(AccessDenied):
        skill_map.bench_strength(store, mgr)


def test_recruiter_gets_candidates_and_no_employee_names(store: Store) -> None:
    rec = _viewer(store, "recruiter")
    uri = seed.uri("python")
    found = candidates.search_candidates(
        store, rec, candidates.CandidateQuery((uri,), mode="any", verified_only=False)
    )
    names = _names(
        found,
        overview.overview(store, rec).newest,
        growth.expiring(store, rec),
        profile.find_people(store, rec, ""),
        skill_map.skill_holders(store, rec, uri),
    )
    names.discard(PERSONA_NAMES["recruiter"])  # themselves
    assert names and not names & EMPLOYEES
    side = candidates.compare(store, rec, ["C000001", "C000002"]).table
    assert not side.empty
    assert set(side.columns) == {PERSONA_NAMES["candidate"], "Cem Candidate"}
    with pytest.raises(AccessDenied):
        candidates.compare(store, rec, ["C000001", PERSONAS["employee"]])
    with pytest.raises(AccessDenied):
        profile.person_skills(store, rec, PERSONAS["employee"])


def test_match_score_explains_itself_and_all_mode_filters(store: Store) -> None:
    rec = _viewer(store, "recruiter")
    both = (seed.uri("python"), seed.uri("sql"))
    # SQL is vouched for only by an issuer HR has not reviewed: by default nobody has both.
    assert candidates.search_candidates(store, rec, candidates.CandidateQuery(both, "all")).empty
    with_unreviewed = candidates.CandidateQuery(both, "all", trusted_only=False)
    ranked = candidates.search_candidates(store, rec, with_unreviewed)
    assert set(ranked["name"]) == {PERSONA_NAMES["candidate"], "Cora Candidate"}  # not Cem
    assert ranked.iloc[0]["why"].startswith("2 of 2 required skills")
    csv = candidates.shortlist_csv(ranked).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("person_id,name,matched,score")
    assert candidates.shortlist_xlsx(ranked)[:2] == b"PK"


def test_hr_sees_everything(store: Store) -> None:
    hr = _viewer(store, "hr")
    assert overview.overview(store, hr).people == 15
    assert _names(skill_map.bench_strength(store, hr)["single_holder"]) <= EMPLOYEES
    assert not skill_map.team_skill_matrix(store, hr).empty
    assert not admin.issuers(store, hr).empty
    assert "reactjs" in set(admin.review_queue(store, hr)["label"].str.lower())


def test_planning_too_many_people_at_once_is_refused_with_a_sentence(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skills.errors import InputTooLarge
    from skills.services import gaps as gaps_q

    hr = _viewer(store, "hr")
    assert not gaps_q.team_coverage(store, hr).empty  # the whole (small) organisation is fine
    monkeypatch.setattr(gaps_q, "MAX_PLAN_PAIRS", 1)
    with pytest.raises(InputTooLarge, match="choose fewer teams"):
        gaps_q.team_coverage(store, hr)
