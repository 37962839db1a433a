"""Signing credentials, as the demo issuers and the tests issue them.

Each signer produces exactly what :mod:`skills.verify` checks, from the primitives the
verifier exports for that purpose (the data a Data Integrity proof signs, JOSE's algorithm
policy, multibase and base64url encodings), so a signed credential verifies by construction.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from skills.errors import MalformedInput
from skills.verify import (
    CURVE_HASHES,
    DI_SUITES,
    ECDSA_SUITES,
    JCS_SUITES,
    JWS_2018,
    LEGACY_TYPES,
    PrivateKey,
    b58encode,
    b64url_encode,
    hash_data,
    jcs_hash_data,
    sign_input,
)

_JWS_2018_HEADER = {"alg": "EdDSA", "b64": False, "crit": ["b64"]}


def sign_data_integrity(
    doc: Mapping[str, Any],
    private_key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey,
    verification_method: str,
    *,
    cryptosuite: str = "eddsa-rdfc-2022",
    created: str | None = None,
    purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """A copy of ``doc`` with a Data Integrity proof added (demo issuers and tests).

    ``cryptosuite`` is ``eddsa-rdfc-2022``, ``eddsa-2022``, ``eddsa-jcs-2022`` or
    ``ecdsa-rdfc-2019`` (a P-256 or P-384 key), or a legacy proof type,
    ``Ed25519Signature2020`` or ``Ed25519Signature2018`` (detached JWS). ``created``
    defaults to now (UTC, seconds); ``purpose`` is the ``proofPurpose`` (a presentation's
    holder signs for ``authentication``). An existing proof is replaced. Raises
    CanonicalizationError when the document cannot be canonicalised, MalformedInput for
    an unknown suite or a key that does not fit it.
    """
    if cryptosuite in DI_SUITES:
        proof: dict[str, Any] = {"type": "DataIntegrityProof", "cryptosuite": cryptosuite}
    elif cryptosuite in LEGACY_TYPES:
        proof = {"type": cryptosuite}
    else:
        raise MalformedInput(f"Unknown cryptosuite {cryptosuite!r}.")
    is_ec = isinstance(private_key, ec.EllipticCurvePrivateKey)
    if (cryptosuite in ECDSA_SUITES) != is_ec or (
        isinstance(private_key, ec.EllipticCurvePrivateKey)
        and private_key.curve.name not in CURVE_HASHES
    ):
        raise MalformedInput(f"The key does not fit the {cryptosuite} suite.")
    proof["created"] = created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    proof["verificationMethod"] = verification_method
    proof["proofPurpose"] = purpose
    unsecured = {k: copy.deepcopy(v) for k, v in doc.items() if k != "proof"}
    if cryptosuite in JCS_SUITES:
        if "@context" in unsecured:  # vc-di-eddsa: the proof keeps the document's context
            proof["@context"] = copy.deepcopy(unsecured["@context"])
        data = jcs_hash_data(unsecured, proof)
    else:
        config = dict(proof, **{"@context": unsecured.get("@context")})
        hash_name = "sha256"
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            hash_name = CURVE_HASHES[private_key.curve.name]
        data = hash_data(unsecured, config, hash_name=hash_name)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        algorithm: hashes.HashAlgorithm = (
            hashes.SHA384() if hash_name == "sha384" else hashes.SHA256()
        )
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(algorithm)))
        size = (private_key.curve.key_size + 7) // 8
        proof["proofValue"] = "z" + b58encode(r.to_bytes(size, "big") + s.to_bytes(size, "big"))
    elif cryptosuite == JWS_2018:
        header = b64url_encode(json.dumps(_JWS_2018_HEADER, separators=(",", ":")).encode())
        signature = private_key.sign(header.encode("ascii") + b"." + data)
        proof["jws"] = f"{header}..{b64url_encode(signature)}"
    else:
        proof["proofValue"] = "z" + b58encode(private_key.sign(data))
    return {**unsecured, "proof": proof}


def sign_compact(header: dict[str, Any], payload: dict[str, Any] | bytes, key: PrivateKey) -> str:
    """Create a compact JWS (for the demo issuers and tests). ``alg`` must be in ``header``.

    The header is written as given (a test may add ``crit`` to see it refused). Raises
    MalformedInput when ``alg`` is not accepted or the key does not fit it.
    """
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
    signature = sign_input(header.get("alg", ""), key, signing_input)
    return signing_input.decode("ascii") + "." + b64url_encode(signature)


def encode_bitstring(set_indices: set[int] | frozenset[int], length_bits: int = 131072) -> str:
    """The ``encodedList`` (``u`` + base64url(gzip)) with ``set_indices`` set (tests, demo)."""
    data = bytearray((length_bits + 7) // 8)
    for i in set_indices:
        data[i // 8] |= 0x80 >> (i % 8)
    raw = base64.urlsafe_b64encode(gzip.compress(bytes(data), mtime=0)).rstrip(b"=")
    return "u" + raw.decode("ascii")


__all__ = ["encode_bitstring", "sign_compact", "sign_data_integrity"]
