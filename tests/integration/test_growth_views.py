"""Issue 13, Growth on a real database (tests/support/seed.py): a manager's figures are about
their teams only, groups carry ESCO names, the current period is marked unfinished, and a
bar's evidence (people and badges) stays within the viewer's scope."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from skills.access import Viewer, make_viewer
from skills.demo.personas import PERSONA_NAMES, PERSONAS
from skills.services import growth
from skills.store import Store, open_store
from tests.support import seed

OTHER_TEAMS = {"API Platform", "People & Culture", "Talent Acquisition", "Engineering"}
API_NOW = "E200001"  # gains JavaScript and UI design today (the fixture's badge)
WEB_IDS = {PERSONAS["manager"], PERSONAS["employee"]} | {
    pid for pid, _, team in seed.OTHER_EMPLOYEES if team == "web"
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder: Path = tmp_path_factory.mktemp("growth")
    seed.build(folder / "g.duckdb", folder / "a.toml")
    s = open_store(folder / "g.duckdb")
    with s.write() as tx:  # a badge issued now: the current period has skills gained
        tx.execute(
            "INSERT INTO credentials SELECT * REPLACE ('urn:test:now' AS credential_key, "
            "'urn:test:now' AS credential_id, ? AS person_id, now() AS issued) "
            "FROM credentials WHERE credential_key = 'urn:test:cred:0'",
            ["E200001"],
        )
        tx.execute(
            "INSERT INTO credential_skills SELECT * REPLACE ('urn:test:now' AS credential_key) "
            "FROM credential_skills WHERE credential_key = 'urn:test:cred:0'"
        )
    yield s
    s.close()


def _viewer(store: Store, role: str) -> Viewer:
    return make_viewer(store, account=role, role=role, person_id=PERSONAS[role])


def _text(frame: pd.DataFrame) -> str:
    return " ".join(map(str, frame.to_numpy().ravel()))


def test_a_managers_growth_counts_and_names_only_their_teams(store: Store) -> None:
    mgr, hr = _viewer(store, "manager"), _viewer(store, "hr")
    for by in ("team", "pillar", "group"):
        mine = growth.skills_gained(store, mgr, "quarter", by)
        assert not any(name in _text(mine) for name in OTHER_TEAMS), by
        assert growth.OTHER_TEAMS not in _text(mine)
        # the same totals as HR's for the manager's team alone
        web_only = growth.gained_evidence(store, hr, "quarter", "team", None, "web")
        assert int(mine["gained"].sum()) == len(web_only)
    teams = growth.skills_gained(store, mgr, "quarter", "team")
    assert set(teams["key"]) == {"web"} and set(teams["label"]) == {"Web Frontend"}
    everyone = growth.skills_gained(store, hr, "quarter", "team")
    assert everyone["gained"].sum() > teams["gained"].sum()
    compared = growth.compare_periods(
        store, mgr, (date(2000, 1, 1), date.today()), (date(2010, 1, 1), date.today()), "team"
    )
    assert set(compared["label"]) == {"Web Frontend"}
    assert growth.cumulative_distinct(store, mgr)["skills"].max() <= (
        growth.cumulative_distinct(store, hr)["skills"].max()
    )


def test_groups_and_pillars_are_named_by_esco_not_coded(store: Store) -> None:
    hr = _viewer(store, "hr")
    groups = growth.skills_gained(store, hr, "quarter", "group")
    labels = dict(zip(groups["key"], groups["label"], strict=False))
    assert labels["K06"] == "Information and communication technologies (icts)"
    assert labels["S5"] == "Working with computers"
    assert not {"S1", "S5", "K06", "K0"} & set(groups["label"])
    pillars = growth.skills_gained(store, hr, "quarter", "pillar")
    assert set(pillars["label"]) <= {"Knowledge", "Skills", "Transversal skills and competences"}
    compared = growth.compare_periods(
        store, hr, (date(2000, 1, 1), date.today()), (date(2010, 1, 1), date.today()), "group"
    )
    assert "Working with computers" in set(compared["label"])


@pytest.mark.parametrize("freq", ["month", "quarter"])
def test_only_the_current_period_is_marked_unfinished(store: Store, freq: growth.Freq) -> None:
    frame = growth.skills_gained(store, _viewer(store, "hr"), freq, "pillar")
    now = pd.Timestamp(datetime.now(UTC)).tz_localize(None)
    current = now.to_period("Q" if freq == "quarter" else "M").start_time
    periods = frame["period"].map(lambda p: p.tz_localize(None))
    assert (frame["partial"] == (periods == current)).all()
    assert frame["partial"].any()


def test_a_bars_evidence_names_the_people_and_badges_behind_it(store: Store) -> None:
    hr = _viewer(store, "hr")
    gained = growth.skills_gained(store, hr, "quarter", "team")
    bar = gained[gained["key"] == "web"].sort_values("period").iloc[-1]
    evidence = growth.gained_evidence(
        store, hr, "quarter", "team", bar["period"].to_pydatetime(), "web"
    )
    assert len(evidence) == bar["gained"]
    assert set(evidence["person_id"]) <= WEB_IDS
    assert evidence["credential_key"].str.startswith("urn:test:cred:").all()
    assert set(evidence["badge"]) <= {"Web Foundations", "Python Developer"}
    # every key of a pillar bar, too
    pillar = growth.gained_evidence(store, hr, "quarter", "pillar", None, "K")
    assert set(pillar["skill"]) <= {"JavaScript", "SQL", "Python (computer programming)"}


def test_evidence_never_leaves_the_viewers_scope(store: Store) -> None:
    mgr, rec = _viewer(store, "manager"), _viewer(store, "recruiter")
    mine = growth.gained_evidence(store, mgr)
    assert set(mine["person_id"]) <= WEB_IDS and not mine.empty
    assert API_NOW not in set(mine["person_id"])
    assert not any(name in _text(mine) for name in OTHER_TEAMS)
    assert growth.gained_evidence(store, mgr, "quarter", "team", None, "api").empty
    employees = growth.gained_evidence(store, rec, "quarter", "team", None, growth.EMPLOYEES)
    assert employees.empty
    candidates = growth.gained_evidence(store, rec, "quarter", "team", None, growth.CANDIDATES)
    assert set(candidates["person_id"]) <= {"C000001", "C000002", "C000003"}
    assert PERSONA_NAMES["candidate"] in set(candidates["person"])


def test_top_keeps_the_series_with_the_most_skills_gained(store: Store) -> None:
    hr = _viewer(store, "hr")
    every = growth.skills_gained(store, hr, "quarter", "team")
    totals = every.groupby("key")["gained"].sum().sort_values(ascending=False, kind="stable")
    top = growth.skills_gained(store, hr, "quarter", "team", top=2)
    assert set(top["key"]) == set(totals.index[:2])
    kept = every[every["key"].isin(top["key"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(top.reset_index(drop=True), kept)
