"""The Team gaps page: one matrix per role, priorities and readiness explained, the evidence
behind a cell or a row, filters in the URL, downloads, and nothing of another team."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from skills.demo.personas import PERSONA_NAMES, PERSONAS
from tests.support import seed

EMIL = PERSONAS["employee"]


def _text(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [e.value for e in at.subheader] + [e.value for e in at.info]
    parts += [e.value for e in at.warning] + [str(e.value) for e in at.metric]
    parts += [str(o) for s in at.selectbox for o in s.options]
    parts += [str(o) for s in at.multiselect for o in s.options]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    for chart in at.get("plotly_chart"):
        parts.append(chart.proto.spec)
    return "\n".join(str(p) for p in parts)


def _open(at: AppTest) -> AppTest:
    at.switch_page("pages/gaps.py").run()
    assert not at.exception, at.exception
    return at


def test_each_role_gets_its_matrix_with_priorities_and_explained_readiness(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = _open(signed_in("manager"))
    charts = [c.proto.id for c in at.get("plotly_chart")]
    assert any(c.endswith("gap_map_rp-fe") for c in charts)
    assert any(c.endswith("gap_map_rp-em") for c in charts)
    spec = json.loads(next(c.proto.spec for c in at.get("plotly_chart") if "rp-fe" in c.proto.id))
    ticks = spec["layout"]["xaxis"]["categoryarray"]
    assert ticks[0] == "★ JavaScript" and ticks[-1].startswith("○ any skill in")
    text = _text(at)
    assert "★ critical · ◆ important · ○ nice to have" in text
    assert "critical 3, important 2, nice to have 1" in text  # the weighting, once
    assert text.count("critical 3, important 2") == 1
    ready = at.dataframe[0].value.set_index("person")
    assert ready.loc[PERSONA_NAMES["employee"], "explained"] == (
        "3 of 5 held · critical 1 of 2 · 63.6% weighted"
    )
    assert ready.loc[PERSONA_NAMES["manager"], "role"] == "Engineering Manager"
    coverage = next(d.value for d in at.dataframe if "people" in d.value.columns)
    assert set(coverage["profile"]) == {"Frontend Developer", "Engineering Manager"}
    labels = [getattr(b, "label", "") for b in at.get("download_button")]
    for what in ("readiness", "matrix", "next steps", "history"):
        assert f"Download {what} (CSV)" in labels and f"Download {what} (Excel)" in labels


def test_a_manager_sees_no_other_team_anywhere(signed_in: Callable[[str], AppTest]) -> None:
    at = _open(signed_in("manager"))
    text = _text(at)
    assert PERSONA_NAMES["employee"] in text
    assert "API Platform" not in text and "Api Person" not in text
    assert "None" not in "".join(d.value.to_csv() for d in at.dataframe)


def test_a_readiness_row_opens_that_persons_badges_with_links_to_their_profile(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = _open(signed_in("manager"))
    row = list(at.dataframe[0].value["person"]).index(PERSONA_NAMES["employee"])
    at.session_state["gap_ready"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert "The evidence" in [s.value for s in at.subheader]
    links = [str(p.proto) for p in at.get("page_link")]
    assert any(f"person={EMIL}&credential=urn%3Atest%3Acred%3A0" in link for link in links)
    evidence = next(d.value for d in at.dataframe if "counts?" in d.value.columns)
    assert "Does not count: revoked." in set(evidence["counts?"])


def test_a_matrix_cell_opens_the_badges_for_that_skill(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = _open(signed_in("manager"))
    at.session_state["gap_map_rp-fe"] = {
        "selection": {
            "points": [{"customdata": [EMIL, seed.uri("git")]}],
            "point_indices": [0],
            "box": [],
            "lasso": [],
        }
    }
    at.run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "use version control" in shown
    evidence = next(d.value for d in at.dataframe if "counts?" in d.value.columns)
    assert set(evidence["badge"]) == {"Web Foundations", "Python Developer"}  # not Team Player


def test_the_url_holds_the_filters_and_reproduces_the_what_if(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = signed_in("manager")
    at.query_params["compare"] = "HR Business Partner"  # bound widgets keep what they show
    at.query_params["teams"] = ["Web Frontend"]
    _open(at)
    assert at.selectbox(key="compare").value == "rp-hrbp"
    assert at.multiselect(key="teams").value == ["web"]
    charts = [c.proto.id for c in at.get("plotly_chart")]
    assert any(c.endswith("gap_map_rp-hrbp") for c in charts)
    assert not any(c.endswith("gap_map_rp-fe") for c in charts)
    roles = set(at.dataframe[0].value["role"])
    assert roles == {"HR Business Partner"}


def test_a_forged_url_cannot_reach_another_team(signed_in: Callable[[str], AppTest]) -> None:
    at = signed_in("manager")
    at.query_params["teams"] = ["API Platform", "api"]
    at.query_params["vs"] = "API Platform"
    _open(at)
    assert "api" not in at.multiselect(key="teams").value
    assert at.selectbox(key="vs").value == ""
    assert "Api Person" not in _text(at) and "API Platform" not in _text(at)


def test_badge_and_person_names_in_evidence_links_are_plain_text(
    app_env: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review fix: the evidence links' labels are Markdown; names in them are data."""
    from skills.store import open_store
    from tests.support.apptools import new_app, sign_in

    db, accounts = tmp_path / "names.duckdb", tmp_path / "accounts.toml"
    seed.build(db, accounts)
    with open_store(db) as store, store.write() as tx:
        tx.execute(
            "UPDATE credentials SET badge_name = '**Bold** [x](http://evil.example)' "
            "WHERE person_id = ?",
            [EMIL],
        )
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    at = _open(sign_in(new_app(), "manager"))
    row = list(at.dataframe[0].value["person"]).index(PERSONA_NAMES["employee"])
    at.session_state["gap_ready"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    labels = [p.proto.label for p in at.get("page_link")]
    badge_links = [label for label in labels if "Bold" in label]
    assert badge_links, labels
    assert all("\\*\\*Bold\\*\\*" in label and "\\[x\\]" in label for label in badge_links)
