"""Compact JWS/JWT: decoding, public keys from JWK/PEM, and signature verification.

The JOSE mechanics come from the maintained ``joserfc`` library: strict base64url, the
compact serialization, JWK import and export, the JWS header registry and the JWA
signature algorithms. The policy stays here:

- base64url is strict (RFC 7515 section 2): the URL-safe alphabet only, no ``=`` padding,
  no whitespace, and no stray bits in the last character, so every value has one spelling
  and ``ab!!cd`` is refused instead of read as ``abcd``.
- Only asymmetric algorithms are accepted (RS256/384/512, PS256, ES256/384, EdDSA and
  Ed25519), and joserfc's registry is built with exactly that list; ``alg: none`` and every
  HMAC algorithm are refused, so a public key can never be used as an HMAC secret. The key
  must fit the algorithm: an RSA key never verifies an ES256 token, nor a P-384 key an ES256
  one.
- A compact token whose protected header has ``crit`` is refused (RFC 7515 section 4.1.11):
  no JWS extension is understood here (:data:`UNDERSTOOD_CRITICAL` is empty), and a ``crit``
  that is not a non-empty list of names the header carries is malformed.
- Every JSON read here (a header, an embedded or ``did:jwk`` key) goes through
  :func:`skills.jsondata.loads_strict` with a small depth limit before joserfc sees
  it, so a key nested thousands deep is refused as malformed input instead of exhausting
  the stack.
- Which key may sign for which issuer is not decided here: see :mod:`skills.verify._keys.dids`
  and :mod:`skills.verify.ob3._jwt`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc import jws as _jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwa import JWSAlgModel
from joserfc.jwk import ECKey, OKPKey, RSAKey
from joserfc.util import urlsafe_b64decode, urlsafe_b64encode

from skills.errors import InputError, MalformedInput
from skills.jsondata import loads_strict

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

SUPPORTED_ALGS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA", "Ed25519"}
)
MAX_TOKEN_CHARS = 1_000_000
# The standard header parameters (RFC 7515 section 4.1) and what each must be, in words.
_HEADER_KINDS: tuple[tuple[str, type, str], ...] = (
    ("alg", str, "text"),
    ("kid", str, "text"),
    ("typ", str, "text"),
    ("cty", str, "text"),
    ("jku", str, "text"),
    ("x5u", str, "text"),
    ("x5t", str, "text"),
    ("x5t#S256", str, "text"),
    ("jwk", dict, "an object"),
    ("x5c", list, "a list"),
    ("crit", list, "a list"),
)
#: Deepest nesting accepted in a JOSE header or a JWK (real ones nest two or three levels).
MAX_JOSE_JSON_DEPTH = 8
#: JWS extensions a compact token may list in ``crit`` and still be accepted: none. RFC 7797
#: ``b64`` is not among them (a compact token's payload is always base64url here); the
#: detached ``b64: false`` JWS of Ed25519Signature2018 is read by :mod:`skills.verify.ob3._proof`.
UNDERSTOOD_CRITICAL: frozenset[str] = frozenset()
#: JWK members that only a private or secret key has (RFC 7518 section 6).
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
#: The curve each ECDSA algorithm requires (RFC 7518 section 3.4).
_EC_CURVE_OF_ALG = {"ES256": "secp256r1", "ES384": "secp384r1"}
_JWK_CURVES = {"EC": ("P-256", "P-384"), "OKP": ("Ed25519",)}
_JWK_PUBLIC_MEMBERS = {"RSA": ("n", "e"), "EC": ("crv", "x", "y"), "OKP": ("crv", "x")}


class _Registry(_jws.JWSRegistry):
    """joserfc's JWS registry as Skill Atlas reads compact tokens: the standard RFC 7515
    header parameters without the RFC 7797 ``b64`` extension, unknown (non-critical)
    parameters ignored as RFC 7515 requires, and only the given algorithms."""

    def __init__(self, algorithms: list[str]) -> None:
        super().__init__(algorithms=algorithms, strict_check_header=False)
        self.header_registry.pop("b64", None)


#: The registry every token is read with; only :data:`SUPPORTED_ALGS` are allowed in it.
_REGISTRY = _Registry(sorted(SUPPORTED_ALGS))


def _algorithm_models() -> dict[str, JWSAlgModel]:
    with warnings.catch_warnings():
        # joserfc warns once per call that RFC 9864 prefers "Ed25519" to "EdDSA"; both are
        # accepted here (1EdTech's examples and openbadgeslib sign with EdDSA).
        warnings.simplefilter("ignore", SecurityWarning)
        return {alg: _REGISTRY.get_alg(alg) for alg in SUPPORTED_ALGS}


_ALG_MODELS = _algorithm_models()


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url strictly (RFC 7515 section 2, joserfc's decoder).

    Raises MalformedInput for a character outside ``A-Z a-z 0-9 - _`` (``+``, ``/``, ``!``,
    any whitespace, non-ASCII), for ``=`` padding, for a length no encoding produces, and
    for a last character with stray low bits: every byte string has exactly one spelling.
    """
    if not isinstance(text, str):
        raise MalformedInput("A token segment is not text.")
    try:
        return urlsafe_b64decode(text.encode("ascii"))
    except ValueError as exc:  # binascii.Error and UnicodeEncodeError are ValueErrors
        raise MalformedInput(
            "A token segment is not valid base64url (only letters, digits, '-' and '_', "
            "without padding or spaces)."
        ) from exc


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url of ``data`` (the only spelling :func:`b64url_decode` accepts)."""
    return urlsafe_b64encode(data).decode("ascii")


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
    """Split and decode ``header.payload.signature`` without verifying the signature.

    The header is read by :func:`parse_header` (strict, depth-limited JSON), then must pass
    :func:`check_critical` and joserfc's registry check of the standard parameters (``alg``
    present and text; ``kid``, ``typ``, ``cty`` text; ``jwk`` an object ...). Every segment
    is strict base64url (:func:`b64url_decode`); the payload is parsed JSON when it is
    strict JSON, else bytes. Raises MalformedInput when the token is too long, does not have
    three parts, or fails any of these checks.
    """
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS:
        raise MalformedInput("The token is too long to be a badge.")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise MalformedInput("This is not a compact JWS/JWT: it needs three dot-separated parts.")
    header = parse_header(parts[0])
    check_critical(header)
    if "alg" not in header:
        raise MalformedInput("The token header names no signature algorithm (alg).")
    for name, kind, words in _HEADER_KINDS:
        if name in header and not isinstance(header[name], kind):
            raise MalformedInput(f"The token header's {name} must be {words}.")
    try:
        _REGISTRY.check_header(header)
    except JoseError as exc:
        raise MalformedInput(
            "The token header has a standard parameter of the wrong kind."
        ) from exc
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
        signing_input=f"{parts[0]}.{parts[1]}".encode("ascii"),
        signature=b64url_decode(parts[2]) if parts[2] else b"",
        token=token,
    )


def _names(names: list[str]) -> str:
    """Header names for a message: quoted, shortened, at most five."""
    shown = ", ".join(f'"{name[:40]}"' for name in names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def check_critical(header: Mapping[str, Any]) -> None:
    """Refuse a protected header whose ``crit`` we cannot honour (RFC 7515 section 4.1.11).

    Nothing happens when there is no ``crit``. Raises MalformedInput when ``crit`` is not a
    non-empty list of distinct names, names a parameter the header does not carry, names a
    standard RFC 7515 parameter (never an extension), or names an extension not in
    :data:`UNDERSTOOD_CRITICAL` (today every extension, RFC 7797 ``b64`` included).
    """
    if "crit" not in header:
        return
    crit = header["crit"]
    if (
        not isinstance(crit, list)
        or not crit
        or not all(isinstance(name, str) and name for name in crit)
        or len(set(crit)) != len(crit)
    ):
        raise MalformedInput(
            "The token header's crit member must be a non-empty list of distinct header names."
        )
    missing = [name for name in crit if name not in header]
    if missing:
        raise MalformedInput(
            f"The token header marks {_names(missing)} as critical but does not carry "
            f"{'it' if len(missing) == 1 else 'them'}."
        )
    standard = [name for name in crit if name in _REGISTRY.header_registry]
    if standard:
        raise MalformedInput(
            f"The token header marks the standard parameter {_names(standard)} as critical; "
            "only extensions may be listed in crit."
        )
    unknown = [name for name in crit if name not in UNDERSTOOD_CRITICAL]
    if unknown:
        raise MalformedInput(
            f"The token requires the JWS extension {_names(unknown)}, which this verifier "
            "does not understand, so it cannot be trusted."
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


def did_jwk_public_jwk(did: str) -> dict[str, Any]:
    """The public JWK a ``did:jwk`` spells, as a JSON object (any fragment ignored).

    Raises MalformedInput when the method-specific id is not strict base64url of strict
    JSON nested at most :data:`MAX_JOSE_JSON_DEPTH` levels, is not an object, or carries
    private key material (a did:jwk names a public key).
    """
    body = did.split("#", 1)[0].removeprefix("did:jwk:")
    try:
        jwk = loads_strict(b64url_decode(body), max_depth=MAX_JOSE_JSON_DEPTH)
    except InputError as exc:
        raise MalformedInput(f"The did:jwk does not hold a JSON Web Key: {exc}") from exc
    if not isinstance(jwk, dict) or any(k in jwk for k in PRIVATE_JWK_MEMBERS):
        raise MalformedInput("The did:jwk does not hold a public JSON Web Key.")
    return jwk


def did_jwk_key(did: str) -> PublicKey:
    """The public key a ``did:jwk`` spells (any fragment ignored).

    Raises MalformedInput when the DID does not hold a strict, shallow JSON public key of a
    supported type (see :func:`did_jwk_public_jwk` and :func:`jwk_to_key`).
    """
    return jwk_to_key(did_jwk_public_jwk(did))


def jwk_to_key(jwk: dict[str, Any]) -> PublicKey:
    """A public key from a JWK: RSA, EC P-256/P-384 or OKP Ed25519, imported by joserfc.

    Only the public members are read (private members and metadata such as ``use`` are
    ignored); numbers must be strict base64url. Raises MalformedInput for another key type
    or curve, a missing or malformed member, or an EC point that is not on its curve.
    """
    if not isinstance(jwk, dict):
        raise MalformedInput("The JWK is not a JSON object.")
    kty = jwk.get("kty")
    if not isinstance(kty, str) or kty not in _JWK_PUBLIC_MEMBERS:
        raise MalformedInput("The JWK's key type is not one we read (RSA, EC or OKP).")
    curves = _JWK_CURVES.get(kty)
    if curves is not None and jwk.get("crv") not in curves:
        raise MalformedInput(
            f"The {kty} key in the JWK is not on a supported curve ({', '.join(curves)})."
        )
    public = {"kty": kty, **{m: jwk[m] for m in _JWK_PUBLIC_MEMBERS[kty] if m in jwk}}
    key: Any
    try:
        if kty == "RSA":
            key = RSAKey.import_key(public).public_key
        elif kty == "EC":
            key = ECKey.import_key(public).public_key
        else:
            key = OKPKey.import_key(public).public_key
    except (JoseError, ValueError, TypeError) as exc:
        raise MalformedInput(f"The {kty} key in the JWK is not valid.") from exc
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise MalformedInput(f"The {kty} key in the JWK is not of a supported type.")
    return key


JoseKey = RSAKey | ECKey | OKPKey
#: joserfc key objects by ``id()`` of the public ``cryptography`` key they wrap. Each entry
#: holds that key too, so its id cannot be reused while the entry lives; a key object used
#: again (an issuer's key, cached by :mod:`skills.verify.ob3._jwt`) is wrapped once.
#: Private keys are never kept here.
_JOSE_KEYS: dict[int, tuple[PublicKey, JoseKey]] = {}
_MAX_JOSE_KEYS = 256


def _wrap(key: PublicKey | PrivateKey) -> JoseKey:
    """joserfc's key object for a ``cryptography`` key (no copy of the key material)."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return RSAKey.import_key(key)
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return ECKey.import_key(key)
    return OKPKey.import_key(key)


