"""Credential -> skill mentions -> skill mappings.

:func:`extract_mentions` reads, from a verified :class:`~skills.verify._model.Credential`
only, every place a badge names a skill, most explicit first:

- ``alignment``: each Alignment (``targetUrl``, ``targetCode``, ``targetName``,
  ``targetFramework``);
- ``extension``: extension objects (e.g. a ``CompetencyExtension`` with ``escoID`` /
  ``escoUri`` and skill names), searched recursively for ESCO references and skill names;
- ``tag``: the achievement's tags;
- ``title``: the achievement's name, used only when nothing else names a skill. A
  mapping from a title is always flagged ``inferred``.

:func:`map_credential` maps the mentions with a matcher and keeps, per skill, the mapping
with the best confidence (unaccepted mentions are kept once per text, for review). When
no alignment, extension or tag was mapped to a skill, it also reads the skills the
achievement's ``description`` and ``criteria`` narrative name, with the free-text
extractor (:func:`skills.taxonomy.extract_text_skills`): such mappings are ``inferred``,
their confidence is the extractor's score times :data:`INFERRED_CONFIDENCE`, and one
below the held threshold goes to the review queue (no skill, the skill as its candidate)
like any mention the matcher did not accept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from skills.taxonomy import Candidate, Matcher, Method, esco_uri, extract_text_skills
from skills.verify import Credential

Source = Literal["alignment", "extension", "tag", "title", "description", "criteria"]
_SOURCE_RANK: dict[str, int] = {
    "alignment": 0,
    "extension": 1,
    "tag": 2,
    "title": 3,
    "description": 4,
    "criteria": 5,
}
#: A skill read from a badge's description or criteria is an inference, not a claim the
#: issuer structured: its confidence is the extractor's score times this.
INFERRED_CONFIDENCE = 0.6
#: The default ``held_confidence_threshold`` (app_settings): an inferred mapping below it
#: goes to the review queue instead of being stored as a weak skill nobody looks at.
HELD_THRESHOLD = 0.5
#: Skills read from one description or criteria text, and the characters read.
_MAX_INFERRED = 20
_MAX_NARRATIVE = 5000
_MAX_DEPTH = 6
_MAX_TEXT = 300

# Extension keys (compared case-insensitively, without "_"/"-") that hold a skill reference
# or a skill name.
_REF_KEYS = frozenset(
    {
        "escoid",
        "escouri",
        "escourl",
        "escoskill",
        "escoskilluri",
        "skilluri",
        "skillid",
        "competencyuri",
        "competencyid",
        "targeturl",
        "targetcode",
        "frameworkurl",
    }
)
_NAME_KEYS = frozenset(
    {
        "skill",
        "skills",
        "skillname",
        "skillnames",
        "skilllabel",
        "competency",
        "competencies",
        "competencyname",
        "competencylabel",
        "targetname",
        "escolabel",
        "escoskilllabel",
        "preferredlabel",
        "label",
        "name",
        "title",
    }
)
# Inside an extension, these name the extension itself, not a skill.
_IGNORED_KEYS = frozenset({"@context", "type", "@type", "_key", "id", "@id"})


@dataclass(frozen=True)
class Mention:
    """One place a credential names a skill. ``uri``/``code`` are a reference when the
    badge gives one (an ESCO URI, a framework code); ``framework`` the framework name."""

    text: str
    source: Source
    uri: str | None = None
    code: str | None = None
    framework: str | None = None


@dataclass(frozen=True)
class SkillMapping:
    """A mention mapped to the taxonomy.

    ``skill_uri`` is None when no skill was accepted (the mention waits for review with
    its ``candidates``). ``inferred`` is True for mappings from the badge title alone and
    from its description or criteria. ``confidence`` is the matcher's calibrated score
    (times :data:`INFERRED_CONFIDENCE` for the description and criteria).
    """

    skill_uri: str | None
    label: str | None
    mention: str
    source: Source
    confidence: float
    method: Method
    inferred: bool
    candidates: tuple[Candidate, ...] = ()


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text[:_MAX_TEXT] if text else None


def _key(name: str) -> str:
    return name.rsplit(":", 1)[-1].rsplit("/", 1)[-1].lower().replace("_", "").replace("-", "")


def _from_extension(obj: Any, depth: int = 0) -> Iterator[Mention]:
    """Skill mentions in one extension object, recursively (bounded depth)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(obj, list):
        for item in obj:
            yield from _from_extension(item, depth + 1)
        return
    if not isinstance(obj, Mapping):
        return
    refs: list[str] = []
    names: list[str] = []
    for raw_key, value in obj.items():
        if not isinstance(raw_key, str) or raw_key in _IGNORED_KEYS:
            continue
        key = _key(raw_key)
        if isinstance(value, Mapping | list):
            yield from _from_extension(value, depth + 1)
            if key in _NAME_KEYS and isinstance(value, list):
                names.extend(t for t in (_clean(v) for v in value) if t)
            continue
        text = _clean(value)
        if text is None:
            continue
        if key in _REF_KEYS or (esco_uri(text) is not None and "esco" in text.lower()):
            refs.append(text)
        elif key in _NAME_KEYS:
            names.append(text)
    # A reference and a name in the same object describe one skill.
    for i, ref in enumerate(refs):
        name = names[i] if i < len(names) else ref
        yield Mention(
            name,
            "extension",
            uri=ref if esco_uri(ref) or ":" in ref else None,
            code=None if esco_uri(ref) or ":" in ref else ref,
        )
    for name in names[len(refs) :]:
        yield Mention(name, "extension")


