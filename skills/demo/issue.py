"""Issuing the demo badges: issuer profiles, badge classes, keys, revocation and status
lists written as hosted files, and each credential signed in its issuer's format.

Formats: OB 2.0 hosted (assertion served at its id), OB 2.0 signed (RS256 compact JWS,
key listed in the issuer profile, a ``revocationList``), OB 3.0 with an
``eddsa-rdfc-2022`` Data Integrity proof by a did:key issuer (a signed
``BitstringStatusListCredential``), OB 3.0 VC-JWT (RS256, the key listed in the issuer
profile, a ``1EdTechRevocationList``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from skills.demo.catalogue import ESCO_FRAMEWORK, AchievementSpec, org_skill_uri
from skills.demo.inputs import IssuerSpec
from skills.demo.keys import derived_ed25519, did_key, did_key_vm, issuer_rsa_key, public_pem
from skills.demo.signing import sign_compact
from skills.verify import b64url_encode, key_to_jwk

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
OB3_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)


def iso(moment: datetime) -> str:
    """``2025-01-02T03:04:05Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def hashed_email(email: str, salt: str) -> str:
    """``sha256$`` + hex SHA-256 of the e-mail followed by the salt (OB recipient hashing)."""
    return "sha256$" + hashlib.sha256((email + salt).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Award:
    """One credential to issue: who, what, when, and what is special about it.

    ``special``: "" (an ordinary badge), ``revoked``, ``tampered`` (changed after
    signing), ``foreign`` (issued to someone else, submitted by this person),
    ``expired``, ``not_yet_valid``, ``missing`` (a hosted badge its issuer no longer
    serves) or ``unreachable`` (an OB 3.0 badge whose status list is not served, so
    whether it was revoked cannot be known). ``delivery``: ``json``, ``url`` (hosted
    OB 2.0 only), ``png`` or ``svg``.
    """

    uid: str
    achievement: AchievementSpec
    email: str  # the identity the badge is issued to
    did: str | None
    issued: datetime
    expires: datetime | None
    special: str
    delivery: str
    status_index: int | None = None  # OB 3.0 DI: position in the issuer's status list


@dataclass
class IssuerKit:
    """An issuer's identity and keys plus what its hosted folder must contain."""

    spec: IssuerSpec
    folder: Path
    issuer_id: str
    ed_key: ed25519.Ed25519PrivateKey | None = None
    rsa_key: rsa.RSAPrivateKey | None = None
    revoked: list[tuple[str, str]] = field(default_factory=list)  # (credential id, reason)
    status_bits: set[int] = field(default_factory=set)

    @property
    def base(self) -> str:
        return self.spec.base_url

    def profile_url(self) -> str:
        return self.base + "issuer.json"


def make_kit(spec: IssuerSpec, hosted_root: Path) -> IssuerKit:
    """The issuer's kit; its files go to ``hosted_root/<host>/``."""
    folder = hosted_root / spec.host
    if spec.format == "ob3-di":
        key = derived_ed25519(f"issuer/{spec.slug}")
        return IssuerKit(spec, folder, did_key(key.public_key()), ed_key=key)
    if spec.format == "ob3-jwt":
        return IssuerKit(
            spec, folder, f"https://{spec.host}/issuer", rsa_key=issuer_rsa_key(spec.slug)
        )
    kit = IssuerKit(spec, folder, f"https://{spec.host}/issuer.json")
    if spec.format == "ob2-signed":
        kit.rsa_key = issuer_rsa_key(spec.slug)
    return kit


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")


def badge_class_url(kit: IssuerKit, ach: AchievementSpec) -> str:
    return f"{kit.base}badges/{ach.slug}.json"


def _ob2_alignments(kit: IssuerKit, ach: AchievementSpec) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for ref in ach.skills:
        if ach.style == "esco-alignment" and ref.uri:
            out.append(
                {
                    "targetName": ref.label,
                    "targetUrl": ref.uri,
                    "targetFramework": ESCO_FRAMEWORK,
                    "targetCode": ref.uri.rsplit("/", 1)[-1],
                }
            )
        elif ach.style == "free-text":
            out.append(
                {
                    "targetName": ref.stated_as,
                    "targetUrl": f"{kit.base}skills/{ref.stated_as.replace(' ', '-').lower()}",
                    "targetFramework": f"{kit.spec.name} skills framework",
                }
            )
        elif ach.style == "org":
            out.append(
                {
                    "targetName": ref.label,
                    "targetUrl": f"{kit.base}skills/{org_skill_uri(ref.label).split('/')[-1]}",
                    "targetFramework": "Meridian skills",
                    "targetDescription": ach.description,
                }
            )
    return out


def ob2_badge_class(kit: IssuerKit, ach: AchievementSpec) -> dict[str, Any]:
    """The hosted OB 2.0 BadgeClass of ``ach``."""
    doc: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url(kit, ach),
        "name": ach.name,
        "description": ach.description,
        "image": f"{kit.base}images/badge.png",
        "criteria": {"narrative": f"Pass the {kit.spec.name} assessment for {ach.name}."},
        "issuer": kit.profile_url(),
    }
    alignments = _ob2_alignments(kit, ach)
    if alignments:
        doc["alignment"] = alignments
    if ach.tags:
        doc["tags"] = list(ach.tags)
    if ach.style == "esco-extension":
        ref = ach.skills[0]
        # Extension keys are compact IRIs: plain terms would be undefined in the OB v2
        # context and dropped by JSON-LD processing (the verifier's safe-mode check).
        doc["extensions:CompetencyExtension"] = {
            "type": ["Extension", "extensions:CompetencyExtension"],
            "extensions:name": ref.label,
            "extensions:escoID": ref.uri,
            "extensions:category": "skill",
        }
    return doc


