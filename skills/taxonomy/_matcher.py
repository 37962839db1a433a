"""The matcher: skill references and labels -> canonical skills, with a calibrated score.

Labels and queries are compared by :func:`match_key`: :func:`normalise` (case,
punctuation, plurals) then British/American spelling folded to one form
(``organise``/``organize``, ``colour``/``color``, ``modelling``/``modeling``).

Stages, in order, for each input:

1. **uri** – an ESCO skill URI in any usual spelling (http/https, trailing slash,
   ``esco:`` CURIE, bare UUID) or an organisation skill's URI/id that the taxonomy holds.
2. **remembered** – a reviewer's earlier decision for the same normalised label.
3. **exact** – the normalised label (see :func:`normalise`) equals a preferred or
   alternative label or an organisation synonym of exactly one skill (or is the
   preferred label of one skill among several). Word order is ignored as a fallback.
   When that fails, the same once each word the index does not know is corrected to an
   indexed word one typo away (:meth:`FuzzyIndex.correct`: the candidate the query's
   other words go with wins, then the most frequent); such a match is accepted with
   :data:`SPELLED_EXACT_SCORE` (method ``"fuzzy"``) only when the corrected label names
   one skill and, for a one-word query, the correction was the only one possible.
4. **fuzzy** – five similarities per (query, skill), averaged with :data:`WEIGHTS`:
   TF-IDF cosine over stemmed words against single labels (the best label of a skill
   counts; the query's word vector also holds each word's **ESCO substitutes**, words
   that replace it in another label of the same skill, everything else equal,
   ``comprehend``/``understand``, weighted by :data:`SUBSTITUTE_WEIGHT`, see
   :func:`_substitutes`), TF-IDF cosine over character n-grams (``char_wb`` 3-5 of the normalised
   label) and over stemmed words against the skill's centroid (all its labels
   together), **word coverage** (the idf-weighted share of the query's words that occur
   in any label of the skill, or whose substitutes do; unknown words count with the
   highest idf, so ``"lunch break"`` does not look covered by its known half), and, for the
   :data:`RERANK` best skills of those four only, the character n-gram cosine against
   the skill's closest label; minus :data:`LABEL_COUNT_PENALTY` times ``log(1 + the
   skill's number of labels)`` (a max over many labels flatters a skill; the weights and
   the penalty were fitted on held-out labels of seed 7, not the benchmarks' 2024). Very
   common n-grams (in more than ``MAX_DF_CHAR`` labels)
   are dropped from the centroid index, where they would dominate the cost of the
   sparse products; the re-rank keeps every n-gram (full idf) and is computed on the
   (query, candidate label) pairs alone. Label scores are grouped into skill scores
   with a scatter-max into a dense (chunk x skills) buffer. The best score is turned
   into a probability-like score by a logistic calibration (:data:`CAL_COEF` on the
   features of :func:`calibration_features`: best, margin to the second, one-word query,
   **reverse coverage** – how much of the best skill's closest label the query's
   words cover, which catches one word of a phrase matching one word of a longer label,
   ``"quarterly newsletter"`` -> ``"newsletter analysis"`` – and the **unknown share** of
   the query's words, ``"pizza evening"``), fitted on a seed other than the benchmarks'
   with held-out labels and typo/spelling/punctuation variants of indexed labels
   (positives when ranked first), labels of skills removed from the index, generated
   label fragments and fragments next to a word the index never saw (negatives); the
   constants come from ``python benchmarks/bench_matcher.py --calibrate``.

5. **tag** – a short tag (:meth:`TagRanker.is_tag`) does not stop at the fuzzy stage: the
   tag model of :mod:`skills.taxonomy._tags` ranks the fuzzy stage's candidates and
   the skills its stems name, and accepts at :data:`TAG_ACCEPT` (or when the fuzzy
   stage alone would accept the same skill). Before it, an expansion with its
   abbreviation (``"Structured Query Language (SQL)"``) is accepted when either names
   a skill exactly (:meth:`Matcher._acronym_exact`), and an exact match that is doubtful
   (:meth:`Matcher._doubtful_exact`: an alternative label of another sense) goes to the
   tag model instead, unless the badge's context confirms it. ``match(..., tags=False)``
   skips this stage (word runs cut out of free text).

A fuzzy match is accepted when its score reaches :data:`ACCEPT_THRESHOLD`; otherwise
``skill_uri`` is None and the top five candidates go to the review queue.

The fitted fuzzy index is saved as one ``.npz`` file (no pickle) under the cache
folder, named by a hash of the indexed labels and of the method's parameters, so it is
rebuilt only when the taxonomy (ESCO or organisation skills/synonyms) changes.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from skills.taxonomy._model import Candidate, Match, Method
from skills.taxonomy._normalise import esco_uri, match_key, org_skill_uri, sorted_key, stem
from skills.taxonomy._tags import (
    FEATURES,
    KEEP_MARGIN,
    STAGE1_K,
    TAG_ACCEPT,
    TagRanker,
    accept_features,
    accept_probability,
    acronym_pair,
    rank_scores,
    tag_parts,
    tag_stem,
)

log = logging.getLogger(__name__)

#: Fuzzy matches with a calibrated score at or above this are accepted automatically.
ACCEPT_THRESHOLD = 0.7
#: Score of a label that is exact once its typos are corrected (``Matcher._spelled_exact``);
#: above the threshold: 1.000 precision on ``benchmarks/bench_matcher.py``'s typos.
SPELLED_EXACT_SCORE = 0.95
#: Score of a tag whose expansion or abbreviation is exactly a label (``_acronym_exact``).
ACRONYM_SCORE = 0.97
#: An exact match of a short tag is doubtful when the tag's words are in labels of at
#: least this many other skills (see :meth:`Matcher._doubtful_exact`).
HOMONYM_SKILLS = 2
#: Candidates kept for review.
TOP_K = 5
#: Change when the index layout or features change: invalidates every cached index.
METHOD_VERSION = "tfidf-char35-word-centroid-coverage-rerank-v5-substitutes8-label-prior"
CHAR_NGRAMS = (3, 5)
MAX_DF_CHAR = 2000  # character n-grams in more labels than this are not indexed
MAX_DF_WORD = 20000  # words in more labels than this (``of``, ``and``) are not indexed
# label-char (full idf, re-rank only), label-word, centroid-char, centroid-word, coverage
WEIGHTS = (0.93, 1.0, 0.48, 1.18, 1.62)
#: Weighed like :data:`WEIGHTS`, times ``log(1 + the skill's number of labels)``, subtracted
#: from every skill the query resembles at all: a skill with many labels has more chances
#: of one label looking like the query (label scores are a max over labels), so without
#: it such skills win too often. Fitted with the weights on held-out labels of seed 7.
LABEL_COUNT_PENALTY = 0.26
#: Weight of a query word's ESCO substitutes (:func:`_substitutes`) in its word vector.
SUBSTITUTE_WEIGHT = 2.0
#: How far a substitute found in a skill's labels covers the query's word (0: not at all).
SUBSTITUTE_COVER = 10.0
#: Substitute pairs seen in the labels of fewer skills than this are not kept.
MIN_SUBSTITUTE_SKILLS = 2
#: Substitutes kept per word (the strongest).
MAX_SUBSTITUTES = 8
RERANK = 20  # best skills of the first four features re-scored with the label-char cosine
# Logistic calibration of the best skill: score = sigmoid(CAL_COEF . features + CAL_C), the
# features being those of :func:`calibration_features` (combined similarity, margin to
# the second, one-word query, reverse coverage, unknown share); fitted by
# ``python benchmarks/bench_matcher.py --calibrate``.
CAL_COEF = (6.90, 6.97, -3.80, 3.28, -3.60)
CAL_C = -8.65
_CHUNK = 256  # queries scored together (dense chunk x skills buffer)
_WORD_PATTERN = r"\S+"  # words are pre-normalised: split on whitespace only

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.integer[Any]]


class MentionLike(Protocol):
    """What :meth:`Matcher.match_mentions` reads from a mention."""

    @property
    def text(self) -> str: ...
    @property
    def uri(self) -> str | None: ...
    @property
    def code(self) -> str | None: ...


@dataclass(frozen=True)
class IndexEntry:
    """One label in the index: ``label`` names the skill ``uri``."""

    uri: str
    label: str
    preferred: bool = False


def _sigmoid(x: FloatArray) -> FloatArray:
    out: FloatArray = (1.0 / (1.0 + np.exp(-x))).astype(np.float32)
    return out


def content_hash(skill_uris: Sequence[str], entries: Sequence[IndexEntry]) -> str:
    """SHA-256 over the method version, its parameters and every indexed label."""
    h = hashlib.sha256()
    h.update(
        f"{METHOD_VERSION}|{CHAR_NGRAMS}|{MAX_DF_CHAR}|{MAX_DF_WORD}|"
        f"{MIN_SUBSTITUTE_SKILLS}|{MAX_SUBSTITUTES}\n".encode()
    )
    for uri in skill_uris:
        h.update(uri.encode())
        h.update(b"\x1e")
    for e in entries:
        h.update(f"{e.uri}\x1f{e.label}\x1f{int(e.preferred)}\x1e".encode())
    return h.hexdigest()


class _Tfidf:
    """Sublinear TF-IDF with a fixed vocabulary; rows L2-normalised.

    Terms whose document frequency exceeds ``MAX_DF_CHAR``/``MAX_DF_WORD`` get weight 0.
    """

    def __init__(
        self,
        analyzer: str,
        vocabulary: Sequence[str],
        idf: FloatArray,
        full_idf: FloatArray | None = None,
    ) -> None:
        self.vocabulary = list(vocabulary)
        self.idf = idf
        self.full_idf = idf if full_idf is None else full_idf
        kwargs: dict[str, Any] = {"lowercase": False, "dtype": np.float32}
        if analyzer == "word":
            kwargs["token_pattern"] = _WORD_PATTERN
        else:
            kwargs["ngram_range"] = CHAR_NGRAMS
        self.analyzer = analyzer
        self._cv = CountVectorizer(
            analyzer=analyzer, vocabulary={t: i for i, t in enumerate(self.vocabulary)}, **kwargs
        )
        self._diag = sp.diags(idf)
        self._full_diag = sp.diags(self.full_idf)
        self._vocab = self._cv.vocabulary
        self._analyze = self._cv.build_analyzer()
        self._oov_idf = float(idf.max()) if len(idf) else 1.0

    @classmethod
    def fit(cls, analyzer: str, docs: Sequence[str]) -> tuple[_Tfidf, sp.csr_matrix]:
        kwargs: dict[str, Any] = {"lowercase": False, "dtype": np.float32}
        if analyzer == "word":
            kwargs["token_pattern"] = _WORD_PATTERN
        else:
            kwargs["ngram_range"] = CHAR_NGRAMS
        cv = CountVectorizer(analyzer=analyzer, **kwargs)
        counts = cv.fit_transform(docs).tocsr()
        vocab = cv.get_feature_names_out().tolist()
        df = np.bincount(counts.indices, minlength=len(vocab))
        n = counts.shape[0]
        full_idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        idf = full_idf.copy()
        idf[df > (MAX_DF_WORD if analyzer == "word" else MAX_DF_CHAR)] = 0.0
        model = cls(analyzer, vocab, idf, full_idf)
        return model, counts

    def weigh(self, counts: sp.csr_matrix, *, full: bool = False) -> sp.csr_matrix:
        """Sublinear tf times idf (the pruned idf, or the full one), rows L2-normalised."""
        x = counts.astype(np.float32).tocsr()
        np.log(x.data, out=x.data)
        x.data += 1.0
        x = (x @ (self._full_diag if full else self._diag)).tocsr()
        x.eliminate_zeros()
        return _l2(x)

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Weigh queries like the index (pruned idf); see :meth:`transform_both`."""
        return self.transform_both(docs)[0]

    def transform_both(self, docs: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Weigh queries like the index, with the pruned and with the full idf, except
        that terms the index never saw count in the row's norm with the highest idf: a
        phrase half made of unknown words (``"lunch break"``) must not look like a
        perfect match for its known half."""
        analyze = self._analyze
        vocab = self._vocab
        oov_idf = self._oov_idf
        indptr = [0]
        indices: list[int] = []
        values: list[float] = []
        oov_sq = np.zeros(len(docs), dtype=np.float32)
        for row, doc in enumerate(docs):
            counts: dict[str, int] = {}
            for term in analyze(doc):
                counts[term] = counts.get(term, 0) + 1
            extra = 0.0
            for term, n in counts.items():
                j = vocab.get(term)
                if j is None:
                    extra += ((1.0 + math.log(n)) * oov_idf) ** 2
                else:
                    indices.append(j)
                    values.append(1.0 + math.log(n))
            oov_sq[row] = extra
            indptr.append(len(indices))
        tf = sp.csr_matrix(
            (np.array(values, dtype=np.float32), np.array(indices, dtype=np.int32), indptr),
            shape=(len(docs), len(self.vocabulary)),
        )
        pruned = self._normalised(tf, self._diag, oov_sq)
        full = (
            pruned if self.full_idf is self.idf else self._normalised(tf, self._full_diag, oov_sq)
        )
        return pruned, full

    @staticmethod
    def _normalised(tf: sp.csr_matrix, diag: sp.dia_matrix, oov_sq: FloatArray) -> sp.csr_matrix:
        x = (tf @ diag).tocsr()
        x.eliminate_zeros()
        sq = np.asarray(x.multiply(x).sum(axis=1)).ravel().astype(np.float32) + oov_sq
        norms = np.sqrt(sq)
        norms[norms == 0] = 1.0
        out: sp.csr_matrix = (sp.diags(1.0 / norms) @ x).tocsr()
        return out


def _l2(x: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel()).astype(np.float32)
    norms[norms == 0] = 1.0
    out: sp.csr_matrix = (sp.diags(1.0 / norms) @ x).tocsr()
    return out


def _scatter(out: FloatArray, s: sp.csr_matrix, group_of: IntArray | None, weight: float) -> None:
    """Add ``weight *`` the column-wise max of ``s`` over column groups (label -> skill)
    into the dense ``out`` (rows x groups); with ``group_of=None`` columns are groups.

    The max is taken with an unbuffered scatter (``np.maximum.at``) into a scratch
    buffer: no sort of the (large) label-score matrix is needed."""
    s = s.tocsr()
    if s.nnz == 0 or weight == 0.0:
        return
    if group_of is None:
        out += weight * s.toarray()
        return
    n_groups = out.shape[1]
    flat = np.repeat(
        np.arange(0, s.shape[0] * n_groups, n_groups, dtype=np.int32), np.diff(s.indptr)
    )
    flat += group_of[s.indices]
    buf = np.zeros(out.size, dtype=np.float32)
    np.maximum.at(buf, flat, s.data)
    buf *= weight
    out += buf.reshape(out.shape)


def _substitutes(word: _Tfidf, docs: Sequence[str], label_skill: IntArray) -> sp.csr_matrix:
    """Words x words: how often word b replaces word a in another label of the same
    skill, everything else equal (``"understand written X"`` / ``"comprehend written
    X"``), as a share of the labels holding a; pairs seen for fewer than
    :data:`MIN_SUBSTITUTE_SKILLS` skills are dropped. Mined from the indexed labels
    alone, it lets a query's word also count a little for its ESCO synonyms."""
    vocab = word._vocab
    slots: dict[tuple[int, int, tuple[str, ...]], set[int]] = {}
    df = np.zeros(len(word.vocabulary), dtype=np.float32)
    for doc, skill in zip(docs, label_skill.tolist(), strict=True):
        terms = doc.split()
        ids = [vocab.get(t) for t in terms]
        for j in set(ids):
            if j is not None:
                df[j] += 1.0
        if len(terms) < 2:
            continue
        for i, j in enumerate(ids):
            if j is not None:
                key = (skill, i, (*terms[:i], "\x00", *terms[i + 1 :]))
                slots.setdefault(key, set()).add(j)
    pairs: dict[tuple[int, int], set[int]] = {}
    for (skill, _, _), words in slots.items():
        if len(words) > 1:
            for a in words:
                for b in words:
                    if a != b:
                        pairs.setdefault((a, b), set()).add(skill)
    kept = [(a, b, len(sk)) for (a, b), sk in pairs.items() if len(sk) >= MIN_SUBSTITUTE_SKILLS]
    n = len(word.vocabulary)
    if not kept:
        return sp.csr_matrix((n, n), dtype=np.float32)
    rows, cols, counts = (np.array(x) for x in zip(*kept, strict=True))
    values = (counts / (df[rows] + 1.0)).astype(np.float32)
    out: sp.csr_matrix = sp.csr_matrix((values, (rows, cols)), shape=(n, n))
    # Keep each word's strongest substitutes only: every one kept widens the sparse
    # products of the queries holding the word.
    for r in range(n):
        lo, hi = out.indptr[r], out.indptr[r + 1]
        if hi - lo > MAX_SUBSTITUTES:
            row = out.data[lo:hi]
            row[row < np.partition(row, -MAX_SUBSTITUTES)[-MAX_SUBSTITUTES]] = 0.0
    out.eliminate_zeros()
    return out


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """True when ``b`` is ``a`` with one letter inserted, deleted, replaced, or two
    neighbours swapped (optimal string alignment distance 1)."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :] or (
            a[i + 2 :] == b[i + 2 :] and a[i : i + 2] == b[i : i + 2][::-1]
        )
    return a[i + 1 :] == b[i:] if len(a) > len(b) else a[i:] == b[i + 1 :]


class Speller:
    """Finds the indexed words one typo (insertion, deletion, substitution or swap of
    neighbours) away from a query word absent from the indexed labels
    (deletion-neighbourhood lookup, as in SymSpell, then an exact distance check);
    :meth:`FuzzyIndex.correct` chooses among them by the query's other words."""

    MIN_LENGTH = 4

    def __init__(self, words: Sequence[str], counts: Sequence[int]) -> None:
        self.words = list(words)
        self.counts = np.asarray(counts, dtype=np.int64)
        self._count = dict(zip(self.words, self.counts.tolist(), strict=True))
        self._by_delete: dict[str, list[str]] = {}
        for w in self.words:
            if len(w) >= self.MIN_LENGTH:
                for d in _deletes(w):
                    self._by_delete.setdefault(d, []).append(w)

    @classmethod
    def fit(cls, normalised: Sequence[str]) -> Speller:
        counts: dict[str, int] = {}
        for text in normalised:
            for w in text.split():
                counts[w] = counts.get(w, 0) + 1
        words = sorted(counts)
        return cls(words, [counts[w] for w in words])

    def known(self, word: str) -> bool:
        return word in self._count

    def options(self, word: str) -> list[str]:
        """Indexed words one typo away from ``word``, most frequent first; none for a
        known word, a short one or one that is not all letters."""
        if word in self._count or len(word) < self.MIN_LENGTH or not word.isalpha():
            return []
        found: set[str] = set(self._by_delete.get(word, ()))  # a letter was dropped
        for d in _deletes(word):
            if d in self._count:  # a letter was added
                found.add(d)
            found.update(self._by_delete.get(d, ()))  # substituted or swapped
        return sorted((w for w in found if _one_edit(word, w)), key=lambda w: (-self._count[w], w))

    def correct_word(self, word: str) -> str:
        """The most frequent indexed word one typo away, or ``word`` itself."""
        options = self.options(word)
        return options[0] if options else word


class FuzzyIndex:
    """The fitted TF-IDF structures (see module docstring)."""

    def __init__(
        self,
        char: _Tfidf,
        word: _Tfidf,
        label_char: sp.csr_matrix,
        label_word_t: sp.csr_matrix,
        centroid_char_t: sp.csr_matrix,
        centroid_word_t: sp.csr_matrix,
        label_skill: IntArray,
        n_skills: int,
        speller: Speller,
        substitutes: sp.csr_matrix,
    ) -> None:
        self.speller = speller
        self.substitutes = substitutes
        self.char = char
        self.word = word
        self.label_char = label_char
        self.label_word_t = label_word_t
        self.centroid_char_t = centroid_char_t
        self.centroid_word_t = centroid_word_t
        self.label_skill = label_skill
        self.n_skills = n_skills
        # Which (stemmed) words occur in any label of each skill: words x skills, binary.
        present = label_word_t.tocsr(copy=True)
        present.data[:] = 1.0
        owner = sp.csr_matrix(
            (
                np.ones(len(label_skill), dtype=np.float32),
                (np.arange(len(label_skill)), label_skill),
            ),
            shape=(len(label_skill), n_skills),
        )
        skill_words = (present @ owner).tocsr()
        skill_words.data[:] = 1.0
        self.skill_word_t: sp.csr_matrix = skill_words
        # The same, where a word's ESCO substitutes in a skill's labels cover it in part
        # (at most fully): what :meth:`_coverage` reads.
        cover = (skill_words + SUBSTITUTE_COVER * (substitutes @ skill_words)).tocsr()
        np.minimum(cover.data, 1.0, out=cover.data)
        self.skill_word_cover: sp.csr_matrix = cover
        # Each label's words (labels x words) with the share of the label's idf weight
        # each carries, and where each skill's labels start (labels sorted by skill).
        share = label_word_t.T.tocsr(copy=True)
        share.data = word.idf[share.indices].astype(np.float32)
        sums = np.asarray(share.sum(axis=1)).ravel()
        sums[sums == 0] = 1.0
        self.label_word_share: sp.csr_matrix = (sp.diags(1.0 / sums) @ share).tocsr()
        self.skill_start: IntArray = np.searchsorted(label_skill, np.arange(n_skills + 1))
        # log(1 + labels per skill): the prior that :data:`LABEL_COUNT_PENALTY` weighs.
        self.label_prior: FloatArray = np.log1p(np.diff(self.skill_start)).astype(np.float32)

    @classmethod
    def fit(cls, label_skill: IntArray, normalised: Sequence[str], n_skills: int) -> FuzzyIndex:
        """Fit on labels sorted by skill index (``label_skill`` non-decreasing)."""
        words = [" ".join(stem(w) for w in t.split()) for t in normalised]
        char, char_counts = _Tfidf.fit("char_wb", normalised)
        word, word_counts = _Tfidf.fit("word", words)
        xc = char.weigh(char_counts)
        xw = word.weigh(word_counts)
        label_char = char.weigh(char_counts, full=True)
        owner = sp.csr_matrix(
            (
                np.ones(len(label_skill), dtype=np.float32),
                (label_skill, np.arange(len(label_skill))),
            ),
            shape=(n_skills, len(label_skill)),
        )
        cc = _l2((owner @ xc).tocsr())
        cw = _l2((owner @ xw).tocsr())
        return cls(
            char,
            word,
            label_char,
            xw.T.tocsr(),
            cc.T.tocsr(),
            cw.T.tocsr(),
            label_skill.astype(np.int32),
            n_skills,
            Speller.fit(normalised),
            _substitutes(word, words, label_skill),
        )

    def correct(self, text: str) -> str:
        """Correct each word of a normalised query the index does not know to an indexed
        word one typo away (:meth:`Speller.options`). When several are, the one found
        in the labels of most skills that also hold another word of the query wins
        (``"gear rtaio"`` -> ``ratio``, not the more frequent ``radio``); then the most
        frequent."""
        words = text.split()
        choices = [self.speller.options(w) for w in words]
        if not any(choices):
            return text
        if all(len(opts) <= 1 for opts in choices):
            return " ".join(opts[0] if opts else w for w, opts in zip(words, choices, strict=True))
        vocab, m = self.word._vocab, self.skill_word_t

        def skills_of(word: str) -> IntArray:
            j = vocab.get(stem(word))
            found: IntArray = m.indices[m.indptr[j] : m.indptr[j + 1]] if j is not None else []
            return found

        context = np.zeros(self.n_skills, dtype=bool)  # skills holding another query word
        for w, opts in zip(words, choices, strict=True):
            if not opts:
                context[skills_of(w)] = True

        def support(option: str) -> int:
            return int(np.count_nonzero(context[skills_of(option)]))

        return " ".join(
            max(opts, key=support) if len(opts) > 1 else (opts[0] if opts else w)
            for w, opts in zip(words, choices, strict=True)
        )

    def _coverage(self, word_docs: Sequence[str]) -> sp.csr_matrix:
        """Share of each query's word weight (idf; words the index never saw count with
        the highest idf) found among the words of each skill's labels: sparse
        queries x skills. Rejects phrases whose main word no skill mentions."""
        vocab, idf = self.word._vocab, self.word.idf
        oov = float(idf.max()) if len(idf) else 1.0
        indptr, indices, values = [0], [], []
        for doc in word_docs:
            terms = set(doc.split())
            known = [j for j in (vocab.get(t) for t in terms) if j is not None]
            total = float(idf[known].sum()) + oov * (len(terms) - len(known))
            indices.extend(known)
            values.extend((idf[known] / (total or 1.0)).tolist())
            indptr.append(len(indices))
        q = sp.csr_matrix(
            (np.array(values, dtype=np.float32), np.array(indices, dtype=np.int32), indptr),
            shape=(len(word_docs), len(idf)),
        )
        out: sp.csr_matrix = q @ self.skill_word_cover
        return out

    def unknown_share(self, word_docs: Sequence[str]) -> FloatArray:
        """For each query (stemmed, spell-corrected words): the share of its idf weight
        carried by words no indexed label holds (each counted with the highest idf).
        High for a known word next to a word the index has never seen (``"pizza
        evening"``), where the known half alone can look like a good match."""
        vocab, idf = self.word._vocab, self.word.idf
        oov = float(idf.max()) if len(idf) else 1.0
        out = np.zeros(len(word_docs), dtype=np.float32)
        for row, doc in enumerate(word_docs):
            terms = set(doc.split())
            known = [j for j in (vocab.get(t) for t in terms) if j is not None]
            unknown = oov * (len(terms) - len(known))
            total = float(idf[known].sum()) + unknown
            out[row] = unknown / total if total else 0.0
        return out

    def reverse_coverage(self, word_docs: Sequence[str], skills: IntArray) -> FloatArray:
        """For each query (stemmed words, see :meth:`score_queries`) and one skill: the
        largest share of a label's idf weight (over the skill's labels) whose words the
        query contains. Low when one word of the query matches one word of a longer label
        (``"quarterly newsletter"`` against ``"newsletter analysis"``)."""
        out = np.zeros(len(word_docs), dtype=np.float32)
        vocab = self.word._vocab
        share = self.label_word_share
        starts, ends = self.skill_start[skills], self.skill_start[np.asarray(skills) + 1]
        for row, (doc, lo, hi) in enumerate(zip(word_docs, starts, ends, strict=True)):
            terms = {j for j in (vocab.get(t) for t in doc.split()) if j is not None}
            if not terms or hi <= lo:
                continue
            a, b = share.indptr[lo], share.indptr[hi]
            if b == a:
                continue
            hit = np.fromiter((j in terms for j in share.indices[a:b].tolist()), bool, b - a)
            label = np.repeat(np.arange(hi - lo), np.diff(share.indptr[lo : hi + 1]))
            covered = np.bincount(label, weights=np.where(hit, share.data[a:b], 0.0))
            out[row] = float(covered.max())
        return out

    def scores(self, normalised: Sequence[str]) -> FloatArray:
        """Combined similarity (0..1) of each query to each skill, dense (queries x skills)."""
        return self.score_queries(normalised)[0]

    def score_queries(self, normalised: Sequence[str]) -> tuple[FloatArray, list[str]]:
        """:meth:`scores` and the queries' stemmed, spell-corrected words."""
        normalised = [self.correct(t) for t in normalised]
        word_docs = [" ".join(stem(w) for w in t.split()) for t in normalised]
        qc, qc_full = self.char.transform_both(normalised)
        qw = self.word.transform(word_docs)
        if SUBSTITUTE_WEIGHT > 0.0:
            qw = _l2((qw + SUBSTITUTE_WEIGHT * (qw @ self.substitutes)).tocsr())
        a, b, c, d, e = WEIGHTS
        total = np.zeros((len(normalised), self.n_skills), dtype=np.float32)
        _scatter(total, qw @ self.label_word_t, self.label_skill, b)
        _scatter(total, qc @ self.centroid_char_t, None, c)
        _scatter(total, qw @ self.centroid_word_t, None, d)
        _scatter(total, self._coverage(word_docs), None, e)
        total -= np.where(total > 0.0, LABEL_COUNT_PENALTY * self.label_prior, 0.0).astype(
            np.float32
        )
        if total.shape[1] > 0 and a > 0.0:
            n = min(RERANK, total.shape[1])
            cand = np.argpartition(-total, n - 1, axis=1)[:, :n]
            rows = np.arange(len(normalised))[:, None]
            total[rows, cand] += a * self._best_label_cosine(qc_full, cand)
        total /= a + b + c + d + e
        return total, word_docs

    def _best_label_cosine(self, q: sp.csr_matrix, cand: IntArray) -> FloatArray:
        """Cosine (full idf, no pruned n-grams) between each query row of ``q`` and the
        closest label of each of its candidate skills ``cand`` (queries x n): dense."""
        step = 32  # keeps the dense query block small enough for the CPU cache
        parts = [
            self._best_label_cosine_block(q[i : i + step], cand[i : i + step])
            for i in range(0, q.shape[0], step)
        ]
        out: FloatArray = np.concatenate(parts) if parts else np.zeros(cand.shape, dtype=np.float32)
        return out

    def _best_label_cosine_block(self, q: sp.csr_matrix, cand: IntArray) -> FloatArray:
        """:meth:`_best_label_cosine` for a few queries.

        Works on the (query, label) pairs only: gathers the labels' n-grams and looks
        their weights up in the query rows made dense over the n-grams they use."""
        lab = self.label_char
        n_q, n_c = cand.shape
        lo = self.skill_start[cand.ravel()].astype(np.int32)
        n_lab = (self.skill_start[cand.ravel() + 1] - lo).astype(np.int32)
        pair = np.repeat(np.arange(n_q * n_c, dtype=np.int32), n_lab)  # (query, cand) of label
        first = np.cumsum(n_lab, dtype=np.int32) - n_lab
        labels = np.arange(len(pair), dtype=np.int32) + np.repeat(lo - first, n_lab)
        start = lab.indptr[labels].astype(np.int32)
        n_nz = lab.indptr[labels + 1].astype(np.int32) - start
        ends = np.cumsum(n_nz, dtype=np.int64)
        nz = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int32)
        nz += np.repeat(start - (ends - n_nz).astype(np.int32), n_nz)
        used = np.unique(q.indices)
        width = len(used) + 1  # the last column stays 0: n-grams absent from every query
        col = np.full(len(self.char.vocabulary), len(used), dtype=np.int32)
        col[used] = np.arange(len(used), dtype=np.int32)
        dense = np.zeros(n_q * width, dtype=np.float32)
        dense[
            np.repeat(np.arange(n_q, dtype=np.int32) * width, np.diff(q.indptr)) + col[q.indices]
        ] = q.data
        flat = col[lab.indices[nz]]
        flat += np.repeat((pair // n_c) * width, n_nz)
        prod = dense[flat]
        prod *= lab.data[nz]
        sums = np.concatenate(([0.0], np.cumsum(prod, dtype=np.float64)))
        per_label = (sums[ends] - sums[ends - n_nz]).astype(np.float32)
        best = np.zeros(n_q * n_c, dtype=np.float32)
        np.maximum.at(best, pair, per_label)
        out: FloatArray = best.reshape(n_q, n_c)
        return out

    # ---- persistence (npz, no pickle) ---------------------------------------
    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {
            "char_vocab": np.array(self.char.vocabulary),
            "char_idf": self.char.idf,
            "char_idf_full": self.char.full_idf,
            "word_vocab": np.array(self.word.vocabulary),
            "word_idf": self.word.idf,
            "label_skill": self.label_skill,
            "n_skills": np.array([self.n_skills]),
            "speller_words": np.array(self.speller.words),
            "speller_counts": self.speller.counts,
        }
        for name in (
            "label_char",
            "label_word_t",
            "centroid_char_t",
            "centroid_word_t",
            "substitutes",
        ):
            m: sp.csr_matrix = getattr(self, name)
            arrays[f"{name}_data"] = m.data
            arrays[f"{name}_indices"] = m.indices
            arrays[f"{name}_indptr"] = m.indptr
            arrays[f"{name}_shape"] = np.array(m.shape)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **arrays)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> FuzzyIndex:
        with np.load(path, allow_pickle=False) as z:

            def matrix(name: str) -> sp.csr_matrix:
                return sp.csr_matrix(
                    (z[f"{name}_data"], z[f"{name}_indices"], z[f"{name}_indptr"]),
                    shape=tuple(z[f"{name}_shape"]),
                )

            return cls(
                _Tfidf("char_wb", z["char_vocab"].tolist(), z["char_idf"], z["char_idf_full"]),
                _Tfidf("word", z["word_vocab"].tolist(), z["word_idf"]),
                matrix("label_char"),
                matrix("label_word_t"),
                matrix("centroid_char_t"),
                matrix("centroid_word_t"),
                z["label_skill"].astype(np.int32),
                int(z["n_skills"][0]),
                Speller(z["speller_words"].tolist(), z["speller_counts"].tolist()),
                matrix("substitutes"),
            )


class Matcher:
    """Maps labels and skill references to skills (see module docstring).

    Build one with :meth:`fit` (or :meth:`skills.taxonomy.Taxonomy.matcher`, which
    caches it). Thread-safe for concurrent :meth:`match` calls: nothing is mutated
    after construction.
    """

    def __init__(
        self,
        skill_uris: Sequence[str],
        skill_labels: Sequence[str],
        entries: Sequence[IndexEntry],
        index: FuzzyIndex,
        remembered: Mapping[str, str | None],
        *,
        threshold: float = ACCEPT_THRESHOLD,
        normalised: Sequence[str] | None = None,
        facets: Mapping[str, str] | None = None,
        related: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.skill_uris = list(skill_uris)
        self.skill_labels = list(skill_labels)
        self.threshold = threshold
        self._index = index
        self._by_uri = {u: i for i, u in enumerate(self.skill_uris)}
        self._by_org_id = {
            u.removeprefix("urn:skillatlas:skill:"): i
            for i, u in enumerate(self.skill_uris)
            if not u.startswith("http://data.europa.eu/esco/")
        }
        norm = list(normalised) if normalised is not None else [match_key(e.label) for e in entries]
        exact: dict[str, dict[int, bool]] = {}
        unordered: dict[str, dict[int, bool]] = {}
        for e, key in zip(entries, norm, strict=True):
            i = self._by_uri[e.uri]
            for table, k in ((exact, key), (unordered, sorted_key(key))):
                owners = table.setdefault(k, {})
                owners[i] = owners.get(i, False) or e.preferred
        self._exact_keys = exact
        self._unordered = unordered
        self._tags = TagRanker(
            norm,
            [self._by_uri[e.uri] for e in entries],
            [e.preferred for e in entries],
            len(self.skill_uris),
            {self._by_uri[u]: f for u, f in (facets or {}).items() if u in self._by_uri},
            related or {},
        )
        self._remembered: dict[str, int | None] = {}
        for label, uri in remembered.items():
            if uri is None:
                self._remembered[match_key(label)] = None
            elif uri in self._by_uri:
                self._remembered[match_key(label)] = self._by_uri[uri]

    # ---- construction -------------------------------------------------------
    @classmethod
    def fit(
        cls,
        skill_uris: Sequence[str],
        skill_labels: Sequence[str],
        entries: Iterable[IndexEntry],
        *,
        remembered: Mapping[str, str | None] | None = None,
        cache_dir: Path | None = None,
        threshold: float = ACCEPT_THRESHOLD,
        facets: Mapping[str, str] | None = None,
        related: Mapping[str, Mapping[str, str]] | None = None,
    ) -> Matcher:
        """Fit the matcher, or load the fuzzy index from ``cache_dir`` when a file for
        the same content exists there (and write one when it does not; an unwritable
        cache folder only logs a warning). Entries naming unknown skills are ignored."""
        known = {u: i for i, u in enumerate(skill_uris)}
        items = sorted(
            (e for e in entries if e.uri in known and e.label.strip()),
            key=lambda e: known[e.uri],
        )
        normalised = [match_key(e.label) for e in items]
        index: FuzzyIndex | None = None
        path: Path | None = None
        if cache_dir is not None:
            path = cache_dir / f"matcher-{content_hash(skill_uris, items)[:32]}.npz"
            if path.exists():
                try:
                    index = FuzzyIndex.load(path)
                except (OSError, ValueError, KeyError) as err:
                    log.warning("ignoring unreadable matcher cache %s: %s", path, err)
        if index is None:
            label_skill = np.array([known[e.uri] for e in items], dtype=np.int64)
            index = FuzzyIndex.fit(label_skill, normalised, len(skill_uris))
            if path is not None:
                try:
                    index.save(path)
                except OSError as err:
                    log.warning("could not write matcher cache %s: %s", path, err)
        return cls(
            skill_uris,
            skill_labels,
            items,
            index,
            remembered or {},
            threshold=threshold,
            normalised=normalised,
            facets=facets,
            related=related,
        )

    # ---- matching -----------------------------------------------------------
    def _resolve_ref(self, ref: str) -> int | None:
        ref = ref.strip()
        if not ref:
            return None
        uri = esco_uri(ref)
        if uri is not None:
            return self._by_uri.get(uri)
        i = self._by_uri.get(ref)
        if i is None:
            i = self._by_uri.get(org_skill_uri(ref))
        if i is None:
            i = self._by_org_id.get(ref)
        return i

    def _looks_like_ref(self, text: str) -> bool:
        t = text.strip()
        return esco_uri(t) is not None or t.startswith(("http://", "https://", "urn:"))

    def _hit(self, query: str, i: int, method: Method, score: float = 1.0) -> Match:
        cand = Candidate(self.skill_uris[i], self.skill_labels[i], score)
        return Match(query, cand.uri, cand.label, score, True, method, (cand,))

    def _exact(self, query: str, key: str) -> Match | None:
        for table, k, score in (
            (self._exact_keys, key, 1.0),
            (self._unordered, sorted_key(key), 0.97),
        ):
            owners = table.get(k)
            if not owners:
                continue
            if len(owners) == 1:
                return self._hit(query, next(iter(owners)), "exact", score)
            preferred = [i for i, pref in owners.items() if pref]
            if len(preferred) == 1:
                return self._hit(query, preferred[0], "exact", score)
            # The label names several skills equally: a reviewer chooses.
            cands = tuple(
                Candidate(self.skill_uris[i], self.skill_labels[i], round(score / len(owners), 4))
                for i in sorted(owners, key=lambda i: self.skill_labels[i])[:TOP_K]
            )
            return Match(query, None, None, cands[0].score, False, "exact", cands)
        return None

    def _spelled_exact(self, query: str, key: str) -> Match | None:
        """An accepted exact match once the typos of ``key`` are corrected
        (:meth:`FuzzyIndex.correct`): ``"pedaagogy"`` -> ``pedagogy``. Only when the
        corrected label names one skill (a label several skills share stays for the
        fuzzy stage and a reviewer) and, for a one-word query, only one indexed word
        is one typo away. Method ``"fuzzy"`` with :data:`SPELLED_EXACT_SCORE`."""
        fixed = self._index.correct(key)
        if fixed == key:
            return None
        if " " not in key and (len(self._index.speller.options(key)) != 1 or fixed[0] != key[0]):
            # One word: only the one correction possible, and not of its first letter
            # (typos rarely hit it; "blogging" is not a typo of "logging").
            return None
        hit = self._exact(query, fixed)
        if hit is None or not hit.accepted or hit.skill_uri is None:
            return None
        cand = Candidate(hit.skill_uri, hit.label or "", SPELLED_EXACT_SCORE)
        return Match(query, cand.uri, cand.label, cand.score, True, "fuzzy", (cand,))

    def match(self, labels: Sequence[str], *, tags: bool = True) -> list[Match]:
        """Map each label (or skill reference) to a :class:`Match`, in input order.

        Pure: reads only the fitted index. Empty or whitespace-only labels give
        ``method="none"`` with no candidates. ``tags=False`` leaves short labels to the
        general stages too (for word runs cut out of free text, which are not tags).
        """
        return self._match([(text, None, None) for text in labels], tags=tags)

    def split(self, text: str) -> list[Match] | None:
        """The matches of the parts of a tag that names two or more skills (``"Agile &
        Scrum"``, ``"Adaptability and Flexibility"``, :func:`tag_parts`), when the whole
        tag is not accepted and every part is accepted, as a different skill; else None.
        Each match's ``query`` is the part."""
        parts = tag_parts(text)
        if not parts or self.match([text])[0].accepted:
            return None
        found = self.match(parts)
        uris = {m.skill_uri for m in found}
        if all(m.accepted for m in found) and len(uris) == len(found):
            return found
        return None

    def match_mentions(self, mentions: Sequence[MentionLike], *, context: str = "") -> list[Match]:
        """Like :meth:`match` for extracted mentions: a mention's ``uri`` or ``code`` that
        names a known skill wins (method ``"uri"`` or ``"code"``); otherwise its text is
        matched. ``Match.query`` is the mention's text. ``context`` is the rest of the
        badge (title, description, other tags): it confirms a tag's exact but doubtful
        sense (:meth:`_doubtful_exact`) when it uses a word of that skill's other labels
        (``"Security"`` on a badge about stocks and bonds means "securities")."""
        return self._match([(m.text, m.uri, m.code) for m in mentions], context=context)

    def _match(
        self,
        items: Sequence[tuple[str, str | None, str | None]],
        *,
        tags: bool = True,
        context: str = "",
    ) -> list[Match]:
        context_stems = self._tags.context_stems(context) if context else frozenset()
        results: list[Match | None] = [None] * len(items)
        fuzzy_pos: list[int] = []
        fuzzy_keys: list[str] = []
        tag_pos: list[int] = []
        tag_items: list[tuple[str, str, int | None]] = []
        for pos, (text, uri, code) in enumerate(items):
            for ref, method in ((uri, "uri"), (code, "code")):
                if ref:
                    i = self._resolve_ref(ref)
                    if i is not None:
                        results[pos] = self._hit(text, i, method)  # type: ignore[arg-type]
                        break
            if results[pos] is not None:
                continue
            org = self._by_org_id.get(text.strip())
            if org is not None:
                results[pos] = self._hit(text, org, "uri")
                continue
            if self._looks_like_ref(text):
                i = self._resolve_ref(text)
                results[pos] = (
                    self._hit(text, i, "uri")
                    if i is not None
                    else Match(text, None, None, 0.0, False, "none")
                )
                continue
            key = match_key(text)
            if not key:
                results[pos] = Match(text, None, None, 0.0, False, "none")
                continue
            if key in self._remembered:
                decided = self._remembered[key]
                results[pos] = (
                    self._hit(text, decided, "remembered")
                    if decided is not None
                    else Match(text, None, None, 1.0, False, "remembered")
                )
                continue
            exact = self._exact(text, key) or self._spelled_exact(text, key)
            is_tag = tags and self._tags.is_tag(key)
            alt = self._doubtful_exact(text, key) if exact is not None and is_tag else None
            if alt is not None and self._tags.supports(alt, key, context_stems):
                alt = None  # the badge's own words confirm this sense
            if exact is not None and alt is None:
                results[pos] = exact
                continue
            if is_tag:
                spelled = self._acronym_exact(text)
                if spelled is not None:
                    results[pos] = spelled
                    continue
                tag_pos.append(pos)
                tag_items.append((text, key, alt))
                continue
            fuzzy_pos.append(pos)
            fuzzy_keys.append(key)
        for pos, (cands, accepted) in zip(tag_pos, self._tag_match(tag_items), strict=True):
            text = items[pos][0]
            if accepted:
                best = cands[0]
                results[pos] = Match(text, best.uri, best.label, best.score, True, "fuzzy", cands)
            elif cands:
                results[pos] = Match(text, None, None, cands[0].score, False, "fuzzy", cands)
            else:
                results[pos] = Match(text, None, None, 0.0, False, "none")
        # Deduplicate fuzzy queries: identical normalised labels are scored once.
        unique = list(dict.fromkeys(fuzzy_keys))
        scored: dict[str, tuple[Candidate, ...]] = {}
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            for key, cands in zip(chunk, self._fuzzy(chunk), strict=True):
                scored[key] = cands
        for pos, key in zip(fuzzy_pos, fuzzy_keys, strict=True):
            text = items[pos][0]
            cands = scored[key]
            if not cands:
                results[pos] = Match(text, None, None, 0.0, False, "none")
            elif cands[0].score >= self.threshold:
                best = cands[0]
                results[pos] = Match(text, best.uri, best.label, best.score, True, "fuzzy", cands)
            else:
                results[pos] = Match(text, None, None, cands[0].score, False, "fuzzy", cands)
        return [r for r in results if r is not None]

    def _acronym_exact(self, text: str) -> Match | None:
        """An expansion with its abbreviation (``"Structured Query Language (SQL)"``,
        :func:`acronym_pair`): the skill one of them names exactly, the expansion first;
        method ``"exact"`` at :data:`ACRONYM_SCORE`. The initials tie the two readings
        together, so either is the tag's meaning."""
        pair = acronym_pair(text)
        if pair is None:
            return None
        for part in pair:
            key = match_key(part)
            hit = self._exact(part, key)
            if hit is not None and hit.accepted and self._doubtful_exact(part, key) is None:
                cand = Candidate(hit.skill_uri or "", hit.label or "", ACRONYM_SCORE)
                return Match(text, cand.uri, cand.label, ACRONYM_SCORE, True, "exact", (cand,))
        return None

    def _doubtful_exact(self, text: str, key: str) -> int | None:
        """The skill a short tag names exactly but doubtfully, or None. Such a match goes
        to the tag ranker, which weighs it against the tag's other senses (class 7 of
        real tags: an ESCO label shared with a different sense):

        * only an alternative label of one skill, whose preferred label lacks the tag's
          words, while labels of at least :data:`HOMONYM_SKILLS` other skills hold them
          (``"planning"`` is an alternative label of "design ventilation network",
          ``"copyrights"`` of "patents");
        * a one-word tag that meets a preferred label only through plural folding, with
          the same spread (``"security"`` and "securities")."""
        words = key.split()
        if len(words) > 2:
            return None
        owners = self._exact_keys.get(key)
        if owners is None or len(owners) != 1:
            return None
        ((i, preferred),) = owners.items()
        if preferred:
            folded = len(words) == 1 and text.strip().casefold() != self.skill_labels[i].casefold()
            if not folded or match_key(self.skill_labels[i]) != key:
                return None
            label_stems = set()
        else:
            label_stems = {tag_stem(w) for w in match_key(self.skill_labels[i]).split()}
        stems = self._tags.stems(key)
        if any(s in label_stems for s, _ in stems):
            return None
        _, spread = self._tags.candidates([(s, {}) for s, _ in stems])
        return i if spread - 1 >= HOMONYM_SKILLS else None  # the owner is one of them

    def tag_candidates(
        self, items: Sequence[tuple[str, str, int | None]]
    ) -> list[tuple[list[int], np.ndarray, int, float]]:
        """For each short tag ``(text, match key, skill it names exactly but doubtfully
        or None)``: its candidate skills and their :data:`_tags.FEATURES` rows, one per
        (reading of the tag, candidate), and the fuzzy stage's best skill for the whole
        tag with its calibrated probability. Used by the matcher and by
        ``benchmarks/bench_realtags.py --calibrate``; pure."""
        tags = self._tags
        readings = [tags.variants(text, key) for text, key, _ in items]
        keys = list(dict.fromkeys(v.key for vs in readings for v in vs))
        pool: dict[str, tuple[list[int], list[float], int, float, int]] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            total, word_docs = self._index.score_queries(chunk)
            top, _, feats = _best_of(self._index, chunk, total, word_docs)
            calibrated = _calibrated(feats)
            wide = min(STAGE1_K, total.shape[1])
            near = np.argpartition(-total, wide - 1, axis=1)[:, :wide]
            for r, key in enumerate(chunk):
                by_stem, ambiguity = tags.candidates(tags.stems(key))
                skills = list(dict.fromkeys([*near[r].tolist(), *by_stem]))
                best = int(top[r, 0]) if top.shape[1] else -1
                p = float(calibrated[r])
                pool[key] = (skills, total[r][skills].tolist(), best, p, ambiguity)
        out: list[tuple[list[int], np.ndarray, int, float]] = []
        width = len(FEATURES)
        for (_, key, alt), vs in zip(items, readings, strict=True):
            skills_out: list[int] = []
            rows: list[list[float]] = []
            for v in vs:
                skills, stage1, best, p, ambiguity = pool[v.key]
                if alt is not None and v.whole and alt not in skills:
                    skills, stage1 = [*skills, alt], [*stage1, 0.0]
                skills_out.extend(skills)
                rows.extend(tags.rows(v, skills, stage1, best, p, ambiguity, alt))
            _, _, best, p, _ = pool[key]
            out.append((skills_out, np.asarray(rows, dtype=np.float64).reshape(-1, width), best, p))
        return out

    def _tag_match(
        self, items: Sequence[tuple[str, str, int | None]]
    ) -> list[tuple[tuple[Candidate, ...], bool]]:
        """Short tags ranked by the tag model (:mod:`skills.taxonomy._tags`), and whether
        the best is accepted: at :data:`TAG_ACCEPT`, or when the fuzzy stage alone would
        accept the same skill. The best candidate's score is the larger probability; the
        others' are scaled below it by their rank scores."""
        out: list[tuple[tuple[Candidate, ...], bool]] = []
        for (_, _, alt), (skills, rows, fuzzy_best, fuzzy_p) in zip(
            items, self.tag_candidates(items), strict=True
        ):
            if not skills:
                out.append(((), False))
                continue
            scores = rank_scores(rows)
            p = accept_probability(accept_features(scores, rows, skills))
            best: dict[int, float] = {}
            for skill, sc in zip(skills, scores.tolist(), strict=True):
                best[skill] = max(best.get(skill, -math.inf), sc)
            ranked = sorted(best.items(), key=lambda kv: -kv[1])
            if alt is None and fuzzy_best in best and ranked[0][1] - best[fuzzy_best] < KEEP_MARGIN:
                # The fuzzy stage's best stays first unless the tag model clearly disagrees.
                ranked.sort(key=lambda kv: kv[0] != fuzzy_best)
            ranked = ranked[:TOP_K]
            top_skill, top = ranked[0]
            agreed = top_skill == fuzzy_best and fuzzy_p >= self.threshold
            p = max(p, fuzzy_p) if agreed else p
            cands = tuple(
                Candidate(
                    self.skill_uris[j],
                    self.skill_labels[j],
                    round(p * math.exp(min(0.0, sc - top)), 4),
                )
                for j, sc in ranked
            )
            out.append((cands, p >= TAG_ACCEPT or agreed))
        return out

    def _fuzzy(self, keys: Sequence[str]) -> list[tuple[Candidate, ...]]:
        top, vals, feats = calibration_features(self._index, keys)
        # Calibrated probability for the best; the others are scaled by their
        # similarity relative to the best so the order is kept.
        p_best = _calibrated(feats)
        probs = np.minimum(_sigmoid(CAL_COEF[0] * vals + CAL_C), p_best[:, None])
        probs[:, 0] = p_best
        probs = np.round(probs, 4)
        out: list[tuple[Candidate, ...]] = []
        uris, labels = self.skill_uris, self.skill_labels
        for ids, v, p in zip(top.tolist(), vals.tolist(), probs.tolist(), strict=True):
            out.append(
                tuple(
                    Candidate(uris[j], labels[j], pj)
                    for j, vj, pj in zip(ids, v, p, strict=True)
                    if vj > 0.0
                )
            )
        return out


def calibration_features(
    index: FuzzyIndex, keys: Sequence[str]
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Score normalised queries against every skill and keep the best :data:`TOP_K`.

    Returns the skill indices (queries x k, best first), their combined similarities and
    the calibration features of the best (queries x 5): combined similarity, margin to
    the second, one-word query (0/1), :meth:`FuzzyIndex.reverse_coverage` and
    :meth:`FuzzyIndex.unknown_share`. Used by the matcher and by
    ``benchmarks/bench_matcher.py --calibrate``; pure."""
    total, word_docs = index.score_queries(keys)
    return _best_of(index, keys, total, word_docs)


def _best_of(
    index: FuzzyIndex, keys: Sequence[str], total: FloatArray, word_docs: list[str]
) -> tuple[IntArray, FloatArray, FloatArray]:
    """:func:`calibration_features` from the scores of :meth:`FuzzyIndex.score_queries`."""
    k = min(TOP_K, total.shape[1])
    top = np.argpartition(-total, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(total, top, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    vals = np.take_along_axis(vals, order, axis=1)
    best = vals[:, 0]
    second = vals[:, 1] if k > 1 else np.zeros(len(vals), np.float32)
    one_word = np.array([" " not in key for key in keys], dtype=np.float32)
    rc = index.reverse_coverage(word_docs, top[:, 0])
    unknown = index.unknown_share(word_docs)
    feats: FloatArray = np.stack([best, best - second, one_word, rc, unknown], axis=1).astype(
        np.float32
    )
    return top, vals, feats


def _calibrated(feats: FloatArray) -> FloatArray:
    """The fuzzy stage's probability that its best skill is right (:data:`CAL_COEF`)."""
    return _sigmoid(feats @ np.asarray(CAL_COEF, dtype=np.float32) + CAL_C)