def _jose_public_key(key: PublicKey) -> JoseKey:
    """:func:`_wrap` for a public key, remembered per key object (see ``_JOSE_KEYS``)."""
    entry = _JOSE_KEYS.get(id(key))
    if entry is not None and entry[0] is key:
        return entry[1]
    wrapped = _wrap(key)
    if len(_JOSE_KEYS) >= _MAX_JOSE_KEYS:
        _JOSE_KEYS.clear()
    _JOSE_KEYS[id(key)] = (key, wrapped)
    return wrapped


def key_to_jwk(key: PublicKey) -> dict[str, str]:
    """The public JWK of a key, ``kty`` first (used by the demo issuers and tests).

    RSA gives ``kty, n, e``; EC ``kty, crv, x, y`` with fixed-size coordinates; Ed25519
    ``kty, crv, x``. Raises MalformedInput for an elliptic curve other than P-256/P-384.
    """
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name not in (
        _EC_CURVE_OF_ALG.values()
    ):
        raise MalformedInput("Only P-256 and P-384 elliptic-curve keys have a JWK here.")
    exported = _wrap(key).as_dict(private=False)
    return {"kty": str(exported.pop("kty")), **{k: str(v) for k, v in exported.items()}}


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
    """The header's ``alg`` if it is one we accept; MalformedInput otherwise.

    ``none`` and the HMAC algorithms get their own sentence: such a token proves nothing
    about its issuer (with HMAC, anyone holding the public key could have made it).
    """
    if not isinstance(alg, str):
        raise MalformedInput("The token does not name its signature algorithm as text.")
    if alg not in SUPPORTED_ALGS:
        if alg.lower() == "none" or alg.upper().startswith("HS"):
            raise MalformedInput(
                f"The token uses '{alg[:40]}', which proves nothing about the issuer."
            )
        raise MalformedInput(f"The signature algorithm '{alg[:40]}' is not supported.")
    return alg


