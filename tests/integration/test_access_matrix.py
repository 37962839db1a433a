"""Every role against every ``skills.services`` entry point and every page.

The organisation is the page tests' seed (tests/support/seed.py: HR, a manager leading
the Web team, a recruiter, a member, other employees in Web and API, candidates),
plus an API-team role profile and an unbound credential. Each query function is
discovered from the package (a new one without an argument recipe here fails the
test, so nothing is left out) and called with every person, credential, profile,
team and skill as argument. Whatever comes back is flattened to text and searched
for people the viewer may not reach:

- a member never sees another person (id or name);
- a manager never sees a person outside the teams they lead;
- a recruiter never sees an employee's name or id (candidates only), nor a candidate
  who withdrew consent to be found (issue 14: Cem withdrew his here);

and for the names of teams (issue 11: a name leak, not only a person leak):

- HR sees every team; a manager sees the names of the teams they lead (and of
  their own team), never another team's: organisation figures put those under one
  anonymous row; a recruiter or member sees no team name but their own.

an ``AccessDenied`` is always an acceptable answer. Writes are refused likewise.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import skills.services
from skills.access import PAGES, Role, Viewer, make_viewer, pages_for
from skills.demo.personas import PERSONAS
from skills.errors import AccessDenied, SkillAtlasError
from skills.services.candidates import CandidateQuery
from skills.services.skill_map import MapFilter
from skills.store import Store, open_store
from tests.support import seed

pytestmark = pytest.mark.hostile

ROOT = Path(__file__).resolve().parents[2]
PURE = {"shortlist_csv", "shortlist_xlsx", "group_labels"}  # take no store/viewer
WRITES = {
    "add_skill",
    "add_synonym",
    "import_people",
    "map_role_title",
    "resolve",
    "save_profile",
    "set_trust",
    "reverify_all",
    "submit_batch",
    "submit_one",
    "unmap_role_title",
    "withdraw",
    "erase_person",
}
# People change their own data: refused to others, tested in test_identities, test_consent
# and test_notices; never run by the read scan below.
OWN_WRITES = {
    "request_identity",
    "confirm_code",
    "cancel_identity_request",
    "decide_identity_request",
    "give_consent",
    "withdraw_consent",
    "request_erasure",
    "dismiss",
}


HIDDEN = "C000002"  # a candidate with counted skills who withdrew consent to be found


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("access")
    seed.build(folder / "org.duckdb", folder / "accounts.toml")
    store = open_store(folder / "org.duckdb")
    with store.write() as tx:
        tx.execute(
            "INSERT INTO role_profiles (profile_id, name, team_id) VALUES ('rp-api', 'API', 'api')"
        )
        tx.execute("INSERT INTO role_skills VALUES ('rp-api', ?, 'skill', 1)", [seed.uri("python")])
        tx.execute(
            "INSERT INTO credentials (credential_key, submitted_by, format, status, verified_at, "
            "source_sha256, name) VALUES ('urn:test:unbound', 'hr', 'ob3-di', 'verified', now(), "
            "'00', 'loose.json')"
        )
        tx.execute(
            f"UPDATE candidate_consent SET withdrawn_at = now() WHERE person_id = '{HIDDEN}'"
        )
    yield store
    store.close()


@dataclasses.dataclass(frozen=True)
class Person:
    person_id: str
    name: str
    kind: str
    team_id: str | None
    consented: bool = False


def people(store: Store) -> list[Person]:
    return [
        Person(str(p), str(n), str(k), None if t is None else str(t), bool(c))
        for p, n, k, t, c in store.rows(
            "SELECT p.person_id, p.display_name, p.kind, p.team_id, cc.consented_at IS NOT NULL "
            "AND cc.withdrawn_at IS NULL FROM people p LEFT JOIN candidate_consent cc USING "
            "(person_id)"
        )
    ]


def viewers(store: Store) -> dict[str, Viewer]:
    return {
        "hr": make_viewer(store, account="hr", role="hr", person_id=PERSONAS["hr"]),
        "manager": make_viewer(
            store, account="manager", role="manager", person_id=PERSONAS["manager"]
        ),
        "recruiter": make_viewer(
            store, account="recruiter", role="recruiter", person_id=PERSONAS["recruiter"]
        ),
        "member": make_viewer(
            store, account="member", role="member", person_id=PERSONAS["employee"]
        ),
        "candidate": make_viewer(
            store, account="candidate", role="member", person_id=PERSONAS["candidate"]
        ),
    }


def forbidden(viewer: Viewer, everyone: list[Person]) -> list[Person]:
    """The people ``viewer`` must never see, by the rules of issue 7 (and 14: consent)."""
    out = []
    for p in everyone:
        if p.person_id == viewer.person_id or viewer.role is Role.HR:
            continue
        if (
            viewer.role is Role.MEMBER
            or (
                viewer.role is Role.MANAGER
                and (p.team_id is None or p.team_id not in viewer.team_ids)
            )
            or (viewer.role is Role.RECRUITER and (p.kind == "employee" or not p.consented))
        ):
            out.append(p)
    return out


@dataclasses.dataclass(frozen=True)
class Team:
    team_id: str
    name: str


def teams(store: Store) -> list[Team]:
    return [Team(str(t), str(n)) for t, n in store.rows("SELECT team_id, name FROM teams")]


def forbidden_teams(viewer: Viewer, all_teams: list[Team], everyone: list[Person]) -> list[Team]:
    """The teams whose names ``viewer`` must never see, by the rules of issue 11.

    HR: none. Everyone else: every team but their own and, for a manager, the teams
    they lead and those below them (``viewer.team_ids``).
    """
    if viewer.role is Role.HR:
        return []
    own = {p.team_id for p in everyone if p.person_id == viewer.person_id and p.team_id}
    allowed = own | set(viewer.team_ids)
    return [t for t in all_teams if t.team_id not in allowed]


def flatten(value: Any) -> str:
    """Every string and number in a result (frames: columns, index and cells)."""
    if isinstance(value, pd.DataFrame):
        return " ".join(
            [*map(str, value.columns), *map(str, value.index), *map(str, value.to_numpy().ravel())]
        )
    if isinstance(value, pd.Series):
        return " ".join([*map(str, value.index), *map(str, value.to_numpy())])
    if isinstance(value, dict):
        return " ".join(f"{k} {flatten(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return " ".join(flatten(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return " ".join(flatten(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def role_labels(store: Store) -> list[str]:
    """Role titles and role profile names: organisation-wide labels, not team names."""
    return [
        str(r[0])
        for r in store.rows(
            "SELECT DISTINCT role_title FROM people WHERE role_title IS NOT NULL "
            "UNION SELECT name FROM role_profiles"
        )
    ]


def _without(text: str, labels: list[str], team: str) -> str:
    """``text`` without the labels that merely contain ``team`` ("Engineering Manager" is a
    role, not the team "Engineering"); a label equal to the team name stays, so a real
    leak is still seen."""
    for label in sorted(labels, key=len, reverse=True):
        if team in label and label != team:
            text = text.replace(label, " ")
    return text


def recipes(store: Store) -> dict[str, list[Any]]:
    """Candidate values for each parameter name of the query functions."""
    everyone = [p.person_id for p in people(store)]
    teams = [str(r[0]) for r in store.rows("SELECT team_id FROM teams")]
    skills_ = [str(r[0]) for r in store.rows("SELECT skill_uri FROM skills")]
    today = datetime.now(UTC).date()
    return {
        "person_id": [*everyone, "nobody"],
        "person_ids": [everyone],
        "credential_key": [str(r[0]) for r in store.rows("SELECT credential_key FROM credentials")],
        "profile_id": [
            None,  # each person's own role (team gaps)
            *[str(r[0]) for r in store.rows("SELECT profile_id FROM role_profiles")],
        ],
        "team_ids": [(), tuple(teams), *[(t,) for t in teams]],
        "skill_uri": skills_,
        "skill_uris": [tuple(skills_), tuple(skills_[:1])],
        "title": ["Frontend Developer", "nobody's title"],
        "text": ["", "Person", "E"],
        "labels": [(), ("SQL", "Python (computer programming)")],
        "query": [
            CandidateQuery(skills=tuple(skills_), mode="any", verified_only=False),
            CandidateQuery(skills=tuple(skills_[:2]), mode="all"),
        ],
        "flt": [MapFilter(), MapFilter(team_ids=tuple(teams))],
        "first": [(date(2000, 1, 1), today)],
        "second": [(date(2010, 1, 1), today)],
        "freq": ["month", "quarter"],
        "by": ["team", "pillar", "group"],
        "limit": [1000],
        "days": [100_000],
        "status": [None, "verified", "revoked", "expired"],
        "within_days": [None, 90, 100_000],
        "page": [1, 2],
        "rows": [1, 30],
        "period": [None, date(2000, 1, 1)],
        "key": [None, *teams, "S", "K06", "candidates", "employees"],
    }


def entry_points() -> list[tuple[str, Callable[..., Any]]]:
    found: list[tuple[str, Callable[..., Any]]] = []
    for info in pkgutil.iter_modules(skills.services.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"skills.services.{info.name}")
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if func.__module__ == module.__name__ and not name.startswith("_"):
                found.append((f"{info.name}.{name}", func))
    return found


def calls(func: Callable[..., Any], table: dict[str, list[Any]]) -> Iterator[dict[str, Any]]:
    """One call per value of each parameter (the others at their first value or default)."""
    params = list(inspect.signature(func).parameters.values())[2:]
    needed: dict[str, list[Any]] = {}
    for p in params:
        if p.name in table:
            needed[p.name] = table[p.name]
        elif p.default is inspect.Parameter.empty:
            raise AssertionError(f"no argument recipe for {func.__name__}({p.name}): add one")
    if not needed:
        yield {}
        return
    base = {k: v[0] for k, v in needed.items()}
    for name, values in needed.items():
        for value in values:
            yield {**base, name: value}


READS = [(n, f) for n, f in entry_points() if n.split(".")[1] not in PURE | WRITES | OWN_WRITES]


def test_every_entry_point_is_classified() -> None:
    names = {n.split(".")[1] for n, _ in entry_points()}
    assert names, "no query functions found"
    assert {"submit_one", "person", "overview"} <= names


@pytest.mark.parametrize("role", ["manager", "recruiter", "member", "candidate", "hr"])
@pytest.mark.parametrize(("qualname", "func"), READS, ids=[n for n, _ in READS])
def test_no_role_reaches_people_outside_its_scope(
    org: Store, role: str, qualname: str, func: Callable[..., Any]
) -> None:
    viewer = viewers(org)[role]
    everyone = people(org)
    banned = forbidden(viewer, everyone)
    banned_teams = forbidden_teams(viewer, teams(org), everyone)
    labels = role_labels(org)
    answered = 0
    for kwargs in calls(func, recipes(org)):
        try:
            result = func(org, viewer, **kwargs)
        except AccessDenied:
            continue
        except SkillAtlasError:
            continue
        answered += 1
        text = flatten(result)
        leaks = [p for p in banned if p.person_id in text or p.name in text]
        assert not leaks, f"{qualname}({kwargs}) shows {role} " + ", ".join(
            f"{p.person_id} {p.name!r} ({p.kind}, {p.team_id})" for p in leaks
        )
        named = [t for t in banned_teams if t.name in _without(text, labels, t.name)]
        assert not named, f"{qualname}({kwargs}) names to {role} the teams " + ", ".join(
            f"{t.team_id} {t.name!r}" for t in named
        )
    if role == "hr":
        assert answered, f"{qualname} answered nothing even for HR"


def test_the_rules_have_teeth(org: Store) -> None:
    """The scan above would notice: HR's answers name people and teams the others may not see."""
    from skills.services.profile import find_people

    v = viewers(org)
    everyone = people(org)
    text = flatten(find_people(org, v["hr"], "", 1000))
    for role in ("manager", "recruiter", "member"):
        banned = forbidden(v[role], everyone)
        assert banned and any(p.name in text for p in banned)
    # and HR's growth by team names the teams the others may not see
    from skills.services.growth import skills_gained

    by_team = flatten(skills_gained(org, v["hr"], "quarter", "team"))
    for role in ("manager", "recruiter", "member"):
        hidden = forbidden_teams(v[role], teams(org), everyone)
        assert hidden and any(t.name in by_team for t in hidden), role


