"""Analytics beyond counting: readiness for a role, next-skill suggestions, match scores.

Pure functions over DataFrames (no database, no Streamlit), so they are easy to
test and the pages and queries share them.

- :func:`readiness`: how much of a role profile each person holds, weighted by priority
  (:data:`PRIORITY_WEIGHT`, explained by :func:`weighting_sentence`).
- :func:`suggest_next_skills`: skills that people who hold what you hold also hold
  (co-occurrence in the organisation: a sparse person x skill matrix, from
  ``pandas.factorize``, and its product with itself), each with a reason.
- :func:`match_scores`: a candidate's score for a set of required skills, and the
  sentence that explains it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

# Weight of a requirement by priority: 1 critical, 2 important, 3 nice to have.
PRIORITY_WEIGHT: Mapping[int, float] = {1: 3.0, 2: 2.0, 3: 1.0}
#: The word for each priority, as pages show it.
PRIORITY_NAMES: Mapping[int, str] = {1: "critical", 2: "important", 3: "nice to have"}
READINESS_COLUMNS = [
    "person_id",
    "person",
    "held",
    "required",
    "critical_held",
    "critical_required",
    "readiness",
    "summary",
]


def priority_name(priority: Any) -> str:
    """``critical`` / ``important`` / ``nice to have`` for a priority number (else important)."""
    try:
        return PRIORITY_NAMES.get(int(priority), PRIORITY_NAMES[2])
    except (TypeError, ValueError):
        return PRIORITY_NAMES[2]


def weighting_sentence() -> str:
    """One sentence saying how readiness weighs requirements (from :data:`PRIORITY_WEIGHT`)."""
    parts = ", ".join(
        f"{PRIORITY_NAMES[p]} {PRIORITY_WEIGHT[p]:g}" for p in sorted(PRIORITY_WEIGHT)
    )
    return (
        f"Weighted readiness counts each requirement by its priority ({parts}): "
        "the weight of the requirements a person holds divided by the weight of all "
        "their role's requirements. A badge expiring soon still counts."
    )


def readiness_summary(
    held: int, required: int, critical_held: int, critical_required: int, share: float
) -> str:
    """``3 of 9 held · critical 2 of 3 · 38.9% weighted`` (no critical part without any)."""
    parts = [f"{held} of {required} held"]
    if critical_required:
        parts.append(f"critical {critical_held} of {critical_required}")
    parts.append(f"{share:.1%} weighted")
    return " · ".join(parts)


def readiness(matrix: pd.DataFrame) -> pd.DataFrame:
    """Per person: requirements held, total, critical ones, weighted readiness in [0, 1].

    ``matrix`` is the gap matrix: one row per (person_id, person, requirement)
    with ``state`` in held / expiring / missing and ``priority``; when it has
    ``profile_id`` and ``profile`` columns (each person against their own role)
    they are kept. Expiring counts as held (it still is, today). ``summary``
    reads "3 of 9 held · critical 2 of 3 · 38.9% weighted". Sorted most ready first.
    """
    keys = ["person_id", "person"] + [c for c in ("profile_id", "profile") if c in matrix]
    if matrix.empty:
        return pd.DataFrame(columns=[*keys, *READINESS_COLUMNS[2:]])
    m = matrix.assign(
        weight=matrix["priority"].map(lambda p: PRIORITY_WEIGHT.get(int(p), 1.0)),
        got=matrix["state"].isin(["held", "expiring"]),
        critical=matrix["priority"].astype(int) == 1,
    )
    m["got_weight"] = m["weight"] * m["got"]
    m["critical_got"] = m["critical"] & m["got"]
    out = (
        m.groupby(keys, as_index=False, dropna=False)
        .agg(
            held=("got", "sum"),
            required=("got", "size"),
            critical_held=("critical_got", "sum"),
            critical_required=("critical", "sum"),
            w=("weight", "sum"),
            g=("got_weight", "sum"),
        )
        .assign(readiness=lambda d: (d["g"] / d["w"]).round(3))
        .drop(columns=["w", "g"])
        .sort_values(["readiness", "person"], ascending=[False, True], ignore_index=True)
    )
    ints = ["held", "required", "critical_held", "critical_required"]
    out[ints] = out[ints].astype(int)
    out["summary"] = [
        readiness_summary(h, r, ch, cr, float(x))
        for h, r, ch, cr, x in zip(
            out["held"],
            out["required"],
            out["critical_held"],
            out["critical_required"],
            out["readiness"],
            strict=True,
        )
    ]
    return out


def _sentence(text: str) -> str:
    """First letter upper-cased (``str.capitalize`` would lower-case skill names), full stop."""
    return text[:1].upper() + text[1:] + "."


class _SkillsByPerson(Mapping[str, list[int]]):
    """person_id -> indexes of the skills they hold, read lazily from the CSR matrix
    (a dict of lists for 100,000 people took most of the co-occurrence build)."""

    def __init__(self, matrix: Any, rows: dict[str, int]) -> None:
        self._indptr = matrix.indptr
        self._indices = matrix.indices
        self._rows = rows

    def __getitem__(self, person: str) -> list[int]:
        i = self._rows[person]
        return [int(j) for j in self._indices[self._indptr[i] : self._indptr[i + 1]]]

    def __iter__(self) -> Any:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


@dataclass(frozen=True)
class CoOccurrence:
    """Who holds which skill in the organisation, ready for :func:`suggest_next_skills`.

    ``skills``: skill URIs (sorted); ``holders[j]``: people holding skill j;
    ``pairs[i, j]``: people holding both i and j (None when there are too many
    skills for a dense matrix); ``held_by``: person -> indexes of their skills.
    """

    skills: Any
    holders: Any
    pairs: Any
    matrix: Any
    held_by: Mapping[str, list[int]]

    @property
    def index(self) -> dict[str, int]:
        return {str(s): i for i, s in enumerate(self.skills)}


def co_occurrence(held: pd.DataFrame) -> CoOccurrence:
    """Build the co-occurrence of skills from ``held`` (one row per person_id, skill_uri).

    A sparse person x skill matrix from ``pandas.factorize`` and its product
    with itself; vectorised, no per-person Python lists.
    """
    from scipy import sparse

    pairs = held[["person_id", "skill_uri"]].drop_duplicates()
    person_codes, person_ids = pd.factorize(pairs["person_id"])
    skill_codes, skill_uris = pd.factorize(pairs["skill_uri"], sort=True)
    x = sparse.csr_matrix(
        (np.ones(len(pairs), dtype=np.int32), (person_codes, skill_codes)),
        shape=(len(person_ids), len(skill_uris)),
    )
    xc = x.tocsc()
    rows = _SkillsByPerson(
        x, dict(zip(map(str, person_ids.tolist()), range(len(person_ids)), strict=True))
    )
    return CoOccurrence(
        skills=np.asarray(skill_uris),
        holders=np.asarray(x.sum(axis=0)).ravel(),
        pairs=(xc.T @ xc).toarray() if len(skill_uris) <= 4000 else None,
        matrix=xc,
        held_by=rows,
    )


def suggest_next_skills(
    held: pd.DataFrame | CoOccurrence,
    people: Sequence[str],
    labels: Mapping[str, str],
    *,
    required: Sequence[str] = (),
    top: int = 3,
    min_support: int = 3,
) -> pd.DataFrame:
    """For each person in ``people``: up to ``top`` skills they lack, with the reason.

    ``held`` has one row per (person_id, skill_uri) for the whole organisation
    (or is its :func:`co_occurrence`, built once and reused).
    A skill B scores, for someone holding A, P(B | A) = holders of A and B /
    holders of A, taking the best A; only pairs seen at least ``min_support``
    times count. Skills in ``required`` (the target role) get a bonus of 0.25.
    Returns person_id, skill_uri, skill, score, why.
    """
    cols = ["person_id", "skill_uri", "skill", "score", "why"]
    if isinstance(held, pd.DataFrame):
        if held.empty or not people:
            return pd.DataFrame(columns=cols)
        held = co_occurrence(held)
    if not people or len(held.skills) == 0:
        return pd.DataFrame(columns=cols)
    skills, holders, co, xc = held.skills, held.holders, held.pairs, held.matrix
    index = held.index
    rows = []
    required_set = set(required)
    for person in people:
        mine_idx = held.held_by.get(person, [])
        if co is not None:
            pair = co[mine_idx] if mine_idx else np.zeros((0, len(skills)))
        else:  # very many skills: compute only this person's rows
            pair = (xc[:, mine_idx].T @ xc).toarray() if mine_idx else np.zeros((0, len(skills)))
        scores = np.zeros(len(skills))
        because = np.full(len(skills), -1)
        if len(mine_idx):
            support = np.where(pair >= min_support, pair, 0)
            cond = support / np.maximum(holders[mine_idx][:, None], 1)
            best = cond.argmax(axis=0)
            scores = cond[best, np.arange(len(skills))]
            because = np.asarray(mine_idx)[best]
        for s in required_set:
            if s in index:
                scores[index[s]] += 0.25
        scores[mine_idx] = -1
        order = np.argsort(-scores, kind="stable")[:top]
        for j in order:
            if scores[j] <= 0:
                continue
            uri = str(skills[j])
            reasons = []
            if because[j] >= 0 and scores[j] - (0.25 if uri in required_set else 0) > 0:
                a = int(because[j])
                share = co[a, j] / holders[a] if co is not None else scores[j]
                reasons.append(
                    f"{share:.0%} of the {holders[a]} people holding "
                    f"{labels.get(str(skills[a]), str(skills[a]))} also hold it"
                )
            if uri in required_set:
                reasons.append("the target role requires it")
            rows.append(
                {
                    "person_id": person,
                    "skill_uri": uri,
                    "skill": labels.get(uri, uri),
                    "score": round(float(scores[j]), 3),
                    "why": _sentence("; ".join(reasons)),
                }
            )
    return pd.DataFrame(rows, columns=cols)


def match_scores(
    evidence: pd.DataFrame,
    required: Sequence[str],
    labels: Mapping[str, str],
    *,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Score each person's evidence against ``required`` skills.

    ``evidence``: one row per (person_id, skill_uri, issued, issuer_trust) for
    credentials that already passed the search filters. Score (0-100):
    70 x share of required skills covered + 20 x recency (1 for evidence
    issued this year, halving every 3 years) + 10 x share of covered skills
    backed by a trusted issuer. Returns person_id, matched, score, why,
    matched_skills, missing_skills; best first.
    """
    cols = ["person_id", "matched", "score", "why", "matched_skills", "missing_skills"]
    req = list(dict.fromkeys(required))
    if evidence.empty or not req:
        return pd.DataFrame(columns=cols)
    moment = now or datetime.now(UTC)
    ev = evidence[evidence["skill_uri"].isin(req)].copy()
    if ev.empty:
        return pd.DataFrame(columns=cols)
    issued = pd.to_datetime(ev["issued"], utc=True)
    age_years = ((pd.Timestamp(moment) - issued).dt.days / 365.25).fillna(10).clip(lower=0)
    ev["recency"] = np.power(0.5, age_years / 3.0)
    ev["trusted"] = (ev["issuer_trust"] == "trusted").astype(float)
    ev["issued"] = issued
    per_skill = ev.groupby(["person_id", "skill_uri"], as_index=False, sort=False).agg(
        recency=("recency", "max"), trusted=("trusted", "max"), newest=("issued", "max")
    )
    per_person = per_skill.groupby("person_id", sort=False).agg(
        recency=("recency", "mean"),
        trusted=("trusted", "mean"),
        trusted_n=("trusted", "sum"),
        newest=("newest", "max"),
        skills=("skill_uri", lambda u: frozenset(u)),
    )
    out = []
    for person, recency, trusted, trusted_n, newest, held in zip(
        per_person.index,
        per_person["recency"],
        per_person["trusted"],
        per_person["trusted_n"],
        per_person["newest"],
        per_person["skills"],
        strict=True,
    ):
        got = [s for s in req if s in held]
        missing = [s for s in req if s not in held]
        cover = len(got) / len(req)
        score = round(70 * cover + 20 * float(recency) * cover + 10 * float(trusted) * cover, 1)
        why = (
            f"{len(got)} of {len(req)} required skills"
            f" ({', '.join(labels.get(s, s) for s in got)})"
            f"; {int(trusted_n)} backed by a trusted issuer"
            + (f"; newest evidence {newest:%Y-%m}" if pd.notna(newest) else "")
            + (f"; missing {', '.join(labels.get(s, s) for s in missing)}" if missing else "")
            + "."
        )
        out.append(
            {
                "person_id": person,
                "matched": len(got),
                "score": score,
                "why": why,
                "matched_skills": ", ".join(labels.get(s, s) for s in got),
                "missing_skills": ", ".join(labels.get(s, s) for s in missing),
            }
        )
    frame = pd.DataFrame(out, columns=cols)
    return frame.sort_values(["score", "person_id"], ascending=[False, True], ignore_index=True)


__all__ = [
    "PRIORITY_NAMES",
    "PRIORITY_WEIGHT",
    "CoOccurrence",
    "co_occurrence",
    "match_scores",
    "priority_name",
    "readiness",
    "readiness_summary",
    "suggest_next_skills",
    "weighting_sentence",
]
