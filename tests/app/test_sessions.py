"""Issue 11, items 5-7: sessions that outlive sign-out, lost revocations, password guessing.

Each test performs the attack against the real app (AppTest runs app.py and its pages)
or the real revocation and throttle files, and fails on the code before the fix:

- an open tab kept working after a sign-out in another tab, after its token expired,
  and after HR changed the account's role or password (re-validation on every rerun);
- 12 simultaneous sign-outs lost some revocations (no lock around read-modify-write);
- a new browser session reset the sign-in slowdown (the count lived in the session).

Time is injected (``session.clock``, ``now=``); nothing sleeps.
"""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import skills.accounts as accounts_module
from pages._ui import session
from skills.accounts import (
    DEMO_PASSWORDS,
    MAX_ACCOUNT_FAILURES,
    SIGN_IN_WINDOW_SECONDS,
    Account,
    SessionToken,
    authenticate_throttled,
    hash_password,
    issue_session_token,
    load_accounts,
    load_or_create_secret,
    parse_session_token,
    revocations_path,
    revoke_session,
    revoked_nonces,
    save_accounts,
    secret_path,
    throttle_path,
)
from skills.errors import AccessDenied
from tests.support import seed
from tests.support.apptools import page_html

pytestmark = pytest.mark.hostile

ROOT = Path(__file__).resolve().parents[2]
COOKIE_SET = re.compile(r'"skillatlas_session=" \+ "([A-Za-z0-9_.-]+)"')
THROTTLED = "Too many failed sign-ins for this account; try again in 15 minutes."


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("sessions")
    db, accounts = folder / "app.duckdb", folder / "accounts.toml"
    seed.build(db, accounts)
    return db, accounts


