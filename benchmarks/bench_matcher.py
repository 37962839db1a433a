"""Skill matching of label *variants*: typos, case, punctuation and US spelling.

``rows()`` returns the rows for ``benchmarks/run.py`` (``python benchmarks/run.py
matcher``); ``python benchmarks/bench_matcher.py`` prints them alone; ``--calibrate``
refits the logistic calibration constants of ``skills/taxonomy/_matcher.py`` (a seed
other than the benchmarks', see :func:`calibrate`) and prints them.

Method: the matcher is fitted as in ``bench_taxonomy.py`` (2,000 ESCO alternative
labels of seed 2024 held out, no disk cache). 2,000 labels it *does* index, each naming
one skill only, are rewritten the way badges rewrite them (:func:`variant`: one typo, a
case change, punctuation, or US spelling of a UK-spelt ESCO word) and mapped; a variant
counts when it is auto-accepted, and precision is the share of auto-accepted variants
mapped to the label's skill. The benchmark's non-skill phrases, written the same way,
must stay refused.
"""

from __future__ import annotations

import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_taxonomy import HOLD_OUT, NON_SKILL_PHRASES, SEED, _fragments, _split, _taxonomy

from skills.taxonomy import Matcher, normalise, read_esco
from skills.taxonomy._matcher import calibration_features
from skills.taxonomy._normalise import match_key

N_VARIANTS = 2000
KINDS = ("typo", "case", "punctuation", "spelling")

# UK -> US spellings (ESCO writes British English); the first word that has one is rewritten.
_ISE = re.compile(r"^(\w{3,})is(e|ed|es|ing|ation|ations|er|ers)$")
_ISE_ALWAYS = {
    "advise",
    "exercise",
    "merchandise",
    "expertise",
    "enterprise",
    "devise",
    "advertise",
    "revise",
    "raise",
    "rise",
    "practise",
    "supervise",
    "comprise",
    "compromise",
    "surprise",
    "improvise",
    "premise",
    "franchise",
    "televise",
    "wise",
    "otherwise",
    "noise",
    "praise",
    "cruise",
    "precise",
    "concise",
    "promise",
    "appraise",
    "chastise",
    "despise",
    "disguise",
    "fundraise",
    "arise",
}
_OUR = {
    "colour",
    "labour",
    "flavour",
    "harbour",
    "odour",
    "armour",
    "humour",
    "endeavour",
    "honour",
    "tumour",
    "favour",
    "savour",
    "behaviour",
    "neighbour",
    "vapour",
    "rumour",
    "vigour",
    "rigour",
    "parlour",
}
_ELL = re.compile(r"^(\w{2,}[^l])ell(ing|ed|er|ers)$")
_ELL_ALWAYS = {"excel", "propel", "compel", "dispel", "repel", "upsell", "bestsell", "fingerspell"}
_WORDS = {
    "centre": "center",
    "centres": "centers",
    "theatre": "theater",
    "metre": "meter",
    "metres": "meters",
    "litre": "liter",
    "fibre": "fiber",
    "fibres": "fibers",
    "licence": "license",
    "defence": "defense",
    "offence": "offense",
    "catalogue": "catalog",
    "dialogue": "dialog",
    "programme": "program",
    "programmes": "programs",
    "aluminium": "aluminum",
    "grey": "gray",
    "mould": "mold",
    "moulds": "molds",
    "jewellery": "jewelry",
    "paediatric": "pediatric",
    "paediatrics": "pediatrics",
    "anaesthesia": "anesthesia",
    "anaesthetic": "anesthetic",
    "orthopaedic": "orthopedic",
    "haematology": "hematology",
    "oesophagus": "esophagus",
    "ageing": "aging",
    "judgement": "judgment",
}


