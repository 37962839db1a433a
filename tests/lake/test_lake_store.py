"""The lake backend (issue 17): the same store API, schema and answers as the embedded file.

Every test runs on a real DuckLake: a catalog database in the session's private
PostgreSQL cluster and a data folder under the test's temporary folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from skills.config import LakeLocation
from skills.errors import ConfigError, StoreError
from skills.store import Tx, audit, erase_person, migrations, open_store
from skills.store._lake import LakeStore, connect
from tests.support import seed
from tests.support.hostile_support import ROOT
from tests.support.page_queries import page_queries


def test_a_lake_takes_every_migration_and_the_store_api(lake: LakeLocation) -> None:
    with open_store(lake) as store:
        assert isinstance(store, LakeStore)
        assert store.schema_version() == migrations()[-1].version
        with store.write() as tx:
            audit(tx, "t", "first")
            audit(tx, "t", "second")
            tx.upsert("app_settings", {"key": "k", "value": "1"}, keys=["key"])
            tx.upsert(
                "app_settings",
                {"key": "k", "value": "2"},
                keys=["key"],
                update={"value": "stored.value || given.value"},
            )
            frame = pd.DataFrame({"key": ["k", "new"], "value": ["x", "y"]})
            assert tx.insert_frame("app_settings", frame, on_conflict="nothing") == 1
        assert store.rows("SELECT audit_id, action FROM audit_log ORDER BY 1") == [
            (1, "first"),
            (2, "second"),
        ]
        assert dict(store.rows("SELECT key, value FROM app_settings WHERE key IN ('k', 'new')"))
        assert store.scalar("SELECT value FROM app_settings WHERE key = 'k'") == "12"
    with open_store(lake) as again:  # committed to the lake, not to a process's memory
        assert again.scalar("SELECT count(*) FROM audit_log") == 2


def test_processes_starting_together_apply_the_migrations_once(
    lake_env: dict[str, str], lake: LakeLocation
) -> None:
    code = (
        "from skills.config import settings; from skills.store import open_store; "
        "open_store(settings().store_location).close(); print('ok')"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, **lake_env, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    with open_store(lake) as store:
        versions = [v for (v,) in store.rows("SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == [m.version for m in migrations()]


def test_a_commit_conflict_with_another_lake_client_is_retried(lake: LakeLocation) -> None:
    """A client that does not take turns (another tool on the same lake) commits a change
    to a row while our write transaction changes it too: DuckLake refuses our commit, and
    ``run_write`` runs the work again on the new snapshot."""
    with open_store(lake) as store:
        store.run_write(
            lambda tx: tx.upsert("app_settings", {"key": "k", "value": "0"}, keys=["key"])
        )
        other = connect(lake.catalog, lake.data_path, lake.extensions)
        attempts = []

        def work(tx: Tx) -> None:
            attempts.append(tx.scalar("SELECT value FROM app_settings WHERE key = 'k'"))
            tx.execute("UPDATE app_settings SET value = value || 'a' WHERE key = 'k'")
            if len(attempts) == 1:  # the other client commits first
                other.execute("UPDATE app_settings SET value = value || 'b' WHERE key = 'k'")

        store.run_write(work)
        other.close()
        assert attempts == ["0", "0b"]  # the second attempt saw the other's commit
        assert store.scalar("SELECT value FROM app_settings WHERE key = 'k'") == "0ba"


def test_a_lake_is_chosen_by_settings_and_a_half_configured_one_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from skills.config import settings

    monkeypatch.setenv("SKILLS_STORE", "ducklake")
    monkeypatch.setenv("SKILLS_LAKE_DATA", "/shared/lake")
    with pytest.raises(ConfigError, match="SKILLS_LAKE_CATALOG"):
        settings()
    monkeypatch.setenv("SKILLS_LAKE_CATALOG", "dbname=lake host=db")
    location = settings().store_location
    assert isinstance(location, LakeLocation) and location.data_path == "/shared/lake/"
    assert "dbname" not in repr(location)  # the connection string may hold a password
    monkeypatch.setenv("SKILLS_STORE", "sqlite")
    with pytest.raises(ConfigError, match="duckdb or ducklake"):
        settings()


def test_an_unreachable_catalog_is_a_clear_error(tmp_path: Path) -> None:
    from tests.support.live_server import free_port

    location = LakeLocation(
        f"dbname=lake host=127.0.0.1 port={free_port()} user=postgres connect_timeout=5",
        f"{tmp_path}/data/",
        tmp_path / "ext",
    )
    with pytest.raises(StoreError, match="SKILLS_LAKE_CATALOG"):
        open_store(location)


def _normal(value: Any) -> Any:
    """A result in a form two stores' answers compare by: frames sorted by every column."""
    if isinstance(value, pd.DataFrame):
        frame = value.reset_index(drop=True)
        for column in frame.columns:  # "as of now" points differ by the call's moment
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                moment = pd.Timestamp.now(tz="UTC")
                stamps = frame[column]
                if stamps.dt.tz is None:
                    stamps = stamps.dt.tz_localize("UTC")
                recent = (stamps - moment).abs() < pd.Timedelta(hours=1)
                frame[column] = frame[column].astype("object").where(~recent, "now")
        frame = frame.astype({c: "object" for c in frame.columns if frame[c].dtype == "object"})
        with contextlib.suppress(TypeError):  # unorderable cells (lists): the query's order
            frame = frame.sort_values(list(frame.columns), kind="stable")
        return frame.reset_index(drop=True)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _normal(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normal(v) for v in value]
    return value


