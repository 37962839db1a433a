"""Ingesting CLR 2.0 transcripts and presentations into a real DuckDB file: one stored
credential per badge inside, linked to the container, with its skills."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from skills.ingest import BatchItem, container_key, ingest_batch, ingest_one, reverify
from skills.ingest.people import import_people
from skills.store import Store, erase_person, open_store
from tests.support.envelope_helpers import (
    PYTHON_ESCO,
    SQL_ESCO,
    TEAMWORK_ESCO,
    DidKey,
    clr,
    presentation,
    tampered,
    three_badges,
    vp_jwt,
)
from tests.support.ingest_helpers import PEOPLE_CSV, trust_issuers


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404))) as http:
        yield http


@pytest.fixture(scope="module")
def issuer() -> DidKey:
    return DidKey()


@pytest.fixture(scope="module")
def ada() -> DidKey:
    """Ada Lovelace's wallet key: her badges are issued to this did:key."""
    return DidKey()


@pytest.fixture(scope="module")
def badges(issuer: DidKey, ada: DidKey) -> list[dict[str, Any]]:
    return three_badges(issuer, ada.did)


@pytest.fixture
def store(tmp_path: Path, ada: DidKey) -> Iterator[Store]:
    s = open_store(tmp_path / "atlas.duckdb")
    import_people(s, PEOPLE_CSV)
    with s.write() as tx:
        tx.execute(
            "INSERT INTO identities (person_id, kind, value) VALUES ('e1', 'did', ?)", [ada.did]
        )
    yield s
    s.close()


def _rows(store: Store, key: str) -> list[tuple[Any, ...]]:
    return store.rows(
        "SELECT c.name, c.status, c.person_id, count(cs.skill_uri) FILTER (WHERE cs.skill_uri "
        "IS NOT NULL) FROM credentials c LEFT JOIN credential_skills cs USING (credential_key) "
        "WHERE c.container_key = ? GROUP BY ALL ORDER BY c.name",
        [key],
    )


def test_a_transcript_stores_one_credential_per_badge_linked_to_it(
    store: Store,
    issuer: DidKey,
    ada: DidKey,
    badges: list[dict[str, Any]],
    client: httpx.Client,
) -> None:
    transcript = clr(issuer, ada.did, [badges[0], tampered(badges[1]), badges[2]])
    data = json.dumps(transcript).encode()
    result = ingest_one(
        store, data, person_id="e1", submitted_by="ada", name="transcript.json", client=client
    )
    assert result.report is not None and result.report.container is not None
    assert result.status == "verified" and len(result.parts) == 3
    assert [p.status for p in result.parts] == ["verified", "invalid", "verified"]
    key = container_key(result.report, "e1")
    assert result.credential_key == key == f"{issuer.did} {transcript['id']}"
    row = store.rows(
        "SELECT kind, format, person_id, status, title, issuer_id, credentials, skipped, raw "
        "FROM credential_containers"
    )
    assert len(row) == 1
    kind, fmt, person, status, title, issuer_id, count, skipped, raw = row[0]
    assert (kind, fmt, person, status) == ("clr", "clr", "e1", "verified")
    assert (title, issuer_id, count, skipped) == ("Transcript of Ada Lovelace", issuer.did, 3, 0)
    assert bytes(raw) == data
    stored = _rows(store, key)
    assert [r[:3] for r in stored] == [
        ("transcript.json › Python Programming", "verified", "e1"),
        ("transcript.json › Rocket Science", "invalid", "e1"),
        ("transcript.json › Working in Teams", "verified", "e1"),
    ]
    mapped = store.rows(
        "SELECT c.name, list_sort(list(cs.skill_uri)) FROM credentials c JOIN credential_skills "
        "cs USING (credential_key) WHERE c.container_key = ? GROUP BY ALL ORDER BY c.name",
        [key],
    )
    assert mapped == [  # each badge's own aligned skill, and only that one
        ("transcript.json › Python Programming", [PYTHON_ESCO]),
        ("transcript.json › Rocket Science", [SQL_ESCO]),
        ("transcript.json › Working in Teams", [TEAMWORK_ESCO]),
    ]
    trust_issuers(store)
    held = {r[0] for r in store.rows("SELECT skill_uri FROM held_skills WHERE person_id = 'e1'")}
    assert PYTHON_ESCO in held and SQL_ESCO not in held  # the tampered badge counts for nothing
    # Each part was bound to Ada through her DID, like any badge.
    checks = json.loads(
        str(
            store.scalar(
                "SELECT checks FROM credentials WHERE credential_id = ?", [badges[0]["id"]]
            )
        )
    )
    assert any(c["name"] == "recipient" and c["outcome"] == "passed" for c in checks)


