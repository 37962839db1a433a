"""Hostile proofs and tokens: repeated proofs and contexts, blank-node cliques, deep JSON.

Canonicalisation is bounded per credential (one CanonBudget across its proofs and status
lists; each distinct document canonicalised once), proofs are capped, repeated @context
entries refused, and JOSE headers, JWKs and did:jwk values nested thousands deep end as
clean ``invalid`` reports. Outcomes and counted canonicalisations are asserted, never time.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from skills.demo.signing import encode_bitstring, sign_data_integrity
from skills.errors import CanonicalizationError
from skills.jsonld._canon import CanonBudget
from skills.verify import Status, verify, verify_many
from skills.verify._context import Submission, VerifyContext
from skills.verify._keys import jose
from skills.verify._keys.dids import b58encode, did_key_for
from skills.verify._model import CheckName, Outcome
from skills.verify.ob3._proof import MAX_PROOFS, verify_data_integrity
from skills.verify.ob3._verify import verify_ob3

OB30 = Path(__file__).resolve().parents[1] / "fixtures/1edtech/files/ob30"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
DEEP = 5_000
LIST_URL = "https://status.example/lists/1"


def _client(routes: dict[str, bytes] | None = None) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        body = (routes or {}).get(str(request.url))
        return httpx.Response(200, content=body) if body is not None else httpx.Response(404)

    return httpx.Client(transport=httpx.MockTransport(handler))


def _issuer() -> tuple[ed25519.Ed25519PrivateKey, str]:
    key = ed25519.Ed25519PrivateKey.generate()
    return key, did_key_for(key.public_key())


def _method(did: str) -> str:
    return f"{did}#{did.removeprefix('did:key:')}"


def _unsigned(did: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((OB30 / "simple.json").read_text())
    doc.pop("proof")
    doc["issuer"]["id"] = did
    return doc


def _clique(doc: dict[str, Any], n: int = 14) -> dict[str, Any]:
    """``doc`` with n blank nodes that all point at each other (RDFC-1.0's worst case)."""
    nodes = [
        {"@id": f"_:b{i}", "https://ex.org/p": [{"@id": f"_:b{j}"} for j in range(n) if j != i]}
        for i in range(n)
    ]
    out = copy.deepcopy(doc)
    out["credentialSubject"]["https://ex.org/clique"] = nodes
    return out


def _bogus_proof(did: str, created: str) -> dict[str, Any]:
    return {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": created,
        "verificationMethod": _method(did),
        "proofPurpose": "assertionMethod",
        "proofValue": "z" + b58encode(b"\x01" * 64),
    }


def _checks(doc: dict[str, Any], budget: CanonBudget) -> dict[str, Any]:
    with _client() as client:
        got = verify_data_integrity(
            doc, client=client, issuer_id=doc["issuer"]["id"], budget=budget
        )
    return {c.name: c for c in got}


# ── proofs and contexts ─────────────────────────────────────────────────────────────────


def test_thirty_identical_proofs_over_a_clique_are_refused_before_any_work() -> None:
    _, did = _issuer()
    doc = _clique(_unsigned(did))
    doc["proof"] = [_bogus_proof(did, "2024-01-01T00:00:00Z")] * 30
    budget = CanonBudget()
    signature = _checks(doc, budget)[CheckName.SIGNATURE]
    assert signature.outcome is Outcome.FAILED
    assert f"30 proofs; Skill Atlas checks at most {MAX_PROOFS}" in signature.message
    assert budget.runs == 0


def test_eight_different_proofs_over_a_clique_canonicalise_the_document_once() -> None:
    _, did = _issuer()
    doc = _clique(_unsigned(did))
    doc["proof"] = [_bogus_proof(did, f"2024-01-0{i + 1}T00:00:00Z") for i in range(MAX_PROOFS)]
    budget = CanonBudget(seconds=3.0, call_seconds=0.5)
    signature = _checks(doc, budget)[CheckName.SIGNATURE]
    # Out of time ("could not be checked") or, on a fast machine, the bogus signature fails.
    assert signature.outcome in (Outcome.NOT_RUN, Outcome.FAILED)
    # The document once (its result, or its error, remembered); the proof shape at most once.
    assert budget.runs <= 2
    assert budget.seen({k: v for k, v in doc.items() if k != "proof"})


def test_repeated_context_entries_are_refused_with_a_clear_message() -> None:
    key, did = _issuer()
    doc = sign_data_integrity(_unsigned(did), key, _method(did))
    repeated = doc["@context"][1]
    doc["@context"] = [*doc["@context"], repeated, repeated]
    budget = CanonBudget()
    checks = _checks(doc, budget)
    assert checks[CheckName.SIGNATURE].outcome is Outcome.FAILED
    assert checks[CheckName.SIGNATURE].message.startswith(
        f"The credential's @context lists {repeated} more than once"
    )
    assert budget.runs == 0
    with _client() as client:
        report = verify(doc, client=client, now=NOW)
    assert report.status is Status.INVALID


def test_identical_inline_contexts_in_a_proof_are_refused_too() -> None:
    key, did = _issuer()
    doc = sign_data_integrity(_unsigned(did), key, _method(did), cryptosuite="eddsa-jcs-2022")
    doc["proof"]["@context"] = [{"ex": "https://ex.org/"}, {"ex": "https://ex.org/"}]
    message = _checks(doc, CanonBudget())[CheckName.SIGNATURE].message
    assert "The proof's @context lists the same inline context more than once" in message


def test_a_used_up_budget_refuses_new_documents_and_says_why() -> None:
    key, did = _issuer()
    doc = sign_data_integrity(_unsigned(did), key, _method(did))
    signature = _checks(doc, CanonBudget(seconds=0.0))[CheckName.SIGNATURE]
    assert signature.outcome is Outcome.NOT_RUN  # not shown wrong: it could not be checked
    assert "used up its 0 s canonicalisation budget" in signature.message
    assert _checks(doc, CanonBudget())[CheckName.SIGNATURE].outcome is Outcome.PASSED


def test_the_budget_remembers_documents_and_their_errors_and_caps_runs() -> None:
    _, did = _issuer()
    doc = _unsigned(did)
    budget = CanonBudget(max_runs=2)
    first = budget.canonicalize(doc)
    assert budget.canonicalize(copy.deepcopy(doc)) == first
    assert budget.runs == 1
    broken = {**doc, "@context": "https://contexts.example/unknown"}
    for _ in range(3):
        with pytest.raises(CanonicalizationError, match="is not one of the"):
            budget.canonicalize(broken)
    assert budget.runs == 2
    with pytest.raises(CanonicalizationError, match="more than 2 canonicalisations"):
        budget.canonicalize({**doc, "name": "Another"})


def test_status_lists_draw_on_the_credentials_budget() -> None:
    key, did = _issuer()
    badge = _unsigned(did)
    badge["credentialStatus"] = {
        "id": f"{LIST_URL}#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": LIST_URL,
    }
    badge = sign_data_integrity(badge, key, _method(did), created="2025-01-01T00:00:00Z")
    listing = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": "2025-06-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bitstring(set()),
        },
    }
    signed_list = sign_data_integrity(listing, key, _method(did), created="2025-06-01T00:00:00Z")
    with _client({LIST_URL: json.dumps(signed_list).encode()}) as client:
        ctx = VerifyContext(
            recipient=None, client=client, now=NOW, clock_skew=timedelta(seconds=60)
        )
        result = verify_ob3(Submission("json", badge, b""), ctx)
    revocation = next(c for c in result.checks if c.name == CheckName.REVOCATION)
    assert revocation.outcome is Outcome.PASSED
    assert ctx.budget.seen({k: v for k, v in badge.items() if k != "proof"})
    assert ctx.budget.seen(listing)


