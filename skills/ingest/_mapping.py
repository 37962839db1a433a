"""Skill mentions to stored skill rows: ESCO plus the organisation's own skills, synonyms
and remembered review decisions.
"""

from __future__ import annotations

from typing import Any

from skills.ingest._plan import (
    Mapper,
    SkillRow,
)
from skills.store import Store, sync_skills
from skills.verify import Credential


def _org_additions(store: Store) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]:
    from skills.taxonomy import OrgSkill, Remembered, Synonym

    org = tuple(
        OrgSkill(uri=str(u), label=str(label), group_code=g, description=d)
        for u, label, g, d in store.rows(
            "SELECT skill_uri, label, group_code, description FROM skills "
            "WHERE origin = 'org' ORDER BY skill_uri"
        )
    )
    synonyms = tuple(
        Synonym(label=str(label), skill_uri=str(u))
        for label, u in store.rows(
            "SELECT label, skill_uri FROM skill_synonyms ORDER BY label_norm"
        )
    )
    remembered = tuple(
        Remembered(label=str(label), skill_uri=u)
        for label, u in store.rows(
            "SELECT label, chosen_uri FROM mapping_review WHERE status = 'resolved' "
            "ORDER BY label_norm"
        )
    )
    return org, synonyms, remembered


def skill_mapper(store: Store) -> Mapper:
    """A function mapping a credential's skill mentions to stored skill rows.

    Uses :func:`skills.taxonomy.load_taxonomy` with the organisation's skills,
    synonyms and remembered review decisions read from the store, and
    :func:`skills.extract.map_credential`. Loads the ESCO skills into the
    ``skills`` table the first time. Raises :class:`ConfigError` when the ESCO
    files are missing.
    """
    from skills.extract import map_credential
    from skills.taxonomy import load_taxonomy

    org, synonyms, remembered = _org_additions(store)
    taxonomy = load_taxonomy(org, synonyms, remembered)
    if not store.read_only and not store.scalar(
        "SELECT count(*) FROM skills WHERE origin = 'esco'"
    ):
        sync_skills(store, taxonomy.skills_frame())
    matcher = taxonomy.matcher()

    def mapper(credential: Credential) -> list[SkillRow]:
        rows: list[SkillRow] = []
        for m in map_credential(credential, matcher):
            rows.append(
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
            )
        return rows

    return mapper
