"""The lake backend: DuckLake with its catalog in PostgreSQL and its data on shared storage.

Several processes on several machines read and write one lake (snapshot isolation), so
app replicas and ingest workers can run side by side; ``SKILLS_STORE=ducklake`` selects
it (:class:`skills.config.LakeLocation`). Pages and commands see the same
:class:`~skills.store.Store` API.

- **Extensions without downloads.** DuckDB 1.5.5 with ``ducklake`` and ``postgres`` from
  their PyPI wheels (``duckdb-extension-ducklake``, ``duckdb-extension-postgres``), copied
  into an extension folder laid out the way DuckDB looks for them (the postgres binary
  under its entry point's name ``postgres_scanner``); auto-install stays off.
- **Same schema.** The migrations are applied in a lake dialect (:func:`lake_dialect`):
  DuckLake refuses PRIMARY KEY/UNIQUE/CHECK constraints, sequences and indexes, so keyed
  inserts merge on the keys the migrations declare (:func:`~skills.store._connection.table_keys`)
  and numbered rows get ids from :meth:`~skills.store.Tx.next_ids`. Processes starting
  together apply them once: the first takes a PostgreSQL advisory lock, the others wait
  for it and then find nothing pending.
- **Writers take turns.** Every write transaction runs while its process holds a
  transaction-scoped advisory lock in the catalog's PostgreSQL, and starts its lake
  transaction only then: it sees every earlier commit, so "read what is stored, write
  what is missing" (the idempotency keys of ingestion) stays exactly-once across
  processes, which DuckLake alone does not give (two concurrent appends of one key both
  commit). A process that dies loses its PostgreSQL session and with it the lock.
  Verification, the slow part of ingestion, runs outside the turn.
- **Fresh reads.** :attr:`LakeStore.generation` is the lake's newest snapshot id, so caches
  keyed on it (the read model, the pages' query cache) refresh when any process commits.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import psycopg
import psycopg.conninfo
import psycopg.sql

from skills.config import LakeLocation
from skills.errors import StoreError
from skills.store._connection import Store, Tx, _migrate

EXTENSIONS = (  # (wheel package, file in the wheel, name DuckDB loads it by)
    ("duckdb_extension_ducklake", "ducklake", "ducklake"),
    ("duckdb_extension_postgres", "postgres", "postgres_scanner"),
)


def _version() -> str:
    return f"v{duckdb.__version__}"


def extension_directory(root: Path) -> Path:
    """``root`` holding the two extensions where DuckDB looks (``<version>/<platform>/``),
    copied from their wheels when missing. Raises RuntimeError naming a missing wheel."""
    platform = str(duckdb.execute("PRAGMA platform").fetchone()[0])  # type: ignore[index]
    target = root / _version() / platform
    target.mkdir(parents=True, exist_ok=True)
    for package, source, name in EXTENSIONS:
        dest = target / f"{name}.duckdb_extension"
        if dest.exists():
            continue
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(
                f"The {package.replace('_', '-')} wheel is not installed (pip install "
                f"{package.replace('_', '-')}=={duckdb.__version__})."
            )
        folder = Path(next(iter(spec.submodule_search_locations)))
        partial = dest.with_name(f".{dest.name}.{os.getpid()}")  # processes start together
        shutil.copyfile(folder / "extensions" / _version() / f"{source}.duckdb_extension", partial)
        os.replace(partial, dest)
    return root


def connect(catalog: str, data_path: str, extensions: Path) -> duckdb.DuckDBPyConnection:
    """A connection with the lake attached as ``lake`` and in use. ``catalog`` is a libpq
    connection string (``dbname=lake host=127.0.0.1 port=5432 user=atlas``)."""
    con = duckdb.connect(
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "extension_directory": str(extension_directory(extensions)),
        }
    )
    for _, _, name in EXTENSIONS:
        con.execute(f"LOAD {name}")
    con.execute(
        f"ATTACH '{_quote(f'ducklake:postgres:{catalog}')}' AS lake "
        f"(DATA_PATH '{_quote(data_path)}')"
    )
    con.execute("USE lake")
    return con


def _quote(text: str) -> str:
    return text.replace("'", "''")


_DROP_STATEMENT = re.compile(r"^\s*CREATE\s+(UNIQUE\s+)?(SEQUENCE|INDEX)\b", re.IGNORECASE)
_NEXTVAL = re.compile(r"\s+DEFAULT\s+nextval\('[^']*'\)", re.IGNORECASE)
_COLUMN_KEY = re.compile(r"\s+(PRIMARY\s+KEY|UNIQUE)\b(?!\s*\()", re.IGNORECASE)
_TABLE_KEY = re.compile(r",\s*(PRIMARY\s+KEY|UNIQUE)\s*\([^)]*\)", re.IGNORECASE)


def _drop_checks(sql: str) -> str:
    out, i = [], 0
    pattern = re.compile(r"\s+CHECK\s*\(", re.IGNORECASE)
    while True:
        m = pattern.search(sql, i)
        if not m:
            out.append(sql[i:])
            return "".join(out)
        out.append(sql[i : m.start()])
        depth, j = 1, m.end()
        while depth and j < len(sql):
            depth += {"(": 1, ")": -1}.get(sql[j], 0)
            j += 1
        i = j


def _statements(sql: str) -> list[str]:
    """Split on semicolons outside quotes and comments (enough for our migrations)."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