def write_issuer_files(kit: IssuerKit, achievements: list[AchievementSpec], png: bytes) -> None:
    """Write the issuer's profile, badge classes, keys and revocation/status lists.

    Call after every award of the issuer has been issued (the lists need the revoked
    ids). Overwrites existing files.
    """
    spec = kit.spec
    _write(kit.folder / "images" / "badge.png", png)
    if spec.format.startswith("ob2"):
        profile: dict[str, Any] = {
            "@context": OB2_CONTEXT,
            "type": "Issuer",
            "id": kit.profile_url(),
            "name": spec.name,
            "url": kit.base,
            "email": f"badges@{spec.host}",
        }
        if spec.format == "ob2-signed" and kit.rsa_key is not None:
            key_url = f"{kit.base}keys/key-1.json"
            profile["publicKey"] = key_url
            profile["revocationList"] = f"{kit.base}revocations.json"
            _write(
                kit.folder / "keys" / "key-1.json",
                {
                    "@context": OB2_CONTEXT,
                    "type": "CryptographicKey",
                    "id": key_url,
                    "owner": kit.profile_url(),
                    "publicKeyPem": public_pem(kit.rsa_key),
                },
            )
            _write(
                kit.folder / "revocations.json",
                {
                    "@context": OB2_CONTEXT,
                    "type": "RevocationList",
                    "id": f"{kit.base}revocations.json",
                    "issuer": kit.profile_url(),
                    "revokedAssertions": [
                        {"id": cid, "revocationReason": why} for cid, why in kit.revoked
                    ],
                },
            )
        _write(kit.folder / "issuer.json", profile)
        for ach in achievements:
            _write(kit.folder / "badges" / f"{ach.slug}.json", ob2_badge_class(kit, ach))
    elif spec.format == "ob3-jwt" and kit.rsa_key is not None:
        _write(
            kit.folder / "issuer.json",
            {
                "@context": [VC2_CONTEXT, OB3_CONTEXT],
                "id": kit.issuer_id,
                "type": ["Profile"],
                "name": spec.name,
                "url": kit.base,
                "email": f"badges@{spec.host}",
                "verificationMethod": [
                    {
                        "id": f"{kit.issuer_id}#key-1",
                        "type": "JsonWebKey",
                        "controller": kit.issuer_id,
                        "publicKeyJwk": key_to_jwk(kit.rsa_key.public_key()),
                    }
                ],
            },
        )
        _write(
            kit.folder / "revocations.json",
            {
                "id": f"{kit.base}revocations.json",
                "issuer": kit.issuer_id,
                "revokedCredentials": [
                    {"id": cid, "revocationReason": why} for cid, why in kit.revoked
                ],
            },
        )
    elif spec.format == "ob3-di" and kit.ed_key is not None:
        from skills.demo.signing import encode_bitstring, sign_data_integrity

        url = f"{kit.base}status/1.json"
        status_list = {
            "@context": [VC2_CONTEXT],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": kit.issuer_id,
            "validFrom": "2023-01-01T00:00:00Z",
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encode_bitstring(frozenset(kit.status_bits)),
            },
        }
        signed = sign_data_integrity(
            status_list,
            kit.ed_key,
            did_key_vm(kit.ed_key.public_key()),
            created="2023-01-01T00:00:00Z",
        )
        _write(kit.folder / "status" / "1.json", signed)


