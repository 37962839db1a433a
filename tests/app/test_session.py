"""Sign-in that survives a reload: the signed session cookie, its restore and sign-out."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages._ui import session
from skills.accounts import (
    load_accounts,
    load_revocations,
    parse_session_token,
    revocations_path,
    revoke_session,
    secret_path,
)
from tests.support.apptools import new_app, page_html

COOKIE_SET = re.compile(r'"skillatlas_session=" \+ "([A-Za-z0-9_.-]+)"')


def _html(at: AppTest) -> str:
    return page_html(at)


def _token(at: AppTest) -> str:
    found = COOKIE_SET.search(_html(at))
    assert found, "no session cookie written after sign-in"
    return found.group(1)


def test_sign_in_writes_a_signed_cookie_for_that_account(
    signed_in: Callable[[str], AppTest], app_env: tuple[Path, Path]
) -> None:
    at = signed_in("manager")
    token = _token(at)
    _, accounts_file = app_env
    secret = secret_path(accounts_file).read_text().strip().encode()
    parsed = parse_session_token(secret, load_accounts(accounts_file), token, now=time.time())
    assert parsed is not None and parsed[0].username == "manager"
    assert secret_path(accounts_file).stat().st_mode & 0o777 == 0o600
    assert secret.decode() not in _html(at)  # the secret never reaches the browser


def test_a_new_session_with_the_cookie_is_signed_in(
    signed_in: Callable[[str], AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token(signed_in("recruiter"))
    monkeypatch.setattr(session, "cookie_token", lambda: token)  # the browser sends it back
    at = new_app()
    at.run()
    assert not at.exception
    assert any("role: recruiter" in c.value for c in at.caption)
    assert not at.text_input  # no sign-in form


def test_a_revoked_token_no_longer_signs_in(
    signed_in: Callable[[str], AppTest],
    app_env: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What sign-out records on the server (the browser test clicks the real button)."""
    token = _token(signed_in("hr"))
    _, accounts_file = app_env
    secret = secret_path(accounts_file).read_text().strip().encode()
    parsed = parse_session_token(secret, load_accounts(accounts_file), token, now=time.time())
    assert parsed is not None
    revoke_session(revocations_path(accounts_file), parsed[1], now=time.time())
    assert parsed[1].nonce in load_revocations(revocations_path(accounts_file), now=time.time())
    monkeypatch.setattr(session, "cookie_token", lambda: token)  # a browser kept a copy
    again = new_app()
    again.run()
    assert again.text_input(key="sign_in_user")
    assert not any("role:" in c.value for c in again.caption)
    assert "Max-Age=0" in _html(again)  # and the dead cookie is deleted


def test_a_forged_cookie_is_ignored(app_env: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "cookie_token", lambda: "v1.aHI.9999999999.00.forged")
    at = new_app()
    at.run()
    assert not at.exception
    assert at.text_input(key="sign_in_user")
