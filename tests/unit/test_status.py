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

from skills.verify.context import FormatResult, Submission, VerifyContext
from skills.verify.model import CheckName, Outcome, Status, decide
from skills.verify.status import (
    bit_at,
    check_status,
    decode_encoded_list,
    encode_bitstring,
)

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
        from skills.verify.model import not_run

        assert sub.kind == "json" and sub.payload == listing
        return FormatResult("ob3-di", [not_run(CheckName.SIGNATURE, "no key")], None)

    check = check_status(
        _credential(entry), _ctx(handler), who="Example U", verify_list=unverifiable
    )
    assert check.outcome is Outcome.NOT_RUN
    assert "could not be trusted" in check.message
