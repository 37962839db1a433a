"""The recruiter's search from a job ad (issue 14), on a real database file.

A pasted ad's skills are extracted with the organisation's matcher, confirmed, and rank
candidates: a must-have excludes whoever lacks it. Each listed candidate names the badge
behind every matched skill (trusted first, then newest) and links to it; the export
carries that evidence, the link, location and availability. Only candidates who
consented (and have not withdrawn) are ever listed, in the search, the skill and filter
options and the side by side, which shows each badge's issuer, month and level.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from skills.access import Viewer, make_viewer
from skills.demo.personas import PERSONAS
from skills.errors import AccessDenied
from skills.services import admin, candidates
from skills.services.candidates import CandidateQuery, search_candidates
from skills.store import Store, open_store

NOW = datetime.now(UTC)
ESCO = "http://data.europa.eu/esco/skill/"
PYTHON = ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL = ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
JS = ESCO + "3cd569a2-4f88-4c1e-9995-8dce8c5e51a7"
TEAMWORK = ESCO + "60c78287-22eb-4103-9c8c-28deaa460da0"
LABELS = {
    PYTHON: "Python (computer programming)",
    SQL: "SQL",
    JS: "JavaScript",
    TEAMWORK: "work in teams",
}
AD = """Backend developer (m/f/d), Berlin

