"""Signed CLR 2.0 transcripts and verifiable presentations for the envelope tests.

Every credential is an OB 3.0 AchievementCredential with an ``eddsa-rdfc-2022`` proof by a
fresh ``did:key`` issuer (no fetch needed to bind its key), aligned to one ESCO skill.
A presentation is signed by a ``did:key`` holder with proof purpose ``authentication``;
a VP-JWT with EdDSA and the holder's did:key as ``kid``.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from skills.demo.signing import sign_compact, sign_data_integrity
from skills.verify._keys.dids import b58encode, did_key_for
from skills.verify.ob3._proof import hash_data

PYTHON_ESCO = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL_ESCO = "http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742"
TEAMWORK_ESCO = "http://data.europa.eu/esco/skill/60c78287-22eb-4103-9c8c-28deaa460da0"
SKILLS = (
    ("Python Programming", "Python (computer programming)", PYTHON_ESCO),
    ("Databases with SQL", "SQL", SQL_ESCO),
    ("Working in Teams", "work in teams", TEAMWORK_ESCO),
)
OB3_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
]
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"


@dataclass
class DidKey:
    """An Ed25519 key and its did:key."""

    key: ed25519.Ed25519PrivateKey = field(default_factory=ed25519.Ed25519PrivateKey.generate)

    @property
    def did(self) -> str:
        return did_key_for(self.key.public_key())

    @property
    def vm(self) -> str:
        return f"{self.did}#{self.did.removeprefix('did:key:')}"


def achievement_credential(
    issuer: DidKey, subject_id: str, name: str, skill: str, skill_url: str
) -> dict[str, Any]:
    """A signed OB 3.0 AchievementCredential for ``subject_id`` aligned to one ESCO skill."""
    doc: dict[str, Any] = {
        "@context": list(OB3_CONTEXTS),
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": name,
        "issuer": {"id": issuer.did, "type": ["Profile"], "name": "Acme University"},
        "validFrom": "2024-01-15T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "id": subject_id,
            "achievement": {
                "id": f"https://university.example/achievements/{uuid.uuid4()}",
                "type": ["Achievement"],
                "name": name,
                "description": f"{name}: passed the course.",
                "criteria": {"narrative": "Passed the final exam."},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": skill,
                        "targetUrl": skill_url,
                        "targetFramework": "ESCO",
                    }
                ],
            },
        },
    }
    return sign_data_integrity(doc, issuer.key, issuer.vm, created="2024-01-15T00:00:00Z")


def three_badges(issuer: DidKey, subject_id: str) -> list[dict[str, Any]]:
    return [achievement_credential(issuer, subject_id, *entry) for entry in SKILLS]


def tampered(credential: dict[str, Any]) -> dict[str, Any]:
    """``credential`` with its achievement renamed after signing (its proof no longer holds)."""
    out = copy.deepcopy(credential)
    out["credentialSubject"]["achievement"]["name"] = "Rocket Science"
    return out


def clr(
    issuer: DidKey, subject_id: str, members: list[Any], *, sign: bool = True
) -> dict[str, Any]:
    """A CLR 2.0 ClrCredential holding ``members``; signed by ``issuer`` when ``sign``
    (signing needs the CLR context to be bundled)."""
    doc: dict[str, Any] = {
        "@context": [OB3_CONTEXTS[0], CLR_CONTEXT, *OB3_CONTEXTS[1:]],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": issuer.did, "type": ["Profile"], "name": "Acme University"},
        "name": "Transcript of Ada Lovelace",
        "validFrom": "2024-06-01T00:00:00Z",
        "credentialSubject": {
            "id": subject_id,
            "type": ["ClrSubject"],
            "verifiableCredential": members,
        },
    }
    if not sign:
        return doc
    return sign_data_integrity(doc, issuer.key, issuer.vm, created="2024-06-01T00:00:00Z")


def sign_presentation(doc: dict[str, Any], holder: DidKey) -> dict[str, Any]:
    """``doc`` with an eddsa-rdfc-2022 proof for purpose ``authentication`` by ``holder``."""
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2024-07-01T00:00:00Z",
        "verificationMethod": holder.vm,
        "proofPurpose": "authentication",
    }
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    config = dict(proof, **{"@context": unsecured["@context"]})
    proof["proofValue"] = "z" + b58encode(holder.key.sign(hash_data(unsecured, config)))
    return {**unsecured, "proof": proof}


def presentation(holder: DidKey, members: list[Any], *, sign: bool = True) -> dict[str, Any]:
    """A VC 2.0 VerifiablePresentation by ``holder`` (signed unless ``sign`` is False)."""
    doc: dict[str, Any] = {
        "@context": [OB3_CONTEXTS[0]],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiablePresentation"],
        "holder": holder.did,
        "verifiableCredential": members,
    }
    return sign_presentation(doc, holder) if sign else doc


def vp_jwt(holder: DidKey, members: list[Any], *, signer: DidKey | None = None) -> str:
    """A VP-JWT (``vp`` claim, ``iss`` = holder) signed EdDSA by ``signer`` (default: the
    holder), with the signer's did:key as ``kid``."""
    key = signer or holder
    payload = {
        "iss": holder.did,
        "jti": f"urn:uuid:{uuid.uuid4()}",
        "vp": {
            "@context": [OB3_CONTEXTS[0]],
            "type": ["VerifiablePresentation"],
            "holder": holder.did,
            "verifiableCredential": members,
        },
    }
    header = {"alg": "EdDSA", "typ": "JWT", "kid": key.vm}
    return sign_compact(header, payload, key.key)


def as_bytes(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()
