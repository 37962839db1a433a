"""Variants of ESCO labels that badges carry (a typo, US spelling, another word form,
punctuation, an ESCO synonym) are mapped automatically or ranked first; junk and shared
(homonym) labels are not accepted.

Each positive case failed before spelling folding (``fold_spelling``), the context-aware
typo correction (``FuzzyIndex.correct``), the exact match after correction
(``Matcher._spelled_exact``) and ESCO substitutes (``_matcher._substitutes``);
``benchmarks/bench_matcher.py`` and ``bench_taxonomy.py`` measure them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skills.taxonomy import IndexEntry, Matcher, Taxonomy, read_esco
from skills.taxonomy._normalise import fold_spelling, match_key


@pytest.fixture(scope="module")
def esco(tmp_path_factory: pytest.TempPathFactory) -> Taxonomy:
    return Taxonomy.from_frames(read_esco(), cache_dir=tmp_path_factory.mktemp("cache"))


def test_british_and_american_spellings_meet() -> None:
    pairs = [
        ("organise rehearsals", "organize rehearsals"),
        ("analyse data", "analyze data"),
        ("colour theory", "color theory"),
        ("financial modelling", "financial modeling"),
        ("fibre optics", "fiber optics"),
        ("paediatric nursing", "pediatric nursing"),
        ("driving licence", "driving license"),
    ]
    for uk, us in pairs:
        assert match_key(uk) == match_key(us), (uk, us)
    # Words that only look alike stay apart.
    assert fold_spelling("filling") != fold_spelling("filing")
    assert fold_spelling("your") == "your"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("calculating gear rtaio", "calculate gear ratio"),  # typo: ratio, not radio
        ("electroamgnetism", "electromagnetism"),  # typo in a one-word label
        ("Project-Managment", "project management"),  # typo, case and a hyphen
        ("analyze legislation", "analyse legislation"),  # US spelling
        ("provide health counseling", "provide health counselling"),  # US spelling
        ("perform nutrition analyzes", "perform nutrition analysis"),  # word form, US
        ("apply self defense", "apply self-defence"),  # punctuation and US spelling
    ],
)
def test_label_variant_is_auto_accepted(esco: Taxonomy, text: str, expected: str) -> None:
    m = esco.matcher().match([text])[0]
    assert m.accepted and m.label == expected, m


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Held-out ESCO alternative labels (benchmarks/bench_taxonomy.py), ranked second
        # before: "comprehend" is never next to "written Vietnamese" in the index, but
        # replaces "understand" in the labels of other skills.
        ("comprehend written Vietnamese", "understand written Vietnamese"),
        ("make sense of written Bihari", "understand written Bihari"),
    ],
)
def test_word_replaced_by_its_esco_substitute_ranks_the_right_skill_first(
    esco: Taxonomy, text: str, expected: str
) -> None:
    m = esco.matcher().match([text])[0]
    assert m.candidates[0].label == expected, m


@pytest.mark.slow
@pytest.mark.parametrize(
    "text", ["lunch brek", "cofee machine", "winer", "holiday newsleter", "pizza evenning"]
)
def test_junk_phrase_with_a_typo_is_still_refused(esco: Taxonomy, text: str) -> None:
    m = esco.matcher().match([text])[0]
    assert not m.accepted and m.skill_uri is None, m


@pytest.mark.slow
@pytest.mark.parametrize("text", ["welding", "Welding!", "weldign", "soldreing"])
def test_bare_tag_shared_by_several_skills_is_not_auto_accepted(esco: Taxonomy, text: str) -> None:
    # "welding" and "soldering" are alternative labels of several ESCO skills and the
    # preferred label of none: neither the tag nor a misspelling of it picks one.
    m = esco.matcher().match([text])[0]
    assert not m.accepted and m.skill_uri is None, m
    assert len(m.candidates) > 1, m


def test_typo_is_corrected_to_the_word_the_other_words_go_with(tmp_path: Path) -> None:
    # "cale" is one typo from "case" (three labels) and from "cake" (one): next to
    # "bake", "cake" is meant. Choosing the most frequent word picked "case".
    uris = ["urn:skillatlas:skill:law", "urn:skillatlas:skill:bake", "urn:skillatlas:skill:it"]
    entries = [
        IndexEntry(uris[0], "case law", preferred=True),
        IndexEntry(uris[0], "legal case management"),
        IndexEntry(uris[2], "test case design", preferred=True),
        IndexEntry(uris[1], "bake a cake", preferred=True),
    ]
    labels = ["case law", "bake a cake", "test case design"]
    for cache in (tmp_path, tmp_path):  # fitted, then loaded from the cache
        matcher = Matcher.fit(uris, labels, entries, cache_dir=cache)
        assert matcher._index.correct("bake a cale") == "bake a cake"
        assert matcher._index.correct("tset case design") == "test case design"
        m = matcher.match(["Bake a cale"])[0]
        assert m.accepted and m.skill_uri == uris[1], m
    assert len(list(tmp_path.glob("matcher-*.npz"))) == 1


#: ESCO alternative labels held out of the index (as ``benchmarks/bench_taxonomy.py`` holds
#: labels out) and the skill they belong to. Each ranked another skill first before the
#: label-count prior (``_matcher.LABEL_COUNT_PENALTY``), the reweighed similarities and
#: more ESCO substitutes per word: a skill with many labels, one of them close to the
#: query, beat the skill the query paraphrases.
HELD_OUT = [
    ("supervise quality control", "oversee quality control"),
    ("use soldering techniques", "apply soldering techniques"),
    ("furnish office equipment", "set up office equipment"),
    ("create jewellery models", "build jewellery models"),
    ("maintain vehicle operation records", "maintain records related to vehicle operation"),
]


@pytest.fixture(scope="module")
def esco_held_out(tmp_path_factory: pytest.TempPathFactory) -> Taxonomy:
    f = read_esco()
    alts = f["alt_labels"]
    held = {text for text, _ in HELD_OUT}
    assert held <= set(alts["label"])  # they are real ESCO alternative labels
    return Taxonomy.from_frames(
        f, alt_labels=alts[~alts["label"].isin(held)], cache_dir=tmp_path_factory.mktemp("cache")
    )


@pytest.mark.slow
@pytest.mark.parametrize(("text", "expected"), HELD_OUT)
def test_held_out_paraphrase_ranks_its_skill_first(
    esco_held_out: Taxonomy, text: str, expected: str
) -> None:
    m = esco_held_out.matcher().match([text])[0]
    assert m.method == "fuzzy", m
    assert m.candidates[0].label == expected, m
