"""HR CSV import: people, identities, teams under departments, leads; all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skills.errors import ImportRowsError
from skills.ingest.people import import_people
from skills.store import Store, open_store
from tests.support.ingest_helpers import PEOPLE_CSV


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "atlas.duckdb")
    yield s
    s.close()


def test_import_creates_people_identities_and_the_team_hierarchy(store: Store) -> None:
    summary = import_people(store, PEOPLE_CSV, actor="hr")
    assert (summary.people_added, summary.people_updated) == (4, 0)
    people = store.rows("SELECT person_id, kind, team_id, manager_id FROM people ORDER BY 1")
    assert people == [
        ("c1", "candidate", None, None),
        ("e0", "employee", "team-leadership", None),
        ("e1", "employee", "team-data-platform", "e0"),
        ("e2", "employee", "team-data-platform", "e1"),
    ]
    teams = dict(store.rows("SELECT team_id, parent_id FROM teams"))
    assert teams["team-data-platform"] == "dept-engineering"
    assert teams["dept-engineering"] == "dept-technology"
    assert teams["dept-technology"] is None
    leads = dict(store.rows("SELECT team_id, lead_person_id FROM teams"))
    assert leads["team-data-platform"] == "e1"  # the member who manages the others
    assert store.rows("SELECT kind, value FROM identities WHERE person_id = 'e2' ORDER BY 1") == [
        ("did", "did:example:alan"),
        ("email", "alan@example.org"),
    ]
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'people.import'") == 1


def test_reimport_updates_people_and_replaces_identities(store: Store) -> None:
    import_people(store, PEOPLE_CSV)
    changed = PEOPLE_CSV.replace("alan@example.org", "ALAN.T@Example.org").replace(
        "Manchester", "Bletchley"
    )
    summary = import_people(store, changed)
    assert (summary.people_added, summary.people_updated) == (0, 4)
    assert store.scalar("SELECT location FROM people WHERE person_id = 'e2'") == "Bletchley"
    assert store.rows("SELECT value FROM identities WHERE person_id = 'e2' AND kind = 'email'") == [
        ("alan.t@example.org",)
    ]


def test_every_bad_row_is_reported_and_nothing_is_imported(store: Store) -> None:
    bad = (
        "person_id,name,kind,email,team,department,manager_id,start_date\n"
        "a1,Ann,employee,ann@example.org,Ops,Operations,,2020-01-01\n"
        "a2,,employee,bob@example.org,Ops,Operations,,2020-01-01\n"
        "a3,Cy,robot,cy@example.org,Ops,Operations,,2020-01-01\n"
        "a4,Di,employee,di@example.org,Ops,Operations,zz9,2020-01-01\n"
        "a5,Ed,employee,ed@example.org,Ops,Operations,,31/12/2020\n"
        "a1,Ann again,employee,ann2@example.org,Ops,Operations,,2020-01-01\n"
        "a6,Fay,employee,ann@example.org,Ops,Finance,,\n"
    )
    with pytest.raises(ImportRowsError) as err:
        import_people(store, bad)
    rows = {n: reason for n, reason in err.value.problems}
    assert set(rows) == {2, 3, 4, 5, 6, 7, 8}
    assert "name is empty" in rows[3]
    assert "kind must be employee or candidate" in rows[4]
    assert "unknown manager zz9" in rows[5]
    assert "not a YYYY-MM-DD date" in rows[6]
    assert "appears 2 times" in rows[2] and "appears 2 times" in rows[7]
    assert "also listed for a1" in rows[8] and "team Ops is in department Operations" in rows[8]
    assert "Nothing was imported" in str(err.value)
    for table in ("people", "teams", "identities"):
        assert store.scalar(f"SELECT count(*) FROM {table}") == 0


def test_missing_columns_are_reported(store: Store) -> None:
    with pytest.raises(ImportRowsError) as err:
        import_people(store, "person_id,email\nx,x@example.org\n")
    assert set(err.value.problems) == {(1, "missing column name"), (1, "missing column kind")}


def test_an_identity_of_another_stored_person_is_refused(store: Store) -> None:
    import_people(store, PEOPLE_CSV)
    with pytest.raises(ImportRowsError, match="belongs to e1"):
        import_people(store, "person_id,name,kind,email\nz9,Zed,candidate,ada@example.org\n")
