"""Frozen records the taxonomy hands out and takes in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

Method = Literal["uri", "code", "exact", "remembered", "fuzzy", "none"]


@dataclass(frozen=True)
class Group:
    """A node of the ESCO skills hierarchy (level 0 is the pillar, 1-3 the groups)."""

    code: str
    label: str
    level: int


@dataclass(frozen=True)
class Skill:
    """One skill: ESCO (``source="esco"``) or added by the organisation (``"org"``).

    ``groups`` holds the skill's level-1, level-2 and level-3 groups of its main
    hierarchy path (fewer when the path is shorter, none for organisation skills
    without a group).
    """

    uri: str
    label: str
    pillar: str | None
    groups: tuple[Group, ...] = ()
    alt_labels: tuple[str, ...] = ()
    source: Literal["esco", "org"] = "esco"

    def group(self, level: int) -> Group | None:
        """The group at ``level`` (1-3), or None."""
        return next((g for g in self.groups if g.level == level), None)


@dataclass(frozen=True)
class OrgSkill:
    """A skill the organisation added (an in-house skill, a product).

    ``uri`` identifies it; build one from an id with :func:`org_skill_uri`
    (``urn:skillatlas:skill:<id>``). ``group_code`` optionally files it under an
    ESCO group so roll-ups include it.
    """

    uri: str
    label: str
    alt_labels: tuple[str, ...] = ()
    group_code: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Synonym:
    """An organisation synonym: ``label`` means the skill ``skill_uri``."""

    label: str
    skill_uri: str


@dataclass(frozen=True)
class Remembered:
    """A reviewer's decision for a label, applied to every later badge with that label.

    ``skill_uri`` None records "this is not a skill": the label then maps to nothing,
    with ``method="remembered"``, and needs no further review.
    """

    label: str
    skill_uri: str | None


class Candidate(NamedTuple):
    """A possible skill for a label: ``(uri, label, score)``."""

    uri: str
    label: str
    score: float


@dataclass(frozen=True)
class Match:
    """The mapping of one input label.

    ``skill_uri``/``label`` name the accepted skill (None when nothing is accepted);
    ``score`` is the calibrated confidence in [0, 1] of the best candidate;
    ``accepted`` is True only when the mapping is automatic (score at or above the
    accept threshold, or an exact/URI/remembered match); ``candidates`` holds up to
    five ``(uri, label, score)`` for the review queue, best first.
    """

    query: str
    skill_uri: str | None
    label: str | None
    score: float
    accepted: bool
    method: Method
    candidates: tuple[Candidate, ...] = ()
