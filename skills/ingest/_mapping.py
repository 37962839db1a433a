"""Skill mentions to stored skill rows: ESCO plus the organisation's own skills, synonyms
and remembered review decisions (:func:`org_additions`, read in one place for the badge
mapper, the job-ad extractor and the mapping fingerprint).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from skills.ingest._plan import (
    Mapper,
    SkillRow,
)
from skills.store import Store, sync_skills
from skills.taxonomy import Matcher, OrgSkill, Remembered, Synonym, Taxonomy
from skills.verify import Credential


class Rows(Protocol):
    """A store or an open transaction: what the organisation's additions are read from."""

    def rows(self, sql: str, params: Any = ...) -> list[tuple[Any, ...]]: ...

    def scalar(self, sql: str, params: Any = ...) -> Any: ...


class OrgAdditions(NamedTuple):
    """What the organisation added to ESCO, in :func:`skills.taxonomy.load_taxonomy`'s
    argument order (``load_taxonomy(*additions)``)."""

    skills: tuple[OrgSkill, ...]
    synonyms: tuple[Synonym, ...]
    remembered: tuple[Remembered, ...]


def org_additions(reader: Rows) -> OrgAdditions:
    """The organisation's own skills, synonyms and resolved review decisions, read from
    ``reader`` (a store or a transaction) in a stable order. The one place they are read:
    the mapper, the job-ad extractor and the mapping fingerprint all use it."""
    org = tuple(
        OrgSkill(uri=str(u), label=str(label), group_code=g, description=d)
        for u, label, g, d in reader.rows(
            "SELECT skill_uri, label, group_code, description FROM skills "
            "WHERE origin = 'org' ORDER BY skill_uri"
        )
    )
    synonyms = tuple(
        Synonym(label=str(label), skill_uri=str(u))
        for label, u in reader.rows(
            "SELECT label, skill_uri FROM skill_synonyms ORDER BY label_norm"
        )
    )
    remembered = tuple(
        Remembered(label=str(label), skill_uri=u)
        for label, u in reader.rows(
            "SELECT label, chosen_uri FROM mapping_review WHERE status = 'resolved' "
            "ORDER BY label_norm"
        )
    )
    return OrgAdditions(org, synonyms, remembered)


def held_threshold(reader: Rows) -> float:
    """The store's ``held_confidence_threshold``: a skill inferred from a badge's text
    with a lower confidence goes to the review queue instead."""
    from skills.extract import HELD_THRESHOLD

    value = reader.scalar("SELECT value FROM app_settings WHERE key = 'held_confidence_threshold'")
    try:
        return float(value) if value is not None else HELD_THRESHOLD
    except ValueError:
        return HELD_THRESHOLD


def org_taxonomy(reader: Rows, additions: OrgAdditions | None = None) -> Taxonomy:
    """ESCO plus the organisation's additions (``additions``, else read from ``reader``).
    Raises :class:`ConfigError` when the ESCO files are missing."""
    from skills.taxonomy import load_taxonomy

    return load_taxonomy(*(additions if additions is not None else org_additions(reader)))


def org_matcher(reader: Rows) -> Matcher:
    """The matcher of :func:`org_taxonomy`: what badges and job ads are matched with."""
    return org_taxonomy(reader).matcher()


@dataclass(frozen=True)
class SkillMapper:
    """A :data:`~skills.ingest._plan.Mapper` that knows what it maps with: ``fingerprint``
    is the mapping fingerprint of the very additions and threshold its matcher was built
    from, so a credential it maps is stamped with what really mapped it (not with what the
    store holds by the time the credential is written)."""

    matcher: Matcher
    threshold: float
    fingerprint: str

    def __call__(self, credential: Credential) -> list[SkillRow]:
        from skills.extract import map_credential

        return [
            SkillRow(
                skill_uri=m.skill_uri,
                label=m.label,
                mention=m.mention,
                source=str(m.source),
                confidence=float(m.confidence),
                method=str(m.method),
                inferred=m.inferred,
                candidates=tuple((c.uri, c.label, float(c.score)) for c in m.candidates),
            )
            for m in map_credential(credential, self.matcher, review_below=self.threshold)
        ]


def mapper_fingerprint(mapper: Mapper | None) -> str | None:
    """What ``mapper`` maps with (:attr:`SkillMapper.fingerprint`); None for any other
    mapper (a credential mapped by it is stamped unknown, so re-verification maps it
    again)."""
    return mapper.fingerprint if isinstance(mapper, SkillMapper) else None


def skill_mapper(store: Store) -> SkillMapper:
    """A function mapping a credential's skill mentions to stored skill rows.

    Uses :func:`org_taxonomy` (ESCO with the organisation's skills, synonyms and
    remembered review decisions, :func:`org_additions`) and
    :func:`skills.extract.map_credential` (skills inferred from a badge's description
    below the store's held threshold go to review). Its ``fingerprint`` is computed from
    the same additions and threshold. Loads the ESCO skills into the ``skills`` table the
    first time. Raises :class:`ConfigError` when the ESCO files are missing.
    """
    from skills.ingest._fingerprint import fingerprint_of

    additions = org_additions(store)
    threshold = held_threshold(store)
    taxonomy = org_taxonomy(store, additions)
    if not store.read_only and not store.scalar(
        "SELECT count(*) FROM skills WHERE origin = 'esco'"
    ):
        sync_skills(store, taxonomy.skills_frame())
    return SkillMapper(taxonomy.matcher(), threshold, fingerprint_of(additions, threshold))
