"""Cross-check: OB 3.0 credentials issued by openbadgeslib (an independent issuer) verify with
Skill Atlas, and tampered copies fail with the right status.

- VC-JWT with RS256, ES256 and EdDSA; the issuer is the ``did:jwk`` of the signing key, so the
  token's embedded ``jwk`` is bound to the issuer with no fetch.
- Data Integrity ``eddsa-rdfc-2022``; the issuer is the ``did:key`` of the signing key.
- Baked into PNG and SVG by openbadgeslib.
- Revocation: a BitstringStatusListCredential issued and signed (VC-JWT) by the same issuer is
  served through httpx.MockTransport.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from openbadgeslib.ob3 import (
    Achievement,
    Alignment,
    IdentityObject,
    Issuer,
    OB3LdpSigner,
    OB3Signer,
    OpenBadgeCredential,
    build_status_list_credential,
    did_jwk_from_jwk,
    did_key_from_pem,
    sign_status_list_credential,
    status_entry,
)

from skills.verify import Report, Status, verify
from skills.verify._keys.jose import key_to_jwk

NOW = datetime.now(UTC).replace(microsecond=0)  # openbadgeslib stamps status lists with now
EMAIL = "ada@example.org"
LIST_URL = "https://issuer.example/status/1"
REVOKED_INDEX = 7
CLEAR_INDEX = 8

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def _new_key(alg: str) -> PrivateKey:
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


def _pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass
class JwtIssuer:
    alg: str
    key: PrivateKey
    did: str

    @property
    def signer(self) -> OB3Signer:
        return OB3Signer(_pem(self.key), algorithm=self.alg)

    def status_list(self) -> str:
        vc = build_status_list_credential(
            self.did, LIST_URL, "revocation", {REVOKED_INDEX}, issued=NOW - timedelta(days=1)
        )
        # openbadgeslib stamps nbf with the signing time; give validFrom the same second.
        vc["validFrom"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        token: str = sign_status_list_credential(vc, _pem(self.key), self.alg)
        return token


def _jwt_issuer(alg: str) -> JwtIssuer:
    key = _new_key(alg)
    return JwtIssuer(alg, key, did_jwk_from_jwk(key_to_jwk(key.public_key())))


def _credential(issuer_id: str, *, index: int | None = None, **kw: Any) -> OpenBadgeCredential:
    achievement = Achievement(
        id="https://issuer.example/achievements/python",
        name="Python Programming",
        description="Writes and tests Python programs.",
        criteria_narrative="Passed the practical exam.",
        tags=["python", "programming"],
        achievement_type="Badge",
        alignments=[
            Alignment(
                target_name="Python (computer programming)",
                target_url="http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
                target_framework="ESCO",
                target_code="ccd0a1d9-afda-43d9-b901-96344886e14d",
            )
        ],
    )
    return OpenBadgeCredential(
        issuer=Issuer(id=issuer_id, name="Acme Academy", url="https://issuer.example"),
        recipient_id=None,
        achievement=achievement,
        issuance_date=kw.pop("issued", NOW - timedelta(days=30)),
        identifiers=[IdentityObject.create(EMAIL, salt="s4lt")],
        credential_status=[status_entry(LIST_URL, "revocation", index)]
        if index is not None
        else [],
        **kw,
    )


def _client(lists: dict[str, str] | None = None) -> httpx.Client:
    served = lists or {}

    def handler(request: httpx.Request) -> httpx.Response:
        body = served.get(str(request.url))
        if body is None:
            return httpx.Response(404)
        return httpx.Response(
            200, content=body.encode(), headers={"content-type": "application/vc+jwt"}
        )

    return httpx.Client(transport=httpx.MockTransport(handler))


def _verify(
    source: Any, *, issuer: JwtIssuer | None = None, recipient: str | None = EMAIL
) -> Report:
    lists = {LIST_URL: issuer.status_list()} if issuer is not None else {}
    with _client(lists) as client:
        # openbadgeslib stamps a status list with the moment it signs it, so the verifier's
        # clock is read now too: NOW is the collection time, which a long run leaves behind
        # by more than the allowed clock skew.
        return verify(source, recipient=recipient, client=client, now=datetime.now(UTC))


def _explain(report: Report) -> str:
    return "\n".join(f"{c.name}: {c.outcome} - {c.message}" for c in report.checks)


def _tamper(token: str, change: Callable[[dict[str, Any]], None]) -> str:
    head, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    change(payload)
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return ".".join([head, base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), sig])


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1">'
    b'<rect width="1" height="1"/></svg>'
)

ALGS = ["RS256", "ES256", "EdDSA"]


@pytest.fixture(scope="module", params=ALGS)
def issuer(request: pytest.FixtureRequest) -> JwtIssuer:
    return _jwt_issuer(str(request.param))


def test_vc_jwt_from_openbadgeslib_verifies(issuer: JwtIssuer) -> None:
    token = issuer.signer.sign(_credential(issuer.did, index=CLEAR_INDEX))
    report = _verify(token, issuer=issuer)
    assert report.status is Status.VERIFIED, _explain(report)
    assert report.format == "ob3-jwt"
    cred = report.credential
    assert cred is not None
    assert cred.issuer.name == "Acme Academy" and cred.issuer.id == issuer.did
    assert cred.achievement.name == "Python Programming"
    assert cred.achievement.tags == ("python", "programming")
    assert [a.target_framework for a in cred.alignments] == ["ESCO"]
    assert any("Acme Academy" in c.message for c in report.checks)


def test_changed_field_is_invalid(issuer: JwtIssuer) -> None:
    token = issuer.signer.sign(_credential(issuer.did))
    forged = _tamper(token, lambda p: p["credentialSubject"]["achievement"].update(name="Rust"))
    assert _verify(forged).status is Status.INVALID


def test_added_alignment_is_invalid(issuer: JwtIssuer) -> None:
    token = issuer.signer.sign(_credential(issuer.did))
    extra = {"type": ["Alignment"], "targetName": "Brain surgery", "targetUrl": "https://x.example"}
    forged = _tamper(
        token, lambda p: p["credentialSubject"]["achievement"]["alignment"].append(extra)
    )
    report = _verify(forged)
    assert report.status is Status.INVALID, _explain(report)


def test_swapped_key_is_invalid(issuer: JwtIssuer) -> None:
    other = _new_key(issuer.alg)
    token = OB3Signer(_pem(other), algorithm=issuer.alg).sign(_credential(issuer.did))
    report = _verify(token)
    assert report.status is Status.INVALID, _explain(report)


def test_wrong_recipient_is_recipient_mismatch(issuer: JwtIssuer) -> None:
    token = issuer.signer.sign(_credential(issuer.did))
    assert _verify(token, recipient="eve@example.org").status is Status.RECIPIENT_MISMATCH
    assert _verify(token, recipient="ADA@example.org").status is Status.VERIFIED


def test_revoked_status_bit_is_revoked(issuer: JwtIssuer) -> None:
    token = issuer.signer.sign(_credential(issuer.did, index=REVOKED_INDEX))
    report = _verify(token, issuer=issuer)
    assert report.status is Status.REVOKED, _explain(report)


def test_unreachable_status_list_is_unverifiable(issuer: JwtIssuer) -> None:
    token = issuer.signer.sign(_credential(issuer.did, index=CLEAR_INDEX))
    assert _verify(token).status is Status.UNVERIFIABLE


def test_status_list_claiming_the_issuer_but_signed_by_another_key_is_not_trusted(
    issuer: JwtIssuer,
) -> None:
    token = issuer.signer.sign(_credential(issuer.did, index=CLEAR_INDEX))
    forged = JwtIssuer(issuer.alg, _jwt_issuer(issuer.alg).key, issuer.did)
    assert _verify(token, issuer=forged).status is Status.UNVERIFIABLE


def test_status_list_issued_by_another_party_is_honoured(issuer: JwtIssuer) -> None:
    """W3C Bitstring Status List: the list's issuer MAY differ from the credential's."""
    other = _jwt_issuer(issuer.alg)
    clear = issuer.signer.sign(_credential(issuer.did, index=CLEAR_INDEX))
    assert _verify(clear, issuer=other).status is Status.VERIFIED
    report = _verify(issuer.signer.sign(_credential(issuer.did, index=REVOKED_INDEX)), issuer=other)
    assert report.status is Status.REVOKED and other.did[:60] in report.summary


def test_expired_window_is_expired(issuer: JwtIssuer) -> None:
    cred = _credential(
        issuer.did,
        issued=NOW - timedelta(days=400),
        expiration_date=NOW - timedelta(days=35),
    )
    report = _verify(issuer.signer.sign(cred))
    assert report.status is Status.EXPIRED, _explain(report)


def test_baked_png_and_svg_jwt_verify(issuer: JwtIssuer) -> None:
    png = issuer.signer.sign_into_png(_credential(issuer.did), _png())
    svg = issuer.signer.sign_into_svg(_credential(issuer.did), SVG)
    for image, kind in ((png, "png"), (svg, "svg")):
        report = _verify(image)
        assert report.status is Status.VERIFIED, _explain(report)
        assert report.baked_in == kind


@pytest.fixture(scope="module")
def ldp() -> tuple[OB3LdpSigner, str]:
    key = ed25519.Ed25519PrivateKey.generate()
    pub = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return OB3LdpSigner(_pem(key)), did_key_from_pem(pub)


def test_eddsa_rdfc_2022_from_openbadgeslib_verifies_and_bakes(
    ldp: tuple[OB3LdpSigner, str],
) -> None:
    signer, did = ldp
    doc = signer.sign(_credential(did))
    report = _verify(doc)
    assert report.status is Status.VERIFIED, _explain(report)
    assert report.format == "ob3-di"
    for image, kind in (
        (signer.sign_into_png(_credential(did), _png()), "png"),
        (signer.sign_into_svg(_credential(did), SVG), "svg"),
    ):
        baked = _verify(image)
        assert baked.status is Status.VERIFIED, _explain(baked)
        assert baked.baked_in == kind


def test_eddsa_rdfc_2022_tampering(ldp: tuple[OB3LdpSigner, str]) -> None:
    signer, did = ldp
    doc = signer.sign(_credential(did))
    changed = json.loads(json.dumps(doc))
    changed["credentialSubject"]["achievement"]["name"] = "Rust"
    assert _verify(changed).status is Status.INVALID
    added = json.loads(json.dumps(doc))
    added["credentialSubject"]["achievement"]["alignment"].append(
        {"type": ["Alignment"], "targetName": "Brain surgery", "targetUrl": "https://x.example"}
    )
    assert _verify(added).status is Status.INVALID
    unsigned_term = json.loads(json.dumps(doc))
    unsigned_term["credentialSubject"]["achievement"]["skills"] = ["Brain surgery"]
    assert _verify(unsigned_term).status is Status.INVALID
    other_signer = OB3LdpSigner(_pem(ed25519.Ed25519PrivateKey.generate()))
    swapped = other_signer.sign(_credential(did))
    assert _verify(swapped).status is Status.INVALID
    assert _verify(doc, recipient="eve@example.org").status is Status.RECIPIENT_MISMATCH
