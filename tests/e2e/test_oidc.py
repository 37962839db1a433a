"""Enterprise sign-in, end to end: ``streamlit run app.py`` configured for an OpenID Connect
provider running on loopback (``tests/support/oidc_provider.py``), driven in Chromium.

Users in three mapped groups land on their own person with their role; a user in no
mapped group, one matching nobody, and one of the other kind of people are refused with a
page saying why, and HR sees them in Admin; sign-out ends the provider's session too; a
tampered and an expired ID token are refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from skills.demo.personas import PERSONA_NAMES, PERSONAS
from tests.support.live_server import HUNG, free_port, settle, start_server, stop_server, watch
from tests.support.oidc_provider import Provider, User

BUTTON = "Sign in with Test IdP"
CANDIDATES_BUTTON = "Candidates: sign in with Test ID"


def _mail(person_id: str) -> str:
    return f"{person_id.lower()}@example.org"  # the seeded addresses (tests/support/seed.py)


USERS = {
    "hana": User("pw-hana", "sub-hr", _mail(PERSONAS["hr"]), ["atlas-hr", "atlas-staff"]),
    "mats": User("pw-mats", "sub-mgr", _mail(PERSONAS["manager"]), ["atlas-managers"]),
    "eli": User("pw-eli", "sub-emp", _mail(PERSONAS["employee"]), ["atlas-staff"]),
    "olaf": User("pw-olaf", "sub-out", _mail("E100000"), ["marketing"]),
    "una": User("pw-una", "sub-una", "nobody@example.org", ["atlas-staff"]),
    "cem": User("pw-cem", "sub-cand", _mail("C000002"), ["atlas-staff"]),
    "tom": User("pw-tom", "sub-tamper", _mail("E100001"), ["atlas-staff"], token="tampered"),
    "old": User("pw-old", "sub-old", _mail("E100002"), ["atlas-staff"], token="expired"),
    "rita": User("pw-rita", "sub-rita", _mail(PERSONAS["recruiter"]), ["atlas-recruiters"]),
}
CANDIDATE_USERS = {  # a second provider, for candidates (a consumer identity service)
    "cora": User("pw-cora", "c-sub-1", _mail("C000003"), []),
    "eli": User("pw-eli2", "c-sub-2", _mail(PERSONAS["employee"]), []),
}


@dataclass
class Site:
    url: str
    idp: Provider
    candidates_idp: Provider
    log: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Site]:
    from tests.support import seed

    folder = tmp_path_factory.mktemp("oidc")
    db, accounts = folder / "oidc.duckdb", folder / "accounts.toml"
    seed.build(db, accounts)
    with (
        Provider(USERS, "skill-atlas", secrets.token_urlsafe(24)) as idp,
        Provider(CANDIDATE_USERS, "skill-atlas-candidates", secrets.token_urlsafe(24)) as cidp,
    ):
        port = free_port()
        secrets_file = folder / "secrets.toml"
        secrets_file.write_text(
            f"""
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{secrets.token_urlsafe(32)}"
client_id = "{idp.client_id}"
client_secret = "{idp.client_secret}"
server_metadata_url = "{idp.url}/.well-known/openid-configuration"
client_kwargs = {{ scope = "openid email profile groups", code_challenge_method = "S256" }}

[auth.talent]
client_id = "{cidp.client_id}"
client_secret = "{cidp.client_secret}"
server_metadata_url = "{cidp.url}/.well-known/openid-configuration"
client_kwargs = {{ scope = "openid email profile", code_challenge_method = "S256" }}

[signin.providers.talent]
label = "{CANDIDATES_BUTTON}"
kind = "candidate"
roles = {{ member = ["*"] }}

[signin.providers.default]
label = "{BUTTON}"
kind = "employee"

