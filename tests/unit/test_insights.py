"""Suggested next skills from co-occurrence: what is suggested, to whom, and why."""

from __future__ import annotations

import pandas as pd

from skills.services._insights import co_occurrence, suggest_next_skills

LABELS = {"a": "Python", "b": "SQL", "c": "Docker", "d": "Knitting"}


def _held() -> pd.DataFrame:
    rows = [(f"p{i}", "a") for i in range(10)] + [(f"p{i}", "b") for i in range(8)]
    rows += [(f"p{i}", "c") for i in range(3)] + [("q", "a"), ("r", "d")]
    return pd.DataFrame(rows, columns=["person_id", "skill_uri"])


def test_suggests_the_skill_most_holders_of_mine_also_hold_with_the_reason() -> None:
    out = suggest_next_skills(_held(), ["q"], LABELS, top=2)
    assert out["skill_uri"].tolist()[0] == "b"
    why = out.iloc[0]["why"]
    assert "Python" in why and "%" in why


def test_never_suggests_what_a_person_holds_and_required_skills_get_a_bonus() -> None:
    co = co_occurrence(_held())
    out = suggest_next_skills(co, ["p0"], LABELS, required=["d"], top=3)
    assert "a" not in out["skill_uri"].tolist() and "b" not in out["skill_uri"].tolist()
    assert "d" in out["skill_uri"].tolist()
    assert "target role requires it" in str(out.set_index("skill_uri").loc["d", "why"])


def test_unknown_people_and_empty_data_give_no_rows() -> None:
    assert suggest_next_skills(_held(), ["nobody"], LABELS).empty
    assert suggest_next_skills(_held().iloc[0:0], ["q"], LABELS).empty
    assert dict(co_occurrence(_held()).held_by)["r"] == [3]
