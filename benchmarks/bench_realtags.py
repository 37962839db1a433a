"""Real skill tags -> ESCO: the development set of ``benchmarks/data/real_tags.csv``.

328 tags written the way badge platforms and profile exports write them ("Data
Modeling", "Structured Query Language (SQL)", "Adaptability and Flexibility"), each
labelled by hand with the ESCO URIs an HR expert accepts, or "none"
(``benchmarks/data/REAL_TAGS.md``). For each matcher:

* **top-1 / top-5**: share of the labelled (not "none") tags whose best candidate /
  one of the five best is acceptable;
* **auto-accepted**: share of the labelled tags the matcher maps without a human;
* **precision**: share of the auto-accepted labelled tags mapped to an acceptable URI;
* **none accepted**: share of the "none" tags auto-accepted (each is a wrong skill).

A tag that names two skills ("Agile & Scrum") is counted right when the matcher's
first mapping is one of its URIs (any of them is acceptable).

Peers: the plain baseline (TF-IDF over ``char_wb`` 3-5-grams of the normalised labels,
cosine nearest neighbour, deduplicated to skills; it has no accept rule, so its
auto-accept threshold is the lowest cosine at which its accepted tags of this very
set stay at precision 0.97, an optimistic peer), and, when ``SKILLS_BASELINE_REV``
names a git revision, the matcher of that revision (``git worktree``), e.g. the one
before issue 15.

The tags are the set the matcher's real-tag rules were shaped on: the figures are a
development score. ``--folds`` prints the calibrator's cross-validated figures
(fitted on four fifths, measured on the fifth left out).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_matcher, bench_taxonomy

from skills.taxonomy import load_taxonomy, normalise

DATA = Path(__file__).resolve().parent / "data" / "real_tags.csv"
PRECISION_FLOOR = 0.97


@dataclass(frozen=True)
class Tag:
    tag: str
    uris: frozenset[str]
    split: bool = False  # names two skills (one URI per part is wanted)

    @property
    def none(self) -> bool:
        return not self.uris


def load_tags(path: Path = DATA) -> list[Tag]:
    frame = pd.read_csv(path, keep_default_na=False, dtype=str)
    return [
        Tag(r.tag, frozenset(r.acceptable_uris.split()), "split" in r.note.split("; ")[0].split())
        for r in frame.itertuples(index=False)
    ]


def split_score(tags: list[Tag]) -> tuple[int, int]:
    """Two-skill tags whose every part the matcher maps, each to an acceptable URI
    (``Matcher.split``), out of all two-skill tags."""
    matcher = load_taxonomy().matcher()
    split = [t for t in tags if t.split]
    done = 0
    for t in split:
        parts = matcher.split(t.tag)
        done += bool(parts) and all(p.skill_uri in t.uris for p in parts)
    return done, len(split)


@dataclass(frozen=True)
class Outcome:
    """What one matcher did with one tag: its five best URIs and what it accepted."""

    top: tuple[str, ...]
    accepted: str | None


def score(tags: list[Tag], outcomes: list[Outcome]) -> dict[str, float]:
    labelled = [(t, o) for t, o in zip(tags, outcomes, strict=True) if not t.none]
    nones = [o for t, o in zip(tags, outcomes, strict=True) if t.none]
    top1 = sum(bool(o.top) and o.top[0] in t.uris for t, o in labelled)
    top5 = sum(bool(t.uris & set(o.top[:5])) for t, o in labelled)
    acc = [(t, o) for t, o in labelled if o.accepted]
    right = sum(o.accepted in t.uris for t, o in acc)
    return {
        "top1": top1 / len(labelled),
        "top5": top5 / len(labelled),
        "accepted": len(acc) / len(labelled),
        "precision": right / len(acc) if acc else 1.0,
        "none_accepted": sum(o.accepted is not None for o in nones) / max(1, len(nones)),
        "n": len(labelled),
        "n_none": len(nones),
    }


def matcher_outcomes(tags: list[Tag]) -> list[Outcome]:
    matcher = load_taxonomy().matcher()
    out = []
    for m in matcher.match([t.tag for t in tags]):
        top = tuple(c.uri for c in m.candidates) or ((m.skill_uri,) if m.skill_uri else ())
        out.append(Outcome(top, m.skill_uri if m.accepted else None))
    return out


def tfidf_outcomes(tags: list[Tag]) -> list[Outcome]:
    tax = load_taxonomy()
    entries = tax.index_entries()
    uris = [e.uri for e in entries]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    x = vec.fit_transform([normalise(e.label) for e in entries])
    q = vec.transform([normalise(t.tag) for t in tags])
    sims = (q @ x.T).tocsr()
    ranked: list[list[tuple[str, float]]] = []
    for r in range(sims.shape[0]):
        row = sims.getrow(r)
        order = np.argsort(-row.data)
        seen: dict[str, float] = {}
        for j in order:
            u = uris[row.indices[j]]
            if u not in seen:
                seen[u] = float(row.data[j])
            if len(seen) == 5:
                break
        ranked.append(list(seen.items()))
    # The lowest cosine threshold at which its accepted labelled tags keep 0.97 precision.
    best = 1.01
    for threshold in sorted({s for r in ranked for _, s in r[:1]}, reverse=True):
        acc = [
            (t, r[0][0]) for t, r in zip(tags, ranked, strict=True) if r and r[0][1] >= threshold
        ]
        lab = [(t, u) for t, u in acc if not t.none]
        if lab and sum(u in t.uris for t, u in lab) / len(lab) >= PRECISION_FLOOR:
            best = threshold
    return [
        Outcome(tuple(u for u, _ in r), r[0][0] if r and r[0][1] >= best else None) for r in ranked
    ]


def _fmt(s: dict[str, float]) -> str:
    return (
        f"top-1 {s['top1']:.3f}, top-5 {s['top5']:.3f}, auto {s['accepted']:.1%} "
        f"at precision {s['precision']:.3f}, none accepted {s['none_accepted']:.1%}"
    )


def rows() -> list[dict[str, Any]]:
    tags = load_tags()
    load_taxonomy().matcher()  # fitted (or read from the cache) outside the timing
    times = []
    for _ in range(3):
        start = time.perf_counter()
        ours = score(tags, matcher_outcomes(tags))
        times.append(time.perf_counter() - start)
    peer = score(tags, tfidf_outcomes(tags))
    size = f"{ours['n']} labelled + {ours['n_none']} none tags"
    done, n_split = split_score(tags)
    out = [
        {
            "what": "real tags -> ESCO: top-1, top-5, auto-accepted at precision, none accepted",
            "size": size,
            "ours": _fmt(ours),
            "peer": "TF-IDF char 3-5: " + _fmt(peer),
            "ratio": f"auto-accepted x{ours['accepted'] / max(peer['accepted'], 1e-9):.1f}",
        },
        {
            "what": "real tags naming two skills: every part mapped to an acceptable skill",
            "size": f"{n_split} tags",
            "ours": f"{done} of {n_split}",
            "peer": "",
            "ratio": "",
        },
        {
            "what": "real tags: time to map the set (median of 3)",
            "size": size,
            "ours": f"{statistics.median(times) * 1000:.0f} ms",
            "peer": "",
            "ratio": "",
        },
    ]
    rev = os.environ.get("SKILLS_BASELINE_REV")
    if rev:
        out.append(_baseline_row(rev, size))
    return out


def _baseline_row(rev: str, size: str) -> dict[str, Any]:
    """Run this file's matcher scoring inside a worktree of ``rev`` (same data set)."""
    import json
    import subprocess
    import tempfile

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(root), "worktree", "add", "--detach", str(tree), rev],
            check=True,
            capture_output=True,
        )
        try:
            code = (
                "import json,sys; sys.path.insert(0, sys.argv[1]);"
                "import bench_realtags as b; t=b.load_tags(b.Path(sys.argv[2]));"
                "print(json.dumps(b.score(t, b.matcher_outcomes(t))))"
            )
            (tree / "benchmarks" / "bench_realtags.py").write_text(Path(__file__).read_text())
            res = subprocess.run(
                [sys.executable, "-c", code, str(tree / "benchmarks"), str(DATA)],
                cwd=tree,
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(tree)},
            )
            s = json.loads(res.stdout.strip().splitlines()[-1])
        finally:
            subprocess.run(
                ["git", "-C", str(root), "worktree", "remove", "--force", str(tree)],
                check=False,
                capture_output=True,
            )
    return {
        "what": f"real tags: the matcher at {rev}",
        "size": size,
        "ours": _fmt(s),
        "peer": "",
        "ratio": "",
    }


