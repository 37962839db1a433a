"""The demo personas: stable person ids the local accounts refer to.

The generator always creates these people with these ids and names, whatever the
seed, so ``data/accounts.toml`` can name them. ``manager`` leads the Web Frontend
team (about 13 people with the default size), ``employee`` is a member of that
team, ``hr`` works in People & Culture, ``recruiter`` in Talent Acquisition, and
``candidate`` is the first external candidate.
"""

from __future__ import annotations

from typing import Final

PERSONAS: Final[dict[str, str]] = {
    "hr": "E000002",
    "manager": "E000003",
    "recruiter": "E000004",
    "employee": "E000005",
    "candidate": "C000001",
}
"""Persona role -> person_id."""

PERSONA_NAMES: Final[dict[str, str]] = {
    "hr": "Hanna Berg",
    "manager": "Marco Rossi",
    "recruiter": "Rita Okafor",
    "employee": "Emil Novak",
    "candidate": "Clara Jensen",
}
"""Persona role -> display name."""

PERSONA_TEAMS: Final[dict[str, tuple[str, str]]] = {
    "hr": ("People & Culture", "HR Business Partner"),
    "manager": ("Web Frontend", "Engineering Manager"),
    "recruiter": ("Talent Acquisition", "Recruiter"),
    "employee": ("Web Frontend", "Frontend Developer"),
}
"""Persona role -> (team name, role title) for the employee personas."""

__all__ = ["PERSONAS", "PERSONA_NAMES", "PERSONA_TEAMS"]
