"""The DuckDB connection: opening (with lock waiting), migrations, reads and writes.

DuckDB lets one process open a database file read-write, and then no other
process may open it at all (not even read-only). Inside that process any number
of threads may read through their own cursor. So:

- :func:`open_store` retries while another process holds the file, up to
  ``wait`` seconds, then raises :class:`DatabaseLocked` naming the holder;
- :meth:`Store.read` takes a fresh cursor per call (safe from Streamlit's
  session threads) and fetches the whole result before returning, because
  DuckDB 2.0 streams results and an unfetched result pins its cursor;
- :meth:`Store.write` runs one transaction at a time per database file in this
  process (a process-wide lock), so writers never interleave; a transaction
  conflict raised by DuckDB is retried by :meth:`Store.run_write`.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import duckdb
import pandas as pd

from skills.config import LakeLocation
from skills.errors import DatabaseLocked, SchemaTooNew, StorageTooNew, StoreError

T = TypeVar("T")
Params = Sequence[Any] | dict[str, Any] | None

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MIGRATION_FILE = re.compile(r"(\d{4})_([A-Za-z0-9_]+)\.sql")

# One lock per database file in this process: writes to the file are serialised.
_FILE_LOCKS: dict[str, threading.RLock] = {}
_FILE_LOCKS_GUARD = threading.Lock()


def _file_lock(key: str) -> threading.RLock:
    with _FILE_LOCKS_GUARD:
        lock = _FILE_LOCKS.get(key)
        if lock is None:
            lock = _FILE_LOCKS[key] = threading.RLock()
        return lock


@dataclass(frozen=True)
class Migration:
    """A numbered SQL file in ``skills/store/migrations``."""

    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """Every migration shipped with this code, in version order."""
    folder = importlib.resources.files("skills.store").joinpath("migrations")
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _MIGRATION_FILE.fullmatch(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    return found


#: Tables whose ids come from a sequence, and their id column (see :meth:`Tx.next_ids`).
NUMBERED = {
    "audit_log": "audit_id",
    "identity_requests": "request_id",
    "notices": "notice_id",
    "rejected_submissions": "rejection_id",
}
_CREATE_TABLE = re.compile(
    r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\((.*?)\n\);", re.S | re.I
)
_KEY_COLUMN = re.compile(r"^\s*(\w+)\s+[^,]*?\bPRIMARY\s+KEY\b", re.M | re.I)
_KEY_CLAUSE = re.compile(r"PRIMARY\s+KEY\s*\(([^)]*)\)", re.I)


@functools.cache
def table_keys() -> dict[str, tuple[str, ...]]:
    """Each table's primary key columns, as the migrations declare them. A lake keeps no
    key constraints, so :meth:`Tx.insert_frame` merges on these there."""
    keys: dict[str, tuple[str, ...]] = {}
    for migration in migrations():
        for table, body in _CREATE_TABLE.findall(migration.sql):
            clause = _KEY_CLAUSE.search(body)
            column = _KEY_COLUMN.search(body)
            if clause:
                keys[table] = tuple(c.strip() for c in clause.group(1).split(","))
            elif column:
                keys[table] = (column.group(1),)
    return keys


def _is_lock_error(err: duckdb.Error) -> bool:
    text = str(err)
    return "lock" in text.lower() and ("Conflicting lock" in text or "Could not set lock" in text)


def _lock_holder(err: duckdb.Error) -> str:
    match = re.search(r"held in (.+?) \(PID (\d+)\)", str(err))
    if match:
        return f"process {match.group(2)} ({Path(match.group(1)).name})"
    return "another process"


class Tx:
    """One open write transaction (what :meth:`Store.write` yields).

    Every value goes in as a parameter; table and column names are checked
    against a plain-identifier pattern before they are put into SQL.
    """

    def __init__(self, cursor: duckdb.DuckDBPyConnection, *, lake: bool = False) -> None:
        self._cur = cursor
        self._frames = 0
        self._lake = lake

    def execute(self, sql: str, params: Params = None) -> None:
        """Run a statement; the result (if any) is discarded."""
        self._cur.execute(sql, params).fetchall()

    def rows(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        """Run a query inside the transaction and fetch every row."""
        return self._cur.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row, or None when there is no row.

        Every row is fetched: DuckDB 2.0 streams results, and a result left unfinished
        blocks the transaction's next statement.
        """
        found = self._cur.execute(sql, params).fetchall()
        return found[0][0] if found else None

    def read(self, sql: str, params: Params = None) -> pd.DataFrame:
        """A query inside the transaction as a DataFrame."""
        return self._cur.execute(sql, params).df()

    @contextmanager
    def frame(self, name: str, frame: pd.DataFrame) -> Iterator[None]:
        """Make ``frame`` queryable as the view ``name`` for the duration of the block."""
        if not _IDENTIFIER.fullmatch(name):
            raise StoreError(f"Not a view name: {name!r}.")
        self._cur.register(name, frame)
        try:
            yield
        finally:
            self._cur.unregister(name)

    def insert_frame(
        self,
        table: str,
        frame: pd.DataFrame,
        *,
        on_conflict: Literal["error", "nothing"] = "error",
    ) -> int:
        """Insert a DataFrame's rows into ``table`` matching columns by name.

        Columns the frame lacks take their defaults. ``on_conflict="nothing"``
        skips rows whose primary key already exists. Returns the rows inserted.
        This is the bulk path (a registered frame, ``INSERT ... SELECT``), fast for
        millions of rows.
        """
        if not _IDENTIFIER.fullmatch(table):
            raise StoreError(f"Not a table name: {table!r}.")
        for column in frame.columns:
            if not _IDENTIFIER.fullmatch(str(column)):
                raise StoreError(f"Not a column name: {column!r}.")
        if frame.empty:
            return 0
        self._frames += 1
        view = f"_frame_{self._frames}"
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        if on_conflict == "nothing" and self._lake:  # a lake has no keys: MERGE on ours
            on = " AND ".join(f'stored."{k}" = given."{k}"' for k in table_keys()[table])
            sql = (
                f"MERGE INTO {table} AS stored USING {view} AS given ON {on} "  # noqa: S608
                f"WHEN NOT MATCHED THEN INSERT ({cols}) VALUES "
                f"({', '.join(f'given.{c}' for c in cols.split(', '))})"
            )
        else:
            conflict = " ON CONFLICT DO NOTHING" if on_conflict == "nothing" else ""
            sql = f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {view}{conflict}"  # noqa: S608
        self._cur.register(view, frame)
        try:
            row = self._cur.execute(sql).fetchone()
        finally:
            self._cur.unregister(view)
        return int(row[0]) if row else 0

    def upsert(
        self,
        table: str,
        values: dict[str, Any],
        *,
        keys: Sequence[str],
        update: dict[str, str] | None = None,
    ) -> None:
        """Insert one row, or when a row with the same ``keys`` exists, apply ``update``
        (column -> SQL expression over ``stored.`` and ``given.`` columns; None: keep the
        stored row). A MERGE, so it needs no key constraint and runs on a lake as well."""
        names = [table, *values, *keys, *(update or {})]
        if not all(_IDENTIFIER.fullmatch(n) for n in names):
            raise StoreError(f"Not an identifier among {names!r}.")
        given = ", ".join(f"? AS {c}" for c in values)
        on = " AND ".join(f"stored.{k} = given.{k}" for k in keys)
        sql = f"MERGE INTO {table} AS stored USING (SELECT {given}) AS given ON {on} "
        if update:
            sql += "WHEN MATCHED THEN UPDATE SET " + ", ".join(
                f"{c} = {e}" for c, e in update.items()
            )
        sql += (
            f" WHEN NOT MATCHED THEN INSERT ({', '.join(values)}) "  # noqa: S608 (checked names)
            f"VALUES ({', '.join(f'given.{c}' for c in values)})"
        )
        self._cur.execute(sql, list(values.values())).fetchall()

    def next_ids(self, table: str, count: int) -> list[int]:
        """``count`` fresh ids for a table numbered by a sequence (:data:`NUMBERED`). A lake
        has no sequences: there they continue the largest id, which is safe because lake
        writers take turns (:class:`skills.store._lake.LakeStore`)."""
        column = NUMBERED[table]
        if count <= 0:
            return []
        if self._lake:
            start = int(self.scalar(f"SELECT coalesce(max({column}), 0) FROM {table}"))  # noqa: S608
            return list(range(start + 1, start + 1 + count))
        return [
            int(r[0])
            for r in self._cur.execute(
                f"SELECT nextval('{table}_seq') FROM range(?)",  # noqa: S608
                [count],
            ).fetchall()
        ]


