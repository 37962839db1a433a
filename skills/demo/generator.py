"""The demo organisation generator: people, issuers, and their badges.

:func:`generate_demo` is deterministic: the same :class:`DemoConfig` gives the same
people, the same hosted files and byte-identical submissions. Dates are anchored to a
reference day: :data:`REFERENCE_DATE` unless the caller gives one (the build passes the
day it runs, :func:`build_day`). Issue dates fall in the three years before it. Badges
that expire are valid for five years or more, so an ordinary badge stays valid for at
least two years after the reference day; the deliberately ``expiring`` ones (about 1%)
expire 7 to 85 days after it and the ``expired`` ones expired up to two years before it.
A build therefore shows the same statuses whatever day it runs.

Every skill that a role held by some employee requires is taught by at least one
ordinary award (an achievement stating the skill as an ESCO alignment, given to an
employee in that role), most important requirements first, within a quarter of the
credentials; so each requirement names a badge that teaches it.

Credentials up to ``DemoConfig.signed_sample`` are really issued and signed (and later
verified by the build); the rest (large benchmark organisations) are planned the same
way but returned as :class:`Award` s for the build to load as pre-verified rows.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pandas as pd

from skills.config import DATA_DIR
from skills.demo.catalogue import AchievementSpec, build_catalogue, esco_index
from skills.demo.inputs import DemoInputs, IssuerSpec, load_inputs, requirement_priorities
from skills.demo.issue import Award, IssuerKit, issue, make_kit, write_issuer_files
from skills.demo.org import Organisation, Person, build_organisation
from skills.demo.personas import PERSONAS
from skills.errors import ConfigError

REFERENCE_DATE = datetime(2026, 11, 1, tzinfo=UTC)
"""The default reference day: issue dates are drawn from the three years before it."""

COVERAGE_STYLES = ("esco-alignment", "esco-extension")
"""Styles of the achievements chosen to teach a role's requirements: they state the ESCO
URI itself, so their verified awards map to that very skill."""

SPECIAL_SHARES: dict[str, float] = {
    "revoked": 0.012,
    "expired": 0.015,
    "tampered": 0.004,
    "foreign": 0.004,
    "missing": 0.002,
    "unreachable": 0.002,
    "not_yet_valid": 0.0005,
    "expiring": 0.012,
}
"""Share of credentials with each special fate (at least one each when there are 50+)."""

_SPECIAL_FORMATS: dict[str, frozenset[str]] = {
    "tampered": frozenset({"ob2-signed", "ob3-di", "ob3-jwt"}),
    "missing": frozenset({"ob2-hosted"}),
    "unreachable": frozenset({"ob3-di", "ob3-jwt"}),
    "not_yet_valid": frozenset({"ob3-di", "ob3-jwt"}),
}


@dataclass(frozen=True)
class DemoConfig:
    """Sizes and seed of a demo organisation."""

    people: int = 400
    candidates: int = 150
    credentials: int = 4000
    seed: int = 2026
    signed_sample: int = 4000


@dataclass(frozen=True)
class DemoSubmission:
    """A badge a person submits: the source to ingest plus what the generator intended."""

    person_id: str
    source: bytes | str
    name: str
    credential_id: str
    issuer: str  # issuer slug
    format: str
    special: str
    delivery: str


@dataclass(frozen=True)
class PlannedCredential:
    """A credential of the pre-verified (bulk) part: the award and its issuer."""

    person_id: str
    award: Award
    issuer: IssuerSpec
    issuer_id: str


@dataclass(frozen=True)
class GeneratedDemo:
    config: DemoConfig
    organisation: Organisation
    catalogue: tuple[AchievementSpec, ...]
    issuer_ids: dict[str, str]  # slug -> issuer id as the badges state it
    submissions: tuple[DemoSubmission, ...]
    planned: tuple[PlannedCredential, ...]
    hosted_root: Path


def load_esco(
    data_dir: Path = DATA_DIR / "esco",
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """ESCO skills (uri, label, pillar, level1_code ...) and URI -> alternative labels.

    Raises :class:`ConfigError` when the ESCO files are missing.
    """
    try:
        skills = pd.read_parquet(data_dir / "skills.parquet")
        alt = pd.read_parquet(data_dir / "alt_labels.parquet")
    except (OSError, ValueError) as exc:
        raise ConfigError(f"The ESCO data in {data_dir} is missing: {exc}") from exc
    alt_map: dict[str, list[str]] = defaultdict(list)
    for uri, label in zip(alt["uri"].astype(str), alt["label"].astype(str), strict=True):
        alt_map[uri].append(label)
    return skills, dict(alt_map)


def build_day(moment: datetime) -> datetime:
    """Midnight (UTC) of the day of ``moment``: the reference a build anchors its dates to,
    so builds on the same day give the same badges."""
    return datetime.combine(moment.astimezone(UTC).date(), time(), tzinfo=UTC)


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class _Planner:
    """Draws every credential's person, issuer, achievement, dates and fate."""

    def __init__(
        self,
        inputs: DemoInputs,
        org: Organisation,
        catalogue: tuple[AchievementSpec, ...],
        config: DemoConfig,
        reference: datetime = REFERENCE_DATE,
    ) -> None:
        self.inputs = inputs
        self.config = config
        self.reference = reference
        self.rng = random.Random(f"{config.seed}:awards")  # noqa: S311 - reproducible
        self.people = list(org.people)
        self.catalogue = catalogue
        self.by_issuer: dict[str, list[AchievementSpec]] = defaultdict(list)
        for ach in catalogue:
            self.by_issuer[ach.issuer].append(ach)
        self.issuers = [i for i in inputs.issuers if self.by_issuer.get(i.slug)]
        self.issuer_of = {i.slug: i for i in self.issuers}
        self.relevant: dict[tuple[str, str], list[AchievementSpec]] = {}

    def _coverage(self, budget: int) -> list[tuple[Person, AchievementSpec, str]]:
        """Awards that make every role requirement taught by a badge someone holds.

        For each skill a role held by an employee requires (critical ones of every role
        first, then important, then nice to have), unless already chosen: an
        achievement of :data:`COVERAGE_STYLES` whose first skill it is, given to an
        employee in that role. Plus one expiring badge for the employee persona, so the
        member's own page shows one. At most ``budget`` awards.
        """
        rng = self.rng
        in_role: dict[str, list[Person]] = defaultdict(list)
        for person in self.people:
            if person.kind == "employee":
                in_role[person.role].append(person)
        teaching: dict[str, list[AchievementSpec]] = defaultdict(list)
        for ach in self.catalogue:
            if ach.style in COVERAGE_STYLES and ach.issuer in self.issuer_of:
                teaching[ach.skills[0].label].append(ach)
        wanted: list[tuple[int, str, str]] = []  # (priority, role, skill label)
        for role, labels in self.inputs.roles.items():
            if in_role.get(role):
                priorities = requirement_priorities(len(labels))
                wanted += [(p, role, lab) for p, lab in zip(priorities, labels, strict=True)]
        out: list[tuple[Person, AchievementSpec, str]] = []
        employee = next((p for p in self.people if p.person_id == PERSONAS["employee"]), None)
        expiring = [a for a in self.catalogue if self._expires(a) and a.style in COVERAGE_STYLES]
        if employee is not None and expiring and budget > 0:
            relevant = {a.key for a in self._relevant_any(employee.role)}
            fitting = [a for a in expiring if a.key in relevant]
            out.append((employee, rng.choice(fitting or expiring), "expiring"))
        chosen: set[str] = set()
        for _, role, label in sorted(wanted, key=lambda w: w[0]):
            if len(out) >= budget:
                break
            if label in chosen or not teaching.get(label):
                continue
            chosen.add(label)
            out.append((rng.choice(in_role[role]), rng.choice(teaching[label]), ""))
        return out

    def _expires(self, ach: AchievementSpec) -> bool:
        issuer = self.issuer_of.get(ach.issuer)
        return issuer is not None and issuer.expires_years is not None

    def _relevant_any(self, role: str) -> list[AchievementSpec]:
        wanted = set(self.inputs.roles.get(role, ()))
        return [a for a in self.catalogue if any(s.label in wanted for s in a.skills)]

    def _relevant(self, issuer: IssuerSpec, role: str) -> list[AchievementSpec]:
        key = (issuer.slug, role)
        if key not in self.relevant:
            wanted = set(self.inputs.roles.get(role, ()))
            self.relevant[key] = [
                a for a in self.by_issuer[issuer.slug] if any(s.label in wanted for s in a.skills)
            ]
        return self.relevant[key]

    def _achievement(self, issuer: IssuerSpec, person: Person) -> AchievementSpec:
        if "org" in issuer.skills and person.kind == "candidate":
            # candidates hold no internal badges: the same kind of badge from another issuer
            others = [i for i in self.issuers if "org" not in i.skills]
            same = [i for i in others if i.format == issuer.format]
            issuer = self.rng.choice(same or others)
        relevant = self._relevant(issuer, person.role)
        if relevant and self.rng.random() < 0.8:
            return self.rng.choice(relevant)
        return self.rng.choice(self.by_issuer[issuer.slug])

    def plan(self) -> list[tuple[Person, IssuerSpec, Award]]:
        rng = self.rng
        n = self.config.credentials
        weights = [
            (1.0 if p.kind == "employee" else 0.55) * rng.uniform(0.3, 1.7) for p in self.people
        ]
        holders = rng.choices(self.people, weights=weights, k=n)
        chosen = rng.choices(self.issuers, weights=[i.share for i in self.issuers], k=n)
        specials = [""] * n
        if n >= 50:
            free = list(range(n))
            rng.shuffle(free)
            for fate, share in SPECIAL_SHARES.items():
                for _ in range(max(1, round(n * share))):
                    if not free:
                        break
                    idx = free.pop()
                    specials[idx] = fate
                    allowed = _SPECIAL_FORMATS.get(fate)
                    if fate in ("expired", "expiring"):
                        allowed = None
                        pool = [i for i in self.issuers if i.expires_years]
                        if chosen[idx].expires_years is None:
                            chosen[idx] = rng.choice(pool)
                    fitting = [i for i in self.issuers if allowed is None or i.format in allowed]
                    if not fitting:
                        specials[idx] = ""  # no issuer of a suitable format in this demo
                    elif chosen[idx] not in fitting:
                        chosen[idx] = rng.choice(fitting)
        ordinary = [idx for idx in range(n) if not specials[idx]]
        forced: dict[int, AchievementSpec] = {}
        for idx, (person, ach, fate) in zip(
            ordinary, self._coverage(min(n // 4, len(ordinary))), strict=False
        ):
            holders[idx], chosen[idx], specials[idx] = person, self.issuer_of[ach.issuer], fate
            forced[idx] = ach
        status_counters: dict[str, int] = defaultdict(int)
        out: list[tuple[Person, IssuerSpec, Award]] = []
        window = 3 * 365 * 86400
        reference = self.reference
        for idx in range(n):
            person, issuer, special = holders[idx], chosen[idx], specials[idx]
            ach = forced.get(idx) or self._achievement(issuer, person)
            if ach.issuer != issuer.slug:
                issuer = self.issuer_of[ach.issuer]
            issued = reference - timedelta(seconds=rng.randint(86400, window))
            issued = issued.replace(microsecond=0)
            expires = None
            if issuer.expires_years:
                expires = issued + timedelta(days=round(365.25 * issuer.expires_years))
            if special == "expired":
                years = issuer.expires_years or 3
                expires = reference - timedelta(days=rng.randint(1, 700))
                issued = expires - timedelta(days=round(365.25 * years))
            elif special == "expiring":
                years = issuer.expires_years or 5
                expires = reference + timedelta(
                    days=rng.randint(7, 85), seconds=rng.randint(0, 86399)
                )
                issued = expires - timedelta(days=round(365.25 * years))
            elif special == "not_yet_valid":
                issued = reference + timedelta(days=5 * 365 + rng.randint(0, 300))
                expires = None
            email = person.email
            did = person.did if issuer.format.startswith("ob3") else None
            if special == "foreign":
                other = rng.choice(self.people)
                email = other.email if other.person_id != person.person_id else "x@mail.example"
                did = None
            delivery = self._delivery(issuer, special)
            status_index = None
            if issuer.format == "ob3-di" and (special == "revoked" or rng.random() < 0.25):
                status_index = status_counters[issuer.slug]
                status_counters[issuer.slug] += 1
            out.append(
                (
                    person,
                    issuer,
                    Award(
                        uid=_uid(rng),
                        achievement=ach,
                        email=email,
                        did=did,
                        issued=issued,
                        expires=expires,
                        special=special,
                        delivery=delivery,
                        status_index=status_index,
                    ),
                )
            )
        return out

    def _delivery(self, issuer: IssuerSpec, special: str) -> str:
        roll = self.rng.random()
        if issuer.format == "ob2-hosted" and special != "missing" and roll < 0.45:
            return "url"
        roll = self.rng.random()
        if roll < 0.08:
            return "png"
        if roll < 0.12:
            return "svg"
        return "json"


def generate_demo(
    config: DemoConfig,
    hosted_root: Path,
    *,
    inputs: DemoInputs | None = None,
    progress: object | None = None,
    reference: datetime | None = None,
) -> GeneratedDemo:
    """Generate the organisation and its badges; write the hosted files under ``hosted_root``.

    Dates are anchored to ``reference`` (default :data:`REFERENCE_DATE`): the same
    config and reference give the same output.

    Side effects: creates ``hosted_root/<issuer host>/...`` (issuer profiles, badge
    classes, hosted assertions, keys, revocation and status lists), overwriting files
    of an earlier run. Raises :class:`ConfigError` for sizes out of range or missing
    input files.
    """
    if config.credentials < 0 or config.signed_sample < 0:
        raise ConfigError("The number of credentials cannot be negative.")
    data = inputs or load_inputs()
    org = build_organisation(
        data,
        employees=config.people,
        candidates=config.candidates,
        seed=config.seed,
        reference=(reference or REFERENCE_DATE).date(),
    )
    skills, alt = load_esco()
    catalogue = build_catalogue(data, esco_index(skills), alt, seed=config.seed)
    kits: dict[str, IssuerKit] = {i.slug: make_kit(i, hosted_root) for i in data.issuers}
    planned = _Planner(data, org, catalogue, config, reference or REFERENCE_DATE).plan()
    submissions: list[DemoSubmission] = []
    bulk: list[PlannedCredential] = []
    tick = progress if callable(progress) else None
    signed_total = min(len(planned), config.signed_sample)
    for idx, (person, issuer, award) in enumerate(planned):
        kit = kits[issuer.slug]
        if idx >= config.signed_sample:
            bulk.append(PlannedCredential(person.person_id, award, issuer, kit.issuer_id))
            continue
        source, cred_id = issue(kit, award)
        suffix = {"png": ".png", "svg": ".svg", "url": ".url"}.get(award.delivery)
        if suffix is None:
            suffix = ".json" if isinstance(source, bytes) and source[:1] == b"{" else ".jwt"
        submissions.append(
            DemoSubmission(
                person_id=person.person_id,
                source=source,
                name=f"{award.achievement.slug}{suffix}",
                credential_id=cred_id,
                issuer=issuer.slug,
                format=issuer.format,
                special=award.special,
                delivery=award.delivery,
            )
        )
        if tick is not None and (idx % 100 == 0 or idx + 1 == signed_total):
            tick(idx + 1, signed_total)
    by_issuer: dict[str, list[AchievementSpec]] = defaultdict(list)
    for ach in catalogue:
        by_issuer[ach.issuer].append(ach)
    for slug, kit in kits.items():
        write_issuer_files(kit, by_issuer[slug], data.badge_png)
    return GeneratedDemo(
        config=config,
        organisation=org,
        catalogue=catalogue,
        issuer_ids={slug: kit.issuer_id for slug, kit in kits.items()},
        submissions=tuple(submissions),
        planned=tuple(bulk),
        hosted_root=hosted_root,
    )


__all__ = [
    "COVERAGE_STYLES",
    "REFERENCE_DATE",
    "SPECIAL_SHARES",
    "DemoConfig",
    "DemoSubmission",
    "GeneratedDemo",
    "PlannedCredential",
    "build_day",
    "generate_demo",
    "load_esco",
]
