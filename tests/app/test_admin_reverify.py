"""HR's "Re-verify all badges" (Admin page) while a re-verification already runs in the
process (the server's schedule): the page says so in one sentence and records nothing,
through the real app (AppTest) on a seeded database. The running one is the real lock
that :func:`skills.ingest.reverify` holds while it runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills.explain import plain
from skills.ingest import _reverify
from skills.store import open_store
from tests.support import seed
from tests.support.apptools import new_app, sign_in


@pytest.fixture
def org_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db, accounts = tmp_path / "reverify.duckdb", tmp_path / "accounts.toml"
    seed.build(db, accounts)
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    return db


def _runs(db: Path) -> int:
    store = open_store(db)
    try:
        return int(store.scalar("SELECT count(*) FROM audit_log WHERE action = 'reverify.run'"))
    finally:
        store.close()


def test_re_verify_all_while_one_runs_says_so(org_db: Path) -> None:
    before = _runs(org_db)
    at = sign_in(new_app(), "hr")
    at.switch_page("pages/admin.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert _reverify._RUNNING.acquire(blocking=False)  # a run in progress (the schedule's)
    try:
        at.button(key="rv_all").click().run()
    finally:
        _reverify._RUNNING.release()
    assert not at.exception, [e.value for e in at.exception]
    errors = [str(e.value) for e in at.error]
    sentence = plain("A re-verification is already running; its results will show when it ends.")
    assert sentence in errors, errors
    assert not [s for s in at.success if "checked" in str(s.value)]
    assert _runs(org_db) == before