[signin.providers.default.roles]
hr = ["atlas-hr"]
manager = ["atlas-managers"]
recruiter = ["atlas-recruiters"]
member = ["atlas-staff"]
"""
        )
        proc, url = start_server(
            db,
            accounts,
            folder,
            env={"SKILLS_WORKERS": "1"},
            args=("--secrets.files", str(secrets_file)),
            port=port,
        )
        try:
            yield Site(url, idp, cidp, folder / "streamlit.log")
        finally:
            stop_server(proc)


def _open(browser: Any, site: Site) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(HUNG)
    page = watch(context.new_page())
    page.goto(site.url)
    settle(page)
    return page


def _sign_in(page: Any, site: Site, user: str, *, candidate: bool = False) -> None:
    """Start page -> the provider's login form -> back to Skill Atlas."""
    users = CANDIDATE_USERS if candidate else USERS
    page.get_by_role("button", name=CANDIDATES_BUTTON if candidate else BUTTON).click()
    page.get_by_role("heading", name="Test IdP").wait_for()
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(users[user].password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site.url}/**")  # back from the provider (and its callback)
    settle(page)


@pytest.mark.parametrize(
    ("user", "role", "name"),
    [
        ("hana", "hr", PERSONA_NAMES["hr"]),
        ("mats", "manager", PERSONA_NAMES["manager"]),
        ("eli", "member", PERSONA_NAMES["employee"]),
    ],
)
def test_a_user_lands_on_their_person_with_the_role_of_their_group(
    browser: Any, site: Site, user: str, role: str, name: str
) -> None:
    page = _open(browser, site)
    _sign_in(page, site, user)
    page.get_by_text(f"role: {role}").wait_for()
    sidebar = page.locator("[data-testid='stSidebar']")
    assert name in sidebar.inner_text()
    shown = sidebar.inner_text().replace("\u2060", "")  # plain() keeps addresses unlinked
    assert f"Signed in as {USERS[user].email} · role: {role}" in shown
    page.context.close()


@pytest.mark.parametrize(
    ("user", "sentence"),
    [
        ("olaf", "ask HR for access"),
        ("una", "is not linked to anyone in Skill Atlas"),
        ("cem", "This sign-in is for employees"),
    ],
)
def test_a_user_the_app_cannot_place_is_refused_with_a_page_saying_why(
    browser: Any, site: Site, user: str, sentence: str
) -> None:
    page = _open(browser, site)
    _sign_in(page, site, user)
    page.get_by_text(sentence).wait_for()
    page.screenshot(path=str(Path(__file__).parent / "screenshots" / f"oidc_refused_{user}.png"))
    assert page.get_by_text("role:").count() == 0
    assert page.get_by_role("button", name="Sign out and use another account").is_visible()
    page.context.close()


def test_hr_sees_refused_sign_ins_in_admin(browser: Any, site: Site) -> None:
    page = _open(browser, site)
    _sign_in(page, site, "olaf")  # refused: no mapped group
    page.get_by_text("ask HR for access").wait_for()
    page.context.close()
    page = _open(browser, site)
    _sign_in(page, site, "hana")
    page.get_by_text("role: hr").wait_for()
    page.goto(f"{site.url}/admin")
    settle(page)
    page.get_by_role("tab", name="People's requests").click()
    page.get_by_text("Refused sign-ins").wait_for()
    page.get_by_text(f"{USERS['olaf'].email} · provider default").wait_for()
    page.screenshot(path=str(Path(__file__).parent / "screenshots" / "oidc_refused_admin.png"))
    page.context.close()


def test_sign_out_ends_the_app_session_and_the_provider_session(browser: Any, site: Site) -> None:
    page = _open(browser, site)
    _sign_in(page, site, "eli")
    page.get_by_text("role: member").wait_for()
    ended = len(site.idp.logouts)
    page.get_by_role("button", name="Sign out").click()
    # The provider's end-session endpoint is called (the signal), then it sends us back.
    assert site.idp.wait_for_logouts(ended + 1, HUNG / 1000)[ended:] == ["eli"]
    page.wait_for_url(f"{site.url}/**")
    settle(page)
    page.get_by_role("button", name=BUTTON).wait_for()
    assert page.get_by_text("role:").count() == 0
    # Signing in again asks for the password again: nothing silently signs back in.
    page.get_by_role("button", name=BUTTON).click()
    page.get_by_role("heading", name="Test IdP").wait_for()
    page.context.close()


def _failed_exchanges(site: Site) -> int:
    return site.log.read_text(errors="replace").count("OAuth token exchange failed")


@pytest.mark.parametrize("user", ["tom", "old"])
def test_a_tampered_or_expired_id_token_is_refused(browser: Any, site: Site, user: str) -> None:
    page = _open(browser, site)
    logins, failures = len(site.idp.logins), _failed_exchanges(site)
    _sign_in(page, site, user)
    assert site.idp.logins[logins:] == [user]  # the provider did sign them in
    page.get_by_role("button", name=BUTTON).wait_for()  # ... and the app did not
    assert page.get_by_text("role:").count() == 0
    assert _failed_exchanges(site) == failures + 1  # Streamlit refused the ID token
    page.context.close()


def test_local_accounts_are_off_once_a_provider_is_configured(browser: Any, site: Site) -> None:
    page = _open(browser, site)
    page.get_by_role("button", name=BUTTON).wait_for()
    page.get_by_role("button", name=CANDIDATES_BUTTON).wait_for()
    page.screenshot(path=str(Path(__file__).parent / "screenshots" / "oidc_sign_in.png"))
    assert page.get_by_role("textbox", name="User name").count() == 0
    page.context.close()


def test_candidates_sign_in_at_their_own_provider_apart_from_employees(
    browser: Any, site: Site
) -> None:
    page = _open(browser, site)
    _sign_in(page, site, "cora", candidate=True)
    page.get_by_text("role: member").wait_for()
    assert "Cora Candidate" in page.locator("[data-testid='stSidebar']").inner_text()
    page.context.close()
    # An employee's address at the candidates' provider does not reach the employee.
    page = _open(browser, site)
    _sign_in(page, site, "eli", candidate=True)
    page.get_by_text("This sign-in is for candidates").wait_for()
    assert page.get_by_text("role:").count() == 0
    page.context.close()


def test_a_change_of_groups_takes_effect_at_the_next_sign_in(browser: Any, site: Site) -> None:
    page = _open(browser, site)
    _sign_in(page, site, "rita")
    page.get_by_text("role: recruiter").wait_for()
    page.context.close()
    site.idp.users["rita"].groups = ["atlas-staff"]  # moved at the provider
    page = _open(browser, site)
    _sign_in(page, site, "rita")
    page.get_by_text("role: member").wait_for()
    page.context.close()
    site.idp.users["rita"].groups = []  # removed from every group: no access
    page = _open(browser, site)
    _sign_in(page, site, "rita")
    page.get_by_text("ask HR for access").wait_for()
    assert page.get_by_text("role:").count() == 0
    page.context.close()
