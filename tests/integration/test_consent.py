"""A candidate's consent decides whether recruiters find them; erasure requests reach HR.

Real parts: a DuckDB file, a real signed badge verified and mapped, the recruiter's real
search (``skills.services.candidates``), HR's real erasure.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from skills.access import Role, Viewer
from skills.errors import AccessDenied
from skills.ingest import Mapper, ingest_one
from skills.ingest.people import import_people
from skills.services import profile
from skills.services.candidates import CandidateQuery, search_candidates
from skills.store import Store, erase_person, open_store
from tests.support.ingest_helpers import PYTHON_ESCO, BadgeIssuer, trust_issuers

KATHERINE = Viewer(account="katherine", role=Role.MEMBER, person_id="c1")
ADA = Viewer(account="ada", role=Role.MEMBER, person_id="e1")
RECRUITER = Viewer(account="rita", role=Role.RECRUITER)
HR = Viewer(account="hr", role=Role.HR)


@pytest.fixture
def candidate(store: Store, issuer: BadgeIssuer, mapper: Mapper) -> Store:
    """Katherine, a candidate, holds a verified Python badge from a trusted issuer."""
    token = issuer.badge("katherine@example.org")
    assert ingest_one(store, token, person_id="c1", submitted_by="k", mapper=mapper).status == (
        "verified"
    )
    trust_issuers(store)
    return store


def _found(store: Store) -> list[str]:
    hits = search_candidates(store, RECRUITER, CandidateQuery(skills=(PYTHON_ESCO,)))
    return list(hits["person_id"])


def _actions(store: Store) -> list[str]:
    return [str(a) for (a,) in store.rows("SELECT action FROM audit_log ORDER BY audit_id")]


def test_a_candidate_is_found_only_while_consenting(candidate: Store) -> None:
    store = candidate
    first = profile.consent_status(store, KATHERINE)
    assert first.applies and not first.decided and not first.searchable
    assert _found(store) == []  # no consent yet: not searchable

    profile.give_consent(store, KATHERINE)
    assert profile.consent_status(store, KATHERINE).searchable
    assert _found(store) == ["c1"]

    profile.withdraw_consent(store, KATHERINE)
    status = profile.consent_status(store, KATHERINE)
    assert status.decided and not status.searchable and status.withdrawn_at is not None
    assert _found(store) == []

    profile.give_consent(store, KATHERINE)  # again: consented now, withdrawal cleared
    assert store.rows(
        "SELECT withdrawn_at IS NULL, consented_at IS NOT NULL, notice_version "
        "FROM candidate_consent WHERE person_id = 'c1'"
    ) == [(True, True, profile.NOTICE_VERSION)]
    assert _found(store) == ["c1"]
    assert _actions(store).count("consent.give") == 2
    assert "consent.withdraw" in _actions(store)


def test_declining_at_first_sign_in_is_a_decision_and_keeps_them_hidden(candidate: Store) -> None:
    profile.withdraw_consent(candidate, KATHERINE)  # "I do not agree" before ever consenting
    status = profile.consent_status(candidate, KATHERINE)
    assert status.decided and not status.searchable and status.consented_at is None
    assert _found(candidate) == []


def test_only_the_candidate_decides_their_consent(candidate: Store) -> None:
    assert not profile.consent_status(candidate, ADA).applies  # employees are not asked
    for viewer in (ADA, RECRUITER, HR):
        with pytest.raises(AccessDenied):
            profile.give_consent(candidate, viewer)
        with pytest.raises(AccessDenied):
            profile.request_erasure(candidate, viewer)
    assert candidate.rows("SELECT count(*) FROM candidate_consent") == [(0,)]
    assert _found(candidate) == []


def test_an_erasure_request_hides_the_candidate_and_reaches_hr(candidate: Store) -> None:
    store = candidate
    profile.give_consent(store, KATHERINE)
    profile.request_erasure(store, KATHERINE)
    assert _found(store) == []  # asking for erasure withdraws consent at once
    with pytest.raises(AccessDenied):
        profile.list_erasure_requests(store, RECRUITER)
    with pytest.raises(AccessDenied):
        profile.list_erasure_requests(store, KATHERINE)
    waiting = profile.list_erasure_requests(store, HR)
    assert list(waiting["person_id"]) == ["c1"] and list(waiting["name"]) == ["Katherine Johnson"]
    assert "erasure.request" in _actions(store)

    erase_person(store, "c1", actor="hr")  # HR runs the existing erasure
    assert profile.list_erasure_requests(store, HR).empty
    assert store.rows("SELECT count(*) FROM candidate_consent") == [(0,)]


def test_the_people_import_reads_availability(store: Store) -> None:
    csv = (
        "person_id,name,kind,location,availability\n"
        "c9,Mae Jemison,candidate,Chicago, within  1 month \n"
        "c8,Ellen Ochoa,candidate,,\n"
    )
    import_people(store, csv)
    rows = store.rows(
        "SELECT person_id, location, availability FROM people "
        "WHERE person_id IN ('c8', 'c9') ORDER BY 1"
    )
    assert rows == [("c8", None, None), ("c9", "Chicago", "within 1 month")]


def test_demo_candidates_have_an_availability_from_the_seed() -> None:
    from skills.demo.generator import REFERENCE_DATE
    from skills.demo.inputs import load_inputs
    from skills.demo.org import AVAILABILITY, build_organisation

    def availability(seed: int) -> dict[str, str | None]:
        org = build_organisation(
            load_inputs(), employees=80, candidates=12, seed=seed, reference=REFERENCE_DATE
        )
        return {p.person_id: p.availability for p in org.people}

    first = availability(7)
    assert first == availability(7)  # the same seed, the same answers
    candidates = {p: a for p, a in first.items() if p.startswith("C")}
    assert len(candidates) == 12 and set(candidates.values()) <= set(AVAILABILITY)
    assert len(set(candidates.values())) > 1
    assert all(a is None for p, a in first.items() if not p.startswith("C"))


def test_the_demo_records_every_candidates_consent(tmp_path: Path) -> None:
    from skills.cli import main

    db = tmp_path / "demo.duckdb"
    args = ["demo", "--db", str(db), "--people", "80", "--candidates", "6"]
    assert main([*args, "--credentials", "40", "--seed", "3", "--workers", "1"]) == 0
    store = open_store(db, read_only=True)
    try:
        rows = store.rows(
            "SELECT p.person_id, p.availability, cc.consented_at IS NOT NULL "
            "AND cc.withdrawn_at IS NULL FROM people p "
            "LEFT JOIN candidate_consent cc USING (person_id) WHERE p.kind = 'candidate'"
        )
        assert len(rows) == 6 and all(a and consented for _, a, consented in rows), rows
        assert store.scalar("SELECT count(*) FROM candidate_consent") == 6
    finally:
        store.close()


def _recruiter_sees(store: Store) -> dict[str, bool]:
    """Whether each place a recruiter looks shows Katherine (c1): the people search, her
    profile opened directly, the candidate pipeline and its evidence, the holders of her
    skill, the side-by-side comparison and growth's candidate figures."""
    from skills.services import candidates, growth, overview, skill_map

    def opens(call: Callable[[], object]) -> bool:
        try:
            call()
        except AccessDenied:
            return False
        return True

    pipeline = overview.candidate_pipeline(store, RECRUITER)
    gained = growth.skills_gained(store, RECRUITER, "quarter", "team")
    return {
        "find_people": "c1" in set(profile.find_people(store, RECRUITER, "Katherine")["person_id"]),
        "person": opens(lambda: profile.person(store, RECRUITER, "c1")),
        "person_skills": opens(lambda: profile.person_skills(store, RECRUITER, "c1")),
        "pipeline": pipeline.candidates == 1 and not pipeline.new_candidates.empty,
        "pipeline_evidence": "c1"
        in set(overview.pipeline_evidence(store, RECRUITER, PYTHON_ESCO)["person_id"]),
        "skill_holders": "c1"
        in set(skill_map.skill_holders(store, RECRUITER, PYTHON_ESCO)["person_id"]),
        "compare": opens(lambda: candidates.compare(store, RECRUITER, ["c1"])),
        "growth": int(gained["gained"].sum()) > 0,
    }


def test_a_recruiter_finds_a_candidate_nowhere_without_consent(candidate: Store) -> None:
    """Issue 14 review: consent was enforced only in the candidate search; every other
    recruiter view (and a profile opened by its address) showed candidates who never
    agreed or withdrew."""
    store = candidate
    assert _recruiter_sees(store) == dict.fromkeys(_recruiter_sees(store), False)  # never agreed
    profile.give_consent(store, KATHERINE)
    assert _recruiter_sees(store) == dict.fromkeys(_recruiter_sees(store), True)
    profile.withdraw_consent(store, KATHERINE)
    assert _recruiter_sees(store) == dict.fromkeys(_recruiter_sees(store), False)
    # HR still sees her, and she always sees herself
    assert profile.person(store, HR, "c1").person_id == "c1"
    assert profile.person(store, KATHERINE, "c1").person_id == "c1"
