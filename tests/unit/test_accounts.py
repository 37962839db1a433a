"""Local accounts: salted hashes, the TOML file, demo accounts per role."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

import pytest

import skills.accounts as accounts_module
from skills.accounts import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORDS,
    MAX_ACCOUNT_FAILURES,
    ROLES,
    SIGN_IN_WINDOW_SECONDS,
    Account,
    SessionToken,
    authenticate,
    authenticate_throttled,
    check_password,
    hash_password,
    issue_session_token,
    load_accounts,
    load_revocations,
    parse_session_token,
    revoke_session,
    revoked_nonces,
    save_accounts,
    session_problem,
    sign_in_refusal,
    write_demo_accounts,
)
from skills.errors import AccessDenied, ConfigError


def test_hash_is_salted_and_checks_only_the_right_password() -> None:
    first, second = hash_password("s3cret"), hash_password("s3cret")
    assert first != second  # a fresh salt each time
    assert "s3cret" not in first
    assert check_password("s3cret", first) and check_password("s3cret", second)
    assert not check_password("s3cret!", first)
    assert not check_password("s3cret", "not-a-hash")
    assert not check_password("s3cret", "scrypt$99999999$8$1$AA$AA")  # absurd cost refused


def test_demo_accounts_round_trip_and_sign_in(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    personas = {"hr": "p1", "manager": "p2", "recruiter": "p3", "employee": "p4", "candidate": "c1"}
    write_demo_accounts(path, personas, {"hr": 'Ha "quoted" na'})
    text = path.read_text()
    assert all(pw not in text for pw in DEMO_PASSWORDS.values())
    accounts = load_accounts(path)
    assert {a.role for a in accounts.values()} == set(ROLES)
    assert accounts["hr"].name == 'Ha "quoted" na'
    for username, (role, persona) in DEMO_ACCOUNTS.items():
        signed = authenticate(accounts, username, DEMO_PASSWORDS[username])
        assert signed is not None and signed.role == role
        assert signed.person_id == personas[persona]
        assert authenticate(accounts, username, "wrong") is None
    assert authenticate(accounts, "nobody", "atlas-hr") is None
    assert path.stat().st_mode & 0o077 == 0  # readable by the owner only


def test_repr_never_shows_the_hash() -> None:
    acc = Account("u", "hr", password_hash=hash_password("x"))
    assert "scrypt" not in repr(acc)


def test_an_account_without_a_password_cannot_sign_in(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    save_accounts(path, {"o": Account("o", "hr", email="Boss@Example.org")})
    accounts = load_accounts(path)
    assert authenticate(accounts, "o", "") is None
    assert accounts["o"].email == "boss@example.org"  # loaded, for the record


def test_bad_files_are_config_errors(tmp_path: Path) -> None:
    assert load_accounts(tmp_path / "missing.toml") == {}
    bad = tmp_path / "bad.toml"
    bad.write_text("[accounts.x\n")
    with pytest.raises(ConfigError):
        load_accounts(bad)
    bad.write_text('[accounts.x]\nrole = "admin"\n')
    with pytest.raises(ConfigError, match="role"):
        load_accounts(bad)
    with pytest.raises(ConfigError, match="persona"):
        write_demo_accounts(tmp_path / "d.toml", {"hr": "p1"})


# --- Issue 11: re-validation, atomic revocation, persisted throttling -----------------------

NOW = 1_800_000_000.0


def _signed(tmp_path: Path) -> tuple[dict[str, Account], SessionToken]:
    accounts = {"ann": Account("ann", "manager", person_id="p1", password_hash=hash_password("pw"))}
    token = issue_session_token(b"k" * 32, accounts["ann"], now=NOW)
    parsed = parse_session_token(b"k" * 32, accounts, token, now=NOW)
    assert parsed is not None
    return accounts, parsed[1]


def test_session_problem_names_each_change(tmp_path: Path) -> None:
    accounts, token = _signed(tmp_path)
    ann = accounts["ann"]
    assert session_problem(accounts, token, now=NOW) is None
    assert session_problem({**accounts, "ann": replace(ann, name="Ann B.")}, token, now=NOW) is None
    cases = {
        "signed out in another tab": (accounts, NOW, {token.nonce}),
        "expired": (accounts, float(token.expires), ()),
        "no longer exists": ({}, NOW, ()),
        "password changed": ({"ann": replace(ann, password_hash=hash_password("pw2"))}, NOW, ()),
        "role changed": ({"ann": replace(ann, role="member")}, NOW, ()),
        "another person": ({"ann": replace(ann, person_id="p2")}, NOW, ()),
    }
    for reason, (current, now, revoked) in cases.items():
        problem = session_problem(current, token, now=now, revoked=revoked)
        assert problem is not None and problem.startswith("You were signed out: ")
        assert reason in problem
        assert problem.endswith(".") and "None" not in problem


def test_revoked_nonces_is_cached_until_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml.revoked-sessions.json"
    assert revoked_nonces(path) == frozenset()
    seen: list[frozenset[str]] = []
    for i in range(40):  # many writes within one clock tick: every one is seen at once
        revoke_session(path, SessionToken("u", int(NOW) + 60, f"n{i:02d}"), now=NOW)
        seen.append(revoked_nonces(path))
        assert f"n{i:02d}" in seen[-1]
    assert revoked_nonces(path) is seen[-1]  # unchanged file: the cached set, not a re-read
    assert path.stat().st_mode & 0o777 == 0o600
    # Expired entries are pruned when the next sign-out rewrites the file.
    revoke_session(path, SessionToken("u", int(NOW) + 10_000, "late"), now=NOW + 120)
    assert set(load_revocations(path, now=NOW + 120)) == {"late"}


def test_revocations_from_many_threads_are_all_kept(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    tokens = [SessionToken("u", int(NOW) + 60, f"n{i:02d}") for i in range(24)]
    barrier = threading.Barrier(len(tokens))

    def sign_out(token: SessionToken) -> None:
        barrier.wait()
        revoke_session(path, token, now=NOW)

    threads = [threading.Thread(target=sign_out, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(load_revocations(path, now=NOW)) == {t.nonce for t in tokens}
    assert not list(tmp_path.glob("*.tmp"))  # no temporary file left behind


@pytest.fixture
def one_account() -> dict[str, Account]:
    return {"Hana": Account("Hana", "hr", password_hash=hash_password("right"))}


def test_throttle_refuses_without_checking_the_password(
    tmp_path: Path, one_account: dict[str, Account], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "accounts.toml.sign-in-failures.json"
    for i in range(MAX_ACCOUNT_FAILURES):
        assert (
            authenticate_throttled(one_account, path, "Hana", f"w{i}", address=None, now=NOW)
            is None
        )
    checked: list[str] = []
    monkeypatch.setattr(accounts_module, "check_password", lambda pw, stored: checked.append(pw))
    with pytest.raises(AccessDenied) as refused:
        authenticate_throttled(one_account, path, "Hana", "right", address=None, now=NOW + 60)
    assert str(refused.value) == (
        "Too many failed sign-ins for this account; try again in 14 minutes."
    )
    assert checked == []  # refused before the password was looked at
    # The same account under another spelling shares the count.
    with pytest.raises(AccessDenied):
        authenticate_throttled(one_account, path, " hana ", "x", address=None, now=NOW + 60)
    assert sign_in_refusal(path, "HANA", None, now=NOW + SIGN_IN_WINDOW_SECONDS - 30) == (
        "Too many failed sign-ins for this account; try again in 1 minute."
    )
    assert sign_in_refusal(path, "Hana", None, now=NOW + SIGN_IN_WINDOW_SECONDS + 1) is None
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_success_resets_the_account_count(
    tmp_path: Path, one_account: dict[str, Account]
) -> None:
    path = tmp_path / "f.json"
    for _ in range(2):
        for i in range(MAX_ACCOUNT_FAILURES - 1):
            authenticate_throttled(one_account, path, "Hana", f"w{i}", address="192.0.2.1", now=NOW)
        signed = authenticate_throttled(
            one_account, path, "Hana", "right", address="192.0.2.1", now=NOW
        )
        assert signed is not None and signed.username == "Hana"
    table = json.loads(path.read_text())
    assert "account:hana" not in table
    assert len(table["address:192.0.2.1"]) == 2 * (MAX_ACCOUNT_FAILURES - 1)  # failures only


def test_a_broken_failures_file_does_not_break_sign_in(
    tmp_path: Path, one_account: dict[str, Account]
) -> None:
    path = tmp_path / "f.json"
    path.write_text('{"account:hana": "lots", "account:x": [true, "1", 1e300]')
    assert authenticate_throttled(one_account, path, "Hana", "right", address=None, now=NOW)
    path.write_text('{"account:hana": ["soon", true], "address:a": 3}')
    assert sign_in_refusal(path, "Hana", "a", now=NOW) is None
