"""Sign in as each role in a real browser, open every page, upload a badge, export a shortlist."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from skills.access import PAGE_TITLES, PAGES, Role
from tests.support.live_server import HUNG, settle, signed_in, upload

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
USERS = {"hr": Role.HR, "manager": Role.MANAGER, "recruiter": Role.RECRUITER, "member": Role.MEMBER}
BADGE = ROOT / "tests" / "fixtures" / "1edtech" / "files" / "ob30" / "simple-jwt.png"
VERDICT = re.compile("verified|issued to|not valid|revoked|expired", re.I)


def _sign_in(browser: Any, url: str, user: str) -> Any:
    return signed_in(browser, url, user, USERS[user].value, accept_downloads=True)


def _open(page: Any, name: str) -> None:
    """Follow the sidebar link, as a person would."""
    heading = PAGE_TITLES[name] if name != "profile" else None  # a profile shows the name
    link = page.locator("[data-testid='stSidebarNav'] a", has_text=PAGE_TITLES[name]).first
    for attempt in range(3):
        link.click()
        settle(page)
        try:
            page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
            return
        except Exception:
            if attempt == 2:
                _shot(page, f"failed-{name}")
                raise


def _choose(page: Any, field: str, text: str) -> None:
    """Pick ``text`` in the multiselect labelled ``field``: type to filter, click the option
    once the list shows it, and wait for its chip (the signal that the choice was taken; a
    key pressed before the list has filtered selects nothing)."""
    box = page.locator("[data-testid='stMultiSelect']").filter(has_text=field).first
    box.locator("input").click()
    page.keyboard.type(text)
    page.locator("[role='option']", has_text=text).first.click()
    page.keyboard.press("Escape")
    box.locator("[data-tag]", has_text=text).first.wait_for()
    settle(page)


def _shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.parametrize("user", list(USERS))
def test_every_page_opens_for_each_role(browser: Any, server: str, user: str) -> None:
    page = _sign_in(browser, server, user)
    nav = page.locator("[data-testid='stSidebarNav'] a")
    assert nav.count() == len(PAGES[USERS[user]])
    for name in PAGES[USERS[user]]:
        if name == "profile" and user != "member":
            continue  # opened below with a chosen person
        _open(page, name)
        assert page.locator("[data-testid='stException']").count() == 0, name
        _shot(page, f"{user}-{name}")
    for name in set(PAGE_TITLES) - set(PAGES[USERS[user]]):
        assert nav.filter(has_text=PAGE_TITLES[name]).count() == 0, name
    # A page outside the role, asked for by URL, is not served (the session cookie signs
    # the same person in again, and their menu does not have that page).
    forbidden = sorted(set(PAGE_TITLES) - set(PAGES[USERS[user]]))
    if forbidden:
        page.goto(f"{server}/{forbidden[0]}")
        settle(page)
        assert page.get_by_role("heading", name=PAGE_TITLES[forbidden[0]]).count() == 0
    page.context.close()


def test_sign_in_survives_a_reload_and_sign_out_ends_it(browser: Any, server: str) -> None:
    page = _sign_in(browser, server, "manager")
    _open(page, "gaps")
    page.reload()
    settle(page)
    page.get_by_text("role: manager").wait_for(timeout=HUNG)  # still signed in
    assert page.get_by_role("heading", name="Team gaps").count() == 1  # on the same page
    cookie = next(c for c in page.context.cookies() if c["name"] == "skillatlas_session")
    assert cookie["sameSite"] == "Strict" and cookie["expires"] > 0
    page.get_by_role("button", name="Sign out").click()
    settle(page)
    page.get_by_role("textbox", name="User name").wait_for(timeout=HUNG)
    assert not [c for c in page.context.cookies() if c["name"] == "skillatlas_session"]
    page.reload()
    settle(page)
    assert page.get_by_role("textbox", name="User name").count() == 1
    # A copy of the old cookie was revoked on the server: it signs nobody in.
    page.context.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path")}])
    page.reload()
    settle(page)
    assert page.get_by_role("textbox", name="User name").count() == 1
    assert page.get_by_text("role: manager").count() == 0
    page.context.close()


def test_member_uploads_a_baked_badge_and_sees_its_checks(browser: Any, server: str) -> None:
    page = _sign_in(browser, server, "member")
    _open(page, "submit")
    upload(page, BADGE)
    page.get_by_role("button", name="Verify and save").first.click()
    settle(page)
    verdict = page.locator("[data-testid='stAlert']").filter(has_text=VERDICT)
    verdict.first.wait_for(timeout=HUNG)  # the verdict in one sentence
    assert page.locator("[data-testid='stDataFrame']").count() >= 1  # the checks, row by row
    _shot(page, "member-submit-result")
    page.context.close()


def test_recruiter_filters_candidates_and_downloads_the_shortlist(
    browser: Any, server: str, tmp_path: Path
) -> None:
    page = _sign_in(browser, server, "recruiter")
    _open(page, "candidates")
    _choose(page, "Skills", "Python")
    page.get_by_text("matching candidates").wait_for(timeout=HUNG)
    _shot(page, "recruiter-candidates-ranked")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    target = tmp_path / "shortlist.csv"
    info.value.save_as(target)
    text = target.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("person_id,name,matched,score")
    assert "Clara Jensen" in text and "Emil Novak" not in text
    page.context.close()