class _ReadGate:
    """Lets many reads run at once, and :meth:`Store.compact` run alone.

    DuckDB refuses to close a connection whose cursors are still executing ("connection is
    busy"), and a read on a closed connection fails. Reads enter the gate (waiting while a
    compaction runs); a compaction closes the gate to new reads and waits until the reads
    in flight have finished, as datasette tracks in-flight reads before it swaps a file.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._reading = 0
        self._exclusive = False

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._reading += 1
        try:
            yield
        finally:
            with self._cond:
                self._reading -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._exclusive = True
            while self._reading:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


class Store:
    """An open Skill Atlas database. Create with :func:`open_store`; close with :meth:`close`.

    ``generation`` grows by one after every committed write in this process, so
    callers can key caches on it.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only
        self._lock = _file_lock(str(path))
        self._local = threading.local()
        self._closed = False
        self._gate = _ReadGate()
        self._generation = 0
        self._names: set[str] = set()

    @property
    def generation(self) -> int:
        """Grows after every committed write this store can know of (callers key caches
        on it): here, every write of this process."""
        return self._generation

    # -- reads ----------------------------------------------------------------

    def read(self, sql: str, params: Params = None) -> pd.DataFrame:
        """Run a query on a cursor of its own and return every row as a DataFrame.

        Safe to call from many threads at once. Raises :class:`StoreError` when
        DuckDB refuses the query (the message says why).
        """
        with self._gate.read():
            cur = self._cursor()
            try:
                return cur.execute(sql, params).df()
            except duckdb.Error as err:
                raise StoreError(f"The database refused a query: {err}") from err
            finally:
                cur.close()

    def rows(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        """Like :meth:`read`, returning a list of tuples."""
        with self._gate.read():
            cur = self._cursor()
            try:
                return cur.execute(sql, params).fetchall()
            except duckdb.Error as err:
                raise StoreError(f"The database refused a query: {err}") from err
            finally:
                cur.close()

    def scalar(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row of a query, or None."""
        found = self.rows(sql, params)
        return found[0][0] if found else None

    # -- writes ---------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """One write transaction: committed when the block ends, rolled back on any error.

        Writers in this process wait for each other (one lock per file). A
        ``write()`` opened inside another on the same thread joins the outer
        transaction. Raises :class:`StoreError` on a read-only store.
        """
        if self.read_only:
            raise StoreError("This database was opened read-only; it cannot be changed.")
        outer: Tx | None = getattr(self._local, "tx", None)
        if outer is not None:
            yield outer
            return
        with self._lock, self._writer_turn():
            cur = self._cursor()
            cur.execute("BEGIN TRANSACTION")
            tx = Tx(cur, lake=self.is_lake)
            self._local.tx = tx
            try:
                yield tx
                cur.execute("COMMIT")
                self._generation += 1
            except BaseException:
                with suppress(duckdb.Error):  # DuckDB may have aborted it already
                    cur.execute("ROLLBACK")
                raise
            finally:
                self._local.tx = None
                cur.close()

    #: Whether this store is a lake (:class:`skills.store._lake.LakeStore`).
    is_lake = False

    def hold_name(self, name: str) -> None:
        """Mark ``name`` (a queue worker) alive for as long as this store is open."""
        self._names.add(name)

    def name_alive(self, name: str) -> bool:
        """Whether a worker of that name is alive. One process owns a database file, so
        only this store's own names can be."""
        return name in self._names

    @contextmanager
    def _writer_turn(self) -> Iterator[None]:
        """Held around each write transaction, inside this process's write lock. One process
        owns a database file, so there is nothing more to wait for here; a lake's writers
        in other processes take turns (:class:`skills.store._lake.LakeStore`)."""
        yield

    def run_write(self, work: Callable[[Tx], T], *, attempts: int = 5) -> T:
        """Run ``work(tx)`` in a write transaction, retrying on transaction conflicts.

        ``work`` must be safe to run again (it sees a rolled-back database).
        Raises :class:`StoreError` when the conflict persists or DuckDB refuses.
        """
        for attempt in range(1, attempts + 1):
            try:
                with self.write() as tx:
                    return work(tx)
            except duckdb.TransactionException as err:
                if attempt == attempts:
                    raise StoreError(f"The database stayed busy: {err}") from err
                time.sleep(0.02 * 2**attempt)
            except duckdb.Error as err:
                raise StoreError(f"The database refused a change: {err}") from err
        raise AssertionError("unreachable")

    # -- lifecycle ------------------------------------------------------------

    def compact(self) -> None:
        """Rewrite the database into a fresh file and swap it in, under the write lock.

        DuckDB leaves deleted rows readable in the file's free blocks until they are
        reused; erasure calls this so that an erased person's data is really gone.
        Reads in flight finish first and new reads wait until the new file is open.
        Raises :class:`StoreError` on a read-only store or when DuckDB refuses.
        """
        if self.read_only:
            raise StoreError("This database was opened read-only; it cannot be compacted.")
        if str(self.path) == ":memory:":
            return
        with self._lock, self._gate.exclusive():
            fresh = self.path.with_name(self.path.name + ".compact")
            fresh.unlink(missing_ok=True)
            quoted = str(fresh).replace("'", "''")
            try:
                name = self._con.execute("SELECT current_database()").fetchone()
                self._con.execute(f"ATTACH '{quoted}' AS skills_compacted")
                self._con.execute(
                    f'COPY FROM DATABASE "{name[0] if name else "main"}" TO skills_compacted'
                )
                self._con.execute("DETACH skills_compacted")
                self._con.close()
            except duckdb.Error as err:
                fresh.unlink(missing_ok=True)
                raise StoreError(f"The database could not be compacted: {err}") from err
            fresh.replace(self.path)
            self.path.with_name(self.path.name + ".wal").unlink(missing_ok=True)
            self._con = duckdb.connect(str(self.path))
            self._generation += 1

    def schema_version(self) -> int:
        """The newest migration applied to this database (0 for an empty file)."""
        return _applied_version(self._con)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    def close(self) -> None:
        """Close the connection; the file lock is released. Idempotent."""
        if not self._closed:
            self._closed = True
            self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        if self._closed:
            raise StoreError("The database has been closed.")
        cur = self._con.cursor()
        if self.is_lake:
            cur.execute("USE lake")
        return cur


def _cursor_of(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A new cursor on ``con``'s database. A cursor starts in the instance's default
    database, so on a lake (attached, not opened) it is pointed at the lake first."""
    cur = con.cursor()
    if con.execute("SELECT current_database()").fetchone() == ("lake",):
        cur.execute("USE lake")
    return cur


def _applied_version(con: duckdb.DuckDBPyConnection) -> int:
    cur = _cursor_of(con)
    try:
        exists = cur.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_migrations' "
            "AND schema_name = 'main' AND database_name = current_database()"
        ).fetchone()
        if not exists or not exists[0]:
            return 0
        row = cur.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
        return int(row[0]) if row else 0
    finally:
        cur.close()


def _migrate(
    con: duckdb.DuckDBPyConnection,
    path: Path | str,
    read_only: bool,
    statements: Callable[[str], list[str]] = lambda sql: [sql],
) -> None:
    """Apply the pending migrations, each with its ``schema_migrations`` row in one
    transaction; ``statements`` turns a migration's SQL into what the backend runs."""
    known = migrations()
    newest = known[-1].version if known else 0
    applied = _applied_version(con)
    if applied > newest:
        raise SchemaTooNew(
            f"The database {path} was written by a newer Skill Atlas (schema {applied}, "
            f"this version knows up to {newest}); upgrade Skill Atlas to open it."
        )
    pending = [m for m in known if m.version > applied]
    if not pending:
        return
    if read_only:
        raise StoreError(
            f"The database {path} needs {len(pending)} schema update(s); "
            "open it once read-write to apply them."
        )
    cur = _cursor_of(con)
    try:
        for statement in statements(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
        ):
            cur.execute(statement)
        for migration in pending:
            cur.execute("BEGIN TRANSACTION")
            try:
                for statement in statements(migration.sql):
                    cur.execute(statement)
                cur.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    [migration.version, migration.name, datetime.now(UTC)],
                )
                cur.execute("COMMIT")
            except duckdb.Error as err:
                with suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                raise StoreError(
                    f"Schema update {migration.version:04d}_{migration.name} failed: {err}"
                ) from err
    finally:
        cur.close()


def open_store(
    path: Path | str | LakeLocation,
    *,
    read_only: bool = False,
    wait: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> Store:
    """Open (creating if needed) the database and bring its schema up to date. A
    :class:`~skills.config.LakeLocation` opens that lake instead
    (:func:`skills.store._lake.open_lake`; ``wait`` does not apply).

    ``path`` is the database file (the settings' ``db_path``); its parent folder is created.
    Pending migrations are applied, each in one transaction together with its
    row in ``schema_migrations``. When another process holds the file (DuckDB
    allows one process per file), the open is retried for up to ``wait``
    seconds; ``on_wait(message)`` is called once when waiting starts.

    Raises :class:`DatabaseLocked` when the file stays held, :class:`SchemaTooNew`
    when it was migrated by newer code, :class:`StoreError` when it cannot be
    opened (not a DuckDB file, a read-only open of a missing or outdated file), and
    :class:`StorageTooNew` for a file of a newer DuckDB's storage format.
    """
    if isinstance(path, LakeLocation):
        from skills.store._lake import open_lake

        return open_lake(path, read_only=read_only)
    db_path = Path(path)
    if read_only and not db_path.exists():
        raise StoreError(f"There is no database at {db_path}.")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + max(0.0, wait)
    told = False
    while True:
        try:
            con = duckdb.connect(str(db_path), read_only=read_only)
            break
        except duckdb.Error as err:
            if "newer version of DuckDB" in str(err):
                raise StorageTooNew(
                    f"The database {db_path} was written by a newer DuckDB (Skill Atlas "
                    f"used DuckDB 2.0 before its lake backend; it now uses DuckDB "
                    f"{duckdb.__version__}, which cannot read that file). Rebuild the demo "
                    "with `python -m skills demo`, or copy your data out with the earlier "
                    "version (`EXPORT DATABASE`) and load it into a new file."
                ) from err
            if not _is_lock_error(err):
                raise StoreError(f"Cannot open the database {db_path}: {err}") from err
            holder = _lock_holder(err)
            # Told before the deadline is checked: on a busy machine the first attempt
            # alone can outlast a short --wait, and the wait still has to be said.
            if on_wait is not None and wait > 0 and not told:
                told = True
                on_wait(
                    f"The database {db_path} is in use by {holder}; "
                    f"waiting up to {wait:g} s for it to be released..."
                )
            if time.monotonic() >= deadline:
                raise DatabaseLocked(
                    f"The database {db_path} is in use by {holder} (the app, or another "
                    f"command); DuckDB allows one process per file. Stop it, or pass a longer "
                    f"--wait (waited {wait:g} s)."
                ) from err
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
    try:
        _migrate(con, db_path, read_only)
    except BaseException:
        con.close()
        raise
    return Store(con, db_path.resolve(), read_only)
