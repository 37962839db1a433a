"""Issue 13, HR's skill map on a real database (the seeded organisation of tests/support/seed.py):
shares by team, skills ranked by weighted demand against supply with paging, the ESCO
hierarchy by name, bench strength within the filters, and a cell's evidence.

Seed facts used here: Web Frontend has 6 employees (the manager holds Python and version
control; the member and four others hold JavaScript, UI design and version control), API
Platform 4 (Python, version control); HR and the recruiter are alone in their teams. The
Frontend Developer profile requires JavaScript and SQL (critical), UI design and version
control (important) and the T4 group (nice to have).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skills.access import Viewer, make_viewer
from skills.demo.personas import PERSONAS
from skills.errors import AccessDenied
from skills.services import skill_map
from skills.services.skill_map import MapFilter
from skills.store import Store, open_store
from tests.support import seed


def _hr(store: Store) -> Viewer:
    return make_viewer(store, account="hr", role="hr", person_id=PERSONAS["hr"])


def _add_profile(
    store: Store,
    profile_id: str,
    team_id: str | None,
    reqs: list[tuple[str, str, int]],
    *,
    name: str | None = None,
) -> None:
    with store.write() as tx:
        tx.execute(
            "INSERT INTO role_profiles (profile_id, name, team_id) VALUES (?, ?, ?)",
            [profile_id, name or profile_id, team_id],
        )
        for target, kind, priority in reqs:
            tx.execute(
                "INSERT INTO role_skills VALUES (?, ?, ?, ?)", [profile_id, target, kind, priority]
            )


FRONTEND = [  # the one role profile these tests rank demand by
    (seed.uri("js"), "skill", 1),
    (seed.uri("ux"), "skill", 2),
    (seed.uri("git"), "skill", 2),
    ("T4", "group", 3),
    (seed.uri("sql"), "skill", 1),
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """The seeded organisation with exactly one role profile, Frontend Developer (web)."""
    seed.build(tmp_path / "map.duckdb", tmp_path / "accounts.toml")
    s = open_store(tmp_path / "map.duckdb")
    with s.write() as tx:
        tx.execute("DELETE FROM role_skills")
        tx.execute("DELETE FROM role_profiles")
    _add_profile(s, "rp-fe", "web", FRONTEND, name="Frontend Developer")
    yield s
    s.close()


def test_the_map_shows_each_teams_share_and_ranks_skills_by_weighted_demand(store: Store) -> None:
    matrix = skill_map.team_skill_matrix(store, _hr(store))
    order = matrix.drop_duplicates("skill_uri").sort_values("rank")
    # critical (3) before important (2); within equal demand, the more held first; Python,
    # which no profile asks for, last; SQL, wanted but held by nobody, is a column of zeros.
    assert order["skill_uri"].tolist() == [
        seed.uri("js"),
        seed.uri("sql"),
        seed.uri("git"),
        seed.uri("ux"),
        seed.uri("python"),
    ]
    assert order["demand"].tolist() == [3, 3, 2, 2, 0]
    assert order["supply"].tolist() == [5, 0, 10, 5, 5]
    cell = matrix[(matrix["row_id"] == "web") & (matrix["skill_uri"] == seed.uri("js"))].iloc[0]
    assert (cell["holders"], cell["people"]) == (5, 6)
    assert cell["share"] == pytest.approx(5 / 6)
    python_api = matrix[(matrix["row_id"] == "api") & (matrix["skill_uri"] == seed.uri("python"))]
    assert python_api["share"].iloc[0] == 1.0
    assert (matrix[matrix["skill_uri"] == seed.uri("sql")]["holders"] == 0).all()
    # dense: every team against every skill shown
    assert len(matrix) == 4 * 5 and set(matrix["row_kind"]) == {"team"}


def test_demand_weighs_each_requiring_profile_by_priority(store: Store) -> None:
    _add_profile(
        store,
        "rp-data",
        "api",
        [(seed.uri("python"), "skill", 3), (seed.uri("git"), "skill", 1)],
    )
    matrix = skill_map.team_skill_matrix(store, _hr(store))
    demand = dict(zip(matrix["skill_uri"], matrix["demand"], strict=False))
    assert demand[seed.uri("git")] == 2 + 3  # important in one profile, critical in another
    assert demand[seed.uri("python")] == 1  # nice to have
    first = matrix[matrix["rank"] == 1]["skill_uri"].iloc[0]
    assert first == seed.uri("git")


def test_the_map_pages_through_skills(store: Store) -> None:
    hr = _hr(store)
    first = skill_map.team_skill_matrix(store, hr, top=2, page=1)
    second = skill_map.team_skill_matrix(store, hr, top=2, page=2)
    third = skill_map.team_skill_matrix(store, hr, top=2, page=3)
    assert set(first["rank"]) == {1, 2} and set(second["rank"]) == {3, 4}
    assert set(third["rank"]) == {5}
    assert set(first["skills_total"]) == {5}
    assert skill_map.team_skill_matrix(store, hr, top=2, page=4).empty


def test_many_teams_become_departments_and_a_department_its_largest_teams(store: Store) -> None:
    hr = _hr(store)
    by_dept = skill_map.team_skill_matrix(store, hr, rows=2)
    assert set(by_dept["row_kind"]) == {"department"}
    assert set(by_dept["row"]) == {"Engineering", "People"}
    eng = by_dept[(by_dept["row"] == "Engineering") & (by_dept["skill_uri"] == seed.uri("git"))]
    assert (eng["holders"].iloc[0], eng["people"].iloc[0]) == (10, 10)
    assert set(by_dept["rows_total"]) == {2}
    largest = skill_map.team_skill_matrix(store, hr, MapFilter(department="Engineering"), rows=1)
    assert set(largest["row_id"]) == {"web"} and set(largest["rows_total"]) == {2}


def test_filters_narrow_rows_and_skills(store: Store) -> None:
    hr = _hr(store)
    only_api = skill_map.team_skill_matrix(store, hr, MapFilter(team_ids=("api",)))
    assert set(only_api["row_id"]) == {"api"}
    # supply counts only the filtered teams: JavaScript is held by nobody in API Platform
    supply = dict(zip(only_api["skill_uri"], only_api["supply"], strict=False))
    assert supply[seed.uri("js")] == 0 and supply[seed.uri("python")] == 4
    knowledge = skill_map.team_skill_matrix(store, hr, MapFilter(pillar="K"))
    assert set(knowledge["skill_uri"]) == {seed.uri("js"), seed.uri("sql"), seed.uri("python")}


def test_coverage_is_a_hierarchy_of_esco_groups_by_name(store: Store) -> None:
    tree = skill_map.coverage_groups(store, _hr(store))
    nodes = tree.set_index("node")
    assert nodes.loc["K0613", "name"] == "Software and applications development and analysis"
    assert nodes.loc["K0613", "parent"] == "K061"
    assert nodes.loc["K", "parent"] == "all" and nodes.loc["K", "name"] == "Knowledge"
    assert nodes.loc["all", "parent"] == "" and nodes.loc["all", "holders"] == 25
    assert nodes.loc["K0613", "holders"] == 10 and nodes.loc["K0613", "skills"] == 2
    assert nodes.loc["S", "holders"] == 15  # version control (10) and UI design (5)
    for node, row in nodes.iterrows():  # a parent is at least the sum of its children
        children = nodes[nodes["parent"] == node]
        assert row["holders"] >= children["holders"].sum()
    assert not any(name == code for code, name in zip(tree["node"], tree["name"], strict=True))
    assert "T4" not in nodes.index  # the teamwork badges' issuer is not trusted: no holders
    only_web = skill_map.coverage_groups(store, _hr(store), MapFilter(team_ids=("web",)))
    assert only_web.set_index("node").loc["K0613", "holders"] == 6  # 5 JavaScript, 1 Python


def test_bench_strength_honours_the_filters(store: Store) -> None:
    hr = _hr(store)
    everyone = skill_map.bench_strength(store, hr)
    assert everyone["single_holder"].empty  # Python: the manager and four in API Platform
    assert everyone["critical_gaps"]["requirement"].tolist() == ["SQL"]
    web = skill_map.bench_strength(store, hr, MapFilter(team_ids=("web",)))
    single = web["single_holder"]
    assert single["skill_uri"].tolist() == [seed.uri("python")]
    assert single["person_id"].tolist() == [PERSONAS["manager"]]
    # API Platform's people hold no Frontend Developer title and it is not their profile
    api = skill_map.bench_strength(store, hr, MapFilter(team_ids=("api",)))
    assert api["critical_gaps"].empty
    skills_pillar = skill_map.bench_strength(store, hr, MapFilter(pillar="S"))
    assert skills_pillar["critical_gaps"].empty  # SQL is knowledge


def test_a_critical_group_requirement_is_named_not_coded(store: Store) -> None:
    _add_profile(store, "rp-lead", None, [("S4", "group", 1)])
    gaps = skill_map.bench_strength(store, _hr(store))["critical_gaps"]
    row = gaps[gaps["target"] == "S4"].iloc[0]
    assert row["requirement"] == "Management skills" and row["kind"] == "group"


def test_a_cells_evidence_is_that_teams_holders_and_their_badges(store: Store) -> None:
    hr = _hr(store)
    web = skill_map.skill_holders(store, hr, seed.uri("git"), ("web",))
    api = skill_map.skill_holders(store, hr, seed.uri("git"), ("api",))
    assert len(set(web["person_id"])) == 6 and set(web["team"]) == {"Web Frontend"}
    assert len(set(api["person_id"])) == 4 and set(api["team"]) == {"API Platform"}
    assert web["credential_key"].notna().all()
    everyone = skill_map.skill_holders(store, hr, seed.uri("python"))
    assert "C000001" in set(everyone["person_id"])  # without teams: candidates too
    teams_only = skill_map.skill_holders(store, hr, seed.uri("python"), ("web", "api"))
    assert "C000001" not in set(teams_only["person_id"])


@pytest.mark.parametrize("role", ["manager", "recruiter", "member"])
def test_only_hr_reads_the_map(store: Store, role: str) -> None:
    persona = {"member": "employee"}.get(role, role)
    viewer = make_viewer(store, account=role, role=role, person_id=PERSONAS[persona])
    for call in (
        skill_map.team_skill_matrix,
        skill_map.coverage_groups,
        skill_map.coverage_tree,
        skill_map.bench_strength,
    ):
        with pytest.raises(AccessDenied):
            call(store, viewer)
