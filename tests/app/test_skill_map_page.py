"""Issue 13, the Skill map page as HR uses it (AppTest on the seeded organisation): shares per
team with each cell carrying its team and skill, skills in order of demand, filters from the
URL, a cell's people with links to the badge that led there, ESCO groups by name."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from skills.access import make_viewer
from skills.demo.personas import PERSONAS
from skills.services import skill_map
from skills.store import open_store
from tests.support import seed


def _figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _open(at: AppTest) -> AppTest:
    at.switch_page("pages/skill_map.py").run()
    assert not at.exception, at.exception
    return at


def test_the_map_shows_shares_in_order_of_demand_and_each_cell_knows_its_evidence(
    signed_in: Callable[[str], AppTest], seeded: tuple[Path, Path]
) -> None:
    at = _open(signed_in("hr"))
    heat = _figures(at)[0]
    trace = heat["data"][0]
    cells = {tuple(c) for c in trace["customdata"]}
    assert ("web", seed.uri("js")) in cells and ("api", seed.uri("python")) in cells
    assert max(trace["marker"]["color"]) <= 1.0  # shares, not counts
    assert "83%" in trace["text"]  # 5 of the 6 Web people hold JavaScript
    assert any("5 of 6 people" in h for h in trace["hovertext"])
    with open_store(seeded[0]) as store:  # the app holds it open read-write
        hr = make_viewer(store, account="hr", role="hr", person_id=PERSONAS["hr"])
        ranked = skill_map.team_skill_matrix(store, hr).sort_values("rank")
    assert heat["layout"]["xaxis"]["categoryarray"] == ranked["skill_uri"].unique().tolist()
    names = heat["layout"]["xaxis"]["ticktext"]
    assert all(len(n) <= 22 for n in names)  # long names abbreviated; full name on hover
    labels = [getattr(b, "label", "") for b in at.get("download_button")]
    assert "Download map (CSV)" in labels and "Download map (Excel)" in labels


def test_a_cell_opens_the_people_and_badges_behind_it(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = signed_in("hr")
    at.session_state["skill"] = seed.uri("js")  # what a click on the Web x JavaScript cell sets
    at.session_state["row"] = "web"
    _open(at)
    holders = next(d.value for d in at.dataframe if "profile" in d.value.columns)
    assert set(holders["team"]) == {"Web Frontend"}
    assert len(holders) == 5
    link = holders.loc[holders["person"] == "Emil Novak", "profile"].iloc[0]
    assert link == "profile?person=E000005&credential=urn%3Atest%3Acred%3A0"
    assert set(holders["expires"]) == {"—"}  # no expiry: a dash, never None
    assert "None" not in holders.to_string()
    assert any("5 people in Web Frontend hold JavaScript" in c.value for c in at.caption)
    labels = [getattr(b, "label", "") for b in at.get("download_button")]
    assert "Download holders (CSV)" in labels


def test_the_filters_come_from_the_url(signed_in: Callable[[str], AppTest]) -> None:
    at = signed_in("hr")
    at.query_params["pillar"] = "Knowledge"
    at.query_params["teams"] = ["API Platform"]  # bound widgets keep what they show
    _open(at)
    trace = _figures(at)[0]["data"][0]
    assert {row for row, _ in trace["customdata"]} == {"api"}
    skills = {skill for _, skill in trace["customdata"]}
    assert seed.uri("git") not in skills and seed.uri("python") in skills


def test_esco_coverage_is_an_icicle_of_group_names(signed_in: Callable[[str], AppTest]) -> None:
    at = _open(signed_in("hr"))
    icicle = next(f for f in _figures(at) if f["data"][0]["type"] == "icicle")["data"][0]
    named = dict(zip(icicle["ids"], icicle["labels"], strict=True))
    assert named["S5"] == "Working with computers"
    assert named["K0613"] == "Software and applications development and analysis"
    assert not set(icicle["ids"]) & set(icicle["labels"])  # names, never codes
    assert not [f for f in _figures(at) if f["data"][0]["type"] == "sunburst"]