def _us_word(word: str) -> str | None:
    low = word.lower()
    if low in _WORDS:
        return _WORDS[low]
    stem = low.split("our", 1)[0] + "our"
    if stem in _OUR:
        return low.replace("our", "or", 1)
    m = _ISE.match(low)
    if m and m.group(1) + "ise" not in _ISE_ALWAYS:
        return f"{m.group(1)}iz{m.group(2)}"
    if low.endswith(("yse", "ysed", "yses", "ysing")):
        return low.replace("ys", "yz")
    m = _ELL.match(low)
    if m and m.group(1) + "el" not in _ELL_ALWAYS:
        return f"{m.group(1)}el{m.group(2)}"
    return None


def us_spelling(label: str) -> str | None:
    """``label`` with one British spelling made American, or None when it has none."""
    words = label.split()
    for i, w in enumerate(words):
        us = _us_word(w)
        if us is not None:
            return " ".join([*words[:i], us, *words[i + 1 :]])
    return None


def typo(label: str, rng: random.Random) -> str | None:
    """One keyboard slip inside a word of five letters or more (never its first letter):
    two neighbours swapped, a letter dropped, doubled or replaced."""
    words = label.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return None
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif kind == 1:
        w = w[:j] + w[j + 1 :]
    elif kind == 2:
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[:j] + rng.choice([c for c in "abcdefghijklmnopqrstuvwxyz" if c != w[j]]) + w[j + 1 :]
    words[i] = w
    return " ".join(words)


def punctuation(label: str, rng: random.Random) -> str:
    """Punctuation as badge names carry it: a hyphen or slash between two words, a
    hyphenated word written as one, ``&`` for ``and``, quotes or a trailing full stop."""
    words = label.split()
    options = ["quote", "stop"]
    if len(words) > 1:
        options += ["hyphen", "slash"]
    if "-" in label:
        options.append("join")
    if " and " in label:
        options.append("amp")
    choice = rng.choice(options)
    if choice == "hyphen":
        i = rng.randrange(len(words) - 1)
        return " ".join([*words[:i], words[i] + "-" + words[i + 1], *words[i + 2 :]])
    if choice == "slash":
        i = rng.randrange(len(words) - 1)
        return " ".join([*words[:i], words[i] + "/" + words[i + 1], *words[i + 2 :]])
    if choice == "join":
        return label.replace("-", "", 1)
    if choice == "amp":
        return label.replace(" and ", " & ", 1)
    if choice == "quote":
        return f'"{label}"'
    return label + "."


def variant(label: str, kind: str, rng: random.Random) -> str | None:
    """``label`` rewritten one way (see :data:`KINDS`), or None when that way does not apply."""
    if kind == "typo":
        return typo(label, rng)
    if kind == "case":
        return label.upper() if rng.random() < 0.5 else label.title()
    if kind == "punctuation":
        return punctuation(label, rng)
    return us_spelling(label)


def variants(labels: pd.DataFrame, n: int, seed: int) -> tuple[list[str], list[str], list[str]]:
    """``n`` variants (queries, true skill URIs, kinds) of labels naming one skill only;
    the kinds in turn, a label whose kind does not apply being skipped."""
    owners = labels.assign(key=labels["label"].map(normalise)).groupby("key")["uri"].nunique()
    unique = labels[labels["label"].map(normalise).map(owners) == 1]
    rng = random.Random(seed)
    rows = list(zip(unique["label"], unique["uri"], strict=True))
    queries: list[str] = []
    truth: list[str] = []
    kinds: list[str] = []
    while len(queries) < n:
        kind = KINDS[len(queries) % len(KINDS)]
        label, uri = rng.choice(rows)
        q = variant(label, kind, rng)
        if q is None or (kind in ("typo", "spelling") and normalise(q) == normalise(label)):
            continue
        queries.append(q)
        truth.append(uri)
        kinds.append(kind)
    return queries, truth, kinds


def indexed_labels(frames: dict[str, pd.DataFrame], rest: pd.DataFrame) -> pd.DataFrame:
    """Every label the benchmark's matcher indexes: preferred labels and kept alt labels."""
    return pd.concat(
        [frames["skills"][["uri", "label"]], rest[["uri", "label"]]], ignore_index=True
    )