def test_a_member_cannot_open_another_persons_credential(org: Store) -> None:
    from skills.services.profile import credential_detail

    v = viewers(org)
    others = org.rows(
        "SELECT credential_key FROM credentials WHERE person_id IS DISTINCT FROM ?",
        [PERSONAS["employee"]],
    )
    for (key,) in others:
        with pytest.raises(AccessDenied):
            credential_detail(org, v["member"], key)


def _write_calls(store: Store) -> dict[str, Callable[[Viewer], Any]]:
    from skills.services import admin, submit

    return {
        "add_skill": lambda v: admin.add_skill(store, v, "Forbidden Skill"),
        "add_synonym": lambda v: admin.add_synonym(store, v, "pyth", seed.uri("python")),
        "import_people": lambda v: admin.import_people(
            store, v, "person_id,display_name,kind\nx9,Forbidden,employee\n"
        ),
        "map_role_title": lambda v: admin.map_role_title(store, v, "Frontend Developer", "rp-api"),
        "resolve": lambda v: admin.resolve(store, v, "ReactJS", None),
        "save_profile": lambda v: admin.save_profile(store, v, "rp-x", "X", []),
        "set_trust": lambda v: admin.set_trust(store, v, "iss-open", "trusted"),
        "reverify_all": lambda v: submit.reverify_all(store, v),
        "submit_batch": lambda v: submit.submit_batch(store, v, ROOT / "missing.zip"),
        "unmap_role_title": lambda v: admin.unmap_role_title(store, v, "Frontend Developer"),
        "erase_person": lambda v: admin.erase_person(store, v, "C000002"),
    }