_BOOL_DEFAULT = re.compile(r"\bDEFAULT\s+(true|false)\b", re.IGNORECASE)


def lake_dialect(sql: str) -> list[str]:
    """A migration's statements as DuckLake takes them: no sequences, indexes, key or
    CHECK constraints, no ``DEFAULT nextval``; boolean defaults quoted (DuckLake takes
    ``DEFAULT 'false'`` as a literal and refuses the bare keyword as "non-literal")."""
    out = []
    for statement in _statements(sql):
        if _DROP_STATEMENT.match(statement):
            continue
        statement = _drop_checks(statement)
        statement = _NEXTVAL.sub("", statement)
        statement = _BOOL_DEFAULT.sub(lambda m: f"DEFAULT '{m.group(1).lower()}'", statement)
        statement = _TABLE_KEY.sub("", statement)
        statement = _COLUMN_KEY.sub("", statement)
        out.append(statement)
    return out


#: PostgreSQL advisory lock keys (one 64-bit number each; "SkAt" in ASCII as the prefix).
WRITE_LOCK = 0x536B4174_00000001
MIGRATE_LOCK = 0x536B4174_00000002
NAME_LOCKS = 0x536B4174  # with hashtext(name): one lock per queue worker
#: How often :attr:`LakeStore.generation` asks the catalog for the newest snapshot.
SNAPSHOT_POLL_SECONDS = 0.5


class LakeStore(Store):
    """An open lake (see the module's notes); created by :func:`open_lake`."""

    is_lake = True

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        location: LakeLocation,
        pg: psycopg.Connection[tuple[object, ...]],
        read_only: bool,
    ) -> None:
        super().__init__(con, Path(location.data_path), read_only)
        self.location = location
        self._pg = pg
        self._pg_lock = threading.RLock()  # a write holds it; name_alive runs inside writes
        self._snapshot = (-1, 0.0)  # (id, when asked)

    @property
    def generation(self) -> int:
        """The lake's newest snapshot id: every commit of any process makes a new one
        (asked at most every :data:`SNAPSHOT_POLL_SECONDS`, and after each local write)."""
        seen, asked = self._snapshot
        if self._generation != seen or time.monotonic() - asked >= SNAPSHOT_POLL_SECONDS:
            row = self.rows("SELECT id FROM lake.current_snapshot()")
            self._snapshot = (int(row[0][0]) if row else 0, time.monotonic())
            self._generation = self._snapshot[0]
        return self._snapshot[0]

    @contextmanager
    def _writer_turn(self) -> Iterator[None]:
        with self._pg_lock:
            if self._pg.broken or self._pg.closed:  # PostgreSQL restarted: connect again
                self._reconnect()
            try:
                with self._pg.transaction():
                    self._pg.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
                    yield
            except psycopg.OperationalError as err:
                raise StoreError(
                    f"The lake's PostgreSQL catalog went away during a write: {err}"
                ) from err

    def _reconnect(self) -> None:
        try:
            self._pg = psycopg.connect(self.location.catalog, autocommit=True)
        except psycopg.Error as err:
            raise StoreError(
                f"Cannot reach the lake's PostgreSQL catalog (SKILLS_LAKE_CATALOG): {err}"
            ) from err
        for name in self._names:  # the old session's name locks ended with it
            self._pg.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [NAME_LOCKS, name])

    def hold_name(self, name: str) -> None:
        """Hold a session lock named ``name`` in the catalog's PostgreSQL until this store
        closes or its process dies (PostgreSQL then ends the session and the lock)."""
        with self._pg_lock:
            self._pg.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [NAME_LOCKS, name])
        self._names.add(name)

    def name_alive(self, name: str) -> bool:
        """Whether some process still holds ``name``'s lock (see :meth:`hold_name`)."""
        if name in self._names:
            return True
        with self._pg_lock:
            row = self._pg.execute(
                "SELECT pg_try_advisory_lock(%s, hashtext(%s))", [NAME_LOCKS, name]
            ).fetchone()
            if row and row[0]:
                self._pg.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [NAME_LOCKS, name])
                return False
        return True

    def compact(self) -> None:
        """Make deleted rows unreadable: rewrite the data files that carry deletions,
        expire every older snapshot (no time travel back to the rows) and remove the files
        no snapshot needs."""
        if self.read_only:
            raise StoreError("This lake was opened read-only; it cannot be compacted.")
        with self._lock, self._writer_turn():
            try:
                for call in (
                    "CALL ducklake_rewrite_data_files('lake', delete_threshold => 0)",
                    "CALL ducklake_expire_snapshots('lake', older_than => now())",
                    "CALL ducklake_cleanup_old_files('lake', cleanup_all => true)",
                ):
                    self._con.execute(call).fetchall()
            except duckdb.Error as err:
                raise StoreError(f"The lake could not be compacted: {err}") from err
            self._generation += 1

    def close(self) -> None:
        if not self.closed:
            super().close()
            self._pg.close()


