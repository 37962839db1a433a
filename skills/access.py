"""Who may see what: roles, the :class:`Viewer`, and the scope every read query applies.

Roles:

- ``hr``: everything.
- ``manager``: the people in the teams they lead, down the team hierarchy, and
  aggregates of the organisation (counts, never other teams' names).
- ``recruiter``: candidates (people of kind ``candidate``) who consented to be found
  (:func:`consented_sql`), and organisation aggregates without names of employees or teams.
- ``member``: an employee or candidate: only their own profile and submissions.

Every read function in :mod:`skills.services` takes the viewer and either filters
by :func:`people_predicate` or calls :func:`check_person` / :func:`require_page`,
so the rules hold whatever a page, a URL or a query parameter asks for.
Forbidden requests raise :class:`skills.errors.AccessDenied`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import pandas as pd

from skills.errors import AccessDenied


class Role(StrEnum):
    HR = "hr"
    MANAGER = "manager"
    RECRUITER = "recruiter"
    MEMBER = "member"


class _Reader(Protocol):
    def read(self, sql: str, params: Any = ...) -> pd.DataFrame: ...


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as every query sees them.

    ``team_ids`` is the manager's scope: the teams and departments they lead
    and everything below them. It is empty for other roles.
    """

    account: str
    role: Role
    person_id: str | None = None
    team_ids: frozenset[str] = field(default_factory=frozenset)
    name: str = ""

    @property
    def label(self) -> str:
        return f"{self.name or self.account} ({self.role.value})"


#: Who the command line acts as: whoever can open the database file already holds
#: everything in it, so ``python -m skills`` reads with HR's rights.
OPERATOR = Viewer(account="command-line", role=Role.HR, name="command line")


# The pages each role may open, in menu order. Pages are named by their file stem.
PAGES: Mapping[Role, tuple[str, ...]] = {
    Role.HR: (
        "overview",
        "submit",
        "skill_map",
        "gaps",
        "growth",
        "candidates",
        "profile",
        "admin",
    ),
    Role.MANAGER: ("overview", "submit", "gaps", "growth", "profile"),
    Role.RECRUITER: ("overview", "submit", "candidates", "growth", "profile"),
    Role.MEMBER: ("overview", "submit", "profile"),
}

PAGE_TITLES: Mapping[str, str] = {
    "overview": "Overview",
    "submit": "Submit badges",
    "skill_map": "Skill map",
    "gaps": "Team gaps",
    "growth": "Growth",
    "candidates": "Candidates",
    "profile": "Profile",
    "admin": "Admin",
}


def pages_for(viewer: Viewer) -> tuple[str, ...]:
    """The page names ``viewer`` may open, in menu order."""
    return PAGES[viewer.role]


def require_page(viewer: Viewer, page: str) -> None:
    """Raise :class:`AccessDenied` unless ``viewer``'s role may open ``page``."""
    if page not in PAGES[viewer.role]:
        title = PAGE_TITLES.get(page, page)
        raise AccessDenied(f"The {title} page is not available to the {viewer.role.value} role.")


def require_role(viewer: Viewer, *roles: Role, what: str = "this") -> None:
    """Raise :class:`AccessDenied` unless ``viewer`` has one of ``roles``."""
    if viewer.role not in roles:
        raise AccessDenied(f"Your role ({viewer.role.value}) may not see or change {what}.")


def team_scope(teams: pd.DataFrame, lead_person_id: str) -> frozenset[str]:
    """Teams and departments led by ``lead_person_id`` and everything below them.

    ``teams`` has the columns ``team_id``, ``parent_id`` and ``lead_person_id``
    (the ``teams`` table). Cycles in the hierarchy are tolerated.
    """
    if teams.empty:
        return frozenset()
    children: dict[str, list[str]] = {}
    for team_id, parent in zip(teams["team_id"], teams["parent_id"], strict=True):
        if isinstance(parent, str):
            children.setdefault(parent, []).append(str(team_id))
    led = [str(t) for t in teams.loc[teams["lead_person_id"] == lead_person_id, "team_id"]]
    scope: set[str] = set()
    stack = list(led)
    while stack:
        team = stack.pop()
        if team in scope:
            continue
        scope.add(team)
        stack.extend(children.get(team, ()))
    return frozenset(scope)