# ── JSON nested thousands deep ──────────────────────────────────────────────────────────


def _deep(depth: int = DEEP) -> Any:
    value: Any = {"kty": "OKP"}
    for _ in range(depth):
        value = {"k": value}
    return value


def _deep_text(depth: int = DEEP) -> str:
    return '{"k":' * depth + '{"kty":"OKP","crv":"Ed25519","x":"AA"}' + "}" * depth


def _token(header_json: str, payload: dict[str, Any]) -> str:
    body = json.dumps(payload).encode()
    return (
        jose.b64url_encode(header_json.encode())
        + "."
        + jose.b64url_encode(body)
        + "."
        + jose.b64url_encode(b"\x00" * 64)
    )


def _vc(did: str) -> dict[str, Any]:
    doc = _unsigned(did)
    return {"iss": did, "jti": doc["id"], "vc": doc}


def _deep_did_jwk(depth: int = DEEP) -> str:
    return "did:jwk:" + jose.b64url_encode(_deep_text(depth).encode())


def _report(source: Any) -> Any:
    with _client() as client:
        return verify(source, client=client, now=NOW)


@pytest.mark.parametrize("depth", [DEEP, 40])
def test_a_jws_header_nested_deep_is_a_clean_invalid_report(depth: int) -> None:
    _, did = _issuer()
    header = '{"alg":"EdDSA","typ":"vc+ld+jwt","x":' + _deep_text(depth) + "}"
    report = _report(_token(header, _vc(did)))
    assert report.status is Status.INVALID
    assert any("header" in c.message for c in report.checks if c.outcome is Outcome.FAILED)


