"""Issue 11, "nothing false gets in": each integrity attack performed end to end.

Every attack goes through :func:`skills.ingest.ingest_one` or
:func:`skills.ingest.ingest_batch` into a real DuckDB file (people e0, e1, e2, c1 of
``ingest_helpers.PEOPLE_CSV``), with badges signed here. A *forged* badge is a genuine
one altered after signing, or one signed by another key while naming the issuer. What is
asserted is what a person would notice: the page queries (profile, credential detail,
gaps and readiness, skill map, candidate search) and the ``held_skills`` /
``unreviewed_skills`` views, and the result a submitter is shown.

Attacks (each reproduced on the old main, 5ecd282, where these tests fail):

1. metadata poisoning: a forged (or another issuer's) badge renames a colleague's badge;
2. credential-id squatting, takeover of a stored mismatch, and the "already stored" oracle;
3. self-issued and untrusted issuers' skills count;
11. rejected junk stored whole and without limit;
13. the demo issuers' committed keys mint "verified" badges outside a demo database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from openbadgeslib.ob3 import did_jwk_from_jwk

from skills.access import Role, Viewer, make_viewer
from skills.config import Settings
from skills.demo import DemoConfig, build_demo
from skills.demo.catalogue import AchievementSpec, SkillRef
from skills.demo.inputs import load_inputs
from skills.demo.issue import Award, IssuerKit, issue
from skills.demo.signing import sign_compact, sign_data_integrity
from skills.ingest import BatchItem, IngestResult, Mapper, ingest_batch, ingest_one
from skills.ingest.people import import_people
from skills.services import candidates, gaps, profile, skill_map
from skills.services._insights import readiness
from skills.store import Store, open_store, save_role_profile, set_issuer_trust, sync_skills
from skills.taxonomy import load_taxonomy
from skills.verify._keys.dids import did_key_for
from skills.verify._keys.jose import key_to_jwk
from tests.support.hostile_support import changed_tables, fingerprints
from tests.support.ingest_helpers import PEOPLE_CSV, PYTHON_ESCO, BadgeIssuer

pytestmark = pytest.mark.hostile

JAVASCRIPT_ESCO = "http://data.europa.eu/esco/skill/3cd569a2-4f88-4c1e-9995-8dce8c5e51a7"
MILL = "Diploma Mill (fake)"
DOCTOR = "Doctor of Medicine"
HR = Viewer(account="hr", role=Role.HR, person_id="e0")
ADA_HERSELF = Viewer(account="ada", role=Role.MEMBER, person_id="e1")
RECRUITER = Viewer(account="rita", role=Role.RECRUITER)
ROOT = Path(__file__).resolve().parents[2]


# -- badges ----------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return data


def altered(token: str, change: Callable[[dict[str, Any]], None]) -> str:
    """The token with its claims changed after signing (the signature kept: a forgery)."""
    head, _, sig = token.split(".")
    claims = claims_of(token)
    change(claims)
    return f"{head}.{_b64(json.dumps(claims).encode())}.{sig}"


def signed_by(claims: dict[str, Any], key: ed25519.Ed25519PrivateKey) -> str:
    """``claims`` signed as a VC-JWT by ``key`` (its public key in the header's ``jwk``)."""
    header = {"alg": "EdDSA", "typ": "JWT", "jwk": key_to_jwk(key.public_key())}
    return sign_compact(header, claims, key)


def did_jwk(key: ed25519.Ed25519PrivateKey) -> str:
    return str(did_jwk_from_jwk(key_to_jwk(key.public_key())))


def hashed(email: str, salt: str = "s4lt") -> str:
    return "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()


def recipient(email: str) -> Callable[[dict[str, Any]], None]:
    """A claims change: the badge names ``email`` (salted hash) as its recipient."""

    def change(claims: dict[str, Any]) -> None:
        claims["credentialSubject"]["identifier"][0]["identityHash"] = hashed(email)

    return change


def renamed(achievement_id: str) -> Callable[[dict[str, Any]], None]:
    """A claims change: the Diploma Mill's "Doctor of Medicine" on ``achievement_id``."""

    def change(claims: dict[str, Any]) -> None:
        claims["name"] = DOCTOR
        claims["issuer"]["name"] = MILL
        achievement = claims["credentialSubject"]["achievement"]
        achievement.update(id=achievement_id, name=DOCTOR, description="Awarded on payment.")

    return change


def did_key_badge(
    key: ed25519.Ed25519PrivateKey,
    subject: dict[str, Any],
    *,
    name: str = "Full-stack developer",
    skills: tuple[tuple[str, str], ...] = (
        ("JavaScript", JAVASCRIPT_ESCO),
        ("Python (computer programming)", PYTHON_ESCO),
    ),
) -> bytes:
    """An OB 3.0 badge with an ``eddsa-rdfc-2022`` proof by the ``did:key`` of ``key``."""
    did = did_key_for(key.public_key())
    issued = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    doc: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": {"id": did, "type": ["Profile"], "name": "Alan's Academy of Alan"},
        "validFrom": issued,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            **subject,
            "achievement": {
                "id": f"urn:uuid:{uuid.uuid4()}",
                "type": ["Achievement"],
                "name": name,
                "description": "Self-assessed.",
                "criteria": {"narrative": "I say so."},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": label,
                        "targetUrl": url,
                        "targetFramework": "ESCO",
                        "targetType": "ceasn:Competency",
                    }
                    for label, url in skills
                ],
            },
        },
    }
    proof = sign_data_integrity(doc, key, f"{did}#{did.removeprefix('did:key:')}", created=issued)
    return json.dumps(proof).encode()


