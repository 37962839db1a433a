"""Ingestion's rules as plain functions (skills.ingest._plan): no DuckDB, hand-made reports.

Each test builds :class:`skills.verify.Report` and :class:`Credential` objects directly,
plans a chunk with :func:`plan_chunk` (or :func:`plan_reverify`) and reads the plan: which
rows it writes, under which key, what the submitter is told, what the audit says.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from skills.ingest._plan import (
    REJECTED_PREFIX_BYTES,
    BatchItem,
    ChunkPlan,
    Prepared,
    SkillRow,
    Stored,
    achievement_key,
    authentic,
    claim_key,
    credential_key,
    is_self_issued,
    issuer_key,
    lookup_keys,
    plan_chunk,
    plan_reverify,
)
from skills.verify import CheckName, Credential, Report, Status
from skills.verify._model import (
    Achievement,
    Check,
    Issuer,
    Recipient,
    decide,
    failed,
    not_run,
    passed,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ACME = "did:jwk:acme"
MILL = "did:key:zMill"
ALAN_DID = "did:key:zAlan"
ADA = Recipient(identity="ada@example.org", type="email")
PY = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"

SIGNED = passed(CheckName.SIGNATURE, "The signature is valid.")
BOUND = passed(CheckName.RECIPIENT, "Issued to ada@example.org.")
GENUINE = (SIGNED, BOUND)
FORGED = (failed(CheckName.SIGNATURE, "The signature does not match."), BOUND)
NOT_HERS = (SIGNED, failed(CheckName.RECIPIENT, "Issued to someone else."))
NO_KEY = (not_run(CheckName.KEY_BINDING, "The issuer's key could not be fetched."), BOUND)
REVOKED = (SIGNED, BOUND, failed(CheckName.REVOCATION, "Revoked by its issuer."))


def cred(
    *,
    id: str | None = "urn:uuid:1",
    issuer: str | None = ACME,
    issuer_name: str | None = "Acme Academy",
    achievement: str | None = "https://acme.example/a/1",
    badge: str | None = "Python 101",
    recipient: Recipient = ADA,
) -> Credential:
    return Credential(
        id=id,
        issuer=Issuer(id=issuer, name=issuer_name, url="https://acme.example"),
        achievement=Achievement(id=achievement, name=badge, description=f"{badge}, passed."),
        recipient=recipient,
        issued=NOW - timedelta(days=10),
    )


def report(credential: Credential | None, checks: Sequence[Check], sha: str = "a") -> Report:
    return Report(
        status=decide(checks),
        format="ob3-jwt",
        checks=tuple(checks),
        credential=credential,
        source_sha256=hashlib.sha256(sha.encode()).hexdigest(),
        verified_at=NOW,
    )


def prep(
    rep: Report | None,
    person: str | None = "e1",
    *,
    name: str = "badge.jwt",
    raw: bytes | None = b"token",
    skills: Sequence[SkillRow] = (),
    identities: Sequence[str] = (),
    refusal: str | None = None,
) -> Prepared:
    return Prepared(
        BatchItem(raw or b"", person, name),
        raw,
        len(raw or b""),
        rep,
        tuple(skills),
        refusal,
        identities=tuple(identities),
    )


def plan(
    items: Sequence[Prepared],
    stored: Mapping[str, Stored] | None = None,
    *,
    submitted_by: str = "ada",
    rejected_seen: set[tuple[str, str, str | None]] | None = None,
    rejected_today: int = 0,
    cap: int = 200,
) -> ChunkPlan:
    return plan_chunk(
        items,
        stored or {},
        rejected_seen=rejected_seen or set(),
        rejected_today=rejected_today,
        submitted_by=submitted_by,
        now=NOW,
        max_rejected_per_day=cap,
    )


def skill(*, mapped: bool = True, method: str = "alignment", label: str = "Pythn") -> SkillRow:
    return SkillRow(
        skill_uri=PY if mapped else None,
        label=label,
        mention=label,
        source="alignment",
        confidence=0.95 if mapped else 0.4,
        method=method,
        inferred=False,
        candidates=() if mapped else ((PY, "Python (computer programming)", 0.7),),
    )


def actions(p: ChunkPlan) -> list[str]:
    return [a.action for a in p.audits]


# -- new, duplicate, status change -----------------------------------------------------------


def test_a_new_authentic_credential_is_keyed_by_issuer_and_its_id() -> None:
    rep = report(cred(), GENUINE)
    assert authentic(rep)
    assert claim_key(rep) == f"{ACME} urn:uuid:1"
    p = plan([prep(rep, skills=[skill()])])
    (row,) = p.credentials
    assert row["credential_key"] == f"{ACME} urn:uuid:1"
    assert (row["person_id"], row["submitted_by"], row["status"]) == ("e1", "ada", "verified")
    # The credential's own snapshot of its names: pages show these.
    assert (row["badge_name"], row["badge_description"], row["issuer_name"]) == (
        "Python 101",
        "Python 101, passed.",
        "Acme Academy",
    )
    assert row["self_issued"] is False
    assert [s["skill_uri"] for s in p.skills] == [PY]
    assert p.history == [
        {
            "credential_key": row["credential_key"],
            "old_status": None,
            "new_status": "verified",
            "changed_at": NOW,
            "reason": "submitted",
        }
    ]
    (result,) = p.results
    assert (result.status, result.duplicate, result.outcome) == ("verified", False, "verified")
    assert result.credential_key == row["credential_key"]
    assert actions(p) == ["credential.submit"]
    assert p.audits[0].detail == {"status": "verified", "name": "badge.jwt"}


def test_authentic_without_an_id_is_keyed_by_its_content() -> None:
    rep = report(cred(id=None), GENUINE, sha="x")
    assert claim_key(rep) is None
    assert credential_key(rep, "e1") == "sha256:" + rep.source_sha256
    assert plan([prep(rep)]).credentials[0]["credential_key"] == "sha256:" + rep.source_sha256


def test_the_same_credential_again_is_a_duplicate_that_changes_nothing() -> None:
    rep = report(cred(), GENUINE)
    key = f"{ACME} urn:uuid:1"
    p = plan([prep(rep)], {key: Stored(key, "verified", "e1", ACME)})
    assert p.credentials == [] and p.history == [] and p.status_updates == []
    (result,) = p.results
    assert (result.duplicate, result.outcome, result.person_id) == (True, "duplicate", "e1")
    assert result.reason == "Already stored; nothing changed."
    assert actions(p) == ["credential.duplicate"]
    assert p.audits[0].detail == {"applied": True}


def test_a_duplicate_with_a_new_status_updates_it_and_records_the_change() -> None:
    rep = report(cred(), REVOKED)
    assert rep.status is Status.REVOKED and authentic(rep)
    key = f"{ACME} urn:uuid:1"
    p = plan([prep(rep)], {key: Stored(key, "verified", "e1", ACME)})
    assert [u["status"] for u in p.status_updates] == ["revoked"]
    assert [(h["old_status"], h["new_status"]) for h in p.history] == [("verified", "revoked")]
    assert p.history[0]["reason"].startswith("re-submitted: ")
    (result,) = p.results
    assert result.status_changed and result.outcome == "revoked"
    assert result.reason == "Already stored; its status changed from verified to revoked."
    assert actions(p) == ["credential.status"]
    assert p.audits[0].detail == {"old": "verified", "new": "revoked", "why": "re-submitted"}


def test_a_credential_twice_in_one_chunk_is_stored_once() -> None:
    rep = report(cred(), GENUINE)
    p = plan([prep(rep), prep(rep, name="again.jwt")])
    assert len(p.credentials) == 1
    assert [r.outcome for r in p.results] == ["verified", "duplicate"]


def test_a_credential_stored_under_its_bare_id_by_an_older_version_is_found() -> None:
    rep = report(cred(), GENUINE)
    assert "urn:uuid:1" in lookup_keys([prep(rep)], submitted_by="ada")
    legacy = {"urn:uuid:1": Stored("urn:uuid:1", "verified", "e1", ACME)}
    assert plan([prep(rep)], legacy).results[0].credential_key == "urn:uuid:1"
    # ... but only its own issuer's: another issuer's row under that id is not it.
    other = {"urn:uuid:1": Stored("urn:uuid:1", "verified", "e1", MILL)}
    p = plan([prep(rep)], other)
    assert p.credentials[0]["credential_key"] == f"{ACME} urn:uuid:1"


# -- authentic or not: who may claim an id ----------------------------------------------------


@pytest.mark.parametrize(
    ("checks", "status"),
    [
        (FORGED, Status.INVALID),
        (NOT_HERS, Status.RECIPIENT_MISMATCH),
        (NO_KEY, Status.UNVERIFIABLE),
    ],
)
def test_what_is_not_authentic_is_keyed_by_content_and_owner(
    checks: Sequence[Check], status: Status
) -> None:
    rep = report(cred(), checks, sha="forged")
    assert rep.status is status and not authentic(rep)
    content = "sha256:" + rep.source_sha256
    assert credential_key(rep, "e2") == f"{content}@e2"
    p = plan([prep(rep, "e2", skills=[skill(), skill(mapped=False)])], submitted_by="alan")
    assert p.credentials[0]["credential_key"] == f"{content}@e2"
    # It writes no shared row and puts nothing in HR's review queue.
    assert p.issuers == [] and p.achievements == [] and p.reviews == []
    # Unbound, it is filed under its submitter.
    unbound = plan([prep(rep, None)], submitted_by="alan")
    assert unbound.credentials[0]["credential_key"] == f"{content}@alan"


def test_a_forged_copy_first_never_blocks_the_genuine_badge() -> None:
    forged = report(cred(badge="Doctor of Medicine"), FORGED, sha="forged")
    genuine = report(cred(), GENUINE, sha="genuine")
    p = plan([prep(forged, "e2"), prep(genuine, "e1")], submitted_by="hr")
    keys = [c["credential_key"] for c in p.credentials]
    assert keys == [f"sha256:{forged.source_sha256}@e2", f"{ACME} urn:uuid:1"]
    assert [(r.status, r.duplicate) for r in p.results] == [
        ("invalid", False),
        ("verified", False),
    ]
    # The forged copy stored earlier is not found either: its key is not the id.
    earlier = {keys[0]: Stored(keys[0], "invalid", "e2", ACME)}
    again = plan([prep(genuine, "e1")], earlier)
    assert again.results[0].duplicate is False


def test_a_stored_mismatch_is_never_moved_to_another_person() -> None:
    mismatch = report(cred(), NOT_HERS, sha="same-bytes")
    genuine = report(cred(), GENUINE, sha="same-bytes")
    stored_for_alan = f"sha256:{mismatch.source_sha256}@e2"
    stored = {stored_for_alan: Stored(stored_for_alan, "recipient_mismatch", "e2", ACME)}
    assert stored_for_alan not in lookup_keys([prep(genuine, "e1")], submitted_by="ada")
    p = plan([prep(genuine, "e1")], stored)
    assert p.status_updates == [] and p.history[0]["old_status"] is None
    assert p.credentials[0]["person_id"] == "e1"
    # Ada's own mismatching copy (she is e1) is hers, not Alan's row.
    mine = plan([prep(mismatch, "e1")], stored)
    assert mine.credentials[0]["credential_key"] == f"sha256:{mismatch.source_sha256}@e1"


def test_a_duplicate_for_another_person_says_nothing_about_them() -> None:
    rep = report(cred(), GENUINE)
    key = f"{ACME} urn:uuid:1"
    stored = {key: Stored(key, "revoked", "e2", ACME)}
    p = plan([prep(rep, "e1")], stored, submitted_by="ada")
    (result,) = p.results
    assert result.person_id == "e1"
    assert result.status == "verified" and result.old_status in (None, "verified")
    assert "e2" not in result.reason and "revoked" not in result.reason
    # Nothing changes for the other person's row.
    assert p.status_updates == [] and p.credentials == [] and p.history == []
    assert [(a.action, a.person_id, dict(a.detail)) for a in p.audits] == [
        ("credential.duplicate", "e1", {"applied": False})
    ]


@pytest.mark.parametrize(
    "window",
    [
        failed(CheckName.VALIDITY, "Expired.", status=Status.EXPIRED),
        failed(CheckName.VALIDITY, "Not yet valid.", status=Status.NOT_YET_VALID),
        failed(CheckName.REVOCATION, "Revoked by its issuer."),
    ],
)
def test_a_copy_issued_to_someone_else_never_claims_the_id_whatever_its_verdict(
    window: Check,
) -> None:
    rep = report(cred(), (*NOT_HERS, window), sha="copy")
    assert rep.status is not Status.VERIFIED
    assert not authentic(rep)
    assert credential_key(rep, "e2") == f"sha256:{rep.source_sha256}@e2"


# -- shared rows -------------------------------------------------------------------------------


def test_shared_rows_come_only_from_authentic_badges_that_are_not_self_issued() -> None:
    genuine = report(cred(), GENUINE, sha="g")
    forged = report(cred(issuer_name="Diploma Mill (fake)"), FORGED, sha="f")
    own = report(cred(id="urn:uuid:2", issuer=ALAN_DID, issuer_name="Alan"), GENUINE, sha="o")
    p = plan([prep(forged, "e2"), prep(own, "e2", identities=[ALAN_DID]), prep(genuine)])
    assert p.issuers == [{"issuer_id": ACME, "name": "Acme Academy", "url": "https://acme.example"}]
    assert [(a["issuer_id"], a["name"]) for a in p.achievements] == [(ACME, "Python 101")]
    by_key = {c["credential_key"]: c for c in p.credentials}
    assert by_key[f"{ALAN_DID} urn:uuid:2"]["self_issued"] is True
    # Each credential still keeps its own names, and its issuer id for the trust join.
    assert by_key[f"sha256:{forged.source_sha256}@e2"]["issuer_name"] == "Diploma Mill (fake)"
    assert "self-issued" in p.results[1].reason and "never count" in p.results[1].reason


def test_achievement_keys_are_scoped_by_their_issuer() -> None:
    acme = report(cred(), GENUINE, sha="a")
    mill = report(
        cred(id="urn:uuid:9", issuer=MILL, issuer_name="Mill", badge="Doctor of Medicine"),
        GENUINE,
        sha="m",
    )
    assert acme.credential and mill.credential
    a_key = achievement_key(acme.credential, issuer_key(acme.credential))
    m_key = achievement_key(mill.credential, issuer_key(mill.credential))
    assert a_key and m_key and a_key != m_key
    p = plan([prep(mill, "e2"), prep(acme)])
    rows = {a["achievement_id"]: (a["issuer_id"], a["name"]) for a in p.achievements}
    assert rows == {m_key: (MILL, "Doctor of Medicine"), a_key: (ACME, "Python 101")}
    # An achievement without an id is keyed by its name, within its issuer too.
    nameless = cred(achievement=None)
    assert achievement_key(nameless, ACME) != achievement_key(nameless, MILL)
    assert achievement_key(cred(achievement=None, badge=None), ACME) is None


def test_issuer_key_is_the_id_else_a_hash_of_the_name() -> None:
    assert issuer_key(cred()) == ACME
    by_name = issuer_key(cred(issuer=None, issuer_name="Acme Academy"))
    assert by_name is not None and by_name.startswith("name:")
    assert by_name != issuer_key(cred(issuer=None, issuer_name="Acme Academy "))
    assert issuer_key(cred(issuer=None, issuer_name=None)) is None


# -- review queue ----------------------------------------------------------------------------


def test_only_authentic_badges_of_others_put_labels_in_the_review_queue() -> None:
    first = report(cred(), GENUINE, sha="1")
    second = report(cred(id="urn:uuid:2"), GENUINE, sha="2")
    forged = report(cred(id="urn:uuid:3"), FORGED, sha="3")
    own = report(cred(id="urn:uuid:4", issuer=ALAN_DID), GENUINE, sha="4")
    unmapped = [skill(mapped=False, label="  Pythn ")]
    p = plan(
        [
            prep(first, skills=unmapped),
            prep(second, skills=[*unmapped, skill(mapped=False, method="remembered", label="x")]),
            prep(forged, "e2", skills=[skill(mapped=False, label="planted")]),
            prep(own, "e2", skills=[skill(mapped=False, label="mine")], identities=[ALAN_DID]),
        ]
    )
    (entry,) = p.reviews
    assert entry["label_norm"] == "pythn" and entry["label"] == "Pythn"
    assert entry["occurrences"] == 2
    assert entry["first_credential_key"] == f"{ACME} urn:uuid:1"
    # Every credential keeps its skill rows all the same.
    assert len(p.skills) == 5


# -- rejected submissions --------------------------------------------------------------------


def test_a_rejection_keeps_a_bounded_prefix_its_size_and_hash() -> None:
    junk = bytes(range(256)) * 40
    unreadable = report(None, (failed(CheckName.INPUT, "Not a badge."),), sha="junk")
    p = plan([prep(unreadable, "e2", name="junk.bin", raw=junk)], submitted_by="alan")
    (row,) = p.rejected
    assert row["raw"] == junk[:REJECTED_PREFIX_BYTES] and REJECTED_PREFIX_BYTES == 4096
    assert (row["size"], row["sha256"]) == (len(junk), unreadable.source_sha256)
    assert (row["submitted_by"], row["person_id"], row["name"]) == ("alan", "e2", "junk.bin")
    assert p.credentials == [] and p.results[0].rejected
    assert p.results[0].reason == unreadable.summary
    assert actions(p) == ["submission.reject"]
    # Refused before verification (an unknown person): hashed from the bytes themselves.
    refused = plan([prep(None, "nobody", raw=b"abc", refusal="There is no person.")])
    assert refused.rejected[0]["sha256"] == hashlib.sha256(b"abc").hexdigest()
    assert refused.results[0].reason == "There is no person."


def test_rejections_past_the_daily_cap_are_refused_and_not_stored() -> None:
    def junk(n: int) -> Prepared:
        return prep(
            report(None, (failed(CheckName.INPUT, "Not a badge."),), sha=f"j{n}"),
            "e2",
            name=f"junk-{n}",
        )

    p = plan([junk(1), junk(2), junk(3)], submitted_by="alan", rejected_today=1, cap=2)
    assert [r["name"] for r in p.rejected] == ["junk-1"]
    assert actions(p) == ["submission.reject"]
    refused = p.results[1:]
    assert all(r.rejected for r in refused)
    for r in refused:
        assert r.reason.startswith(
            "Not stored: 2 submissions that were not badges have already been refused today "
            "for this account; try again tomorrow. "
        )
    # A rejection already on record is not stored or counted again, nor refused by the cap.
    first = junk(1).report
    assert first is not None
    seen: set[tuple[str, str, str | None]] = {(first.source_sha256, "junk-1", "e2")}
    again = plan([junk(1)], submitted_by="alan", rejected_seen=seen, rejected_today=5, cap=2)
    assert again.rejected == [] and again.audits == []
    assert again.results[0].reason == "Not valid: Not a badge."


# -- self-issued -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issuer", "recipient", "identities", "expected"),
    [
        (ALAN_DID, ADA, [ALAN_DID], True),  # the issuer is a DID on the person's record
        (f"{ALAN_DID}#key-1", ADA, [ALAN_DID], True),  # ... named with a key fragment
        (ALAN_DID, ADA, [f"{ALAN_DID}#zAlan"], True),
        (ALAN_DID, Recipient(identity=ALAN_DID, type="id"), [], True),  # subject id = issuer
        ("mailto:Alan@Example.org", Recipient("alan@example.org", "email"), [], True),
        (
            ALAN_DID,
            Recipient(
                identity="sha256$" + hashlib.sha256(f"{ALAN_DID}pepper".encode()).hexdigest(),
                type="id",
                hashed=True,
                salt="pepper",
            ),
            [],
            True,
        ),  # a hashed recipient that is the issuer
        (
            ACME,
            Recipient(
                identity="sha256$" + hashlib.sha256(f"{ALAN_DID}pepper".encode()).hexdigest(),
                type="id",
                hashed=True,
                salt="pepper",
            ),
            [ALAN_DID],
            False,
        ),
        (ACME, ADA, ["ada@example.org", ALAN_DID], False),
        (ACME, Recipient(identity=ALAN_DID, type="id"), [ALAN_DID], False),
        (None, Recipient(identity=ALAN_DID, type="id"), [ALAN_DID], False),
        ("  ", ADA, ["  "], False),
        (ALAN_DID, Recipient(name="Alan Turing", type="name"), [], False),
    ],
)
def test_is_self_issued(
    issuer: str | None, recipient: Recipient, identities: list[str], expected: bool
) -> None:
    assert is_self_issued(cred(issuer=issuer, recipient=recipient), identities) is expected


# -- re-verification ---------------------------------------------------------------------------


def test_reverify_updates_every_row_and_records_only_changes() -> None:
    same = report(cred(), GENUINE, sha="1")
    now_revoked = report(cred(id="urn:uuid:2"), REVOKED, sha="2")
    p = plan_reverify(
        [("k1", "verified", "e1"), ("k2", "verified", "e2")], [same, now_revoked], now=NOW
    )
    assert [(u["credential_key"], u["status"]) for u in p.status_updates] == [
        ("k1", "verified"),
        ("k2", "revoked"),
    ]
    assert [(h["credential_key"], h["old_status"], h["new_status"]) for h in p.history] == [
        ("k2", "verified", "revoked")
    ]
    assert p.history[0]["reason"].startswith("re-verified: ")
    assert [(a.action, a.subject, a.person_id, dict(a.detail)) for a in p.audits] == [
        ("credential.reverify", "k2", "e2", {"old": "verified", "new": "revoked"})
    ]
    assert p.credentials == [] and p.results == []
    with pytest.raises(ValueError):
        plan_reverify([("k1", "verified", "e1")], [], now=NOW)
