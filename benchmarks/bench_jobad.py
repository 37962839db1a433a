"""Free-text skill extraction (job ads): precision and recall against plain TF-IDF.

The labelled set is ``benchmarks/data/jobads.jsonl`` (built by ``_jobads.py``, which says
how). The main set is what extraction is for: skills a text names. It is the 91 ESCO
occupation ads (``esco-occupation-ad``: the description, then a seeded requirements list
naming essential skills by an alternative label or a light rewording) and the 27
hand-written ads (``handwritten``). A diagnostic row keeps the implied-skills variant
(``esco-occupation-implied``: the description alone against all ~20 essential skills),
which measures inferring skills a text does not name: extraction does not attempt that.
Scores are micro-averaged over (text, skill) pairs; the occupation ads also get recall by
how each requirement was written.

- ours: :func:`skills.taxonomy.extract_text_skills`, the skills it accepts (what the
  recruiter's confirmation list starts with).
- peer: plain TF-IDF retrieval of labels: ``TfidfVectorizer`` (word unigrams and
  bigrams, English stop words, sublinear tf) fitted on every ESCO preferred and
  alternative label, the text's cosine with each label, labels grouped to skills by
  their best label. Two variants, both tuned on the main set itself (optimistic): the
  top ``k`` skills (1-30) and every skill with cosine >= ``t`` (0.05-0.95); the better
  one on main micro F1 is the peer of every row.

``rows()`` feeds ``benchmarks/run.py jobad``; ``python benchmarks/bench_jobad.py`` prints
the same table. Timings: median of 3 runs after a warm-up.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skills.taxonomy import extract_text_skills, load_taxonomy

DATA = Path(__file__).resolve().parent / "data" / "jobads.jsonl"
K_RANGE = range(1, 31)
THRESHOLDS = [round(0.05 + 0.025 * i, 3) for i in range(37)]  # 0.05 .. 0.95
#: The main set (what the extractor is for) and a diagnostic (what it does not attempt).
MAIN = ("esco-occupation-ad", "handwritten")
IMPLIED = "esco-occupation-implied"
FORMS = ("alt-label", "reworded", "description")


def load_items() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]


class TfidfPeer:
    """Plain TF-IDF retrieval of ESCO labels (see the module docstring)."""

    def __init__(self) -> None:
        taxonomy = load_taxonomy()
        skills = taxonomy.skills_frame()
        alt = taxonomy.alt_labels_frame()
        uris = skills["uri"].tolist() + alt["uri"].tolist()
        labels = skills["label"].tolist() + alt["label"].tolist()
        self.skill_uris = sorted(set(uris))
        index = {u: i for i, u in enumerate(self.skill_uris)}
        self.owner = np.array([index[u] for u in uris], dtype=np.int64)
        self.vectorizer = TfidfVectorizer(
            ngram_range=(1, 2), stop_words="english", sublinear_tf=True
        )
        self.labels = self.vectorizer.fit_transform(labels).T.tocsr()

    def scored(self, text: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` best skills with their cosine (best label), best first."""
        q = self.vectorizer.transform([text])
        sims = sp.csr_matrix(q @ self.labels).toarray().ravel()
        best = np.zeros(len(self.skill_uris), dtype=np.float64)
        np.maximum.at(best, self.owner, sims)
        top = np.argsort(-best, kind="stable")[:k]
        return [(self.skill_uris[i], float(best[i])) for i in top if best[i] > 0]

    def ranked(self, text: str, k: int) -> list[str]:
        return [u for u, _ in self.scored(text, k)]


def prf(pairs: Sequence[tuple[set[str], set[str]]]) -> tuple[float, float, float]:
    """Micro precision, recall and F1 over (predicted, gold) pairs."""
    tp = sum(len(p & g) for p, g in pairs)
    n_pred = sum(len(p) for p, _ in pairs)
    n_gold = sum(len(g) for _, g in pairs)
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _median_seconds(work: Callable[[], object]) -> float:
    work()  # warm-up
    times = []
    for _ in range(3):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def long_ad(items: Sequence[dict[str, Any]], words: int = 5000) -> str:
    """A 5,000-word ad: the hand-written ads, then the occupation ads, repeated."""
    texts = [i["text"] for i in items if i["source"] == "handwritten"]
    texts += [i["text"] for i in items if i["source"] == "esco-occupation-ad"]
    out: list[str] = []
    n = 0
    while len(" ".join(out).split()) < words:
        out.append(texts[n % len(texts)])
        n += 1
    return "\n\n".join(out)


def _pick(items: Sequence[dict[str, Any]], sources: Sequence[str]) -> list[int]:
    return [i for i, item in enumerate(items) if item["source"] in sources]


