"""Reports a person can read: one check per name, no raw Python values, reasons that fit.

Runs many kinds of reports: every OB 3.0 case of the 1EdTech corpus (replayed offline, also
those the manifest marks as needing the network), and credentials signed in the test (Data
Integrity and VC-JWT, VC 1.1 and 2.0, with and without status lists issued by others).
"""

from __future__ import annotations

import collections
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from skills.demo.signing import encode_bitstring, sign_data_integrity
from skills.explain import explain_checks, headline
from skills.verify import Report, Status, verify
from skills.verify._keys.dids import did_key_for
from skills.verify._model import CheckName, Outcome
from skills.verify.ob3._jwt import _claims_check
from tests.support.conformance_harness import (
    REPLAY_NOW,
    Case,
    load_manifest,
    mock_transport,
    read_case_source,
)

OB30 = Path(__file__).resolve().parents[1] / "fixtures/1edtech/files/ob30"
OB30_CASES = [c for c in load_manifest() if c.version == "ob30"]
OB20_CASES = [c for c in load_manifest() if c.version == "ob20"]
NOW = datetime(2026, 1, 1, tzinfo=UTC)
LIST_URL = "https://status.example/lists/1"
# A Python value where a sentence should be: None/True/False, or a repr of a dict or list.
PYTHON_VALUE = re.compile(r"\b(None|True|False)\b|\{'|\['")


def _replay(case: Case) -> Report:
    with httpx.Client(transport=mock_transport(case)) as client:
        return verify(read_case_source(case), client=client, now=REPLAY_NOW)


def _assert_readable(report: Report, label: str) -> None:
    names = collections.Counter(str(c.name) for c in report.checks)
    repeated = {name: n for name, n in names.items() if n > 1}
    assert not repeated, f"{label}: checks named more than once: {repeated}"
    for check in report.checks:
        assert check.message.strip(), f"{label}: {check.name} says nothing"
        assert not PYTHON_VALUE.search(check.message), f"{label}: {check.message}"
    assert not PYTHON_VALUE.search(report.summary), f"{label}: {report.summary}"


def test_the_corpus_holds_many_kinds_of_reports() -> None:
    assert len(OB30_CASES) >= 45 and len(OB20_CASES) >= 37


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in OB30_CASES])
def test_every_ob30_corpus_report_is_readable(case: Case) -> None:
    _assert_readable(_replay(case), case.id)


def test_jwt_reports_name_structure_once() -> None:
    jwt_cases = [c for c in OB30_CASES if c.input_kind == "jwt" or "jwt" in c.file]
    assert jwt_cases
    for case in jwt_cases:
        report = _replay(case)
        structure = [c for c in report.checks if c.name == CheckName.STRUCTURE]
        assert len(structure) == 1, case.id


def test_every_ob20_corpus_report_names_each_check_once() -> None:
    for case in OB20_CASES:
        report = _replay(case)
        names = collections.Counter(str(c.name) for c in report.checks)
        assert max(names.values()) == 1, (case.id, names)


def test_every_ob20_corpus_report_shows_no_python_value() -> None:
    for case in OB20_CASES:
        report = _replay(case)
        for check in report.checks:
            assert not PYTHON_VALUE.search(check.message), (case.id, check.message)


# ── credentials signed here ──────────────────────────────────────────────────────────────


def _key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def _di(doc: dict[str, Any], key: ed25519.Ed25519PrivateKey, **kw: Any) -> dict[str, Any]:
    did = did_key_for(key.public_key())
    doc = dict(doc, issuer=dict(doc["issuer"], id=did))
    return sign_data_integrity(doc, key, f"{did}#{did[8:]}", created="2025-01-01T00:00:00Z", **kw)


def _simple(name: str = "simple.json") -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((OB30 / name).read_text())
    doc.pop("proof", None)
    return doc


def _status_list(key: ed25519.Ed25519PrivateKey, revoked: set[int]) -> bytes:
    did = did_key_for(key.public_key())
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": "2025-06-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bitstring(revoked),
        },
    }
    signed = sign_data_integrity(doc, key, f"{did}#{did[8:]}", created="2025-06-01T00:00:00Z")
    return json.dumps(signed).encode()


def _with_status(doc: dict[str, Any]) -> dict[str, Any]:
    return dict(
        doc,
        credentialStatus={
            "id": f"{LIST_URL}#3",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "3",
            "statusListCredential": LIST_URL,
        },
    )


