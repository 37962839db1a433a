"""Local accounts: salted hashes, the TOML file, demo accounts per role."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills.accounts import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORDS,
    ROLES,
    Account,
    account_for_email,
    authenticate,
    check_password,
    hash_password,
    load_accounts,
    save_accounts,
    write_demo_accounts,
)
from skills.errors import ConfigError


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


def test_oidc_only_account_cannot_sign_in_with_a_password(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    save_accounts(path, {"o": Account("o", "hr", email="Boss@Example.org")})
    accounts = load_accounts(path)
    assert authenticate(accounts, "o", "") is None
    found = account_for_email(accounts, "boss@example.ORG")
    assert found is not None and found.username == "o"


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