def test_a_header_jwk_nested_deep_is_a_clean_invalid_report() -> None:
    _, did = _issuer()
    header = '{"alg":"EdDSA","typ":"vc+ld+jwt","jwk":' + _deep_text(30) + "}"
    assert _report(_token(header, _vc(did))).status is Status.INVALID
    header = '{"alg":"EdDSA","typ":"vc+ld+jwt","jwk":' + _deep_text() + "}"
    assert _report(_token(header, _vc(did))).status is Status.INVALID


def test_a_did_jwk_kid_nested_deep_is_a_clean_invalid_report() -> None:
    _, did = _issuer()
    header = json.dumps({"alg": "EdDSA", "typ": "vc+ld+jwt", "kid": _deep_did_jwk() + "#0"})
    report = _report(_token(header, _vc(did)))
    # ob3_jwt reports a kid it cannot resolve as not run (see the issue-10 report).
    assert report.status in (Status.INVALID, Status.UNVERIFIABLE)
    signature = next(c for c in report.checks if c.name == CheckName.SIGNATURE)
    assert signature.outcome is not Outcome.PASSED
    binding = next(c for c in report.checks if c.name == CheckName.KEY_BINDING)
    assert "did:jwk does not hold a JSON Web Key" in binding.message


def test_a_did_jwk_verification_method_nested_deep_is_a_clean_invalid_report() -> None:
    key, did = _issuer()
    doc = sign_data_integrity(_unsigned(did), key, _method(did))
    doc["proof"]["verificationMethod"] = _deep_did_jwk() + "#0"
    report = _report(doc)
    assert report.status is Status.INVALID
    signature = next(c for c in report.checks if c.name == CheckName.SIGNATURE)
    assert "did:jwk does not hold a JSON Web Key" in signature.message


def test_a_vc_jwt_whose_issuer_is_a_did_jwk_nested_deep_is_a_clean_invalid_report() -> None:
    deep = _deep_did_jwk()
    header = json.dumps({"alg": "EdDSA", "typ": "vc+ld+jwt"})
    report = _report(_token(header, _vc(deep)))
    assert report.status is Status.INVALID


def test_one_bad_item_in_a_batch_never_stops_the_others() -> None:
    key, did = _issuer()
    good = sign_data_integrity(_unsigned(did), key, _method(did))
    deep_vm = copy.deepcopy(good)
    deep_vm["proof"]["verificationMethod"] = _deep_did_jwk() + "#0"
    deep_header = _token('{"alg":"EdDSA","x":' + _deep_text() + "}", _vc(did))
    sources: list[Any] = [deep_header, good, deep_vm, json.dumps(good)]
    with _client() as client:
        reports = verify_many(sources, client=client, now=NOW, workers=2)
    assert [r.status for r in reports] == [
        Status.INVALID,
        Status.VERIFIED,
        Status.INVALID,
        Status.VERIFIED,
    ]
