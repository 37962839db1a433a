"""Recipients named only by name (issue 10, item 1): a warning, bound by name, never ``invalid``.

Credentials are signed here (Ed25519, ``eddsa-rdfc-2022``, a ``did:key`` issuer) with a
``credentialSubject`` that carries only ``name``, as university networks and their wallets
issue them. Ingestion compares that name with the person's name from the people table.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from skills.access import make_viewer
from skills.demo.signing import sign_data_integrity
from skills.ingest import ingest_one
from skills.ingest.people import import_people
from skills.services.profile import person_credentials
from skills.store import Store, open_store
from skills.verify import Outcome, Status, verify
from skills.verify._common import names_match
from skills.verify._keys.dids import did_key_for
from tests.support.ingest_helpers import PEOPLE_CSV

OFFLINE = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404)))


def _signed(subject: dict[str, Any]) -> dict[str, Any]:
    key = ed25519.Ed25519PrivateKey.generate()
    did = did_key_for(key.public_key())
    doc: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Data Modelling",
        "issuer": {"id": did, "type": ["Profile"], "name": "University of Example"},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            **subject,
            "achievement": {
                "id": "https://university.example/achievements/data-modelling",
                "type": ["Achievement"],
                "name": "Data Modelling",
                "description": "Designs relational data models.",
                "criteria": {"narrative": "Passed the module exam."},
            },
        },
    }
    return sign_data_integrity(
        doc, key, f"{did}#{did.removeprefix('did:key:')}", created="2024-01-01T00:00:00Z"
    )


def _recipient_check(report: Any) -> Any:
    (check,) = [c for c in report.checks if c.name == "recipient"]
    return check


@pytest.mark.parametrize(
    ("named", "claimed", "same"),
    [
        ("Ada Lovelace", "ada lovelace", True),
        ("Ada  Lovelace ", "Lovelace, Ada", True),
        ("José Núñez", "Jose Nunez", True),
        ("Jürgen Groß", "JURGEN GROSS", True),
        ("Ada Lovelace", "Ada King Lovelace", False),
        ("Ada Lovelace", "Alan Turing", False),
        ("Ada", "Ada Lovelace", False),
        ("", "", False),
    ],
)
def test_person_names_compare_without_case_accents_spacing_or_order(
    named: str, claimed: str, same: bool
) -> None:
    assert names_match(named, claimed) is same


def test_a_name_only_subject_is_verified_with_a_warning_not_invalid() -> None:
    report = verify(_signed({"name": "Ada Lovelace"}), client=OFFLINE)
    assert report.status is Status.VERIFIED, report.summary
    check = _recipient_check(report)
    assert check.outcome is Outcome.WARNING and "Bound by name only" in check.message
    assert report.credential is not None and report.credential.recipient.name_only
    assert report.credential.recipient.name == "Ada Lovelace"


def test_a_name_only_subject_binds_to_the_same_name_and_refuses_another() -> None:
    doc = _signed({"name": "Ada Lovelace"})
    same = verify(doc, recipient_name="LOVELACE, Ada", client=OFFLINE)
    assert same.status is Status.VERIFIED
    assert "matches 'LOVELACE, Ada'" in _recipient_check(same).message
    other = verify(doc, recipient_name="Alan Turing", client=OFFLINE)
    assert other.status is Status.RECIPIENT_MISMATCH
    assert "Issued to someone else" in _recipient_check(other).message


def test_a_subject_with_neither_name_nor_identifier_stays_invalid() -> None:
    report = verify(_signed({}), client=OFFLINE)
    assert report.status is Status.INVALID
    assert "names no recipient" in report.summary


def test_an_email_claim_does_not_bind_a_name_only_badge_to_someone_else() -> None:
    report = verify(
        _signed({"name": "Ada Lovelace"}),
        recipient="alan@example.org",
        recipient_name="Alan Turing",
        client=OFFLINE,
    )
    assert report.status is Status.RECIPIENT_MISMATCH


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "atlas.duckdb")
    import_people(s, PEOPLE_CSV)
    yield s
    s.close()


def test_ingestion_binds_a_name_only_badge_by_the_persons_name(store: Store) -> None:
    raw = json.dumps(_signed({"name": "Ada Lovelace"})).encode()
    ada = ingest_one(
        store, raw, person_id="e1", submitted_by="e1", client=OFFLINE, mapper=lambda c: []
    )
    assert ada.status == "verified", ada
    checks = json.loads(store.scalar("SELECT checks FROM credentials WHERE person_id = 'e1'"))
    (recipient,) = [c for c in checks if c["name"] == "recipient"]
    assert recipient["outcome"] == "warning" and "Bound by name only" in recipient["message"]
    ada_view = make_viewer(store, account="ada", role="member", person_id="e1")
    listed = person_credentials(store, ada_view, "e1")
    assert listed["bound"].tolist() == ["by name only"]  # the profile says so
    alan = ingest_one(
        store,
        json.dumps(_signed({"name": "Ada Lovelace"})).encode(),
        person_id="e2",
        submitted_by="e2",
        client=OFFLINE,
        mapper=lambda c: [],
    )
    assert alan.status == "recipient_mismatch"