@pytest.fixture
def accounts_file(
    seeded: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A private copy of the demo accounts (its own secret, revocations and throttle files)."""
    db, original = seeded
    accounts = tmp_path / "accounts.toml"
    shutil.copy2(original, accounts)
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    monkeypatch.chdir(ROOT)
    yield accounts


def new_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def sign_in(username: str, password: str | None = None, at: AppTest | None = None) -> AppTest:
    at = at or new_app()
    at.run()
    at.text_input(key="sign_in_user").input(username)
    at.text_input(key="sign_in_password").input(password or DEMO_PASSWORDS[username])
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    return at


def signed_in_as(at: AppTest) -> str | None:
    """The role of the viewer this session holds after its last run, or None."""
    try:
        viewer = at.session_state["viewer"]  # pages/_ui/session.py VIEWER_KEY
    except KeyError:
        return None
    return str(viewer.role.value)


def on_sign_in_page(at: AppTest) -> bool:
    try:
        at.text_input(key="sign_in_user")
    except KeyError:
        return False
    return True


def messages(at: AppTest) -> list[str]:
    return [str(e.value) for e in [*at.error, *at.warning]]


def token_of(at: AppTest) -> SessionToken:
    token = at.session_state["_session_token"]  # pages/_ui/session.py _SESSION_KEY
    assert isinstance(token, SessionToken)
    return token


def assert_signed_out_on_next_rerun(tab: AppTest, notice: str) -> None:
    """The open tab's next rerun ends its session and says why, on the page and in app.py.

    AppTest reruns the page the tab shows (Streamlit's multipage path for a
    ``pages/`` folder), so the page's own check is exercised first; then a
    run of app.py shows the sign-in form with the same sentence.
    """
    page_title = [str(t.value) for t in tab.title]
    tab.run()  # any click in the open tab
    assert not tab.exception, tab.exception
    assert signed_in_as(tab) is None, "the open tab still has a signed-in viewer"
    assert notice in messages(tab)
    assert not [t for t in tab.title if [str(t.value)] == page_title]  # page not drawn
    tab.switch_page("app.py").run()
    assert not tab.exception, tab.exception
    assert signed_in_as(tab) is None and on_sign_in_page(tab)
    assert notice in messages(tab)


# --- 5. Sessions outlive sign-out ----------------------------------------------------------


def test_signing_out_in_another_tab_signs_the_open_tab_out(
    accounts_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tab = sign_in("manager")
    assert signed_in_as(tab) == "manager"
    cookie = COOKIE_SET.search(page_html(tab))
    assert cookie, "no session cookie written after sign-in"
    # Another tab of the same browser sends the cookie, is signed in, and signs out.
    monkeypatch.setattr(session, "cookie_token", lambda: cookie.group(1))
    other = new_app()
    other.run()
    assert signed_in_as(other) == "manager"
    assert token_of(other).nonce == token_of(tab).nonce  # one browser, one session token
    # Its "Sign out" button calls session.sign_out, which revokes the token on the server.
    # (AppTest reruns only the page after a first run, so it cannot click app.py's
    # sidebar button; the browser test clicks it.) The same call, from that tab's token:
    revoke_session(revocations_path(accounts_file), token_of(other), now=time.time())
    assert_signed_out_on_next_rerun(
        tab, "You were signed out: this session was signed out in another tab or window."
    )


def test_an_expired_token_signs_the_open_tab_out(
    accounts_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tab = sign_in("hr")
    token = token_of(tab)
    monkeypatch.setattr(session, "clock", lambda: token.expires - 1.0)
    tab.run()
    assert signed_in_as(tab) == "hr" and not messages(tab)  # a second before expiry
    monkeypatch.setattr(session, "clock", lambda: float(token.expires))
    assert_signed_out_on_next_rerun(
        tab, "You were signed out: your session expired; please sign in again."
    )
    assert "Max-Age=0" in page_html(tab)  # cookie dropped


def test_hr_downgrading_the_role_signs_the_open_tab_out(accounts_file: Path) -> None:
    tab = sign_in("manager")
    tab.run()
    assert signed_in_as(tab) == "manager"  # reruns without a change keep the session
    accounts = load_accounts(accounts_file)
    accounts["manager"] = dataclasses.replace(accounts["manager"], role="member")
    save_accounts(accounts_file, accounts)  # what HR's edit of the accounts file does
    assert_signed_out_on_next_rerun(
        tab, "You were signed out: your account's role changed; please sign in again."
    )
    again = sign_in("manager")  # signing in again gives the new role
    assert signed_in_as(again) == "member"


def test_a_password_change_signs_the_open_tab_out(accounts_file: Path) -> None:
    tab = sign_in("recruiter")
    accounts = load_accounts(accounts_file)
    new_hash = hash_password("a-new-recruiter-password")
    accounts["recruiter"] = dataclasses.replace(accounts["recruiter"], password_hash=new_hash)
    save_accounts(accounts_file, accounts)
    assert_signed_out_on_next_rerun(
        tab, "You were signed out: your password changed; please sign in again."
    )


def test_rerun_revalidation_is_cheap(accounts_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rerun re-validates without scrypt and without parsing the account or
    revocation files again while they are unchanged."""
    tab = sign_in("hr")
    revoke_session(  # some other session's sign-out: the file exists and is read once
        revocations_path(accounts_file),
        SessionToken("member", int(time.time()) + 60, "0" * 24),
        now=time.time(),
    )
    tab.run()
    reads: list[str] = []

    def no_scrypt(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("scrypt ran during a rerun")

    def counted(path: Path) -> dict[str, Account]:
        reads.append(str(path))
        return load_accounts(path)

    real_reader = accounts_module._read_json_object

    def counted_json(path: Path) -> dict[str, Any]:
        reads.append(str(path))
        return real_reader(path)

    monkeypatch.setattr(hashlib, "scrypt", no_scrypt)  # the module skills.accounts hashes with
    monkeypatch.setattr(session, "load_accounts", counted)
    monkeypatch.setattr(accounts_module, "_read_json_object", counted_json)
    for _ in range(3):
        tab.run()
        assert signed_in_as(tab) == "hr" and not messages(tab)
    assert reads == []
    # ... and a change is still seen at once (the cache is keyed by the files' state).
    revoke_session(revocations_path(accounts_file), token_of(tab), now=time.time())
    tab.run()
    assert signed_in_as(tab) is None


AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "atlas",
    "client_secret": "y" * 16,
    "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration",
}
SIGNIN = {"providers": {"default": {"roles": {"hr": ["atlas-hr"], "member": ["atlas-staff"]}}}}


def _provider_user(groups: list[str], **claims: Any) -> dict[str, Any]:
    from skills.demo.personas import PERSONAS

    return {
        "is_logged_in": True,
        "provider": "default",
        "sub": "sub-hr",
        "email": f"{PERSONAS['hr'].lower()}@example.org",  # the seeded address
        "email_verified": True,
        "groups": groups,
        "exp": time.time() + 600,
        **claims,
    }


def provider_app(signin: dict[str, Any] | None = SIGNIN) -> AppTest:
    """The app with the provider of :data:`AUTH` configured, and ``signin`` settings."""
    tab = new_app()
    tab.secrets["auth"] = AUTH
    if signin is not None:
        tab.secrets["signin"] = signin
    return tab


def test_oidc_session_is_checked_again_on_every_rerun(
    accounts_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tab = provider_app()
    tab.user = _provider_user(["atlas-hr"])
    tab.run()
    assert not tab.exception, tab.exception
    assert signed_in_as(tab) == "hr"
    # The provider's token expires while the tab is open: the next rerun signs it out.
    monkeypatch.setattr(session, "clock", lambda: time.time() + 3600)
    tab.run()
    assert not tab.exception, tab.exception
    assert signed_in_as(tab) is None
    assert "Your organisation sign-in has expired: please sign in again." in messages(tab)
    monkeypatch.setattr(session, "clock", time.time)
    tab.user = _provider_user(["atlas-hr"])  # signed in again
    tab.run()
    assert signed_in_as(tab) == "hr"
    tab.user = {"is_logged_in": False}  # logged out at the provider (another tab)
    tab.run()
    assert not tab.exception, tab.exception
    assert signed_in_as(tab) is None
    notice = "You were signed out: your organisation account is no longer signed in."
    assert notice in messages(tab)
    tab.switch_page("app.py").run()
    assert tab.button[0].label == "Sign in with your organisation account"
    assert notice in messages(tab)


def test_a_provider_user_in_no_mapped_group_gets_no_view(accounts_file: Path) -> None:
    """Before issue 16 anyone the provider signed in whose address matched a person got the
    member view; now the groups decide, and no mapped group is a refusal."""
    tab = provider_app()
    tab.user = _provider_user(["marketing"])
    tab.run()
    assert not tab.exception, tab.exception
    assert signed_in_as(tab) is None
    assert any("ask HR for access" in m for m in messages(tab))
    assert [b.label for b in tab.button] == ["Sign out and use another account"]


def test_local_accounts_are_off_beside_a_provider_unless_kept(accounts_file: Path) -> None:
    tab = provider_app()
    tab.run()
    assert not tab.exception, tab.exception
    assert [b.label for b in tab.button] == ["Sign in with your organisation account"]
    assert not tab.text_input  # no user name and password form
    # Kept on: candidates (and small teams) sign in locally beside the provider.
    tab = provider_app({**SIGNIN, "local_accounts": True})
    tab.run()
    tab.text_input(key="sign_in_user").input("candidate")
    tab.text_input(key="sign_in_password").input(DEMO_PASSWORDS["candidate"])
    next(b for b in tab.button if b.label == "Sign in").click()
    tab.run()
    assert not tab.exception, tab.exception
    assert signed_in_as(tab) == "member"


def test_a_provider_without_role_settings_is_a_clear_error(accounts_file: Path) -> None:
    tab = provider_app(signin=None)
    tab.run()
    assert not tab.exception, tab.exception
    assert any("[signin.providers.default]" in m for m in messages(tab))


# --- 6. Lost revocations ---------------------------------------------------------------------


def _sessions(accounts_file: Path, count: int) -> tuple[bytes, dict[str, Account], list[str]]:
    secret = load_or_create_secret(secret_path(accounts_file))
    accounts = load_accounts(accounts_file)
    names = sorted(accounts)
    now = time.time()
    tokens = [
        issue_session_token(secret, accounts[names[i % len(names)]], now=now) for i in range(count)
    ]
    return secret, accounts, tokens


def _contents(secret: bytes, accounts: dict[str, Account], token: str) -> SessionToken:
    parsed = parse_session_token(secret, accounts, token, now=time.time())
    assert parsed is not None
    return parsed[1]


def _sign_out_together(path: Path, tokens: list[SessionToken], barrier: Any) -> None:
    def one(token: SessionToken) -> None:
        barrier.wait()  # every sign-out starts at once
        revoke_session(path, token, now=time.time())

    threads = [threading.Thread(target=one, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_twelve_simultaneous_sign_outs_revoke_every_token(accounts_file: Path) -> None:
    secret, accounts, tokens = _sessions(accounts_file, 12)
    contents = [_contents(secret, accounts, t) for t in tokens]
    _sign_out_together(revocations_path(accounts_file), contents, threading.Barrier(12))
    revoked = revoked_nonces(revocations_path(accounts_file))
    still_valid = [
        t
        for t in tokens
        if parse_session_token(secret, accounts, t, now=time.time(), revoked=revoked)
    ]
    assert still_valid == [], f"{len(still_valid)} of 12 signed-out tokens still sign in"


def _process_worker(path: str, tokens: list[SessionToken], barrier: Any) -> None:
    _sign_out_together(Path(path), tokens, barrier)


def test_sign_outs_from_two_processes_revoke_every_token(accounts_file: Path) -> None:
    secret, accounts, tokens = _sessions(accounts_file, 12)
    contents = [_contents(secret, accounts, t) for t in tokens]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(12)  # 6 threads in each of 2 processes
    path = str(revocations_path(accounts_file))
    workers = [
        ctx.Process(target=_process_worker, args=(path, contents[i::2], barrier)) for i in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    revoked = revoked_nonces(revocations_path(accounts_file))
    assert all(
        parse_session_token(secret, accounts, t, now=time.time(), revoked=revoked) is None
        for t in tokens
    )


# --- 7. Password guessing ----------------------------------------------------------------------


def test_guessing_from_new_sessions_is_throttled_per_account(
    accounts_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = time.time()
    monkeypatch.setattr(session, "clock", lambda: start)
    for i in range(MAX_ACCOUNT_FAILURES):
        guess = sign_in("hr", f"guess-{i}")  # a new browser session for every guess
        assert any("do not match" in e.value for e in guess.error)
    right = sign_in("hr")  # even the right password, from yet another session
    assert signed_in_as(right) is None
    assert [e.value for e in right.error] == [THROTTLED]
    other = sign_in("recruiter")  # other accounts are not locked out
    assert signed_in_as(other) == "recruiter"
    # The count is in a file beside the accounts file: a restart does not reset it.
    assert throttle_path(accounts_file).exists()
    monkeypatch.setattr(session, "clock", lambda: start + SIGN_IN_WINDOW_SECONDS + 1)
    assert signed_in_as(sign_in("hr")) == "hr"


def test_guessing_from_one_address_is_throttled(
    accounts_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spraying one guess at many account names from one address."""
    monkeypatch.setattr(accounts_module, "MAX_ADDRESS_FAILURES", 3)  # 30 by default
    monkeypatch.setattr(session, "client_address", lambda: "203.0.113.9")
    for name in ("alice", "bob", "carol"):
        assert sign_in(name, "password1").error
    refused = sign_in("manager")
    assert signed_in_as(refused) is None
    assert [e.value for e in refused.error] == [
        "Too many failed sign-ins from your network address; try again in 15 minutes."
    ]
    monkeypatch.setattr(session, "client_address", lambda: "198.51.100.4")
    assert signed_in_as(sign_in("manager")) == "manager"


def test_simultaneous_guesses_cannot_exceed_the_limit(accounts_file: Path) -> None:
    """12 guesses at once: only the first five are checked, the rest refused unchecked."""
    accounts = load_accounts(accounts_file)
    path = throttle_path(accounts_file)
    barrier = threading.Barrier(12)
    outcomes: list[str] = []
    lock = threading.Lock()
    now = time.time()

    def guess(i: int) -> None:
        barrier.wait()
        try:
            result = authenticate_throttled(
                accounts, path, "hr", f"guess-{i}", address=None, now=now
            )
            outcome = "checked" if result is None else "signed in"
        except AccessDenied as err:
            outcome = str(err)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("checked") == MAX_ACCOUNT_FAILURES
    assert outcomes.count(THROTTLED) == 12 - MAX_ACCOUNT_FAILURES
