"""Readiness for a role: pure functions over DataFrames (no database, no Streamlit).

- :func:`readiness`: how much of a role profile each person holds, weighted by priority
  (:data:`PRIORITY_WEIGHT`, explained by :func:`weighting_sentence`), and the sentence
  that says it (:func:`readiness_summary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
