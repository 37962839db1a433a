"""The demo build tells a newcomer which accounts it wrote and how to sign in with them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from skills.accounts import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORDS,
    authenticate,
    demo_sign_in_lines,
    hash_password,
    load_accounts,
    save_accounts,
    write_demo_accounts,
)
from skills.demo.personas import PERSONA_NAMES, PERSONAS


def test_lists_every_demo_account_with_a_password_that_signs_in(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    write_demo_accounts(path, PERSONAS, PERSONA_NAMES)
    lines = demo_sign_in_lines(path)
    assert lines[0].startswith("Sign in to the demo") and str(path) in lines[0]
    body = lines[1:]
    assert [line.split()[0] for line in body] == list(DEMO_ACCOUNTS)
    accounts = load_accounts(path)
    for line in body:
        user, slash, password = line.split()[:3]
        assert slash == "/"
        # Every printed pair really signs in, as the role the line names.
        signed_in = authenticate(accounts, user, password)
        assert signed_in is not None
        assert f"role {signed_in.role}" in line
    assert any("Hanna Berg" in line for line in body)
    assert all("None" not in line for line in lines)


def test_a_changed_password_is_never_printed(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    accounts = write_demo_accounts(path, PERSONAS, PERSONA_NAMES)
    accounts["hr"] = replace(accounts["hr"], password_hash=hash_password("a-real-secret"))
    save_accounts(path, accounts)
    lines = demo_sign_in_lines(path)
    assert not any(line.split()[0] == "hr" for line in lines[1:])
    assert not any(DEMO_PASSWORDS["hr"] in line for line in lines)
    assert any(line.split()[0] == "manager" for line in lines[1:])


def test_nothing_to_print_without_demo_accounts(tmp_path: Path) -> None:
    assert demo_sign_in_lines(tmp_path / "missing.toml") == []
    path = tmp_path / "accounts.toml"
    accounts = write_demo_accounts(path, PERSONAS, PERSONA_NAMES)
    save_accounts(
        path,
        {u: replace(a, password_hash=hash_password(f"x-{u}")) for u, a in accounts.items()},
    )
    assert demo_sign_in_lines(path) == []
