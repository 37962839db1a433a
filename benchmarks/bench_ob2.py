"""OB 2.0 signed verification throughput on one core: Skill Atlas vs openbadgeslib.

1,000 distinct RS256 badges from one issuer whose profile, key, badge class and revocation
list are served through httpx.MockTransport (ours) or an in-memory ``download`` callable
(openbadgeslib's OB2Verifier). Both check the signature, the key's binding to the issuer,
expiry and the revocation list.

"On one core" is measured as CPU time of this (single-threaded) process, best of
``REPEAT`` passes for each side, each pass with a fresh client (so every issuer document is
fetched again through the mock transport), so other work on a shared machine does not count
against either side. Run: ``taskset -c 0 python benchmarks/bench_ob2.py``.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from openbadgeslib.keys import KeyRSA
from openbadgeslib.ob2 import (
    Assertion,
    BadgeClass,
    CryptographicKey,
    IdentityObject,
    OB2Signer,
    OB2Verifier,
    Profile,
    RevocationList,
    Verification,
)

from skills.verify import verify

BASE = "https://issuer.example"
ISSUER, KEY = f"{BASE}/issuer.json", f"{BASE}/key.json"
BADGE, REVOCATIONS = f"{BASE}/badge.json", f"{BASE}/revocations.json"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
REPEAT = 3


def _world(n: int) -> tuple[list[str], dict[str, bytes]]:
    private_pem, public_pem = KeyRSA(2048).generate_keypair()
    docs: dict[str, Any] = {
        ISSUER: Profile(
            id=ISSUER,
            name="Acme Academy",
            url=BASE,
            email="b@issuer.example",
            public_key=[KEY],
            revocation_list=REVOCATIONS,
        ).to_dict(),
        KEY: CryptographicKey(id=KEY, owner=ISSUER, public_key_pem=public_pem.decode()).to_dict(),
        BADGE: BadgeClass(
            id=BADGE,
            name="Python",
            description="Writes Python.",
            image=f"{BASE}/b.png",
            criteria=f"{BASE}/criteria",
            issuer=ISSUER,
        ).to_dict(),
        REVOCATIONS: RevocationList(
            id=REVOCATIONS, issuer=ISSUER, revoked_assertions=["urn:uuid:nobody"]
        ).to_dict(),
    }
    signer = OB2Signer(private_pem, "RS256")
    tokens = [
        signer.sign(
            Assertion(
                recipient=IdentityObject.create(f"person{i}@example.org", f"salt{i}"),
                badge=BADGE,
                verification=Verification(type="SignedBadge", creator=KEY),
                issued_on=datetime(2025, 1, 1, tzinfo=UTC),
            )
        )
        for i in range(n)
    ]
    return tokens, {url: json.dumps(doc).encode() for url, doc in docs.items()}


def _ours(tokens: list[str], served: dict[str, bytes]) -> float:
    def handler(request: httpx.Request) -> httpx.Response:
        body = served.get(str(request.url))
        if body is None:
            return httpx.Response(404)
        return httpx.Response(200, content=body, headers={"content-type": "application/ld+json"})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        start = time.process_time()
        for token in tokens:
            report = verify(token, client=client, now=NOW)
            if not report.ok:
                raise RuntimeError(report.summary)
        return len(tokens) / (time.process_time() - start)


def _peer(tokens: list[str], served: dict[str, bytes]) -> float:
    verifier = OB2Verifier(download=lambda url: served[url])
    start = time.process_time()
    for token in tokens:
        verifier.verify(token, check_revocation=True)
    return len(tokens) / (time.process_time() - start)


def rows(n: int = 1000) -> list[dict[str, Any]]:
    """One row: OB 2.0 signed verifications per second (single process, one core)."""
    tokens, served = _world(n)
    _ours(tokens[:20], served)  # import the verifiers before timing
    ours = max(_ours(tokens, served) for _ in range(REPEAT))
    try:
        _peer(tokens[:20], served)
        peer: float | str = max(_peer(tokens, served) for _ in range(REPEAT))
    except Exception as exc:  # the peer is optional: report why it could not run
        peer = f"- ({type(exc).__name__})"
    ratio = f"{ours / peer:.1f}x" if isinstance(peer, float) else "-"
    return [
        {
            "what": "OB 2.0 signed (RS256) verifications per CPU-second, 1 core "
            f"(best of {REPEAT})",
            "size": n,
            "ours": round(ours),
            "peer": round(peer) if isinstance(peer, float) else peer,
            "ratio": ratio,
        }
    ]


if __name__ == "__main__":
    for row in rows():
        print(row)