def email_subject(email: str) -> dict[str, Any]:
    return {
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": hashed(email),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": "s4lt",
            }
        ]
    }


# -- what people see -------------------------------------------------------------------------


@pytest.fixture
def atlas(store: Store, mapper: Mapper) -> Store:
    """The ``store`` with the ESCO skills loaded (pages join skill labels)."""
    sync_skills(store, load_taxonomy().skills_frame())
    return store


def held(store: Store) -> set[tuple[str, str]]:
    return {(str(p), str(s)) for p, s in store.rows("SELECT person_id, skill_uri FROM held_skills")}


def unreviewed(store: Store) -> set[tuple[str, str]]:
    return {
        (str(p), str(s))
        for p, s in store.rows("SELECT person_id, skill_uri FROM unreviewed_skills")
    }


def badges_of(store: Store, person_id: str, viewer: Viewer = HR) -> list[tuple[str, str, str]]:
    """(badge, issuer, status) of each credential on the person's profile page."""
    frame = profile.person_credentials(store, viewer, person_id)
    return sorted(
        (str(b), str(i), str(s))
        for b, i, s in zip(frame["badge"], frame["issuer"], frame["status"], strict=True)
    )


def tells_nothing_about(result: IngestResult, *words: str) -> None:
    """The submitter's result speaks only of their own submission: not a duplicate, no
    "already stored", none of ``words`` (another person's id or name, a status)."""
    said = f"{result.reason} {result.status} {result.person_id}"
    assert not result.duplicate, result
    for phrase in ("already", "another person", "is on record"):
        assert phrase not in said.lower(), (phrase, said)
    for word in words:
        assert not re.search(rf"\b{re.escape(word)}\b", said), (word, said)


# -- 1. metadata poisoning -------------------------------------------------------------------


