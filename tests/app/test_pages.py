"""Every page for every role: renders without exceptions, shows or refuses what it should."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import seed
from apptools import new_app, sign_in
from streamlit.testing.v1 import AppTest

from skills.access import PAGES, Role
from skills.demo.personas import PERSONA_NAMES

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
    for page in set(ALL_PAGES) - set(PAGES[USERS[user]]):
        with pytest.raises(Exception):  # not registered with st.navigation for this role
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
    assert set(table["name"]) == {PERSONA_NAMES["candidate"], "Cem Candidate", "Cora Candidate"}
    assert len(at.get("download_button")) == 2


def test_hr_skill_map_and_admin(signed_in: Callable[[str], AppTest]) -> None:
    at = signed_in("hr")
    at.switch_page("pages/skill_map.py").run()
    assert not at.exception
    assert "Bench strength" in _text(at)
    at.switch_page("pages/admin.py").run()
    assert not at.exception
    assert "Acme Academy" in _text(at)