def _ranker_items(
    matcher: Any, texts: list[str]
) -> tuple[list[int], list[tuple[str, str, int | None]]]:
    """The texts ``matcher`` sends to its tag ranker, as ``Matcher.tag_candidates`` items."""
    from skills.taxonomy._normalise import match_key

    where, items = [], []
    for i, text in enumerate(texts):
        key = match_key(text)
        if not key:
            continue
        if not matcher._tags.is_tag(key):
            continue
        exact = matcher._exact(text, key) or matcher._spelled_exact(text, key)
        alt = matcher._doubtful_exact(text, key) if exact is not None else None
        if exact is None or alt is not None:
            where.append(i)
            items.append((text, key, alt))
    return where, items


@dataclass
class Group:
    """One text the tag ranker scores: its candidates, their features, which are right."""

    skills: list[int]
    rows: np.ndarray
    right: np.ndarray
    real: bool  # a development-set tag (else a generated example)
    fuzzy_right: bool = False  # the fuzzy stage's best is right
    fuzzy: int = -1  # the fuzzy stage's best skill


def _groups(
    matcher: Any, texts: list[str], truth: list[frozenset[str]], real: bool
) -> tuple[list[int], list[Group]]:
    where, items = _ranker_items(matcher, texts)
    out = []
    for i, (skills, rows, fuzzy, _) in zip(where, matcher.tag_candidates(items), strict=True):
        right = np.array([matcher.skill_uris[s] in truth[i] for s in skills], dtype=bool)
        out.append(Group(skills, rows, right, real, matcher.skill_uris[fuzzy] in truth[i], fuzzy))
    return where, out


