"""Ingestion end to end on a real DuckDB file with real signed badges (openbadgeslib VC-JWT)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from skills.access import OPERATOR
from skills.config import Settings
from skills.errors import ImportRowsError, InputError, StoreError
from skills.ingest import BatchItem, expand_batch, ingest_batch, ingest_one, reverify
from skills.ingest.people import import_people
from skills.services.stats import stats
from skills.store import Store, open_store
from tests.support.ingest_helpers import PEOPLE_CSV, PYTHON_ESCO, BadgeIssuer, trust_issuers


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "atlas.duckdb")
    import_people(s, PEOPLE_CSV)
    yield s
    s.close()


@pytest.fixture(scope="module")
def issuer() -> BadgeIssuer:
    return BadgeIssuer()


def _status(store: Store, key: str) -> str:
    return str(store.scalar("SELECT status FROM credentials WHERE credential_key = ?", [key]))


def test_verified_badge_is_stored_with_its_skill_and_held(
    store: Store, issuer: BadgeIssuer
) -> None:
    token = issuer.badge("ada@example.org")
    with issuer.client() as client:
        result = ingest_one(store, token, person_id="e1", submitted_by="ada", client=client)
    assert result.status == "verified" and not result.duplicate
    row = store.read(
        "SELECT person_id, format, raw, issuer_id, checks FROM credentials "
        "WHERE credential_key = ?",
        [result.credential_key],
    ).iloc[0]
    assert row["person_id"] == "e1" and row["format"] == "ob3-jwt"
    assert bytes(row["raw"]) == token.encode()
    assert row["issuer_id"] == issuer.did
    assert any(
        c["name"] == "recipient" and c["outcome"] == "passed" for c in json.loads(row["checks"])
    )
    # A new issuer awaits HR's review: its verified skills are shown apart, not yet held.
    assert store.scalar("SELECT trust FROM issuers WHERE issuer_id = ?", [issuer.did]) == "unknown"
    assert store.scalar("SELECT count(*) FROM held_skills") == 0
    pending = store.read("SELECT skill_uri FROM unreviewed_skills WHERE person_id = 'e1'")
    assert PYTHON_ESCO in set(pending["skill_uri"])
    trust_issuers(store)
    held = store.read("SELECT skill_uri FROM held_skills WHERE person_id = 'e1'")
    assert PYTHON_ESCO in set(held["skill_uri"])
    history = store.rows("SELECT old_status, new_status FROM credential_status_history")
    assert history == [(None, "verified")]
    actions = store.read("SELECT actor, action FROM audit_log WHERE action LIKE 'credential.%'")
    assert actions.to_dict("records") == [{"actor": "ada", "action": "credential.submit"}]


def test_same_badge_twice_is_stored_once(store: Store, issuer: BadgeIssuer) -> None:
    token = issuer.badge("ada@example.org")
    with issuer.client() as client:
        first = ingest_one(store, token, person_id="e1", submitted_by="ada", client=client)
        again = ingest_one(store, token.encode(), person_id="e1", submitted_by="hr", client=client)
    assert again.duplicate and again.outcome == "duplicate"
    assert again.credential_key == first.credential_key
    assert store.scalar("SELECT count(*) FROM credentials") == 1
    assert store.scalar("SELECT count(*) FROM credential_skills") == store.scalar(
        "SELECT count(*) FROM credential_skills WHERE credential_key = ?", [first.credential_key]
    )


def test_resubmission_after_revocation_updates_status_and_keeps_history(
    store: Store,
) -> None:
    issuer = BadgeIssuer()
    token = issuer.badge("ada@example.org", status_index=5)
    with issuer.client() as client:
        first = ingest_one(store, token, person_id="e1", submitted_by="ada", client=client)
        assert first.status == "verified"
        issuer.revoked.add(5)
        second = ingest_one(store, token, person_id="e1", submitted_by="ada", client=client)
    assert second.duplicate and second.status_changed
    assert (second.old_status, second.status) == ("verified", "revoked")
    key = str(first.credential_key)
    assert _status(store, key) == "revoked"
    history = store.rows(
        "SELECT old_status, new_status FROM credential_status_history "
        "WHERE credential_key = ? ORDER BY changed_at, old_status NULLS FIRST",
        [key],
    )
    assert history == [
        (None, "verified"),
        ("verified", "revoked"),
    ]
    assert store.scalar("SELECT count(*) FROM held_skills WHERE person_id = 'e1'") == 0


def test_badge_of_someone_else_is_recipient_mismatch_until_its_owner_submits(
    store: Store, issuer: BadgeIssuer
) -> None:
    token = issuer.badge("ada@example.org")
    with issuer.client() as client:
        stolen = ingest_one(store, token, person_id="c1", submitted_by="katherine", client=client)
        assert stolen.status == "recipient_mismatch"
        assert store.scalar("SELECT count(*) FROM held_skills") == 0
        owner = ingest_one(store, token, person_id="e1", submitted_by="ada", client=client)
    assert owner.status == "verified" and owner.person_id == "e1"
    row = store.rows(
        "SELECT person_id, status FROM credentials WHERE credential_key = ?",
        [owner.credential_key],
    )
    assert row == [("e1", "verified")]


def test_unreadable_submission_is_rejected_with_its_reason(store: Store) -> None:
    result = ingest_one(
        store, b"\x00\x01 not a badge", person_id="e1", submitted_by="ada", name="junk.bin"
    )
    assert result.rejected and result.outcome == "rejected"
    assert store.scalar("SELECT count(*) FROM credentials") == 0
    row = store.read("SELECT name, reason, size, raw FROM rejected_submissions").iloc[0]
    assert row["name"] == "junk.bin" and row["size"] == len(b"\x00\x01 not a badge")
    assert row["reason"] == result.reason and row["reason"]


def test_unknown_person_is_refused(store: Store, issuer: BadgeIssuer) -> None:
    with pytest.raises(StoreError, match="no person"):
        ingest_one(store, issuer.badge("ada@example.org"), person_id="nobody", submitted_by="x")


def test_batch_counts_every_outcome_and_a_bad_item_does_not_stop_it(
    store: Store, issuer: BadgeIssuer
) -> None:
    items = [
        BatchItem(issuer.badge("ada@example.org"), "e1", "ada.jwt"),
        BatchItem(issuer.badge("alan@example.org", name="SQL"), "e2", "alan.jwt"),
        BatchItem(b"garbage", "e2", "garbage.txt"),
        BatchItem(issuer.badge("ada@example.org"), "e2", "not-alans.jwt"),
        BatchItem(issuer.badge("ada@example.org"), "ghost", "ghost.jwt"),
    ]
    items.append(BatchItem(items[0].source, "e1", "ada-again.jwt"))
    seen: list[tuple[int, int]] = []
    with issuer.client() as client:
        summary = ingest_batch(
            store,
            items,
            submitted_by="hr",
            client=client,
            progress=lambda d, t: seen.append((d, t)),
        )
    assert summary.counts["verified"] == 2
    assert summary.counts["recipient_mismatch"] == 1
    assert summary.counts["rejected"] == 2
    assert summary.counts["duplicate"] == 1
    assert seen[-1] == (6, 6)
    ghost = next(r for r in summary.results if r.name == "ghost.jwt")
    assert "no person" in ghost.reason
    assert stats(store, OPERATOR)["credentials"]["verified"] == 2


def test_interrupted_batch_leaves_whole_chunks_and_a_rerun_completes_it(
    store: Store, issuer: BadgeIssuer
) -> None:
    items = [
        BatchItem(issuer.badge("ada@example.org", name=f"Badge {i}"), "e1", f"b{i}.jwt")
        for i in range(5)
    ]

    class Killed(Exception):
        pass

    def kill_after_first_chunk(done: int, total: int) -> None:
        if done >= 2:
            raise Killed

    with issuer.client() as client:
        with pytest.raises(Killed):
            ingest_batch(
                store,
                items,
                submitted_by="hr",
                client=client,
                chunk_size=2,
                progress=kill_after_first_chunk,
            )
        stored = store.scalar("SELECT count(*) FROM credentials")
        assert stored in (0, 2)  # whole chunks only
        assert (
            store.scalar("SELECT count(DISTINCT credential_key) FROM credential_skills") == stored
        )
        summary = ingest_batch(store, items, submitted_by="hr", client=client, chunk_size=2)
    assert summary.counts["verified"] == 5 - stored
    assert summary.counts["duplicate"] == stored
    assert store.scalar("SELECT count(*) FROM credentials") == 5
    assert (
        store.scalar("SELECT count(*) FROM credential_status_history WHERE old_status IS NULL") == 5
    )


def test_reverify_records_a_revocation(store: Store) -> None:
    issuer = BadgeIssuer()
    with issuer.client() as client:
        kept = ingest_one(
            store,
            issuer.badge("ada@example.org", status_index=1),
            person_id="e1",
            submitted_by="ada",
            client=client,
        )
        gone = ingest_one(
            store,
            issuer.badge("alan@example.org", status_index=2),
            person_id="e2",
            submitted_by="alan",
            client=client,
        )
        issuer.revoked.add(2)
        summary = reverify(store, actor="hr", client=client)
    assert summary.checked == 2
    assert summary.changes == ((gone.credential_key, "verified", "revoked"),)
    assert _status(store, str(kept.credential_key)) == "verified"
    assert _status(store, str(gone.credential_key)) == "revoked"
    assert (
        store.scalar(
            "SELECT count(*) FROM audit_log WHERE action = 'credential.reverify' AND actor = 'hr'"
        )
        == 1
    )


def test_expand_folder_zip_and_csv(tmp_path: Path, issuer: BadgeIssuer) -> None:
    folder = tmp_path / "badges"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.jwt").write_text(issuer.badge("ada@example.org"))
    (folder / "sub" / "b.json").write_text("{}")
    (folder / "notes.docx").write_bytes(b"ignored")
    names = [i.name for i in expand_batch(folder, person_id="e1")]
    assert names == ["a.jwt", "sub/b.json"]

    archive = tmp_path / "badges.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("x/a.jwt", issuer.badge("ada@example.org"))
        zf.writestr("readme.md", "ignored")
    items = expand_batch(archive, person_id="e1")
    assert [(i.name, i.person_id) for i in items] == [("x/a.jwt", "e1")]
    assert isinstance(items[0].source, bytes)

    csv_file = folder / "list.csv"
    csv_file.write_text("person_id,url_or_file\ne1,a.jwt\ne2,https://issuer.example/b/1\n")
    rows = expand_batch(csv_file)
    assert [(i.person_id, i.source) for i in rows] == [
        ("e1", (folder / "a.jwt").resolve()),
        ("e2", "https://issuer.example/b/1"),
    ]


def test_zip_slip_and_bad_csv_are_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../etc/evil.json", "{}")
    (tmp_path / "evil.zip").write_bytes(buf.getvalue())
    with pytest.raises(InputError, match="unsafe path"):
        expand_batch(tmp_path / "evil.zip")
    (tmp_path / "bad.csv").write_text("who,what\ne1,a.jwt\n")
    with pytest.raises(ImportRowsError) as err:
        expand_batch(tmp_path / "bad.csv")
    assert err.value.problems == [(1, "missing column person_id")]
    (tmp_path / "gaps.csv").write_text("person_id,url_or_file\ne1,\ne2,b.jwt\ne3,\n")
    with pytest.raises(ImportRowsError) as err:
        expand_batch(tmp_path / "gaps.csv")
    assert [n for n, _ in err.value.problems] == [2, 4]


def test_zip_entries_are_read_with_a_bound(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.json", b"{" + b" " * 50_000 + b"}")
    (item,) = expand_batch(archive, settings=Settings(max_upload_bytes=1000))
    assert isinstance(item.source, bytes) and len(item.source) == 1001