@pytest.mark.parametrize("role", ["manager", "recruiter", "member"])
def test_writes_are_refused_to_roles_without_them(org: Store, role: str) -> None:
    viewer = viewers(org)[role]
    calls_ = _write_calls(org)
    assert set(calls_) | {"submit_one", "withdraw"} == WRITES
    before = org.scalar("SELECT count(*) FROM audit_log")
    for name, call in calls_.items():
        with pytest.raises(AccessDenied):
            call(viewer)
        assert org.scalar("SELECT count(*) FROM audit_log") == before, name


@pytest.mark.parametrize("role", ["manager", "recruiter", "member", "candidate"])
def test_nobody_submits_a_badge_for_someone_out_of_scope(org: Store, role: str) -> None:
    from skills.services.submit import submit_one

    viewer = viewers(org)[role]
    before = org.scalar("SELECT count(*) FROM rejected_submissions")
    for p in forbidden(viewer, people(org)):
        with pytest.raises(AccessDenied):
            submit_one(org, viewer, b"{}", name="x", person_id=p.person_id)
    assert org.scalar("SELECT count(*) FROM rejected_submissions") == before


def test_every_page_checks_the_role_and_menus_follow_it() -> None:
    """Each page file starts with ``session.page(<its name>)`` (which calls require_page)."""
    for page in sorted((ROOT / "pages").glob("*.py")):
        text = page.read_text()
        assert f'session.page("{page.stem}")' in text, f"{page.name} does not check its role"
        first_query = min(
            (i for i in (text.find("session.query("), text.find("q.")) if i >= 0), default=len(text)
        )
        assert text.find("session.page(") < first_query, page.name
    assert {p for pages in PAGES.values() for p in pages} == {
        p.stem for p in (ROOT / "pages").glob("*.py")
    }
    for role in Role:
        viewer = Viewer(account="x", role=role, person_id="p")
        if role is not Role.HR:
            assert "admin" not in pages_for(viewer) and "skill_map" not in pages_for(viewer)


