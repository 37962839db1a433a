"""Issue 13, "scope-aware pages": a manager sees no other team's name anywhere.

The manager (Marco Rossi) leads Web Frontend. Every page they may open is run in AppTest
(with and without URL parameters that name other teams) and everything the page sent to
the browser (text, tables, chart specs, widget options) is searched for the names of the
teams and people outside their scope.
"""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from skills.access import Role, pages_for
from skills.access import Viewer as _Viewer
from tests.support.apptools import new_app, sign_in
from tests.support.seed import OTHER_EMPLOYEES

OTHER_TEAMS = ("API Platform", "People & Culture", "Talent Acquisition")
OTHER_PEOPLE = tuple(name for _, name, team in OTHER_EMPLOYEES if team != "web")
MANAGER_PAGES = pages_for(_Viewer(account="manager", role=Role.MANAGER))


def _sent(node: Any) -> str:
    """Every element's protobuf (text, options, table bytes, chart JSON) below ``node``."""
    parts = []
    proto = getattr(node, "proto", None)
    if proto is not None:
        parts.append(str(proto))
    for child in getattr(node, "children", {}).values():
        parts.append(_sent(child))
    return "\n".join(parts)


@pytest.mark.parametrize("page", MANAGER_PAGES)
@pytest.mark.parametrize("via_url", [False, True])
def test_a_manager_sees_no_other_teams_name(app_env: object, page: str, via_url: bool) -> None:
    at: AppTest = sign_in(new_app(), "manager")
    if via_url:  # a crafted link naming other teams widens nothing
        for name in ("team", "teams", "team_b", "compare", "person"):
            at.query_params[name] = ["api", "people", "API Platform", "E200000"]
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    sent = _sent(at._tree)
    leaked = [name for name in (*OTHER_TEAMS, *OTHER_PEOPLE) if name in sent]
    assert leaked == [], f"{page} shows {leaked}"
    if page == "gaps":  # the search does see what is sent: the manager's own team is there
        assert "Web Frontend" in sent
