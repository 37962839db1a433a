"""Team gaps per person and role: own-role scoring, what-if, coverage, next steps, history.

The organisation is tests/support/seed.py: Web people are Frontend Developers, the manager
(Marco, in Web) an Engineering Manager, API people Backend Developers. Badges from Acme
Academy (trusted): "Python Developer" (Python, version control), "Web Foundations"
(JavaScript, user interfaces, version control); Open Learning awaits review.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from skills.access import Viewer, make_viewer
from skills.demo.personas import PERSONA_NAMES, PERSONAS
from skills.errors import AccessDenied
from skills.services import gaps
from skills.store import Store, open_store
from tests.support import seed

EMIL = PERSONAS["employee"]  # Frontend Developer in Web
MARCO = PERSONAS["manager"]  # Engineering Manager, leads Web
ESCO = seed.ESCO
TS = ESCO + "0000test-0000-4000-8000-00000000ts01"  # TypeScript: the Frontend skills' group
HAZARD = ESCO + "0000test-0000-4000-8000-0000000haz1"  # unrelated to any role


def _add_badge(
    tx: Any,
    n: int,
    person: str,
    skills: list[tuple[str, str]],
    *,
    issued_days_ago: int,
    expires_days: int | None = None,
    status: str = "verified",
    achievement: str = "a-extra",
    badge: str = "Extra",
) -> None:
    now = datetime.now(UTC)
    key = f"urn:test:extra:{n}"
    tx.execute(
        "INSERT INTO credentials (credential_key, person_id, submitted_by, format, status, "
        "issued, expires, verified_at, source_sha256, issuer_id, achievement_id, badge_name, "
        "issuer_name) VALUES (?, ?, 'test', 'ob3-di', ?, ?, ?, now(), ?, 'iss-acme', ?, ?, "
        "'Acme Academy')",
        [
            key,
            person,
            status,
            now - timedelta(days=issued_days_ago),
            None if expires_days is None else now + timedelta(days=expires_days),
            f"{n:064d}",
            achievement,
            badge,
        ],
    )
    for uri, label in skills:
        tx.execute(
            "INSERT INTO credential_skills (credential_key, skill_uri, label, confidence) "
            "VALUES (?, ?, ?, 0.95)",
            [key, uri, label],
        )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder: Path = tmp_path_factory.mktemp("gaps_roles")
    seed.build(folder / "org.duckdb", folder / "accounts.toml")
    atlas = open_store(folder / "org.duckdb")
    with atlas.write() as tx:
        tx.execute(
            "INSERT INTO skills (skill_uri, label, pillar, group_code) VALUES "
            "(?, 'TypeScript', 'K', 'K0613'), (?, 'identify hazards in the workplace', 'S', "
            "'S9.9.9')",
            [TS, HAZARD],
        )
        # Three Web Frontend Developers hold TypeScript and the unrelated hazard skill.
        for i, pid in enumerate(("E100000", "E100002", "E100003")):
            _add_badge(
                tx,
                i,
                pid,
                [(TS, "TypeScript"), (HAZARD, "identify hazards")],
                issued_days_ago=10,
                badge="TypeScript and Safety",
            )
        # Web Person 1 is a "Tester": a title no role profile is named like.
        tx.execute("UPDATE people SET role_title = 'Tester' WHERE person_id = 'E100001'")
        # A lab team of one (HR plans for it): Python evidence valid 600 to 300 days ago.
        tx.execute(
            "INSERT INTO teams (team_id, name, kind, parent_id) VALUES ('lab', 'Lab', 'team', "
            "'eng')"
        )
        tx.execute(
            "INSERT INTO people (person_id, display_name, kind, team_id, role_title) VALUES "
            "('E300000', 'Lab Person', 'employee', 'lab', 'Backend Developer')"
        )
        _add_badge(
            tx,
            10,
            "E300000",
            [(seed.uri("python"), "Python")],
            issued_days_ago=600,
            expires_days=-300,
            status="expired",
            achievement="a-py",
            badge="Python Developer",
        )
    yield atlas
    atlas.close()


def _manager(store: Store) -> Viewer:
    return make_viewer(store, account="manager", role="manager", person_id=MARCO)


def _hr(store: Store) -> Viewer:
    return make_viewer(store, account="hr", role="hr", person_id=PERSONAS["hr"])


def test_each_person_is_scored_against_their_own_role(store: Store) -> None:
    matrix = gaps.gap_matrix(store, _manager(store))
    roles = matrix.groupby("person_id")["profile"].unique().map(list).to_dict()
    assert roles[EMIL] == ["Frontend Developer"]
    assert roles[MARCO] == ["Engineering Manager"]
    assert "E100001" not in roles  # "Tester" maps to no profile: not scored
    marco = matrix[matrix["person_id"] == MARCO].set_index("requirement")
    assert marco.loc["work in teams", "priority"] == 1
    assert not (matrix["team"] == "API Platform").any()


def test_a_title_without_a_profile_is_listed_as_not_mapped_until_hr_maps_it(
    store: Store,
) -> None:
    roles = gaps.people_roles(store, _manager(store)).set_index("person_id")
    assert not roles.loc["E100001", "mapped"] and roles.loc["E100001", "role_title"] == "Tester"
    assert roles.loc[EMIL, "profile"] == "Frontend Developer"
    with store.write() as tx:
        tx.execute(
            "INSERT INTO role_title_profiles (title_norm, title, profile_id) VALUES "
            "('tester', 'Tester', 'rp-fe')"
        )
    try:
        again = gaps.people_roles(store, _manager(store)).set_index("person_id")
        assert again.loc["E100001", "mapped"] and again.loc["E100001", "profile_id"] == "rp-fe"
        assert "E100001" in set(gaps.gap_matrix(store, _manager(store))["person_id"])
    finally:
        with store.write() as tx:
            tx.execute("DELETE FROM role_title_profiles WHERE title_norm = 'tester'")


def test_the_what_if_scores_everyone_against_one_profile(store: Store) -> None:
    matrix = gaps.gap_matrix(store, _manager(store), "rp-be")
    assert set(matrix["profile_id"]) == {"rp-be"}
    assert {EMIL, MARCO, "E100001"} <= set(matrix["person_id"])


def test_readiness_explains_itself(store: Store) -> None:
    ready = gaps.readiness(gaps.gap_matrix(store, _manager(store))).set_index("person_id")
    # Emil holds JavaScript (critical), user interfaces and version control (important);
    # misses SQL (critical) and the teamwork group (nice to have): 3+2+2 of 3+3+2+2+1.
    assert ready.loc[EMIL, "summary"] == "3 of 5 held · critical 1 of 2 · 63.6% weighted"
    assert ready.loc[EMIL, "readiness"] == pytest.approx(0.636)
    assert ready.loc[EMIL, "profile"] == "Frontend Developer"


def test_team_coverage_lists_only_the_roles_present(store: Store) -> None:
    cov = gaps.team_coverage(store, _manager(store), ("web",)).set_index("profile")
    assert set(cov.index) == {"Frontend Developer", "Engineering Manager"}
    fe = cov.loc["Frontend Developer"]
    assert fe["people"] == 4 and fe["requirements"] == 5
    # JavaScript, user interfaces and version control are held by someone; SQL and teamwork
    # (Open Learning awaits review) by nobody.
    assert fe["covered_by_someone"] == 3 and fe["coverage"] == pytest.approx(0.6)
    assert cov.loc["Engineering Manager", "people"] == 1


def test_next_steps_are_role_first_then_related_skills_never_unrelated(store: Store) -> None:
    steps = gaps.next_skills(store, _manager(store), top=5, extras=3)
    emil = steps[steps["person_id"] == EMIL].sort_values("step")
    assert emil["kind"].tolist() == [
        "critical requirement",
        "nice to have requirement",
        gaps.RELATED,
    ]
    assert emil["skill"].tolist()[0] == "SQL"
    assert emil["skill"].tolist()[2] == "TypeScript"
    assert "75% of the 4 people in the role Frontend Developer" in emil["why"].tolist()[2]
    assert "hazards" not in " ".join(steps["skill"])  # held by as many, but unrelated
    # Those who hold TypeScript are not offered it.
    assert not ((steps["person_id"] == "E100000") & (steps["skill"] == "TypeScript")).any()


def test_each_step_names_the_badges_that_teach_it_and_who_could_mentor(store: Store) -> None:
    steps = gaps.next_skills(store, _manager(store), "rp-be")
    python = steps[(steps["person_id"] == EMIL) & (steps["skill_uri"] == seed.uri("python"))]
    assert len(python) == 1
    # Marco holds "Python Developer" (Acme Academy); Emil's own award is revoked.
    assert python["badges"].tolist() == ["Python Developer (Acme Academy; 1 colleague holds it)"]
    assert python["mentors"].tolist() == [PERSONA_NAMES["manager"]]
    assert python["kind"].tolist() == ["critical requirement"]
    marco = steps[steps["person_id"] == MARCO]
    assert seed.uri("python") not in set(marco["skill_uri"])


def test_badge_holders_are_counted_in_the_viewers_scope_only(store: Store) -> None:
    uri = seed.uri("python")
    mine = gaps.learning_badges(store, _manager(store), (uri,)).set_index("achievement_id")
    every = gaps.learning_badges(store, _hr(store), (uri,)).set_index("achievement_id")
    assert mine.loc["a-py", "colleagues"] == 1  # Marco
    assert every.loc["a-py", "colleagues"] == 5  # and the four API people
    assert mine.loc["a-py", "issuer"] == "Acme Academy"
    assert "a-data" not in mine.index  # Open Learning awaits HR's review


def test_evidence_shows_every_badge_behind_a_cell_and_why_it_counts_or_not(
    store: Store,
) -> None:
    found = gaps.evidence(store, _manager(store), EMIL, seed.uri("git")).set_index("badge")
    assert found.loc["Web Foundations", "note"] == "Counts."
    assert bool(found.loc["Web Foundations", "counts"])
    assert found.loc["Python Developer", "note"] == "Does not count: revoked."
    group = gaps.evidence(store, _manager(store), EMIL, "T4")
    assert group["note"].tolist() == [
        "Does not count yet: HR has not marked its issuer as trusted."
    ]
    with pytest.raises(AccessDenied):
        gaps.evidence(store, _manager(store), "E200000", seed.uri("python"))


def test_history_follows_credential_validity_quarter_by_quarter(store: Store) -> None:
    past = gaps.history(store, _hr(store), ("lab",))
    assert len(past) == gaps.HISTORY_QUARTERS
    assert past["so_far"].tolist() == [False] * 7 + [True]
    assert past["period"].iloc[-1].endswith("(so far)")
    # Backend Developer: Python (critical 3), SQL (critical 3), git (2), teamwork (1).
    series = past["readiness"].tolist()
    assert pytest.approx(3 / 9, abs=0.001) in series  # while the Python badge was valid
    assert series[-1] == 0.0  # it expired 300 days ago
    assert past["people"].tolist() == [1] * 8
    assert max(past["coverage"]) == pytest.approx(0.25)


def test_history_today_matches_the_gap_matrix(store: Store) -> None:
    mgr = _manager(store)
    past = gaps.history(store, mgr, ("web",))
    ready = gaps.readiness(gaps.gap_matrix(store, mgr, None, ("web",)))
    assert past["readiness"].iloc[-1] == pytest.approx(ready["readiness"].mean(), abs=0.002)
    assert past["readiness"].iloc[0] <= past["readiness"].iloc[-1]


def test_a_manager_never_plans_outside_their_teams(store: Store) -> None:
    mgr = _manager(store)
    for frame in (
        gaps.gap_matrix(store, mgr, None, ("api",)),
        gaps.people_roles(store, mgr, ("api",)),
        gaps.team_coverage(store, mgr, ("api",)),
        gaps.next_skills(store, mgr, None, ("api",)),
    ):
        assert frame.empty
    assert gaps.history(store, mgr, ("api",))["people"].sum() == 0
    steps = gaps.next_skills(store, mgr, "rp-be")
    text = " ".join(map(str, steps.to_numpy().ravel()))
    assert "Api Person" not in text and "API Platform" not in text
    assert isinstance(steps, pd.DataFrame)
