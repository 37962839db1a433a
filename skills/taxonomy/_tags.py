"""Short skill tags ("Data Modeling", "Problem Solving", "Structured Query Language
(SQL)") ranked and calibrated the way real badge tags need.

Badge platforms name skills with short nouns and paraphrases; ESCO labels are verb
phrases. The general matcher (:mod:`skills.taxonomy._matcher`) scores a right one-word
tag near 0 and prefers a domain variant ("apply problem solving in social service") to
the generic skill. For a tag (:meth:`TagRanker.is_tag`: at most :data:`MAX_TAG_WORDS`
content words, not beginning with a word that begins ESCO labels) the matcher asks
:class:`TagRanker`, which

1. **reads the tag** (:meth:`TagRanker.variants`): whole, as the parts of ``X (Y)``,
   and with a compound the labels rarely use split in two (``storytelling`` -> ``story
   telling``); an expansion with its abbreviation (:func:`acronym_pair`) is handled
   before, by the matcher's exact stage;
2. **stems** every word with the Snowball English stemmer after British/American
   spelling folding (``creativity``/``creatively`` -> ``creativ``, ``persistence`` ->
   ``persist``), and lets it meet other label stems for a share of its weight
   (:meth:`TagRanker.stems`): words WordNet derives from it or gives as synonyms
   (``persuasion`` -> ``persuade``; ``data/esco/wordforms.parquet``), its substitutes
   in ESCO's own labels (:func:`_substitutes`: ``administer``/``manage``), and stems
   sharing its first :data:`PREFIX` letters;
3. **gathers candidates**: the general matcher's best :data:`STAGE1_K` skills plus the
   skills with a label holding every stem of the tag (shortest labels first);
4. **ranks them** with a linear model (:data:`RANK_COEF`) over :data:`FEATURES`: the
   general similarity and probability, how much of the tag the candidate's closest
   label covers and whether it covers the tag's last word (the activity: "Database
   *Administration*"), extra and domain words, whether ESCO files the skill as
   transversal (generic over domain), the tag's ambiguity; the general matcher's best
   stays first unless the model ranks another :data:`KEEP_MARGIN` higher;
5. **accepts** the best at :data:`TAG_ACCEPT` by a second logistic model
   (:data:`ACCEPT_COEF`).

Both models are fitted by ``python benchmarks/bench_realtags.py --calibrate`` on the
real-tag development set (``benchmarks/data/real_tags.csv``) and examples generated
from ESCO. Two skills in one tag ("Agile & Scrum") are split by :func:`tag_parts`
(``Matcher.split``), which the extractor uses when the whole tag is not accepted.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import snowballstemmer

from skills.taxonomy._normalise import fold_spelling, match_key, normalise

#: Tags with more content words than this are left to the general matcher.
MAX_TAG_WORDS = 4
#: The general matcher's best skills taken as candidates.
STAGE1_K = 10
#: Labels holding all of a tag's stems taken as candidates (shortest first).
STEM_K = 40
#: A word meets the label stems sharing this many first letters with its own stem.
PREFIX = 6
#: ... and counts for this share of a matching word.
PREFIX_CREDIT = 0.6
#: How much a word WordNet relates to a tag's word counts for it.
RELATION_CREDIT = {"derived": 0.9, "synonym": 0.5}
#: A context word confirms a sense when its idf is at least this share of the highest.
CONTEXT_IDF = 0.5
#: A word that begins at least this many labels, and this share of the labels holding
#: it, is a verb: a text beginning with it is not read as a tag.
VERB_LABELS = 5
VERB_SHARE = 0.6
#: Stems that replace each other in labels of at least this many skills are substitutes,
#: and count for this share of a word (:func:`_substitutes`).
MIN_SUBSTITUTE_SKILLS = 2
SUBSTITUTE_CREDIT = 0.5
#: A compound used in at most this many labels is also read split in two.
RARE = 5
#: Words that carry no skill: dropped before stemming.
STOP = frozenset(
    (
        "a",
        "an",
        "and",
        "or",
        "of",
        "in",
        "on",
        "for",
        "to",
        "the",
        "with",
        "at",
        "by",
        "from",
        "as",
        "into",
        "via",
        "your",
        "their",
        "its",
        "skill",
        "ability",
        "basic",
        "advanced",
        "fundamental",
        "introduction",
        "intro",
    )
)
# The features of one (reading of a tag, candidate skill) pair, see :meth:`TagRanker.rows`.
FEATURES = (
    "stage1",  # the general matcher's similarity
    "stage1_rel",  # ... over the best of the reading's candidates
    "stage1_top",  # the general matcher's first
    "stage1_p",  # ... and its calibrated probability (0 for the others)
    "cover",  # idf share of the tag's stems in the skill's closest label
    "head",  # that label covers the tag's last word (its head: "database *tuning*")
    "reverse",  # idf share of that label's stems the tag covers
    "extra",  # that label's stems the tag lacks (/4, at most 1)
    "extra_rel",  # ... minus the fewest among the reading's candidates
    "extra_idf",  # idf of those stems over the highest idf (at most 2)
    "generic",  # an ESCO transversal skill or an attitude
    "knowledge",  # a knowledge concept
    "preferred",  # the closest label is the preferred one
    "stem_exact",  # that label's stems are the tag's
    "alt_exact",  # the whole tag is exactly an alternative label of the skill
    "variant",  # the reading is a part or a split compound, not the whole tag
    "domain",  # that label adds a phrase ("... in sports") the tag lacks
    "labels",  # log(1 + the skill's labels) / log(50)
    "ambiguity",  # log(1 + skills with a label holding all the stems) / log(1000)
    "one_word",  # the reading has one stem
)
#: Ranking weights over :data:`FEATURES` (pairwise logistic regression: right candidate
#: against wrong ones of the same tag), from ``benchmarks/bench_realtags.py --calibrate``.
RANK_COEF = (
    3.923,
    0.047,
    0.855,
    0.422,
    6.394,
    -0.212,
    1.040,
    -0.947,
    -0.814,
    -1.069,
    0.586,
    0.038,
    0.997,
    0.956,
    -0.427,
    -2.910,
    -1.013,
    -2.530,
    -1.033,
    0.851,
)
#: Acceptance: a logistic model over (rank score of the best, margin to the second,
#: the best's :data:`FEATURES`), fitted on the same set.
ACCEPT_COEF = (
    0.507,
    0.291,
    0.407,
    -0.142,
    -0.596,
    1.118,
    -0.480,
    0.544,
    2.390,
    -1.114,
    1.802,
    0.025,
    0.821,
    0.400,
    -0.191,
    -0.234,
    -1.443,
    1.095,
    0.262,
    -1.172,
    -0.081,
    -0.238,
)
ACCEPT_C = -6.743
#: The general matcher's best stays first unless the tag model ranks another this much
#: higher (rank score): chosen on the generated examples and the cross-validated
#: development set (``python benchmarks/bench_realtags.py --calibrate``).
KEEP_MARGIN = 1.0
#: A tag's best candidate is accepted at this probability.
TAG_ACCEPT = 0.85

_STEMMER = snowballstemmer.stemmer("english")
_PAREN = re.compile(r"^\s*([^()]+?)\s*\(\s*([^()]+?)\s*\)?\s*$")
_SPLIT = re.compile(r"\s*(?:&|\band\b|/|\+|,)\s*", re.IGNORECASE)
_DOMAIN_WORDS = frozenset(("in", "for", "of", "on", "within", "during"))


@functools.lru_cache(maxsize=131072)
def tag_stem(word: str) -> str:
    """Snowball English stem of one match-key word."""
    return str(_STEMMER.stemWord(word))


def content_words(key: str) -> list[str]:
    """The words of a match key that carry meaning (:data:`STOP` dropped)."""
    return [w for w in key.split() if w not in STOP]


def acronym_pair(text: str) -> tuple[str, str] | None:
    """``"Structured Query Language (SQL)"`` -> ``("Structured Query Language", "SQL")``:
    a tag that gives an expansion and, in brackets (or before them), its abbreviation
    (:func:`abbreviates`); None otherwise."""
    m = _PAREN.match(text)
    if not m:
        return None
    first, second = m.groups()
    for expansion, short in ((first, second), (second, first)):
        if " " not in short.strip() and abbreviates(short, expansion):
            return expansion.strip(), short.strip()
    return None


def abbreviates(short: str, expansion: str) -> bool:
    """True when ``short`` (2-6 letters) abbreviates ``expansion`` (two or more content
    words): it starts with the first word's initial, holds every content word's initial
    in order, and its letters occur in order in the expansion (``DBMS`` for "Database
    Management Systems", ``ICT`` for "Information and Communications Technology")."""
    letters = re.sub(r"[^a-z]", "", short.casefold())
    words = content_words(normalise(expansion))
    if not (2 <= len(letters) <= 6) or len(words) < 2 or letters[0] != words[0][0]:
        return False
    rest = iter(letters)
    if not all(w[0] in rest for w in words):  # the initials, in order
        return False
    chars = iter("".join(words))
    return all(c in chars for c in letters)


def tag_parts(text: str) -> list[str]:
    """The parts of a tag naming two or more skills: ``"Agile & Scrum"`` ->
    ``["Agile", "Scrum"]``, ``"UI/UX"`` -> ``["UI", "UX"]``; ``[]`` when it names one.
    Callers map the parts only when the whole tag is not accepted and every part is."""
    parts = [p.strip() for p in _SPLIT.split(text) if p and p.strip()]
    return parts if len(parts) > 1 and all(content_words(match_key(p)) for p in parts) else []


@dataclass(frozen=True)
class Variant:
    """One reading of a tag: its match key and whether it is the whole tag."""

    key: str
    whole: bool


class TagRanker:
    """Candidates and features for short tags (see module docstring).

    Built from the matcher's labels: ``labels`` are match keys, ``label_skill`` the
    skill index of each, ``preferred`` which are preferred labels; ``facets`` maps a
    skill index to ``"T"`` (transversal or attitude), ``"K"`` (knowledge) or nothing."""

    def __init__(
        self,
        labels: Sequence[str],
        label_skill: Sequence[int],
        preferred: Sequence[bool],
        n_skills: int,
        facets: Mapping[int, str],
        related: Mapping[str, Mapping[str, str]] = {},
    ) -> None:
        self.label_skill = np.asarray(label_skill, dtype=np.int32)
        # A tag word -> label stems WordNet relates to it, with the credit of the relation.
        self.related = {
            w: {tag_stem(e): RELATION_CREDIT[r] for e, r in targets.items()}
            for w, targets in related.items()
        }
        self.preferred = np.asarray(preferred, dtype=bool)
        self.n_skills = n_skills
        self.generic = np.zeros(n_skills, dtype=bool)
        self.knowledge = np.zeros(n_skills, dtype=bool)
        for i, facet in facets.items():
            self.generic[i] = facet == "T"
            self.knowledge[i] = facet == "K"
        split = [key.split() for key in labels]
        anywhere = Counter(chain.from_iterable(split))
        first = Counter(words[0] for words in split if words)
        self.words = set(anywhere)
        stem_of = {w: tag_stem(w) for w in anywhere if w not in STOP}
        self.label_stems = [frozenset([stem_of[w] for w in ws if w in stem_of]) for ws in split]
        self.label_len = np.fromiter(map(len, self.label_stems), np.int16, len(split))
        self.label_has_domain = np.fromiter(
            (not _DOMAIN_WORDS.isdisjoint(ws) for ws in split), bool, len(split)
        )
        # Words that begin labels (verbs: "manage", "furnish", "creating"): a text that
        # begins with one is written like an ESCO label, not like a tag.
        self.verbs = frozenset(
            w for w, n in first.items() if n >= VERB_LABELS and n >= VERB_SHARE * anywhere[w]
        )
        # Posting lists (stem -> labels) and each stem's number of skills, with numpy.
        vocab = sorted({s for stems in self.label_stems for s in stems})
        code = {s: i for i, s in enumerate(vocab)}
        flat = np.fromiter((code[s] for stems in self.label_stems for s in stems), np.int32)
        owner = np.repeat(np.arange(len(split), dtype=np.int32), self.label_len)
        order = np.argsort(flat, kind="stable")
        bounds = np.searchsorted(flat[order], np.arange(len(vocab) + 1))
        by_label = owner[order]
        self.by_stem = {s: by_label[bounds[i] : bounds[i + 1]] for i, s in enumerate(vocab)}
        pairs = np.unique(flat.astype(np.int64) * (n_skills + 1) + self.label_skill[owner])
        skills_per_stem = np.bincount(pairs // (n_skills + 1), minlength=len(vocab))
        n = max(1, n_skills)
        idf = np.log((1 + n) / (1 + skills_per_stem)) + 1.0
        self.idf = dict(zip(vocab, idf.tolist(), strict=True))
        by_prefix: dict[str, set[str]] = {}
        for s in self.by_stem:
            if len(s) >= PREFIX:
                by_prefix.setdefault(s[:PREFIX], set()).add(s)
        self.by_prefix = by_prefix
        self.skill_start = np.searchsorted(self.label_skill, np.arange(n_skills + 1))
        self.substitutes = _substitutes(self.label_stems, self.skill_start)
        self.max_idf = max(self.idf.values(), default=1.0)

    # ---- reading a tag --------------------------------------------------------
    def is_tag(self, key: str) -> bool:
        """A tag: at most :data:`MAX_TAG_WORDS` content words, not beginning with a word
        that begins labels (a verb phrase is left to the general matcher)."""
        words = key.split()
        return (
            bool(words)
            and words[0] not in self.verbs
            and 0 < len(content_words(key)) <= MAX_TAG_WORDS
        )

    def variants(self, text: str, key: str) -> list[Variant]:
        """The whole tag, the parts of ``X (Y)`` and a split compound (see module
        docstring); duplicates dropped, the whole first."""
        out = [Variant(key, True)]
        m = _PAREN.match(text)
        if m:
            out.extend(Variant(match_key(p), False) for p in m.groups())
        # Split compounds before spelling folding: "storytelling" folds to "storyteling".
        split = [self._decompound(w) for w in normalise(text).split()]
        if any(" " in w for w in split):
            out.append(Variant(match_key(" ".join(split)), False))
        seen: set[str] = set()
        return [v for v in out if v.key and not (v.key in seen or seen.add(v.key))]  # type: ignore[func-returns-value]

    def _decompound(self, word: str) -> str:
        """``cybersecurity`` -> ``cyber security`` when the labels use the word in at
        most :data:`RARE` labels but use both halves (the split whose rarer half is most
        common wins). ``word`` is normalised, not yet spelling-folded."""
        if len(word) < 7 or not word.isalpha():
            return word
        if len(self.by_stem.get(tag_stem(fold_spelling(word)), ())) > RARE:
            return word
        best, best_df = word, 0
        for i in range(3, len(word) - 2):
            a, b = fold_spelling(word[:i]), fold_spelling(word[i:])
            if a in self.words and b in self.words:
                df = min(
                    len(self.by_stem.get(tag_stem(a), ())), len(self.by_stem.get(tag_stem(b), ()))
                )
                if df > best_df:
                    best, best_df = f"{word[:i]} {word[i:]}", df
        return best

    def stems(self, key: str) -> list[tuple[str, dict[str, float]]]:
        """Each content word's stem and the other label stems it meets, with the share
        of the word they count for: stems WordNet relates to the word
        (``persuasion``/``persuade``, :data:`RELATION_CREDIT`), its ESCO substitutes
        (:func:`_substitutes`, :data:`SUBSTITUTE_CREDIT`) and stems sharing its first
        :data:`PREFIX` letters (:data:`PREFIX_CREDIT`)."""
        out = []
        for w in content_words(key):
            s = tag_stem(w)
            meets: dict[str, float] = {}
            if len(s) >= PREFIX:
                meets.update((m, PREFIX_CREDIT) for m in self.by_prefix.get(s[:PREFIX], ()))
            for m, credit in (
                *self.related.get(w, {}).items(),
                *self.substitutes.get(s, {}).items(),
            ):
                if m in self.by_stem:
                    meets[m] = max(meets.get(m, 0.0), credit)
            meets.pop(s, None)
            out.append((s, meets))
        return out

    def context_stems(self, text: str) -> frozenset[str]:
        """The stems of a badge's other words (:meth:`supports` reads them)."""
        return frozenset(tag_stem(w) for w in content_words(match_key(text)))

    def supports(self, skill: int, key: str, context: frozenset[str]) -> bool:
        """True when ``context`` holds a stem of the skill's labels that the tag ``key``
        does not, and that few skills' labels use (idf at least :data:`CONTEXT_IDF` of
        the highest): the badge's own words point to that sense."""
        if not context:
            return False
        own = {s for s, _ in self.stems(key)}
        floor = CONTEXT_IDF * self.max_idf
        for j in range(int(self.skill_start[skill]), int(self.skill_start[skill + 1])):
            for s in self.label_stems[j]:
                if s in context and s not in own and self.idf.get(s, 0.0) >= floor:
                    return True
        return False

    # ---- candidates and features -------------------------------------------
    def candidates(self, stems: list[tuple[str, dict[str, float]]]) -> tuple[list[int], int]:
        """Skills with a label holding every stem of the tag or a stem it meets
        (shortest labels first, at most :data:`STEM_K`), and how many skills have such
        a label (the tag's ambiguity)."""
        mask: np.ndarray | None = None
        for s, meets in stems:
            ids = [self.by_stem[m] for m in (s, *meets) if m in self.by_stem]
            if not ids:
                return [], 0
            hit = np.zeros(len(self.label_stems), dtype=bool)
            for found in ids:
                hit[found] = True
            mask = hit if mask is None else mask & hit
        if mask is None:
            return [], 0
        labels = np.flatnonzero(mask)
        if len(labels) == 0:
            return [], 0
        skills = self.label_skill[labels]
        order = np.argsort(self.label_len[labels], kind="stable")
        chosen = list(dict.fromkeys(skills[order].tolist()))
        return chosen[:STEM_K], len(chosen)

    def rows(
        self,
        variant: Variant,
        skills: Sequence[int],
        stage1: Sequence[float],
        stage1_best: int,
        stage1_p: float,
        ambiguity: int,
        alt: int | None,
    ) -> list[list[float]]:
        """The :data:`FEATURES` of each candidate ``skills[i]`` of one reading, whose
        general similarity is ``stage1[i]``."""
        stems = self.stems(variant.key)
        weights = [self.idf.get(s, self.max_idf) for s, _ in stems]
        total = sum(weights) or 1.0
        closest = [self._closest(stems, weights, total, skill) for skill in skills]
        top1 = max(stage1, default=0.0) or 1.0
        fewest = min((c[2] for c in closest), default=0)
        out = []
        for skill, s1, (cover, head, reverse, extra, extra_idf, j) in zip(
            skills, stage1, closest, strict=True
        ):
            out.append(
                [
                    s1,
                    s1 / top1,
                    float(skill == stage1_best),
                    stage1_p if skill == stage1_best else 0.0,
                    cover,
                    float(head),
                    reverse,
                    min(extra, 4) / 4.0,
                    min(extra - fewest, 4) / 4.0,
                    min(extra_idf / self.max_idf, 2.0),
                    float(self.generic[skill]),
                    float(self.knowledge[skill]),
                    float(self.preferred[j]),
                    float(cover >= 0.999 and extra == 0),
                    float(skill == alt and variant.whole),
                    float(not variant.whole),
                    float(bool(self.label_has_domain[j]) and extra > 0),
                    math.log1p(int(self.skill_start[skill + 1] - self.skill_start[skill]))
                    / math.log(50.0),
                    math.log1p(ambiguity) / math.log(1000.0),
                    float(len(stems) == 1),
                ]
            )
        return out

    def _closest(
        self,
        stems: list[tuple[str, dict[str, float]]],
        weights: list[float],
        total: float,
        skill: int,
    ) -> tuple[float, bool, float, int, float, int]:
        """The skill's label closest to the tag: (cover, head covered, reverse, extra
        stems, their idf, label index); most covered, then fewest extra stems, then
        preferred."""
        best: tuple[float, int, int, int] | None = None
        best_matched: set[str] = set()
        best_head = False
        for j in range(int(self.skill_start[skill]), int(self.skill_start[skill + 1])):
            lab = self.label_stems[j]
            hit = 0.0
            matched: set[str] = set()
            head = False
            for (s, meets), w in zip(stems, weights, strict=True):
                head = False
                if s in lab:
                    hit += w
                    matched.add(s)
                    head = True
                else:
                    common = [m for m in meets if m in lab]
                    if common:
                        hit += max(meets[m] for m in common) * w
                        matched.update(common)
                        head = True
            key = (hit / total, -len(lab - matched), int(self.preferred[j]), -j)
            if best is None or key > best:
                best, best_matched, best_head = key, matched, head
        if best is None:
            return 0.0, False, 0.0, 0, 0.0, int(self.skill_start[skill])
        j = -best[3]
        lab = self.label_stems[j]
        idf = self.idf
        lab_w = sum(idf.get(s, self.max_idf) for s in lab) or 1.0
        extra = lab - best_matched
        extra_w = sum(idf.get(s, self.max_idf) for s in extra)
        return best[0], best_head, (lab_w - extra_w) / lab_w, len(extra), extra_w, j


def _substitutes(
    label_stems: Sequence[frozenset[str]], skill_start: np.ndarray
) -> dict[str, dict[str, float]]:
    """Stems that replace each other in two labels of one skill, everything else equal
    and word order ignored ("administer database" / "database administration",
    "manage staff" / "supervise staff"), for at least :data:`MIN_SUBSTITUTE_SKILLS`
    skills: synonyms learned from ESCO's own alternative labels. Labels are sorted by
    skill; ``skill_start[i]`` is where skill ``i``'s begin."""
    pairs: dict[tuple[str, str], int] = {}
    for i in range(len(skill_start) - 1):
        labels = list(dict.fromkeys(label_stems[skill_start[i] : skill_start[i + 1]]))
        found: set[tuple[str, str]] = set()
        for x, a in enumerate(labels):
            for b in labels[x + 1 :]:
                if len(a) == len(b) >= 2 and len(a ^ b) == 2:
                    (u,), (v,) = a - b, b - a
                    found.update(((u, v), (v, u)))
        for pair in found:
            pairs[pair] = pairs.get(pair, 0) + 1
    out: dict[str, dict[str, float]] = {}
    for (u, v), n in pairs.items():
        if n >= MIN_SUBSTITUTE_SKILLS:
            out.setdefault(u, {})[v] = SUBSTITUTE_CREDIT
    return out


def rank_scores(rows: np.ndarray) -> np.ndarray:
    """Linear ranking scores (:data:`RANK_COEF`) of rows of :data:`FEATURES`."""
    out: np.ndarray = rows @ np.asarray(RANK_COEF, dtype=np.float64)
    return out


def accept_features(scores: np.ndarray, rows: np.ndarray, skills: Sequence[int]) -> np.ndarray:
    """(best score, margin to the best other skill, the best row's features)."""
    order = np.argsort(-scores, kind="stable")
    top = int(order[0])
    others = [scores[i] for i in order[1:] if skills[i] != skills[top]]
    margin = scores[top] - others[0] if others else 5.0
    return np.concatenate([[scores[top], min(margin, 5.0)], rows[top]])


def accept_probability(feats: np.ndarray) -> float:
    """The acceptance model (:data:`ACCEPT_COEF`) over :func:`accept_features`."""
    z = float(feats @ np.asarray(ACCEPT_COEF, dtype=np.float64)) + ACCEPT_C
    return 1.0 / (1.0 + math.exp(-z))
