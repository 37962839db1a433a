"""Issue 13: a profile opened from a number shows the badge that led there; people search
opens the best match and says when nobody in scope matches; the Candidates search is a
link. Access stays with the services: a link never widens what a viewer sees."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from skills.demo.personas import PERSONA_NAMES, PERSONAS
from tests.support import seed

API_BADGE = "urn:test:cred:17"  # Api Person 0's Python Developer badge (the seed's order)


def _open(at: AppTest, page: str, **params: str) -> AppTest:
    """Follow a link to ``page`` carrying ``params`` (after another page, so the page's
    widgets start from the link, as in a new session)."""
    at.query_params.clear()
    at.switch_page("pages/submit.py").run()
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _all_text(at: AppTest) -> str:
    parts = [e.value for e in at.title] + [e.value for e in at.caption]
    parts += [e.value for e in at.markdown] + [e.value for e in at.subheader]
    parts += [e.value for e in at.info] + [e.value for e in at.warning]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [str(o) for s in at.selectbox for o in s.options]
    return "\n".join(parts)


def test_a_profile_opened_from_a_badge_shows_that_badge_first(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = _open(
        signed_in("hr"), "profile", person=PERSONAS["employee"], credential="urn:test:cred:0"
    )
    assert at.title[0].value == PERSONA_NAMES["employee"]
    assert any("You came here from the badge “Web Foundations”" in i.value for i in at.info)
    badges = at.dataframe[0].value
    assert badges["badge"].iloc[0] == "Web Foundations"  # their oldest badge
    assert badges["led_here"].iloc[0].endswith("led here") and not badges["led_here"].iloc[1]
    assert at.subheader[0].value == "Web Foundations"  # its checks are the ones shown
    # Without the credential the newest badge comes first, nothing is highlighted.
    at = _open(at, "profile", person=PERSONAS["employee"])
    assert at.dataframe[0].value["badge"].iloc[0] == "Python Developer"
    assert not any("You came here" in i.value for i in at.info)


def test_a_credential_alone_opens_its_holders_profile(signed_in: Callable[[str], AppTest]) -> None:
    at = _open(signed_in("manager"), "profile", credential="urn:test:cred:0")
    assert at.title[0].value == PERSONA_NAMES["employee"]
    assert at.dataframe[0].value["badge"].iloc[0] == "Web Foundations"


def test_a_link_to_a_badge_out_of_scope_gives_a_sentence_and_no_data(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = _open(signed_in("manager"), "profile", person="E200000", credential=API_BADGE)
    assert len(at.error) == 1 and "may not see this person" in at.error[0].value
    assert "Api Person" not in _all_text(at) and not at.dataframe
    # the badge of someone in scope, under another person's id: not shown with them
    at = _open(at, "profile", person=PERSONAS["employee"], credential="urn:test:cred:3")
    assert at.title[0].value == PERSONA_NAMES["employee"]
    assert any("not this person's" in w.value for w in at.warning)
    assert not any("You came here" in i.value for i in at.info)


def test_search_opens_the_best_match_and_the_picker_shows_names(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = _open(signed_in("hr"), "profile")
    at.text_input(key="q").input("web person 2").run()  # Enter
    assert at.title[0].value == "Web Person 2"
    assert at.query_params["person"] in ("E100002", ["E100002"])
    options = at.selectbox(key="profile_pick").options
    assert "Web Person 2 · Web Frontend" in options
    assert not [o for o in options if "E1000" in o]  # names, not ids
    at.text_input(key="q").input("person").run()  # many match: the top-ranked opens
    assert at.title[0].value == "Api Person 0"
    at.text_input(key="q").input(PERSONA_NAMES["candidate"].split()[0]).run()  # one result
    assert at.title[0].value == PERSONA_NAMES["candidate"]
    assert at.selectbox(key="profile_pick").options == [f"{PERSONA_NAMES['candidate']} · candidate"]


def test_a_search_outside_the_managers_teams_says_so(signed_in: Callable[[str], AppTest]) -> None:
    at = _open(signed_in("manager"), "profile")
    at.text_input(key="q").input("Api Person").run()
    assert any("Nobody in your teams matches" in i.value for i in at.info)
    assert "Api Person" not in " ".join(t.value for t in at.title)
    hr = _open(signed_in("hr"), "profile")
    hr.text_input(key="q").input("nobody-at-all").run()
    assert any(i.value.startswith("Nobody matches") for i in hr.info)


def test_skill_tables_show_pillar_names_and_a_dash_for_missing_values(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = _open(signed_in("member"), "profile")
    skills = next(df for df in at.dataframe if "pillar" in df.value.columns)
    assert set(skills.value["pillar"]) <= {"Knowledge", "Skills", "Transversal skills"}
    assert "Knowledge" in set(skills.value["pillar"])
    for df in (at.dataframe[0], skills):
        assert df.proto.placeholder == "—"
    badges = at.dataframe[0].value
    assert badges["expires"].isna().any()  # shown as the placeholder, never "None"
    assert len(at.get("download_button")) >= 2


def test_a_candidate_search_link_reproduces_the_search(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = _open(
        signed_in("recruiter"),
        "candidates",
        cand_skills=seed.SKILLS["python"][1],
        cand_unreviewed="true",
    )
    assert at.multiselect(key="cand_skills").value == [seed.uri("python")]
    assert at.checkbox(key="cand_unreviewed").value is True
    table = at.dataframe[0].value
    assert set(table["name"]) == {PERSONA_NAMES["candidate"], "Cem Candidate", "Cora Candidate"}
    assert all(u.startswith("profile?person=C00000") for u in table["profile"])
    assert len(at.get("download_button")) == 2
