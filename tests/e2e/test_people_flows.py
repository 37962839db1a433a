"""Issue 14 in a real browser: what employees, candidates and recruiters do.

- an employee uploads a badge and is told which skills it added to their profile, then
  removes it again;
- an employee with a badge expiring within 90 days is told so on signing in;
- a recruiter pastes a job ad, confirms the skills found, exports the shortlist with the
  evidence, opens a candidate's profile and comes back to the same search.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.live_server import HUNG, settle, signed_in, upload

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
JOB_AD = """Backend Developer (Python)
We are a small payments company in Berlin.
What you bring:
- Python (computer programming) for our services
- SQL and relational databases
- working in teams with product and design
"""


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _open(page: Any, server: str, path: str) -> None:
    page.goto(f"{server}/{path}")
    settle(page)


def test_recruiter_goes_from_a_job_ad_to_an_exported_shortlist_and_back(
    browser: Any, server: str, tmp_path: Path
) -> None:
    page = signed_in(browser, server, "recruiter", "recruiter", accept_downloads=True)
    _open(page, server, "candidates")
    page.get_by_text("Start from a job ad").click()
    page.get_by_role("textbox", name="Paste the job description").fill(JOB_AD)
    page.get_by_role("button", name="Find its skills").click()
    settle(page)
    page.get_by_text("matching candidates").wait_for(timeout=HUNG)
    # the skills found are the search, and the search is in the URL
    page.wait_for_url("**cand_skills=*", timeout=HUNG)
    skills = parse_qs(urlsplit(page.url).query)["cand_skills"]
    assert "Python (computer programming)" in skills
    _shot(page, "recruiter-job-ad")

    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    target = tmp_path / "shortlist.csv"
    info.value.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert {"evidence", "profile", "location", "availability"} <= set(rows[0])
    clara = next(r for r in rows if r["name"] == "Clara Jensen")
    assert "Python Developer (Acme Academy" in clara["evidence"]
    assert clara["profile"].startswith("profile?person=C000001")
    assert clara["availability"] == "immediately"
    assert not any(r["name"] == "Emil Novak" for r in rows)  # employees are never candidates

    # select Clara's row (the first: best score), open her profile, come back
    search = page.url
    grid = page.locator("[data-testid='stDataFrame']").filter(has_text="").last
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection box
    settle(page)
    page.get_by_role("link", name="Open this candidate's profile").click()
    settle(page)
    page.get_by_role("heading", name="Clara Jensen").wait_for(timeout=HUNG)
    assert "back=" in page.url
    page.get_by_role("link", name="Back to candidates").click()
    settle(page)
    page.get_by_text("matching candidates").wait_for(timeout=HUNG)
    _shot(page, "recruiter-back-from-profile")
    assert (
        parse_qs(urlsplit(page.url).query)["cand_skills"]
        == parse_qs(urlsplit(search).query)["cand_skills"]
    )
    page.context.close()


def test_employee_upload_lists_the_skills_it_added_then_the_employee_removes_it(
    browser: Any, server: str, tmp_path: Path
) -> None:
    from skills.demo.personas import PERSONAS
    from tests.support.badges import SQL, badge, email

    file = tmp_path / "sql-course.json"
    file.write_bytes(badge(email(PERSONAS["employee"]), SQL, name="Databases with SQL"))
    page = signed_in(browser, server, "member", "member")
    _open(page, server, "submit")
    upload(page, file)
    page.get_by_role("button", name="Verify and save").first.click()
    settle(page)
    added = page.get_by_text("Added to your profile")
    added.first.wait_for(timeout=HUNG)
    assert "SQL" in added.first.inner_text()
    assert page.get_by_text("Technical details").count() == 1  # the checks, folded away
    _shot(page, "member-submit-added-skills")

    # remove it again: select it in "Your recent submissions", Remove, confirm
    recent = page.locator("[data-testid='stDataFrame']").last
    box = recent.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the newest submission's row
    settle(page)
    page.get_by_role("button", name="Remove Databases with SQL").click()
    settle(page)
    page.get_by_role("button", name="Yes, remove it").click()
    settle(page)
    page.get_by_text("Removed Databases with SQL").wait_for(timeout=HUNG)
    _open(page, server, f"profile?person={PERSONAS['employee']}")
    page.get_by_role("heading", name="Emil Novak").wait_for(timeout=HUNG)
    assert page.get_by_text("Databases with SQL").count() == 0
    page.context.close()


def test_an_employee_is_told_on_sign_in_that_a_badge_expires_soon(
    browser: Any, server: str
) -> None:
    page = signed_in(browser, server, "member", "member")  # lands on the Overview
    notice = page.locator("[data-testid='stAlert']").filter(has_text="within 90 days")
    notice.first.wait_for(timeout=HUNG)
    assert "Team Player" in notice.first.inner_text()  # the seed's badge expiring in 30 days
    _shot(page, "member-expiry-notice")
    page.context.close()
