"""Compact JWS/JWT: decoding, public keys from JWK/PEM, and signature verification.

Only asymmetric algorithms are accepted (RS256/384/512, PS256, ES256/384, EdDSA);
``alg: none`` and every HMAC algorithm are refused, so a public key can never be
used as an HMAC secret. Every JSON read here (a header, an embedded or ``did:jwk`` key)
goes through :func:`skills.verify.jsonsafe.loads_strict` with a small depth limit, so a
key nested thousands deep is refused as malformed input instead of exhausting the stack.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from skills.errors import InputError, MalformedInput
from skills.verify.jsonsafe import loads_strict

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

SUPPORTED_ALGS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA", "Ed25519"}
)
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}
MAX_TOKEN_CHARS = 1_000_000
#: Deepest nesting accepted in a JOSE header or a JWK (real ones nest two or three levels).
MAX_JOSE_JSON_DEPTH = 8


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; MalformedInput on bad characters."""
    if not isinstance(text, str):
        raise MalformedInput("A token segment is not text.")
    stripped = text.strip()
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedInput("A token segment is not valid base64url.") from exc


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class CompactJWS:
    """A decoded compact JWS. ``payload`` is parsed JSON when the payload is JSON, else bytes."""

    header: dict[str, Any]
    payload: Any
    payload_bytes: bytes
    signing_input: bytes
    signature: bytes
    token: str


def decode_compact(token: str) -> CompactJWS:
    """Split and decode ``header.payload.signature`` without verifying anything.

    Raises MalformedInput when the token does not have three base64url parts,
    or the header is not a JSON object.
    """
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS:
        raise MalformedInput("The token is too long to be a badge.")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise MalformedInput("This is not a compact JWS/JWT: it needs three dot-separated parts.")
    header = parse_header(parts[0])
    payload_bytes = b64url_decode(parts[1])
    payload: Any
    try:
        payload = loads_strict(payload_bytes)
    except MalformedInput:
        payload = payload_bytes
    return CompactJWS(
        header=header,
        payload=payload,
        payload_bytes=payload_bytes,
        signing_input=f"{parts[0]}.{parts[1]}".encode("ascii", "replace"),
        signature=b64url_decode(parts[2]) if parts[2] else b"",
        token=token,
    )


def parse_header(encoded: str) -> dict[str, Any]:
    """The JSON object a base64url JOSE header holds.

    Raises MalformedInput when it is not base64url, not strict JSON, nests deeper than
    :data:`MAX_JOSE_JSON_DEPTH` levels, or is not an object.
    """
    try:
        header = loads_strict(b64url_decode(encoded), max_depth=MAX_JOSE_JSON_DEPTH)
    except InputError as exc:
        raise MalformedInput(f"The token header is not acceptable JSON: {exc}") from exc
    if not isinstance(header, dict):
        raise MalformedInput("The token header is not a JSON object.")
    return header


def did_jwk_key(did: str) -> PublicKey:
    """The public key a ``did:jwk`` spells (any fragment ignored).

    Raises MalformedInput when the DID does not hold a strict, shallow JSON public key.
    """
    body = did.split("#", 1)[0].removeprefix("did:jwk:")
    try:
        jwk = loads_strict(b64url_decode(body), max_depth=MAX_JOSE_JSON_DEPTH)
    except InputError as exc:
        raise MalformedInput(f"The did:jwk does not hold a JSON key: {exc}") from exc
    if not isinstance(jwk, dict) or any(k in jwk for k in ("d", "p", "q", "k")):
        raise MalformedInput("The did:jwk does not hold a public JSON Web Key.")
    return jwk_to_key(jwk)


def _int_from_b64(value: Any) -> int:
    if not isinstance(value, str):
        raise MalformedInput("A JWK number is missing.")
    return int.from_bytes(b64url_decode(value), "big")


def jwk_to_key(jwk: dict[str, Any]) -> PublicKey:
    """A public key from a JWK (RSA, EC P-256/P-384, OKP Ed25519). Private members are ignored."""
    if not isinstance(jwk, dict):
        raise MalformedInput("The JWK is not a JSON object.")
    kty = jwk.get("kty")
    try:
        if kty == "RSA":
            return rsa.RSAPublicNumbers(
                _int_from_b64(jwk.get("e")), _int_from_b64(jwk.get("n"))
            ).public_key()
        if kty == "EC":
            curves: dict[str, ec.EllipticCurve] = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}
            curve = curves.get(str(jwk.get("crv")))
            if curve is None:
                raise MalformedInput(f"Unsupported elliptic curve {jwk.get('crv')!r}.")
            return ec.EllipticCurvePublicNumbers(
                _int_from_b64(jwk.get("x")), _int_from_b64(jwk.get("y")), curve
            ).public_key()
        if kty == "OKP" and jwk.get("crv") == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(str(jwk.get("x"))))
    except ValueError as exc:
        raise MalformedInput(f"The {kty} key in the JWK is not valid.") from exc
    raise MalformedInput(f"Unsupported key type {kty!r} in a JWK.")


