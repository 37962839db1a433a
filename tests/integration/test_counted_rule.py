"""The Submit card's "why nothing counted" (``submit._why_not_counted``) restates the held-skill
rule of the ``held_skills`` view in Python. This test keeps the two in step: on the seed,
with a self-issued, a low-confidence and an unmapped badge added, a credential "counts" for
the card exactly when removing it changes what the view holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skills.ingest import IngestResult
from skills.services.submit import _why_not_counted
from skills.store import Store, open_store
from tests.support import seed


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    seed.build(tmp_path / "org.duckdb", tmp_path / "accounts.toml")
    store = open_store(tmp_path / "org.duckdb")
    with store.write() as tx:  # three more ways for a verified, trusted badge not to count
        for key, self_issued, confidence, uri in (
            ("urn:x:self", True, 0.95, seed.uri("sql")),
            ("urn:x:weak", False, 0.2, seed.uri("sql")),
            ("urn:x:unmapped", False, 0.0, None),
        ):
            tx.execute(
                "INSERT INTO credentials (credential_key, person_id, submitted_by, format, "
                "status, verified_at, source_sha256, issuer_id, self_issued) "
                "VALUES (?, 'E100000', 'seed', 'ob3-di', 'verified', now(), ?, 'iss-acme', ?)",
                [key, key, self_issued],
            )
            tx.execute(
                "INSERT INTO credential_skills (credential_key, skill_uri, confidence) "
                "VALUES (?, ?, ?)",
                [key, uri, confidence],
            )
    try:
        yield store
    finally:
        store.close()


def _held(store: Store, person: str) -> int:
    return int(
        store.scalar(
            "SELECT coalesce(sum(credentials), 0) FROM held_skills WHERE person_id = ?", [person]
        )
    )


class _Undo(Exception):
    pass


def _counts_in_view(store: Store, key: str, person: str) -> bool:
    """Whether removing the credential changes what ``held_skills`` holds (rolled back)."""
    before = _held(store, person)
    after: list[int] = []
    try:
        with store.write() as tx:
            tx.execute("DELETE FROM credentials WHERE credential_key = ?", [key])
            after.append(
                int(
                    tx.scalar(
                        "SELECT coalesce(sum(credentials), 0) FROM held_skills WHERE person_id = ?",
                        [person],
                    )
                )
            )
            raise _Undo
    except _Undo:
        pass
    return after[0] != before


def test_the_card_and_the_view_agree_on_every_credential(store: Store) -> None:
    rows = store.rows("SELECT credential_key, person_id, status FROM credentials ORDER BY 1")
    reasons = set()
    for key, person, status in rows:
        result = IngestResult(
            name=key, person_id=person, report=None, credential_key=key, status=status
        )
        why = _why_not_counted(store, result, person)
        reasons.add(why)
        assert (why is None) == _counts_in_view(store, key, person), (key, why)
    assert store.scalar("SELECT count(*) FROM credentials") == len(rows)  # all rolled back
    # the seed and the added rows reach every branch of the rule
    assert {
        None,
        "status",
        "issuer_unreviewed",
        "self_issued",
        "low_confidence",
        "no_skills",
    } <= reasons
