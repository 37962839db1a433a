"""Issue 13, Admin: HR maps role titles to role profiles, edits profiles with priorities
through the matcher's skill search, and reads the audit log as sentences with names.

Each test builds its own seeded database (they write), gives people role titles, and
drives the Admin page as HR the way a person would: pick, type, tick, click.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from skills.access import make_viewer
from skills.demo.personas import PERSONAS
from skills.services import admin
from skills.store import open_store
from tests.support import seed
from tests.support.apptools import new_app, sign_in


@pytest.fixture
def org_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed with role titles: Web people are 'Frontend Developer' (named like the
    seeded profile), API people 'Backend Engineer' (no profile of that name), and an
    'API Developer' profile HR has not mapped anything to yet."""
    db, accounts = tmp_path / "admin.duckdb", tmp_path / "accounts.toml"
    seed.build(db, accounts)
    store = open_store(db)
    try:
        with store.write() as tx:
            tx.execute("UPDATE people SET role_title = 'Frontend Developer' WHERE team_id = 'web'")
            tx.execute("UPDATE people SET role_title = 'backend  engineer' WHERE team_id = 'api'")
            tx.execute(
                "UPDATE people SET role_title = 'Backend Engineer' WHERE person_id = 'E200000'"
            )
        hr = make_viewer(store, account="seed", role="hr", person_id=None)
        admin.save_profile(store, hr, "rp-api", "API Developer", [(seed.uri("python"), "skill", 1)])
    finally:
        store.close()
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    return db


def _frame(at: AppTest, column: str) -> pd.DataFrame:
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a {column!r} column on the page")


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _profile_of(db: Path, person_id: str) -> tuple[str | None, str | None]:
    store = open_store(db)
    try:
        rows = store.rows(
            "SELECT profile_id, mapped_how FROM person_roles WHERE person_id = ?", [person_id]
        )
    finally:
        store.close()
    return rows[0][0], rows[0][1]


def _admin(hr: AppTest) -> AppTest:
    hr.switch_page("pages/admin.py").run()
    _ok(hr)
    return hr


def test_hr_maps_an_unmapped_title_and_its_people_get_that_profile(org_db: Path) -> None:
    assert _profile_of(org_db, "E200001") == (None, None)
    hr = _admin(sign_in(new_app(), "hr"))
    titles = _frame(hr, "role title")
    assert titles["how"].iloc[0] == "not mapped"  # unmapped first
    assert titles.iloc[0]["role title"] == "backend  engineer"  # as most of them spell it
    assert titles.iloc[0]["people"] == 4
    fe = titles[titles["role profile"] == "Frontend Developer"].iloc[0]
    assert fe["how"] == "same name as the profile"
    assert any("map to no role profile" in w.value for w in hr.warning)

    hr.selectbox(key="rt_title").set_value("backend engineer").run()
    hr.selectbox(key="rt_profile").set_value("rp-api").run()
    hr.button(key="rt_map").click().run()
    _ok(hr)
    assert any("now scored against API Developer" in s.value for s in hr.success)
    for person in ("E200000", "E200001", "E200003"):
        assert _profile_of(org_db, person) == ("rp-api", "mapped")
    titles = _frame(hr, "role title")
    row = titles[titles["role profile"] == "API Developer"].iloc[0]
    assert (row["how"], row["mapped by"], row["people"]) == ("mapped by HR", "hr", 4)
    assert any("Every role title maps" in s.value for s in hr.success)

    sentences = _frame(hr, "what happened")["what happened"].tolist()
    # the title as most of its people spell it, spaces tidied
    assert sentences[0] == "Hanna Berg (hr) mapped the title 'backend engineer' to API Developer."

    hr.selectbox(key="rt_title").set_value("backend engineer").run()
    hr.button(key="rt_unmap").click().run()
    _ok(hr)
    assert _profile_of(org_db, "E200001") == (None, None)


