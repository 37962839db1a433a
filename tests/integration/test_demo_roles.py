"""The demo organisation gives the analytics something real: roles mapped to profiles with
varied priorities, badges about to expire, history, and badges that teach every requirement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from skills.demo import PERSONAS, DemoConfig, build_demo, generate_demo
from skills.demo.generator import build_day
from skills.demo.inputs import requirement_priorities
from skills.store import Store, open_store

# The default organisation; the first 600 badges (every award that teaches a requirement
# among them) are really signed, verified and mapped, the rest bulk-loaded.
DEFAULT = DemoConfig(people=400, candidates=150, credentials=4000, signed_sample=600)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("demo_roles")
    store = open_store(root / "demo.duckdb")
    build_demo(store, DEFAULT, hosted_root=root / "hosted", workers=2)
    yield store
    store.close()


def test_every_employee_has_a_role_mapped_to_a_profile_with_varied_priorities(
    demo_store: Store,
) -> None:
    unmapped = demo_store.rows(
        "SELECT pr.person_id, pr.role_title FROM person_roles pr JOIN people p USING (person_id) "
        "WHERE p.kind = 'employee' AND pr.profile_id IS NULL"
    )
    assert unmapped == []
    # most titles are a profile's name; "Senior ..." titles are mapped as HR would
    how = dict(
        demo_store.rows(
            "SELECT mapped_how, count(*) FROM person_roles pr JOIN people p USING (person_id) "
            "WHERE p.kind = 'employee' GROUP BY 1"
        )
    )
    assert how["same name"] > 300 and 20 <= how["mapped"] <= 80, how
    assert not demo_store.rows(
        "SELECT pr.role_title FROM person_roles pr JOIN role_profiles rp USING (profile_id) "
        "WHERE pr.mapped_how = 'mapped' AND pr.role_title <> 'Senior ' || rp.name"
    )
    assert (
        demo_store.scalar(
            "SELECT count(*) FROM person_roles pr JOIN people p USING (person_id) "
            "WHERE p.kind = 'employee'"
        )
        == 400
    )
    # every profile somebody holds has critical, important and nice-to-have requirements
    priorities = demo_store.rows(
        "SELECT rs.profile_id, list(DISTINCT rs.priority ORDER BY rs.priority) "
        "FROM role_skills rs WHERE rs.profile_id IN (SELECT profile_id FROM person_roles) "
        "GROUP BY 1"
    )
    assert len(priorities) > 40
    assert {tuple(p) for _, p in priorities} == {(1, 2, 3)}


def test_requirement_priorities_split_a_role_into_thirds() -> None:
    assert requirement_priorities(6) == (1, 1, 2, 2, 3, 3)
    assert requirement_priorities(10) == (1, 1, 1, 2, 2, 2, 2, 3, 3, 3)
    assert requirement_priorities(3) == (1, 2, 3)
    assert requirement_priorities(1) == (1,)


def test_some_badges_expire_within_90_days_and_some_have_expired(demo_store: Store) -> None:
    expiring_people, expiring = demo_store.rows(
        "SELECT count(DISTINCT person_id), count(*) FROM credentials "
        "WHERE status = 'verified' AND expires > now() AND expires <= now() + INTERVAL 90 DAY"
    )[0]
    people = demo_store.scalar("SELECT count(*) FROM people")
    assert 0.04 * people <= expiring_people <= 0.15 * people, (expiring_people, people)
    assert expiring >= expiring_people
    # the employee persona and the manager persona's team see one on their own pages
    assert demo_store.scalar(
        "SELECT count(*) FROM credentials WHERE person_id = ? AND status = 'verified' "
        "AND expires BETWEEN now() AND now() + INTERVAL 90 DAY",
        [PERSONAS["employee"]],
    )
    assert demo_store.scalar("SELECT count(*) FROM credentials WHERE status = 'expired'") >= 20
    # skills held today through a badge that expires soon count in held_skills until then
    assert demo_store.scalar(
        "SELECT count(*) FROM held_skills WHERE expires <= now() + INTERVAL 90 DAY"
    )


def test_history_spreads_over_three_years_so_holdings_grow(demo_store: Store) -> None:
    quarters = demo_store.scalar(
        "SELECT count(DISTINCT date_trunc('quarter', issued)) FROM credentials "
        "WHERE status = 'verified' AND issued > now() - INTERVAL 3 YEAR"
    )
    assert quarters >= 12
    # (person, skill) pairs held as of each of the last three year ends grow
    held_at = [
        demo_store.scalar(
            "SELECT count(DISTINCT (c.person_id, cs.skill_uri)) FROM credentials c "
            "JOIN credential_skills cs USING (credential_key) "
            "WHERE c.status IN ('verified', 'expired') AND c.issued <= now() - to_days(?) "
            "AND (c.expires IS NULL OR c.expires > now() - to_days(?))",
            [days, days],
        )
        for days in (730, 365, 0)
    ]
    assert held_at[0] < held_at[1] < held_at[2], held_at
    assert held_at[0] > 0


def test_every_required_skill_is_taught_by_a_badge_someone_verifiably_holds(
    demo_store: Store,
) -> None:
    untaught = demo_store.rows(
        """
        WITH taught AS (
            SELECT DISTINCT cs.skill_uri, c.achievement_id, c.issuer_id
            FROM credentials c
            JOIN credential_skills cs USING (credential_key)
            JOIN issuers i USING (issuer_id)
            WHERE c.status = 'verified' AND i.trust = 'trusted'
              AND c.achievement_id IS NOT NULL
        )
        SELECT rp.name, rs.target, rs.priority
        FROM role_skills rs JOIN role_profiles rp USING (profile_id)
        WHERE rs.profile_id IN (
                SELECT pr.profile_id FROM person_roles pr JOIN people p USING (person_id)
                WHERE p.kind = 'employee')
          AND NOT EXISTS (SELECT 1 FROM taught t WHERE t.skill_uri = rs.target)
        ORDER BY rs.priority, rp.name
        """
    )
    assert untaught == []
    # the teaching badges come from several issuers, and through the real verification
    # path (skills mapped by the matcher, not bulk-loaded)
    issuers = demo_store.scalar(
        "SELECT count(DISTINCT c.issuer_id) FROM credentials c "
        "JOIN credential_skills cs USING (credential_key) "
        "JOIN role_skills rs ON rs.target = cs.skill_uri AND rs.priority = 1 "
        "WHERE c.status = 'verified' AND cs.method <> 'demo'"
    )
    assert issuers >= 5
    critical_via_matcher = demo_store.scalar(
        "SELECT count(DISTINCT rs.target) FROM role_skills rs WHERE rs.priority = 1 "
        "AND EXISTS (SELECT 1 FROM credentials c JOIN credential_skills cs "
        "USING (credential_key) WHERE cs.skill_uri = rs.target AND c.status = 'verified' "
        "AND cs.method <> 'demo')"
    )
    assert critical_via_matcher == demo_store.scalar(
        "SELECT count(DISTINCT target) FROM role_skills WHERE priority = 1"
    )


def test_dates_are_anchored_to_the_build_day(tmp_path: Path) -> None:
    config = DemoConfig(people=80, candidates=12, credentials=160, seed=7)
    day = build_day(datetime(2031, 5, 17, 15, 30, tzinfo=UTC))
    assert day == datetime(2031, 5, 17, tzinfo=UTC)
    demo = generate_demo(config, tmp_path / "a", reference=day)
    same_day = generate_demo(config, tmp_path / "b", reference=day)
    assert [s.source for s in same_day.submissions] == [s.source for s in demo.submissions]
    expiring = [s for s in demo.submissions if s.special == "expiring"]
    assert any(s.person_id == PERSONAS["employee"] for s in expiring)
    # the planned awards (all of them, signed or not) carry the dates
    plan = generate_demo(
        DemoConfig(people=80, candidates=12, credentials=160, seed=7, signed_sample=0),
        tmp_path / "c",
        reference=day,
    ).planned
    soon = [p.award.expires for p in plan if p.award.special == "expiring"]
    assert soon and all(day + timedelta(days=7) <= e <= day + timedelta(days=86) for e in soon if e)
    issued = [p.award.issued for p in plan if not p.award.special]
    assert all(day - timedelta(days=3 * 365) <= i < day for i in issued)
    expired = [p.award.expires for p in plan if p.award.special == "expired"]
    assert expired and all(e is not None and e < day for e in expired)


def test_the_page_tests_seed_maps_everyone_to_a_profile_with_varied_priorities(
    tmp_path: Path,
) -> None:
    from tests.support import seed

    seed.build(tmp_path / "seed.duckdb", tmp_path / "accounts.toml")
    store = open_store(tmp_path / "seed.duckdb", read_only=True)
    try:
        assert store.rows("SELECT person_id FROM person_roles WHERE profile_id IS NULL") == []
        assert store.rows(
            "SELECT DISTINCT mapped_how FROM person_roles JOIN people USING (person_id) "
            "WHERE kind = 'employee'"
        ) == [("same name",)]
        varied = store.rows(
            "SELECT profile_id FROM role_skills GROUP BY 1 HAVING count(DISTINCT priority) >= 2"
        )
        assert len(varied) == store.scalar("SELECT count(*) FROM role_profiles") == 5
    finally:
        store.close()
