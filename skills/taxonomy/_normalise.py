"""Label normalisation and skill-reference parsing shared by the exact and fuzzy stages."""

from __future__ import annotations

import re
import unicodedata

ESCO_SKILL_PREFIX = "http://data.europa.eu/esco/skill/"
ORG_SKILL_PREFIX = "urn:skillatlas:skill:"

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ESCO_REF = re.compile(
    rf"^(?:(?:https?://)?data\.europa\.eu/esco/skill/|esco:(?:skill/)?)?({_UUID})/*$",
    re.IGNORECASE,
)
_PUNCT = re.compile(r"[^\w\s+#]")
_SPACE = re.compile(r"\s+")
_APOSTROPHE = re.compile(r"['’`´]s\b")
_SUFFIXES = ("ing", "ed", "es", "s")


def normalise(text: str) -> str:
    """Case, punctuation, whitespace, ``&``/``and``, Unicode (NFKC) and plural folding.

    ``"Team  Leadership!"`` -> ``"team leadership"``, ``"R&D"`` -> ``"r and d"``,
    ``"soft skills"`` -> ``"soft skill"``. ``+`` and ``#`` are kept (C++, C#).
    """
    t = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    t = _APOSTROPHE.sub("", t)
    t = _PUNCT.sub(" ", t)
    return " ".join(_singular(w) for w in _SPACE.split(t) if w)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        if word.endswith("ies") and len(word) > 4:
            return word[:-3] + "y"
        return word[:-1]
    return word


def stem(word: str) -> str:
    """A crude suffix stripper for the word-level index (``soldering`` -> ``solder``,
    ``moving``/``move`` -> ``mov``); only its consistency matters, not linguistics."""
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def sorted_key(normalised: str) -> str:
    """Word-order-free key: the words of a normalised label, sorted."""
    return " ".join(sorted(normalised.split()))


def esco_uri(ref: str) -> str | None:
    """The canonical ``http://data.europa.eu/esco/skill/<uuid>`` for an ESCO skill
    reference (http or https URI, trailing slashes, ``esco:`` CURIE or the bare UUID),
    else None. Does not check that the skill exists."""
    m = _ESCO_REF.match(ref.strip())
    return ESCO_SKILL_PREFIX + m.group(1).lower() if m else None


def org_skill_uri(skill_id: str) -> str:
    """The URI of an organisation skill with the given id (kept as is when already a URI)."""
    return skill_id if ":" in skill_id else ORG_SKILL_PREFIX + skill_id
