"""OB 3.0 content: schema policy, structure, recipients, the normalised credential, JWT claims."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from skills.verify._model import Outcome, Status
from skills.verify._schema import coerce_to_schema, validate_ob3_schema
from skills.verify.ob3._content import check_recipient, check_structure, normalise, recipients
from skills.verify.ob3._jwt import _claims_check

OB30 = Path(__file__).resolve().parents[1] / "fixtures/1edtech/files/ob30"


def _simple() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((OB30 / "simple.json").read_text())
    return doc


def test_single_values_become_one_element_arrays_where_the_schema_wants_arrays() -> None:
    doc = _simple()
    doc["proof"] = doc["proof"][0]
    doc["issuer"]["type"] = "Profile"
    doc["credentialSubject"]["type"] = "AchievementSubject"
    coerced = coerce_to_schema(doc)
    assert isinstance(coerced["proof"], list)
    assert coerced["issuer"]["type"] == ["Profile"]
    assert coerced["credentialSubject"]["type"] == ["AchievementSubject"]
    assert isinstance(doc["proof"], dict), "the input must not be changed"
    assert validate_ob3_schema(doc).outcome is Outcome.PASSED


def test_schema_failure_names_the_issuer_and_the_place() -> None:
    doc = _simple()
    doc["credentialSubject"]["type"] = ["SomethingElse"]
    check = validate_ob3_schema(doc, who="Example Corp")
    assert check.outcome is Outcome.FAILED
    assert "Example Corp" in check.message and "credentialSubject/type" in check.message


def test_vc11_version_differences_alone_pass_the_schema() -> None:
    doc = json.loads((OB30 / "simple_v1.json").read_text())
    assert validate_ob3_schema(doc).outcome is Outcome.PASSED
    doc["issuer"]["image"] = "https://example.com/logo.png"
    assert validate_ob3_schema(doc).outcome is Outcome.FAILED


def test_schema_messages_show_no_json_dump_nor_python_words() -> None:
    doc = _simple()
    doc["issuer"]["image"] = "https://example.com/logo.png"
    doc["credentialSubject"]["type"] = ["InvalidAchievementSubject"]
    message = validate_ob3_schema(doc, who="Example Corp").message
    assert "issuer: its value matches none of the forms the schema allows" in message
    assert 'none of ["InvalidAchievementSubject"] is an accepted value' in message
    assert "None" not in message and "oneOf" not in message and '{"' not in message


def test_a_status_list_structure_problem_is_called_a_status_list_problem() -> None:
    listing = json.loads((OB30 / "bit-string-list/testlist").read_text())
    listing["type"] = ["BitstringStatusListCredential"]
    check = check_structure(listing)
    assert check.outcome is Outcome.FAILED
    assert "not a well-formed status list credential" in check.message
    assert "Open Badges" not in check.message


def test_unbundled_named_schema_is_never_fetched_and_said_so() -> None:
    doc = _simple()
    doc["credentialSchema"] = [
        {"id": "https://evil.example/schema.json", "type": "1EdTechJsonSchemaValidator2019"}
    ]
    check = validate_ob3_schema(doc)
    assert check.outcome is Outcome.WARNING
    assert "evil.example" in check.message


def test_endorsement_credentials_use_the_endorsement_definition() -> None:
    doc = json.loads((OB30 / "endorsement-valid.json").read_text())
    assert validate_ob3_schema(doc).outcome is Outcome.PASSED
    del doc["credentialSubject"]["type"]
    assert validate_ob3_schema(doc).outcome is Outcome.FAILED


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.update(type=["VerifiableCredential", "OtherCredential"]), "neither"),
        (lambda d: d.pop("issuer"), "no issuer"),
        (lambda d: d["credentialSubject"].pop("achievement"), "no achievement"),
        (lambda d: d.update({"@context": d["@context"][1:]}), "@context"),
        (lambda d: d.pop("validFrom"), "validFrom"),
    ],
)
def test_structure_failures(change: Any, words: str) -> None:
    doc = _simple()
    change(doc)
    check = check_structure(doc)
    assert check.outcome is Outcome.FAILED
    assert words in check.message


def test_structure_passes_for_the_corpus_credentials() -> None:
    for name in ("simple.json", "simple_v1.json", "complete.json", "endorsement-valid.json"):
        doc = json.loads((OB30 / name).read_text())
        assert check_structure(doc).outcome is Outcome.PASSED, name


def test_recipient_by_did_and_by_hashed_email() -> None:
    doc = _simple()
    salt = "pepper"
    digest = hashlib.sha256(("ada@example.org" + salt).encode()).hexdigest().upper()
    doc["credentialSubject"]["identifier"] = [
        {
            "type": "IdentityObject",
            "identityHash": "sha256$" + digest,
            "identityType": "emailAddress",
            "hashed": True,
            "salt": salt,
        }
    ]
    assert len(recipients(doc)) == 2
    assert check_recipient(doc, "did:example:ebfeb1f712ebc6f1c276e12ec21").outcome is Outcome.PASSED
    assert check_recipient(doc, "Ada@Example.org").outcome is Outcome.PASSED
    wrong = check_recipient(doc, "bob@example.org")
    assert wrong.outcome is Outcome.FAILED and wrong.implied_status is Status.RECIPIENT_MISMATCH
    assert check_recipient(doc, None).required is False


def test_normalised_credential_reads_alignments_extensions_and_dates() -> None:
    doc = json.loads((OB30 / "complete.json").read_text())
    ach = doc["credentialSubject"]["achievement"]
    ach["tag"] = ["teamwork", "leadership"]
    ach["competency"] = {
        "type": ["Extension", "CompetencyExtension"],
        "escoID": "http://data.europa.eu/esco/skill/abc",
    }
    cred = normalise(doc)
    assert cred.issuer.id == doc["issuer"]["id"]
    assert cred.achievement.name == ach["name"] and cred.achievement.type == "Degree"
    assert cred.achievement.tags == ("teamwork", "leadership")
    assert [a.target_type for a in cred.alignments] == ["CFItem", "CTDL"]
    assert cred.alignments[0].target_url == "https://1edtech.edu/catalog/degree"
    escos = [e for e in cred.extensions if e.get("escoID")]
    assert escos and escos[0]["_key"] == "credentialSubject.achievement.competency"
    assert cred.issued is not None and cred.issued.year == 2010
    assert cred.recipient.identity == "did:example:ebfeb1f712ebc6f1c276e12ec21"


def test_jwt_claims_must_match_the_credential() -> None:
    vc = _simple()
    payload = {
        "vc": vc,
        "iss": vc["issuer"]["id"],
        "sub": vc["credentialSubject"]["id"],
        "jti": vc["id"],
        "nbf": 1262304000,
    }
    check, nbf, exp = _claims_check(payload, vc, True)
    assert check.outcome is Outcome.PASSED and nbf is not None and exp is None
    for claim, value in [
        ("iss", "https://evil.example"),
        ("sub", "did:x:y"),
        ("jti", "urn:x"),
        ("nbf", 1262304000 + 3600),
    ]:
        bad = copy.deepcopy(payload)
        bad[claim] = value
        check, _, _ = _claims_check(bad, vc, True)
        assert check.outcome is Outcome.FAILED, claim


def test_safe_mode_memory_never_hides_a_relative_id_or_an_extra_term() -> None:
    from skills.verify.ob3._content import _safe_mode

    good = _simple()
    assert _safe_mode(good).outcome is Outcome.PASSED
    renamed = _simple()
    renamed["credentialSubject"]["achievement"]["name"] = "Another name entirely"
    assert _safe_mode(renamed).outcome is Outcome.PASSED
    relative = _simple()
    relative["credentialSubject"]["achievement"]["id"] = "achievements/teamwork copy"
    assert _safe_mode(relative).outcome is Outcome.FAILED
    extra = _simple()
    extra["credentialSubject"]["achievement"]["skills"] = "Brain surgery"
    assert _safe_mode(extra).outcome is Outcome.FAILED
    retyped = _simple()
    retyped["credentialSubject"]["achievement"]["type"] = ["Achievement", "UnknownType"]
    assert _safe_mode(retyped).outcome is Outcome.FAILED