def make_viewer(
    store: _Reader,
    *,
    account: str,
    role: str,
    person_id: str | None,
    name: str = "",
) -> Viewer:
    """The :class:`Viewer` for a signed-in account, with a manager's team scope resolved.

    Raises :class:`AccessDenied` for an unknown role, for a member or manager
    without a person, or when the person is not in the database.
    """
    try:
        role_ = Role(role)
    except ValueError as err:
        raise AccessDenied(f"The role {role!r} is unknown.") from err
    if person_id is not None:
        found = store.read("SELECT display_name FROM people WHERE person_id = ?", [person_id])
        if found.empty:
            raise AccessDenied("Your account is linked to a person who is not in the database.")
        name = name or str(found.iloc[0, 0])
    elif role_ in (Role.MEMBER, Role.MANAGER):
        raise AccessDenied(f"A {role_.value} account must be linked to a person.")
    scope: frozenset[str] = frozenset()
    if role_ is Role.MANAGER and person_id is not None:
        teams = store.read("SELECT team_id, parent_id, lead_person_id FROM teams", [])
        scope = team_scope(teams, person_id)
    return Viewer(account=account, role=role_, person_id=person_id, team_ids=scope, name=name)


# An uncorrelated IN: DuckDB hashes the consenting set once. (A correlated EXISTS inside the
# recruiter's ``... OR person_id = ?`` is not decorrelated and doubled the pipeline's time.)
_CONSENTED = (
    "{alias}.person_id IN (SELECT consent_row.person_id FROM candidate_consent consent_row "
    "WHERE consent_row.consented_at IS NOT NULL AND consent_row.withdrawn_at IS NULL)"
)


def consented_sql(alias: str = "p") -> str:
    """A SQL condition on a ``people`` row (``alias``): the person consented to be found by
    recruiters and has not withdrawn (``candidate_consent``, migration 0006).

    The one definition of consent: recruiters' scope (:func:`people_predicate`,
    :func:`check_person`) and the candidate search use it, so a candidate who never
    agreed, or withdrew, is found nowhere.
    """
    if not alias.isidentifier():
        raise ValueError("alias must be an identifier")
    return _CONSENTED.format(alias=alias)  # alias is an identifier (checked above)


#: :func:`consented_sql` on the alias ``p`` (the alias every service query uses).
CONSENTED_SQL = consented_sql("p")


def people_predicate(viewer: Viewer, alias: str = "p") -> tuple[str, list[Any]]:
    """A SQL condition on a ``people`` row (``alias``) true only for people ``viewer`` may see.

    Returns the condition and its parameters, to be ANDed into a query.
    """
    if not alias.isidentifier():
        raise ValueError("alias must be an identifier")
    me = viewer.person_id or ""
    if viewer.role is Role.HR:
        return "TRUE", []
    if viewer.role is Role.MANAGER:
        return (
            f"(list_contains(?::VARCHAR[], {alias}.team_id) OR {alias}.person_id = ?)",
            [sorted(viewer.team_ids), me],
        )
    if viewer.role is Role.RECRUITER:
        return (
            f"(({alias}.kind = 'candidate' AND {consented_sql(alias)}) OR {alias}.person_id = ?)",
            [me],
        )
    return f"{alias}.person_id = ?", [me]


def may_view(
    viewer: Viewer, *, person_id: str, kind: str, team_id: str | None, consented: bool = False
) -> bool:
    """Whether ``viewer`` may see the person described (the Python twin of the predicate).

    ``consented``: the person agreed to be found by recruiters (:func:`consented_sql`).
    """
    if viewer.role is Role.HR or person_id == viewer.person_id:
        return True
    if viewer.role is Role.MANAGER:
        return team_id is not None and team_id in viewer.team_ids
    if viewer.role is Role.RECRUITER:
        return kind == "candidate" and consented
    return False


def check_person(store: _Reader, viewer: Viewer, person_id: str) -> None:
    """Raise :class:`AccessDenied` unless ``viewer`` may see ``person_id``.

    An unknown person is refused with the same sentence as a forbidden one, so
    the answer does not reveal who exists.
    """
    row = store.read(
        f"SELECT p.kind, p.team_id, {CONSENTED_SQL} AS consented FROM people p "  # noqa: S608
        "WHERE p.person_id = ?",
        [person_id],
    )
    if row.empty or not may_view(
        viewer,
        person_id=person_id,
        kind=str(row.iloc[0]["kind"]),
        team_id=None if pd.isna(row.iloc[0]["team_id"]) else str(row.iloc[0]["team_id"]),
        consented=bool(row.iloc[0]["consented"]),
    ):
        raise AccessDenied("You may not see this person's data.")


def visible_teams(viewer: Viewer, all_teams: Iterable[str]) -> list[str]:
    """The team ids from ``all_teams`` that ``viewer`` may filter by or drill into."""
    if viewer.role is Role.HR:
        return list(all_teams)
    if viewer.role is Role.MANAGER:
        return [t for t in all_teams if t in viewer.team_ids]
    return []


__all__ = [
    "CONSENTED_SQL",
    "PAGES",
    "PAGE_TITLES",
    "Role",
    "Viewer",
    "check_person",
    "consented_sql",
    "make_viewer",
    "may_view",
    "pages_for",
    "people_predicate",
    "require_page",
    "require_role",
    "team_scope",
    "visible_teams",
]