def _jwt(doc: dict[str, Any], key: ed25519.Ed25519PrivateKey, **claims: Any) -> str:
    from openbadgeslib.ob3 import OB3Signer, did_jwk_from_jwk

    from skills.verify._keys.jose import key_to_jwk

    did = did_jwk_from_jwk(key_to_jwk(key.public_key()))
    vc = dict(doc, issuer=dict(doc["issuer"], id=did))
    payload = {"vc": vc, "iss": did, "jti": vc["id"], **claims}
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    token: str = OB3Signer(privkey_pem=pem, algorithm="EdDSA").sign_payload(payload)
    return token


def _sources() -> list[tuple[str, Any, bytes | None]]:
    """(label, submission, what LIST_URL serves) of many kinds: ``b"set"`` a list by another
    issuer with the badge's entry set, None the same list with it clear, ``b"404"`` nothing."""
    badge_key = _key()
    v1 = _simple("simple_v1.json")
    broken = _simple()
    broken["issuer"]["image"] = "https://example.com/logo.png"
    return [
        ("di verified", _di(_simple(), badge_key), None),
        ("di vc 1.1", _di(v1, badge_key, cryptosuite="Ed25519Signature2020"), None),
        ("di schema broken", _di(broken, badge_key), None),
        ("di third-party list, clear", _di(_with_status(_simple()), badge_key), None),
        ("di third-party list, set", _di(_with_status(_simple()), badge_key), b"set"),
        ("di list unreachable", _di(_with_status(_simple()), badge_key), b"404"),
        ("jwt good claims", _jwt(_simple(), badge_key, nbf=1262304000), None),
        ("jwt bad claims", _jwt(_simple(), badge_key, nbf=1262304000 + 3600), None),
        ("jwt with a list", _jwt(_with_status(_simple()), badge_key, nbf=1262304000), b"set"),
        ("tampered", dict(_di(_simple(), badge_key), name="changed"), None),
    ]


@pytest.mark.parametrize("index", range(10))
def test_reports_of_credentials_signed_here_are_readable(index: int) -> None:
    label, source, body = _sources()[index]
    list_key = _key()
    served = _status_list(list_key, {3} if body == b"set" else set())

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == LIST_URL and body != b"404":
            return httpx.Response(200, content=served)
        return httpx.Response(404)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        report = verify(source, client=client, now=NOW)
    _assert_readable(report, label)
    if body == b"set":
        assert report.status is Status.REVOKED, (label, report.summary)


def test_a_token_whose_credential_names_no_issuer_says_so_in_words() -> None:
    vc = _simple()
    del vc["issuer"]
    check, _, _ = _claims_check({"vc": vc, "iss": "https://issuer.example"}, vc, True)
    assert check.outcome is Outcome.FAILED
    assert "the credential names no issuer" in check.message
    assert "None" not in check.message
    odd, _, _ = _claims_check({"vc": _simple(), "iss": {"id": "x"}}, _simple(), True)
    assert '{"id": "x"}' in odd.message and "{'" not in odd.message


# ── stored reports (the checks JSON column) ──────────────────────────────────────────────


def test_stored_rows_repeating_a_name_are_shown_once_with_the_worst_outcome() -> None:
    stored = json.dumps(
        [
            {"name": "issuer", "outcome": "passed", "message": "Profile found."},
            {"name": "signature", "outcome": "passed", "message": "Valid."},
            {"name": "issuer", "outcome": "warning", "message": "Its id is a urn"},
            {"name": "structure", "outcome": "passed", "message": "Well formed."},
            {"name": "structure", "outcome": "failed", "message": "Claims differ."},
        ]
    )
    rows = explain_checks(stored)
    assert [(r.name, r.outcome) for r in rows] == [
        ("issuer", "warning"),
        ("signature", "passed"),
        ("structure", "failed"),
    ]
    assert rows[0].message == "Its id is a urn. Profile found."
    assert rows[2].message == "Claims differ."


def test_a_stored_revoked_report_gives_the_revocation_as_its_reason() -> None:
    stored = [
        {"name": "schema", "outcome": "failed", "message": "The schema is not met."},
        {"name": "revocation", "outcome": "failed", "message": "Acme revoked it."},
    ]
    assert headline("revoked", stored) == "Revoked: Acme revoked it."
    expired = [
        {"name": "structure", "outcome": "failed", "message": "Odd."},
        {"name": "validity", "outcome": "failed", "message": "It expired on 2020-01-01."},
    ]
    assert headline("expired", expired) == "Expired: It expired on 2020-01-01."