def key_to_jwk(key: PublicKey) -> dict[str, str]:
    """The public JWK of a key (used by the demo issuers and tests)."""
    if isinstance(key, rsa.RSAPublicKey):
        nums = key.public_numbers()
        return {
            "kty": "RSA",
            "n": b64url_encode(nums.n.to_bytes((nums.n.bit_length() + 7) // 8, "big")),
            "e": b64url_encode(nums.e.to_bytes((nums.e.bit_length() + 7) // 8, "big")),
        }
    if isinstance(key, ec.EllipticCurvePublicKey):
        enc = key.public_numbers()
        size = (key.curve.key_size + 7) // 8
        crv = {"secp256r1": "P-256", "secp384r1": "P-384"}[key.curve.name]
        return {
            "kty": "EC",
            "crv": crv,
            "x": b64url_encode(enc.x.to_bytes(size, "big")),
            "y": b64url_encode(enc.y.to_bytes(size, "big")),
        }
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}


def pem_to_key(pem: str | bytes) -> PublicKey:
    """A public key from PEM text (SubjectPublicKeyInfo or PKCS#1 RSA)."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise MalformedInput("The public key is not a readable PEM key.") from exc
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise MalformedInput("The public key is of an unsupported type.")
    return key


def key_fingerprint(key: PublicKey) -> str:
    """A stable identity of a public key: its DER SubjectPublicKeyInfo, hex."""
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ).hex()


def check_alg(alg: Any) -> str:
    """The header's ``alg`` if it is one we accept; MalformedInput otherwise."""
    if not isinstance(alg, str) or alg not in SUPPORTED_ALGS:
        if isinstance(alg, str) and (alg.lower() == "none" or alg.upper().startswith("HS")):
            raise MalformedInput(f"The token uses '{alg}', which proves nothing about the issuer.")
        raise MalformedInput(f"The signature algorithm {alg!r} is not supported.")
    return alg


def verify_signature(alg: str, key: PublicKey, signing_input: bytes, signature: bytes) -> bool:
    """True when ``signature`` over ``signing_input`` verifies with ``key`` under ``alg``.

    The key type must fit the algorithm (an RSA key never verifies an ES256 token).
    """
    alg = check_alg(alg)
    try:
        if alg.startswith(("RS", "PS")) and isinstance(key, rsa.RSAPublicKey):
            h = _HASHES[alg[2:]]()
            pad: padding.AsymmetricPadding = (
                padding.PKCS1v15()
                if alg.startswith("RS")
                else padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size)
            )
            key.verify(signature, signing_input, pad, h)
            return True
        if alg.startswith("ES") and isinstance(key, ec.EllipticCurvePublicKey):
            size = (key.curve.key_size + 7) // 8
            if len(signature) != 2 * size:
                return False
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(_HASHES[alg[2:]]()))
            return True
        if alg in {"EdDSA", "Ed25519"} and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, signing_input)
            return True
    except InvalidSignature:
        return False
    return False


def sign_compact(header: dict[str, Any], payload: dict[str, Any] | bytes, key: PrivateKey) -> str:
    """Create a compact JWS (for the demo issuers and tests). ``alg`` must be in ``header``."""
    alg = check_alg(header.get("alg"))
    body = (
        payload
        if isinstance(payload, bytes)
        else json.dumps(payload, separators=(",", ":")).encode()
    )
    signing_input = (
        b64url_encode(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url_encode(body)
    ).encode("ascii")
    if isinstance(key, rsa.RSAPrivateKey):
        h = _HASHES[alg[2:]]()
        pad: padding.AsymmetricPadding = (
            padding.PKCS1v15()
            if alg.startswith("RS")
            else padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size)
        )
        sig = key.sign(signing_input, pad, h)
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        der = key.sign(signing_input, ec.ECDSA(_HASHES[alg[2:]]()))
        r, s = decode_dss_signature(der)
        size = (key.curve.key_size + 7) // 8
        sig = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    else:
        sig = key.sign(signing_input)
    return signing_input.decode("ascii") + "." + b64url_encode(sig)
