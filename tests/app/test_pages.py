"""Every page for every role: renders without exceptions, shows or refuses what it should."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from skills.access import PAGES, Role
from skills.demo.personas import PERSONA_NAMES
from tests.support import seed
from tests.support.apptools import new_app, sign_in

ALL_PAGES = ("overview", "submit", "skill_map", "gaps", "growth", "candidates", "profile", "admin")
USERS = {"hr": Role.HR, "manager": Role.MANAGER, "recruiter": Role.RECRUITER, "member": Role.MEMBER}


def _text(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.title]
    parts += [e.value for e in at.caption] + [e.value for e in at.subheader]
    parts += [e.value for e in at.error] + [e.value for e in at.info]
    parts += [str(e.value) for e in at.metric]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    return "\n".join(str(p) for p in parts)


def test_wrong_password_is_refused(app_env: object) -> None:
    at = sign_in(new_app(), "hr", "not-the-password")
    assert "do not match" in at.error[0].value
    assert not at.exception


@pytest.mark.parametrize("user", list(USERS))
def test_every_allowed_page_renders(user: str, signed_in: Callable[[str], AppTest]) -> None:
    at = signed_in(user)
    assert not at.exception, at.exception
    for page in PAGES[USERS[user]]:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.title, page


@pytest.mark.parametrize("user", list(USERS))
def test_forbidden_pages_are_not_in_the_menu_and_refuse(
    user: str, signed_in: Callable[[str], AppTest]
) -> None:
    at = signed_in(user)
    for page in sorted(set(ALL_PAGES) - set(PAGES[USERS[user]])):
        # AppTest says "Could not find page" for a missing file, and this only when the file
        # exists but st.navigation did not register it for this viewer
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"pages/{page}.py").run()


def test_member_sees_only_their_own_profile_even_with_a_query_parameter(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = signed_in("member")
    at.switch_page("pages/profile.py").run()
    assert at.title[0].value == PERSONA_NAMES["employee"]
    at.query_params["person"] = "E000003"  # the manager
    at.switch_page("pages/profile.py").run()
    assert not at.exception
    assert "may not see" in at.error[0].value
    assert PERSONA_NAMES["manager"] not in _text(at)


def test_member_overview_counts_only_their_own_badges(signed_in: Callable[[str], AppTest]) -> None:
    at = signed_in("member")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Verified credentials"] == "2"
    assert "Web Person" not in _text(at)


def test_recruiter_never_sees_employee_names(signed_in: Callable[[str], AppTest]) -> None:
    at = signed_in("recruiter")
    text = _text(at)
    assert "Web Person" not in text and PERSONA_NAMES["employee"] not in text
    at.query_params["person"] = "E000005"
    at.switch_page("pages/profile.py").run()
    assert "may not see" in at.error[0].value
    at.query_params.clear()
    at.switch_page("pages/growth.py").run()
    assert "Web Person" not in _text(at) and PERSONA_NAMES["employee"] not in _text(at)


def test_manager_gaps_show_their_team_only(signed_in: Callable[[str], AppTest]) -> None:
    at = signed_in("manager")
    at.switch_page("pages/gaps.py").run()
    assert not at.exception
    text = _text(at)
    assert PERSONA_NAMES["employee"] in text
    assert "Api Person" not in text


def test_recruiter_ranks_candidates_and_exports(signed_in: Callable[[str], AppTest]) -> None:
    at = signed_in("recruiter")
    at.switch_page("pages/candidates.py").run()
    box = at.multiselect(key="cand_skills")
    assert any(o.startswith("Python") for o in box.options)
    box.set_value([seed.uri("python")]).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table["name"].iloc[0] == PERSONA_NAMES["candidate"]  # newest evidence ranks first
    # Cora's Python badge is verified but its issuer awaits HR's review: not counted by
    # default, and there when the recruiter asks for such badges too.
    assert set(table["name"]) == {PERSONA_NAMES["candidate"], "Cem Candidate"}
    assert len(at.get("download_button")) == 2
    at.checkbox(key="cand_unreviewed").check().run()
    table = at.dataframe[0].value
    assert set(table["name"]) == {PERSONA_NAMES["candidate"], "Cem Candidate", "Cora Candidate"}


def test_hr_skill_map_and_admin(signed_in: Callable[[str], AppTest]) -> None:
    at = signed_in("hr")
    at.switch_page("pages/skill_map.py").run()
    assert not at.exception
    assert "Bench strength" in _text(at)
    at.switch_page("pages/admin.py").run()
    assert not at.exception
    assert "Acme Academy" in _text(at)


def test_member_submits_a_wallet_presentation_and_sees_one_result_per_badge(
    app_env: tuple[object, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pasted verifiable presentation: its own verdict, then every badge inside on its
    own (a fresh database, so the shared one keeps its counts)."""
    import json

    from tests.support.envelope_helpers import DidKey, presentation, tampered, three_badges

    db, accounts = tmp_path / "vp.duckdb", tmp_path / "accounts.toml"
    seed.build(db, accounts)
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    holder = DidKey()
    badges = three_badges(DidKey(), holder.did)
    wallet = presentation(holder, [badges[0], tampered(badges[1])])
    at = sign_in(new_app(), "member")
    at.switch_page("pages/submit.py").run()
    at.text_area(key="badge_text").input(json.dumps(wallet)).run()
    at.button(key="submit_text").click().run()
    assert not at.exception, [e.value for e in at.exception]
    text = _text(at)
    # (Markdown escapes the DID's colons.)
    assert "wallet presentation from did" in text and holder.did.split(":")[-1] in text
    assert "signed by its holder" in text and "2 badges" in text
    assert "Python Programming" in text and "Rocket Science" in text
    headings = [m.value for m in at.markdown if "·" in m.value]
    assert len(headings) == 3  # the presentation, then one result per badge


