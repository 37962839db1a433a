"""Label normalisation and skill-reference parsing shared by the exact and fuzzy stages."""

from __future__ import annotations

import functools
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


# British and American spellings folded to one form (the American; which one does not
# matter, only that labels and queries meet), word by word after :func:`normalise`.
_SPELLING = (
    (re.compile(r"^(\w{2,})is(e|ed|es|ing|ation|er)$"), r"\1iz\2"),  # organise, realisation
    (re.compile(r"^(\w+)ys(e|ed|ing|er)$"), r"\1yz\2"),  # analyse
    (re.compile(r"^(\w{2,}[^aeou])our(ed|ing|able|ite|er|ful|less)?$"), r"\1or\2"),  # colour
    (re.compile(r"^(\w{2,})ell(ing|ed|er)$"), r"\1el\2"),  # modelling, traveller
    (re.compile(r"^(\w{2,})(t|b)re(d)?$"), r"\1\2er\3"),  # centre, fibre
    (re.compile(r"^(\w*)(paed|anaes|gynaec)"), lambda m: m.group(0).replace("a", "", 1)),
    (re.compile(r"^(\w*[hkt])aem"), r"\1em"),  # haematology, leukaemia, septicaemia
    (re.compile(r"^oe(?=[sd])"), "e"),  # oesophagus, oestrogen, oedema
)
_SPELLING_WORDS = {
    "licence": "license",
    "defence": "defense",
    "offence": "offense",
    "pretence": "pretense",
    "catalogue": "catalog",
    "dialogue": "dialog",
    "analogue": "analog",
    "programme": "program",
    "aluminium": "aluminum",
    "grey": "gray",
    "plough": "plow",
    "mould": "mold",
    "moulding": "molding",
    "jewellery": "jewelry",
    "manoeuvre": "maneuver",
    "ageing": "aging",
    "judgement": "judgment",
    "sceptical": "skeptical",
    "foetal": "fetal",
    "foetus": "fetus",
    "odour": "odor",
}


def fold_spelling(normalised: str) -> str:
    """Fold British and American spellings of each word of a normalised label to one
    form: ``"organise colour"`` and ``"organize color"`` -> ``"organize color"``
    (-ise/-ize, -yse/-yze, -our/-or, -elling/-eling, -tre/-ter, ae/e, -ence/-ense and a
    few words). Both the indexed labels and the queries are folded, so the form chosen
    only has to be consistent; a rule that also rewrites an unrelated word (``raise``)
    is harmless unless two different words meet."""
    return " ".join(_fold_word(w) for w in normalised.split())


@functools.lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    if word in _SPELLING_WORDS:
        return _SPELLING_WORDS[word]
    for pattern, repl in _SPELLING:
        word = pattern.sub(repl, word)
    return word


def match_key(text: str) -> str:
    """The key the matcher compares: :func:`normalise` then :func:`fold_spelling`."""
    return fold_spelling(normalise(text))


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
