"""CLR 2.0 transcripts and verifiable presentations: the container's proof, then every badge
inside on its own (skills.verify._envelopes, verify_all, the verify command)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from skills.cli import main
from skills.demo.signing import sign_compact, sign_data_integrity
from skills.verify import (
    CheckName,
    Outcome,
    Report,
    Status,
    verify,
    verify_all,
)
from skills.verify import _envelopes as envelopes
from skills.verify._envelopes import container_ok, not_one_badge, unpack
from skills.verify._keys.dids import did_key_for
from skills.verify._sources import read_source
from skills.verify.ob3._proof import MAX_PROOFS
from tests.support.envelope_helpers import (
    DidKey,
    achievement_credential,
    clr,
    presentation,
    sign_presentation,
    tampered,
    three_badges,
    vp_jwt,
)


@pytest.fixture
def client() -> httpx.Client:
    """Nothing is fetched: every key here is a did:key, and nothing has a status list."""
    return httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(404)))


@pytest.fixture(scope="module")
def issuer() -> DidKey:
    return DidKey()


@pytest.fixture(scope="module")
def holder() -> DidKey:
    return DidKey()


@pytest.fixture(scope="module")
def badges(issuer: DidKey, holder: DidKey) -> list[dict[str, Any]]:
    return three_badges(issuer, holder.did)


def outcome(report: Report, name: str) -> Outcome:
    return next(Outcome(c.outcome) for c in report.checks if c.name == name)


def message(report: Report, name: str) -> str:
    return next(c.message for c in report.checks if c.name == name)


# -- CLR 2.0 ------------------------------------------------------------------------------


def test_clr_gives_its_own_report_then_one_per_badge(
    issuer: DidKey, holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    transcript = clr(issuer, holder.did, [badges[0], tampered(badges[1]), badges[2]])
    reports = verify_all(transcript, client=client)
    own, parts = reports[0], reports[1:]
    assert own.format == "clr" and own.status is Status.VERIFIED
    assert own.container is not None and own.container.kind == "clr"
    assert own.container.name == "Transcript of Ada Lovelace" and own.container.found == 3
    assert outcome(own, CheckName.SIGNATURE) is Outcome.PASSED
    assert outcome(own, CheckName.KEY_BINDING) is Outcome.PASSED
    assert [p.status for p in parts] == [Status.VERIFIED, Status.INVALID, Status.VERIFIED]
    assert "altered" in message(parts[1], CheckName.SIGNATURE)
    assert all(p.part_of == own.source_sha256 and p.container is None for p in parts)
    assert [p.credential.achievement.name for p in parts if p.credential] == [
        "Python Programming",
        "Rocket Science",
        "Working in Teams",
    ]
    assert container_ok(own)


def test_each_part_is_stored_as_bytes_that_verify_to_the_same_report(
    issuer: DidKey, holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    opened = unpack(clr(issuer, holder.did, badges), client=client)
    assert opened is not None
    for report, raw in zip(opened.parts, opened.raws, strict=True):
        assert hashlib.sha256(raw).hexdigest() == report.source_sha256
        again = verify(raw, client=client)
        assert again.status is Status.VERIFIED and again.source_sha256 == report.source_sha256


def test_a_forged_transcript_fails_but_its_badges_stand_on_their_own(
    issuer: DidKey, holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    transcript = clr(issuer, holder.did, badges)
    transcript["name"] = "Transcript of Someone Else"
    own, *parts = verify_all(transcript, client=client)
    assert own.status is Status.INVALID
    assert outcome(own, CheckName.SIGNATURE) is Outcome.FAILED
    assert not container_ok(own)
    assert [p.status for p in parts] == [Status.VERIFIED] * 3


def test_a_clr_context_not_bundled_leaves_its_proof_not_run_never_failed(
    issuer: DidKey, holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    transcript = clr(issuer, holder.did, badges)
    later = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.9.json"
    transcript["@context"][1] = later
    own, *parts = verify_all(transcript, client=client)
    assert own.status is Status.UNVERIFIABLE
    assert outcome(own, CheckName.CONTEXT) is Outcome.NOT_RUN
    assert outcome(own, CheckName.SIGNATURE) is Outcome.NOT_RUN
    assert "not bundled" in message(own, CheckName.SIGNATURE) and later in own.summary
    assert [p.status for p in parts] == [Status.VERIFIED] * 3
    assert container_ok(own)


def test_a_clr_signed_by_openbadgeslib_verifies(
    issuer: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    from cryptography.hazmat.primitives import serialization
    from openbadgeslib.ob3.clr import build_clr_credential, sign_clr_credential

    pem = issuer.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    doc = build_clr_credential(
        {"id": issuer.did, "type": ["Profile"], "name": "Acme University"},
        [],
        badges,
        credential_id="urn:uuid:5d0c1a52-7f11-4f51-9a51-7c8c8d3b0001",
    )
    own, *parts = verify_all(sign_clr_credential(doc, pem, issuer.vm), client=client)
    assert own.status is Status.VERIFIED, own.summary
    assert [p.status for p in parts] == [Status.VERIFIED] * 3


def test_a_clr_as_a_vc_jwt_is_verified_against_its_issuer(
    issuer: DidKey, holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:

    vc = clr(issuer, holder.did, badges, sign=False)
    token = sign_compact(
        {"alg": "EdDSA", "kid": issuer.vm}, {"iss": issuer.did, "vc": vc}, issuer.key
    )
    own, *parts = verify_all(token, client=client)
    assert own.format == "clr-jwt" and own.status is Status.VERIFIED, own.summary
    assert len(parts) == 3 and all(p.ok for p in parts)
    other = DidKey()
    forged = sign_compact({"alg": "EdDSA", "kid": other.vm}, {"vc": vc}, other.key)
    assert verify_all(forged, client=client)[0].status is Status.INVALID


# -- verifiable presentations ----------------------------------------------------------------


def test_a_signed_presentation_binds_badges_issued_to_its_holder(
    issuer: DidKey, holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    someone = achievement_credential(
        issuer, "did:example:someone-else", "Public Speaking", "public speaking", "urn:x"
    )
    own, *parts = verify_all(presentation(holder, [badges[0], badges[1], someone]), client=client)
    assert own.format == "vp" and own.status is Status.VERIFIED, own.summary
    assert own.container is not None and own.container.holder == holder.did
    assert own.container.holder_bound
    assert [p.status for p in parts] == [Status.VERIFIED] * 3
    for bound in parts[:2]:
        assert outcome(bound, CheckName.RECIPIENT) is Outcome.PASSED
        assert "presentation's holder" in message(bound, CheckName.RECIPIENT)
    # Issued to someone else: verified on its own, but not bound to the holder.
    assert outcome(parts[2], CheckName.RECIPIENT) is Outcome.NOT_RUN


def test_a_claimed_recipient_is_compared_as_usual_inside_a_presentation(
    holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    reports = verify_all(
        presentation(holder, badges[:2]), recipient="did:example:not-the-holder", client=client
    )
    assert [p.status for p in reports[1:]] == [Status.RECIPIENT_MISMATCH] * 2
    mine = verify_all(presentation(holder, badges[:2]), recipient=holder.did, client=client)
    assert all(p.ok for p in mine[1:])


def test_a_presentation_signed_by_another_key_binds_nobody(
    holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    doc = presentation(holder, badges[:2], sign=False)
    own, *parts = verify_all(sign_presentation(doc, DidKey()), client=client)
    assert own.status is Status.INVALID
    assert outcome(own, CheckName.KEY_BINDING) is Outcome.FAILED
    assert own.container is not None and not own.container.holder_bound
    assert all(outcome(p, CheckName.RECIPIENT) is Outcome.NOT_RUN for p in parts)
    assert all(p.ok for p in parts)


def test_a_presentation_altered_after_signing_fails_and_binds_nobody(
    holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    signed = presentation(holder, badges[:1])
    signed["verifiableCredential"].append(copy.deepcopy(badges[2]))
    own, *parts = verify_all(signed, client=client)
    assert outcome(own, CheckName.SIGNATURE) is Outcome.FAILED
    assert own.container is not None and not own.container.holder_bound
    assert len(parts) == 2 and all(
        outcome(p, CheckName.RECIPIENT) is not Outcome.PASSED for p in parts
    )


def test_an_unsigned_presentation_verifies_each_badge_and_binds_nobody(
    holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    own, *parts = verify_all(presentation(holder, badges[:2], sign=False), client=client)
    assert own.status is Status.UNVERIFIABLE and "not signed" in own.summary
    assert container_ok(own)
    assert all(p.ok for p in parts)
    assert all(outcome(p, CheckName.RECIPIENT) is Outcome.NOT_RUN for p in parts)


def test_a_presentation_signed_with_ecdsa_by_a_p256_holder_verifies_and_binds(
    issuer: DidKey, client: httpx.Client
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    did = did_key_for(key.public_key())
    mine = three_badges(issuer, did)[:2]
    doc = {**presentation(DidKey(), mine, sign=False), "holder": did}
    vm = f"{did}#{did.removeprefix('did:key:')}"
    signed = sign_data_integrity(
        doc, key, vm, cryptosuite="ecdsa-rdfc-2019", purpose="authentication"
    )
    own, *parts = verify_all(signed, client=client)
    assert own.status is Status.VERIFIED, own.summary
    assert message(own, CheckName.SIGNATURE) == (
        "Signed with the holder's P-256 key (ecdsa-rdfc-2019)."
    )
    assert own.container is not None and own.container.holder_bound
    assert all(outcome(p, CheckName.RECIPIENT) is Outcome.PASSED for p in parts)
    forged = copy.deepcopy(signed)
    forged["verifiableCredential"].pop()
    again, *_ = verify_all(forged, client=client)
    assert outcome(again, CheckName.SIGNATURE) is Outcome.FAILED
    assert "the presentation was altered" in message(again, CheckName.SIGNATURE)


def test_a_presentation_signed_with_eddsa_jcs_verifies_and_binds(
    holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    doc = presentation(holder, badges[:2], sign=False)
    signed = sign_data_integrity(
        doc, holder.key, holder.vm, cryptosuite="eddsa-jcs-2022", purpose="authentication"
    )
    own, *parts = verify_all(signed, client=client)
    assert own.status is Status.VERIFIED, own.summary
    assert "eddsa-jcs-2022" in message(own, CheckName.SIGNATURE)
    assert own.container is not None and own.container.holder_bound
    assert all(outcome(p, CheckName.RECIPIENT) is Outcome.PASSED for p in parts)
    other = DidKey()
    stolen = sign_data_integrity(
        doc, other.key, other.vm, cryptosuite="eddsa-jcs-2022", purpose="authentication"
    )
    refused, *_ = verify_all(stolen, client=client)
    assert outcome(refused, CheckName.KEY_BINDING) is Outcome.FAILED
    assert refused.container is not None and not refused.container.holder_bound


def test_a_presentation_with_more_proofs_than_the_cap_is_refused(
    holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    signed = presentation(holder, badges[:1])
    proofs = []
    for day in range(1, MAX_PROOFS + 2):  # distinct, each valid on its own
        proof = sign_data_integrity(
            signed, holder.key, holder.vm, created=f"2024-07-{day:02d}T00:00:00Z",
            purpose="authentication",
        )["proof"]  # fmt: skip
        proofs.append(proof)
    own, *parts = verify_all({**signed, "proof": proofs}, client=client)
    assert own.status is Status.INVALID
    assert message(own, CheckName.SIGNATURE) == (
        f"The presentation carries {MAX_PROOFS + 1} proofs; Skill Atlas checks at most "
        f"{MAX_PROOFS} on one presentation and refuses more."
    )
    assert own.container is not None and not own.container.holder_bound
    assert all(outcome(p, CheckName.RECIPIENT) is Outcome.NOT_RUN for p in parts)
    # The same proofs up to the cap verify.
    ok, *_ = verify_all({**signed, "proof": proofs[:MAX_PROOFS]}, client=client)
    assert ok.status is Status.VERIFIED, ok.summary


def test_a_presentation_proof_for_another_purpose_fails(
    holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    doc = presentation(holder, badges[:1], sign=False)
    signed = sign_data_integrity(doc, holder.key, holder.vm, purpose="capabilityDelegation")
    own, *_ = verify_all(signed, client=client)
    assert outcome(own, CheckName.SIGNATURE) is Outcome.FAILED
    assert "not assertionMethod or authentication" in message(own, CheckName.SIGNATURE)


def test_a_presentation_context_check_speaks_of_the_presentation(
    holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    signed = presentation(holder, badges[:1])
    signed["@context"] = [*signed["@context"], {"skill": "https://example.org/skill"}]
    own, *_ = verify_all(signed, client=client)
    assert outcome(own, CheckName.CONTEXT) is Outcome.FAILED
    assert message(own, CheckName.CONTEXT).startswith("The presentation defines its own")
    later = "https://example.org/contexts/not-bundled.json"
    unknown = presentation(holder, badges[:1])
    unknown["@context"] = [*unknown["@context"], later]
    own, *_ = verify_all(unknown, client=client)
    assert own.status is Status.UNVERIFIABLE
    assert later in message(own, CheckName.CONTEXT)
    assert "the presentation" in message(own, CheckName.CONTEXT)
    assert "not bundled" in message(own, CheckName.SIGNATURE)


def test_a_vp_jwt_is_verified_with_the_holders_key(
    holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    own, *parts = verify_all(vp_jwt(holder, badges[:2]), client=client)
    assert own.format == "vp-jwt" and own.status is Status.VERIFIED, own.summary
    assert own.container is not None and own.container.holder_bound
    assert all(outcome(p, CheckName.RECIPIENT) is Outcome.PASSED for p in parts)
    stolen = verify_all(vp_jwt(holder, badges[:2], signer=DidKey()), client=client)
    assert outcome(stolen[0], CheckName.KEY_BINDING) is Outcome.FAILED
    assert all(outcome(p, CheckName.RECIPIENT) is Outcome.NOT_RUN for p in stolen[1:])


def test_vp_jwt_with_alg_none_is_refused(
    holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    from skills.verify._keys import jose

    signed = vp_jwt(holder, badges[:1])
    head = jose.b64url_encode(json.dumps({"alg": "none"}).encode())
    unsigned = head + "." + signed.split(".")[1] + "."
    own, *parts = verify_all(unsigned, client=client)
    assert outcome(own, CheckName.SIGNATURE) is Outcome.FAILED
    assert own.container is not None and not own.container.holder_bound
    assert outcome(parts[0], CheckName.RECIPIENT) is Outcome.NOT_RUN


def test_credentials_as_tokens_and_enveloped_data_urls_are_verified(
    holder: DidKey, client: httpx.Client
) -> None:
    from tests.support.ingest_helpers import BadgeIssuer

    token = BadgeIssuer().badge("ada@example.org")
    enveloped = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["EnvelopedVerifiableCredential"],
        "id": "data:application/vc+jwt," + token,
    }
    _own, *parts = verify_all(vp_jwt(holder, [token, enveloped]), client=client)
    assert [p.format for p in parts] == ["ob3-jwt", "ob3-jwt"]
    assert all(p.ok for p in parts), [p.summary for p in parts]
    assert parts[0].source_sha256 == hashlib.sha256(token.encode()).hexdigest()


def test_a_bad_entry_gets_its_own_failed_report_and_never_stops_the_others(
    issuer: DidKey, holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    nested = presentation(holder, badges[:1], sign=False)
    entries = [42, "https://issuer.example/badge/1", nested, badges[0], {"type": "x"}]
    own, *parts = verify_all(presentation(holder, entries, sign=False), client=client)
    assert len(parts) == 5
    assert [p.status for p in parts[:3]] == [Status.INVALID] * 3
    assert "neither" in message(parts[0], CheckName.INPUT)
    assert "never fetched" in message(parts[1], CheckName.INPUT)
    assert "inside another" in message(parts[2], CheckName.INPUT)
    assert parts[3].ok
    assert parts[4].status is not Status.VERIFIED
    assert own.container is not None and own.container.skipped == 3
    assert not container_ok(own)


def test_more_credentials_than_the_limit_are_capped_with_a_warning(
    holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client, monkeypatch: Any
) -> None:
    monkeypatch.setattr(envelopes, "MAX_EMBEDDED", 2)
    own, *parts = verify_all(presentation(holder, badges, sign=False), client=client)
    assert len(parts) == 2
    warned = [c for c in own.checks if c.outcome == Outcome.WARNING]
    assert warned and "only the first 2" in warned[0].message
    assert own.container is not None and own.container.skipped == 1
    assert not container_ok(own)


def test_a_plain_badge_gives_one_report(badges: list[dict[str, Any]], client: httpx.Client) -> None:
    (only,) = verify_all(badges[0], client=client)
    assert only.ok and only.container is None and only.part_of is None
    assert only == verify(badges[0], client=client, now=only.verified_at)


def test_verify_names_a_container_and_points_to_verify_all(
    issuer: DidKey, holder: DidKey, badges: list[dict[str, Any]]
) -> None:

    transcript = read_source(json.dumps(clr(issuer, holder.did, badges)).encode())
    result = not_one_badge(transcript)
    assert result is not None and result.format == "clr" and result.credential is None
    (check,) = result.checks
    assert check.name == CheckName.STRUCTURE and check.outcome == Outcome.FAILED
    assert check.message == (
        "This is a Comprehensive Learner Record (transcript) holding 3 badges, not a single "
        "badge: verify it with verify_all, or submit it as a whole, and each badge inside is "
        "verified on its own."
    )
    wallet = not_one_badge(read_source(vp_jwt(holder, badges[:1])))
    assert wallet is not None and wallet.format == "vp-jwt"
    assert wallet.checks[0].message.startswith(
        "This is a verifiable presentation (a wallet export) holding 1 badge, not a single"
    )
    vc = clr(issuer, holder.did, badges[:2], sign=False)
    token = sign_compact({"alg": "EdDSA", "kid": issuer.vm}, {"vc": vc}, issuer.key)
    as_jwt = not_one_badge(read_source(token))
    assert (
        as_jwt is not None and as_jwt.format == "clr-jwt" and "2 badges" in as_jwt.checks[0].message
    )
    assert not_one_badge(read_source(json.dumps(badges[0]))) is None


def test_plain_verify_of_a_container_says_it_holds_several_badges(
    issuer: DidKey, holder: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    report = verify(clr(issuer, holder.did, badges), client=client)
    assert report.status is Status.INVALID and report.format == "clr"
    assert outcome(report, CheckName.STRUCTURE) is Outcome.FAILED
    assert "Comprehensive Learner Record (transcript) holding 3 badges" in report.summary
    assert "verify_all" in message(report, CheckName.STRUCTURE)
    wallet = verify(presentation(holder, badges[:2]), client=client)
    assert wallet.format == "vp" and "presentation (a wallet export) holding 2 badges" in (
        message(wallet, CheckName.STRUCTURE)
    )


def test_container_detection_reads_only_what_it_needs(
    holder: DidKey, badges: list[dict[str, Any]]
) -> None:
    assert envelopes.might_hold_many(json.dumps(presentation(holder, badges[:1], sign=False)))
    assert envelopes.might_hold_many(vp_jwt(holder, badges[:1]).encode())
    assert not envelopes.might_hold_many(json.dumps(badges[0]).encode())
    assert not envelopes.might_hold_many("https://issuer.example/badge/1")


# -- the verify command ------------------------------------------------------------------------


def test_verify_command_prints_one_result_per_badge_and_fails_on_any(
    issuer: DidKey,
    holder: DidKey,
    badges: list[dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "transcript.json"
    bad.write_text(json.dumps(clr(issuer, holder.did, [badges[0], tampered(badges[1])])))
    assert main(["verify", str(bad)]) == 1
    # One line per result, whatever the width (rich used to fold long paths mid-word).
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    out = "\n".join(lines)
    assert f"{bad} (transcript Transcript of Ada Lovelace: 2 badges) verified (clr)" in lines
    assert "[1/2] Python Programming verified (ob3-di)" in out
    assert "[2/2] Rocket Science invalid (ob3-di)" in out

    good = tmp_path / "wallet.json"
    good.write_text(json.dumps(presentation(holder, badges[:2])))
    assert main(["verify", str(good), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 3 and rows[0]["container"]["holder_bound"] is True
    assert [r["status"] for r in rows[1:]] == ["verified", "verified"]
    assert all(r["part_of"] == rows[0]["source_sha256"] for r in rows[1:])
