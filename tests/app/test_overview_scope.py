"""Issue 13: each role's Overview answers its own question, and every number opens the
people and badges behind it (links to the Profile page), within the viewer's scope."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from skills.demo.personas import PERSONA_NAMES, PERSONAS
from skills.store import open_store
from tests.support import seed
from tests.support.apptools import ROOT, new_app, sign_in

OTHER_TEAMS = ("API Platform", "People & Culture", "Engineering", "Talent Acquisition")


@pytest.fixture(scope="module")
def titled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The seeded organisation, with job titles: Web people are Frontend Developers (the
    seed's role profile), API people carry a title no profile has."""
    folder = tmp_path_factory.mktemp("overview")
    db, accounts = folder / "org.duckdb", folder / "accounts.toml"
    seed.build(db, accounts)
    store = open_store(db)
    try:
        with store.write() as tx:
            tx.execute("UPDATE people SET role_title = 'frontend developer' WHERE team_id = 'web'")
            tx.execute("UPDATE people SET role_title = 'API Engineer' WHERE team_id = 'api'")
    finally:
        store.close()
    return db, accounts


@pytest.fixture
def open_as(
    titled: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., AppTest]]:
    db, accounts = titled
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    monkeypatch.chdir(ROOT)
    import streamlit as st

    st.cache_data.clear()

    def make(user: str, **params: str) -> AppTest:
        """Signed in as ``user``, the Overview opened by a link carrying ``params`` (after
        another page, so its widgets start from the link as in a new session)."""
        at = sign_in(new_app(), user)
        assert not at.exception, [e.value for e in at.exception]
        if params:
            at.switch_page("pages/submit.py").run()
            for name, value in params.items():
                at.query_params[name] = value
            at.switch_page("pages/overview.py").run()
            assert not at.exception, [e.value for e in at.exception]
        return at

    yield make


def _shown(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.title]
    parts += [e.value for e in at.caption] + [e.value for e in at.subheader]
    parts += [e.value for e in at.info] + [e.value for e in at.success]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [str(c.proto.spec) for c in at.get("plotly_chart")]
    parts += [str(o) for s in at.selectbox for o in s.options]
    parts += [str(o) for r in at.radio for o in r.options]
    return "\n".join(parts)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _table_with(at: AppTest, column: str) -> list[pd.DataFrame]:
    return [df.value for df in at.dataframe if column in df.value.columns]


def _links(at: AppTest) -> list[dict[str, list[str]]]:
    out = []
    for df in at.dataframe:
        if "profile" in df.value.columns:
            for url in df.value["profile"]:
                parsed = urlparse(url)
                assert parsed.path == "profile" and not parsed.netloc
                out.append(parse_qs(parsed.query))
    return out


def test_manager_overview_is_about_their_teams_and_names_no_other_team(
    open_as: Callable[..., AppTest],
) -> None:
    at = open_as("manager")
    metrics = _metrics(at)
    # Web Frontend: the manager, Emil and four Web people; the organisation has 15 people
    assert metrics["People in your teams"] == "6"
    assert metrics["Expiring within 90 days"] == "1"  # Emil's Team Player badge
    assert "15 people" in " ".join(c.value for c in at.caption)  # anonymous total
    (people,) = _table_with(at, "readiness")
    assert set(people["person"]) == {
        PERSONA_NAMES["manager"],
        PERSONA_NAMES["employee"],
        *[f"Web Person {i}" for i in range(4)],
    }
    emil = people[people["person"] == PERSONA_NAMES["employee"]].iloc[0]
    assert (emil["role_held"], emil["required"], emil["critical_held"], emil["critical"]) == (
        3,
        5,
        1,
        2,
    )
    assert {q["person"][0] for q in _links(at)} == set(people["person_id"])
    for tab in ("badges", "expiring", "roles"):
        at.radio(key="show").set_value(tab).run()
        assert not at.exception, [e.value for e in at.exception]
        shown = _shown(at)
        assert not [t for t in OTHER_TEAMS if t in shown or t.replace("&", "&amp;") in shown]
        assert "Api Person" not in shown and PERSONA_NAMES["candidate"] not in shown
    (roles,) = _table_with(at, "mean_readiness")
    assert list(roles["role"]) == ["Frontend Developer"]  # only roles present in the teams