def _generated(seed: int = 7) -> list[Group]:
    """Examples from ESCO itself (``bench_matcher.calibration_world``, a seed other than
    the benchmarks' 2024, the matcher fitted without them): held-out alternative labels
    (positives: their skill), labels of removed skills, label fragments and fragments
    next to an unknown word (negatives). They keep the tag model right on ESCO-style
    labels and junk, not only on the development set."""
    from bench_matcher import calibration_world

    w = calibration_world(seed)
    nothing: frozenset[str] = frozenset()
    sets = [
        (w.held["label"].tolist(), [frozenset((u,)) for u in w.held["uri"]]),
        (w.gone_labels["label"].tolist(), [nothing] * len(w.gone_labels)),
        (w.fragments, [nothing] * len(w.fragments)),
        (w.near_unknown, [nothing] * len(w.near_unknown)),
    ]
    out: list[Group] = []
    for texts, truth in sets:
        out.extend(_groups(w.matcher, texts, truth, real=False)[1])
    return out


#: Inverse regularisation of the ranking and of the acceptance model.
RANK_C = 10.0
ACCEPT_REG = 1.0
#: Weight of a development-set tag against a generated example.
REAL_WEIGHT = 10.0


def _fit(groups: list[Group]) -> tuple[np.ndarray, Any]:
    """The ranking weights (pairwise logistic regression: each right row against each
    wrong row of its text, both signs, no intercept) and the acceptance model (logistic
    regression on ``accept_features`` of each text's best row: is it right?)."""
    from sklearn.linear_model import LogisticRegression

    from skills.taxonomy import _tags

    diffs, weights = [], []
    for g in groups:
        pos, neg = g.rows[g.right], g.rows[~g.right]
        if len(pos) and len(neg):
            d = (pos[:, None, :] - neg[None, :, :]).reshape(-1, g.rows.shape[1])
            diffs.append(d)
            weights.append(np.full(len(d), (REAL_WEIGHT if g.real else 1.0) / len(d)))
    x = np.concatenate(diffs)
    w = np.concatenate(weights)
    rank = LogisticRegression(C=RANK_C, fit_intercept=False, max_iter=5000).fit(
        np.concatenate([x, -x]), np.r_[np.ones(len(x)), np.zeros(len(x))], np.r_[w, w]
    )
    coef: np.ndarray = rank.coef_[0]
    xa, ya, wa = [], [], []
    for g in groups:
        if not len(g.skills):
            continue
        sc = g.rows @ coef
        xa.append(_tags.accept_features(sc, g.rows, g.skills))
        ya.append(bool(g.right[int(np.argmax(sc))]))
        wa.append(REAL_WEIGHT if g.real else 1.0)
    accept = LogisticRegression(C=ACCEPT_REG, max_iter=5000).fit(
        np.asarray(xa), np.asarray(ya), np.asarray(wa)
    )
    return coef, accept


