"""Issue 14: a candidate's privacy notice before any page; "Your addresses", consent and
erasure on one's own Profile; each badge's "last checked" and its Remove button.

Each test builds its own seeded database (it changes consent and addresses); a real SMTP
server (aiosmtpd) receives the confirmation code that the member then types in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from skills.access import Role, Viewer
from skills.bootstrap import serve
from skills.config import settings
from skills.demo.personas import PERSONAS
from skills.mail import Mailer
from skills.services import identities as ids
from skills.store import Store, open_store
from tests.support import seed
from tests.support.apptools import new_app, sign_in
from tests.support.smtp import Inbox, smtp_server

CLARA = PERSONAS["candidate"]
EMIL = PERSONAS["employee"]
NOTICE_TITLE = "Before you start: your data and who sees it"
PERSONAL = "emil.personal@example.net"


@pytest.fixture
def own_db(app_env: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh seeded database for this test alone; Clara has not answered the notice."""
    db, accounts = tmp_path / "identities.duckdb", tmp_path / "accounts.toml"
    seed.build(db, accounts)
    store = open_store(db)
    try:
        with store.write() as tx:
            tx.execute("DELETE FROM candidate_consent WHERE person_id = ?", [CLARA])
    finally:
        store.close()
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    return db


@pytest.fixture
def smtp() -> Iterator[tuple[Mailer, Inbox]]:
    with smtp_server() as running:
        yield running


def _app_store() -> Store:
    """The store the app under test opened (the server's one writer)."""
    return serve(settings()).store


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _button(at: AppTest, label: str) -> None:
    [found] = [b for b in at.button if b.label == label]
    found.click().run()
    _ok(at)


def _addresses(at: AppTest) -> dict[str, str]:
    for df in at.dataframe:
        if "state" in df.value.columns:
            return dict(zip(df.value["value"], df.value["state"], strict=True))
    raise AssertionError("no address table")


def test_a_candidate_reads_the_notice_before_any_page_and_agrees(own_db: Path) -> None:
    at = _ok(sign_in(new_app(), "candidate"))
    assert at.title[0].value == NOTICE_TITLE
    text = "\n".join(m.value for m in at.markdown)
    assert "Who can see your data" in text and "How to withdraw or erase" in text
    assert not at.dataframe  # nothing of the page behind it
    _ok(at.switch_page("pages/profile.py").run())
    assert at.title[0].value == NOTICE_TITLE  # every page waits for the answer
    assert not at.dataframe

    at.button(key="consent_agree").click().run()

    _ok(at)
    assert at.title[0].value != NOTICE_TITLE and at.dataframe  # the profile now shows
    rows = _app_store().rows(
        "SELECT consented_at IS NOT NULL, withdrawn_at IS NULL FROM candidate_consent "
        "WHERE person_id = ?",
        [CLARA],
    )
    assert rows == [(True, True)]


def test_declining_lets_the_candidate_in_but_keeps_them_out_of_searches(own_db: Path) -> None:
    at = _ok(sign_in(new_app(), "candidate"))
    at.button(key="consent_decline").click().run()
    _ok(at)
    assert at.title[0].value != NOTICE_TITLE
    rows = _app_store().rows(
        "SELECT consented_at IS NULL, withdrawn_at IS NOT NULL FROM candidate_consent "
        "WHERE person_id = ?",
        [CLARA],
    )
    assert rows == [(True, True)]
    recruiter = _ok(sign_in(new_app(), "recruiter"))
    assert all(m.value != NOTICE_TITLE for m in recruiter.title)  # only candidates are asked


def test_a_candidate_withdraws_consent_and_asks_for_erasure_on_their_profile(
    own_db: Path,
) -> None:
    at = _ok(sign_in(new_app(), "candidate"))
    at.button(key="consent_agree").click().run()
    _ok(at.switch_page("pages/profile.py").run())
    at.button(key="consent_withdraw").click().run()
    _ok(at)
    assert any("no longer find you" in s.value for s in at.success)
    store = _app_store()
    assert store.rows(
        "SELECT withdrawn_at IS NOT NULL FROM candidate_consent WHERE person_id = ?", [CLARA]
    ) == [(True,)]
    assert at.button(key="erasure_request").disabled  # not before ticking the box
    at.checkbox(key="erasure_sure").check().run()
    at.button(key="erasure_request").click().run()
    _ok(at)
    assert store.rows(
        "SELECT erasure_requested_at IS NOT NULL FROM candidate_consent WHERE person_id = ?",
        [CLARA],
    ) == [(True,)]
    assert any("asked for erasure" in i.value for i in at.info)


def test_a_member_confirms_an_address_with_the_emailed_code(
    own_db: Path, smtp: tuple[Mailer, Inbox]
) -> None:
    mailer, inbox = smtp
    store = open_store(own_db)  # the request as the page makes it, with a real mailer
    try:
        emil = Viewer(account="member", role=Role.MEMBER, person_id=EMIL)
        ids.request_identity(store, emil, "email", PERSONAL, mailer=mailer)
    finally:
        store.close()
    code = inbox.code_for(PERSONAL)

    at = _ok(sign_in(new_app(), "member"))
    _ok(at.switch_page("pages/profile.py").run())
    assert _addresses(at) == {
        f"{EMIL.lower()}@example.org": "confirmed",
        PERSONAL: "waiting for your code",
    }
    at.text_input(key="address_code").input("00000000").run()
    at.button(key="address_confirm").click().run()
    _ok(at)
    assert any("not right" in e.value for e in at.error)
    at.text_input(key="address_code").input(code).run()
    at.button(key="address_confirm").click().run()
    _ok(at)
    assert _addresses(at)[PERSONAL] == "confirmed"
    assert any("is confirmed" in s.value for s in at.success)


def test_a_member_adds_a_did_that_waits_for_hr(own_db: Path) -> None:
    at = _ok(sign_in(new_app(), "member"))
    _ok(at.switch_page("pages/profile.py").run())
    at.selectbox(key="address_kind").set_value("did")
    at.text_input(key="address_value").input("did:web:emil.example")
    _button(at, "Add address")
    assert _addresses(at)["did:web:emil.example"] == "waiting for HR"
    assert any("waits for HR" in s.value for s in at.success)
    queue = ids.list_identity_requests(_app_store(), Viewer(account="hr", role=Role.HR))
    assert list(queue["value"]) == ["did:web:emil.example"]


def test_badges_show_when_they_were_last_checked_and_the_owner_removes_one(
    own_db: Path,
) -> None:
    at = _ok(sign_in(new_app(), "member"))
    _ok(at.switch_page("pages/profile.py").run())
    badges = at.dataframe[0].value
    assert badges["last_checked"].notna().all()  # the seed's verified_at, as a day
    first = str(badges["badge"].iloc[0])
    count = len(badges)
    at.button(key="remove_badge").click().run()
    _ok(at)
    assert any("cannot be undone" in w.value for w in at.warning)
    at.button(key="remove_badge_yes").click().run()
    _ok(at)
    assert any(f"Removed “{first}”" in s.value for s in at.success)
    assert len(at.dataframe[0].value) == count - 1
    left = _app_store().rows("SELECT count(*) FROM credentials WHERE person_id = ?", [EMIL])
    assert left == [(count - 1,)]
