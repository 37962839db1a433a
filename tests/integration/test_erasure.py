"""Right to erasure: a person's identities, credentials, raw files and audit entries go.

A person with verified badges, a rejected upload and audit history is erased with
``skills.store.erase_person``; afterwards nothing in any table names them or holds
their badge bytes, aggregates (held skills, stats, the overview) recompute, and
the people who reported to them stay. Identities are stored normalised, and a badge
that carries only a salted hash is verified without its plain identity being stored.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skills.access import Role, Viewer
from skills.ingest import Mapper, ingest_one
from skills.ingest.people import import_people
from skills.services.stats import stats
from skills.store import Store, erase_person, open_store
from tests.support.ingest_helpers import PYTHON_ESCO, BadgeIssuer, trust_issuers

pytestmark = pytest.mark.hostile

ADA = ("e1", "Ada Lovelace", "ada@example.org")


def _dump(store: Store) -> str:
    tables = [
        str(r[0])
        for r in store.rows(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
            "AND database_name = current_database()"
        )
    ]
    parts = []
    for table in tables:
        for row in store.rows(f"SELECT * FROM {table}"):
            parts.append(
                " ".join(
                    v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row
                )
            )
    return "\n".join(parts)


@pytest.fixture
def ada_with_history(store: Store, issuer: BadgeIssuer, mapper: Mapper) -> tuple[Store, list[str]]:
    tokens = [issuer.badge("ada@example.org", name=f"Ada badge {i}") for i in range(2)]
    for token in tokens:
        result = ingest_one(store, token, person_id="e1", submitted_by="ada", mapper=mapper)
        assert result.status == "verified"
    ingest_one(store, b'{"ada": NaN}', person_id="e1", submitted_by="ada", name="ada-notes.json")
    other = issuer.badge("alan@example.org")
    assert ingest_one(store, other, person_id="e2", submitted_by="ada", mapper=mapper).status == (
        "verified"
    )
    trust_issuers(store)
    return store, tokens


def test_erasure_removes_every_trace_from_every_table(
    ada_with_history: tuple[Store, list[str]],
) -> None:
    store, tokens = ada_with_history
    before = _dump(store)
    assert ADA[2] in before and ADA[1] in before and tokens[0] in before  # the scan has teeth
    erase_person(store, "e1", actor="hr")
    after = _dump(store)
    # Achievements (the issuer's catalogue, not about Ada) may stay.
    for trace in (ADA[1], ADA[2], tokens[0], tokens[1], "ada-notes.json"):
        assert trace not in after, f"{trace!r} survived the erasure"
    assert store.scalar("SELECT count(*) FROM people WHERE person_id = 'e1'") == 0
    assert store.rows("SELECT action, person_id, subject FROM audit_log WHERE action = "
                      "'person.erase'")[0][1:] == (None, None)  # fmt: skip


def test_aggregates_recompute_and_other_people_stay(
    ada_with_history: tuple[Store, list[str]],
) -> None:
    store, _ = ada_with_history
    from skills.services.overview import overview

    hr = Viewer(account="hr", role=Role.HR, person_id="e0")
    before, view_before = stats(store, hr), overview(store, hr)
    assert store.scalar("SELECT count(*) FROM held_skills WHERE person_id = 'e1'") == 1
    erase_person(store, "e1", actor="hr")
    after, view_after = stats(store, hr), overview(store, hr)
    assert after["credentials"].get("verified", 0) == before["credentials"]["verified"] - 2
    assert store.scalar("SELECT count(*) FROM held_skills WHERE person_id = 'e1'") == 0
    assert store.rows("SELECT person_id FROM held_skills WHERE skill_uri = ?", [PYTHON_ESCO]) == [
        ("e2",)
    ]
    assert sum(after["people"].values()) == sum(before["people"].values()) - 1
    assert view_after != view_before
    # Alan reported to Ada: he stays, without a manager; the team Ada led has no lead now.
    assert store.rows("SELECT manager_id FROM people WHERE person_id = 'e2'") == [(None,)]
    assert store.scalar("SELECT count(*) FROM teams WHERE lead_person_id = 'e1'") == 0


def test_erased_data_is_gone_from_the_database_file(
    ada_with_history: tuple[Store, list[str]], tmp_path: Path
) -> None:
    """Deleted rows must not stay readable in the file's free blocks."""
    store, tokens = ada_with_history
    path = store.path
    erase_person(store, "e1", actor="hr")
    store.close()
    data = path.read_bytes()
    for trace in (ADA[2].encode(), ADA[1].encode(), tokens[0][-60:].encode()):
        assert trace not in data, f"{trace!r} is still in {path.name} after the erasure"
    with open_store(path) as again:  # the erased file still opens
        assert again.scalar("SELECT count(*) FROM people") == 3


def test_identities_are_stored_normalised(store: Store) -> None:
    import_people(
        store,
        "person_id,name,kind,email,urls,dids\n"
        "n1,Nia,candidate,  MAILTO:Nia.Person@Example.ORG ;nia2@EXAMPLE.org,"
        "https://nia.example/me,did:example:Nia\n",
    )
    assert sorted(store.rows("SELECT kind, value FROM identities WHERE person_id = 'n1'")) == [
        ("did", "did:example:Nia"),
        ("email", "nia.person@example.org"),
        ("email", "nia2@example.org"),
        ("url", "https://nia.example/me"),
    ]


def test_a_hashed_badge_is_matched_without_storing_its_plain_identity(
    store: Store, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    """The badge carries only sha256$hash(email + salt); the person's email on record matches it
    (whatever its case), and the credential's recipient is kept as the hash."""
    import_people(store, "person_id,name,kind,email\nn2,Noor,candidate,Noor@Example.org\n")
    token = issuer.badge("noor@example.org")
    result = ingest_one(store, token, person_id="n2", submitted_by="noor", mapper=mapper)
    assert result.status == "verified"
    identity, hashed = store.rows(
        "SELECT recipient_identity, recipient_hashed FROM credentials WHERE person_id = 'n2'"
    )[0]
    assert hashed is True and identity.startswith("sha256$")
    assert "noor" not in identity.lower()