def test_hr_edits_a_profile_with_priorities_and_the_matchers_skills(org_db: Path) -> None:
    store = open_store(org_db)
    try:
        hr_viewer = make_viewer(store, account="seed", role="hr", person_id=None)
        react = admin.add_skill(store, hr_viewer, "React")
    finally:
        store.close()
    hr = _admin(sign_in(new_app(), "hr"))
    hr.selectbox(key="edit_profile").set_value("rp-fe").run()
    _ok(hr)
    assert hr.text_input(key="rp_name").value == "Frontend Developer"
    # each requirement shows its priority: SQL and JavaScript critical, git important
    assert hr.selectbox(key=_req("rp-fe", seed.uri("sql"), "p")).value == 1
    assert hr.selectbox(key=_req("rp-fe", seed.uri("git"), "p")).value == 2
    assert hr.selectbox(key=_req("rp-fe", "T4", "p")).value == 3

    hr.text_input(key="rp_search").input("react").run()
    _ok(hr)
    options = hr.multiselect(key="rp_add").options
    assert options and options[0] == "React"  # the organisation's React, ranked first
    hr.multiselect(key="rp_add").select(react)
    hr.radio(key="rp_prio").set_value(1)
    hr.button(key="rp_add_go").click().run()
    _ok(hr)
    assert hr.selectbox(key=_req("rp-fe", react, "p")).value == 1

    hr.selectbox(key=_req("rp-fe", seed.uri("sql"), "p")).set_value(3)
    hr.checkbox(key=_req("rp-fe", seed.uri("git"), "x")).check()
    hr.text_input(key="rp_name").input("Web Frontend Developer")
    hr.button(key="rp_save").click().run()
    _ok(hr)
    assert any("Saved Web Frontend Developer with 5 requirement(s)" in s.value for s in hr.success)

    store = open_store(org_db)
    try:
        saved = dict(
            store.rows("SELECT target, priority FROM role_skills WHERE profile_id = 'rp-fe'")
        )
        name = store.scalar("SELECT name FROM role_profiles WHERE profile_id = 'rp-fe'")
    finally:
        store.close()
    assert name == "Web Frontend Developer"
    assert saved == {
        react: 1,
        seed.uri("js"): 1,
        seed.uri("sql"): 3,
        seed.uri("ux"): 2,
        "T4": 3,
    }
    # the table names priorities in words, and the editor reloads what was saved
    table = _frame(hr, "skills (priority)")
    row = table[table["profile"] == "Web Frontend Developer"].iloc[0]
    assert "React (critical)" in row["skills (priority)"]
    assert "SQL (nice to have)" in row["skills (priority)"]
    assert "use version control" not in row["skills (priority)"]
    assert hr.selectbox(key=_req("rp-fe", seed.uri("sql"), "p")).value == 3
    # renaming kept the Web people (titled by the old name) on the profile
    assert _profile_of(org_db, PERSONAS["employee"]) == ("rp-fe", "mapped")
    sentences = _frame(hr, "what happened")["what happened"].tolist()
    assert (
        "Hanna Berg (hr) saved the role profile Web Frontend Developer with 5 requirements."
        in sentences
    )
    assert (
        "Hanna Berg (hr) mapped the title 'Frontend Developer' to Web Frontend Developer."
        in sentences
    )


def _req(profile_id: str, target: str, what: str) -> str:
    """The editor's widget key for a requirement's priority (``p``) or remove box (``x``)."""
    digest = hashlib.sha256(f"{profile_id}\n{target}".encode()).hexdigest()[:16]
    return f"rp_{what}_{digest}"


def test_the_audit_log_reads_as_sentences_with_the_raw_entry_apart(org_db: Path) -> None:
    store = open_store(org_db)
    try:
        hr_viewer = make_viewer(store, account="hr", role="hr", person_id=PERSONAS["hr"])
        admin.set_trust(store, hr_viewer, "iss-open", "trusted")
    finally:
        store.close()
    hr = _admin(sign_in(new_app(), "hr"))
    sentences = _frame(hr, "what happened")
    assert sentences["what happened"].iloc[0] == (
        "Hanna Berg (hr) marked issuer Open Learning as trusted (it was not reviewed)."
    )
    text = " ".join(sentences["what happened"])
    assert "{" not in text and "iss-open" not in text and "rp-api" not in text
    assert "seed saved the role profile API Developer with 1 requirement." in text
    raw = _frame(hr, "detail")
    first = raw.iloc[0]
    assert (first["actor"], first["action"], first["subject"]) == ("hr", "issuer.trust", "iss-open")
    assert '"new": "trusted"' in first["detail"]
