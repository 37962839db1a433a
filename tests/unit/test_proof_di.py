"""skills.verify.ob3._proof: Data Integrity proofs, cross-checked with openbadgeslib and 1EdTech."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from openbadgeslib.ob3.ldp import add_data_integrity_proof, verify_data_integrity_proof
from openbadgeslib.ob3.verifier import OB3VerificationError

from skills.demo.signing import sign_data_integrity
from skills.verify._keys.dids import did_key_for
from skills.verify._ld_checks import check_safe_mode
from skills.verify._model import CheckName, Outcome
from skills.verify.ob3._proof import verify_data_integrity

OB30 = Path(__file__).resolve().parents[1] / "fixtures/1edtech/files/ob30"
NO_NET = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404)))
CREATED = "2024-05-01T10:00:00Z"


def load(name: str) -> dict[str, Any]:
    return json.loads((OB30 / name).read_text())


def outcomes(checks: list[Any]) -> dict[str, Outcome]:
    return {c.name: c.outcome for c in checks}


@pytest.fixture(scope="module")
def issuer() -> tuple[ed25519.Ed25519PrivateKey, str]:
    key = ed25519.Ed25519PrivateKey.generate()
    return key, did_key_for(key.public_key())


def unsigned(did: str) -> dict[str, Any]:
    doc = load("simple.json")
    doc.pop("proof")
    doc["issuer"]["id"] = did
    return doc


def verify(doc: dict[str, Any], issuer_id: str | None = None) -> dict[str, Outcome]:
    iss = doc.get("issuer")
    who = issuer_id or (iss.get("id") if isinstance(iss, dict) else iss)
    return outcomes(verify_data_integrity(doc, client=NO_NET, issuer_id=who))


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-2022", "Ed25519Signature2020"])
def test_signed_credentials_verify_and_bind_to_a_did_key_issuer(
    issuer: tuple[ed25519.Ed25519PrivateKey, str], suite: str
) -> None:
    key, did = issuer
    doc = sign_data_integrity(
        unsigned(did), key, f"{did}#{did[8:]}", cryptosuite=suite, created=CREATED
    )
    checks = verify_data_integrity(doc, client=NO_NET, issuer_id=did)
    assert outcomes(checks) == {
        CheckName.SIGNATURE: Outcome.PASSED,
        CheckName.KEY_BINDING: Outcome.PASSED,
    }
    assert f"Signed with the issuer's Ed25519 key ({suite})." in [c.message for c in checks]


def _pem(key: ed25519.Ed25519PrivateKey, private: bool) -> bytes:
    if private:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_openbadgeslib_signatures_verify_with_ours(
    issuer: tuple[ed25519.Ed25519PrivateKey, str],
) -> None:
    key, did = issuer
    doc = add_data_integrity_proof(unsigned(did), _pem(key, True), f"{did}#{did[8:]}")
    assert verify(doc)[CheckName.SIGNATURE] is Outcome.PASSED


def test_our_signatures_verify_with_openbadgeslib(
    issuer: tuple[ed25519.Ed25519PrivateKey, str],
) -> None:
    key, did = issuer
    doc = sign_data_integrity(unsigned(did), key, f"{did}#{did[8:]}", created=CREATED)
    verify_data_integrity_proof(doc, _pem(key, False))  # raises when it does not verify
    doc["name"] = "Changed"
    with pytest.raises(OB3VerificationError, match=r"\(signature mismatch\)"):
        verify_data_integrity_proof(doc, _pem(key, False))


def test_one_changed_field_breaks_the_signature(
    issuer: tuple[ed25519.Ed25519PrivateKey, str],
) -> None:
    key, did = issuer
    doc = sign_data_integrity(unsigned(did), key, f"{did}#{did[8:]}", created=CREATED)
    doc["credentialSubject"]["achievement"]["name"] = "Brain surgery"
    assert verify(doc)[CheckName.SIGNATURE] is Outcome.FAILED


def test_added_skill_with_a_defined_term_breaks_the_signature(
    issuer: tuple[ed25519.Ed25519PrivateKey, str],
) -> None:
    key, did = issuer
    doc = sign_data_integrity(unsigned(did), key, f"{did}#{did[8:]}", created=CREATED)
    doc["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": "Rocket science", "targetUrl": "https://x.example/r"}
    ]
    assert verify(doc)[CheckName.SIGNATURE] is Outcome.FAILED


def test_added_undefined_term_is_caught_by_safe_mode_not_the_signature(
    issuer: tuple[ed25519.Ed25519PrivateKey, str],
) -> None:
    key, did = issuer
    doc = sign_data_integrity(unsigned(did), key, f"{did}#{did[8:]}", created=CREATED)
    doc["credentialSubject"]["skills"] = ["Rocket science"]
    assert verify(doc)[CheckName.SIGNATURE] is Outcome.PASSED  # JSON-LD drops the term...
    assert check_safe_mode(doc).outcome is Outcome.FAILED  # ...so safe mode must refuse it


def test_a_key_of_someone_else_does_not_bind(
    issuer: tuple[ed25519.Ed25519PrivateKey, str],
) -> None:
    key, did = issuer
    doc = sign_data_integrity(unsigned(did), key, f"{did}#{did[8:]}", created=CREATED)
    other = did_key_for(ed25519.Ed25519PrivateKey.generate().public_key())
    result = verify(doc, issuer_id=other)
    assert result[CheckName.KEY_BINDING] is Outcome.FAILED


def test_wrong_purpose_fails(issuer: tuple[ed25519.Ed25519PrivateKey, str]) -> None:
    key, did = issuer
    doc = sign_data_integrity(unsigned(did), key, f"{did}#{did[8:]}", created=CREATED)
    doc["proof"]["proofPurpose"] = "authentication"
    assert verify(doc)[CheckName.SIGNATURE] is Outcome.FAILED


def test_a_purpose_is_accepted_only_when_the_caller_lists_it(
    issuer: tuple[ed25519.Ed25519PrivateKey, str],
) -> None:
    key, did = issuer
    doc = sign_data_integrity(
        unsigned(did), key, f"{did}#{did[8:]}", created=CREATED, purpose="authentication"
    )
    assert doc["proof"]["proofPurpose"] == "authentication"
    refused = verify_data_integrity(doc, client=NO_NET, issuer_id=did)
    signature = next(c for c in refused if c.name == CheckName.SIGNATURE)
    assert signature.outcome is Outcome.FAILED
    assert "'authentication', not assertionMethod" in signature.message
    both = {"authentication", "assertionMethod"}
    accepted = verify_data_integrity(doc, client=NO_NET, issuer_id=did, purposes=both)
    assert outcomes(accepted) == {
        CheckName.SIGNATURE: Outcome.PASSED,
        CheckName.KEY_BINDING: Outcome.PASSED,
    }
    doc["proof"]["proofPurpose"] = "capabilityInvocation"  # the signature covers it anyway
    wrong = verify_data_integrity(doc, client=NO_NET, issuer_id=did, purposes=both)
    message = next(c.message for c in wrong if c.name == CheckName.SIGNATURE)
    assert "not assertionMethod or authentication" in message


def test_the_holder_role_speaks_of_the_presentation_and_its_holder(
    issuer: tuple[ed25519.Ed25519PrivateKey, str],
) -> None:
    key, did = issuer
    doc = sign_data_integrity(unsigned(did), key, f"{did}#{did[8:]}", created=CREATED)
    good = verify_data_integrity(doc, client=NO_NET, issuer_id=did, role="holder")
    assert {c.name: c.message for c in good} == {
        CheckName.SIGNATURE: "Signed with the holder's Ed25519 key (eddsa-rdfc-2022).",
        CheckName.KEY_BINDING: f"The signing key belongs to the holder {did}.",
    }
    nobody = verify_data_integrity(doc, client=NO_NET, issuer_id=None, role="holder")
    binding = next(c for c in nobody if c.name == CheckName.KEY_BINDING)
    assert binding.outcome is Outcome.FAILED
    assert binding.message == "The presentation names no holder to bind the signing key to."
    changed = copy.deepcopy(doc)
    changed["name"] = "Something else"
    bad = verify_data_integrity(changed, client=NO_NET, issuer_id=did, role="holder")
    message = next(c.message for c in bad if c.name == CheckName.SIGNATURE)
    assert "the presentation was altered after signing" in message


def test_unreachable_key_is_not_run_never_passed() -> None:
    doc = load("simple.json")
    doc["proof"][0]["verificationMethod"] = "did:web:gone.example#key-1"
    assert verify(doc) == {
        CheckName.SIGNATURE: Outcome.NOT_RUN,
        CheckName.KEY_BINDING: Outcome.NOT_RUN,
    }


@pytest.mark.parametrize(
    "name",
    [
        "simple.json",
        "simple_v1.json",
        "simple-eddsa-2022.json",
        "simple-context-alias.json",
        "simple-did-key-method.json",
        "simple-multiple-proofs.json",
        "endorsement-valid.json",
        "complete.json",
    ],
)
def test_1edtech_signatures_verify(name: str) -> None:
    assert verify(load(name))[CheckName.SIGNATURE] is Outcome.PASSED


def test_1edtech_fragment_keys_are_not_taken_as_the_issuers() -> None:
    # The key sits in the verificationMethod fragment; the issuer profile is unreachable.
    assert verify(load("simple.json"))[CheckName.KEY_BINDING] is Outcome.NOT_RUN


@pytest.mark.parametrize(
    "name",
    [
        "simple-err-proof-value.json",
        "simple-err-proof-method.json",
        "simple-err-proof-method-no-scheme.json",
        "simple-err-proof-method-unknown-scheme.json",
        "simple-err-proof-method-unknown-did-method.json",
    ],
)
def test_1edtech_broken_proofs_fail(name: str) -> None:
    assert verify(load(name))[CheckName.SIGNATURE] is Outcome.FAILED


def test_one_budget_canonicalises_each_document_once(
    issuer: tuple[ed25519.Ed25519PrivateKey, str],
) -> None:
    from skills.jsonld._canon import CanonBudget

    key, did = issuer
    doc = sign_data_integrity(unsigned(did), key, f"{did}#{did[8:]}", created=CREATED)
    budget = CanonBudget()
    for _ in range(3):
        checks = verify_data_integrity(doc, client=NO_NET, issuer_id=did, budget=budget)
        assert outcomes(checks)[CheckName.SIGNATURE] is Outcome.PASSED
    assert 1 <= budget.runs <= 2  # the document, and the proof's shape unless known
    assert budget.seen({k: v for k, v in doc.items() if k != "proof"})


def test_unsupported_suites_are_not_run() -> None:
    doc = copy.deepcopy(load("simple.json"))
    doc["proof"] = [{"type": "DataIntegrityProof", "cryptosuite": "ecdsa-sd-2023"}]
    assert verify(doc)[CheckName.SIGNATURE] is Outcome.NOT_RUN
