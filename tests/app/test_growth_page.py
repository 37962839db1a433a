"""Issue 13, the Growth page (AppTest on the seeded organisation): colour-blind-safe distinct
colours, the viewer's own teams (a manager sees no other team, not even as "other teams"),
ESCO names, the unfinished period marked, the same labels in chart and table, and a bar's
people and badges."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from streamlit.testing.v1 import AppTest

OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442", "#000000"}
OUTSIDE_WEB = ("API Platform", "People & Culture", "Engineering", "Talent Acquisition")


def _open(at: AppTest, **state: str) -> AppTest:
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page("pages/growth.py").run()
    assert not at.exception, at.exception
    return at


def _bars(at: AppTest) -> list[dict[str, Any]]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return [t for t in spec["data"] if t["type"] == "bar"]


def _everything(at: AppTest) -> str:
    texts = [
        str(getattr(e, "value", ""))
        for kind in ("markdown", "caption", "text")
        for e in at.get(kind)
    ]
    texts += [d.value.to_string() for d in at.dataframe]
    texts += [str(o) for s in at.selectbox for o in s.options]
    texts += [str(o) for s in at.multiselect for o in s.options]
    texts += [c.proto.spec for c in at.get("plotly_chart")]
    return " ".join(texts)


def test_a_managers_growth_is_about_their_teams_only(signed_in: Callable[[str], AppTest]) -> None:
    at = _open(signed_in("manager"), g_by="team")
    bars = _bars(at)
    assert {b["name"] for b in bars} == {"Web Frontend"}
    shown = _everything(at)
    assert not [n for n in OUTSIDE_WEB if n in shown or n.replace("&", "&amp;") in shown]
    assert "other teams" not in shown
    assert any("Your teams only" in c.value for c in at.caption)


def test_series_get_distinct_colour_blind_safe_colours_and_esco_names(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = _open(signed_in("hr"), g_by="group")
    bars = _bars(at)
    colours = [b["marker"]["color"] for b in bars]
    assert len(set(colours)) == len(colours) and set(colours) <= OKABE_ITO
    names = {b["name"] for b in bars}
    assert "Working with computers" in names
    assert not names & {"S1", "S5", "K0", "K06"}
    table = next(d.value for d in at.dataframe if "total" in d.value.columns)
    assert set(table.columns) - {"quarter", "total"} == names  # the chart's labels


def test_the_current_period_is_marked_as_unfinished(signed_in: Callable[[str], AppTest]) -> None:
    at = _open(signed_in("hr"), g_by="pillar")
    bars = _bars(at)
    periods = {x for b in bars for x in b["x"]}
    current = [p for p in periods if p.endswith("(so far)")]
    assert len(current) == 1
    for bar in bars:
        shapes = dict(zip(bar["x"], bar["marker"]["pattern"]["shape"], strict=True))
        assert {p for p, s in shapes.items() if s} <= set(current)
        if current[0] in shapes:
            assert shapes[current[0]] == "/"
    table = next(d.value for d in at.dataframe if "total" in d.value.columns)
    assert current[0] in set(table["quarter"])
    assert any(m.label == "This quarter (so far)" for m in at.metric)


def test_a_bar_opens_the_people_and_badges_behind_it(signed_in: Callable[[str], AppTest]) -> None:
    at = signed_in("hr")
    bars = _open(at, g_by="team")
    web = next(b for b in _bars(bars) if b["name"] == "Web Frontend")
    period, key = web["customdata"][-1]  # what a click on the latest Web Frontend bar returns
    assert key == "web"
    at.session_state["g_period"] = period
    at.session_state["g_key"] = key
    at.run()
    assert not at.exception, at.exception
    people = next(
        d.value for d in at.dataframe if "profile" in d.value.columns and "skill" in d.value.columns
    )
    assert set(people["team"]) == {"Web Frontend"}
    assert people["profile"].str.match(r"^profile\?person=E\d+&credential=urn%3Atest").all()
    assert "None" not in people.to_string()
    assert "Download people (CSV)" in [getattr(b, "label", "") for b in at.get("download_button")]


def test_a_recruiter_sees_no_employee_behind_the_employees_bar(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = signed_in("recruiter")
    _open(at, g_by="team")
    employees = next(b for b in _bars(at) if b["name"] == "employees")
    period, key = employees["customdata"][-1]
    at.session_state["g_period"] = period
    at.session_state["g_key"] = key
    at.run()
    assert not at.exception, at.exception
    assert any("Nobody you may see by name" in i.value for i in at.info)
    assert "Web Person" not in _everything(at)


def test_hr_sees_the_top_teams_not_the_candidates_by_default(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = _open(signed_in("hr"), g_by="team")
    names = {b["name"] for b in _bars(at)}
    assert names == {"Web Frontend", "API Platform"}  # the teams with skills gained
    shown = next(m for m in at.multiselect if m.label.startswith("Shown"))
    assert "candidates" in shown.options  # one click away
