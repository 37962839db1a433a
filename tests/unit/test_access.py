"""Roles and scopes, checked against a real DuckDB database of people and teams."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd
import pytest

from skills.access import (
    Role,
    Viewer,
    check_person,
    make_viewer,
    pages_for,
    people_predicate,
    require_page,
    team_scope,
)
from skills.errors import AccessDenied


class _DB:
    """The one method of the Store that access needs, over an in-memory DuckDB."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        self.con.execute(
            "CREATE TABLE teams (team_id VARCHAR, name VARCHAR, kind VARCHAR, "
            "parent_id VARCHAR, lead_person_id VARCHAR)"
        )
        self.con.execute(
            "CREATE TABLE people (person_id VARCHAR, display_name VARCHAR, kind VARCHAR, "
            "team_id VARCHAR)"
        )
        self.con.execute(
            "INSERT INTO teams VALUES ('eng', 'Engineering', 'department', NULL, 'boss'),"
            "('web', 'Web', 'team', 'eng', 'lead'), ('api', 'API', 'team', 'eng', 'x'),"
            "('ops', 'Ops', 'team', NULL, 'y'), ('edge', 'Edge', 'team', 'web', 'z')"
        )
        self.con.execute(
            "INSERT INTO people VALUES ('boss', 'Boss', 'employee', 'eng'),"
            "('lead', 'Lead', 'employee', 'web'), ('w1', 'Web One', 'employee', 'web'),"
            "('e1', 'Edge One', 'employee', 'edge'), ('a1', 'Api One', 'employee', 'api'),"
            "('o1', 'Ops One', 'employee', 'ops'), ('c1', 'Cand One', 'candidate', NULL),"
            "('c2', 'Cand Two', 'candidate', NULL)"
        )
        self.con.execute(  # c1 agreed to be found by recruiters; c2 agreed, then withdrew
            "CREATE TABLE candidate_consent (person_id VARCHAR, consented_at TIMESTAMPTZ, "
            "withdrawn_at TIMESTAMPTZ)"
        )
        self.con.execute(
            "INSERT INTO candidate_consent VALUES ('c1', now(), NULL), ('c2', now(), now())"
        )

    def read(self, sql: str, params: Any = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()


@pytest.fixture
def db() -> _DB:
    return _DB()


def _visible(db: _DB, viewer: Viewer) -> set[str]:
    cond, params = people_predicate(viewer)
    return set(db.read(f"SELECT person_id FROM people p WHERE {cond}", params)["person_id"])


def test_team_scope_follows_the_hierarchy_down(db: _DB) -> None:
    teams = db.read("SELECT team_id, parent_id, lead_person_id FROM teams")
    assert team_scope(teams, "lead") == {"web", "edge"}
    assert team_scope(teams, "boss") == {"eng", "web", "api", "edge"}
    assert team_scope(teams, "w1") == frozenset()


def test_each_role_sees_exactly_its_people(db: _DB) -> None:
    hr = make_viewer(db, account="hr", role="hr", person_id=None)
    lead = make_viewer(db, account="m", role="manager", person_id="lead")
    rec = make_viewer(db, account="r", role="recruiter", person_id=None)
    member = make_viewer(db, account="u", role="member", person_id="w1")
    assert _visible(db, hr) == {"boss", "lead", "w1", "e1", "a1", "o1", "c1", "c2"}
    assert _visible(db, lead) == {"lead", "w1", "e1"}
    assert _visible(db, rec) == {"c1"}
    assert _visible(db, member) == {"w1"}
    assert lead.name == "Lead"


def test_check_person_refuses_outside_scope_with_one_sentence(db: _DB) -> None:
    member = make_viewer(db, account="u", role="member", person_id="w1")
    check_person(db, member, "w1")
    for other in ("lead", "c1", "does-not-exist"):
        with pytest.raises(AccessDenied, match="may not see"):
            check_person(db, member, other)
    rec = make_viewer(db, account="r", role="recruiter", person_id=None)
    check_person(db, rec, "c1")
    for other in ("w1", "c2"):  # an employee; a candidate who withdrew consent
        with pytest.raises(AccessDenied):
            check_person(db, rec, other)
    lead = make_viewer(db, account="m", role="manager", person_id="lead")
    check_person(db, lead, "e1")
    with pytest.raises(AccessDenied):
        check_person(db, lead, "a1")


def test_accounts_without_a_person_or_with_a_bad_role_are_refused(db: _DB) -> None:
    with pytest.raises(AccessDenied):
        make_viewer(db, account="u", role="member", person_id=None)
    with pytest.raises(AccessDenied):
        make_viewer(db, account="u", role="root", person_id=None)
    with pytest.raises(AccessDenied):
        make_viewer(db, account="u", role="member", person_id="ghost")


def test_pages_per_role() -> None:
    member = Viewer("u", Role.MEMBER, "w1")
    assert pages_for(member) == ("overview", "submit", "profile")
    with pytest.raises(AccessDenied, match="Admin"):
        require_page(member, "admin")
    require_page(Viewer("h", Role.HR), "admin")
    with pytest.raises(AccessDenied):
        require_page(Viewer("r", Role.RECRUITER), "skill_map")
