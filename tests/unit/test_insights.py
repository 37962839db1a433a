"""Suggested next skills from co-occurrence: what is suggested, to whom, and why."""

from __future__ import annotations

import pandas as pd
import pytest


def _matrix(states: list[tuple[int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [("p1", "Ann", f"r{i}", prio, state) for i, (prio, state) in enumerate(states)],
        columns=["person_id", "person", "requirement", "priority", "state"],
    )


def test_readiness_says_held_critical_and_weighted_share() -> None:
    from skills.services._insights import readiness

    # 9 requirements: 3 critical (2 held, one of them expiring), 3 important (1 held),
    # 3 nice to have (none held): (3 + 3 + 2) / (9 + 6 + 3).
    states = [(1, "held"), (1, "expiring"), (1, "missing")]
    states += [(2, "held"), (2, "missing"), (2, "missing")] + [(3, "missing")] * 3
    row = readiness(_matrix(states)).iloc[0]
    assert (row["held"], row["required"]) == (3, 9)
    assert (row["critical_held"], row["critical_required"]) == (2, 3)
    assert row["readiness"] == round(8 / 18, 3)
    assert row["summary"] == "3 of 9 held · critical 2 of 3 · 44.4% weighted"


def test_readiness_without_critical_requirements_leaves_that_part_out() -> None:
    from skills.services._insights import readiness

    row = readiness(_matrix([(2, "held"), (3, "missing")])).iloc[0]
    assert row["summary"] == "1 of 2 held · 66.7% weighted"


def test_the_weighting_is_explained_from_the_weights_themselves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from skills.services import _insights

    text = _insights.weighting_sentence()
    assert "critical 3" in text and "important 2" in text and "nice to have 1" in text
    monkeypatch.setattr(_insights, "PRIORITY_WEIGHT", {1: 5.0, 2: 2.0, 3: 1.0})
    assert "critical 5" in _insights.weighting_sentence()
    assert _insights.priority_name(1) == "critical" and _insights.priority_name(None) == "important"
