"""OB 2.0 aliases: ``verify`` means ``verification`` (the OB v2 context says so, and the
specification's own signed example uses it), in hosted and signed badges alike."""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from skills.demo.signing import sign_compact
from skills.jsonld import CONTEXTS
from skills.verify import Status, verify
from skills.verify.ob2._checks import canonical_names
from skills.verify.ob2._vocab import (
    OB_V2_CLASS_ALIASES,
    OB_V2_CONTEXT_URL,
    OB_V2_PROPERTY_ALIASES,
    context_aliases,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
CTX = "https://w3id.org/openbadges/v2"
BASE = "https://badges.example"
ASSERTION = f"{BASE}/assertions/7"
BADGE = f"{BASE}/classes/sql"
ISSUER = f"{BASE}/issuer"
KEY = f"{BASE}/keys/1"
EMAIL = "edgar@example.org"
SALT = "nacl"
IDENTITY = "sha256$" + hashlib.sha256((EMAIL + SALT).encode()).hexdigest()


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def world(private_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return {
        ASSERTION: {
            "@context": CTX,
            "type": "Assertion",
            "id": ASSERTION,
            "recipient": {"type": "email", "hashed": True, "salt": SALT, "identity": IDENTITY},
            "badge": BADGE,
            "issuedOn": "2025-02-03T04:05:06Z",
            "verify": {"type": "hosted"},
        },
        BADGE: {
            "@context": CTX,
            "type": "BadgeClass",
            "id": BADGE,
            "name": "SQL",
            "description": "Writes SQL.",
            "image": f"{BASE}/sql.png",
            "criteria": {"narrative": "Write a window query."},
            "issuer": ISSUER,
        },
        ISSUER: {
            "@context": CTX,
            "type": "Issuer",
            "id": ISSUER,
            "name": "Codd College",
            "url": BASE,
            "publicKey": KEY,
        },
        KEY: {
            "@context": CTX,
            "type": "CryptographicKey",
            "id": KEY,
            "owner": ISSUER,
            "publicKeyPem": pem,
        },
    }


def client_for(served: dict[str, Any]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url in served:
            return httpx.Response(200, json=served[url])
        return httpx.Response(404)

    return httpx.Client(transport=httpx.MockTransport(handler))


def check(report: Any, name: str) -> Any:
    return [c for c in report.checks if c.name == name][-1]


def signed_payload(verify_key: str = "verify") -> dict[str, Any]:
    return {
        "@context": CTX,
        "type": "Assertion",
        "id": "urn:uuid:2f1c9a52-8f0e-4f8e-9d1b-5b8f3c1f0a77",
        "recipient": {"type": "email", "hashed": True, "salt": SALT, "identity": IDENTITY},
        "badge": BADGE,
        "issuedOn": "2025-02-03T04:05:06Z",
        verify_key: {"type": "signed", "creator": KEY},
    }


# ── the aliases come from the bundled context ─────────────────────────────────


def test_the_aliases_are_those_the_bundled_ob_v2_context_defines() -> None:
    assert OB_V2_PROPERTY_ALIASES == {"verify": "verification"}
    assert OB_V2_CLASS_ALIASES == {"hosted": "HostedBadge", "signed": "SignedBadge"}
    assert context_aliases(dict(CONTEXTS[OB_V2_CONTEXT_URL])) == (
        OB_V2_PROPERTY_ALIASES,
        OB_V2_CLASS_ALIASES,
    )


def test_aliases_are_derived_from_the_context_not_listed_by_hand() -> None:
    """A context that defined one more alias would be read with it."""
    document = copy.deepcopy(dict(CONTEXTS[OB_V2_CONTEXT_URL]))
    document["@context"]["earner"] = {"@id": "recipient"}
    document["@context"]["Badge"] = "obi:BadgeClass"
    properties, classes = context_aliases(document)
    assert properties == {"verify": "verification", "earner": "recipient"}
    # Two capitalised names for one class: neither is preferred, so no class alias.
    assert "Badge" not in classes and "BadgeClass" not in classes.values()
    # revoked and revokedAssertions share obi:revoked but have different places: no alias.
    assert "revoked" not in properties and "revokedAssertions" not in properties


def test_canonical_names_reach_nested_objects_but_not_other_contexts() -> None:
    doc = {
        "@context": CTX,
        "verify": {"type": "hosted"},
        "badge": {"issuer": {"verify": {"allowedOrigins": ["a.example"]}}},
        "extensions:x": {"@context": "https://unknown.example/ctx", "verify": "kept"},
    }
    canonical, problems = canonical_names(doc)
    assert problems == []
    assert canonical["verification"] == {"type": "HostedBadge"}
    assert canonical["badge"]["issuer"]["verification"] == {"allowedOrigins": ["a.example"]}
    assert canonical["extensions:x"]["verify"] == "kept"
    assert "verify" in doc  # the input is not modified


def test_a_document_without_the_v2_context_keeps_its_verify() -> None:
    legacy = {"uid": "1", "verify": {"type": "hosted", "url": ASSERTION}}
    assert canonical_names(legacy) == (legacy, [])


# ── hosted ────────────────────────────────────────────────────────────────────


def test_a_hosted_assertion_using_verify_verifies(private_key: rsa.RSAPrivateKey) -> None:
    served = world(private_key)
    for submitted in (ASSERTION, served[ASSERTION]):
        with client_for(served) as client:
            report = verify(submitted, recipient=EMAIL, client=client, now=NOW)
        assert report.ok, report.summary
        assert report.credential is not None
        assert report.credential.achievement.name == "SQL"
        assert "no verification property" not in report.summary


def test_an_issuer_profile_using_verify_has_its_allowed_origins_honoured(
    private_key: rsa.RSAPrivateKey,
) -> None:
    served = world(private_key)
    served[ISSUER]["verify"] = {"allowedOrigins": ["elsewhere.example"]}
    with client_for(served) as client:
        report = verify(ASSERTION, client=client, now=NOW)
    assert report.status is Status.INVALID
    assert "elsewhere.example" in check(report, "origin").message


# ── signed ────────────────────────────────────────────────────────────────────


def test_a_signed_assertion_using_verify_verifies(private_key: rsa.RSAPrivateKey) -> None:
    token = sign_compact({"alg": "RS256"}, signed_payload(), private_key)
    with client_for(world(private_key)) as client:
        report = verify(token, recipient=EMAIL, client=client, now=NOW)
    assert report.ok, report.summary
    assert report.format == "ob2-signed"
    assert (
        check(report, "key_binding").message
        == f"The key {KEY} is listed in Codd College's profile."
    )
    assert report.credential is not None and report.credential.issuer.name == "Codd College"


def test_a_signed_assertion_whose_verify_names_an_unlisted_key_is_refused(
    private_key: rsa.RSAPrivateKey,
) -> None:
    payload = signed_payload()
    payload["verify"]["creator"] = "https://evil.example/key"
    token = sign_compact({"alg": "RS256"}, payload, private_key)
    with client_for(world(private_key)) as client:
        report = verify(token, client=client, now=NOW)
    assert report.status is Status.INVALID
    assert "evil.example" in check(report, "key_binding").message


def test_verify_and_verification_that_disagree_are_refused(
    private_key: rsa.RSAPrivateKey,
) -> None:
    payload = signed_payload()
    payload["verification"] = {"type": "SignedBadge", "creator": f"{BASE}/keys/other"}
    token = sign_compact({"alg": "RS256"}, payload, private_key)
    with client_for(world(private_key)) as client:
        report = verify(token, client=client, now=NOW)
    assert report.status is Status.INVALID
    assert report.credential is None
    assert any(
        "both verify and verification" in c.message and c.outcome == "failed" for c in report.checks
    )


def test_an_inline_context_is_not_mistaken_for_data() -> None:
    """The context's own definitions of verify and verification are not a conflict."""
    inline = dict(CONTEXTS[OB_V2_CONTEXT_URL])["@context"]
    doc = {"@context": inline, "type": "BadgeClass", "verify": {"type": "hosted"}}
    canonical, problems = canonical_names(doc)
    assert problems == []
    assert canonical["@context"] == inline
    assert canonical["verification"] == {"type": "HostedBadge"}
