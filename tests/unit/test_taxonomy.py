"""The taxonomy and matcher on a small hand-made taxonomy (fast) and on real ESCO."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from skills.taxonomy import (
    ESCO_CREDIT,
    OrgSkill,
    Remembered,
    Synonym,
    Taxonomy,
    _matcher,
    esco_uri,
    normalise,
    org_skill_uri,
    read_esco,
)

E = "http://data.europa.eu/esco/skill/"
PY = E + "ccd0a1d9-afda-43d9-b901-96344886e14d"
PM = E + "7111b95d-0ce3-441a-9d92-4c75d05c4388"
TL = E + "3a2d5b45-56e4-4f5b-a55a-2a4a1b4a2d7e"
CK = E + "1b3c4d5e-0000-4000-8000-000000000001"


def small_frames() -> dict[str, pd.DataFrame]:
    skills = pd.DataFrame(
        {
            "uri": [PY, PM, TL, CK],
            "uuid": [u.rsplit("/", 1)[1] for u in (PY, PM, TL, CK)],
            "label": [
                "Python (computer programming)",
                "project management",
                "lead a team",
                "cook pasta",
            ],
            "pillar": ["K", "S", "S", "S"],
            "level1_code": ["K06", "S4", "S4", "S6"],
            "level1_label": ["ICT", "management skills", "management skills", "handling"],
            "level2_code": ["K061", "S4.1", "S4.5", "S6.1"],
            "level2_label": ["computer use", "planning", "leading", "food"],
            "level3_code": ["K0613", None, None, None],
            "level3_label": ["software", None, None, None],
        }
    )
    alt = pd.DataFrame(
        {
            "uri": [PY, PM, PM, TL, TL, CK],
            "label": [
                "Python",
                "manage projects",
                "project planning and control",
                "team leadership",
                "leading teams",
                "prepare pasta dishes",
            ],
        }
    )
    groups = pd.DataFrame(
        {
            "code": ["K", "S", "K06", "S4", "S6", "K061", "S4.1", "S4.5", "S6.1", "K0613"],
            "label": [
                "knowledge",
                "skills",
                "ICT",
                "management skills",
                "handling",
                "computer use",
                "planning",
                "leading",
                "food",
                "software",
            ],
            "level": [0, 0, 1, 1, 1, 2, 2, 2, 2, 3],
            "parent": [None, None, "K", "S", "S", "K06", "S4", "S4", "S6", "K061"],
            "pillar": ["K", "S", "K", "S", "S", "K", "S", "S", "S", "K"],
        }
    )
    occ = pd.DataFrame(
        {
            "uri": ["o1"],
            "label": ["developer"],
            "alt_labels": [[]],
            "description": [""],
            "essential_skill_uris": [[PY]],
        }
    )
    return {"skills": skills, "alt_labels": alt, "groups": groups, "occupations": occ}


def small(tmp_path: Path, **kw: Any) -> Taxonomy:
    f = small_frames()
    return Taxonomy(
        f["skills"], f["alt_labels"], f["groups"], f["occupations"], cache_dir=tmp_path, **kw
    )


@pytest.fixture(scope="session")
def esco(tmp_path_factory: pytest.TempPathFactory) -> Taxonomy:
    return Taxonomy.from_frames(read_esco(), cache_dir=tmp_path_factory.mktemp("cache"))


# ---- normalisation and references -------------------------------------------------


def test_normalise_folds_case_punctuation_ampersand_plurals_and_unicode() -> None:
    assert normalise("  Research & Development!! ") == normalise("research and development")
    assert normalise("Soft Skills") == "soft skill"
    assert normalise("ＰＹＴＨＯＮ") == "python"  # full-width letters (NFKC)
    assert normalise("C++") == "c++"


@pytest.mark.parametrize(
    "ref",
    [
        PY,
        PY.replace("http://", "https://"),
        PY + "/",
        PY.rsplit("/", 1)[1],
        PY.rsplit("/", 1)[1].upper(),
        "esco:" + PY.rsplit("/", 1)[1],
    ],
)
def test_esco_uri_spellings_resolve_to_the_canonical_uri(ref: str, tmp_path: Path) -> None:
    assert esco_uri(ref) == PY
    m = small(tmp_path).matcher().match([ref])[0]
    assert (m.skill_uri, m.method, m.accepted, m.score) == (PY, "uri", True, 1.0)


def test_unknown_esco_uri_maps_to_nothing(tmp_path: Path) -> None:
    m = small(tmp_path).matcher().match([E + "00000000-0000-4000-8000-000000000000"])[0]
    assert (m.skill_uri, m.accepted, m.method) == (None, False, "none")


# ---- exact and fuzzy on the small taxonomy ----------------------------------------


def test_exact_label_ignores_case_punctuation_and_plurals(tmp_path: Path) -> None:
    matcher = small(tmp_path).matcher()
    for text in ("PROJECT MANAGEMENT", "project-management.", "Manage project", "leading team"):
        m = matcher.match([text])[0]
        assert m.accepted and m.method == "exact", text
    assert [m.skill_uri for m in matcher.match(["Team  Leadership", "python"])] == [TL, PY]


def test_word_order_does_not_matter(tmp_path: Path) -> None:
    m = small(tmp_path).matcher().match(["leadership team"])[0]
    assert m.skill_uri == TL and m.accepted


def test_candidates_are_at_most_five_best_first(tmp_path: Path) -> None:
    m = small(tmp_path).matcher().match(["team project leading"])[0]
    assert 1 <= len(m.candidates) <= 5
    scores = [c.score for c in m.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(c.uri in {PY, PM, TL, CK} for c in m.candidates)


def test_empty_label_maps_to_nothing(tmp_path: Path) -> None:
    m = small(tmp_path).matcher().match(["   "])[0]
    assert (m.skill_uri, m.method, m.candidates) == (None, "none", ())


# ---- organisation additions -------------------------------------------------------


def test_org_skill_found_by_id_label_and_alt_label(tmp_path: Path) -> None:
    uri = org_skill_uri("acme-crm")
    tax = small(
        tmp_path,
        org_skills=[
            OrgSkill(uri, "ACME CRM administration", ("acme crm admin",), group_code="S4.1")
        ],
    )
    matcher = tax.matcher()
    by_id, by_uri, by_label, by_alt = matcher.match(
        ["acme-crm", uri, "acme crm administration", "ACME CRM Admin"]
    )
    assert by_id.method == "uri" and by_uri.method == "uri"
    assert {by_id.skill_uri, by_uri.skill_uri, by_label.skill_uri, by_alt.skill_uri} == {uri}
    skill = tax.skill(uri)
    assert skill is not None and skill.source == "org"
    assert [g.code for g in skill.groups] == ["S4", "S4.1"]
    assert uri in set(tax.skills_frame()["uri"])


def test_org_synonym_maps_exactly(tmp_path: Path) -> None:
    tax = small(tmp_path, org_synonyms=[Synonym("PyData stack", PY)])
    m = tax.matcher().match(["pydata stack"])[0]
    assert (m.skill_uri, m.method, m.accepted) == (PY, "exact", True)


def test_remembered_decision_wins_and_can_say_not_a_skill(tmp_path: Path) -> None:
    tax = small(
        tmp_path,
        remembered=[Remembered("Scrum master course", PM), Remembered("cook pasta", None)],
    )
    chosen, refused = tax.matcher().match(["scrum master course!", "Cook Pasta"])
    assert (chosen.skill_uri, chosen.method, chosen.accepted) == (PM, "remembered", True)
    assert (refused.skill_uri, refused.method, refused.accepted) == (None, "remembered", False)


# ---- the disk cache -----------------------------------------------------------------


def test_fitted_index_is_cached_and_rebuilt_only_when_taxonomy_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small(tmp_path).matcher()
    files = set(tmp_path.glob("matcher-*.npz"))
    assert len(files) == 1

    def no_fit(*args: object, **kwargs: object) -> None:
        raise AssertionError("refitted although the taxonomy did not change")

    monkeypatch.setattr(_matcher.FuzzyIndex, "fit", no_fit)
    again = small(tmp_path).matcher()  # same content: loaded from the file
    assert again.match(["pyhton"])[0].candidates[0].uri == PY
    # Remembered decisions do not touch the fuzzy index either.
    small(tmp_path, remembered=[Remembered("x", PY)]).matcher()
    monkeypatch.undo()

    small(tmp_path, org_synonyms=[Synonym("snake language", PY)]).matcher()
    assert len(set(tmp_path.glob("matcher-*.npz")) - files) == 1


def test_corrupt_cache_file_is_ignored_and_rebuilt(tmp_path: Path) -> None:
    small(tmp_path).matcher()
    (path,) = tmp_path.glob("matcher-*.npz")
    path.write_bytes(b"not a zip")
    m = small(tmp_path).matcher().match(["Python"])[0]
    assert m.skill_uri == PY


# ---- real ESCO ------------------------------------------------------------------------


def test_esco_files_hold_the_whole_classification(esco: Taxonomy) -> None:
    frame = esco.skills_frame()
    assert len(frame) == 13_412
    assert len(esco.alt_labels_frame()) == 83_098
    assert set(frame["pillar"].dropna()) <= {"S", "K", "T", "L", "A"}
    groups = esco.groups_frame()
    assert set(groups["level"]) == {0, 1, 2, 3}
    assert set(groups["parent"].dropna()) <= set(groups["code"])
    occ = esco.occupations_frame()
    assert len(occ) > 50
    uris = set(frame["uri"])
    assert all(set(u) <= uris for u in occ["essential_skill_uris"])
    assert "European Union" in ESCO_CREDIT


def test_esco_skill_lookup(esco: Taxonomy) -> None:
    haskell = esco.skill(E + "000f1d3d-220f-4789-9c0a-cc742521fb02")
    assert haskell is not None
    assert haskell.label == "Haskell" and haskell.pillar == "K"
    assert [g.level for g in haskell.groups] == [1, 2, 3]
    assert haskell.group(1) is not None and haskell.group(1).code == "K06"  # type: ignore[union-attr]
    assert esco.skill(E + "00000000-0000-4000-8000-000000000000") is None


# The tests below fit the matcher on all of ESCO (seconds): make check leaves them out.
@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("python programming", "Python (computer programming)"),
        ("pyhton programming", "Python (computer programming)"),  # one typo
        ("Java", "Java (computer programming)"),
        ("PROJECT MANAGEMENT", "project management"),
        ("managment of projects", "project management"),  # ESCO alt label of it
        ("teamwork", "teamwork principles"),
    ],
)
def test_common_badge_labels_map_to_the_right_esco_skill(
    esco: Taxonomy, text: str, expected: str
) -> None:
    m = esco.matcher().match([text])[0]
    assert expected in [c.label for c in m.candidates[:1]] or m.label == expected, m


@pytest.mark.slow
@pytest.mark.parametrize("text", ["lunch break", "blue car", "annual report 2024"])
def test_everyday_phrases_are_not_auto_accepted(esco: Taxonomy, text: str) -> None:
    m = esco.matcher().match([text])[0]
    assert not m.accepted and m.skill_uri is None


@pytest.mark.slow
def test_two_word_label_ranks_the_skill_naming_both_words_first(esco: Taxonomy) -> None:
    # Both words are common in ESCO; the skill whose labels hold both must beat skills
    # that share only one of them ("use learning strategies").
    m = esco.matcher().match(["learning machine"])[0]
    assert m.candidates[0].label == "utilise machine learning", m


@pytest.mark.slow
@pytest.mark.parametrize("text", ["weekly newsletter", "pizza evening", "holiday newsletter"])
def test_phrase_sharing_one_word_with_a_longer_skill_label_is_not_auto_accepted(
    esco: Taxonomy, text: str
) -> None:
    # One word of the phrase matches one word of "newsletter analysis" / "prepare pizza":
    # the skill may be offered for review, but not mapped automatically.
    m = esco.matcher().match([text])[0]
    assert not m.accepted and m.skill_uri is None, m


@pytest.mark.slow
def test_phrase_holding_a_whole_skill_label_is_auto_accepted(esco: Taxonomy) -> None:
    m = esco.matcher().match(["perform newsletter analysis"])[0]
    assert m.accepted and m.label == "newsletter analysis", m


def test_reverse_coverage_is_the_share_of_the_closest_label_the_query_covers(
    tmp_path: Path,
) -> None:
    matcher = small(tmp_path).matcher()
    keys = [normalise("cook pasta today"), normalise("pasta")]
    top, _, feats = _matcher.calibration_features(matcher._index, keys)
    assert [matcher.skill_uris[t] for t in top[:, 0]] == [CK, CK]
    rc = feats[:, 3]
    assert rc[0] == pytest.approx(1.0)  # every word of "cook pasta" is in the query
    assert 0.0 < rc[1] < 1.0  # "pasta" is only part of any label of the skill


def test_cached_index_gives_the_same_fuzzy_matches_as_a_fresh_fit(tmp_path: Path) -> None:
    queries = ["projct managment", "leading a team of cooks", "pythn"]
    fresh = small(tmp_path).matcher().match(queries)  # fits and writes the cache
    cached = small(tmp_path).matcher().match(queries)  # loads the cache
    assert fresh == cached
    assert any(m.method == "fuzzy" and m.candidates for m in fresh)