def calibrate(folds: int = 5) -> None:
    """Fit the tag models (ranking, then acceptance) on the development set and the
    generated ESCO examples (:func:`_generated`), print their constants, and the
    development-set figures in-sample and by ``folds``-fold cross-validation (each fold
    of the development set scored by models fitted without it)."""
    from skills.taxonomy import _tags

    tags = load_tags()
    m = load_taxonomy().matcher()
    where, real = _groups(m, [t.tag for t in tags], [t.uris for t in tags], real=True)
    generated = _generated()
    base = matcher_outcomes(tags)

    def predict(g: Group, coef: np.ndarray, accept: Any) -> tuple[tuple[str, ...], float]:
        if not len(g.skills):
            return (), 0.0
        sc = g.rows @ coef
        p = float(accept.predict_proba(_tags.accept_features(sc, g.rows, g.skills)[None])[0, 1])
        best: dict[int, float] = {}
        for s, v in zip(g.skills, sc.tolist(), strict=True):
            best[s] = max(best.get(s, -1e9), v)
        ranked = sorted(best.items(), key=lambda kv: -kv[1])
        if g.fuzzy in best and ranked[0][1] - best[g.fuzzy] < _tags.KEEP_MARGIN:
            ranked.sort(key=lambda kv: kv[0] != g.fuzzy)
        top = tuple(m.skill_uris[s] for s, _ in ranked[:5])
        return top, p

    def outcomes(pred: list[tuple[tuple[str, ...], float]], threshold: float) -> list[Outcome]:
        out = list(base)
        for (top, p), i in zip(pred, where, strict=True):
            out[i] = Outcome(top, top[0] if top and p >= threshold else None)
        return out

    coef, accept = _fit(real + generated)
    full = [predict(g, coef, accept) for g in real]
    fold_of = np.random.default_rng(7).integers(0, folds, size=len(real))
    cv: list[tuple[tuple[str, ...], float]] = [((), 0.0)] * len(real)
    for k in range(folds):
        ck, ak = _fit([g for g, f in zip(real, fold_of, strict=True) if f != k] + generated)
        for i, g in enumerate(real):
            if fold_of[i] == k:
                cv[i] = predict(g, ck, ak)
    print("RANK_COEF = (" + ", ".join(f"{c:.3f}" for c in coef) + ")")
    print("ACCEPT_COEF = (" + ", ".join(f"{c:.3f}" for c in accept.coef_[0]) + ")")
    print(f"ACCEPT_C = {accept.intercept_[0]:.3f}")
    for name, c in zip(_tags.FEATURES, coef, strict=True):
        print(f"  rank   {name:12s} {c:+.3f}")
    for name, c in zip(("score", "margin", *_tags.FEATURES), accept.coef_[0], strict=True):
        print(f"  accept {name:12s} {c:+.3f}")
    gen = [(predict(g, coef, accept), g) for g in generated]
    positives = [(top, g) for (top, _), g in gen if g.right.any()]
    ranked_right = sum(
        bool(top) and top[0] in {m.skill_uris[s] for s in np.asarray(g.skills)[g.right]}
        for top, g in positives
    )
    print(
        f"generated positives, top-1: tag ranker {ranked_right}/{len(positives)}, "
        f"fuzzy stage {sum(g.fuzzy_right for _, g in positives)}/{len(positives)}"
    )
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95):
        acc = [
            (
                g.right.any(),
                (top[0] if top else None)
                in {m.skill_uris[s] for s in np.asarray(g.skills)[g.right]},
            )
            for (top, p), g in gen
            if p >= threshold
        ]
        pos = sum(g.right.any() for g in generated)
        print(
            f"threshold {threshold}: in-sample {_fmt(score(tags, outcomes(full, threshold)))}\n"
            f"               cross-validated {_fmt(score(tags, outcomes(cv, threshold)))}\n"
            f"               generated: accepted {sum(a for a, _ in acc)}/{pos} positives, "
            f"precision {np.mean([r for _, r in acc]) if acc else 1:.3f}, "
            f"negatives accepted {sum(not a for a, _ in acc)}/{len(generated) - pos}"
        )


if __name__ == "__main__":
    if "--calibrate" in sys.argv:
        calibrate()
    else:
        for row in rows():
            print(row)
