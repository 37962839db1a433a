"""The demo organisation's people and teams: departments, teams, employees, candidates.

Everything is drawn from one seeded :class:`random.Random`, so the same seed and
sizes give the same organisation. The personas of :mod:`skills.demo.personas` are
always present with the same ids and names.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from skills.demo.inputs import DemoInputs
from skills.demo.keys import derived_ed25519, did_key
from skills.demo.personas import PERSONA_NAMES, PERSONA_TEAMS, PERSONAS
from skills.errors import ConfigError

MIN_EMPLOYEES = 80
"""Smallest organisation the generator builds: every team needs its lead and some staff."""
_BASE_EMPLOYEES = 400  # one copy of the 25 teams up to this size
AVAILABILITY = ("immediately", "within 1 month", "within 3 months")
"""When a demo candidate can start (the people-import column ``availability``)."""


@dataclass(frozen=True)
class Unit:
    """A department (kind ``department``, including divisions and the company) or a team."""

    team_id: str
    name: str
    kind: str
    parent_id: str | None
    department: str | None
    lead_person_id: str | None = None


@dataclass(frozen=True)
class Person:
    """A generated person; ``did`` is set for candidates who hold a did:key wallet, and
    ``availability`` for every candidate."""

    person_id: str
    name: str
    kind: str  # employee | candidate
    email: str
    team_id: str | None
    team: str | None
    department: str | None
    role: str
    manager_id: str | None
    location: str
    start_date: date | None
    did: str | None = None
    availability: str | None = None  # candidates only: when they can start


@dataclass(frozen=True)
class Organisation:
    units: tuple[Unit, ...]
    people: tuple[Person, ...]


def slug(text: str) -> str:
    """Lower-case ASCII words joined by ``-``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _email_local(name: str) -> str:
    return slug(name).replace("-", ".")


