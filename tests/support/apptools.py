"""Helpers for page tests: a fresh AppTest of app.py and signing in through its form."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Element

from skills.accounts import DEMO_PASSWORDS

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60


def new_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)


def page_html(at: AppTest) -> str:
    """The text of every ``st.html`` element of the last run (e.g. the session-cookie script)."""
    return "\n".join(str(e.value) for e in at.get("html") if isinstance(e, Element))


def sign_in(at: AppTest, username: str, password: str | None = None) -> AppTest:
    at.run()
    at.text_input(key="sign_in_user").input(username)
    at.text_input(key="sign_in_password").input(password or DEMO_PASSWORDS[username])
    at.button[0].click()
    at.run()
    return at
