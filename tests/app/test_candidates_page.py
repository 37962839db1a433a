"""The Candidates page (issue 14): from a pasted job ad to a shareable search, and back.

Runs the real page (AppTest) on the seeded organisation: the pasted text's skills become
the search and land in the URL, the text survives reruns, must-haves exclude whoever
lacks one, every profile link carries the search back, and opening the page with those
parameters restores every filter.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from streamlit.testing.v1 import AppTest

from skills.demo.personas import PERSONA_NAMES
from tests.support import seed

PYTHON = seed.SKILLS["python"][1]
AD = """Backend developer

- Python programming, daily
- SQL
"""


def _params(at: AppTest, key: str) -> list[str]:
    """Every URL value of ``key`` (AppTest keeps a single value as a plain string)."""
    found = at.query_params.get(key, [])
    return [found] if isinstance(found, str) else list(found)


def test_a_pasted_job_ad_becomes_the_search_and_the_url(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = signed_in("recruiter")
    at.switch_page("pages/candidates.py").run()
    at.text_area(key="cand_ad").input(AD)
    at.button(key="cand_ad_go").click().run()
    assert not at.exception, at.exception
    chosen = at.multiselect(key="cand_skills").value
    assert seed.uri("python") in chosen
    assert PYTHON in _params(at, "cand_skills")  # the URL names skills by label
    assert _params(at, "cand_mode") == ["any"]
    assert at.text_area(key="cand_ad").value == AD  # the text survives the rerun
    names = set(at.dataframe[-1].value["name"])
    assert PERSONA_NAMES["candidate"] in names
    # Python a must-have: only who holds it (Cora's Python badge is from an issuer HR has
    # not reviewed, so it does not count by default).
    at.multiselect(key="cand_must").set_value([seed.uri("python")]).run()
    table = at.dataframe[-1].value
    assert set(table["name"]) == {PERSONA_NAMES["candidate"], "Cem Candidate"}
    assert at.text_area(key="cand_ad").value == AD
    back = parse_qs(urlsplit(table["profile"].iloc[0]).query)["back"][0]
    assert parse_qs(back)["cand_must"] == [PYTHON]


def test_profile_links_carry_the_search_and_the_search_comes_back(
    signed_in: Callable[[str], AppTest],
) -> None:
    at = signed_in("recruiter")
    at.switch_page("pages/candidates.py").run()
    at.multiselect(key="cand_skills").set_value([seed.uri("python"), seed.uri("git")])
    at.multiselect(key="cand_must").set_value([seed.uri("python")])
    at.radio(key="cand_mode").set_value("any")
    at.checkbox(key="cand_recent").check()
    at.multiselect(key="cand_loc").set_value(["Berlin"]).run()
    assert not at.exception, at.exception
    table = at.dataframe[-1].value
    assert list(table["name"]) == [PERSONA_NAMES["candidate"]]
    evidence = table["evidence"].iloc[0]
    assert evidence.startswith(f"{PYTHON} — Python Developer (Acme Academy, ")
    assert "; use version control — Python Developer (Acme Academy, " in evidence
    link = urlsplit(table["profile"].iloc[0])
    assert link.path == "profile"
    params = parse_qs(link.query)
    assert params["person"] == ["C000001"] and params["credential"]
    back = parse_qs(params["back"][0])
    assert back["cand_skills"] == [PYTHON, "use version control"]
    assert back["cand_must"] == [PYTHON]
    assert back["cand_loc"] == ["Berlin"] and back["cand_mode"] == ["any"]

    # Coming back: a fresh session opens candidates?<back> and finds every filter set.
    again = signed_in("recruiter")
    for key, values in back.items():
        again.query_params[key] = values
    again.switch_page("pages/candidates.py").run()
    assert not again.exception, again.exception
    assert again.multiselect(key="cand_skills").value == [seed.uri("python"), seed.uri("git")]
    assert again.multiselect(key="cand_must").value == [seed.uri("python")]
    assert again.radio(key="cand_mode").value == "any"
    assert again.checkbox(key="cand_recent").value is True
    assert again.multiselect(key="cand_loc").value == ["Berlin"]
    assert list(again.dataframe[-1].value["name"]) == [PERSONA_NAMES["candidate"]]
