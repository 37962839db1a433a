"""The Submit page's result card and withdrawal (issue 14), through the real app.

Each test builds its own seeded database (it submits and removes badges) and submits
badges signed by the seed's trusted ``did:key`` issuer, verified offline.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages._ui.widgets import STATUS_ICON
from skills.demo.personas import PERSONAS
from skills.store import open_store
from tests.support import seed
from tests.support.apptools import new_app, sign_in
from tests.support.badges import PYTHON, SQL, badge, email

MEMBER = PERSONAS["employee"]
OTHER = "E100000"  # Web Person 0
PY_LABEL = "Python (computer programming)"


@pytest.fixture
def fresh(app_env: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db, accounts = tmp_path / "card.duckdb", tmp_path / "accounts.toml"
    seed.build(db, accounts)
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    return db


def _unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _shown(at: AppTest) -> str:
    """Every Markdown, caption and alert body of the last run, as written (escapes kept)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in (at.success, at.info, at.warning, at.error):
        parts += [e.value for e in kind]
    return "\n".join(str(p) for p in parts)


def _open_submit(username: str) -> AppTest:
    at = sign_in(new_app(), username)
    at.switch_page("pages/submit.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _paste(at: AppTest, data: bytes) -> AppTest:
    at.text_area(key="badge_text").input(data.decode()).run()
    at.button(key="submit_text").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    uploader = next(u for u in at.file_uploader if str(u.key).startswith("badge_files_"))
    uploader.set_value((name, data, "application/octet-stream")).run()
    at.button(key="submit_files").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _recent(at: AppTest) -> list[str]:
    return list(at.dataframe(key="mine_table").value["file"])


def test_the_card_lists_the_skills_the_badge_added_and_folds_the_checks(fresh: Path) -> None:
    at = _open_submit("member")
    assert "You have not submitted anything yet." in [i.value for i in at.info]  # cached
    _upload(at, "simple-badge.json", badge(email(MEMBER), PYTHON, SQL))
    text = _unescaped(_shown(at))
    assert f"Added to your profile: {PY_LABEL}, SQL (ESCO)." in text
    assert any(s.value.startswith("**Verified**") for s in at.success)
    details = [e for e in at.expander if e.label == "Technical details"]
    assert len(details) == 1 and not details[0].proto.expanded
    assert len(details[0].dataframe) == 1  # the checks, row by row, inside it
    assert "Readable badge" in set(details[0].dataframe[0].value["check"])
    # The uploader starts empty again, and the new badge heads the recent submissions.
    uploaders = [u for u in at.file_uploader if str(u.key).startswith("badge_files_")]
    assert [u.key for u in uploaders] == ["badge_files_1"] and not uploaders[0].value
    assert _recent(at)[0] == "simple-badge.json"


def test_a_file_name_is_escaped_once_and_a_status_is_said_in_words(fresh: Path) -> None:
    at = _upload(_open_submit("member"), "simple-badge.png", b"not a badge at all")
    shown = _shown(at)
    assert r"simple\-badge\.png" in shown
    assert r"simple\\" not in shown  # the escape escaped again shows backslashes
    assert "Not accepted" in shown and "rejected" not in shown.lower()
    assert "not an Open Badge we can read" in _unescaped(shown)  # what to do


def test_a_badge_that_adds_nothing_new_says_so(fresh: Path) -> None:
    at = _open_submit("member")
    _paste(at, badge(email(MEMBER), PYTHON, name="Python I"))
    assert at.text_area(key="badge_text").value == ""  # the pasted text is cleared
    _paste(at, badge(email(MEMBER), PYTHON, name="Python II"))
    text = _unescaped(_shown(at))
    assert f"No new skills: you already hold {PY_LABEL} (ESCO)." in text
    assert "Added to your profile" not in text


def test_a_badge_issued_to_someone_else_says_what_to_do_once(fresh: Path) -> None:
    at = _paste(_open_submit("member"), badge("mailto:someone@else.org", PYTHON))
    shown = _shown(at)
    text = _unescaped(shown)
    verdicts = [_unescaped(e.value).replace("**", "") for e in at.error]
    assert len(verdicts) == 1 and verdicts[0].count("Issued to someone else") == 1, verdicts
    assert "**Data Course** · Issued to someone else" in text  # the title, in words
    assert "recipient_mismatch" not in text and "recipient mismatch" not in text
    todo = [i.value for i in at.info if "What to do" in i.value]
    assert len(todo) == 1 and "Issued to a different e-mail" in _unescaped(todo[0])
    assert "Profile → Your addresses" in todo[0]
    assert "No skills counted because it is not verified." in text
    # The verdict's icon is Streamlit's icon font, never a glyph the font may lack.
    assert [e.proto.icon for e in at.error] == [":material/person_off:"]


def test_the_page_says_where_to_get_a_badge_file(fresh: Path) -> None:
    at = _open_submit("candidate")
    help_ = [e for e in at.expander if e.label == "Where to get your badge file"]
    assert len(help_) == 1 and not help_[0].proto.expanded
    text = _unescaped(" ".join(m.value for m in help_[0].markdown))
    for platform in ("Credly", "Canvas Credentials (Badgr)", "Open Badge Factory", "LinkedIn"):
        assert platform in text
    assert "Learner Credential Wallet" in text and "verifiable presentation" in text


def test_table_icons_are_characters_every_font_has() -> None:
    """⏱ (U+23F1) rendered as an empty box in the status tables."""
    assert set("".join(STATUS_ICON.values())) <= set("✓✗…?!")


def test_a_copy_of_someone_elses_badge_never_says_already_stored(fresh: Path) -> None:
    data = badge(email(OTHER), PYTHON)
    hr = _open_submit("hr")
    hr.text_input(key="for_who").input("Web Person 0").run()
    hr.selectbox(key="for_pick").set_value(OTHER).run()
    _paste(hr, data)
    assert f"Added to Web Person 0's profile: {PY_LABEL} (ESCO)." in _unescaped(_shown(hr))
    store = open_store(fresh)  # the page's database file, from this same process
    try:
        with store.write() as tx:  # their mailbox is reassigned to the member
            tx.execute("UPDATE identities SET person_id = ? WHERE person_id = ?", [MEMBER, OTHER])
    finally:
        store.close()
    at = _paste(_open_submit("member"), data)
    text = _unescaped(_shown(at)).lower()
    for revealing in ("already stored", "already on your profile", "on record", "already"):
        assert revealing not in text  # nothing says somebody here holds this badge
    assert "this submission was not added to your profile." in text and "web person" not in text


def test_recent_submissions_are_right_right_after_a_batch(fresh: Path) -> None:
    at = _open_submit("hr")
    assert "You have not submitted anything yet." in [i.value for i in at.info]  # cached
    hr = PERSONAS["hr"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("python.json", badge(email(hr), PYTHON, name="Python"))
        zf.writestr("sql.json", badge(email(hr), SQL, name="SQL"))
    at.file_uploader(key="batch_file_0").set_value(
        ("two.zip", buffer.getvalue(), "application/zip")
    ).run()
    at.button(key="run_batch").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("2 badges processed" in s.value for s in at.success)
    assert set(_recent(at)) == {"python.json", "sql.json"}
    assert at.file_uploader(key="batch_file_1").value in (None, [])


def _query(db: Path, sql: str) -> list[tuple[object, ...]]:
    """Rows of ``sql`` on the page's database file, read from this same process."""
    store = open_store(db)
    try:
        return store.rows(sql)
    finally:
        store.close()


def _held_on_profile(at: AppTest) -> set[str]:
    at.switch_page("pages/profile.py").run()
    assert not at.exception, [e.value for e in at.exception]
    held: set[str] = set()
    for df in at.dataframe:
        frame = df.value
        if "skill" in frame.columns and "first_issued" in frame.columns:
            held |= set(frame["skill"])
    return held


def test_a_member_withdraws_a_badge_and_its_skill_goes_at_once(fresh: Path) -> None:
    at = _open_submit("member")
    _paste(at, badge(email(MEMBER), PYTHON))
    assert PY_LABEL in _held_on_profile(at)
    at.switch_page("pages/submit.py").run()
    at.session_state["mine_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    at.button(key="withdraw_ask").click().run()
    assert any("Remove" in w.value for w in at.warning)  # asks first
    assert _query(fresh, "SELECT count(*) FROM credentials WHERE name = 'pasted'") == [(1,)]
    at.button(key="withdraw_yes").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value.startswith("Removed Data Course") for s in at.success)
    assert "You have not submitted anything yet." in [i.value for i in at.info]
    assert _query(fresh, "SELECT count(*) FROM credentials WHERE name = 'pasted'") == [(0,)]
    assert _query(
        fresh, "SELECT actor, person_id FROM audit_log WHERE action = 'credential.withdraw'"
    ) == [("member", MEMBER)]
    assert PY_LABEL not in _held_on_profile(at)


def test_a_badge_issued_to_someone_else_can_be_removed_and_cancel_keeps_it(fresh: Path) -> None:
    at = _paste(_open_submit("member"), badge("mailto:someone@else.org", PYTHON))
    at.session_state["mine_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    at.button(key="withdraw_ask").click().run()
    at.button(key="withdraw_no").click().run()
    assert _recent(at) == ["pasted"]  # cancelled: still there
    at.button(key="withdraw_ask").click().run()
    at.button(key="withdraw_yes").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "You have not submitted anything yet." in [i.value for i in at.info]