# ── one credential ──────────────────────────────────────────────────────────


def _ob3_alignments(kit: IssuerKit, ach: AchievementSpec) -> list[dict[str, Any]]:
    out = []
    for item in _ob2_alignments(kit, ach):
        entry: dict[str, Any] = {"type": ["Alignment"], **item}
        if item.get("targetFramework") == ESCO_FRAMEWORK:
            entry["targetType"] = "ceasn:Competency"
        out.append(entry)
    return out


def _ob3_document(kit: IssuerKit, award: Award, *, vc1: bool) -> dict[str, Any]:
    ach = award.achievement
    achievement: dict[str, Any] = {
        "id": f"{kit.base}achievements/{ach.slug}",
        "type": ["Achievement"],
        "name": ach.name,
        "description": ach.description,
        "criteria": {"narrative": f"Pass the {kit.spec.name} assessment for {ach.name}."},
    }
    alignments = _ob3_alignments(kit, ach)
    if alignments:
        achievement["alignment"] = alignments
    if ach.tags:
        achievement["tag"] = list(ach.tags)
    subject: dict[str, Any] = {"type": ["AchievementSubject"], "achievement": achievement}
    if award.did:
        subject["id"] = award.did
    else:
        salt = award.uid.replace("-", "")[:16]
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "identityHash": hashed_email(award.email, salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": salt,
            }
        ]
    doc: dict[str, Any] = {
        "@context": [VC1_CONTEXT if vc1 else VC2_CONTEXT, OB3_CONTEXT, OB3_EXTENSIONS_CONTEXT],
        "id": f"urn:uuid:{award.uid}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": kit.issuer_id, "type": ["Profile"], "name": kit.spec.name},
        "name": ach.name,
        "credentialSubject": subject,
        "credentialSchema": [{"id": OB3_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if vc1:
        doc["issuanceDate"] = iso(award.issued)
        if award.expires:
            doc["expirationDate"] = iso(award.expires)
    else:
        doc["validFrom"] = iso(award.issued)
        if award.expires:
            doc["validUntil"] = iso(award.expires)
    return doc


def issue(kit: IssuerKit, award: Award) -> tuple[bytes | str, str]:
    """Issue ``award``: returns (what the person submits, the credential id).

    What is submitted is bytes (JSON, a compact token, or a PNG/SVG image) or, for a
    hosted OB 2.0 badge delivered as a link, the URL string. Hosted assertions are
    written to the issuer's folder here; revoked ids are recorded on ``kit`` for
    :func:`write_issuer_files`.
    """
    fmt = kit.spec.format
    if fmt == "ob2-hosted":
        payload, cred_id = _issue_ob2_hosted(kit, award)
    elif fmt == "ob2-signed":
        payload, cred_id = _issue_ob2_signed(kit, award)
    elif fmt == "ob3-di":
        payload, cred_id = _issue_ob3_di(kit, award)
    else:
        payload, cred_id = _issue_ob3_jwt(kit, award)
    if award.delivery == "url":
        return cred_id, cred_id
    return _deliver(payload, award.delivery, fmt), cred_id


def _deliver(payload: str, delivery: str, fmt: str) -> bytes:
    from skills.demo.baking import bake_png, bake_svg
    from skills.demo.inputs import load_inputs

    version: Literal["2.0", "3.0"] = "2.0" if fmt.startswith("ob2") else "3.0"
    if delivery == "png":
        return bake_png(load_inputs().badge_png, payload, version=version)
    if delivery == "svg":
        return bake_svg(load_inputs().badge_svg, payload, version=version)
    return payload.encode("utf-8")


def _ob2_assertion(kit: IssuerKit, award: Award, cred_id: str) -> dict[str, Any]:
    salt = award.uid.replace("-", "")[:16]
    doc: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": cred_id,
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": salt,
            "identity": hashed_email(award.email, salt),
        },
        "badge": badge_class_url(kit, award.achievement),
        "issuedOn": iso(award.issued),
    }
    if award.expires:
        doc["expires"] = iso(award.expires)
    return doc