What you bring:
- solid Python programming
- SQL and relational databases
- JavaScript is a plus
"""
# person: (name, location, availability, consented)
PEOPLE = {
    "K1": ("Ada Candidate", "Berlin", "immediately", True),
    "K2": ("Ben Candidate", "Lisbon", "within 1 month", True),
    "K3": ("Cy Candidate", "Berlin", "immediately", False),
}
# credential: (person, badge, issuer, days ago, skills)
BADGES = {
    "k1-py": ("K1", "Python Pro", "acad", 100, [PYTHON]),
    "k1-sql": ("K1", "SQL Basics", "acad", 400, [SQL]),
    "k1-sql-old": ("K1", "Old SQL", "acad", 2000, [SQL]),
    "k1-sql-new": ("K1", "SQL Newer", "open", 10, [SQL]),  # issuer not reviewed yet
    "k2-js": ("K2", "JS Dev", "acad", 50, [JS]),
    "k2-py": ("K2", "Python Intro", "acad", 30, [PYTHON]),
    "k3-all": ("K3", "Everything", "acad", 5, [PYTHON, SQL, JS]),
}
ISSUERS = {"acad": ("Trusted Academy", "trusted"), "open": ("Open Learning", "unknown")}


def _issued(key: str) -> datetime:
    return NOW - timedelta(days=BADGES[key][3])


def _month(key: str) -> str:
    return f"{_issued(key):%Y-%m}"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "jobad.duckdb")
    people = pd.DataFrame(
        [(pid, n, "candidate", loc, av) for pid, (n, loc, av, _) in PEOPLE.items()]
        + [(PERSONAS["recruiter"], "Rita Recruiter", "employee", None, None)]
        + [(PERSONAS["hr"], "Hanna HR", "employee", None, None)],
        columns=["person_id", "display_name", "kind", "location", "availability"],
    )
    creds = pd.DataFrame(
        [
            {
                "credential_key": key,
                "credential_id": key,
                "person_id": pid,
                "submitted_by": pid,
                "format": "ob3-di",
                "status": "verified",
                "issued": _issued(key),
                "verified_at": NOW,
                "source_sha256": f"{n:064d}",
                "issuer_id": issuer,
                "badge_name": badge,
                "issuer_name": ISSUERS[issuer][0],
            }
            for n, (key, (pid, badge, issuer, _, _)) in enumerate(BADGES.items())
        ]
    )
    skills_rows = pd.DataFrame(
        [
            {"credential_key": key, "skill_uri": u, "label": LABELS[u], "mention": LABELS[u]}
            for key, (_, _, _, _, uris) in BADGES.items()
            for u in uris
        ]
    ).assign(source="alignment", confidence=0.95, method="exact")
    with s.write() as tx:
        tx.insert_frame("people", people)
        tx.insert_frame(
            "skills", pd.DataFrame({"skill_uri": list(LABELS), "label": list(LABELS.values())})
        )
        tx.insert_frame(
            "issuers",
            pd.DataFrame(
                [(i, n, t) for i, (n, t) in ISSUERS.items()],
                columns=["issuer_id", "name", "trust"],
            ),
        )
        tx.insert_frame("credentials", creds)
        tx.insert_frame("credential_skills", skills_rows)
        tx.insert_frame(
            "candidate_consent",
            pd.DataFrame(
                {
                    "person_id": [p for p, (*_, ok) in PEOPLE.items() if ok],
                    "consented_at": NOW - timedelta(days=3),
                    "notice_version": "test",
                }
            ),
        )
    yield s
    s.close()


def _viewer(store: Store, role: str) -> Viewer:
    return make_viewer(store, account=role, role=role, person_id=PERSONAS[role])


def _found(store: Store, query: CandidateQuery) -> list[str]:
    return list(search_candidates(store, _viewer(store, "recruiter"), query)["person_id"])


def _holders(store: Store, uri: str) -> int:
    """How many searchable candidates the skill picker says hold ``uri``."""
    options = candidates.skill_options(store, _viewer(store, "recruiter"))
    return int(options.set_index("skill_uri")["candidates"][uri])


def test_a_job_ad_gives_its_skills_and_must_haves_exclude_who_lacks_one(store: Store) -> None:
    rec = _viewer(store, "recruiter")
    found = candidates.skills_in_job_ad(store, rec, AD)
    assert list(found.columns) == candidates.JOB_AD_COLUMNS
    assert {PYTHON, SQL, JS} <= set(found["skill_uri"])
    assert candidates.skills_in_job_ad(store, rec, "   ").empty
    # The recruiter confirms the three and marks SQL a must-have.
    others = tuple(u for u in found["skill_uri"] if u in (PYTHON, JS))
    assert sorted(_found(store, CandidateQuery(skills=(*others, SQL), mode="any"))) == ["K1", "K2"]
    must = CandidateQuery(skills=others, must_have=(SQL,), mode="any")
    ranked = search_candidates(store, rec, must)
    assert list(ranked["person_id"]) == ["K1"]  # Ben has no SQL; Cy never consented
    assert "every must-have (1)" in ranked.iloc[0]["why"]
    assert ranked.iloc[0]["matched"] == 2
    member = make_viewer(store, account="k1", role="member", person_id="K1")
    with pytest.raises(AccessDenied):
        candidates.skills_in_job_ad(store, member, AD)


def test_an_organisation_synonym_in_the_ad_finds_the_organisation_skill(store: Store) -> None:
    hr = _viewer(store, "hr")
    own = admin.add_skill(store, hr, "Atlas query language")
    admin.add_synonym(store, hr, "AtlasQL", own)
    found = candidates.skills_in_job_ad(store, _viewer(store, "recruiter"), AD + "- AtlasQL\n")
    assert own in set(found["skill_uri"])


def test_each_matched_skill_names_its_best_badge_and_links_to_it(store: Store) -> None:
    ranked = search_candidates(
        store, _viewer(store, "recruiter"), CandidateQuery(skills=(PYTHON, SQL), mode="any")
    )
    ada = ranked.set_index("person_id").loc["K1"]
    # Newest trusted SQL badge, not the older one.
    assert ada["evidence"] == (
        f"Python (computer programming) — Python Pro (Trusted Academy, {_month('k1-py')}); "
        f"SQL — SQL Basics (Trusted Academy, {_month('k1-sql')})"
    )
    assert ada["profile"] == "profile?person=K1&credential=k1-py"
    assert (ada["location"], ada["availability"]) == ("Berlin", "immediately")
    # A newer badge of an issuer HR has not reviewed never outranks a trusted one.
    wider = search_candidates(
        store,
        _viewer(store, "recruiter"),
        CandidateQuery(skills=(SQL,), trusted_only=False),
    )
    assert wider.set_index("person_id").loc["K1", "evidence"] == (
        f"SQL — SQL Basics (Trusted Academy, {_month('k1-sql')})"
    )
    assert wider.set_index("person_id").loc["K1", "badges"] == 3


def test_the_export_carries_the_link_the_evidence_location_and_availability(
    store: Store,
) -> None:
    ranked = search_candidates(
        store, _viewer(store, "recruiter"), CandidateQuery(skills=(PYTHON,), mode="any")
    )
    rows = list(csv.DictReader(io.StringIO(candidates.shortlist_csv(ranked).decode("utf-8-sig"))))
    by_id = {r["person_id"]: r for r in rows}
    assert set(by_id) == {"K1", "K2"}
    assert by_id["K2"]["profile"] == "profile?person=K2&credential=k2-py"
    assert by_id["K2"]["evidence"].startswith("Python (computer programming) — Python Intro")
    assert (by_id["K2"]["location"], by_id["K2"]["availability"]) == ("Lisbon", "within 1 month")
    absolute = candidates.shortlist_xlsx(ranked, base_url="https://atlas.example.org/")
    sheet = load_workbook(io.BytesIO(absolute)).active
    header = [c.value for c in sheet[1]]
    cells = {row[header.index("person_id")]: row for row in sheet.iter_rows(2, values_only=True)}
    assert cells["K1"][header.index("profile")] == (
        "https://atlas.example.org/profile?person=K1&credential=k1-py"
    )
    assert cells["K1"][header.index("evidence")].endswith(f"(Trusted Academy, {_month('k1-py')})")


def test_only_consenting_candidates_are_ever_listed(store: Store) -> None:
    rec = _viewer(store, "recruiter")
    query = CandidateQuery(skills=(PYTHON, SQL, JS), mode="all")
    assert _found(store, query) == []  # only Cy holds all three, and Cy did not consent
    assert _holders(store, JS) == 1
    with store.write() as tx:
        tx.execute(
            "INSERT INTO candidate_consent (person_id, consented_at) VALUES ('K3', ?)", [NOW]
        )
    assert _found(store, query) == ["K3"]
    assert _holders(store, JS) == 2
    with store.write() as tx:
        tx.execute("UPDATE candidate_consent SET withdrawn_at = ? WHERE person_id = 'K3'", [NOW])
    assert _found(store, query) == []
    with pytest.raises(AccessDenied):  # withdrawn: not even by a direct comparison
        candidates.compare(store, rec, ["K1", "K3"])
    assert candidates.compare(store, rec, ["K1"]).table.columns.tolist() == ["Ada Candidate"]


def test_location_and_availability_filter_the_list(store: Store) -> None:
    rec = _viewer(store, "recruiter")
    assert candidates.filter_options(store, rec) == {
        "location": ["Berlin", "Lisbon"],
        "availability": ["immediately", "within 1 month"],
    }
    python = CandidateQuery(skills=(PYTHON,))
    assert sorted(_found(store, python)) == ["K1", "K2"]
    assert _found(store, CandidateQuery(skills=(PYTHON,), locations=("Lisbon",))) == ["K2"]
    assert _found(store, CandidateQuery(skills=(PYTHON,), availability=("immediately",))) == ["K1"]
    assert (
        _found(store, CandidateQuery(skills=(PYTHON,), locations=("Lisbon",), availability=("x",)))
        == []
    )


def test_side_by_side_shows_issuer_date_level_and_skills_nobody_holds(store: Store) -> None:
    rec = _viewer(store, "recruiter")
    side = candidates.compare(store, rec, ["K1", "K2"], required=(SQL, TEAMWORK, PYTHON))
    table = side.table
    assert list(table.columns) == ["Ada Candidate", "Ben Candidate"]
    assert list(table.index[:2]) == ["Python (computer programming)", "SQL"]  # required first
    assert table.loc["SQL", "Ada Candidate"] == (
        f"Trusted Academy, {_month('k1-sql')} · level not stated"
    )
    assert table.loc["SQL", "Ben Candidate"] == ""
    assert str(table.loc["JavaScript", "Ben Candidate"]).startswith(
        f"Trusted Academy, {_month('k2-js')}"
    )
    assert side.nobody_holds == ["work in teams"]
