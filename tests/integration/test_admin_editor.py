"""Issue 13, Admin: the role-profile editor's skill search, priorities, and the audit
log in sentences.

The store holds every ESCO skill (as the app's does after its first ingest) plus the
seed; the organisation adds its own React.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from skills.access import Viewer, make_viewer
from skills.demo.personas import PERSONAS
from skills.errors import AccessDenied
from skills.services import admin
from skills.store import Store, open_store, sync_skills
from skills.taxonomy import load_taxonomy
from tests.support import seed


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("editor")
    seed.build(folder / "org.duckdb", folder / "accounts.toml")
    store = open_store(folder / "org.duckdb")
    sync_skills(store, load_taxonomy().skills_frame())
    yield store
    store.close()


def _hr(store: Store) -> Viewer:
    return make_viewer(store, account="hr", role="hr", person_id=PERSONAS["hr"])


def test_search_react_ranks_the_organisations_react_first(org: Store) -> None:
    hr = _hr(org)
    before = admin.search_skills(org, hr, "react")
    assert "manage bioreactors" in set(before["label"])  # what a substring search finds
    react = admin.add_skill(org, hr, "React")
    found = admin.search_skills(org, hr, "react")
    assert found.iloc[0]["skill_uri"] == react
    assert (found.iloc[0]["label"], found.iloc[0]["origin"]) == ("React", "org")
    labels = list(found["label"])
    # whole-word names come before names that merely contain the letters
    assert labels.index("react to mining emergencies") < labels.index("manage bioreactors")
    assert admin.search_skills(org, hr, "  ").empty


def test_search_uses_the_matcher_for_what_names_do_not_contain(org: Store) -> None:
    hr = _hr(org)
    found = admin.search_skills(org, hr, "python")
    first = found.iloc[0]
    assert first["label"] == "Python (computer programming)"
    assert first["match"] == "matcher"
    exact = admin.search_skills(org, hr, "javascript framework").iloc[0]
    assert (exact["label"], exact["match"]) == ("JavaScript Framework", "exact name")
    alternative = admin.search_skills(org, hr, "CSJS").iloc[0]  # an ESCO alternative name
    assert (alternative["label"], alternative["match"]) == ("JavaScript", "exact name")


def test_priorities_are_saved_loaded_and_shown_in_words(org: Store) -> None:
    hr = _hr(org)
    admin.save_profile(
        org,
        hr,
        "rp-data",
        "Data Analyst",
        [(seed.uri("sql"), "skill", 1), (seed.uri("python"), "skill", 2), ("T4", "group", 3)],
    )
    reqs = admin.profile_requirements(org, hr, "rp-data")
    assert list(zip(reqs["label"], reqs["priority"], reqs["priority_word"], strict=True)) == [
        ("SQL", 1, "critical"),
        ("Python (computer programming)", 2, "important"),
        (reqs.iloc[2]["label"], 3, "nice to have"),
    ]
    assert reqs.iloc[2]["target"] == "T4" and reqs.iloc[2]["label"] != "T4"  # a group's name
    row = admin.role_profiles(org, hr).set_index("profile_id").loc["rp-data"]
    assert row["skills"].startswith("SQL (critical), Python (computer programming) (important)")
    for role in ("manager", "recruiter", "member"):
        persona = {"member": "employee"}.get(role, role)
        viewer = make_viewer(org, account=role, role=role, person_id=PERSONAS[persona])
        with pytest.raises(AccessDenied):
            admin.profile_requirements(org, viewer, "rp-data")


def test_audit_sentences_name_people_issuers_profiles_and_skills(org: Store) -> None:
    hr = _hr(org)
    admin.set_trust(org, hr, "iss-open", "trusted")
    admin.save_profile(org, hr, "rp-web", "Web Frontend Developer", [(seed.uri("js"), "skill", 1)])
    admin.map_role_title(org, hr, "Frontend Developer", "rp-web")
    admin.import_people(
        org, hr, "person_id,name,kind\n" + "".join(f"N{i},New {i},candidate\n" for i in range(25))
    )
    admin.add_synonym(org, hr, "pyth", seed.uri("python"))
    with org.write() as tx:
        tx.execute(
            "INSERT INTO mapping_review (label_norm, label, occurrences) "
            "VALUES ('vanilla js', 'Vanilla JS', 2)"
        )
    admin.resolve(org, hr, "Vanilla JS", seed.uri("js"))
    with org.write() as tx:  # an OIDC account: known by the e-mail address on record
        tx.execute(
            "INSERT INTO audit_log (actor, action, subject, detail) VALUES "
            "(?, 'credential.submit', 'urn:test:cred:0', ?)",
            [PERSONAS["employee"].lower() + "@example.org", json.dumps({"status": "verified"})],
        )
    entries = admin.audit_entries(org, hr, (("hr", PERSONAS["hr"]),))
    sentences = list(entries["sentence"])
    assert sentences[:7] == [
        "Emil Novak (e000005@example.org) submitted the badge Web Foundations of Emil Novak: "
        "verified.",
        "Hanna Berg (hr) decided that the badge label 'vanilla js' means JavaScript.",
        "Hanna Berg (hr) recorded that 'pyth' means Python (computer programming).",
        "Hanna Berg (hr) imported 25 people (25 added, 0 updated).",
        "Hanna Berg (hr) mapped the title 'Frontend Developer' to Web Frontend Developer.",
        "Hanna Berg (hr) saved the role profile Web Frontend Developer with 1 requirement.",
        "Hanna Berg (hr) marked issuer Open Learning as trusted (it was not reviewed).",
    ]
    text = " ".join(sentences)
    for raw in ("{", '"', "iss-open", "rp-web", "urn:test", "http://data.europa.eu", "None"):
        assert raw not in text, raw
    assert list(entries["who"][:2]) == ["Emil Novak (e000005@example.org)", "Hanna Berg (hr)"]
    # the raw entry stays beside the sentence
    trust = entries[entries["action"] == "issuer.trust"].iloc[0]
    assert trust["subject"] == "iss-open" and json.loads(trust["detail"])["new"] == "trusted"
    unknown = admin.audit_entries(org, hr)  # no accounts file: the account name alone
    assert "hr marked issuer Open Learning as trusted (it was not reviewed)." in set(
        unknown["sentence"]
    )