def _issue_ob2_hosted(kit: IssuerKit, award: Award) -> tuple[str, str]:
    cred_id = f"{kit.base}assertions/{award.uid}.json"
    doc = _ob2_assertion(kit, award, cred_id)
    doc["verification"] = {"type": "HostedBadge"}
    hosted = dict(doc)
    if award.special == "revoked":
        hosted["revoked"] = True
        hosted["revocationReason"] = "Awarded in error."
    if award.special != "missing":
        _write(kit.folder / "assertions" / f"{award.uid}.json", hosted)
    return json.dumps(doc, ensure_ascii=False), cred_id


def _tamper_token(token: str, change: dict[str, Any], where: str | None = None) -> str:
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    target = claims[where] if where else claims
    target.update(change)
    new_body = b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    return f"{head}.{new_body}.{sig}"


def _issue_ob2_signed(kit: IssuerKit, award: Award) -> tuple[str, str]:
    assert kit.rsa_key is not None
    cred_id = f"urn:uuid:{award.uid}"
    doc = _ob2_assertion(kit, award, cred_id)
    doc["verification"] = {"type": "SignedBadge", "creator": f"{kit.base}keys/key-1.json"}
    token = sign_compact({"alg": "RS256"}, doc, kit.rsa_key)
    if award.special == "revoked":
        kit.revoked.append((cred_id, "Certificate withdrawn after an audit."))
    if award.special == "tampered":
        token = _tamper_token(token, {"issuedOn": iso(award.issued.replace(year=2020))})
    return token, cred_id


def _issue_ob3_di(kit: IssuerKit, award: Award) -> tuple[str, str]:
    from skills.demo.signing import sign_data_integrity

    assert kit.ed_key is not None
    doc = _ob3_document(kit, award, vc1=False)
    if award.status_index is not None or award.special == "unreachable":
        url = f"{kit.base}status/{2 if award.special == 'unreachable' else 1}.json"
        doc["credentialStatus"] = {
            "id": f"{url}#{award.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(award.status_index or 0),
            "statusListCredential": url,
        }
        if award.special == "revoked" and award.status_index is not None:
            kit.status_bits.add(award.status_index)
    signed = sign_data_integrity(
        doc, kit.ed_key, did_key_vm(kit.ed_key.public_key()), created=iso(award.issued)
    )
    if award.special == "tampered":
        signed["credentialSubject"]["achievement"]["name"] += " (Distinction)"
        signed["name"] = signed["credentialSubject"]["achievement"]["name"]
    return json.dumps(signed, ensure_ascii=False), str(doc["id"])


def _issue_ob3_jwt(kit: IssuerKit, award: Award) -> tuple[str, str]:
    assert kit.rsa_key is not None
    vc = _ob3_document(kit, award, vc1=True)
    cred_id = str(vc["id"])
    listing = "revocations-2023.json" if award.special == "unreachable" else "revocations.json"
    vc["credentialStatus"] = {"id": f"{kit.base}{listing}", "type": "1EdTechRevocationList"}
    if award.special == "revoked":
        kit.revoked.append((cred_id, "Certification suspended by the issuer."))
    claims: dict[str, Any] = {
        "iss": kit.issuer_id,
        "jti": cred_id,
        "nbf": int(award.issued.timestamp()),
        "vc": vc,
    }
    if award.did:
        claims["sub"] = award.did
    if award.expires:
        claims["exp"] = int(award.expires.timestamp())
    header = {"alg": "RS256", "typ": "JWT", "jwk": key_to_jwk(kit.rsa_key.public_key())}
    token = sign_compact(header, claims, kit.rsa_key)
    if award.special == "tampered":
        claims["vc"]["name"] = claims["vc"]["name"] + " (Distinction)"
        token = _tamper_token(token, {"name": claims["vc"]["name"]}, "vc")
    return token, cred_id


__all__ = [
    "Award",
    "IssuerKit",
    "hashed_email",
    "iso",
    "issue",
    "make_kit",
    "write_issuer_files",
]