def test_manager_expiring_number_opens_the_badge_behind_it(
    open_as: Callable[..., AppTest],
) -> None:
    at = open_as("manager", show="expiring")  # a link to this view reproduces it
    assert at.radio(key="show").value == "expiring"
    (rows,) = _table_with(at, "expires")
    assert list(rows["badge"]) == ["Team Player"] and list(rows["expires"].str.len()) == [10]
    (link,) = _links(at)
    assert link == {"person": [PERSONAS["employee"]], "credential": ["urn:test:cred:1"]}


def test_a_status_in_the_url_reopens_the_badges_behind_the_bar(
    open_as: Callable[..., AppTest],
) -> None:
    at = open_as("hr", status="revoked")
    assert at.selectbox(key="status").value == "revoked"
    revoked = [t for t in _table_with(at, "badge") if "issued" in t.columns]
    assert revoked and list(revoked[0]["badge"]) == ["Python Developer"]
    assert {"person": [PERSONAS["employee"]], "credential": ["urn:test:cred:2"]} in _links(at)
    at.selectbox(key="status").set_value("verified").run()
    assert len(next(t for t in _table_with(at, "badge") if "issued" in t.columns)) == 21
    assert len(at.get("download_button")) >= 2  # the table downloads as CSV and Excel


def test_member_overview_is_me_against_my_role(open_as: Callable[..., AppTest]) -> None:
    at = open_as("member")
    metrics = _metrics(at)
    assert metrics["Your role"] == "Frontend Developer"
    assert metrics["Requirements held"] == "3 of 5"
    assert metrics["Critical held"] == "1 of 2"
    assert metrics["Verified credentials"] == "2"
    (missing,) = [t for t in _table_with(at, "importance") if "state" not in t.columns]
    assert list(missing["requirement"]) == ["SQL", missing["requirement"].iloc[1]]
    assert list(missing["importance"]) == ["critical", "nice to have"]
    assert missing["requirement"].iloc[1].startswith("any skill in:")
    (held,) = [t for t in _table_with(at, "importance") if "state" in t.columns]
    assert set(held["badge"]) == {"Web Foundations"}
    links = _links(at)
    assert {"person": [PERSONAS["employee"]], "credential": ["urn:test:cred:0"]} in links
    assert {"person": [PERSONAS["employee"]], "credential": ["urn:test:cred:1"]} in links
    shown = _shown(at)
    assert "Web Person" not in shown and PERSONA_NAMES["manager"] not in shown


def test_recruiter_overview_is_the_candidate_pipeline(open_as: Callable[..., AppTest]) -> None:
    at = open_as("recruiter")
    metrics = _metrics(at)
    assert metrics["Candidates"] == "3" and metrics["New in the last 30 days"] == "3"
    assert metrics["With verified skills"] == "2"
    (new,) = _table_with(at, "first_seen")
    assert set(new["person"]) == {PERSONA_NAMES["candidate"], "Cem Candidate", "Cora Candidate"}
    at = open_as("recruiter", skill=seed.SKILLS["python"][1])  # the URL keeps the label
    (behind,) = [t for t in _table_with(at, "submitted") if "badge" in t.columns]
    assert set(behind["person"]) == {PERSONA_NAMES["candidate"], "Cem Candidate"}
    shown = _shown(at)
    assert "Web Person" not in shown and PERSONA_NAMES["employee"] not in shown
    assert not [t for t in (*OTHER_TEAMS, "Web Frontend") if t in shown]