@pytest.mark.parametrize("role", ["manager", "recruiter"])
def test_growth_by_team_names_only_the_teams_in_scope(org: Store, role: str) -> None:
    """A manager's growth counts and names only the teams they lead (the same figures as
    HR's for those teams); a recruiter's puts the organisation under two anonymous rows
    with HR's totals."""
    from skills.services import growth

    v = viewers(org)
    viewer = v[role]
    everyone = people(org)
    shown = {t.name for t in teams(org)} - {
        t.name for t in forbidden_teams(viewer, teams(org), everyone)
    }
    today = datetime.now(UTC).date()
    periods = ((date(2000, 1, 1), today), (date(2010, 1, 1), today))
    for freq in ("month", "quarter"):
        mine = growth.skills_gained(org, viewer, freq, "team")
        hr = growth.skills_gained(org, v["hr"], freq, "team")
        assert not mine.duplicated(["period", "key"]).any()
        if role == "manager":
            assert set(mine["label"]) <= shown and set(mine["key"]) <= set(viewer.team_ids)
            theirs = hr[hr["key"].isin(viewer.team_ids)]
        else:
            assert set(mine["label"]) <= {growth.EMPLOYEES, growth.CANDIDATES}
            assert growth.EMPLOYEES in set(mine["label"])
            # HR's totals without the skills of the candidate who withdrew consent
            hidden = growth.gained_evidence(org, v["hr"], freq, "team")
            hidden = hidden[hidden["person_id"] == HIDDEN]
            assert len(hidden) > 0
            assert mine["gained"].sum() == hr["gained"].sum() - len(hidden)
            continue
        pd.testing.assert_series_equal(
            mine.groupby("period")["gained"].sum(), theirs.groupby("period")["gained"].sum()
        )
    compared = growth.compare_periods(org, viewer, *periods, "team")
    every = growth.compare_periods(org, v["hr"], *periods, "team")
    if role == "manager":
        assert set(compared["label"]) <= shown
        every = every[every["key"].isin(viewer.team_ids)]
        assert (
            compared[["first", "second"]].sum().tolist()
            == every[["first", "second"]].sum().tolist()
        )
    else:
        assert set(compared["label"]) <= {growth.EMPLOYEES, growth.CANDIDATES}
        # the hidden candidate's skills are not counted for the recruiter
        assert compared["second"].sum() < every["second"].sum()
