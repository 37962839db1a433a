"""JOSE on joserfc: strict base64url, ``crit`` refused, the algorithm policy kept.

- base64url has one spelling (RFC 7515 section 2): characters outside the URL-safe alphabet,
  padding, whitespace inside, impossible lengths and stray final bits are malformed.
- A validly signed VC-JWT whose header lists ``crit`` is refused (RFC 7515 section 4.1.11),
  whatever ``crit`` names; the same token without ``crit`` verifies.
- Still refused: ``alg: none``, every HMAC algorithm, a key of another type or curve than
  the algorithm's, unsupported algorithms, symmetric JWKs, tokens over MAX_TOKEN_CHARS.
- JWKs are read and written by joserfc: RFC 7517 / RFC 8037 example keys round-trip, and
  the RFC 8037 Ed25519 example JWS verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given
from hypothesis import strategies as st

from skills.demo.signing import sign_compact
from skills.errors import MalformedInput
from skills.verify import Status, verify
from skills.verify._keys import jose
from skills.verify._model import CheckName, Outcome

OB30 = Path(__file__).resolve().parents[1] / "fixtures/1edtech/files/ob30"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

# RFC 7517 appendix A.1 (EC P-256 public key) and RFC 8037 appendix A.2 (Ed25519 public key).
RFC7517_EC = {
    "kty": "EC",
    "crv": "P-256",
    "x": "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
    "y": "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",
}
RFC8037_OKP = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
# RFC 8037 appendix A.4: "Example of Ed25519 signing" signed with the key above.
RFC8037_JWS = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _padded(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _client() -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(404)))


# ── strict base64url ─────────────────────────────────────────────────────────────────────


def test_characters_outside_the_alphabet_are_not_skipped() -> None:
    assert jose.b64url_decode("abcd") == b"i\xb7\x1d"
    with pytest.raises(MalformedInput, match="base64url"):
        jose.b64url_decode("ab!!cd")


@pytest.mark.parametrize(
    "text",
    [
        "ab!!cd",  # outside the alphabet
        "ab+d",  # standard base64, not base64url
        "ab/d",
        "YQ==",  # padding
        "YWI=",
        "YWJj====",
        "YW Jj",  # whitespace inside
        "YW\nJj",
        "YWJj\n",
        " YWJj",
        "YWJjZ",  # a length no encoding produces
        "YR",  # stray low bits: "YQ" is the only spelling of b"a"
        "YWJjé",  # not ASCII
    ],
)
def test_malformed_base64url_is_refused(text: str) -> None:
    with pytest.raises(MalformedInput, match="base64url"):
        jose.b64url_decode(text)


@given(st.binary(max_size=200))
def test_base64url_round_trips_without_padding(data: bytes) -> None:
    encoded = jose.b64url_encode(data)
    assert "=" not in encoded
    assert jose.b64url_decode(encoded) == data


def _token(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return f"{_b64(_json(header))}.{_b64(_json(payload))}.{_b64(b'x' * 64)}"


def test_a_padded_token_segment_is_malformed() -> None:
    header, payload = {"alg": "EdDSA", "x": 12}, {"a": 1}  # neither a multiple of 3 bytes
    assert "=" in _padded(_json(header)) and "=" in _padded(_json(payload))
    assert jose.decode_compact(_token(header, payload)).payload == payload
    padded_payload = f"{_b64(_json(header))}.{_padded(_json(payload))}.{_b64(b'x' * 64)}"
    padded_header = f"{_padded(_json(header))}.{_b64(_json(payload))}.{_b64(b'x' * 64)}"
    for token in (padded_payload, padded_header):
        with pytest.raises(MalformedInput):
            jose.decode_compact(token)


def test_whitespace_or_foreign_characters_inside_a_token_are_malformed() -> None:
    head, body, sig = _token({"alg": "EdDSA"}, {"a": 1}).split(".")
    assert jose.decode_compact(f"  {head}.{body}.{sig}\n").payload == {"a": 1}  # around: fine
    for token in (
        f"{head}.{body[:4]}\n{body[4:]}.{sig}",
        f"{head}.{body[:4]} {body[4:]}.{sig}",
        f"{head}.{body}.{sig[:4]}!!{sig[4:]}",
        f"{head[:4]}\t{head[4:]}.{body}.{sig}",
    ):
        with pytest.raises(MalformedInput):
            jose.decode_compact(token)


def test_a_token_over_the_size_limit_is_refused_before_parsing() -> None:
    body = "A" * jose.MAX_TOKEN_CHARS
    with pytest.raises(MalformedInput, match="too long"):
        jose.decode_compact(f"{_b64(_json({'alg': 'EdDSA'}))}.{body}.AA")


def test_a_header_nested_past_the_depth_limit_is_refused() -> None:
    nested: Any = 1
    for _ in range(jose.MAX_JOSE_JSON_DEPTH + 1):
        nested = {"n": nested}
    with pytest.raises(MalformedInput, match="header"):
        jose.decode_compact(_token({"alg": "EdDSA", "x": nested}, {"a": 1}))


# ── crit (RFC 7515 section 4.1.11) ───────────────────────────────────────────────────────


def _credential_jwt(key: ed25519.Ed25519PrivateKey, **header: Any) -> str:
    """A VC-JWT signed by ``key`` whose issuer is the did:jwk of that key (bound, no fetch)."""
    did = "did:jwk:" + jose.b64url_encode(_json(jose.key_to_jwk(key.public_key())))
    doc: dict[str, Any] = json.loads((OB30 / "simple.json").read_text())
    doc.pop("proof")
    doc["issuer"]["id"] = did
    claims = {"iss": did, "jti": doc["id"], "vc": doc}
    return sign_compact({"alg": "EdDSA", "typ": "JWT", **header}, claims, key)


def _report(token: str) -> Any:
    with _client() as client:
        return verify(token, client=client, now=NOW)


def _failed_structure(report: Any) -> str:
    return " ".join(
        c.message
        for c in report.checks
        if c.name is CheckName.STRUCTURE and c.outcome is Outcome.FAILED
    )


@pytest.fixture(scope="module")
def signer() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def test_the_same_token_without_crit_verifies(signer: ed25519.Ed25519PrivateKey) -> None:
    assert _report(_credential_jwt(signer)).status is Status.VERIFIED
    with_extension = _report(_credential_jwt(signer, **{"urn:example:note": "fine"}))
    assert with_extension.status is Status.VERIFIED  # an unknown, non-critical one is ignored


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ({"crit": ["urn:example:policy"], "urn:example:policy": 1}, "does not understand"),
        ({"crit": ["b64"], "b64": True}, "does not understand"),
        ({"crit": ["urn:example:absent"]}, "does not carry"),
        ({"crit": ["urn:example:a", "urn:example:b"], "urn:example:a": 1}, "does not carry"),
        ({"crit": ["kid"], "kid": "did:example:1#k"}, "standard parameter"),
        ({"crit": ["alg"]}, "standard parameter"),
        ({"crit": []}, "non-empty list"),
        ({"crit": "urn:example:policy", "urn:example:policy": 1}, "non-empty list"),
        ({"crit": [7]}, "non-empty list"),
        ({"crit": ["urn:example:x", "urn:example:x"], "urn:example:x": 1}, "non-empty list"),
    ],
)
def test_a_signed_token_with_crit_is_refused(
    signer: ed25519.Ed25519PrivateKey, header: dict[str, Any], reason: str
) -> None:
    token = _credential_jwt(signer, **header)
    report = _report(token)
    assert report.status is Status.INVALID
    assert reason in _failed_structure(report)
    with pytest.raises(MalformedInput, match=r"crit|critical|extension"):
        jose.decode_compact(token)


def test_an_ob2_signed_token_with_crit_is_refused() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header = {"alg": "RS256", "crit": ["urn:example:policy"], "urn:example:policy": True}
    token = sign_compact(header, {"type": "Assertion"}, key)
    with pytest.raises(MalformedInput, match="does not understand"):
        jose.decode_compact(token)
    assert jose.decode_compact(sign_compact({"alg": "RS256"}, {"a": 1}, key)).header


def test_a_standard_parameter_of_the_wrong_type_is_malformed() -> None:
    with pytest.raises(MalformedInput, match="kid"):
        jose.decode_compact(_token({"alg": "EdDSA", "kid": 5}, {"a": 1}))
    with pytest.raises(MalformedInput, match="names no signature algorithm"):
        jose.decode_compact(_token({"typ": "JWT"}, {"a": 1}))


# ── the algorithm policy ─────────────────────────────────────────────────────────────────


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
P384_KEY = ec.generate_private_key(ec.SECP384R1())
KEYS: dict[str, jose.PrivateKey] = {
    "rsa": RSA_KEY,
    "p256": ec.generate_private_key(ec.SECP256R1()),
    "p384": P384_KEY,
    "ed25519": ed25519.Ed25519PrivateKey.generate(),
}
SIGNER_OF = {
    "RS256": "rsa",
    "RS384": "rsa",
    "RS512": "rsa",
    "PS256": "rsa",
    "ES256": "p256",
    "ES384": "p384",
    "EdDSA": "ed25519",
    "Ed25519": "ed25519",
}


def test_every_accepted_algorithm_verifies_only_with_a_key_of_its_kind() -> None:
    assert set(SIGNER_OF) == jose.SUPPORTED_ALGS
    for alg, kind in SIGNER_OF.items():
        jws = jose.decode_compact(sign_compact({"alg": alg}, {"a": 1}, KEYS[kind]))
        for other, key in KEYS.items():
            verified = jose.verify_signature(
                alg, key.public_key(), jws.signing_input, jws.signature
            )
            assert verified is (other == kind), (alg, other)
        tampered = jws.signing_input[:-2] + b"x" + jws.signing_input[-1:]
        assert not jose.verify_signature(alg, KEYS[kind].public_key(), tampered, jws.signature)


def test_an_es256_signature_by_a_p384_key_is_refused() -> None:
    """ES256 means P-256 with SHA-256 (RFC 7518 section 3.4): a P-384 key that signed SHA-256
    must not pass as ES256, though its signature is mathematically sound."""
    key = P384_KEY
    signing_input = f"{_b64(_json({'alg': 'ES256'}))}.{_b64(_json({'a': 1}))}".encode()
    der = key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
    key.public_key().verify(der, signing_input, ec.ECDSA(hashes.SHA256()))  # it is sound
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    assert not jose.verify_signature("ES256", key.public_key(), signing_input, signature)
    with pytest.raises(MalformedInput, match="cannot make ES256"):
        sign_compact({"alg": "ES256"}, {"a": 1}, key)


def test_a_ps256_signature_does_not_pass_as_rs256() -> None:
    key = RSA_KEY
    signing_input = f"{_b64(_json({'alg': 'RS256'}))}.{_b64(_json({'a': 1}))}".encode()
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    signature = key.sign(signing_input, pss, hashes.SHA256())
    assert jose.verify_signature("PS256", key.public_key(), signing_input, signature)
    assert not jose.verify_signature("RS256", key.public_key(), signing_input, signature)


@pytest.mark.parametrize("alg", ["none", "None", "HS256", "HS384", "HS512", "hs256"])
def test_none_and_hmac_are_refused_as_proving_nothing(alg: str) -> None:
    with pytest.raises(MalformedInput, match="proves nothing"):
        jose.check_alg(alg)


def test_a_public_key_used_as_an_hmac_secret_is_refused() -> None:
    public = RSA_KEY.public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_b64(_json({'alg': 'HS256'}))}.{_b64(_json({'a': 1}))}".encode()
    mac = hmac.new(pem, signing_input, hashlib.sha256).digest()
    with pytest.raises(MalformedInput, match="proves nothing"):
        jose.verify_signature("HS256", public, signing_input, mac)
    for kind in KEYS:  # no accepted algorithm lets the MAC through either
        for alg in jose.SUPPORTED_ALGS:
            assert not jose.verify_signature(alg, KEYS[kind].public_key(), signing_input, mac)


@pytest.mark.parametrize(
    "alg", ["ES512", "PS384", "PS512", "ES256K", "Ed448", "RSA-OAEP", "", "rs256"]
)
def test_unsupported_algorithms_are_refused(alg: str) -> None:
    with pytest.raises(MalformedInput, match="not supported"):
        jose.check_alg(alg)
    with pytest.raises(MalformedInput):
        jose.verify_signature(alg, RSA_KEY.public_key(), b"a.b", b"")


def test_an_algorithm_that_is_not_text_is_refused_in_a_sentence() -> None:
    with pytest.raises(MalformedInput) as raised:
        jose.check_alg(None)
    assert "None" not in str(raised.value)


def test_alg_none_token_is_invalid_end_to_end(signer: ed25519.Ed25519PrivateKey) -> None:
    signed = _credential_jwt(signer)
    assert _report(signed).status is Status.VERIFIED
    unsigned = f"{_b64(_json({'alg': 'none', 'typ': 'JWT'}))}.{signed.split('.')[1]}."
    report = _report(unsigned)
    assert report.status is Status.INVALID
    signature = next(c for c in report.checks if c.name is CheckName.SIGNATURE)
    assert "proves nothing" in signature.message


# ── JWKs through joserfc ─────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("jwk", [RFC7517_EC, RFC8037_OKP])
def test_rfc_example_keys_round_trip(jwk: dict[str, str]) -> None:
    assert jose.key_to_jwk(jose.jwk_to_key(dict(jwk))) == jwk
    assert list(jose.key_to_jwk(jose.jwk_to_key(dict(jwk)))) == list(jwk)  # kty first


def test_rsa_jwk_round_trips_with_kty_first() -> None:
    public = RSA_KEY.public_key()
    jwk = jose.key_to_jwk(public)
    assert list(jwk) == ["kty", "n", "e"] and jwk["e"] == "AQAB"
    assert jose.key_fingerprint(jose.jwk_to_key(jwk)) == jose.key_fingerprint(public)


def test_the_rfc8037_example_jws_verifies() -> None:
    jws = jose.decode_compact(RFC8037_JWS)
    assert jws.payload_bytes == b"Example of Ed25519 signing"
    key = jose.jwk_to_key(dict(RFC8037_OKP))
    assert jose.verify_signature("EdDSA", key, jws.signing_input, jws.signature)
    assert not jose.verify_signature("EdDSA", key, jws.signing_input + b"x", jws.signature)


def test_private_members_of_a_jwk_are_ignored() -> None:
    private = ec.derive_private_key(7, ec.SECP256R1())
    jwk = {**jose.key_to_jwk(private.public_key()), "d": _b64((7).to_bytes(32, "big"))}
    assert jose.key_fingerprint(jose.jwk_to_key(jwk)) == jose.key_fingerprint(private.public_key())


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "oct", "k": "c2VjcmV0"},  # a symmetric key never verifies anything
        {**RFC7517_EC, "crv": "P-521"},
        {**RFC7517_EC, "crv": "secp256k1"},
        {"kty": "OKP", "crv": "X25519", "x": RFC8037_OKP["x"]},
        {"kty": "OKP", "crv": "Ed448", "x": RFC8037_OKP["x"]},
        {"crv": "P-256", "x": RFC7517_EC["x"], "y": RFC7517_EC["y"]},  # no kty
        {**RFC7517_EC, "x": RFC7517_EC["x"] + "="},  # padded number
        {**RFC7517_EC, "y": RFC7517_EC["x"]},  # not on the curve
        {"kty": "EC", "crv": "P-256", "x": RFC7517_EC["x"]},  # no y
        {**RFC8037_OKP, "x": RFC8037_OKP["x"][:-4]},  # not 32 bytes
        {"kty": "RSA", "n": 12345, "e": "AQAB"},  # a number that is not text
    ],
)
def test_unusable_jwks_are_malformed(jwk: dict[str, Any]) -> None:
    with pytest.raises(MalformedInput):
        jose.jwk_to_key(jwk)
