"""The DuckDB store: migrations, locking, transactions, bulk loads, HR writes, erasure."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import skills.store
from skills.access import OPERATOR
from skills.errors import DatabaseLocked, SchemaTooNew, StoreError
from skills.services import admin
from skills.store import (
    Store,
    bulk_load,
    erase_person,
    migrations,
    open_store,
    set_issuer_trust,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "db" / "atlas.duckdb")
    yield s
    s.close()


def test_public_names_are_pinned() -> None:
    assert sorted(skills.store.__all__) == [
        "AuditEntry",
        "BULK_TABLES",
        "Migration",
        "Store",
        "TRUST_LEVELS",
        "Tx",
        "audit",
        "audit_many",
        "bulk_load",
        "erase_person",
        "migrations",
        "open_store",
        "save_role_profile",
        "set_issuer_trust",
        "sync_skills",
        "withdraw_credential",
    ]
    star: dict[str, object] = {}
    exec("from skills.store import *", star)  # raises AttributeError if a name is not defined
    assert [n for n in skills.store.__all__ if n.islower() and not callable(star[n])] == []


def test_open_creates_the_folder_and_applies_every_migration_once(tmp_path: Path) -> None:
    path = tmp_path / "new" / "atlas.duckdb"
    with open_store(path) as s:
        versions = s.rows("SELECT version FROM schema_migrations ORDER BY version")
    assert [v for (v,) in versions] == [m.version for m in migrations()]
    with open_store(path) as s:
        assert s.scalar("SELECT count(*) FROM schema_migrations") == len(migrations())
        assert s.schema_version() == migrations()[-1].version


def test_a_database_from_newer_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "atlas.duckdb"
    with open_store(path) as s, s.write() as tx:
        tx.execute("INSERT INTO schema_migrations VALUES (9999, 'future', now())")
    with pytest.raises(SchemaTooNew, match="newer Skill Atlas"):
        open_store(path)


def _hold(path: Path) -> subprocess.Popen[bytes]:
    """A second process holding ``path`` until its standard input is closed (a signal, not
    a duration): ``proc.stdin.close()`` lets go, ``proc.kill()`` too."""
    code = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
        "print('held', flush=True); sys.stdin.read()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, stdin=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"held"
    return proc


def test_a_file_held_by_another_process_is_waited_for_then_refused(tmp_path: Path) -> None:
    path = tmp_path / "atlas.duckdb"
    open_store(path).close()
    holder = _hold(path)  # until killed below
    try:
        told: list[str] = []
        with pytest.raises(DatabaseLocked, match="in use by process") as err:
            open_store(path, wait=0.3, on_wait=told.append)
        assert f"process {holder.pid}" in str(err.value)
        assert told and "waiting up to" in told[0]
    finally:
        holder.kill()
        holder.wait()


def test_waiting_succeeds_once_the_other_process_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "atlas.duckdb"
    open_store(path).close()
    holder = _hold(path)
    assert holder.stdin is not None
    try:
        # The holder lets go once this process has started waiting for the file.
        with open_store(path, wait=600, on_wait=lambda _: holder.stdin.close()) as s:  # type: ignore[union-attr]
            assert s.schema_version() == migrations()[-1].version
    finally:
        holder.kill()
        holder.wait()


def test_a_failed_write_changes_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.execute("INSERT INTO issuers (issuer_id, name) VALUES (?, ?)", ["i1", "Acme"])
        raise RuntimeError("boom")
    assert store.scalar("SELECT count(*) FROM issuers") == 0
    with store.write() as tx:
        tx.execute("INSERT INTO issuers (issuer_id, name) VALUES (?, ?)", ["i1", "Acme"])
    assert store.scalar("SELECT name FROM issuers WHERE issuer_id = ?", ["i1"]) == "Acme"


def test_parameters_are_values_never_sql(store: Store) -> None:
    hostile = "x'); DROP TABLE people; --"
    with store.write() as tx:
        tx.execute("INSERT INTO issuers (issuer_id, name) VALUES (?, ?)", [hostile, hostile])
    assert store.scalar("SELECT name FROM issuers") == hostile
    assert store.scalar("SELECT count(*) FROM people") == 0
    with pytest.raises(StoreError), store.write() as tx:
        tx.insert_frame("people; DROP TABLE people", pd.DataFrame({"a": [1]}))


def test_reads_from_many_threads_while_writing(store: Store) -> None:
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                store.read("SELECT count(*) AS n FROM issuers")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    for i in range(50):
        with store.write() as tx:
            tx.execute("INSERT INTO issuers (issuer_id) VALUES (?)", [f"i{i}"])
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert store.scalar("SELECT count(*) FROM issuers") == 50


def test_concurrent_writers_are_serialised(store: Store) -> None:
    def writer(n: int) -> None:
        for i in range(20):
            with store.write() as tx:
                count = tx.scalar("SELECT count(*) FROM audit_log")
                tx.execute(
                    "INSERT INTO audit_log (actor, action, subject) VALUES (?, 'test', ?)",
                    [f"w{n}", str(count)],
                )

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    subjects = [int(s) for (s,) in store.rows("SELECT subject FROM audit_log")]
    assert sorted(subjects) == list(range(80))  # each writer saw every earlier commit


def _demo_frames(n: int, offset: int = 0, trust: str = "trusted") -> dict[str, pd.DataFrame]:
    """``n`` verified credentials of person p1 from issuer i1 (trusted unless said)."""
    keys = [f"urn:c:{offset + i}" for i in range(n)]
    now = pd.Timestamp("2026-01-01", tz="UTC")
    return {
        "people": pd.DataFrame(
            {"person_id": ["p1", "p2"], "display_name": ["A", "B"], "kind": ["employee"] * 2}
        ),
        "issuers": pd.DataFrame({"issuer_id": ["i1"], "name": ["Acme"], "trust": [trust]}),
        "credentials": pd.DataFrame(
            {
                "credential_key": keys,
                "person_id": ["p1"] * n,
                "submitted_by": ["demo"] * n,
                "format": ["ob3-di"] * n,
                "status": ["verified"] * n,
                "issuer_id": ["i1"] * n,
                "verified_at": [now] * n,
                "source_sha256": ["0" * 64] * n,
            }
        ),
        "credential_skills": pd.DataFrame(
            {
                "credential_key": keys,
                "skill_uri": [f"http://esco/s{i % 3}" for i in range(n)],
                "confidence": [0.9] * n,
            }
        ),
    }


def test_bulk_load_is_idempotent(store: Store) -> None:
    first = bulk_load(store, _demo_frames(10))
    assert first["credentials"] == 10 and first["credential_skills"] == 10
    again = bulk_load(store, _demo_frames(12))
    assert again["credentials"] == 2 and again["credential_skills"] == 2
    assert store.scalar("SELECT count(*) FROM credential_skills") == 12
    assert store.scalar("SELECT count(*) FROM held_skills") == 3
    with pytest.raises(StoreError, match="cannot load"):
        bulk_load(store, {"audit_log": pd.DataFrame()})


def test_held_skills_exclude_expired_revoked_and_weak_mappings(store: Store) -> None:
    frames = _demo_frames(4)
    creds = frames["credentials"]
    creds.loc[1, "status"] = "revoked"
    creds["expires"] = pd.Series([None, None, pd.Timestamp("2001-01-01", tz="UTC"), None])
    frames["credential_skills"]["skill_uri"] = ["s0", "s1", "s2", "s3"]
    frames["credential_skills"].loc[3, "confidence"] = 0.1
    bulk_load(store, frames)
    assert [u for (u,) in store.rows("SELECT skill_uri FROM held_skills")] == ["s0"]


def test_issuer_trust_and_mapping_decisions(store: Store) -> None:
    bulk_load(store, _demo_frames(2, trust="unknown"))
    with store.write() as tx:
        tx.execute("INSERT INTO skills (skill_uri, label) VALUES ('http://esco/py', 'Python')")
        tx.execute(
            "INSERT INTO credential_skills (credential_key, skill_uri, label, confidence) "
            "VALUES ('urn:c:0', NULL, 'Pythonic  Coding', 0.3)"
        )
        tx.execute("INSERT INTO mapping_review (label_norm, label) VALUES ('pythonic coding', 'x')")
    assert admin.resolve(store, OPERATOR, "pythonic coding", "http://esco/py") == 1
    # Verified, mapped, but its issuer awaits review: shown apart, not held.
    assert store.scalar("SELECT count(*) FROM held_skills WHERE skill_uri = 'http://esco/py'") == 0
    assert (
        store.scalar("SELECT count(*) FROM unreviewed_skills WHERE skill_uri = 'http://esco/py'")
        == 1
    )
    set_issuer_trust(store, "i1", "trusted", actor="hr")
    assert store.scalar("SELECT trust FROM issuers") == "trusted"
    with pytest.raises(StoreError):
        set_issuer_trust(store, "i1", "very", actor="hr")
    assert store.rows("SELECT status, chosen_uri, decided_by FROM mapping_review") == [
        ("resolved", "http://esco/py", "command-line")
    ]
    assert store.scalar("SELECT count(*) FROM held_skills WHERE skill_uri = 'http://esco/py'") == 1
    set_issuer_trust(store, "i1", "untrusted", actor="hr")
    assert store.scalar("SELECT count(*) FROM held_skills") == 0  # HR's word is final
    assert store.scalar("SELECT count(*) FROM unreviewed_skills") == 0


def test_erasure_removes_the_person_and_everything_about_them(store: Store) -> None:
    bulk_load(store, _demo_frames(3))
    with store.write() as tx:
        tx.execute("INSERT INTO identities (person_id, kind, value) VALUES ('p1', 'email', 'a@x')")
        tx.execute(
            "INSERT INTO audit_log (actor, action, subject, person_id) "
            "VALUES ('p1', 'credential.submit', 'urn:c:0', 'p1')"
        )
    erase_person(store, "p1", actor="hr")
    for table in ("credentials", "credential_skills", "identities"):
        assert store.scalar(f"SELECT count(*) FROM {table}") == 0
    assert store.scalar("SELECT count(*) FROM audit_log WHERE person_id = 'p1'") == 0
    assert store.scalar("SELECT count(*) FROM people") == 1
    text = store.read("SELECT * FROM audit_log").to_csv()
    assert "p1" not in text and "a@x" not in text


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "atlas.duckdb"
    open_store(path).close()
    with open_store(path, read_only=True) as s:
        with pytest.raises(StoreError, match="read-only"), s.write():
            pass
        assert s.scalar("SELECT count(*) FROM people") == 0
    with pytest.raises(StoreError, match="no database"):
        open_store(tmp_path / "missing.duckdb", read_only=True)


def test_a_wait_is_announced_even_when_the_first_attempt_outlasts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a busy machine one refused open can take longer than a short --wait; the command
    still says it waited (before, the message was skipped and CI failed on a loaded
    machine). The clock moves a second per reading; nothing sleeps for real."""
    from types import SimpleNamespace

    import duckdb

    from skills.errors import DatabaseLocked

    ticks = iter(range(0, 1000))
    clock = SimpleNamespace(monotonic=lambda: float(next(ticks)), sleep=lambda _s: None)
    monkeypatch.setattr("skills.store._connection.time", clock)  # this module's clock only

    def locked(*_a: object, **_k: object) -> None:
        raise duckdb.IOException(
            'IO Error: Could not set lock on file "x": Conflicting lock is held in '
            "/usr/bin/python3 (PID 4242)"
        )

    monkeypatch.setattr("skills.store._connection.duckdb.connect", locked)
    told: list[str] = []
    with pytest.raises(DatabaseLocked, match=r"waited 0\.3 s"):
        skills.store.open_store(tmp_path / "x.duckdb", wait=0.3, on_wait=told.append)
    assert len(told) == 1 and "waiting up to 0.3 s" in told[0] and "process 4242" in told[0]
    told.clear()
    with pytest.raises(DatabaseLocked):
        skills.store.open_store(tmp_path / "x.duckdb", wait=0, on_wait=told.append)
    assert told == []  # no wait asked: nothing to announce
