"""Issue 14, Admin "People's requests": HR confirms or refuses an address a person asked
for, and erases a candidate who asked for erasure. Driven through the page as HR would."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from skills.access import make_viewer
from skills.demo.personas import PERSONAS
from skills.services import identities, profile
from skills.store import open_store
from tests.support import seed
from tests.support.apptools import new_app, sign_in


@pytest.fixture
def org_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed with one address request (the employee's personal e-mail, no mailer: it
    waits for HR) and one erasure request (the persona candidate)."""
    db, accounts = tmp_path / "requests.duckdb", tmp_path / "accounts.toml"
    seed.build(db, accounts)
    store = open_store(db)
    try:
        member = make_viewer(store, account="member", role="member", person_id=PERSONAS["employee"])
        identities.request_identity(store, member, "email", "Emil.Private@Mail.example")
        candidate = make_viewer(
            store, account="candidate", role="member", person_id=PERSONAS["candidate"]
        )
        profile.request_erasure(store, candidate)
    finally:
        store.close()
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    return db


def _requests_tab(at: AppTest) -> AppTest:
    at.switch_page("pages/admin.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _owner(db: Path, value: str) -> str | None:
    store = open_store(db)
    try:
        rows = store.rows("SELECT person_id FROM identities WHERE value = ?", [value])
    finally:
        store.close()
    return rows[0][0] if rows else None


def test_hr_confirms_an_address_and_it_binds_from_then_on(org_db: Path) -> None:
    hr = _requests_tab(sign_in(new_app(), "hr"))
    assert any("emil.private@mail.example" in t.value for t in hr.text)
    assert _owner(org_db, "emil.private@mail.example") is None  # waiting: binds nothing
    [confirm] = [
        b for b in hr.button if b.key and b.key.startswith("idreq_") and b.key.endswith("_1")
    ]
    confirm.click().run()
    assert not hr.exception, [e.value for e in hr.exception]
    assert _owner(org_db, "emil.private@mail.example") == PERSONAS["employee"]
    assert not any("emil.private@mail.example" in t.value for t in hr.text)  # no longer waiting


def test_hr_refuses_an_address_and_nothing_is_recorded(org_db: Path) -> None:
    hr = _requests_tab(sign_in(new_app(), "hr"))
    [refuse] = [
        b for b in hr.button if b.key and b.key.startswith("idreq_") and b.key.endswith("_0")
    ]
    refuse.click().run()
    assert _owner(org_db, "emil.private@mail.example") is None
    assert any("Refused" in s.value for s in hr.success)


def test_hr_erases_a_candidate_who_asked(org_db: Path) -> None:
    hr = _requests_tab(sign_in(new_app(), "hr"))
    assert any(PERSONAS["candidate"] in t.value for t in hr.text)
    hr.button(key=f"erase_{PERSONAS['candidate']}").click().run()
    assert not hr.exception, [e.value for e in hr.exception]
    store = open_store(org_db)
    try:
        left = store.scalar(
            "SELECT count(*) FROM people WHERE person_id = ?", [PERSONAS["candidate"]]
        )
        creds = store.scalar(
            "SELECT count(*) FROM credentials WHERE person_id = ?", [PERSONAS["candidate"]]
        )
    finally:
        store.close()
    assert (left, creds) == (0, 0)
    assert not any(PERSONAS["candidate"] in t.value for t in hr.text)


def test_only_hr_lists_decides_or_erases(org_db: Path) -> None:
    from skills.errors import AccessDenied
    from skills.services.admin import erase_person

    store = open_store(org_db)
    try:
        manager = make_viewer(
            store, account="manager", role="manager", person_id=PERSONAS["manager"]
        )
        for call in (
            lambda: identities.list_identity_requests(store, manager),
            lambda: identities.decide_identity_request(store, manager, 1, True),
            lambda: profile.list_erasure_requests(store, manager),
            lambda: erase_person(store, manager, PERSONAS["candidate"]),
        ):
            with pytest.raises(AccessDenied):
                call()
        assert store.scalar(
            "SELECT count(*) FROM people WHERE person_id = ?", [PERSONAS["candidate"]]
        )
    finally:
        store.close()
