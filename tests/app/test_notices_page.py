"""Notices on the Overview (issue 14), through the real app (AppTest) on a seeded database.

The seeded member (Emil Novak) holds "Team Player", verified and expiring in 30 days, and a
"Python Developer" badge that re-verification found revoked (a ``notices`` row). He sees
both at the top of the Overview with links to the badges, and a toast once per session;
he dismisses the revocation. His manager sees a digest of the team, HR the totals with a
drill-down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from skills.demo.personas import PERSONAS
from skills.store import open_store
from tests.support import seed
from tests.support.apptools import ROOT, new_app, sign_in

EMIL = PERSONAS["employee"]
REVOKED = "urn:test:cred:2"  # seed: Emil's "Python Developer", revoked
EXPIRING = "urn:test:cred:1"  # seed: Emil's "Team Player", expiring in 30 days


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("notices_app")
    db, accounts = folder / "app.duckdb", folder / "accounts.toml"
    seed.build(db, accounts)
    store = open_store(db)
    try:
        with store.write() as tx:
            tx.execute(
                "INSERT INTO notices (person_id, credential_key, kind, old_status, new_status, "
                "created_at) VALUES (?, ?, 'status_change', 'verified', 'revoked', ?)",
                [EMIL, REVOKED, datetime.now(UTC)],
            )
    finally:
        store.close()
    yield db, accounts


@pytest.fixture
def signed_in(
    seeded: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], AppTest]:
    db, accounts = seeded
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    monkeypatch.chdir(ROOT)

    def make(username: str) -> AppTest:
        return sign_in(new_app(), username)

    return make


def _texts(elements: object) -> list[str]:
    return [str(e.value) for e in elements]  # type: ignore[attr-defined]


def test_a_member_sees_the_expiring_badge_and_the_revocation_and_dismisses_it(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = signed_in("member")
    assert not at.exception
    warnings = _texts(at.warning)
    expiring = [w for w in warnings if "expires within 90 days" in w]
    assert len(expiring) == 1
    assert expiring[0].startswith("1 badge expires within 90 days: [Team Player](profile?")
    assert f"person={EMIL}" in expiring[0] and "credential=urn%3Atest%3Acred%3A1" in expiring[0]
    errors = [e for e in _texts(at.error) if "revoked by its issuer" in e]
    assert len(errors) == 1 and "credential=urn%3Atest%3Acred%3A2" in errors[0]
    assert _texts(at.toast) == ["You have 2 notices: see the top of the Overview."]

    at.run()  # once per session: no second toast
    assert _texts(at.toast) == []

    notice_id = next(str(b.key) for b in at.button if str(b.key).startswith("dismiss_"))
    at.button(key=notice_id).click().run()
    assert not at.exception
    assert not [e for e in _texts(at.error) if "revoked by its issuer" in e]
    assert any("expires within 90 days" in w for w in _texts(at.warning))  # still there


def test_a_manager_sees_a_digest_of_the_team(signed_in: Callable[[str], AppTest]) -> None:
    at = signed_in("manager")
    assert not at.exception
    heads = [w for w in _texts(at.warning) if "in your teams" in w]
    assert heads and heads[0].startswith("1 person in your teams: 1 badge expires within 90 days")
    assert "1 badge changed status in the last 30 days (1 revoked)" in heads[0]
    body = "\n".join(_texts(at.markdown))
    assert f"[Emil Novak](profile?person={EMIL})" in body
    assert "[Python Developer](profile?" in body and "revoked (found " in body


def test_hr_sees_organisation_totals_with_a_drill_down(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = signed_in("hr")
    assert not at.exception
    totals = [i for i in _texts(at.info) if i.startswith("Across the organisation:")]
    assert totals == [
        "Across the organisation: 1 badge expires within 30 days, 1 within 60, 1 within 90; "
        "1 found revoked in the last 30 days."
    ]
    drill = [e for e in at.expander if e.label == "The badges behind these numbers"]
    assert len(drill) == 1
    frames = [d.value for d in drill[0].dataframe]
    teams = frames[0]
    assert teams.loc[
        teams["team"] == "Web Frontend", ["expiring_30", "revoked_30"]
    ].values.tolist() == [[1, 1]]
    rows = frames[1]
    assert set(rows["credential_key"]) == {EXPIRING, REVOKED}
    assert all(link.startswith(f"profile?person={EMIL}&credential=") for link in rows["profile"])