def _allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), each at least 1."""
    base = sum(weights)
    shares = [total * w / base for w in weights]
    counts = [max(1, int(s)) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    i = 0
    while sum(counts) < total:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts) > total:
        j = max(range(len(counts)), key=lambda k: counts[k])
        counts[j] -= 1
    return counts


class _Names:
    def __init__(self, rng: random.Random, inputs: DemoInputs, domain: str) -> None:
        self.rng = rng
        self.inputs = inputs
        self.domain = domain
        self.used: set[str] = set()

    def email_for(self, name: str, domain: str | None = None) -> str:
        local = _email_local(name)
        dom = domain or self.domain
        candidate = f"{local}@{dom}"
        n = 2
        while candidate in self.used:
            candidate = f"{local}{n}@{dom}"
            n += 1
        self.used.add(candidate)
        return candidate

    def new_name(self) -> str:
        return (
            f"{self.rng.choice(self.inputs.first_names)} {self.rng.choice(self.inputs.last_names)}"
        )


def build_organisation(
    inputs: DemoInputs, *, employees: int, candidates: int, seed: int, reference: date
) -> Organisation:
    """Generate the departments, teams and people.

    ``employees`` counts everyone employed (executives and team leads included);
    above 400 the 25 teams are repeated as numbered squads so team sizes stay
    believable. Raises :class:`ConfigError` when ``employees`` is below
    :data:`MIN_EMPLOYEES` or ``candidates`` below 1.
    """
    if employees < MIN_EMPLOYEES:
        raise ConfigError(f"The demo needs at least {MIN_EMPLOYEES} employees.")
    if candidates < 1:
        raise ConfigError("The demo needs at least one candidate.")
    rng = random.Random(f"{seed}:organisation")  # noqa: S311 - reproducible, not secret
    names = _Names(rng, inputs, inputs.email_domain)
    copies = max(1, round(employees / _BASE_EMPLOYEES))
    n_teams = len(inputs.teams) * copies
    if employees < len(inputs.executives) + 2 * n_teams:
        copies = 1
        n_teams = len(inputs.teams)

    units: list[Unit] = []
    company_id = "D-" + slug(inputs.company)
    units.append(Unit(company_id, inputs.company, "department", None, None))
    division_ids: dict[str, str] = {}
    department_ids: dict[str, str] = {}
    for spec in inputs.teams:
        if spec.division not in division_ids:
            division_ids[spec.division] = "D-" + slug(spec.division)
            units.append(
                Unit(division_ids[spec.division], spec.division, "department", company_id, None)
            )
        if spec.department not in department_ids:
            department_ids[spec.department] = "D-" + slug(spec.department)
            units.append(
                Unit(
                    department_ids[spec.department],
                    spec.department,
                    "department",
                    division_ids[spec.division],
                    spec.department,
                )
            )

    people: list[Person] = []
    counter = [0]

    def next_employee_id() -> str:
        counter[0] += 1
        return f"E{counter[0]:06d}"

    def start_date() -> date:
        return reference - timedelta(days=rng.randint(30, 365 * 12))

    def location_for(team: str | None) -> str:
        if team and team.startswith("Sales DACH"):
            return "Berlin"
        if team and team.startswith("Sales Benelux"):
            return "Amsterdam"
        if team and team.startswith("Sales Iberia"):
            return rng.choice(("Madrid", "Lisbon"))
        return rng.choice(inputs.locations)

    # Executives and personas take fixed ids: CEO E000001, personas E000002-5.
    ceo_role, _ = inputs.executives[0]
    ceo_name = "Ingrid Halvorsen"
    people.append(
        Person(
            next_employee_id(),
            ceo_name,
            "employee",
            names.email_for(ceo_name),
            None,
            None,
            None,
            ceo_role,
            None,
            "Amsterdam",
            date(2011, 3, 1),
        )
    )
    ceo_id = people[0].person_id
    persona_ids: dict[str, str] = {}
    for key in ("hr", "manager", "recruiter", "employee"):
        pid = next_employee_id()
        assert pid == PERSONAS[key]
        persona_ids[key] = pid
    exec_ids: dict[str, str] = {}
    for role, exec_unit in inputs.executives[1:]:
        pid = next_employee_id()
        nm = names.new_name()
        people.append(
            Person(
                pid,
                nm,
                "employee",
                names.email_for(nm),
                None,
                None,
                None,
                role,
                ceo_id,
                rng.choice(inputs.locations),
                start_date(),
            )
        )
        exec_ids[exec_unit] = pid

    # Teams: leads first, then members allocated in proportion to the base sizes.
    team_units: list[tuple[Unit, str, list[tuple[str, int]], str, int]] = []
    for copy in range(1, copies + 1):
        for spec in inputs.teams:
            name = spec.name if copies == 1 else f"{spec.name} {copy}"
            unit = Unit(
                "T-" + slug(name), name, "team", department_ids[spec.department], spec.department
            )
            team_units.append((unit, spec.lead_role, list(spec.roles), spec.name, copy))
    members_total = employees - len(people) - len(team_units)
    weights = [w for _, _, roles, _, _ in team_units for _, w in roles]
    member_counts = _allocate(max(members_total, len(weights)), weights)
    # trim when the minimum of one per role overshoots a small organisation
    excess = sum(member_counts) - members_total
    idx = len(member_counts) - 1
    while excess > 0 and idx >= 0:
        if member_counts[idx] > 1:
            member_counts[idx] -= 1
            excess -= 1
        idx -= 1
        if idx < 0 and excess > 0 and any(c > 1 for c in member_counts):
            idx = len(member_counts) - 1

    member_slots = {
        (team, role): key for key, (team, role) in PERSONA_TEAMS.items() if key != "manager"
    }
    placed: set[str] = set()
    pos = 0
    for unit, lead_role, roles, base_name, copy in team_units:
        division_exec = exec_ids.get(_division_of(inputs, unit.department), ceo_id)
        if copy == 1 and (base_name, lead_role) == PERSONA_TEAMS["manager"]:
            lead_id, lead_name = persona_ids["manager"], PERSONA_NAMES["manager"]
            placed.add("manager")
        else:
            lead_id, lead_name = next_employee_id(), names.new_name()
        people.append(
            Person(
                lead_id,
                lead_name,
                "employee",
                names.email_for(lead_name),
                unit.team_id,
                unit.name,
                unit.department,
                lead_role,
                division_exec,
                location_for(unit.name),
                start_date(),
            )
        )
        units.append(
            Unit(unit.team_id, unit.name, "team", unit.parent_id, unit.department, lead_id)
        )
        for role, _ in roles:
            count = member_counts[pos]
            pos += 1
            for _ in range(count):
                slot = member_slots.get((base_name, role)) if copy == 1 else None
                if slot is not None and slot not in placed:
                    pid, nm = persona_ids[slot], PERSONA_NAMES[slot]
                    placed.add(slot)
                else:
                    pid, nm = next_employee_id(), names.new_name()
                people.append(
                    Person(
                        pid,
                        nm,
                        "employee",
                        names.email_for(nm),
                        unit.team_id,
                        unit.name,
                        unit.department,
                        role,
                        lead_id,
                        location_for(unit.name),
                        start_date(),
                    )
                )

    # Candidates: personal e-mail addresses; every third one also holds a did:key.
    applied = sorted({role for spec in inputs.teams for role, _ in spec.roles})
    for n in range(1, candidates + 1):
        pid = f"C{n:06d}"
        nm = PERSONA_NAMES["candidate"] if pid == PERSONAS["candidate"] else names.new_name()
        did = did_key(derived_ed25519(f"person/{pid}").public_key()) if n % 3 == 1 else None
        people.append(
            Person(
                pid,
                nm,
                "candidate",
                names.email_for(nm, "mail.example"),
                None,
                None,
                None,
                rng.choice(applied),
                None,
                rng.choice(inputs.locations),
                None,
                did,
                # Its own generator: the organisation's draws stay as they were.
                random.Random(f"{seed}:availability:{pid}").choice(AVAILABILITY),  # noqa: S311
            )
        )
    people.sort(key=lambda p: (p.kind != "employee", p.person_id))
    return Organisation(tuple(units), tuple(people))


def _division_of(inputs: DemoInputs, department: str | None) -> str:
    for spec in inputs.teams:
        if spec.department == department:
            return spec.division
    return ""


__all__ = ["MIN_EMPLOYEES", "Organisation", "Person", "Unit", "build_organisation", "slug"]