def measure() -> dict[str, Any]:
    frames = read_esco()
    _, rest = _split(frames, SEED)
    matcher = _taxonomy(frames, rest).matcher()
    queries, truth, kinds = variants(indexed_labels(frames, rest), N_VARIANTS, SEED)
    t0 = time.process_time()
    matches = matcher.match(queries)
    cpu = time.process_time() - t0
    out: dict[str, Any] = {"cpu": cpu}
    for kind in (*KINDS, "all"):
        sel = [(m, t) for m, t, k in zip(matches, truth, kinds, strict=True) if kind in ("all", k)]
        accepted = [m.skill_uri == t for m, t in sel if m.accepted]
        out[kind] = {
            "n": len(sel),
            "accepted": len(accepted) / len(sel),
            "precision": float(np.mean(accepted)) if accepted else 0.0,
            "top1": float(
                np.mean([bool(m.candidates) and m.candidates[0].uri == t for m, t in sel])
            ),
        }
    rng = random.Random(SEED)
    junk = [variant(p, KINDS[i % 3], rng) or p for i, p in enumerate(NON_SKILL_PHRASES)]
    out["junk"] = float(np.mean([m.accepted for m in matcher.match(junk)]))
    return out


def rows() -> list[dict[str, Any]]:
    """Rows {what, size, ours, peer, ratio} for benchmarks/run.py."""
    r = measure()

    def row(what: str, size: str, ours: float) -> dict[str, Any]:
        return {"what": what, "size": size, "ours": f"{ours:.3f}", "peer": "", "ratio": ""}

    out = [
        row(
            "label variants auto-accepted (goal >= 0.90)",
            f"{r['all']['n']:,} variants of indexed labels ({HOLD_OUT:,} held out)",
            r["all"]["accepted"],
        ),
        row("precision of auto-accepted variants (goal >= 0.98)", "", r["all"]["precision"]),
    ]
    for kind in KINDS:
        out.append(
            row(f"  {kind}: accepted / precision", f"{r[kind]['n']:,}", r[kind]["accepted"])
            | {"peer": f"{r[kind]['precision']:.3f}"}
        )
    out.append(
        row(
            "non-skill phrase variants auto-accepted (goal <= 0.02)",
            f"{len(NON_SKILL_PHRASES)} phrases",
            r["junk"],
        )
    )
    return out


def _with_unknown_word(fragments: list[str], unknown: list[str], seed: int) -> list[str]:
    """Negatives: a label fragment next to a word the index has never seen, either side
    (``"pizza evening"``)."""
    rng = random.Random(seed)
    return [
        f"{frag} {rng.choice(unknown)}" if rng.random() < 0.5 else f"{rng.choice(unknown)} {frag}"
        for frag in fragments
    ]


def _fuzzy_only(
    matcher: Matcher, queries: list[str], truth: list[str | None]
) -> tuple[list[str], list[str | None]]:
    """The queries the fuzzy stage scores (no exact or corrected-exact match)."""
    keep = [
        (match_key(q), t)
        for q, t in zip(queries, truth, strict=True)
        if match_key(q)
        and matcher._exact(q, match_key(q)) is None
        and matcher._spelled_exact(q, match_key(q)) is None
    ]
    return [k for k, _ in keep], [t for _, t in keep]


@dataclass(frozen=True)
class CalibrationWorld:
    """What the calibrations learn from, on a seed other than the benchmarks': ESCO with
    alternative labels held out (``held``) and whole skills removed, the matcher fitted
    on the rest, and negatives (labels of removed skills, label fragments, fragments
    next to a word the index never saw)."""

    matcher: Matcher
    held: pd.DataFrame
    rest: pd.DataFrame
    kept_skills: pd.DataFrame
    gone_labels: pd.DataFrame
    fragments: list[str]
    near_unknown: list[str]


