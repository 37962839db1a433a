"""OB 3.0 VC-JWT verification throughput on one core: Skill Atlas vs openbadgeslib.

1,000 distinct tokens per algorithm (RS256, ES256, EdDSA), issued by openbadgeslib's
``OB3Signer``. The issuer is the ``did:jwk`` of the signing key, so the token's embedded key is
bound to the issuer without any fetch. Ours runs every check of ``skills.verify.verify``
(contexts, safe mode, JSON Schema, structure, claims, key binding, signature, status, validity);
the peer is ``openbadgeslib.ob3.OB3Verifier(public_key).verify(token)`` on the same tokens.

"On one core" is measured as CPU time of this (single-threaded) process, best of
``REPEAT`` passes for each side after a warm-up, so other work on a shared machine does
not count against either side. Run: ``taskset -c 0 python benchmarks/bench_jwt.py``.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from _samples import NOW, sample_credential
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from openbadgeslib.ob3 import OB3Signer, OB3Verifier, did_jwk_from_jwk

from skills.verify import key_to_jwk, verify

ALGS = ("RS256", "ES256", "EdDSA")
REPEAT = 3


def _key(alg: str) -> Any:
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


def _tokens(alg: str, n: int) -> tuple[list[str], bytes]:
    key = _key(alg)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    did = did_jwk_from_jwk(key_to_jwk(key.public_key()))
    signer = OB3Signer(pem, algorithm=alg)
    tokens = []
    for i in range(n):
        cred = sample_credential(did, i)
        tokens.append(signer.sign(cred))
    return tokens, public_pem


def _ours(tokens: list[str]) -> float:
    """Verifications per CPU-second of ``verify`` over ``tokens`` (every one must pass)."""
    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404))) as client:
        start = time.process_time()
        for token in tokens:
            report = verify(token, client=client, now=NOW)
            if not report.ok:
                raise RuntimeError(report.summary)
        return len(tokens) / (time.process_time() - start)


def _peer(tokens: list[str], public_pem: bytes) -> float:
    verifier = OB3Verifier(public_pem)
    start = time.process_time()
    for token in tokens:
        verifier.verify(token)
    return len(tokens) / (time.process_time() - start)


def rows(n: int = 1000) -> list[dict[str, Any]]:
    """One row per algorithm: OB 3.0 VC-JWT verifications per second (one process, one core)."""
    out: list[dict[str, Any]] = []
    for alg in ALGS:
        tokens, public_pem = _tokens(alg, n)
        _ours(tokens[:20])  # warm caches (compiled schema, contexts) before timing
        ours = max(_ours(tokens) for _ in range(REPEAT))
        try:
            _peer(tokens[:20], public_pem)
            peer: float | str = max(_peer(tokens, public_pem) for _ in range(REPEAT))
        except Exception as exc:  # the peer is optional: report why it could not run
            peer = f"- ({type(exc).__name__})"
        out.append(
            {
                "what": f"OB 3.0 VC-JWT ({alg}) verifications per CPU-second, 1 core "
                f"(best of {REPEAT})",
                "size": n,
                "ours": round(ours),
                "peer": round(peer) if isinstance(peer, float) else peer,
                "ratio": f"{ours / peer:.1f}x" if isinstance(peer, float) else "-",
            }
        )
    return out


if __name__ == "__main__":
    for row in rows():
        print(row)