def _assert_same(a: Any, b: Any, where: str) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=where)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _assert_same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def test_every_pages_queries_answer_the_same_on_a_lake(lake: LakeLocation, tmp_path: Path) -> None:
    db = tmp_path / "embedded.duckdb"
    seed.build(db, tmp_path / "accounts.toml")
    from skills.store._lake import import_file

    with open_store(lake) as store:
        assert isinstance(store, LakeStore)
        copied = import_file(store, db)
    assert copied["credentials"] > 0 and copied["people"] > 0
    with open_store(db) as embedded, open_store(lake) as store:
        theirs, ours = page_queries(embedded), page_queries(store)
        assert theirs.keys() == ours.keys()
        checked = 0
        for page, calls in theirs.items():
            for i, (a, b) in enumerate(zip(calls, ours[page], strict=True)):
                _assert_same(_normal(a()), _normal(b()), f"{page} #{i}")
                checked += 1
    assert checked == sum(len(c) for c in theirs.values()) >= 25


def test_erasure_on_a_lake_leaves_no_snapshot_to_read_the_person_from(
    lake: LakeLocation, tmp_path: Path
) -> None:
    db = tmp_path / "embedded.duckdb"
    seed.build(db, tmp_path / "accounts.toml")
    from skills.store._lake import import_file

    with open_store(lake) as store:
        assert isinstance(store, LakeStore)
        import_file(store, db)
        person = str(store.scalar("SELECT person_id FROM credentials LIMIT 1"))
        before = int(store.scalar("SELECT id FROM lake.current_snapshot()"))
        erase_person(store, person, actor="hr")
        assert store.scalar("SELECT count(*) FROM people WHERE person_id = ?", [person]) == 0
        # Time travel to the snapshot before the erasure is gone with it.
        with pytest.raises(StoreError):
            store.rows(f"SELECT * FROM people AT (VERSION => {before})")
        assert store.scalar("SELECT count(*) FROM lake.snapshots()") == 1


def test_import_refuses_a_lake_that_holds_people(lake: LakeLocation, tmp_path: Path) -> None:
    db = tmp_path / "embedded.duckdb"
    seed.build(db, tmp_path / "accounts.toml")
    from skills.store._lake import import_file

    with open_store(lake) as store:
        assert isinstance(store, LakeStore)
        import_file(store, db)
        before = store.scalar("SELECT count(*) FROM credentials")
        with pytest.raises(StoreError, match="already holds people"):
            import_file(store, db)
        assert store.scalar("SELECT count(*) FROM credentials") == before


def test_lake_commands_init_and_import_with_progress(
    lake_env: dict[str, str], lake: LakeLocation, tmp_path: Path
) -> None:
    db = tmp_path / "embedded.duckdb"
    seed.build(db, tmp_path / "accounts.toml")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "skills", *args],
            cwd=ROOT,
            env={**os.environ, **lake_env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=300,
        )

    first = run("lake", "init")
    assert first.returncode == 0 and "is ready (schema" in first.stdout, first.stderr
    assert run("lake", "init").returncode == 0  # safe to run again
    imported = run("lake", "import", "--from", str(db))
    assert imported.returncode == 0, imported.stderr
    assert "Imported" in imported.stdout and "credentials:" in imported.stderr
    stats = run("stats", "--json")
    embedded = subprocess.run(
        [sys.executable, "-m", "skills", "stats", "--json", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert stats.returncode == 0 and stats.stdout == embedded.stdout
    again = run("lake", "import", "--from", str(db))
    assert again.returncode == 2 and "already holds people" in again.stderr


def test_reads_see_other_processes_commits(
    lake: LakeLocation, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skills.store import _lake

    monkeypatch.setattr(_lake, "SNAPSHOT_POLL_SECONDS", 0.0)  # ask the catalog at every look
    with open_store(lake) as reader, open_store(lake) as writer:
        seen = reader.generation
        with writer.write() as tx:
            audit(tx, "t", "elsewhere", at=datetime.now(UTC))
        assert reader.generation != seen
        assert reader.scalar("SELECT count(*) FROM audit_log WHERE action = 'elsewhere'") == 1
