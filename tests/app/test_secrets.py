"""Session secrets and password hashes never reach the logs nor the database export.

The app is signed into (AppTest, the real app.py and pages) as every demo account,
once with a wrong password, while every logger (ours and Streamlit's) records at
DEBUG and stdout/stderr are captured. Then the database is exported (EXPORT
DATABASE: every table as CSV) and each file searched. The passwords, their scrypt
hashes, the hashes' salts and digests must appear nowhere.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from skills.accounts import DEMO_PASSWORDS, SessionToken, load_accounts, secret_path
from tests.support import seed

pytestmark = pytest.mark.hostile

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    db, accounts = tmp_path / "app.duckdb", tmp_path / "accounts.toml"
    seed.build(db, accounts)
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    monkeypatch.chdir(ROOT)
    yield db, accounts


def secrets_in(accounts: Path) -> list[str]:
    """Every password, hash, salt and digest of the accounts file."""
    found: list[str] = list(DEMO_PASSWORDS.values())
    raw = tomllib.loads(accounts.read_text())
    for entry in raw["accounts"].values():
        stored = str(entry.get("password", ""))
        if stored:
            found.append(stored)
            found.extend(part for part in stored.split("$")[-2:] if len(part) >= 12)
    assert len(found) > len(DEMO_PASSWORDS), "the accounts file has no hashes to look for"
    return found


def session_secrets(accounts: Path, apps: list[AppTest]) -> list[str]:
    """The key that signs session tokens, and each signed-in session's token nonce."""
    found: list[str] = []
    key = secret_path(accounts)
    if key.exists():
        found.append(key.read_text().strip())
    for at in apps:
        try:
            value = at.session_state["_session_token"]  # pages/_ui/session.py _SESSION_KEY
        except KeyError:
            continue
        if isinstance(value, SessionToken):
            found.append(value.nonce)
    return found


def sign_in(username: str, password: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.text_input(key="sign_in_user").input(username)
    at.text_input(key="sign_in_password").input(password)
    at.button[0].click()
    at.run()
    return at


def test_signing_in_logs_no_password_nor_hash(
    app_files: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    _, accounts = app_files
    secret_values = secrets_in(accounts)
    caplog.set_level(logging.DEBUG)
    for name in ("streamlit", "skills", "duckdb", "httpx"):
        caplog.set_level(logging.DEBUG, logger=name)
    wrong = sign_in("hr", "not-the-password-" + "x" * 8)
    assert any("do not match" in e.value for e in wrong.error)
    apps: list[AppTest] = []
    for user, password in DEMO_PASSWORDS.items():
        at = sign_in(user, password)
        apps.append(at)
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        rendered = " ".join(str(el.value) for el in at.markdown) + " ".join(
            str(el.value) for el in at.caption
        )
        assert user in rendered  # signed in: the sidebar names the account
        for secret in secret_values:
            assert secret not in rendered
    session_values = session_secrets(accounts, apps)
    assert len(session_values) == 1 + len(DEMO_PASSWORDS), "signing key and every nonce"
    secret_values += session_values
    out, err = capfd.readouterr()
    logs = caplog.text + "\n".join(str(r.args) for r in caplog.records) + out + err
    assert caplog.records, "nothing was logged: the capture would see nothing"
    for secret in [*secret_values, "not-the-password-xxxxxxxx"]:
        assert secret not in logs, f"a secret reached the logs: {secret[:6]}..."


def test_the_database_export_holds_no_password_nor_hash(
    app_files: tuple[Path, Path], tmp_path: Path
) -> None:
    db, accounts = app_files
    secret_values = secrets_in(accounts)
    apps = [sign_in(user, password) for user, password in DEMO_PASSWORDS.items()]
    secret_values += session_secrets(accounts, apps)
    # The accounts the app knows are the ones loaded from the file (hashes in memory only).
    assert load_accounts(accounts)
    export = tmp_path / "export"
    con = duckdb.connect(str(db))  # same process: joins the app's database instance
    try:
        con.execute(f"EXPORT DATABASE '{export}' (FORMAT csv)")
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchall()
        ]
    finally:
        con.close()
    files = list(export.rglob("*"))
    assert len([f for f in files if f.suffix == ".csv"]) == len(tables)
    text = "\n".join(f.read_text("utf-8", "replace") for f in files if f.is_file())
    assert "Hanna Berg" in text or "E000002" in text  # the export holds the data
    for secret in secret_values:
        assert secret not in text, f"a secret is in the database export: {secret[:6]}..."
    assert "scrypt$" not in text