def calibration_world(seed: int = 7, removed_skills: int = 1000) -> CalibrationWorld:
    """The :class:`CalibrationWorld` of ``seed`` (``bench_realtags.py --calibrate`` uses
    it too)."""
    frames = read_esco()
    held, rest = _split(frames, seed)
    skills = frames["skills"]
    rng = np.random.default_rng(seed + 1)
    gone = set(skills["uri"].iloc[rng.choice(len(skills), removed_skills, replace=False)])
    gone -= set(held["uri"])
    kept_skills = skills[~skills["uri"].isin(gone)]
    gone_labels = pd.concat(
        [skills[skills["uri"].isin(gone)][["uri", "label"]], rest[rest["uri"].isin(gone)]]
    ).sample(2000, random_state=seed)
    rest = rest[~rest["uri"].isin(gone)]
    matcher = _taxonomy(frames, rest, kept_skills).matcher()
    fragments = _fragments(rest["label"].tolist(), matcher, seed)
    unknown = sorted(
        {w for x in gone_labels["label"] for w in match_key(x).split() if len(w) >= 4}
        - set(matcher._index.speller.words)
    )
    return CalibrationWorld(
        matcher,
        held,
        rest,
        kept_skills,
        gone_labels,
        fragments,
        _with_unknown_word(fragments, unknown, seed),
    )


def calibrate(seed: int = 7, removed_skills: int = 1000) -> None:
    """Fit the logistic calibration (``CAL_COEF``, ``CAL_C``) of the fuzzy stage and print
    it. A seed other than the benchmarks'. Positives (y = top-1 correct): held-out alt
    labels and :func:`variants` of indexed labels that reach the fuzzy stage. Negatives
    (y = 0): labels of 1,000 skills removed from the index, fragments of labels
    (``bench_taxonomy._fragments``) and fragments next to a word only removed skills
    use. ``python benchmarks/bench_matcher.py --calibrate``."""
    from sklearn.linear_model import LogisticRegression

    w = calibration_world(seed, removed_skills)
    matcher, index = w.matcher, w.matcher._index
    var_q, var_t, _ = variants(indexed_labels({"skills": w.kept_skills}, w.rest), 2000, seed)
    sets: list[tuple[list[str], list[str | None]]] = [
        (w.held["label"].tolist(), w.held["uri"].tolist()),
        (var_q, list(var_t)),
        (w.gone_labels["label"].tolist(), [None] * len(w.gone_labels)),
        (w.fragments, [None] * len(w.fragments)),
        (w.near_unknown, [None] * len(w.near_unknown)),
    ]
    feats: list[list[float]] = []
    ys: list[int] = []
    for queries, truth in sets:
        keys, truth = _fuzzy_only(matcher, queries, truth)
        for start in range(0, len(keys), 256):
            top, _, f = calibration_features(index, keys[start : start + 256])
            for row, t in enumerate(truth[start : start + 256]):
                if f[row, 0] <= 0.0:
                    continue
                feats.append(f[row].tolist())
                ys.append(int(matcher.skill_uris[top[row, 0]] == t))
    lr = LogisticRegression(C=100.0, max_iter=1000).fit(np.array(feats), np.array(ys))
    coef = ", ".join(f"{c:.2f}" for c in lr.coef_[0])
    print(f"CAL_COEF = ({coef})\nCAL_C = {lr.intercept_[0]:.2f}")
    p = lr.predict_proba(np.array(feats))[:, 1]
    y = np.array(ys)
    for th in (0.5, 0.6, 0.7, 0.8, 0.9):
        sel = p >= th
        print(f"threshold {th}: precision {y[sel].mean():.3f}, accepted {sel.mean():.3f}")


def main() -> None:
    if "--calibrate" in sys.argv:
        calibrate()
        return
    table = rows()
    widths = {k: max(len(k), *(len(str(r[k])) for r in table)) for k in table[0]}
    print("  ".join(k.ljust(w) for k, w in widths.items()))
    for r in table:
        print("  ".join(str(r[k]).ljust(w) for k, w in widths.items()))


if __name__ == "__main__":
    main()
