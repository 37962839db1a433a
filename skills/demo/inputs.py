"""The files the demo generator reads from ``data/demo/`` (see its README)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from skills.config import DATA_DIR
from skills.errors import ConfigError

DEMO_DATA = DATA_DIR / "demo"


@dataclass(frozen=True)
class TeamSpec:
    """A team as ``organisation.json`` describes it."""

    name: str
    department: str
    division: str
    lead_role: str
    roles: tuple[tuple[str, int], ...]  # (role title, base head count)


@dataclass(frozen=True)
class IssuerSpec:
    """A demo issuer as ``issuers.json`` describes it."""

    slug: str
    name: str
    host: str
    format: str  # ob2-hosted | ob2-signed | ob3-di | ob3-jwt
    skills: tuple[str, ...]
    topics: tuple[str, ...]
    extra: tuple[str, ...]
    levels: tuple[str, ...]
    expires_years: int | None
    share: int

    @property
    def base_url(self) -> str:
        return f"https://{self.host}/"


@dataclass(frozen=True)
class DemoInputs:
    """Everything the generator reads, parsed."""

    company: str
    email_domain: str
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    locations: tuple[str, ...]
    teams: tuple[TeamSpec, ...]
    executives: tuple[tuple[str, str], ...]  # (role, unit)
    roles: dict[str, tuple[str, ...]]  # role title -> ESCO preferred labels
    issuers: tuple[IssuerSpec, ...]
    org_skills: tuple[tuple[str, str], ...]  # (name, description)
    badge_png: bytes
    badge_svg: bytes


def requirement_priorities(count: int) -> tuple[int, ...]:
    """Priorities of a role's ``count`` skills, listed most important first.

    About a third are critical (1, at most three), a third important (2) and the rest
    nice to have (3): every role with three or more skills has all three priorities.
    ``requirement_priorities(6) == (1, 1, 2, 2, 3, 3)``.
    """
    critical = min(3, max(1, round(count * 0.35)))
    important = max(1, round(count * 0.35)) if count > critical else 0
    if count >= 3 and critical + important >= count:
        important = count - critical - 1
    nice = max(0, count - critical - important)
    return (1,) * critical + (2,) * important + (3,) * nice


def _lines(path: Path) -> tuple[str, ...]:
    return tuple(line.strip() for line in path.read_text("utf-8").splitlines() if line.strip())


def _json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


@cache
def load_inputs(folder: Path = DEMO_DATA) -> DemoInputs:
    """Read and parse the generator's input files from ``folder``.

    Raises :class:`ConfigError` when a file is missing or malformed.
    """
    try:
        org = _json(folder / "organisation.json")
        roles_raw = _json(folder / "roles.json")
        iss = _json(folder / "issuers.json")
        teams = tuple(
            TeamSpec(
                name=t["name"],
                department=dep["name"],
                division=div["name"],
                lead_role=t["lead"],
                roles=tuple((str(k), int(v)) for k, v in t["roles"].items()),
            )
            for div in org["divisions"]
            for dep in div["departments"]
            for t in dep["teams"]
        )
        issuers = tuple(
            IssuerSpec(
                slug=i["slug"],
                name=i["name"],
                host=i["host"],
                format=i["format"],
                skills=tuple(i["skills"]),
                topics=tuple(i["topics"]),
                extra=tuple(i["extra"]),
                levels=tuple(i["levels"]),
                expires_years=i["expires_years"],
                share=int(i["share"]),
            )
            for i in iss["issuers"]
        )
        return DemoInputs(
            company=org["company"],
            email_domain=org["email_domain"],
            first_names=_lines(folder / "first_names.txt"),
            last_names=_lines(folder / "last_names.txt"),
            locations=_lines(folder / "locations.txt"),
            teams=teams,
            executives=tuple((e["role"], e["unit"]) for e in org["executives"]),
            roles={k: tuple(v) for k, v in roles_raw.items() if not k.startswith("_")},
            issuers=issuers,
            org_skills=tuple((s["name"], s["description"]) for s in iss["org_skills"]),
            badge_png=(folder / "badge.png").read_bytes(),
            badge_svg=(folder / "badge.svg").read_bytes(),
        )
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"The demo input files in {folder} are missing or broken: {exc}") from exc


__all__ = [
    "DEMO_DATA",
    "DemoInputs",
    "IssuerSpec",
    "TeamSpec",
    "load_inputs",
    "requirement_priorities",
]