def extract_mentions(credential: Credential) -> list[Mention]:
    """Every skill mention of a verified credential, alignments first, then extensions,
    tags and, only when none of those gave anything, the achievement title.

    Pure; reads only the normalised credential (which holds only verified content).
    Duplicates (same text, source and reference) are dropped.
    """
    found: list[Mention] = []
    for a in credential.alignments:
        text = _clean(a.target_name) or _clean(a.target_code) or _clean(a.target_url)
        if text is None:
            continue
        found.append(
            Mention(
                text,
                "alignment",
                uri=_clean(a.target_url),
                code=_clean(a.target_code),
                framework=_clean(a.target_framework),
            )
        )
    for ext in credential.extensions:
        found.extend(_from_extension(ext))
    for tag in credential.achievement.tags:
        text = _clean(tag)
        if text is not None:
            found.append(Mention(text, "tag"))
    if not found:
        title = _clean(credential.achievement.name)
        if title is not None:
            found.append(Mention(title, "title"))
    return list(dict.fromkeys(found))


def _narratives(credential: Credential) -> list[tuple[Source, str]]:
    """The achievement's description and criteria narrative (not a criteria URL)."""
    a = credential.achievement
    texts: tuple[tuple[Source, str | None], ...] = (
        ("description", a.description),
        ("criteria", a.criteria),
    )
    out: list[tuple[Source, str]] = []
    for source, value in texts:
        text = value.strip() if isinstance(value, str) else ""
        if text and not (text.lower().startswith(("http://", "https://")) and " " not in text):
            out.append((source, text[:_MAX_NARRATIVE]))
    return out


def infer_mappings(
    credential: Credential, matcher: Matcher, *, review_below: float = HELD_THRESHOLD
) -> list[SkillMapping]:
    """Skills the achievement's description and criteria name (see the module docstring):
    inferred, with the lowered confidence; one below ``review_below`` has no skill and
    names it as its candidate, for the review queue."""
    out: list[SkillMapping] = []
    for source, text in _narratives(credential):
        for found in extract_text_skills(text, matcher, limit=_MAX_INFERRED):
            confidence = round(found.score * INFERRED_CONFIDENCE, 4)
            keep = confidence >= review_below
            out.append(
                SkillMapping(
                    skill_uri=found.uri if keep else None,
                    label=found.label if keep else None,
                    mention=_clean(found.mention) or found.label,
                    source=source,
                    confidence=confidence,
                    method="exact" if found.method == "phrase" else "fuzzy",
                    inferred=True,
                    candidates=(Candidate(found.uri, found.label, confidence),),
                )
            )
    return out


def _context(credential: Credential, mentions: list[Mention]) -> str:
    """The badge's own words around its skill mentions: title, description, criteria
    and every mention's text (see :meth:`Matcher.match_mentions`)."""
    a = credential.achievement
    texts = [a.name, *(t for _, t in _narratives(credential)), *(m.text for m in mentions)]
    return " ".join(t for t in texts if isinstance(t, str))[: 2 * _MAX_NARRATIVE]


def map_credential(
    credential: Credential, matcher: Matcher, *, review_below: float = HELD_THRESHOLD
) -> list[SkillMapping]:
    """Extract the mentions of ``credential`` and map them with ``matcher``.

    One mapping per accepted skill (the best confidence wins; on a tie the more explicit
    source), then one per distinct unaccepted mention text, for the review queue. When no
    alignment, extension or tag mention was mapped to a skill, the skills its description
    and criteria name are added (:func:`infer_mappings`; ``review_below`` is the store's
    ``held_confidence_threshold``).
    """
    mentions = extract_mentions(credential)
    matches = matcher.match_mentions(mentions, context=_context(credential, mentions))
    best: dict[str, SkillMapping] = {}
    pending: dict[str, SkillMapping] = {}
    found: list[SkillMapping] = []
    for mention, m in zip(mentions, matches, strict=True):
        # A tag naming two skills ("Agile & Scrum") is mapped part by part.
        parts = matcher.split(mention.text) if not m.accepted and mention.uri is None else None
        for part in parts or (m,):
            found.append(
                SkillMapping(
                    skill_uri=part.skill_uri,
                    label=part.label,
                    mention=mention.text,
                    source=mention.source,
                    confidence=part.score,
                    method=part.method,
                    inferred=mention.source == "title",
                    candidates=part.candidates,
                )
            )
    if not any(f.skill_uri and f.source in ("alignment", "extension", "tag") for f in found):
        found.extend(infer_mappings(credential, matcher, review_below=review_below))
    for mapping in found:
        if mapping.skill_uri is None:
            pending.setdefault(mapping.mention.casefold(), mapping)
            continue
        old = best.get(mapping.skill_uri)
        if old is None or (mapping.confidence, -_SOURCE_RANK[mapping.source]) > (
            old.confidence,
            -_SOURCE_RANK[old.source],
        ):
            best[mapping.skill_uri] = mapping
    return list(best.values()) + list(pending.values())
