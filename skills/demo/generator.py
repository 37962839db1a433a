"""The demo organisation generator: people, issuers, and their badges.

:func:`generate_demo` is deterministic: the same :class:`DemoConfig` gives the same
people, the same hosted files and byte-identical submissions. Issue dates fall in the
three years before :data:`REFERENCE_DATE`. Badges that expire are valid for five years
or more, so every ordinary badge stays valid until at least November 2028; the
deliberately ``expired`` ones expired before the reference date. Statuses therefore do
not drift for a few years when the demo is rebuilt at real time.

Credentials up to ``DemoConfig.signed_sample`` are really issued and signed (and later
verified by the build); the rest (large benchmark organisations) are planned the same
way but returned as :class:`Award` s for the build to load as pre-verified rows.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from skills.config import DATA_DIR
from skills.demo.catalogue import AchievementSpec, build_catalogue, esco_index
from skills.demo.inputs import DemoInputs, IssuerSpec, load_inputs
from skills.demo.issue import Award, IssuerKit, issue, make_kit, write_issuer_files
from skills.demo.org import Organisation, Person, build_organisation
from skills.errors import ConfigError

REFERENCE_DATE = datetime(2026, 11, 1, tzinfo=UTC)
"""Issue dates are drawn from the three years before this moment."""

SPECIAL_SHARES: dict[str, float] = {
    "revoked": 0.012,
    "expired": 0.015,
    "tampered": 0.004,
    "foreign": 0.004,
    "missing": 0.002,
    "unreachable": 0.002,
    "not_yet_valid": 0.0005,
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
    ) -> None:
        self.inputs = inputs
        self.config = config
        self.rng = random.Random(f"{config.seed}:awards")  # noqa: S311 - reproducible
        self.people = list(org.people)
        self.by_issuer: dict[str, list[AchievementSpec]] = defaultdict(list)
        for ach in catalogue:
            self.by_issuer[ach.issuer].append(ach)
        self.issuers = [i for i in inputs.issuers if self.by_issuer.get(i.slug)]
        self.relevant: dict[tuple[str, str], list[AchievementSpec]] = {}

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
                    if fate == "expired":
                        allowed = None
                        pool = [i for i in self.issuers if i.expires_years]
                        if chosen[idx].expires_years is None:
                            chosen[idx] = rng.choice(pool)
                    fitting = [i for i in self.issuers if allowed is None or i.format in allowed]
                    if not fitting:
                        specials[idx] = ""  # no issuer of a suitable format in this demo
                    elif chosen[idx] not in fitting:
                        chosen[idx] = rng.choice(fitting)
        status_counters: dict[str, int] = defaultdict(int)
        out: list[tuple[Person, IssuerSpec, Award]] = []
        window = 3 * 365 * 86400
        for idx in range(n):
            person, issuer, special = holders[idx], chosen[idx], specials[idx]
            ach = self._achievement(issuer, person)
            if ach.issuer != issuer.slug:
                issuer = next(i for i in self.issuers if i.slug == ach.issuer)
            issued = REFERENCE_DATE - timedelta(seconds=rng.randint(86400, window))
            issued = issued.replace(microsecond=0)
            expires = None
            if issuer.expires_years:
                expires = issued + timedelta(days=round(365.25 * issuer.expires_years))
            if special == "expired":
                years = issuer.expires_years or 3
                issued = REFERENCE_DATE - timedelta(
                    days=round(365.25 * years) + rng.randint(30, 700)
                )
                expires = issued + timedelta(days=round(365.25 * years))
            elif special == "not_yet_valid":
                issued = REFERENCE_DATE + timedelta(days=5 * 365 + rng.randint(0, 300))
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
) -> GeneratedDemo:
    """Generate the organisation and its badges; write the hosted files under ``hosted_root``.

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
        reference=REFERENCE_DATE.date(),
    )
    skills, alt = load_esco()
    catalogue = build_catalogue(data, esco_index(skills), alt, seed=config.seed)
    kits: dict[str, IssuerKit] = {i.slug: make_kit(i, hosted_root) for i in data.issuers}
    planned = _Planner(data, org, catalogue, config).plan()
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
    "REFERENCE_DATE",
    "SPECIAL_SHARES",
    "DemoConfig",
    "DemoSubmission",
    "GeneratedDemo",
    "PlannedCredential",
    "generate_demo",
    "load_esco",
]
