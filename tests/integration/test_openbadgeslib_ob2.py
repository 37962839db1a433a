"""Cross-check: OB 2.0 signed badges issued by openbadgeslib (an independent issuer) verify,
and tampered copies fail with the right status.

The issuer profile, key, badge class and revocation list are served through
httpx.MockTransport at https://issuer.example/.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from openbadgeslib.keys import KeyRSA
from openbadgeslib.ob2 import (
    Assertion,
    BadgeClass,
    CryptographicKey,
    IdentityObject,
    OB2Signer,
    Profile,
    RevocationList,
    Verification,
)

from skills.demo.signing import sign_compact
from skills.verify import Status, verify

BASE = "https://issuer.example"
ISSUER = f"{BASE}/issuer.json"
KEY = f"{BASE}/key.json"
BADGE = f"{BASE}/badges/python.json"
REVOCATIONS = f"{BASE}/revocations.json"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
EMAIL = "ada@example.org"


class World:
    """An issuer (Acme Academy) with one RSA key, one badge class and a revocation list."""

    def __init__(self) -> None:
        key = KeyRSA(2048)
        self.private_pem, self.public_pem = key.generate_keypair()
        self.signer = OB2Signer(self.private_pem, "RS256")
        self.revoked: list[Any] = []
        self.docs: dict[str, dict[str, Any]] = {
            ISSUER: Profile(
                id=ISSUER,
                name="Acme Academy",
                url=BASE,
                email="badges@issuer.example",
                public_key=[KEY],
                revocation_list=REVOCATIONS,
            ).to_dict(),
            KEY: CryptographicKey(
                id=KEY, owner=ISSUER, public_key_pem=self.public_pem.decode()
            ).to_dict(),
            BADGE: BadgeClass(
                id=BADGE,
                name="Python Programming",
                description="Writes tested Python.",
                image=f"{BASE}/badges/python.png",
                criteria=f"{BASE}/badges/python-criteria.html",
                issuer=ISSUER,
                tags=["python", "testing"],
            ).to_dict(),
        }
        self.docs[BADGE]["alignment"] = [
            {
                "targetName": "Python (computer programming)",
                "targetUrl": "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
                "targetFramework": "ESCO",
            }
        ]

    def handler(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url == REVOCATIONS:
            body = RevocationList(
                id=REVOCATIONS, issuer=ISSUER, revoked_assertions=self.revoked
            ).to_dict()
            return httpx.Response(200, json=body)
        if url in self.docs:
            return httpx.Response(200, json=self.docs[url])
        return httpx.Response(404)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))

    def assertion(self, *, expires: datetime | None = None, email: str = EMAIL) -> Assertion:
        return Assertion(
            recipient=IdentityObject.create(email, "s4lt"),
            badge=BADGE,
            verification=Verification(type="SignedBadge", creator=KEY),
            issued_on=datetime(2025, 3, 1, tzinfo=UTC),
            expires=expires,
        )


@pytest.fixture(scope="module")
def world() -> World:
    return World()


def _payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _with_payload(token: str, payload: dict[str, Any]) -> str:
    head, _, sig = token.split(".")
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{head}.{body}.{sig}"


def _check(report: Any, name: str) -> Any:
    return next(c for c in report.checks if c.name == name)


def test_a_badge_issued_by_openbadgeslib_verifies_with_its_skills(world: World) -> None:
    token = world.signer.sign(world.assertion())
    with world.client() as client:
        report = verify(token, recipient=EMAIL, client=client, now=NOW)
    assert report.ok, report.summary
    assert report.format == "ob2-signed"
    assert "Acme Academy" in _check(report, "signature").message
    cred = report.credential
    assert cred is not None
    assert cred.issuer.name == "Acme Academy"
    assert cred.achievement.name == "Python Programming"
    assert cred.achievement.tags == ("python", "testing")
    assert [a.target_name for a in cred.alignments] == ["Python (computer programming)"]


def test_a_baked_png_from_openbadgeslib_verifies(world: World) -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )
    baked = world.signer.sign_into_png(world.assertion(), png)
    with world.client() as client:
        report = verify(baked, client=client, now=NOW)
    assert report.ok, report.summary
    assert report.baked_in == "png"


def test_one_changed_field_breaks_the_signature(world: World) -> None:
    token = world.signer.sign(world.assertion())
    payload = _payload(token)
    payload["issuedOn"] = "2024-01-01T00:00:00+00:00"
    with world.client() as client:
        report = verify(_with_payload(token, payload), client=client, now=NOW)
    assert report.status is Status.INVALID
    assert _check(report, "signature").outcome == "failed"
    assert report.credential is None


def test_an_added_skill_breaks_the_signature(world: World) -> None:
    token = world.signer.sign(world.assertion())
    payload = _payload(token)
    badge = dict(world.docs[BADGE])
    badge.pop("@context")
    badge["alignment"] = [
        *badge["alignment"],
        {"targetName": "Rocket science", "targetUrl": "https://x.example/r"},
    ]
    payload["badge"] = badge
    with world.client() as client:
        report = verify(_with_payload(token, payload), client=client, now=NOW)
    assert report.status is Status.INVALID
    assert report.credential is None


def test_a_key_not_listed_by_the_issuer_is_refused(world: World) -> None:
    # Signed by another key that the attacker hosts and names as creator.
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    from cryptography.hazmat.primitives import serialization

    pem = (
        attacker.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    other_key = "https://evil.example/key.json"
    payload = world.assertion().to_dict()
    payload["verification"]["creator"] = other_key
    token = sign_compact({"alg": "RS256"}, payload, attacker)
    evil_docs = {
        other_key: CryptographicKey(id=other_key, owner=ISSUER, public_key_pem=pem).to_dict()
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) in evil_docs:
            return httpx.Response(200, json=evil_docs[str(request.url)])
        return world.handler(request)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        report = verify(token, client=client, now=NOW)
    assert report.status is Status.INVALID
    assert _check(report, "key_binding").outcome == "failed"


def test_a_swapped_key_in_the_issuer_profile_fails_the_signature(world: World) -> None:
    token = world.signer.sign(world.assertion())
    other = KeyRSA(2048)
    _priv, other_pub = other.generate_keypair()
    swapped = World.__new__(World)
    swapped.__dict__.update(world.__dict__)
    swapped.docs = dict(world.docs)
    swapped.docs[KEY] = CryptographicKey(
        id=KEY, owner=ISSUER, public_key_pem=other_pub.decode()
    ).to_dict()
    with swapped.client() as client:
        report = verify(token, client=client, now=NOW)
    assert report.status is Status.INVALID
    assert _check(report, "signature").outcome == "failed"


def test_a_wrong_recipient_is_a_mismatch(world: World) -> None:
    token = world.signer.sign(world.assertion())
    with world.client() as client:
        report = verify(token, recipient="eve@example.org", client=client, now=NOW)
    assert report.status is Status.RECIPIENT_MISMATCH


def test_a_revoked_badge_is_revoked_with_its_reason(world: World) -> None:
    assertion = world.assertion()
    token = world.signer.sign(assertion)
    world.revoked.append({"id": assertion.id, "revocationReason": "Issued by mistake"})
    try:
        with world.client() as client:
            report = verify(token, client=client, now=NOW)
    finally:
        world.revoked.clear()
    assert report.status is Status.REVOKED
    assert "Issued by mistake" in _check(report, "revocation").message


def test_an_unreachable_revocation_list_is_not_a_pass(world: World) -> None:
    token = world.signer.sign(world.assertion())

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == REVOCATIONS:
            return httpx.Response(503)
        return world.handler(request)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        report = verify(token, client=client, now=NOW)
    assert report.status is Status.UNVERIFIABLE
    assert _check(report, "revocation").outcome == "not_run"


def test_an_expired_badge_is_expired(world: World) -> None:
    token = world.signer.sign(world.assertion(expires=NOW - timedelta(days=30)))
    with world.client() as client:
        report = verify(token, client=client, now=NOW)
    assert report.status is Status.EXPIRED


@pytest.mark.parametrize("alg", ["none", "HS256", "ES256"])
def test_other_algorithms_are_refused(world: World, alg: str) -> None:
    token = world.signer.sign(world.assertion())
    head = base64.urlsafe_b64encode(json.dumps({"alg": alg}).encode()).rstrip(b"=").decode()
    forged = head + "." + token.split(".", 1)[1]
    with world.client() as client:
        report = verify(forged, client=client, now=NOW)
    assert report.status is Status.INVALID
    assert "RS256" in _check(report, "signature").message
