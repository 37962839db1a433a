"""The demo issuers' achievements (badge classes) and the skills each one states.

Each issuer teaches the ESCO skills of a few roles (``topics``) plus some extra ones.
An achievement is one skill at one level ("Debug software: Practitioner") and states
its skills in one of the issuer's styles:

- ``esco-alignment``: alignment objects whose ``targetUrl`` is the ESCO URI,
  ``targetName`` the ESCO label, ``targetFramework`` "ESCO";
- ``esco-extension``: an OB 2.0 ``extensions:CompetencyExtension`` naming the ESCO id;
- ``free-text``: an alignment with a skill name (often an ESCO alternative label) and
  the issuer's own URL, so the skill has to be matched by its name;
- ``tags``: only tags;
- ``org``: organisation-specific skills ESCO lacks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pandas as pd

from skills.demo.inputs import DemoInputs, IssuerSpec
from skills.demo.org import slug
from skills.errors import ConfigError

ESCO_FRAMEWORK = "ESCO"


@dataclass(frozen=True)
class SkillRef:
    """A skill an achievement states: an ESCO skill (uri set) or an organisation skill."""

    label: str
    uri: str | None
    stated_as: str  # the text the badge carries (label, alternative label or org name)


@dataclass(frozen=True)
class AchievementSpec:
    """One badge class of one issuer."""

    key: str  # issuer slug + "/" + achievement slug
    issuer: str  # issuer slug
    slug: str
    name: str
    description: str
    style: str
    skills: tuple[SkillRef, ...]
    tags: tuple[str, ...]


def esco_index(skills: pd.DataFrame) -> dict[str, str]:
    """ESCO preferred label -> URI."""
    return dict(zip(skills["label"].astype(str), skills["uri"].astype(str), strict=True))


def _title(label: str) -> str:
    return label[:1].upper() + label[1:]


def build_catalogue(
    inputs: DemoInputs,
    labels: dict[str, str],
    alt_labels: dict[str, list[str]],
    *,
    seed: int,
) -> tuple[AchievementSpec, ...]:
    """All achievements of all issuers, in a stable order.

    ``labels`` maps ESCO preferred labels to URIs; ``alt_labels`` URIs to their
    alternative labels (used for free-text skills). Raises :class:`ConfigError` when a
    role or skill named in the inputs is not in ESCO.
    """
    rng = random.Random(f"{seed}:catalogue")  # noqa: S311 - reproducible, not secret
    out: list[AchievementSpec] = []
    for issuer in inputs.issuers:
        if "org" in issuer.skills:
            out.extend(_org_achievements(issuer, inputs))
            continue
        pool: list[str] = []
        for role in issuer.topics:
            if role not in inputs.roles:
                raise ConfigError(f"The demo issuer {issuer.slug} names an unknown role {role!r}.")
            pool.extend(inputs.roles[role])
        pool.extend(issuer.extra)
        seen: list[str] = []
        for label in pool:
            if label not in seen:
                seen.append(label)
        for i, label in enumerate(seen):
            uri = labels.get(label)
            if uri is None:
                raise ConfigError(f"The demo skill {label!r} is not an ESCO skill label.")
            related = [s for s in seen if s != label]
            for level in issuer.levels:
                style = issuer.skills[(i + len(out)) % len(issuer.skills)]
                refs = [SkillRef(label, uri, label)]
                if related and rng.random() < 0.35:
                    other = rng.choice(related)
                    refs.append(SkillRef(other, labels[other], other))
                if style == "free-text":
                    refs = [SkillRef(r.label, r.uri, _free_text(r, alt_labels, rng)) for r in refs]
                name = f"{_title(label)}: {level}" if len(issuer.levels) > 1 else _title(label)
                if issuer.levels == ("Certified",):
                    name = f"Certified in {label}"
                elif issuer.levels == ("Certificate",):
                    name = f"{_title(label)} certificate"
                elif issuer.levels == ("Micro-credential",):
                    name = f"Micro-credential in {label}"
                ach_slug = slug(f"{label}-{level}")[:80]
                tags = tuple(r.stated_as for r in refs) if style == "tags" else ()
                out.append(
                    AchievementSpec(
                        key=f"{issuer.slug}/{ach_slug}",
                        issuer=issuer.slug,
                        slug=ach_slug,
                        name=name,
                        description=(
                            f"Awarded by {issuer.name} for demonstrated ability to {label} "
                            f"at {level.lower()} level."
                            if label.split(" ")[0].islower()
                            else f"Awarded by {issuer.name} for {label} at level {level}."
                        ),
                        style=style,
                        skills=tuple(refs),
                        tags=tags,
                    )
                )
    return tuple(out)


def _free_text(ref: SkillRef, alt_labels: dict[str, list[str]], rng: random.Random) -> str:
    options = alt_labels.get(ref.uri or "", [])
    if options and rng.random() < 0.6:
        return rng.choice(sorted(options))
    return ref.label


def _org_achievements(issuer: IssuerSpec, inputs: DemoInputs) -> list[AchievementSpec]:
    out: list[AchievementSpec] = []
    for name, description in inputs.org_skills:
        ach_slug = slug(name)
        out.append(
            AchievementSpec(
                key=f"{issuer.slug}/{ach_slug}",
                issuer=issuer.slug,
                slug=ach_slug,
                name=name,
                description=description,
                style="org",
                skills=(SkillRef(name, None, name),),
                tags=(name, "internal"),
            )
        )
    return out


def org_skill_uri(name: str) -> str:
    """The URI the demo gives an organisation skill (the store's default form)."""
    return "org:skill/" + slug(name)


__all__ = [
    "ESCO_FRAMEWORK",
    "AchievementSpec",
    "SkillRef",
    "build_catalogue",
    "esco_index",
    "org_skill_uri",
]
