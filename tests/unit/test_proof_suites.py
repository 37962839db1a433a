"""Data Integrity: the suites besides eddsa-rdfc-2022, and credentials with several proofs.

Every credential here is signed in the test: ``eddsa-jcs-2022`` (RFC 8785), ``ecdsa-rdfc-2019``
(P-256 and P-384 Multikeys), ``Ed25519Signature2018`` (detached JWS over URDNA2015).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from skills.demo.signing import sign_data_integrity
from skills.jsonld import CONTEXTS
from skills.verify._keys import jose
from skills.verify._keys.dids import did_key_for
from skills.verify._model import Check, CheckName, Outcome
from skills.verify.ob3._proof import SECURITY_V2, hash_data, jcs_hash_data, verify_data_integrity

OB30 = Path(__file__).resolve().parents[1] / "fixtures/1edtech/files/ob30"
NO_NET = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404)))
CREATED = "2024-05-01T10:00:00Z"
Key = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


def unsigned(did: str, name: str = "simple.json") -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((OB30 / name).read_text())
    doc.pop("proof")
    doc["issuer"]["id"] = did
    return doc


def method(did: str) -> str:
    return f"{did}#{did.removeprefix('did:key:')}"


def checks_of(doc: dict[str, Any]) -> dict[str, Check]:
    iss = doc["issuer"]
    issuer_id = iss["id"] if isinstance(iss, dict) else iss
    return {c.name: c for c in verify_data_integrity(doc, client=NO_NET, issuer_id=issuer_id)}


def outcome(doc: dict[str, Any]) -> tuple[Outcome, Outcome]:
    checks = checks_of(doc)
    return checks[CheckName.SIGNATURE].outcome, checks[CheckName.KEY_BINDING].outcome


def new_key(kind: str) -> Key:
    if kind == "P-256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "P-384":
        return ec.generate_private_key(ec.SECP384R1())
    return ed25519.Ed25519PrivateKey.generate()


CASES = [
    ("eddsa-jcs-2022", "Ed25519", "simple.json"),
    ("ecdsa-rdfc-2019", "P-256", "simple.json"),
    ("ecdsa-rdfc-2019", "P-384", "simple.json"),
    ("Ed25519Signature2018", "Ed25519", "simple_v1.json"),
]


@pytest.mark.parametrize(("suite", "kind", "base"), CASES)
def test_each_suite_verifies_and_binds_and_a_changed_copy_fails(
    suite: str, kind: str, base: str
) -> None:
    key = new_key(kind)
    did = did_key_for(key.public_key())
    doc = sign_data_integrity(
        unsigned(did, base), key, method(did), cryptosuite=suite, created=CREATED
    )
    checks = checks_of(doc)
    assert checks[CheckName.SIGNATURE].outcome is Outcome.PASSED
    assert checks[CheckName.KEY_BINDING].outcome is Outcome.PASSED
    assert checks[CheckName.SIGNATURE].message == f"Signed with the issuer's {kind} key ({suite})."

    tampered = copy.deepcopy(doc)
    tampered["credentialSubject"]["achievement"]["name"] = "Brain surgery"
    signature = checks_of(tampered)[CheckName.SIGNATURE]
    assert signature.outcome is Outcome.FAILED
    assert "does not match" in signature.message


def test_ecdsa_proof_signed_with_p256_is_raw_r_and_s_in_base58btc() -> None:
    key = new_key("P-256")
    did = did_key_for(key.public_key())
    assert did.startswith("did:key:zDn")
    doc = sign_data_integrity(unsigned(did), key, method(did), cryptosuite="ecdsa-rdfc-2019")
    from skills.verify._keys.dids import b58decode

    assert len(b58decode(doc["proof"]["proofValue"][1:])) == 64


def test_ecdsa_suite_refuses_an_ed25519_key_and_a_der_signature() -> None:
    ed = new_key("Ed25519")
    ed_did = did_key_for(ed.public_key())
    doc = sign_data_integrity(unsigned(ed_did), ed, method(ed_did), created=CREATED)
    doc["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    signature = checks_of(doc)[CheckName.SIGNATURE]
    assert signature.outcome is Outcome.FAILED and "P-256 or P-384 key" in signature.message

    ec_key = new_key("P-256")
    assert isinstance(ec_key, ec.EllipticCurvePrivateKey)
    did = did_key_for(ec_key.public_key())
    doc = unsigned(did)
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-rdfc-2019",
        "created": CREATED,
        "verificationMethod": method(did),
        "proofPurpose": "assertionMethod",
    }
    from cryptography.hazmat.primitives import hashes

    from skills.verify._keys.dids import b58encode

    der = ec_key.sign(
        hash_data(doc, dict(proof, **{"@context": doc["@context"]})), ec.ECDSA(hashes.SHA256())
    )
    doc["proof"] = dict(proof, proofValue="z" + b58encode(der))
    signature = checks_of(doc)[CheckName.SIGNATURE]
    assert signature.outcome is Outcome.FAILED and "P-256 or P-384 ECDSA" in signature.message


def test_jcs_signature_covers_terms_json_ld_would_drop() -> None:
    key = new_key("Ed25519")
    did = did_key_for(key.public_key())
    doc = sign_data_integrity(unsigned(did), key, method(did), cryptosuite="eddsa-jcs-2022")
    assert doc["proof"]["@context"] == doc["@context"]  # vc-di-eddsa: the proof keeps it
    doc["credentialSubject"]["skills"] = ["Rocket science"]  # undefined: RDF would drop it
    assert outcome(doc)[0] is Outcome.FAILED


def test_jcs_proof_without_its_own_context_verifies_both_ways() -> None:
    key = new_key("Ed25519")
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    did = did_key_for(key.public_key())
    doc = unsigned(did)
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": CREATED,
        "verificationMethod": method(did),
        "proofPurpose": "assertionMethod",
    }
    from skills.verify._keys.dids import b58encode

    # As the vc-di-eddsa test vectors: the configuration hashed exactly as published.
    as_published = dict(proof, proofValue="z" + b58encode(key.sign(jcs_hash_data(doc, proof))))
    assert outcome({**doc, "proof": as_published}) == (Outcome.PASSED, Outcome.PASSED)
    # As some signers do: the document's context added to the configuration, then dropped.
    with_context = jcs_hash_data(doc, dict(proof, **{"@context": doc["@context"]}))
    added = dict(proof, proofValue="z" + b58encode(key.sign(with_context)))
    assert outcome({**doc, "proof": added}) == (Outcome.PASSED, Outcome.PASSED)


def test_jcs_proof_context_must_start_the_credentials_context() -> None:
    key = new_key("Ed25519")
    did = did_key_for(key.public_key())
    doc = sign_data_integrity(unsigned(did), key, method(did), cryptosuite="eddsa-jcs-2022")
    doc["proof"]["@context"] = list(reversed(doc["@context"]))
    signature = checks_of(doc)[CheckName.SIGNATURE]
    assert signature.outcome is Outcome.FAILED and "start of the credential's" in signature.message
    held = verify_data_integrity(doc, client=NO_NET, issuer_id=did, role="holder")
    message = next(c.message for c in held if c.name == CheckName.SIGNATURE)
    assert "start of the presentation's" in message


@pytest.mark.parametrize(("suite", "kind", "base"), CASES)
def test_each_suite_signs_for_authentication_by_a_holder(suite: str, kind: str, base: str) -> None:
    key = new_key(kind)
    did = did_key_for(key.public_key())
    doc = sign_data_integrity(
        unsigned(did, base),
        key,
        method(did),
        cryptosuite=suite,
        created=CREATED,
        purpose="authentication",
    )
    purposes = {"authentication", "assertionMethod"}
    checks = {
        c.name: c
        for c in verify_data_integrity(
            doc, client=NO_NET, issuer_id=did, purposes=purposes, role="holder"
        )
    }
    assert checks[CheckName.SIGNATURE].message == f"Signed with the holder's {kind} key ({suite})."
    assert checks[CheckName.KEY_BINDING].outcome is Outcome.PASSED
    # A credential's proof must be for assertionMethod: the same proof is refused as one.
    assert checks_of(doc)[CheckName.SIGNATURE].outcome is Outcome.FAILED


def _jws_proof(did: str, header: dict[str, Any], data: bytes, key: Any) -> dict[str, Any]:
    encoded = jose.b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    signature = key.sign(encoded.encode() + b"." + data)
    return {
        "type": "Ed25519Signature2018",
        "created": CREATED,
        "verificationMethod": method(did),
        "proofPurpose": "assertionMethod",
        "jws": f"{encoded}..{jose.b64url_encode(signature)}",
    }


def test_ed25519_signature_2018_header_is_fixed_and_detached() -> None:
    key = new_key("Ed25519")
    did = did_key_for(key.public_key())
    doc = sign_data_integrity(
        unsigned(did, "simple_v1.json"), key, method(did), cryptosuite="Ed25519Signature2018"
    )
    header, _, signature = doc["proof"]["jws"].split(".")
    assert json.loads(jose.b64url_decode(header)) == {
        "alg": "EdDSA",
        "b64": False,
        "crit": ["b64"],
    }
    attached = copy.deepcopy(doc)
    attached["proof"]["jws"] = f"{header}.e30.{signature}"
    assert "detached" in checks_of(attached)[CheckName.SIGNATURE].message

    config = {k: v for k, v in doc["proof"].items() if k != "jws"}
    data = hash_data(
        {k: v for k, v in doc.items() if k != "proof"}, {**config, "@context": doc["@context"]}
    )
    for bad in (
        {"alg": "EdDSA", "b64": True, "crit": ["b64"]},
        {"alg": "ES256", "b64": False, "crit": ["b64"]},
    ):
        forged = {**doc, "proof": _jws_proof(did, bad, data, key)}
        signature_check = checks_of(forged)[CheckName.SIGNATURE]
        assert signature_check.outcome is Outcome.FAILED
        assert "alg EdDSA" in signature_check.message


def test_ed25519_signature_2018_of_older_signers_uses_the_security_v2_context() -> None:
    # jsonld-signatures before version 7 gave the proof configuration the security v2
    # context; a VC 2.0 document's own contexts do not define the 2018 proof type.
    assert SECURITY_V2 in CONTEXTS
    key = new_key("Ed25519")
    did = did_key_for(key.public_key())
    doc = unsigned(did)
    config = {
        "type": "Ed25519Signature2018",
        "created": CREATED,
        "verificationMethod": method(did),
        "proofPurpose": "assertionMethod",
    }
    data = hash_data(doc, {**config, "@context": SECURITY_V2})
    proof = _jws_proof(did, {"alg": "EdDSA", "b64": False, "crit": ["b64"]}, data, key)
    assert outcome({**doc, "proof": proof}) == (Outcome.PASSED, Outcome.PASSED)
    # A proof carrying that context itself.
    own = {**proof, "@context": SECURITY_V2}
    assert outcome({**doc, "proof": own}) == (Outcome.PASSED, Outcome.PASSED)
    doc["name"] = "Changed"
    assert outcome({**doc, "proof": proof})[0] is Outcome.FAILED


@pytest.mark.parametrize(
    ("suite", "kind", "base"), [*CASES[1:], ("eddsa-rdfc-2022", "Ed25519", "simple.json")]
)
def test_a_context_that_is_not_bundled_leaves_the_signature_not_run_naming_it(
    suite: str, kind: str, base: str
) -> None:
    key = new_key(kind)
    did = did_key_for(key.public_key())
    doc = sign_data_integrity(unsigned(did, base), key, method(did), cryptosuite=suite)
    url = "https://contexts.example/skills/v1"
    doc["@context"] = [*doc["@context"], url]
    checks = checks_of(doc)
    signature = checks[CheckName.SIGNATURE]
    assert signature.outcome is Outcome.NOT_RUN
    assert url in signature.message and "does not bundle" in signature.message
    assert checks[CheckName.KEY_BINDING].outcome is Outcome.NOT_RUN


def test_a_jcs_proof_needs_no_json_ld_context() -> None:
    key = new_key("Ed25519")
    did = did_key_for(key.public_key())
    doc = unsigned(did)
    doc["@context"] = [*doc["@context"], "https://contexts.example/skills/v1"]
    signed = sign_data_integrity(doc, key, method(did), cryptosuite="eddsa-jcs-2022")
    assert outcome(signed) == (Outcome.PASSED, Outcome.PASSED)


# ── several proofs ─────────────────────────────────────────────────────────────────────


def _signed(suite: str = "eddsa-rdfc-2022") -> tuple[dict[str, Any], Key, str]:
    key = new_key("Ed25519")
    did = did_key_for(key.public_key())
    return sign_data_integrity(unsigned(did), key, method(did), cryptosuite=suite), key, did


def test_a_checkable_proof_beside_an_unsupported_one_verifies() -> None:
    doc, _, _ = _signed()
    other = {"type": "DataIntegrityProof", "cryptosuite": "bbs-2023", "proofValue": "u0"}
    doc["proof"] = [other, doc["proof"]]
    assert outcome(doc) == (Outcome.PASSED, Outcome.PASSED)


def test_two_proofs_of_the_issuer_in_different_suites_verify() -> None:
    doc, key, did = _signed()
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    jcs = sign_data_integrity(unsecured, key, method(did), cryptosuite="eddsa-jcs-2022")
    doc["proof"] = [doc["proof"], jcs["proof"]]
    assert outcome(doc) == (Outcome.PASSED, Outcome.PASSED)


def test_two_proofs_where_one_fails_is_invalid() -> None:
    doc, key, did = _signed()
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    bad = sign_data_integrity(
        {**unsecured, "name": "Another badge"}, key, method(did), cryptosuite="eddsa-jcs-2022"
    )["proof"]
    for proofs in ([doc["proof"], bad], [bad, doc["proof"]]):
        signature = checks_of({**doc, "proof": proofs})[CheckName.SIGNATURE]
        assert signature.outcome is Outcome.FAILED
        assert "eddsa-jcs-2022 signature does not match" in signature.message


def test_a_proof_that_could_not_be_checked_does_not_hold_back_one_that_passed() -> None:
    doc, _, _ = _signed()
    unreachable = {
        **doc["proof"],
        "verificationMethod": "did:web:gone.example#key-1",
        "proofValue": doc["proof"]["proofValue"],
    }
    doc["proof"] = [doc["proof"], unreachable]
    checks = checks_of(doc)
    assert checks[CheckName.SIGNATURE].outcome is Outcome.PASSED
    assert checks[CheckName.KEY_BINDING].outcome is Outcome.PASSED
    assert "Another proof on it could not be checked" in checks[CheckName.SIGNATURE].message
    # Alone, the proof that could not be checked is not run, never passed.
    assert outcome({**doc, "proof": unreachable}) == (Outcome.NOT_RUN, Outcome.NOT_RUN)


def test_a_second_proof_by_someone_else_is_not_accepted() -> None:
    doc, _, _ = _signed()
    stranger = new_key("P-256")
    stranger_did = did_key_for(stranger.public_key())
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    theirs = sign_data_integrity(
        unsecured, stranger, method(stranger_did), cryptosuite="ecdsa-rdfc-2019"
    )["proof"]
    doc["proof"] = [doc["proof"], theirs]
    assert outcome(doc) == (Outcome.PASSED, Outcome.FAILED)


def test_a_credential_with_an_unbundled_context_is_unverifiable_not_invalid() -> None:
    from datetime import UTC, datetime

    from skills.verify import Status, verify

    key = new_key("Ed25519")
    did = did_key_for(key.public_key())
    doc = sign_data_integrity(unsigned(did), key, method(did))
    url = "https://contexts.example/skills/v1"
    doc["@context"] = [*doc["@context"], url]
    report = verify(doc, client=NO_NET, now=datetime(2026, 1, 1, tzinfo=UTC))
    signature = next(c for c in report.checks if c.name == CheckName.SIGNATURE)
    assert signature.outcome is Outcome.NOT_RUN and url in signature.message
    assert report.status is Status.UNVERIFIABLE