# Issue 11: errors reach a page as one sentence, never as a stack trace. AppTest runs a
# page picked with switch_page directly (Streamlit's pages/-folder mode, bypassing app.py),
# so these tests make the page that opens after signing in fail: that run goes through
# app.py's nav.run(), as every page does when served.
def _raising(module: str, name: str, error: BaseException) -> Callable[..., object]:
    """A stand-in for ``skills.services.<module>.<name>`` that raises ``error``."""

    def stand_in(*args: object, **kwargs: object) -> object:
        raise error

    stand_in.__module__ = f"skills.services.{module}"
    stand_in.__name__ = name
    return stand_in


def _everything_shown(at: AppTest) -> str:
    parts = [_text(at)] + [e.value for e in at.warning] + [e.value for e in at.success]
    parts += [str(getattr(e, "value", "")) + " ".join(e.stack_trace) for e in at.exception]
    return "\n".join(parts)


def test_a_skillatlas_error_on_any_page_is_shown_as_its_sentence(
    signed_in: Callable[[str], AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit as st

    from skills.errors import StoreError
    from skills.explain import plain

    sentence = "The database is busy [retry](https://evil.example); try again in a minute."
    monkeypatch.setattr(
        "skills.services.overview.overview", _raising("overview", "overview", StoreError(sentence))
    )
    st.cache_data.clear()
    at = signed_in("hr")  # opens the Overview page, which fails
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [plain(sentence)]
    shown = _everything_shown(at)
    assert "Traceback" not in shown and "StoreError" not in shown and "](" not in shown


def test_any_other_error_on_a_page_is_one_generic_sentence_and_logged(
    signed_in: Callable[[str], AppTest],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    import streamlit as st

    from skills.explain import GENERIC_ERROR, plain

    monkeypatch.setattr(
        "skills.services.overview.overview",
        _raising("overview", "overview", RuntimeError("secret detail at /srv/skills.duckdb")),
    )
    st.cache_data.clear()
    with caplog.at_level(logging.ERROR, logger="skillatlas.pages"):
        at = signed_in("manager")  # opens the Overview page, which fails
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [plain(GENERIC_ERROR)]
    shown = _everything_shown(at)
    for hidden in ("secret detail", "/srv/", "RuntimeError", "Traceback", "stand_in"):
        assert hidden not in shown, hidden
    logged = [r for r in caplog.records if r.name == "skillatlas.pages"]
    assert logged and logged[0].exc_info and logged[0].exc_info[0] is RuntimeError


def test_the_configured_error_details_show_no_trace_for_an_uncaught_error() -> None:
    """``.streamlit/config.toml``'s ``client.showErrorDetails``, applied to an error no page
    catches (e.g. one raised before the pages run): no type, message or trace."""
    import tomllib

    from streamlit import config

    from tests.support.apptools import ROOT

    client = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["client"]
    assert client.get("disableDataExport") is True  # tables' CSV download writes raw cells

    def script() -> None:
        raise RuntimeError("secret detail at /srv/skills.duckdb")

    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", client["showErrorDetails"])
    try:
        at = AppTest.from_function(script).run()
    finally:
        config.set_option("client.showErrorDetails", before)
    (shown,) = at.exception
    assert not shown.stack_trace
    assert not shown.proto.type
    assert "secret detail" not in shown.proto.message


@pytest.mark.parametrize("user", ["manager", "recruiter"])
def test_growth_by_team_names_no_team_outside_the_viewers_scope(
    user: str, signed_in: Callable[[str], AppTest]
) -> None:
    """Issue 11, scope leak: the Growth page's chart and tables, grouped by team."""
    at = signed_in(user)
    at.session_state["g_by"] = "team"
    at.switch_page("pages/growth.py").run()
    assert not at.exception, at.exception
    figures = " ".join(c.proto.spec for c in at.get("plotly_chart"))
    assert figures, "no chart drawn"
    shown = _text(at) + figures
    outside = {"API Platform", "People & Culture", "Engineering", "Talent Acquisition"}
    if user == "recruiter":
        outside.add("Web Frontend")
    assert not [name for name in outside if name in shown or name.replace("&", "&amp;") in shown]
    if user == "manager":  # issue 13: their own teams only, no "other teams" bucket
        assert "Web Frontend" in figures and "other teams" not in figures
    else:
        assert "employees" in figures


# Issue 11, item 13: a database built by `python -m skills demo` says so on every page.
DEMO_NOTICE = (
    "Demo database: the demo issuers' badges are verified against local files; "
    "never use it for real people."
)


def test_a_demo_database_says_so_on_every_page(
    app_env: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skills.store import open_store

    db, accounts = tmp_path / "demo.duckdb", tmp_path / "accounts.toml"
    seed.build(db, accounts)
    hosted = tmp_path / "demo_hosted"
    hosted.mkdir()
    store = open_store(db)
    try:
        with store.write() as tx:  # what `python -m skills demo` records
            tx.execute("INSERT INTO app_settings VALUES ('demo_hosted', ?)", [str(hosted)])
    finally:
        store.close()
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    at = new_app()
    at.run()  # the sign-in page
    assert any(DEMO_NOTICE in c.value for c in at.caption)
    at = sign_in(at, "hr")
    assert not at.exception, at.exception
    assert sum(DEMO_NOTICE in c.value for c in at.caption) == 1


@pytest.mark.parametrize("user", ["hr", "member"])
def test_a_real_database_shows_no_demo_notice(
    user: str, signed_in: Callable[[str], AppTest]
) -> None:
    at = signed_in(user)
    assert not at.exception, at.exception
    assert at.caption and not [c.value for c in at.caption if DEMO_NOTICE in c.value]


# Issue 11, item 12: verification from the Submit page runs in a bounded, shared pool.
class _Held:
    """A job that holds a pool worker until the test releases it."""

    def __init__(self) -> None:
        import threading

        self.started, self.go = threading.Event(), threading.Event()

    def __call__(self, job: object) -> str:
        self.started.set()
        assert self.go.wait(60)
        return "held"


def _paste_and_submit(at: AppTest, text: str) -> AppTest:
    at.switch_page("pages/submit.py").run()
    at.text_area(key="badge_text").input(text).run()
    at.button(key="submit_text").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_submit_answers_at_once_when_the_server_is_busy(
    signed_in: Callable[[str], AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every worker is busy and the line is full: the click is answered at once with one
    sentence, nothing waits and nothing is verified or stored."""
    from skills.ingest.pool import SubmitPool

    pool = SubmitPool(workers=1, max_waiting=0)
    held = _Held()
    try:
        pool.submit("another-tab", held, still_wanted=lambda: True)
        assert held.started.wait(60)
        monkeypatch.setattr("skills.ingest.pool.shared_pool", lambda: pool)
        at = _paste_and_submit(signed_in("member"), '{"not": "a badge"}')
        warnings = [w.value for w in at.warning]
        assert any("busy" in w and "Try again in a minute" in w for w in warnings), warnings
        assert not at.success and not at.error  # no verdict: nothing was verified
        assert pool.job_of("test session id") is None
    finally:
        held.go.set()
        pool.close()


def test_submit_refuses_a_second_job_while_the_first_is_verified(
    signed_in: Callable[[str], AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """This session (AppTest's session id) already has a job in the pool."""
    from skills.ingest.pool import SubmitPool

    pool = SubmitPool(workers=2, max_waiting=8)
    held = _Held()
    try:
        at = signed_in("member")
        first = pool.submit("test session id", held, still_wanted=lambda: True)
        assert held.started.wait(60)
        monkeypatch.setattr("skills.ingest.pool.shared_pool", lambda: pool)
        _paste_and_submit(at, '{"not": "a badge"}')
        warnings = [w.value for w in at.warning]
        assert any(
            w.startswith("Your previous submission is still being verified") for w in warnings
        )
        assert pool.job_of("test session id") is first and not at.error
    finally:
        held.go.set()
        pool.close()