def test_a_forged_badge_cannot_rename_a_colleagues_verified_badge(
    atlas: Store, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    genuine = issuer.badge("ada@example.org", name="Python 101")
    target = claims_of(genuine)["credentialSubject"]["achievement"]["id"]
    # Alan alters one of his own badges after signing: the Diploma Mill's "Doctor of
    # Medicine" on the achievement id of Ada's "Python 101", and submits it first.
    forged = altered(issuer.badge("alan@example.org"), renamed(target))
    first = ingest_one(atlas, forged, person_id="e2", submitted_by="alan", mapper=mapper)
    assert first.status == "invalid"
    # An invalid badge writes no shared row.
    assert atlas.scalar("SELECT count(*) FROM issuers") == 0
    assert atlas.scalar("SELECT count(*) FROM achievements") == 0

    mine = ingest_one(atlas, genuine, person_id="e1", submitted_by="ada", mapper=mapper)
    assert mine.status == "verified" and not mine.duplicate
    for viewer in (HR, ADA_HERSELF):
        assert badges_of(atlas, "e1", viewer) == [("Python 101", "Acme Academy", "verified")]
        detail = profile.credential_detail(atlas, viewer, str(mine.credential_key))
        assert (detail.badge, detail.issuer, detail.description) == (
            "Python 101",
            "Acme Academy",
            "Python 101: demonstrated in practice.",
        )
    assert atlas.rows("SELECT name FROM issuers") == [("Acme Academy",)]
    assert atlas.rows("SELECT name FROM achievements") == [("Python 101",)]
    # The forgery shows what it says itself, and only on its submitter's own page.
    assert badges_of(atlas, "e2") == [(DOCTOR, MILL, "invalid")]


def test_another_issuers_verified_badge_cannot_rename_an_achievement(
    atlas: Store, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    genuine = issuer.badge("ada@example.org", name="Python 101")
    target = claims_of(genuine)["credentialSubject"]["achievement"]["id"]
    # The mill signs its own badge properly, reusing Acme's achievement id.
    mill = ed25519.Ed25519PrivateKey.generate()
    claims = claims_of(issuer.badge("alan@example.org"))
    renamed(target)(claims)
    claims["issuer"]["id"] = claims["iss"] = did_jwk(mill)
    claims["id"] = claims["jti"] = f"urn:uuid:{uuid.uuid4()}"
    own = ingest_one(
        atlas, signed_by(claims, mill), person_id="e2", submitted_by="alan", mapper=mapper
    )
    assert own.status == "verified"

    mine = ingest_one(atlas, genuine, person_id="e1", submitted_by="ada", mapper=mapper)
    assert mine.status == "verified"
    assert badges_of(atlas, "e1") == [("Python 101", "Acme Academy", "verified")]
    assert badges_of(atlas, "e2") == [(DOCTOR, MILL, "verified")]
    names = dict(
        atlas.rows(
            "SELECT i.name, a.name FROM achievements a JOIN issuers i USING (issuer_id) ORDER BY 1"
        )
    )
    assert names == {"Acme Academy": "Python 101", MILL: DOCTOR}


# -- 2. credential-id squatting, takeover and oracle ------------------------------------------


def test_a_forged_squatter_never_blocks_the_genuine_badge(
    atlas: Store, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    genuine = issuer.badge("ada@example.org", name="Python 101")
    # Alan gets hold of Ada's badge: he alters it to name himself, and re-signs a copy with
    # his own key while still naming Acme as its issuer. Both carry Ada's credential id.
    forged = altered(genuine, recipient("alan@example.org"))
    claims = claims_of(genuine)
    recipient("alan@example.org")(claims)
    other_key = signed_by(claims, ed25519.Ed25519PrivateKey.generate())
    results = [
        ingest_one(atlas, bad, person_id="e2", submitted_by="alan", mapper=mapper)
        for bad in (forged, other_key)
    ]
    assert [r.status for r in results] == ["invalid", "invalid"]

    mine = ingest_one(atlas, genuine, person_id="e1", submitted_by="ada", mapper=mapper)
    assert mine.status == "verified"
    assert not mine.duplicate and mine.person_id == "e1"
    assert badges_of(atlas, "e1") == [("Python 101", "Acme Academy", "verified")]
    assert atlas.rows(
        "SELECT person_id, status FROM credentials WHERE credential_key = ?", [mine.credential_key]
    ) == [("e1", "verified")]


def test_a_forged_squatter_in_the_same_batch_never_blocks_the_genuine_badge(
    atlas: Store, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    genuine = issuer.badge("ada@example.org", name="Python 101")
    forged = altered(genuine, recipient("alan@example.org"))
    items = [
        BatchItem(forged, "e2", "alan.jwt"),
        BatchItem(genuine, "e1", "ada.jwt"),
    ]
    summary = ingest_batch(atlas, items, submitted_by="hr", mapper=mapper, workers=1)
    by_name = {r.name: r for r in summary.results}
    assert by_name["alan.jwt"].status == "invalid"
    assert by_name["ada.jwt"].status == "verified" and not by_name["ada.jwt"].duplicate
    assert summary.counts["duplicate"] == 0
    assert badges_of(atlas, "e1") == [("Python 101", "Acme Academy", "verified")]


def test_a_stored_mismatch_stays_with_its_person(
    atlas: Store, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    genuine = issuer.badge("ada@example.org", name="Python 101")
    # Alan submits Ada's badge as his own: stored for him, as not his.
    his = ingest_one(atlas, genuine, person_id="e2", submitted_by="alan", mapper=mapper)
    assert his.status == "recipient_mismatch"
    # Ada submits her badge: stored for her; Alan's row is not moved to her.
    mine = ingest_one(atlas, genuine, person_id="e1", submitted_by="ada", mapper=mapper)
    assert badges_of(atlas, "e2") == [("Python 101", "Acme Academy", "recipient_mismatch")]
    assert badges_of(atlas, "e1") == [("Python 101", "Acme Academy", "verified")]
    assert mine.status == "verified" and not mine.duplicate
    assert atlas.rows(
        "SELECT person_id, status FROM credentials WHERE credential_key = ?", [his.credential_key]
    ) == [("e2", "recipient_mismatch")]
    # A forged copy naming Alan cannot take Ada's verified badge over either.
    forged = altered(genuine, recipient("alan@example.org"))
    taken = ingest_one(atlas, forged, person_id="e2", submitted_by="alan", mapper=mapper)
    assert taken.status == "invalid" and taken.credential_key != mine.credential_key
    assert badges_of(atlas, "e1") == [("Python 101", "Acme Academy", "verified")]


def test_a_result_never_tells_about_anybody_elses_badge(
    atlas: Store, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    genuine = issuer.badge("ada@example.org", name="Python 101")
    mine = ingest_one(atlas, genuine, person_id="e1", submitted_by="ada", mapper=mapper)
    assert mine.status == "verified"
    ada = ("e1", "Ada", "Lovelace")
    # Alan probes with Ada's own badge, then with a forged copy carrying its id: each result
    # speaks of his submission only (his verdict, no "already stored", no Ada).
    probe = ingest_one(atlas, genuine, person_id="e2", submitted_by="alan", mapper=mapper)
    assert (probe.status, probe.person_id) == ("recipient_mismatch", "e2")
    tells_nothing_about(probe, *ada)
    forged = altered(genuine, recipient("alan@example.org"))
    probe = ingest_one(atlas, forged, person_id="e2", submitted_by="alan", mapper=mapper)
    assert (probe.status, probe.person_id) == ("invalid", "e2")
    tells_nothing_about(probe, *ada, "verified")
    # The same from a batch, with another of Ada's badges.
    second = issuer.badge("ada@example.org", name="SQL basics")
    assert ingest_one(atlas, second, person_id="e1", submitted_by="ada", mapper=mapper).status == (
        "verified"
    )
    summary = ingest_batch(
        atlas, [BatchItem(second, "e2", "probe.jwt")], submitted_by="alan", mapper=mapper
    )
    (result,) = summary.results
    assert result.status == "recipient_mismatch"
    tells_nothing_about(result, *ada)


def test_a_probe_with_someone_elses_revoked_badge_learns_nothing(
    atlas: Store, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    issuer.revoked.add(7)
    try:
        listed = issuer.badge("ada@example.org", name="SQL basics", status_index=7)
        with issuer.client() as client:
            gone = ingest_one(
                atlas, listed, person_id="e1", submitted_by="ada", mapper=mapper, client=client
            )
            assert gone.status == "revoked"
            probe = ingest_one(
                atlas, listed, person_id="e2", submitted_by="alan", mapper=mapper, client=client
            )
    finally:
        issuer.revoked.discard(7)
    assert probe.person_id == "e2"
    tells_nothing_about(probe, "e1", "Ada", "Lovelace")


def test_someone_elses_expired_badge_does_not_claim_its_id(
    atlas: Store, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    now = datetime.now(UTC)
    old = issuer.badge(
        "ada@example.org",
        name="Python 101",
        issued=now - timedelta(days=400),
        expires=now - timedelta(days=1),
    )
    his = ingest_one(atlas, old, person_id="e2", submitted_by="alan", mapper=mapper)
    mine = ingest_one(atlas, old, person_id="e1", submitted_by="ada", mapper=mapper)
    tells_nothing_about(mine, "e2", "Alan", "Turing")
    assert mine.status == "expired" and mine.person_id == "e1"
    assert badges_of(atlas, "e1") == [("Python 101", "Acme Academy", "expired")]
    assert his.credential_key != mine.credential_key


def presentation(vp_id: str, *tokens: str) -> bytes:
    """An unsigned verifiable presentation named ``vp_id`` holding VC-JWT badges."""
    return json.dumps(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "id": vp_id,
            "verifiableCredential": [
                {
                    "@context": "https://www.w3.org/ns/credentials/v2",
                    "type": "EnvelopedVerifiableCredential",
                    "id": f"data:application/vc+jwt,{token}",
                }
                for token in tokens
            ],
        }
    ).encode()


def test_a_presentation_id_claims_nothing_and_tells_nothing(
    atlas: Store, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    vp_id = f"urn:uuid:{uuid.uuid4()}"
    # Alan files a presentation of his own under the id Ada's wallet will use.
    squat = presentation(vp_id, issuer.badge("alan@example.org"))
    first = ingest_one(atlas, squat, person_id="e2", submitted_by="alan", mapper=mapper)
    assert first.person_id == "e2"
    mine = ingest_one(
        atlas,
        presentation(vp_id, issuer.badge("ada@example.org", name="Python 101")),
        person_id="e1",
        submitted_by="ada",
        mapper=mapper,
    )
    assert [(p.status, p.person_id) for p in mine.parts] == [("verified", "e1")]
    assert mine.person_id == "e1"
    tells_nothing_about(mine, "e2", "Alan", "Turing")
    assert atlas.scalar("SELECT count(*) FROM credential_containers WHERE person_id = 'e1'") == 1


# -- 3. self-issued and untrusted issuers ----------------------------------------------------


def _consent(store: Store, person_id: str) -> None:
    """``person_id`` agrees to be found by recruiters (only such candidates are searched)."""
    with store.write() as tx:
        tx.execute(
            "INSERT INTO candidate_consent (person_id, consented_at) VALUES (?, now())",
            [person_id],
        )


def _data_platform(store: Store) -> str:
    return str(store.scalar("SELECT team_id FROM teams WHERE name = 'Data Platform'"))


def _gap_states(store: Store, person_id: str) -> dict[str, str]:
    manager = make_viewer(store, account="ada", role="manager", person_id="e1")
    matrix = gaps.gap_matrix(store, manager, "dev", (_data_platform(store),))
    mine = matrix[matrix["person_id"] == person_id]
    return dict(zip(mine["target"], mine["state"], strict=True))


def _readiness(store: Store, person_id: str) -> float:
    manager = make_viewer(store, account="ada", role="manager", person_id="e1")
    ready = readiness(gaps.gap_matrix(store, manager, "dev", (_data_platform(store),)))
    return float(ready.loc[ready["person_id"] == person_id, "readiness"].iloc[0])


def _holders(store: Store, skill_uri: str) -> int:
    tree = skill_map.coverage_tree(store, HR)
    return int(tree.loc[tree["skill_uri"] == skill_uri, "holders"].sum())


def test_a_self_issued_badge_never_counts_even_when_hr_trusts_its_issuer(
    atlas: Store, mapper: Mapper
) -> None:
    alan_key = ed25519.Ed25519PrivateKey.generate()
    alan_did = did_key_for(alan_key.public_key())
    import_people(atlas, PEOPLE_CSV.replace("did:example:alan", alan_did))
    team = _data_platform(atlas)
    save_role_profile(
        atlas,
        "dev",
        "Developer",
        [(PYTHON_ESCO, "skill", 1), (JAVASCRIPT_ESCO, "skill", 1)],
        actor="hr",
        team_id=team,
    )
    # Alan mints two badges for himself with his own did:key: one names his e-mail (the
    # issuer is his DID on record), one names the issuer itself as credentialSubject.id.
    own = [
        ingest_one(
            atlas,
            did_key_badge(alan_key, subject),
            person_id="e2",
            submitted_by="alan",
            name=f"me-{n}.json",
            mapper=mapper,
        )
        for n, subject in enumerate((email_subject("alan@example.org"), {"id": alan_did}))
    ]
    assert [r.status for r in own] == ["verified", "verified"]
    # The same key issues Ada a badge (not self-issued): the issuer reaches HR's review.
    for_ada = did_key_badge(alan_key, email_subject("ada@example.org"))
    assert ingest_one(
        atlas, for_ada, person_id="e1", submitted_by="alan", mapper=mapper
    ).status == ("verified")
    assert atlas.rows("SELECT issuer_id, trust FROM issuers") == [(alan_did, "unknown")]
    set_issuer_trust(atlas, alan_did, "trusted", actor="hr")

    assert held(atlas) == {("e1", PYTHON_ESCO), ("e1", JAVASCRIPT_ESCO)}
    assert {p for p, _ in unreviewed(atlas)} == set()
    assert profile.person_skills(atlas, HR, "e2").empty
    counted = set(profile.person_credentials(atlas, HR, "e2")["counted"])
    assert counted == {"self-issued: never counts"}
    assert _gap_states(atlas, "e2") == {PYTHON_ESCO: "missing", JAVASCRIPT_ESCO: "missing"}
    assert _readiness(atlas, "e2") == 0.0
    assert _gap_states(atlas, "e1") == {PYTHON_ESCO: "held", JAVASCRIPT_ESCO: "held"}
    assert _holders(atlas, JAVASCRIPT_ESCO) == 1  # Ada only
    # Alan was told why.
    assert all("self-issued" in r.reason for r in own)


def test_only_trusted_issuers_badges_count_and_untrusting_takes_effect_at_once(
    atlas: Store, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    save_role_profile(
        atlas,
        "dev",
        "Developer",
        [(PYTHON_ESCO, "skill", 1)],
        actor="hr",
        team_id=_data_platform(atlas),
    )
    for person, email in (("e1", "ada@example.org"), ("c1", "katherine@example.org")):
        result = ingest_one(
            atlas, issuer.badge(email), person_id=person, submitted_by="hr", mapper=mapper
        )
        assert result.status == "verified"
    _consent(atlas, "c1")
    search = candidates.CandidateQuery(skills=(PYTHON_ESCO,))

    def found(query: candidates.CandidateQuery = search) -> list[str]:
        return list(candidates.search_candidates(atlas, RECRUITER, query)["person_id"])

    # New issuer, awaiting HR's review: shown apart, never held.
    assert held(atlas) == set()
    assert unreviewed(atlas) == {("e1", PYTHON_ESCO), ("c1", PYTHON_ESCO)}
    assert list(profile.person_unreviewed_skills(atlas, HR, "e1")["skill_uri"]) == [PYTHON_ESCO]
    assert found() == []
    assert found(candidates.CandidateQuery(skills=(PYTHON_ESCO,), trusted_only=False)) == ["c1"]
    assert _gap_states(atlas, "e1") == {PYTHON_ESCO: "missing"}

    set_issuer_trust(atlas, issuer.did, "trusted", actor="hr")
    assert held(atlas) == {("e1", PYTHON_ESCO), ("c1", PYTHON_ESCO)}
    assert found() == ["c1"]
    assert _gap_states(atlas, "e1") == {PYTHON_ESCO: "held"}
    assert _holders(atlas, PYTHON_ESCO) == 1

    set_issuer_trust(atlas, issuer.did, "untrusted", actor="hr")
    assert held(atlas) == set() and unreviewed(atlas) == set()
    assert profile.person_skills(atlas, HR, "e1").empty
    assert found() == []
    assert found(candidates.CandidateQuery(skills=(PYTHON_ESCO,), trusted_only=False)) == []
    assert _gap_states(atlas, "e1") == {PYTHON_ESCO: "missing"}
    assert _readiness(atlas, "e1") == 0.0
    assert _holders(atlas, PYTHON_ESCO) == 0
    counted = set(profile.person_credentials(atlas, HR, "e1")["counted"])
    assert counted == {"untrusted issuer: does not count"}


# -- 11. storage exhaustion ------------------------------------------------------------------


def test_rejected_junk_keeps_a_bounded_prefix_size_and_hash(atlas: Store, mapper: Mapper) -> None:
    junk = bytes(range(256)) * 800  # 200 KiB that are no badge
    result = ingest_one(atlas, junk, person_id="e2", submitted_by="alan", mapper=mapper)
    assert result.rejected
    rows = atlas.rows("SELECT sha256, size, raw FROM rejected_submissions")
    assert len(rows) == 1
    sha, size, raw = rows[0]
    assert (sha, size) == (hashlib.sha256(junk).hexdigest(), len(junk))
    assert raw is not None and 0 < len(raw) <= 4096 and bytes(raw) == junk[: len(raw)]


def test_rejected_submissions_are_capped_per_account_per_day(
    atlas: Store, mapper: Mapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = Settings(max_rejected_per_day=3)
    day = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def junk(n: int) -> bytes:
        return f"not a badge, attempt {n}\n".encode() * 50

    for n in range(3):
        result = ingest_one(
            atlas,
            junk(n),
            person_id="e2",
            submitted_by="alan",
            mapper=mapper,
            now=day,
            settings=cap,
        )
        assert result.rejected
    assert atlas.scalar("SELECT count(*) FROM rejected_submissions") == 3

    before = fingerprints(atlas)
    refused = ingest_one(
        atlas, junk(3), person_id="e2", submitted_by="alan", mapper=mapper, now=day, settings=cap
    )
    batch = ingest_batch(
        atlas,
        [BatchItem(junk(n), "e2", f"junk-{n}.json") for n in (4, 5)],
        submitted_by="alan",
        mapper=mapper,
        now=day + timedelta(hours=5),
        settings=cap,
    )
    assert changed_tables(before, fingerprints(atlas)) == set()  # nothing stored, no audit
    for result in (refused, *batch.results):
        assert result.rejected and result.credential_key is None
        assert result.reason.startswith("Not stored: 3 submissions")
        assert "try again tomorrow" in result.reason
        assert "\n" not in result.reason and "None" not in result.reason

    # The cap is per account, and per day.
    other = ingest_one(
        atlas, junk(6), person_id="e1", submitted_by="ada", mapper=mapper, now=day, settings=cap
    )
    assert other.rejected and not other.reason.startswith("Not stored")
    tomorrow = ingest_one(
        atlas,
        junk(7),
        person_id="e2",
        submitted_by="alan",
        mapper=mapper,
        now=day + timedelta(days=1),
        settings=cap,
    )
    assert tomorrow.rejected and not tomorrow.reason.startswith("Not stored")
    assert atlas.scalar("SELECT count(*) FROM rejected_submissions") == 5


# -- 13. demo keys ---------------------------------------------------------------------------


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Name resolution refused (and recorded): nothing here may reach the network."""
    asked: list[str] = []

    def refuse(host: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(str(host))
        raise socket.gaierror(socket.EAI_NONAME, "name resolution is off in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield asked


def _minted(hosted_root: Path, email: str) -> bytes:
    """A "verified" SecureOps Alliance badge minted with the demo key committed in the repo."""
    spec = next(i for i in load_inputs().issuers if i.slug == "secureops-alliance")
    pem = (ROOT / "data" / "demo" / "keys" / "secureops-alliance.pem").read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    kit = IssuerKit(spec, hosted_root / spec.host, f"https://{spec.host}/issuer", rsa_key=key)
    achievement = AchievementSpec(
        key="secureops-alliance/minted",
        issuer="secureops-alliance",
        slug="minted",
        name="Chief Security Architect",
        description="Minted with the published demo key.",
        style="esco-alignment",
        skills=(SkillRef("Python (computer programming)", PYTHON_ESCO, "Python"),),
        tags=(),
    )
    award = Award(
        uid=str(uuid.uuid4()),
        achievement=achievement,
        email=email,
        did=None,
        issued=datetime.now(UTC) - timedelta(days=2),
        expires=None,
        special="",
        delivery="json",
    )
    source, _ = issue(kit, award)
    assert isinstance(source, bytes)
    return source


def test_demo_issuer_keys_mint_nothing_outside_a_demo_database(
    atlas: Store,
    mapper: Mapper,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_dns: list[str],
) -> None:
    # The demo's issuers' files go to a temporary folder; ingestion below gets the default
    # settings (no hosted mirror), as a real database's would.
    hosted = tmp_path / "demo_hosted"
    demo = open_store(tmp_path / "demo.duckdb")
    try:
        build_demo(
            demo,
            DemoConfig(people=80, candidates=12, credentials=160, seed=7, signed_sample=20),
            hosted_root=hosted,
            workers=1,
        )
        person, email = demo.rows(
            "SELECT p.person_id, min(i.value) FROM people p JOIN identities i USING (person_id) "
            "WHERE p.kind = 'employee' AND i.kind = 'email' GROUP BY 1 ORDER BY 1 LIMIT 1"
        )[0]
        on_demo = ingest_one(
            demo,
            _minted(hosted, str(email)),
            person_id=str(person),
            submitted_by="x",
            mapper=mapper,
        )
        # On the demo database the demo issuers' files are served: the demo works.
        assert on_demo.status == "verified", on_demo.reason
        assert no_dns == []
    finally:
        demo.close()
    minted = _minted(hosted, "ada@example.org")
    result = ingest_one(atlas, minted, person_id="e1", submitted_by="ada", mapper=mapper)
    assert result.status == "unverifiable", result.reason
    assert held(atlas) == set() and unreviewed(atlas) == set()
    assert atlas.scalar("SELECT count(*) FROM issuers") == 0


# -- found in review ---------------------------------------------------------------------------


def test_the_skill_holders_list_follows_the_held_rule(atlas: Store, mapper: Mapper) -> None:
    """The Skill map's "who holds it" list once listed self-issued and unreviewed badges
    beside counts that left them out."""
    alan_key = ed25519.Ed25519PrivateKey.generate()
    alan_did = did_key_for(alan_key.public_key())
    import_people(atlas, PEOPLE_CSV.replace("did:example:alan", alan_did))
    mine = did_key_badge(alan_key, email_subject("alan@example.org"))
    assert ingest_one(atlas, mine, person_id="e2", submitted_by="alan", mapper=mapper).status == (
        "verified"
    )
    other = ed25519.Ed25519PrivateKey.generate()  # a new issuer, not reviewed yet
    ada = did_key_badge(other, email_subject("ada@example.org"))
    assert ingest_one(atlas, ada, person_id="e1", submitted_by="ada", mapper=mapper).status == (
        "verified"
    )
    assert skill_map.skill_holders(atlas, HR, PYTHON_ESCO).empty  # self-issued; unreviewed
    set_issuer_trust(atlas, did_key_for(other.public_key()), "trusted", actor="hr")
    assert list(skill_map.skill_holders(atlas, HR, PYTHON_ESCO)["person_id"]) == ["e1"]


def test_a_badge_stored_unverifiable_is_still_self_issued_when_it_verifies_later(
    atlas: Store, mapper: Mapper
) -> None:
    """Self-issued is decided from the content at every verification, not only when the
    first verdict was verified."""
    alan_key = ed25519.Ed25519PrivateKey.generate()
    alan_did = did_key_for(alan_key.public_key())
    import_people(atlas, PEOPLE_CSV.replace("did:example:alan", alan_did))
    badge = did_key_badge(alan_key, email_subject("alan@example.org"))
    stored = ingest_one(atlas, badge, person_id="e2", submitted_by="alan", mapper=mapper)
    assert atlas.scalar(
        "SELECT self_issued FROM credentials WHERE credential_key = ?", [stored.credential_key]
    )
    # An older row marked otherwise (as migration 0003 left every row) is set right again.
    with atlas.write() as tx:
        tx.execute("UPDATE credentials SET self_issued = false")
    from skills.ingest import reverify

    reverify(atlas, workers=1)
    assert atlas.scalar("SELECT bool_and(self_issued) FROM credentials")
    # The same key issues Ada a badge, so HR can review (and trust) it as an issuer.
    for_ada = did_key_badge(alan_key, email_subject("ada@example.org"))
    ingest_one(atlas, for_ada, person_id="e1", submitted_by="alan", mapper=mapper)
    set_issuer_trust(atlas, alan_did, "trusted", actor="hr")
    assert ("e2", PYTHON_ESCO) not in held(atlas) and ("e1", PYTHON_ESCO) in held(atlas)


def test_candidate_search_never_counts_someone_elses_or_unverified_badges(
    atlas: Store, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    """With "verified only" off, a badge issued to someone else or one whose signature did
    not verify carried the trust of the issuer it merely names."""
    token = issuer.badge("ada@example.org")
    assert ingest_one(atlas, token, person_id="e1", submitted_by="ada", mapper=mapper).status == (
        "verified"
    )
    # Ada's badge filed under the candidate Katherine, and a forged one.
    filed = ingest_one(atlas, token, person_id="c1", submitted_by="c1", mapper=mapper)
    assert filed.status == "recipient_mismatch"
    forged = altered(issuer.badge("katherine@example.org"), lambda c: c.update(jti="x"))
    assert ingest_one(atlas, forged, person_id="c1", submitted_by="c1", mapper=mapper).status in (
        "invalid",
        "unverifiable",
    )
    set_issuer_trust(atlas, issuer.did, "trusted", actor="hr")
    _consent(atlas, "c1")  # searchable: what keeps these badges out is the rule under test
    recruiter = Viewer(account="rita", role=Role.RECRUITER, person_id=None)
    for trusted_only in (True, False):
        query = candidates.CandidateQuery(
            (PYTHON_ESCO,), verified_only=False, trusted_only=trusted_only
        )
        assert candidates.search_candidates(atlas, recruiter, query).empty
    assert candidates.skill_options(atlas, recruiter).empty


def test_a_submission_for_nobody_neither_changes_nor_reveals_a_persons_badge(
    atlas: Store, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    token = issuer.badge("ada@example.org")
    assert ingest_one(atlas, token, person_id="e1", submitted_by="ada", mapper=mapper).status == (
        "verified"
    )
    probe = ingest_one(atlas, token, person_id=None, submitted_by="alan", mapper=mapper)
    assert "Already stored" not in probe.reason and probe.person_id is None
    assert atlas.scalar("SELECT count(*) FROM audit_log WHERE action = 'credential.status'") == 0