def key_fits(alg: str, key: PublicKey | PrivateKey) -> bool:
    """True when ``key`` is of the type (and curve) ``alg`` requires: RSA for RS*/PS*,
    P-256 for ES256, P-384 for ES384, Ed25519 for EdDSA/Ed25519."""
    if alg.startswith(("RS", "PS")):
        return isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey)
    if alg in _EC_CURVE_OF_ALG:
        return (
            isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey)
            and key.curve.name == _EC_CURVE_OF_ALG[alg]
        )
    return isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey)


def verify_signature(alg: str, key: PublicKey, signing_input: bytes, signature: bytes) -> bool:
    """True when ``signature`` over ``signing_input`` verifies with ``key`` under ``alg``.

    Raises MalformedInput when ``alg`` is not accepted (:func:`check_alg`). False when the
    key does not fit the algorithm (:func:`key_fits`, checked again by joserfc: an RSA key
    never verifies an ES256 token) or the signature does not match.
    """
    alg = check_alg(alg)
    if not key_fits(alg, key):
        return False
    model = _ALG_MODELS[alg]
    try:
        jose_key = _jose_public_key(key)
        model.check_key(jose_key)
        return bool(model.verify(signing_input, signature, jose_key))
    except JoseError:
        return False


def sign_input(alg: str, key: PrivateKey, signing_input: bytes) -> bytes:
    """The ``alg`` signature of ``signing_input`` with ``key`` (issuers: the demo, tests).

    Raises MalformedInput when ``alg`` is not accepted or the key does not fit it.
    """
    alg = check_alg(alg)
    if not key_fits(alg, key):
        raise MalformedInput(f"This key cannot make {alg} signatures.")
    return bytes(_ALG_MODELS[alg].sign(signing_input, _wrap(key)))
