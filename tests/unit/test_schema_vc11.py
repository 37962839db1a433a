"""OB 3.0 in VC Data Model 1.1: only the VC-version differences from the schema are excused.

The OB 3.0 JSON Schema is written for VC 2.0. A VC 1.1 credential differs from it by its first
``@context`` and by ``issuanceDate``/``expirationDate`` standing for ``validFrom``/
``validUntil``; those are excused, every other schema error fails the check as for VC 2.0
(it used to become a warning, so a VC 1.1 credential breaking the schema was ``verified``).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from skills.demo.signing import sign_data_integrity
from skills.verify import Status, verify
from skills.verify._keys.dids import did_key_for
from skills.verify._model import CheckName, Outcome
from skills.verify._schema import as_vc2, validate_ob3_schema

OB30 = Path(__file__).resolve().parents[1] / "fixtures/1edtech/files/ob30"
VC1 = "https://www.w3.org/2018/credentials/v1"
VC2 = "https://www.w3.org/ns/credentials/v2"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _v1() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((OB30 / "simple_v1.json").read_text())
    return doc


def test_only_the_vc_version_differences_pass() -> None:
    doc = _v1()
    doc["expirationDate"] = "2030-01-01T00:00:00Z"
    assert doc["@context"][0] == VC1 and "validFrom" not in doc
    check = validate_ob3_schema(doc, who="Example Corp")
    assert check.outcome is Outcome.PASSED, check.message
    assert "VC Data Model 1.1" in check.message


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["issuer"].update(image="https://example.com/logo.png"), "issuer"),
        (lambda d: d["credentialSubject"].pop("achievement"), "credentialSubject"),
        (lambda d: d["credentialSubject"].update(type=["Unknown"]), "credentialSubject/type"),
        (lambda d: d.update({"@context": [VC1]}), "@context"),
    ],
)
def test_any_other_schema_error_fails_a_vc11_credential(change: Any, where: str) -> None:
    doc = _v1()
    change(doc)
    check = validate_ob3_schema(doc, who="Example Corp")
    assert check.outcome is Outcome.FAILED
    assert where in check.message


def test_a_vc11_credential_without_any_start_date_fails() -> None:
    doc = _v1()
    del doc["issuanceDate"]
    check = validate_ob3_schema(doc)
    assert check.outcome is Outcome.FAILED
    assert "validFrom" in check.message


def test_embedded_vc11_endorsements_are_excused_the_same_differences_only() -> None:
    endorsement = json.loads((OB30 / "endorsement-valid.json").read_text())
    v1_endorsement = copy.deepcopy(endorsement)
    v1_endorsement["@context"][0] = VC1
    v1_endorsement["issuanceDate"] = v1_endorsement.pop("validFrom")
    doc = json.loads((OB30 / "simple.json").read_text())
    doc["endorsement"] = [v1_endorsement]
    assert validate_ob3_schema(doc).outcome is Outcome.PASSED
    del v1_endorsement["id"]
    failing = validate_ob3_schema(doc)
    assert failing.outcome is Outcome.FAILED and "endorsement/0" in failing.message


def test_as_vc2_changes_only_vc11_objects_and_never_its_input() -> None:
    doc = _v1()
    before = copy.deepcopy(doc)
    read = as_vc2(doc)
    assert doc == before
    assert read["@context"][0] == VC2 and read["@context"][1:] == doc["@context"][1:]
    assert read["validFrom"] == doc["issuanceDate"]
    v2 = json.loads((OB30 / "simple.json").read_text())
    assert as_vc2(v2) is v2


def _signed_v1(change: Any = None) -> dict[str, Any]:
    key = ed25519.Ed25519PrivateKey.generate()
    did = did_key_for(key.public_key())
    doc = _v1()
    doc.pop("proof")
    doc["issuer"]["id"] = did
    doc["expirationDate"] = "2030-01-01T00:00:00Z"
    if change is not None:
        change(doc)
    return sign_data_integrity(
        doc,
        key,
        f"{did}#{did[8:]}",
        cryptosuite="Ed25519Signature2020",
        created="2025-01-01T00:00:00Z",
    )


def _verify(doc: dict[str, Any]) -> Any:
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    with client:
        return verify(doc, client=client, now=NOW)


def test_a_signed_vc11_badge_with_a_bare_string_issuer_image_is_invalid() -> None:
    good = _verify(_signed_v1())
    assert good.status is Status.VERIFIED, good.summary
    bad = _verify(_signed_v1(lambda d: d["issuer"].update(image="https://example.com/logo.png")))
    schema = [c for c in bad.checks if c.name == CheckName.SCHEMA]
    assert [c.outcome for c in schema] == [Outcome.FAILED]
    assert bad.status is Status.INVALID
    assert "issuer" in bad.summary