def evaluate() -> dict[str, Any]:
    items = load_items()
    matcher = load_taxonomy().matcher()
    peer = TfidfPeer()
    gold = [set(i["skills"]) for i in items]
    ours = [{f.uri for f in extract_text_skills(i["text"], matcher) if f.accepted} for i in items]
    scored = [peer.scored(i["text"], 200) for i in items]
    main = _pick(items, MAIN)

    def f1(pred: Sequence[set[str]], pick: Sequence[int]) -> float:
        return prf([(pred[i], gold[i]) for i in pick])[2]

    # Two peers, each tuned on the main set itself (optimistic): top-k and a cosine floor.
    by_k = {k: [{u for u, _ in r[:k]} for r in scored] for k in K_RANGE}
    by_t = {t: [{u for u, c in r if c >= t} for r in scored] for t in THRESHOLDS}
    k = max(K_RANGE, key=lambda k: f1(by_k[k], main))
    t = max(THRESHOLDS, key=lambda t: f1(by_t[t], main))
    peers = {f"TF-IDF top-{k}": by_k[k], f"TF-IDF cosine >= {t}": by_t[t]}
    peer_name = max(peers, key=lambda n: f1(peers[n], main))
    theirs = peers[peer_name]
    scores: dict[str, Any] = {"peer": peer_name, "n": len(items)}
    scores["peers"] = {n: prf([(p[i], gold[i]) for i in main]) for n, p in peers.items()}
    sets = {
        "main (occupation ads + hand-written)": MAIN,
        "occupation ads": ("esco-occupation-ad",),
        "hand-written ads": ("handwritten",),
        "diagnostic, implied skills: description only vs all essential skills": (IMPLIED,),
    }
    for name, sources in sets.items():
        pick = _pick(items, sources)
        scores[name] = {
            "items": len(pick),
            "ours": prf([(ours[i], gold[i]) for i in pick]),
            "peer": prf([(theirs[i], gold[i]) for i in pick]),
        }
    # Recall on the occupation ads by how the requirement was written.
    for form in FORMS:
        named = [
            (i, n["uri"])
            for i in _pick(items, ("esco-occupation-ad",))
            for n in items[i]["named"]
            if n["form"] == form
        ]
        scores[f"form:{form}"] = {
            "items": len(named),
            "ours": sum(u in ours[i] for i, u in named) / len(named) if named else 0.0,
            "peer": sum(u in theirs[i] for i, u in named) / len(named) if named else 0.0,
        }
    text = long_ad(items)
    best_k = max(k, max((len(p) for p in theirs), default=1))
    scores["long_words"] = len(text.split())
    scores["t_long_ours"] = _median_seconds(lambda: extract_text_skills(text, matcher))
    scores["t_long_peer"] = _median_seconds(lambda: peer.scored(text, best_k))
    scores["t_set_ours"] = _median_seconds(
        lambda: [extract_text_skills(items[i]["text"], matcher) for i in main]
    )
    scores["t_set_peer"] = _median_seconds(
        lambda: [peer.scored(items[i]["text"], best_k) for i in main]
    )
    return scores


def rows() -> list[dict[str, str]]:
    s = evaluate()
    out: list[dict[str, str]] = []
    for name in (
        "main (occupation ads + hand-written)",
        "occupation ads",
        "hand-written ads",
        "diagnostic, implied skills: description only vs all essential skills",
    ):
        o, p = s[name]["ours"], s[name]["peer"]
        for metric, j in (("precision", 0), ("recall", 1), ("F1", 2)):
            out.append(
                {
                    "what": f"job ads, {name}: micro {metric} (peer {s['peer']})",
                    "size": f"{s[name]['items']} texts",
                    "ours": f"{o[j]:.3f}",
                    "peer": f"{p[j]:.3f}",
                    "ratio": f"{o[j] / p[j]:.2f}x" if p[j] else "-",
                }
            )
    for form in FORMS:
        f = s[f"form:{form}"]
        out.append(
            {
                "what": f"job ads, occupation ads: recall of requirements written as {form}",
                "size": f"{f['items']} skills",
                "ours": f"{f['ours']:.3f}",
                "peer": f"{f['peer']:.3f}",
                "ratio": f"{f['ours'] / f['peer']:.2f}x" if f["peer"] else "-",
            }
        )
    main = s["main (occupation ads + hand-written)"]["ours"]
    for name, (p, r, f1) in s["peers"].items():
        out.append(
            {
                "what": f"job ads, main: peer variant {name} (tuned on the set), P / R / F1",
                "size": f"{s['main (occupation ads + hand-written)']['items']} texts",
                "ours": f"{main[0]:.3f} / {main[1]:.3f} / {main[2]:.3f}",
                "peer": f"{p:.3f} / {r:.3f} / {f1:.3f}",
                "ratio": f"{main[2] / f1:.2f}x F1" if f1 else "-",
            }
        )
    for what, size, ours, peer in (
        (
            "job ads: extract one 5,000-word ad (median of 3)",
            f"{s['long_words']} words",
            s["t_long_ours"],
            s["t_long_peer"],
        ),
        (
            "job ads: extract the main set (median of 3)",
            f"{s['main (occupation ads + hand-written)']['items']} texts",
            s["t_set_ours"],
            s["t_set_peer"],
        ),
    ):
        out.append(
            {
                "what": what,
                "size": size,
                "ours": f"{ours * 1000:.0f} ms",
                "peer": f"{peer * 1000:.0f} ms",
                "ratio": f"{ours / peer:.0f}x the peer's time" if peer else "-",
            }
        )
    return out


if __name__ == "__main__":
    for row in rows():
        print(" | ".join(row[k] for k in ("what", "size", "ours", "peer", "ratio")))
