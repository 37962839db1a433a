"""DuckLake with a PostgreSQL catalog as a store backend (issue 17, first step: branch only).

DuckDB 1.5.5 with the ``ducklake`` and ``postgres`` extensions from their PyPI wheels
(``duckdb-extension-ducklake``, ``duckdb-extension-postgres``); nothing is downloaded at
run time (``autoinstall_known_extensions`` off). The postgres binary must be loaded under
the name ``postgres_scanner`` (its entry point), so both are copied into an extension
folder laid out the way DuckDB looks for them.

DuckLake refuses PRIMARY KEY/UNIQUE/CHECK constraints, sequences and indexes, so the
migrations are applied in a lake dialect (:func:`lake_dialect`); uniqueness (idempotency
keys) has to come from elsewhere: see ``docs/ducklake.md``.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import duckdb

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
        shutil.copyfile(folder / "extensions" / _version() / f"{source}.duckdb_extension", dest)
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
