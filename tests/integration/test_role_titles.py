"""Issue 13: HR maps role titles to role profiles, and view ``person_roles`` follows.

A real DuckDB file from tests/support/seed.py; titles are set per test. The mapping is
keyed exactly as the view normalises a title (trimmed, lower-cased, spaces collapsed),
only HR may write it, and every write is in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skills.access import Viewer, make_viewer
from skills.demo.personas import PERSONAS
from skills.errors import AccessDenied, StoreError
from skills.services import admin
from skills.store import Store, open_store
from tests.support import seed


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Store]:
    seed.build(tmp_path / "org.duckdb", tmp_path / "accounts.toml")
    store = open_store(tmp_path / "org.duckdb")
    with store.write() as tx:
        tx.execute("UPDATE people SET role_title = ' Senior   FRONTEND dev ' WHERE team_id = 'web'")
        tx.execute(
            "UPDATE people SET role_title = 'Senior Frontend Dev' WHERE person_id = ?",
            [PERSONAS["employee"]],
        )
    yield store
    store.close()


def _hr(store: Store) -> Viewer:
    return make_viewer(store, account="hr", role="hr", person_id=PERSONAS["hr"])


def _role(store: Store, person_id: str) -> tuple[str | None, str | None]:
    row = store.rows(
        "SELECT profile_id, mapped_how FROM person_roles WHERE person_id = ?", [person_id]
    )[0]
    return row[0], row[1]


def test_a_title_hr_maps_changes_the_profile_of_everyone_carrying_it(org: Store) -> None:
    hr = _hr(org)
    web = [r[0] for r in org.rows("SELECT person_id FROM people WHERE team_id = 'web'")]
    assert {_role(org, p) for p in web} == {(None, None)}
    titles = admin.role_titles(org, hr)
    first = titles.iloc[0]
    assert (first["title_norm"], first["mapped_how"], first["people"]) == (
        "senior frontend dev",
        "unmapped",
        len(web),
    )

    admin.map_role_title(org, hr, "senior frontend DEV", "rp-fe")  # any spelling
    assert {_role(org, p) for p in web} == {("rp-fe", "mapped")}
    stored = org.rows("SELECT title_norm, title, profile_id, mapped_by FROM role_title_profiles")
    assert stored == [("senior frontend dev", "Senior FRONTEND dev", "rp-fe", "hr")]
    row = admin.role_titles(org, hr).set_index("title_norm").loc["senior frontend dev"]
    assert (row["profile"], row["mapped_how"], row["mapped_by"]) == (
        "Frontend Developer",
        "mapped",
        "hr",
    )
    profiles = admin.role_profiles(org, hr).set_index("profile_id")
    assert int(str(profiles.at["rp-fe", "people"])) >= len(web)

    admin.map_role_title(org, hr, "Senior Frontend Dev", "rp-be")  # a newer decision replaces
    assert {_role(org, p) for p in web} == {("rp-be", "mapped")}
    admin.unmap_role_title(org, hr, "SENIOR frontend dev")
    assert {_role(org, p) for p in web} == {(None, None)}
    actions = [
        r[0]
        for r in org.rows(
            "SELECT action FROM audit_log WHERE subject = 'senior frontend dev' ORDER BY audit_id"
        )
    ]
    assert actions == ["role_title.map", "role_title.map", "role_title.unmap"]
    with pytest.raises(StoreError, match="has no mapping"):
        admin.unmap_role_title(org, hr, "Senior Frontend Dev")
    with pytest.raises(StoreError, match="no role profile"):
        admin.map_role_title(org, hr, "Senior Frontend Dev", "rp-nothing")
    with pytest.raises(StoreError, match="needs some text"):
        admin.map_role_title(org, hr, "   ", "rp-fe")


@pytest.mark.parametrize("role", ["manager", "recruiter", "member"])
def test_a_viewer_who_is_not_hr_cannot_map_or_unmap_a_title(org: Store, role: str) -> None:
    persona = {"member": "employee"}.get(role, role)
    viewer = make_viewer(org, account=role, role=role, person_id=PERSONAS[persona])
    admin.map_role_title(org, _hr(org), "Senior Frontend Dev", "rp-fe")
    before = org.scalar("SELECT count(*) FROM audit_log")
    with pytest.raises(AccessDenied):
        admin.map_role_title(org, viewer, "Senior Frontend Dev", "rp-be")
    with pytest.raises(AccessDenied):
        admin.unmap_role_title(org, viewer, "Senior Frontend Dev")
    with pytest.raises(AccessDenied):
        admin.role_titles(org, viewer)
    assert _role(org, PERSONAS["employee"]) == ("rp-fe", "mapped")
    assert org.scalar("SELECT count(*) FROM audit_log") == before


def test_renaming_a_profile_keeps_the_people_titled_by_its_old_name(org: Store) -> None:
    hr = _hr(org)
    with org.write() as tx:
        tx.execute("UPDATE people SET role_title = 'backend developer' WHERE team_id = 'api'")
    api = [r[0] for r in org.rows("SELECT person_id FROM people WHERE team_id = 'api'")]
    assert {_role(org, p) for p in api} == {("rp-be", "same name")}
    reqs = admin.profile_requirements(org, hr, "rp-be")
    admin.save_profile(
        org,
        hr,
        "rp-be",
        "Platform Engineer",
        [(t, k, int(p)) for t, k, p in zip(reqs["target"], reqs["target_kind"], reqs["priority"])],
        team_id="api",
    )
    assert {_role(org, p) for p in api} == {("rp-be", "mapped")}
    assert org.scalar("SELECT name FROM role_profiles WHERE profile_id = 'rp-be'") == (
        "Platform Engineer"
    )
    with pytest.raises(StoreError, match="needs a name"):
        admin.save_profile(org, hr, "rp-be", "  ", [])


def test_a_mapping_to_a_deleted_profile_falls_back_and_a_shared_name_prefers_the_org_wide(
    tmp_path: Path,
) -> None:
    """Review fixes of view person_roles: HR's mapping counts only while its profile exists
    (else the same-name rule applies), and when several profiles share a title's name the
    organisation-wide one is the person's, not another team's own profile."""
    store = open_store(tmp_path / "roles.duckdb")
    try:
        with store.write() as tx:
            tx.execute(
                "INSERT INTO people (person_id, display_name, kind, role_title) VALUES "
                "('p1', 'A', 'employee', 'Dev'), ('p2', 'B', 'employee', 'Chef')"
            )
            tx.execute(
                "INSERT INTO role_profiles (profile_id, name, team_id) VALUES "
                "('a-team-dev', 'Dev', 't1'), ('z-org-dev', 'Dev', NULL), ('chef', 'Chef', NULL)"
            )
            tx.execute(
                "INSERT INTO role_title_profiles (title_norm, title, profile_id) "
                "VALUES ('chef', 'Chef', 'deleted-profile')"
            )
        assert store.rows(
            "SELECT person_id, profile_id, mapped_how FROM person_roles ORDER BY 1"
        ) == [
            ("p1", "z-org-dev", "same name"),
            ("p2", "chef", "same name"),
        ]
    finally:
        store.close()
