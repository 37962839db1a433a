"""Status lists: bitstring decoding and the REVOCATION check of 1EdTech revocation lists."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skills.demo.signing import encode_bitstring
from skills.verify._context import FormatResult, Submission, VerifyContext
from skills.verify._model import CheckName, Outcome, Status, decide
from skills.verify.ob3._status import bit_at, check_status, decode_encoded_list

TESTLIST = (
    Path(__file__).resolve().parents[1] / "fixtures/1edtech/files/ob30/bit-string-list/testlist"
)


def _ctx(handler: Any, now: datetime | None = None) -> VerifyContext:
    return VerifyContext(
        recipient=None,
        client=httpx.Client(transport=httpx.MockTransport(handler)),
        now=now or datetime(2026, 1, 1, tzinfo=UTC),
        clock_skew=timedelta(minutes=5),
    )


def _never_called(sub: Submission, ctx: VerifyContext) -> FormatResult:
    raise AssertionError("no status list credential should be verified here")


def test_corpus_status_list_has_entry_23_set_and_its_neighbours_clear() -> None:
    doc = json.loads(TESTLIST.read_text())
    bits = decode_encoded_list(doc["credentialSubject"]["encodedList"])
    assert len(bits) == 16 * 1024
    assert bit_at(bits, 23)
    assert not bit_at(bits, 22)
    assert not bit_at(bits, 24)
    assert not bit_at(bits, 0)


def test_bits_count_from_the_most_significant_bit_of_the_first_byte() -> None:
    bits = decode_encoded_list(encode_bitstring({0, 9}, length_bits=16))
    assert bits == bytes([0b1000_0000, 0b0100_0000])


@given(st.sets(st.integers(min_value=0, max_value=4095), max_size=40))
def test_encode_decode_round_trip(indices: set[int]) -> None:
    bits = decode_encoded_list(encode_bitstring(indices, length_bits=4096))
    assert {i for i in range(4096) if bit_at(bits, i)} == indices


def test_status_list_2021_bare_standard_base64_is_read() -> None:
    raw = bytes([0, 0b0010_0000]) + bytes(14)
    encoded = base64.b64encode(gzip.compress(raw)).decode()
    assert bit_at(decode_encoded_list(encoded), 10)


@pytest.mark.parametrize("bad", ["", "u", "u!!!!", "uAAAA", 5, None, "u" + "A" * 50])
def test_broken_encoded_lists_raise_value_error(bad: Any) -> None:
    with pytest.raises(ValueError):
        decode_encoded_list(bad)


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(bytes(64 * 1024 * 1024))
    encoded = "u" + base64.urlsafe_b64encode(bomb).decode().rstrip("=")
    with pytest.raises(ValueError, match="larger"):
        decode_encoded_list(encoded)


def test_index_outside_the_list_raises() -> None:
    bits = decode_encoded_list(encode_bitstring(set(), length_bits=64))
    with pytest.raises(IndexError):
        bit_at(bits, 64)
    with pytest.raises(IndexError):
        bit_at(bits, -1)


def _credential(status: Any) -> dict[str, Any]:
    return {
        "id": "https://issuer.example/credentials/7",
        "issuer": {"id": "https://issuer.example/profile", "name": "Example U"},
        "credentialStatus": status,
    }


REVOCATION_ENTRY = {"id": "https://issuer.example/revocations", "type": "1EdTechRevocationList"}


def _serve(body: Any, status: int = 200) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == "https://issuer.example/revocations":
            return httpx.Response(status, json=body)
        return httpx.Response(404)

    return handler


def test_1edtech_revocation_list_naming_the_credential_revokes_it() -> None:
    listing = {
        "issuer": "https://issuer.example/profile",
        "revokedCredentials": [
            {"id": "https://issuer.example/credentials/7", "revocationReason": "Awarded in error"}
        ],
    }
    check = check_status(
        _credential(REVOCATION_ENTRY),
        _ctx(_serve(listing)),
        who="Example U",
        verify_list=_never_called,
    )
    assert check.outcome is Outcome.FAILED
    assert decide([check]) is Status.REVOKED
    assert "Example U revoked" in check.message and "Awarded in error" in check.message


def test_1edtech_revocation_list_without_the_credential_passes() -> None:
    listing = {"revokedCredentials": [{"id": "https://issuer.example/credentials/8"}]}
    check = check_status(
        _credential(REVOCATION_ENTRY),
        _ctx(_serve(listing)),
        who="Example U",
        verify_list=_never_called,
    )
    assert check.outcome is Outcome.PASSED


def test_revocation_list_of_another_issuer_is_not_trusted() -> None:
    listing = {"issuer": "https://evil.example/", "revokedCredentials": []}
    check = check_status(
        _credential(REVOCATION_ENTRY),
        _ctx(_serve(listing)),
        who="Example U",
        verify_list=_never_called,
    )
    assert check.outcome is Outcome.NOT_RUN and check.required


@pytest.mark.parametrize("status", [404, 500])
def test_unreachable_revocation_list_is_never_read_as_not_revoked(status: int) -> None:
    check = check_status(
        _credential(REVOCATION_ENTRY),
        _ctx(_serve({}, status)),
        who="Example U",
        verify_list=_never_called,
    )
    assert check.outcome is Outcome.NOT_RUN
    assert decide([check]) is Status.UNVERIFIABLE
    assert f"HTTP {status}" in check.message


def test_unknown_status_method_is_not_run() -> None:
    entry = {"id": "ethereum:0xabc", "type": "VelocityRevocationListJan2021"}
    check = check_status(
        _credential(entry), _ctx(_serve({})), who="Example U", verify_list=_never_called
    )
    assert check.outcome is Outcome.NOT_RUN
    assert "VelocityRevocationListJan2021" in check.message


def test_no_credential_status_means_nothing_to_revoke() -> None:
    check = check_status(
        _credential(None), _ctx(_serve({})), who="Example U", verify_list=_never_called
    )
    assert check.outcome is Outcome.PASSED
    assert check.name == CheckName.REVOCATION


def test_bitstring_list_that_cannot_be_verified_makes_the_check_not_run() -> None:
    entry = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "23",
        "statusListCredential": "https://issuer.example/status/1",
    }
    listing = json.loads(TESTLIST.read_text())

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=listing)

    def unverifiable(sub: Submission, ctx: VerifyContext) -> FormatResult:
        from skills.verify._model import not_run

        assert sub.kind == "json" and sub.payload == listing
        return FormatResult("ob3-di", [not_run(CheckName.SIGNATURE, "no key")], None)

    check = check_status(
        _credential(entry), _ctx(handler), who="Example U", verify_list=unverifiable
    )
    assert check.outcome is Outcome.NOT_RUN
    assert "could not be trusted" in check.message


# ── status lists issued by someone else, end to end through verify() ────────────────────
#
# The badge is a Data Integrity credential; its status list is a credential of its own,
# signed in the test by another issuer (a did:key, or a did:jwk VC-JWT), served through
# httpx.MockTransport.

LIST_URL = "https://status.example/lists/1"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
SIMPLE = Path(__file__).resolve().parents[1] / "fixtures/1edtech/files/ob30/simple.json"


def _did_key(key: Any) -> str:
    from skills.verify._keys.dids import did_key_for

    return did_key_for(key.public_key())


def _badge(
    key: Any,
    *,
    issuer_id: str | None = None,
    method: str | None = None,
    index: int = 5,
    change: Any = None,
) -> dict[str, Any]:
    """A signed OB 3.0 badge whose status entry ``index`` lives in the list at LIST_URL."""
    from skills.demo.signing import sign_data_integrity

    did = _did_key(key)
    doc: dict[str, Any] = json.loads(SIMPLE.read_text())
    doc.pop("proof")
    doc["issuer"]["id"] = issuer_id or did
    doc["credentialStatus"] = {
        "id": f"{LIST_URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": LIST_URL,
    }
    if change is not None:
        change(doc)
    return sign_data_integrity(
        doc, key, method or f"{did}#{did[8:]}", created="2025-01-01T00:00:00Z"
    )


def _list_document(
    issuer: Any, revoked: set[int], types: list[str] | None = None
) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": types or ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": "2025-06-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bitstring(revoked),
        },
    }


def _di_list(key: Any, revoked: set[int], **kwargs: Any) -> bytes:
    """A status list credential issued by the did:key of ``key`` and signed with it."""
    from skills.demo.signing import sign_data_integrity

    did = _did_key(key)
    method = kwargs.pop("method", f"{did}#{did[8:]}")
    issuer = kwargs.pop("issuer", did)
    doc = _list_document(issuer, revoked, **kwargs)
    signed = sign_data_integrity(doc, key, method, created="2025-06-01T00:00:00Z")
    return json.dumps(signed).encode()


def _did_jwk(key: Any) -> str:
    from openbadgeslib.ob3 import did_jwk_from_jwk

    from skills.verify._keys.jose import key_to_jwk

    did: str = did_jwk_from_jwk(key_to_jwk(key.public_key()))
    return did


def _jwt_list(key: Any, revoked: set[int]) -> bytes:
    """A status list credential issued by the did:jwk of ``key``, as a VC-JWT."""
    from cryptography.hazmat.primitives import serialization
    from openbadgeslib.ob3 import OB3Signer

    did = _did_jwk(key)
    payload: dict[str, Any] = _list_document(did, revoked)
    # The registered claims of the token, agreeing with the credential (nbf = validFrom).
    payload.update(iss=did, jti=LIST_URL, nbf=int(datetime(2025, 6, 1, tzinfo=UTC).timestamp()))
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    token: str = OB3Signer(privkey_pem=pem, algorithm="EdDSA").sign_payload(payload)
    return token.encode()


def _serving(body: bytes) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == LIST_URL:
            return httpx.Response(200, content=body)
        return httpx.Response(404)

    return httpx.Client(transport=httpx.MockTransport(handler))


def _run(badge: dict[str, Any], body: bytes) -> Any:
    from skills.verify import verify

    with _serving(body) as client:
        return verify(badge, client=client, now=NOW)


def _check(report: Any, name: str) -> Any:
    found = [c for c in report.checks if c.name == name]
    assert len(found) == 1, report.checks
    return found[0]


def _new_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519.Ed25519PrivateKey.generate()


@pytest.mark.parametrize("kind", ["did:key data integrity", "did:jwk vc-jwt"])
def test_another_issuers_status_list_with_the_bit_set_revokes_and_is_named(kind: str) -> None:
    badge_key, list_key = _new_key(), _new_key()
    if kind.startswith("did:key"):
        body, list_issuer = _di_list(list_key, {5}), _did_key(list_key)
    else:
        body, list_issuer = _jwt_list(list_key, {5}), _did_jwk(list_key)
    report = _run(_badge(badge_key), body)
    revocation = _check(report, CheckName.REVOCATION)
    assert report.status is Status.REVOKED, revocation.message
    assert revocation.outcome is Outcome.FAILED and revocation.conclusive
    assert list_issuer[:120] in revocation.message
    assert "Example Corp" in revocation.message and "entry 5 is set" in revocation.message


@pytest.mark.parametrize("kind", ["did:key data integrity", "did:jwk vc-jwt"])
def test_another_issuers_status_list_with_the_bit_clear_verifies(kind: str) -> None:
    badge_key, list_key = _new_key(), _new_key()
    body = _di_list(list_key, {4, 6}) if kind.startswith("did:key") else _jwt_list(list_key, {4})
    report = _run(_badge(badge_key), body)
    revocation = _check(report, CheckName.REVOCATION)
    assert report.status is Status.VERIFIED, revocation.message
    assert revocation.outcome is Outcome.PASSED
    assert "issued by did:" in revocation.message and "entry 5" in revocation.message


def test_a_named_list_issuer_is_named_by_its_name() -> None:
    badge_key, list_key = _new_key(), _new_key()
    issuer = {"id": _did_key(list_key), "name": "Status Service Ltd"}
    report = _run(_badge(badge_key), _di_list(list_key, {5}, issuer=issuer))
    assert report.status is Status.REVOKED
    assert "Status Service Ltd" in _check(report, CheckName.REVOCATION).message


def test_a_status_list_whose_proof_does_not_verify_is_not_honoured() -> None:
    badge_key, list_key, forger = _new_key(), _new_key(), _new_key()
    # The list claims the list issuer's did:key but is signed by another key.
    did = _did_key(list_key)
    body = _di_list(forger, {5}, issuer=did, method=f"{did}#{did[8:]}")
    report = _run(_badge(badge_key), body)
    revocation = _check(report, CheckName.REVOCATION)
    assert report.status is Status.UNVERIFIABLE, revocation.message
    assert revocation.outcome is Outcome.NOT_RUN
    assert "could not be trusted" in revocation.message


def test_a_revoked_badge_whose_issuer_key_cannot_be_fetched_is_revoked() -> None:
    badge_key, list_key = _new_key(), _new_key()
    badge = _badge(
        badge_key,
        issuer_id="https://issuer.example/profile",
        method="https://issuer.example/keys/1",  # answers 404
    )
    report = _run(badge, _di_list(list_key, {5}))
    assert _check(report, CheckName.SIGNATURE).outcome is Outcome.NOT_RUN
    assert report.status is Status.REVOKED
    assert report.summary.startswith("Revoked by its issuer: The revocation list issued by")


def test_revoked_by_a_verified_list_outranks_a_failed_schema_check() -> None:
    badge_key, list_key = _new_key(), _new_key()
    badge = _badge(badge_key, change=lambda d: d["issuer"].update(image="https://x.example/a.png"))
    report = _run(badge, _di_list(list_key, {5}))
    assert _check(report, CheckName.SCHEMA).outcome is Outcome.FAILED
    assert report.status is Status.REVOKED
    clear = _run(badge, _di_list(list_key, set()))
    assert clear.status is Status.INVALID


def test_a_tampered_badge_is_invalid_even_when_its_list_says_revoked() -> None:
    badge_key, list_key = _new_key(), _new_key()
    badge = _badge(badge_key)
    badge["name"] = "Changed after signing"
    report = _run(badge, _di_list(list_key, {5}))
    assert _check(report, CheckName.SIGNATURE).outcome is Outcome.FAILED
    assert _check(report, CheckName.REVOCATION).outcome is Outcome.FAILED
    assert report.status is Status.INVALID


def test_a_list_signed_with_the_badges_own_unbound_key_revokes_but_does_not_trump() -> None:
    key = _new_key()
    did = _did_key(key)
    issuer_id = "https://issuer.example/profile"  # answers 404: the key is not bound
    method = f"{issuer_id}#{did[8:]}"
    badge = _badge(key, issuer_id=issuer_id, method=method)
    body = _di_list(key, {5}, issuer=issuer_id, method=method)
    report = _run(badge, body)
    revocation = _check(report, CheckName.REVOCATION)
    assert _check(report, CheckName.KEY_BINDING).outcome is Outcome.NOT_RUN
    assert report.status is Status.REVOKED, revocation.message
    assert not revocation.conclusive
    assert "same key as the credential" in revocation.message
    # A clear bit of such a list proves nothing: the badge stays unverifiable.
    clear = _run(badge, _di_list(key, set(), issuer=issuer_id, method=method))
    assert clear.status is Status.UNVERIFIABLE
    assert _check(clear, CheckName.REVOCATION).outcome is Outcome.NOT_RUN
    # Another failure outranks a revocation that is not conclusive.
    broken = _badge(
        key,
        issuer_id=issuer_id,
        method=method,
        change=lambda d: d["issuer"].update(image="https://x.example/a.png"),
    )
    assert _run(broken, body).status is Status.INVALID


def test_a_list_signed_by_another_unbound_key_is_not_honoured() -> None:
    key, other = _new_key(), _new_key()
    issuer_id = "https://issuer.example/profile"
    badge = _badge(key, issuer_id=issuer_id, method=f"{issuer_id}#{_did_key(key)[8:]}")
    body = _di_list(other, {5}, issuer=issuer_id, method=f"{issuer_id}#{_did_key(other)[8:]}")
    report = _run(badge, body)
    assert _check(report, CheckName.REVOCATION).outcome is Outcome.NOT_RUN
    assert report.status is Status.UNVERIFIABLE


def test_a_status_list_without_its_type_is_described_as_a_status_list_problem() -> None:
    badge_key, list_key = _new_key(), _new_key()
    body = _di_list(list_key, {5}, types=["VerifiableCredential"])
    report = _run(_badge(badge_key), body)
    revocation = _check(report, CheckName.REVOCATION)
    assert revocation.outcome is Outcome.NOT_RUN
    assert "is not a status list credential" in revocation.message
    assert "BitstringStatusListCredential" in revocation.message
    assert "Open Badges 3.0" not in revocation.message
