"""Real OB 3.0 VC-JWT badges for store/ingest tests, issued with openbadgeslib.

The issuer is a ``did:jwk`` (no fetch needed to verify its key); revocation uses a
BitstringStatusList credential served by :class:`StatusServer` through
``httpx.MockTransport``, whose revoked indexes a test can change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from openbadgeslib.ob3 import (
    Achievement,
    Alignment,
    IdentityObject,
    Issuer,
    OB3Signer,
    OpenBadgeCredential,
    build_status_list_credential,
    did_jwk_from_jwk,
    sign_status_list_credential,
    status_entry,
)

from skills.store import Store
from skills.verify._keys.jose import key_to_jwk

LIST_URL = "https://issuer.example/status/1"
PYTHON_ESCO = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"


@dataclass
class BadgeIssuer:
    """An Ed25519 did:jwk issuer with a status list it can revoke entries in."""

    key: ed25519.Ed25519PrivateKey = field(default_factory=ed25519.Ed25519PrivateKey.generate)
    revoked: set[int] = field(default_factory=set)
    counter: int = 0

    @property
    def did(self) -> str:
        return did_jwk_from_jwk(key_to_jwk(self.key.public_key()))

    def _pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def badge(
        self,
        email: str,
        *,
        name: str = "Python Programming",
        skill_url: str | None = PYTHON_ESCO,
        skill_name: str = "Python (computer programming)",
        status_index: int | None = None,
        issued: datetime | None = None,
        expires: datetime | None = None,
    ) -> str:
        """A signed VC-JWT for ``email`` (hashed, salted) with one ESCO alignment."""
        self.counter += 1
        alignments = (
            [Alignment(target_name=skill_name, target_url=skill_url, target_framework="ESCO")]
            if skill_url
            else []
        )
        achievement = Achievement(
            id=f"https://issuer.example/achievements/{self.counter}",
            name=name,
            description=f"{name}: demonstrated in practice.",
            criteria_narrative="Passed the practical exam.",
            tags=[],
            achievement_type="Badge",
            alignments=alignments,
        )
        credential = OpenBadgeCredential(
            issuer=Issuer(id=self.did, name="Acme Academy", url="https://issuer.example"),
            recipient_id=None,
            achievement=achievement,
            id=f"urn:uuid:{uuid.uuid4()}",
            issuance_date=issued or datetime.now(UTC) - timedelta(days=30),
            expiration_date=expires,
            identifiers=[IdentityObject.create(email, salt="s4lt")],
            credential_status=[status_entry(LIST_URL, "revocation", status_index)]
            if status_index is not None
            else [],
        )
        token: str = OB3Signer(self._pem(), algorithm="EdDSA").sign(credential)
        return token

    def status_list(self) -> str:
        vc = build_status_list_credential(
            self.did,
            LIST_URL,
            "revocation",
            set(self.revoked),
            issued=datetime.now(UTC) - timedelta(days=1),
        )
        vc["validFrom"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        token: str = sign_status_list_credential(vc, self._pem(), "EdDSA")
        return token

    def client(self) -> httpx.Client:
        """A client serving this issuer's current status list (re-read on every request)."""

        def handler(request: httpx.Request) -> httpx.Response:
            if str(request.url) == LIST_URL:
                return httpx.Response(
                    200,
                    content=self.status_list().encode(),
                    headers={"content-type": "application/vc+jwt"},
                )
            return httpx.Response(404)

        return httpx.Client(transport=httpx.MockTransport(handler))


PEOPLE_CSV = "\n".join(
    [
        "person_id,name,kind,email,team,department,parent_department,role,manager_id,"
        "location,start_date,dids",
        "e1,Ada Lovelace,employee,ada@example.org,Data Platform,Engineering,Technology,"
        "Lead engineer,e0,London,2020-01-06,",
        "e0,Grace Hopper,employee,grace@example.org,Leadership,Engineering,Technology,"
        "CTO,,London,2018-03-01,",
        "e2,Alan Turing,employee,alan@example.org,Data Platform,Engineering,Technology,"
        "Engineer,e1,Manchester,2021-09-13,did:example:alan",
        "c1,Katherine Johnson,candidate,katherine@example.org,,,,,,Remote,,",
        "",
    ]
)


def trust_issuers(store: Store) -> None:
    """HR trusts every issuer on record (only a trusted issuer's badges count as held)."""
    from skills.store import set_issuer_trust

    for (issuer_id,) in store.rows("SELECT issuer_id FROM issuers"):
        set_issuer_trust(store, str(issuer_id), "trusted", actor="hr")
