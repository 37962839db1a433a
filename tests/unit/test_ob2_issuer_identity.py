"""OB 2.0 issuer identity: a profile speaks only for the address it is served from.

A forged badge must not borrow a trusted issuer's id, neither through a fetched profile that
declares another id nor through a profile embedded in the badge class or signed payload.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from skills.demo.signing import sign_compact
from skills.verify import Status
from tests.unit.test_ob2_hosted import (
    ASSERTION_URL,
    BADGE_URL,
    CTX,
    EMAIL,
    IDENTITY,
    SALT,
    check,
    docs,
    run,
)

EVIL = "https://evil.example"
TRUSTED = "https://trusted.example/issuer"
TRUSTED_KEY = "https://trusted.example/key"

FORGED_ISSUER = {
    "@context": CTX,
    "type": "Issuer",
    "id": TRUSTED,
    "name": "Trusted Corp",
    "url": "https://trusted.example",
    "email": "x@trusted.example",
    "verification": {"allowedOrigins": ["evil.example"]},
}


def _pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def trusted_profile(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """What the genuine issuer serves: its profile (no allowed origin but its own) and key."""
    return {
        TRUSTED: {
            "@context": CTX,
            "type": "Issuer",
            "id": TRUSTED,
            "name": "Trusted Corp",
            "url": "https://trusted.example",
            "email": "hr@trusted.example",
            "publicKey": TRUSTED_KEY,
        },
        TRUSTED_KEY: {
            "@context": CTX,
            "type": "CryptographicKey",
            "id": TRUSTED_KEY,
            "owner": TRUSTED,
            "publicKeyPem": _pem(key),
        },
    }


def forged_hosted(issuer: Any) -> dict[str, Any]:
    """An assertion and badge class served by the attacker, the class naming ``issuer``."""
    d = docs()
    assertion = copy.deepcopy(d[ASSERTION_URL])
    assertion["id"], assertion["badge"] = f"{EVIL}/a", f"{EVIL}/b"
    badge = copy.deepcopy(d[BADGE_URL])
    badge["id"], badge["issuer"] = f"{EVIL}/b", issuer
    return {f"{EVIL}/a": assertion, f"{EVIL}/b": badge}


@pytest.fixture(scope="module")
def trusted_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def attacker_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# ── hosted ────────────────────────────────────────────────────────────────────


def test_a_fetched_profile_declaring_a_trusted_id_is_invalid() -> None:
    served = forged_hosted(f"{EVIL}/i")
    served[f"{EVIL}/i"] = FORGED_ISSUER
    report = run(f"{EVIL}/a", served, recipient=EMAIL)
    assert report.status is Status.INVALID
    issuer = check(report, "issuer")
    assert issuer.outcome == "failed"
    assert issuer.message == (
        f"The issuer profile fetched from {EVIL}/i declares itself as {TRUSTED}: a profile "
        "speaks only for the address it is served from."
    )
    assert report.credential is None or report.credential.issuer.id != TRUSTED


@pytest.mark.parametrize("genuine_served", [False, True], ids=["unreachable", "served"])
def test_an_embedded_profile_claiming_a_trusted_id_is_not_verified(
    genuine_served: bool, trusted_key: rsa.RSAPrivateKey
) -> None:
    served = forged_hosted(FORGED_ISSUER)
    if genuine_served:
        served |= trusted_profile(trusted_key)
    report = run(f"{EVIL}/a", served, recipient=EMAIL)
    assert report.status is not Status.VERIFIED
    if genuine_served:
        # The identity now comes from the genuine profile, whose origins exclude evil.example.
        assert check(report, "origin").outcome == "failed"
        assert "evil.example" in check(report, "origin").message
    else:
        assert check(report, "issuer").outcome == "failed"
        assert report.credential is None or report.credential.issuer.id != TRUSTED


def test_an_embedded_profile_whose_id_is_not_a_web_address_is_invalid() -> None:
    served = forged_hosted({**FORGED_ISSUER, "id": "urn:uuid:2f1e0f7a-0000-4000-8000-000000000000"})
    report = run(f"{EVIL}/a", served, recipient=EMAIL)
    assert report.status is Status.INVALID
    assert "whose id is not a web address cannot be verified" in check(report, "issuer").message


def test_an_embedded_profile_of_the_real_host_verifies_from_its_fetched_copy() -> None:
    served = docs()
    issuer_url = served[BADGE_URL]["issuer"]
    # The embedded copy claims a different name and extra origins; only the fetched one counts.
    served[BADGE_URL]["issuer"] = {
        **served[issuer_url],
        "name": "Someone Else",
        "verification": {"allowedOrigins": ["evil.example"]},
    }
    report = run(ASSERTION_URL, served, recipient=EMAIL)
    assert report.status is Status.VERIFIED, report.summary
    assert report.credential is not None
    assert report.credential.issuer.id == issuer_url
    assert report.credential.issuer.name == "Hopper Institute"


@pytest.mark.parametrize(
    "declared",
    [
        "https://badges.example/issuer/",
        "http://badges.example/issuer",
        "https://BADGES.example/issuer",
    ],
)
def test_a_trivially_different_declared_id_is_read_as_the_fetched_address(declared: str) -> None:
    served = docs()
    issuer_url = served[BADGE_URL]["issuer"]
    served[issuer_url]["id"] = declared
    report = run(ASSERTION_URL, served, recipient=EMAIL)
    assert report.status is Status.VERIFIED, report.summary
    assert report.credential is not None and report.credential.issuer.id == issuer_url


def test_a_genuine_hosted_badge_still_verifies() -> None:
    report = run(ASSERTION_URL, docs(), recipient=EMAIL)
    assert report.status is Status.VERIFIED, report.summary


# ── signed ────────────────────────────────────────────────────────────────────


def signed_payload(issuer: Any, creator: str) -> dict[str, Any]:
    badge = copy.deepcopy(docs()[BADGE_URL])
    badge["id"], badge["issuer"] = "https://trusted.example/classes/cobol", issuer
    return {
        "@context": CTX,
        "type": "Assertion",
        "id": "urn:uuid:8b7f4b9e-0000-4000-8000-000000000001",
        "recipient": {"type": "email", "hashed": True, "salt": SALT, "identity": IDENTITY},
        "badge": badge,
        "issuedOn": "2025-01-02T03:04:05Z",
        "verification": {"type": "SignedBadge", "creator": creator},
    }


@pytest.mark.parametrize("creator", [f"{EVIL}/key", TRUSTED_KEY], ids=["own-key", "trusted-key"])
def test_a_signed_badge_embedding_an_issuer_with_the_attackers_key_is_not_verified(
    creator: str, trusted_key: rsa.RSAPrivateKey, attacker_key: rsa.RSAPrivateKey
) -> None:
    embedded = {
        **FORGED_ISSUER,
        "publicKey": {"id": creator, "owner": TRUSTED, "publicKeyPem": _pem(attacker_key)},
    }
    token = sign_compact({"alg": "RS256"}, signed_payload(embedded, creator), attacker_key)
    report = run(token, trusted_profile(trusted_key), recipient=EMAIL)
    assert report.status is not Status.VERIFIED
    assert report.status is Status.INVALID
    assert check(report, "key_binding").outcome == "failed" or (
        check(report, "signature").outcome == "failed"
    )


def test_a_signed_badge_with_an_unreachable_embedded_issuer_is_not_verified(
    attacker_key: rsa.RSAPrivateKey,
) -> None:
    embedded = {
        **FORGED_ISSUER,
        "publicKey": {"id": f"{EVIL}/key", "owner": TRUSTED, "publicKeyPem": _pem(attacker_key)},
    }
    token = sign_compact({"alg": "RS256"}, signed_payload(embedded, f"{EVIL}/key"), attacker_key)
    report = run(token, {}, recipient=EMAIL)
    assert report.status is not Status.VERIFIED
    assert report.credential is None or report.credential.issuer.id != TRUSTED


@pytest.mark.parametrize("embed", [False, True], ids=["reference", "embedded"])
def test_a_genuine_signed_badge_still_verifies(embed: bool, trusted_key: rsa.RSAPrivateKey) -> None:
    served = trusted_profile(trusted_key)
    issuer = copy.deepcopy(served[TRUSTED]) if embed else TRUSTED
    token = sign_compact({"alg": "RS256"}, signed_payload(issuer, TRUSTED_KEY), trusted_key)
    report = run(token, served, recipient=EMAIL)
    assert report.status is Status.VERIFIED, report.summary
    assert report.credential is not None and report.credential.issuer.id == TRUSTED


def test_another_path_of_the_same_host_is_a_warning_and_the_address_is_the_identity() -> None:
    served = docs()
    issuer_url = served[BADGE_URL]["issuer"]
    served[issuer_url]["id"] = "https://badges.example/someone-else"
    report = run(ASSERTION_URL, served, recipient=EMAIL)
    assert report.status is Status.VERIFIED, report.summary
    assert any("someone-else" in c.message and c.outcome == "warning" for c in report.checks)
    assert report.credential is not None and report.credential.issuer.id == issuer_url
