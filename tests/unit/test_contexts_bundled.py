"""The bundled JSON-LD contexts beyond the first set (issue 10, item 6).

Every manifest entry is pinned by SHA-256 and loads as JSON-LD; the contexts real Open
Badges name (CLR 2.0, the OB 3.0 beta used by JFF Plugfest wallets, the security, DID,
status and revocation list contexts) are served under each URL they are published at; a
context that is not bundled makes the affected checks "could not check", never "failed".
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from pyld import jsonld as pyld

from skills.demo.signing import sign_data_integrity
from skills.jsonld import (
    BUNDLED,
    CONTEXTS,
    canonicalize,
    document_loader,
    expand,
)
from skills.verify import verify
from skills.verify._keys.dids import did_key_for
from skills.verify._ld_checks import check_contexts, check_safe_mode
from skills.verify._model import CheckName, Outcome, Status

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "skills/jsonld/contexts"
MANIFEST = json.loads((FOLDER / "manifest.json").read_text(encoding="utf-8"))["contexts"]
OB30 = ROOT / "tests/fixtures/1edtech/files/ob30"
NO_NET = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404)))
CLR_201 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
UNKNOWN = "https://example.org/unknown-context.json"
JFF_1 = "https://w3c-ccg.github.io/vc-ed/plugfest-1-2022/jff-vc-edu-plugfest-1-context.json"
OB3_ALPHA = "https://imsglobal.github.io/openbadges-specification/ob_v3p0.html"

# The pins of the first set: a rebuild must never change them (1EdTech changed 3.0.3 in
# place; both revisions stay pinned).
FIRST_PINS = {
    "credentials-v1.json": "00d7dd6d3ad8b920e3e550dd3a3d9090bffcac84cdbf943da6924b3e0a5c8bb8",
    "credentials-v2.json": "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f",
    "credentials-status-v1.json": (
        "fd08cbf28ddd829ab2f1978c48f43ab07a112c1c90245a0cfac7ba721c65170c"
    ),
    "security-data-integrity-v1.json": (
        "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554"
    ),
    "security-data-integrity-v2.json": (
        "0f77743daf5b4e8fc067fc5ba5b21044283053aa717fc6b0219843bed3b00363"
    ),
    "security-multikey-v1.json": (
        "8e6bad2e5b4f0721906a4dcc2f7a894b1215cf9a47014c71e286423860642ff0"
    ),
    "ed25519-signature-2020-v1.json": (
        "b9e1ab971fd8bf2c7553e0c4a9438e0b9450afde1ea1ca5b2492368b9f549588"
    ),
    "ob-v3p0-context-3.0.0.json": (
        "9f1c8f9f361ba2994b9b50701f41149919542c50c7b7455b2846d87959295d72"
    ),
    "ob-v3p0-context-3.0.1.json": (
        "af095468326d3449160509b26ca71576e6321d13c85b0369cfe3b654c9a48fba"
    ),
    "ob-v3p0-context-3.0.2.json": (
        "00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53"
    ),
    "ob-v3p0-context-3.0.3.json": (
        "3d34f4d4ef1bce691106e63798beb5e7b862ba841423f5ee1e53ab7ddf3bca84"
    ),
    "ob-v3p0-context-3.0.3-earlier.json": (
        "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761"
    ),
    "ob-v3p0-extensions.json": "2d013f981d1f4516081a6a04e55468ba2b071d4153b794f19a79715c45a89a5e",
    "openbadges-v2.json": "fbe5efa6785712c809303456616d0265405f2d9f0b80cb22a5d1cffbb2bed7bf",
}

NEW_URLS = {
    CLR_201,
    JFF_1,
    OB3_ALPHA,
    "https://w3id.org/security/v1",
    "https://w3id.org/security/v2",
    "https://w3id.org/security/suites/ed25519-2018/v1",
    "https://w3id.org/vc/status-list/2021/v1",
    "https://w3id.org/vc-revocation-list-2020/v1",
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/did/v0.11",
}


def load(name: str) -> dict[str, Any]:
    return json.loads((OB30 / name).read_text())


@pytest.fixture(scope="module")
def issuer() -> tuple[ed25519.Ed25519PrivateKey, str]:
    key = ed25519.Ed25519PrivateKey.generate()
    return key, did_key_for(key.public_key())


def credential(did: str, *extra_contexts: str) -> dict[str, Any]:
    doc = load("simple.json")
    doc.pop("proof")
    doc["issuer"]["id"] = did
    doc["@context"] = [*doc["@context"], *extra_contexts]
    return doc


def sign(doc: dict[str, Any], key: ed25519.Ed25519PrivateKey, did: str) -> dict[str, Any]:
    return sign_data_integrity(doc, key, f"{did}#{did[8:]}", created="2024-05-01T10:00:00Z")


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: e["file"])
def test_every_file_hashes_to_its_pin_and_loads_as_json_ld(entry: dict[str, Any]) -> None:
    raw = (FOLDER / entry["file"]).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == entry["sha256"]
    assert FIRST_PINS.get(entry["file"], entry["sha256"]) == entry["sha256"]
    source = entry["source"]
    assert source["package"] and source["path"] and len(source["source_sha256"]) == 64
    if source["kind"].startswith("npm"):
        assert source["version"] and source["integrity"].startswith("sha512-")
    document = json.loads(raw)
    assert isinstance(document.get("@context"), dict | list)
    # Expansion through the loader processes every term definition of the context (an
    # invalid one raises), under the URL and every alias it is served for.
    for url in (entry["url"], *entry.get("aliases", ())):
        node = {"@context": url, "@id": "urn:example:1", "@type": "urn:example:T"}
        assert expand(node) == [{"@id": "urn:example:1", "@type": ["urn:example:T"]}]


def test_first_set_keeps_its_files_and_pins() -> None:
    pinned = {e["file"]: e["sha256"] for e in MANIFEST}
    assert {name: pinned.get(name) for name in FIRST_PINS} == FIRST_PINS
    variants = [e for e in MANIFEST if e["url"].endswith("context-3.0.3.json")]
    assert sorted(e["variant"] for e in variants) == ["earlier", "primary"]


def test_the_contexts_real_badges_name_are_bundled() -> None:
    assert set(CONTEXTS) >= NEW_URLS
    assert "https://schema.org" not in CONTEXTS
    assert "https://purl.imsglobal.org/spec/clr/v2p0/context.json" not in CONTEXTS


def test_aliases_are_served_with_the_same_document() -> None:
    aliased = [e for e in BUNDLED if e.aliases]
    assert aliased, "no manifest entry lists aliases"
    for entry in aliased:
        for url in (entry.url, *entry.aliases):
            assert document_loader(url)["document"] == dict(entry.document)
    assert CONTEXTS[OB3_ALPHA] is CONTEXTS[JFF_1]
    doc = {"@context": [OB3_ALPHA], "type": "OpenBadgeCredential"}
    assert expand(doc) == expand({**doc, "@context": [JFF_1]})


def test_a_credential_adding_the_clr_context_canonicalises_and_verifies(
    issuer: tuple[ed25519.Ed25519PrivateKey, str],
) -> None:
    key, did = issuer
    doc = sign(credential(did, CLR_201), key, did)
    unsecured = {k: v for k, v in doc.items() if k != "proof"}

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": CONTEXTS[url]}

    reference = pyld.normalize(
        unsecured,
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader},
    )
    assert canonicalize(unsecured) == reference
    assert check_contexts(doc).outcome is Outcome.PASSED
    assert check_safe_mode(doc).outcome is Outcome.PASSED
    report = verify(doc, client=NO_NET)
    outcome = {c.name: c.outcome for c in report.checks}
    assert outcome[CheckName.SIGNATURE] is Outcome.PASSED
    assert report.status is Status.VERIFIED


def test_a_credential_under_the_ob3_beta_context_canonicalises() -> None:
    doc = {
        "@context": ["https://www.w3.org/2018/credentials/v1", JFF_1],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"type": "Profile", "id": "did:example:123", "name": "Example"},
        "issuanceDate": "2022-05-01T00:00:00Z",
        "credentialSubject": {
            "type": "AchievementSubject",
            "id": "did:example:456",
            "achievement": {
                "type": "Achievement",
                "name": "Plugfest",
                "description": "Took part.",
                "criteria": {"type": "Criteria", "narrative": "Take part."},
            },
        },
    }
    assert "OpenBadgeCredential" in canonicalize(doc)
    assert check_safe_mode(doc).outcome is Outcome.PASSED
    superseded = check_contexts(doc)
    assert superseded.outcome is Outcome.WARNING and JFF_1 in superseded.message
    doc["@context"] = [JFF_1, "https://www.w3.org/2018/credentials/v1"]
    assert "first @context" in check_contexts(doc).message


def test_an_unbundled_context_is_could_not_check_naming_it(
    issuer: tuple[ed25519.Ed25519PrivateKey, str],
) -> None:
    key, did = issuer
    doc = sign(credential(did), key, did)
    doc["@context"] = [*doc["@context"], UNKNOWN]
    report = verify(doc, client=NO_NET)
    checks = {c.name: c for c in report.checks}
    assert checks[CheckName.CONTEXT].outcome is Outcome.NOT_RUN
    assert UNKNOWN in checks[CheckName.CONTEXT].message
    assert checks[CheckName.SAFE_MODE].outcome is Outcome.NOT_RUN
    assert UNKNOWN in checks[CheckName.SAFE_MODE].message
    assert report.status is Status.UNVERIFIABLE


def test_schema_org_stays_could_not_check() -> None:
    doc = load("simple.json")
    doc["@context"] = [*doc["@context"], "https://schema.org"]
    context, safe = check_contexts(doc), check_safe_mode(doc)
    assert context.outcome is Outcome.NOT_RUN and "https://schema.org" in context.message
    assert safe.outcome is Outcome.NOT_RUN