def open_lake(location: LakeLocation, *, read_only: bool = False) -> LakeStore:
    """Attach the lake (creating its catalog tables and data folder on first use) and bring
    its schema up to date; raises :class:`StoreError` naming what failed."""
    if "://" not in location.data_path:
        Path(location.data_path).mkdir(parents=True, exist_ok=True)
    try:
        pg = psycopg.connect(location.catalog, autocommit=True)
    except psycopg.Error as err:
        raise StoreError(
            f"Cannot reach the lake's PostgreSQL catalog (SKILLS_LAKE_CATALOG): {err}"
        ) from err
    # One process at a time attaches a new lake (creating its catalog tables) and migrates.
    pg.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
    try:
        try:
            con = connect(location.catalog, location.data_path, location.extensions)
        except (duckdb.Error, RuntimeError) as err:
            raise StoreError(f"Cannot attach {location}: {err}") from err
        try:
            _migrate(con, str(location), read_only, lake_dialect)
        except BaseException:
            con.close()
            raise
    except BaseException:
        pg.close()
        raise
    pg.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])
    return LakeStore(con, location, pg, read_only)


def create_catalog(catalog: str) -> bool:
    """Create the catalog's PostgreSQL database when it does not exist yet (connecting to
    the server's ``postgres`` database to do so); True when it was created."""
    try:
        psycopg.connect(catalog).close()
        return False
    except psycopg.OperationalError as err:
        if "does not exist" not in str(err):
            raise StoreError(
                f"Cannot reach the lake's PostgreSQL catalog (SKILLS_LAKE_CATALOG): {err}"
            ) from err
    params = psycopg.conninfo.conninfo_to_dict(catalog)
    name = str(params.pop("dbname", ""))
    admin_conninfo = psycopg.conninfo.make_conninfo("", **{**params, "dbname": "postgres"})
    with psycopg.connect(admin_conninfo, autocommit=True) as admin:
        admin.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    return True


def import_file(
    store: LakeStore,
    source: Path,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Copy every table of the DuckDB file ``source`` (its schema as new as the lake's)
    into the lake in one transaction, by column name, replacing what the migrations seeded
    (the settings); returns rows per table. ``progress(table, rows_copied_so_far)`` after
    each table. Raises :class:`StoreError` when the lake already holds people or
    credentials, or the schemas differ."""
    quoted = str(source).replace("'", "''")
    store.rows(f"ATTACH '{quoted}' AS skills_import (READ_ONLY)")
    try:
        theirs = store.scalar("SELECT max(version) FROM skills_import.main.schema_migrations")
        if theirs != store.schema_version():
            raise StoreError(
                f"{source} is at schema {theirs}, the lake at {store.schema_version()}; open "
                "the file once with this version of Skill Atlas to bring it up to date."
            )
        tables = [
            str(t)
            for (t,) in store.rows(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'skills_import' "
                "AND schema_name = 'main' AND table_name <> 'schema_migrations' "
                "ORDER BY table_name"
            )
        ]
        held = [t for t in ("people", "credentials") if store.scalar(f"SELECT count(*) FROM {t}")]  # noqa: S608
        if held:
            raise StoreError(
                f"The lake already holds {' and '.join(held)}; import into an empty lake."
            )
        copied: dict[str, int] = {}

        def work(tx: Tx) -> None:
            done = 0
            for table in tables:  # what the migrations seeded (settings) is replaced
                tx.execute(f"DELETE FROM {table}")  # noqa: S608
                tx.execute(
                    f"INSERT INTO {table} BY NAME SELECT * FROM skills_import.main.{table}"  # noqa: S608
                )
                copied[table] = int(tx.scalar(f"SELECT count(*) FROM {table}"))  # noqa: S608
                done += copied[table]
                if progress is not None:
                    progress(table, done)

        store.run_write(work, attempts=1)
        return copied
    finally:
        store.rows("DETACH skills_import")