def test_re_uploading_a_transcript_changes_nothing(
    store: Store, issuer: DidKey, ada: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    data = json.dumps(clr(issuer, ada.did, badges)).encode()
    ingest_one(store, data, person_id="e1", submitted_by="ada", client=client)
    again = ingest_one(store, data, person_id="e1", submitted_by="ada", client=client)
    assert again.duplicate and again.outcome == "duplicate"
    assert [p.outcome for p in again.parts] == ["duplicate"] * 3
    assert store.scalar("SELECT count(*) FROM credential_containers") == 1
    assert store.scalar("SELECT count(*) FROM credentials") == 3


def test_a_badge_stored_before_is_linked_to_the_transcript_that_brings_it(
    store: Store, issuer: DidKey, ada: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    ingest_one(store, json.dumps(badges[0]).encode(), person_id="e1", submitted_by="ada")
    result = ingest_one(
        store, json.dumps(clr(issuer, ada.did, badges)), person_id="e1", submitted_by="ada"
    )
    assert [p.duplicate for p in result.parts] == [True, False, False]
    assert store.scalar("SELECT count(DISTINCT container_key) FROM credentials") == 1
    assert store.scalar("SELECT count(*) FROM credentials WHERE container_key IS NULL") == 0


def test_a_signed_presentation_without_a_person_keeps_its_holder_binding(
    store: Store, ada: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    result = ingest_one(
        store, vp_jwt(ada, badges[:2]), person_id=None, submitted_by="hr", client=client
    )
    assert result.report is not None and result.report.format == "vp-jwt"
    assert [p.status for p in result.parts] == ["verified", "verified"]
    holder, bound, kind = store.rows(
        "SELECT holder, holder_bound, kind FROM credential_containers"
    )[0]
    assert (holder, bound, kind) == (ada.did, True, "vp")
    checks = json.loads(str(store.scalar("SELECT checks FROM credentials LIMIT 1")))
    recipient = next(c for c in checks if c["name"] == "recipient")
    assert recipient["outcome"] == "passed" and "holder" in recipient["message"]


def test_a_presentation_filed_under_someone_else_is_a_recipient_mismatch(
    store: Store, ada: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    """Holder binding never overrides a person's identities: a copied presentation filed
    under Alan does not give him Ada's badges."""
    result = ingest_one(
        store, json.dumps(presentation(ada, badges[:2])), person_id="e2", submitted_by="alan"
    )
    assert [p.status for p in result.parts] == ["recipient_mismatch"] * 2
    assert not store.rows("SELECT * FROM held_skills WHERE person_id = 'e2'")


def test_a_batch_brings_every_badge_of_every_container(
    store: Store,
    issuer: DidKey,
    ada: DidKey,
    badges: list[dict[str, Any]],
    client: httpx.Client,
    tmp_path: Path,
) -> None:
    other = three_badges(issuer, ada.did)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("transcript.json", json.dumps(clr(issuer, ada.did, badges)))
        archive.writestr("wallet.jwt", vp_jwt(ada, other[:2]))
        archive.writestr("single.json", json.dumps(other[2]))
    items = [
        BatchItem(data, "e1", name)
        for name, data in (
            (info.filename, zipfile.ZipFile(buffer).read(info.filename))
            for info in zipfile.ZipFile(buffer).infolist()
        )
    ]
    summary = ingest_batch(store, items, submitted_by="hr", client=client, workers=1)
    assert summary.total == 3
    assert len(summary.results) == 6 and summary.counts["verified"] == 6
    assert store.scalar("SELECT count(*) FROM credentials") == 6
    assert store.scalar("SELECT count(*) FROM credential_containers") == 2
    linked = store.rows(
        "SELECT k.kind, count(*) FROM credentials c JOIN credential_containers k "
        "USING (container_key) GROUP BY k.kind ORDER BY k.kind"
    )
    assert linked == [("clr", 3), ("vp", 2)]
    again = ingest_batch(store, items, submitted_by="hr", client=client, workers=1)
    assert again.counts["duplicate"] == 6
    assert store.scalar("SELECT count(*) FROM credentials") == 6


def test_badges_from_a_transcript_re_verify_and_are_erased_with_their_person(
    store: Store, issuer: DidKey, ada: DidKey, badges: list[dict[str, Any]], client: httpx.Client
) -> None:
    ingest_one(store, json.dumps(clr(issuer, ada.did, badges)), person_id="e1", submitted_by="a")
    summary = reverify(store, client=client, workers=1)
    assert summary.checked == 3 and summary.counts == {"verified": 3} and not summary.changes
    erase_person(store, "e1", actor="hr")
    assert store.scalar("SELECT count(*) FROM credential_containers") == 0
    assert store.scalar("SELECT count(*) FROM credentials") == 0
